ALTER TABLE engines DROP COLUMN sized_memory_bytes;
ALTER TABLE teams DROP COLUMN allowed_plans;
DELETE FROM tasks WHERE kind = 'resize_database';
ALTER TABLE tasks DROP CONSTRAINT tasks_kind_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_kind_check CHECK (kind IN (
    'provision_database', 'create_credential', 'reset_password', 'delete_credential',
    'quarantine_database', 'destroy_database', 'restore_database', 'recover_database',
    'start_engine', 'remove_engine',
    'restart_engine', 'stop_engine', 'resume_engine', 'upgrade_engine', 'reconcile'));
ALTER TABLE tasks DROP COLUMN allow_restart;
ALTER TABLE tasks DROP COLUMN target_plan_id;
