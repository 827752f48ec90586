//! Certificates: the deployment's certificate authorities and each engine's server
//! certificate, as the catalog keeps them (private keys sealed). Making them is
//! [`crate::tls`]'s.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema;

/// A certificate authority of the deployment. Engines' server certificates are signed by one;
/// clients verify them with the bundle of all that are still valid (`GET /api/ca.pem`).
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = schema::certificate_authorities)]
pub struct CertificateAuthority {
    pub id: i64,
    /// Its common name, also its whole distinguished name.
    pub subject: String,
    pub cert_pem: String,
    /// The PKCS#8 PEM of its key, sealed.
    pub key_enc: Vec<u8>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("id", &self.id)
            .field("subject", &self.subject)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Insertable)]
#[diesel(table_name = schema::certificate_authorities)]
pub struct NewCertificateAuthority {
    pub subject: String,
    pub cert_pem: String,
    pub key_enc: Vec<u8>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

/// The server certificate an engine presents, for the address its clients use.
#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::engine_certificates)]
pub struct EngineCertificate {
    pub engine_id: i64,
    pub authority_id: i64,
    /// The address in its subject alternative name (an IP address, or a DNS name).
    pub address: String,
    pub cert_pem: String,
    /// The PKCS#8 PEM of its key, sealed.
    pub key_enc: Vec<u8>,
    pub not_after: DateTime<Utc>,
    #[diesel(skip_insertion)]
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for EngineCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineCertificate")
            .field("engine_id", &self.engine_id)
            .field("authority_id", &self.authority_id)
            .field("address", &self.address)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}
