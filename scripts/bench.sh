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
#      baseline: tests/bench/bench_copy replay (binary COPY of exactly the
#      rows of the simulators' dry runs into meas.message_key and the
#      meas.* tables, with their indexes and triggers), in one transaction,
#      and also with a commit per batch of the collector's mean size in
#      the run (its metrics: ruglab_collector_batch_messages); beside
#      it, the same messages through the agent alone (tests/bench/bench_null:
#      a CURVE receiver that acknowledges at once, no database) and through
#      the collector alone (tests/bench/bench_replay: the messages encoded
#      beforehand, sent at full speed into the collector); and the
#      one-row-per-sample layout against the batch rows
#   2. latency measurement handed to the agent -> ack, p50/p99/p99.9/max
#      in steady state (after a warm-up, at least 3,000 messages at
#      nominal load), and the time from connect to the first ack
#   3. one agent's footprint at 100 Hz (RSS, CPU share)
#   4. recovery: drain of a one-hour backlog of 20 devices, against the
#      binary COPY of the same rows
#   5. report letters, 6. outcome summaries
#   7. ruglab-web: the physician's worklist and a programme page under 50
#      concurrent clients (wrk) on a site of 2,000 enrolments; baseline:
#      the pages' own SQL, timed by the server in the same run
# Prints a table and writes $BUILD/bench/results.json.
#
# Environment: BUILD (default build), BENCH_QUICK=1 (shorter timed phases),
# BENCH_ONLY="throughput latency footprint recovery reports outcomes web"
# (a subset), BENCH_AGENTS_MAX (default 100: the largest agent count),
# BENCH_COLLECTOR_CONF (a file appended to the collector's configuration,
# e.g. "[batch]" settings to compare), BENCH_COPY_GROUP (the messages per
# transaction of the "commit per batch" COPY baseline; default: the
# collector's mean batch in the run it is compared with, from its
# Prometheus counters).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
BIN=$root/$BUILD/bin
BB=$root/$BUILD/bench
OUT=$BB/run
export PATH="$BIN:$PATH"
QUICK=${BENCH_QUICK:-0}
ONLY=${BENCH_ONLY:-throughput latency footprint recovery reports outcomes web}
AGENTS_MAX=${BENCH_AGENTS_MAX:-100}
T_START=$SECONDS

die() { echo "bench: $*" >&2; exit 1; }
note() { printf '# %s\n' "$*" >&2; }
want() { [[ " $ONLY " == *" $1 "* ]]; }
now() { date +%s.%N; }
fmt() { awk -v x="$1" 'BEGIN { if (x == "") print "-"; else if (x >= 100) printf "%.0f", x; else if (x >= 1) printf "%.2f", x; else printf "%.3f", x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print ""; else printf "%.3f", a / b }'; }

for b in ruglab ruglab-agent ruglab-collector "$BB/bench_copy" "$BB/bench_null" "$BB/bench_replay"; do
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
N_DEV=$(( AGENTS_MAX > 25 ? AGENTS_MAX : 25 ))  # 25 x 8 patients cover the 200 letters
KEYS=$OUT/keys
mkdir -p "$KEYS" "$OUT/ckey"
t0=$(now)
ruglab site add --code bench --name "Bench site" >/dev/null
ruglab gp add --riziv 12345678901 --family-name Peeters --given-name Jan >/dev/null
START_DATE=$(date -u -d '200 days ago' +%F)
TOKENS=()
N_PAT=$(( N_DEV > 200 ? N_DEV : 200 ))  # 200 for the report batch
for i in $(seq 1 "$N_PAT"); do
  m=$(( (i - 1) / 28 + 1 )) d=$(( (i - 1) % 28 + 1 ))
  n=$(printf '70%02d%02d002' "$m" "$d")  # women born 1970-MM-DD, serial 002
  insz=$(printf '%s%02d' "$n" $((97 - 10#$n % 97)))
  out=$(ruglab --json patient add --site bench --family-name "Bench$i" --given-name Test \
    --birth-date "$(printf '1970-%02d-%02d' "$m" "$d")" --sex F --insz "$insz" --weight 68 --gp 12345678901)
  tok=$(jq -r .badge_token <<<"$out")
  TOKENS+=("$tok")
  ruglab enrol "$tok" --programme mrr-36 --start "$START_DATE" --route riziv \
    --indication chronic --pain-since 2020-01-01 >/dev/null
  [ "$i" -gt "$N_DEV" ] || ruglab device add "bench-$i" --site bench --model tergumed-710 --key-dir "$KEYS" >/dev/null
done
ruglab-collector --gen-key "$OUT/ckey" >/dev/null
note "enrolled $N_PAT patients and $N_DEV devices in $(fmt "$(awk -v a="$t0" -v b="$(now)" 'BEGIN{print b-a}')") s"

# --------------------------------------------------------------- services
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
EP=tcp://127.0.0.1:$PORT
MPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$OUT/collector.conf" <<CONF
[collector]
name = bench
listen = $EP
metrics_listen = 127.0.0.1:$MPORT
secret_key_file = $OUT/ckey/collector.key_secret
status_interval_s = 60
CONF
[ -z "${BENCH_COLLECTOR_CONF:-}" ] || cat "$BENCH_COLLECTOR_CONF" >>"$OUT/collector.conf"
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
      "${AGENT_EP:-$EP}" "$OUT/ckey/collector.key" "$KEYS/bench-$i.key_secret"
    printf 'ack_timeout_ms = 30000\nreconnect_ivl_ms = 50\nreconnect_ivl_max_ms = 200\n'
    printf '[simulator]\nseed = %s\npatients = %s:F:52:68\ntime_factor = 0\n' "$i" "${TOKENS[$((i - 1))]}"
    printf '%s\n' "$@"
  } >"$f"
  echo "$f"
}
# expected RUN N: samples and batches the N agents' simulators produce
# (their dry runs, kept as $OUT/RUN/dry-I.jsonl for the baselines)
expected() {
  local run=$1 n=$2
  for i in $(seq 1 "$n"); do echo "$i"; done |
    xargs -P "$(nproc)" -I{} sh -c "ruglab-agent --config $OUT/$run/agent-{}.conf --dry-run >$OUT/$run/dry-{}.jsonl 2>/dev/null &&
      jq -r 'select(.type == \"sample_batch\") | .angle_deg | length' $OUT/$run/dry-{}.jsonl >$OUT/$run/dry-{}.txt" ||
    die "$run: a dry run failed"
  cat "$OUT/$run"/dry-*.txt | awk '{ s += $1; n++ } END { printf "%d %d\n", s, n }'
}
# dry_args RUN N: bench-I=FILE of the N dry runs, for bench_copy replay and bench_replay
dry_args() { local i; for i in $(seq 1 "$2"); do printf 'bench-%s=%s/%s/dry-%s.jsonl\n' "$i" "$OUT" "$1" "$i"; done; }
dry_messages() { cat "$OUT/$1"/dry-*.jsonl | wc -l; }
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
# CPU seconds (utime + stime) so far: of a pid; of the cluster's processes; of waited-for children
TICK=$(getconf CLK_TCK)
cpu_pid() { awk -v t="$TICK" '{ printf "%.2f\n", ($14 + $15) / t }' "/proc/$1/stat" 2>/dev/null || echo 0; }
cpu_pg() {
  local pm
  pm=$(head -1 "$BB/pg/data/postmaster.pid")
  { cat "/proc/$pm/stat"; for c in $(pgrep -P "$pm"); do cat "/proc/$c/stat" 2>/dev/null; done; } |
    awk -v t="$TICK" '{ s += $14 + $15 + $16 + $17 } END { printf "%.2f\n", s / t }'
}
# (call as `times >"$OUT/times"; cpu_children`: `times` in a subshell would see no children)
cpu_children() { tail -1 "$OUT/times" | awk '{ for (i = 1; i <= 2; i++) { split($i, a, "m"); s += a[1] * 60 + a[2] } } END { printf "%.2f\n", s }'; }

# copy_replay RUN N GROUP [RUNS]: "samples/s seconds" of bench_copy replaying
# the N dry runs of RUN, GROUP messages per transaction (0: all in one);
# the median of RUNS (default 1; every run adds the rows once more, under
# boot_ids of its own)
copy_replay() {
  local k
  for k in $(seq 1 "${4:-1}"); do
    # shellcheck disable=SC2046
    "$BB/bench_copy" "$RUGLAB_DB user=ruglab_admin" replay "$3" $(dry_args "$1" "$2") ||
      die "bench_copy replay of $1 failed"
  done | sed -n 's/.*seconds=\([0-9.]*\) samples_per_s=\([0-9.]*\).*/\2 \1/p' |
    sort -n | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }'
}
# keep_boots / drop_baselines: the rows of the baselines (bench_copy
# replay, bench_replay: boot_ids of their own) are removed once measured,
# so that the later phases (the reports) see the agents' data alone, as
# before the baselines ran. keep_boots notes the boot_ids stored so far;
# drop_baselines deletes the bench devices' rows under any other and
# vacuums the tables.
MEAS_TABLES="message_key test_trial training_set sample_batch session_event questionnaire_response"
keep_boots() {
  q "SET client_min_messages = warning; CREATE SCHEMA IF NOT EXISTS bench;
     CREATE TABLE IF NOT EXISTS bench.kept_boot (device_id text, boot_id bigint, PRIMARY KEY (device_id, boot_id));
     INSERT INTO bench.kept_boot SELECT DISTINCT device_id, boot_id FROM meas.message_key
       WHERE device_id LIKE 'bench-%' ON CONFLICT DO NOTHING" >/dev/null
}
drop_baselines() {
  local t
  for t in $MEAS_TABLES; do
    q "DELETE FROM meas.$t m WHERE m.device_id LIKE 'bench-%' AND NOT EXISTS
         (SELECT 1 FROM bench.kept_boot k WHERE k.device_id = m.device_id AND k.boot_id = m.boot_id)" >/dev/null
  done
  q "VACUUM (ANALYZE) $(for t in $MEAS_TABLES; do printf 'meas.%s, ' "$t"; done | sed 's/, $//')" >/dev/null
}

# hist NAME: "sum count" of the running collector's histogram NAME since
# it started (its Prometheus metrics)
hist() {
  curl -sS "http://127.0.0.1:$MPORT/metrics" |
    awk -v m="$1" '$1 == m "_sum" { s = $2 } $1 == m "_count" { n = $2 } END { printf "%.6f %d\n", s, n }'
}
# batches: "messages batches" the collector committed since it started
batches() { hist ruglab_collector_batch_messages | awk '{ printf "%d %d\n", $1, $2 }'; }
# commit_ms "S0 N0" "S1 N1": mean milliseconds to store a batch between two
# readings of ruglab_collector_commit_seconds
commit_ms() {
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); n = y[2] - x[2]
    if (n > 0) printf "%.1f", (y[1] - x[1]) / n * 1000; else printf "-" }'
}
# group_of "M0 B0" "M1 B1": the collector's mean batch between the two
# (at least 1), unless BENCH_COPY_GROUP fixes the group: the messages per
# transaction of the "commit per batch" COPY baseline.
group_of() {
  [ -z "${BENCH_COPY_GROUP:-}" ] || { echo "$BENCH_COPY_GROUP"; return; }
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); n = y[2] - x[2]
    g = n > 0 ? int((y[1] - x[1]) / n + 0.5) : 256; print (g < 1 ? 1 : g) }'
}
# The agents' sliding window ([link] window, its default): bench_replay's.
AGENT_WINDOW=256

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
# The null receiver of the agent-only path, on a port of its own.
NULL_PID=
null_start() {
  local port log=$OUT/$1/null.log
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  NULL_EP=tcp://127.0.0.1:$port
  mkdir -p "$OUT/$1"
  "$BB/bench_null" "$NULL_EP" "$OUT/ckey/collector.key_secret" >"$log" 2>&1 &
  NULL_PID=$!
  PIDS+=("$NULL_PID")
  local deadline=$((SECONDS + 30))
  until grep -q READY "$log" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] && kill -0 "$NULL_PID" 2>/dev/null || die "bench_null did not start: $(cat "$log")"
    sleep 0.05
  done
}
# null_stop RUN: stops it; sets ACKED to the messages it acknowledged
null_stop() {
  kill -TERM "$NULL_PID" 2>/dev/null || true
  wait "$NULL_PID" || die "bench_null failed: $(cat "$OUT/$1/null.log")"
  ACKED=$(sed -n 's/^messages=[0-9]* acked=\([0-9]*\)$/\1/p' "$OUT/$1/null.log")
}
# cpu_mark / cpu_end: CPU seconds of the collector, PostgreSQL and this
# script's waited-for children (agents, bench_replay) between the two
cpu_mark() {
  times >"$OUT/times"
  CPU0="$(cpu_pid "$COLLECTOR_PID") $(cpu_pg) $(cpu_children)"
}
# cpu_end WHAT: sets CPU to "WHAT s, collector s, postgres s" (not in a
# subshell: `times` there would see no children)
cpu_end() {
  times >"$OUT/times"
  CPU=$(awk -v w="$1" -v a="$CPU0" -v b="$(cpu_pid "$COLLECTOR_PID") $(cpu_pg) $(cpu_children)" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    printf "%s %.1f, collector %.1f, postgres %.1f\n", w, y[3] - x[3], y[1] - x[1], y[2] - x[2] }')
}
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { print b - a }'; }

if want throughput; then
  start_collector
  declare -A RATE=()
  # sessions per agent: the 10 and the 100 agents each do the same work (12
  # sessions), so that the two figures differ only by the number of agents
  for spec in "1 36" "10 12" "$AGENTS_MAX 12"; do
    set -- $spec
    [ ! -d "$OUT/ingest-$1" ] || continue  # BENCH_AGENTS_MAX=10: once
    n=$1 sessions=$2 run=ingest-$1
    for i in $(seq 1 "$n"); do agent_conf "$run" "$i" "sessions = $sessions" >/dev/null; done
    read -r exp_samples exp_batches < <(expected "$run" "$n")
    exp_msgs=$(dry_messages "$run")
    # end to end
    read -r before_s before_b < <(stored)
    b0=$(batches)
    c0=$(hist ruglab_collector_commit_seconds)
    cpu_mark
    t0=$(now)
    run_agents "$run" "$n" || die "ingest with $n agents: an agent failed"
    secs=$(elapsed "$t0")
    cpu_end agents
    read -r after_s after_b < <(stored)
    got_s=$((after_s - before_s)) got_b=$((after_b - before_b))
    [ "$got_s" -eq "$exp_samples" ] && [ "$got_b" -eq "$exp_batches" ] ||
      die "ingest with $n agents: stored $got_s samples in $got_b batches, expected $exp_samples in $exp_batches"
    segs=$(spool_segments "$run")
    [ "$segs" -eq 0 ] || die "ingest with $n agents: $segs spool segment(s) left"
    rate=$(awk -v s="$got_s" -v t="$secs" 'BEGIN { printf "%.0f", s / t }')
    RATE[$n]=$rate
    b1=$(batches)
    c1=$(hist ruglab_collector_commit_seconds)
    group=$(group_of "$b0" "$b1")
    keep_boots
    # the baselines: the same rows by binary COPY, in one transaction and
    # with a commit per batch of the collector's mean batch in the run
    # (median of 3 each)
    read -r copy1 copy1_s < <(copy_replay "$run" "$n" 0 3)
    read -r copyg copyg_s < <(copy_replay "$run" "$n" "$group" 3)
    [ -n "$copy1" ] && [ -n "$copyg" ] || die "ingest with $n agents: the COPY baseline failed"
    what="COPY same rows, 1 txn"
    row "ingest_$n" "ingest, $n agent(s)" "$rate" "samples/s" "$copy1" "$what" "$(ratio "$rate" "$copy1")" \
      "$got_s samples in $exp_msgs messages exactly once, spools empty, $(fmt "$secs") s; CPU s: $CPU; $(fmt "$(ratio "$rate" "$copyg")") of COPY with a commit per $group; the collector's batches: $(awk -v a="$b0" -v b="$b1" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%d of %d messages", y[2] - x[2], y[1] - x[1] }'), storing one took $(commit_ms "$c0" "$c1") ms on average"
    row "copy_batched_$n" "COPY, commit per batch ($n)" "$copyg" "samples/s" "$copy1" "$what" "$(ratio "$copyg" "$copy1")" \
      "the same rows, $group messages per transaction (the collector's mean batch in the run) in $(( (exp_msgs + group - 1) / group )) transactions, $(fmt "$copyg_s") s (one transaction: $(fmt "$copy1_s") s): what the commits cost"
    # the agent alone: the same simulators, spools and CurveZMQ, acknowledged
    # at once by bench_null
    arun=agent-only-$n
    null_start "$arun"
    for i in $(seq 1 "$n"); do AGENT_EP=$NULL_EP agent_conf "$arun" "$i" "sessions = $sessions" >/dev/null; done
    cpu_mark
    t0=$(now)
    run_agents "$arun" "$n" || die "agent only, $n agents: an agent failed"
    secs=$(elapsed "$t0")
    cpu_end agents
    null_stop "$arun"
    [ "$ACKED" = "$exp_msgs" ] || die "agent only, $n agents: $ACKED messages acknowledged, expected $exp_msgs"
    segs=$(spool_segments "$arun")
    [ "$segs" -eq 0 ] || die "agent only, $n agents: $segs spool segment(s) left"
    arate=$(awk -v s="$exp_samples" -v t="$secs" 'BEGIN { printf "%.0f", s / t }')
    row "agent_only_$n" "agent alone (null receiver), $n" "$arate" "samples/s" "$copy1" "$what" "$(ratio "$arate" "$copy1")" \
      "the same $exp_msgs messages: simulator, spool with fsync, CurveZMQ, acks at once; $(fmt "$secs") s; CPU s: ${CPU%%, collector*}"
    # the collector alone: the same messages, encoded beforehand, replayed
    # at full speed by one DEALER per device (bench_replay)
    read -r before_s before_b < <(stored)
    cpu_mark
    # shellcheck disable=SC2046
    out=$("$BB/bench_replay" "$EP" "$OUT/ckey/collector.key" "$KEYS" "$AGENT_WINDOW" $(dry_args "$run" "$n")) ||
      die "collector only, $n agents: bench_replay failed"
    cpu_end replay
    read -r after_s after_b < <(stored)
    got_s=$((after_s - before_s)) got_b=$((after_b - before_b))
    [ "$got_s" -eq "$exp_samples" ] && [ "$got_b" -eq "$exp_batches" ] ||
      die "collector only, $n agents: stored $got_s samples in $got_b batches, expected $exp_samples in $exp_batches"
    crate=$(sed -n 's/.*samples_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
    rcpu=$(sed -n 's/.*cpu_s=\([0-9.]*\).*/\1/p' <<<"$out")
    csecs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$out")
    row "collector_only_$n" "collector alone (replayed), $n" "$crate" "samples/s" "$copy1" "$what" "$(ratio "$crate" "$copy1")" \
      "the same $exp_msgs messages, encoded beforehand, window $AGENT_WINDOW per device, all ACCEPTED and stored once; $(fmt "$csecs") s; CPU s: bench_replay $rcpu while timed, ${CPU#*, }"
    drop_baselines
    if [ "$n" -eq 1 ]; then
      base=$(copy_baseline batch "$got_s")
      rowbase=$(copy_baseline row "$got_s" 1)
      row "copy_batch_vs_row" "storage: COPY batch vs row" "$base" "samples/s" "$rowbase" "bench_copy row" \
        "$(ratio "$base" "$rowbase")" "one row per 100-sample batch vs per sample (sample_batch alone, synthetic)"
    fi
  done
  if [ "$AGENTS_MAX" -gt 10 ] && [ -n "${RATE[10]:-}" ] && [ -n "${RATE[$AGENTS_MAX]:-}" ]; then
    row "ingest_scaling" "ingest, $AGENTS_MAX vs 10 agents" "${RATE[$AGENTS_MAX]}" "samples/s" "${RATE[10]}" \
      "10 agents, same run" "$(ratio "${RATE[$AGENTS_MAX]}" "${RATE[10]}")" \
      "end to end, 12 sessions per agent in both (target 0.9)"
  fi
  stop_collector
fi

# percentiles FILE...: "p50 p99 p99.9 max n" in ms of latencies in microseconds, one per line (first column)
percentiles() {
  cat "$@" | sort -n | awk 'function at(q,  i) { i = int(NR * q + 0.999); if (i < 1) i = 1; return v[i] / 1000 }
    { v[NR] = $1 } END { printf "%.1f %.1f %.1f %.1f %d\n", at(0.50), at(0.99), at(0.999), v[NR] / 1000, NR }'
}
verdict() { awk -v x="$1" -v t="$2" 'BEGIN { print (x < t ? "met" : "NOT met") }'; }

# --------------------------------------------------------------- 2. latency
# 20 bench_latency probes (the agent's own spool and link modules) hand
# over one 100-sample batch per second each (20 devices x 100 Hz), then
# ten per second (10x). The first message of each is handed over as the
# link is made: connect, CURVE handshake and Hello to its ack is its own
# row; the messages of the warm-up are not counted; the steady state has
# 3,000 messages or more at nominal load (160 s: 3,200; 6,000 in 30 s at 10x).
if want latency; then
  [ -x "$BB/bench_latency" ] || die "$BB/bench_latency not built (run make bench)"
  start_collector
  # the throughput runs' writes (about a gigabyte) flushed and vacuumed
  # first, so that the steady state is not the checkpoint of earlier work
  q "VACUUM (ANALYZE) $(for t in $MEAS_TABLES; do printf 'meas.%s, ' "$t"; done | sed 's/, $//')" >/dev/null
  psql -X -q -v ON_ERROR_STOP=1 "$RUGLAB_DB user=postgres" -c "CHECKPOINT" >/dev/null
  if [ "$QUICK" = 1 ]; then warm=3 dur_nominal=20 dur_10x=10; else warm=10 dur_nominal=160 dur_10x=30; fi
  # baseline: a COPY of one 100-sample batch of the simulator (its key and
  # its row) and its commit, 20 times in a row (bench_copy replay 1)
  run=latency-base
  agent_conf "$run" 1 "sessions = 1" >/dev/null
  ruglab-agent --config "$OUT/$run/agent-1.conf" --dry-run >"$OUT/$run/dry-all.jsonl" 2>/dev/null ||
    die "latency: the simulator's dry run failed"
  grep -m 20 '"sample_batch"' "$OUT/$run/dry-all.jsonl" >"$OUT/$run/dry-1.jsonl"
  keep_boots
  read -r _ base_s < <(copy_replay "$run" 1 1 3)
  [ -n "$base_s" ] || die "latency: the COPY baseline failed"
  drop_baselines
  base_ms=$(awk -v s="$base_s" 'BEGIN { printf "%.2f", s / 20 * 1000 }')
  bwhat="COPY+commit 1 batch"
  for spec in "nominal 1 $dur_nominal" "10x 10 $dur_10x"; do
    set -- $spec
    load=$1 rate=$2 dur=$3 run=latency-$1
    mkdir -p "$OUT/$run"
    c0=$(hist ruglab_collector_commit_seconds) b0=$(batches)
    pids=()
    for i in $(seq 1 20); do
      "$BB/bench_latency" "$EP" "$OUT/ckey/collector.key" "$KEYS/bench-$i.key_secret" "bench-$i" \
        "${TOKENS[$((i - 1))]}" "$OUT/$run/spool-$i" "$rate" "$warm" "$dur" "$OUT/$run/lat-$i.txt" \
        >"$OUT/$run/first-$i.txt" 2>"$OUT/$run/lat-$i.log" &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || die "latency ($load): a probe failed: $(cat "$OUT/$run"/lat-*.log)"; done
    c1=$(hist ruglab_collector_commit_seconds) b1=$(batches)
    read -r p50 p99 p999 max n < <(percentiles "$OUT/$run"/lat-*.txt)
    [ "$QUICK" = 1 ] || [ "$n" -ge 3000 ] || die "latency ($load): $n messages in steady state, fewer than 3,000"
    what="20 agents x $((rate * 100)) Hz"
    if [ "$load" = nominal ]; then t99=20 t999=50; else t99=50 t999=; fi
    sync50=$(cat "$OUT/$run"/lat-*.txt | awk '{ print $2 }' | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }')
    note="$n messages in steady state ($dur s after a $warm s warm-up); of it the agent's spool append + fsync: p50 $sync50 ms; the collector stored $(awk -v a="$b0" -v b="$b1" 'BEGIN { split(a, x, " "); split(b, y, " "); n = y[2] - x[2]; printf "%.1f", (n > 0 ? (y[1] - x[1]) / n : 0) }') messages per batch in $(commit_ms "$c0" "$c1") ms on average (lookup to COMMIT)"
    row "latency_${load}_p50" "latency p50, $what" "$p50" "ms" "$base_ms" "$bwhat" "$(ratio "$p50" "$base_ms")" "$note"
    row "latency_${load}_p99" "latency p99, $what" "$p99" "ms" "$base_ms" "$bwhat" "$(ratio "$p99" "$base_ms")" \
      "target < $t99 ms: $(verdict "$p99" "$t99")"
    row "latency_${load}_p999" "latency p99.9, $what" "$p999" "ms" "$base_ms" "$bwhat" "$(ratio "$p999" "$base_ms")" \
      "$([ -n "$t999" ] && echo "target < $t999 ms: $(verdict "$p999" "$t999")")"
    row "latency_${load}_max" "latency max, $what" "$max" "ms" "$base_ms" "$bwhat" "$(ratio "$max" "$base_ms")" ""
    sed -n 's/^first_ack_us=//p' "$OUT/$run"/first-*.txt >"$OUT/$run/first.txt"
  done
  # connect -> first ack, the 40 connections of both loads
  read -r f50 _ _ fmax fn < <(percentiles "$OUT"/latency-*/first.txt)
  [ "$fn" -eq 40 ] || die "latency: $fn first acks of 40 connections"
  row "latency_first_ack" "connect to first ack (median)" "$f50" "ms" "$base_ms" "$bwhat" "$(ratio "$f50" "$base_ms")" \
    "connect, CURVE handshake, Hello, the first message stored and acknowledged; max $fmax ms over $fn connections"
  stop_collector
fi

# --------------------------------------------------------------- 3. footprint
# One ruglab-agent (jsonl driver) fed one 100-sample curve batch per second
# (a machine recording at 100 Hz) for a minute; the feeder is not measured.
if want footprint; then
  start_collector
  dur=$([ "$QUICK" = 1 ] && echo 15 || echo 60)
  run=footprint
  mkdir -p "$OUT/$run"
  conf=$(agent_conf "$run" 1)
  sed -i 's/^driver = simulator/driver = jsonl/; /^\[simulator\]/,$d' "$conf"
  read -r before_s _ < <(stored)
  fifo=$OUT/$run/in.fifo
  mkfifo "$fifo"
  ruglab-agent --config "$conf" <"$fifo" >"$OUT/$run/agent.log" 2>&1 &
  apid=$!
  PIDS+=("$apid")
  exec 7>"$fifo"
  until grep -q READY "$OUT/$run/agent.log" 2>/dev/null; do
    kill -0 "$apid" 2>/dev/null || die "footprint: the agent exited: $(cat "$OUT/$run/agent.log")"
    sleep 0.05
  done
  curve=$(awk 'BEGIN { for (i = 0; i < 100; i++) { a = a sep sprintf("%.1f", 20 + 15 * sin(i / 8)); t = t sep sprintf("%.1f", 80 + 30 * cos(i / 8)); sep = ", " }
    printf "\"angle_deg\": [%s], \"torque_nm\": [%s]", a, t }')
  tick=$(getconf CLK_TCK)
  cpu0=$(awk '{ print $14 + $15 }' "/proc/$apid/stat") w0=$(now)
  for k in $(seq 0 $((dur - 1))); do
    printf '{"type": "sample_batch", "session_id": "fp-1", "patient_token": "%s", "taken_at": "%s", "direction": "extension", "context": "training_set", "context_number": 1, "sample_rate_hz": 100, "first_index": %d, %s}\n' \
      "${TOKENS[0]}" "$(date -u +%FT%T.%3NZ)" $((k * 100)) "$curve" >&7
    sleep "$(awk -v w0="$w0" -v k="$k" -v t="$(now)" 'BEGIN { d = w0 + k + 1 - t; printf "%.3f", (d > 0 ? d : 0) }')"
  done
  cpu1=$(awk '{ print $14 + $15 }' "/proc/$apid/stat") w1=$(now)
  status=$(cat "/proc/$apid/status")
  exec 7>&-
  wait "$apid" || die "footprint: the agent failed: $(tail -3 "$OUT/$run/agent.log")"
  read -r after_s _ < <(stored)
  [ $((after_s - before_s)) -eq $((dur * 100)) ] || die "footprint: stored $((after_s - before_s)) samples, expected $((dur * 100))"
  kb() { awk -v k="$1" '$1 == k":" { printf "%.2f", $2 / 1024 }' <<<"$status"; }
  cpu=$(awk -v c="$((cpu1 - cpu0))" -v t="$tick" -v a="$w0" -v b="$w1" 'BEGIN { printf "%.3f", 100 * c / t / (b - a) }')
  rss_mb=$(kb VmRSS)
  row agent_rss "agent RSS (VmRSS), 100 Hz" "$rss_mb" "MiB" 8 "target" "$(ratio "$rss_mb" 8)" \
    "VmHWM $(kb VmHWM), RssAnon $(kb RssAnon), RssFile $(kb RssFile) MiB; $((dur * 100)) samples stored"
  row agent_cpu "agent CPU share, 100 Hz" "$cpu" "% of a core" 2 "target" "$(ratio "$cpu" 2)" \
    "utime+stime over ${dur} s wall (tick 1/$tick s)"
  stop_collector
fi

# --------------------------------------------------------------- 4. recovery
if want recovery; then
  run=recovery n=20
  # about one hour of 100 Hz curves per device (the simulator's sessions hold rests too)
  for i in $(seq 1 "$n"); do agent_conf "$run" "$i" "sessions = 11" >/dev/null; done
  read -r exp_samples exp_batches < <(expected "$run" "$n")
  read -r before_s before_b < <(stored)
  t0=$(now)
  pids=()
  for i in $(seq 1 "$n"); do
    ruglab-agent --config "$OUT/$run/agent-$i.conf" >"$OUT/$run/agent-$i.log" 2>&1 &
    pids+=($!)
  done
  for i in $(seq 1 "$n"); do
    until grep -q "end of input" "$OUT/$run/agent-$i.log" 2>/dev/null; do
      kill -0 "${pids[$((i - 1))]}" 2>/dev/null || die "recovery: agent $i exited: $(tail -3 "$OUT/$run/agent-$i.log")"
      sleep 0.1
    done
  done
  fill=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
  t0=$(now)
  start_collector
  b0="0 0"  # the counters start with the process
  for p in "${pids[@]}"; do wait "$p" || die "recovery: an agent failed"; done
  secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
  b1=$(batches) c1=$(hist ruglab_collector_commit_seconds)
  group=$(group_of "$b0" "$b1")
  stop_collector
  read -r after_s after_b < <(stored)
  got_s=$((after_s - before_s)) got_b=$((after_b - before_b))
  [ "$got_s" -eq "$exp_samples" ] && [ "$got_b" -eq "$exp_batches" ] ||
    die "recovery: stored $got_s samples in $got_b batches, expected $exp_samples in $exp_batches"
  segs=$(spool_segments "$run")
  [ "$segs" -eq 0 ] || die "recovery: $segs spool segment(s) left"
  # baseline: the same rows by binary COPY (bench_copy replay of the dry
  # runs), in one transaction and with a commit per batch of the collector's size
  keep_boots
  read -r _ base_s < <(copy_replay "$run" "$n" 0 3)
  read -r _ group_s < <(copy_replay "$run" "$n" "$group" 3)
  [ -n "$base_s" ] && [ -n "$group_s" ] || die "recovery: the COPY baseline failed"
  drop_baselines
  hours=$(awk -v n="$got_s" -v d="$n" 'BEGIN { printf "%.2f", n / d / 100 / 3600 }')
  row recovery_drain "recovery: drain 20 spools" "$secs" "s" "$base_s" "COPY same rows, 1 txn, s" "$(ratio "$secs" "$base_s")" \
    "$got_s samples in $(dry_messages "$run") messages = $hours h of $n devices at 100 Hz, exactly once; spooled in $(fmt "$fill") s; target <= 2x COPY: $(verdict "$(ratio "$secs" "$base_s")" 2.001); COPY with a commit per $group messages (the collector's mean batch, $(awk -v b="$b1" 'BEGIN { split(b, y, " "); print y[2] }') batches stored in $(commit_ms "0 0" "$c1") ms each on average): $(fmt "$group_s") s"
fi

# median_time N CMD...: median wall seconds of N runs of CMD (output discarded; fails if CMD fails)
median_time() {
  local n=$1 k t0; shift
  for k in $(seq 1 "$n"); do
    t0=$(now)
    "$@" >/dev/null 2>"$OUT/last-cmd.err" || { cat "$OUT/last-cmd.err" >&2; return 1; }
    awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }'
  done | sort -n | awk '{ v[NR] = $1 } END { printf "%.3f\n", v[int((NR + 1) / 2)] }'
}

# --------------------------------------------------------------- 5. reports
# 200 patients whose curves, tests and sets came through agent and collector
# end their programme with a conclusion, as the physician would; one letter
# is timed as a draft (a final one would no longer be due), then
# `ruglab-report batch --due` writes the 200 final letters.
if want reports; then
  run=reports
  mkdir -p "$OUT/$run"
  has_tests() { q "SELECT DISTINCT s.badge_token FROM meas.test_trial t
      JOIN clinical.enrolment e USING (enrolment_id) JOIN clinical.subject s USING (subject_id) ORDER BY 1"; }
  mapfile -t with_data < <(has_tests)
  missing=()
  for tok in "${TOKENS[@]:0:200}"; do
    [[ " ${with_data[*]} " == *" $tok "* ]] || missing+=("$tok")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    # the machines see the remaining patients, eight each (the configuration
    # line holds about that many), three sessions each (tests)
    start_collector
    wave=0
    while [ "${#missing[@]}" -gt 0 ]; do
      wave=$((wave + 1))
      k=0
      while [ "${#missing[@]}" -gt 0 ] && [ "$k" -lt "$N_DEV" ]; do
        k=$((k + 1))
        part=("${missing[@]:0:8}")
        missing=("${missing[@]:8}")
        pl=$(printf '%s:F:52:68,' "${part[@]}")
        agent_conf "$run-$wave" "$k" "sessions = 3" >/dev/null
        sed -i "s/^patients = .*/patients = ${pl%,}/" "$OUT/$run-$wave/agent-$k.conf"
      done
      run_agents "$run-$wave" "$k" || die "reports: an agent failed"
    done
    stop_collector
  fi
  mapfile -t with_data < <(has_tests)
  [ "${#with_data[@]}" -ge 200 ] || die "reports: only ${#with_data[@]} patients with tests"
  today=$(date -u +%F)
  printf '%s\n' "${with_data[@]:0:200}" | xargs -P "$(nproc)" -I{} sh -c \
    "ruglab enrolment end {} --completed --date $today >/dev/null &&
     echo 'Goede evolutie; verder thuisoefeningen.' | ruglab conclusion set {} --file - >/dev/null" ||
    die "reports: ending the programmes failed"
  tok=${with_data[0]}
  one=$(median_time 5 ruglab-report letter "$tok" --draft -o "$OUT/$run/draft.pdf") || die "reports: ruglab-report letter failed"
  cmp_t=$(median_time 5 ruglab-report compare "$tok" --format json) || die "reports: ruglab-report compare failed"
  row report_letter "report letter, one patient" "$one" "s" "$cmp_t" "report compare (data)" "$(ratio "$one" "$cmp_t")" \
    "median of 5 (draft); target < 1 s: $(awk -v x="$one" 'BEGIN { print (x < 1 ? "met" : "NOT met") }')"
  mkdir -p "$OUT/$run/letters"
  t0=$(now)
  ruglab-report batch --due --out-dir "$OUT/$run/letters" >"$OUT/$run/batch.log" 2>&1 ||
    die "reports: ruglab-report batch failed: $(tail -3 "$OUT/$run/batch.log")"
  batch=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
  nletters=$(find "$OUT/$run/letters" -name '*.pdf' | wc -l)
  [ "$nletters" -eq 200 ] || die "reports: $nletters letters instead of 200"
  np=$(nproc)
  ideal=$(awk -v x="$one" -v p="$np" 'BEGIN { printf "%.2f", 200 * x / p }')
  row report_batch "report batch --due, 200 letters" "$batch" "s" "$ideal" "200 x one / nproc" "$(ratio "$batch" "$ideal")" \
    "$(tail -1 "$OUT/$run/batch.log")"
fi

# --------------------------------------------------------------- 6. outcomes
# The population lives in its own cluster under $BUILD/bench/pop, kept
# between runs while the migrations, the generator and the size are the
# same (generating and refreshing 100,000 enrolments takes minutes).
if want outcomes; then
  npop=${BENCH_POPULATION:-100000}
  # the issue's two scales: 100,000 enrolments at 50 sites, 1,000,000 at 200
  nsites_pop=$(awk -v n="$npop" 'BEGIN { print (n >= 1000000 ? 200 : 50) }')
  POP=$BB/pop
  key=$( (cat deploy/sql/*.sql scripts/gen-population.sh scripts/gen-population.sql; echo "$npop $nsites_pop") | sha1sum | cut -c1-16)
  reuse=0
  if [ -f "$POP/key" ] && [ "$(cat "$POP/key")" = "$key" ] &&
     PGLOCAL_DIR=$POP/pg scripts/pg-local.sh start >"$OUT/pop-start.log" 2>&1; then
    reuse=1
  else
    PGLOCAL_DIR=$POP/pg scripts/pg-local.sh destroy >/dev/null 2>&1 || true
    rm -rf "$POP"
    mkdir -p "$POP"
    PGLOCAL_DIR=$POP/pg scripts/pg-local.sh start >"$OUT/pop-start.log" 2>&1 || die "outcomes: cannot start the population cluster"
  fi
  POPDB=$(PGLOCAL_DIR=$POP/pg scripts/pg-local.sh conninfo)
  trap 'cleanup; PGLOCAL_DIR=$POP/pg scripts/pg-local.sh stop fast >/dev/null 2>&1 || true' EXIT
  if [ "$reuse" = 0 ]; then
    RUGLAB_DB=$POPDB ruglab db migrate >"$OUT/pop-migrate.log" 2>&1 || die "outcomes: migration failed"
    t0=$(now)
    scripts/gen-population.sh --db "$POPDB" --seed 1 --sites "$nsites_pop" --enrolments "$npop" >"$OUT/gen-population.log" 2>&1 ||
      { tail "$OUT/gen-population.log"; die "outcomes: the population generator failed"; }
    gen=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
    t0=$(now)
    RUGLAB_DB=$POPDB ruglab-outcomes refresh >"$OUT/outcomes-refresh.log" 2>&1 ||
      { tail "$OUT/outcomes-refresh.log"; die "outcomes: refresh failed"; }
    refresh=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
    echo "$gen $refresh $(date -u +%FT%TZ)" >"$POP/times"
    echo "$key" >"$POP/key"
  fi
  read -r gen refresh gen_at <"$POP/times"
  nenrol=$(psql -X -At "$POPDB user=ruglab_quality" -c "SELECT count(*) FROM quality.enrolment")
  nsites=$(psql -X -At "$POPDB user=ruglab_quality" -c "SELECT count(DISTINCT site_code) FROM quality.enrolment" 2>/dev/null || echo "?")
  # every question of the quality team over the whole population, each
  # against one plain scan of quality.outcome in the same run; targets
  # < 250 ms at 100,000 enrolments, < 1 s at 1,000,000 (BENCH_POPULATION)
  scan=$(median_time 3 psql -X -At "$POPDB user=ruglab_quality" -c "SELECT count(*), sum(change) FROM quality.outcome")
  target=$(awk -v n="$nenrol" 'BEGIN { print (n >= 1000000 ? 1 : 0.25) }')
  qrow() { # name, what, seconds
    row "$1" "$2" "$3" "s" "$scan" "one scan of quality.outcome" "$(ratio "$3" "$scan")" \
      "median of 3; target < $target s: $(awk -v x="$3" -v t="$target" 'BEGIN { print (x < t ? "met" : "NOT met") }')"
  }
  for g in cohort site year programme route indication sex age-band; do
    t=$(median_time 3 ruglab-outcomes --db "$POPDB" summary --by "$g") || die "outcomes: summary --by $g failed"
    qrow "outcomes_$g" "outcomes summary --by $g" "$t"
  done
  t=$(median_time 3 ruglab-outcomes --db "$POPDB" cohorts) || die "outcomes: cohorts failed"
  qrow outcomes_cohorts "outcomes cohorts" "$t"
  read -r s1 s2 < <(psql -X -At "$POPDB user=ruglab_quality" -c \
    "SELECT string_agg(site_code, ' ') FROM (SELECT DISTINCT site_code FROM quality.enrolment ORDER BY 1 LIMIT 2) s")
  t=$(median_time 3 ruglab-outcomes --db "$POPDB" compare "$s1" "$s2") || die "outcomes: compare failed"
  qrow outcomes_compare_sites "outcomes compare (two sites)" "$t"
  c12=$(psql -X -At "$POPDB user=ruglab_quality" -c \
    "SELECT string_agg(site_code || '/' || cohort_code, ' ') FROM (SELECT DISTINCT site_code, cohort_code FROM quality.enrolment WHERE cohort_code IS NOT NULL ORDER BY 1, 2 LIMIT 2) c")
  # shellcheck disable=SC2086
  t=$(median_time 3 ruglab-outcomes --db "$POPDB" compare $c12) || die "outcomes: compare of cohorts failed"
  qrow outcomes_compare_cohorts "outcomes compare (two cohorts)" "$t"
  t=$(median_time 3 ruglab-outcomes --db "$POPDB" chart run --measure odi --out "$OUT/outcomes-run.svg") || die "outcomes: chart run failed"
  qrow outcomes_chart_run "outcomes chart run (every cohort, gnuplot SVG)" "$t"
  t=$(median_time 3 ruglab-outcomes --db "$POPDB" chart box --measure odi --by site --out "$OUT/outcomes-box.svg") || die "outcomes: chart box failed"
  qrow outcomes_chart_box "outcomes chart box --by site (gnuplot SVG)" "$t"
  # the refresh (migration 600): a full one, and an incremental one after
  # 100 enrolments changed (a no-op UPDATE marks them through the triggers
  # of 506, as any change does), each against one plain scan of
  # quality.outcome
  t=$(median_time 1 ruglab-outcomes --db "$POPDB" refresh --full) || die "outcomes: refresh --full failed"
  row outcomes_refresh_full "refresh --full of $nenrol enrolments" "$t" "s" "$scan" "one scan of quality.outcome" "$(ratio "$t" "$scan")" \
    "one run; target < 30 s: $(awk -v x="$t" 'BEGIN { print (x < 30 ? "met" : "NOT met") }')"
  inc() {
    psql -X -q -At -v ON_ERROR_STOP=1 "$POPDB user=ruglab_admin" -c "UPDATE clinical.enrolment SET route = route
      WHERE enrolment_id IN (SELECT enrolment_id FROM clinical.enrolment ORDER BY random() LIMIT 100)" >/dev/null || return 1
    local t0; t0=$(now)
    ruglab-outcomes --db "$POPDB" refresh >"$OUT/outcomes-incremental.log" || return 1
    grep -q "; 100 enrolments recomputed (incremental)" "$OUT/outcomes-incremental.log" || { cat "$OUT/outcomes-incremental.log" >&2; return 1; }
    awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }'
  }
  t=$(for k in 1 2 3; do inc || exit 1; done | sort -n | sed -n 2p) || die "outcomes: incremental refresh failed"
  [ -n "$t" ] || die "outcomes: incremental refresh failed"
  row outcomes_refresh_incremental "incremental refresh after 100 enrolments change" "$t" "s" "$scan" "one scan of quality.outcome" "$(ratio "$t" "$scan")" \
    "median of 3; target < 1 s: $(awk -v x="$t" 'BEGIN { print (x < 1 ? "met" : "NOT met") }')"
fi

# --------------------------------------------------------------- 7. web
# ruglab-web's physician pages under 50 concurrent clients (wrk -t2 -c50):
# one site of 2,000 enrolments made by gen-population over the last year
# (names added to its subjects; the letters of the programmes that ended
# more than 30 days ago recorded as sent, as on a site that sends its
# reports, so the worklist holds the running programmes and the reports
# pending), the worklist and the programme page of one patient.
# ruglab-web runs with 8 worker threads and 8 connections per role: wrk's
# 50 connections are multiplexed on the threads (libmicrohttpd's epoll per
# thread) and wait for a free one; more threads than that only add
# contention on a machine whose database has as few cores (2 here).
# Baseline, in the same run: the pages' own SQL as the server times it
# (log_min_duration_statement = 0 for the clinician role over 20
# sequential requests of each page, summed per request: parse, bind and
# execute of every statement the page sends, the model's included).
if want web; then
  command -v wrk >/dev/null || die "wrk not installed (scripts/install-deps.sh)"
  command -v ruglab-web >/dev/null || die "ruglab-web not built (run make bench)"
  run=web
  mkdir -p "$OUT/$run"
  today=$(date -u +%F)
  t0=$(now)
  scripts/gen-population.sh --db "$RUGLAB_DB" --seed 14 --sites 1 --enrolments 2000 --years 1 \
    --until "$today" --site-prefix web-s >"$OUT/$run/gen.log" 2>&1 || die "web: gen-population failed: $(tail -3 "$OUT/$run/gen.log")"
  q "INSERT INTO identity.patient (subject_id, insz, family_name, given_name, date_of_birth)
     SELECT s.subject_id, (90000000000 + s.subject_id)::text, 'Webbench' || s.subject_id, 'Test', '1970-01-01'
     FROM clinical.subject s JOIN clinical.site si ON si.site_id = s.site_id
     WHERE si.code = 'web-s01' AND NOT EXISTS (SELECT 1 FROM identity.patient p WHERE p.subject_id = s.subject_id);
     INSERT INTO clinical.report_issued (enrolment_id, kind, lang, sha256, generated_by, via)
     SELECT e.enrolment_id, 'letter', 'nl', repeat('0', 64), 'bench', 'batch'
     FROM clinical.enrolment e JOIN clinical.site si ON si.site_id = e.site_id
     WHERE si.code = 'web-s01' AND e.end_date < current_date - 30;
     ANALYZE clinical.enrolment, clinical.subject, identity.patient, clinical.session, clinical.report_issued,
             meas.test_trial, meas.questionnaire_response;" >/dev/null
  nweb=$(q "SELECT count(*) FROM clinical.enrolment e JOIN clinical.site si USING (site_id) WHERE si.code = 'web-s01'")
  # the patient: the most recent programme with tests at start and end and questionnaires
  eid=$(q "SELECT e.enrolment_id FROM clinical.enrolment e JOIN clinical.site si USING (site_id)
           WHERE si.code = 'web-s01' AND e.status = 'completed'
             AND (SELECT count(DISTINCT session_id) FROM meas.test_trial t WHERE t.enrolment_id = e.enrolment_id) = 2
             AND EXISTS (SELECT 1 FROM meas.questionnaire_response r WHERE r.enrolment_id = e.enrolment_id)
           ORDER BY e.end_date DESC, e.enrolment_id LIMIT 1")
  [ -n "$eid" ] || die "web: no enrolment with tests in the generated site"
  cold=$(q "SELECT e.enrolment_id FROM clinical.enrolment e JOIN clinical.site si USING (site_id)
            WHERE si.code = 'web-s01' AND e.status = 'completed' AND e.enrolment_id <> $eid
              AND EXISTS (SELECT 1 FROM meas.test_trial t WHERE t.enrolment_id = e.enrolment_id)
            ORDER BY e.end_date DESC, e.enrolment_id LIMIT 1")
  pw='bench web password 2026'
  printf '%s\n' "$pw" | ruglab user add bench-doc --role physician --site web-s01 >/dev/null
  # ruglab-web ends a session at its first account re-read (10 s) when the
  # password was set in the second of the sign-in (counted as after it):
  # the sign-in waits for the next second
  sleep 1
  note "web: $nweb enrolments on site web-s01 in $(fmt "$(awk -v a="$t0" -v b="$(now)" 'BEGIN{print b-a}')") s; programme page of enrolment $eid"
  WPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  WB=http://127.0.0.1:$WPORT
  cat >"$OUT/$run/web.conf" <<CONF
[web]
listen = 127.0.0.1:$WPORT
threads = 8
templates_dir = $root/deploy/web/templates
static_dir = $root/deploy/web/static
log_level = warn
[database]
conninfo = $RUGLAB_DB
pool_size = 8
CONF
  ruglab-web --config "$OUT/$run/web.conf" >"$OUT/$run/web.log" 2>&1 &
  web_pid=$!
  PIDS+=("$web_pid")
  deadline=$((SECONDS + 30))
  until grep -q READY "$OUT/$run/web.log" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] && kill -0 "$web_pid" 2>/dev/null || die "web: ruglab-web did not start: $(cat "$OUT/$run/web.log")"
    sleep 0.05
  done
  jar=$OUT/$run/cookies
  tok=$(curl -sS -c "$jar" -b "$jar" "$WB/signin" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -sS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$tok" --data-urlencode "name=bench-doc" \
    --data-urlencode "password=$pw" "$WB/signin" || die "web: sign-in failed"
  sid=$(awk '$6 == "ruglab_session" { print $7 }' "$jar")
  [ -n "$sid" ] || die "web: no session cookie after sign-in: $(tail -3 "$OUT/$run/web.log")"
  get() { curl -sS -o "$OUT/$run/page.html" -w '%{http_code} %{time_total}\n' -H "Cookie: ruglab_session=$sid" "$WB$1"; }
  # baseline: the server's own time of the pages' SQL (every statement the
  # clinician role sends: parse, bind, execute), logged for this phase only
  PGLOG=$BB/pg/postgresql.log
  su_q() { psql -X -q -At -v ON_ERROR_STOP=1 "$RUGLAB_DB user=postgres" -c "$1" >/dev/null; }
  sql_sum() {  # FROM [GREP]: ms of the clinician's statements logged since byte FROM
    tail -c +"$(($1 + 1))" "$PGLOG" | grep 'ruglab_clinician@.* duration: ' | grep -e "${2:-.}" |
      sed 's/.* duration: \([0-9.]*\) ms.*/\1/' | awk '{ s += $1 } END { printf "%.2f\n", s }'
  }
  su_q "ALTER SYSTEM SET log_min_duration_statement = 0"; su_q "SELECT pg_reload_conf()"
  sleep 0.2  # the backends read the reloaded setting before their next statement
  # the first worklist reads the site's list (kept worklist_max_age_s after)
  from=$(stat -c %s "$PGLOG")
  read -r code wl_cold_s < <(get /worklist)
  [ "$code" = 200 ] || die "web: /worklist answered $code"
  sql_list=$(sql_sum "$from" 'v_worklist w')
  # the first programme page draws the charts (later ones take them from the cache)
  read -r code cold_s < <(get "/programme/$cold")
  [ "$code" = 200 ] || die "web: /programme/$cold answered $code"
  # warm: each pooled connection plans its prepared statements in its first uses
  for k in $(seq 1 20); do get "/programme/$eid" >/dev/null; get /worklist >/dev/null; done
  rows=$(grep -c 'class="patient"' "$OUT/$run/page.html" || true)
  read -r code _ < <(get "/programme/$eid")
  [ "$code" = 200 ] || die "web: /programme/$eid answered $code"
  from=$(stat -c %s "$PGLOG")
  for k in $(seq 1 20); do get /worklist >/dev/null; done
  # (a re-read of the list in these 20, when 15 s passed, is left out: timed above)
  sql_wl=$(awk -v s="$(sql_sum "$from")" -v l="$(sql_sum "$from" 'v_worklist w')" 'BEGIN { printf "%.2f", (s - l) / 20 }')
  from=$(stat -c %s "$PGLOG")
  for k in $(seq 1 20); do get "/programme/$eid" >/dev/null; done
  sql_pg=$(awk -v s="$(sql_sum "$from")" 'BEGIN { printf "%.2f", s / 20 }')
  su_q "ALTER SYSTEM RESET log_min_duration_statement"; su_q "SELECT pg_reload_conf()"
  dur=$([ "$QUICK" = 1 ] && echo 5 || echo 10)
  # wrk_run NAME PATH: p50 p99 (ms), requests, req/s, non-2xx/3xx, socket errors
  wrk_run() {
    local f=$OUT/$run/wrk-$1.txt
    wrk -t2 -c50 -d"${dur}s" --latency -H "Cookie: ruglab_session=$sid" "$WB$2" >"$f" 2>&1 || die "web: wrk failed: $(cat "$f")"
    awk '
      function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
      /^ +50% / { p50 = ms($2) } /^ +99% / { p99 = ms($2) }
      / requests in / { n = $1 } /^Requests\/sec:/ { rps = $2 }
      /Non-2xx or 3xx responses:/ { bad = $NF }
      /Socket errors:/ { gsub(",", ""); sock = $4 + $6 + $8 + $10 }
      END { printf "%.1f %.1f %d %.0f %d %d\n", p50, p99, n, rps, bad, sock }' "$f"
  }
  for spec in "worklist /worklist $sql_wl" "programme /programme/$eid $sql_pg"; do
    set -- $spec
    read -r p50 p99 n rps bad sock < <(wrk_run "$1" "$2")
    [ "$n" -gt 0 ] || die "web: wrk made no request on $2: $(cat "$OUT/$run/wrk-$1.txt")"
    # a session lost during the run would be 303s, which wrk counts as success
    read -r code _ < <(get "$2")
    [ "$code" = 200 ] || die "web: $2 answered $code after the run"
    errs=$((bad + sock))
    verdict=$(awk -v x="$p99" -v e="$errs" 'BEGIN { print (x < 100 && e == 0 ? "met" : "NOT met") }')
    what="web $1 p99, 50 clients"
    [ "$1" = worklist ] && extra="$rows rows on its first page; the site's list read every 15 s" || extra="enrolment $2, charts from the cache"
    row "web_$1_p99" "$what" "$p99" "ms" "$3" "page's SQL, ms" "$(ratio "$p99" "$3")" \
      "target p99 < 100 ms, no errors: $verdict; p50 $p50 ms, $n requests ($rps/s) in ${dur} s, errors: non-2xx $bad, socket $sock; $extra; 8 threads, 8 connections"
  done
  wl_cold_ms=$(awk -v s="$wl_cold_s" 'BEGIN { printf "%.1f", s * 1000 }')
  row web_worklist_list "web worklist, the site's list read" "$wl_cold_ms" "ms" "$sql_list" "its SQL, ms" "$(ratio "$wl_cold_ms" "$sql_list")" \
    "one request with the list not kept: clinical.v_worklist over $nweb enrolments, kept worklist_max_age_s (15 s) for the next requests"
  cold_ms=$(awk -v s="$cold_s" 'BEGIN { printf "%.1f", s * 1000 }')
  row web_programme_cold "web programme page, charts drawn" "$cold_ms" "ms" "$sql_pg" "page's SQL, ms" "$(ratio "$cold_ms" "$sql_pg")" \
    "one request, enrolment $cold: the model, gnuplot's five charts, the page (later requests take the charts from the cache)"
  kill -TERM "$web_pid"
  wait "$web_pid" || die "web: ruglab-web exited non-zero: $(tail -3 "$OUT/$run/web.log")"
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
