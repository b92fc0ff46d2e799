-- Fenced move of partition offsets, first statement of a flush transaction (its row locks
-- serialize two consumers flushing the same partition).
--   $1 group id; $2 topics; $3 partitions; $4 expected next_offset (NULL: no row yet);
--   $5 new next_offset.
-- Returns how many partitions moved. Fewer than given: another consumer moved one since this
-- one read it; the caller rolls back and re-reads the partition.
WITH input AS (
    SELECT * FROM unnest($2::text[], $3::int4[], $4::int8[], $5::int8[])
        AS i(topic, partition, expected, next_offset)
), moved AS (
    UPDATE consumer_offsets c
    SET next_offset = i.next_offset, updated_at = now()
    FROM input i
    WHERE c.group_id = $1 AND c.topic = i.topic AND c.partition = i.partition
      AND c.next_offset = i.expected
    RETURNING 1
), created AS (
    INSERT INTO consumer_offsets (group_id, topic, partition, next_offset)
    SELECT $1, i.topic, i.partition, i.next_offset FROM input i WHERE i.expected IS NULL
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM moved) + (SELECT count(*) FROM created) AS moved
