-- Shared plans (issue 14): a plan may place its databases in running engines of its
-- environment, up to a number per engine, instead of starting an engine for each.

-- `dedicated`: every database gets an engine of its own (a pooled one or a new one).
-- `shared`: databases go into a running engine of the plan with room, a new engine starting
-- when all are full.
ALTER TABLE plans ADD COLUMN placement TEXT NOT NULL DEFAULT 'dedicated'
    CHECK (placement IN ('dedicated', 'shared'));
-- The most live databases one engine of a shared plan holds.
ALTER TABLE plans ADD COLUMN databases_per_engine INTEGER NOT NULL DEFAULT 100
    CHECK (databases_per_engine BETWEEN 1 AND 1000);
-- Only Postgres shares an engine, and a shared plan keeps no pool: its running engines with
-- room are its pool.
ALTER TABLE plans ADD CONSTRAINT plans_shared_postgres
    CHECK (placement = 'dedicated' OR (engine = 'postgres' AND pool_size = 0));

-- What an engine was made for: one database, or many of a shared plan. An engine keeps it
-- whatever its plan says later.
ALTER TABLE engines ADD COLUMN placement TEXT NOT NULL DEFAULT 'dedicated'
    CHECK (placement IN ('dedicated', 'shared'));

-- A drain moves a shared engine as a whole, in one task: each of its databases records the
-- move.
ALTER TABLE database_moves DROP CONSTRAINT database_moves_task_id_key;
ALTER TABLE database_moves ADD CONSTRAINT database_moves_task_database UNIQUE (task_id, database_id);
