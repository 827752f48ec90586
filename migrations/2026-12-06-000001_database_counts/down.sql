DROP INDEX databases_name;
DROP TRIGGER databases_counted_truncate ON databases;
DROP FUNCTION dbaas_database_counts_truncated();
DROP TRIGGER databases_counted_update ON databases;
DROP TRIGGER databases_counted_insert_delete ON databases;
DROP FUNCTION dbaas_database_counted();
DROP FUNCTION dbaas_database_count_add(BIGINT, BIGINT, BIGINT, TEXT, INTEGER);
DROP TABLE database_counts;
