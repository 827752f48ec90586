//! TLS to the engines: the deployment's certificate authority, the server certificates it
//! signs for engine containers, and the rules for when either is renewed.
//!
//! Keys are ECDSA P-256 (rcgen on ring): a server certificate takes well under a millisecond
//! to make, so one can be issued for every container, pooled ones included.
//!
//! - **Server certificates** are valid for [`SERVER_CERT_DAYS`] and re-issued once fewer than
//!   [`RENEW_BEFORE_DAYS`] remain, when the engine's address changed, or when they were signed by
//!   a CA other than the [issuing one](issuing_authority); the workers' certificate duty
//!   checks every lifecycle interval, and every (re)created container gets its certificate
//!   checked the same way first.
//! - **The CA** is valid for [`CA_DAYS`]. Once fewer than [`CA_ROTATE_BEFORE_DAYS`] remain, a
//!   successor is made and published beside it in the bundle (`GET /api/ca.pem`); it starts
//!   signing [`CA_PUBLISH_DAYS`] later, so clients have a month to fetch the new bundle, and
//!   the duty then moves every engine to it. The old CA leaves the bundle when it expires.

use chrono::{DateTime, Duration, Utc};
use rand::RngExt as _;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType, SerialNumber,
};

use crate::model::{CertificateAuthority, EngineCertificate, NewCertificateAuthority};
use crate::secrets::SecretBox;
use crate::store::{Store, StoreError};

/// How long a server certificate is valid.
pub const SERVER_CERT_DAYS: i64 = 90;
/// A server certificate with fewer days left than this is re-issued.
pub const RENEW_BEFORE_DAYS: i64 = 30;
/// How long a CA is valid.
pub const CA_DAYS: i64 = 3650;
/// A CA with fewer days left than this gets a successor.
pub const CA_ROTATE_BEFORE_DAYS: i64 = 730;
/// How long a new CA is only published before it signs anything.
pub const CA_PUBLISH_DAYS: i64 = 30;
/// Certificates start this much before they are made: clocks differ.
const BACKDATE_MINUTES: i64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("the date {0} cannot be written in a certificate")]
    Date(DateTime<Utc>),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// The deployment's CAs, a first or a successor made where [`needs_new_authority`] says so
/// (once, whichever replica gets there first). Run at every start of the api and the worker,
/// and by the workers' certificate duty.
pub async fn ensure_authorities(
    store: &Store,
    secrets: &SecretBox,
    deployment: &str,
) -> Result<Vec<CertificateAuthority>, TlsError> {
    let now = Utc::now();
    let authorities = store.certificate_authorities().await?;
    if !needs_new_authority(&authorities, now) {
        return Ok(authorities);
    }
    let subject = authority_subject(deployment, now);
    let made = generate_authority(&subject, now)?;
    let candidate = NewCertificateAuthority {
        subject,
        cert_pem: made.cert_pem,
        key_enc: secrets.seal(&made.key_pem),
        not_before: made.not_before,
        not_after: made.not_after,
    };
    let authorities = store
        .certificate_authority_add(candidate, |existing| needs_new_authority(existing, now))
        .await?;
    tracing::info!(count = authorities.len(), "certificate authority added");
    Ok(authorities)
}

/// A key pair and the certificate for it, both PEM. The key is a secret: never logged.
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

fn offset(at: DateTime<Utc>) -> Result<time::OffsetDateTime, TlsError> {
    time::OffsetDateTime::from_unix_timestamp(at.timestamp()).map_err(|_| TlsError::Date(at))
}

/// A random positive serial number of 16 bytes.
fn serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::rng().random();
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::from_slice(&bytes)
}

fn ca_params(subject: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, subject);
    params.distinguished_name = name;
    // It signs engine certificates only, never another CA.
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

/// The distinguished name of a deployment's CA made at `now`: unique, so a successor never
/// shares its predecessor's name.
pub fn authority_subject(deployment: &str, now: DateTime<Utc>) -> String {
    format!("dbaas {deployment} engine CA {}", now.format("%Y-%m-%dT%H:%M:%S%.3fZ"))
}

/// A new CA, valid from `now` for [`CA_DAYS`].
pub fn generate_authority(subject: &str, now: DateTime<Utc>) -> Result<Issued, TlsError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = ca_params(subject);
    let not_before = now - Duration::minutes(BACKDATE_MINUTES);
    let not_after = now + Duration::days(CA_DAYS);
    params.not_before = offset(not_before)?;
    params.not_after = offset(not_after)?;
    params.serial_number = Some(serial());
    let cert = params.self_signed(&key)?;
    Ok(Issued {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        not_before,
        not_after,
    })
}

/// The name clients use for an engine, as a subject alternative name: an IP address for an
/// address, a DNS name otherwise (`[::1]` is an address).
fn san(address: &str) -> Result<SanType, TlsError> {
    let bare = address.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => Ok(SanType::IpAddress(ip)),
        Err(_) => Ok(SanType::DnsName(bare.to_string().try_into()?)),
    }
}

/// A server certificate for `address`, signed by the CA whose subject and key (PKCS#8 PEM)
/// are given, valid from `now` for [`SERVER_CERT_DAYS`].
pub fn issue_server_certificate(
    ca_subject: &str,
    ca_key_pem: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Issued, TlsError> {
    let ca_key = KeyPair::from_pem(ca_key_pem)?;
    let issuer = Issuer::new(ca_params(ca_subject), ca_key);
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, address);
    params.distinguished_name = name;
    params.subject_alt_names = vec![san(address)?];
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let not_before = now - Duration::minutes(BACKDATE_MINUTES);
    let not_after = now + Duration::days(SERVER_CERT_DAYS);
    params.not_before = offset(not_before)?;
    params.not_after = offset(not_after)?;
    params.serial_number = Some(serial());
    let cert = params.signed_by(&key, &issuer)?;
    Ok(Issued {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        not_before,
        not_after,
    })
}

/// The CA that signs new server certificates at `now`: the newest one published for at least
/// [`CA_PUBLISH_DAYS`], else (a new deployment) the oldest still valid.
pub fn issuing_authority(authorities: &[CertificateAuthority], now: DateTime<Utc>) -> Option<&CertificateAuthority> {
    let valid = || authorities.iter().filter(|ca| ca.not_after > now);
    valid()
        .filter(|ca| ca.created_at + Duration::days(CA_PUBLISH_DAYS) <= now)
        .max_by_key(|ca| ca.created_at)
        .or_else(|| valid().min_by_key(|ca| ca.created_at))
}

/// Whether a new CA is needed at `now`: there is none, or the newest nears its end.
pub fn needs_new_authority(authorities: &[CertificateAuthority], now: DateTime<Utc>) -> bool {
    authorities
        .iter()
        .map(|ca| ca.not_after)
        .max()
        .is_none_or(|last| last - Duration::days(CA_ROTATE_BEFORE_DAYS) <= now)
}

/// The PEM bundle clients verify engines with: every CA still valid at `now`, oldest first.
pub fn bundle(authorities: &[CertificateAuthority], now: DateTime<Utc>) -> String {
    let mut valid: Vec<&CertificateAuthority> = authorities.iter().filter(|ca| ca.not_after > now).collect();
    valid.sort_by_key(|ca| ca.created_at);
    valid.iter().map(|ca| ca.cert_pem.as_str()).collect()
}

/// Whether an engine's certificate must be re-issued at `now`, for `address`, when `issuing`
/// is the CA that signs new ones.
pub fn needs_new_certificate(
    certificate: &EngineCertificate,
    issuing: &CertificateAuthority,
    address: &str,
    now: DateTime<Utc>,
) -> bool {
    certificate.not_after - Duration::days(RENEW_BEFORE_DAYS) <= now
        || certificate.authority_id != issuing.id
        || certificate.address != address
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authority(id: i64, created_at: DateTime<Utc>) -> CertificateAuthority {
        CertificateAuthority {
            id,
            subject: format!("ca {id}"),
            cert_pem: format!("PEM{id}\n"),
            key_enc: Vec::new(),
            not_before: created_at,
            not_after: created_at + Duration::days(CA_DAYS),
            created_at,
        }
    }

    fn certificate(authority_id: i64, not_after: DateTime<Utc>) -> EngineCertificate {
        EngineCertificate {
            engine_id: 1,
            authority_id,
            address: "127.0.0.1".into(),
            cert_pem: String::new(),
            key_enc: Vec::new(),
            not_after,
            created_at: not_after - Duration::days(SERVER_CERT_DAYS),
        }
    }

    #[test]
    fn a_new_deployment_needs_a_ca_and_signs_with_it_at_once() {
        let now = Utc::now();
        assert!(needs_new_authority(&[], now));
        assert!(issuing_authority(&[], now).is_none());
        let first = [authority(1, now)];
        assert!(!needs_new_authority(&first, now));
        assert_eq!(issuing_authority(&first, now).map(|ca| ca.id), Some(1));
    }

    #[test]
    fn a_successor_is_published_a_month_before_it_signs() {
        let start = Utc::now();
        let old = authority(1, start);
        let rotate_at = old.not_after - Duration::days(CA_ROTATE_BEFORE_DAYS);
        assert!(!needs_new_authority(
            std::slice::from_ref(&old),
            rotate_at - Duration::days(1)
        ));
        assert!(needs_new_authority(std::slice::from_ref(&old), rotate_at));

        let both = [old.clone(), authority(2, rotate_at)];
        assert!(!needs_new_authority(&both, rotate_at));
        // Published at once...
        assert_eq!(bundle(&both, rotate_at), "PEM1\nPEM2\n");
        // ...signing a month later, when every engine moves to it.
        let day = |d| rotate_at + Duration::days(d);
        assert_eq!(
            issuing_authority(&both, day(CA_PUBLISH_DAYS - 1)).map(|ca| ca.id),
            Some(1)
        );
        assert_eq!(issuing_authority(&both, day(CA_PUBLISH_DAYS)).map(|ca| ca.id), Some(2));
        let moved = certificate(1, day(CA_PUBLISH_DAYS) + Duration::days(80));
        assert!(needs_new_certificate(
            &moved,
            &both[1],
            "127.0.0.1",
            day(CA_PUBLISH_DAYS)
        ));
        // The old CA leaves the bundle when it expires.
        assert_eq!(bundle(&both, old.not_after), "PEM2\n");
    }

    #[test]
    fn server_certificates_are_renewed_a_month_before_they_expire() {
        let now = Utc::now();
        let ca = authority(1, now);
        let fresh = certificate(1, now + Duration::days(SERVER_CERT_DAYS));
        assert!(!needs_new_certificate(&fresh, &ca, "127.0.0.1", now));
        assert!(
            needs_new_certificate(&fresh, &ca, "127.0.0.2", now),
            "the address changed"
        );
        let renew_at = fresh.not_after - Duration::days(RENEW_BEFORE_DAYS);
        assert!(!needs_new_certificate(
            &fresh,
            &ca,
            "127.0.0.1",
            renew_at - Duration::seconds(1)
        ));
        assert!(needs_new_certificate(&fresh, &ca, "127.0.0.1", renew_at));
    }

    #[test]
    fn a_server_certificate_names_its_address_and_is_quick_to_make() {
        let now = Utc::now();
        let subject = authority_subject("test", now);
        let ca = generate_authority(&subject, now).unwrap();
        assert!(ca.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(ca.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let started = std::time::Instant::now();
        let issued = issue_server_certificate(&subject, &ca.key_pem, "127.0.0.1", now).unwrap();
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_millis(200), "{took:?}");
        assert!(issued.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(issued.not_after, now + Duration::days(SERVER_CERT_DAYS));
        assert!(matches!(san("[::1]").unwrap(), SanType::IpAddress(ip) if ip.is_loopback()));
        assert!(matches!(san("db.example").unwrap(), SanType::DnsName(_)));
    }
}
