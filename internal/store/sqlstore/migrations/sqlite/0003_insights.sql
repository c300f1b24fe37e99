-- Insights and their anomalies (internal/insight). Times are Unix
-- microseconds, 0 = unset; lists and label sets are JSON text.
CREATE TABLE insights (
    id               TEXT PRIMARY KEY,
    type             TEXT NOT NULL,
    status           TEXT NOT NULL,
    severity         TEXT NOT NULL,
    problem_type     TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL,
    boundary_key     TEXT NOT NULL,
    boundary_kind    TEXT NOT NULL,
    boundary_name    TEXT NOT NULL,
    boundary_tag_key TEXT NOT NULL DEFAULT '',
    account          TEXT NOT NULL DEFAULT '',
    region           TEXT NOT NULL DEFAULT '',
    resources        TEXT NOT NULL DEFAULT '[]',
    recommendations  TEXT NOT NULL DEFAULT '[]',
    started_at       BIGINT NOT NULL,
    ended_at         BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1
);
-- One ongoing insight per application boundary, across tend processes.
CREATE UNIQUE INDEX insights_one_ongoing ON insights (boundary_key) WHERE status = 'ONGOING';
CREATE INDEX insights_by_start ON insights (started_at, id);
CREATE INDEX insights_by_boundary ON insights (boundary_kind, boundary_name, started_at);

CREATE TABLE anomalies (
    id            TEXT PRIMARY KEY,
    insight_id    TEXT NOT NULL REFERENCES insights (id),
    status        TEXT NOT NULL,
    series_id     TEXT NOT NULL,
    metric        TEXT NOT NULL,
    labels        TEXT NOT NULL DEFAULT '{}',
    statistic     TEXT NOT NULL DEFAULT '',
    period_ms     BIGINT NOT NULL DEFAULT 0,
    unit          TEXT NOT NULL DEFAULT '',
    family        TEXT NOT NULL DEFAULT '',
    problem_type  TEXT NOT NULL DEFAULT '',
    resource_id   TEXT NOT NULL DEFAULT '',
    resource_type TEXT NOT NULL DEFAULT '',
    resource_name TEXT NOT NULL DEFAULT '',
    instance_id   TEXT NOT NULL DEFAULT '',
    instance_type TEXT NOT NULL DEFAULT '',
    boundary_key  TEXT NOT NULL,
    started_at    BIGINT NOT NULL,
    ended_at      BIGINT NOT NULL DEFAULT 0,
    peak_score    REAL NOT NULL DEFAULT 0,
    peak_value    REAL NOT NULL DEFAULT 0,
    peak_at       BIGINT NOT NULL DEFAULT 0,
    reason        TEXT NOT NULL DEFAULT '',
    excerpt       TEXT NOT NULL DEFAULT '[]',
    owner         TEXT NOT NULL DEFAULT '',
    updated_at    BIGINT NOT NULL
);
CREATE INDEX anomalies_by_insight ON anomalies (insight_id, started_at);
CREATE INDEX anomalies_open ON anomalies (owner, started_at) WHERE status = 'OPEN';
CREATE INDEX anomalies_by_resource ON anomalies (resource_id);
CREATE INDEX anomalies_by_resource_name ON anomalies (resource_name)
