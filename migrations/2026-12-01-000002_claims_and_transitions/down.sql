DROP INDEX tasks_running_lease;
ALTER TABLE tasks DROP COLUMN lease_expires_at, DROP COLUMN claimed_by, DROP COLUMN claim_token;
UPDATE databases SET status = 'quarantined' WHERE status IN ('quarantining', 'restoring', 'deleting');
ALTER TABLE databases DROP CONSTRAINT databases_status_check;
ALTER TABLE databases ADD CONSTRAINT databases_status_check CHECK (status IN (
    'creating', 'ready', 'failed', 'quarantined', 'deleted'));
