-- Stacks registered as application boundaries (tend import terraform --deploy).
CREATE TABLE stacks (
    name          TEXT PRIMARY KEY,
    registered_at BIGINT NOT NULL
);
CREATE TABLE stack_resources (
    stack             TEXT NOT NULL REFERENCES stacks(name) ON DELETE CASCADE,
    logical_id        TEXT NOT NULL,
    type              TEXT NOT NULL,
    physical_id       TEXT NOT NULL,
    arn               TEXT NOT NULL DEFAULT '',
    terraform_address TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (stack, logical_id)
);
CREATE INDEX stack_resources_physical ON stack_resources (physical_id);
