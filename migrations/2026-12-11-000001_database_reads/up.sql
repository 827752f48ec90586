-- The catalog announces every change that a database's summary (what GET /api/database/…
-- shows) reads, on the channel `dbaas_databases`, so that api processes may answer reads from
-- memory (core/src/store/database_memory.rs). A notification's payload is the database's id,
-- or empty for a change that may touch any database. Postgres sends them when the change
-- commits, and once per distinct payload per transaction.

-- A database's own row: any change a reader sees (not the times of the last size and health
-- checks, which readers do not see). A new row needs nothing: nobody remembers it yet.
CREATE FUNCTION dbaas_database_read_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dbaas_databases', OLD.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER databases_read_changed
    AFTER UPDATE ON databases FOR EACH ROW
    WHEN ((OLD.name, OLD.team_id, OLD.plan_id, OLD.environment_id, OLD.project_id, OLD.status,
           OLD.description, OLD.quarantine_dt, OLD.created_at, OLD.updated_at, OLD.tags,
           OLD.is_protected, OLD.used_size_bytes, OLD.deleted_at, OLD.quarantine_days, OLD.health,
           OLD.health_detail, OLD.engine_id, OLD.latest_task_id)
          IS DISTINCT FROM
          (NEW.name, NEW.team_id, NEW.plan_id, NEW.environment_id, NEW.project_id, NEW.status,
           NEW.description, NEW.quarantine_dt, NEW.created_at, NEW.updated_at, NEW.tags,
           NEW.is_protected, NEW.used_size_bytes, NEW.deleted_at, NEW.quarantine_days, NEW.health,
           NEW.health_detail, NEW.engine_id, NEW.latest_task_id))
    EXECUTE FUNCTION dbaas_database_read_changed();

CREATE TRIGGER databases_read_removed
    AFTER DELETE ON databases FOR EACH ROW
    EXECUTE FUNCTION dbaas_database_read_changed();

-- A credential: its database's list of credentials.
CREATE FUNCTION dbaas_credential_read_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('dbaas_databases', OLD.database_id::text);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('dbaas_databases', NEW.database_id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER credentials_read_changed
    AFTER INSERT OR UPDATE OF database_id, username, deleted_at OR DELETE ON credentials
    FOR EACH ROW EXECUTE FUNCTION dbaas_credential_read_changed();

-- An engine's port or state (its endpoint): every database it serves.
CREATE FUNCTION dbaas_engine_read_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dbaas_databases', d.id::text) FROM databases d WHERE d.engine_id = OLD.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER engines_read_changed
    AFTER UPDATE OF port, state ON engines FOR EACH ROW
    WHEN ((OLD.port, OLD.state) IS DISTINCT FROM (NEW.port, NEW.state))
    EXECUTE FUNCTION dbaas_engine_read_changed();

CREATE TRIGGER engines_read_removed
    AFTER DELETE ON engines FOR EACH ROW
    EXECUTE FUNCTION dbaas_engine_read_changed();

-- What many databases read: a host's name and address, a plan's engine and size, an
-- environment's quarantine period. Rare changes, announced as "any database".
CREATE FUNCTION dbaas_shared_read_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dbaas_databases', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER hosts_read_changed
    AFTER UPDATE OF name, address OR DELETE ON hosts
    FOR EACH STATEMENT EXECUTE FUNCTION dbaas_shared_read_changed();

CREATE TRIGGER plans_read_changed
    AFTER UPDATE OF engine, size_bytes OR DELETE ON plans
    FOR EACH STATEMENT EXECUTE FUNCTION dbaas_shared_read_changed();

CREATE TRIGGER environments_read_changed
    AFTER UPDATE OF quarantine_days OR DELETE ON environments
    FOR EACH STATEMENT EXECUTE FUNCTION dbaas_shared_read_changed();

-- A team's databases in id order (a tenant's list pages, cut by id): deep pages read only the
-- team's rows instead of filtering every database's.
DROP INDEX databases_team;
CREATE INDEX databases_team ON databases (team_id, id);
