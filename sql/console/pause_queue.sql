-- Pauses a queue (its dispatchers claim nothing until it is resumed). Returns whether this
-- call paused it (false: it already was).
--   $1 queue.
INSERT INTO job_queue_pauses (queue) VALUES ($1) ON CONFLICT (queue) DO NOTHING
RETURNING true AS paused
