# The physician's walk in a real browser on a programme run through the
# real path (pipeline_lib.sh: CLI registration, the Tergumed simulator in
# ruglab-agent through a real ruglab-collector, questionnaires by hand, the
# programme ended), not on inserted rows: the physician writes the
# conclusion in the browser, previews, signs and releases (walk_lib.sh), and
# the released PDF carries the database's values: the patient, the typed
# conclusion, the extension torque at start and end as the collector stored
# it, the attendance; the outbox holds the release's files as recorded;
# screenshots in $BUILD/test-output/web-pipeline/.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
. "$(dirname "$0")/browser_lib.sh"
. "$(dirname "$0")/walk_lib.sh"
. "$(dirname "$0")/pipeline_lib.sh"

b_ready
t_pg_start
pl_programme
pl_validated_reference
t_is "no conclusion before the walk" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.conclusion")" 0
eid=$(t_psql ruglab_admin "SELECT e.enrolment_id FROM clinical.enrolment e JOIN clinical.subject s USING (subject_id)
  WHERE s.badge_token = '$badge'")
t_match "the CLI's enrolment" "$eid" '^[0-9]+$'
wk_serve || exit 1

conclusion="Duidelijke verbetering van kracht en functie na het programma; mevrouw O'Brien-test <geen> pijn & SQL '); --"
advice="Thuisoefeningen 2x per week verderzetten."
wk_walk web-pipeline "$eid" Janssens "$conclusion" "$advice"

# the released letter against what the collector and the CLI stored
txt=$released_txt
t_match "the released letter: the patient and the INSZ entered in the CLI" "$txt" \
  "Patiënt: Marie Janssens, geboren op 3 maart 1981 INSZ: 81\.03\.03-122\.55"
t_check "the released letter: the conclusion typed in the browser" grep -qF "$conclusion" <<<"$txt"
vals=$(pl_extension_torque)
rc=$?
t_is "the collector stored the extension torque of three tests" "$rc|$(wc -w <<<"$vals")" "0|3"
read -r v1 v2 v3 <<<"$vals"
t_match "the extension torque at start and end as stored by the collector ($v1, $v3)" "$txt" \
  "extensie kracht \(N·m\) $v1 $v2 $v3 [+-]"
# the device's days (a test day is a session day) and the information session entered by hand
att=$(t_psql ruglab_admin "SELECT (SELECT count(DISTINCT (taken_at AT TIME ZONE 'Europe/Brussels')::date)
    FROM meas.session_event WHERE enrolment_id = $eid)
  || ' ' || (SELECT count(*) FROM clinical.session WHERE enrolment_id = $eid AND kind = 'information' AND status = 'attended')")
rc=$?
t_is "the attendance in the database: the simulator's 10 session days, the information session" "$rc|$att" "0|10 1"
read -r tr info <<<"$att"
t_match "the released letter: the attendance sentence" "$txt" \
  "Aanwezigheid: $((tr + info)) van de 36 geplande sessies bijgewoond \($tr van de 34 oefensessies, $info van de 2 informatiesessies\)"

# the outbox: the release's folder with its three files, each the one recorded
rel=$(t_psql ruglab_admin "SELECT release_id FROM clinical.report_release WHERE enrolment_id = $eid")
t_match "one release" "$rel" '^[0-9]+$'
dir=$T_TMP/outbox/az-brugge/release-$rel
t_is "the outbox folder of the release holds the letter, the FHIR Bundle and the KMEHR message" \
  "$(cd "$dir" 2>/dev/null && ls | tr '\n' ' ')" "fhir.json kmehr.xml letter.pdf "
for f in letter:letter.pdf fhir:fhir.json kmehr:kmehr.xml; do
  sha=$(sha256sum "$dir/${f#*:}" 2>/dev/null | cut -d' ' -f1)
  t_is "outbox ${f#*:} is the one recorded as issued (${f%%:*})" \
    "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.report_issued WHERE enrolment_id = $eid
       AND kind = '${f%%:*}' AND sha256 = '${sha:-none}'")" 1
done
t_is "the outbox letter is the PDF the browser downloaded" "$(cmp "$dir/letter.pdf" "$released" 2>&1; echo $?)" 0
t_check "the FHIR Bundle is JSON naming the conclusion" jq -e --arg c "$conclusion" \
  '[.. | strings | select(contains($c))] | length > 0' "$dir/fhir.json"

# the audit log: the physician's reads of this patient's identity
t_is "the audit log names the physician for this patient" \
  "$(t_psql ruglab_admin "SELECT count(*) > 0 FROM audit.access_log a JOIN clinical.enrolment e USING (subject_id)
     WHERE a.program = 'ruglab-web' AND a.os_user = 'dr-vermeulen' AND e.enrolment_id = $eid")" t

# a screenshot of each page, each a PNG
for s in 01-signin 02-worklist 03-programme 04-conclusion 05-conclusion-filled 06-conclusion-saved 07-released; do
  t_is "the screenshot $s is a PNG" "$(head -c 8 "$B_SHOTS/$s.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" \
    89504e470d0a1a0a
done
t_done
