#!/usr/bin/env bash
# load-smoke.sh — the CI load and chaos gate: the smoke load tier and the short chaos
# scenarios, each ending with a verdict from the database (0 lost, 0 duplicated).
#
# Usage: scripts/load-smoke.sh [--release]
#
# Starts the local PostgreSQL if needed (scripts/dev-up.sh); runs in scratch schemas
# (goalstream_load, goalstream_chaos_*) of $DATABASE_URL (default: local goalstream
# database), on the in-process Kafka. About 2 minutes on 2 cores. Exits non-zero when any
# verdict fails. The JSON lines go to ${TMPDIR:-/tmp}/goalstream-load-smoke/*.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
profile=()
if [[ "${1:-}" == "--release" ]]; then profile=(--release); fi
scripts/dev-up.sh
cargo build "${profile[@]}" --bin goalstream
target="${CARGO_TARGET_DIR:-target}/$([[ ${#profile[@]} -gt 0 ]] && echo release || echo debug)"
out="${TMPDIR:-/tmp}/goalstream-load-smoke"
mkdir -p "$out"

"$target/goalstream" load --profile smoke --json --no-report | tee "$out/load.log"
tail -n 1 "$out/load.log" > "$out/smoke.json"

"$target/goalstream" chaos --json --seconds 6 --kills 2 --outage-s 3 --job-ms 3000 \
  --log-dir "$out" \
  malformed-flood pg-outage broker-restart worker-kill kill-consumer rebalance \
  | tee "$out/chaos.log"
grep '^{' "$out/chaos.log" > "$out/chaos.json"
echo "load-smoke: every verdict passed; JSON in $out"
