-- Dead letters of one flush, in its transaction. A source offset is written at most once.
--   $1 topics; $2 partitions; $3 offsets; $4 keys; $5 payloads; $6 reasons.
INSERT INTO dead_letters (topic, partition, "offset", key, payload, reason)
SELECT * FROM unnest($1::text[], $2::int4[], $3::int8[], $4::bytea[], $5::bytea[], $6::text[])
ON CONFLICT DO NOTHING
