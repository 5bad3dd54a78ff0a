# Exactly once under faults: two senders stream training sets and curves
# (resending what is not acknowledged, as an agent's spool does) while the
# collector is killed with SIGKILL twice and PostgreSQL is restarted twice
# (immediate and fast). Afterwards every message is in the database exactly
# once with the values sent, every message was acknowledged, and nothing
# was dead-lettered. Also: SIGTERM with messages in flight acknowledges
# what it stored and exits 0.
. "$(dirname "$0")/lib.sh"

t_pg_start
pg() { PGLOCAL_DIR=$T_PG "$T_ROOT/scripts/pg-local.sh" "$@" >/dev/null; }

t_seed_patient 10
t_make_keys az-test dev-1 dev-2

conf() {  # LISTEN
  t_collector_conf fault-collector "$1" "status_interval_s = 1" "[database]" "reconnect_max_ms = 500"
}
conf "tcp://127.0.0.1:*" >"$T_TMP/c1.conf"
t_start_collector "$T_TMP/c1.conf" || { t_done; exit 1; }
EP=$(t_collector_endpoint)
conf "$EP" >"$T_TMP/c1.conf"   # restarts listen on the same port

# DEVICE N: N messages, training sets (odd seq) and 100-sample curves (even seq)
T=$(( $(date +%s) - 60 ))000000
gen() {
  local seq
  for seq in $(seq 1 "$2"); do
    if [ $((seq % 2)) -eq 1 ]; then
      echo "{\"kind\": \"training_set\", \"boot_id\": 1, \"seq\": $seq, \"taken_at_us\": $T, \"session_id\": \"s-$1\", \"patient_token\": \"RB-0001\", \"direction\": \"flexion\", \"set_number\": $(( seq % 1000 + 1 )), \"load_nm\": $(( seq % 500 )), \"repetitions\": 10, \"range_min_deg\": -10, \"range_max_deg\": 40, \"time_under_tension_s\": 30}"
    else
      echo "{\"kind\": \"sample_batch\", \"boot_id\": 1, \"seq\": $seq, \"taken_at_us\": $T, \"session_id\": \"s-$1\", \"patient_token\": \"RB-0001\", \"direction\": \"extension\", \"context\": \"training_set\", \"context_number\": 1, \"first_index\": $(( seq * 100 )), \"samples\": 100}"
    fi
  done
}
N1=600
N2=300
gen dev-1 $N1 >"$T_TMP/dev-1.jsonl"
gen dev-2 $N2 >"$T_TMP/dev-2.jsonl"
t_send dev-1 --rate 60 --resend-ms 1500 --timeout-ms 50000 <"$T_TMP/dev-1.jsonl" >"$T_TMP/send-1.out" 2>&1 &
s1=$!
t_send dev-2 --rate 30 --resend-ms 1500 --timeout-ms 50000 <"$T_TMP/dev-2.jsonl" >"$T_TMP/send-2.out" 2>&1 &
s2=$!
acked() { grep -c '^ack' "$T_TMP/send-1.out" 2>/dev/null || echo 0; }
# wait_acks N: until the first sender has at least N acknowledgements
wait_acks() { t_wait_for "$1 acknowledgements" 30 bash -c "[ \$(grep -c '^ack' '$T_TMP/send-1.out') -ge $1 ]"; }

wait_acks 60
t_stop_collector KILL
t_start_collector "$T_TMP/c1.conf"
wait_acks 150
pg stop immediate
pg start
wait_acks 250
t_stop_collector KILL
t_start_collector "$T_TMP/c1.conf"
wait_acks 350
pg stop fast
pg start

wait $s1; rc1=$?
wait $s2; rc2=$?
t_is "sender 1: every message acknowledged" "$rc1" 0
t_is "sender 2: every message acknowledged" "$rc2" 0

count() {  # DEVICE TABLE
  t_psql ruglab_admin "SELECT count(*) || ' ' || count(DISTINCT seq) FROM meas.$2 WHERE device_id = '$1'"
}
t_is "dev-1: every training set stored once" "$(count dev-1 training_set)" "$((N1 / 2)) $((N1 / 2))"
t_is "dev-1: every curve stored once" "$(count dev-1 sample_batch)" "$((N1 / 2)) $((N1 / 2))"
t_is "dev-2: every training set stored once" "$(count dev-2 training_set)" "$((N2 / 2)) $((N2 / 2))"
t_is "dev-2: every curve stored once" "$(count dev-2 sample_batch)" "$((N2 / 2)) $((N2 / 2))"
expect_sum() {  # N: checksum of the stream as generated
  local seq sum=0
  for seq in $(seq 1 "$1"); do
    if [ $((seq % 2)) -eq 1 ]; then sum=$((sum + seq * 1000 + seq % 500)); else sum=$((sum + seq * 100 * 7)); fi
  done
  echo $sum
}
# the same checksum over the table contents: seq and load of the sets, first_index of the curves
got_sum() {
  t_psql ruglab_admin "SELECT (SELECT coalesce(sum(seq * 1000 + load_nm::bigint), 0) FROM meas.training_set WHERE device_id = '$1')
    + (SELECT coalesce(sum(first_index * 7), 0) FROM meas.sample_batch WHERE device_id = '$1')"
}
t_is "dev-1: the stored values are the values sent" "$(got_sum dev-1)" "$(expect_sum $N1)"
t_is "dev-2: the stored values are the values sent" "$(got_sum dev-2)" "$(expect_sum $N2)"
t_is "every curve holds its 100 samples" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM meas.sample_batch WHERE cardinality(angle_ddeg) <> 100 OR cardinality(torque_dnm) <> 100")" 0
t_is "nothing was dead-lettered" "$(t_psql ruglab_admin "SELECT count(*) FROM meas.dead_letter")" 0
t_is "nothing was rejected" "$(grep -c rejected "$T_TMP/send-1.out" "$T_TMP/send-2.out" | awk -F: '{s+=$2} END {print s}')" 0
logs=$(cat "$T_TMP"/collector-*.log)
t_match "the collector said when the database went away" "$logs" "database: unavailable"
t_match "and when it came back" "$logs" "database: available again"
t_is "it said so once per outage, not per message" "$(grep -c 'database: unavailable' <<<"$logs")" 2
t_is "the status table counts the restarts' work" "$(t_psql ruglab_admin "SELECT count(*) FROM meas.collector_status WHERE collector = 'fault-collector'")" 1

# --- the database is down: nothing is acknowledged; it comes back: everything is stored once
gen dev-1 30 | sed 's/"boot_id": 1/"boot_id": 3/' >"$T_TMP/dev-1c.jsonl"
pg stop fast
# The sender stays connected through the outage: that its messages are
# acknowledged once the database is back shows they reached the collector
# (a sender that never got through would see no acknowledgement either).
t_send dev-1 --timeout-ms 30000 <"$T_TMP/dev-1c.jsonl" >"$T_TMP/send-down.out" 2>&1 &
s_down=$!
sleep 2 # not a wait for readiness: the time in which no acknowledgement may come
acks_down=$(grep -c '^ack' "$T_TMP/send-down.out")
pg start
wait $s_down; rc=$?
acks_back=$(grep -c '^ack 3 ' "$T_TMP/send-down.out")
if [ "$acks_down" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$acks_back" -eq 30 ]; then
  t_ok "database down: not one acknowledgement, though the sender's messages got through"
else
  t_not_ok "database down: not one acknowledgement, though the sender's messages got through" \
    "acknowledgements while the database was down: $acks_down (wanted 0)" \
    "once it was back: $acks_back of 30, sender exit status $rc (wanted 0)" "$(tail -n 3 "$T_TMP/send-down.out")"
fi
t_send dev-1 --resend-ms 1000 --timeout-ms 20000 <"$T_TMP/dev-1c.jsonl" >"$T_TMP/send-up.out" 2>&1; rc=$?
t_is "database back: the resent messages are all acknowledged" "$rc" 0
t_is "database back: each stored once" \
  "$(t_psql ruglab_admin "SELECT (SELECT count(*) FROM meas.training_set WHERE device_id = 'dev-1' AND boot_id = 3) + (SELECT count(*) FROM meas.sample_batch WHERE device_id = 'dev-1' AND boot_id = 3)")" 30

# --- SIGTERM while a sender streams: what was received is stored and acknowledged
gen dev-2 200 | sed 's/"boot_id": 1/"boot_id": 2/' >"$T_TMP/dev-2b.jsonl"
t_send dev-2 --rate 100 --timeout-ms 4000 <"$T_TMP/dev-2b.jsonl" >"$T_TMP/send-3.out" 2>&1 &
s3=$!
t_wait_for "the third sender is acknowledged" 20 bash -c "[ \$(grep -c '^ack' '$T_TMP/send-3.out') -ge 20 ]"
t_stop_collector; rc=$?
wait $s3
t_is "SIGTERM: exit 0" "$rc" 0
stored=$(t_psql ruglab_admin "SELECT count(*) FROM (SELECT seq FROM meas.training_set WHERE device_id = 'dev-2' AND boot_id = 2 UNION ALL SELECT seq FROM meas.sample_batch WHERE device_id = 'dev-2' AND boot_id = 2) x")
t_is "SIGTERM: what was stored was acknowledged, and only that" "$stored" "$(grep -c '^ack 2 .* accepted' "$T_TMP/send-3.out")"
if [ "$stored" -gt 0 ] && [ "$stored" -lt 200 ]; then
  t_ok "SIGTERM came mid-stream and the collector stopped reading ($stored of 200 stored)"
else
  t_not_ok "SIGTERM came mid-stream and the collector stopped reading" "stored: $stored of 200"
fi
t_match "SIGTERM: the log says it stopped" "$(tail -n 2 "$T_COLLECTOR_LOG")" "stopped"

t_done
