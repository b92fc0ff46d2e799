-- Where a consumer group resumes: the stored next offset of each partition of the topics.
--   $1 group id; $2 topics.
SELECT topic, partition, next_offset
FROM consumer_offsets
WHERE group_id = $1 AND topic = ANY($2::text[])
