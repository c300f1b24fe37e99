-- AWS-style credentials for the DevOps Guru API (internal/devopsguru): an
-- access key id and its secret access key, which SigV4 needs in clear to
-- compute the HMAC. The secret is stored sealed with AES-256-GCM under a key
-- kept in tend's data directory (secret_enc = nonce || ciphertext), never in
-- clear. scopes and accounts are comma-separated (the access model of
-- internal/api); an empty accounts list means every account the scopes allow.
-- Times are Unix microseconds, 0 = unset.
CREATE TABLE aws_keys (
    access_key_id TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    secret_enc    BLOB NOT NULL,
    scopes        TEXT NOT NULL DEFAULT '',
    accounts      TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT NOT NULL DEFAULT 0,
    revoked_at    BIGINT NOT NULL DEFAULT 0
);
