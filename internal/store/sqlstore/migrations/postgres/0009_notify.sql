-- Notifications (internal/notify): channels, the outbox written in the
-- same transaction as the change that causes each message, and one delivery
-- per message and channel. Times are Unix microseconds, 0 = unset.
CREATE TABLE notify_channels (
    name          TEXT PRIMARY KEY,
    type          TEXT NOT NULL,
    spec          BYTEA NOT NULL,
    source        TEXT NOT NULL,
    rate_limit    INTEGER NOT NULL DEFAULT 0,
    rate_window   BIGINT NOT NULL DEFAULT 0,
    window_start  BIGINT NOT NULL DEFAULT 0,
    window_sent   INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    last_sent_at  BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    last_error_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE notify_outbox (
    seq           BIGSERIAL PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    type          TEXT NOT NULL,
    subject       TEXT NOT NULL,
    severity      TEXT NOT NULL,
    problem_type  TEXT NOT NULL,
    boundary_kind TEXT NOT NULL,
    boundary_name TEXT NOT NULL,
    body          BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    dispatched    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notify_outbox_undispatched ON notify_outbox (dispatched, seq);
CREATE TABLE notify_deliveries (
    id          BIGSERIAL PRIMARY KEY,
    message_seq BIGINT NOT NULL REFERENCES notify_outbox (seq) ON DELETE CASCADE,
    channel     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    state       TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     BIGINT NOT NULL,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    sent_at     BIGINT NOT NULL DEFAULT 0,
    UNIQUE (message_seq, channel)
);
CREATE INDEX notify_deliveries_due ON notify_deliveries (channel, state, next_at);
CREATE INDEX notify_deliveries_subject ON notify_deliveries (channel, subject, state, message_seq);
