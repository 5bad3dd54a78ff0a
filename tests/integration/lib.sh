# Shared helpers of the integration tests (sourced). Each test gets a
# throwaway directory and, with t_pg_start, its own PostgreSQL cluster
# started by scripts/pg-local.sh on a free port; everything is stopped on
# exit. Checks print TAP lines; on a failed check the logs of the services
# the test registered (t_log) and of PostgreSQL are printed.
set -uo pipefail

T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
T_BIN=$T_ROOT/$BUILD/bin
export PATH="$T_BIN:$PATH"
T_TMP=$(mktemp -d /tmp/ruglab-test.XXXXXX)
chmod 0755 "$T_TMP"
T_N=0
T_FAILED=0
T_PIDS=()
T_LOGS=()
T_PG=""
T_MOUNTS=()

t_cleanup() {
  local pid
  for pid in "${T_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${T_PIDS[@]}"; do
    wait "$pid" 2>/dev/null
  done
  if [ -n "$T_PG" ]; then
    PGLOCAL_DIR=$T_PG "$T_ROOT/scripts/pg-local.sh" stop immediate >/dev/null 2>&1
  fi
  local m
  for m in "${T_MOUNTS[@]}"; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  if [ "$T_FAILED" -eq 0 ] && [ -z "${KEEP_TMP:-}" ]; then
    rm -rf "$T_TMP"
  else
    echo "# test files kept in $T_TMP"
  fi
}
trap t_cleanup EXIT

# Registers a log file printed when a check fails.
t_log() { T_LOGS+=("$1"); }

t_dump_logs() {
  local f
  for f in "${T_LOGS[@]}" ${T_PG:+"$T_PG/postgresql.log"}; do
    [ -f "$f" ] || continue
    echo "# ---- last lines of $f"
    tail -n 30 "$f" | sed 's/^/#   /'
  done
}

t_ok() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
t_not_ok() {
  T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1))
  echo "not ok $T_N - $1"
  shift
  local line
  for line in "$@"; do echo "#   $line"; done
  t_dump_logs
}

# t_check DESC CMD...: passes when CMD exits 0.
t_check() {
  local desc=$1; shift
  local out
  if out=$("$@" 2>&1); then t_ok "$desc"; else t_not_ok "$desc" "command: $*" "output: ${out:0:2000}"; fi
}

# t_fails DESC CMD...: passes when CMD exits non-zero.
t_fails() {
  local desc=$1; shift
  local out
  if out=$("$@" 2>&1); then t_not_ok "$desc" "command succeeded but should not: $*" "output: ${out:0:2000}"; else t_ok "$desc"; fi
}

# t_fails_with DESC REGEX CMD...: passes when CMD exits non-zero and its output matches REGEX.
t_fails_with() {
  local desc=$1 re=$2; shift 2
  local out
  if out=$("$@" 2>&1); then
    t_not_ok "$desc" "command succeeded but should not: $*" "output: ${out:0:2000}"
  elif [[ "$out" =~ $re ]]; then
    t_ok "$desc"
  else
    t_not_ok "$desc" "failed, but not as expected: ${out:0:2000}" "wanted: /$re/"
  fi
}

# t_is DESC GOT EXPECTED
t_is() {
  if [ "$2" == "$3" ]; then t_ok "$1"; else t_not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}

# t_match DESC TEXT REGEX
t_match() {
  if [[ "$2" =~ $3 ]]; then t_ok "$1"; else t_not_ok "$1" "text:  '${2:0:2000}'" "wanted: /$3/"; fi
}

# t_count DESC REGEX N CMD...: passes when CMD exits 0 and N lines of its
# output match REGEX (grep -E). A command that fails never passes: a crash
# prints nothing, so "no line matches" alone would pass for N = 0.
t_count() {
  local desc=$1 re=$2 want=$3; shift 3
  local out rc
  out=$("$@" 2>"$T_TMP/t_count.err"); rc=$?
  if [ "$rc" -ne 0 ]; then
    t_not_ok "$desc" "command exited with status $rc: $*" "stderr: $(head -c 2000 "$T_TMP/t_count.err")"
    return 1
  fi
  t_is "$desc" "$(grep -cE -- "$re" <<<"$out")" "$want"
}

# Starts this test's own cluster and migrates it; exports RUGLAB_DB.
t_pg_start() {
  T_PG=$T_TMP/pg
  if ! PGLOCAL_DIR=$T_PG "$T_ROOT/scripts/pg-local.sh" start >"$T_TMP/pg-start.log" 2>&1; then
    cat "$T_TMP/pg-start.log"
    t_not_ok "start a throwaway PostgreSQL cluster"
    exit 1
  fi
  RUGLAB_DB=$(PGLOCAL_DIR=$T_PG "$T_ROOT/scripts/pg-local.sh" conninfo)
  export RUGLAB_DB
  if [ "${1:-}" != --no-migrate ]; then
    if ! ruglab db migrate >"$T_TMP/migrate.log" 2>&1; then
      cat "$T_TMP/migrate.log"
      t_not_ok "migrate the throwaway cluster"
      exit 1
    fi
  fi
}

# t_tmpfs DIR SIZE: a small filesystem of its own at DIR (to fill a disk
# for real); unmounted on exit. Needs root, like `make check`'s installs.
t_tmpfs() {
  mkdir -p "$1"
  if ! mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1"; then
    t_not_ok "mount a $2 tmpfs at $1 (the test needs root)"
    exit 1
  fi
  T_MOUNTS+=("$1")
}

# t_psql ROLE SQL: runs SQL as ROLE in the test cluster, prints unaligned rows.
t_psql() {
  local role=$1; shift
  psql -X -q -At -v ON_ERROR_STOP=1 "$RUGLAB_DB user=$role" -c "$1"
}

# t_wait_for DESC TIMEOUT_S CMD...: polls CMD until it succeeds (readiness, not a fixed sleep).
t_wait_for() {
  local desc=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      t_not_ok "$desc (not within ${timeout}s)"
      return 1
    fi
    sleep 0.05
  done
  return 0
}

# t_wait_line FILE REGEX TIMEOUT_S: waits for a line in a log (e.g. READY).
t_wait_line() {
  local file=$1 re=$2 timeout=${3:-30}
  local deadline=$((SECONDS + timeout))
  until grep -qE "$re" "$file" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      t_not_ok "'$re' in $(basename "$file") within ${timeout}s"
      return 1
    fi
    sleep 0.05
  done
  return 0
}

# t_spool_segments DIR: how many segments an agent's spool holds, or
# "no spool in DIR" when DIR is not a spool the agent made (no state file),
# so that "the spool is empty" cannot pass on a missing or misnamed folder.
t_spool_segments() {
  if [ ! -f "$1/state" ]; then
    echo "no spool in $1"
    return
  fi
  find "$1" -maxdepth 1 -name 'seg-*' | wc -l
}

# t_bg LOGFILE CMD...: starts a service in the background, registered for
# cleanup. Its stdin is /dev/null (bash's rule for a background command):
# a redirection given to t_bg does not reach CMD.
t_bg() {
  local log=$1; shift
  t_log "$log"
  "$@" >"$log" 2>&1 &
  T_PIDS+=($!)
  T_LAST_PID=$!
}

# --- the collector, devices and their keys (tests that send measurements)

T_COLLECTOR_N=0

# t_free_port: prints a TCP port of 127.0.0.1 that nothing listens on now.
t_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# t_seed_patient DAYS: site az-test and patient RB-0001 enrolled since
# DAYS days ago, inserted as ruglab_admin (what a device's measurements need).
t_seed_patient() {
  t_psql ruglab_admin "INSERT INTO clinical.site (code, name) VALUES ('az-test', 'AZ Test');
    INSERT INTO clinical.subject (site_id, badge_token, pseudonym, sex) VALUES (1, 'RB-0001', 'PS-0001', 'F');
    INSERT INTO clinical.enrolment (subject_id, site_id, programme_id, indication, route, start_date, age_at_start)
      VALUES (1, 1, 1, 'chronic', 'riziv', current_date - $1, 50)" >/dev/null
}

# t_make_keys SITE DEVICE[:MODEL]...: each DEVICE added at SITE (a
# tergumed-710 unless MODEL is given) with its key pair in $KEYS, and the
# collector's key pair in $CKEY ($T_TMP/keys and $T_TMP/ckey).
t_make_keys() {
  local site=$1 d model; shift
  KEYS=$T_TMP/keys
  CKEY=$T_TMP/ckey
  mkdir -p "$KEYS" "$CKEY"
  for d in "$@"; do
    model=tergumed-710
    [[ "$d" != *:* ]] || model=${d#*:}
    if ! ruglab device add "${d%%:*}" --site "$site" --model "$model" --key-dir "$KEYS" >/dev/null; then
      t_not_ok "add device ${d%%:*} with its key pair"
      exit 1
    fi
  done
  if ! ruglab-collector --gen-key "$CKEY" >/dev/null; then
    t_not_ok "make the collector's key pair"
    exit 1
  fi
}

# t_collector_conf NAME LISTEN [LINE...]: prints a collector configuration
# with the key of t_make_keys; LINEs follow in [collector] or open sections.
t_collector_conf() {
  printf '[collector]\nname = %s\nlisten = %s\nsecret_key_file = %s\n' "$1" "$2" "$CKEY/collector.key_secret"
  shift 2
  [ $# -eq 0 ] || printf '%s\n' "$@"
}

# t_agent_link DEVICE: prints the [link] section of DEVICE's agent
# configuration: the collector at $EP, the keys of t_make_keys.
t_agent_link() {
  printf '[link]\ncollector = %s\nserver_public_key = %s\nsecret_key_file = %s\n' \
    "$EP" "$CKEY/collector.key" "$KEYS/$1.key_secret"
}

# t_start_collector CONF: starts ruglab-collector with CONF and waits for
# READY. Start N logs to $T_TMP/collector-N.log; T_COLLECTOR_N counts the
# starts, T_COLLECTOR_LOG and T_COLLECTOR_PID are the last one's.
t_start_collector() {
  T_COLLECTOR_N=$((T_COLLECTOR_N + 1))
  T_COLLECTOR_LOG=$T_TMP/collector-$T_COLLECTOR_N.log
  t_bg "$T_COLLECTOR_LOG" ruglab-collector --config "$1"
  T_COLLECTOR_PID=$T_LAST_PID
  t_wait_line "$T_COLLECTOR_LOG" "READY" 20
}

# t_stop_collector [SIGNAL]: signals (TERM) the collector started last and
# returns its exit status.
t_stop_collector() {
  kill -"${1:-TERM}" "$T_COLLECTOR_PID" 2>/dev/null
  wait "$T_COLLECTOR_PID" 2>/dev/null
}

# t_collector_endpoint: prints the endpoint the last collector's READY line names.
t_collector_endpoint() {
  sed -n 's/.*READY listening on \(tcp:[^ ]*\).*/\1/p' "$T_COLLECTOR_LOG" | head -1
}

# t_send DEVICE [OPTION...]: the test sender (rl-send) to the collector at
# $EP as DEVICE, with the keys of t_make_keys: JSON lines on stdin, the
# acknowledgements on stdout.
t_send() {
  local dev=$1; shift
  "$T_ROOT/$BUILD/tests/rl-send" --connect "$EP" --key "$KEYS/$dev.key_secret" \
    --server-key "$CKEY/collector.key" --device "$dev" "$@"
}

# --- Prometheus metrics (the collector's [collector] metrics_listen)

# t_metrics_url [LOG]: prints the URL the collector logged ("metrics:
# serving http://ADDRESS:PORT/metrics"), of the last one started by default.
t_metrics_url() {
  sed -n 's/.*serving \(http:[^ ]*\/metrics\).*/\1/p' "${1:-$T_COLLECTOR_LOG}" | head -1
}

# t_scrape URL METRIC: prints the value of one sample of a scrape of URL:
# METRIC is the sample as served, with its labels, e.g.
# 'ruglab_collector_rejected_total{reason="OUT_OF_RANGE"}'. Fails when the
# scrape fails (HTTP error, no answer) or the sample is not in it.
t_scrape() {
  local out
  out=$(curl -sf --max-time 5 "$1") || return 1
  awk -v m="$2" '$1 == m { print $2; found = 1 } END { exit !found }' <<<"$out"
}

# t_prom_wellformed FILE: checks the text exposition format, line by line:
# every line is "# HELP name text", "# TYPE name counter|gauge|histogram"
# or a sample "name{label="value",...} number" whose family (the name, or a
# histogram's name without _bucket, _sum, _count) had a TYPE line before.
# Prints the first bad line and fails; fails on an empty file.
t_prom_wellformed() {
  awk '
    /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* / { next }
    /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram)$/ { type[$3] = $4; next }
    /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? (-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]Inf|NaN)$/ {
      name = $0; sub(/[{ ].*/, "", name); base = name; sub(/_(bucket|sum|count)$/, "", base)
      if (name in type || type[base] == "histogram") { n++; next }
    }
    { print "bad line " NR ": " $0; bad = 1; exit 1 }
    END { if (!bad && n == 0) { print "no samples"; exit 1 } }' "$1"
}

# Ends the test: exit status says whether every check passed.
t_done() {
  echo "1..$T_N"
  [ "$T_FAILED" -eq 0 ]
}
