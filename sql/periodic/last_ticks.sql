-- The last tick of each schedule named in $1 (text[]).
SELECT name, last_tick FROM periodic_schedules WHERE name = ANY($1::text[])
