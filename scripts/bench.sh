#!/usr/bin/env bash
# make bench: ruglab against the limits of its parts, each figure next to a
# baseline measured in the same run on the same machine (absolute times on
# a shared machine drift; the ratios are what to compare between runs).
#
# Starts its own throwaway PostgreSQL cluster under $BUILD/bench/pg,
# migrates it, enrols a site, patients and devices with the project's own
# commands (ruglab site/gp/patient/enrol/device add, ruglab-collector
# --gen-key) and measures:
#   1. ingest throughput end to end (agents with the simulator at
#      time_factor 0 -> spool with fsync -> CurveZMQ -> collector ->
#      PostgreSQL commit -> ack -> spool trimmed) with 1, 10 and 100
#      agents, checked exactly-once against the simulator's own dry run;
#      baseline: tests/bench/bench_copy (binary COPY of the same number of
#      samples into meas.sample_batch), and its one-row-per-sample layout
#   2. latency measurement handed to the agent -> ack, p50/p99/max
#   3. one agent's footprint at 100 Hz (RSS, CPU share)
#   4. recovery: drain of a one-hour backlog of 20 devices
#   5. report letters, 6. outcome summaries
# Prints a table and writes $BUILD/bench/results.json.
#
# Environment: BUILD (default build), BENCH_QUICK=1 (shorter timed phases),
# BENCH_ONLY="throughput latency footprint recovery reports outcomes"
# (a subset), BENCH_AGENTS_MAX (default 100: the largest agent count).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
BIN=$root/$BUILD/bin
BB=$root/$BUILD/bench
OUT=$BB/run
export PATH="$BIN:$PATH"
QUICK=${BENCH_QUICK:-0}
ONLY=${BENCH_ONLY:-throughput latency footprint recovery reports outcomes}
AGENTS_MAX=${BENCH_AGENTS_MAX:-100}
T_START=$SECONDS

die() { echo "bench: $*" >&2; exit 1; }
note() { printf '# %s\n' "$*" >&2; }
want() { [[ " $ONLY " == *" $1 "* ]]; }
now() { date +%s.%N; }
fmt() { awk -v x="$1" 'BEGIN { if (x == "") print "-"; else if (x >= 100) printf "%.0f", x; else if (x >= 1) printf "%.2f", x; else printf "%.3f", x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print ""; else printf "%.3f", a / b }'; }

for b in ruglab ruglab-agent ruglab-collector "$BB/bench_copy"; do
  command -v "$b" >/dev/null || [ -x "$b" ] || die "$b not built (run make bench)"
done

# --------------------------------------------------------------- cluster
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PGLOCAL_DIR=$BB/pg scripts/pg-local.sh stop immediate >/dev/null 2>&1 || true
}
trap cleanup EXIT
PGLOCAL_DIR=$BB/pg scripts/pg-local.sh destroy >/dev/null 2>&1 || true
rm -rf "$OUT"
mkdir -p "$OUT"
PGLOCAL_DIR=$BB/pg scripts/pg-local.sh start >"$OUT/pg-start.log" 2>&1 ||
  { cat "$OUT/pg-start.log"; die "cannot start the benchmark cluster"; }
RUGLAB_DB=$(PGLOCAL_DIR=$BB/pg scripts/pg-local.sh conninfo)
export RUGLAB_DB
ruglab db migrate >"$OUT/migrate.log" 2>&1 || { cat "$OUT/migrate.log"; die "migration failed"; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$RUGLAB_DB user=ruglab_admin" -c "$1"; }

# results: one TSV line per row: id, what, figure, unit, baseline, baseline unit, ratio, note
RES=$OUT/results.tsv
: >"$RES"
row() {  # ID WHAT FIGURE UNIT BASELINE BASELINE_WHAT RATIO NOTE
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RES"
  printf '  %-34s %12s %-10s %12s  %-22s %8s  %s\n' "$2" "$(fmt "$3")" "$4" "$(fmt "$5")" "$6" "$(fmt "$7")" "$8" >&2
}

# --------------------------------------------------------------- enrolment
N_DEV=$(( AGENTS_MAX > 20 ? AGENTS_MAX : 20 ))
KEYS=$OUT/keys
mkdir -p "$KEYS" "$OUT/ckey"
t0=$(now)
ruglab site add --code bench --name "Bench site" >/dev/null
ruglab gp add --riziv 12345678901 --family-name Peeters --given-name Jan >/dev/null
START_DATE=$(date -u -d '200 days ago' +%F)
TOKENS=()
for i in $(seq 1 "$N_DEV"); do
  m=$(( (i - 1) / 28 + 1 )) d=$(( (i - 1) % 28 + 1 ))
  n=$(printf '70%02d%02d002' "$m" "$d")  # women born 1970-MM-DD, serial 002
  insz=$(printf '%s%02d' "$n" $((97 - 10#$n % 97)))
  out=$(ruglab --json patient add --site bench --family-name "Bench$i" --given-name Test \
    --birth-date "$(printf '1970-%02d-%02d' "$m" "$d")" --sex F --insz "$insz" --weight 68 --gp 12345678901)
  tok=$(jq -r .badge_token <<<"$out")
  TOKENS+=("$tok")
  ruglab enrol "$tok" --programme mrr-36 --start "$START_DATE" --route riziv \
    --indication chronic --pain-since 2020-01-01 >/dev/null
  ruglab device add "bench-$i" --site bench --model tergumed-710 --key-dir "$KEYS" >/dev/null
done
ruglab-collector --gen-key "$OUT/ckey" >/dev/null
note "enrolled $N_DEV patients and devices in $(fmt "$(awk -v a="$t0" -v b="$(now)" 'BEGIN{print b-a}')") s"

# --------------------------------------------------------------- services
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
EP=tcp://127.0.0.1:$PORT
cat >"$OUT/collector.conf" <<CONF
[collector]
name = bench
listen = $EP
secret_key_file = $OUT/ckey/collector.key_secret
status_interval_s = 60
CONF
N_COLL=0
COLLECTOR_PID=
start_collector() {
  N_COLL=$((N_COLL + 1))
  local log=$OUT/collector-$N_COLL.log
  ruglab-collector --config "$OUT/collector.conf" >"$log" 2>&1 &
  COLLECTOR_PID=$!
  PIDS+=("$COLLECTOR_PID")
  local deadline=$((SECONDS + 30))
  until grep -q READY "$log" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { cat "$log"; die "the collector did not get ready"; }
    kill -0 "$COLLECTOR_PID" 2>/dev/null || { cat "$log"; die "the collector exited"; }
    sleep 0.05
  done
}
stop_collector() {
  kill -TERM "$COLLECTOR_PID" 2>/dev/null || true
  wait "$COLLECTOR_PID" 2>/dev/null || true
}

# agent_conf RUN I [KEY=VALUE...]: the configuration of device bench-I for a run
agent_conf() {
  local run=$1 i=$2; shift 2
  local f=$OUT/$run/agent-$i.conf
  mkdir -p "$OUT/$run"
  {
    printf '[agent]\ndevice_id = bench-%s\ndriver = simulator\ndrain_timeout_s = 600\n' "$i"
    printf '[spool]\ndir = %s/%s/spool-%s\n' "$OUT" "$run" "$i"
    printf '[link]\ncollector = %s\nserver_public_key = %s\nsecret_key_file = %s\n' \
      "$EP" "$OUT/ckey/collector.key" "$KEYS/bench-$i.key_secret"
    printf 'ack_timeout_ms = 30000\nreconnect_ivl_ms = 50\nreconnect_ivl_max_ms = 200\n'
    printf '[simulator]\nseed = %s\npatients = %s:F:52:68\ntime_factor = 0\n' "$i" "${TOKENS[$((i - 1))]}"
    printf '%s\n' "$@"
  } >"$f"
  echo "$f"
}
# expected RUN N: samples and batches the N agents' simulators produce (their dry runs)
expected() {
  local run=$1 n=$2
  for i in $(seq 1 "$n"); do echo "$i"; done |
    xargs -P "$(nproc)" -I{} sh -c "ruglab-agent --config $OUT/$run/agent-{}.conf --dry-run 2>/dev/null |
      jq -r 'select(.type == \"sample_batch\") | .angle_deg | length' >$OUT/$run/dry-{}.txt"
  cat "$OUT/$run"/dry-*.txt | awk '{ s += $1; n++ } END { printf "%d %d\n", s, n }'
}
stored() { q "SELECT coalesce(sum(cardinality(angle_ddeg)), 0) || ' ' || count(*) FROM meas.sample_batch WHERE device_id LIKE 'bench-%'"; }
spool_segments() { find "$OUT/$1" -name 'seg-*' | wc -l; }
# run_agents RUN N: starts N agents, waits for all; fails on a non-zero exit
run_agents() {
  local run=$1 n=$2 i pids=() rc=0
  for i in $(seq 1 "$n"); do
    ruglab-agent --config "$OUT/$run/agent-$i.conf" >"$OUT/$run/agent-$i.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { rc=1; note "agent $((i + 1)) of $run failed:"; tail -5 "$OUT/$run/agent-$((i + 1)).log" >&2; }
  done
  return $rc
}
# copy_baseline LAYOUT SAMPLES [RUNS]: samples/s of bench_copy in this cluster (median of RUNS, default 3)
copy_baseline() {
  local k
  for k in $(seq 1 "${3:-3}"); do
    "$BB/bench_copy" "$RUGLAB_DB user=ruglab_admin" "$1" "$2" | sed -n 's/.*samples_per_s=\([0-9.]*\).*/\1/p'
  done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

echo "ruglab benchmark: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" >&2
printf '  %-34s %12s %-10s %12s  %-22s %8s  %s\n' "measure" "figure" "unit" "baseline" "baseline is" "ratio" "note" >&2

# --------------------------------------------------------------- 1. throughput
if want throughput; then
  start_collector
  for spec in "1 12" "10 6" "$AGENTS_MAX 3"; do
    set -- $spec
    n=$1 sessions=$2 run=ingest-$1
    for i in $(seq 1 "$n"); do agent_conf "$run" "$i" "sessions = $sessions" >/dev/null; done
    read -r exp_samples exp_batches < <(expected "$run" "$n")
    read -r before_s before_b < <(stored)
    t0=$(now)
    run_agents "$run" "$n" || die "ingest with $n agents: an agent failed"
    secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
    read -r after_s after_b < <(stored)
    got_s=$((after_s - before_s)) got_b=$((after_b - before_b))
    [ "$got_s" -eq "$exp_samples" ] && [ "$got_b" -eq "$exp_batches" ] ||
      die "ingest with $n agents: stored $got_s samples in $got_b batches, expected $exp_samples in $exp_batches"
    segs=$(spool_segments "$run")
    [ "$segs" -eq 0 ] || die "ingest with $n agents: $segs spool segment(s) left"
    rate=$(awk -v s="$got_s" -v t="$secs" 'BEGIN { printf "%.0f", s / t }')
    base=$(copy_baseline batch "$got_s")
    row "ingest_$n" "ingest, $n agent(s)" "$rate" "samples/s" "$base" "bench_copy batch" "$(ratio "$rate" "$base")" \
      "$got_s samples exactly once, spools empty, $(fmt "$secs") s"
    if [ "$n" -eq 1 ]; then
      rowbase=$(copy_baseline row "$got_s" 1)
      row "copy_batch_vs_row" "storage: COPY batch vs row" "$base" "samples/s" "$rowbase" "bench_copy row" \
        "$(ratio "$base" "$rowbase")" "one row per 100-sample batch vs per sample"
    fi
  done
  stop_collector
fi

# --------------------------------------------------------------- results
jq -R -s 'split("\n") | map(select(length > 0) | split("\t") |
  {id: .[0], what: .[1], figure: (.[2] | tonumber? // null), unit: .[3],
   baseline: (.[4] | tonumber? // null), baseline_is: .[5], ratio: (.[6] | tonumber? // null), note: .[7]})' "$RES" |
  jq --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
     --argjson nproc "$(nproc)" --argjson seconds "$((SECONDS - T_START))" --arg quick "$QUICK" \
     --arg at "$(date -u +%FT%TZ)" \
     '{measured_at: $at, nproc: $nproc, cpu: $cpu, quick: ($quick == "1"), total_seconds: $seconds, rows: .}' \
  >"$BB/results.json"
echo "bench: $((SECONDS - T_START)) s in all; results in $BUILD/bench/results.json" >&2
