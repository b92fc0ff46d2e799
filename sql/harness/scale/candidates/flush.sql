-- The flush's write on each candidate of layouts.sql: 5 rounds of 10,000 random existing
-- (player, goal) keys (the same keys for every candidate), each one UPDATE ... FROM adding 1
-- to progress, round-robin over the candidates so that the machine's noise falls on all.
-- A stand-in for the merge (one statement, existing rows, HOT-eligible), not the merge itself.
\timing on
DROP TABLE IF EXISTS k;
CREATE TABLE k AS SELECT r, 'player-' || lpad(p::text, 6, '0') AS user_id, g.goal_id, g.goal_no, p + 1 AS user_key FROM generate_series(1,5) r, LATERAL (SELECT (random()*999999)::int p, (1 + (random()*8)::int)::smallint gn FROM generate_series(1,10000)) x JOIN goal_ids g ON g.goal_no = x.gn;
CREATE INDEX ON k (r); ANALYZE k;
SELECT count(*), count(DISTINCT (r,user_id,goal_id)) FROM k;
\echo t_today run 1
UPDATE t_today t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 1) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_reorder run 1
UPDATE c_reorder t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 1) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_reorder_ff100 run 1
UPDATE c_reorder_ff100 t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 1) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_goalno run 1
UPDATE c_goalno t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_no FROM k WHERE r = 1) k WHERE t.user_id = k.user_id AND t.goal_no = k.goal_no;
\echo c_interned run 1
UPDATE c_interned t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_key, goal_no FROM k WHERE r = 1) k WHERE t.user_key = k.user_key AND t.goal_no = k.goal_no;
\echo c_player_row run 1
UPDATE c_player_row t SET progress[k.goal_no] = t.progress[k.goal_no] + 1, updated_at = now() FROM (SELECT DISTINCT ON (user_id) user_id, goal_no FROM k WHERE r = 1) k WHERE t.user_id = k.user_id;
\echo t_today run 2
UPDATE t_today t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 2) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_reorder run 2
UPDATE c_reorder t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 2) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_reorder_ff100 run 2
UPDATE c_reorder_ff100 t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 2) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_goalno run 2
UPDATE c_goalno t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_no FROM k WHERE r = 2) k WHERE t.user_id = k.user_id AND t.goal_no = k.goal_no;
\echo c_interned run 2
UPDATE c_interned t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_key, goal_no FROM k WHERE r = 2) k WHERE t.user_key = k.user_key AND t.goal_no = k.goal_no;
\echo c_player_row run 2
UPDATE c_player_row t SET progress[k.goal_no] = t.progress[k.goal_no] + 1, updated_at = now() FROM (SELECT DISTINCT ON (user_id) user_id, goal_no FROM k WHERE r = 2) k WHERE t.user_id = k.user_id;
\echo t_today run 3
UPDATE t_today t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 3) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_reorder run 3
UPDATE c_reorder t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 3) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_reorder_ff100 run 3
UPDATE c_reorder_ff100 t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 3) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_goalno run 3
UPDATE c_goalno t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_no FROM k WHERE r = 3) k WHERE t.user_id = k.user_id AND t.goal_no = k.goal_no;
\echo c_interned run 3
UPDATE c_interned t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_key, goal_no FROM k WHERE r = 3) k WHERE t.user_key = k.user_key AND t.goal_no = k.goal_no;
\echo c_player_row run 3
UPDATE c_player_row t SET progress[k.goal_no] = t.progress[k.goal_no] + 1, updated_at = now() FROM (SELECT DISTINCT ON (user_id) user_id, goal_no FROM k WHERE r = 3) k WHERE t.user_id = k.user_id;
\echo t_today run 4
UPDATE t_today t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 4) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_reorder run 4
UPDATE c_reorder t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 4) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_reorder_ff100 run 4
UPDATE c_reorder_ff100 t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 4) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_goalno run 4
UPDATE c_goalno t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_no FROM k WHERE r = 4) k WHERE t.user_id = k.user_id AND t.goal_no = k.goal_no;
\echo c_interned run 4
UPDATE c_interned t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_key, goal_no FROM k WHERE r = 4) k WHERE t.user_key = k.user_key AND t.goal_no = k.goal_no;
\echo c_player_row run 4
UPDATE c_player_row t SET progress[k.goal_no] = t.progress[k.goal_no] + 1, updated_at = now() FROM (SELECT DISTINCT ON (user_id) user_id, goal_no FROM k WHERE r = 4) k WHERE t.user_id = k.user_id;
\echo t_today run 5
UPDATE t_today t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 5) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_reorder run 5
UPDATE c_reorder t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 5) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_reorder_ff100 run 5
UPDATE c_reorder_ff100 t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_id FROM k WHERE r = 5) k WHERE t.user_id = k.user_id AND t.goal_id = k.goal_id;
\echo c_goalno run 5
UPDATE c_goalno t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_id, goal_no FROM k WHERE r = 5) k WHERE t.user_id = k.user_id AND t.goal_no = k.goal_no;
\echo c_interned run 5
UPDATE c_interned t SET progress = t.progress + 1, updated_at = now() FROM (SELECT DISTINCT user_key, goal_no FROM k WHERE r = 5) k WHERE t.user_key = k.user_key AND t.goal_no = k.goal_no;
\echo c_player_row run 5
UPDATE c_player_row t SET progress[k.goal_no] = t.progress[k.goal_no] + 1, updated_at = now() FROM (SELECT DISTINCT ON (user_id) user_id, goal_no FROM k WHERE r = 5) k WHERE t.user_id = k.user_id;
SELECT c, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables c WHERE relname IN ('t_today','c_reorder','c_reorder_ff100','c_goalno','c_interned','c_player_row');
