#!/usr/bin/env bash
# test.sh — the test suite: unit tests, and integration tests against real Postgres.
#
# Usage: scripts/test.sh [extra arguments for cargo nextest / cargo test]
#
# Installs missing system packages (scripts/deps.sh), starts the local PostgreSQL if needed
# (scripts/dev-up.sh). Tests create the database
# goalstream_test when missing and work in a schema of their own each
# (GOALSTREAM_TEST_DATABASE_URL overrides the database). Uses cargo-nextest when installed,
# else cargo test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/deps.sh
scripts/dev-up.sh
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --no-fail-fast "$@"
  # nextest does not run doctests.
  cargo test --doc --quiet
else
  cargo test --no-fail-fast "$@"
fi
