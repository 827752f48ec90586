-- Kinds are typed in Rust; the catalog refuses what no build knows, as it does for statuses.
ALTER TABLE tasks ADD CONSTRAINT tasks_kind_check CHECK (kind IN (
    'provision_database', 'create_credential', 'reset_password', 'delete_credential',
    'quarantine_database', 'destroy_database', 'restore_database', 'recover_database'));
ALTER TABLE dumps ADD CONSTRAINT dumps_format_check CHECK (format IN ('pg_dump-custom', 'mongodump-tar'));
