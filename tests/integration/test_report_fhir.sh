# ruglab-report export --format fhir: a FHIR R4 Bundle that parses, with
# the Patient's INSZ under the eHealth ssin system, one Observation per
# measured value equal to the database value (UCUM units), a
# QuestionnaireResponse per questionnaire response, and the PDF letter
# attached to the DiagnosticReport.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_fixture.sh"

t_pg_start
fx_site
full=$(fx_full Janssens Marie 85073003328 RB-0001)
fx_conclusion "$full" "Goede evolutie."
cd "$T_TMP" || exit 1

out=$(ruglab-report export RB-0001 --format fhir -o bundle.json 2>&1); rc=$?
t_is "export exits 0" "$rc" 0
t_check "the bundle parses" jq -e . bundle.json
b=bundle.json
t_is "a Bundle" "$(jq -r '.resourceType + " " + .type' $b)" "Bundle collection"
t_is "every entry has a urn:uuid fullUrl" "$(jq '[.entry[] | select(.fullUrl | test("^urn:uuid:[0-9a-f-]{36}$") | not)] | length' $b)" 0
t_is "Patient identified by INSZ under the eHealth ssin system" \
  "$(jq -r '.entry[].resource | select(.resourceType == "Patient") | .identifier[0] | .system + " " + .value' $b)" \
  "https://www.ehealth.fgov.be/standards/fhir/core/NamingSystem/ssin 85073003328"
t_is "Patient name and birth date" \
  "$(jq -r '.entry[].resource | select(.resourceType == "Patient") | .name[0].family + " " + .name[0].given[0] + " " + .birthDate + " " + .gender' $b)" \
  "Janssens Marie 1985-07-30 female"
t_is "the GP as Practitioner with the RIZIV number" \
  "$(jq -r '.entry[].resource | select(.resourceType == "Practitioner") | .identifier[0].value' $b | sort | paste -sd' ')" \
  "11111111111 12345678901"

# every Observation of a device value equals the database value
declare -A col=([max_torque]=max_torque_nm [rom]=rom_deg)
declare -A occ=([start]=1 [mid]=2 [end]=3)
bad=0 n=0
while IFS=$'\t' read -r ident value unit; do
  IFS=. read -r _ measure dir tp <<<"$ident"
  [ -n "${col[$measure]:-}" ] || continue
  want=$(t_psql ruglab_admin "SELECT max(${col[$measure]}) FROM meas.test_trial
                              WHERE session_id = 'TEST-$full-${occ[$tp]}' AND direction = '$dir'")
  expected_unit=$([ "$measure" = rom ] && echo deg || echo N.m)
  n=$((n + 1))
  if [ "$(jq -n "$value == $want")" != true ] || [ "$unit" != "$expected_unit" ]; then
    bad=$((bad + 1)); echo "# $ident: $value $unit, database $want $expected_unit"
  fi
done < <(jq -r '.entry[].resource | select(.resourceType == "Observation") |
                [.identifier[0].value, .valueQuantity.value, .valueQuantity.code] | @tsv' $b)
t_is "36 device Observations (6 directions x 3 time points x torque and range)" "$n" 36
t_is "each device Observation equals the database value, UCUM unit" "$bad" 0
t_is "every Observation uses UCUM" "$(jq '[.entry[].resource | select(.resourceType == "Observation") | .valueQuantity.system] | unique' -c $b)" '["http://unitsofmeasure.org"]'
t_is "effort checks in %" "$(jq '[.entry[].resource | select(.resourceType == "Observation" and (.code.coding[0].code | startswith("effort_cv"))) | .valueQuantity.code] | unique' -c $b)" '["%"]'

# questionnaires
t_is "one QuestionnaireResponse per questionnaire response" \
  "$(jq '[.entry[].resource | select(.resourceType == "QuestionnaireResponse")] | length' $b)" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM meas.questionnaire_response WHERE enrolment_id = $full")"
t_is "the ODI end score equals the database, in %" \
  "$(jq -r '.entry[].resource | select(.resourceType == "Observation" and .identifier[0].value == "E'"$full"'.score.ODI.end") | "\(.valueQuantity.value) \(.valueQuantity.code)"' $b)" \
  "$(t_psql ruglab_admin "SELECT score::float8 FROM meas.questionnaire_response WHERE enrolment_id = $full AND instrument = 'ODI' ORDER BY taken_at DESC LIMIT 1") %"
t_is "NPRS scores as {score}" \
  "$(jq -r '[.entry[].resource | select(.resourceType == "Observation" and (.identifier[0].value | contains(".score.NPRS."))) | .valueQuantity.code] | unique | .[]' $b)" "{score}"
t_is "the ODI start response has its 10 answered sections" \
  "$(jq '[.entry[].resource | select(.resourceType == "QuestionnaireResponse")][0].item | length' $b)" 10

# the report and its PDF
t_is "one DiagnosticReport, final" "$(jq -r '[.entry[].resource | select(.resourceType == "DiagnosticReport")] | map(.status) | join(",")' $b)" final
t_is "it references every Observation" \
  "$(jq '[.entry[].resource | select(.resourceType == "DiagnosticReport") | .result[]] | length' $b)" \
  "$(jq '[.entry[].resource | select(.resourceType == "Observation")] | length' $b)"
t_is "the conclusion" "$(jq -r '.entry[].resource | select(.resourceType == "DiagnosticReport") | .conclusion' $b)" "Goede evolutie."
jq -r '.entry[].resource | select(.resourceType == "DiagnosticReport") | .presentedForm[0].data' $b | base64 -d >attached.pdf
t_is "the attached letter is a PDF" "$(head -c 5 attached.pdf)" "%PDF-"
t_match "the attached letter is the Dutch letter of this patient" "$(pdftotext attached.pdf - | tr -s ' \n' ' ')" "Patiënt: Marie Janssens"
t_is "the attachment says PDF, nl-BE" "$(jq -r '.entry[].resource | select(.resourceType == "DiagnosticReport") | .presentedForm[0] | .contentType + " " + .language' $b)" "application/pdf nl-BE"
t_is "the export is recorded" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.report_issued WHERE enrolment_id = $full AND kind = 'fhir' AND sha256 = '$(sha256sum bundle.json | cut -d' ' -f1)'")" 1

# English, to standard output
t_is "English export attaches an English letter" \
  "$(ruglab-report export RB-0001 --format fhir --lang en | jq -r '.entry[].resource | select(.resourceType == "DiagnosticReport") | .presentedForm[0].language')" en

# a missing time point is no Observation (never a 0)
nomid=$(fx_patient Claes Anna 72021416271 RB-0002)
fx_sessions "$nomid" 34; fx_test "$nomid" 1 1; fx_test "$nomid" 34 3; fx_end "$nomid" completed 34
out=$(ruglab-report export RB-0002 --format fhir --draft)
t_is "no mid test: no mid Observation" "$(jq '[.entry[].resource | select(.resourceType == "Observation" and (.identifier[0].value | endswith(".mid")))] | length' <<<"$out")" 0
t_is "no mid test: no zero values" "$(jq '[.entry[].resource | select(.resourceType == "Observation" and .valueQuantity.value == 0)] | length' <<<"$out")" 0
t_is "draft: the report is preliminary" "$(jq -r '.entry[].resource | select(.resourceType == "DiagnosticReport") | .status' <<<"$out")" preliminary

# --- KMEHR for the eHealthBox
out=$(ruglab-report export RB-0001 --format kmehr -o msg.xml 2>&1); rc=$?
t_is "KMEHR export exits 0" "$rc" 0
t_check "well-formed XML" xmllint --noout msg.xml
x() { xmllint --xpath "string($1)" msg.xml; }
K="*[local-name()='kmehrmessage']"
t_is "KMEHR: the patient by INSZ" "$(x "/$K/*[local-name()='folder']/*[local-name()='patient']/*[local-name()='id']")" 85073003328
t_is "KMEHR: the GP as recipient by RIZIV number" "$(x "/$K/*[local-name()='header']/*[local-name()='recipient']/*[local-name()='hcparty']/*[local-name()='id']")" 12345678901
t_is "KMEHR: the physician as sender" "$(x "/$K/*[local-name()='header']/*[local-name()='sender']/*[local-name()='hcparty']/*[local-name()='id']")" 11111111111
t_is "KMEHR: a report transaction" "$(x "//*[local-name()='transaction']/*[local-name()='cd']")" report
t_is "KMEHR: the header's date is the site's day (Europe/Brussels), as the letter's" \
  "$(x "/$K/*[local-name()='header']/*[local-name()='date']")" "$(t_psql ruglab_admin "SELECT clinical.local_date(now())")"
t_is "KMEHR: ... and its time the site's time" \
  "$(x "/$K/*[local-name()='header']/*[local-name()='time']" | cut -c1-2)" \
  "$(t_psql ruglab_admin "SELECT to_char(now() AT TIME ZONE 'Europe/Brussels', 'HH24')")"
x "//*[local-name()='lnk']" | base64 -d >kmehr.pdf
t_match "KMEHR: the letter as a PDF multimedia link" "$(pdftotext kmehr.pdf - | tr -s ' \n' ' ')" "Patiënt: Marie Janssens"
t_is "KMEHR: recorded" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.report_issued WHERE kind = 'kmehr' AND sha256 = '$(sha256sum msg.xml | cut -d' ' -f1)'")" 1
t_psql ruglab_admin "UPDATE identity.patient SET gp_id = NULL WHERE subject_id = (SELECT subject_id FROM clinical.subject WHERE badge_token = 'RB-0002')" >/dev/null
t_fails_with "KMEHR needs a GP as recipient" "no GP recorded for patient [0-9]+: a KMEHR message needs a recipient" \
  ruglab-report export RB-0002 --format kmehr --draft

# bad input
t_fails_with "export needs a format" "--format fhir or --format kmehr is required" ruglab-report export RB-0001
t_fails_with "export of a programme without conclusion is refused" "no conclusion written" ruglab-report export RB-0002 --format fhir
out=$(ruglab-report export RB-0001 --format fhir -o /nonexistent/b.json 2>&1); rc=$?
t_is "unwritable output: exit 1" "$rc" 1
t_match "unwritable output: one line" "$out" "^ruglab-report: cannot write /nonexistent/b.json: No such file or directory$"

t_done
