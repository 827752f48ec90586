-- The audit trail: who did what, when, from where, and how it ended. One row per
-- state-changing call (written before its handler runs, its outcome after), per password read
-- and per failed login. Never a request body, never a secret.
CREATE TABLE audit_records (
    id              BIGSERIAL PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The API user, while it exists; no foreign key, as the record outlives the user.
    actor_id        BIGINT,
    -- The username as given (for a failed login, whatever was sent).
    actor_name      TEXT NOT NULL,
    client_address  TEXT NOT NULL,
    -- The OpenAPI operationId (`database_delete`), or `login_failed`.
    operation       TEXT NOT NULL,
    method          TEXT NOT NULL,
    -- The resource's path (`/api/database/7`): for a create, the created resource's.
    resource        TEXT NOT NULL,
    -- The team owning the resource, for members' reads of the trail.
    team_id         BIGINT,
    -- The HTTP status answered; NULL while the call runs, or if its outcome was lost.
    status          INTEGER
);
CREATE INDEX audit_records_at ON audit_records (at);
CREATE INDEX audit_records_actor_name ON audit_records (actor_name, id);
CREATE INDEX audit_records_actor_id ON audit_records (actor_id, id);
CREATE INDEX audit_records_team ON audit_records (team_id, id);
CREATE INDEX audit_records_operation ON audit_records (operation, id);
CREATE INDEX audit_records_resource ON audit_records (resource text_pattern_ops, id);
