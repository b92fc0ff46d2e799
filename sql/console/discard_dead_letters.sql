-- Deletes dead letters by id. Returns the ids deleted.
--   $1 ids.
WITH gone AS (DELETE FROM dead_letters WHERE id = ANY($1::int8[]) RETURNING id)
SELECT coalesce(array_agg(id ORDER BY id), '{}') AS discarded FROM gone
