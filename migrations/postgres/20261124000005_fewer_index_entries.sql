-- Fewer index entries per lifecycle, with every list keeping its index and order.
--
-- A task's completion changes its state, so its new row version gets an entry in every index
-- of the table; an activity's end changed `end_time`, which the history index held.
-- - `tasks_due` serves only the overdue list (active tasks by due date): it now holds active
--   tasks with a due date, so a completion or a task without a due date adds no entry.
-- - `tasks_created_by` serves only withdrawals (the tasks a completion created): it now holds
--   tasks that have such a source.
-- - `activity_history_instance` finds an instance's open activity by token; `end_time` is
--   checked on the few rows of that token, and the end of an activity no longer adds an entry.
-- Measured at 16 clients, alternated with the indexes before: the lifecycles' replay
-- (engine/benches/pg_replay) 1,253, 1,110 and 1,402 lifecycles/s against 1,193, 1,096 and
-- 1,121, the server's CPU 1.23–1.55 ms per lifecycle against 1.45–1.57 ms; the lifecycle
-- benchmark 955, 988, 1,045 and 949/s against 1,024, 878, 857 and 976 (within its noise).
DROP INDEX tasks_due;
CREATE INDEX tasks_due ON tasks (due, id) WHERE state = 'active' AND due IS NOT NULL;
DROP INDEX tasks_created_by;
CREATE INDEX tasks_created_by ON tasks (created_by_task) WHERE created_by_task IS NOT NULL;
DROP INDEX activity_history_instance;
CREATE INDEX activity_history_instance ON activity_history (instance_id, token);
