# The report of a patient run through the real path: site, GP, patient,
# enrolment and device through the `ruglab` CLI, a programme measured by the
# Tergumed simulator in ruglab-agent and stored by ruglab-collector,
# questionnaires entered by hand, the programme ended and the conclusion
# written with the CLI; then the letter and the FHIR export carry exactly
# the database's values.
. "$(dirname "$0")/lib.sh"

t_pg_start
EP=tcp://127.0.0.1:$(t_free_port)
cd "$T_TMP" || exit 1

ruglab site add --code az-brugge --name "AZ Sint-Jan Brugge" --address "Ruddershove 10, 8000 Brugge" \
  --physician-name "Dr. Els Vermeulen" --physician-riziv 11111111111 >/dev/null
ruglab gp add --riziv 12345678901 --family-name Peeters --given-name Jan --address "Kerkstraat 5" \
  --postal-code 8200 --city Sint-Andries >/dev/null
p=$(ruglab --json patient add --site az-brugge --family-name Janssens --given-name Marie --birth-date 1981-03-03 \
  --sex F --insz 81030312255 --weight 68 --gp 12345678901 2>&1)
t_check "patient added through the CLI" jq -e .badge_token <<<"$p"
badge=$(jq -r .badge_token <<<"$p")
t_check "enrolled through the CLI" ruglab enrol "$badge" --programme mrr-36 --start 2026-01-05 --route riziv \
  --indication chronic --pain-since 2025-06-01
t_make_keys az-brugge tergu-1
ruglab reference load "$T_ROOT/deploy/reference/example-reference.csv" >/dev/null

t_collector_conf rep "$EP" >collector.conf
t_start_collector collector.conf || { t_done; exit 1; }

# the simulator: 10 sessions from 2026-01-05, tests at the first, middle and last
cat >agent.conf <<CONF
[agent]
device_id = tergu-1
driver = simulator
drain_timeout_s = 40
[spool]
dir = $T_TMP/spool
$(t_agent_link tergu-1)
reconnect_ivl_ms = 50
[simulator]
seed = 3
patients = $badge:F:45:68
sessions = 10
start = 2026-01-05T08:00:00Z
days_between_sessions = 3.5
time_factor = 0
sets = 1
CONF
t_log "$T_TMP/agent.log"
ruglab-agent --config agent.conf >agent.log 2>&1; rc=$?
t_is "the simulator's programme is sent and acknowledged" "$rc" 0
t_is "three test occasions: start, mid, end (after the end)" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.v_test_occasion")" 3

last=$(t_psql ruglab_admin "SELECT max(test_date) FROM clinical.v_test_occasion")
t_check "ODI at the start" ruglab questionnaire add "$badge" --instrument ODI --date 2026-01-05 --answers 1=3,2=3,3=2,4=3,5=2,6=3,7=2,8=3,9=2,10=3
t_check "ODI at the end" ruglab questionnaire add "$badge" --instrument ODI --date "$last" --answers 1=1,2=1,3=1,4=1,5=0,6=1,7=1,8=1,9=0,10=1
t_check "NPRS at the start" ruglab questionnaire add "$badge" --instrument NPRS --date 2026-01-05 --answers 1=8
t_check "NPRS at the end" ruglab questionnaire add "$badge" --instrument NPRS --date "$last" --answers 1=4
t_check "an information session by hand" ruglab session add "$badge" --date 2026-01-07 --kind information
t_check "the programme ends" ruglab enrolment end "$badge" --completed --date "$last"
mid_session=$(t_psql ruglab_admin "SELECT session_id FROM clinical.v_test_occasion WHERE test_index = 2")
t_check "the middle test is marked as the mid test (short programme)" ruglab timepoint set "$badge" --device tergu-1 \
  --session "$mid_session" --timepoint mid --reason "tussentijdse test van een kort programma"
printf 'Duidelijke verbetering van kracht en functie.\n' | ruglab conclusion set "$badge" --file - >/dev/null
t_check "the conclusion is written" ruglab conclusion show "$badge"

# --- the shipped reference table is illustrative: a final letter refuses it,
# a draft shows it with a caution
t_fails_with "a final letter with an unvalidated reference table is refused" "not marked validated" \
  ruglab-report letter "$badge" -o refused.pdf
t_check "a draft with the unvalidated table" ruglab-report letter "$badge" --draft -o draft.pdf
flat=$(pdftotext -layout draft.pdf - | tr -s ' \n' ' ')
t_match "the draft cautions against the unvalidated table" "$flat" "Let op: de referentiewaarden komen uit een tabel die niet als gevalideerd is aangemerkt"
grep -v '^#' "$T_ROOT/deploy/reference/example-reference.csv" >site-ref.csv
t_check "the site's validated table" ruglab reference load site-ref.csv --citation "Testwaarden van de site (2026)" \
  --population "gezonde volwassenen, test" --validated

# --- letter: the database's values
t_check "the letter" ruglab-report letter "$badge" -o letter.pdf
flat=$(pdftotext -layout letter.pdf - | tr -s ' \n' ' ')
t_match "the patient" "$flat" "Patiënt: Marie Janssens, geboren op 3 maart 1981 INSZ: 81\.03\.03-122\.55"
t_match "the GP" "$flat" "Aan de huisarts Dr\. Jan Peeters"
vals=$(t_psql ruglab_admin "SELECT string_agg(to_char(m, 'FM999990.0'), ' ' ORDER BY o.test_index)
  FROM clinical.v_test_occasion o
  JOIN LATERAL (SELECT max(max_torque_nm) m FROM meas.test_trial t WHERE t.device_id = o.device_id
                AND t.session_id = o.session_id AND t.direction = 'extension') x ON true")
read -r v1 v2 v3 <<<"$vals"
pct=$(t_psql ruglab_admin "SELECT to_char(round((($v3 - $v1) / $v1 * 100)::numeric, 1), 'FM999990.0')")
t_match "extension torque start/mid/end and change % from the database" "$flat" "extensie kracht \(N·m\) $v1 $v2 $v3 [+-][0-9.]+ [+-]$pct %"
odi=$(t_psql ruglab_admin "SELECT string_agg(to_char(score, 'FM990.0'), ' ' ORDER BY taken_at) FROM meas.questionnaire_response WHERE instrument = 'ODI'")
read -r o1 o2 <<<"$odi"
t_match "the ODI interpretation with the stored scores" "$flat" "Oswestry Disability Index bij de eindmeting $o2 %: minimale beperking \(bij de start $o1 %: ernstige beperking\)"
t_match "attendance with the information session" "$flat" "11 van de 36 geplande sessies bijgewoond \(10 van de 34 oefensessies, 1 van de 2 informatiesessies\)"
t_match "% of the validated reference is reported with its source" "$flat" "Bron: Testwaarden van de site \(2026\); toestel tergumed-710; populatie: gezonde volwassenen, test"
t_match "the raw curve of the isometric test is charted over time, at its angle" "$flat" "Krachtcurve van de test: extensie, einde \(isometrisch bij -?[0-9]+°\)"

# --- FHIR: every device Observation equals the database value
t_check "the FHIR export" ruglab-report export "$badge" --format fhir -o bundle.json
bad=0 n=0
while IFS=$'\t' read -r ident value; do
  IFS=. read -r _ measure dir tp <<<"$ident"
  case $measure in max_torque) c=max_torque_nm ;; rom) c=rom_deg ;; *) continue ;; esac
  want=$(t_psql ruglab_admin "SELECT max(t.$c) FROM meas.test_trial t JOIN clinical.v_test_occasion o
           ON o.device_id = t.device_id AND o.session_id = t.session_id
           WHERE o.timepoint = '$tp' AND t.direction = '$dir'")
  n=$((n + 1))
  [ "$(jq -n "$value == $want")" = true ] || { bad=$((bad + 1)); echo "# $ident: $value, database $want"; }
done < <(jq -r '.entry[].resource | select(.resourceType == "Observation") | [.identifier[0].value, .valueQuantity.value] | @tsv' bundle.json)
t_is "36 device Observations" "$n" 36
t_is "each equals the database value" "$bad" 0
t_is "the ODI scores as Observations" \
  "$(jq -r '[.entry[].resource | select(.resourceType == "Observation" and (.identifier[0].value | contains(".score.ODI."))) | .valueQuantity.value | tostring] | join(" ")' bundle.json)" \
  "$(t_psql ruglab_admin "SELECT string_agg(score::float8::text, ' ' ORDER BY taken_at) FROM meas.questionnaire_response WHERE instrument = 'ODI'")"

t_done
