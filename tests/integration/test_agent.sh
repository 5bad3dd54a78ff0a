# ruglab-agent end to end with the real collector, a throwaway cluster and
# real CurveZMQ keys from `ruglab device add`: JSON lines stored exactly
# once, bad lines skipped with their line number, a collector that is down
# for a while, an agent killed mid-stream and restarted (nothing lost,
# nothing twice, spool empty), the file-drop folder, and the simulator.
. "$(dirname "$0")/lib.sh"

t_pg_start
EP=tcp://127.0.0.1:$(t_free_port)
t_seed_patient 30
t_make_keys az-test dev-1 dev-2 dev-3 dev-4
t_collector_conf test-collector "$EP" >"$T_TMP/collector.conf"

# agent.conf for a device
agent_conf() {  # DEVICE DRIVER [extra lines]
  local dev=$1 drv=$2; shift 2
  cat >"$T_TMP/$dev.conf" <<CONF
[agent]
device_id = $dev
driver = $drv
drain_timeout_s = 40
[spool]
dir = $T_TMP/spool-$dev
$(t_agent_link "$dev")
ack_timeout_ms = 2000
reconnect_ivl_ms = 50
reconnect_ivl_max_ms = 500
$(printf '%s\n' "$@")
CONF
  echo "$T_TMP/$dev.conf"
}
segments() { t_spool_segments "$T_TMP/spool-$1"; }
rows() {  # DEVICE -> trials,sets,batches,events,questionnaires
  t_psql ruglab_admin "SELECT (SELECT count(*) FROM meas.test_trial WHERE device_id = '$1') || ',' ||
    (SELECT count(*) FROM meas.training_set WHERE device_id = '$1') || ',' ||
    (SELECT count(*) FROM meas.sample_batch WHERE device_id = '$1') || ',' ||
    (SELECT count(*) FROM meas.session_event WHERE device_id = '$1') || ',' ||
    (SELECT count(*) FROM meas.questionnaire_response WHERE device_id = '$1')"
}

# --- configuration
t_check "the example configuration is the schema's" \
  cmp <(ruglab-agent --example-config) "$T_ROOT/deploy/agent.conf.example"
conf=$(agent_conf dev-1 jsonl)
t_is "check-config" "$(ruglab-agent --config "$conf" --check-config 2>&1)" "configuration OK"
printf '[agent]\ndevice_id = x\n\nwindow = 3\n' >"$T_TMP/bad.conf"
out=$(ruglab-agent --config "$T_TMP/bad.conf" --check-config 2>&1); rc=$?
t_is "an unknown key: exit 4" "$rc" 4
t_match "an unknown key is named with file and line" "$out" "bad.conf:4: unknown key 'window' in \[agent\]"
out=$(ruglab-agent --config "$conf" --key-file "$T_TMP/nope" --check-config 2>&1); rc=$?
t_is "a missing key file: exit 4" "$rc" 4
t_match "a missing key file is named, with the reason" "$out" "secret_key_file: cannot read key file $T_TMP/nope: No such file or directory"
t_fails "and no new key is suggested" grep -q "gen-key" <<<"$out"
cp "$KEYS/dev-1.key_secret" "$T_TMP/open.key_secret"
chmod 0640 "$T_TMP/open.key_secret"
out=$(ruglab-agent --config "$conf" --key-file "$T_TMP/open.key_secret" --check-config 2>&1); rc=$?
t_is "a secret key readable by its group: exit 4" "$rc" 4
t_match "it says so and how to fix it" "$out" "key file $T_TMP/open.key_secret is readable by others \(mode 0640\).*chmod 600"
t_match "--help shows usage" "$(ruglab-agent --help)" "^usage: ruglab-agent"
t_match "--version" "$(ruglab-agent --version)" "^ruglab-agent [0-9]+\.[0-9]+\.[0-9]+"

t_start_collector "$T_TMP/collector.conf" || { t_done; exit 1; }

# --- JSON lines: every kind of measurement, a bad line in between
NOW=$(date -u -d '1 hour ago' +%Y-%m-%dT%H:%M:%SZ)
C="\"session_id\": \"s1\", \"patient_token\": \"RB-0001\", \"taken_at\": \"$NOW\""
cat >"$T_TMP/lines.jsonl" <<JSON
{"type": "session_start", $C, "kind": "test", "operator_code": "PT-7"}
{"type": "test_result", $C, "direction": "extension", "trial": 1, "rom_deg": 40, "max_torque_nm": 150, "angle_at_max_deg": 10}
{"type": "test_result", $C, "direction": "extension", "trial": 2, "rom_deg": "forty"}
{"type": "test_result", $C, "direction": "flexion", "trial": 1, "rom_deg": 55.5, "max_torque_nm": 98.25, "angle_at_max_deg": -4}
{"type": "training_set", $C, "direction": "flexion", "set_number": 1, "load_nm": 60, "load_pct_of_max": 61, "repetitions": 12, "range_min_deg": -5, "range_max_deg": 40, "time_under_tension_s": 36}
{"type": "sample_batch", $C, "direction": "flexion", "context": "training_set", "context_number": 1, "sample_rate_hz": 100, "first_index": 0, "angle_deg": [1.04, 2.5, 3], "torque_nm": [50, 61.26, 70]}
{"type": "questionnaire", $C, "instrument": "NPRS", "version": "1", "language": "nl-BE", "answers": [{"item": 1, "value": 6}]}
not json at all
{"type": "session_end", $C, "duration_s": 7300, "aborted": false}
JSON
conf=$(agent_conf dev-1 jsonl)
ruglab-agent --config "$conf" <"$T_TMP/lines.jsonl" >"$T_TMP/agent1.log" 2>&1; rc=$?
t_log "$T_TMP/agent1.log"
t_is "end of input: the agent exits 0 once everything is acknowledged" "$rc" 0
t_match "READY once the spool and link are up" "$(cat "$T_TMP/agent1.log")" "READY: spool $T_TMP/spool-dev-1"
t_match "a bad line is named by its number and field" "$(cat "$T_TMP/agent1.log")" "stdin line 3 skipped: field 'rom_deg': expected a number"
t_match "a line that is not JSON is named" "$(cat "$T_TMP/agent1.log")" "stdin line 8 skipped: not valid JSON"
t_is "every valid line is stored exactly once" "$(rows dev-1)" "2,1,1,2,1"
t_is "the values as sent" "$(t_psql ruglab_admin "SELECT direction, trial, rom_deg, max_torque_nm, angle_at_max_deg FROM meas.test_trial WHERE device_id = 'dev-1' ORDER BY seq")" \
  "extension|1|40|150|10
flexion|1|55.5|98.25|-4"
t_is "samples in tenths" "$(t_psql ruglab_admin "SELECT angle_ddeg, torque_dnm FROM meas.sample_batch WHERE device_id = 'dev-1'")" "{10,25,30}|{500,613,700}"
t_is "the spool is empty afterwards" "$(segments dev-1)" 0
t_match "the patient's token is not in the info log" "$(grep -c 'RB-0001' "$T_TMP/agent1.log")" "^0$"
t_wait_for "the last heartbeat tells the device status that the spool is empty" 10 \
  bash -c "[ \"\$(psql -X -At '$RUGLAB_DB user=ruglab_admin' -c \"SELECT spool_depth || ',' || spool_bytes FROM meas.device_status WHERE device_id = 'dev-1'\")\" = 0,0 ]" &&
  t_ok "the last heartbeat tells the device status that the spool is empty"

# a restart on the same (empty) spool sends nothing again
ruglab-agent --config "$conf" </dev/null >"$T_TMP/agent1b.log" 2>&1
t_is "a restart on an empty spool sends nothing" "$(rows dev-1)" "2,1,1,2,1"

# damaged counters after delivery: never a key of before (which the
# collector would answer DUPLICATE, losing the new measurements)
new_trials() {  # SESSION -> 5 test trials
  for i in 1 2 3 4 5; do
    echo "{\"type\": \"test_result\", ${C/s1/$1}, \"direction\": \"rotation_left\", \"trial\": $i, \"rom_deg\": 30, \"max_torque_nm\": 50}"
  done
}
printf 'garbage' >"$T_TMP/spool-dev-1/state"
printf -- '-5\n' >"$T_TMP/spool-dev-1/seq"
printf 'x\n' >"$T_TMP/spool-dev-1/boot"
new_trials s1b | ruglab-agent --config "$conf" >"$T_TMP/agent1c.log" 2>&1; rc=$?
t_log "$T_TMP/agent1c.log"
t_is "one damaged copy of the counters: the agent runs and exits 0" "$rc" 0
t_is "the new trials are stored, none taken for a duplicate" "$(rows dev-1)" "7,1,1,2,1"
boot_of() { grep -o 'READY: spool [^ ]* (boot [0-9]*' "$1" | grep -o '[0-9]*$'; }
t_check "its boot id is above the one before" test "$(boot_of "$T_TMP/agent1c.log")" -gt "$(boot_of "$T_TMP/agent1.log")"
t_fails "one damaged copy is not called a loss of the counters" grep -q "counters recovered" "$T_TMP/agent1c.log"
printf 'garbage' >"$T_TMP/spool-dev-1/state"
printf 'garbage' >"$T_TMP/spool-dev-1/state.copy"
new_trials s1c | ruglab-agent --config "$conf" >"$T_TMP/agent1d.log" 2>&1; rc=$?
t_log "$T_TMP/agent1d.log"
t_is "every copy damaged: the agent runs and exits 0" "$rc" 0
t_match "it says so at error level" "$(cat "$T_TMP/agent1d.log")" "error: .*state and state.copy are unreadable"
t_match "its boot id comes from the clock" "$(cat "$T_TMP/agent1d.log")" "counters recovered: boot id [0-9]{16,} \(from the clock"
t_check "and is above the one before" test "$(boot_of "$T_TMP/agent1d.log")" -gt "$(boot_of "$T_TMP/agent1c.log")"
t_is "the new trials are stored, none taken for a duplicate" "$(rows dev-1)" "12,1,1,2,1"
t_match "nothing was answered DUPLICATE" "$(cat "$T_TMP/agent1d.log")" "every message acknowledged \\(5 accepted, 0 duplicate, 0 rejected\\)"

# --- a device whose key is not enrolled: refused, nothing stored, its spool kept
mkdir -p "$T_TMP/rogue"
ruglab-collector --gen-key "$T_TMP/rogue" >/dev/null
conf=$(agent_conf dev-9 jsonl)
sed -i "s|^secret_key_file = .*|secret_key_file = $T_TMP/rogue/collector.key_secret|" "$conf"
ruglab-agent --config "$conf" --set agent.drain_timeout_s=2 <"$T_TMP/lines.jsonl" >"$T_TMP/agent9.log" 2>&1; rc=$?
t_is "an unenrolled device's agent gives up waiting and exits 0" "$rc" 0
t_match "it says the collector refused its key" "$(cat "$T_TMP/agent9.log")" "refused the connection \(authentication\)"
t_match "and that its messages stay in the spool" "$(cat "$T_TMP/agent9.log")" "7 message\(s\) not acknowledged .* stay in the spool"
t_is "nothing of it is stored" "$(rows dev-9)" "0,0,0,0,0"

# --- the collector is down for a while, long enough to fill the smallest
# spool allowed (4194480 bytes: about fifty curves of 10,000 samples)
t_stop_collector KILL
conf=$(agent_conf dev-2 jsonl)
python3 - "${C/s1/s2}" >"$T_TMP/lines2.jsonl" <<'PY' || t_not_ok "curve lines generated"
import sys
common = sys.argv[1]
angles = ",".join("%.1f" % (i % 600 / 10) for i in range(10000))
for k in range(80):
    print('{"type": "sample_batch", %s, "direction": "extension", "context": "test_trial", '
          '"context_number": 1, "sample_rate_hz": 100, "first_index": %d, '
          '"angle_deg": [%s], "torque_nm": [%s]}' % (common, k * 10000, angles, angles))
PY
t_log "$T_TMP/agent2.log"
ruglab-agent --config "$conf" --set spool.max_bytes=4194480 <"$T_TMP/lines2.jsonl" >"$T_TMP/agent2.log" 2>&1 &
AGENT2=$!
T_PIDS+=($AGENT2)
t_wait_line "$T_TMP/agent2.log" "READY" 10
t_wait_for "the measurements wait in the spool while the collector is down" 10 \
  bash -c "[ \$(ls $T_TMP/spool-dev-2 | grep -c '^seg-') -gt 0 ]"
t_wait_line "$T_TMP/agent2.log" "SPOOL FULL" 20
t_is "nothing stored while the collector is down" "$(rows dev-2)" "0,0,0,0,0"
t_start_collector "$T_TMP/collector.conf"
wait $AGENT2; rc=$?
t_is "the agent drains its spool once the collector is back, then exits 0" "$rc" 0
t_match "it read from its input again once there was room" "$(cat "$T_TMP/agent2.log")" "spool has room again"
t_is "everything stored exactly once" "$(rows dev-2)" "0,0,80,0,0"
t_is "the curves as sent" "$(t_psql ruglab_admin "SELECT count(DISTINCT first_index) || ',' || sum(cardinality(angle_ddeg)) FROM meas.sample_batch WHERE device_id = 'dev-2'")" "80,800000"
t_is "its spool is empty" "$(segments dev-2)" 0

# --- the simulator, killed mid-stream and restarted
START=$(date -u -d '2 days ago' +%Y-%m-%dT%H:%M:%SZ)
SIM=("simulator" "[simulator]" "seed = 7" "patients = RB-0001:F:52:68" "sessions = 3"
     "start = $START" "days_between_sessions = 0.01" "time_factor = 400" "sets = 1")
conf=$(agent_conf dev-3 "${SIM[@]}")
ruglab-agent --config "$conf" --dry-run >"$T_TMP/sim.jsonl" 2>"$T_TMP/sim-dry.log"
n_sim=$(wc -l <"$T_TMP/sim.jsonl")
t_match "the simulator's programme" "$n_sim" "^[0-9]{3}$"
t_is "test trials in all six directions, three trials each, three tests" \
  "$(jq -r 'select(.type == "test_result") | .direction' "$T_TMP/sim.jsonl" | sort | uniq -c | awk '{print $1}' | sort -u)" 9
t_is "the same seed gives the same programme" \
  "$(ruglab-agent --config "$conf" --dry-run 2>/dev/null | md5sum)" "$(md5sum <"$T_TMP/sim.jsonl")"
t_bg "$T_TMP/agent3.log" ruglab-agent --config "$conf"
AGENT3=$T_LAST_PID
t_wait_for "the simulator's first measurements arrive" 20 \
  bash -c "[ \$(psql -X -At '$RUGLAB_DB user=ruglab_admin' -c \"SELECT count(*) FROM meas.sample_batch WHERE device_id = 'dev-3'\") -gt 20 ]"
kill -KILL $AGENT3; wait $AGENT3 2>/dev/null
got=$(t_psql ruglab_admin "SELECT count(*) FROM meas.sample_batch WHERE device_id = 'dev-3'")
t_match "killed mid-stream (not all sent yet)" "$got" "^[0-9]+$"
ruglab-agent --config "$conf" >"$T_TMP/agent3b.log" 2>&1; rc=$?
t_log "$T_TMP/agent3b.log"
t_is "the restarted agent finishes and exits 0" "$rc" 0
t_match "it resumed the programme where the spool left off" "$(cat "$T_TMP/agent3b.log")" "resuming after message [0-9]+"
exp=$(jq -r '.type' "$T_TMP/sim.jsonl" | awk '{n[$1]++} END {printf "%d,%d,%d,%d,%d", n["test_result"], n["training_set"], n["sample_batch"], n["session_start"] + n["session_end"], n["questionnaire"]}')
t_is "every simulated measurement stored exactly once" "$(rows dev-3)" "$exp"
exp_sum=$(jq -r 'select(.type == "test_result") | "\(.session_id) \(.direction) \(.trial) \(.rom_deg) \(.max_torque_nm)"' "$T_TMP/sim.jsonl" | sort | md5sum)
t_is "the stored test trials are the generated ones" \
  "$(t_psql ruglab_admin "SELECT session_id || ' ' || direction || ' ' || trial || ' ' || rom_deg || ' ' || max_torque_nm FROM meas.test_trial WHERE device_id = 'dev-3'" | sort | md5sum)" "$exp_sum"
exp_sum=$(jq -r 'select(.type == "sample_batch") | "\(.session_id) \(.direction) \(.context_number) \(.first_index) \(.angle_deg | map(. * 10 | round) | join(","))"' "$T_TMP/sim.jsonl" | sort | md5sum)
t_is "the stored curves are the generated ones" \
  "$(t_psql ruglab_admin "SELECT session_id || ' ' || direction || ' ' || context_number || ' ' || first_index || ' ' || array_to_string(angle_ddeg, ',') FROM meas.sample_batch WHERE device_id = 'dev-3'" | sort | md5sum)" "$exp_sum"
t_is "the spool is empty afterwards" "$(segments dev-3)" 0
# a damaged copy of the counters (and garbage where an earlier version kept
# them) does not replay the finished programme
printf 'garbage' >"$T_TMP/spool-dev-3/state"
printf 'zz\n' >"$T_TMP/spool-dev-3/mark"
before=$(rows dev-3)
ruglab-agent --config "$conf" >"$T_TMP/agent3c.log" 2>&1; rc=$?
t_log "$T_TMP/agent3c.log"
t_is "a finished programme with a damaged counter file: exit 0" "$rc" 0
t_is "and nothing of it sent again" "$(rows dev-3)" "$before"

# --- the file-drop folder
DROP=$T_TMP/drop
mkdir -p "$DROP"
conf=$(agent_conf dev-4 filedrop "[filedrop]" "dir = $DROP" "poll_ms = 50")
t_bg "$T_TMP/agent4.log" ruglab-agent --config "$conf"
t_wait_line "$T_TMP/agent4.log" "READY" 10
C4="\"session_id\": \"f1\", \"patient_token\": \"RB-0001\", \"taken_at\": \"$NOW\""
printf '[{"type": "session_start", %s, "kind": "test"},\n {"type": "test_result", %s, "direction": "rotation_left", "trial": 1, "rom_deg": 30, "max_torque_nm": 80}]\n' "$C4" "$C4" >"$DROP/export-1.tmp"
printf '{"type": "test_result", %s,\n "direction": "rotation_left", "trial": 2, "rom_deg": 31 "max_torque_nm": 80}\n' "$C4" >"$DROP/export-2.tmp"
printf '[{"type": "session_end", %s},\n {"type": "test_result", %s, "direction": "sideways", "trial": 3}]\n' "$C4" "$C4" >"$DROP/export-3.tmp"
printf 'half written' >"$DROP/export-4.tmp"
for i in 1 2 3; do mv "$DROP/export-$i.tmp" "$DROP/export-$i.json"; done
t_wait_for "the good file moves to done/" 15 test -f "$DROP/done/export-1.json"
t_wait_for "the bad files move to rejected/" 15 test -f "$DROP/rejected/export-3.reason"
t_match "a syntax error is named by line" "$(cat "$DROP/rejected/export-2.reason")" "^export-2.json: line 2, column [0-9]+: not valid JSON"
t_match "a wrong field is named" "$(cat "$DROP/rejected/export-3.reason")" "^export-3.json: measurement 2 of 2: field 'direction'"
t_check "a file still being written (.tmp) is left alone" test -f "$DROP/export-4.tmp"
t_wait_for "the good file's measurements are stored" 15 \
  bash -c "[ \"\$(psql -X -At '$RUGLAB_DB user=ruglab_admin' -c \"SELECT count(*) FROM meas.test_trial WHERE device_id = 'dev-4'\")\" = 1 ]"
t_is "nothing of a rejected file is stored" "$(rows dev-4)" "1,0,0,1,0"

t_done
