# The collector's fast path: a batch goes by binary COPY; a batch with a
# key stored before (a resend) in the middle falls back to the per-message
# way and answers ACCEPTED/DUPLICATE exactly per message; a database
# stopped while a batch's COMMIT is on its way (the collector already
# receiving the next) loses nothing and stores nothing twice; groups are
# sized by bytes (group_bytes) and time (max_delay_ms); the agent's spool
# fsyncs grouped by [spool] sync_bytes; a device status the database
# refuses does not hold back the group's measurements.
. "$(dirname "$0")/lib.sh"

t_pg_start
pg() { PGLOCAL_DIR=$T_PG "$T_ROOT/scripts/pg-local.sh" "$@" >/dev/null; }

t_seed_patient 10
t_make_keys az-test dev-1 dev-2 dev-3 dev-4 dev-5

T=$(( $(date +%s) - 60 ))000000
# curve DEVICE SEQ: one 100-sample curve
curve() {
  echo "{\"kind\": \"sample_batch\", \"boot_id\": 1, \"seq\": $2, \"taken_at_us\": $T, \"session_id\": \"s-$1\", \"patient_token\": \"RB-0001\", \"direction\": \"extension\", \"context\": \"training_set\", \"context_number\": 1, \"first_index\": $(( $2 * 100 )), \"samples\": 100}"
}
tset() {  # DEVICE SEQ: one training set
  echo "{\"kind\": \"training_set\", \"boot_id\": 1, \"seq\": $2, \"taken_at_us\": $T, \"session_id\": \"s-$1\", \"patient_token\": \"RB-0001\", \"direction\": \"flexion\", \"set_number\": $2, \"load_nm\": 60, \"repetitions\": 10, \"range_min_deg\": -10, \"range_max_deg\": 40, \"time_under_tension_s\": 30}"
}
rows() {  # DEVICE: curves and sets stored, distinct keys claimed
  t_psql ruglab_admin "SELECT (SELECT count(*) FROM meas.sample_batch WHERE device_id = '$1') || ' '
    || (SELECT count(*) FROM meas.training_set WHERE device_id = '$1') || ' '
    || (SELECT count(*) FROM meas.message_key WHERE device_id = '$1')"
}

# A group waits 300 ms for more when nothing is being committed, so that a
# burst from rl-send is one batch.
t_collector_conf copy-collector "tcp://127.0.0.1:*" "log_level = debug" "[batch]" "max_delay_ms = 300" \
  "[database]" "reconnect_max_ms = 300" >"$T_TMP/c.conf"
t_start_collector "$T_TMP/c.conf" || { t_done; exit 1; }
EP=$(t_collector_endpoint)

# --- 1. a batch without duplicates goes by COPY
stamp() { t_psql ruglab_admin "SELECT coalesce(max(stamp), 0) FROM clinical.enrolment_change WHERE enrolment_id = 1"; }
stamp0=$(stamp)
for s in $(seq 1 10); do if [ $((s % 2)) -eq 0 ]; then curve dev-1 "$s"; else tset dev-1 "$s"; fi; done >"$T_TMP/a.jsonl"
out=$(t_send dev-1 --timeout-ms 10000 <"$T_TMP/a.jsonl"); rc=$?
t_is "10 new messages: all acknowledged" "$rc" 0
t_is "all ACCEPTED" "$(grep -c '^ack 1 [0-9]* accepted NONE' <<<"$out")" 10
t_is "stored once each, keys claimed" "$(rows dev-1)" "5 5 10"
t_is "the batch went by COPY (no fallback)" "$(grep -c 'by COPY not stored' "$T_COLLECTOR_LOG")" 0
t_is "the COPY marked the enrolment changed once (the statement trigger of migration 506)" \
  "$(stamp)" "$((stamp0 + 1))"
t_is "the curve's samples as sent (binary arrays)" \
  "$(t_psql ruglab_admin "SELECT cardinality(angle_ddeg), cardinality(torque_dnm), first_index FROM meas.sample_batch WHERE device_id = 'dev-1' AND seq = 4")" \
  "100|100|400"
t_is "the set's values as sent (binary reals, NULL percentage)" \
  "$(t_psql ruglab_admin "SELECT set_number, load_nm, load_pct_of_max IS NULL, range_min_deg, taken_at = 'epoch'::timestamptz + interval '1 microsecond' * $T FROM meas.training_set WHERE device_id = 'dev-1' AND seq = 3")" \
  "3|60|t|-10|t"

# --- 2. one batch: new, a resend of seq 5 in the middle, new
{ for s in $(seq 11 20); do curve dev-1 "$s"; done; tset dev-1 5; for s in $(seq 21 30); do curve dev-1 "$s"; done; } >"$T_TMP/b.jsonl"
out=$(t_send dev-1 --timeout-ms 10000 <"$T_TMP/b.jsonl"); rc=$?
t_is "a batch with a duplicate in the middle: all acknowledged" "$rc" 0
t_is "the 20 new ones ACCEPTED" "$(grep -c '^ack 1 \(1[1-9]\|2[0-9]\|30\) accepted NONE' <<<"$out")" 20
t_is "exactly the resend DUPLICATE" "$(grep -v accepted <<<"$out" | sed 's/ *$//')" "ack 1 5 duplicate NONE"
t_is "they were one group" "$(grep -c 'group of 21 message' "$T_COLLECTOR_LOG")" 1
t_match "COPY refused it and the batch went message by message" "$(cat "$T_COLLECTOR_LOG")" \
  "batch of 21 by COPY not stored \(.*duplicate key.*\): message by message"
t_is "nothing stored twice, the original kept" "$(rows dev-1)" "25 5 30"
t_is "the original training set is the one stored" \
  "$(t_psql ruglab_admin "SELECT set_number FROM meas.training_set WHERE device_id = 'dev-1' AND seq = 5")" 5

# --- 3. group sizing by time: a lone message waits max_delay_ms for company
t0=$(date +%s%N)
out=$(curve dev-2 1 | t_send dev-2 --timeout-ms 10000); rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
t_is "a lone message is acknowledged" "$rc $(grep -c accepted <<<"$out")" "0 1"
if [ "$ms" -ge 300 ]; then t_ok "it waited max_delay_ms (300) for company: $ms ms"; else t_not_ok "it waited max_delay_ms (300) for company" "$ms ms"; fi
t_stop_collector

# --- 4. group sizing by bytes: group_bytes 4096, a curve is about 700 bytes
t_collector_conf copy-collector "$EP" "log_level = debug" "[batch]" "max_delay_ms = 300" \
  "group_bytes = 4096" >"$T_TMP/g.conf"
t_start_collector "$T_TMP/g.conf" || { t_done; exit 1; }
for s in $(seq 2 41); do curve dev-2 "$s"; done >"$T_TMP/g.jsonl"
out=$(t_send dev-2 --timeout-ms 10000 <"$T_TMP/g.jsonl"); rc=$?
t_is "40 curves in groups of 4 KiB: all ACCEPTED" "$rc $(grep -c accepted <<<"$out")" "0 40"
sizes=$(sed -n 's/.*group of \([0-9]*\) message(s), \([0-9]*\) bytes.*/\1 \2/p' "$T_COLLECTOR_LOG")
t_is "the groups hold the 40 messages" "$(awk '{ s += $1 } END { print s }' <<<"$sizes")" 40
t_is "no group is over 4096 bytes by more than its last message" \
  "$(awk '{ if ($2 - $2 / $1 >= 4096) bad++ } END { print bad + 0 }' <<<"$sizes")" 0
t_is "more than one group" "$(awk 'END { print (NR >= 6) }' <<<"$sizes")" 1
t_is "the curves are stored once" "$(rows dev-2)" "41 0 41"
# device statuses go in one statement per group (arrays): a firmware
# version with quotes, a backslash and a comma arrives as sent
out=$({ echo '{"kind": "hello", "boot_id": 1, "seq": 42, "taken_at_us": '"$T"', "firmware_version": "fw \"2,1\" a\\b {x}"}'; curve dev-2 43; } | t_send dev-2 --timeout-ms 10000); rc=$?
t_is "a hello and a curve in one group: acknowledged" "$rc $(grep -c accepted <<<"$out")" "0 2"
t_is "the hello's firmware version as sent, the status of the group's last message" \
  "$(t_psql ruglab_admin "SELECT firmware_version, sender_version, last_seq FROM meas.device_status WHERE device_id = 'dev-2'")" \
  'fw "2,1" a\b {x}|rl-send|43'
t_stop_collector

# --- 5. the database stops while a batch's COMMIT is on its way
sed "s#^listen = .*#listen = $EP#" "$T_TMP/c.conf" >"$T_TMP/c2.conf"
t_start_collector "$T_TMP/c2.conf" || { t_done; exit 1; }
out=$(curve dev-3 1 | t_send dev-3 --timeout-ms 10000); rc=$?
t_is "dev-3 sent a first curve (its status row exists)" "$rc $(t_psql ruglab_admin "SELECT count(*) FROM meas.device_status WHERE device_id = 'dev-3'")" "0 1"
# A session holds dev-3's status row: the batch's rows go in by COPY, then
# its device status (sent with COMMIT, not waited for) waits for the lock.
psql -X -q "$RUGLAB_DB user=ruglab_admin" -c "BEGIN" \
  -c "SELECT 1 FROM meas.device_status WHERE device_id = 'dev-3' FOR UPDATE" -c "SELECT pg_sleep(120)" \
  >"$T_TMP/locker.log" 2>&1 &
locker=$!
T_PIDS+=("$locker")
t_wait_for "the locking session holds the row" 20 bash -c \
  "[ \$(psql -X -At '$RUGLAB_DB user=ruglab_admin' -c \"SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'\") = 1 ]"
for s in $(seq 2 61); do if [ $((s % 3)) -eq 0 ]; then tset dev-3 "$s"; else curve dev-3 "$s"; fi; done >"$T_TMP/r.jsonl"
t_send dev-3 --resend-ms 1500 --timeout-ms 40000 <"$T_TMP/r.jsonl" >"$T_TMP/r.out" 2>&1 &
sender=$!
waiting="SELECT count(*) FROM pg_locks WHERE NOT granted"
t_wait_for "the collector's COMMIT waits behind the lock" 20 bash -c \
  "[ \$(psql -X -At '$RUGLAB_DB user=ruglab_admin' -c \"$waiting\") = 1 ]"
t_is "while it waits, nothing of the batch is acknowledged" "$(grep -c '^ack' "$T_TMP/r.out")" 0
pg stop immediate
pg start
wait "$sender"; rc=$?
t_is "after the restart every message is acknowledged" "$rc" 0
t_match "the collector knew a COMMIT was on its way" "$(cat "$T_COLLECTOR_LOG")" \
  "database: a batch of [0-9]+ was being committed when the database failed"
t_is "every message stored exactly once" "$(rows dev-3)" "41 20 61"
t_is "every seq acknowledged, none rejected" \
  "$(grep '^ack' "$T_TMP/r.out" | awk '{ print $3 }' | sort -un | wc -l) $(grep -c rejected "$T_TMP/r.out")" "60 0"
t_is "nothing was dead-lettered" "$(t_psql ruglab_admin "SELECT count(*) FROM meas.dead_letter")" 0

# --- 6. the agent's fsync groups: sync_bytes 8192 against the default (1 MiB)
agent_conf() {  # DEVICE [LINE...]: the simulator at full speed, debug log
  local dev=$1; shift
  printf '[agent]\ndevice_id = %s\ndriver = simulator\nlog_level = debug\ndrain_timeout_s = 60\n' "$dev"
  printf '[spool]\ndir = %s\n' "$T_TMP/spool-$dev"
  printf '%s\n' "$@"
  t_agent_link "$dev"
  printf '[simulator]\nseed = 3\npatients = RB-0001:F:52:68\nsessions = 1\ntime_factor = 0\n'
}
# fsyncs LOG: "messages bytes" of each fsync group the agent logged
fsyncs() { sed -n 's/.*spool: \([0-9]*\) message(s), \([0-9]*\) bytes in one fsync.*/\1 \2/p' <<<"$1"; }
agent_conf dev-4 >"$T_TMP/dev-4.conf"
agent_conf dev-5 "sync_bytes = 8192" >"$T_TMP/dev-5.conf"
big=$(ruglab-agent --config "$T_TMP/dev-4.conf" 2>&1); rc4=$?
small=$(ruglab-agent --config "$T_TMP/dev-5.conf" 2>&1); rc5=$?
t_is "two agents, default and sync_bytes 8192: exit 0" "$rc4 $rc5" "0 0"
n=$(sed -n 's/.*programme complete (\([0-9]*\) messages).*/\1/p' <<<"$small")
t_match "the simulator's programme" "$n" "^[0-9]{3,}$"
t_match "every message acknowledged (default)" "$big" "every message acknowledged \($n accepted"
t_match "every message acknowledged (8192)" "$small" "every message acknowledged \($n accepted"
t_is "the fsync groups hold every message (default)" "$(fsyncs "$big" | awk '{ s += $1 } END { print s }')" "$n"
t_is "the fsync groups hold every message (8192)" "$(fsyncs "$small" | awk '{ s += $1 } END { print s }')" "$n"
t_is "no group is over 8192 bytes by more than its last message (at most 2 KiB)" \
  "$(fsyncs "$small" | awk '{ if ($2 - 2048 >= 8192) bad++ } END { print bad + 0 }')" 0
g4=$(fsyncs "$big" | wc -l) g5=$(fsyncs "$small" | wc -l)
total=$(fsyncs "$small" | awk '{ s += $2 } END { print s }')
if [ "$g5" -ge $((total / (8192 + 2048))) ] && [ "$g5" -gt "$g4" ]; then
  t_ok "sync_bytes 8192: $g5 fsyncs for $total bytes, the default $g4"
else
  t_not_ok "sync_bytes 8192 makes groups of about 8 KiB" "$g5 fsyncs for $total bytes, the default $g4"
fi
# --- 7. a device status the database refuses (a rule the collector does not
# check: here its UPDATE privilege taken away): the group's measurements are
# stored and acknowledged all the same, the status left out and said in the
# log (before, the aborted transaction was taken for a lost connection and
# the group retried forever, never acknowledged)
psql -X -q -v ON_ERROR_STOP=1 "$RUGLAB_DB user=postgres" -c "REVOKE UPDATE ON meas.device_status FROM ruglab_collector"
t_is "the device status update is refused to the collector" "$?" 0
for s in $(seq 101 105); do curve dev-1 "$s"; done >"$T_TMP/s.jsonl"
out=$(t_send dev-1 --timeout-ms 15000 <"$T_TMP/s.jsonl"); rc=$?
t_is "a group whose device status is refused: every message acknowledged" "$rc" 0
t_is "all five ACCEPTED" "$(grep -c '^ack 1 10[1-5] accepted NONE' <<<"$out")" 5
t_is "stored once each" "$(rows dev-1)" "30 5 35"
t_match "the refused status is said in the log" "$(cat "$T_COLLECTOR_LOG")" \
  "dev-1: device status not updated: .*permission denied"
t_is "nothing was dead-lettered" "$(t_psql ruglab_admin "SELECT count(*) FROM meas.dead_letter")" 0
psql -X -q -v ON_ERROR_STOP=1 "$RUGLAB_DB user=postgres" -c "GRANT UPDATE ON meas.device_status TO ruglab_collector"
t_is "the privilege given back" "$?" 0
t_stop_collector; rc=$?
t_is "the collector stops cleanly" "$rc" 0
t_done
