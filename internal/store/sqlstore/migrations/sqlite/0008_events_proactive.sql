-- Related events (internal/events) and proactive insights (internal/insight).
-- Times are Unix microseconds; lists are JSON text.
CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    dedupe_key   TEXT NOT NULL,
    time         BIGINT NOT NULL,
    source       TEXT NOT NULL,
    event_source TEXT NOT NULL DEFAULT '',
    event_class  TEXT NOT NULL,
    name         TEXT NOT NULL,
    actor        TEXT NOT NULL DEFAULT '',
    resources    TEXT NOT NULL DEFAULT '[]',
    stack        TEXT NOT NULL DEFAULT '',
    app          TEXT NOT NULL DEFAULT '',
    namespace    TEXT NOT NULL DEFAULT '',
    account      TEXT NOT NULL DEFAULT '',
    region       TEXT NOT NULL DEFAULT '',
    links        TEXT NOT NULL DEFAULT '[]',
    details      TEXT NOT NULL DEFAULT '{}',
    received_at  BIGINT NOT NULL
);
-- A re-delivered event (same source and key) is recognised, not stored twice.
CREATE UNIQUE INDEX events_dedupe ON events (source, dedupe_key);
CREATE INDEX events_by_time ON events (time, id);

-- A proactive insight is about one subject (a series heading to its limit);
-- the one-ongoing-per-boundary rule holds for reactive insights only.
ALTER TABLE insights ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE insights ADD COLUMN prediction_start BIGINT NOT NULL DEFAULT 0;
ALTER TABLE insights ADD COLUMN prediction_end BIGINT NOT NULL DEFAULT 0;
DROP INDEX insights_one_ongoing;
CREATE UNIQUE INDEX insights_one_ongoing ON insights (boundary_key) WHERE status = 'ONGOING' AND type = 'REACTIVE';
CREATE UNIQUE INDEX insights_one_ongoing_proactive ON insights (boundary_key, subject) WHERE status = 'ONGOING' AND type = 'PROACTIVE';

-- A proactive anomaly's forecast (limit, trend, predicted time and band), JSON.
ALTER TABLE anomalies ADD COLUMN forecast TEXT NOT NULL DEFAULT '';
