#!/usr/bin/env bash
# demo.sh — build goalstream and run `goalstream demo` against the local PostgreSQL.
#
# Usage: scripts/demo.sh [arguments for `goalstream demo`, e.g. --events 500000 --rate 50000]
#
# Installs missing system packages (scripts/deps.sh), starts the local PostgreSQL if needed
# (scripts/dev-up.sh), builds the release binary and runs
# the demo: in-process Kafka, synthetic telemetry, the real pipeline, a summary. The database
# `goalstream` is created when missing; the demo writes to its schema goalstream_demo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/deps.sh
scripts/dev-up.sh
cargo build --release --quiet --bin goalstream
exec ./target/release/goalstream demo "$@"
