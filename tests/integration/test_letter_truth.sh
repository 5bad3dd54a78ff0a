# The letter tells the truth (README, "What the letter says, and from
# which data"): each statement follows from the data inside the
# programme's dates by a written rule. On the real binaries and a real
# cluster, the letter read back with pdftotext:
#   1 data after the end: an end date before recorded activity is refused
#     (naming the last session), --force is audited and leaves later data
#     out of the letter, the FHIR bundle and the quality tables; later
#     sessions are kept, flagged and counted nowhere
#   2 completion from attendance per kind; sessions shorter than the
#     template's minimum
#   3 a late letter says so, by how many days; batch --due and enrolment
#     status put overdue reports first
#   4 % of reference only from a validated table in a final letter, cited
#   5 real change marked in the letter with a legend
#   7 every fixed string in the letter's language; the conclusion's language
#   9 questionnaire time points: anchored on the tests, start before end
# (6 charts and 8 layout: test_letter_charts_layout.sh.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_fixture.sh"

t_pg_start
fx_site
cd "$T_TMP" || exit 1

# letter_text FILE: the PDF's text on one line (a failed pdftotext fails the test)
letter_text() {
  local txt
  if ! txt=$(pdftotext -layout "$1" - 2>&1); then
    t_not_ok "pdftotext reads $1" "$txt"
    return 1
  fi
  tr -s ' \n' ' ' <<<"$txt"
}
q() { t_psql ruglab_admin "$1"; }

# =========================================================== 1. after the end
# A dropout on day 9 whose device kept recording until day 20.
late=$(fx_patient Peeters An 80010100101 RB-1001)
fx_sessions "$late" 20
fx_test "$late" 1 1; fx_test "$late" 17 2; fx_test "$late" 20 3
fx_odi "$late" 1 3 3 3 3 3 3 3 3 3 3; fx_odi "$late" 20 1 1 1 1 1 1 1 1 1 1
last_day=$(q "SELECT $(fx_day "$late" 20)")
end9=$(q "SELECT $(fx_day "$late" 9) + 1")
before=$(q "SELECT status || coalesce(end_date::text, '-') FROM clinical.enrolment WHERE enrolment_id = $late")
out=$(ruglab enrolment end RB-1001 --dropout "verhuis" --date "$end9" 2>&1); rc=$?
t_is "1: an end date before recorded activity is refused (exit 1)" "$rc" 1
t_match "1: the refusal names the last recorded session" "$out" \
  "the end date $end9 is before recorded activity: the last recorded session is on $last_day \(device tergu-1, session [A-Z]+-$late-[0-9]+\)"
t_match "1: ... says how many sessions lie after the date and what --force does" "$out" \
  "11 attended sessions after $end9\).*--force"
t_is "1: the refused end changes nothing" \
  "$(q "SELECT status || coalesce(end_date::text, '-') FROM clinical.enrolment WHERE enrolment_id = $late")" "$before"
out=$(ruglab enrolment end RB-1001 --dropout "verhuis" --date "$end9" --force 2>&1); rc=$?
t_is "1: --force ends it all the same" "$rc" 0
t_match "1: --force warns what it leaves out" "$out" "warning: ended with --force: .* kept but counted nowhere \(audited\)"
t_is "1: the forced end is in the audit log, with who and what" \
  "$(q "SELECT count(*) FROM audit.access_log WHERE program = 'ruglab' AND command = 'enrolment end --force'
        AND os_user <> '' AND detail LIKE 'enrolment $late ended on $end9 with --force although the last recorded session is on $last_day%'")" 1
t_match "1: ruglab audit list shows it" "$(ruglab audit list)" "enrolment end --force"
status=$(ruglab enrolment status RB-1001); rc=$?
t_is "1: enrolment status exits 0" "$rc" 0
t_match "1: enrolment status: the sessions after the end, kept but not counted" "$status" \
  "warning: 11 sessions recorded outside the programme's dates \([0-9-]+ to $last_day; the programme runs from 2026-01-05 to $end9\): kept, but not counted"
t_match "1: enrolment status: the tests after the end too" "$status" "warning: 36 test trials recorded outside the programme's dates"
t_match "1: enrolment status: attendance counts only the dates" "$status" "attended 9 of 36 planned sessions"
t_is "1: JSON: the warnings have a stable code" \
  "$(ruglab --json enrolment status RB-1001 | jq -r '[.warnings[].kind] | unique | join(",")')" "outside_programme_dates"
fx_conclusion "$late" "Gestopt na verhuis."
t_check "1: the dropout's letter" ruglab-report letter RB-1001 -o late.pdf
flat=$(letter_text late.pdf)
t_match "1: the letter: the programme's dates" "$flat" "volgde van 5 januari 2026 tot"
t_match "1: the letter: 9 sessions, not 20" "$flat" "Aanwezigheid: 9 van de 36 geplande sessies bijgewoond"
t_match "1: the letter: only the start test inside the dates" "$flat" "Testen: begin 2026-01-05; midden ontbreekt; einde ontbreekt\."
t_match "1: the letter: what lies outside the dates is said, not counted" "$flat" \
  "11 sessie\(s\) geregistreerd buiten de data van het programma \(van [0-9-]+ tot $last_day\); bewaard, maar nergens in dit verslag meegeteld"
t_match "1: the letter: no end values, so no gains" "$flat" "extensie kracht \(N·m\) 189\.0 — — — —"
t_check "1: the FHIR export" ruglab-report export RB-1001 --format fhir -o late.json
t_is "1: FHIR: only the start test's Observations (6 directions x 2)" \
  "$(jq '[.entry[].resource | select(.resourceType == "Observation" and (.identifier[0].value | test("\\.(max_torque|rom)\\.")))] | length' late.json)" 12
t_is "1: FHIR: no questionnaire of day 20" \
  "$(jq '[.entry[].resource | select(.resourceType == "QuestionnaireResponse")] | length' late.json)" 1
t_check "1: ruglab-outcomes refresh" ruglab-outcomes refresh
t_is "1: quality.outcome: no end value from after the end" \
  "$(PGUSER=ruglab_quality q "SELECT count(end_value) FROM quality.outcome WHERE enrolment_key = 'az-brugge:$late'")" 0
t_is "1: quality.enrolment: the warning column counts what lies outside" \
  "$(q "SELECT sessions_attended, records_outside_dates > 0 FROM quality.enrolment WHERE local_enrolment_id = $late")" "9|t"
# a session typed in after the end: kept, flagged, not counted
out=$(ruglab session add RB-1001 --date "$last_day" --kind information 2>&1); rc=$?
t_is "1: a session after the end is kept (exit 0)" "$rc" 0
t_match "1: ... with a warning that it counts nowhere" "$out" "warning: the session on $last_day lies outside the dates of enrolment $late .*kept, but counted nowhere"
t_is "1: ... it is stored, outside the programme, without a session number" \
  "$(ruglab --json session list RB-1001 | jq -r "[.[] | select(.session_date == \"$last_day\" and .kind == \"information\")][0] | [.in_programme, .session_number] | map(tostring) | join(\" \")")" \
  "false null"
t_match "1: ... and the attendance does not count it" "$(ruglab enrolment status RB-1001)" "attended 9 of 36 planned sessions .*0 of 2 information"

# ======================================================== 2. completion
full=$(fx_full Janssens Marie 80010100202 RB-2001)
fx_conclusion "$full" "Goed verlopen."
t_check "2: letter of a full programme" ruglab-report letter RB-2001 -o full.pdf
t_match "2: fully completed when every planned session was attended" "$(letter_text full.pdf)" \
  "Het programma werd volledig afgewerkt: alle 36 geplande sessies werden bijgewoond\."
noinfo=$(fx_patient Maes Piet 80010100303 RB-2002)
fx_sessions "$noinfo" 34; fx_test "$noinfo" 1 1; fx_test "$noinfo" 34 3; fx_end "$noinfo" completed 34
fx_conclusion "$noinfo" "Goed."
t_check "2: letter: 34 of 36, no information session" ruglab-report letter RB-2002 -o noinfo.pdf
flat=$(letter_text noinfo.pdf)
t_match "2: 34 of 36: says how many of how many and which kind was missed" "$flat" \
  "Het programma werd beëindigd na 34 van de 36 geplande sessies; niet bijgewoond: 2 van de 2 informatiesessies\."
t_fails "2: 34 of 36 is not 'volledig afgewerkt'" grep -q "volledig afgewerkt" <<<"$flat"
three=$(fx_patient Claes Lien 80010100404 RB-2003)
fx_sessions "$three" 3; fx_test "$three" 1 1; fx_test "$three" 3 3; fx_end "$three" completed 3
fx_conclusion "$three" "Kort."
t_check "2: letter: 3 of 36 marked completed" ruglab-report letter RB-2003 -o three.pdf --lang en
flat=$(letter_text three.pdf)
t_match "2: 3 of 36 (English): the sessions and kinds missed" "$flat" \
  "The programme ended after 3 of 36 planned sessions; not attended: 31 exercise sessions and 2 of the 2 information sessions\."
t_fails "2: 3 of 36 is not 'completed in full'" grep -q "completed in full" <<<"$flat"
# session lengths: 90 minutes by hand, 45 minutes on a device
short=$(fx_patient Wouters Els 80010100505 RB-2004)
fx_sessions "$short" 4; fx_test "$short" 1 1
q "INSERT INTO meas.session_event (device_id, boot_id, seq, taken_at, session_id, enrolment_id, event, duration_s)
   VALUES ('tergu-1', $short, 40001, $(fx_day "$short" 2) + time '09:45', 'TR-$short-2', $short, 'end', 2700)" >/dev/null
t_check "2: session add --minutes" ruglab session add RB-2004 --date "$(q "SELECT $(fx_day "$short" 4) + 1")" --kind information --minutes 90
out=$(ruglab enrolment status RB-2004)
t_match "2: enrolment status: sessions shorter than the template's 120 minutes" "$out" \
  "warning: 2 sessions recorded shorter than the programme's minimum of 120 minutes \(from 2026-01-08; the shortest 45 minutes\)"
t_match "2: enrolment status: how many have no recorded length" "$out" "session length: minimum 120 minutes; 2 session\(s\) shorter, 3 without a recorded length"
t_check "2: draft letter with short sessions" ruglab-report letter RB-2004 --draft -o short.pdf
t_match "2: the letter warns of the short sessions" "$(letter_text short.pdf)" \
  "2 sessies korter geregistreerd dan de minimale duur van 120 minuten \(vanaf 2026-01-08; de kortste 45 minuten\)"

# a dropout reason of 480 characters, with accents, is quoted whole (no cut, no double stop)
long=$(fx_patient Dubois Noëlle 80010100515 RB-2005)
fx_sessions "$long" 5; fx_test "$long" 1 1
reason="Werkhervatting in aangepast werk vanaf volgende maand; de patiënte kan de sessies niet meer combineren met haar uurrooster. De pijn is verminderd, de beperking bij het tillen blijft. Zij zet de oefeningen thuis verder volgens de brochure en meldt zich opnieuw aan indien de klachten toenemen. Overleg met de arbeidsarts is gepland; de adviserend arts van het ziekenfonds is op de hoogte gebracht van de stopzetting en van de redenen ervan, zoals hier beschreven en besproken."
t_check "2: a dropout with a long reason" ruglab enrolment end RB-2005 --dropout "$reason" --date "$(q "SELECT $(fx_day "$long" 5) + 1")"
fx_conclusion "$long" "Gestopt."
t_check "2: its letter" ruglab-report letter RB-2005 -o long.pdf --lang en
flat=$(letter_text long.pdf)
t_match "2: the whole reason is quoted once in the sentence, ending in one full stop" "$flat" \
  "The programme was stopped early after 5 of 36 planned sessions: Werkhervatting in aangepast werk .*zoals hier beschreven en besproken\. "
t_fails "2: never a double full stop after the reason" grep -q "besproken\.\." <<<"$flat"
# more information sessions than planned do not make up for a missed exercise session
extra=$(fx_patient Maes Lotte 80010100525 RB-2006)
fx_sessions "$extra" 33; fx_test "$extra" 1 1; fx_test "$extra" 33 3
for day in 3 10 20; do fx_info "$extra" "$day" attended; done
fx_end "$extra" completed 33
fx_conclusion "$extra" "Goed."
t_check "2: letter with 33 exercise and 3 information sessions" ruglab-report letter RB-2006 -o extra.pdf
flat=$(letter_text extra.pdf)
t_match "2: the headline counts sessions towards the plan" "$flat" \
  "Aanwezigheid: 35 van de 36 geplande sessies bijgewoond \(33 van de 34 oefensessies, 3 van de 2 informatiesessies\)"
t_match "2: ... and names the extra session apart" "$flat" "Daarnaast werd 1 informatiesessie meer dan gepland bijgewoond\."
t_match "2: ... and the sentence says what was missed" "$flat" "beëindigd na 35 van de 36 geplande sessies; niet bijgewoond: 1 oefensessie\."

# ======================================================== 3. overdue
# $full ended on day 34 + 1 (2026-05-01): due 2026-05-15, long past
days_late=$(q "SELECT clinical.local_date(now()) - date '2026-05-15'")
flat=$(letter_text full.pdf)
t_match "3: a late letter says it is late and by how many days (nl)" "$flat" \
  "moest binnen 2 weken na het einde van de behandeling bezorgd worden, uiterlijk op 15 mei 2026\. Dit verslag wordt laattijdig verstuurd: $days_late dagen na de termijn\."
t_check "3: the English letter" ruglab-report letter RB-2001 --lang en -o full-en.pdf
t_match "3: ... and in English" "$(letter_text full-en.pdf)" \
  "was due within 2 weeks of the end of treatment, at the latest on 15 May 2026\. This report is sent late: $days_late days after the deadline\."
intime=$(fx_patient Jacobs Tom 80010100606 RB-3001)
today=$(q "SELECT clinical.local_date(now())")
q "UPDATE clinical.enrolment SET start_date = '$today'::date - 60 WHERE enrolment_id = $intime" >/dev/null
q "INSERT INTO clinical.session (enrolment_id, session_date, kind, entered_by) VALUES ($intime, '$today'::date - 3, 'exercise', 't')" >/dev/null
t_check "3: a programme that ended yesterday" ruglab enrolment end RB-3001 --completed --date "$(q "SELECT '$today'::date - 1")"
fx_conclusion "$intime" "Net beëindigd."
t_check "3: its letter" ruglab-report letter RB-3001 -o intime.pdf --draft
t_fails "3: a letter in time does not say it is late" grep -q "laattijdig" <<<"$(letter_text intime.pdf)"
overdue=$(fx_patient Willems Bart 80010100616 RB-3002)
fx_sessions "$overdue" 30; fx_test "$overdue" 1 1; fx_test "$overdue" 30 3; fx_end "$overdue" completed 30
fx_conclusion "$overdue" "Goed."
out=$(ruglab-report batch --due --dry-run); rc=$?
t_is "3: batch --due --dry-run exits 0" "$rc" 0
first=$(sed -n 2p <<<"$out")
t_match "3: batch --due lists an overdue report first, with its days late" "$first" "OVERDUE [0-9]+ d$"
t_match "3: ... and the one in time after the overdue ones" "$(grep -n " $intime " <<<"$out" | tail -1)" " - *$"
t_match "3: batch --due counts the overdue ones" "$(tail -1 <<<"$out")" "reports due, [0-9]+ overdue"
due=$(q "SELECT clinical.report_due_date(route, end_date) FROM clinical.enrolment WHERE enrolment_id = $overdue")
t_match "3: enrolment status: the overdue report comes first" "$(ruglab enrolment status RB-3002 | sed -n 2p)" \
  "^final report: OVERDUE by $(q "SELECT clinical.local_date(now()) - '$due'::date") days \(due by $due\), not sent yet$"
# a second, running programme of the same patient: the earlier overdue report still comes first
q "INSERT INTO clinical.enrolment (subject_id, site_id, programme_id, indication, route, start_date, age_at_start, pain_since, exception, exception_note)
   SELECT subject_id, 1, 1, 'chronic', 'riziv', clinical.local_date(now()) - 10, 41, '2025-06-01', 'reintegration', 'test'
   FROM clinical.enrolment WHERE enrolment_id = $overdue" >/dev/null
out=$(ruglab enrolment status RB-3002); rc=$?
t_is "3: enrolment status of the running programme exits 0" "$rc" 0
t_match "3: ... an earlier programme's overdue report comes first" "$(sed -n 2p <<<"$out")" \
  "^final report of enrolment $overdue \(ended [0-9-]+\): OVERDUE by [0-9]+ days \(due by $due\), not sent yet$"
t_match "3: enrolment status --enrolment shows the earlier programme" "$(ruglab enrolment status RB-3002 --enrolment "$overdue" | head -2)" \
  "^enrolment $overdue: .*completed.*final report: OVERDUE by"
t_fails_with "3: --enrolment of another patient is refused" "has no enrolment $late" ruglab enrolment status RB-3002 --enrolment "$late"
t_match "3: enrolment status of a report sent late" "$(ruglab enrolment status RB-2002 | sed -n 2p)" \
  "^final report: sent on [0-9-]+, $days_late days after the deadline of 2026-05-15$"
t_match "3: enrolment status of a report in time" "$(ruglab enrolment status RB-3001 | sed -n 2p)" "^final report: due by [0-9-]+, not sent yet$"

# ======================================================== 4. reference values
q "INSERT INTO clinical.device (device_id, site_id, model, public_key) VALUES ('tergu-1', 1, 'tergumed-710', repeat('k', 40))" >/dev/null
grep -v '^#' "$T_ROOT/deploy/reference/example-reference.csv" >nosource.csv
t_fails_with "4: a reference table without its source is refused" "citation.*population" ruglab reference load nosource.csv
t_check "4: the shipped example table (illustrative: not validated)" ruglab reference load "$T_ROOT/deploy/reference/example-reference.csv"
out=$(ruglab-report letter RB-2001 -o ref-final.pdf 2>&1); rc=$?
t_is "4: a final letter with % of reference from an unvalidated table is refused" "$rc" 1
t_match "4: ... saying why and what to do" "$out" "not marked validated.*--validated.*--draft"
t_fails "4: ... and writes nothing" test -e ref-final.pdf
out=$(ruglab-report export RB-2001 --format fhir -o ref.json 2>&1); rc=$?
t_is "4: a final export is refused as well" "$rc" 1
t_check "4: a draft may show it" ruglab-report letter RB-2001 --draft -o ref-draft.pdf
flat=$(letter_text ref-draft.pdf)
t_match "4: the draft shows % of reference" "$flat" "% referentie"
t_match "4: ... with a visible warning in Dutch" "$flat" "Let op: de referentiewaarden komen uit een tabel die niet als gevalideerd is aangemerkt"
t_check "4: an English draft" ruglab-report letter RB-2001 --draft --lang en -o ref-draft-en.pdf
t_match "4: ... and in English" "$(letter_text ref-draft-en.pdf)" "Caution: the reference values come from a table that is not marked validated"
t_fails_with "4: the shipped illustrative table cannot be loaded --validated" "illustrative, not clinical: it cannot be loaded --validated" \
  ruglab reference load "$T_ROOT/deploy/reference/example-reference.csv" --validated
t_check "4: a validated table with its source" ruglab reference load nosource.csv --citation "Fabrikant X, normwaarden 2024" \
  --population "gezonde Belgische volwassenen, n=300" --validated
t_check "4: now the final letter" ruglab-report letter RB-2001 -o ref-ok.pdf
flat=$(letter_text ref-ok.pdf)
t_match "4: the final letter cites the table under the results" "$flat" \
  "Bron: Fabrikant X, normwaarden 2024; toestel tergumed-710; populatie: gezonde Belgische volwassenen, n=300\."
t_fails "4: ... without the caution" grep -q "niet als gevalideerd" <<<"$flat"

# ======================================================== 5. real change
# $full: extension torque +28.6 %, flexion ROM +13.0 %: within the default 33 %
flat=$(letter_text ref-ok.pdf)
t_match "5: a change within the test noise is marked ~" "$flat" "extensie kracht \(N·m\) 189\.0 216\.0 243\.0 \+54\.0 \+28\.6 % ~"
t_match "5: the legend (nl)" "$flat" "\* echte verandering: .* ~ binnen de meetfout van de test: geen echte verandering\. Kleinste reële verschil: 33 % \(standaardwaarde\)"
t_check "5: the site's own smallest real difference for extension" ruglab reference srd --model tergumed-710 --direction extension --pct 20
t_check "5: the letter again" ruglab-report letter RB-2001 -o srd.pdf
flat=$(letter_text srd.pdf)
t_match "5: a change beyond the site's SRD is marked *" "$flat" "extensie kracht \(N·m\) 189\.0 216\.0 243\.0 \+54\.0 \+28\.6 % \*"
t_match "5: the legend names the SRD per direction and its source" "$flat" \
  "Kleinste reële verschil: extensie 20 % \(test-hertestgegevens van het centrum\); de andere richtingen 33 % \(standaardwaarde\)\."
t_check "5: in English" ruglab-report letter RB-2001 --lang en -o srd-en.pdf
t_match "5: the legend (en)" "$(letter_text srd-en.pdf)" "\* real change: .* ~ within the test's measurement error: not a real change"
t_check "5: refresh the quality tables" ruglab-outcomes refresh
t_is "5: the quality tables use the site's SRD too" \
  "$(q "SELECT important FROM quality.outcome WHERE enrolment_key = 'az-brugge:$full' AND measure = 'strength_extension'")" t
t_is "5: ... and the default where the site has none (flexion +27.9 %)" \
  "$(q "SELECT important FROM quality.outcome WHERE enrolment_key = 'az-brugge:$full' AND measure = 'strength_flexion'")" f
t_is "5: compare --format json agrees" \
  "$(ruglab-report compare RB-2001 --format json | jq -r '.directions[] | select(.direction == "extension") | .max_torque_nm.real_change')" yes

# ======================================================== 7. language
flat=$(letter_text ref-ok.pdf)
t_fails "7: the Dutch letter has no English time point" grep -qE "\((start|mid|end)\)" <<<"$flat"
fx_nprs "$full" 1 7
q "INSERT INTO meas.questionnaire_response (source, taken_at, enrolment_id, instrument, version, language, answers, score, entered_by)
   SELECT 'manual', ('2026-01-05'::date + ((v.d - 1) * 7 / 2)) + time '08:50', $full, 'TSK', '17', 'nl', '[]', v.s, 'physio'
   FROM (VALUES (1, 45), (34, 33)) v(d, s)" >/dev/null
t_check "7: letter with TSK-17" ruglab-report letter RB-2001 -o tsk.pdf
t_match "7: the Dutch letter names the TSK time point in Dutch" "$(letter_text tsk.pdf)" "TSK-17 \(eindmeting\): "
t_check "7: English letter with TSK-17" ruglab-report letter RB-2001 --lang en -o tsk-en.pdf
flat=$(letter_text tsk-en.pdf)
t_match "7: the English letter names the programme in English" "$flat" "Multidisciplinary back rehabilitation programme \(36 sessions\)"
t_match "7: the English letter says the conclusion is in Dutch" "$flat" "The physician wrote this conclusion in Dutch, as follows\. Goed verlopen\."
t_fails "7: no Dutch fixed text in the English letter" grep -qE "Aanwezigheid|Bestemmelingen|eindmeting|Toestelresultaten" <<<"$flat"
printf 'Good progress; continue the exercises at home.\n' | ruglab conclusion set RB-2001 --lang en --file - >/dev/null
t_is "7: the conclusion is stored with its language" "$(ruglab --json conclusion show RB-2001 | jq -r .lang)" en
t_check "7: the Dutch letter of an English conclusion" ruglab-report letter RB-2001 -o concl-en.pdf
t_match "7: the Dutch letter says the conclusion is in English" "$(letter_text concl-en.pdf)" "Het besluit van de arts werd in het Engels opgesteld"
ruglab programme add --site az-brugge --code rug-eigen --name "Rugschool Brugge" --exercise 20 --information 0 \
  --max-per-week 2 --max-weeks 12 --mid-test-session 10 >/dev/null
own=$(fx_patient Dubois Luc 80010100707 RB-7001)
q "UPDATE clinical.enrolment SET programme_id = (SELECT programme_id FROM clinical.programme WHERE code = 'rug-eigen') WHERE enrolment_id = $own" >/dev/null
fx_sessions "$own" 20; fx_test "$own" 1 1; fx_test "$own" 20 3; fx_end "$own" completed 20
fx_conclusion "$own" "Goed."
t_check "7: English letter of a programme without an English name" ruglab-report letter RB-7001 --lang en --draft -o own-en.pdf
t_match "7: the Dutch name is given and said to be the programme's own" "$(letter_text own-en.pdf)" \
  "“Rugschool Brugge”.*\(The programme's name is given as the hospital registered it, in Dutch\.\)"

# ======================================================== 9. time points
same=$(fx_patient Lambrecht Geert 80010100808 RB-9001)
fx_sessions "$same" 34; fx_test "$same" 1 1; fx_test "$same" 17 2; fx_test "$same" 34 3
fx_odi "$same" 1 3 3 3 3 3 3 3 3 3 3; fx_odi "$same" 1 1 1 1 1 1 1 1 1 1 1
fx_end "$same" completed 34
t_is "9: two ODIs on one day: one is the start, neither is the end" \
  "$(q "SELECT string_agg(coalesce(timepoint, '-'), ',' ORDER BY taken_at, response_id) FROM clinical.v_questionnaire WHERE enrolment_id = $same")" "start,-"
fx_conclusion "$same" "Goed."
t_check "9: its letter" ruglab-report letter RB-9001 --draft -o same.pdf
flat=$(letter_text same.pdf)
t_match "9: the letter shows no change from two answers of one day" "$flat" "ODI \(%\) 60\.0 — — — —"
t_match "9: ... and says why there is no end measurement" "$flat" \
  "ODI: geen eindmeting: binnen de data van het programma is er geen antwoord na dat van de beginmeting \(2026-01-05\); twee antwoorden van dezelfde dag zijn nooit begin en einde\."
far=$(fx_patient Goossens Ilse 80010100909 RB-9002)
fx_sessions "$far" 34; fx_test "$far" 1 1; fx_test "$far" 17 2; fx_test "$far" 34 3
fx_odi "$far" 1 3 3 3 3 3 3 3 3 3 3; fx_odi "$far" 24 1 1 1 1 1 1 1 1 1 1
fx_end "$far" completed 34
t_is "9: an ODI a month before the end test is neither mid nor end" \
  "$(q "SELECT string_agg(coalesce(timepoint, '-'), ',' ORDER BY taken_at) FROM clinical.v_questionnaire WHERE enrolment_id = $far")" "start,-"
fx_conclusion "$far" "Goed."
t_check "9: its letter" ruglab-report letter RB-9002 --draft -o far.pdf
t_match "9: the letter says the end questionnaire is missing and why" "$(letter_text far.pdf)" \
  "ODI: geen eindmeting: geen antwoord binnen 14 dagen van de eindtest \(2026-04-30\)\."
near=$(fx_patient Mertens Anke 80010101010 RB-9003)
fx_sessions "$near" 34; fx_test "$near" 1 1; fx_test "$near" 17 2; fx_test "$near" 34 3
fx_odi "$near" 2 3 3 3 3 3 3 3 3 3 3; fx_odi "$near" 17 2 2 2 2 2 2 2 2 2 2; fx_odi "$near" 33 1 1 1 1 1 1 1 1 1 1
fx_end "$near" completed 34
t_match "9: a missing mid questionnaire is explained" "$(letter_text far.pdf)" \
  "ODI: geen tussentijdse meting: geen antwoord binnen 14 dagen van de tussentijdse test \(2026-03-02\)\."
t_is "9: start, mid and end each the answer nearest its test, in order" \
  "$(q "SELECT string_agg(timepoint, ',' ORDER BY taken_at) FROM clinical.v_questionnaire WHERE enrolment_id = $near")" "start,mid,end"

t_done
