-- The Camunda 7 task API: delegation and the assignee filter.
--
-- A delegated task keeps its owner (the assignee who delegated it) and its delegation state
-- (PENDING until the delegate resolves it, then RESOLVED), as Camunda's `delegate` sets them.
ALTER TABLE tasks ADD COLUMN owner TEXT;
ALTER TABLE tasks ADD COLUMN delegation_state TEXT;
-- "My open tasks" (`GET /engine-rest/task?assignee=…`), the most frequent query of a task
-- client, reads one assignee's active tasks in creation order from this index instead of
-- walking every active task. Only active, assigned tasks have an entry: a completion or an
-- unassigned task adds none.
CREATE INDEX tasks_assignee ON tasks (assignee, created, id) WHERE state = 'active' AND assignee IS NOT NULL;
