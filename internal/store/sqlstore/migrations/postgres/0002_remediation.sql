-- Self-healing: problems and their occurrences, tend-kept comments,
-- remediation runs and steps, qualification hits, guards, parameters and the
-- embedded catalog. Times are Unix microseconds, 0 = unset.
CREATE TABLE problems (
    id          TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    external_id TEXT NOT NULL,
    title       TEXT NOT NULL,
    state       TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    body        BYTEA NOT NULL,
    occurrences INTEGER NOT NULL,
    first_seen  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX problems_last_seen ON problems (last_seen);
CREATE TABLE problem_occurrences (
    id          TEXT PRIMARY KEY,
    problem_id  TEXT NOT NULL REFERENCES problems (id),
    digest      TEXT NOT NULL,
    state       TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    body        BYTEA NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (problem_id, digest)
);
CREATE TABLE problem_comments (
    id          TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    external_id TEXT NOT NULL,
    author      TEXT NOT NULL,
    content     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX problem_comments_problem ON problem_comments (source, external_id, created_at);
CREATE TABLE remediation_runs (
    id            TEXT PRIMARY KEY,
    policy        TEXT NOT NULL,
    problem_id    TEXT NOT NULL,
    occurrence_id TEXT NOT NULL,
    mode          TEXT NOT NULL,
    state         TEXT NOT NULL,
    outcome       TEXT NOT NULL DEFAULT '',
    summary       TEXT NOT NULL DEFAULT '',
    target        TEXT NOT NULL DEFAULT '',
    error         TEXT NOT NULL DEFAULT '',
    data          BYTEA NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       BIGINT NOT NULL,
    lease_owner   TEXT NOT NULL DEFAULT '',
    lease_until   BIGINT NOT NULL DEFAULT 0,
    approved_by   TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX remediation_runs_due ON remediation_runs (state, next_at);
CREATE INDEX remediation_runs_occurrence ON remediation_runs (occurrence_id);
CREATE INDEX remediation_runs_created ON remediation_runs (created_at);
CREATE TABLE remediation_steps (
    run_id      TEXT NOT NULL REFERENCES remediation_runs (id),
    seq         INTEGER NOT NULL,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,
    input       BYTEA NOT NULL,
    output      BYTEA NOT NULL,
    error       TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE remediation_hits (
    policy        TEXT NOT NULL,
    entity        TEXT NOT NULL,
    occurrence_id TEXT NOT NULL,
    at            BIGINT NOT NULL,
    consumed_by   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (policy, entity, occurrence_id)
);
CREATE INDEX remediation_hits_at ON remediation_hits (policy, entity, at);
CREATE TABLE remediation_guards (
    key      TEXT PRIMARY KEY,
    run_id   TEXT NOT NULL,
    acted_at BIGINT NOT NULL
);
CREATE TABLE remediation_actions (
    run_id   TEXT PRIMARY KEY,
    key      TEXT NOT NULL,
    acted_at BIGINT NOT NULL
);
CREATE INDEX remediation_actions_at ON remediation_actions (acted_at);
CREATE TABLE params (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE catalog_versions (
    product         TEXT NOT NULL,
    number          INTEGER NOT NULL,
    description     TEXT NOT NULL,
    format          TEXT NOT NULL,
    template        BYTEA NOT NULL,
    active          INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (product, number)
);
CREATE UNIQUE INDEX catalog_versions_idem ON catalog_versions (product, idempotency_key) WHERE idempotency_key <> '';
-- The '*' row serialises guard decisions (cooldown and the global rate limit).
INSERT INTO remediation_guards (key, run_id, acted_at) VALUES ('*', '', 0);
