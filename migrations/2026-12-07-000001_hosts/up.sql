-- Several Docker hosts per environment (issue 20): an environment holds hosts, each with its
-- Docker endpoint, the address its engines listen on, its port range, its capacity, its state
-- and its health. Engines run on one host; placement chooses it.

-- Plain (unencrypted) Docker endpoints on `tcp://` or `http://` are for environments marked
-- for local development only.
ALTER TABLE environments ADD COLUMN development BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE hosts (
    id BIGSERIAL PRIMARY KEY,
    environment_id BIGINT NOT NULL REFERENCES environments (id),
    name TEXT NOT NULL,
    docker_endpoint TEXT NOT NULL,
    -- The address its engines listen on and clients connect to.
    address TEXT NOT NULL,
    port_min INTEGER NOT NULL,
    port_max INTEGER NOT NULL,
    -- What placement may put on it; NULL: what Docker reports (memory, CPUs), or no limit
    -- (engines).
    memory_bytes BIGINT CHECK (memory_bytes > 0),
    cpu_millis INTEGER CHECK (cpu_millis > 0),
    max_engines INTEGER CHECK (max_engines >= 0),
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'cordoned')),
    -- Docker over TLS: the CA, the client certificate and key, sealed together (JSON).
    tls_enc BYTEA,
    -- Its health as the fleet last found it; `reachable` NULL: not looked at yet.
    reachable BOOLEAN,
    health_detail TEXT,
    docker_version TEXT,
    reported_memory_bytes BIGINT,
    reported_cpus INTEGER,
    engines_running INTEGER,
    -- The images it has; NULL: not looked at yet.
    images TEXT[],
    checked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Deleted (only once no engine is on it): the row stays for the engines' history.
    deleted_at TIMESTAMPTZ,
    CHECK (port_min <= port_max)
);
CREATE UNIQUE INDEX hosts_name ON hosts (environment_id, name) WHERE deleted_at IS NULL;

-- Each environment's one Docker endpoint becomes its first host.
INSERT INTO hosts (environment_id, name, docker_endpoint, address, port_min, port_max)
SELECT id, 'host-1', docker_endpoint, host_address, port_min, port_max FROM environments;

ALTER TABLE engines ADD COLUMN host_id BIGINT REFERENCES hosts (id);
UPDATE engines e SET host_id = h.id FROM hosts h WHERE h.environment_id = e.environment_id;
ALTER TABLE engines ALTER COLUMN host_id SET NOT NULL;
CREATE INDEX engines_host ON engines (host_id, state);

-- A port is taken per host.
DROP INDEX engines_live_port;
CREATE UNIQUE INDEX engines_live_port ON engines (host_id, port) WHERE state <> 'removed' AND port IS NOT NULL;

-- An orphan is a container on one host.
ALTER TABLE orphans ADD COLUMN host_id BIGINT REFERENCES hosts (id) ON DELETE CASCADE;
UPDATE orphans o SET host_id = h.id FROM hosts h WHERE h.environment_id = o.environment_id;
ALTER TABLE orphans ALTER COLUMN host_id SET NOT NULL;
ALTER TABLE orphans DROP CONSTRAINT orphans_environment_id_container_id_key;
ALTER TABLE orphans ADD CONSTRAINT orphans_host_container UNIQUE (host_id, container_id);

ALTER TABLE environments DROP COLUMN docker_endpoint, DROP COLUMN host_address,
    DROP COLUMN port_min, DROP COLUMN port_max;
