//! The app's rules for what admins and tenants write, one function per rule, named for the
//! field it checks; every operation uses these and keeps no rule of its own. Each check names
//! the field at fault. The spec's `#[oai(validator)]`s (in `params`) run first and state the
//! same rules (400); these repeat them, as a second line, and hold what no schema keyword can
//! say: names the engines keep for themselves, `port_min` above `port_max`, a limit the
//! engine cannot enforce. Those answer 422 ([`unprocessable`]), as the spec documents.
//!
//! A rule that also reads the input returns what it read: [`engine`] the engine kind,
//! [`cpus`] the thousandths the catalog keeps, [`database_name`] the normalised name.
//!
//! Over 400 lines on purpose: every rule the API enforces sits in this one file, so that it
//! reads beside the spec (and `api/tests/rules.rs` checks the two agree).

use dbaas_core::allowlist::{AllowList, DOCKER_SCHEMES};
use dbaas_core::model::{
    is_plain_network_endpoint, DatabaseStatus, Drift, EngineKind, Health, Placement, Privileges, TaskStatus,
    MAX_ROLE_NAME_LEN,
};
use dbaas_core::names::{normalize_database_name, NameError};

use super::{AppError, AppResult};

/// Longest name of a team, plan, environment, project or user.
pub const MAX_NAME_LEN: usize = 64;
pub const MAX_DESCRIPTION_LEN: usize = 1000;
/// NIST's floor for memorised secrets is 8; API passwords sit in scripts, so ask for more.
pub const MIN_PASSWORD_LEN: usize = 12;
/// Argon2 takes any length; a cap keeps one request from hashing megabytes.
pub const MAX_PASSWORD_LEN: usize = 1024;
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_LEN: usize = 64;
/// Longer than anyone keeps a deleted database; also keeps date arithmetic far from overflow.
pub const MAX_QUARANTINE_DAYS: i32 = 3650;
/// The longest role name Postgres keeps (NAMEDATALEN - 1).
pub const MAX_USER_LEN: usize = 63;
pub const MAX_CONNECTION_LIMIT: i32 = 10_000;
/// Less memory than this and an engine does not start reliably.
pub const MIN_MEMORY_BYTES: i64 = 64 * 1024 * 1024;
/// Docker takes fractions of a core down to a thousandth; more than this is a typo.
pub const MAX_CPUS: f64 = 1024.0;
pub const MAX_IMAGE_LEN: usize = 255;
pub const MAX_ENDPOINT_LEN: usize = 1000;
pub const MAX_HOST_LEN: usize = 255;

pub fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
    AppError::Invalid {
        field: Some(field),
        message: message.into(),
    }
}

/// Well-formed, as the spec says, but not allowed (422).
pub fn unprocessable(field: &'static str, message: impl Into<String>) -> AppError {
    AppError::Unprocessable {
        field: Some(field),
        message: message.into(),
    }
}

/// Applies `check` to a value that is there.
pub fn each<T: ?Sized>(value: Option<&T>, check: impl FnOnce(&T) -> AppResult<()>) -> AppResult<()> {
    value.map_or(Ok(()), check)
}

// Names and descriptions, shared by every resource.

fn word(field: &'static str, raw: &str, extra: &[char]) -> AppResult<()> {
    let len = raw.chars().count();
    if len == 0 || len > MAX_NAME_LEN {
        return Err(invalid(
            field,
            format!("{field} must be 1 to {MAX_NAME_LEN} characters"),
        ));
    }
    if !raw.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(&c)) {
        let extra: String = extra.iter().collect();
        return Err(invalid(
            field,
            format!("{field} may hold only letters, digits and any of '{extra}'"),
        ));
    }
    Ok(())
}

/// The name of a team, plan, environment or project: 1 to 64 letters, digits, `_`, `.` and
/// `-`, not only digits (a reference made only of digits is read as an id).
pub fn name(raw: &str) -> AppResult<()> {
    word("name", raw, &['_', '.', '-'])?;
    if raw.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid("name", "name must not be only digits: it would read as an id"));
    }
    Ok(())
}

pub fn description(raw: &str) -> AppResult<()> {
    if raw.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(invalid(
            "description",
            format!("description is longer than {MAX_DESCRIPTION_LEN} characters"),
        ));
    }
    Ok(())
}

// API users.

/// An API user's name: 1 to 64 letters, digits, `_`, `.`, `@` and `-` (never `:`, which ends
/// the name in HTTP basic authentication).
pub fn username(raw: &str) -> AppResult<()> {
    word("username", raw, &['_', '.', '@', '-'])
}

pub fn password(raw: &str) -> AppResult<()> {
    let len = raw.chars().count();
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&len) {
        return Err(invalid(
            "password",
            format!("password must be {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters"),
        ));
    }
    Ok(())
}

// Teams.

pub fn database_limit(value: &i32) -> AppResult<()> {
    if *value < 0 {
        return Err(invalid("database_limit", "database_limit must be 0 or more"));
    }
    Ok(())
}

// Databases.

/// The longest database name as written (spaces and tabs at the ends included).
pub const MAX_DATABASE_NAME_INPUT: usize = 200;

/// A database's name as the engine gets it: spaces and dashes become underscores. As written
/// it holds only ASCII letters, digits, `_`, `-`, spaces and tabs (the spec's pattern); a
/// name the engines keep answers 422.
pub fn database_name(raw: &str) -> AppResult<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_- \t".contains(c);
    if raw.chars().count() > MAX_DATABASE_NAME_INPUT || !raw.chars().all(allowed) {
        return Err(invalid(
            "name",
            "name must start with a letter and hold only letters, digits, underscores, dashes and spaces",
        ));
    }
    normalize_database_name(raw).map_err(|e| match e {
        NameError::Reserved(_) => unprocessable("name", e.to_string()),
        e => invalid("name", e.to_string()),
    })
}

pub fn tags<T: AsRef<str>>(tags: &[T]) -> AppResult<()> {
    if tags.len() > MAX_TAGS {
        return Err(invalid("tags", format!("at most {MAX_TAGS} tags")));
    }
    for tag in tags.iter().map(AsRef::as_ref) {
        if tag.is_empty() || tag.chars().count() > MAX_TAG_LEN || tag.chars().any(char::is_control) {
            return Err(invalid(
                "tags",
                format!("'{tag}' is not a tag: 1 to {MAX_TAG_LEN} printable characters"),
            ));
        }
    }
    Ok(())
}

/// A quarantine period, of an environment or of one database.
pub fn quarantine_days(value: &i32) -> AppResult<()> {
    if !(0..=MAX_QUARANTINE_DAYS).contains(value) {
        return Err(invalid(
            "quarantine_days",
            format!("quarantine_days must be between 0 and {MAX_QUARANTINE_DAYS}"),
        ));
    }
    Ok(())
}

/// The `status` filter of a database list.
pub fn database_status(raw: &str) -> AppResult<DatabaseStatus> {
    raw.parse().map_err(|_| {
        invalid(
            "status",
            format!("'{raw}' is not a status: {}", DatabaseStatus::choices()),
        )
    })
}

// Credentials.

/// An engine role name: a letter, then letters, digits and underscores; none of the engine's
/// own.
pub fn user(raw: &str) -> AppResult<()> {
    let mut chars = raw.chars();
    if raw.is_empty() || raw.len() > MAX_USER_LEN {
        return Err(invalid("user", format!("user must be 1 to {MAX_USER_LEN} characters")));
    }
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase())
        || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(invalid(
            "user",
            "user must start with a lowercase letter and hold only lowercase letters, digits and underscores",
        ));
    }
    if raw.starts_with("pg_") || ["postgres", "public", "admin", "root"].contains(&raw) {
        return Err(unprocessable("user", format!("'{raw}' is reserved by the engine")));
    }
    Ok(())
}

/// A credential's role name as the engine keeps it (on a shared engine `<database>.<user>`):
/// a longer one than Postgres keeps would be cut.
pub fn role_name(username: &str) -> AppResult<()> {
    if username.len() > MAX_ROLE_NAME_LEN {
        return Err(unprocessable(
            "user",
            format!(
                "the role name '{username}' (on a shared engine: the database's name, a dot and the user) \
                 is longer than {MAX_ROLE_NAME_LEN} characters"
            ),
        ));
    }
    Ok(())
}

/// Privileges as requests write them: `read-write` or `read_write`, ...
pub fn privileges(raw: &str) -> AppResult<Privileges> {
    raw.replace('-', "_").parse().map_err(|_| {
        invalid(
            "privileges",
            format!("'{raw}' is not one of owner, read-write, read-only"),
        )
    })
}

/// Concurrent sessions of a credential; -1 for no limit.
/// A limit is refused where the engine cannot enforce it, rather than silently ignored.
pub fn connection_limit_on(engine: EngineKind, limit: Option<i32>) -> AppResult<()> {
    if limit.is_some_and(|l| l >= 0) && !engine.limits_connections_per_user() {
        return Err(unprocessable(
            "connection_limit",
            format!("{engine} cannot limit one user's connections: leave connection_limit out (or -1)"),
        ));
    }
    Ok(())
}

pub fn connection_limit(value: &i32) -> AppResult<()> {
    if !(-1..=MAX_CONNECTION_LIMIT).contains(value) {
        return Err(invalid(
            "connection_limit",
            format!("connection_limit must be between 0 and {MAX_CONNECTION_LIMIT} (or -1 for no limit)"),
        ));
    }
    Ok(())
}

// Tasks.

/// The `status` filter of a task list.
pub fn task_status(raw: &str) -> AppResult<TaskStatus> {
    raw.parse()
        .map_err(|_| invalid("status", format!("'{raw}' is not one of {}", TaskStatus::choices())))
}

// The fleet.

pub fn health(raw: &str) -> AppResult<Health> {
    raw.parse()
        .map_err(|_| invalid("health", format!("'{raw}' is not one of {}", Health::choices())))
}

pub fn drift(raw: &str) -> AppResult<Drift> {
    raw.parse()
        .map_err(|_| invalid("drift", format!("'{raw}' is not one of {}", Drift::choices())))
}

// Plans.

pub fn engine(raw: &str) -> AppResult<EngineKind> {
    raw.parse()
        .map_err(|_| invalid("engine", format!("engine must be one of: {}", EngineKind::choices())))
}

/// Printable ASCII, no space: `!` to `~`.
fn printable_ascii(c: char) -> bool {
    c.is_ascii_graphic()
}

pub fn image(raw: &str) -> AppResult<()> {
    if raw.is_empty() || raw.len() > MAX_IMAGE_LEN || !raw.chars().all(printable_ascii) {
        return Err(invalid(
            "image",
            format!("image must be 1 to {MAX_IMAGE_LEN} printable ASCII characters without spaces"),
        ));
    }
    Ok(())
}

pub fn memory_bytes(value: &i64) -> AppResult<()> {
    if *value < MIN_MEMORY_BYTES {
        return Err(invalid(
            "memory_bytes",
            format!("memory_bytes must be at least {MIN_MEMORY_BYTES} (64 MiB)"),
        ));
    }
    Ok(())
}

pub fn size_bytes(value: &i64) -> AppResult<()> {
    if *value <= 0 {
        return Err(invalid("size_bytes", "size_bytes must be more than 0"));
    }
    Ok(())
}

/// The most engines a plan's pool may keep per environment.
pub const MAX_POOL_SIZE: i32 = 100;

pub fn pool_size(value: &i32) -> AppResult<()> {
    if !(0..=MAX_POOL_SIZE).contains(value) {
        return Err(invalid(
            "pool_size",
            format!("pool_size must be between 0 and {MAX_POOL_SIZE}"),
        ));
    }
    Ok(())
}

pub fn placement(raw: &str) -> AppResult<Placement> {
    raw.parse().map_err(|_| {
        invalid(
            "placement",
            format!("placement must be one of: {}", Placement::choices()),
        )
    })
}

/// The most databases one engine of a shared plan may hold.
pub const MAX_DATABASES_PER_ENGINE: i32 = 1000;

pub fn databases_per_engine(value: &i32) -> AppResult<()> {
    if !(1..=MAX_DATABASES_PER_ENGINE).contains(value) {
        return Err(invalid(
            "databases_per_engine",
            format!("databases_per_engine must be between 1 and {MAX_DATABASES_PER_ENGINE}"),
        ));
    }
    Ok(())
}

/// A shared plan runs Postgres and keeps no pool.
pub fn shared_plan(placement: Placement, engine: EngineKind, pool_size: i32) -> AppResult<()> {
    if placement != Placement::Shared {
        return Ok(());
    }
    if engine != EngineKind::Postgres {
        return Err(unprocessable(
            "placement",
            "only postgres plans can be shared: a MongoDB engine cannot end one tenant's sessions without a restart",
        ));
    }
    if pool_size > 0 {
        return Err(unprocessable(
            "pool_size",
            "a shared plan keeps no pool (pool_size 0): its running engines with room are its pool",
        ));
    }
    Ok(())
}

/// The fewest cores a plan may give.
pub const MIN_CPUS: f64 = 0.001;

/// Cores as the catalog keeps them: thousandths, the finest Docker applies.
pub fn cpus(cpus: f64) -> AppResult<i32> {
    let millis = (cpus * 1000.0).round();
    // Also refuses NaN.
    if !(MIN_CPUS..=MAX_CPUS).contains(&cpus) {
        return Err(invalid(
            "cpus",
            format!("cpus must be at least 0.001 and at most {MAX_CPUS}"),
        ));
    }
    // Between 1 and 1,024,000 by the check above.
    Ok(millis as i32)
}

// Environments.

/// A scheme of [`DOCKER_SCHEMES`], then 1 or more printable ASCII characters, no spaces.
pub fn docker_endpoint(raw: &str) -> AppResult<()> {
    let scheme = DOCKER_SCHEMES.iter().find(|s| raw.starts_with(**s));
    if scheme.is_none_or(|s| raw.len() == s.len()) || raw.len() > MAX_ENDPOINT_LEN || !raw.chars().all(printable_ascii)
    {
        return Err(invalid(
            "docker_endpoint",
            format!(
                "docker_endpoint must be a URL starting with one of {}",
                DOCKER_SCHEMES.join(", ")
            ),
        ));
    }
    Ok(())
}

/// A Docker endpoint the deployment's allow-list lets workers dial (422 naming the rule).
pub fn allowed_docker_endpoint(allow: &AllowList, raw: &str) -> AppResult<()> {
    allow
        .check_docker_endpoint(raw)
        .map_err(|rule| AppError::Unprocessable {
            field: Some("docker_endpoint"),
            message: format!("docker_endpoint is refused: {rule}"),
        })
}

/// An address the deployment's allow-list lets engines listen on (422 naming the rule), as
/// `field`.
pub fn allowed_address(allow: &AllowList, field: &'static str, raw: &str) -> AppResult<()> {
    allow.check_host(raw).map_err(|rule| AppError::Unprocessable {
        field: Some(field),
        message: format!("{field} is refused: {rule}"),
    })
}

/// A host name or an IP address (IPv6 in brackets, as it goes into connection URIs), as
/// `field`.
pub fn address(field: &'static str, raw: &str) -> AppResult<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".-:[]".contains(c);
    if raw.is_empty() || raw.len() > MAX_HOST_LEN || !raw.chars().all(allowed) {
        return Err(invalid(field, format!("{field} must be a host name or an IP address")));
    }
    Ok(())
}

/// An environment's `host_address` ([`address`]).
pub fn host_address(raw: &str) -> AppResult<()> {
    address("host_address", raw)
}

/// A Docker endpoint as an environment may use it: plain `tcp://` or `http://` only where the
/// environment is marked for local development, `https://` only with TLS material.
pub fn endpoint_security(endpoint: &str, tls: bool, development: bool) -> AppResult<()> {
    if is_plain_network_endpoint(endpoint, tls) && !development {
        return Err(unprocessable(
            "docker_endpoint",
            format!(
                "docker_endpoint {endpoint} is plain (unencrypted) Docker, which only an environment marked for \
                 local development may use; give tls_ca, tls_cert and tls_key, or mark the environment \
                 `development`"
            ),
        ));
    }
    if endpoint.starts_with("https://") && !tls {
        return Err(unprocessable(
            "docker_endpoint",
            "an https:// docker_endpoint needs tls_ca, tls_cert and tls_key",
        ));
    }
    if tls && endpoint.starts_with("unix://") {
        return Err(unprocessable(
            "tls_ca",
            "a unix:// docker_endpoint takes no TLS material",
        ));
    }
    Ok(())
}

/// `port_min` or `port_max`.
pub fn port(field: &'static str, value: &i32) -> AppResult<()> {
    if !(1..=65535).contains(value) {
        return Err(invalid(field, format!("{field} must be between 1 and 65535")));
    }
    Ok(())
}

/// `port_min` and `port_max` together: a range of at least one port. Two fields together are
/// beyond a schema: 422.
pub fn port_range(min: i32, max: i32) -> AppResult<()> {
    if min > max {
        return Err(unprocessable(
            "port_min",
            format!("port_min ({min}) must not be above port_max ({max})"),
        ));
    }
    Ok(())
}

// The audit trail's filters.

/// The longest `user` filter: the longest username a record keeps.
pub const MAX_AUDIT_USER_LEN: usize = super::audit::MAX_ACTOR_NAME_LEN;
/// The longest `resource` filter.
pub const MAX_AUDIT_RESOURCE_LEN: usize = 1000;

/// The `user` filter: a username as given, 1 to 256 characters.
pub fn audit_user(raw: &str) -> AppResult<()> {
    let len = raw.chars().count();
    if len == 0 || len > MAX_AUDIT_USER_LEN {
        return Err(invalid(
            "user",
            format!("user must be 1 to {MAX_AUDIT_USER_LEN} characters"),
        ));
    }
    Ok(())
}

/// The `resource` filter: the path or URL of an API resource (`/api/database/7/`), answered
/// as records keep it. Any string fits the spec; one that names no resource of ours is
/// unprocessable, as a reference to nothing is (422).
pub fn audit_resource(raw: &str) -> AppResult<String> {
    if raw.chars().count() > MAX_AUDIT_RESOURCE_LEN {
        return Err(invalid(
            "resource",
            format!("resource is longer than {MAX_AUDIT_RESOURCE_LEN} characters"),
        ));
    }
    super::audit::audit_path(raw.trim()).ok_or_else(|| {
        unprocessable(
            "resource",
            format!("'{raw}' is not the path of an API resource, such as /api/database/1/"),
        )
    })
}

/// The `operation` filter: an operation id (`database_delete`, `login_failed`): 1 to 64
/// lowercase letters and underscores. One that is no operation matches nothing.
pub fn audit_operation(raw: &str) -> AppResult<()> {
    let len = raw.chars().count();
    if len == 0 || len > 64 || !raw.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        return Err(invalid(
            "operation",
            "operation must be 1 to 64 lowercase letters and underscores, such as database_delete",
        ));
    }
    Ok(())
}

/// `since` and `until` together: `until` not before `since`. Two fields together are beyond a
/// schema: 422.
pub fn time_range(
    since: Option<chrono::DateTime<chrono::Utc>>,
    until: Option<chrono::DateTime<chrono::Utc>>,
) -> AppResult<()> {
    if let (Some(since), Some(until)) = (since, until) {
        if until < since {
            return Err(unprocessable("until", "until is before since"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_words_that_do_not_read_as_ids() {
        for good in ["dev", "postgres-small", "team_1", "a.b", "7up"] {
            assert!(name(good).is_ok(), "{good}");
        }
        for bad in ["", "42", "a b", "a/b", "é", &"a".repeat(65)] {
            assert!(name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn usernames_and_passwords() {
        assert!(username("alice@example.com").is_ok());
        assert!(username("a:b").is_err());
        assert!(username("").is_err());
        assert!(password("twelve chars").is_ok());
        assert!(password("eleven char").is_err());
    }

    #[test]
    fn filters_and_kinds_keep_their_messages() {
        let message = |e: AppError| e.to_string();
        assert_eq!(
            message(task_status("done").unwrap_err()),
            "'done' is not one of queued, running, succeeded, failed"
        );
        assert_eq!(
            message(database_status("gone").unwrap_err()),
            "'gone' is not a status: creating, ready, failed, quarantining, quarantined, restoring, deleting, deleted"
        );
        assert_eq!(
            message(engine("mysql").unwrap_err()),
            "engine must be one of: postgres, mongodb"
        );
        assert_eq!(privileges("read-only").unwrap(), Privileges::ReadOnly);
        assert_eq!(
            message(privileges("all").unwrap_err()),
            "'all' is not one of owner, read-write, read-only"
        );
    }

    #[test]
    fn engine_users() {
        assert!(user("app_1").is_ok());
        for bad in ["", "1app", "App", "pg_x", "postgres", &"a".repeat(64)] {
            assert!(user(bad).is_err(), "{bad:?}");
        }
    }
}
