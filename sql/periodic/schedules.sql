-- Every registered schedule, by name.
SELECT name, cron, timezone, kind, queue, catch_up, last_tick, last_enqueued_at,
       ticks_enqueued, ticks_missed, registered_at
FROM periodic_schedules
ORDER BY name
