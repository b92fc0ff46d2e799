-- Data-model candidates for user_goal_progress at 1M players × the example catalog's 9
-- default goals, side by side in one database: bytes per (player, goal) of heap and indexes.
-- Not loaded by goalstream: run by hand for docs/BENCHMARKS.md ("Scale"),
--   createdb -h 127.0.0.1 -U postgres gs_scale_proto
--   psql -h 127.0.0.1 -U postgres -d gs_scale_proto -f sql/harness/scale/candidates/layouts.sql
--   psql -h 127.0.0.1 -U postgres -d gs_scale_proto -f sql/harness/scale/candidates/flush.sql
-- t_today is the table as migrations 0001-0011 leave it; the c_* tables hold the same rows.
\timing on
DROP TABLE IF EXISTS t_today;
CREATE TABLE t_today (
    user_id      text COLLATE "C" NOT NULL,
    goal_id      text COLLATE "C" NOT NULL,
    progress     bigint      NOT NULL DEFAULT 0,
    status       text        NOT NULL DEFAULT 'not_started'
                 CHECK (status IN ('not_started', 'in_progress', 'completed', 'claimed')),
    is_active    boolean     NOT NULL DEFAULT true,
    baseline     bigint,
    assigned_at  timestamptz,
    completed_at timestamptz,
    claimed_at   timestamptz,
    expires_at   timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, goal_id)
) WITH (fillfactor = 80);
CREATE INDEX t_today_completed ON t_today (completed_at) WHERE status = 'completed';
CREATE INDEX t_today_held ON t_today (user_id, goal_id) WHERE NOT is_active OR status = 'claimed';
SET maintenance_work_mem = '1536MB';
INSERT INTO t_today (user_id, goal_id, progress, status, is_active, baseline, assigned_at, expires_at, updated_at)
SELECT 'player-' || lpad(p::text, 6, '0'), g.goal_id, (p % 7), 'in_progress', true,
       CASE WHEN g.relative THEN 100 END, now(), g.expires, now()
FROM generate_series(0, 999999) p,
 (VALUES ('first-login',false,NULL::timestamptz),('reach-level-10',false,NULL),('daily-login',false,date_trunc('day',now())+interval '1 day'),
  ('daily-kills-25',false,date_trunc('day',now())+interval '1 day'),('daily-matches-3',false,date_trunc('day',now())+interval '1 day'),
  ('weekly-score-5000',true,date_trunc('week',now())+interval '7 day'),('weekly-wins-10',false,date_trunc('week',now())+interval '7 day'),
  ('monthly-kills-1000',false,date_trunc('month',now())+interval '1 month'),('monthly-playtime-600',false,date_trunc('month',now())+interval '1 month')) g(goal_id, relative, expires)
ORDER BY 1,2;
VACUUM ANALYZE t_today;
SELECT pg_relation_size('t_today') heap, pg_relation_size('t_today_pkey') pk, pg_indexes_size('t_today') - pg_relation_size('t_today_pkey') other, pg_total_relation_size('t_today')::float/count(*) per_row FROM t_today;
-- goal interning
DROP TABLE IF EXISTS goal_ids; CREATE TABLE goal_ids (goal_no smallint PRIMARY KEY, goal_id text COLLATE "C" UNIQUE NOT NULL);
INSERT INTO goal_ids SELECT row_number() OVER (ORDER BY goal_id), goal_id FROM (SELECT DISTINCT goal_id FROM t_today) g;
DROP TABLE IF EXISTS players; CREATE TABLE players (user_key bigint PRIMARY KEY, user_id text COLLATE "C" UNIQUE NOT NULL);
INSERT INTO players SELECT row_number() OVER (ORDER BY user_id), user_id FROM (SELECT DISTINCT user_id FROM t_today) u;
VACUUM ANALYZE goal_ids; VACUUM ANALYZE players;

-- B: same columns and types, reordered for alignment (8-byte first, then bool, then text)
DROP TABLE IF EXISTS c_reorder;
CREATE TABLE c_reorder (progress bigint NOT NULL, baseline bigint, assigned_at timestamptz, completed_at timestamptz, claimed_at timestamptz, expires_at timestamptz, updated_at timestamptz NOT NULL, is_active boolean NOT NULL, user_id text COLLATE "C" NOT NULL, goal_id text COLLATE "C" NOT NULL, status text NOT NULL, PRIMARY KEY (user_id, goal_id)) WITH (fillfactor=80);
CREATE INDEX ON c_reorder (completed_at) WHERE status = 'completed';
CREATE INDEX ON c_reorder (user_id, goal_id) WHERE NOT is_active OR status = 'claimed';
INSERT INTO c_reorder SELECT progress, baseline, assigned_at, completed_at, claimed_at, expires_at, updated_at, is_active, user_id, goal_id, status FROM t_today ORDER BY user_id, goal_id;

-- C: reorder + fillfactor 100
DROP TABLE IF EXISTS c_reorder_ff100;
CREATE TABLE c_reorder_ff100 (LIKE c_reorder INCLUDING ALL) WITH (fillfactor=100);
INSERT INTO c_reorder_ff100 SELECT * FROM c_reorder ORDER BY user_id, goal_id;

-- D: goal interned to smallint, status as "char", user_id text kept
DROP TABLE IF EXISTS c_goalno;
CREATE TABLE c_goalno (progress bigint NOT NULL, baseline bigint, assigned_at timestamptz, completed_at timestamptz, claimed_at timestamptz, expires_at timestamptz, updated_at timestamptz NOT NULL, goal_no smallint NOT NULL, status "char" NOT NULL, is_active boolean NOT NULL, user_id text COLLATE "C" NOT NULL, PRIMARY KEY (user_id, goal_no)) WITH (fillfactor=80);
CREATE INDEX ON c_goalno (completed_at) WHERE status = 'c';
CREATE INDEX ON c_goalno (user_id, goal_no) WHERE NOT is_active OR status = 'C';
INSERT INTO c_goalno SELECT progress, baseline, assigned_at, completed_at, claimed_at, expires_at, updated_at, g.goal_no, CASE status WHEN 'in_progress' THEN 'i' WHEN 'not_started' THEN 'n' WHEN 'completed' THEN 'c' ELSE 'C' END, is_active, user_id FROM t_today JOIN goal_ids g USING (goal_id) ORDER BY user_id, g.goal_no;

-- E: player and goal interned (bigint, smallint), status "char"
DROP TABLE IF EXISTS c_interned;
CREATE TABLE c_interned (user_key bigint NOT NULL, progress bigint NOT NULL, baseline bigint, assigned_at timestamptz, completed_at timestamptz, claimed_at timestamptz, expires_at timestamptz, updated_at timestamptz NOT NULL, goal_no smallint NOT NULL, status "char" NOT NULL, is_active boolean NOT NULL, PRIMARY KEY (user_key, goal_no)) WITH (fillfactor=80);
CREATE INDEX ON c_interned (completed_at) WHERE status = 'c';
CREATE INDEX ON c_interned (user_key, goal_no) WHERE NOT is_active OR status = 'C';
INSERT INTO c_interned SELECT p.user_key, progress, baseline, assigned_at, completed_at, claimed_at, expires_at, updated_at, g.goal_no, CASE status WHEN 'in_progress' THEN 'i' WHEN 'not_started' THEN 'n' WHEN 'completed' THEN 'c' ELSE 'C' END, is_active FROM t_today JOIN goal_ids g USING (goal_id) JOIN players p USING (user_id) ORDER BY p.user_key, g.goal_no;

-- F: one row per player, goal states in parallel arrays indexed by goal_no
DROP TABLE IF EXISTS c_player_row;
CREATE TABLE c_player_row (user_id text COLLATE "C" PRIMARY KEY, progress bigint[] NOT NULL, baseline bigint[], status "char"[] NOT NULL, is_active boolean[] NOT NULL, assigned_at timestamptz[], completed_at timestamptz[], claimed_at timestamptz[], expires_at timestamptz[], updated_at timestamptz NOT NULL) WITH (fillfactor=80);
INSERT INTO c_player_row SELECT user_id, array_agg(progress ORDER BY goal_no), array_agg(baseline ORDER BY goal_no), array_agg(CASE status WHEN 'in_progress' THEN 'i' WHEN 'not_started' THEN 'n' ELSE 'c' END::"char" ORDER BY goal_no), array_agg(is_active ORDER BY goal_no), array_agg(assigned_at ORDER BY goal_no), array_agg(completed_at ORDER BY goal_no), array_agg(claimed_at ORDER BY goal_no), array_agg(expires_at ORDER BY goal_no), max(updated_at) FROM t_today JOIN goal_ids USING (goal_id) GROUP BY user_id ORDER BY user_id;

VACUUM ANALYZE c_reorder; VACUUM ANALYZE c_reorder_ff100; VACUUM ANALYZE c_goalno; VACUUM ANALYZE c_interned; VACUUM ANALYZE c_player_row;
SELECT c, pg_table_size(c) heap, pg_indexes_size(c) ix, round(pg_table_size(c)::numeric/9000000,1) heap_row, round(pg_indexes_size(c)::numeric/9000000,1) ix_row, round(pg_total_relation_size(c)::numeric/9000000,1) per_row FROM unnest(array['t_today','c_reorder','c_reorder_ff100','c_goalno','c_interned','c_player_row']::regclass[]) c;
SELECT round(pg_total_relation_size('players')::numeric/9000000,1) players_per_row;
