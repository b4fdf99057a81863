#!/usr/bin/env bash
# Fuzzes every libFuzzer target (tests/fuzz) for a long time and prints, per target, the
# executions, executions per second, new inputs found and crashes. Builds the fuzz preset first.
#   scripts/fuzz.sh [SECONDS_PER_TARGET (default 600)] [TARGET ...]   (targets: y4m model package
#                                                                     keyframes_json image)
#   KEYCHROMA_FUZZ_RUNS=10000000 scripts/fuzz.sh 7200   each target stops after that many
#                                                      executions (or the time, if first)
# Two targets run at a time (one per core). Their scratch files (fuzz_package writes two per
# input) go to tmpfs, /dev/shm/keychroma-fuzz, unless KEYCHROMA_FUZZ_SCRATCH names a directory.
# New inputs are kept in build/fuzz/tests/fuzz/found/, crashing inputs in build/fuzz/artifacts/
# (add them to tests/fuzz/corpus/<target>/ once fixed: the corpus is replayed by ctest on every
# CI run).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(y4m model package keyframes_json image)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
bin=build/fuzz/tests/fuzz
mkdir -p build/fuzz/artifacts build/fuzz/logs
export KEYCHROMA_FUZZ_SCRATCH=${KEYCHROMA_FUZZ_SCRATCH:-/dev/shm/keychroma-fuzz}
runs=()
[ -n "${KEYCHROMA_FUZZ_RUNS:-}" ] && runs=(-runs="$KEYCHROMA_FUZZ_RUNS")
run() {
  local t=$1
  mkdir -p "$bin/found/$t"
  "$bin/fuzz_$t" -max_total_time="$seconds" "${runs[@]}" -print_final_stats=1 -rss_limit_mb=2048 \
    -malloc_limit_mb=64 -timeout=10 -artifact_prefix="build/fuzz/artifacts/$t-" \
    "$bin/found/$t" "tests/fuzz/corpus/$t" >"build/fuzz/logs/$t.log" 2>&1 || true
}
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  run "${targets[i]}" &
  [ $((i + 1)) -lt ${#targets[@]} ] && run "${targets[i + 1]}" &
  wait
done
printf '%-16s %14s %10s %8s %8s\n' target executions exec/s found crashes
for t in "${targets[@]}"; do
  log=build/fuzz/logs/$t.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  found=$(find "$bin/found/$t" -type f | wc -l)
  crashes=$(find build/fuzz/artifacts -name "$t-*" -type f | wc -l)
  printf '%-16s %14s %10s %8s %8s\n' "$t" "${execs:-?}" "${rate:-?}" "$found" "$crashes"
done
