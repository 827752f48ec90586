-- Idempotency-Key on POST /api/database/: a retry of a request whose answer was lost gets the
-- database the first one made. One key per API user; the row is written in the transaction
-- that records the database (database_id is set before that transaction commits).
CREATE TABLE idempotency_keys (
    user_id BIGINT NOT NULL REFERENCES api_users (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    operation TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    database_id BIGINT REFERENCES databases (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
