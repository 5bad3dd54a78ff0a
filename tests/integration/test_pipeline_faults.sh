# Exactly once through the whole pipeline under faults: ten ruglab-agents
# run the Tergumed simulator (tests in six directions, raw curves) into one
# ruglab-collector while the test kills the collector with SIGKILL three
# times, restarts PostgreSQL twice (immediate and fast) and SIGKILLs one
# agent mid-stream and restarts it. Afterwards every measurement generated
# is in the database exactly once (per device: counts per table and a
# checksum of the generated stream against the table contents) and every
# agent's spool is empty.
. "$(dirname "$0")/lib.sh"

t_pg_start
pg() { PGLOCAL_DIR=$T_PG "$T_ROOT/scripts/pg-local.sh" "$@" >/dev/null 2>&1; }
EP=tcp://127.0.0.1:$(t_free_port)
N_AGENTS=10
DEVICES=$(seq -f 'dev-%02g' 1 $N_AGENTS)

t_seed_patient 30
t_make_keys az-test $DEVICES
t_collector_conf fault-collector "$EP" "[database]" "reconnect_max_ms = 500" >"$T_TMP/collector.conf"

# Each agent simulates a short programme (three test sessions, 100 Hz
# curves) with its own seed, a few simulated days in about 15 seconds.
START=$(date -u -d '3 days ago' +%Y-%m-%dT%H:%M:%SZ)
i=0
for d in $DEVICES; do
  i=$((i + 1))
  cat >"$T_TMP/$d.conf" <<CONF
[agent]
device_id = $d
driver = simulator
drain_timeout_s = 50
[spool]
dir = $T_TMP/spool-$d
$(t_agent_link "$d")
ack_timeout_ms = 2000
reconnect_ivl_ms = 50
reconnect_ivl_max_ms = 500
[simulator]
seed = $i
patients = RB-0001:$([ $((i % 2)) -eq 0 ] && echo M || echo F):$((30 + i * 3)):$((60 + i * 2))
sessions = 3
start = $START
days_between_sessions = 0.01
time_factor = 180
CONF
  ruglab-agent --config "$T_TMP/$d.conf" --dry-run >"$T_TMP/$d.expected" 2>/dev/null
done
total_expected=$(cat "$T_TMP"/*.expected | wc -l)

t_start_collector "$T_TMP/collector.conf" || { t_done; exit 1; }
declare -A PID
for d in $DEVICES; do
  t_bg "$T_TMP/agent-$d.log" ruglab-agent --config "$T_TMP/$d.conf"
  PID[$d]=$T_LAST_PID
done

stored() {
  psql -X -At "$RUGLAB_DB user=ruglab_admin" -c "SELECT (SELECT count(*) FROM meas.test_trial)
    + (SELECT count(*) FROM meas.sample_batch) + (SELECT count(*) FROM meas.session_event)" 2>/dev/null
}
# wait_stored N: until at least N measurements are in the database
wait_stored() {
  t_wait_for "$1 of $total_expected measurements stored" 60 bash -c "[ \"\$(psql -X -At '$RUGLAB_DB user=ruglab_admin' -c 'SELECT (SELECT count(*) FROM meas.test_trial) + (SELECT count(*) FROM meas.sample_batch) + (SELECT count(*) FROM meas.session_event)' 2>/dev/null || echo 0)\" -ge $1 ]"
}
at() { echo $((total_expected * $1 / 100)); }
note() { echo "# ${SECONDS}s: $*"; }

wait_stored "$(at 8)"
note "wait_stored $(at 8)"
t_stop_collector KILL
note "kill_collector"
t_start_collector "$T_TMP/collector.conf"
wait_stored "$(at 20)"
pg stop immediate
note "pg stop immediate"
pg start
wait_stored "$(at 35)"
kill -KILL "${PID[dev-05]}"
wait "${PID[dev-05]}" 2>/dev/null
t_bg "$T_TMP/agent-dev-05-restart.log" ruglab-agent --config "$T_TMP/dev-05.conf"
PID[dev-05]=$T_LAST_PID
wait_stored "$(at 45)"
note "wait_stored $(at 45)"
t_stop_collector KILL
t_start_collector "$T_TMP/collector.conf"
wait_stored "$(at 60)"
pg stop fast
note "pg stop fast"
pg start
wait_stored "$(at 70)"
note "wait_stored $(at 70)"
t_stop_collector KILL
t_start_collector "$T_TMP/collector.conf"

note "waiting for the agents"
failed_agents=""
for d in $DEVICES; do
  wait "${PID[$d]}" || failed_agents="$failed_agents $d"
done
note "agents done"
t_is "every agent sent its programme and exited 0" "$failed_agents" ""
t_is "the collector was killed three times" "$T_COLLECTOR_N" 4
t_match "the killed agent resumed its programme after the restart" "$(cat "$T_TMP/agent-dev-05-restart.log")" "resuming after message [0-9]+"

for d in $DEVICES; do
  exp=$(jq -r '.type' "$T_TMP/$d.expected" | awk '{n[$1]++} END {printf "%d,%d,%d", n["test_result"], n["sample_batch"], n["session_start"] + n["session_end"]}')
  got=$(t_psql ruglab_admin "SELECT (SELECT count(*) FROM meas.test_trial WHERE device_id = '$d') || ',' ||
    (SELECT count(*) FROM meas.sample_batch WHERE device_id = '$d') || ',' ||
    (SELECT count(*) FROM meas.session_event WHERE device_id = '$d')")
  t_is "$d: every measurement stored exactly once (trials, curves, session events)" "$got" "$exp"
  exp_sum=$( (jq -r 'select(.type == "test_result") | "T \(.session_id) \(.direction) \(.trial) \(.rom_deg) \(.max_torque_nm) \(.angle_at_max_deg)"' "$T_TMP/$d.expected"
              jq -r 'select(.type == "sample_batch") | "S \(.session_id) \(.direction) \(.context_number) \(.first_index) \(.angle_deg | map(. * 10 | round | . + 0) | join(",")) \(.torque_nm | map(. * 10 | round | . + 0) | join(","))"' "$T_TMP/$d.expected") | sort | md5sum)
  got_sum=$(t_psql ruglab_admin "SELECT 'T ' || session_id || ' ' || direction || ' ' || trial || ' ' || rom_deg || ' ' || max_torque_nm || ' ' || angle_at_max_deg FROM meas.test_trial WHERE device_id = '$d'
    UNION ALL SELECT 'S ' || session_id || ' ' || direction || ' ' || context_number || ' ' || first_index || ' ' || array_to_string(angle_ddeg, ',') || ' ' || array_to_string(torque_dnm, ',') FROM meas.sample_batch WHERE device_id = '$d'" | sort | md5sum)
  t_is "$d: the stored values are the generated stream (checksum)" "$got_sum" "$exp_sum"
  t_is "$d: the spool is empty" "$(t_spool_segments "$T_TMP/spool-$d")" 0
done
t_is "nothing was dead-lettered" "$(t_psql ruglab_admin "SELECT count(*) FROM meas.dead_letter")" 0
logs=$(cat "$T_TMP"/agent-*.log)
t_match "the agents noticed the lost collector" "$logs" "lost the connection to collector"
t_done
