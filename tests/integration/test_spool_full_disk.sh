# The chaos case of a full disk: an agent whose spool lives on a 3 MB
# filesystem of its own runs the simulator's programme (curves included)
# while the collector is down. The disk fills (SPOOL FULL, with the reason),
# the agent is SIGKILLed on the full disk and restarted there (it must
# start), then the collector comes back: the agent delivers, frees what is
# acknowledged, reads the rest of the programme and exits 0. Every
# generated measurement is stored exactly once (counts and a checksum of
# the stream), nothing is dead-lettered, the spool ends empty.
. "$(dirname "$0")/lib.sh"

t_pg_start
DISK=$T_TMP/disk
t_tmpfs "$DISK" 3m
EP=tcp://127.0.0.1:$(t_free_port)

t_seed_patient 60
t_make_keys az-test dev-1
t_collector_conf disk-collector "$EP" >"$T_TMP/collector.conf"
START=$(date -u -d '50 days ago' +%Y-%m-%dT%H:%M:%SZ)
cat >"$T_TMP/agent.conf" <<CONF
[agent]
device_id = dev-1
driver = simulator
drain_timeout_s = 60
[spool]
dir = $DISK/spool
segment_bytes = 262144
$(t_agent_link dev-1)
ack_timeout_ms = 2000
reconnect_ivl_ms = 50
reconnect_ivl_max_ms = 500
[simulator]
seed = 11
patients = RB-0001:F:52:68
sessions = 12
start = $START
days_between_sessions = 3.5
time_factor = 0
CONF
ruglab-agent --config "$T_TMP/agent.conf" --dry-run >"$T_TMP/expected.jsonl" 2>"$T_TMP/dry.log"
t_is "the simulator's programme is generated" "$?" 0
n_expected=$(wc -l <"$T_TMP/expected.jsonl")

# --- the collector is down: the disk fills
t_bg "$T_TMP/agent-1.log" ruglab-agent --config "$T_TMP/agent.conf"
AGENT=$T_LAST_PID
t_wait_line "$T_TMP/agent-1.log" "SPOOL FULL" 60
t_match "a full disk is said loudly, with the reason" "$(grep 'SPOOL FULL' "$T_TMP/agent-1.log")" \
  "error: device dev-1: SPOOL FULL \(the disk is full: .*No space left on device\)"
avail=$(df --output=avail -k "$DISK" | tail -1)
t_check "the disk is full ($avail KiB left)" test "$avail" -lt 300
t_check "the agent keeps running" kill -0 "$AGENT"
depth=$(grep -o 'SPOOL FULL.*: [0-9]* messages' "$T_TMP/agent-1.log" | grep -o '[0-9]* messages' | grep -o '[0-9]*')
t_check "the disk filled before the programme was spooled ($depth of $n_expected)" test "$depth" -lt "$n_expected"

# --- a crash on the full disk, and a restart there
kill -KILL "$AGENT"
wait "$AGENT" 2>/dev/null
t_bg "$T_TMP/agent-2.log" ruglab-agent --config "$T_TMP/agent.conf"
AGENT=$T_LAST_PID
t_wait_line "$T_TMP/agent-2.log" "READY" 20
t_check "the agent starts on the full disk" kill -0 "$AGENT"
t_match "it resumes the programme where the spool left off" "$(cat "$T_TMP/agent-2.log")" "resuming after message [0-9]+"

# --- the collector comes back: everything is delivered, exactly once
t_start_collector "$T_TMP/collector.conf"
wait "$AGENT"; rc=$?
t_is "the agent delivers the whole programme and exits 0" "$rc" 0
t_match "it read from the simulator again once there was room" "$(cat "$T_TMP/agent-2.log")" "spool has room again"
exp=$(jq -r '.type' "$T_TMP/expected.jsonl" | awk '{n[$1]++} END {printf "%d,%d,%d,%d", n["test_result"], n["training_set"], n["sample_batch"], n["session_start"] + n["session_end"]}')
got=$(t_psql ruglab_admin "SELECT (SELECT count(*) FROM meas.test_trial) || ',' || (SELECT count(*) FROM meas.training_set) || ',' ||
  (SELECT count(*) FROM meas.sample_batch) || ',' || (SELECT count(*) FROM meas.session_event)")
t_is "every measurement stored exactly once: 0 lost, 0 duplicated ($exp)" "$got" "$exp"
exp_sum=$( (jq -r 'select(.type == "test_result") | "T \(.session_id) \(.direction) \(.trial) \(.rom_deg) \(.max_torque_nm)"' "$T_TMP/expected.jsonl"
            jq -r 'select(.type == "sample_batch") | "S \(.session_id) \(.direction) \(.context_number) \(.first_index) \(.angle_deg | map(. * 10 | round | . + 0) | join(","))"' "$T_TMP/expected.jsonl") | sort | md5sum)
got_sum=$(t_psql ruglab_admin "SELECT 'T ' || session_id || ' ' || direction || ' ' || trial || ' ' || rom_deg || ' ' || max_torque_nm FROM meas.test_trial
  UNION ALL SELECT 'S ' || session_id || ' ' || direction || ' ' || context_number || ' ' || first_index || ' ' || array_to_string(angle_ddeg, ',') FROM meas.sample_batch" | sort | md5sum)
t_is "the stored values are the generated stream (checksum)" "$got_sum" "$exp_sum"
t_is "nothing was dead-lettered" "$(t_psql ruglab_admin "SELECT count(*) FROM meas.dead_letter")" 0
t_is "the spool is empty" "$(t_spool_segments "$DISK/spool")" 0

# --- damage found on a full disk: the agent still starts (repairs need no
# free space), says what was lost, and the counters it cannot save wait in
# memory until space frees
DISK2=$T_TMP/disk2
t_tmpfs "$DISK2" 2m
PORT2=$(t_free_port)
cat >"$T_TMP/offline.conf" <<CONF
[agent]
device_id = dev-1
driver = simulator
[spool]
dir = $DISK2/spool
segment_bytes = 65536
[link]
collector = tcp://127.0.0.1:$PORT2
curve = false
[simulator]
seed = 12
patients = RB-0001:F:52:68
sessions = 12
start = $START
days_between_sessions = 3.5
time_factor = 0
CONF
t_bg "$T_TMP/offline-1.log" ruglab-agent --config "$T_TMP/offline.conf"
t_wait_line "$T_TMP/offline-1.log" "SPOOL FULL \\(the disk is full" 60
kill -TERM "$T_LAST_PID"; wait "$T_LAST_PID" 2>/dev/null
seg=$(ls "$DISK2"/spool/seg-*.log | sed -n 2p)
printf 'XXXXXXXX' | dd of="$seg" bs=1 seek=1000 conv=notrunc 2>/dev/null
: >"$DISK2/spool/state"
rm -f "$DISK2/spool/state.copy"
# the last free blocks taken by another file: full to the byte
dd if=/dev/zero of="$DISK2/filler" bs=4k 2>/dev/null
t_is "the disk is full" "$(df --output=avail -k "$DISK2" | tail -1 | tr -d ' ')" 0
t_bg "$T_TMP/offline-2.log" ruglab-agent --config "$T_TMP/offline.conf"
t_wait_line "$T_TMP/offline-2.log" "READY" 20
log=$(cat "$T_TMP/offline-2.log")
t_match "a damaged record on a full disk: the agent starts and says which record is lost" "$log" \
  "error: .*segment [0-9]+ lost 1 of its [0-9]+ record\(s\), seqs [0-9]+ "
t_match "counters it cannot save yet: said, and kept in memory" "$log" \
  "error: .*state: No space left on device: the counters are kept in memory until the file can be made"
kill -TERM "$T_LAST_PID"; wait "$T_LAST_PID" 2>/dev/null
t_done
