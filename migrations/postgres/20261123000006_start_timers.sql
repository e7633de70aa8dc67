-- Timer start events: one row per deployed definition whose process starts on a timer. The
-- latest version of a key replaces the timers of the earlier ones; the executor starts an
-- instance when a row is due and moves it to the next due time of a cycle (or removes it).

CREATE TABLE start_timers (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    definition_id  TEXT NOT NULL REFERENCES process_definitions(id),
    process_key    TEXT NOT NULL,
    activity_id    TEXT NOT NULL,
    -- date, duration or cycle, and the definition text.
    timer_kind     TEXT NOT NULL,
    definition     TEXT NOT NULL,
    due            BIGINT NOT NULL,
    fired          BIGINT NOT NULL DEFAULT 0,
    revision       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX start_timers_due ON start_timers (due);
CREATE INDEX start_timers_key ON start_timers (tenant_id, process_key);
