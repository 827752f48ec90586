//! Logins answered from memory: who a username is and the hash their password is checked
//! against, as the catalog said a moment ago.
//!
//! The catalog announces every change of users and memberships (a trigger notifies
//! `dbaas_logins` when the change commits), and each api process [listens](super::listen).
//! The memory is used only while the listener is known to hear: since its last heartbeat,
//! at most [`TRUSTED_FOR`] ago. It is emptied on every notification, every (re)connection
//! and every loss of the connection, and the process that makes a change empties its own at
//! once. So a change takes effect on this process at once and on every other one within
//! [`TRUSTED_FOR`] (in practice, within milliseconds); while the catalog cannot be heard,
//! every login reads the catalog, as without the memory.
//!
//! Entries are kept for [`KEPT_FOR`] at most, and a read of the catalog that a change
//! overtook is not remembered (the generation it started under has passed).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::listen::Heard;
use super::Login;

/// The channel the catalog's triggers notify on a change of users or memberships.
pub const CHANNEL: &str = "dbaas_logins";
/// How long after the listener's last heartbeat the memory may still be used (four
/// [heartbeats](super::listen::HEARTBEAT)).
pub const TRUSTED_FOR: Duration = Duration::from_secs(1);
/// How long one entry is kept.
pub const KEPT_FOR: Duration = Duration::from_secs(60);
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub(crate) struct LoginMemory {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    generation: u64,
    trusted_until: Option<Instant>,
    entries: HashMap<String, (Login, Instant)>,
}

impl LoginMemory {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("login memory poisoned")
    }

    /// What the listener heard.
    pub(crate) fn heard(&self, heard: Heard) {
        let mut state = self.state();
        match heard {
            Heard::Alive => {}
            Heard::Listening | Heard::Changed | Heard::Lost => state.forget(),
        }
        state.trusted_until = match heard {
            Heard::Listening | Heard::Alive | Heard::Changed => Some(Instant::now() + TRUSTED_FOR),
            Heard::Lost => None,
        };
    }

    /// Forgets everything: this process changed a user or a membership.
    pub(crate) fn forget(&self) {
        self.state().forget();
    }

    /// The remembered login of `username`, while the memory can be trusted.
    pub(crate) fn recall(&self, username: &str) -> Option<Login> {
        let state = self.state();
        if state.trusted_until.is_none_or(|until| Instant::now() >= until) {
            return None;
        }
        state
            .entries
            .get(username)
            .filter(|(_, at)| at.elapsed() < KEPT_FOR)
            .map(|(login, _)| login.clone())
    }

    /// The generation a read of the catalog starts under.
    pub(crate) fn generation(&self) -> u64 {
        self.state().generation
    }

    /// Remembers what a read started under `generation` found, unless something changed since.
    pub(crate) fn remember(&self, generation: u64, username: &str, login: &Login) {
        let mut state = self.state();
        if state.generation != generation || state.trusted_until.is_none() {
            return;
        }
        if state.entries.len() >= MAX_ENTRIES {
            state.entries.retain(|_, (_, at)| at.elapsed() < KEPT_FOR);
            if state.entries.len() >= MAX_ENTRIES {
                state.entries.clear();
            }
        }
        state
            .entries
            .insert(username.to_owned(), (login.clone(), Instant::now()));
    }
}

impl State {
    fn forget(&mut self) {
        self.generation += 1;
        self.entries.clear();
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
    fn nothing_is_recalled_before_the_listener_hears() {
        let memory = LoginMemory::default();
        let generation = memory.generation();
        memory.remember(generation, "ann", &login("h1"));
        assert!(memory.recall("ann").is_none());
    }

    #[test]
    fn a_change_or_a_loss_forgets_and_a_stale_read_is_not_remembered() {
        let memory = LoginMemory::default();
        memory.heard(Heard::Listening);
        let generation = memory.generation();
        memory.remember(generation, "ann", &login("h1"));
        assert_eq!(memory.recall("ann").map(|l| l.password_hash), Some("h1".into()));

        let before_change = memory.generation();
        memory.heard(Heard::Changed);
        assert!(memory.recall("ann").is_none());
        memory.remember(before_change, "ann", &login("h1"));
        assert!(
            memory.recall("ann").is_none(),
            "a read overtaken by a change is not kept"
        );

        memory.remember(memory.generation(), "ann", &login("h2"));
        memory.heard(Heard::Lost);
        assert!(memory.recall("ann").is_none());
        memory.remember(memory.generation(), "ann", &login("h2"));
        assert!(
            memory.recall("ann").is_none(),
            "nothing is kept while the catalog cannot be heard"
        );
    }

    #[test]
    fn this_process_forgets_its_own_changes_at_once() {
        let memory = LoginMemory::default();
        memory.heard(Heard::Listening);
        memory.remember(memory.generation(), "ann", &login("h1"));
        memory.forget();
        assert!(memory.recall("ann").is_none());
    }
}
