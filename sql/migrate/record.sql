INSERT INTO goalstream_migrations (version, name) VALUES ($1, $2)
