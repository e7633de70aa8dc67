-- Starts by key, across tenants when the caller names none: the latest version of a key, and
-- the check that a start from the engine's cached latest version still has the latest one.
CREATE INDEX process_definitions_key ON process_definitions (process_key, version);
