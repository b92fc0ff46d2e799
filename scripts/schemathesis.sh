#!/usr/bin/env bash
# schemathesis.sh — property-based tests of the served OpenAPI document (docs/SECURITY.md,
# schemathesis): schemathesis (PyPI, pinned, in .venv-schemathesis) generates requests for every
# operation of /openapi.json and sends them, with a full-scope API key, to `goalstream api` on a
# free loopback port over a temporary database (created, migrated, dropped at the end). Every
# check runs; any failure, and any 5xx answer in particular, fails the script.
#
# Usage: scripts/schemathesis.sh [--debug] [--max-examples N (default 50)] [--seed S (default 1)]
#        [-- extra schemathesis arguments]
# GOALSTREAM_BIN=path uses that binary instead of building one.
# Needs: the local PostgreSQL (scripts/dev-up.sh starts it), python3 with venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
profile=release
max_examples=50
seed=1
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile=debug; shift ;;
    --max-examples) max_examples="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown argument: $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

venv=.venv-schemathesis
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'schemathesis==4.32.5'
fi
scripts/dev-up.sh >/dev/null
bin="${GOALSTREAM_BIN:-}"
if [ -z "$bin" ]; then
  if [ "$profile" = release ]; then cargo build --release --quiet --bin goalstream; else cargo build --quiet --bin goalstream; fi
  bin="target/$profile/goalstream"
fi

work="$(mktemp -d)"
db="gs_schemathesis_$$"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
ops_port="$(free_port)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  dropdb -h 127.0.0.1 -U postgres --if-exists "$db" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A key with every scope (admin), in a keys file of its own.
"$bin" api-key schemathesis --scopes admin > "$work/key.txt"
key="$(sed -n 's/^key: *//p' "$work/key.txt")"
sed -n 's/^line: *//p' "$work/key.txt" > "$work/keys"
"$bin" api --addr "127.0.0.1:$port" --http-addr "127.0.0.1:$ops_port" \
  --api-keys-file "$work/keys" --job-kinds email,sync --catalog example >"$work/api.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fs "$base/openapi.json" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/api.log" >&2; exit 1; }
  sleep 0.2
done
# A player with rows, so that generated requests for it reach more than the 404.
curl -fs -X POST -H "Authorization: Bearer $key" "$base/v1/users/p-1/initialize" >/dev/null

# POST /v1/jobs accepts only the kinds the server has handlers for (--job-kinds) and a run_at
# within a year: rules of the running server, not of the schema. So schema-valid enqueues may
# be refused with 400 there: that one check of that one operation also accepts a 400.
cat > "$work/schemathesis.toml" <<'TOML'
[[operations]]
include-path = "/v1/jobs"
include-method = "POST"

[operations.checks.positive_data_acceptance]
expected-statuses = ["2XX", 400, 401, 403, 404, 409, 429]
TOML

started=$(date +%s)
set +e
"$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run "$base/openapi.json" \
  -H "Authorization: Bearer $key" \
  --checks all --max-examples "$max_examples" --seed "$seed" --workers 2 \
  --generation-database none --no-color \
  --report ndjson --report-ndjson-path "$work/events.ndjson" "$@" | tee "$work/schemathesis.txt"
status=${PIPESTATUS[0]}
set -e
elapsed=$(( $(date +%s) - started ))

# Every answer the server gave, by status class (from schemathesis' own event log).
fivexx=0
python3 - "$work/events.ndjson" "$elapsed" <<'PY' || fivexx=1
import collections, json, sys
counts = collections.Counter()
def walk(node):
    if isinstance(node, dict):
        response = node.get("response")
        if isinstance(response, dict) and isinstance(response.get("status_code"), int):
            counts[response["status_code"]] += 1
        for value in node.values():
            walk(value)
    elif isinstance(node, list):
        for value in node:
            walk(value)
for line in open(sys.argv[1]):
    walk(json.loads(line))
total = sum(counts.values())
server_errors = sum(n for code, n in counts.items() if code >= 500)
print(f"schemathesis: {total} responses in {sys.argv[2]} s; by status: "
      + ", ".join(f"{code}: {n}" for code, n in sorted(counts.items()))
      + f"; 5xx: {server_errors}")
sys.exit(1 if server_errors else 0)
PY
grep -E '"level":"(ERROR|WARN)"|ERROR|panicked' "$work/api.log" | head -20 || true
if [ "$status" -ne 0 ] || [ "$fivexx" -ne 0 ]; then
  echo "schemathesis failed (exit $status; see above)" >&2
  exit 1
fi
echo "schemathesis passed: every check, 0 server errors"
