-- Subscribes the session to job wake-ups: the payload of each notification is a queue that got
-- available jobs (enqueue, release of dependents, scheduler, rescuer, unclaim).
LISTEN goalstream_jobs
