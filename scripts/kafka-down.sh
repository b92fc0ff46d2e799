#!/usr/bin/env bash
# kafka-down.sh — stop the tansu test broker started by scripts/kafka-up.sh.
#
# Usage:
#   scripts/kafka-down.sh [--port P]
#   scripts/kafka-down.sh --help
#
#   --port P   Port the broker was started on (default 19092, or $GOALSTREAM_KAFKA_PORT).
#
# Reads the pid file ${TMPDIR:-/tmp}/goalstream-tansu-PORT.pid written by kafka-up.sh, sends
# SIGTERM, waits up to 10 s for the process to exit (then SIGKILL, up to 5 s more) and removes
# the pid file. It is not an error if no broker is running. Only a process whose command line
# mentions tansu is signalled, so a stale pid file never kills an unrelated process.
# A broker started with --persistent also has an S3 server (moto) on PORT+1, holding the
# broker's data: it is stopped too (pid file goalstream-tansu-PORT.s3.pid), and the data goes.
# The log file ${TMPDIR:-/tmp}/goalstream-tansu-PORT.log is kept for inspection.
# Nothing is printed to stdout; messages go to stderr.
set -euo pipefail

readonly PROG="kafka-down.sh"
readonly RUN_DIR="${TMPDIR:-/tmp}"
readonly TERM_TIMEOUT=10
readonly KILL_TIMEOUT=5

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo pipefail$/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" >&2; }

PORT="${GOALSTREAM_KAFKA_PORT:-19092}"
while (($# > 0)); do
    case "$1" in
        --port)
            (($# >= 2)) || die "--port needs a value"
            PORT="$2"; shift 2 ;;
        --port=*) PORT="${1#--port=}"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage; die "unknown argument: $1" ;;
    esac
done
if ! [[ "$PORT" =~ ^[0-9]{1,5}$ ]] || ((10#$PORT < 1 || 10#$PORT > 65535)); then
    die "invalid port '$PORT' (expected 1-65535)"
fi
PORT=$((10#$PORT))

readonly PID_FILE="$RUN_DIR/goalstream-tansu-$PORT.pid"

# True if PID is a live (non-zombie) process.
alive() {
    local pid="$1" state
    kill -0 "$pid" 2>/dev/null || return 1
    state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
    [[ "$state" != "Z" ]]
}

# Wait at most SECONDS for PID to exit; returns 1 if it is still alive.
wait_gone() {
    local pid="$1" deadline=$((SECONDS + $2))
    while ((SECONDS < deadline)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    ! alive "$pid"
}

# Stops the S3 server of a --persistent broker, if there is one.
stop_s3() {
    local file="$RUN_DIR/goalstream-tansu-$PORT.s3.pid" pid
    rm -f "$RUN_DIR/goalstream-tansu-$PORT.storage"
    [[ -f "$file" ]] || return 0
    pid="$(tr -d '[:space:]' <"$file" || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" \
        && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'moto_server'; then
        log "stopping the S3 server (pid $pid) of the broker on port $PORT"
        kill -TERM "$pid" 2>/dev/null || true
        wait_gone "$pid" "$TERM_TIMEOUT" || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}
trap stop_s3 EXIT

if [[ ! -f "$PID_FILE" ]]; then
    log "no broker recorded for port $PORT ($PID_FILE not found); nothing to stop"
    exit 0
fi

pid="$(tr -d '[:space:]' <"$PID_FILE" || true)"
if [[ ! "$pid" =~ ^[0-9]+$ ]] || ! alive "$pid"; then
    log "broker for port $PORT is not running (stale pid file); removing $PID_FILE"
    rm -f "$PID_FILE"
    exit 0
fi
if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'tansu'; then
    log "pid $pid from $PID_FILE is not a tansu process (pid reused?); not signalling it, removing pid file"
    rm -f "$PID_FILE"
    exit 0
fi

log "stopping tansu broker (pid $pid) on port $PORT"
kill -TERM "$pid" 2>/dev/null || true
if ! wait_gone "$pid" "$TERM_TIMEOUT"; then
    log "pid $pid still running after ${TERM_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" "$KILL_TIMEOUT" || die "pid $pid did not exit after SIGKILL within ${KILL_TIMEOUT}s"
fi
rm -f "$PID_FILE"
log "stopped"
