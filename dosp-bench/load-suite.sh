#!/usr/bin/env bash
# The load-generator figures of BENCHMARKS.md in one command (after `mvn -B -ntp install -DskipTests`):
# the s2c matrix against direct loopback, our server and (if nats-server is installed) a nats-server
# it starts itself, then idle and fanout, each on a fresh server process (java -jar
# dosp-cli/target/dosp.jar serve, default heap). Everything stops by itself. The matrix reads the CPU
# time of our server and of nats-server from /proc (cpu_us_per_msg).
#
#   dosp-bench/load-suite.sh                 # ~50 min: matrix (open, closed, flood) x3 with NATS, idle x3, fanout x3
#   REPEATS=1 DURATION=2 dosp-bench/load-suite.sh        # quick look
#   PYTHON_PORT=7744 dosp-bench/load-suite.sh            # also drive a Python DoSP server on 127.0.0.1:7744
#   IDLE_CLIENTS=100000 REPEATS=1 SKIP="matrix fanout" dosp-bench/load-suite.sh   # 100,000 idle clients
#
# Environment: PORT (default 17745), OUT (default dosp-bench/target/load), REPEATS (3), DURATION (5 s),
# LOOPS (open,closed,flood), MATRIX_ARGS (more matrix flags, e.g. "--pairs 1,16 --tunnel off"), IDLE_CLIENTS (10000), IDLE_SOURCES (source addresses for idle: 0 = kernel's
# choice up to 20,000 clients, else one per 20,000), FANOUT_CLIENTS (10000), PYTHON_PORT (unset),
# NATS_SERVER (default: nats-server on the PATH or /usr/sbin/nats-server), NATS_PORT (14222),
# SKIP (space-separated: matrix nats idle fanout).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-17745}
OUT=${OUT:-dosp-bench/target/load}
REPEATS=${REPEATS:-3}
DURATION=${DURATION:-5}
LOOPS=${LOOPS:-open,closed,flood}
read -r -a MATRIX_EXTRA <<<"${MATRIX_ARGS:-}"
IDLE_CLIENTS=${IDLE_CLIENTS:-10000}
IDLE_SOURCES=${IDLE_SOURCES:-$(( IDLE_CLIENTS > 20000 ? (IDLE_CLIENTS + 19999) / 20000 : 0 ))}
FANOUT_CLIENTS=${FANOUT_CLIENTS:-10000}
NATS_SERVER=${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}
NATS_PORT=${NATS_PORT:-14222}
SKIP=${SKIP:-}
GEN=(java -cp dosp-bench/target/benchmarks.jar io.dosp.bench.LoadGenerator)
SERVER_PID=
NATS_PID=

mkdir -p "$OUT"
# Server and generator each hold one descriptor per idle client (plus ~100 of their own); the soft
# limit can only be raised up to the hard one (raising that needs CAP_SYS_RESOURCE: limits.conf,
# `prlimit`, or `docker run --ulimit nofile=262144`).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_CLIENTS + 500)) ]; then
  echo "warning: ulimit -n is $(ulimit -n) (hard limit $(ulimit -Hn)); $IDLE_CLIENTS idle clients need about" \
       "$((IDLE_CLIENTS + 500)) file descriptors in the server and in the generator" >&2
fi

# start_server NAME [TEMPLATE [MAX_CLIENTS]]
start_server() {
  local name=$1
  # All the load comes from this machine's loopback addresses and idle clients never send: no per-address limit,
  # no first-packet deadline (the defaults for the public internet would refuse most of it).
  java -jar dosp-cli/target/dosp.jar serve --host 127.0.0.1 --port "$PORT" --ip-template "${2:-10.7.x.x}" \
      --max-clients "${3:-60000}" --max-connections-per-address 0 --first-packet-timeout 0 \
      --admin-token-file "$OUT/admin.token" >"$OUT/server-$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    grep -q "listening" "$OUT/server-$name.log" 2>/dev/null && { sleep 1; return 0; }
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server-$name.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "server did not start" >&2; exit 1
}

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}

start_nats() {
  "$NATS_SERVER" -a 127.0.0.1 -p "$NATS_PORT" >"$OUT/nats-server.log" 2>&1 &
  NATS_PID=$!
  for _ in $(seq 100); do
    grep -q "Server is ready" "$OUT/nats-server.log" 2>/dev/null && return 0
    kill -0 "$NATS_PID" 2>/dev/null || { cat "$OUT/nats-server.log" >&2; NATS_PID=; return 1; }
    sleep 0.1
  done
  echo "nats-server did not start" >&2; stop_nats; return 1
}

stop_nats() {
  if [ -n "$NATS_PID" ]; then
    kill -TERM "$NATS_PID" 2>/dev/null || true
    wait "$NATS_PID" 2>/dev/null || true
    NATS_PID=
  fi
}
trap 'stop_server; stop_nats' EXIT

skipped() { [[ " $SKIP " == *" $1 "* ]]; }

echo "== $(date -u +%FT%TZ) on $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" | tee "$OUT/machine.txt"
java -version 2>&1 | head -1 | tee -a "$OUT/machine.txt"

if ! skipped matrix; then
  start_server matrix
  extra=(--server-pid "$SERVER_PID")
  [ -n "${PYTHON_PORT:-}" ] && extra+=(--python-port "$PYTHON_PORT")
  if ! skipped nats; then
    if [ -x "$NATS_SERVER" ]; then
      start_nats && extra+=(--nats-port "$NATS_PORT" --nats-pid "$NATS_PID")
      "$NATS_SERVER" --version | tee -a "$OUT/machine.txt"
    else
      echo "no nats-server ($NATS_SERVER): NATS not measured (apt-get install nats-server)" >&2
    fi
  fi
  rm -f "$OUT/matrix.jsonl"
  "${GEN[@]}" matrix --port "$PORT" "${extra[@]}" --loops "$LOOPS" --repeats "$REPEATS" --duration "$DURATION" \
      "${MATRIX_EXTRA[@]}" \
      --json-out "$OUT/matrix.jsonl" 2> >(tee "$OUT/matrix-runs.txt" >&2) | tee "$OUT/matrix.md" || true
  stop_server
  stop_nats
fi

if ! skipped idle; then
  rm -f "$OUT/idle.jsonl"
  for i in $(seq "$REPEATS"); do
    # A /14 template holds ~260,000 vIPs (10.7.x.x: 65,534), enough for 100,000 clients and more.
    start_server "idle-$i" 10.4.0.0/14 200000
    "${GEN[@]}" idle --port "$PORT" -n "$IDLE_CLIENTS" --source-addresses "$IDLE_SOURCES" --hold 5 \
        --server-pid "$SERVER_PID" --gc --json | tee -a "$OUT/idle.jsonl" || true
    stop_server
  done
fi

if ! skipped fanout; then
  rm -f "$OUT/fanout.jsonl"
  for i in $(seq "$REPEATS"); do
    start_server "fanout-$i"
    "${GEN[@]}" fanout --port "$PORT" -n "$FANOUT_CLIENTS" --rounds 5 --admin-token-file "$OUT/admin.token" --json \
        | tee -a "$OUT/fanout.jsonl" || true
    stop_server
  done
fi
echo "results in $OUT"
