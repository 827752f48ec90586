-- The engine fleet for the people who run it (issue 16).

-- Operators see and act on every engine and read the fleet's state, but read no tenant's
-- password. A right beside `is_admin`, not instead of it.
ALTER TABLE api_users ADD COLUMN is_operator BOOLEAN NOT NULL DEFAULT false;

-- What a worker last saw of each engine's container on its Docker host: written by the
-- fleet observer (inspect on every round, stats and volume sizes in the background, each
-- with the time it was read), read by the fleet list. One row per engine, replaced in place.
CREATE TABLE engine_observations (
    engine_id BIGINT PRIMARY KEY REFERENCES engines (id) ON DELETE CASCADE,
    -- The Docker endpoint it was seen on (today one per environment).
    host TEXT NOT NULL,
    -- NULL: no container of that name on the host.
    container_id TEXT,
    container_state TEXT NOT NULL CHECK (container_state IN (
        'created', 'running', 'paused', 'restarting', 'removing', 'stopping', 'exited', 'dead', 'missing')),
    -- Docker's health check, where the image has one.
    docker_health TEXT,
    -- The image the container was made from, as named and as resolved.
    image TEXT,
    image_id TEXT,
    restart_count INTEGER,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    exit_code BIGINT,
    oom_killed BOOLEAN NOT NULL DEFAULT false,
    -- The limits the container runs with (Docker's HostConfig), to compare with the catalog's.
    memory_limit_bytes BIGINT,
    nano_cpus BIGINT,
    observed_at TIMESTAMPTZ NOT NULL,
    -- What the observer made of it: the engine's health, and what differs between the
    -- catalog and Docker (kept here so that lists filter and page on them in SQL).
    health TEXT NOT NULL CHECK (health IN ('unknown', 'healthy', 'unhealthy')),
    health_detail TEXT,
    drift TEXT[] NOT NULL DEFAULT '{}',
    -- Slow to read (Docker stats take a second or two per container): collected apart.
    memory_used_bytes BIGINT,
    cpu_percent DOUBLE PRECISION,
    stats_at TIMESTAMPTZ,
    volume_size_bytes BIGINT,
    volume_at TIMESTAMPTZ
);
CREATE INDEX engine_observations_drift ON engine_observations USING GIN (drift);
