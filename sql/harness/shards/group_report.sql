-- One shard group's side of a simulation run: events made durable (stored offsets of the
-- consumer group, starting at 0), progress rows held, and the transactions that wrote any,
-- with the progress rows they wrote and those that wrote a shard group other than this one
-- (or more than one).
--   $1 consumer group id; $2 this database's shard group.
SELECT (SELECT coalesce(sum(next_offset), 0)::int8 FROM consumer_offsets WHERE group_id = $1)
           AS events,
       (SELECT count(*) FROM user_goal_progress) AS rows,
       count(*) AS transactions,
       coalesce(sum(t.rows), 0)::int8 AS rows_written,
       count(*) FILTER (WHERE t.groups > 1 OR t.only_group <> $2) AS multi_group
FROM (
    SELECT txid, count(*) AS groups, min(shard_group) AS only_group, sum(rows) AS rows
    FROM goalstream_shard_touches
    GROUP BY txid
) t
