CREATE TABLE IF NOT EXISTS goalstream_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE goalstream_migrations IS 'Migrations of sql/ applied to this schema, by `goalstream migrate`.';
