# A neck-school patient through the whole path (issue 17): the patient,
# the enrolment in nekschool-12 and a cervical device through the `ruglab`
# CLI; the cervical simulator in ruglab-agent measures the programme and
# ruglab-collector stores it; NDI at the start and the end; the letter with
# the cervical results and the NDI; the FHIR export with the NDI and the
# devices' body site; the quality tables. The same patient was also put on
# a lumbar back device by mistake: those values are kept, named in the
# report's warnings, and never counted, compared, charted or summarised
# with the cervical ones. A device model has one body region.
. "$(dirname "$0")/lib.sh"

t_pg_start
cd "$T_TMP" || exit 1
EP=tcp://127.0.0.1:$(t_free_port)

ruglab site add --code az-gent --name "AZ Gent" --address "Kouter 1, 9000 Gent" \
  --physician-name "Dr. An Claes" --physician-riziv 11111111111 >/dev/null
ruglab gp add --riziv 12345678901 --family-name Peeters --given-name Jan --address "Kerkstraat 5" \
  --postal-code 9000 --city Gent >/dev/null
p=$(ruglab --json patient add --site az-gent --family-name Wouters --given-name Pieter --birth-date 1976-04-04 \
  --sex M --insz 76040412323 --weight 80 --gp 12345678901 2>&1)
badge=$(jq -er .badge_token <<<"$p") || { t_not_ok "patient added: $p"; t_done; exit 1; }
t_ok "patient added through the CLI"
t_is "the neck school is a cervical programme" \
  "$(ruglab --json programme show nekschool-12 | jq -r .body_region)" cervical
t_check "enrolled in the neck school" ruglab enrol "$badge" --programme nekschool-12 --start 2026-02-02 \
  --route riziv --indication chronic --pain-since 2025-09-01

# --- devices: the model brings the region; one region per model
t_make_keys az-gent neck-1:tergumed-710-cervical back-1:tergumed-710
t_is "the cervical unit is registered as cervical (its model's region)" \
  "$(ruglab --json device list | jq -r '.[] | select(.device_id == "neck-1") | .body_region')" cervical
t_is "the back device is lumbar" \
  "$(ruglab --json device list | jq -r '.[] | select(.device_id == "back-1") | .body_region')" lumbar
t_fails_with "a lumbar device of a cervical model is refused" "tergumed-710-cervical is a cervical device, not lumbar" \
  ruglab device add neck-2 --site az-gent --model tergumed-710-cervical --region lumbar --key-dir "$T_TMP/keys2"
t_is "and no key pair is left behind" "$(ls "$T_TMP/keys2" 2>/dev/null | wc -l)" 0
t_fails_with "an unknown region is refused" "unknown body region 'neck' \\(lumbar or cervical\\)" \
  ruglab device add neck-3 --site az-gent --model david-c --region neck --key-dir "$T_TMP/keys2"
out=$(ruglab --json device add neck-4 --site az-gent --model david-g140 --region cervical --key-dir "$T_TMP/keys2"); rc=$?
t_is "a new cervical model is registered with its first device" "$rc:$(jq -r .body_region <<<"$out")" 0:cervical
out=$(ruglab --json device add neck-5 --site az-gent --model david-g140 --key-dir "$T_TMP/keys2"); rc=$?
t_is "a later device of that model is cervical without --region" "$rc:$(jq -r .body_region <<<"$out")" 0:cervical

# --- the reference tables: the cervical unit's own (validated, for a final letter)
grep -v '^#' "$T_ROOT/deploy/reference/example-reference-cervical.csv" >cervical-ref.csv
t_check "the cervical unit's reference table" ruglab reference load cervical-ref.csv \
  --citation "Nekwaarden van de site (2026)" --population "gezonde volwassenen, test" --validated
t_check "the lumbar device's table" ruglab reference load "$T_ROOT/deploy/reference/example-reference.csv"

t_collector_conf neck "$EP" >collector.conf
t_start_collector collector.conf || { t_done; exit 1; }

# the cervical simulator: 12 sessions from 2026-02-02, tests at the first, middle and last
agent_conf() { # DEVICE MODEL REGION SESSIONS START SEED
  cat <<CONF
[agent]
device_id = $1
device_model = $2
driver = simulator
drain_timeout_s = 40
[spool]
dir = $T_TMP/spool-$1
$(t_agent_link "$1")
reconnect_ivl_ms = 50
[simulator]
seed = $6
patients = $badge:M:50:80
region = $3
sessions = $4
start = $5
days_between_sessions = 3.5
time_factor = 0
sets = 1
CONF
}
agent_conf neck-1 tergumed-710-cervical hip 12 2026-02-02T08:00:00Z 5 >bad.conf
out=$(ruglab-agent --config bad.conf --check-config 2>&1); rc=$?
t_is "the simulator refuses an unknown region (exit 4, a configuration error)" "$rc" 4
t_match "and says so" "$out" "\[simulator\] region: unknown body region 'hip'"
agent_conf neck-1 tergumed-710-cervical cervical 12 2026-02-02T08:00:00Z 5 >neck.conf
t_log "$T_TMP/neck.log"
ruglab-agent --config neck.conf >neck.log 2>&1
t_is "the cervical simulator's programme is sent and acknowledged" "$?" 0
# the same patient on the lumbar device by mistake, on the days of the
# first 4 neck sessions, after them: a start, mid and end test of its own
# and one training session
agent_conf back-1 tergumed-710 lumbar 4 2026-02-02T10:00:00Z 7 >back.conf
t_log "$T_TMP/back.log"
ruglab-agent --config back.conf >back.log 2>&1
t_is "the lumbar device's sessions are sent and acknowledged" "$?" 0
t_is "both devices' trials are stored (nothing received is dropped)" \
  "$(t_psql ruglab_admin "SELECT string_agg(device_id || ':' || n, ' ' ORDER BY device_id)
     FROM (SELECT device_id, count(*) AS n FROM meas.test_trial GROUP BY 1) x")" "back-1:54 neck-1:54"

t_is "the test occasions are the cervical unit's only: start, mid (the end once ended)" \
  "$(t_psql ruglab_admin "SELECT string_agg(device_id || ':' || coalesce(timepoint, '-'), ' ' ORDER BY test_date)
     FROM clinical.v_test_occasion")" "neck-1:start neck-1:mid neck-1:-"
t_is "the training sets counted are the cervical unit's only" \
  "$(t_psql ruglab_admin "SELECT string_agg(DISTINCT device_id, ',') FROM clinical.v_training_set")" neck-1
t_is "the other region's records are listed apart" \
  "$(t_psql ruglab_admin "SELECT device_id, body_region, programme_region, test_trials, training_sets > 0
     FROM clinical.v_other_region")" "back-1|lumbar|cervical|54|t"

# plausible cervical values: neck extension of a man of 80 kg, some 15-45 N·m
read -r ext_nm ext_rom < <(t_psql ruglab_admin "SELECT round(max(max_torque_nm)), round(max(rom_deg))
  FROM meas.test_trial WHERE device_id = 'neck-1' AND direction = 'extension'" | tr '|' ' ')
t_match "cervical extension torque is a neck's (10-60 N·m), not a back's" "$ext_nm" '^([1-5][0-9]|60)$'
t_match "cervical extension range is a neck's (40-90°)" "$ext_rom" '^([4-8][0-9]|90)$'
back_nm=$(t_psql ruglab_admin "SELECT round(max(max_torque_nm)) FROM meas.test_trial WHERE device_id = 'back-1' AND direction = 'extension'")
t_match "the lumbar device's extension is a back's (above 100 N·m)" "$back_nm" '^[1-9][0-9][0-9]$'

# --- NDI at the start and the end, the programme ends
last=$(t_psql ruglab_admin "SELECT max(test_date) FROM meas.test_trial t
  CROSS JOIN LATERAL (SELECT clinical.local_date(t.taken_at) AS test_date) d WHERE device_id = 'neck-1'")
t_check "NDI at the start" ruglab questionnaire add "$badge" --instrument NDI --date 2026-02-02 \
  --answers 1=3,2=3,3=2,4=3,5=2,6=3,7=2,8=3,9=2,10=3
t_check "NDI at the end" ruglab questionnaire add "$badge" --instrument NDI --date "$last" \
  --answers 1=1,2=1,3=1,4=1,5=0,6=1,7=1,8=1,9=0,10=1
t_check "the programme ends" ruglab enrolment end "$badge" --completed --date "$last"
t_is "after the end: start, mid, end of the cervical unit" \
  "$(t_psql ruglab_admin "SELECT string_agg(device_id || ':' || coalesce(timepoint, '-'), ' ' ORDER BY test_date)
     FROM clinical.v_test_occasion")" "neck-1:start neck-1:mid neck-1:end"
printf 'Betere nekfunctie, minder beperking.\n' | ruglab conclusion set "$badge" --file - >/dev/null
t_check "the conclusion is written" ruglab conclusion show "$badge"

# --- the compare report: the programme's region, the warning, the values
out=$(ruglab-report compare "$badge" --format json); rc=$?
t_is "ruglab-report compare --format json exits 0" "$rc" 0
t_is "the report is of the cervical region" "$(jq -r .enrolment.body_region <<<"$out")" cervical
t_match "the warning names the lumbar records, not counted" \
  "$(jq -r '.attendance.warnings[].code' <<<"$out")" "other_body_region"
db_ext=$(t_psql ruglab_admin "SELECT string_agg(v::text, ' ' ORDER BY tp) FROM (
  SELECT o.timepoint AS tp, round(max(t.max_torque_nm)::numeric, 1)::float8 AS v FROM meas.test_trial t
  JOIN clinical.v_test_occasion o USING (enrolment_id, device_id, session_id)
  WHERE t.direction = 'extension' AND o.timepoint IS NOT NULL GROUP BY 1) x")
rep_ext=$(jq -r '[.directions[] | select(.direction == "extension") | .max_torque_nm | (.start, .end, .mid) | tostring] | join(" ")' <<<"$out")
t_is "extension torque end/mid/start are the cervical unit's" \
  "$(tr ' ' '\n' <<<"$rep_ext" | sort -n | tr '\n' ' ')" "$(tr ' ' '\n' <<<"$db_ext" | sort -n | tr '\n' ' ')"
t_is "the reference applied is the cervical model's" "$(jq -r .reference_model <<<"$out")" tergumed-710-cervical
txt=$(ruglab-report compare "$badge"); rc=$?
t_is "the text report exits 0" "$rc" 0
t_match "the text report says the tests are of cervical devices" "$txt" "Tests +on cervical devices:"
t_match "and warns about the lumbar records" "$txt" "54 test trial\(s\) on a lumbar \(back\) device"

# --- the letter
t_check "the letter" ruglab-report letter "$badge" -o letter.pdf
flat=$(pdftotext -layout letter.pdf - | tr -s ' \n' ' ')
t_match "the device results are the neck's" "$flat" "Toestelresultaten nek, cervicaal toestel"
read -r v1 v2 v3 < <(t_psql ruglab_admin "SELECT to_char(max(t.max_torque_nm) FILTER (WHERE o.timepoint = 'start'), 'FM990.0'),
  to_char(max(t.max_torque_nm) FILTER (WHERE o.timepoint = 'mid'), 'FM990.0'),
  to_char(max(t.max_torque_nm) FILTER (WHERE o.timepoint = 'end'), 'FM990.0')
  FROM meas.test_trial t JOIN clinical.v_test_occasion o USING (enrolment_id, device_id, session_id)
  WHERE t.direction = 'extension'" | tr '|' ' ')
t_match "cervical extension torque start/mid/end from the database" "$flat" "extensie kracht \(N·m\) $v1 $v2 $v3 "
t_match "the cervical table is cited" "$flat" "toestel tergumed-710-cervical"
t_match "the NDI with both scores" "$flat" "Neck Disability Index"
t_match "the indication is neck pain" "$flat" "Indicatie: chronische niet-specifieke mechanische nekpijn"
ndi=$(t_psql ruglab_admin "SELECT string_agg(to_char(score, 'FM990.0'), ' ' ORDER BY taken_at) FROM meas.questionnaire_response WHERE instrument = 'NDI'")
read -r n1 n2 <<<"$ndi"
t_match "the NDI start and end scores" "$flat" "$n1.*$n2|$n2.*$n1"
if grep -q -- "$back_nm" <<<"$(pdftotext -layout letter.pdf - | grep -i 'extensie')"; then
  t_not_ok "the lumbar device's extension ($back_nm N·m) is not in the letter"
else
  t_ok "the lumbar device's extension ($back_nm N·m) is not in the letter"
fi

# --- FHIR: the NDI and the body site of every device value
t_check "the FHIR export" ruglab-report export "$badge" --format fhir -o bundle.json
t_is "the NDI scores as Observations" \
  "$(jq -r '[.entry[].resource | select(.resourceType == "Observation" and (.identifier[0].value | contains(".score.NDI."))) | .valueQuantity.value | tostring] | join(" ")' bundle.json)" \
  "$(t_psql ruglab_admin "SELECT string_agg(score::float8::text, ' ' ORDER BY taken_at) FROM meas.questionnaire_response WHERE instrument = 'NDI'")"
t_is "every device Observation is of the cervical spine" \
  "$(jq -r '[.entry[].resource | select(.resourceType == "Observation" and .category[0].coding[0].code == "exam") | .bodySite.coding[0].code] | unique | join(",")' bundle.json)" 122494005
t_is "36 device values of start, mid and end" \
  "$(jq -r '[.entry[].resource | select(.resourceType == "Observation" and (.identifier[0].value | test("\\.(max_torque|rom)\\.")))] | length' bundle.json)" 36

# --- quality: cervical measures apart from the lumbar ones
out=$(ruglab-outcomes refresh 2>&1); rc=$?
t_is "ruglab-outcomes refresh exits 0" "$rc" 0
t_is "the outcomes of the device are cervical_ measures, none lumbar" \
  "$(t_psql ruglab_quality "SELECT string_agg(DISTINCT split_part(measure, '_', 1), ',') FROM quality.outcome
     WHERE measure NOT IN ('nprs', 'odi', 'rmdq', 'tsk', 'psfs', 'ndi')")" cervical
t_is "cervical extension start and end as the report's" \
  "$(t_psql ruglab_quality "SELECT to_char(start_value, 'FM990.0') || ' ' || to_char(end_value, 'FM990.0') FROM quality.outcome WHERE measure = 'cervical_strength_extension'")" \
  "$v1 $v3"
out=$(ruglab-outcomes --csv summary --measure cervical_strength_extension 2>&1); rc=$?
t_is "a summary of the cervical measure exits 0" "$rc" 0
t_match "it counts the one patient" "$out" "cervical_strength_extension"
out=$(ruglab-outcomes --csv summary --measure strength_extension 2>&1); rc=$?
t_is "the lumbar measure's summary exits 0" "$rc" 0
if grep -q "^[^#]*strength_extension,[^,]*,1," <<<"$out"; then
  t_not_ok "the lumbar summary counts no cervical patient"
else
  t_ok "the lumbar summary counts no cervical patient"
fi

# --- a site's own programme template of the cervical region
out=$(ruglab --json programme add --site az-gent --code nek-8 --name "Nekschool kort" --exercise 8 --information 0 \
  --max-per-week 2 --max-weeks 8 --mid-test-session 4 --region cervical); rc=$?
t_is "programme add --region cervical exits 0" "$rc" 0
t_is "its region is stored" "$(ruglab --json programme show nek-8 | jq -r .body_region)" cervical
t_fails_with "an unknown region is refused for a programme" "unknown body region 'hip'" \
  ruglab programme add --site az-gent --code hip-8 --name "Heup" --exercise 8 --information 0 \
  --max-per-week 2 --max-weeks 8 --mid-test-session 4 --region hip

t_done
