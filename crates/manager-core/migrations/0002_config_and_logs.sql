-- Settings as JSON values by key (limit defaults, …).
CREATE TABLE config (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Per-script limit overrides: a JSON object of limit name → value.
CREATE TABLE script_limits (
    script_id TEXT PRIMARY KEY REFERENCES scripts (id) ON DELETE CASCADE,
    overrides TEXT NOT NULL
);

-- One row per invocation; its log lines as a JSON array (written once,
-- read together, deleted together).
CREATE TABLE invocations (
    seq         BIGINT NOT NULL,
    id          TEXT PRIMARY KEY,
    script_id   TEXT NOT NULL,
    version     BIGINT NOT NULL,
    started_at  BIGINT NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    status      BIGINT NOT NULL,
    outcome     TEXT NOT NULL,
    error       TEXT,
    limit_hit   TEXT,
    duration_us BIGINT NOT NULL,
    logs        TEXT NOT NULL,
    max_level   TEXT,
    bytes       BIGINT NOT NULL
);
CREATE INDEX invocations_by_script ON invocations (script_id, seq);
