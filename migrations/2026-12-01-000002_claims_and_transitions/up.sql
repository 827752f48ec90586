-- A database shows the state it is moving to while its task runs, never the end state
-- before the task has ended (the end state and the task's end are one transaction).
ALTER TABLE databases DROP CONSTRAINT databases_status_check;
ALTER TABLE databases ADD CONSTRAINT databases_status_check CHECK (status IN (
    'creating', 'ready', 'failed', 'quarantining', 'quarantined', 'restoring', 'deleting', 'deleted'));

-- A running task is held by one claim: a token checked on every write of the task, the
-- worker holding it, and a lease measured on the catalog's clock only.
ALTER TABLE tasks
    ADD COLUMN claim_token TEXT,
    ADD COLUMN claimed_by TEXT,
    ADD COLUMN lease_expires_at TIMESTAMPTZ;
CREATE INDEX tasks_running_lease ON tasks (lease_expires_at) WHERE status = 'running';
