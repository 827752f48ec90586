//! Logins answered from memory: who a username is and the hash their password is checked
//! against, as the catalog said a moment ago.
//!
//! The catalog announces every change of users and memberships (a trigger notifies
//! [`CHANNEL`] when the change commits), and each api process [listens](super::listen). Any
//! notification forgets every login, and the process that makes a change forgets at once; see
//! [`super::memory`] for when the memory is trusted. So a change takes effect on this process
//! at once and on every other one within [`TRUSTED_FOR`](super::memory::TRUSTED_FOR).

use std::time::Duration;

use super::listen::Heard;
use super::memory::Memory;
use super::Login;

/// The channel the catalog's triggers notify on a change of users or memberships.
pub const CHANNEL: &str = "dbaas_logins";
/// How long one entry is kept.
pub const KEPT_FOR: Duration = Duration::from_secs(60);
const MAX_ENTRIES: usize = 10_000;

/// Logins by username.
pub(crate) struct LoginMemory(Memory<String, Login>);

impl Default for LoginMemory {
    fn default() -> Self {
        Self(Memory::new(KEPT_FOR, MAX_ENTRIES))
    }
}

impl LoginMemory {
    /// What the listener heard: any change forgets every login.
    pub(crate) fn heard(&self, heard: Heard<'_>) {
        self.0.heard(heard, |_| None);
    }

    /// Forgets everything: this process changed a user or a membership.
    pub(crate) fn forget(&self) {
        self.0.forget();
    }

    /// The remembered login of `username`, while the memory can be trusted.
    pub(crate) fn recall(&self, username: &str) -> Option<Login> {
        self.0.recall(&username.to_owned())
    }

    /// The generation a read of the catalog starts under.
    pub(crate) fn generation(&self) -> u64 {
        self.0.generation()
    }

    /// Remembers what a read started under `generation` found, unless something changed since.
    pub(crate) fn remember(&self, generation: u64, username: &str, login: &Login) {
        self.0.remember(generation, [(username.to_owned(), login.clone())]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Caller;

    fn login(hash: &str) -> Login {
        Login {
            password_hash: hash.into(),
            caller: Caller {
                user_id: 1,
                username: "ann".into(),
                is_admin: false,
                is_operator: false,
                team_ids: vec![1],
            },
        }
    }

    #[test]
    fn any_change_forgets_every_login() {
        let memory = LoginMemory::default();
        memory.heard(Heard::Listening);
        memory.remember(memory.generation(), "ann", &login("h1"));
        assert_eq!(memory.recall("ann").map(|l| l.password_hash), Some("h1".into()));
        // A membership's notification names a team, a user's an id: either forgets all.
        memory.heard(Heard::Changed("7"));
        assert!(memory.recall("ann").is_none());
    }
}
