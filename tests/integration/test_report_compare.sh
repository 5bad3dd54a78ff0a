# ruglab-report compare: start / mid / end per direction and questionnaire,
# in table, CSV and JSON, against the values in the database; honest
# output for a patient without mid test, one without questionnaires and a
# dropout after 9 sessions; the access log; bad input.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_fixture.sh"

t_pg_start
fx_site
full=$(fx_full Janssens Marie 85073003328 RB-0001)

# no mid test: tests at training days 1 and 34 only
nomid=$(fx_patient Claes Anna 72021416271 RB-0002)
fx_sessions "$nomid" 34
fx_test "$nomid" 1 1
fx_test "$nomid" 34 3
fx_odi "$nomid" 1 3 3 3 3 3 3 3 3 3 3
fx_odi "$nomid" 34 2 2 2 2 2 2 2 2 2 2
fx_end "$nomid" completed 34

# no questionnaires
noq=$(fx_patient Maes Piet 90010104576 RB-0003)
fx_sessions "$noq" 34
fx_test "$noq" 1 1
fx_test "$noq" 17 2
fx_test "$noq" 34 3
fx_end "$noq" completed 34

# dropout after 9 sessions
drop=$(fx_patient Wouters Lies 68051221119 RB-0004)
fx_sessions "$drop" 9
fx_test "$drop" 1 1
fx_odi "$drop" 1 3 3 3 3 3 3 3 3 3 3
fx_end "$drop" dropped_out 9 "verhuis"

# the database's own best-of-trials values, to compare the output with
db_best() {  # enrolment occasion-k direction column
  t_psql ruglab_admin "SELECT to_char(max($4), 'FM999990.0') FROM meas.test_trial
                       WHERE enrolment_id = $1 AND session_id = 'TEST-$1-$2' AND direction = '$3'"
}
ext_start=$(db_best "$full" 1 extension max_torque_nm)
ext_mid=$(db_best "$full" 2 extension max_torque_nm)
ext_end=$(db_best "$full" 3 extension max_torque_nm)
ext_change=$(t_psql ruglab_admin "SELECT to_char($ext_end - $ext_start, 'FM999990.0')")
ext_pct=$(t_psql ruglab_admin "SELECT to_char(round(($ext_end - $ext_start) / $ext_start * 100, 1), 'FM999990.0')")
rom_start=$(db_best "$full" 1 flexion rom_deg)
rom_end=$(db_best "$full" 3 flexion rom_deg)

# --- the table
out=$(ruglab-report compare RB-0001 2>&1); rc=$?
t_is "compare exits 0" "$rc" 0
t_match "table: patient and programme" "$out" "Janssens, Marie .*mrr-36.*completed"
t_match "table: extension torque start/mid/end and change from the database" "$out" \
  "extension +max torque \(N\.m\) +$ext_start +$ext_mid +$ext_end +\+$ext_change +\+$ext_pct "
t_match "table: flexion range of motion" "$out" "flexion +range of motion \(deg\) +$rom_start .* $rom_end "
t_match "table: ODI start/mid/end, change, clinically important, band" "$out" \
  "ODI +score \(%\) +40\.0 +28\.0 +16\.0 +-24\.0 +-60\.0 +clinically important; minimal disability at end"
t_match "table: NPRS" "$out" "NPRS +score \(points\) +7\.0 +5\.0 +3\.0 +-4\.0"
t_match "table: attendance with information sessions and no-shows" "$out" \
  "36 of 36 planned sessions attended \(34 of 34 exercise, 2 of 2 information\); 1 no-show, 0 cancelled"
t_match "table: no reference table yet" "$out" "torque of reference .*no reference"
t_match "table: effort check" "$out" "effort CV .*normal"
t_match "table: flexion/extension ratio" "$out" "flexion/extension +torque ratio"
t_match "table: training load progression" "$out" "extension +heaviest set \(N\.m\) +60\.0 .* 109\.5 +\+49\.5"
t_is "the INSZ finds the same report" "$(ruglab-report compare 85.07.30-033.28)" "$out"
t_is "the subject id finds the same report" \
  "$(ruglab-report compare "$(t_psql ruglab_admin "SELECT subject_id FROM clinical.subject WHERE badge_token = 'RB-0001'")")" "$out"

# --- CSV
csv=$(ruglab-report compare RB-0001 --format csv)
t_is "CSV header" "$(head -n1 <<<"$csv")" "section,item,measure,unit,start,mid,end,change,change_pct,assessment,value"
t_is "CSV: extension torque row" "$(grep '^device,extension,max torque,' <<<"$csv" | cut -d, -f5-9)" \
  "$ext_start,$ext_mid,$ext_end,$ext_change,$ext_pct"
t_is "CSV: no-shows" "$(grep '^attendance,no-shows,' <<<"$csv" | cut -d, -f11)" 1

# --- JSON
json=$(ruglab-report compare RB-0001 --format json)
t_check "JSON parses" jq -e . <<<"$json"
t_is "JSON: extension end torque equals the database" \
  "$(jq -r '.directions[] | select(.direction == "extension") | .max_torque_nm.end' <<<"$json")" \
  "$(t_psql ruglab_admin "SELECT max(max_torque_nm) FROM meas.test_trial WHERE session_id = 'TEST-$full-3' AND direction = 'extension'")"
t_is "JSON: ODI clinically important" "$(jq -r '.questionnaires[] | select(.instrument == "ODI") | .clinically_important' <<<"$json")" true
t_is "JSON: ODI band at the end" "$(jq -r '.questionnaires[] | select(.instrument == "ODI") | .end.band' <<<"$json")" minimal
t_is "JSON: nothing missing for a complete programme" "$(jq -r '.missing | length' <<<"$json")" 0

# --- no mid test: missing, never zero
out=$(ruglab-report compare RB-0002)
t_match "no mid: table says missing in the mid column" "$out" "extension +max torque \(N\.m\) +$(db_best "$nomid" 1 extension max_torque_nm) +missing +$(db_best "$nomid" 3 extension max_torque_nm) "
t_match "no mid: said in the missing list" "$out" "No mid test"
t_is "no mid: CSV mid field is empty" "$(ruglab-report compare RB-0002 --format csv | grep '^device,extension,max torque,' | cut -d, -f6)" ""
json=$(ruglab-report compare RB-0002 --format json)
t_is "no mid: JSON mid is null in every direction" "$(jq '[.directions[].max_torque_nm.mid] | unique' -c <<<"$json")" "[null]"
t_is "no mid: JSON occasion mid is null" "$(jq -c '.test_occasions.mid' <<<"$json")" null

# --- no questionnaires
json=$(ruglab-report compare RB-0003 --format json)
t_is "no questionnaires: empty list" "$(jq '.questionnaires | length' <<<"$json")" 0
t_match "no questionnaires: said" "$(jq -r '.missing[]' <<<"$json")" "No questionnaires were completed"
out=$(ruglab-report compare RB-0003)
t_match "no questionnaires: table says so" "$out" "No questionnaires were completed"

# --- dropout after 9 sessions
json=$(ruglab-report compare RB-0004 --format json)
t_is "dropout: attended 9" "$(jq '.attendance.attended_total' <<<"$json")" 9
t_is "dropout: end test missing (null), not zero" "$(jq -c '[.directions[].max_torque_nm.end] | unique' <<<"$json")" "[null]"
t_is "dropout: no change without an end test" "$(jq -c '[.directions[].max_torque_nm.change] | unique' <<<"$json")" "[null]"
t_match "dropout: said, with the reason" "$(jq -r '.missing[]' <<<"$json")" "stopped early after 9 of 36 planned sessions: verhuis"
t_match "dropout: no end questionnaire said" "$(jq -r '.missing[]' <<<"$json")" "ODI: no end measurement"

# --- the access log: every read of identity, with OS user, program, command, subject
n=$(t_psql ruglab_admin "SELECT count(*) FROM audit.access_log WHERE program = 'ruglab-report' AND command = 'compare'
                         AND subject_id = (SELECT subject_id FROM clinical.subject WHERE badge_token = 'RB-0001')
                         AND os_user IS NOT NULL AND db_user = 'ruglab_clinician'")
t_is "every compare of RB-0001 is in the access log (table, INSZ, subject id, CSV, JSON)" "$n" 5

# --- % of reference, once the device is registered and its reference table loaded
t_psql ruglab_admin "INSERT INTO clinical.device (device_id, site_id, model, public_key)
                     VALUES ('tergu-1', 1, 'tergumed-710', repeat('k', 40))" >/dev/null
cat >"$T_TMP/ref.csv" <<'CSV'
# TEST VALUES, NOT CLINICAL
# citation: ruglab test values
# population: none (test values)
device_model,sex,age_min,age_max,direction,measure,value
tergumed-710,F,40,59,extension,max_torque_nm_per_kg,3.00
tergumed-710,F,40,59,extension,rom_deg,40
CSV
t_check "reference values load" ruglab reference load "$T_TMP/ref.csv"
want=$(t_psql ruglab_admin "SELECT to_char(round(($ext_end / (3.0 * body_weight_kg) * 100)::numeric, 1), 'FM999990.0')
                            FROM clinical.subject WHERE badge_token = 'RB-0001'")
out=$(ruglab-report compare RB-0001)
t_match "extension torque as % of the per-kg reference x body weight" "$out" "extension +torque of reference \(%\) +[0-9.]+ +[0-9.]+ +$want "
json=$(ruglab-report compare RB-0001 --format json)
t_is "JSON: range of motion % of reference at the end" \
  "$(jq -r '.directions[] | select(.direction == "extension") | .rom_pct_of_reference.end' <<<"$json")" \
  "$(t_psql ruglab_admin "SELECT round(($(db_best "$full" 3 extension rom_deg) / 40.0 * 100)::numeric, 7)::float8")"
t_is "JSON: the reference source is named" "$(jq -r .reference_source <<<"$json")" "ref.csv: TEST VALUES, NOT CLINICAL"
t_match "no reference for flexion (none loaded)" "$out" "flexion +torque of reference \(%\) +missing +missing +missing .*no reference"

# --- the report reads the measurements only through the clinical views: with
# the measurement tables closed to its role, every section loads the same
before=$(ruglab-report compare RB-0001 --format json); rc=$?
t_is "compare (JSON) before closing the tables" "$rc" 0
t_check "the measurement tables are closed to ruglab_clinician" \
  t_psql ruglab_admin "REVOKE SELECT ON ALL TABLES IN SCHEMA meas FROM ruglab_clinician"
t_fails "ruglab_clinician can no longer read meas.test_trial" \
  t_psql ruglab_clinician "SELECT count(*) FROM meas.test_trial"
after=$(ruglab-report compare RB-0001 --format json); rc=$?
t_is "compare (JSON) with the tables closed: exit 0" "$rc" 0
t_is "compare (JSON) with the tables closed: the same model" "$after" "$before"
t_check "the measurement tables are open again" \
  t_psql ruglab_admin "GRANT SELECT ON ALL TABLES IN SCHEMA meas TO ruglab_clinician"

# --- bad input
out=$(ruglab-report compare RB-9999 2>&1); rc=$?
t_is "unknown patient: exit 1" "$rc" 1
t_match "unknown patient: one clear line" "$out" "^ruglab-report: compare: no patient with that badge token"
t_is "unknown patient: one line" "$(wc -l <<<"$out")" 1
out=$(ruglab-report compare 85073003329 2>&1); rc=$?
t_is "unknown INSZ: exit 1" "$rc" 1
t_match "unknown INSZ: the number is not echoed" "$out" "^ruglab-report: compare: no patient with that INSZ[^0-9]*$"
t_fails_with "unknown format: usage error" "unknown format" ruglab-report compare RB-0001 --format xml
out=$(ruglab-report compare RB-0001 -o /nonexistent/dir/x.csv --format csv 2>&1); rc=$?
t_is "unwritable output: exit 1" "$rc" 1
t_match "unwritable output: names the path" "$out" "^ruglab-report: cannot write /nonexistent/dir/x.csv: No such file or directory$"
out=$(ruglab-report --db "host=127.0.0.1 port=1 dbname=ruglab connect_timeout=3" compare RB-0001 2>&1); rc=$?
t_is "unreachable database: exit 3" "$rc" 3

t_done
