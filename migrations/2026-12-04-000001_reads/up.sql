-- Reads that keep up: a database names its latest task (one join instead of a query per
-- page), and every change to what a login is checked against is announced, so that api
-- processes may answer logins from memory.

ALTER TABLE databases ADD COLUMN latest_task_id BIGINT REFERENCES tasks (id);
UPDATE databases d
   SET latest_task_id = t.id
  FROM (SELECT DISTINCT ON (database_id) database_id, id
          FROM tasks
         WHERE database_id IS NOT NULL
         ORDER BY database_id, id DESC) t
 WHERE t.database_id = d.id;

-- Any change to users or memberships: listeners drop what they remember of logins. The
-- notification is sent when the transaction commits, and only then.
CREATE FUNCTION dbaas_logins_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dbaas_logins', TG_TABLE_NAME);
    RETURN NULL;
END
$$;
CREATE TRIGGER api_users_logins_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_users
    FOR EACH STATEMENT EXECUTE FUNCTION dbaas_logins_changed();
CREATE TRIGGER team_members_logins_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON team_members
    FOR EACH STATEMENT EXECUTE FUNCTION dbaas_logins_changed();
