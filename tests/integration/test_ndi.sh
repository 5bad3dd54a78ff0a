# The Neck Disability Index wherever the ODI goes: entered at the start and
# the end through `ruglab questionnaire add`, scored like the ODI; the
# letter (nl, en) and `ruglab-report compare` show it with its change and
# its change flags; the FHIR export carries it in %; `ruglab-outcomes summary --measure ndi` counts it
# after a refresh; the web's paper form takes it and the quality charts
# offer it; a device sends one over the wire (rl-send, the .proto's
# QuestionnaireResponse) and the collector scores, refuses or keeps it
# unscored as it does the ODI.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_fixture.sh"
. "$(dirname "$0")/web_lib.sh"

t_pg_start
fx_site
cd "$T_TMP" || exit 1

# Five complete programmes (suppression hides cells of fewer than 5), each
# with an NDI at the start (2026-01-05, day 1) and the end (2026-04-30, day 34).
# Start: sum 22 of 50 = 44.0 %. Ends: 24.0 % (-20, important), 30.0 % (-14,
# beyond the MDC of 10, below the MCID of 15), 38.0 % (-6, within
# measurement error), and twice 28.9 % (sum 13 of 45, section 10 blank: -15.1).
START=1=3,2=2,3=2,4=3,5=2,6=2,7=2,8=2,9=2,10=2
ENDS=(1=1,2=1,3=1,4=2,5=1,6=1,7=1,8=1,9=2,10=1
      1=2,2=1,3=1,4=2,5=1,6=2,7=2,8=1,9=2,10=1
      1=2,2=2,3=2,4=2,5=2,6=2,7=2,8=2,9=2,10=1
      1=2,2=1,3=1,4=2,5=1,6=2,7=1,8=1,9=2
      1=2,2=1,3=1,4=2,5=1,6=2,7=1,8=1,9=2)
INSZ=(85073003328 85073000358 85073000556 85073000754 85073000952)
eids=()
for i in 0 1 2 3 4; do
  eid=$(fx_full "Nek$i" Test "${INSZ[$i]}" "RB-000$((i + 1))")
  eids+=("$eid")
  fx_conclusion "$eid" "Goede evolutie."
  out=$(ruglab --json questionnaire add "RB-000$((i + 1))" --instrument NDI --date 2026-01-05 --answers "$START" 2>&1)
  t_is "patient $i: the start NDI is stored and scored 44.0 %" "$(jq -r '.score' <<<"$out" 2>/dev/null)" 44
  out=$(ruglab --json questionnaire add "RB-000$((i + 1))" --instrument ndi --date 2026-04-30 --answers "${ENDS[$i]}" 2>&1)
  t_is "patient $i: the end NDI is stored" "$(jq -r 'has("response_id")' <<<"$out" 2>/dev/null)" true
done
t_is "the stored NDI responses: instrument, default version, score" \
  "$(t_psql ruglab_admin "SELECT string_agg(instrument || ':' || version || ':' || score, ' ' ORDER BY response_id)
                          FROM meas.questionnaire_response WHERE instrument = 'NDI' AND enrolment_id = ${eids[0]}")" \
  "NDI:1991:44.00 NDI:1991:24.00"
t_is "one section missing: scored out of 45" \
  "$(t_psql ruglab_admin "SELECT score FROM meas.questionnaire_response WHERE instrument = 'NDI' AND enrolment_id = ${eids[3]} ORDER BY taken_at DESC LIMIT 1")" \
  28.90
t_is "the NDI has its start and end time points" \
  "$(t_psql ruglab_admin "SELECT string_agg(timepoint, ',' ORDER BY taken_at) FROM clinical.v_questionnaire WHERE instrument = 'NDI' AND enrolment_id = ${eids[0]}")" \
  "start,end"

# refusals and an unscorable response, as for the ODI
before=$(t_psql ruglab_admin "SELECT count(*) FROM meas.questionnaire_response")
t_fails_with "an NDI answer out of range is refused, naming the item" "NDI item 3: answer 6 out of range 0-5" \
  ruglab questionnaire add RB-0001 --instrument NDI --date 2026-01-06 --answers 1=2,2=2,3=6,4=2,5=2,6=2,7=2,8=2,9=2,10=2
t_fails_with "an NDI section 11 is refused" "NDI item 11 does not exist" \
  ruglab questionnaire add RB-0001 --instrument NDI --date 2026-01-06 --answers 1=2,11=2
t_is "nothing stored by a refusal" "$(t_psql ruglab_admin "SELECT count(*) FROM meas.questionnaire_response")" "$before"
out=$(ruglab questionnaire add RB-0001 --instrument NDI --date 2026-01-06 --answers 1=2,2=2,3=2,4=2,5=2,6=2,7=2 2>&1); rc=$?
t_is "three sections missing: stored (exit 0)" "$rc" 0
t_match "and says why it has no score" "$out" "NDI has 7 of 10 sections answered: at least 8 are needed"
t_is "stored without a score" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM meas.questionnaire_response WHERE instrument = 'NDI' AND score IS NULL")" 1

# --- the letter
out=$(ruglab-report letter RB-0001 -o nl.pdf 2>&1); rc=$?
t_is "letter exits 0" "$rc" 0
flat=$(pdftotext -layout nl.pdf - | tr -s ' \n' ' ')
t_match "the comparison table has the NDI in %: start, end, change, important" "$flat" \
  "NDI \(%\) 44\.0 — 24\.0 -20\.0 -45\.5 % ja"
t_match "the Dutch wording of the NDI's change" "$flat" \
  "Neck Disability Index bij de start 44\.0 %, bij de eindmeting 24\.0 %: verschil -20\.0 procentpunten, klinisch relevante verbetering \(minstens 15 procentpunten\)"
t_match "the legend gives the NDI's MCID" "$flat" "NDI 15 procentpunten, Young 2009"
t_match "the side-by-side table shows the NDI" "$flat" "NDI: 44\.0 → 24\.0 \(klinisch relevant\)"
t_check "letter --lang en (beyond the MDC, below the MCID)" ruglab-report letter RB-0002 --lang en -o en.pdf
flat=$(pdftotext -layout en.pdf - | tr -s ' \n' ' ')
t_match "the English wording: beyond measurement error, not important" "$flat" \
  "Neck Disability Index at the start 44\.0 %, at the end 30\.0 %: change -14\.0 percentage points, improvement beyond measurement error \(at least 10 percentage points\) but not clinically important"
t_match "the English table marks it not important" "$flat" "NDI \(%\) 44\.0 — 30\.0 -14\.0 -31\.8 % no"
t_check "letter for a change within measurement error" ruglab-report letter RB-0003 --lang en -o en3.pdf
t_match "a 6-point change is within measurement error" "$(pdftotext -layout en3.pdf - | tr -s ' \n' ' ')" \
  "change -6\.0 percentage points, improvement within measurement error \(less than 10 percentage points\)"

# --- compare: the change flags as data
json=$(ruglab-report compare RB-0002 --format json); rc=$?
t_is "compare --format json exits 0" "$rc" 0
t_is "JSON: the NDI in %, -14 points, improved beyond the MDC, not important" \
  "$(jq -c '.questionnaires[] | select(.instrument == "NDI") | [.unit, .change, .improved, .beyond_mdc, .clinically_important]' <<<"$json")" \
  '["%",-14,true,true,false]'
t_is "JSON: instruments without an MDC have no beyond_mdc" \
  "$(jq -c '[.questionnaires[] | select(has("beyond_mdc")) | .instrument]' <<<"$json")" '["NDI"]'
t_match "text: a 6-point change is within the MDC" "$(ruglab-report compare RB-0003)" \
  "NDI +score \(%\) +44\.0 +missing +38\.0 +-6\.0 +-13\.6 +improved within MDC \(measurement error\)"

# --- FHIR
t_check "FHIR export" ruglab-report export RB-0001 --format fhir -o bundle.json
t_is "the NDI end score is an Observation in %, equal to the database" \
  "$(jq -r '.entry[].resource | select(.resourceType == "Observation" and .identifier[0].value == "E'"${eids[0]}"'.score.NDI.end") | "\(.code.coding[0].system) \(.code.coding[0].code) \(.valueQuantity.value) \(.valueQuantity.code)"' bundle.json)" \
  "urn:ruglab:measure score.NDI 24 %"
t_is "the NDI start score too" \
  "$(jq -r '.entry[].resource | select(.resourceType == "Observation" and .identifier[0].value == "E'"${eids[0]}"'.score.NDI.start") | .valueQuantity.value' bundle.json)" 44
t_is "each scored NDI response is a QuestionnaireResponse naming the instrument" \
  "$(jq '[.entry[].resource | select(.resourceType == "QuestionnaireResponse") | .extension[0].valueString | select(startswith("NDI 1991"))] | length' bundle.json)" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM meas.questionnaire_response WHERE instrument = 'NDI' AND score IS NOT NULL AND enrolment_id = ${eids[0]}")"

# --- the quality side
t_is "quality.measure has the NDI with its MCID of 15 points, absolute only" \
  "$(t_psql ruglab_admin "SELECT kind, unit, better, mic_points, coalesce(mic_pct::text, '-') FROM quality.measure WHERE measure = 'ndi'")" \
  "questionnaire|%|lower|15|-"
out=$(ruglab-outcomes refresh 2>&1); rc=$?
t_is "refresh exits 0" "$rc" 0
t_is "refresh computes the NDI outcome of each enrolment" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM quality.outcome WHERE measure = 'ndi' AND start_value IS NOT NULL AND end_value IS NOT NULL")" 5
out=$(ruglab-outcomes --csv summary --measure ndi 2>&1); rc=$?
t_is "summary --measure ndi exits 0" "$rc" 0
echo "$out" | sed 's/^/# /'
# 5 changes: -20, -14, -6, -15.1, -15.1: mean -14.04, 95 % CI (t 4 df)
# -20.32 to -7.76, median -15.1; 3 of 5 reach the MCID, a cell under 5
# (suppressed, as are the completion counts that would give back the 0
# dropouts)
t_match "summary counts the 5 NDI changes: n, mean, CI, median" "$out" \
  "all,5,<5,<5,<5,ndi,5,-14\.04,-20\.32,-7\.76,-15\.10,<5"

# --- the web: the secretariat's paper form, the quality charts
t_check "user add secretariat" w_add_user an.claes --role secretariat --site az-brugge
t_check "user add quality" w_add_user qa --role quality
w_conf
w_start || exit 1
t_is "sign-in secretariat: 303" "$(status_of "$(signin sec an.claes "$W_PW")")" 303
t_is "sign-in quality: 303" "$(status_of "$(signin qa qa "$W_PW")")" 303
e5=${eids[4]}
page=$(req sec "$base/questionnaire/$e5?instrument=NDI")
t_is "the NDI form: 200" "$(status_of "$page")" 200
t_match "the form is the NDI's" "$page" "<h1>Questionnaire NDI: "
t_is "it has the 10 sections, 0-5 each" "$(grep -c 'type="number" name="item[0-9]*" id="item[0-9]*" min="0" max="5"' <<<"$page")" 10
t_match "the NDI is among the instruments offered" "$page" "href=\"/questionnaire/$e5\?instrument=NDI\">NDI<"
args=(); i=1
for v in 3 2 2 3 2 2 2 2 2 2; do args+=("item$i=$v"); i=$((i + 1)); done
out=$(w_post sec "/questionnaire/$e5?instrument=NDI" instrument=NDI date=2026-01-07 language=nl "${args[@]}")
t_is "stored: 200" "$(status_of "$out")" 200
t_is "the page shows the score as the CLI gives it" "$(sed -n 's/.*<dd class="score">\([^ <]*\) .*/\1/p' <<<"$out")" 44
t_is "stored as the CLI stores it: NDI, version 1991, 44 %, by the web user" \
  "$(t_psql ruglab_admin "SELECT instrument || ':' || version || ':' || score || ':' || entered_by FROM meas.questionnaire_response WHERE enrolment_id = $e5 AND taken_at::date = '2026-01-07'")" \
  "NDI:1991:44.00:an.claes"
out=$(w_post sec "/questionnaire/$e5" instrument=NDI date=2026-01-07 item1=6 item2=1)
t_is "an NDI answer out of range: 422 with the CLI's words" \
  "$(status_of "$out") $(grep -o '<span class="field-error">[^<]*</span>' <<<"$out" | sed 's/<[^>]*>//g')" \
  "422 NDI item 1: answer 6 out of range 0-5"
page=$(req qa "$base/quality/boxplots?measure=ndi")
t_is "the quality box plots of the NDI: 200" "$(status_of "$page")" 200
t_match "the NDI is the chosen measure, by its label" "$page" '<option value="ndi" selected>NDI neck disability</option>'
t_match "the CSV link is the NDI's" "$page" 'measure=ndi&amp;format=csv'

# --- the wire: a device (the questionnaire tablet) sends NDIs
t_make_keys az-brugge tablet-1:questionnaire-tablet
t_collector_conf test-collector "tcp://127.0.0.1:*" >"$T_TMP/collector.conf"
t_start_collector "$T_TMP/collector.conf" || { t_done; exit 1; }
EP=$(t_collector_endpoint)
T=$(date -d '2026-01-06 09:00 UTC' +%s)000000
S='"session_id": "q-1", "patient_token": "RB-0005"'
out=$(t_send tablet-1 --timeout-ms 8000 <<JSON
{"kind": "hello", "boot_id": 1, "seq": 1, "taken_at_us": $T, "spool_depth": 0}
{"kind": "questionnaire", "boot_id": 1, "seq": 2, "taken_at_us": $T, $S, "instrument": "NDI", "version": "1991", "answers": [[1,3],[2,2],[3,2],[4,3],[5,2],[6,2],[7,2],[8,2],[9,1]]}
{"kind": "questionnaire", "boot_id": 1, "seq": 3, "taken_at_us": $T, $S, "instrument": "NDI", "version": "1991", "answers": [[1,3],[2,6]]}
{"kind": "questionnaire", "boot_id": 1, "seq": 4, "taken_at_us": $T, $S, "instrument": "NDI", "version": "1991", "answers": [[1,3],[2,2],[3,2]]}
JSON
)
rc=$?
echo "$out" | sed 's/^/# /'
t_is "the NDI over the wire is accepted" "$(grep -c '^ack 1 [24] accepted NONE' <<<"$out")" 2
t_match "an answer out of range is refused OUT_OF_RANGE naming the item" "$out" "ack 1 3 rejected OUT_OF_RANGE .*item 2"
t_is "the device's NDI is scored like the CLI's (sum 19 of 45 = 42.2 %)" \
  "$(t_psql ruglab_admin "SELECT instrument || ':' || version || ':' || coalesce(score::text, 'none') FROM meas.questionnaire_response WHERE source = 'device' ORDER BY seq")" \
  "NDI:1991:42.20
NDI:1991:none"

t_done
