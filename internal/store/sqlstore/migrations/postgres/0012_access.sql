-- Access (issue 13): every API key gets scopes (read, write, admin; a
-- comma-separated list) and optionally the accounts it may see (a
-- comma-separated list, '' = every account). Keys that existed before keep
-- working as admin over every account; narrow them by creating a new key
-- (`tend apikey create --scope read --account 111122223333`) and revoking
-- the old one (docs/api.md).
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE api_keys ADD COLUMN accounts TEXT NOT NULL DEFAULT '';

-- Organisations: accounts and organisational units as a tree (AWS
-- Organizations). parent is an OU id; 'root' is the root.
CREATE TABLE org_units (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    parent     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE org_accounts (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    parent     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
-- The delegated administrator: one account whose keys see the whole
-- organisation's insights created since 'since' (Unix microseconds).
CREATE TABLE org_admin (
    one     INTEGER PRIMARY KEY CHECK (one = 1),
    account TEXT NOT NULL,
    since   BIGINT NOT NULL
);

-- Web sessions: the page asks for a key once and keeps a session cookie.
-- Only the SHA-256 of the cookie's value is stored.
CREATE TABLE web_sessions (
    hash       TEXT PRIMARY KEY,
    key_id     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
