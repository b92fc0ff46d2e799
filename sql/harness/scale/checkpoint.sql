-- After a population (and its VACUUM): write the freshly loaded pages back now, so the first
-- measured run does not pay for them. Without it, that run's checkpoints write the whole
-- population back while every first change to a page after each checkpoint logs the full page:
-- 1M players, stock server, 40,000 events/s offered: 27k durable/s and p99 28 s in the run right
-- after populating, 39.8k and 0.55 s in the same run later (docs/OPERATIONS.md).
-- Needs superuser or pg_checkpoint (PostgreSQL 15+).
CHECKPOINT
