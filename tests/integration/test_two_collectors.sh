# Two collectors on one database, exactly once under faults: ten
# ruglab-agents run the Tergumed simulator, each configured with both
# collectors (devices 1-5 prefer collector A, 6-10 collector B). Collector
# A is killed with SIGKILL and restarted twice, PostgreSQL is restarted
# once and collector B hangs a while (SIGSTOP, SIGCONT) during the run:
# the devices fail over to the other collector, resend there what the
# first had not acknowledged, and return to their first once it is back.
# Afterwards every measurement generated is in the database exactly once
# whichever collector took it (per device: counts per table and a
# checksum of the stream the simulator's dry run prints against the table
# contents), every spool is empty and both collectors stored part of the
# data; both collectors' metrics are scraped during the run, the agents
# count their switches in their textfiles. At the end a revoked device is
# refused by both collectors.
#
# Before that: the shared deduplication itself (a message whose key
# another transaction, another collector's batch, holds open is
# acknowledged DUPLICATE when that transaction commits, ACCEPTED when it
# rolls back, and never dead-lettered while it waits); the agent's list
# of collectors as --check-config reads it; an agent none of whose
# collectors answers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agents_lib.sh"

t_pg_start
pg() { PGLOCAL_DIR=$T_PG "$T_ROOT/scripts/pg-local.sh" "$@" >/dev/null 2>&1; }
EP_A=tcp://127.0.0.1:$(t_free_port)
EP_B=tcp://127.0.0.1:$(t_free_port)
N_AGENTS=10
DEVICES=$(seq -f 'dev-%02g' 1 $N_AGENTS)

t_seed_patient 30
t_make_keys az-test $DEVICES
# One key pair for both collectors: a device knows one server_public_key.
# Each serves its metrics on a port of its own (the same port after a restart).
M_A=127.0.0.1:$(t_free_port)
M_B=127.0.0.1:$(t_free_port)
t_collector_conf collector-a "$EP_A" "status_interval_s = 1" "metrics_listen = $M_A" "[database]" "reconnect_max_ms = 500" >"$T_TMP/a.conf"
t_collector_conf collector-b "$EP_B" "status_interval_s = 1" "metrics_listen = $M_B" "[database]" "reconnect_max_ms = 500" >"$T_TMP/b.conf"

# start_collector A|B: starts collector A or B (log collector-X-N.log),
# waits for READY; its pid in CPID[X].
declare -A CPID CN
CN[a]=0
CN[b]=0
CN[held]=0
start_collector() {
  CN[$1]=$((CN[$1] + 1))
  local log=$T_TMP/collector-$1-${CN[$1]}.log
  t_bg "$log" ruglab-collector --config "$T_TMP/$1.conf"
  CPID[$1]=$T_LAST_PID
  t_wait_line "$log" "READY" 20
}
kill_collector() {
  kill -KILL "${CPID[$1]}" 2>/dev/null
  wait "${CPID[$1]}" 2>/dev/null
}

# --- the shared deduplication with a transaction open on the same key
# A batch of another collector, held open: it claims the key of dev-01's
# message 1 of boot 77 (or 78), waits, then commits (or rolls back).
held_claim() {  # BOOT COMMIT|ROLLBACK
  psql -X -q -v ON_ERROR_STOP=1 "$RUGLAB_DB user=ruglab_collector" >"$T_TMP/claim-$1.out" 2>&1 <<SQL
BEGIN;
INSERT INTO meas.message_key (device_id, boot_id, seq, stored_in) VALUES ('dev-01', $1, 1, 'training_set');
SELECT pg_sleep(3);
$2;
SQL
}
T=$(( $(date +%s) - 60 ))000000
set_msg() {  # BOOT SEQ
  echo "{\"kind\": \"training_set\", \"boot_id\": $1, \"seq\": $2, \"taken_at_us\": $T, \"session_id\": \"s-held\", \"patient_token\": \"RB-0001\", \"direction\": \"flexion\", \"set_number\": $2, \"load_nm\": 40, \"repetitions\": 10, \"range_min_deg\": -10, \"range_max_deg\": 40, \"time_under_tension_s\": 30}"
}
# A collector of its own for this part, whose waits on the held key run
# into a lock timeout: such a wait is tried again, not turned into a dead
# letter.
t_psql postgres "ALTER ROLE ruglab_collector SET lock_timeout = '400ms'" >/dev/null
EP=tcp://127.0.0.1:$(t_free_port)
t_collector_conf collector-held "$EP" "[database]" "reconnect_max_ms = 300" >"$T_TMP/held.conf"
start_collector held || { t_done; exit 1; }
for held in "77 COMMIT DUPLICATE" "78 ROLLBACK ACCEPTED"; do
  read -r boot end want <<<"$held"
  held_claim "$boot" "$end" &
  claim=$!
  t_wait_for "the held claim of boot $boot is open" 10 bash -c \
    "[ \"\$(psql -X -At '$RUGLAB_DB user=postgres' -c \"SELECT count(*) FROM pg_stat_activity WHERE usename = 'ruglab_collector' AND state = 'active' AND query LIKE '%pg_sleep(3)%'\")\" -gt 0 ]"
  out=$( (set_msg "$boot" 1; set_msg "$boot" 2) | t_send dev-01 --timeout-ms 20000); rc=$?
  wait $claim; claim_rc=$?
  t_is "boot $boot: the held claim ran ($end)" "$claim_rc" 0
  t_is "boot $boot: rl-send got its acknowledgements" "$rc" 0
  t_match "boot $boot: message 1 is $want once the other transaction ends ($end)" "$out" "ack $boot 1 ${want,,} "
  t_match "boot $boot: message 2 (no other claim) is ACCEPTED" "$out" "ack $boot 2 accepted "
done
t_is "the held key: stored once (rolled back), not at all (committed elsewhere)" \
  "$(t_psql ruglab_admin "SELECT string_agg(boot_id || ':' || seq, ' ' ORDER BY boot_id, seq) FROM meas.training_set WHERE device_id = 'dev-01'")" \
  "77:2 78:1 78:2"
t_is "waiting on another transaction made no dead letter" "$(t_psql ruglab_admin "SELECT count(*) FROM meas.dead_letter")" 0
t_match "the collector said it tries the batch again" "$(cat "$T_TMP"/collector-held-1.log)" "lock timeout"
kill -TERM "${CPID[held]}"
wait "${CPID[held]}"
t_is "the collector of this part stopped cleanly" "$?" 0
t_psql postgres "ALTER ROLE ruglab_collector RESET lock_timeout" >/dev/null
start_collector a || { t_done; exit 1; }
start_collector b || { t_done; exit 1; }

# --- ten agents, two collectors, faults
# Each agent simulates a short programme (three test sessions one after
# the other, 100 Hz curves) with its own seed: about 52 simulated minutes
# in about 26 seconds, so that the faults fall while data flows.
START=$(date -u -d '3 days ago' +%Y-%m-%dT%H:%M:%SZ)
mkdir -p "$T_TMP/prom"
i=0
for d in $DEVICES; do
  i=$((i + 1))
  if [ $i -le 5 ]; then eps="$EP_A, $EP_B"; else eps="$EP_B,$EP_A"; fi
  EP=$eps
  al_sim_conf "$d" "$i" "failover_ms = 1000
failback_ms = 1500
[agent]
metrics_textfile = $T_TMP/prom/$d.prom" "days_between_sessions = 0.012
session_minutes = 0
time_factor = 120" >"$T_TMP/$d.conf"
  al_expect "$d"
done
t_check "the agents take the list of two collectors" ruglab-agent --config "$T_TMP/dev-01.conf" --check-config
t_fails_with "an empty endpoint in the list is refused" "collector .*empty" \
  ruglab-agent --config "$T_TMP/dev-01.conf" --collector "$EP_A,,$EP_B" --check-config
t_fails_with "an endpoint listed twice is refused" "listed twice" \
  ruglab-agent --config "$T_TMP/dev-01.conf" --collector "$EP_A,$EP_A" --check-config
t_fails_with "an endpoint ZeroMQ cannot read is refused" "cannot connect to nowhere" \
  ruglab-agent --config "$T_TMP/dev-01.conf" --collector "$EP_A,nowhere" --check-config

# No collector answers: each switch is said once, then once that none
# answers, then only at debug level (no warning every failover_ms).
DOWN_EPS="tcp://127.0.0.1:$(t_free_port),tcp://127.0.0.1:$(t_free_port)"
sed -e 's/^failover_ms = .*/failover_ms = 200/' -e '/^metrics_textfile/d' "$T_TMP/dev-01.conf" >"$T_TMP/down.conf"
t_bg "$T_TMP/agent-down.log" ruglab-agent --config "$T_TMP/down.conf" --spool "$T_TMP/spool-down" \
  --collector "$DOWN_EPS" --log-level debug
down=$T_LAST_PID
t_wait_for "the agent tried both collectors three times over" 20 bash -c \
  "[ \$(grep -c 'debug: .*switching to collector' '$T_TMP/agent-down.log') -ge 6 ]"
kill -TERM $down
wait $down
t_is "the agent with no collector stops cleanly" "$?" 0
t_is "no collector answers: two switches said, then that none answers, once" \
  "$(grep -cE 'warn: .*(switching to collector|none of the 2 collectors answers)' "$T_TMP/agent-down.log")" 3

# shellcheck disable=SC2086
al_start $DEVICES

A_DEVICES=$(seq -f 'dev-%02g' 1 5 | tr '\n' ' ')
B_DEVICES=$(seq -f 'dev-%02g' 6 10 | tr '\n' ' ')
# count_lines DEVICES REGEX: per device, the lines of its log matching REGEX
count_lines() {
  local d
  for d in $1; do grep -cE "$2" "$T_TMP/agent-$d.log"; done | tr '\n' ' '
}
# wait_more DEVICES REGEX BEFORE DESC: until each device logged REGEX more
# often than the counts BEFORE (of count_lines)
wait_more() {
  t_wait_for "$4" 30 bash -c "before=($3); i=0; for d in $1; do [ \$(grep -cE '$2' $T_TMP/agent-\$d.log) -gt \${before[\$i]} ] || exit 1; i=\$((i + 1)); done"
}
# left FROM TO / back FROM TO: the agents' lines when they leave collector
# FROM for TO, or return to FROM from TO
left() { echo "collector $1 (is not reachable|acknowledges nothing); switching to collector $2"; }
back() { echo "collector $1 answers again: back to it from collector $2"; }
# fault DEVICES REGEX DESC CMD...: runs CMD, then waits until each of
# DEVICES logged REGEX once more
fault() {
  local devs=$1 re=$2 desc=$3 before
  shift 3
  before=$(count_lines "$devs" "$re")
  "$@"
  al_note "$*"
  wait_more "$devs" "$re" "$before" "$desc"
  al_note "$desc"
}

al_wait_pct 10
fault "$A_DEVICES" "$(left "$EP_A" "$EP_B")" "devices 1-5 moved to collector B" kill_collector a
al_wait_pct 25
fault "$A_DEVICES" "$(back "$EP_A" "$EP_B")" "devices 1-5 back on collector A" start_collector a
pg stop immediate
al_note "pg stop immediate"
pg start
al_note "pg started"
al_wait_pct 40
# a collector that hangs (SIGSTOP): connected, but it acknowledges nothing
fault "$B_DEVICES" "collector $EP_B acknowledges nothing; switching to collector $EP_A" \
  "devices 6-10 moved to collector A" kill -STOP "${CPID[b]}"
fault "$B_DEVICES" "$(back "$EP_B" "$EP_A")" "devices 6-10 back on collector B" kill -CONT "${CPID[b]}"
al_wait_pct 55
fault "$A_DEVICES" "$(left "$EP_A" "$EP_B")" "devices 1-5 moved to collector B again" kill_collector a
al_wait_pct 70
fault "$A_DEVICES" "$(back "$EP_A" "$EP_B")" "devices 1-5 back on collector A again" start_collector a
al_note "$(al_stored) of $AL_TOTAL measurements stored"

# Both collectors' metrics during the run: the database is up again after
# its restart, and each has committed measurements in its current life.
for c in A B; do
  url=http://$([ $c = A ] && echo "$M_A" || echo "$M_B")/metrics
  t_is "collector $c's metrics: database up" "$(t_scrape "$url" ruglab_collector_database_up)" 1
  t_wait_for "collector $c's metrics: measurements committed" 10 bash -c \
    "[ \"\$(curl -sf --max-time 5 $url | awk '\$1 == \"ruglab_collector_committed_total\" {print \$2}')\" -gt 0 ]" &&
    t_ok "collector $c's metrics: measurements committed"
done

al_wait_agents
t_is "collector A was killed and restarted twice" "${CN[a]}" 3

for d in $DEVICES; do
  al_check_exactly_once "$d"
done
t_is "every key the agents' messages claimed is a stored measurement" \
  "$(t_psql ruglab_admin "SELECT (SELECT count(*) FROM meas.message_key WHERE boot_id NOT IN (77, 78)) = (SELECT count(*) FROM meas.test_trial) + (SELECT count(*) FROM meas.sample_batch) + (SELECT count(*) FROM meas.session_event) + (SELECT count(*) FROM meas.training_set WHERE boot_id NOT IN (77, 78)) + (SELECT count(*) FROM meas.questionnaire_response WHERE source = 'device')")" t
t_is "nothing was dead-lettered" "$(t_psql ruglab_admin "SELECT count(*) FROM meas.dead_letter")" 0

# Collector B ran the whole time: once idle, its committed counter is the
# one in its meas.collector_status row (written every second).
t_wait_for "collector B's metrics and its status row agree on what it committed" 10 bash -c \
  "m=\$(curl -sf --max-time 5 http://$M_B/metrics | awk '\$1 == \"ruglab_collector_committed_total\" {print \$2}');
   d=\$(psql -X -At '$RUGLAB_DB user=ruglab_admin' -c \"SELECT committed FROM meas.collector_status WHERE collector = 'collector-b'\");
   [ -n \"\$m\" ] && [ \"\$m\" -gt 0 ] && [ \"\$m\" = \"\$d\" ]" &&
  t_ok "collector B's metrics and its status row agree on what it committed"

# both collectors took part: each committed measurements and counted them
t_is "each collector has its own status row, with measurements committed" \
  "$(t_psql ruglab_admin "SELECT string_agg(collector || ':' || (committed > 0), ' ' ORDER BY collector) FROM meas.collector_status WHERE collector <> 'collector-held'")" \
  "collector-a:true collector-b:true"
a_logs=$(cat "$T_TMP"/agent-dev-0[1-5].log)
t_match "devices 1-5 said they left collector A because it was not reachable" "$a_logs" "collector $EP_A is not reachable; switching to collector $EP_B"
switches() {  # DEVICE: its ruglab_agent_collector_switches_total at exit
  sed -n "s/^ruglab_agent_collector_switches_total{device=\"$1\"} \([0-9]*\)$/\1/p" "$T_TMP/prom/$1.prom"
}
t_is "the agents' textfiles count the switches (dev-01: at least 2 kills x away and back; dev-06: the hang, away and back)" \
  "$([ "$(switches dev-01)" -ge 4 ] && [ "$(switches dev-06)" -ge 2 ] && echo yes)" yes
t_is "the devices' last collector in device_status (1-5: A, 6-10: B)" \
  "$(t_psql ruglab_admin "SELECT string_agg(collector, ' ' ORDER BY device_id) FROM meas.device_status WHERE device_id LIKE 'dev-%'")" \
  "$(printf 'collector-a %.0s' 1 2 3 4 5)$(printf 'collector-b %.0s' 1 2 3 4)collector-b"

# --- revocation reaches every collector: each reloads the allow-list
t_check "device revoke" ruglab device revoke dev-10 --reason "replaced"
for c in a b; do
  t_wait_line "$T_TMP/collector-$c-${CN[$c]}.log" "dev-10 revoked: refused from now on" 5  # the 1 s refresh
  ep=$EP_A
  [ $c = a ] || ep=$EP_B
  out=$(EP=$ep; set_msg 1 1 | t_send dev-10 --timeout-ms 1500)
  t_match "collector ${c^^} refuses the revoked device's handshake" "$out" "handshake refused"
done
t_done
