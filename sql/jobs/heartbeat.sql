-- A worker is alive.  $1 worker id.
UPDATE workers SET heartbeat_at = now() WHERE id = $1
