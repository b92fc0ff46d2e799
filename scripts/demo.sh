#!/usr/bin/env bash
# demo.sh — build goalstream and run its demo against the local PostgreSQL.
#
# Usage: scripts/demo.sh [arguments for `goalstream demo`]
#
# Starts the local PostgreSQL if needed (scripts/dev-up.sh), builds the release binary and runs
# it. The database `goalstream` is created when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/dev-up.sh
cargo build --release --quiet --bin goalstream
if ./target/release/goalstream demo --help >/dev/null 2>&1; then
  exec ./target/release/goalstream demo "$@"
fi
echo "demo.sh: 'goalstream demo' arrives with the Kafka ingest pipeline; meanwhile, the flush" >&2
echo "demo.sh: benchmark on a small data set (see docs/BENCHMARKS.md for the full run):" >&2
exec ./target/release/goalstream bench flush --batch 1000 --rows 20000
