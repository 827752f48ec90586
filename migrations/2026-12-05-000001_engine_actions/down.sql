DELETE FROM tasks WHERE kind IN ('restart_engine', 'stop_engine', 'resume_engine', 'upgrade_engine', 'reconcile');
ALTER TABLE tasks DROP CONSTRAINT tasks_kind_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_kind_check CHECK (kind IN (
    'provision_database', 'create_credential', 'reset_password', 'delete_credential',
    'quarantine_database', 'destroy_database', 'restore_database', 'recover_database',
    'start_engine', 'remove_engine'));
ALTER TABLE tasks DROP COLUMN target_image;
ALTER TABLE engines DROP COLUMN desired;
