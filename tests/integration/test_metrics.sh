# Monitoring: the collector's Prometheus endpoint ([collector]
# metrics_listen) and the agent's node_exporter textfile ([agent]
# metrics_textfile), with the real binaries, a throwaway cluster and real
# CurveZMQ. The counters equal the tables (meas.message_key,
# meas.dead_letter by reason), the histograms are consistent (one batch
# per message with max_messages = 1, then cumulative buckets, +Inf = count,
# sum = messages), database up goes 1 -> 0 -> 1 around a PostgreSQL
# restart, connected devices follow an agent, GET /metrics only, no
# patient data; the agent's textfile is well-formed, written atomically,
# and its spool depth rises while the database is down and returns to 0
# after the acknowledgements.
. "$(dirname "$0")/lib.sh"

t_pg_start
pg() { PGLOCAL_DIR=$T_PG "$T_ROOT/scripts/pg-local.sh" "$@" >/dev/null 2>&1; }
t_seed_patient 10
t_make_keys az-test dev-1 dev-2 dev-3

# --- configuration
MPORT=$(t_free_port)
conf() {  # METRICS_LISTEN [LINE...]
  local m=$1; shift
  t_collector_conf metrics-collector "tcp://127.0.0.1:*" "metrics_listen = $m" "status_interval_s = 1" \
    "[database]" "reconnect_max_ms = 500" "$@"
}
for bad in "localhost:9470" "127.0.0.1" "127.0.0.1:70000" "::1:9470" "[127.0.0.1]:9470" ":9470"; do
  conf "$bad" >"$T_TMP/bad.conf"
  out=$(ruglab-collector --config "$T_TMP/bad.conf" --check-config 2>&1); rc=$?
  t_is "metrics_listen '$bad': check-config exit 4" "$rc" 4
  t_check "and the value is named" grep -qF "metrics_listen '$bad' is not ADDRESS:PORT" <<<"$out"
done
conf "127.0.0.1:$MPORT" "[batch]" "max_messages = 1" >"$T_TMP/c.conf"
out=$(ruglab-collector --config "$T_TMP/c.conf" --check-config 2>&1); rc=$?
t_is "check-config with metrics_listen: exit 0" "$rc" 0
t_match "check-config names the metrics address" "$out" "metrics on 127.0.0.1:$MPORT$"
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(30)' "$MPORT" &
holder=$!
t_wait_for "a program holds the metrics port" 10 bash -c "ss -ltnH 'sport = :$MPORT' | grep -q LISTEN"
t_fails_with "check-config: a metrics port in use is said (exit 4)" "cannot listen for metrics on 127.0.0.1:$MPORT: Address already in use" \
  ruglab-collector --config "$T_TMP/c.conf" --check-config
kill "$holder"; wait "$holder" 2>/dev/null
t_is "the default is off" "$(sed -n 's/^metrics_listen = *//p' "$T_ROOT/deploy/collector.conf.example")" ""

# --- the endpoint, one message per batch
t_start_collector "$T_TMP/c.conf" || { t_done; exit 1; }
EP=$(t_collector_endpoint)
URL=$(t_metrics_url)
t_is "the log names the metrics URL" "$URL" "http://127.0.0.1:$MPORT/metrics"
t_match "bound only where configured" "$(ss -ltnH "sport = :$MPORT")" "^LISTEN +[0-9]+ +[0-9]+ +127\.0\.0\.1:$MPORT "
t_is "bound once (not on every address too)" "$(ss -ltnH "sport = :$MPORT" | wc -l)" 1
scrape() { t_scrape "$URL" "$1"; }
t_wait_for "database up 1 after the start" 10 bash -c "[ \"\$(curl -sf '$URL' | awk '\$1 == \"ruglab_collector_database_up\" {print \$2}')\" = 1 ]"
t_is "received 0 before anything was sent" "$(scrape ruglab_collector_received_total)" 0
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
t_is "GET /metrics: 200" "$(code "$URL")" 200
t_is "the content type of the text format 0.0.4" "$(curl -sf -o /dev/null -w '%{content_type}' "$URL")" \
  "text/plain; version=0.0.4; charset=utf-8"
t_is "GET / : 404" "$(code "http://127.0.0.1:$MPORT/")" 404
t_is "GET /metrics/x : 404" "$(code "$URL/x")" 404
t_is "GET /Metrics : 404" "$(code "http://127.0.0.1:$MPORT/Metrics")" 404
t_is "POST /metrics : 404" "$(code -X POST -d 'x=1' "$URL")" 404
t_is "DELETE /metrics : 404" "$(code -X DELETE "$URL")" 404

S='"session_id": "s-1", "patient_token": "RB-0001"'
T=$(( $(date +%s) - 60 ))000000
GOOD=$(cat <<JSON
{"kind": "hello", "boot_id": 1, "seq": 1, "taken_at_us": $T, "spool_depth": 7}
{"kind": "session_start", "boot_id": 1, "seq": 2, "taken_at_us": $T, $S, "session_kind": "test"}
{"kind": "test_result", "boot_id": 1, "seq": 3, "taken_at_us": $T, $S, "direction": "extension", "trial": 1, "rom_deg": 42.5, "max_torque_nm": 180.25, "angle_at_max_deg": -10}
{"kind": "training_set", "boot_id": 1, "seq": 4, "taken_at_us": $T, $S, "direction": "flexion", "set_number": 1, "load_nm": 60, "repetitions": 12, "range_min_deg": -20, "range_max_deg": 30, "time_under_tension_s": 40}
{"kind": "sample_batch", "boot_id": 1, "seq": 5, "taken_at_us": $T, $S, "direction": "extension", "context": "test_trial", "context_number": 1, "angle_deg": [1.04, 1.25, -2.25], "torque_nm": [100.0, -0.75, 999.99]}
{"kind": "session_end", "boot_id": 1, "seq": 6, "taken_at_us": $T, $S, "duration_s": 7300}
{"kind": "heartbeat", "boot_id": 1, "seq": 7, "taken_at_us": $T, "spool_depth": 3, "oldest_unacked_s": 12}
JSON
)
BAD=$(cat <<JSON
{"kind": "test_result", "boot_id": 1, "seq": 20, $S, "direction": "extension", "trial": 2, "rom_deg": 720, "max_torque_nm": 100}
{"kind": "test_result", "boot_id": 1, "seq": 21, $S, "direction": "extension", "trial": 2, "rom_deg": 40, "max_torque_nm": -5}
{"kind": "session_start", "boot_id": 1, "seq": 22, "session_id": "s-2", "patient_token": "RB-NOBODY"}
{"kind": "test_result", "device_id": "dev-2", "boot_id": 1, "seq": 25, $S, "direction": "extension", "rom_deg": 40, "max_torque_nm": 100}
{"kind": "session_end", "boot_id": 1, "seq": 28, "patient_token": "RB-0001"}
{"raw_random": 500}
JSON
)
out=$(t_send dev-1 --timeout-ms 8000 <<<"$GOOD"); rc=$?
t_is "seven good messages acknowledged" "$rc $(grep -c ' accepted NONE' <<<"$out")" "0 7"
out=$(t_send dev-1 --timeout-ms 8000 <<<"$GOOD"); rc=$?
t_is "sent again: five duplicates" "$rc $(grep -c ' duplicate NONE' <<<"$out")" "0 5"
out=$(t_send dev-1 --timeout-ms 8000 <<<"$BAD"); rc=$?
t_is "six bad messages rejected" "$rc $(grep -c ' rejected ' <<<"$out")" "0 6"
out=$(t_send dev-2 --timeout-ms 8000 <<<"{\"kind\": \"test_result\", \"boot_id\": 5, \"seq\": 1, $S, \"direction\": \"rotation_left\", \"trial\": 1, \"rom_deg\": 30, \"max_torque_nm\": 80}"); rc=$?
t_is "another device's measurement accepted" "$rc $(grep -c ' accepted NONE' <<<"$out")" "0 1"

gauge() {  # NAME: its value in a scrape now
  curl -sf --max-time 5 "$URL" | awk -v m="$1" '$1 == m { print $2 }'
}
t_wait_for "connected devices 0 once the senders left" 10 bash -c "[ \"\$(curl -sf '$URL' | awk '\$1 == \"ruglab_collector_connected_devices\" {print \$2}')\" = 0 ]"
curl -sf "$URL" >"$T_TMP/scrape1.txt"; rc=$?
t_is "scrape: exit 0" "$rc" 0
t_check "the scrape is well-formed text format" t_prom_wellformed "$T_TMP/scrape1.txt"
v() { awk -v m="$1" '$1 == m { print $2 }' "$T_TMP/scrape1.txt"; }
t_is "committed = the keys in meas.message_key" "$(v ruglab_collector_committed_total)" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM meas.message_key")"
t_is "committed = the rows of the measurement tables" "$(v ruglab_collector_committed_total)" \
  "$(t_psql ruglab_admin "SELECT (SELECT count(*) FROM meas.test_trial) + (SELECT count(*) FROM meas.training_set)
     + (SELECT count(*) FROM meas.sample_batch) + (SELECT count(*) FROM meas.session_event)
     + (SELECT count(*) FROM meas.questionnaire_response)")"
t_is "six committed (five of dev-1, one of dev-2)" "$(v ruglab_collector_committed_total)" 6
t_is "duplicates as acknowledged" "$(v ruglab_collector_duplicates_total)" 5
t_is "hello and heartbeat twice: four status messages" "$(v ruglab_collector_status_messages_total)" 4
by_reason() {  # FILE: REASON COUNT lines of the nonzero rejected counters
  sed -n 's/^ruglab_collector_rejected_total{reason="\([A-Z_]*\)"} \([0-9]*\)$/\1 \2/p' "$1" | awk '$2 > 0' | sort
}
t_is "rejected by reason = meas.dead_letter by reason" "$(by_reason "$T_TMP/scrape1.txt")" \
  "$(t_psql ruglab_admin "SELECT reason || ' ' || count(*) FROM meas.dead_letter GROUP BY reason ORDER BY reason")"
t_is "every reason of the proto is served (zeros too)" \
  "$(grep -c '^ruglab_collector_rejected_total{reason="[A-Z_]*"} [0-9]*$' "$T_TMP/scrape1.txt")" 11
t_is "nothing unkept" "$(v ruglab_collector_rejected_unkept_total)" 0
rejected=$(awk '/^ruglab_collector_rejected_total/ { s += $2 } END { print s }' "$T_TMP/scrape1.txt")
t_is "received = committed + duplicates + status + rejected" "$(v ruglab_collector_received_total)" \
  "$(( $(v ruglab_collector_committed_total) + $(v ruglab_collector_duplicates_total) + $(v ruglab_collector_status_messages_total) + rejected ))"
t_is "21 messages received" "$(v ruglab_collector_received_total)" 21
t_is "max_messages = 1: one batch per message" "$(v ruglab_collector_batch_messages_count)" 21
t_is "each of one message" "$(v 'ruglab_collector_batch_messages_bucket{le="1"}') $(v ruglab_collector_batch_messages_sum)" "21 21"
t_is "a commit latency per batch" "$(v ruglab_collector_commit_seconds_count)" 21
t_match "commit seconds summed" "$(v ruglab_collector_commit_seconds_sum)" "^[0-9.e-]+$"
t_match "the process start time" "$(v process_start_time_seconds)" "^1[0-9]{9}(\.[0-9]+)?$"
t_is "the devices' last messages" "$(grep -c '^ruglab_collector_device_last_seen_timestamp_seconds{device="dev-[12]"} 1[0-9]*' "$T_TMP/scrape1.txt")" 2
t_fails "no patient token or pseudonym in the scrape" grep -qE 'RB-|PS-' "$T_TMP/scrape1.txt"

# cumulative buckets: non-decreasing in le order, +Inf = _count
cumulative() {  # FILE NAME
  awk -v n="$2" 'index($0, n "_bucket{") == 1 { if ($2 < last) bad = 1; last = $2; inf = $2 }
    $1 == n "_count" { c = $2 } END { exit !(bad == 0 && inf == c && c != "") }' "$1"
}

# --- batching as configured (SIGHUP), a real agent, the database away
MPORT2=$(t_free_port)
sed -i "s/^max_messages = 1\$/max_messages = 256/; s/^metrics_listen = .*/metrics_listen = 127.0.0.1:$MPORT2/" "$T_TMP/c.conf"
kill -HUP "$T_COLLECTOR_PID"
t_wait_line "$T_COLLECTOR_LOG" "configuration reloaded" 10
t_match "a reload says metrics_listen needs a restart" "$(cat "$T_COLLECTOR_LOG")" "listen, metrics_listen and secret_key_file take effect after a restart"
t_is "and the endpoint stays where it was" "$(code "$URL")" 200
t_is "nothing on the new address yet" "$(code "http://127.0.0.1:$MPORT2/metrics")" 000
N=400
for seq in $(seq 1 $N); do
  echo "{\"kind\": \"training_set\", \"boot_id\": 9, \"seq\": $seq, \"taken_at_us\": $T, $S, \"direction\": \"flexion\", \"set_number\": $(( seq % 1000 + 1 )), \"load_nm\": 60, \"repetitions\": 10, \"range_min_deg\": -10, \"range_max_deg\": 40, \"time_under_tension_s\": 30}"
done >"$T_TMP/many.jsonl"
out=$(t_send dev-2 --timeout-ms 20000 <"$T_TMP/many.jsonl"); rc=$?
t_is "$N more acknowledged" "$rc $(grep -c ' accepted NONE' <<<"$out")" "0 $N"
curl -sf "$URL" >"$T_TMP/scrape2.txt"; rc=$?
t_is "scrape: exit 0" "$rc" 0
v() { awk -v m="$1" '$1 == m { print $2 }' "$T_TMP/scrape2.txt"; }
t_is "batch sizes sum to the messages received" "$(v ruglab_collector_batch_messages_sum)" "$(v ruglab_collector_received_total)"
t_check "fewer batches than messages now" test "$(v ruglab_collector_batch_messages_count)" -lt "$(v ruglab_collector_received_total)"
t_check "batch size buckets cumulative, +Inf = count" cumulative "$T_TMP/scrape2.txt" ruglab_collector_batch_messages
t_check "commit latency buckets cumulative, +Inf = count" cumulative "$T_TMP/scrape2.txt" ruglab_collector_commit_seconds
t_is "a commit latency per batch" "$(v ruglab_collector_commit_seconds_count)" "$(v ruglab_collector_batch_messages_count)"
t_is "committed = meas.message_key" "$(v ruglab_collector_committed_total)" "$(t_psql ruglab_admin "SELECT count(*) FROM meas.message_key")"

# the agent, with its textfile in a folder of its own (as node_exporter's)
TXT=$T_TMP/textfile
mkdir -p "$TXT" "$T_TMP/drop"
agent_conf() {  # TEXTFILE
  cat <<CONF
[agent]
device_id = dev-1
driver = filedrop
metrics_textfile = $1
[spool]
dir = $T_TMP/spool
$(t_agent_link dev-1)
ack_timeout_ms = 1000
reconnect_ivl_ms = 50
reconnect_ivl_max_ms = 500
[filedrop]
dir = $T_TMP/drop
poll_ms = 50
CONF
}
agent_conf "$TXT/ruglab-agent.prom" >"$T_TMP/agent.conf"
t_is "agent check-config with a textfile" "$(ruglab-agent --config "$T_TMP/agent.conf" --check-config 2>&1)" "configuration OK"
t_fails_with "a textfile not named *.prom is refused" "must be a file name ending in \.prom" \
  ruglab-agent --config "$T_TMP/agent.conf" --set "agent.metrics_textfile=$TXT/agent.txt" --check-config
t_fails_with "a textfile in a missing folder is refused" "directory $T_TMP/nowhere: No such file or directory" \
  ruglab-agent --config "$T_TMP/agent.conf" --set "agent.metrics_textfile=$T_TMP/nowhere/a.prom" --check-config
t_bg "$T_TMP/agent.log" ruglab-agent --config "$T_TMP/agent.conf"
AGENT_PID=$T_LAST_PID
t_wait_line "$T_TMP/agent.log" "READY" 10
PROM=$TXT/ruglab-agent.prom
tv() { awk -v m="$1{device=\"dev-1\"}" '$1 == m { print $2; f = 1 } END { exit !f }' "$PROM"; }
t_wait_for "the textfile appears" 10 test -f "$PROM"
t_wait_for "the agent says it is connected" 15 bash -c "grep -q '^ruglab_agent_connected{device=\"dev-1\"} 1$' '$PROM'"
t_check "the textfile is well-formed" t_prom_wellformed "$PROM"
t_is "the textfile is readable by node_exporter (0644)" "$(stat -c %a "$PROM")" 644
t_wait_for "the collector counts the connected agent" 10 bash -c "[ \"\$(curl -sf '$URL' | awk '\$1 == \"ruglab_collector_connected_devices\" {print \$2}')\" = 1 ]"

pg stop fast
t_wait_for "database up 0 while PostgreSQL is stopped" 20 bash -c "[ \"\$(curl -sf '$URL' | awk '\$1 == \"ruglab_collector_database_up\" {print \$2}')\" = 0 ]"
NOW=$(date -u -d '1 minute ago' +%Y-%m-%dT%H:%M:%SZ)
C="\"session_id\": \"f1\", \"patient_token\": \"RB-0001\", \"taken_at\": \"$NOW\""
printf '[{"type": "session_start", %s, "kind": "test"},\n {"type": "test_result", %s, "direction": "rotation_left", "trial": 1, "rom_deg": 30, "max_torque_nm": 80},\n {"type": "test_result", %s, "direction": "rotation_left", "trial": 2, "rom_deg": 31, "max_torque_nm": 81},\n {"type": "session_end", %s}]\n' \
  "$C" "$C" "$C" "$C" >"$T_TMP/drop/export-1.tmp"
mv "$T_TMP/drop/export-1.tmp" "$T_TMP/drop/export-1.json"
t_wait_for "the spool depth rises to 4 while nothing is acknowledged" 15 \
  bash -c "grep -q '^ruglab_agent_spool_messages{device=\"dev-1\"} 4$' '$PROM'"
t_check "lag above 0 meanwhile" awk '$1 == "ruglab_agent_lag_seconds{device=\"dev-1\"}" && $2 > 0 { f = 1 } END { exit !f }' "$PROM"
t_is "no acknowledgement yet" "$(tv ruglab_agent_last_ack_timestamp_seconds)" 0
started=$(date +%s)
pg start
t_wait_for "database up 1 after PostgreSQL is back" 20 bash -c "[ \"\$(curl -sf '$URL' | awk '\$1 == \"ruglab_collector_database_up\" {print \$2}')\" = 1 ]"
t_wait_for "the spool depth returns to 0 after the acknowledgements" 20 \
  bash -c "grep -q '^ruglab_agent_spool_messages{device=\"dev-1\"} 0$' '$PROM'"
t_is "lag 0 with an empty spool" "$(tv ruglab_agent_lag_seconds)" 0
t_check "the last acknowledgement came after PostgreSQL was back" \
  awk -v s="$started" '$1 == "ruglab_agent_last_ack_timestamp_seconds{device=\"dev-1\"}" && $2 >= s - 1 { f = 1 } END { exit !f }' "$PROM"
t_is "four accepted by the agent's count" "$(awk '$1 == "ruglab_agent_acks_total{device=\"dev-1\",status=\"accepted\"}" { print $2 }' "$PROM")" 4
t_check "the textfile is still well-formed" t_prom_wellformed "$PROM"
t_is "no temp file left beside it" "$(ls -A "$TXT")" "ruglab-agent.prom"

kill -TERM "$AGENT_PID"; wait "$AGENT_PID"; rc=$?
t_is "the agent stops: exit 0" "$rc" 0
t_is "its last textfile says it stopped" "$(tv ruglab_agent_running) $(tv ruglab_agent_connected) $(tv ruglab_agent_spool_messages)" "0 0 0"
t_wait_for "the collector's connected devices back to 0" 10 bash -c "[ \"\$(curl -sf '$URL' | awk '\$1 == \"ruglab_collector_connected_devices\" {print \$2}')\" = 0 ]"

curl -sf "$URL" >"$T_TMP/scrape3.txt"; rc=$?
t_is "scrape: exit 0" "$rc" 0
v() { awk -v m="$1" '$1 == m { print $2 }' "$T_TMP/scrape3.txt"; }
t_is "after the outage: committed = meas.message_key" "$(v ruglab_collector_committed_total)" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM meas.message_key")"
t_is "after the outage: rejected by reason = meas.dead_letter" "$(by_reason "$T_TMP/scrape3.txt")" \
  "$(t_psql ruglab_admin "SELECT reason || ' ' || count(*) FROM meas.dead_letter GROUP BY reason ORDER BY reason")"
rejected=$(awk '/^ruglab_collector_rejected_total/ { s += $2 } END { print s }' "$T_TMP/scrape3.txt")
t_is "after the outage: received = committed + duplicates + status + rejected" "$(v ruglab_collector_received_total)" \
  "$(( $(v ruglab_collector_committed_total) + $(v ruglab_collector_duplicates_total) + $(v ruglab_collector_status_messages_total) + rejected ))"
t_is "after the outage: batch sizes sum to the messages received" "$(v ruglab_collector_batch_messages_sum)" "$(v ruglab_collector_received_total)"
t_check "after the outage: buckets cumulative" cumulative "$T_TMP/scrape3.txt" ruglab_collector_commit_seconds

# a device refused at the handshake is not counted as connected
t_check "revoke dev-3" ruglab device revoke dev-3 --reason test
t_wait_line "$T_COLLECTOR_LOG" "allow-list: 2 devices" 10
t_send dev-3 --timeout-ms 3000 <<<"{\"kind\": \"hello\", \"boot_id\": 1, \"seq\": 1}" >"$T_TMP/revoked.out" 2>&1 &
revoked=$!
t_wait_for "the revoked device's handshake is refused" 10 grep -q "handshake refused" "$T_TMP/revoked.out"
t_is "and it is not counted as connected" "$(gauge ruglab_collector_connected_devices)" 0
wait "$revoked"

t_stop_collector; rc=$?
t_is "the collector stops: exit 0" "$rc" 0
t_fails "and the metrics port is let go" curl -sf --max-time 2 "$URL"

t_done
