//! What the catalog said a moment ago, kept while this process hears the catalog's changes.
//!
//! The catalog's triggers notify a channel when a change commits, and the process
//! [listens](super::listen) on it. A [`Memory`] is used only while the listener is known to
//! hear: since its last heartbeat, at most [`TRUSTED_FOR`] ago. A notification forgets what it
//! names (or everything, when it names nothing this memory knows); every (re)connection and
//! every loss of the connection forgets everything; and the process that makes a change
//! forgets at once. So a change shows on this process at once and on every other one within
//! [`TRUSTED_FOR`] (in practice, within milliseconds); while the catalog cannot be heard, every
//! read goes to the catalog, as without a memory.
//!
//! Entries are kept for a while at most, and a read of the catalog that a change overtook is
//! not remembered: each change starts a new generation, and a read remembers what it found
//! only if the generation it started under is still the current one.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::listen::Heard;

/// How long after the listener's last heartbeat a memory may still be used (four
/// [heartbeats](super::listen::HEARTBEAT)).
pub const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// Values by key, as the catalog said them lately.
pub(crate) struct Memory<K, V> {
    state: Mutex<State<K, V>>,
    kept_for: Duration,
    max_entries: usize,
}

struct State<K, V> {
    generation: u64,
    trusted_until: Option<Instant>,
    entries: HashMap<K, (V, Instant)>,
}

impl<K: Eq + Hash, V: Clone> Memory<K, V> {
    /// A memory keeping each entry for `kept_for`, and at most `max_entries` of them.
    pub(crate) fn new(kept_for: Duration, max_entries: usize) -> Self {
        Self {
            state: Mutex::new(State {
                generation: 0,
                trusted_until: None,
                entries: HashMap::new(),
            }),
            kept_for,
            max_entries,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State<K, V>> {
        self.state.lock().expect("memory poisoned")
    }

    /// What the listener heard; `key` reads the key a notification names (`None`: all of them).
    pub(crate) fn heard(&self, heard: Heard<'_>, key: impl Fn(&str) -> Option<K>) {
        let mut state = self.state();
        match heard {
            Heard::Alive => {}
            Heard::Changed(payload) => match key(payload) {
                Some(key) => state.forget_one(&key),
                None => state.forget(),
            },
            Heard::Listening | Heard::Lost => state.forget(),
        }
        state.trusted_until = match heard {
            Heard::Listening | Heard::Alive | Heard::Changed(_) => Some(Instant::now() + TRUSTED_FOR),
            Heard::Lost => None,
        };
    }

    /// Forgets everything: this process changed something.
    pub(crate) fn forget(&self) {
        self.state().forget();
    }

    /// The remembered value of `key`, while the memory can be trusted.
    pub(crate) fn recall(&self, key: &K) -> Option<V> {
        let state = self.state();
        if !state.trusted() {
            return None;
        }
        state.kept(key, self.kept_for)
    }

    /// The remembered values of `keys`, in order (`None` where there is none), while the
    /// memory can be trusted; `None` when it cannot.
    pub(crate) fn recall_all(&self, keys: &[K]) -> Option<Vec<Option<V>>> {
        let state = self.state();
        if !state.trusted() {
            return None;
        }
        Some(keys.iter().map(|key| state.kept(key, self.kept_for)).collect())
    }

    /// The generation a read of the catalog starts under.
    pub(crate) fn generation(&self) -> u64 {
        self.state().generation
    }

    /// Remembers what a read started under `generation` found, unless something changed since.
    pub(crate) fn remember(&self, generation: u64, entries: impl IntoIterator<Item = (K, V)>) {
        let mut state = self.state();
        if state.generation != generation || state.trusted_until.is_none() {
            return;
        }
        let now = Instant::now();
        for (key, value) in entries {
            if state.entries.len() >= self.max_entries {
                let kept_for = self.kept_for;
                state.entries.retain(|_, (_, at)| at.elapsed() < kept_for);
                if state.entries.len() >= self.max_entries {
                    state.entries.clear();
                }
            }
            state.entries.insert(key, (value, now));
        }
    }
}

impl<K: Eq + Hash, V: Clone> State<K, V> {
    /// The value of `key`, unless it was remembered `kept_for` ago or longer.
    fn kept(&self, key: &K, kept_for: Duration) -> Option<V> {
        self.entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < kept_for)
            .map(|(value, _)| value.clone())
    }

    fn trusted(&self) -> bool {
        self.trusted_until.is_some_and(|until| Instant::now() < until)
    }

    fn forget(&mut self) {
        self.generation += 1;
        self.entries.clear();
    }

    fn forget_one(&mut self, key: &K) {
        self.generation += 1;
        self.entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Memory<i64, &'static str> {
        Memory::new(Duration::from_secs(60), 3)
    }

    fn id(payload: &str) -> Option<i64> {
        payload.parse().ok()
    }

    #[test]
    fn nothing_is_recalled_before_the_listener_hears() {
        let memory = memory();
        memory.remember(memory.generation(), [(1, "one")]);
        assert_eq!(memory.recall(&1), None);
        assert_eq!(memory.recall_all(&[1]), None);
    }

    #[test]
    fn a_change_forgets_what_it_names_or_everything() {
        let memory = memory();
        memory.heard(Heard::Listening, id);
        memory.remember(memory.generation(), [(1, "one"), (2, "two")]);
        assert_eq!(
            memory.recall_all(&[1, 2, 3]),
            Some(vec![Some("one"), Some("two"), None])
        );

        let before_change = memory.generation();
        memory.heard(Heard::Changed("1"), id);
        assert_eq!(memory.recall(&1), None);
        assert_eq!(memory.recall(&2), Some("two"), "a change of one key keeps the others");
        memory.remember(before_change, [(1, "one")]);
        assert_eq!(memory.recall(&1), None, "a read overtaken by a change is not kept");

        memory.heard(Heard::Changed(""), id);
        assert_eq!(memory.recall(&2), None, "a change naming no key forgets everything");
    }

    #[test]
    fn a_loss_forgets_and_nothing_is_kept_until_the_listener_hears_again() {
        let memory = memory();
        memory.heard(Heard::Listening, id);
        memory.remember(memory.generation(), [(1, "one")]);
        memory.heard(Heard::Lost, id);
        assert_eq!(memory.recall(&1), None);
        memory.remember(memory.generation(), [(1, "one")]);
        memory.heard(Heard::Alive, id);
        assert_eq!(
            memory.recall(&1),
            None,
            "nothing is kept while the catalog cannot be heard"
        );
    }

    #[test]
    fn this_process_forgets_its_own_changes_at_once() {
        let memory = memory();
        memory.heard(Heard::Listening, id);
        memory.remember(memory.generation(), [(1, "one")]);
        memory.forget();
        assert_eq!(memory.recall(&1), None);
    }

    #[test]
    fn a_full_memory_starts_again_rather_than_growing() {
        let memory = memory();
        memory.heard(Heard::Listening, id);
        memory.remember(memory.generation(), [(1, "a"), (2, "b"), (3, "c"), (4, "d")]);
        assert_eq!(memory.recall(&4), Some("d"));
        assert!(memory.state().entries.len() <= 3);
    }
}
