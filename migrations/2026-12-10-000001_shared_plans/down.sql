ALTER TABLE engines DROP COLUMN placement;
ALTER TABLE plans DROP CONSTRAINT plans_shared_postgres;
ALTER TABLE plans DROP COLUMN databases_per_engine;
ALTER TABLE plans DROP COLUMN placement;
