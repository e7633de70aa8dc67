-- Bearer tokens for the HTTP API created in the console. Only a hash of the token is kept;
-- the token itself is shown once, when it is created.
CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    tenant_id     TEXT REFERENCES tenants(id),
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
