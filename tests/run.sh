#!/usr/bin/env bash
# ruglab's test runner: cmocka unit tests (build/tests/test_*) and
# integration tests (tests/integration/test_*.sh, each against its own
# throwaway PostgreSQL cluster and the real binaries). Every check is a TAP
# line ("ok"/"not ok"); a test program that exits non-zero without
# reporting a failed check counts as one failure. Last line:
# "N passed, N failed". Exits non-zero on any failure.
#
#   tests/run.sh [all|unit|fuzz|integration] [NAME-FILTER]
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export BUILD=${BUILD:-build}
which=${1:-all}
filter=${2:-}
passed=0
failed=0
failed_names=()
logdir=$root/$BUILD/test-logs
mkdir -p "$logdir"

run_one() {  # name, command...
  local name=$1; shift
  local log=$logdir/$name.log
  local start=$SECONDS
  "$@" >"$log" 2>&1
  local rc=$?
  local ok nok
  ok=$(grep -cE '^ok [0-9]+' "$log")
  nok=$(grep -cE '^not ok [0-9]+' "$log")
  if [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then
    nok=1
    echo "not ok - $name exited with status $rc" >>"$log"
  fi
  passed=$((passed + ok))
  failed=$((failed + nok))
  if [ "$nok" -gt 0 ]; then
    failed_names+=("$name")
    printf 'FAIL  %-40s %3d passed, %d failed  (%ds)\n' "$name" "$ok" "$nok" $((SECONDS - start))
    echo "----- $name (log: $log) -----"
    grep -E '^not ok|^#' "$log" | head -40
    echo "----- end of $name -----"
  else
    printf 'ok    %-40s %3d passed  (%ds)\n' "$name" "$ok" $((SECONDS - start))
  fi
}

if [ "$which" = all ] || [ "$which" = unit ]; then
  for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    name=unit/$(basename "$t")
    [[ -z "$filter" || "$name" == *"$filter"* ]] || continue
    CMOCKA_MESSAGE_OUTPUT=TAP run_one "${name//\//_}" "$t"
  done
  # The same unit tests under valgrind (leaks, uninitialised reads, bad
  # frees): one check per binary. Not with a sanitizer build (they clash).
  if [ "${VALGRIND:-1}" = 1 ] && command -v valgrind >/dev/null; then
    for t in "$BUILD"/tests/test_*; do
      [ -x "$t" ] || continue
      name=valgrind/$(basename "$t")
      [[ -z "$filter" || "$name" == *"$filter"* ]] || continue
      run_one "${name//\//_}" bash -c "if valgrind -q --error-exitcode=99 --leak-check=full \
          --errors-for-leak-kinds=definite,indirect '$t' >/dev/null 2>'$logdir/${name//\//_}.valgrind'; then
        echo 'ok 1 - $(basename "$t") clean under valgrind'
      else
        cat '$logdir/${name//\//_}.valgrind'; echo 'not ok 1 - $(basename "$t") under valgrind'; exit 1
      fi"
    done
  fi
fi
if [ "$which" = all ] || [ "$which" = fuzz ]; then
  # Replays each libFuzzer harness's committed corpus (no fuzzing): every
  # input that once found something new must still run clean.
  for t in build/fuzz/fuzz_*; do
    [ -x "$t" ] || continue
    h=$(basename "$t"); h=${h#fuzz_}
    [[ -z "$filter" || "fuzz/$h" == *"$filter"* ]] || continue
    run_one "fuzz_replay_$h" bash -c "n=\$(ls tests/fuzz/corpus/$h | wc -l)
      if '$t' -runs=0 tests/fuzz/corpus/$h; then echo \"ok 1 - $h: \$n corpus inputs replay clean\"; else echo \"not ok 1 - $h: corpus replay failed\"; exit 1; fi"
  done
fi
if [ "$which" = all ] || [ "$which" = integration ]; then
  for t in tests/integration/test_*.sh; do
    [ -f "$t" ] || continue
    name=integration/$(basename "$t" .sh)
    [[ -z "$filter" || "$name" == *"$filter"* ]] || continue
    run_one "${name//\//_}" bash "$t"
  done
fi

if [ "${#failed_names[@]}" -gt 0 ]; then
  echo "failed: ${failed_names[*]} (logs in $logdir)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
