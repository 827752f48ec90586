-- Retiring catalog rows: teams, plans, environments and projects are marked deleted rather than
-- removed, because databases that were deleted still name them (their history, and the
-- engine's container and volume until they are destroyed, must stay describable). A retired
-- row is invisible to the API and its name can be used again.

ALTER TABLE teams ADD COLUMN deleted_at TIMESTAMPTZ;
ALTER TABLE teams DROP CONSTRAINT teams_name_key;
CREATE UNIQUE INDEX teams_live_name ON teams (name) WHERE deleted_at IS NULL;

ALTER TABLE plans ADD COLUMN deleted_at TIMESTAMPTZ;
ALTER TABLE plans DROP CONSTRAINT plans_name_key;
CREATE UNIQUE INDEX plans_live_name ON plans (name) WHERE deleted_at IS NULL;

ALTER TABLE environments ADD COLUMN deleted_at TIMESTAMPTZ;
ALTER TABLE environments DROP CONSTRAINT environments_name_key;
CREATE UNIQUE INDEX environments_live_name ON environments (name) WHERE deleted_at IS NULL;

ALTER TABLE projects ADD COLUMN deleted_at TIMESTAMPTZ;
ALTER TABLE projects DROP CONSTRAINT projects_name_key;
CREATE UNIQUE INDEX projects_live_name ON projects (name) WHERE deleted_at IS NULL;

-- "Is it still in use?" asks for the live databases of a plan, environment or project.
CREATE INDEX databases_plan ON databases (plan_id);
CREATE INDEX databases_environment ON databases (environment_id);
CREATE INDEX databases_project ON databases (project_id);
CREATE INDEX projects_team ON projects (team_id);
