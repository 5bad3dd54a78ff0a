# The report shows the progression of the exercise variants over the
# programme beside the training load (issue 17): exercises recorded per
# session with `ruglab session exercises` (the variant changing: easier,
# as described, harder), then `ruglab-report compare` (table, CSV, JSON:
# per exercise its level at the first, middle and last session done and
# every session where the variant changed, in order, after the training
# load) and the letter (a line per exercise after the training load, its
# chart right after the load chart in the annex, on its page, Dutch and
# English). An exercise recorded on a day outside the programme's dates
# counts nowhere; an enrolment without exercises recorded inside its dates
# shows nothing extra.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_fixture.sh"

t_pg_start
fx_site
cd "$T_TMP" || exit 1
q() { t_psql ruglab_admin "$1"; }

# 34 training days, information sessions after days 3 and 10: sessions 1-36
eid=$(fx_full Janssens Marie 85073003328 RB-0001)
other=$(fx_full Claes Anna 72021416271 RB-0002)
done_in() {  # SESSION LIST
  t_check "session $1: $2 recorded" ruglab session exercises RB-0001 --session "$1" --done "$2"
}
done_in 1 PLANK:knees,BIRD-DOG
done_in 2 PLANK:knees
done_in 5 BRIDGE:arms-crossed
done_in 13 PLANK
done_in 20 BIRD-DOG:weight
done_in 24 PLANK:leg-up
done_in 36 PLANK:slider,BIRD-DOG:weight
# after the programme's end (as a session entered late would be): kept, counted nowhere
t_check "exercises recorded on a day after the programme's end" q \
  "INSERT INTO clinical.session_exercise (enrolment_id, session_date, exercise_id, recorded_by)
   SELECT e, '2026-06-01', exercise_id, 'test' FROM clinical.exercise, (VALUES ($eid), ($other)) v(e)
   WHERE code IN ('PLANK', 'SQUAT')"
day13=$(q "SELECT session_date FROM clinical.v_session WHERE enrolment_id = $eid AND session_number = 13")

# --- the table: after the training load, one row per exercise in catalogue order
out=$(ruglab-report compare RB-0001 2>&1); rc=$?
t_is "compare: exit 0" "$rc" 0
t_match "table: the section's title" "$out" \
  "Exercise variants \(level at first/middle/last session done; 0 as described, < 0 easier, > 0 harder\)"
load_at=$(grep -n "^Training load" <<<"$out" | cut -d: -f1)
var_at=$(grep -n "^Exercise variants" <<<"$out" | cut -d: -f1)
t_check "table: the variants come after the training load" test "${var_at:-0}" -gt "${load_at:-99999}"
t_match "table: PLANK's levels at start, mid and end, the change, and its progression in order" "$(grep "^PLANK " <<<"$out")" \
  "^PLANK +level +-1 +0 +2 +\+3 +- +5 sessions: session 1 knees \(-1\) -> session 13 as described \(0\) -> session 24 leg-up \(\+1\) -> session 36 slider \(\+2\)$"
t_match "table: BIRD-DOG from as described to harder" "$(grep "^BIRD-DOG " <<<"$out")" \
  "^BIRD-DOG +level +0 +1 +1 +\+1 +- +3 sessions: session 1 as described \(0\) -> session 20 weight \(\+1\)$"
t_match "table: BRIDGE done once: no mid, no end" "$(grep "^BRIDGE " <<<"$out")" \
  "^BRIDGE +level +1 +missing +missing +- +- +1 session: session 5 arms-crossed \(\+1\)$"
t_is "table: the exercises in catalogue order" "$(sed -n "$((var_at + 2)),\$p" <<<"$out" | grep -oE '^(PLANK|BIRD-DOG|BRIDGE|SQUAT)' | tr '\n' ' ')" \
  "PLANK BIRD-DOG BRIDGE "
t_fails "table: SQUAT (only after the end) is not there" grep -q "^SQUAT" <<<"$out"

# --- CSV
csv=$(ruglab-report compare RB-0001 --format csv); rc=$?
t_is "CSV: exit 0" "$rc" 0
t_is "CSV: PLANK's levels, change and sessions done" \
  "$(grep '^exercise_variants,PLANK,level,' <<<"$csv" | cut -d, -f5-8,11)" "-1,0,2,3,5"
t_match "CSV: PLANK's progression" "$(grep '^exercise_variants,PLANK,' <<<"$csv")" \
  "5 sessions: session 1 knees \(-1\) -> session 13 as described \(0\) -> session 24 leg-up \(\+1\) -> session 36 slider \(\+2\)"
t_is "CSV: BRIDGE's empty mid and end" "$(grep '^exercise_variants,BRIDGE,level,' <<<"$csv" | cut -d, -f5-8)" "1,,,"
t_is "CSV: the variant rows come last, after the training load" \
  "$(tail -n 3 <<<"$csv" | cut -d, -f1,2 | tr '\n' ' ')" "exercise_variants,PLANK exercise_variants,BIRD-DOG exercise_variants,BRIDGE "

# --- JSON
json=$(ruglab-report compare RB-0001 --format json); rc=$?
t_is "JSON: exit 0" "$rc" 0
t_is "JSON: the exercises in catalogue order, SQUAT not among them" \
  "$(jq -c '[.exercise_variants[].exercise]' <<<"$json")" '["PLANK","BIRD-DOG","BRIDGE"]'
t_is "JSON: PLANK's progression in order (session, variant, level)" \
  "$(jq -c '.exercise_variants[0].progression | map([.session_number, .variant, .level])' <<<"$json")" \
  '[[1,"knees",-1],[13,null,0],[24,"leg-up",1],[36,"slider",2]]'
t_is "JSON: PLANK's start, mid, end levels and change" \
  "$(jq -c '.exercise_variants[0] | [.start.level, .mid.level, .end.level, .level_change]' <<<"$json")" '[-1,0,2,3]'
t_is "JSON: PLANK's sessions (the day after the end left out)" \
  "$(jq -c '.exercise_variants[0] | [.sessions, .sessions_done]' <<<"$json")" '[[1,2,13,24,36],5]'
t_is "JSON: the session's date is the session's" "$(jq -r '.exercise_variants[0].progression[1].date' <<<"$json")" "$day13"
t_is "JSON: the names in both languages" "$(jq -r '.exercise_variants[0] | .name_nl + " / " + .name_en' <<<"$json")" \
  "Plank op de onderarmen / Forearm plank"
t_is "JSON: BIRD-DOG's progression" \
  "$(jq -c '.exercise_variants[1].progression | map([.session_number, .variant, .level])' <<<"$json")" '[[1,null,0],[20,"weight",1]]'
t_is "JSON: BRIDGE done once: mid, end and change null" \
  "$(jq -c '.exercise_variants[2] | [.start.level, .mid, .end, .level_change]' <<<"$json")" '[1,null,null,null]'
t_is "JSON: the section follows the training load" \
  "$(jq -r 'keys_unsorted | map(select(. == "training_load" or . == "exercise_variants")) | join(",")' <<<"$json")" \
  "training_load,exercise_variants"

# --- the letter: a line per exercise after the training load, the chart after the load chart
t_check "letter (draft) with its charts kept" ruglab-report letter RB-0001 --draft --charts charts -o var.pdf
txt=$(pdftotext var.pdf - 2>&1 | tr -s ' \n' ' '); rc=$?
t_is "letter: pdftotext reads it" "$rc" 0
t_match "letter: the variants' lead-in" "$txt" "Oefenvarianten in de sessies \(de variant bij de eerste sessie en waar ze veranderde\):"
t_match "letter: PLANK's progression in Dutch" "$txt" \
  "• Plank op de onderarmen \(5 sessies\): makkelijker -1 ‘knees’ \(sessie 1\) → zoals beschreven \(sessie 13\) → moeilijker \+1 ‘leg-up’ \(sessie 24\) → moeilijker \+2 ‘slider’ \(sessie 36\)\."
t_match "letter: BRIDGE done once" "$txt" "Brug in ruglig \(1 sessie\): moeilijker \+1 ‘arms-crossed’ \(sessie 5\)\."
t_match "letter: the variants after the training load" "$txt" "Trainingsbelasting \(zwaarste reeks\) flexie: .*Oefenvarianten in de sessies"
t_match "letter: the variants chart right after the load chart, before the curve" "$txt" \
  "Trainingsbelasting \(zwaarste reeks per trainingsdag\) .*Oefenvarianten per sessie \(hoger = moeilijker\) .*Krachtcurve van de test"
page=$(for p in $(seq 1 "$(pdfinfo var.pdf | awk '/^Pages:/ { print $2 }')"); do
  pdftotext -f "$p" -l "$p" var.pdf - | grep -q "Oefenvarianten per sessie" && echo "$p"; done)
t_match "letter: the variants chart is on one page" "$page" "^[0-9]+$"
t_match "letter: ... the training load chart's" "$(pdftotext -f "${page:-1}" -l "${page:-1}" var.pdf - 2>&1)" \
  "Trainingsbelasting \(zwaarste reeks per trainingsdag\)"
t_check "letter: the variants chart and its data are kept" test -s charts/variants.svg -a -s charts/variants.dat
t_match "letter: one lane per exercise, by its code" "$(cat charts/charts.gp)" "set ytics \('PLANK' 1, 'BIRD-DOG' 2, 'BRIDGE' 3\)"
t_is "letter: PLANK's lane rises with the level (session, height)" \
  "$(awk 'BEGIN { RS = ""; FS = "\n" } NR == 1 { for (i = 1; i <= NF; i++) { split($i, c, "\t"); printf "%s:%s ", c[1], c[2] } }' charts/variants.dat)" \
  "1:1.12 2:1.12 13:1.00 24:0.88 36:0.76 "
t_is "letter: the variant named where it changed" "$(cut -f1,3 charts/variants-labels.dat | tr '\t\n' ': ')" \
  "1:knees 13:zoals beschreven 24:leg-up 36:slider 1:zoals beschreven 20:weight 5:arms-crossed "
t_check "letter in English" ruglab-report letter RB-0001 --draft --lang en --charts charts-en -o var-en.pdf
txt=$(pdftotext var-en.pdf - 2>&1 | tr -s ' \n' ' '); rc=$?
t_is "English letter: pdftotext reads it" "$rc" 0
t_match "English letter: PLANK's progression" "$txt" \
  "• Forearm plank \(5 sessions\): easier -1 ‘knees’ \(session 1\) → as described \(session 13\) → harder \+1 ‘leg-up’ \(session 24\) → harder \+2 ‘slider’ \(session 36\)\."
t_match "English letter: the chart's title and legend" "$txt" "Exercise variants per session \(higher = harder\)"
t_match "English chart: the levels in the legend" "$(cat charts-en/charts.gp)" "title 'easier -1'.*title 'as described'.*title 'harder \+1'.*title 'harder \+2'"

# --- an enrolment without exercises recorded inside its dates (only after its end): nothing extra
out=$(ruglab-report compare RB-0002); rc=$?
t_is "no exercises: compare exit 0" "$rc" 0
t_fails "no exercises: no variants section in the table" grep -q "Exercise variants" <<<"$out"
csv=$(ruglab-report compare RB-0002 --format csv); rc=$?
t_is "no exercises: CSV exit 0" "$rc" 0
t_fails "no exercises: no variant rows in the CSV" grep -q "^exercise_variants," <<<"$csv"
json=$(ruglab-report compare RB-0002 --format json); rc=$?
t_is "no exercises: JSON exit 0" "$rc" 0
t_is "no exercises: no exercise_variants in the JSON" "$(jq 'has("exercise_variants")' <<<"$json")" false
t_check "no exercises: letter" ruglab-report letter RB-0002 --draft --charts none -o none.pdf
txt=$(pdftotext none.pdf - 2>&1); rc=$?
t_is "no exercises: pdftotext reads it" "$rc" 0
t_fails "no exercises: no variants in the letter" grep -q "Oefenvarianten" <<<"$txt"
t_fails "no exercises: no variants chart" test -e none/variants.svg
t_check "no exercises: the load chart is still drawn" test -s none/load.svg

t_done
