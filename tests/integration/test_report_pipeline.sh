# The report of a patient run through the real path: site, GP, patient,
# enrolment and device through the `ruglab` CLI, a programme measured by the
# Tergumed simulator in ruglab-agent and stored by ruglab-collector,
# questionnaires entered by hand, the programme ended and the conclusion
# written with the CLI; then the letter and the FHIR export carry exactly
# the database's values.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pipeline_lib.sh"

t_pg_start
pl_programme
printf 'Duidelijke verbetering van kracht en functie.\n' | ruglab conclusion set "$badge" --file - >/dev/null
t_check "the conclusion is written" ruglab conclusion show "$badge"

# --- the shipped reference table is illustrative: a final letter refuses it,
# a draft shows it with a caution
t_fails_with "a final letter with an unvalidated reference table is refused" "not marked validated" \
  ruglab-report letter "$badge" -o refused.pdf
t_check "a draft with the unvalidated table" ruglab-report letter "$badge" --draft -o draft.pdf
flat=$(pdftotext -layout draft.pdf - | tr -s ' \n' ' ')
t_match "the draft cautions against the unvalidated table" "$flat" "Let op: de referentiewaarden komen uit een tabel die niet als gevalideerd is aangemerkt"
pl_validated_reference

# --- letter: the database's values
t_check "the letter" ruglab-report letter "$badge" -o letter.pdf
flat=$(pdftotext -layout letter.pdf - | tr -s ' \n' ' ')
t_match "the patient" "$flat" "Patiënt: Marie Janssens, geboren op 3 maart 1981 INSZ: 81\.03\.03-122\.55"
t_match "the GP" "$flat" "Aan de huisarts Dr\. Jan Peeters"
vals=$(pl_extension_torque)
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
