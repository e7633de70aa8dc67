-- The job executor: one row per attempt to run a job (a timer firing, a service call), kept
-- for the jobs screen's log of past attempts. No foreign key to `jobs`: the log outlives a
-- job that completed or was deleted.
CREATE TABLE job_attempts (
    id           BIGSERIAL PRIMARY KEY,
    job_id       TEXT NOT NULL,
    instance_id  TEXT NOT NULL,
    attempt      BIGINT NOT NULL,
    -- Which executor ran it (its `locked_by`).
    executor     TEXT NOT NULL,
    started      BIGINT NOT NULL,
    finished     BIGINT NOT NULL,
    ok           BIGINT NOT NULL,
    message      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX job_attempts_job ON job_attempts (job_id, attempt);

-- Running jobs whose lease expired (a crashed executor) are taken over.
CREATE INDEX jobs_lease ON jobs (state, lock_expires_at);

-- Attempts made so far: the idempotency key of a call is `<job id>:<attempt>`.
ALTER TABLE jobs ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
