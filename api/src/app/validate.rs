//! Rules for what admins and tenants write: names, passwords, descriptions. Each check names
//! the field at fault.

use super::{AppError, AppResult};

/// Longest name of a team, plan, environment, project or user.
pub const MAX_NAME_LEN: usize = 64;
pub const MAX_DESCRIPTION_LEN: usize = 1000;
/// NIST's floor for memorised secrets is 8; API passwords sit in scripts, so ask for more.
pub const MIN_PASSWORD_LEN: usize = 12;
/// Argon2 takes any length; a cap keeps one request from hashing megabytes.
pub const MAX_PASSWORD_LEN: usize = 1024;

pub fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
    AppError::Invalid {
        field: Some(field),
        message: message.into(),
    }
}

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
pub fn name(field: &'static str, raw: &str) -> AppResult<()> {
    word(field, raw, &['_', '.', '-'])?;
    if raw.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid(
            field,
            format!("{field} must not be only digits: it would read as an id"),
        ));
    }
    Ok(())
}

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

pub fn description(raw: &str) -> AppResult<()> {
    if raw.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(invalid(
            "description",
            format!("description is longer than {MAX_DESCRIPTION_LEN} characters"),
        ));
    }
    Ok(())
}

/// Applies `check` to a value that is there.
pub fn each<T: ?Sized>(value: Option<&T>, check: impl FnOnce(&T) -> AppResult<()>) -> AppResult<()> {
    value.map_or(Ok(()), check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_words_that_do_not_read_as_ids() {
        for good in ["dev", "postgres-small", "team_1", "a.b", "7up"] {
            assert!(name("name", good).is_ok(), "{good}");
        }
        for bad in ["", "42", "a b", "a/b", "é", &"a".repeat(65)] {
            assert!(name("name", bad).is_err(), "{bad:?}");
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
}
