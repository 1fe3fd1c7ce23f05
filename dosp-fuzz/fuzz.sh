#!/usr/bin/env bash
# Long fuzzing sessions with Jazzer (not part of CI). One target at a time, one JVM per target:
# Jazzer fuzzes a single @FuzzTest per run.
#
#   dosp-fuzz/fuzz.sh list                         the targets
#   dosp-fuzz/fuzz.sh all [SECONDS]                every target in turn, SECONDS each (default 600)
#   dosp-fuzz/fuzz.sh TARGET [SECONDS] [RUNS]      one target, e.g. TunnelFuzzTest#open 3600
#   dosp-fuzz/fuzz.sh seeds                        rewrite the seed corpus from the reference vectors
#
# The corpus a run grows is kept in dosp-fuzz/.cifuzz-corpus/ (not committed) and reused by the next run.
# A finding fails the run and leaves its input as crash-<sha1> in the target's inputs directory
# (src/test/resources/<package>/<Class>Inputs/<method>/), where 'mvn verify' replays it from then on:
# fix the bug, rename the file to regression-<what>, commit it. (A run stopped by a signal also leaves the input
# it was on as crash-<sha1>; when the regression run passes with it, it is no finding: delete it.) Each run ends with a line
# "RESULT target runs seconds status" (also appended to dosp-fuzz/target/fuzz-results.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=(FrameDecoderFuzzTest#decode PacketBodyFuzzTest#decodeBody AdvertisementFuzzTest#decode
  LinkFramesFuzzTest#parse TunnelFuzzTest#handshake TunnelFuzzTest#open)

build() { # FUZZ_NO_BUILD=1 skips it (another session installed the modules already)
  [ -n "${FUZZ_NO_BUILD:-}" ] || mvn -B -ntp -q install -DskipTests -pl dosp-fuzz -am
}

run() { # target seconds [runs]
  local target=$1 seconds=$2 runs=${3:-0} log status
  log=dosp-fuzz/target/fuzz-$(echo "$target" | tr '#' '-').log
  mkdir -p dosp-fuzz/target
  local args=(-Djazzer.internal.arg.0=fuzz "-Djazzer.internal.arg.1=-max_total_time=$seconds")
  if [ "$runs" -gt 0 ]; then args+=("-Djazzer.internal.arg.2=-runs=$runs"); fi
  # -DskipFuzzSmoke: only the default surefire execution, limited to this one target
  if JAZZER_FUZZ=1 mvn -B -ntp -o test -pl dosp-fuzz -DskipFuzzSmoke "-Dtest=$target" \
      -Dsurefire.failIfNoSpecifiedTests=false "${args[@]}" >"$log" 2>&1; then status=ok; else status=FINDING; fi
  local done_line
  done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
  local n=${done_line#Done }; n=${n%% *}
  local s=${done_line#*in }; s=${s%% *}
  echo "RESULT $target ${n:-?} ${s:-?} $status" | tee -a dosp-fuzz/target/fuzz-results.txt
  if [ "$status" != ok ]; then grep -E 'FuzzTestFindingException|Exception|crash-' "$log" | head -20 >&2 || true; fi
}

case "${1:-}" in
  list) printf '%s\n' "${TARGETS[@]}" ;;
  seeds)
    build
    (cd dosp-fuzz && mvn -B -ntp -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cp.txt \
      && java -cp "target/test-classes:$(cat target/cp.txt)" io.dosp.fuzz.SeedCorpus src/test/resources) ;;
  all)
    build
    for t in "${TARGETS[@]}"; do run "$t" "${2:-600}"; done ;;
  ""|-h|--help) sed -n '2,14p' "$0" ;;
  *)
    build
    run "$1" "${2:-600}" "${3:-0}" ;;
esac
