-- Foundation: tenants, accounts and sessions, organisation, catalog, audit log.
-- Times are Unix epoch milliseconds (BIGINT) so both databases sort and compare them alike.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    revision    BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'tenant_manager')),
    tenant_id      TEXT REFERENCES tenants(id),
    created_at     BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tenant_id   TEXT REFERENCES tenants(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE org_units (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    parent_id  TEXT REFERENCES org_units(id),
    name       TEXT NOT NULL,
    sort       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX org_units_tenant ON org_units (tenant_id, parent_id);

CREATE TABLE people (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    unit_id    TEXT NOT NULL REFERENCES org_units(id),
    name       TEXT NOT NULL,
    groups     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX people_unit ON people (unit_id);

CREATE TABLE catalog_nodes (
    id          TEXT PRIMARY KEY,
    parent_id   TEXT REFERENCES catalog_nodes(id),
    name        TEXT NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    sort        BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    revision    BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX catalog_nodes_parent ON catalog_nodes (parent_id);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    tenant_id  TEXT,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
