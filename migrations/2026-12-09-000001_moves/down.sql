DROP TABLE database_moves;
DELETE FROM tasks WHERE kind = 'move_database';
ALTER TABLE tasks DROP CONSTRAINT tasks_kind_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_kind_check CHECK (kind IN (
    'provision_database', 'create_credential', 'reset_password', 'delete_credential',
    'quarantine_database', 'destroy_database', 'restore_database', 'recover_database',
    'start_engine', 'remove_engine',
    'restart_engine', 'stop_engine', 'resume_engine', 'upgrade_engine', 'reconcile',
    'resize_database'));
ALTER TABLE tasks DROP COLUMN target_engine_id;
UPDATE engines SET state = 'removed' WHERE state = 'incoming';
ALTER TABLE engines DROP CONSTRAINT engines_state_check;
ALTER TABLE engines ADD CONSTRAINT engines_state_check
    CHECK (state IN ('starting', 'pooled', 'assigned', 'retiring', 'removed'));
UPDATE hosts SET state = 'cordoned' WHERE state = 'draining';
ALTER TABLE hosts DROP CONSTRAINT hosts_state_check;
ALTER TABLE hosts ADD CONSTRAINT hosts_state_check CHECK (state IN ('active', 'cordoned'));
