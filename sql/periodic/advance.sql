-- Moves a schedule's last tick from $2 to $3, only if it is still $2 (another instance that
-- moved it first wins; this one then enqueues nothing). Takes the row's lock until commit.
--   $1 name; $2 expected last tick; $3 new last tick; $4 jobs enqueued; $5 ticks missed.
UPDATE periodic_schedules
SET last_tick = $3, last_enqueued_at = now(),
    ticks_enqueued = ticks_enqueued + $4, ticks_missed = ticks_missed + $5
WHERE name = $1 AND last_tick = $2
