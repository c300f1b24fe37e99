-- Image embeddings (tend embed): one vector per image and model, upserted
-- by (image_id, model) so a redone batch never duplicates a row.
CREATE TABLE embeddings (
    image_id   TEXT NOT NULL,
    model      TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    source     TEXT NOT NULL DEFAULT '',
    dim        INTEGER NOT NULL,
    vector     BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (image_id, model)
);
CREATE INDEX embeddings_model ON embeddings (model, created_at);
