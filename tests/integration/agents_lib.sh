# Simulated devices under faults (sourced after lib.sh, t_pg_start and
# t_make_keys): ruglab-agents running the Tergumed simulator, what each
# will send from its own dry run, and the exactly-once check of what the
# database holds against it.
#
#   al_sim_conf DEVICE SEED LINK SIM
#                      prints DEVICE's agent configuration: the link of
#                      t_agent_link ($EP) with fast reconnection and the
#                      extra [link] lines LINK, a simulated programme of
#                      three test sessions from $START with seed SEED and
#                      the extra [simulator] lines SIM
#   al_expect DEVICE   DEVICE's dry run ($T_TMP/DEVICE.conf) into
#                      $T_TMP/DEVICE.expected; exits the test when it fails
#   al_start DEVICE... starts an agent per DEVICE ($T_TMP/DEVICE.conf,
#                      log $T_TMP/agent-DEVICE.log; pid in AL_PID[DEVICE])
#                      and sets AL_TOTAL: the measurements of their dry runs
#   al_stored          prints the measurements stored (trials, curves,
#                      session events)
#   al_wait_pct P      waits until at least P % of AL_TOTAL are stored
#   al_note TEXT       a TAP comment with the seconds since the start
#   al_wait_agents     waits for the agents of al_start to exit; checks
#                      that every one exited 0
#   al_check_exactly_once DEVICE
#                      checks: DEVICE's measurements are stored exactly once
#                      (counts per table), with the values of its dry run
#                      (checksum), and its spool ($T_TMP/spool-DEVICE) is empty

al_sim_conf() {
  local d=$1 seed=$2
  cat <<CONF
[agent]
device_id = $d
driver = simulator
drain_timeout_s = 60
[spool]
dir = $T_TMP/spool-$d
$(t_agent_link "$d")
ack_timeout_ms = 2000
reconnect_ivl_ms = 50
reconnect_ivl_max_ms = 500
$3
[simulator]
seed = $seed
patients = RB-0001:$([ $((seed % 2)) -eq 0 ] && echo M || echo F):$((30 + seed * 3)):$((60 + seed * 2))
sessions = 3
start = $START
$4
CONF
}

al_expect() {
  if ! ruglab-agent --config "$T_TMP/$1.conf" --dry-run >"$T_TMP/$1.expected" 2>"$T_TMP/$1.dry.err"; then
    t_not_ok "$1: the simulator's dry run" "$(cat "$T_TMP/$1.dry.err")"
    t_done
    exit 1
  fi
}

AL_STORED_SQL='SELECT (SELECT count(*) FROM meas.test_trial) + (SELECT count(*) FROM meas.sample_batch) + (SELECT count(*) FROM meas.session_event)'

al_stored() {
  psql -X -At "$RUGLAB_DB user=ruglab_admin" -c "$AL_STORED_SQL" 2>/dev/null
}

declare -A AL_PID
al_start() {
  local d
  AL_TOTAL=0
  for d in "$@"; do
    AL_TOTAL=$((AL_TOTAL + $(wc -l <"$T_TMP/$d.expected")))
    t_bg "$T_TMP/agent-$d.log" ruglab-agent --config "$T_TMP/$d.conf"
    AL_PID[$d]=$T_LAST_PID
  done
}

al_wait_pct() {
  local n=$((AL_TOTAL * $1 / 100))
  t_wait_for "$n of $AL_TOTAL measurements stored" 60 bash -c \
    "[ \"\$(psql -X -At '$RUGLAB_DB user=ruglab_admin' -c '$AL_STORED_SQL' 2>/dev/null || echo 0)\" -ge $n ]"
}

al_note() { echo "# ${SECONDS}s: $*"; }

al_wait_agents() {
  local d failed=""
  al_note "waiting for the agents"
  for d in "${!AL_PID[@]}"; do
    wait "${AL_PID[$d]}" || failed="$failed $d"
  done
  al_note "agents done"
  t_is "every agent sent its programme and exited 0" "$failed" ""
}

al_check_exactly_once() {
  local d=$1 exp got exp_sum got_sum
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
}
