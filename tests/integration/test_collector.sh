# ruglab-collector end to end with the real binaries, a throwaway cluster
# and real CurveZMQ: device enrolment and keys, accepted measurements
# stored exactly once, resends acknowledged as DUPLICATE, every kind of bad
# input rejected with its reason code and kept as a dead letter while the
# collector keeps serving, unenrolled and revoked keys refused without a
# restart, status, reload and shutdown.
. "$(dirname "$0")/lib.sh"

t_pg_start
KEYS=$T_TMP/keys
CKEY=$T_TMP/ckey
mkdir -p "$KEYS" "$CKEY"

t_psql ruglab_admin "INSERT INTO clinical.site (code, name) VALUES ('az-test', 'AZ Test');
  INSERT INTO clinical.subject (site_id, badge_token, pseudonym, sex) VALUES
    (1, 'RB-0001', 'PS-0001', 'F'), (1, 'RB-0002', 'PS-0002', 'M');
  INSERT INTO clinical.enrolment (subject_id, site_id, programme_id, indication, route, start_date, age_at_start)
    VALUES (1, 1, 1, 'chronic', 'riziv', current_date - 10, 50)" >/dev/null

# --- devices and keys
out=$(ruglab device add dev-1 --site az-test --model tergumed-710 --key-dir "$KEYS" 2>&1); rc=$?
t_is "device add exits 0" "$rc" 0
t_match "device add says where the key pair is" "$out" "$KEYS/dev-1.key_secret"
t_is "the secret key file is mode 0600" "$(stat -c %a "$KEYS/dev-1.key_secret")" 600
pub=$(sed -n 's/^ *public-key = "\(.*\)"$/\1/p' "$KEYS/dev-1.key")
t_is "the public key in the database is the one in the key file" \
  "$(t_psql ruglab_admin "SELECT public_key FROM clinical.device WHERE device_id = 'dev-1'")" "$pub"
t_fails "no secret key in the public file" grep -q secret-key "$KEYS/dev-1.key"
t_check "a second device" ruglab device add dev-2 --site az-test --model tergumed-710 --key-dir "$KEYS"
t_check "a third device" ruglab device add dev-3 --site az-test --model tergumed-710 --key-dir "$KEYS"
t_fails_with "an existing device id is refused" "already exists" \
  ruglab device add dev-1 --site az-test --model x --key-dir "$T_TMP"
t_fails_with "an unknown site is refused" "no site with code 'nowhere'" \
  ruglab device add dev-9 --site nowhere --model x --key-dir "$T_TMP"
t_is "a refused add leaves no key files" "$(ls "$T_TMP" | grep -c '^dev-9')" 0
t_fails_with "a bad device id is refused" "not a valid device id" \
  ruglab device add 'dev 9' --site az-test --model x --key-dir "$T_TMP"
out=$(ruglab device list)
t_match "device list shows the devices" "$out" "dev-1 +az-test +tergumed-710"
t_is "device list --json" "$(ruglab --json device list | jq -r '[.[].device_id] | join(",")')" "dev-1,dev-2,dev-3"
out=$(ruglab --json device add dev-4 --site az-test --model tergumed-710 --key-dir "$T_TMP/new/keys" 2>&1); rc=$?
t_is "device add --json exits 0, making a missing key directory" "$rc" 0
t_is "device add --json prints JSON with the key files" "$(jq -r '.device_id + " " + .secret_key_file' <<<"$out")" \
  "dev-4 $T_TMP/new/keys/dev-4.key_secret"
t_is "the new key directory is private (0700)" "$(stat -c %a "$T_TMP/new/keys")" 700
help=$(ruglab device --help)
t_match "device --help names the agent's real config keys" "$help" "secret_key_file.*server_public_key"
t_fails "device --help names no key that does not exist" grep -qE "agent's key_file|collector_public_key" <<<"$help"
t_match "device --help says a revoked device's connection is closed" "$help" "close that"
out=$(ruglab-collector --gen-key "$T_TMP/new/ckey" 2>&1); rc=$?
t_is "collector --gen-key makes a missing directory" "$rc" 0
t_match "collector --gen-key names the agent's key" "$out" "server_public_key"

# --- configuration
ruglab-collector --gen-key "$CKEY" >"$T_TMP/genkey.out"
t_is "collector secret key file is mode 0600" "$(stat -c %a "$CKEY/collector.key_secret")" 600
t_fails_with "gen-key refuses to overwrite" "already exists" ruglab-collector --gen-key "$CKEY"
t_check "the example configuration is the schema's" \
  cmp <(ruglab-collector --example-config) "$T_ROOT/deploy/collector.conf.example"
t_collector_conf test-collector "tcp://127.0.0.1:*" "status_interval_s = 1" "[batch]" "max_delay_ms = 5" \
  >"$T_TMP/collector.conf"
out=$(ruglab-collector --config "$T_TMP/collector.conf" --check-config 2>&1); rc=$?
t_is "check-config: exit 0" "$rc" 0
t_match "check-config reaches the database as the collector and binds the address" "$out" \
  "^configuration OK: database host=.* user=ruglab_collector, listening on tcp://127.0.0.1:\*$"
out=$(ruglab-collector --config "$T_TMP/collector.conf" --db "host=127.0.0.1 port=1 dbname=ruglab connect_timeout=3" --check-config 2>&1); rc=$?
t_is "check-config with an unreachable database: exit 3" "$rc" 3
t_match "and it says so" "$out" "127.0.0.1.*port 1"
sed 's#^listen = .*#listen = tcp://192.0.2.1:7470#' "$T_TMP/collector.conf" >"$T_TMP/far.conf"
out=$(ruglab-collector --config "$T_TMP/far.conf" --check-config 2>&1); rc=$?
t_is "check-config with an address this machine does not have: exit 4" "$rc" 4
t_match "and it names the address" "$out" "cannot listen on tcp://192.0.2.1:7470: "
# secret key files: private to their owner, and a reason when unreadable
cp "$CKEY/collector.key_secret" "$T_TMP/open.key_secret"
chmod 0644 "$T_TMP/open.key_secret"
sed "s#^secret_key_file = .*#secret_key_file = $T_TMP/open.key_secret#" "$T_TMP/collector.conf" >"$T_TMP/open.conf"
out=$(ruglab-collector --config "$T_TMP/open.conf" --check-config 2>&1); rc=$?
t_is "a secret key readable by others: exit 4" "$rc" 4
t_match "it says so and how to fix it" "$out" "key file $T_TMP/open.key_secret is readable by others \(mode 0644\).*chmod 600"
sed "s#^secret_key_file = .*#secret_key_file = $T_TMP/missing.key_secret#" "$T_TMP/collector.conf" >"$T_TMP/missing.conf"
out=$(ruglab-collector --config "$T_TMP/missing.conf" --check-config 2>&1); rc=$?
t_is "a missing key file: exit 4" "$rc" 4
t_match "the reason is the system's" "$out" "cannot read key file $T_TMP/missing.key_secret: No such file or directory"
t_fails "and no new key is suggested (devices trust the one they have)" grep -q "gen-key" <<<"$out"
printf '[collector]\nlisten = tcp://127.0.0.1:*\nbogus = 1\n' >"$T_TMP/bad.conf"
out=$(ruglab-collector --config "$T_TMP/bad.conf" --check-config 2>&1); rc=$?
t_is "an unknown key: exit 4" "$rc" 4
t_match "an unknown key is named with file and line" "$out" "bad.conf:3: unknown key 'bogus'"
t_check "--help" ruglab-collector --help
t_match "--version" "$(ruglab-collector --version)" "^ruglab-collector [0-9]"

t_start_collector "$T_TMP/collector.conf" || { t_done; exit 1; }
EP=$(t_collector_endpoint)
t_match "the READY line names the endpoint" "$EP" "^tcp://127.0.0.1:[0-9]+$"

# send DEVICE [OPTIONS] < json lines: prints the acks
send() {
  local dev=$1; shift
  t_send "$dev" --timeout-ms 8000 "$@"
}
S='"session_id": "s-1", "patient_token": "RB-0001"'
# a fixed time: a resend is the same message, byte for byte, as an agent's is
T=$(( $(date +%s) - 60 ))000000
GOOD=$(cat <<JSON
{"kind": "hello", "boot_id": 1, "seq": 1, "taken_at_us": $T, "spool_depth": 7}
{"kind": "session_start", "boot_id": 1, "seq": 2, "taken_at_us": $T, $S, "session_kind": "test"}
{"kind": "test_result", "boot_id": 1, "seq": 3, "taken_at_us": $T, $S, "direction": "extension", "trial": 1, "rom_deg": 42.5, "max_torque_nm": 180.25, "angle_at_max_deg": -10}
{"kind": "training_set", "boot_id": 1, "seq": 4, "taken_at_us": $T, $S, "direction": "flexion", "set_number": 1, "load_nm": 60, "repetitions": 12, "range_min_deg": -20, "range_max_deg": 30, "time_under_tension_s": 40}
{"kind": "sample_batch", "boot_id": 1, "seq": 5, "taken_at_us": $T, $S, "direction": "extension", "context": "test_trial", "context_number": 1, "angle_deg": [1.04, 1.25, -2.25], "torque_nm": [100.0, -0.75, 999.99]}
{"kind": "questionnaire", "boot_id": 1, "seq": 6, "taken_at_us": $T, $S, "instrument": "ODI", "version": "2.1a", "answers": [[1,1],[2,2],[3,3],[4,0],[5,1],[6,2],[7,3],[8,4],[9,5],[10,0]]}
{"kind": "session_end", "boot_id": 1, "seq": 7, "taken_at_us": $T, $S, "duration_s": 7300}
{"kind": "heartbeat", "boot_id": 1, "seq": 8, "taken_at_us": $T, "spool_depth": 3, "oldest_unacked_s": 12}
JSON
)
out=$(send dev-1 <<<"$GOOD"); rc=$?
t_is "every good message is acknowledged" "$rc" 0
t_is "eight acks, all accepted" "$(grep -c '^ack 1 [0-9]* accepted NONE' <<<"$out")" 8
q="SELECT (SELECT count(*) FROM meas.test_trial) || ',' || (SELECT count(*) FROM meas.training_set)
   || ',' || (SELECT count(*) FROM meas.sample_batch) || ',' || (SELECT count(*) FROM meas.session_event)
   || ',' || (SELECT count(*) FROM meas.questionnaire_response)"
t_is "each measurement is stored once" "$(t_psql ruglab_admin "$q")" "1,1,1,2,1"
t_is "the values as sent" "$(t_psql ruglab_admin "SELECT device_id, boot_id, seq, direction, trial, rom_deg, max_torque_nm, enrolment_id FROM meas.test_trial")" \
  "dev-1|1|3|extension|1|42.5|180.25|1"
t_is "samples in tenths, rounded" "$(t_psql ruglab_admin "SELECT angle_ddeg, torque_dnm FROM meas.sample_batch")" \
  "{10,13,-23}|{1000,-8,10000}"
t_is "the questionnaire is scored" "$(t_psql ruglab_admin "SELECT instrument, version, score, answers->0->>'value' FROM meas.questionnaire_response")" \
  "ODI|2.1a|42.00|1"
t_is "the heartbeat updates the device status" \
  "$(t_psql ruglab_admin "SELECT spool_depth, oldest_unacked_s, collector, last_seq FROM meas.device_status WHERE device_id = 'dev-1'")" \
  "3|12|test-collector|8"

out=$(send dev-1 <<<"$GOOD"); rc=$?
t_is "a resend is acknowledged" "$rc" 0
t_is "the resent measurements are duplicates" "$(grep -c '^ack 1 [2-7] duplicate NONE' <<<"$out")" 6
t_is "nothing is stored twice" "$(t_psql ruglab_admin "$q")" "1,1,1,2,1"
T2=$(( T + 1000000 ))
out=$(send dev-1 <<JSON
{"kind": "sample_batch", "boot_id": 1, "seq": 5, "taken_at_us": $T2, $S, "direction": "extension", "context": "test_trial", "context_number": 1, "angle_deg": [5], "torque_nm": [50]}
{"kind": "training_set", "boot_id": 1, "seq": 3, "taken_at_us": $T, $S, "direction": "flexion", "set_number": 9, "load_nm": 60, "repetitions": 12, "range_min_deg": -20, "range_max_deg": 30, "time_under_tension_s": 40}
JSON
)
t_match "a resend with taken_at moved by a second is a DUPLICATE" "$out" "ack 1 5 duplicate NONE"
t_match "a TrainingSet reusing a TestResult's key is a DUPLICATE" "$out" "ack 1 3 duplicate NONE"
t_is "the originals are kept, nothing stored beside them" "$(t_psql ruglab_admin "$q")" "1,1,1,2,1"
t_is "the sample batch is still the original" \
  "$(t_psql ruglab_admin "SELECT angle_ddeg FROM meas.sample_batch WHERE boot_id = 1 AND seq = 5")" "{10,13,-23}"

# --- bad input: right reason, a dead letter, and the collector keeps serving
bad() {  # DESC DEVICE EXPECTED_ACK_REGEX JSON
  local out
  out=$(send "$2" <<<"$4")
  t_match "$1" "$out" "$3"
}
bad "ROM of 720 degrees: OUT_OF_RANGE" dev-1 "^ack 1 20 rejected OUT_OF_RANGE rom_deg 720 out of range" \
  "{\"kind\": \"test_result\", \"boot_id\": 1, \"seq\": 20, $S, \"direction\": \"extension\", \"trial\": 2, \"rom_deg\": 720, \"max_torque_nm\": 100}"
bad "negative torque: OUT_OF_RANGE" dev-1 "^ack 1 21 rejected OUT_OF_RANGE max_torque_nm -5" \
  "{\"kind\": \"test_result\", \"boot_id\": 1, \"seq\": 21, $S, \"direction\": \"extension\", \"trial\": 2, \"rom_deg\": 40, \"max_torque_nm\": -5}"
bad "unknown patient token: UNKNOWN_PATIENT" dev-1 "^ack 1 22 rejected UNKNOWN_PATIENT" \
  "{\"kind\": \"session_start\", \"boot_id\": 1, \"seq\": 22, \"session_id\": \"s-2\", \"patient_token\": \"RB-NOBODY\"}"
bad "a patient not enrolled: NOT_ENROLLED" dev-1 "^ack 1 23 rejected NOT_ENROLLED" \
  "{\"kind\": \"session_start\", \"boot_id\": 1, \"seq\": 23, \"session_id\": \"s-3\", \"patient_token\": \"RB-0002\"}"
bad "measured before the enrolment: NOT_ENROLLED" dev-1 "^ack 1 24 rejected NOT_ENROLLED" \
  "{\"kind\": \"session_start\", \"boot_id\": 1, \"seq\": 24, $S, \"taken_offset_s\": -2592000}"
bad "another device's id: DEVICE_MISMATCH" dev-1 "^ack 1 25 rejected DEVICE_MISMATCH device_id 'dev-2' differs" \
  "{\"kind\": \"test_result\", \"device_id\": \"dev-2\", \"boot_id\": 1, \"seq\": 25, $S, \"direction\": \"extension\", \"rom_deg\": 40, \"max_torque_nm\": 100}"
bad "from the future: BAD_TIMESTAMP" dev-1 "^ack 1 26 rejected BAD_TIMESTAMP" \
  "{\"kind\": \"session_start\", \"boot_id\": 1, \"seq\": 26, $S, \"taken_offset_s\": 3600}"
bad "protocol version 2: UNSUPPORTED_VERSION" dev-1 "^ack 1 27 rejected UNSUPPORTED_VERSION" \
  "{\"kind\": \"session_start\", \"protocol_version\": 2, \"boot_id\": 1, \"seq\": 27, $S}"
bad "no session id: MISSING_FIELD" dev-1 "^ack 1 28 rejected MISSING_FIELD" \
  "{\"kind\": \"session_end\", \"boot_id\": 1, \"seq\": 28, \"patient_token\": \"RB-0001\"}"
bad "an NPRS of 11: OUT_OF_RANGE" dev-1 "^ack 1 29 rejected OUT_OF_RANGE" \
  "{\"kind\": \"questionnaire\", \"boot_id\": 1, \"seq\": 29, $S, \"instrument\": \"NPRS\", \"version\": \"1\", \"answers\": [[1, 11]]}"
bad "a truncated protobuf: MALFORMED" dev-1 "^ack 0 0 rejected MALFORMED" \
  "{\"kind\": \"test_result\", \"boot_id\": 1, \"seq\": 30, $S, \"direction\": \"extension\", \"rom_deg\": 40, \"raw_truncate\": 6}"
bad "random bytes: MALFORMED" dev-1 "^ack 0 0 rejected MALFORMED" '{"raw_random": 500}'
bad "a 10 MiB message: TOO_LARGE" dev-1 "^ack 0 0 rejected TOO_LARGE" '{"raw_random": 10485760}'
bad "a real Envelope padded past 1 MiB: TOO_LARGE, and the ack names it" dev-1 "^ack 1 31 rejected TOO_LARGE" \
  "{\"kind\": \"session_start\", \"boot_id\": 1, \"seq\": 31, $S, \"pad_bytes\": 1100000}"
bad "10,001 samples: OUT_OF_RANGE, and the ack names it" dev-1 "^ack 1 32 rejected OUT_OF_RANGE sample_batch: more than 10000 samples" \
  "{\"kind\": \"sample_batch\", \"boot_id\": 1, \"seq\": 32, $S, \"direction\": \"extension\", \"samples\": 10001}"
t_is "one dead letter per rejected message, with its reason" \
  "$(t_psql ruglab_admin "SELECT string_agg(reason, ',' ORDER BY dead_letter_id) FROM meas.dead_letter")" \
  "OUT_OF_RANGE,OUT_OF_RANGE,UNKNOWN_PATIENT,NOT_ENROLLED,NOT_ENROLLED,DEVICE_MISMATCH,BAD_TIMESTAMP,UNSUPPORTED_VERSION,MISSING_FIELD,OUT_OF_RANGE,MALFORMED,MALFORMED,TOO_LARGE,TOO_LARGE,OUT_OF_RANGE"
t_is "a dead letter keeps the raw bytes, the authenticated and the claimed device" \
  "$(t_psql ruglab_admin "SELECT device_id, claimed_device_id, boot_id, seq, length(raw) > 20 FROM meas.dead_letter WHERE reason = 'DEVICE_MISMATCH'")" \
  "dev-1|dev-2|1|25|t"
t_is "the 10 MiB message is kept as its first 64 KiB and its size" \
  "$(t_psql ruglab_admin "SELECT length(raw), detail LIKE '%truncated to the first 65536 of 10485760%' FROM meas.dead_letter WHERE reason = 'TOO_LARGE' AND seq IS NULL")" \
  "65536|t"
t_is "a too large Envelope's dead letter keeps its key and claimed device" \
  "$(t_psql ruglab_admin "SELECT claimed_device_id, boot_id, seq FROM meas.dead_letter WHERE reason = 'TOO_LARGE' AND seq IS NOT NULL")" "dev-1|1|31"
t_is "nothing rejected was stored" "$(t_psql ruglab_admin "$q")" "1,1,1,2,1"
out=$(send dev-2 <<<"{\"kind\": \"test_result\", \"boot_id\": 5, \"seq\": 1, $S, \"direction\": \"rotation_left\", \"trial\": 1, \"rom_deg\": 30, \"max_torque_nm\": 80}")
t_match "the collector keeps serving other devices" "$out" "^ack 5 1 accepted"

# --- text that is not UTF-8 (PostgreSQL would refuse the statement): one
# device's bad bytes are refused with a reason and never stop the others
out=$(send dev-1 <<EOT
{"kind": "hello", "boot_id": 8, "seq": 1, "firmware_version": "hex:76312e30ff"}
{"kind": "questionnaire", "boot_id": 8, "seq": 2, $S, "instrument": "NPRS", "version": "1", "answers": [[1, 3, "hex:6b6f7070696ee9"]]}
EOT
)
t_match "a Hello whose firmware version is not UTF-8 is rejected with its key and a reason" "$out" \
  "ack 8 1 rejected INVALID hello.firmware_version: not valid UTF-8 \(byte 5 of 5\)"
t_match "an answer label that is not UTF-8 is rejected, not dropped" "$out" \
  "ack 8 2 rejected INVALID questionnaire.answers.label: not valid UTF-8"
out=$(send dev-2 <<<"{\"kind\": \"test_result\", \"boot_id\": 8, \"seq\": 1, $S, \"direction\": \"flexion\", \"trial\": 1, \"rom_deg\": 30, \"max_torque_nm\": 80}")
t_match "the other devices are served meanwhile" "$out" "^ack 8 1 accepted"
t_is "both are kept as dead letters with the reason" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM meas.dead_letter WHERE boot_id = 8 AND device_id = 'dev-1' AND reason = 'INVALID' AND detail LIKE '%not valid UTF-8%'")" 2
printf '[collector]\nname = \xe9tage-2\nlisten = tcp://127.0.0.1:*\n' >"$T_TMP/latin1.conf"
out=$(ruglab-collector --config "$T_TMP/latin1.conf" --check-config 2>&1); rc=$?
t_is "a collector name that is not UTF-8: --check-config exits 4" "$rc" 4
t_match "... naming the file, line and key" "$out" "latin1.conf:2: name in \[collector\]: the value is not valid UTF-8"
printf '[collector]\nname = a\nname = b\n' >"$T_TMP/twice.conf"
t_fails_with "a key set twice is refused" "twice.conf:3: name in \[collector\] is set twice \(first on line 2\)" \
  ruglab-collector --config "$T_TMP/twice.conf" --check-config

# --- after a programme's end: stored with that programme (never lost),
# outside its dates, counted nowhere and shown as a warning
t_psql ruglab_admin "INSERT INTO clinical.subject (site_id, badge_token, pseudonym, sex) VALUES (1, 'RB-0003', 'PS-0003', 'F');
  INSERT INTO clinical.enrolment (subject_id, site_id, programme_id, indication, route, start_date, age_at_start, status, end_date)
    VALUES (3, 1, 1, 'chronic', 'riziv', current_date - 40, 50, 'dropped_out', current_date - 5)" >/dev/null
dead_before=$(t_psql ruglab_admin "SELECT count(*) FROM meas.dead_letter")
E="\"session_id\": \"late-1\", \"patient_token\": \"RB-0003\", \"taken_at_us\": $T"
out=$(send dev-2 <<EOT
{"kind": "session_start", "boot_id": 7, "seq": 1, $E, "session_kind": "test"}
{"kind": "test_result", "boot_id": 7, "seq": 2, $E, "direction": "extension", "trial": 1, "rom_deg": 40, "max_torque_nm": 150}
EOT
)
t_is "a measurement after the programme's end is accepted" "$(grep -c '^ack 7 [12] accepted NONE' <<<"$out")" 2
t_is "... stored with the ended programme, not as a dead letter" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM meas.test_trial t JOIN clinical.enrolment e USING (enrolment_id)
      WHERE t.boot_id = 7 AND e.subject_id = 3")|$(t_psql ruglab_admin "SELECT count(*) FROM meas.dead_letter")" "1|$dead_before"
t_is "... counted nowhere (no session, no test occasion)" \
  "$(t_psql ruglab_admin "SELECT a.attended_total, (SELECT count(*) FROM clinical.v_test_occasion o WHERE o.enrolment_id = a.enrolment_id)
      FROM clinical.v_attendance a JOIN clinical.enrolment e USING (enrolment_id) WHERE e.subject_id = 3")" "0|0"
t_match "... and shown as a warning by enrolment status" "$(ruglab enrolment status RB-0003)" \
  "warning: 1 session recorded outside the programme's dates .*warning: 1 test trial recorded outside"

# --- a message the database refuses (a rule added later that validation does not know)
# becomes a dead letter; the other messages of its batch are stored
t_psql ruglab_admin "ALTER TABLE meas.training_set ADD CONSTRAINT test_no_777 CHECK (load_nm <> 777)"
TS="\"kind\": \"training_set\", \"boot_id\": 6, $S, \"direction\": \"flexion\", \"repetitions\": 5, \"range_max_deg\": 10"
out=$(send dev-2 <<EOT
{$TS, "seq": 1, "set_number": 1, "load_nm": 50}
{$TS, "seq": 2, "set_number": 2, "load_nm": 777}
{$TS, "seq": 3, "set_number": 3, "load_nm": 60}
EOT
)
t_match "the refused message is rejected with the database's reason" "$out" "ack 6 2 rejected INVALID refused by the database: .*test_no_777"
t_is "the rest of its batch is stored" "$(t_psql ruglab_admin "SELECT string_agg(seq::text, ',' ORDER BY seq) FROM meas.training_set WHERE boot_id = 6")" "1,3"
t_is "and it is kept as a dead letter" "$(t_psql ruglab_admin "SELECT count(*) FROM meas.dead_letter WHERE boot_id = 6 AND seq = 2 AND reason = 'INVALID'")" 1
t_psql ruglab_admin "ALTER TABLE meas.training_set DROP CONSTRAINT test_no_777"

# --- an unenrolled key gets nothing stored
mkdir -p "$T_TMP/rogue" && ruglab-collector --gen-key "$T_TMP/rogue" >/dev/null
out=$("$T_ROOT/$BUILD/tests/rl-send" --connect "$EP" --key "$T_TMP/rogue/collector.key_secret" --server-key "$CKEY/collector.key" \
  --device dev-1 --timeout-ms 1500 <<<"{\"kind\": \"test_result\", \"boot_id\": 9, \"seq\": 1, $S, \"direction\": \"extension\", \"rom_deg\": 40}"); rc=$?
t_is "an unenrolled key gets no acknowledgement" "$rc" 1
t_match "an unenrolled key's handshake is refused" "$out" "handshake refused"
t_is "nothing from the unenrolled key is stored" "$(t_psql ruglab_admin "SELECT count(*) FROM meas.test_trial WHERE boot_id = 9")" 0

# --- revocation takes effect without a restart, also on a live connection
fifo=$T_TMP/dev3.fifo
mkfifo "$fifo"
send dev-3 --timeout-ms 20000 <"$fifo" >"$T_TMP/dev3.out" 2>&1 &
sender=$!
exec 7>"$fifo"
echo "{\"kind\": \"session_start\", \"boot_id\": 1, \"seq\": 1, $S}" >&7
t_wait_line "$T_TMP/dev3.out" "^ack 1 1 accepted" 10
t_check "device revoke" ruglab device revoke dev-3 --reason "stolen"
t_match "device list shows the revocation" "$(ruglab device list)" "dev-3 .* stolen"
t_wait_line "$T_COLLECTOR_LOG" "dev-3 revoked: refused from now on" 5  # within the 1 s refresh
echo "{\"kind\": \"session_start\", \"boot_id\": 1, \"seq\": 2, $S}" >&7
t_wait_line "$T_TMP/dev3.out" "^ack 1 2 rejected UNKNOWN_DEVICE" 5
t_wait_line "$T_COLLECTOR_LOG" "dev-3.*revoked: its connection is closed" 5 && \
  t_ok "the revoked device's live connection is closed after its REJECTED ack"
t_wait_line "$T_TMP/dev3.out" "handshake refused" 10 && \
  t_ok "... and its automatic reconnection is refused"
exec 7>&-
wait $sender
t_is "nothing from the revoked device is stored after revocation" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM meas.session_event WHERE device_id = 'dev-3'")" 1
out=$(send dev-3 --timeout-ms 1500 <<<"{\"kind\": \"session_start\", \"boot_id\": 1, \"seq\": 3, $S}")
t_match "a revoked device cannot connect again" "$out" "handshake refused"

# --- status, reload, shutdown
t_wait_for "collector status written" 5 bash -c "[ \"\$(psql -X -At '$RUGLAB_DB user=ruglab_admin' -c \"SELECT committed >= 8 FROM meas.collector_status\")\" = t ]"
st=$(ruglab --json status)
t_is "status: the collector's counters" "$(jq -r '.collectors[0] | "\(.collector) \(.duplicates) \(.rejected >= 14)"' <<<"$st")" "test-collector 8 true"
t_is "status: a device's spool depth and lag" "$(jq -r '.devices[] | select(.device_id == "dev-1") | "\(.spool_depth) \(.lag_s) \(.last_seen_s_ago < 60)"' <<<"$st")" "3 12 true"
t_match "status as a table" "$(ruglab status)" "dev-3 .*\(revoked\)"
t_fails "the log names no patient token" grep -q "RB-0001" "$T_COLLECTOR_LOG"

cp "$T_TMP/collector.conf" "$T_TMP/collector.conf.good"
printf '[collector]\nnonsense = 1\n' >>"$T_TMP/collector.conf"
kill -HUP "$T_COLLECTOR_PID"
t_wait_line "$T_COLLECTOR_LOG" "reload failed, keeping the old configuration: .*collector.conf:[0-9]+: unknown key 'nonsense'" 5
out=$(send dev-1 <<<"{\"kind\": \"heartbeat\", \"boot_id\": 1, \"seq\": 40}")
t_match "after a failed reload the collector still serves" "$out" "^ack 1 40 accepted"
sed 's/^status_interval_s = 1$/&\nlog_level = debug/' "$T_TMP/collector.conf.good" >"$T_TMP/collector.conf"
kill -HUP "$T_COLLECTOR_PID"
t_wait_line "$T_COLLECTOR_LOG" "configuration reloaded" 5 && t_ok "a valid configuration is reloaded on SIGHUP"
# --- no device can fill the database with dead letters
{ cat "$T_TMP/collector.conf"; printf '[security]\ndead_letters_per_minute = 3\n'; } >"$T_TMP/collector.conf.limit"
cp "$T_TMP/collector.conf.limit" "$T_TMP/collector.conf"
kill -HUP "$T_COLLECTOR_PID"
t_wait_for "the dead-letter limit is reloaded" 5 bash -c "[ \$(grep -c 'configuration reloaded' '$T_COLLECTOR_LOG') -ge 2 ]"
out=$(for i in $(seq 1 10); do
  echo "{\"kind\": \"test_result\", \"boot_id\": 9, \"seq\": $i, $S, \"direction\": \"extension\", \"trial\": 1, \"rom_deg\": 720, \"max_torque_nm\": 100}"
done | send dev-2)
t_is "every rejected message is still acknowledged REJECTED" "$(grep -c '^ack 9 [0-9]* rejected OUT_OF_RANGE' <<<"$out")" 10
t_is "only dead_letters_per_minute of them are kept as dead letters" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM meas.dead_letter WHERE device_id = 'dev-2' AND boot_id = 9")" 3
t_match "the log says the rest was not kept" "$(cat "$T_COLLECTOR_LOG")" "dev-2.*more than 3 rejected messages in a minute"

t_stop_collector; rc=$?
t_is "SIGTERM: exit 0" "$rc" 0
t_match "SIGTERM: it says it stopped" "$(tail -n 3 "$T_COLLECTOR_LOG")" "stopped"

t_done
