#!/bin/bash
# The effect of each of doctor's server rules alone, 1M players, uniform, 40k events/s offered,
# 60 s (docs/OPERATIONS.md, "Sizing Postgres"). The script that produced the JSON beside it, kept
# as the record: it changes the local server's settings with ALTER SYSTEM, restarts it twice and
# resets every setting at the end. Not for a shared or production server.
cd /work/main
B=target/release/goalstream
DB=postgres://postgres@127.0.0.1/gs_rules
S=goalstream_scale_1000000
PSQL="psql -qAt -h 127.0.0.1 -U postgres"
PG="pg_ctlcluster --skip-systemctl-redirect 15 main"
run() {
  $PSQL -d postgres -c "CHECKPOINT" >/dev/null
  echo "== $1 $(date -u +%T) $($PSQL -d postgres -c "SELECT string_agg(name||'='||setting, ' ') FROM pg_settings WHERE name IN ('shared_buffers','max_wal_size','checkpoint_timeout','wal_compression')")" >> /tmp/rules/log
  $B --database-url $DB bench scale --players 1000000 --skews uniform --rate 40000 --duration 60s \
     --server-settings-only --json 2>>/tmp/rules/err | tail -1 > /tmp/rules/$1.json
}
set_reload() { $PSQL -d postgres -c "ALTER SYSTEM RESET ALL" -c "$1" -c "SELECT pg_reload_conf()" >/dev/null; sleep 1; }
restart() { $PG restart; sleep 2; }
prewarm() { $PSQL -d gs_rules -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" -c "SELECT pg_prewarm('$S.user_goal_progress'), pg_prewarm('$S.user_goal_progress_pkey')" >> /tmp/rules/log; }
: > /tmp/rules/log
$PSQL -d postgres -c "ALTER SYSTEM RESET ALL" -c "SELECT pg_reload_conf()" >/dev/null
run stock
set_reload "ALTER SYSTEM SET wal_compression = 'lz4'"; run wal_compression
set_reload "ALTER SYSTEM SET max_wal_size = '16GB'"; run max_wal_size
set_reload "ALTER SYSTEM SET checkpoint_timeout = '15min'"; run checkpoint_timeout
set_reload "ALTER SYSTEM SET shared_buffers = '6026MB'"; restart; prewarm; run shared_buffers
$PSQL -d postgres -c "ALTER SYSTEM SET wal_compression = 'lz4'" -c "ALTER SYSTEM SET max_wal_size = '16GB'" -c "ALTER SYSTEM SET checkpoint_timeout = '15min'" -c "ALTER SYSTEM SET effective_cache_size = '18079MB'" -c "ALTER SYSTEM SET maintenance_work_mem = '1507MB'" -c "SELECT pg_reload_conf()" >/dev/null; sleep 1; run all
$PSQL -d postgres -c "ALTER SYSTEM RESET ALL" >/dev/null; restart; run stock_again
echo "done $(date -u +%T)" >> /tmp/rules/log
