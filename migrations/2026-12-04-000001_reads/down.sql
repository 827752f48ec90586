DROP TRIGGER team_members_logins_changed ON team_members;
DROP TRIGGER api_users_logins_changed ON api_users;
DROP FUNCTION dbaas_logins_changed();
ALTER TABLE databases DROP COLUMN latest_task_id;
