//! Resizing a database: which plans it may move to, and whether the move can happen on the
//! running engine (Docker changes a container's memory and CPU limits in place) or needs a
//! restart. Pure rules, unit-tested here; the api refuses with them before any task starts,
//! and the worker checks them again against what the engine uses at that moment.

use super::{Engine, EngineKind, Plan};

const MIB: i64 = 1024 * 1024;
const GIB: i64 = 1024 * MIB;

impl EngineKind {
    /// The memory an engine of this kind sets aside when it starts in a container of
    /// `memory_bytes`, as its launch sizes it: Postgres' `shared_buffers` (a quarter of the
    /// memory, the usual rule), MongoDB's WiredTiger cache (mongod's own rule, half of what
    /// exceeds 1 GiB and at least 256 MiB, here never more than half the memory). It stays
    /// until the engine restarts, whatever the limit becomes.
    pub fn fixed_memory(self, memory_bytes: i64) -> i64 {
        let bytes = match self {
            EngineKind::Postgres => memory_bytes / 4,
            EngineKind::MongoDb => ((memory_bytes - GIB) / 2).max(256 * MIB).min(memory_bytes / 2),
        };
        (bytes / MIB).max(16) * MIB
    }
}

/// How a resize happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResizeMode {
    /// The running container's limits change; sessions stay connected.
    Live,
    /// The container is made again with the new limits and settings on its volume: every
    /// session ends. Only when asked for (`restart`).
    Restart,
}

/// Why a resize cannot happen as asked: `Unprocessable` when no engine could ever do it,
/// `Conflict` when this engine cannot now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResizeRefusal {
    Unprocessable(String),
    Conflict(String),
}

/// What the engine uses now, as far as the catalog knows (the fleet samples it).
#[derive(Debug, Clone, Copy, Default)]
pub struct InUse {
    /// Memory the engine's container uses.
    pub memory_bytes: Option<i64>,
    /// Data the engine holds (its volume, or its databases' sizes).
    pub size_bytes: Option<i64>,
}

impl Engine {
    /// The memory its running container's settings were sized for (they change only when
    /// the container is made again; a live resize changes the limit alone).
    pub fn sized_for(&self) -> i64 {
        self.sized_memory_bytes.unwrap_or(self.memory_bytes)
    }
}

impl super::FleetEngine {
    /// What the engine uses, from the fleet's last samples: its container's memory, and the
    /// larger of its volume and its databases' sizes.
    pub fn in_use(&self) -> InUse {
        let observed = self.observation.as_ref();
        let databases: Option<i64> = self
            .databases
            .iter()
            .filter_map(|d| d.used_size_bytes)
            .reduce(|a, b| a + b);
        InUse {
            memory_bytes: observed.and_then(|o| o.memory_used_bytes),
            size_bytes: observed.and_then(|o| o.volume_size_bytes).max(databases),
        }
    }
}

/// Whether an engine can move to the plan `to`, and how.
/// `databases_served`: how many databases the engine serves (a shared engine moves as a
/// whole, never one database of it). `allow_restart`: the caller asked for a restart where
/// one is needed.
pub fn resize_mode(
    engine: &Engine,
    to: &Plan,
    databases_served: usize,
    in_use: InUse,
    allow_restart: bool,
) -> Result<ResizeMode, ResizeRefusal> {
    use ResizeRefusal::{Conflict, Unprocessable};
    if to.engine != engine.kind {
        return Err(Unprocessable(format!(
            "plan '{}' is for {} and the database runs on {}: a database keeps its engine",
            to.name, to.engine, engine.kind
        )));
    }
    if to.image != engine.image {
        return Err(Conflict(format!(
            "plan '{}' runs the image '{}' and the database's engine runs '{}': a resize keeps the image \
             (an operator's upgrade changes it: POST /api/engine/{}/upgrade)",
            to.name, to.image, engine.image, engine.id
        )));
    }
    if to.is_shared() {
        return Err(Unprocessable(format!(
            "plan '{}' is shared: a database goes into a shared engine when it is created, not by a resize",
            to.name
        )));
    }
    if engine.is_shared() {
        return Err(Conflict(
            "the database is on a shared engine: a database of a shared plan is not resized alone".into(),
        ));
    }
    if databases_served > 1 {
        return Err(Conflict(format!(
            "the database shares its engine with {} others: a shared engine is resized as a whole, not one database of it",
            databases_served - 1
        )));
    }
    if let Some(size) = in_use.size_bytes.filter(|&size| size > to.size_bytes) {
        return Err(Conflict(format!(
            "the database holds {} and plan '{}' allows {}: free space first, or choose a larger plan",
            human(size),
            to.name,
            human(to.size_bytes)
        )));
    }
    if let Some(used) = in_use.memory_bytes.filter(|&used| used >= to.memory_bytes) {
        return Err(Conflict(format!(
            "the engine uses {} of memory and plan '{}' gives {}: the limit cannot go under what is in use",
            human(used),
            to.name,
            human(to.memory_bytes)
        )));
    }
    // The memory fixed at start must leave at least as much again for sessions and work.
    let fixed = engine.kind.fixed_memory(engine.sized_for());
    if 2 * fixed <= to.memory_bytes {
        return Ok(ResizeMode::Live);
    }
    if allow_restart && engine.stopped_by_operator() {
        return Err(Conflict(
            "the engine was stopped by an operator, and this resize restarts it: ask once it is started".into(),
        ));
    }
    if allow_restart {
        return Ok(ResizeMode::Restart);
    }
    Err(Conflict(format!(
        "the engine set aside {} at start ({}) and plan '{}' gives {}: that needs a restart, which ends every \
         session; ask again with \"restart\": true to have it",
        human(fixed),
        match engine.kind {
            EngineKind::Postgres => "shared_buffers",
            EngineKind::MongoDb => "the WiredTiger cache",
        },
        to.name,
        human(to.memory_bytes)
    )))
}

/// Bytes for people: `512 MiB`, `1.5 GiB`.
fn human(bytes: i64) -> String {
    if bytes >= GIB {
        let text = format!("{:.1}", bytes as f64 / GIB as f64);
        format!("{} GiB", text.trim_end_matches(".0"))
    } else if bytes >= MIB {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::model::{EngineDesired, EngineState, Placement};

    fn engine(kind: EngineKind, memory: i64) -> Engine {
        Engine {
            id: 7,
            uid: "u".into(),
            environment_id: 1,
            plan_id: 1,
            kind,
            image: "dbaas/postgres:15".into(),
            memory_bytes: memory,
            cpu_millis: 1000,
            container_name: "c".into(),
            volume_name: "v".into(),
            port: Some(1),
            admin_password_enc: None,
            pending_admin_password_enc: None,
            state: EngineState::Assigned,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            pooled_at: None,
            assigned_at: None,
            desired: EngineDesired::Running,
            sized_memory_bytes: Some(memory),
            host_id: 1,
            placement: Placement::Dedicated,
        }
    }

    fn plan(kind: EngineKind, memory: i64) -> Plan {
        Plan {
            id: 2,
            name: "p".into(),
            engine: kind,
            image: "dbaas/postgres:15".into(),
            memory_bytes: memory,
            cpu_millis: 2000,
            size_bytes: 10 * GIB,
            description: String::new(),
            created_at: Utc::now(),
            auto_recover: true,
            pool_size: 0,
            placement: Placement::Dedicated,
            databases_per_engine: 100,
        }
    }

    const PG: EngineKind = EngineKind::Postgres;

    #[test]
    fn engines_fix_what_their_launch_sizes() {
        assert_eq!(PG.fixed_memory(512 * MIB), 128 * MIB);
        assert_eq!(EngineKind::MongoDb.fixed_memory(512 * MIB), 256 * MIB);
        assert_eq!(EngineKind::MongoDb.fixed_memory(256 * MIB), 128 * MIB);
        assert_eq!(EngineKind::MongoDb.fixed_memory(4 * GIB), 1536 * MIB);
        assert_eq!(PG.fixed_memory(MIB), 16 * MIB);
    }

    #[test]
    fn growing_and_mild_shrinks_are_live() {
        let e = engine(PG, 512 * MIB);
        let mode = |to| resize_mode(&e, &plan(PG, to), 1, InUse::default(), false);
        assert_eq!(mode(GIB), Ok(ResizeMode::Live));
        assert_eq!(mode(256 * MIB), Ok(ResizeMode::Live));
        // Under twice shared_buffers: only with a restart, asked for.
        assert!(matches!(mode(200 * MIB), Err(ResizeRefusal::Conflict(m)) if m.contains("\"restart\": true")));
        let restart = resize_mode(&e, &plan(PG, 200 * MIB), 1, InUse::default(), true);
        assert_eq!(restart, Ok(ResizeMode::Restart));
    }

    #[test]
    fn what_the_engine_was_sized_for_counts_not_its_current_limit() {
        // Grown live from 4 GiB to 8 GiB: shared_buffers is still 1 GiB.
        let mut e = engine(PG, 8 * GIB);
        e.sized_memory_bytes = Some(4 * GIB);
        let live = resize_mode(&e, &plan(PG, 2 * GIB), 1, InUse::default(), false);
        assert_eq!(live, Ok(ResizeMode::Live));
        e.memory_bytes = 2 * GIB;
        let refused = resize_mode(&e, &plan(PG, GIB), 1, InUse::default(), false);
        assert!(matches!(refused, Err(ResizeRefusal::Conflict(_))));
    }

    #[test]
    fn another_engine_image_shared_engine_or_what_is_used_are_refused() {
        let e = engine(PG, 512 * MIB);
        let none = InUse::default();
        let other_engine = resize_mode(&e, &plan(EngineKind::MongoDb, GIB), 1, none, true);
        assert!(matches!(other_engine, Err(ResizeRefusal::Unprocessable(_))));
        let mut other_image = plan(PG, GIB);
        other_image.image = "dbaas/postgres:16".into();
        let refused = resize_mode(&e, &other_image, 1, none, true);
        assert!(matches!(refused, Err(ResizeRefusal::Conflict(m)) if m.contains("upgrade")));
        assert!(matches!(
            resize_mode(&e, &plan(PG, GIB), 3, none, true),
            Err(ResizeRefusal::Conflict(m)) if m.contains("shares its engine with 2 others")
        ));
        let big = InUse {
            size_bytes: Some(11 * GIB),
            memory_bytes: None,
        };
        assert!(matches!(
            resize_mode(&e, &plan(PG, GIB), 1, big, true),
            Err(ResizeRefusal::Conflict(m)) if m.contains("holds 11 GiB")
        ));
        let busy = InUse {
            size_bytes: None,
            memory_bytes: Some(300 * MIB),
        };
        assert!(matches!(
            resize_mode(&e, &plan(PG, 256 * MIB), 1, busy, true),
            Err(ResizeRefusal::Conflict(m)) if m.contains("uses 300 MiB")
        ));
    }
}
