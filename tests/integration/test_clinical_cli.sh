# The clinical CLI after enrolment: patients under each seed programme and
# a site's own template; sessions by hand and from device session events;
# attendance, warnings, time points and their override, questionnaires,
# ending a programme, reference values, patient show/find and the access
# log; bad input refused with one line and nothing changed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clinical_lib.sh"

t_pg_start

snapshot() {
  t_psql ruglab_admin "SELECT concat_ws(',', (SELECT count(*) FROM clinical.session), (SELECT count(*) FROM meas.questionnaire_response),
    (SELECT count(*) FROM clinical.enrolment), (SELECT count(*) FROM clinical.timepoint_override),
    (SELECT count(*) FROM clinical.reference_value), (SELECT count(*) FROM clinical.programme),
    (SELECT string_agg(status || coalesce(end_date::text, ''), ' ' ORDER BY enrolment_id) FROM clinical.enrolment))"
}
future=$(date -u -d '+10 days' +%F)

ruglab site add --code az-oost --name "AZ Oost" >/dev/null
ruglab gp add --riziv 12345678901 --family-name Peeters --given-name Jan >/dev/null
# patient N: born 1970-01-0N (men, serial 001)
insz() { local n; n=$(printf '7001%02d001' "$1"); printf '%s%02d' "$n" $((97 - 10#$n % 97)); }
for i in 1 2 3 4; do
  ruglab patient add --site az-oost --family-name "Patient$i" --given-name "Test" --birth-date "1970-01-0$i" \
    --sex M --insz "$(insz "$i")" --weight 80 --gp 12345678901 >/dev/null
done
t_is "four patients" "$(t_psql ruglab_admin "SELECT count(*) FROM identity.patient")" 4

# --- a site's own template
out=$(ruglab --json programme add --site az-oost --code az-oost-12w --name "AZ Oost 12 weken" \
  --exercise 22 --information 2 --max-per-week 2 --max-weeks 12 --mid-test-session 12)
t_is "programme add --json" "$(jq -r .code <<<"$out")" az-oost-12w
t_is "the site's template: 84 days, 24 sessions" \
  "$(t_psql ruglab_admin "SELECT total_sessions || ':' || max_duration_days || ':' || (site_id IS NOT NULL) FROM clinical.programme WHERE code = 'az-oost-12w'")" "24:84:true"
t_match "programme list shows the seeds and the site's template" "$(ruglab programme list)" \
  "mrr-36.*rugschool-30.*rugschool-36-18w.*az-oost-12w"
t_is "programme show --json" "$(ruglab --json programme show rugschool-30 | jq -c '[.total_sessions, .max_extra_sessions, .mid_test_session]')" "[30,6,15]"
one_line_fail "a template whose mid test is past its last session is refused" "mid test" \
  ruglab programme add --site az-oost --code bad-tpl --name Bad --exercise 4 --information 0 --max-per-week 2 --max-weeks 4 --mid-test-session 6

# --- enrol under each seed programme and the site's template
e1=$(ruglab --json enrol 1 --programme mrr-36 --start 2026-01-05 --route riziv --indication chronic --pain-since 2025-09-01 | jq -r .enrolment_id)
e2=$(ruglab --json enrol 2 --programme rugschool-30 --start 2026-01-05 --route riziv --indication chronic --pain-since 2025-09-01 | jq -r .enrolment_id)
e3=$(ruglab --json enrol 3 --programme rugschool-36-18w --start 2026-01-05 --route fedris --indication post-surgery --surgery-date 2025-12-01 | jq -r .enrolment_id)
out=$(ruglab --json cohort add --site az-oost --code G2026-01 --programme az-oost-12w --start 2026-01-05 --time-block 13-15)
t_is "cohort add --json" "$(jq -r .cohort_id <<<"$out")" 1
one_line_fail "a bad time block" "is not HH-HH" ruglab cohort add --site az-oost --code G2 --programme mrr-36 --start 2026-01-05 --time-block 1pm
one_line_fail "a time block past the day's hours" "'25-99' is not a block of the day" ruglab cohort add --site az-oost --code G2 --programme mrr-36 --start 2026-01-05 --time-block 25-99
one_line_fail "a time block ending before it starts" "'10-08' is not a block of the day" ruglab cohort add --site az-oost --code G2 --programme mrr-36 --start 2026-01-05 --time-block 10-08
e4=$(ruglab --json enrol 4 --programme az-oost-12w --start 2026-01-05 --route riziv --indication chronic --pain-since 2025-09-01 --cohort G2026-01 | jq -r .enrolment_id)
t_is "cohort list counts the enrolled patient" "$(ruglab --json cohort list --site az-oost | jq -c '[.[] | [.code, .time_block, .patients]]')" '[["G2026-01","13-15",1]]'
t_is "enrolled under each seed programme and the site's own" "$e1 $e2 $e3 $e4" "1 2 3 4"

# --- sessions by hand (patient 1: mrr-36): information sessions, a no-show, a cancellation
t_check "session add (information)" ruglab session add 1 --date 2026-01-06 --note "ergonomics"
t_check "session add (exercise, by hand)" ruglab session add 1 --date 2026-01-08 --kind exercise
t_check "a third session in the same week" ruglab session add 1 --date 2026-01-09 --kind exercise
t_check "session no-show" ruglab session no-show 1 --date 2026-01-12
t_check "session cancel" ruglab session cancel 1 --date 2026-01-13 --note "called in sick"
t_is "entered_by is the OS user" "$(SUDO_USER=alice ruglab --json session add 1 --date 2026-01-15 | jq -r .session_id | xargs -I{} psql -X -At "$RUGLAB_DB user=ruglab_admin" -c 'SELECT entered_by FROM clinical.session WHERE session_id = {}')" alice
# device sessions of patient 1, as the collector writes them: Mondays and Thursdays from 2026-01-19
t_psql ruglab_collector "INSERT INTO meas.session_event (device_id, boot_id, seq, taken_at, session_id, enrolment_id, event, kind)
  SELECT 'dev-1', 1, i, (date '2026-01-19' + (i / 2) * 7 + (i % 2) * 3 + time '09:00') AT TIME ZONE 'Europe/Brussels',
         's' || i, $e1, 'start', 'training' FROM generate_series(0, 9) i" >/dev/null
st=$(ruglab --json enrolment status 1)
t_is "enrolment status: attendance (4 by hand + 10 from the device)" \
  "$(jq -c '[.attended_total, .attended_exercise, .attended_information, .no_shows, .cancellations, .planned_sessions]' <<<"$st")" \
  "[14,12,2,1,1,36]"
t_is "v_attendance agrees" "$(t_psql ruglab_admin "SELECT attended_total || ':' || first_date || ':' || last_date FROM clinical.v_attendance WHERE enrolment_id = $e1")" \
  "14:2026-01-06:2026-02-19"
t_is "warnings: three sessions in ISO week 2026-W02" "$(jq -c '[.warnings[] | .kind + ":" + .date]' <<<"$st")" \
  '["too_many_in_week:2026-01-09"]'
t_match "enrolment status (text) shows the warning" "$(ruglab enrolment status 1)" \
  "attended 14 of 36 planned sessions.*warning: 3 sessions attended in ISO week 2026-W02 \(at most 2 per week\)"
t_match "session list shows device and manual sessions with numbers" "$(ruglab session list 1)" \
  "1 +2026-01-06 +information +attended +manual.*14 +2026-02-19 +exercise +attended +device +dev-1 +s9"

# a device session cancelled by hand (badge scanned by mistake)
t_check "session cancel of a device session" ruglab session cancel 1 --device dev-1 --device-session s9 --note "wrong badge"
t_is "it no longer counts" "$(t_psql ruglab_admin "SELECT attended_total || ':' || cancellations FROM clinical.v_attendance WHERE enrolment_id = $e1")" "13:2"

# patient 2 (rugschool-30: 30 + 6 extra, 126 days): 37 sessions twice a week
t_psql ruglab_collector "INSERT INTO meas.session_event (device_id, boot_id, seq, taken_at, session_id, enrolment_id, event, kind)
  SELECT 'dev-2', 1, i, (date '2026-01-05' + (i / 2) * 7 + (i % 2) * 3 + time '09:00') AT TIME ZONE 'Europe/Brussels',
         't' || i, $e2, 'start', 'training' FROM generate_series(0, 36) i" >/dev/null
t_is "rugschool-30: more sessions than allowed and past the maximum duration" \
  "$(ruglab --json enrolment status 2 | jq -c '[.attended_total, ([.warnings[].kind] | unique)]')" \
  '[37,["past_max_duration","too_many_sessions"]]'
# patient 3 (rugschool-36-18w, 126 days): a session on day 127
t_psql ruglab_collector "INSERT INTO meas.session_event (device_id, boot_id, seq, taken_at, session_id, enrolment_id, event, kind) VALUES
  ('dev-3', 1, 1, '2026-01-05 09:00+01', 'u1', $e3, 'start', 'test'),
  ('dev-3', 1, 2, '2026-05-12 09:00+02', 'u2', $e3, 'start', 'training')" >/dev/null
t_match "rugschool-36-18w: a session past 18 weeks is a warning" \
  "$(ruglab enrolment status 3)" "attended 2 of 36.*warning: .*2026-05-12"
t_is "patient 4 (site template): no sessions, no warnings" \
  "$(ruglab --json enrolment status 4 | jq -c '[.attended_total, .planned_sessions, (.warnings | length)]')" "[0,24,0]"

# --- bad session input changes nothing
before=$(snapshot)
one_line_fail "a session date in the future is refused" "the session date $future is in the future" \
  ruglab session add 1 --date "$future"
one_line_fail "a no-show in the future is refused" "in the future" ruglab session no-show 1 --date "$future"
one_line_fail "the same session twice" "already recorded" ruglab session add 1 --date 2026-01-06
one_line_fail "an impossible date" "--date" ruglab session add 1 --date 2026-02-30
one_line_fail "an unknown kind" "--kind must be" ruglab session add 1 --date 2026-01-07 --kind yoga
one_line_fail "an unknown device session" "no session s99 of device dev-1" ruglab session cancel 1 --device dev-1 --device-session s99
t_is "nothing changed" "$(snapshot)" "$before"

# --- test occasions of patient 1: trials in sessions s0 (session 5), s7 (session 12), s8 (session 13)
t_psql ruglab_collector "INSERT INTO meas.test_trial (device_id, boot_id, seq, taken_at, session_id, enrolment_id, direction, trial, rom_deg, max_torque_nm, angle_at_max_deg)
  SELECT 'dev-1', 1, 100 + s * 10 + t, (date '2026-01-19' + (s / 2) * 7 + (s % 2) * 3 + time '09:30') AT TIME ZONE 'Europe/Brussels',
         's' || s, $e1, 'extension', t, 40, 200, 10 FROM unnest(array[0, 7, 8]) s, generate_series(1, 3) t" >/dev/null
t_is "timepoint list: start, and mid for the occasion nearest session 18 (running: no end)" \
  "$(ruglab --json timepoint list 1 | jq -c '[.[] | [.session_id, .session_number, .timepoint]]')" \
  '[["s0",5,"start"],["s7",12,null],["s8",13,"mid"]]'
before=$(snapshot)
one_line_fail "timepoint set needs an existing occasion" "no test occasion of device dev-1, session s5" \
  ruglab timepoint set 1 --device dev-1 --session s5 --timepoint mid --reason "x"
one_line_fail "timepoint set: unknown time point" "--timepoint must be" \
  ruglab timepoint set 1 --device dev-1 --session s8 --timepoint late --reason "x"
t_is "nothing changed" "$(snapshot)" "$before"
t_check "timepoint set (override)" env SUDO_USER=bob ruglab timepoint set 1 --device dev-1 --session s7 --timepoint mid --reason "s8 was aborted"
t_is "the override is recorded with who and why" \
  "$(t_psql ruglab_admin "SELECT set_by || ':' || timepoint || ':' || reason FROM clinical.timepoint_override")" "bob:mid:s8 was aborted"
t_is "and wins" "$(ruglab --json timepoint list 1 | jq -c '[.[] | [.session_id, .timepoint, .overridden]]')" \
  '[["s0","start",false],["s7","mid",true],["s8",null,false]]'

# --- questionnaires by hand
out=$(ruglab --json questionnaire add 1 --instrument ODI --date 2026-01-06 --answers 1=2,2=1,3=2,4=2,5=1,6=2,7=2,8=2,9=2)
t_is "ODI with one section missing: 16 of 45 = 35.6 %" "$(jq -c '[.score, .band]' <<<"$out")" '[35.6,"moderate"]'
t_is "stored as a manual response with the answers as entered" \
  "$(t_psql ruglab_admin "SELECT source || ':' || instrument || ':' || version || ':' || score || ':' || jsonb_array_length(answers) || ':' || (answers->0->>'value') FROM meas.questionnaire_response")" \
  "manual:ODI:2.1a:35.60:9:2"
t_check "NPRS" ruglab questionnaire add 1 --instrument NPRS --date 2026-01-06 --answers 1=7
t_check "RMDQ with yes/no" ruglab questionnaire add 1 --instrument RMDQ-24 --date 2026-01-06 \
  --answers "$(for i in $(seq 1 24); do [ "$i" -le 10 ] && printf '%d=yes,' "$i" || printf '%d=no,' "$i"; done | sed 's/,$//')"
t_is "RMDQ: 10 of 24" "$(t_psql ruglab_admin "SELECT score FROM meas.questionnaire_response WHERE instrument = 'RMDQ'")" 10.00
out=$(ruglab questionnaire add 1 --instrument ODI --date 2026-02-19 --answers 1=1,2=1,3=1,4=1,5=1,6=1,7=1)
t_match "ODI with 3 sections missing is stored without a score" "$out" "without a score"
before=$(snapshot)
one_line_fail "an answer 7 on a 0-5 item is refused naming the item" "ODI item 3: answer 7 out of range 0-5" \
  ruglab questionnaire add 1 --instrument ODI --date 2026-01-06 --answers 1=2,2=1,3=7,4=2,5=1,6=2,7=2,8=2,9=2,10=1
one_line_fail "an incomplete TSK-17 is refused" "refused: TSK-17 is incomplete" \
  ruglab questionnaire add 1 --instrument TSK-17 --date 2026-01-06 --answers 1=2,2=3
one_line_fail "a questionnaire dated in the future is refused" "in the future" \
  ruglab questionnaire add 1 --instrument NPRS --date "$future" --answers 1=3
one_line_fail "an unknown instrument" "unknown instrument" ruglab questionnaire add 1 --instrument SF36 --date 2026-01-06 --answers 1=3
one_line_fail "a malformed answer" "'3' is not ITEM=VALUE" ruglab questionnaire add 1 --instrument NPRS --date 2026-01-06 --answers 3
t_is "nothing changed" "$(snapshot)" "$before"
t_match "questionnaire list with time points" "$(ruglab questionnaire list 1)" "ODI +2.1a +35.60 +start +manual"

# --- ending programmes
before=$(snapshot)
t_fails_with "end needs --completed or --dropout" "give one of" ruglab enrolment end 2 --date 2026-03-01
one_line_fail "an end date in the future" "in the future" ruglab enrolment end 2 --completed --date "$future"
one_line_fail "an end date before the start" "before the start" ruglab enrolment end 2 --completed --date 2025-12-01
t_is "nothing changed" "$(snapshot)" "$before"
t_check "enrolment end --completed" ruglab enrolment end 1 --completed --date 2026-02-20
t_check "enrolment end --dropout" ruglab enrolment end 3 --dropout "moved abroad" --date 2026-05-12
t_is "ended programmes" "$(t_psql ruglab_admin "SELECT string_agg(enrolment_id || ':' || status || ':' || end_date || ':' || coalesce(dropout_reason, '-'), ' ' ORDER BY enrolment_id) FROM clinical.enrolment WHERE status <> 'active'")" \
  "1:completed:2026-02-20:- 3:dropped_out:2026-05-12:moved abroad"
t_is "the completed programme's last test is the end test" \
  "$(ruglab --json timepoint list 1 | jq -c '[.[] | .timepoint]')" '["start","mid","end"]'
one_line_fail "ending it twice" "no running programme" ruglab enrolment end 1 --completed --date 2026-02-21
t_is "the ended programme shows in enrolment list" "$(ruglab --json enrolment list | jq -c '[.[] | .status]')" '["completed","active","dropped_out","active"]'
t_is "enrolment list --active" "$(ruglab --json enrolment list --active | jq -c '[.[] | .enrolment_id]')" '[2,4]'
t_check "a second programme with the reintegration exception, after the first ended" \
  ruglab enrol 1 --programme mrr-36 --start 2026-06-01 --route riziv --indication chronic --pain-since 2025-09-01 \
  --exception reintegration --advisory-approved --exception-note "approved 2026-05-20"
t_is "recorded with who recorded the exception" \
  "$(t_psql ruglab_admin "SELECT exception || ':' || (exception_recorded_by IS NOT NULL) FROM clinical.enrolment WHERE enrolment_id = 5")" "reintegration:true"
one_line_fail "reintegration without the advisory physician's approval: rule R2" "R2.*advisory physician" \
  ruglab enrol 3 --programme mrr-36 --start 2026-06-01 --route riziv --indication chronic --pain-since 2025-09-01 --exception reintegration

# --- reference values
out=$(ruglab --json reference load "$T_ROOT/deploy/reference/example-reference.csv")
t_is "the example reference table loads" "$(jq -r .loaded <<<"$out")" 72
t_match "and says it is illustrative" "$(jq -r .source <<<"$out")" "ILLUSTRATIVE, NOT CLINICAL"
t_is "loading it again replaces, not adds" "$(ruglab --json reference load "$T_ROOT/deploy/reference/example-reference.csv" >/dev/null; t_psql ruglab_admin "SELECT count(*) FROM clinical.reference_value")" 72
printf '# test\ndevice_model,sex,age_min,age_max,direction,measure,value\nm1,M,20,39,extension,rom_deg,30\nm1,M,30,49,extension,rom_deg,30\n' >"$T_TMP/overlap.csv"
printf 'device_model,sex,age_min,age_max,direction,measure,value\nm1,M,20,39,sideways,rom_deg,30\n' >"$T_TMP/baddir.csv"
printf 'device_model,sex,age_min,age_max,direction,measure,value\ntergumed-710,M,20,39,extension,rom_deg,-3\n' >"$T_TMP/badval.csv"
before=$(snapshot)
one_line_fail "overlapping age bands are refused naming file and line" "overlap.csv:4: age band 30-49 overlaps 20-39 of line 3" \
  ruglab reference load "$T_TMP/overlap.csv"
one_line_fail "an unknown direction" "baddir.csv:2: .*sideways" ruglab reference load "$T_TMP/baddir.csv"
one_line_fail "a negative value (the model's values stay)" "badval.csv:2: value '-3'" ruglab reference load "$T_TMP/badval.csv"
t_is "nothing changed" "$(snapshot)" "$before"

# --- patient show / find and the access log
out=$(SUDO_USER=carol ruglab patient show 2)
t_match "patient show prints the identity and the enrolments" "$out" "family_name +Patient2.*insz +70\.01\.02-001\.[0-9]{2}.*rugschool-30 +active"
t_is "the read is in the access log with the OS user" \
  "$(t_psql ruglab_admin "SELECT os_user || ':' || program || ':' || command || ':' || subject_id FROM audit.access_log")" "carol:ruglab:patient show:2"
out=$(USER=dave ruglab --json patient find --name patient)
t_is "patient find by name" "$(jq -c '[.[] | .subject_id]' <<<"$out")" "[1,2,3,4]"
t_is "each patient found is logged, without the search text" \
  "$(t_psql ruglab_admin "SELECT count(*) || ':' || min(os_user) || ':' || min(detail) FROM audit.access_log WHERE command = 'patient find'")" "4:dave:found by name"
t_is "no identity in the access log" "$(t_psql ruglab_admin "SELECT count(*) FROM audit.access_log WHERE detail ILIKE '%patient%' OR detail ~ '[0-9]{11}'")" 0
t_is "audit list shows the reads" "$(ruglab --json audit list --subject 2 | jq -c '[.[] | .command]')" '["patient find","patient show"]'
one_line_fail "patient show of an unknown badge" "no patient with that badge token" ruglab patient show RB-ZZZZ-ZZZZ
t_match "--help of every group" \
  "$(for g in programme enrolment session timepoint questionnaire reference audit; do ruglab $g --help | head -1; done)" \
  "programme list.*enrolment status.*session add.*timepoint list.*questionnaire add.*reference load.*audit list"

# --- input that is not what it claims: refused with exit 1, the same in
# every program, nothing stored
one_line_fail "a conclusion file of unbounded size is refused" "is larger than 65536 bytes" \
  ruglab conclusion set 1 --file /dev/zero
printf 'Goede evolutie, verder oefenen thuis. \xe9\n' >"$T_TMP/latin1.txt"
one_line_fail "a conclusion file that is not UTF-8 is refused, with the byte" "latin1.txt is not valid UTF-8 text \(byte 39\)" \
  ruglab conclusion set 1 --file "$T_TMP/latin1.txt"
t_is "nothing was saved" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.conclusion WHERE enrolment_id = $e1")" 0
for p in ruglab ruglab-report ruglab-outcomes ruglab-agent ruglab-collector; do
  one_line_fail "$p: an argument that is not UTF-8 is refused with exit 1" "^$p: argument 2 is not valid UTF-8 \(byte 4\); nothing was done$" \
    "$p" --db $'RB-\xff'
done
out=$(ruglab-report letter 1 --enrolment 99999999999999999999 2>&1); rc=$?
t_is "an enrolment id beyond any integer: a usage error, not a clamped id" "$rc" 2
t_match "and it says so" "$out" "--enrolment: '99999999999999999999' is not an enrolment id"
out=$(ruglab conclusion show 1 --enrolment 99999999999999999999 2>&1); rc=$?
t_is "ruglab refuses it too (exit 1)" "$rc" 1
t_done
