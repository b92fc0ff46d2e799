-- The shard simulation's record of the shard groups each transaction wrote, what a distributed
-- Postgres would see: a row per (transaction, group). A progress row belongs to the group whose
-- hash range holds hashtext(user_id), as Citus places it (uniform ranges over the signed 32-bit
-- hash space, goalstream.shard_groups of them: a session setting of the simulation's pools); an
-- offset row to the group of its partition (partition mod groups). Installed in each group's
-- scratch schema before the run; the flush does not know it is there.
CREATE UNLOGGED TABLE goalstream_shard_touches (
    txid        bigint  NOT NULL,
    shard_group integer NOT NULL,
    PRIMARY KEY (txid, shard_group)
);

CREATE FUNCTION goalstream_shard_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    groups  int8 := current_setting('goalstream.shard_groups')::int8;
    touched int8;
BEGIN
    IF TG_TABLE_NAME = 'consumer_offsets' THEN
        touched := NEW.partition % groups;
    ELSE
        touched := least((hashtext(NEW.user_id)::int8 + 2147483648) / (4294967296 / groups),
                         groups - 1);
    END IF;
    INSERT INTO goalstream_shard_touches VALUES (txid_current(), touched) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER goalstream_shard_touch AFTER INSERT OR UPDATE ON user_goal_progress
    FOR EACH ROW EXECUTE FUNCTION goalstream_shard_touch();
CREATE TRIGGER goalstream_shard_touch AFTER INSERT OR UPDATE ON consumer_offsets
    FOR EACH ROW EXECUTE FUNCTION goalstream_shard_touch();
