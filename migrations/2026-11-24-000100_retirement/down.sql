DROP INDEX projects_team;
DROP INDEX databases_project;
DROP INDEX databases_environment;
DROP INDEX databases_plan;

-- Names must be unique again: retired rows keep theirs with their id appended.
DROP INDEX projects_live_name;
UPDATE projects SET name = name || '-retired-' || id WHERE deleted_at IS NOT NULL;
ALTER TABLE projects DROP COLUMN deleted_at, ADD CONSTRAINT projects_name_key UNIQUE (name);

DROP INDEX environments_live_name;
UPDATE environments SET name = name || '-retired-' || id WHERE deleted_at IS NOT NULL;
ALTER TABLE environments DROP COLUMN deleted_at, ADD CONSTRAINT environments_name_key UNIQUE (name);

DROP INDEX plans_live_name;
UPDATE plans SET name = name || '-retired-' || id WHERE deleted_at IS NOT NULL;
ALTER TABLE plans DROP COLUMN deleted_at, ADD CONSTRAINT plans_name_key UNIQUE (name);

DROP INDEX teams_live_name;
UPDATE teams SET name = name || '-retired-' || id WHERE deleted_at IS NOT NULL;
ALTER TABLE teams DROP COLUMN deleted_at, ADD CONSTRAINT teams_name_key UNIQUE (name);
