-- One schema for both backends: these types and constraints mean the same
-- in SQLite and PostgreSQL. Times are Unix milliseconds.

CREATE TABLE scripts (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    description    TEXT NOT NULL DEFAULT '',
    active_version BIGINT NOT NULL,
    latest_version BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- Immutable: a row is never updated once written.
CREATE TABLE script_versions (
    script_id  TEXT NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
    version    BIGINT NOT NULL,
    source     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (script_id, version)
);

CREATE TABLE routes (
    id         TEXT PRIMARY KEY,
    script_id  TEXT NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
    method     TEXT NOT NULL,
    path       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (method, path)
);
CREATE INDEX routes_by_script ON routes (script_id);

CREATE TABLE admin_tokens (
    id         TEXT PRIMARY KEY,
    label      TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
