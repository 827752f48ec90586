DROP INDEX tasks_credential;
DROP INDEX credentials_live_username;
ALTER TABLE credentials
    DROP COLUMN deleted_at,
    DROP COLUMN pending_password_enc,
    DROP COLUMN connection_limit,
    ADD CONSTRAINT credentials_database_id_username_key UNIQUE (database_id, username);
DROP INDEX databases_status;
ALTER TABLE databases
    DROP COLUMN deleted_at,
    DROP COLUMN size_collected_at,
    DROP COLUMN used_size_bytes,
    DROP COLUMN is_protected,
    DROP COLUMN tags;
ALTER TABLE projects DROP COLUMN team_id;
ALTER TABLE teams DROP COLUMN database_limit;
