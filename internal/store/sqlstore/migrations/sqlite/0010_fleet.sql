-- Tenant deployments (silo and pool) and the progressive rollouts of
-- catalog versions to them (internal/fleet, internal/rollout). Times are
-- Unix microseconds, 0 = unset.
CREATE TABLE deployments (
    id               TEXT PRIMARY KEY,
    product          TEXT NOT NULL,
    type             TEXT NOT NULL,
    account          TEXT NOT NULL,
    region           TEXT NOT NULL,
    tenants          TEXT NOT NULL,
    provider         TEXT NOT NULL,
    state            TEXT NOT NULL,
    error            TEXT NOT NULL,
    version          INTEGER NOT NULL,
    target           INTEGER NOT NULL,
    stack            TEXT NOT NULL,
    outputs          TEXT NOT NULL,
    delete_resources INTEGER NOT NULL,
    attempts         INTEGER NOT NULL,
    next_at          BIGINT NOT NULL,
    lease_owner      TEXT NOT NULL,
    lease_until      BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    revision         BIGINT NOT NULL
);
CREATE INDEX deployments_product ON deployments (product, id);
CREATE INDEX deployments_due ON deployments (state, next_at);
CREATE TABLE rollouts (
    id              TEXT PRIMARY KEY,
    product         TEXT NOT NULL,
    version         INTEGER NOT NULL,
    strategy        BLOB NOT NULL,
    state           TEXT NOT NULL,
    wave            INTEGER NOT NULL,
    summary         TEXT NOT NULL,
    error           TEXT NOT NULL,
    data            BLOB NOT NULL,
    pause_requested INTEGER NOT NULL,
    abort_requested INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    control_by      TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_at         BIGINT NOT NULL,
    lease_owner     TEXT NOT NULL,
    lease_until     BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    finished_at     BIGINT NOT NULL
);
-- One active rollout per product.
CREATE UNIQUE INDEX rollouts_one_active ON rollouts (product) WHERE state IN ('pending', 'running', 'waiting_approval', 'paused');
CREATE INDEX rollouts_due ON rollouts (state, next_at);
CREATE INDEX rollouts_product_created ON rollouts (product, created_at);
CREATE TABLE rollout_steps (
    rollout_id  TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,
    input       BLOB NOT NULL,
    output      BLOB NOT NULL,
    error       TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    PRIMARY KEY (rollout_id, seq)
);
