-- Sum of a consumer group's stored next offsets: with offsets starting at 0, the number of
-- messages made durable (load and chaos verdicts).
--   $1 group id.
SELECT coalesce(sum(next_offset), 0)::bigint
FROM consumer_offsets
WHERE group_id = $1
