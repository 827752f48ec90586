ALTER TABLE database_moves DROP CONSTRAINT database_moves_task_database;
ALTER TABLE database_moves ADD CONSTRAINT database_moves_task_id_key UNIQUE (task_id);
ALTER TABLE engines DROP COLUMN placement;
ALTER TABLE plans DROP CONSTRAINT plans_shared_postgres;
ALTER TABLE plans DROP COLUMN databases_per_engine;
ALTER TABLE plans DROP COLUMN placement;
