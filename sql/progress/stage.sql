-- Per-connection staging table for the flush merge. Created once when the pool opens the
-- connection; ON COMMIT DELETE ROWS empties it at the end of every flush transaction. No index:
-- the flush writes each key once (it folds repeats before the COPY) and the merge reads the
-- table once, in order. Ids compare byte by byte, as the table's (0007_byte_order_ids.sql).
-- Ids are bounded (varchar, twice the 100 characters every id is held to at the boundary) so
-- that no row can need TOAST and Postgres gives the table no TOAST table: ON COMMIT DELETE ROWS
-- truncates a TOAST table and rebuilds its index at every commit of a flush.
CREATE TEMP TABLE IF NOT EXISTS goalstream_stage (
    user_id          varchar(200) COLLATE "C" NOT NULL,
    goal_id          varchar(200) COLLATE "C" NOT NULL,
    mode             smallint NOT NULL,  -- 0 absolute, 1 relative, 2 increment
    target           bigint   NOT NULL,
    default_assigned boolean  NOT NULL,
    expires_at       timestamptz,        -- end of the current period; NULL: never rotates
    first_value      bigint,             -- relative: first event's value
    first_delta      bigint,             -- relative: first event's delta (0 when absent)
    last_value       bigint,             -- absolute/relative: latest value
    max_value        bigint,             -- absolute/relative: largest value of the batch
    delta_sum        bigint              -- increment: sum of deltas
) ON COMMIT DELETE ROWS
