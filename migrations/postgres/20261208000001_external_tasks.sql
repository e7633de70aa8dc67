-- External tasks are jobs of kind `external`: a worker outside the engine fetches them by
-- topic and locks them (`locked_by` the worker, `lock_expires_at` the lock's end, state
-- `running` while locked). A free or locked task is fetchable once `due` has passed: a new
-- task is due at once, a failed one after its retry timeout, a locked one when its lock
-- expires (a locked task's `due` is its lock's expiry).
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('timer', 'service', 'async', 'signal', 'external'));
-- External tasks: the topic workers fetch them by, their priority, and 1 while no failure or
-- administrator has set their retries (Camunda answers null then).
ALTER TABLE jobs ADD COLUMN topic TEXT COLLATE "C";
ALTER TABLE jobs ADD COLUMN priority BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN retries_unset BIGINT NOT NULL DEFAULT 0;
-- Fetch by topic: the fetchable tasks of a topic in due order, on millions of rows; only
-- external tasks have a topic.
CREATE INDEX jobs_external ON jobs (topic, suspended, due) WHERE topic IS NOT NULL;
-- The executor's claims read only jobs without a topic: external tasks, possibly millions of
-- them waiting for workers, stay out of the indexes its claims walk.
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (state, suspended, due) WHERE topic IS NULL;
DROP INDEX jobs_lease;
CREATE INDEX jobs_lease ON jobs (state, lock_expires_at) WHERE topic IS NULL;
