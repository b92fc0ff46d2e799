#!/usr/bin/env bash
# dev-up.sh — make sure the local PostgreSQL that goalstream uses is running.
#
# Usage: scripts/dev-up.sh
#
# Checks 127.0.0.1:5432 (or $PGHOST:$PGPORT); when nothing answers and this machine has a
# Debian-style cluster, starts it with pg_ctlcluster and waits (at most 20 s) until it accepts
# connections. Databases are created by goalstream itself when missing.
set -euo pipefail
host=${PGHOST:-127.0.0.1}
port=${PGPORT:-5432}

ready() { pg_isready -h "$host" -p "$port" -q 2>/dev/null; }

if ready; then
  exit 0
fi
if [ "$host" = 127.0.0.1 ] && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -V | tail -1)
  echo "dev-up.sh: starting PostgreSQL $version (cluster main)" >&2
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 40); do ready && exit 0; sleep 0.5; done
fi
echo "dev-up.sh: PostgreSQL is not reachable at $host:$port; start it, or set DATABASE_URL" >&2
exit 1
