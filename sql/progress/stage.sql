-- Per-connection staging table for the flush merge. Created once when the pool opens the
-- connection; ON COMMIT DELETE ROWS empties it at the end of every flush transaction. No index:
-- the flush writes each key once (it folds repeats before the COPY) and the merge reads the
-- table once, in order. Ids compare byte by byte, as the table's (0007_byte_order_ids.sql).
-- Ids are bounded (varchar, twice the 100 characters every id is held to at the boundary) so
-- that no row can need TOAST and Postgres gives the table no TOAST table: ON COMMIT DELETE ROWS
-- truncates a TOAST table and rebuilds its index at every commit of a flush.
-- insert_one_by_one is never written by the flush: its volatile default makes COPY insert row by
-- row instead of through its multi-insert buffers, which PostgreSQL 15 sets up afresh for every
-- COPY at a fixed cost that dominates a flush-sized one (1,000 rows binary COPY into this table,
-- psql on this machine: 1.2-1.8 ms buffered, 0.44-0.63 ms row by row; at 100,000 rows buffered is
-- 20 % cheaper, 29 against 36 ms, so the flushes this serves gain and the largest lose a little).
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
    delta_sum        bigint,             -- increment: sum of deltas
    insert_one_by_one double precision DEFAULT random()
) ON COMMIT DELETE ROWS
