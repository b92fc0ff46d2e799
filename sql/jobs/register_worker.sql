-- Registers (or re-registers) a worker before its first claim; idempotent.
--   $1 worker id; $2 queues.
INSERT INTO workers (id, queues) VALUES ($1, $2::text[])
ON CONFLICT (id) DO UPDATE SET queues = excluded.queues, heartbeat_at = now()
