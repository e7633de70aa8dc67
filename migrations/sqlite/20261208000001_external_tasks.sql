-- External tasks are jobs of kind `external`: a worker outside the engine fetches them by
-- topic and locks them (`locked_by` the worker, `lock_expires_at` the lock's end, state
-- `running` while locked). A free or locked task is fetchable once `due` has passed: a new
-- task is due at once, a failed one after its retry timeout, a locked one when its lock
-- expires (a locked task's `due` is its lock's expiry). SQLite cannot change a CHECK
-- constraint: the table is rebuilt with the columns external tasks add.
CREATE TABLE jobs_new (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants(id),
    instance_id       TEXT NOT NULL REFERENCES process_instances(id),
    token             BIGINT NOT NULL,
    activity_id       TEXT NOT NULL,
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('timer', 'service', 'async', 'signal', 'external')),
    -- For timers: the resolved definition and its kind (date, duration, cycle); for signals:
    -- the signal's name.
    timer_kind        TEXT,
    definition        TEXT,
    fired             BIGINT NOT NULL DEFAULT 0,
    due               BIGINT NOT NULL,
    retries           BIGINT NOT NULL DEFAULT 3,
    state             TEXT NOT NULL CHECK (state IN ('pending', 'running', 'error')),
    -- 1 while the instance is suspended: the executor skips the job.
    suspended         BIGINT NOT NULL DEFAULT 0,
    locked_by         TEXT,
    lock_expires_at   BIGINT,
    error             TEXT,
    error_details     TEXT,
    created           BIGINT NOT NULL,
    revision          BIGINT NOT NULL DEFAULT 1,
    attempts          BIGINT NOT NULL DEFAULT 0,
    -- External tasks: the topic workers fetch them by, their priority, and 1 while no
    -- failure or administrator has set their retries (Camunda answers null then).
    topic             TEXT,
    priority          BIGINT NOT NULL DEFAULT 0,
    retries_unset     BIGINT NOT NULL DEFAULT 0
);
INSERT INTO jobs_new (id, tenant_id, instance_id, token, activity_id, name, kind, timer_kind, definition, fired,
    due, retries, state, suspended, locked_by, lock_expires_at, error, error_details, created, revision, attempts)
SELECT id, tenant_id, instance_id, token, activity_id, name, kind, timer_kind, definition, fired,
    due, retries, state, suspended, locked_by, lock_expires_at, error, error_details, created, revision, attempts
FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
-- The executor's claims read only jobs without a topic: external tasks, possibly millions of
-- them waiting for workers, stay out of the indexes its claims walk.
CREATE INDEX jobs_due ON jobs (state, suspended, due) WHERE topic IS NULL;
CREATE INDEX jobs_instance ON jobs (instance_id, token);
CREATE INDEX jobs_tenant ON jobs (tenant_id, state, due, id);
CREATE INDEX jobs_lease ON jobs (state, lock_expires_at) WHERE topic IS NULL;
-- Fetch by topic: the fetchable tasks of a topic in due order, on millions of rows; only
-- external tasks have a topic.
CREATE INDEX jobs_external ON jobs (topic, suspended, due) WHERE topic IS NOT NULL;
