-- A signal thrown by a step to more receivers than the step's own transaction reaches is
-- broadcast by a job of kind `signal` (its definition holds the signal's name). SQLite cannot
-- change a CHECK constraint: the table is rebuilt with the same columns and indexes.
CREATE TABLE jobs_new (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants(id),
    instance_id       TEXT NOT NULL REFERENCES process_instances(id),
    token             BIGINT NOT NULL,
    activity_id       TEXT NOT NULL,
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('timer', 'service', 'async', 'signal')),
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
    attempts          BIGINT NOT NULL DEFAULT 0
);
INSERT INTO jobs_new (id, tenant_id, instance_id, token, activity_id, name, kind, timer_kind, definition, fired,
    due, retries, state, suspended, locked_by, lock_expires_at, error, error_details, created, revision, attempts)
SELECT id, tenant_id, instance_id, token, activity_id, name, kind, timer_kind, definition, fired,
    due, retries, state, suspended, locked_by, lock_expires_at, error, error_details, created, revision, attempts
FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
CREATE INDEX jobs_due ON jobs (state, suspended, due);
CREATE INDEX jobs_instance ON jobs (instance_id, token);
CREATE INDEX jobs_tenant ON jobs (tenant_id, state, due, id);
CREATE INDEX jobs_lease ON jobs (state, lock_expires_at);
