-- Deployments, versioned process definitions and models.
-- A deployment keeps one uploaded file (as UTF-8 text); each <process> of it whose content
-- changed becomes a process_definitions row with the next version of its key in its tenant.
-- PostgreSQL: the columns the definition list sorts and pages by use the "C" collation
-- (byte order), the same order as SQLite's BINARY, so keyset pages match on both databases.

CREATE TABLE deployments (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    catalog_id    TEXT REFERENCES catalog_nodes(id),
    file_name     TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    xml           TEXT NOT NULL,
    deployed_at   BIGINT NOT NULL,
    deployed_by   TEXT NOT NULL
);
CREATE INDEX deployments_tenant ON deployments (tenant_id, deployed_at);
CREATE INDEX deployments_catalog ON deployments (catalog_id);

CREATE TABLE process_definitions (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    deployment_id          TEXT NOT NULL REFERENCES deployments(id),
    tenant_id              TEXT NOT NULL REFERENCES tenants(id),
    catalog_id             TEXT REFERENCES catalog_nodes(id),
    -- The process key: the id of the <process> element.
    process_key            TEXT COLLATE "C" NOT NULL,
    name                   TEXT NOT NULL,
    -- Lowercased name, the first sort key of the list.
    name_lower             TEXT COLLATE "C" NOT NULL,
    -- Lowercased "name\nkey", searched with LIKE '%term%'.
    search_text            TEXT NOT NULL,
    version                BIGINT NOT NULL,
    -- Hash of the whole deployed file: an identical redeploy adds no version.
    content_hash           TEXT NOT NULL,
    startable              BIGINT NOT NULL,
    -- JSON array of {element_id, element_type, line, reason}.
    not_startable_reasons  TEXT NOT NULL,
    deployed_at            BIGINT NOT NULL,
    -- Concurrent deployments of one key cannot both take a version: one fails here and retries.
    UNIQUE (tenant_id, process_key, version)
);
-- The list filtered by tenant and catalog node, and per key.
CREATE INDEX process_definitions_list ON process_definitions (tenant_id, catalog_id, process_key, version);
-- The list's order (name, key, version) within a tenant; substring search scans within it.
CREATE INDEX process_definitions_name ON process_definitions (tenant_id, name_lower, process_key, version);
CREATE INDEX process_definitions_catalog ON process_definitions (catalog_id);
CREATE INDEX process_definitions_deployment ON process_definitions (deployment_id);

CREATE TABLE models (
    id                    TEXT PRIMARY KEY,
    tenant_id             TEXT NOT NULL REFERENCES tenants(id),
    catalog_id            TEXT REFERENCES catalog_nodes(id),
    process_key           TEXT NOT NULL,
    name                  TEXT NOT NULL,
    name_lower            TEXT NOT NULL,
    xml                   TEXT NOT NULL,
    source_definition_id  TEXT REFERENCES process_definitions(id),
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    revision              BIGINT NOT NULL DEFAULT 1,
    -- One model per process key and tenant.
    UNIQUE (tenant_id, process_key)
);
CREATE INDEX models_catalog ON models (catalog_id);
