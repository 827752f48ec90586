//! Idempotency keys of creates: a client whose POST was cut off sends it again with the same
//! `Idempotency-Key` and gets what the first one made, never a second database. A key is
//! one API user's, for one operation and one request (its body's digest); it is recorded in
//! the transaction that records what it made, so a key never names something that was not
//! made.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::Conn;
use crate::schema::idempotency_keys;

/// The operation a key was used for.
pub const DATABASE_CREATE: &str = "database_create";

/// A key as a request gives it.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub user_id: i64,
    pub key: String,
    pub operation: &'static str,
    /// A digest of the request, so that a key reused for another request is told apart.
    pub request_hash: String,
}

/// What an earlier request with the key was and made.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct EarlierRequest {
    pub operation: String,
    pub request_hash: String,
    pub database_id: Option<i64>,
}

/// Records the key in the caller's transaction; `Some` with the earlier request when the key
/// is taken. An insert racing another one with the key waits for that one's transaction, so
/// the earlier request found here has committed what it made.
pub(crate) async fn claim(conn: &mut Conn, key: &IdempotencyKey) -> QueryResult<Option<EarlierRequest>> {
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(key.user_id),
            idempotency_keys::key.eq(&key.key),
            idempotency_keys::operation.eq(key.operation),
            idempotency_keys::request_hash.eq(&key.request_hash),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        return Ok(None);
    }
    find(conn, key.user_id, &key.key).await
}

/// Names what the request made, before its transaction commits.
pub(crate) async fn settle(conn: &mut Conn, key: &IdempotencyKey, database_id: i64) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find((key.user_id, &key.key)))
        .set(idempotency_keys::database_id.eq(database_id))
        .execute(conn)
        .await
        .map(drop)
}

async fn find(conn: &mut Conn, user_id: i64, key: &str) -> QueryResult<Option<EarlierRequest>> {
    idempotency_keys::table
        .find((user_id, key))
        .select((
            idempotency_keys::operation,
            idempotency_keys::request_hash,
            idempotency_keys::database_id,
        ))
        .first(conn)
        .await
        .optional()
}
