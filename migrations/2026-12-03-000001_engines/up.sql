-- Engines: the database servers the control plane runs, one container each, as catalog rows
-- of their own. A database references the engine that serves it; a pooled engine serves none
-- yet. The port and the superuser's password belong to the engine, so they move here.
CREATE TABLE engines (
    id BIGSERIAL PRIMARY KEY,
    -- Stable across a re-create of the container; its `dbaas.engine.uid` label.
    uid TEXT NOT NULL UNIQUE,
    environment_id BIGINT NOT NULL REFERENCES environments (id),
    -- The plan it was made for; `kind`, `image` and the limits are what it was made with.
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    kind TEXT NOT NULL CHECK (kind IN ('postgres', 'mongodb')),
    image TEXT NOT NULL,
    memory_bytes BIGINT NOT NULL,
    cpu_millis INTEGER NOT NULL,
    container_name TEXT NOT NULL,
    volume_name TEXT NOT NULL,
    port INTEGER,
    admin_password_enc BYTEA,
    -- A new superuser password being applied (a pooled engine given to a database): kept
    -- until the engine has it, so a resumed job applies the same one.
    pending_admin_password_enc BYTEA,
    state TEXT NOT NULL CHECK (state IN ('starting', 'pooled', 'assigned', 'retiring', 'removed')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- When it joined its plan's pool; NULL for an engine started for a database.
    pooled_at TIMESTAMPTZ,
    assigned_at TIMESTAMPTZ
);
-- The port follows the engine: several databases may share one engine (shared plans).
CREATE UNIQUE INDEX engines_live_port ON engines (environment_id, port) WHERE state <> 'removed' AND port IS NOT NULL;
CREATE INDEX engines_pool ON engines (plan_id, environment_id, state);

ALTER TABLE databases ADD COLUMN engine_id BIGINT REFERENCES engines (id);
CREATE INDEX databases_engine ON databases (engine_id);

-- Every database that got as far as a port or a superuser password has an engine: named as
-- its container always was, with the database's uid as its own (the labels already on the
-- container say so).
INSERT INTO engines (uid, environment_id, plan_id, kind, image, memory_bytes, cpu_millis, container_name,
                     volume_name, port, admin_password_enc, state, created_at, assigned_at)
SELECT d.uid, d.environment_id, d.plan_id, p.engine, p.image, p.memory_bytes, p.cpu_millis,
       'dbaas-' || d.name || '-' || d.uid, 'dbaas-' || d.name || '-' || d.uid || '-data',
       d.port, d.admin_password_enc,
       CASE WHEN d.status = 'deleted' OR d.port IS NULL THEN 'removed' ELSE 'assigned' END,
       d.created_at, d.created_at
FROM databases d JOIN plans p ON p.id = d.plan_id
WHERE d.port IS NOT NULL OR d.admin_password_enc IS NOT NULL;
UPDATE databases d SET engine_id = e.id FROM engines e WHERE e.uid = d.uid;

DROP INDEX databases_live_port;
ALTER TABLE databases DROP COLUMN port, DROP COLUMN admin_password_enc;

-- An engine's server certificate belongs to the engine.
ALTER TABLE engine_certificates ADD COLUMN engine_id BIGINT REFERENCES engines (id) ON DELETE CASCADE;
UPDATE engine_certificates c SET engine_id = d.engine_id FROM databases d WHERE d.id = c.database_id;
DELETE FROM engine_certificates WHERE engine_id IS NULL;
ALTER TABLE engine_certificates DROP CONSTRAINT engine_certificates_pkey;
ALTER TABLE engine_certificates DROP COLUMN database_id;
ALTER TABLE engine_certificates ALTER COLUMN engine_id SET NOT NULL;
ALTER TABLE engine_certificates ADD PRIMARY KEY (engine_id);

-- Work on an engine rather than a database: filling the pool, removing a pooled engine.
ALTER TABLE tasks ADD COLUMN engine_id BIGINT REFERENCES engines (id);
ALTER TABLE tasks DROP CONSTRAINT tasks_kind_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_kind_check CHECK (kind IN (
    'provision_database', 'create_credential', 'reset_password', 'delete_credential',
    'quarantine_database', 'destroy_database', 'restore_database', 'recover_database',
    'start_engine', 'remove_engine'));
CREATE INDEX tasks_engine ON tasks (engine_id);

-- How many started, unassigned engines a plan keeps ready in each environment (0: none).
ALTER TABLE plans ADD COLUMN pool_size INTEGER NOT NULL DEFAULT 0 CHECK (pool_size >= 0 AND pool_size <= 100);
