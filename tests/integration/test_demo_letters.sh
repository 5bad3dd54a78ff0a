# `make demo` tells the whole story, and every letter it writes is true:
# runs scripts/demo.sh on this test's own cluster, then walks every letter
# and checks each statement a GP relies on against the database: the
# programme's dates, the attendance figures, the completion sentence, the
# test dates (each inside the programme's dates), the deadline sentence,
# and that nothing is stored outside a programme's dates unless the letter
# says so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
. "$(dirname "$0")/browser_lib.sh"

b_ready
T_PG=$T_TMP/pg
out=$T_TMP/demo
t_log "$T_TMP/demo.log"
# The demo keeps ruglab-web running (DEMO_WEB_WAIT=1, as in a terminal)
# until SIGTERM: the sign-ins it prints are tried in the browser meanwhile.
PGLOCAL_DIR=$T_PG DEMO_OUT=$out BUILD=$BUILD DEMO_WEB_WAIT=1 DEMO_WEB_PORT=$(t_free_port) \
  "$T_ROOT/scripts/demo.sh" >"$T_TMP/demo.log" 2>&1 &
demo_pid=$!
T_PIDS+=("$demo_pid")
deadline=$((SECONDS + 1500))
until grep -q "ruglab-web runs until Ctrl-C" "$T_TMP/demo.log"; do
  kill -0 "$demo_pid" 2>/dev/null && [ $SECONDS -lt $deadline ] || break
  sleep 0.5
done
if grep -q "ruglab-web runs until Ctrl-C" "$T_TMP/demo.log"; then
  base=$(sed -n 's|^== ruglab-web in the browser: \(http://127\.0\.0\.1:[0-9]*\)/$|\1|p' "$T_TMP/demo.log")
  t_match "the demo prints ruglab-web's address" "$base" '^http://127\.0\.0\.1:[0-9]+$'
  accounts=$(sed -n 's/^ *\(physician\|secretariat\|admin\|quality\) \+\([a-z.-]*\) \+\(demo-[0-9a-f]*\)$/\1 \2 \3/p' "$T_TMP/demo.log")
  t_is "it prints a physician's, a secretariat's, an admin's and a quality user's sign-in" \
    "$(cut -d' ' -f1,2 <<<"$accounts" | tr '\n' ,)" "physician dr.vermeulen,secretariat secretariaat,admin it-admin,quality kwaliteit,"
  t_match "it says the quality dashboard's address" "$(cat "$T_TMP/demo.log")" "quality dashboard \(as kwaliteit\): $base/quality"
  t_is "the same sign-ins are in web-signin.txt, for the demo's user only" \
    "$(stat -c %a "$out/web-signin.txt") $(tr -s ' ' <"$out/web-signin.txt")" "600 $accounts"
  b_shots demo-web
  b_run demo.mjs RL_ACCOUNTS="$accounts"
else
  t_not_ok "the demo reaches its last step, ruglab-web running (within 1500 s)"
fi
kill -TERM "$demo_pid" 2>/dev/null
wait "$demo_pid"
rc=$?
t_is "make demo (scripts/demo.sh) exits 0 (after SIGTERM stops its ruglab-web)" "$rc" 0
[ "$rc" -eq 0 ] || { t_done; exit 1; }
t_match "its ruglab-web stopped cleanly" "$(cat "$out/logs/web.log")" "info: web: stopped"
t_fails "nothing listens on the demo's address any more" curl -sS -o /dev/null "$base/signin"
RUGLAB_DB=$(PGLOCAL_DIR=$T_PG "$T_ROOT/scripts/pg-local.sh" conninfo)
export RUGLAB_DB
t_match "the demo says where its letters are" "$(cat "$T_TMP/demo.log")" "letters \(PDF\) +$out/letters/"

months=(januari februari maart april mei juni juli augustus september oktober november december)
nl_date() {  # YYYY-MM-DD -> "5 januari 2026"
  local y=${1:0:4} m=${1:5:2} d=${1:8:2}
  echo "$((10#$d)) ${months[$((10#$m - 1))]} $y"
}

n=0
for pdf in "$out"/letters/eindverslag-*-nl.pdf; do
  n=$((n + 1))
  badge=$(basename "$pdf" -nl.pdf); badge=${badge#eindverslag-}
  if ! txt=$(pdftotext -layout "$pdf" - 2>&1); then
    t_not_ok "$badge: pdftotext reads the letter" "$txt"
    continue
  fi
  flat=$(tr -s ' \n' ' ' <<<"$txt")
  IFS='|' read -r eid status start end planned att att_ex plan_ex att_info plan_info complete due late <<<"$(t_psql ruglab_admin "
    SELECT e.enrolment_id, e.status, e.start_date, e.end_date, a.planned_sessions,
           least(a.attended_exercise, a.planned_exercise) + least(a.attended_information, a.planned_information),
           a.attended_exercise, a.planned_exercise, a.attended_information, a.planned_information,
           a.complete, clinical.report_due_date(e.route, e.end_date),
           clinical.local_date(now()) > clinical.report_due_date(e.route, e.end_date)
    FROM clinical.enrolment e JOIN clinical.subject s USING (subject_id)
    JOIN clinical.v_attendance a USING (enrolment_id) WHERE s.badge_token = '$badge'")"
  t_match "$badge: the programme's dates" "$flat" "volgde van $(nl_date "$start") tot $(nl_date "$end") het programma"
  t_match "$badge: the attendance figures" "$flat" \
    "Aanwezigheid: $att van de $planned geplande sessies bijgewoond \($att_ex van de $plan_ex oefensessies, $att_info van de $plan_info informatiesessies\)"
  if [ "$status" = dropped_out ]; then
    t_match "$badge: a dropout's letter says after how many sessions" "$flat" "voortijdig stopgezet na $att van de $planned geplande sessies"
  elif [ "$complete" = t ]; then
    t_match "$badge: fully completed, as attended" "$flat" "volledig afgewerkt: alle $planned geplande sessies werden bijgewoond"
  else
    t_match "$badge: completed, with what was missed" "$flat" "beëindigd na $att van de $planned geplande sessies; niet bijgewoond:"
  fi
  if [ "$complete" != t ] || [ "$status" != completed ]; then
    t_fails "$badge: never 'volledig afgewerkt' without every session" grep -q "volledig afgewerkt" <<<"$flat"
  fi
  # the test dates: those of the database, each inside the programme's dates
  tests=$(t_psql ruglab_admin "SELECT string_agg(coalesce(t.d::text, 'ontbreekt'), ';' ORDER BY k.o) FROM
            (VALUES ('start', 1), ('mid', 2), ('end', 3)) k(tp, o)
            LEFT JOIN (SELECT timepoint, min(test_date) d FROM clinical.v_test_occasion
                       WHERE enrolment_id = $eid GROUP BY 1) t ON t.timepoint = k.tp")
  IFS=';' read -r t1 t2 t3 <<<"$tests"
  t_match "$badge: the test dates are the database's" "$flat" "Testen: begin $t1; midden $t2; einde $t3\."
  t_is "$badge: every test date lies inside the programme's dates" \
    "$(t_psql ruglab_admin "SELECT count(*) FROM meas.test_trial WHERE enrolment_id = $eid
        AND clinical.local_date(taken_at) NOT BETWEEN '$start' AND '$end'")" 0
  outside=$(t_psql ruglab_admin "SELECT coalesce(sum(records), 0) FROM clinical.v_outside_programme WHERE enrolment_id = $eid")
  if [ "$outside" -gt 0 ]; then
    t_match "$badge: records outside the dates are said" "$flat" "buiten de data van het programma"
  else
    t_fails "$badge: no warning of records outside the dates when there are none" grep -q "buiten de data van het programma" <<<"$flat"
  fi
  if [ "$late" = t ]; then
    t_match "$badge: an overdue letter says it is late, by how many days" "$flat" \
      "uiterlijk op $(nl_date "$due")\. Dit verslag wordt laattijdig verstuurd: $(t_psql ruglab_admin "SELECT clinical.local_date(now()) - '$due'::date") dag"
  else
    t_match "$badge: the deadline" "$flat" "uiterlijk op $(nl_date "$due"), aan:"
    t_fails "$badge: a letter in time does not say it is late" grep -q "laattijdig" <<<"$flat"
  fi
done
t_is "the demo wrote a Dutch letter for each of its 13 patients" "$n" 13
# the neck school's patient: the cervical unit's results and the NDI
neck=$(t_psql ruglab_admin "SELECT s.badge_token FROM clinical.enrolment e JOIN clinical.subject s USING (subject_id)
  JOIN clinical.programme p USING (programme_id) WHERE p.code = 'nekschool-12'")
t_match "the demo has one neck-school patient" "$neck" '^[A-Za-z0-9._-]+$'
if flat=$(pdftotext -layout "$out/letters/eindverslag-$neck-nl.pdf" - 2>&1 | tr -s ' \n' ' '); then
  t_match "the neck-school letter gives the cervical unit's results" "$flat" "Toestelresultaten nek, cervicaal toestel"
  t_match "the neck-school letter gives the NDI at the start and the end" "$flat" "Neck Disability Index bij de start [0-9.]+ %, bij de eindmeting [0-9.]+ %"
  t_is "its device values are all of the cervical unit" \
    "$(t_psql ruglab_admin "SELECT string_agg(DISTINCT d.body_region, ',') FROM clinical.v_test_trial t
       JOIN clinical.device d USING (device_id) JOIN clinical.subject s ON s.badge_token = '$neck'
       JOIN clinical.enrolment e ON e.subject_id = s.subject_id AND e.enrolment_id = t.enrolment_id")" cervical
  t_match "the neck-school letter's title" "$flat" "Eindverslag nekschool"
  t_match "its advice names the home programme" "$flat" "Thuisprogramma: .*Plank"
else
  t_not_ok "pdftotext reads the neck-school letter" "$flat"
fi
# the demo prints the neck-school patient's handout: the programme as it stands
if hand=$(pdftotext -layout "$out/letters/thuisoefeningen-$neck-nl.pdf" - 2>&1); then
  hand=$(tr -s ' \n' ' ' <<<"$hand")
  t_match "the handout names the patient" "$hand" "Lotte Vandamme"
  t_match "the handout gives the plank as changed: 30 seconds, 4 times a week" "$hand" "30 seconden.*4 keer per week"
  t_match "the handout gives the bird-dog's 2 sets of 10" "$hand" "2 reeksen van 10 herhalingen"
  t_match "the handout gives the site's contact" "$hand" "AZ Demo"
else
  t_not_ok "pdftotext reads the demo's handout" "$hand"
fi
t_is "one letter says the programme was not fully attended" \
  "$(for f in "$out"/letters/eindverslag-*-nl.pdf; do pdftotext "$f" - | tr -s ' \n' ' '; echo; done | grep -c "niet bijgewoond: 1 van de 2 informatiesessies")" 1
en=$(ls "$out"/letters/final-report-*-en.pdf 2>/dev/null | head -1)
flat=$(pdftotext -layout "$en" - | tr -s ' \n' ' ')
t_match "the English letter: completion in English" "$flat" "The programme was completed in full: all 36 planned sessions were attended\."
t_match "the English letter names the programme in English" "$flat" "Multidisciplinary back rehabilitation programme \(36 sessions\)"
t_match "the English letter says the conclusion is in Dutch" "$flat" "The physician wrote this conclusion in Dutch"
t_fails "the English letter has no Dutch fixed text" grep -qE "Aanwezigheid|eindmeting|Bestemmelingen" <<<"$flat"
t_is "the quality tables: nothing outside the programmes' dates" \
  "$(t_psql ruglab_admin "SELECT sum(records_outside_dates) FROM quality.enrolment")" 0
t_done
