-- Actions on engines by the people who run them (issue 16, part 3).

-- What an operator wants of an engine: `running` (as the catalog's databases say), or
-- `stopped` (an operator stopped it: the reconciler and the fleet follower leave it stopped).
ALTER TABLE engines ADD COLUMN desired TEXT NOT NULL DEFAULT 'running'
    CHECK (desired IN ('running', 'stopped'));

-- The image an `upgrade_engine` task moves its engine to.
ALTER TABLE tasks ADD COLUMN target_image TEXT;

ALTER TABLE tasks DROP CONSTRAINT tasks_kind_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_kind_check CHECK (kind IN (
    'provision_database', 'create_credential', 'reset_password', 'delete_credential',
    'quarantine_database', 'destroy_database', 'restore_database', 'recover_database',
    'start_engine', 'remove_engine',
    'restart_engine', 'stop_engine', 'resume_engine', 'upgrade_engine', 'reconcile'));
