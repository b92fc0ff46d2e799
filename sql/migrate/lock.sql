-- Serializes migrations of one schema across processes; released by unlock.sql or on disconnect.
SELECT pg_advisory_lock(hashtext('goalstream.migrate:' || current_schema()))
