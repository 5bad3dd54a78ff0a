# The clinical contract: sites, GPs, patients and enrolments through the
# CLI (--json ids), the refusals that change nothing, and the views
# clinical.v_session, v_attendance, v_test_occasion and v_questionnaire on
# device sessions (as the collector writes them) and manual sessions.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clinical_lib.sh"

t_pg_start

# counts of everything the setup commands may touch
snapshot() {
  t_psql ruglab_admin "SELECT concat_ws(',', (SELECT count(*) FROM clinical.site), (SELECT count(*) FROM identity.gp),
    (SELECT count(*) FROM identity.patient), (SELECT count(*) FROM clinical.subject),
    (SELECT count(*) FROM clinical.enrolment), (SELECT count(*) FROM clinical.session))"
}

# --- setup through the CLI, ids from --json
out=$(ruglab --json site add --code az-west --name "AZ West" --physician-name "Dr. A. Maes" --physician-riziv 11111111111)
t_is "site add --json prints the site id" "$(jq -r .site_id <<<"$out")" 1
out=$(ruglab --json gp add --riziv 12345678901 --family-name Peeters --given-name Jan --city Brugge)
t_is "gp add --json prints the gp id" "$(jq -r .gp_id <<<"$out")" 1
t_match "site list shows the site" "$(ruglab site list)" "az-west +AZ West"
t_is "gp list --json" "$(ruglab --json gp list | jq -r '.[0].riziv')" 12345678901

out=$(ruglab patient add --json --site az-west --family-name Janssens --given-name Marie \
  --birth-date 1985-07-30 --sex M --insz 85.07.30-033.28 --weight 72.5 --height 170 --gp 12345678901)
t_is "patient add --json prints the subject id" "$(jq -r .subject_id <<<"$out")" 1
badge=$(jq -r .badge_token <<<"$out")
pseudonym=$(jq -r .pseudonym <<<"$out")
t_match "the badge token is printable Crockford base32" "$badge" '^RB-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$'
t_match "the pseudonym is another random code" "$pseudonym" '^PS-[0-9A-HJKMNP-TV-Z]{12}$'
t_is "identity is stored in identity.patient" \
  "$(t_psql ruglab_admin "SELECT insz, family_name, date_of_birth, gp_id FROM identity.patient")" \
  "85073003328|Janssens|1985-07-30|1"
t_is "the subject holds no identity" \
  "$(t_psql ruglab_admin "SELECT badge_token = '$badge', sex, body_weight_kg FROM clinical.subject")" "t|M|72.5"

# a patient born in 2005 (check digits of the 2000s) and a BIS number
out=$(ruglab --json patient add --site az-west --family-name Claes --given-name Lien \
  --birth-date 2005-01-01 --sex F --insz 05010100410 --weight 60)
t_is "an INSZ of a birth in 2005 is accepted" "$(jq -r .subject_id <<<"$out")" 2
out=$(ruglab --json patient add --site az-west --family-name Dubois --given-name Luc \
  --birth-date 1970-03-12 --sex M --insz 70231200109 --weight 90)
t_is "a BIS number (month + 20) is accepted" "$(jq -r .subject_id <<<"$out")" 3

out=$(ruglab --json enrol "$badge" --programme mrr-36 --start 2026-01-05 --route riziv \
  --indication chronic --pain-since 2025-10-01 --referring-physician "Dr. B")
t_is "enrol --json prints the enrolment id" "$(jq -r .enrolment_id <<<"$out")" 1
t_is "enrol by badge token: the right subject, age at start" \
  "$(t_psql ruglab_admin "SELECT subject_id, age_at_start, status FROM clinical.enrolment WHERE enrolment_id = 1")" "1|40|active"
out=$(ruglab --json enrol 2 --programme rugschool-30 --start 2026-02-02 --route fedris \
  --indication post-surgery --surgery-date 2025-12-15)
t_is "enrol after spinal surgery (rugschool-30)" "$(jq -r .enrolment_id <<<"$out")" 2
out=$(ruglab --json enrol 70.23.12-001.09 --programme rugschool-36-18w --start 2026-03-02 --route riziv \
  --indication chronic --pain-since 2025-06-01)
t_is "enrol by INSZ (rugschool-36-18w)" "$(jq -r .enrolment_id <<<"$out")" 3

# --- bad input: one line, exit 1, nothing changed
before=$(snapshot)
one_line_fail "wrong INSZ check digits: the rule is named" "INSZ check digits 29 do not match" \
  ruglab patient add --site az-west --family-name X --given-name Y --birth-date 1985-07-30 --sex M --insz 85073003329
one_line_fail "INSZ with 10 digits: the rule is named" "INSZ must have 11 digits \(got 10\)" \
  ruglab patient add --site az-west --family-name X --given-name Y --birth-date 1985-07-30 --sex M --insz 8507300332
one_line_fail "INSZ month 13: the rule is named" "INSZ month 13 is not a valid month" \
  ruglab patient add --site az-west --family-name X --given-name Y --birth-date 1985-07-30 --sex M --insz 85133003328
one_line_fail "INSZ against the entered date of birth" "date of birth 1985-07-31 does not match the INSZ" \
  ruglab patient add --site az-west --family-name X --given-name Y --birth-date 1985-07-31 --sex M --insz 85073003328
one_line_fail "unknown GP" "unknown GP with RIZIV number 99999999999" \
  ruglab patient add --site az-west --family-name X --given-name Y --birth-date 1970-01-01 --sex M --insz 70010100188 --gp 99999999999
one_line_fail "unknown site" "unknown site 'nowhere'" \
  ruglab patient add --site nowhere --family-name X --given-name Y --birth-date 1970-01-01 --sex M --insz 70010100188
one_line_fail "a second patient with the same INSZ" "already registered \(subject 1\)" \
  ruglab patient add --site az-west --family-name X --given-name Y --birth-date 1985-07-30 --sex M --insz 85073003328
one_line_fail "duplicate enrolment: rule R2 named" "refused by rule R2 \(one programme per patient\)" \
  ruglab enrol 1 --programme mrr-36 --start 2026-01-05 --route riziv --indication chronic --pain-since 2025-10-01
one_line_fail "pain for 4 weeks: rule R1 named" "refused by rule R1 \(indication chronic back pain\)" \
  ruglab enrol 1 --programme mrr-36 --start 2026-01-05 --route riziv --indication chronic --pain-since 2025-12-08 \
  --exception reintegration --advisory-approved
one_line_fail "a second programme with an exception, while the first runs" "still has a running programme" \
  ruglab enrol 1 --programme mrr-36 --start 2026-01-05 --route riziv --indication chronic --pain-since 2025-10-01 \
  --exception reintegration --advisory-approved
one_line_fail "unknown programme" "unknown programme 'nope'" \
  ruglab enrol 1 --programme nope --start 2026-01-05 --route riziv --indication chronic --pain-since 2025-10-01
one_line_fail "unknown patient" "no patient with that badge token" \
  ruglab enrol RB-0000-0000 --programme mrr-36 --start 2026-01-05 --route riziv --indication chronic --pain-since 2025-10-01
one_line_fail "existing site code" "already exists" ruglab site add --code az-west --name Again
one_line_fail "existing GP" "already exists" ruglab gp add --riziv 12345678901 --family-name A --given-name B
t_is "the refusals changed nothing" "$(snapshot)" "$before"

name="Robert'); DROP TABLE identity.patient; --"
out=$(ruglab --json patient add --site az-west --family-name "$name" --given-name "x' OR '1'='1" \
  --birth-date 1970-01-01 --sex M --insz 70010100188)
sid=$(jq -r .subject_id <<<"$out")
t_is "an SQL-injection attempt in a name is stored literally" \
  "$(t_psql ruglab_admin "SELECT family_name || '|' || given_name FROM identity.patient WHERE subject_id = $sid")" \
  "$name|x' OR '1'='1"
t_is "and nothing else changed (one patient more)" "$(t_psql ruglab_admin "SELECT count(*) FROM identity.patient")" 4
t_match "--help of each command" "$(ruglab site --help; ruglab gp --help; ruglab patient --help; ruglab enrol --help)" \
  "ruglab site add.*ruglab gp add.*ruglab patient add.*ruglab enrol PATIENT"

# --- sessions: enrolment 1 (mrr-36, mid test at session 18) trains on device
# dev-a every third day (20 sessions) and also on dev-b on day 1; an
# information session by hand on day 5, a no-show and a cancellation.
t_psql ruglab_collector "
  INSERT INTO meas.session_event (device_id, boot_id, seq, taken_at, session_id, enrolment_id, event, kind)
  SELECT 'dev-a', 1, i, (date '2026-01-05' + (i - 1) * 3 + time '10:00') AT TIME ZONE 'Europe/Brussels',
         'a' || i, 1, 'start', CASE WHEN i IN (1, 3, 18, 20) THEN 'test' ELSE 'training' END
  FROM generate_series(1, 20) i;
  -- a resent start event of the same session, an end event, another machine the same day
  INSERT INTO meas.session_event (device_id, boot_id, seq, taken_at, session_id, enrolment_id, event, kind) VALUES
    ('dev-a', 2, 1, '2026-01-05 10:05+01', 'a1', 1, 'start', 'test'),
    ('dev-a', 1, 100, '2026-01-05 11:00+01', 'a1', 1, 'end', 'test'),
    ('dev-b', 1, 1, '2026-01-05 11:00+01', 'b1', 1, 'start', 'training'),
    ('tab-1', 1, 1, '2026-01-06 09:00+01', 'q1', 1, 'start', 'questionnaire');
  -- a session just before midnight in Brussels is that day's session
  INSERT INTO meas.session_event (device_id, boot_id, seq, taken_at, session_id, enrolment_id, event, kind) VALUES
    ('dev-c', 1, 1, '2026-03-31 23:30+02', 'c1', 3, 'start', 'training');" >/dev/null
t_psql ruglab_admin "
  INSERT INTO clinical.session (enrolment_id, session_date, kind, status, entered_by, note) VALUES
    (1, date '2026-01-05' + 12, 'information', 'attended', 'test', 'ergonomics'),
    (1, '2026-03-30', 'exercise', 'no_show', 'test', NULL),
    (1, '2026-03-31', 'exercise', 'cancelled', 'test', NULL)" >/dev/null

t_is "v_session: one row per device session and manual row" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.v_session WHERE enrolment_id = 1")" 24
t_is "v_session: two machines on one day are one programme session" \
  "$(t_psql ruglab_admin "SELECT string_agg(device_session_id || '=' || session_number, ',' ORDER BY device_session_id) FROM clinical.v_session WHERE session_date = '2026-01-05'")" \
  "a1=1,b1=1"
t_is "v_session: the information session has its own number, after that day's exercise" \
  "$(t_psql ruglab_admin "SELECT string_agg(kind || ':' || source || ':' || session_number, ',' ORDER BY session_number) FROM clinical.v_session WHERE enrolment_id = 1 AND session_date = '2026-01-17'")" \
  "exercise:device:5,information:manual:6"
t_is "v_session: device kinds map to exercise/test; no-shows have no number" \
  "$(t_psql ruglab_admin "SELECT kind || ':' || status || ':' || coalesce(session_number::text, '-') FROM clinical.v_session WHERE enrolment_id = 1 AND session_date IN ('2026-01-11', '2026-03-30') ORDER BY session_date")" \
  "test:attended:3
exercise:no_show:-"
t_is "v_session: the day is the day in Brussels" \
  "$(t_psql ruglab_admin "SELECT session_date FROM clinical.v_session WHERE enrolment_id = 3")" 2026-03-31
t_is "v_attendance: counts per enrolment" \
  "$(t_psql ruglab_admin "SELECT planned_sessions, attended_total, attended_exercise, attended_information, no_shows, cancellations, first_date, last_date, allowed_sessions FROM clinical.v_attendance WHERE enrolment_id = 1")" \
  "36|21|20|1|1|1|2026-01-05|2026-03-03|36"
t_is "v_attendance: every enrolment has a row (rugschool-30 without sessions)" \
  "$(t_psql ruglab_admin "SELECT enrolment_id || ':' || planned_sessions || ':' || attended_total || ':' || allowed_sessions FROM clinical.v_attendance ORDER BY 1")" \
  "1:36:21:36
2:30:0:36
3:36:1:36"

# a device session corrected by hand (badge scanned by mistake)
t_psql ruglab_admin "INSERT INTO clinical.session (enrolment_id, session_date, kind, status, source, device_id, device_session_id, entered_by)
  VALUES (3, '2026-03-31', 'exercise', 'cancelled', 'device', 'dev-c', 'c1', 'test')" >/dev/null
t_is "a manual row for a device session replaces the device's row" \
  "$(t_psql ruglab_admin "SELECT count(*) || ':' || min(status) || ':' || min(source) FROM clinical.v_session WHERE enrolment_id = 3")" "1:cancelled:device"
t_is "so it no longer counts as attended" \
  "$(t_psql ruglab_admin "SELECT attended_total || ':' || cancellations FROM clinical.v_attendance WHERE enrolment_id = 3")" "0:1"

# --- test occasions: trials at a1 (session 1), a3 (session 3, a retest),
# a18 (session 19), a20 (session 21); three trials each
t_psql ruglab_collector "
  INSERT INTO meas.test_trial (device_id, boot_id, seq, taken_at, session_id, enrolment_id, direction, trial, rom_deg, max_torque_nm, angle_at_max_deg)
  SELECT 'dev-a', 1, 1000 + s * 10 + t, (date '2026-01-05' + (s - 1) * 3 + time '10:10') AT TIME ZONE 'Europe/Brussels' + t * interval '1 minute',
         'a' || s, 1, 'extension', t, 40 + s, 150 + s + t, 10
  FROM unnest(array[1, 3, 18, 20]) s, generate_series(1, 3) t" >/dev/null
occ() { t_psql ruglab_admin "SELECT string_agg(session_id || ':' || coalesce(session_number::text, '-') || ':' || coalesce(timepoint, '-') || ':' || left(overridden::text, 1), ',' ORDER BY test_index) FROM clinical.v_test_occasion WHERE enrolment_id = 1"; }
t_is "v_test_occasion, running programme: start, mid nearest session 18, no end; a retest at session 3 is no mid" \
  "$(occ)" "a1:1:start:f,a3:3:-:f,a18:19:mid:f,a20:21:-:f"
t_is "v_test_occasion: test date" \
  "$(t_psql ruglab_admin "SELECT test_date FROM clinical.v_test_occasion WHERE session_id = 'a18'")" 2026-02-25

t_psql ruglab_admin "UPDATE clinical.enrolment SET status = 'completed', end_date = '2026-03-05' WHERE enrolment_id = 1" >/dev/null
t_is "v_test_occasion, completed programme: the last occasion is the end test" \
  "$(occ)" "a1:1:start:f,a3:3:-:f,a18:19:mid:f,a20:21:end:f"

t_psql ruglab_admin "INSERT INTO clinical.timepoint_override (enrolment_id, device_id, session_id, timepoint, set_by, reason)
  VALUES (1, 'dev-a', 'a3', 'mid', 'physio', 'the real mid test was done early')" >/dev/null
t_is "an override wins and takes the time point from the rule's choice" \
  "$(occ)" "a1:1:start:f,a3:3:mid:t,a18:19:-:f,a20:21:end:f"
t_psql ruglab_admin "INSERT INTO clinical.timepoint_override (enrolment_id, device_id, session_id, timepoint, set_by, reason)
  VALUES (1, 'dev-a', 'a3', 'none', 'physio', 'mistake')" >/dev/null
t_is "the latest override of an occasion is in force ('none': a3 has none, the rule's mid is back)" \
  "$(occ)" "a1:1:start:f,a3:3:-:t,a18:19:mid:f,a20:21:end:f"

# --- questionnaires of enrolment 1: ODI at intake (on the start day: the
# programme's dates bound what counts), near the mid test, at the end, and
# one that could not be scored; NPRS only at intake
t_psql ruglab_admin "
  INSERT INTO meas.questionnaire_response (source, taken_at, enrolment_id, instrument, version, answers, score, entered_by) VALUES
    ('manual', '2026-01-05 09:00+01', 1, 'ODI', '2.1a', '[]', 40, 't'),
    ('manual', '2026-01-20 09:00+01', 1, 'ODI', '2.1a', '[]', NULL, 't'),
    ('manual', '2026-02-26 09:00+01', 1, 'ODI', '2.1a', '[]', 30, 't'),
    ('manual', '2026-03-04 09:00+01', 1, 'ODI', '2.1a', '[]', 20, 't'),
    ('manual', '2026-01-05 09:00+01', 1, 'NPRS', '1', '[]', 7, 't')" >/dev/null
q() { t_psql ruglab_admin "SELECT string_agg(instrument || ':' || coalesce(score::text, '-') || ':' || coalesce(timepoint, '-'), ',' ORDER BY instrument, taken_at) FROM clinical.v_questionnaire WHERE enrolment_id = 1"; }
# the mid date is that of the mid test occasion a18 (2026-02-25)
t_is "v_questionnaire, completed programme: start, mid nearest the mid point, end; unscorable none" \
  "$(q)" "NPRS:7.00:start,ODI:40.00:start,ODI:-:-,ODI:30.00:mid,ODI:20.00:end"
t_psql ruglab_admin "UPDATE clinical.enrolment SET status = 'active', end_date = NULL WHERE enrolment_id = 1" >/dev/null
t_is "v_questionnaire, running programme: no end questionnaire yet" \
  "$(q)" "NPRS:7.00:start,ODI:40.00:start,ODI:-:-,ODI:30.00:mid,ODI:20.00:-"

t_is "the clinician role reads the contract views" \
  "$(t_psql ruglab_clinician "SELECT (SELECT count(*) FROM clinical.v_session) > 0, (SELECT count(*) FROM clinical.v_attendance), (SELECT count(*) FROM clinical.v_test_occasion), (SELECT count(*) FROM clinical.v_questionnaire)")" \
  "t|3|4|5"

t_done
