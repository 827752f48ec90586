//! Moves of a database to another host, and a host's drain.

use chrono::{DateTime, Utc};
use dbaas_core::model::DatabaseMove;
use poem_openapi::Object;

use super::{HostView, TaskView};
use crate::app::Drain;
use crate::http::links::Links;

/// A move that switched a database to an engine on another host: where clients connected
/// before and after.
#[derive(Debug, Clone, Object)]
pub struct MoveView {
    pub id: i64,
    /// The task that moved it.
    pub task: String,
    /// `address:port` before the move.
    pub from_endpoint: String,
    /// `address:port` after it: what the database's `endpoint` says now.
    pub to_endpoint: String,
    /// What was streamed from the old host to the new one, in bytes (0: not known, a move
    /// resumed after its copy).
    pub bytes: i64,
    /// How long the database was down: from its old engine's stop to the new one accepting.
    pub downtime_ms: i64,
    pub moved_at: DateTime<Utc>,
}

impl MoveView {
    pub fn new(links: &Links, record: DatabaseMove) -> Self {
        Self {
            id: record.id,
            task: links.task(record.task_id),
            from_endpoint: record.from_endpoint,
            to_endpoint: record.to_endpoint,
            bytes: record.bytes,
            downtime_ms: record.downtime_ms,
            moved_at: record.moved_at,
        }
    }
}

/// A database's moves, oldest first.
#[derive(Debug, Clone, Object)]
pub struct MoveList {
    pub moves: Vec<MoveView>,
}

/// A drain under way: the host, the moves started now, and the engines that wait.
#[derive(Debug, Clone, Object)]
pub struct DrainView {
    pub host: HostView,
    /// A `move_database` task per engine moved now.
    pub moves: Vec<TaskView>,
    /// Engines left for the reconciler's next passes, each with why (a task at work on its
    /// database, no room on another host, a move that failed lately).
    pub waiting: Vec<String>,
}

impl DrainView {
    pub fn new(links: &Links, drain: Drain) -> Self {
        Self {
            host: HostView::new(links, drain.host),
            moves: drain.moves.into_iter().map(|t| TaskView::new(links, t)).collect(),
            waiting: drain.waiting,
        }
    }
}
