# The letter's charts and layout do not mislead (issue: the letter tells
# the truth, points 6 and 8), read from the real letter's gnuplot script
# (ruglab-report letter --charts DIR) and from its PDF text page by page:
#   6 an isometric test: torque over time at its stated angle, never an
#     autoscaled angle axis; a dynamic test: torque against angle over at
#     least 30°; questionnaires one panel each on the instrument's own
#     fixed scale, a missing time point a gap (NaN), never a line across it
#   8 a table header never stands alone at the foot of a page, keeps at
#     least two of its rows, is repeated on a continuation page, and is
#     never hyphenated; swept over letters whose tables start ever lower.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_fixture.sh"

t_pg_start
fx_site
cd "$T_TMP" || exit 1
q() { t_psql ruglab_admin "$1"; }

# ======================================================== 6. charts
eid=$(fx_patient Janssens Marie 80010100101 RB-6001)
fx_sessions "$eid" 34; fx_test "$eid" 1 1; fx_test "$eid" 17 2; fx_test "$eid" 34 3
fx_odi "$eid" 1 2 2 2 2 2 2 2 2 2 2; fx_odi "$eid" 34 1 1 1 1 1 1 1 1 0 0
fx_nprs "$eid" 1 6; fx_nprs "$eid" 17 4; fx_nprs "$eid" 34 1
q "INSERT INTO meas.questionnaire_response (source, taken_at, enrolment_id, instrument, version, language, answers, score, entered_by)
   SELECT 'manual', ('2026-01-05'::date + ((v.d - 1) * 7 / 2)) + time '08:50', $eid, 'TSK', '17', 'nl', '[]', v.s, 'physio'
   FROM (VALUES (1, 45), (34, 33)) v(d, s)" >/dev/null
fx_end "$eid" completed 34
fx_conclusion "$eid" "Goed."
# the fixture's end test curve moves over 30°: a dynamic test
t_check "6: letter with its charts kept" ruglab-report letter RB-6001 --charts charts -o dyn.pdf
gp=$(cat charts/charts.gp 2>&1)
t_check "6: the gnuplot script and the SVGs are kept" test -s charts/charts.gp -a -s charts/quest.svg -a -s charts/curve.svg
quest=$(sed -n '/quest.svg/,/unset multiplot/p' <<<"$gp")
t_match "6: questionnaires: one panel per instrument" "$quest" "set multiplot layout 1,3"
t_match "6: ODI on its own scale 0-100" "$quest" "set title 'ODI \(%\)'.set yrange \[0:100\]"
t_match "6: NPRS on its own scale 0-10" "$quest" "set title 'NPRS'.set yrange \[0:10\]"
t_match "6: TSK-17 on its own scale 17-68" "$quest" "set title 'TSK-17'.set yrange \[17:68\]"
t_fails "6: no axis of the questionnaires is autoscaled" grep -qE "yrange \[[^]]*\*" <<<"$quest"
t_is "6: the missing mid ODI is a gap (NaN), not a point the line runs through" \
  "$(awk 'BEGIN { RS = ""; FS = "\n" } NR == 1 { print $2 }' charts/quest.dat | cut -f3)" NaN
t_is "6: the NPRS mid point is drawn" "$(awk 'BEGIN { RS = ""; FS = "\n" } NR == 2 { print $2 }' charts/quest.dat | cut -f3)" 4.00
curve=$(sed -n '/curve.svg/,$p' <<<"$gp")
t_match "6: a dynamic test: torque against angle" "$curve" "Krachtcurve van de test: extensie, einde \(dynamisch: kracht tegenover hoek\)"
t_match "6: ... plotted as angle (x) against torque (y)" "$curve" "using 2:3 "
lo=$(grep -oE "set xrange \[-?[0-9]+:-?[0-9]+\]" <<<"$curve" | grep -oE "\-?[0-9]+" | head -1)
hi=$(grep -oE "set xrange \[-?[0-9]+:-?[0-9]+\]" <<<"$curve" | grep -oE "\-?[0-9]+" | tail -1)
t_check "6: the angle axis spans at least 30°" test "$((hi - lo))" -ge 30
t_match "6: the torque axis starts at 0" "$curve" "set yrange \[0:[0-9]+\]"
t_fails "6: no second (angle) axis that autoscales" grep -q "y2tics" <<<"$curve"
t_match "6: the chart is in the letter" "$(pdftotext dyn.pdf - | tr -s ' \n' ' ')" "Krachtcurve van de test: extensie, einde"
# an isometric end test: the angle holds at 12° with 0.5° of sensor noise
q "UPDATE meas.sample_batch SET angle_ddeg = (SELECT array_agg((120 + (j % 3 - 1) * 5)::smallint ORDER BY j) FROM generate_series(0, 99) j)
   WHERE enrolment_id = $eid AND session_id = 'TEST-$eid-3'" >/dev/null
t_check "6: letter with an isometric test" ruglab-report letter RB-6001 --draft --charts iso -o iso.pdf
curve=$(sed -n '/curve.svg/,$p' iso/charts.gp)
t_match "6: an isometric test: torque over time, the test angle stated" "$curve" \
  "Krachtcurve van de test: extensie, einde \(isometrisch bij 12°\)"
t_match "6: ... time on the x axis, torque on the y axis" "$curve" "using 1:3 "
t_fails "6: ... and no angle axis at all" grep -qE "using [0-9]+:2|y2" <<<"$curve"
ymax=$(grep -oE "set yrange \[0:[0-9]+\]" <<<"$curve" | grep -oE "[0-9]+\]" | tr -d ])
t_check "6: the torque axis is fixed from 0 to at least 50 N·m" test "${ymax:-0}" -ge 50
t_check "6: an English letter's charts" ruglab-report letter RB-6001 --draft --lang en --charts iso-en -o iso-en.pdf
t_match "6: ... with English labels" "$(cat iso-en/charts.gp)" "Questionnaires per time point \(each on its own scale\).*Torque curve of the test: extension, end \(isometric at 12°\)"

# ======================================================== 8. layout
# Letters whose tables start ever lower on the page: k weeks with an
# information session beside two training days give k attendance notes
# before the device table.
bad=0 letters=0 splits=0
check_layout() {  # PDF LANG
  local pdf=$1 lang=$2 pages p txt hdr_re row_re
  if [ "$lang" = nl ]; then
    hdr_re='^ *(richting +meting +begin|vragenlijst +begin +midden|toestel \(kracht)'
    row_re='^ *(extensie|flexie|lateroflexie (links|rechts)|rotatie (links|rechts))( +kracht|: [0-9.]+ →)|^ +uitslag \(°\)|^ *(flexie/extensie|lateroflexie L/R|rotatie L/R) |^ *(ODI \(%\)|NPRS|TSK|RMDQ|PSFS) +[0-9—]'
  else
    hdr_re='^ *(direction +measure +start|questionnaire +start +mid|device \(strength)'
    row_re='^ *(extension|flexion|lateral flexion (left|right)|rotation (left|right))( +torque|: [0-9.]+ →)|^ +range \(°\)|^ *(flexion/extension|lateral flexion L/R|rotation L/R) |^ *(ODI \(%\)|NPRS|TSK|RMDQ|PSFS) +[0-9—]'
  fi
  pages=$(pdfinfo "$pdf" | awk '/^Pages:/ { print $2 }')
  for p in $(seq 1 "$pages"); do
    if ! txt=$(pdftotext -layout -f "$p" -l "$p" "$pdf" - 2>&1); then
      echo "# $pdf page $p: pdftotext failed: $txt"; bad=$((bad + 1)); continue
    fi
    # drop the footer and empty lines
    txt=$(tr -d '\f' <<<"$txt" | grep -v "pagina $p$\|page $p$" | grep -v '^ *$')
    # a header with fewer than two rows after it on its page
    local n_after
    n_after=$(awk -v h="$hdr_re" -v r="$row_re" '
      $0 ~ h { if (open && cnt < 2) short = 1; open = 1; cnt = 0; next }
      open && $0 ~ r { cnt++; next }
      open { if (cnt < 2) short = 1; open = 0 }
      END { if (open && cnt < 2) short = 1; print short + 0 }' <<<"$txt")
    if [ "$n_after" -ne 0 ]; then
      echo "# $pdf page $p: a table header with fewer than two of its rows on the page"; bad=$((bad + 1))
    fi
    # rows of a device or questionnaire table without their header on the page
    if grep -qE "$row_re" <<<"$txt" && ! grep -qE "$hdr_re" <<<"$txt"; then
      echo "# $pdf page $p: table rows without the header"; bad=$((bad + 1))
    fi
    if [ "$p" -gt 1 ] && grep -qE "$hdr_re" <<<"$(head -2 <<<"$txt")" && grep -qE "$row_re" <<<"$(pdftotext -layout -f $((p - 1)) -l $((p - 1)) "$pdf" -)"; then
      splits=$((splits + 1))
    fi
    # a direction's second row (range) never begins a page's part of the table
    if awk -v h="$hdr_re" '$0 ~ h { getline; if ($0 ~ /^ +(uitslag|range) \(°\)/) bad = 1 } END { exit !bad }' <<<"$txt"; then
      echo "# $pdf page $p: a range row without its direction after the header"; bad=$((bad + 1))
    fi
  done
  if pdftotext -layout "$pdf" - | grep -qE "vragen-|questionnai-|richt-|referen-$"; then
    echo "# $pdf: a hyphenated column header"; bad=$((bad + 1))
  fi
}
# n from 0 to 33: k = n / 2 weeks with an extra session (k attendance notes),
# 3 questionnaires (odd n) or 5 (even n); odd n in the site's own copy of
# the programme without an English name (English letters then carry a
# note of one more line, which moves the tables by less than a row)
ruglab programme add --site az-brugge --code rug-brugge --name "Rugschool Brugge (36 sessies)" --exercise 34 \
  --information 2 --max-per-week 2 --max-weeks 26 --mid-test-session 18 >/dev/null
for n in $(seq 0 33); do
  k=$((n / 2)) id="RB-8$(printf %03d "$n")"
  e=$(fx_patient "Test$n" Pagina "$((80020000000 + n))" "$id")
  if [ $((n % 2)) -eq 1 ]; then
    q "UPDATE clinical.enrolment SET programme_id = (SELECT programme_id FROM clinical.programme WHERE code = 'rug-brugge') WHERE enrolment_id = $e" >/dev/null
  fi
  fx_sessions "$e" 34; fx_test "$e" 1 1; fx_test "$e" 17 2; fx_test "$e" 34 3
  fx_odi "$e" 1 2 2 2 2 2 2 2 2 2 2; fx_odi "$e" 34 1 1 1 1 1 1 1 1 0 0; fx_nprs "$e" 1 6; fx_nprs "$e" 34 2
  t_psql ruglab_admin "INSERT INTO meas.questionnaire_response (source, taken_at, enrolment_id, instrument, version, language, answers, score, entered_by)
    SELECT 'manual', ('2026-01-05'::date + ((v.d - 1) * 7 / 2)) + time '08:50', $e, v.i, v.v, 'nl', '[]', v.s, 'physio'
    FROM (VALUES (1, 45, 'TSK', '17'), (34, 33, 'TSK', '17'), (1, 12, 'RMDQ', '24'), (34, 6, 'RMDQ', '24'),
                 (1, 3.5, 'PSFS', '1'), (34, 7, 'PSFS', '1')) v(d, s, i, v)
    WHERE $((n % 2)) = 0 OR v.i = 'TSK'" >/dev/null
  for w in $(seq 1 "$k"); do fx_info "$e" $((2 * w - 1)) attended; done
  fx_end "$e" completed 34
  for lang in nl en; do
    if ruglab-report letter "$id" --draft --lang "$lang" -o "layout-$n-$lang.pdf" >/dev/null 2>err.txt; then
      letters=$((letters + 1))
      check_layout "layout-$n-$lang.pdf" "$lang"
    else
      echo "# letter $n $lang failed: $(cat err.txt)"; bad=$((bad + 1))
    fi
  done
done
t_is "8: 68 letters written" "$letters" 68
t_check "8: the sweep split a table over two pages at least once" test "$splits" -ge 1
t_is "8: no header alone or with one row at a page's foot, no rows without their header, no hyphenated header" "$bad" 0
t_done
