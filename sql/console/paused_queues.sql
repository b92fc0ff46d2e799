-- Paused queues and since when.
SELECT queue, paused_at FROM job_queue_pauses ORDER BY queue
