-- Event subscriptions: what waits for a message or a signal. A token on a catch event,
-- receive task, boundary event or event-based gateway branch has one row (instance_id and
-- token set) from the step that made it wait until the step that makes it leave; a
-- definition's latest version with process-level message or signal start events has one row
-- per start event (instance_id and token NULL), replaced when a newer version is deployed.
CREATE TABLE event_subscriptions (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants(id),
    kind             TEXT NOT NULL CHECK (kind IN ('message', 'signal')),
    -- The message or signal name.
    name             TEXT NOT NULL,
    instance_id      TEXT REFERENCES process_instances(id),
    token            BIGINT,
    definition_id    TEXT NOT NULL REFERENCES process_definitions(id),
    definition_name  TEXT NOT NULL,
    -- The element that waits, and its display name.
    activity_id      TEXT NOT NULL,
    activity_name    TEXT NOT NULL,
    -- The instance's business key: the default correlation key of a message.
    business_key     TEXT,
    created_at       BIGINT NOT NULL
);
-- Correlation of a message (by business key) and a signal's receivers.
CREATE INDEX event_subscriptions_correlation ON event_subscriptions (tenant_id, kind, name, business_key);
-- A token's subscription removed when it leaves; an instance's listed.
CREATE INDEX event_subscriptions_instance ON event_subscriptions (instance_id, token);
-- The list, oldest first.
CREATE INDEX event_subscriptions_created ON event_subscriptions (created_at, id);
-- A definition's start event subscriptions, replaced by a newer version's.
CREATE INDEX event_subscriptions_definition ON event_subscriptions (definition_id);

-- A definition's `camunda:versionTag`: a call activity's `versionTag` binding finds the latest
-- version with its tag.
ALTER TABLE process_definitions ADD COLUMN version_tag TEXT;
