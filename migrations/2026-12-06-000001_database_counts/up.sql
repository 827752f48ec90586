-- A list's total without counting its rows: how many databases each (team, environment,
-- project, status) holds, kept by triggers in the same transaction as the change, so a
-- total is exactly what a count would say. `project_id` 0 stands for "no project" (ids
-- start at 1), which keeps the key a plain unique one.

CREATE TABLE database_counts (
    team_id        BIGINT  NOT NULL,
    environment_id BIGINT  NOT NULL,
    project_id     BIGINT  NOT NULL,
    status         TEXT    NOT NULL,
    n              INTEGER NOT NULL,
    PRIMARY KEY (team_id, environment_id, project_id, status)
);

INSERT INTO database_counts (team_id, environment_id, project_id, status, n)
SELECT team_id, environment_id, COALESCE(project_id, 0), status, count(*)
  FROM databases
 GROUP BY 1, 2, 3, 4;

-- Adds `delta` to one key's count.
CREATE FUNCTION dbaas_database_count_add(t BIGINT, e BIGINT, p BIGINT, s TEXT, delta INTEGER)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO database_counts AS c (team_id, environment_id, project_id, status, n)
    VALUES (t, e, COALESCE(p, 0), s, delta)
    ON CONFLICT (team_id, environment_id, project_id, status) DO UPDATE SET n = c.n + EXCLUDED.n
$$;

-- A row's move from one key to another takes the two keys' row locks in key order, so two
-- moves in opposite directions cannot deadlock.
CREATE FUNCTION dbaas_database_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM dbaas_database_count_add(NEW.team_id, NEW.environment_id, NEW.project_id, NEW.status, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM dbaas_database_count_add(OLD.team_id, OLD.environment_id, OLD.project_id, OLD.status, -1);
    ELSIF (OLD.team_id, OLD.environment_id, COALESCE(OLD.project_id, 0), OLD.status)
        < (NEW.team_id, NEW.environment_id, COALESCE(NEW.project_id, 0), NEW.status) THEN
        PERFORM dbaas_database_count_add(OLD.team_id, OLD.environment_id, OLD.project_id, OLD.status, -1);
        PERFORM dbaas_database_count_add(NEW.team_id, NEW.environment_id, NEW.project_id, NEW.status, 1);
    ELSE
        PERFORM dbaas_database_count_add(NEW.team_id, NEW.environment_id, NEW.project_id, NEW.status, 1);
        PERFORM dbaas_database_count_add(OLD.team_id, OLD.environment_id, OLD.project_id, OLD.status, -1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER databases_counted_insert_delete
    AFTER INSERT OR DELETE ON databases
    FOR EACH ROW EXECUTE FUNCTION dbaas_database_counted();
CREATE TRIGGER databases_counted_update
    AFTER UPDATE OF team_id, environment_id, project_id, status ON databases
    FOR EACH ROW
    WHEN ((OLD.team_id, OLD.environment_id, OLD.project_id, OLD.status)
          IS DISTINCT FROM (NEW.team_id, NEW.environment_id, NEW.project_id, NEW.status))
    EXECUTE FUNCTION dbaas_database_counted();
-- A truncate empties the counts too.
CREATE FUNCTION dbaas_database_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM database_counts;
    RETURN NULL;
END
$$;
CREATE TRIGGER databases_counted_truncate
    AFTER TRUNCATE ON databases
    FOR EACH STATEMENT EXECUTE FUNCTION dbaas_database_counts_truncated();

-- A filter by name alone (`?name=`) finds its rows by index.
CREATE INDEX databases_name ON databases (name);
