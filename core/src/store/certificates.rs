//! The deployment's certificate authorities and the engines' server certificates.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::{Store, StoreResult};
use crate::model::{CertificateAuthority, EngineCertificate, EngineState, NewCertificateAuthority};
use crate::schema::{certificate_authorities, engine_certificates, engines};

/// Serialises the replicas that may add a CA at the same moment.
const AUTHORITY_LOCK: i64 = 727_275;

impl Store {
    /// Every CA of the deployment, oldest first.
    pub async fn certificate_authorities(&self) -> StoreResult<Vec<CertificateAuthority>> {
        let mut conn = self.conn().await?;
        Ok(certificate_authorities::table
            .order(certificate_authorities::id)
            .select(CertificateAuthority::as_select())
            .load(&mut conn)
            .await?)
    }

    /// Adds `candidate` unless `still_needed`, asked under a lock with the CAs there are then,
    /// says another replica already added one. Returns every CA, oldest first.
    pub async fn certificate_authority_add(
        &self,
        candidate: NewCertificateAuthority,
        still_needed: impl FnOnce(&[CertificateAuthority]) -> bool + Send,
    ) -> StoreResult<Vec<CertificateAuthority>> {
        let mut conn = self.conn().await?;
        Ok(conn
            .transaction::<_, diesel::result::Error, _>(async |conn| {
                diesel::sql_query(format!("SELECT pg_advisory_xact_lock({AUTHORITY_LOCK})"))
                    .execute(conn)
                    .await?;
                let load = certificate_authorities::table
                    .order(certificate_authorities::id)
                    .select(CertificateAuthority::as_select());
                let existing = load.load(conn).await?;
                if !still_needed(&existing) {
                    return Ok(existing);
                }
                diesel::insert_into(certificate_authorities::table)
                    .values(&candidate)
                    .execute(conn)
                    .await?;
                load.load(conn).await
            })
            .await?)
    }

    /// The server certificate of an engine, if it was ever given one.
    pub async fn engine_certificate(&self, engine_id: i64) -> StoreResult<Option<EngineCertificate>> {
        let mut conn = self.conn().await?;
        Ok(engine_certificates::table
            .find(engine_id)
            .select(EngineCertificate::as_select())
            .first(&mut conn)
            .await
            .optional()?)
    }

    /// Records an engine's new server certificate, replacing the one it had.
    pub async fn engine_certificate_save(&self, certificate: &EngineCertificate) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        diesel::insert_into(engine_certificates::table)
            .values(certificate)
            .on_conflict(engine_certificates::engine_id)
            .do_update()
            .set((
                engine_certificates::authority_id.eq(certificate.authority_id),
                engine_certificates::address.eq(&certificate.address),
                engine_certificates::cert_pem.eq(&certificate.cert_pem),
                engine_certificates::key_enc.eq(&certificate.key_enc),
                engine_certificates::not_after.eq(certificate.not_after),
                engine_certificates::created_at.eq(Utc::now()),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Engines that run (pooled or serving databases) whose certificate ends before
    /// `renew_at` or was signed by a CA other than `issuing_authority`: those to give a new
    /// one.
    pub async fn engine_certificates_due(
        &self,
        renew_at: DateTime<Utc>,
        issuing_authority: i64,
    ) -> StoreResult<Vec<i64>> {
        let mut conn = self.conn().await?;
        Ok(engine_certificates::table
            .inner_join(engines::table)
            .filter(engines::state.eq_any([EngineState::Pooled, EngineState::Assigned]))
            .filter(
                engine_certificates::not_after
                    .le(renew_at)
                    .or(engine_certificates::authority_id.ne(issuing_authority)),
            )
            .order(engine_certificates::engine_id)
            .select(engine_certificates::engine_id)
            .load(&mut conn)
            .await?)
    }
}
