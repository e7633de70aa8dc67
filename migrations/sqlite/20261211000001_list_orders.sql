-- The orders the instance and task lists can be sorted by besides their first one, each an
-- index of (column, id) so that a keyset page walks it instead of sorting the table: instances
-- by end time (those not ended, without one, at its start), process name and state; tasks by
-- due date (without one at its start) and process name. The categories are checked on the
-- rows walked (`store::sql::order`).
CREATE INDEX process_instances_end ON process_instances (end_time, id);
CREATE INDEX process_instances_process ON process_instances (definition_name, id);
CREATE INDEX process_instances_state ON process_instances (state, id);
CREATE INDEX tasks_due_order ON tasks (due, id);
CREATE INDEX tasks_process ON tasks (definition_name, id);
