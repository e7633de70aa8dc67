-- The runtime: process instances, their user tasks, jobs, incidents and history.
-- An instance's token state is one JSON document (`state_json`) read and written whole by
-- each command under its `revision`; everything users list or search is kept in columns.

CREATE TABLE process_instances (
    id                    TEXT PRIMARY KEY,
    tenant_id             TEXT NOT NULL REFERENCES tenants(id),
    definition_id         TEXT NOT NULL REFERENCES process_definitions(id),
    definition_key        TEXT NOT NULL,
    definition_name       TEXT NOT NULL,
    -- Lowercased definition name: sort key and fuzzy search.
    name_lower            TEXT NOT NULL,
    version               BIGINT NOT NULL,
    business_key          TEXT,
    initiator             TEXT,
    state                 TEXT NOT NULL CHECK (state IN ('running', 'suspended', 'terminated', 'completed')),
    -- 1 once completed or terminated: the 完成 / 未完成 categories.
    finished              BIGINT NOT NULL DEFAULT 0,
    start_time            BIGINT NOT NULL,
    end_time              BIGINT,
    -- A child started by a call activity: the parent instance and its waiting token.
    parent_instance_id    TEXT REFERENCES process_instances(id),
    parent_token          BIGINT,
    -- The active activities, for the list: names and ids, comma-separated.
    current_activities    TEXT NOT NULL DEFAULT '',
    current_activity_ids  TEXT NOT NULL DEFAULT '',
    open_incidents        BIGINT NOT NULL DEFAULT 0,
    state_json            TEXT NOT NULL,
    revision              BIGINT NOT NULL DEFAULT 1,
    -- Increases with every change of the instance or its tasks: the lists' change token.
    change_stamp          BIGINT NOT NULL
);
-- The list's orders; tenant, search and time filters are checked while walking them (few
-- tenants share one database, so a per-tenant copy of each index would not pay its writes).
CREATE INDEX process_instances_start ON process_instances (start_time, id);
CREATE INDEX process_instances_finished ON process_instances (finished, start_time, id);
CREATE INDEX process_instances_definition ON process_instances (definition_id, finished);
CREATE INDEX process_instances_parent ON process_instances (parent_instance_id);
CREATE INDEX process_instances_change ON process_instances (change_stamp);

CREATE TABLE tasks (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants(id),
    instance_id       TEXT NOT NULL REFERENCES process_instances(id),
    token             BIGINT NOT NULL,
    activity_id       TEXT NOT NULL,
    name              TEXT NOT NULL,
    -- Lowercased "name\nassignee": the fuzzy search.
    search_text       TEXT NOT NULL,
    definition_name   TEXT NOT NULL,
    assignee          TEXT,
    -- JSON arrays of ids.
    candidate_users   TEXT NOT NULL DEFAULT '[]',
    candidate_groups  TEXT NOT NULL DEFAULT '[]',
    priority          BIGINT NOT NULL DEFAULT 50,
    form_key          TEXT,
    created           BIGINT NOT NULL,
    due               BIGINT,
    end_time          BIGINT,
    state             TEXT NOT NULL CHECK (state IN ('active', 'completed', 'cancelled')),
    -- How it ended: completed, cancelled, moved, withdrawn, terminated.
    end_reason        TEXT,
    completed_by      TEXT,
    -- The completed task whose completion created this one (withdrawal looks here).
    created_by_task   TEXT,
    -- 1 when this task's completion created nothing but user tasks: it can be withdrawn
    -- while those stay untouched.
    withdrawable      BIGINT NOT NULL DEFAULT 0,
    -- Creation order within an instance (several tasks can share a millisecond).
    seq               BIGINT NOT NULL DEFAULT 0,
    revision          BIGINT NOT NULL DEFAULT 1
);
-- The list's orders per category (待办/已完成 by creation, 逾期 by due time, 所有).
CREATE INDEX tasks_state ON tasks (state, created, id);
CREATE INDEX tasks_due ON tasks (state, due, id);
CREATE INDEX tasks_created ON tasks (created, id);
CREATE INDEX tasks_instance ON tasks (instance_id, token);
CREATE INDEX tasks_created_by ON tasks (created_by_task);

-- Asynchronous work of instances: timers now, service calls and continuations later.
CREATE TABLE jobs (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants(id),
    instance_id       TEXT NOT NULL REFERENCES process_instances(id),
    token             BIGINT NOT NULL,
    activity_id       TEXT NOT NULL,
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('timer', 'service', 'async')),
    -- For timers: the resolved definition and its kind (date, duration, cycle).
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
    revision          BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX jobs_due ON jobs (state, suspended, due);
CREATE INDEX jobs_instance ON jobs (instance_id, token);
CREATE INDEX jobs_tenant ON jobs (tenant_id, state, due, id);

CREATE TABLE incidents (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    instance_id   TEXT NOT NULL REFERENCES process_instances(id),
    token         BIGINT NOT NULL,
    activity_id   TEXT NOT NULL,
    message       TEXT NOT NULL,
    created       BIGINT NOT NULL,
    resolved      BIGINT
);
CREATE INDEX incidents_instance ON incidents (instance_id, token);

-- Every activity instance: started, and how it ended.
CREATE TABLE activity_history (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id    TEXT NOT NULL REFERENCES process_instances(id),
    token          BIGINT NOT NULL,
    activity_id    TEXT NOT NULL,
    activity_name  TEXT NOT NULL,
    activity_type  TEXT NOT NULL,
    start_time     BIGINT NOT NULL,
    end_time       BIGINT,
    -- completed, cancelled, moved, withdrawn; NULL while active.
    outcome        TEXT,
    -- Who completed it (user tasks).
    actor          TEXT,
    task_id        TEXT
);
CREATE INDEX activity_history_instance ON activity_history (instance_id, token, end_time);

-- Every change of a variable.
CREATE TABLE variable_history (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id  TEXT NOT NULL REFERENCES process_instances(id),
    name         TEXT NOT NULL,
    -- JSON text; NULL when the variable was removed.
    value        TEXT,
    at           BIGINT NOT NULL,
    actor        TEXT NOT NULL
);
CREATE INDEX variable_history_instance ON variable_history (instance_id, id);

-- Administrator operations on an instance or its tasks: who, when, what, why.
CREATE TABLE instance_operations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id  TEXT NOT NULL REFERENCES process_instances(id),
    at           BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    operation    TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX instance_operations_instance ON instance_operations (instance_id, id);
