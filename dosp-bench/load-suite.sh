#!/usr/bin/env bash
# The load-generator figures of BENCHMARKS.md in one command (after `mvn -B -ntp install -DskipTests`):
# the s2c matrix against direct loopback and our server, then idle and fanout, each on a fresh
# server process (java -jar dosp-cli/target/dosp.jar serve, default heap). Everything stops by itself.
#
#   dosp-bench/load-suite.sh                 # ~25 min: matrix x3, idle x3, fanout x3
#   REPEATS=1 DURATION=2 dosp-bench/load-suite.sh        # quick look
#   PYTHON_PORT=7744 dosp-bench/load-suite.sh            # also drive a Python DoSP server on 127.0.0.1:7744
#
# Environment: PORT (default 17745), OUT (default dosp-bench/target/load), REPEATS (3), DURATION (5 s),
# IDLE_CLIENTS (10000), FANOUT_CLIENTS (10000), PYTHON_PORT (unset), SKIP (space-separated: matrix idle fanout).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-17745}
OUT=${OUT:-dosp-bench/target/load}
REPEATS=${REPEATS:-3}
DURATION=${DURATION:-5}
IDLE_CLIENTS=${IDLE_CLIENTS:-10000}
FANOUT_CLIENTS=${FANOUT_CLIENTS:-10000}
SKIP=${SKIP:-}
GEN=(java -cp dosp-bench/target/benchmarks.jar io.dosp.bench.LoadGenerator)
SERVER_PID=

mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_CLIENTS + 1000)) ]; then
  echo "warning: ulimit -n is $(ulimit -n); $IDLE_CLIENTS clients need more file descriptors" >&2
fi

start_server() {
  java -jar dosp-cli/target/dosp.jar serve --host 127.0.0.1 --port "$PORT" --ip-template 10.7.x.x \
      --max-clients 60000 --admin-token-file "$OUT/admin.token" >"$OUT/server-$1.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    grep -q "listening" "$OUT/server-$1.log" 2>/dev/null && { sleep 1; return 0; }
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server-$1.log" >&2; exit 1; }
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
trap stop_server EXIT

skipped() { [[ " $SKIP " == *" $1 "* ]]; }

echo "== $(date -u +%FT%TZ) on $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" | tee "$OUT/machine.txt"
java -version 2>&1 | head -1 | tee -a "$OUT/machine.txt"

if ! skipped matrix; then
  start_server matrix
  extra=()
  [ -n "${PYTHON_PORT:-}" ] && extra+=(--python-port "$PYTHON_PORT")
  rm -f "$OUT/matrix.jsonl"
  "${GEN[@]}" matrix --port "$PORT" "${extra[@]}" --repeats "$REPEATS" --duration "$DURATION" \
      --json-out "$OUT/matrix.jsonl" 2> >(tee "$OUT/matrix-runs.txt" >&2) | tee "$OUT/matrix.md" || true
  stop_server
fi

if ! skipped idle; then
  rm -f "$OUT/idle.jsonl"
  for i in $(seq "$REPEATS"); do
    start_server "idle-$i"
    "${GEN[@]}" idle --port "$PORT" -n "$IDLE_CLIENTS" --hold 5 --server-pid "$SERVER_PID" --gc --json \
        | tee -a "$OUT/idle.jsonl" || true
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
