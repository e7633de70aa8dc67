-- The overview page and the instance list's 已挂起 / 有异常 tabs.
--
-- Suspended instances and instances with open incidents are few among many: each gets a
-- partial index in the list's order, so that the tab and its count read only those rows
-- instead of walking every instance. Open incidents are counted from their own partial index.
CREATE INDEX process_instances_suspended ON process_instances (start_time, id) WHERE state = 'suspended';
CREATE INDEX process_instances_incidents ON process_instances (start_time, id) WHERE open_incidents > 0;
CREATE INDEX incidents_open ON incidents (tenant_id) WHERE resolved IS NULL;
