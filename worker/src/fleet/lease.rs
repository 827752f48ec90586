//! Leases in Redis: which worker follows which Docker host. A lease is held by one worker
//! process at a time and lapses unless renewed, so when that worker dies another takes the
//! host over within one lease.

use std::time::Duration;

use redis::aio::ConnectionManager;

/// Takes the lease for `holder`, or renews it where `holder` has it already; 1 when held.
const HOLD: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
";

#[derive(Clone)]
pub struct Leases {
    conn: ConnectionManager,
    prefix: String,
    holder: String,
    ttl: Duration,
}

impl Leases {
    pub fn new(conn: ConnectionManager, prefix: &str, holder: &str, ttl: Duration) -> Self {
        Self {
            conn,
            prefix: prefix.to_owned(),
            holder: holder.to_owned(),
            ttl,
        }
    }

    /// The key of the lease on a Docker host.
    pub fn key(prefix: &str, host_id: i64) -> String {
        format!("{prefix}:fleet:host:{host_id}")
    }

    /// Whether this worker holds (now: took or renewed) the lease on a host.
    /// Redis being unreachable means not held: better no follower for a while than two.
    pub async fn hold(&self, host_id: i64) -> bool {
        let ttl = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX);
        let held: Result<i64, _> = redis::cmd("EVAL")
            .arg(HOLD)
            .arg(1)
            .arg(Self::key(&self.prefix, host_id))
            .arg(&self.holder)
            .arg(ttl)
            .query_async(&mut self.conn.clone())
            .await;
        match held {
            Ok(held) => held == 1,
            Err(e) => {
                tracing::warn!(host_id, error = %e, "cannot reach Redis for the fleet lease");
                false
            }
        }
    }
}
