-- Player and goal ids, and job unique keys, compare byte by byte (COLLATE "C").
--
-- They are opaque identifiers: nothing sorts them for a reader, and equality is all the
-- product asks of them. Under the database's default collation (C.UTF-8, en_US.UTF-8, ...)
-- PostgreSQL 15 compares text through strcoll(): every step of a B-tree descent copies both
-- strings to terminate them and asks the C library, and sorts lose abbreviated keys. A peak
-- flush probes and inserts ~10,000 primary-key entries of user_goal_progress; perf showed
-- text comparison (_bt_compare, varstr_cmp, strcoll, memcmp) as the largest share of
-- Postgres' CPU in it (docs/BENCHMARKS.md). With "C" a comparison is one memcmp.
--
-- Equality is unchanged (both collations are deterministic), so no row, key or unique
-- constraint changes meaning; only the order of ids in index scans can differ from a
-- linguistic default. The table is not rewritten; the indexes on these columns are rebuilt
-- (the migration holds an exclusive lock on the tables meanwhile: seconds per million rows).

ALTER TABLE user_goal_progress
    ALTER COLUMN user_id TYPE text COLLATE "C",
    ALTER COLUMN goal_id TYPE text COLLATE "C";

ALTER TABLE reward_grants
    ALTER COLUMN user_id TYPE text COLLATE "C",
    ALTER COLUMN goal_id TYPE text COLLATE "C";

ALTER TABLE jobs
    ALTER COLUMN unique_key TYPE text COLLATE "C";
