-- The lifecycle under faults: quarantine periods, final dumps, health and orphans.

ALTER TABLE environments
    -- days a final dump is kept after its database is destroyed
    ADD COLUMN dump_retention_days INTEGER NOT NULL DEFAULT 7 CHECK (dump_retention_days >= 0);

ALTER TABLE plans
    -- restart an engine container that stopped or vanished
    ADD COLUMN auto_recover BOOLEAN NOT NULL DEFAULT TRUE;

ALTER TABLE databases
    -- overrides the environment's quarantine period for this database
    ADD COLUMN quarantine_days INTEGER CHECK (quarantine_days IS NULL OR quarantine_days >= 0),
    -- what the reconciler last found: 'healthy', or 'unhealthy' with the reason in health_detail
    ADD COLUMN health TEXT NOT NULL DEFAULT 'unknown' CHECK (health IN ('unknown', 'healthy', 'unhealthy')),
    ADD COLUMN health_detail TEXT,
    ADD COLUMN health_checked_at TIMESTAMPTZ;

-- A final dump taken before a database is destroyed, kept in the catalog in chunks so that
-- every api replica can serve it.
CREATE TABLE dumps (
    id           BIGSERIAL PRIMARY KEY,
    database_id  BIGINT NOT NULL REFERENCES databases (id),
    format       TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL DEFAULT 0,
    complete     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX dumps_database ON dumps (database_id);

CREATE TABLE dump_chunks (
    dump_id  BIGINT NOT NULL REFERENCES dumps (id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    -- byte offset of the chunk in the dump
    offset_bytes BIGINT NOT NULL,
    data     BYTEA NOT NULL,
    PRIMARY KEY (dump_id, seq)
);

-- Containers labelled as ours that no live database claims.
CREATE TABLE orphans (
    id               BIGSERIAL PRIMARY KEY,
    environment_id   BIGINT NOT NULL REFERENCES environments (id),
    container_name   TEXT NOT NULL,
    container_id     TEXT NOT NULL,
    database_uid     TEXT,
    first_seen       TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen        TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- an admin asked for its removal; the reconciler removes it
    remove_requested_at TIMESTAMPTZ,
    UNIQUE (environment_id, container_id)
);
