SELECT pg_advisory_unlock(hashtext('goalstream.migrate:' || current_schema()))
