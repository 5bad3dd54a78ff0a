# ruglab-report letter: the final report as an A4 PDF in Dutch and English
# (real text, embedded fonts, the database's values, the ODI
# interpretation, recipients and deadline by route), `ruglab conclusion
# set`, honest letters for incomplete programmes, drafts, and bad input
# (programme not ended, no conclusion, unwritable path, gnuplot missing).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_fixture.sh"

t_pg_start
fx_site
full=$(fx_full Janssens Marie 85073003328 RB-0001)
cd "$T_TMP" || exit 1

# --- the conclusion, from a file and in $EDITOR
printf 'Goede evolutie: pijn en beperking namen duidelijk af.\nAdvies: zelfstandig verder oefenen; werkhervatting in overleg met de arbeidsarts.\n' >concl.txt
out=$(ruglab conclusion set RB-0001 --file concl.txt 2>&1); rc=$?
t_is "conclusion set --file exits 0" "$rc" 0
t_is "the conclusion is stored with who wrote it" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.conclusion WHERE enrolment_id = $full AND written_by <> '' AND body LIKE 'Goede evolutie%arbeidsarts.'")" 1
printf '#!/bin/sh\nprintf "Eerste versie.\\n# commentaar\\n" > "$1"\n' >editor.sh
chmod +x editor.sh
out=$(EDITOR="$T_TMP/editor.sh" VISUAL= ruglab conclusion set RB-0001 --enrolment "$full" 2>&1); rc=$?
t_is "conclusion set in \$EDITOR exits 0" "$rc" 0
t_is "the edited text is the current one, comments left out" \
  "$(ruglab --json conclusion show RB-0001 | jq -r .body)" "Eerste versie."
printf '#!/bin/sh\n: > "$1"\n' >empty.sh
chmod +x empty.sh
t_fails_with "an empty conclusion saves nothing" "empty; nothing saved" env EDITOR="$T_TMP/empty.sh" VISUAL= ruglab conclusion set RB-0001
t_fails_with "conclusion of an unknown patient" "no patient with that badge token" ruglab conclusion set RB-9999 --file concl.txt
ruglab conclusion set RB-0001 --file concl.txt >/dev/null
t_is "earlier versions are kept" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.conclusion WHERE enrolment_id = $full")" 3

# --- the Dutch letter
out=$(ruglab-report letter RB-0001 -o nl.pdf 2>&1); rc=$?
t_is "letter exits 0" "$rc" 0
t_is "letter prints the file it wrote" "$out" nl.pdf
txt=$(pdftotext -layout nl.pdf - 2>&1)
flat=$(tr -s ' \n' ' ' <<<"$txt")
t_match "pdfinfo: A4" "$(pdfinfo nl.pdf)" "Page size: +595\.276 x 841\.89 pts \(A4\)"
fonts=$(pdffonts nl.pdf | tail -n +3)
t_match "pdffonts: DejaVu" "$fonts" "DejaVuSans"
t_is "pdffonts: every font embedded" "$(awk '{ if ($(NF-4) != "yes") bad++ } END { print bad + 0 }' <<<"$fonts")" 0
t_match "the patient's name" "$flat" "Marie Janssens"
t_match "Patiënt with its diaeresis" "$flat" "Patiënt: Marie Janssens"
t_match "the INSZ formatted" "$flat" "85\.07\.30-033\.28"
t_match "the GP as recipient" "$flat" "Aan de huisarts Dr\. Jan Peeters"
t_match "the site and physician" "$flat" "AZ Sint-Jan Brugge .*Dr\. Els Vermeulen, revalidatiearts"
ext=$(t_psql ruglab_admin "SELECT string_agg(to_char(m, 'FM999990.0'), ' ' ORDER BY s) FROM
        (SELECT session_id s, max(max_torque_nm) m FROM meas.test_trial WHERE enrolment_id = $full AND direction = 'extension' GROUP BY 1) x")
read -r e1 e2 e3 <<<"$ext"
chg=$(t_psql ruglab_admin "SELECT to_char($e3 - $e1, 'FM999990.0') || ' ' || to_char(round(($e3 - $e1) / $e1 * 100, 1), 'FM999990.0')")
read -r c1 c2 <<<"$chg"
t_match "extension torque start/mid/end and change from the database" "$flat" \
  "extensie kracht \(N·m\) $e1 $e2 $e3 \+$c1 \+$c2 %"
t_match "the training load progression" "$flat" "Trainingsbelasting \(zwaarste reeks\) extensie: 60\.0 → 109\.5 N·m \(\+82\.5 %, trainingsdag 1 → 34\)"
t_match "the attendance" "$flat" "36 van de 36 geplande sessies bijgewoond \(34 van de 34 oefensessies, 2 van de 2 informatiesessies\); 1 keer afwezig"
t_match "the ODI interpretation" "$flat" "Oswestry Disability Index bij de eindmeting 16\.0 %: minimale beperking \(bij de start 40\.0 %: matige beperking\)"
t_match "ODI change clinically important" "$flat" "ODI \(%\) 40\.0 28\.0 16\.0 -24\.0 -60\.0 % ja"
t_match "device and questionnaires side by side, with the caveat" "$flat" "krachtwinst op het toestel is geen maat voor pijn of beperking"
t_match "the physician's conclusion" "$flat" "Goede evolutie: pijn en beperking namen duidelijk af\."
t_match "deadline: 2 weeks after the end" "$flat" "binnen 2 weken na het einde van de behandeling bezorgd worden, uiterlijk op 15 mei 2026"
t_match "recipient: the GP" "$flat" "de behandelend arts \(huisarts\): Dr\. Jan Peeters"
t_fails "no advisory physician when not on sick leave" grep -q "adviserend arts" <<<"$flat"
t_fails "a final letter is not marked draft" grep -q "ONTWERP" <<<"$txt"
t_match "charts are in the letter as vectors with Dutch labels" "$flat" "Maximale isometrische kracht per richting"
sha=$(sha256sum nl.pdf | cut -d' ' -f1)
t_is "the letter is recorded with its SHA-256, once" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.report_issued WHERE enrolment_id = $full AND kind = 'letter' AND lang = 'nl' AND sha256 = '$sha' AND generated_by <> ''")" 1
t_is "the letter's read of identity is in the access log" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM audit.access_log WHERE program = 'ruglab-report' AND command = 'letter'")" 1

# --- English
t_check "letter --lang en" ruglab-report letter RB-0001 --lang en -o en.pdf
flat=$(pdftotext -layout en.pdf - | tr -s ' \n' ' ')
t_match "en: patient" "$flat" "Patient: Marie Janssens"
t_match "en: ODI interpretation" "$flat" "Oswestry Disability Index at the end 16\.0 %: minimal disability \(at the start 40\.0 %: moderate disability\)"
t_match "en: the caveat" "$flat" "strength gains on the device are not a proxy for pain or disability"
t_match "en: deadline" "$flat" "due within 2 weeks of the end of treatment, at the latest on 15 May 2026"
t_match "en: extension torque" "$flat" "extension torque \(N·m\) $e1 $e2 $e3 \+$c1"

# --- Fedris route, on sick leave: every recipient, 1 month
fed=$(fx_patient Dubois Sophie 72021416271 RB-0005 fedris true false)
fx_sessions "$fed" 34; fx_test "$fed" 1 1; fx_test "$fed" 17 2; fx_test "$fed" 34 3
fx_odi "$fed" 1 2 2 2 2 2 2 2 2 2 2; fx_odi "$fed" 34 1 1 1 1 1 1 1 1 1 1
fx_end "$fed" completed 34
fx_conclusion "$fed" "Hervatting aangepast werk."
t_check "letter under the Fedris route" ruglab-report letter RB-0005 -o fed.pdf
flat=$(pdftotext -layout fed.pdf - | tr -s ' \n' ' ')
t_match "fedris: 1 month" "$flat" "binnen 1 maand na het einde van de behandeling bezorgd worden, uiterlijk op 1 juni 2026"
t_match "fedris: advisory physician" "$flat" "de adviserend arts van het ziekenfonds"
t_match "fedris: occupational physician" "$flat" "de arbeidsarts"
t_match "fedris: Fedris" "$flat" "Fedris \(Federaal agentschap voor beroepsrisico's\)"

# --- honest letters: dropout after 9 sessions, no questionnaires
drop=$(fx_patient Wouters Lies 68051221119 RB-0004)
fx_sessions "$drop" 9; fx_test "$drop" 1 1; fx_odi "$drop" 1 3 3 3 3 3 3 3 3 3 3
fx_end "$drop" dropped_out 9 "verhuis"
fx_conclusion "$drop" "Stopgezet na verhuis."
t_check "letter of a dropout" ruglab-report letter RB-0004 -o drop.pdf
flat=$(pdftotext -layout drop.pdf - | tr -s ' \n' ' ')
t_match "dropout: stopped early, with the reason" "$flat" "voortijdig stopgezet na 9 van de 36 geplande sessies: verhuis"
t_match "dropout: the missing tests are named" "$flat" "Geen eindtest: die waarden ontbreken"
t_match "dropout: 9 of 36 sessions" "$flat" "Programma voortijdig stopgezet na 9 van 36 geplande sessies"
t_match "dropout: the missing end values are shown as missing, not zero" "$flat" "extensie kracht \(N·m\) 189\.0 — — — —"
noq=$(fx_patient Maes Piet 90010104576 RB-0003)
fx_sessions "$noq" 34; fx_test "$noq" 1 1; fx_test "$noq" 34 3; fx_end "$noq" completed 34
fx_conclusion "$noq" "Geen vragenlijsten beschikbaar."
t_check "letter without questionnaires and mid test" ruglab-report letter RB-0003 -o noq.pdf
flat=$(pdftotext -layout noq.pdf - | tr -s ' \n' ' ')
t_match "no questionnaires: said" "$flat" "Er werden geen vragenlijsten ingevuld"
t_match "no mid test: said" "$flat" "Geen tussentijdse test: die waarden ontbreken"

# --- a programme that has not ended: refused, unless --draft
run=$(fx_patient Jacobs Tom 90010104477 RB-0006)
fx_sessions "$run" 12; fx_test "$run" 1 1
out=$(ruglab-report letter RB-0006 -o run.pdf 2>&1); rc=$?
t_is "not ended: exit 1" "$rc" 1
t_match "not ended: a clear refusal" "$out" "^ruglab-report: letter: the programme of patient [0-9]+ has not ended \(enrolment [0-9]+ is active\); a final report is refused, use --draft for a draft$"
t_fails "not ended: no file written" test -e run.pdf
t_check "not ended: --draft is allowed" ruglab-report letter RB-0006 --draft -o draft.pdf
pages=$(pdfinfo draft.pdf | awk '/^Pages:/ { print $2 }')
t_is "draft: every page is marked ONTWERP" "$(pdftotext draft.pdf - | grep -c 'ONTWERP — niet verzenden')" "$pages"
t_check "draft in English" ruglab-report letter RB-0006 --draft --lang en -o draft-en.pdf
t_is "draft en: every page is marked DRAFT" "$(pdftotext draft-en.pdf - | grep -c 'DRAFT — do not send')" "$(pdfinfo draft-en.pdf | awk '/^Pages:/ { print $2 }')"
t_is "drafts are not recorded as issued" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.report_issued WHERE enrolment_id = $run")" 0

# --- other bad input
nocon=$(fx_patient Claes Anna 77030312367 RB-0002)
fx_sessions "$nocon" 34; fx_test "$nocon" 1 1; fx_end "$nocon" completed 34
t_fails_with "no conclusion yet: refused" "no conclusion written for enrolment" ruglab-report letter RB-0002
out=$(ruglab-report letter RB-0001 -o /nonexistent/dir/x.pdf 2>&1); rc=$?
t_is "unwritable output: exit 1" "$rc" 1
t_match "unwritable output: one line naming the path" "$out" "^ruglab-report: cannot write /nonexistent/dir/x.pdf: No such file or directory$"
out=$(ruglab-report letter RB-9999 2>&1); rc=$?
t_is "unknown patient: exit 1" "$rc" 1
t_is "unknown patient: one line" "$(wc -l <<<"$out")" 1
nognuplot=$(tr ':' '\n' <<<"$PATH" | while read -r d; do [ -x "$d/gnuplot" ] || echo "$d"; done | paste -sd:)
out=$(PATH="$nognuplot" "$T_BIN/ruglab-report" letter RB-0001 -o nognu.pdf 2>&1); rc=$?
t_is "gnuplot missing: exit 1" "$rc" 1
t_is "gnuplot missing: one clear line" "$out" "ruglab-report: letter: gnuplot not found in PATH (install gnuplot-nox); the charts cannot be drawn"
t_fails "gnuplot missing: no file written" test -e nognu.pdf
t_fails_with "unknown language" "unknown language 'fr'" ruglab-report letter RB-0001 --lang fr

t_done
