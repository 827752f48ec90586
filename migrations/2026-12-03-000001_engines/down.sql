ALTER TABLE plans DROP COLUMN pool_size;
DELETE FROM tasks WHERE kind IN ('start_engine', 'remove_engine');
ALTER TABLE tasks DROP CONSTRAINT tasks_kind_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_kind_check CHECK (kind IN (
    'provision_database', 'create_credential', 'reset_password', 'delete_credential',
    'quarantine_database', 'destroy_database', 'restore_database', 'recover_database'));
ALTER TABLE tasks DROP COLUMN engine_id;
ALTER TABLE databases ADD COLUMN port INTEGER, ADD COLUMN admin_password_enc BYTEA;
UPDATE databases d SET port = CASE WHEN e.state = 'removed' THEN NULL ELSE e.port END,
                       admin_password_enc = e.admin_password_enc
FROM engines e WHERE e.id = d.engine_id;
CREATE UNIQUE INDEX databases_live_port ON databases (environment_id, port) WHERE status <> 'deleted' AND port IS NOT NULL;
ALTER TABLE engine_certificates ADD COLUMN database_id BIGINT REFERENCES databases (id) ON DELETE CASCADE;
UPDATE engine_certificates c SET database_id = d.id FROM databases d WHERE d.engine_id = c.engine_id;
DELETE FROM engine_certificates WHERE database_id IS NULL;
ALTER TABLE engine_certificates DROP CONSTRAINT engine_certificates_pkey;
ALTER TABLE engine_certificates DROP COLUMN engine_id;
ALTER TABLE engine_certificates ADD PRIMARY KEY (database_id);
ALTER TABLE databases DROP COLUMN engine_id;
DROP TABLE engines;
