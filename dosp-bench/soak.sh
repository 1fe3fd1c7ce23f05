#!/usr/bin/env bash
# Soak test (not run in CI): one server process (java -jar dosp-cli/target/dosp.jar serve) under mixed traffic
# with connection churn from the load generator's `soak` mode, for DURATION seconds (default an hour); the
# server's RSS and its heap after a full GC are sampled every SAMPLE seconds into $OUT/soak.csv, one row per
# sample with the traffic counters. Everything stops by itself; only loopback is used.
#
#   dosp-bench/soak.sh                         # an hour, a sample a minute
#   DURATION=180 dosp-bench/soak.sh            # three minutes
#   PAIRS=16 RATE=500 CHURN=50 DURATION=7200 dosp-bench/soak.sh
#
# Environment: DURATION (3600 s), SAMPLE (60 s), PORT (17746), OUT (dosp-bench/target/soak), PAIRS (8 steady
# pairs), RATE (200 S2C/s per pair), SIZE (256 bytes), CHURN (20 connections/s), SERVER_OPTS (JVM options of the
# server, e.g. "-Xmx256m"), SERVE_ARGS (more `dosp serve` flags). Builds first unless NO_BUILD=1.
# Reads the result as: server_rss_kib and server_heap_after_gc_kib should level off after the first samples.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-3600}
SAMPLE=${SAMPLE:-60}
PORT=${PORT:-17746}
OUT=${OUT:-dosp-bench/target/soak}
read -r -a SERVER_JVM <<<"${SERVER_OPTS:-}"
read -r -a SERVE_EXTRA <<<"${SERVE_ARGS:-}"
SERVER_PID=

if [ -z "${NO_BUILD:-}" ]; then
  mvn -B -ntp -q install -DskipTests -pl dosp-cli,dosp-bench -am
fi
mkdir -p "$OUT"

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
trap stop_server EXIT

# Every connection comes from 127.0.0.1: no per-address limit (the default 16 would refuse most of the churn).
java "${SERVER_JVM[@]}" -jar dosp-cli/target/dosp.jar serve --host 127.0.0.1 --port "$PORT" --ip-template 10.7.x.x \
    --max-connections-per-address 0 --admin-token-file "$OUT/admin.token" "${SERVE_EXTRA[@]}" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
  grep -q "listening" "$OUT/server.log" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server.log" >&2; exit 1; }
  sleep 0.1
done
grep -q "listening" "$OUT/server.log" || { echo "server did not start" >&2; exit 1; }

java -cp dosp-bench/target/benchmarks.jar io.dosp.bench.LoadGenerator soak --port "$PORT" --duration "$DURATION" \
    --sample "$SAMPLE" --pairs "${PAIRS:-8}" --rate "${RATE:-200}" --size "${SIZE:-256}" --churn "${CHURN:-20}" \
    --server-pid "$SERVER_PID" --csv "$OUT/soak.csv"
status=$?
stop_server
echo "samples: $OUT/soak.csv; server log: $OUT/server.log"
exit $status
