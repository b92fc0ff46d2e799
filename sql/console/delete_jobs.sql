-- Deletes one batch of the finished (completed, failed, cancelled) jobs a filter selects,
-- newest first below a keyset cursor; live jobs are never deleted (cancel them first). Their
-- dependency edges go with them (a finished parent has already released or cancelled its
-- children). Returns the ids deleted and the batch's lowest id (the next batch's cursor; NULL
-- when the filter has no more jobs).
--   $1..$7 the filter of jobs_page.sql; $8 only ids below this; $9 batch size;
--   $10 only these ids (NULL: any).
WITH batch AS (
    SELECT id FROM jobs
    WHERE ($1::text IS NULL OR state = $1)
      AND ($2::text IS NULL OR kind = $2)
      AND ($3::text IS NULL OR queue = $3)
      AND ($4::text IS NULL OR tenant = $4)
      AND ($5::text IS NULL OR unique_key = $5)
      AND ($6::timestamptz IS NULL OR created_at >= $6)
      AND ($7::timestamptz IS NULL OR created_at < $7)
      AND ($8::int8 IS NULL OR id < $8)
      AND ($10::int8[] IS NULL OR id = ANY($10))
      AND state IN ('completed', 'failed', 'cancelled')
    ORDER BY id DESC
    LIMIT $9
    FOR UPDATE SKIP LOCKED
), deleted AS (
    DELETE FROM jobs j USING batch b WHERE j.id = b.id RETURNING j.id
)
SELECT coalesce((SELECT array_agg(id ORDER BY id DESC) FROM deleted), '{}') AS deleted,
       (SELECT CASE WHEN count(*) = $9 THEN min(id) END FROM batch) AS next_cursor
