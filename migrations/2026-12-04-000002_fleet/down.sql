DROP TABLE engine_observations;
ALTER TABLE api_users DROP COLUMN is_operator;
