SELECT version FROM goalstream_migrations ORDER BY version
