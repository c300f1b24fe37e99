-- Security reviews of products' code (tend review, POST /v1/reviews).
CREATE TABLE reviews (
    id         TEXT PRIMARY KEY,
    product    TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 0,
    source     TEXT NOT NULL,
    ref        TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    files      INTEGER NOT NULL,
    lines      INTEGER NOT NULL,
    critical   INTEGER NOT NULL,
    high       INTEGER NOT NULL,
    medium     INTEGER NOT NULL,
    low        INTEGER NOT NULL,
    note       INTEGER NOT NULL,
    report     BYTEA NOT NULL
);
CREATE INDEX reviews_product_created ON reviews (product, created_at);
