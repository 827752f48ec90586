-- Live resize (issue 18): a database moves to another plan of its engine and image, its
-- engine's memory and CPU limits changed on the running container.

-- The plan a `resize_database` task moves its database to, and whether it may restart the
-- engine (a shrink under the memory the engine fixed at start needs one; asked explicitly).
ALTER TABLE tasks ADD COLUMN target_plan_id BIGINT REFERENCES plans (id);
ALTER TABLE tasks ADD COLUMN allow_restart BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE tasks DROP CONSTRAINT tasks_kind_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_kind_check CHECK (kind IN (
    'provision_database', 'create_credential', 'reset_password', 'delete_credential',
    'quarantine_database', 'destroy_database', 'restore_database', 'recover_database',
    'start_engine', 'remove_engine',
    'restart_engine', 'stop_engine', 'resume_engine', 'upgrade_engine', 'reconcile',
    'resize_database'));

-- The plans a team's databases may use, as admins restrict them: empty, every plan.
ALTER TABLE teams ADD COLUMN allowed_plans BIGINT[] NOT NULL DEFAULT '{}';

-- The memory an engine's container settings (shared_buffers, the WiredTiger cache) were sized
-- for when the container was made: a live resize changes the limit, not them. Engines made
-- before this were sized for their memory.
ALTER TABLE engines ADD COLUMN sized_memory_bytes BIGINT;
UPDATE engines SET sized_memory_bytes = memory_bytes WHERE port IS NOT NULL;
