# ruglab-agent on its own, with no collector to talk to: configuration
# checks, the example file, --dry-run of the drivers, a spool that fills
# up (loud, nothing dropped, resumes), SIGTERM keeps the spool, and a
# damaged spool record set aside at start without refusing to start.
. "$(dirname "$0")/lib.sh"

# a port nobody listens on: the agent keeps its spool and retries
PORT=$(t_free_port)
SPOOL=$T_TMP/spool
cat >"$T_TMP/agent.conf" <<CONF
[agent]
device_id = dev-offline
[spool]
dir = $SPOOL
max_bytes = 4194480
segment_bytes = 524288
[link]
collector = tcp://127.0.0.1:$PORT
curve = false
CONF

t_check "the example configuration is the schema's" \
  cmp <(ruglab-agent --example-config) "$T_ROOT/deploy/agent.conf.example"
t_is "check-config" "$(ruglab-agent --config "$T_TMP/agent.conf" --check-config 2>&1)" "configuration OK"
out=$(ruglab-agent --config "$T_TMP/agent.conf" --set link.window=0 --check-config 2>&1); rc=$?
t_is "a value out of range: exit 4" "$rc" 4
t_match "a value out of range is named" "$out" "window in \[link\]: 0 is out of range"
# a spool smaller than a few of the largest messages would block on one of them forever
out=$(ruglab-agent --config "$T_TMP/agent.conf" --set spool.max_bytes=4096 --check-config 2>&1); rc=$?
t_is "a spool too small for the largest message: exit 4" "$rc" 4
t_match "it says the least size" "$out" "max_bytes in \[spool\]: 4096 is out of range 4194480\.\."
printf '[agent]\ndevice_id = dev-1\ndriver = telepathy\n' >"$T_TMP/bad.conf"
out=$(ruglab-agent --config "$T_TMP/bad.conf" --set link.curve=false --check-config 2>&1); rc=$?
t_is "an unknown driver: exit 4" "$rc" 4
t_match "an unknown driver is named" "$out" "driver 'telepathy' is not jsonl, filedrop or simulator"
out=$(ruglab-agent --set link.curve=false --check-config 2>&1); rc=$?
t_match "a missing device id is named" "$out" "device_id is not set"
out=$(ruglab-agent --config "$T_TMP/agent.conf" --set link.curve=true --check-config 2>&1); rc=$?
t_match "CURVE needs the collector's key" "$out" "server_public_key"
out=$(ruglab-agent --bogus 2>&1); rc=$?
t_is "an unknown option: exit 2" "$rc" 2

# --- dry run of the jsonl driver: bad lines named, the rest printed
NOW=2026-11-23T10:00:00Z
C="\"session_id\": \"s1\", \"patient_token\": \"RB-0001\", \"taken_at\": \"$NOW\""
printf '%s\n' "{\"type\": \"test_result\", $C, \"direction\": \"extension\", \"trial\": 1, \"rom_deg\": 40, \"max_torque_nm\": 150}" \
  "" "# a comment" "{\"type\": \"test_result\", $C, \"trial\": 2}" \
  "{\"type\": \"session_end\", $C, \"duration_s\": 60}" >"$T_TMP/lines.jsonl"
out=$(ruglab-agent --config "$T_TMP/agent.conf" --dry-run <"$T_TMP/lines.jsonl" 2>"$T_TMP/dry.err"); rc=$?
t_is "dry run exits 0" "$rc" 0
t_is "dry run prints the valid measurements" "$(jq -r '.type' <<<"$out" | tr '\n' ' ')" "test_result session_end "
t_match "a bad line is named by number and field" "$(cat "$T_TMP/dry.err")" "stdin line 4 skipped: field 'direction' is missing"

# --- the simulator: a small programme
SIM=(--driver simulator --set simulator.sessions=4 --set simulator.start=2026-09-01T08:00:00Z
     --set simulator.time_factor=0 --set simulator.sets=1
     --set "simulator.patients=RB-0001:F:52:68,RB-0002:M:35:90")
ruglab-agent --config "$T_TMP/agent.conf" "${SIM[@]}" --dry-run >"$T_TMP/sim.jsonl" 2>/dev/null
t_is "two patients, four sessions each" \
  "$(jq -r 'select(.type == "session_start") | .patient_token + " " + .kind' "$T_TMP/sim.jsonl" | sort | uniq -c | awk '{print $1, $2, $3}' | tr '\n' ';')" \
  "3 RB-0001 test;1 RB-0001 training;3 RB-0002 test;1 RB-0002 training;"
t_is "test trials in all six directions, 3 trials x 3 tests x 2 patients" \
  "$(jq -r 'select(.type == "test_result") | .direction' "$T_TMP/sim.jsonl" | sort | uniq -c | awk '{print $1}' | sort -u)" 18
t_is "training sets in all six directions" \
  "$(jq -r 'select(.type == "training_set") | .direction' "$T_TMP/sim.jsonl" | sort -u | wc -l)" 6
t_is "curves as one-second batches at 100 Hz" \
  "$(jq -r 'select(.type == "sample_batch") | .sample_rate_hz' "$T_TMP/sim.jsonl" | sort -u)" 100
t_match "the training load follows the last test maximum (50-80 %)" \
  "$(jq -r 'select(.type == "training_set") | .load_pct_of_max' "$T_TMP/sim.jsonl" | sort -u | tr '\n' ' ')" "^(5[0-9]|6[0-9]|7[0-9]|80) "
t_is "men are stronger than women of the same programme" \
  "$(jq -s '[.[] | select(.type == "test_result" and .direction == "extension")] | group_by(.patient_token) | map(map(.max_torque_nm) | add / length) | .[1] > .[0]' "$T_TMP/sim.jsonl")" true
t_is "the same seed gives the same programme" \
  "$(ruglab-agent --config "$T_TMP/agent.conf" "${SIM[@]}" --dry-run 2>/dev/null | md5sum)" "$(md5sum <"$T_TMP/sim.jsonl")"
t_fails "another seed gives another programme" cmp -s "$T_TMP/sim.jsonl" \
  <(ruglab-agent --config "$T_TMP/agent.conf" "${SIM[@]}" --set simulator.seed=2 --dry-run 2>/dev/null)

# --- the spool fills up while the collector is unreachable: the smallest
# spool allowed (4194480 bytes) holds about fifty curves of 10,000 samples
curve_lines() { # N: curve lines of 10,000 samples each
  python3 - "$1" "$C" <<'PY'
import sys
n, common = int(sys.argv[1]), sys.argv[2]
angles = ",".join("%.1f" % (i % 600 / 10) for i in range(10000))
for k in range(n):
    print('{"type": "sample_batch", %s, "direction": "flexion", "context": "test_trial", '
          '"context_number": 1, "sample_rate_hz": 100, "first_index": %d, '
          '"angle_deg": [%s], "torque_nm": [%s]}' % (common, k * 10000, angles, angles))
PY
}
curve_lines 80 >"$T_TMP/curves.jsonl" || t_not_ok "curve lines generated"
mkfifo "$T_TMP/in"
t_log "$T_TMP/agent.log"
ruglab-agent --config "$T_TMP/agent.conf" <"$T_TMP/in" >"$T_TMP/agent.log" 2>&1 &
AGENT=$!
T_PIDS+=($AGENT)
exec 7>"$T_TMP/in"
t_wait_line "$T_TMP/agent.log" "READY" 10
cat "$T_TMP/curves.jsonl" >&7 &
FEED=$!
t_wait_line "$T_TMP/agent.log" "SPOOL FULL" 20
t_match "a full spool is said loudly, with its size" "$(grep 'SPOOL FULL' "$T_TMP/agent.log")" \
  "error: device dev-offline: SPOOL FULL: [0-9]+ messages, [0-9]+ of 4194480 bytes; no longer reading"
bytes=$(cat "$SPOOL"/seg-* | wc -c)
t_check "the spool stays within max_bytes ($bytes)" test "$bytes" -le 4194480
t_check "and is nearly full ($bytes)" test "$bytes" -gt 3000000
# SIGHUP: a bad file keeps the running configuration; a good one is taken
cp "$T_TMP/agent.conf" "$T_TMP/agent.conf.orig"
printf '[agent]\nbogus = 1\n' >>"$T_TMP/agent.conf"
kill -HUP $AGENT
t_wait_line "$T_TMP/agent.log" "reload refused, keeping the running configuration" 10
t_match "a refused reload names file and line" "$(grep 'reload refused' "$T_TMP/agent.log")" "agent.conf:[0-9]+: unknown key 'bogus'"
sed 's/^device_id = dev-offline$/device_id = dev-offline\nlog_level = debug/' "$T_TMP/agent.conf.orig" >"$T_TMP/agent.conf"
kill -HUP $AGENT
t_wait_line "$T_TMP/agent.log" "configuration reloaded: log_level debug" 10
kill -TERM $AGENT; wait $AGENT; rc=$?
kill $FEED 2>/dev/null; wait $FEED 2>/dev/null
exec 7>&-
t_is "SIGTERM: exit 0" "$rc" 0
t_match "SIGTERM keeps the spool" "$(cat "$T_TMP/agent.log")" "stopping: [0-9]+ message\(s\) stay in the spool"
depth=$(grep -o 'stopping: [0-9]*' "$T_TMP/agent.log" | grep -o '[0-9]*')

# --- a damaged record in the middle of a segment: set aside, the rest kept
seg=$(ls "$SPOOL"/seg-* | head -1)
printf 'XX' | dd of="$seg" bs=1 seek=60 conv=notrunc 2>/dev/null
t_bg "$T_TMP/agent2.log" ruglab-agent --config "$T_TMP/agent.conf"
AGENT=$T_LAST_PID
t_wait_line "$T_TMP/agent2.log" "READY" 10
t_match "the damaged region is reported with its size" "$(cat "$T_TMP/agent2.log")" "error: .*1 damaged region\(s\), [0-9]+ bytes, skipped"
t_match "with a copy for inspection" "$(cat "$T_TMP/agent2.log")" "error: .*[0-9]+ damaged bytes at offset [0-9]+ of segment 1 copied to quarantine/"
t_match "and the record lost with it, by seq" "$(cat "$T_TMP/agent2.log")" "error: .*segment 1 lost 1 of its [0-9]+ record\(s\), seqs 1 \(damaged on disk"
t_match "the agent starts anyway, with the rest of the spool" "$(grep READY "$T_TMP/agent2.log")" \
  "READY: spool $SPOOL \(boot [0-9]+, $((depth - 1)) message\(s\) waiting, 1 damaged set aside, 1 damaged segment\(s\): at most 1 LOST\)"
t_is "the damaged bytes are kept for inspection" "$(ls "$SPOOL/quarantine" | wc -l)" 1
kill -TERM $AGENT; wait $AGENT
depth=$((depth - 1))

# --- an older segment cut short, another emptied: records that had been
# synced are gone; said as damage at error level, with the seqs lost
segs=($(ls "$SPOOL"/seg-*.log))
t_check "several segments (${#segs[@]})" test "${#segs[@]}" -ge 5
truncate -s 1000 "${segs[1]}"
truncate -s 0 "${segs[2]}"
truncate -s 0 "${segs[3]}"
t_bg "$T_TMP/agent3.log" ruglab-agent --config "$T_TMP/agent.conf"
AGENT=$T_LAST_PID
t_wait_line "$T_TMP/agent3.log" "READY" 10
log=$(cat "$T_TMP/agent3.log")
t_match "the cut segment is reported as damage with the seqs lost" "$log" \
  "error: device dev-offline: spool $SPOOL: segments [0-9]+ to [0-9]+ were cut short or emptied: at most [0-9]+ record\(s\), seqs [0-9]+ to [0-9]+, were lost"
t_match "and the start says how many can be lost" "$(grep READY "$T_TMP/agent3.log")" "3 damaged segment\(s\): at most [0-9]+ LOST"
t_fails "neither is called a torn tail" grep -q "torn tail" "$T_TMP/agent3.log"
kill -TERM $AGENT; wait $AGENT
left=$(grep -o 'stopping: [0-9]*' "$T_TMP/agent3.log" | grep -o '[0-9]*')
t_check "the other segments' messages are kept ($left of $depth)" test "$left" -gt 0 -a "$left" -lt "$depth"

# --- every copy of the counters damaged: the agent starts with a boot id
# from the clock (never one used before) and says so
printf 'garbage' >"$SPOOL/state"
printf 'garbage' >"$SPOOL/state.copy"
t_bg "$T_TMP/agent4.log" ruglab-agent --config "$T_TMP/agent.conf"
AGENT=$T_LAST_PID
t_wait_line "$T_TMP/agent4.log" "READY" 10
t_match "damaged counters are said at error level" "$(cat "$T_TMP/agent4.log")" \
  "error: .*state and state.copy are unreadable"
t_match "the new boot id comes from the clock" "$(grep READY "$T_TMP/agent4.log")" "boot [0-9]{16,}"
kill -TERM $AGENT; wait $AGENT
t_done
