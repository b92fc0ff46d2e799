-- A worker is alive. Re-registers it when its row is gone (a rescuer took it for dead: its
-- heartbeats did not arrive for 3 intervals, e.g. while Postgres was away); otherwise the
-- rescuer would take every job it claims from then on for a dead worker's. Returns true when
-- the worker had to be registered again.
--   $1 worker id; $2 queues.
INSERT INTO workers (id, queues) VALUES ($1, $2::text[])
ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()
RETURNING (xmax = 0) AS registered_again
