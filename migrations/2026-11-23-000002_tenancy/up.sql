-- The self-service API: tenant-owned projects, quotas, credential privileges, database
-- metadata and the lifecycle's timestamps.

ALTER TABLE teams
    -- live databases (quarantined ones count) a team may have in one environment
    ADD COLUMN database_limit INTEGER NOT NULL DEFAULT 20 CHECK (database_limit >= 0);

ALTER TABLE projects
    -- NULL: a project every team may use (made by an admin)
    ADD COLUMN team_id BIGINT REFERENCES teams (id);

ALTER TABLE databases
    ADD COLUMN tags TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN is_protected BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN used_size_bytes BIGINT,
    ADD COLUMN size_collected_at TIMESTAMPTZ,
    ADD COLUMN deleted_at TIMESTAMPTZ;
CREATE INDEX databases_status ON databases (status);

ALTER TABLE credentials
    ADD COLUMN connection_limit INTEGER CHECK (connection_limit IS NULL OR connection_limit >= -1),
    -- a new password being applied: kept until the engine has it, then it becomes the password
    ADD COLUMN pending_password_enc BYTEA,
    ADD COLUMN deleted_at TIMESTAMPTZ,
    DROP CONSTRAINT credentials_database_id_username_key;
CREATE UNIQUE INDEX credentials_live_username ON credentials (database_id, username) WHERE deleted_at IS NULL;

CREATE INDEX tasks_credential ON tasks (credential_id);
