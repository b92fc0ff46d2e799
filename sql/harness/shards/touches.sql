-- The shard simulation's record of the shard groups each transaction wrote, what a distributed
-- Postgres would see: a row per (transaction, group), with the progress rows it wrote there. A
-- progress row belongs to the group whose hash range holds hashtext(user_id), as Citus places
-- it (uniform ranges over the signed 32-bit hash space, goalstream.shard_groups of them: a
-- session setting of the simulation's pools); an offset row to the group of its partition
-- (partition mod groups). Statement triggers with transition tables (MERGE fires them too), so
-- a flush's merge is recorded by one insert. Installed in each group's scratch schema before
-- the run; the flush does not know it is there.
CREATE UNLOGGED TABLE goalstream_shard_touches (
    txid        bigint  NOT NULL,
    shard_group integer NOT NULL,
    rows        bigint  NOT NULL,
    PRIMARY KEY (txid, shard_group)
);

CREATE FUNCTION goalstream_shard_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    groups int8 := current_setting('goalstream.shard_groups')::int8;
BEGIN
    IF TG_TABLE_NAME = 'consumer_offsets' THEN
        INSERT INTO goalstream_shard_touches
        SELECT txid_current(), partition % groups, 0 FROM written GROUP BY 2
        ON CONFLICT (txid, shard_group) DO NOTHING;
    ELSE
        INSERT INTO goalstream_shard_touches AS t
        SELECT txid_current(),
               least((hashtext(user_id)::int8 + 2147483648) / (4294967296 / groups), groups - 1),
               count(*)
        FROM written GROUP BY 2
        ON CONFLICT (txid, shard_group) DO UPDATE SET rows = t.rows + EXCLUDED.rows;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER goalstream_shard_inserted AFTER INSERT ON user_goal_progress
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION goalstream_shard_touch();
CREATE TRIGGER goalstream_shard_updated AFTER UPDATE ON user_goal_progress
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION goalstream_shard_touch();
CREATE TRIGGER goalstream_shard_inserted AFTER INSERT ON consumer_offsets
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION goalstream_shard_touch();
CREATE TRIGGER goalstream_shard_updated AFTER UPDATE ON consumer_offsets
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION goalstream_shard_touch();
