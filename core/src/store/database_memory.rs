//! Databases as their readers see them ([`DatabaseSummary`]), answered from memory: what
//! `GET /api/database/{id}/` and the list pages show, as the catalog said a moment ago.
//!
//! The catalog announces every change a summary shows (migration `2026-12-11-000001_database_reads`):
//! a change of a database or of its credentials names the database, a change of its
//! engine's port or state names the engine's databases, and a change of a host's name or
//! address, a plan's engine or size, or an environment's quarantine period names none, which
//! forgets every database. Each api process [listens](super::listen) on [`CHANNEL`], and one
//! that makes a change forgets at once; see [`super::memory`] for when the memory is trusted.
//!
//! Only a settled database is remembered: in an end state (`ready`, `failed`, `quarantined`,
//! `deleted`) with its latest task ended. A database a task works on is read from the catalog
//! every time, so a client that saw its task end reads what the task left, whichever api
//! process it asks.

use std::sync::Arc;
use std::time::Duration;

use super::listen::Heard;
use super::memory::Memory;
use crate::model::{DatabaseStatus, DatabaseSummary, TaskStatus};

/// The channel the catalog's triggers notify on a change that a database's summary shows.
pub const CHANNEL: &str = "dbaas_databases";
/// How long one entry is kept.
const KEPT_FOR: Duration = Duration::from_secs(60);
/// At most this many databases are remembered (a summary takes about a kilobyte).
const MAX_ENTRIES: usize = 50_000;

/// Summaries by database id.
pub(crate) struct DatabaseMemory(Memory<i64, Arc<DatabaseSummary>>);

impl Default for DatabaseMemory {
    fn default() -> Self {
        Self(Memory::new(KEPT_FOR, MAX_ENTRIES))
    }
}

impl DatabaseMemory {
    /// What the listener heard: a notification names a database by its id, or nothing (all).
    pub(crate) fn heard(&self, heard: Heard<'_>) {
        self.0.heard(heard, |payload| payload.parse().ok());
    }

    /// Forgets everything: this process changed something.
    pub(crate) fn forget(&self) {
        self.0.forget();
    }

    pub(crate) fn recall(&self, id: i64) -> Option<Arc<DatabaseSummary>> {
        self.0.recall(&id)
    }

    /// What is remembered of these databases, in order; `None` while the memory cannot be
    /// trusted.
    pub(crate) fn recall_all(&self, ids: &[i64]) -> Option<Vec<Option<Arc<DatabaseSummary>>>> {
        self.0.recall_all(ids)
    }

    pub(crate) fn generation(&self) -> u64 {
        self.0.generation()
    }

    /// Remembers the settled ones of these summaries (each with its latest task's status),
    /// read under `generation`.
    pub(crate) fn remember(
        &self,
        generation: u64,
        read: impl IntoIterator<Item = (Arc<DatabaseSummary>, Option<TaskStatus>)>,
    ) {
        let settled = read
            .into_iter()
            .filter(|(summary, task)| settled(summary.row.status, *task))
            .map(|(summary, _)| (summary.row.id, summary));
        self.0.remember(generation, settled);
    }
}

/// Whether a database may be remembered: in an end state, with no task under way.
fn settled(status: DatabaseStatus, latest_task: Option<TaskStatus>) -> bool {
    let ended = matches!(
        status,
        DatabaseStatus::Ready | DatabaseStatus::Failed | DatabaseStatus::Quarantined | DatabaseStatus::Deleted
    );
    ended && latest_task.is_none_or(TaskStatus::has_ended)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_settled_database_is_remembered() {
        assert!(settled(DatabaseStatus::Ready, None));
        assert!(settled(DatabaseStatus::Ready, Some(TaskStatus::Succeeded)));
        assert!(settled(DatabaseStatus::Quarantined, Some(TaskStatus::Failed)));
        assert!(
            !settled(DatabaseStatus::Ready, Some(TaskStatus::Running)),
            "a credential being made"
        );
        assert!(!settled(DatabaseStatus::Ready, Some(TaskStatus::Queued)));
        assert!(!settled(DatabaseStatus::Creating, Some(TaskStatus::Succeeded)));
        assert!(!settled(DatabaseStatus::Quarantining, None));
    }
}
