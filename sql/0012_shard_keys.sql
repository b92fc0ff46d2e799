-- Distribution keys for a distributed Postgres (Citus is the reference; docs/SCALING.md).
--
-- Per-player tables are distributed by user_id and co-located, so that one player's rows of
-- every table share a shard group: user_goal_progress, reward_grants and seen_events already
-- lead every primary key and unique index with user_id, and no foreign key leaves them
-- (tests/schema_distributable.rs keeps it so).
--
-- consumer_offsets and dead_letters belong to a Kafka partition, not to a player. A flush
-- writes a partition's progress, offset and dead letters in one transaction; for it to stay
-- on one node, those rows must live in the shard group of the partition's players. Citus
-- co-locates tables by a distribution column of the same type and collation, so these two get
-- shard_key: a text key that hashes into the partition's shard group (ShardLayout in
-- src/ingest/shard.rs), '' on a single node, where nothing reads it.
--
-- Their primary and unique keys stay as they are: on a single node (every deployment today)
-- they are what makes a partition's offset row, and a source offset's dead letter, unique,
-- and an ON CONFLICT naming their columns keeps working. Citus wants the distribution column
-- in every unique constraint; the cut-over adds shard_key to those two keys (a few hundred
-- rows, instant) when it distributes the tables (docs/SCALING.md, "Cut-over").
--
-- Adding a column with a constant default rewrites nothing: instant at any table size.

ALTER TABLE consumer_offsets ADD COLUMN shard_key text COLLATE "C" NOT NULL DEFAULT '';
COMMENT ON COLUMN consumer_offsets.shard_key IS
    'Distribution key on a distributed Postgres: hashes into the shard group of the partition''s '
    'players, so the offset commits on their node; '''' on a single node.';

ALTER TABLE dead_letters ADD COLUMN shard_key text COLLATE "C" NOT NULL DEFAULT '';
COMMENT ON COLUMN dead_letters.shard_key IS
    'Distribution key on a distributed Postgres: hashes into the shard group of the source '
    'partition (or of the player of a refused update); '''' on a single node.';
