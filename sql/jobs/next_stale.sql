-- Rescuer: seconds until the first registered worker's heartbeat is $1 seconds old (negative if
-- one already is), measured on the database's clock; NULL without workers. A worker registered
-- after this runs cannot go stale sooner than $1 seconds from now.
SELECT extract(epoch FROM min(heartbeat_at) + $1::float8 * interval '1 second' - now())::float8
FROM workers
