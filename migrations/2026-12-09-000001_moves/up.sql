-- Moving databases between hosts, and draining a host (issue 21): a `move_database` task
-- streams an engine's data to a new engine on another host, verifies it there, then switches
-- the database to it; a draining host moves every engine away.

-- A draining host takes no new engines, and the workers move those on it away; once empty it
-- is cordoned.
ALTER TABLE hosts DROP CONSTRAINT hosts_state_check;
ALTER TABLE hosts ADD CONSTRAINT hosts_state_check CHECK (state IN ('active', 'cordoned', 'draining'));

-- An incoming engine is a move's target: made on the new host, not yet serving its database.
ALTER TABLE engines DROP CONSTRAINT engines_state_check;
ALTER TABLE engines ADD CONSTRAINT engines_state_check
    CHECK (state IN ('starting', 'pooled', 'assigned', 'incoming', 'retiring', 'removed'));

-- The engine a `move_database` task moves its database to (its `engine_id` is the one it
-- leaves).
ALTER TABLE tasks ADD COLUMN target_engine_id BIGINT REFERENCES engines (id);

ALTER TABLE tasks DROP CONSTRAINT tasks_kind_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_kind_check CHECK (kind IN (
    'provision_database', 'create_credential', 'reset_password', 'delete_credential',
    'quarantine_database', 'destroy_database', 'restore_database', 'recover_database',
    'start_engine', 'remove_engine',
    'restart_engine', 'stop_engine', 'resume_engine', 'upgrade_engine', 'reconcile',
    'resize_database', 'move_database'));

-- Every move that switched a database to another engine: where it was and where it went.
CREATE TABLE database_moves (
    id BIGSERIAL PRIMARY KEY,
    database_id BIGINT NOT NULL REFERENCES databases (id),
    task_id BIGINT NOT NULL UNIQUE REFERENCES tasks (id),
    from_engine_id BIGINT NOT NULL REFERENCES engines (id),
    to_engine_id BIGINT NOT NULL REFERENCES engines (id),
    from_host_id BIGINT NOT NULL REFERENCES hosts (id),
    to_host_id BIGINT NOT NULL REFERENCES hosts (id),
    -- `address:port`, as clients connected.
    from_endpoint TEXT NOT NULL,
    to_endpoint TEXT NOT NULL,
    -- What was streamed, and how long the database was down (its old engine stopped to its
    -- new one accepting).
    bytes BIGINT NOT NULL,
    downtime_ms BIGINT NOT NULL,
    moved_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX database_moves_database ON database_moves (database_id, id);
