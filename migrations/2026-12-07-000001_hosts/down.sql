ALTER TABLE environments ADD COLUMN docker_endpoint TEXT, ADD COLUMN host_address TEXT,
    ADD COLUMN port_min INTEGER, ADD COLUMN port_max INTEGER;
UPDATE environments v SET docker_endpoint = h.docker_endpoint, host_address = h.address,
    port_min = h.port_min, port_max = h.port_max
FROM (SELECT DISTINCT ON (environment_id) * FROM hosts ORDER BY environment_id, id) h
WHERE h.environment_id = v.id;
UPDATE environments SET docker_endpoint = 'unix:///var/run/docker.sock', host_address = '127.0.0.1',
    port_min = 20000, port_max = 29999 WHERE docker_endpoint IS NULL;
ALTER TABLE environments ALTER COLUMN docker_endpoint SET NOT NULL, ALTER COLUMN host_address SET NOT NULL,
    ALTER COLUMN port_min SET NOT NULL, ALTER COLUMN port_max SET NOT NULL;
ALTER TABLE orphans DROP CONSTRAINT orphans_host_container;
DELETE FROM orphans a USING orphans b WHERE a.environment_id = b.environment_id AND a.container_id = b.container_id AND a.id > b.id;
ALTER TABLE orphans ADD CONSTRAINT orphans_environment_id_container_id_key UNIQUE (environment_id, container_id);
ALTER TABLE orphans DROP COLUMN host_id;
DROP INDEX engines_live_port;
CREATE UNIQUE INDEX engines_live_port ON engines (environment_id, port) WHERE state <> 'removed' AND port IS NOT NULL;
DROP INDEX engines_host;
ALTER TABLE engines DROP COLUMN host_id;
DROP TABLE hosts;
ALTER TABLE environments DROP COLUMN development;
