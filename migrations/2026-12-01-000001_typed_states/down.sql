ALTER TABLE dumps DROP CONSTRAINT dumps_format_check;
ALTER TABLE tasks DROP CONSTRAINT tasks_kind_check;
