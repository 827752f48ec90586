DROP TABLE orphans;
DROP TABLE dump_chunks;
DROP TABLE dumps;
ALTER TABLE databases
    DROP COLUMN health_checked_at,
    DROP COLUMN health_detail,
    DROP COLUMN health,
    DROP COLUMN quarantine_days;
ALTER TABLE plans DROP COLUMN auto_recover;
ALTER TABLE environments DROP COLUMN dump_retention_days;
