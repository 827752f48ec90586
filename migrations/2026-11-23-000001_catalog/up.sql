-- The catalog: who may call the API, where databases run, and what was asked of the workers.

CREATE TABLE teams (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE api_users (
    id             BIGSERIAL PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    -- argon2id PHC string; never the password itself
    password_hash  TEXT NOT NULL,
    is_admin       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE team_members (
    team_id  BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES api_users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);

-- An environment is one place databases run: a Docker endpoint, the address clients use to
-- reach its engines, and the ports the control plane may hand out there.
CREATE TABLE environments (
    id               BIGSERIAL PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    docker_endpoint  TEXT NOT NULL,
    host_address     TEXT NOT NULL,
    port_min         INTEGER NOT NULL,
    port_max         INTEGER NOT NULL,
    quarantine_days  INTEGER NOT NULL DEFAULT 7,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (port_min > 0 AND port_max < 65536 AND port_min <= port_max),
    CHECK (quarantine_days >= 0)
);

CREATE TABLE plans (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    engine        TEXT NOT NULL CHECK (engine IN ('postgres', 'mongodb')),
    image         TEXT NOT NULL,
    memory_bytes  BIGINT NOT NULL CHECK (memory_bytes > 0),
    -- CPU limit in thousandths of a core (1000 = one core)
    cpu_millis    INTEGER NOT NULL CHECK (cpu_millis > 0),
    size_bytes    BIGINT NOT NULL CHECK (size_bytes > 0),
    description   TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE projects (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    description  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE databases (
    id                  BIGSERIAL PRIMARY KEY,
    -- random, globally unique: names containers and volumes so that several catalogs
    -- (test runs, deployments) can share one Docker engine without colliding
    uid                 TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    team_id             BIGINT NOT NULL REFERENCES teams (id),
    plan_id             BIGINT NOT NULL REFERENCES plans (id),
    environment_id      BIGINT NOT NULL REFERENCES environments (id),
    project_id          BIGINT REFERENCES projects (id),
    status              TEXT NOT NULL CHECK (status IN ('creating', 'ready', 'failed', 'quarantined', 'deleted')),
    port                INTEGER,
    -- the engine's superuser password, sealed with the control plane's key
    admin_password_enc  BYTEA,
    description         TEXT NOT NULL DEFAULT '',
    quarantine_dt       TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX databases_live_name ON databases (environment_id, name) WHERE status <> 'deleted';
CREATE UNIQUE INDEX databases_live_port ON databases (environment_id, port) WHERE status <> 'deleted' AND port IS NOT NULL;
CREATE INDEX databases_team ON databases (team_id);

CREATE TABLE credentials (
    id            BIGSERIAL PRIMARY KEY,
    database_id   BIGINT NOT NULL REFERENCES databases (id),
    username      TEXT NOT NULL,
    privileges    TEXT NOT NULL DEFAULT 'owner' CHECK (privileges IN ('owner', 'read_write', 'read_only')),
    -- sealed with the control plane's key; NULL until the worker has set it in the engine
    password_enc  BYTEA,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (database_id, username)
);

CREATE TABLE tasks (
    id             BIGSERIAL PRIMARY KEY,
    kind           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    database_id    BIGINT REFERENCES databases (id),
    credential_id  BIGINT REFERENCES credentials (id),
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at     TIMESTAMPTZ,
    finished_at    TIMESTAMPTZ,
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX tasks_database ON tasks (database_id);
