//! Database names as tenants write them and as engines accept them.
//!
//! The reference API turns "test database2" into `test_database2`: spaces and dashes become
//! underscores and letters are lowered. The result must be a plain identifier, so that it can
//! name a Postgres database and a MongoDB database and prefix the `u_<name>` owner role.

/// Longest name accepted: `u_<name>` must stay within Postgres' 63-byte identifiers, with room
/// for the suffixes of later credentials.
pub const MAX_NAME_LEN: usize = 50;

/// Names of the control plane's own databases in its engines (`dbaas_spare`): no tenant's.
pub const CONTROL_PLANE_PREFIX: &str = "dbaas_";

/// Names the engines keep for themselves.
const RESERVED: &[&str] = &[
    "postgres",
    "template0",
    "template1",
    "admin",
    "local",
    "config",
    "root",
    "public",
    "information_schema",
    "pg_catalog",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {MAX_NAME_LEN} characters")]
    TooLong,
    #[error("the name must start with a letter and hold only letters, digits and underscores")]
    Invalid,
    #[error("'{0}' is reserved by the engine")]
    Reserved(String),
}

/// Normalises a requested database name, or says why it cannot be one.
pub fn normalize_database_name(raw: &str) -> Result<String, NameError> {
    let name: String = raw
        .trim()
        .chars()
        .map(|c| match c {
            ' ' | '\t' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong);
    }
    let mut chars = name.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    if !starts_with_letter || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(NameError::Invalid);
    }
    // `dbaas_`: the control plane's own databases in its engines (an engine's spare database
    // becomes the next one made there: a tenant's database of that name would be given away).
    if RESERVED.contains(&name.as_str()) || name.starts_with("pg_") || name.starts_with(CONTROL_PLANE_PREFIX) {
        return Err(NameError::Reserved(name));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_reference_example() {
        assert_eq!(normalize_database_name("test database2").unwrap(), "test_database2");
        assert_eq!(normalize_database_name(" Orders-EU ").unwrap(), "orders_eu");
    }

    #[test]
    fn keeps_the_control_planes_own_names() {
        assert_eq!(
            normalize_database_name("dbaas_spare"),
            Err(NameError::Reserved("dbaas_spare".into()))
        );
        assert_eq!(
            normalize_database_name("DBaaS spare"),
            Err(NameError::Reserved("dbaas_spare".into()))
        );
        assert!(normalize_database_name("dbaasy").is_ok());
    }

    #[test]
    fn refuses_what_an_engine_would_not_take() {
        assert_eq!(normalize_database_name("  "), Err(NameError::Empty));
        assert_eq!(normalize_database_name("1abc"), Err(NameError::Invalid));
        assert_eq!(normalize_database_name("a;drop"), Err(NameError::Invalid));
        assert_eq!(normalize_database_name("naïve"), Err(NameError::Invalid));
        assert_eq!(normalize_database_name(&"a".repeat(51)), Err(NameError::TooLong));
        assert!(matches!(
            normalize_database_name("Postgres"),
            Err(NameError::Reserved(_))
        ));
        assert!(matches!(normalize_database_name("pg_x"), Err(NameError::Reserved(_))));
    }
}
