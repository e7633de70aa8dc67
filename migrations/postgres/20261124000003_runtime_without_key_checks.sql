-- The rows a command writes by the dozen carry no foreign keys on PostgreSQL.
--
-- Each key check runs a lookup and locks the referenced row for the rest of the transaction:
-- every start locked the one tenant row and the one definition row that all concurrent starts
-- share, and every history, variable, operation and task row locked its instance. The checks
-- took about a tenth of the server's time in the lifecycle benchmark, and dropping them gave
-- about 20 % more lifecycles per second.
--
-- What the keys guarded still holds: tenants, definitions and instances are never deleted,
-- and the engine writes these rows in the same statement as their instance, from the instance
-- it read (its tenant comes from the definition row the instance insert reads). The SQLite
-- schema keeps the same keys, checked on every write, so the engine's tests still catch a row
-- written for an instance that does not exist. Jobs and incidents keep their instance keys.
ALTER TABLE process_instances DROP CONSTRAINT IF EXISTS process_instances_tenant_id_fkey;
ALTER TABLE process_instances DROP CONSTRAINT IF EXISTS process_instances_definition_id_fkey;
ALTER TABLE tasks DROP CONSTRAINT IF EXISTS tasks_tenant_id_fkey;
ALTER TABLE tasks DROP CONSTRAINT IF EXISTS tasks_instance_id_fkey;
ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_tenant_id_fkey;
ALTER TABLE incidents DROP CONSTRAINT IF EXISTS incidents_tenant_id_fkey;
ALTER TABLE activity_history DROP CONSTRAINT IF EXISTS activity_history_instance_id_fkey;
ALTER TABLE variable_history DROP CONSTRAINT IF EXISTS variable_history_instance_id_fkey;
ALTER TABLE instance_operations DROP CONSTRAINT IF EXISTS instance_operations_instance_id_fkey;
