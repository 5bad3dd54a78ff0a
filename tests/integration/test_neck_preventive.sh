# The neck school (seed 003) and the preventive route (migration 702): the
# nekschool-12 template; a preventive participant without complaints is
# enrolled where the same enrolment on the RIZIV route is refused by R1;
# no reimbursement cap on their attendance (the same sessions on the
# RIZIV route are over it); their letter says that 558994 does not apply
# (nl and en); the quality summary shows the route like the others, on
# the quality page in words; the web's enrol page offers it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

t_pg_start
cd "$T_TMP" || exit 1

ruglab site add --code az-nek --name "AZ Nek" --address "Kerkplein 1, 2500 Lier" \
  --physician-name "Dr. An Claes" --physician-riziv 11111111111 >/dev/null
ruglab gp add --riziv 12345678901 --family-name Peeters --given-name Jan >/dev/null
# patient N: born 1970-01-N (men, serial 001)
insz() { local n; n=$(printf '7001%02d001' "$1"); printf '%s%02d' "$n" $((97 - 10#$n % 97)); }
for i in $(seq 1 10); do
  ruglab patient add --site az-nek --family-name "Nek$i" --given-name Test --birth-date "$(printf '1970-01-%02d' "$i")" \
    --sex M --insz "$(insz "$i")" --weight 80 --gp 12345678901 >/dev/null || t_not_ok "patient add $i"
done
n_enrol() { t_psql ruglab_admin "SELECT count(*) FROM clinical.enrolment"; }

# --- the template
t_is "nekschool-12: 12 group sessions, at most 2 a week, within 84 days, mid test at 6" \
  "$(ruglab --json programme show nekschool-12 | jq -c '[.total_sessions, .exercise_sessions, .max_per_week, .max_duration_days, .mid_test_session, .name_en]')" \
  '[12,12,2,84,6,"Neck school (12 group sessions, at most 12 weeks)"]'

# --- R1: the same enrolment, riziv refused, preventive enrolled
start=2026-06-01
t_fails_with "riziv: pain for 10 days is refused by R1" "refused by rule R1 \(indication chronic back pain\): pain since 2026-05-22, 10 days" \
  ruglab enrol 1 --programme nekschool-12 --start $start --route riziv --indication chronic --pain-since 2026-05-22
t_is "nothing written by the refusal" "$(n_enrol)" 0
out=$(ruglab --json enrol 1 --programme nekschool-12 --start $start --route preventive --indication chronic --pain-since 2026-05-22); rc=$?
t_is "preventive: the same enrolment exits 0" "$rc" 0
p1=$(jq -r .enrolment_id <<<"$out")
t_is "preventive: stored with its route" \
  "$(t_psql ruglab_admin "SELECT route || ':' || indication || ':' || start_date FROM clinical.enrolment WHERE enrolment_id = $p1")" \
  "preventive:chronic:$start"
# without complaints: no date the pain started
t_fails_with "riziv without a pain date is refused by R1" "the date the pain started is missing" \
  ruglab enrol 2 --programme nekschool-12 --start $start --route riziv --indication chronic
t_check "preventive without a pain date is enrolled" \
  ruglab enrol 2 --programme nekschool-12 --start $start --route preventive --indication chronic
t_fails_with "an unknown route names the three" "--route must be riziv, fedris or preventive" \
  ruglab enrol 3 --programme nekschool-12 --start $start --route private --indication chronic
for i in 3 4 5; do
  ruglab enrol "$i" --programme nekschool-12 --start $start --route preventive --indication chronic >/dev/null || t_not_ok "enrol $i"
done
for i in 6 7 8 9 10; do
  ruglab enrol "$i" --programme nekschool-12 --start $start --route riziv --indication chronic --pain-since 2026-01-05 >/dev/null || t_not_ok "enrol $i"
done
r6=$(t_psql ruglab_admin "SELECT e.enrolment_id FROM clinical.enrolment e JOIN identity.patient p USING (subject_id) WHERE p.family_name = 'Nek6'")
t_is "5 preventive and 5 riziv enrolments" \
  "$(t_psql ruglab_admin "SELECT string_agg(route || '=' || n, ' ' ORDER BY route) FROM (SELECT route, count(*) n FROM clinical.enrolment GROUP BY route) x")" \
  "preventive=5 riziv=5"

# --- the reimbursement cap: 13 sessions of the 12 (Mondays and Thursdays)
for k in $(seq 0 12); do
  d=$(date -u -d "$start + $((k / 2 * 7 + k % 2 * 3)) days" +%F)
  for p in 1 6; do
    ruglab session add "$p" --date "$d" --kind exercise --minutes 120 >/dev/null || t_not_ok "session $k of patient $p"
  done
done
t_is "preventive: 13 attended, no warning (no cap)" \
  "$(ruglab --json enrolment status 1 | jq -c '[.attended_total, [.warnings[].kind]]')" '[13,[]]'
t_is "riziv: the same 13 sessions are over the cap" \
  "$(ruglab --json enrolment status 6 | jq -c '[.attended_total, [.warnings[].kind]]')" '[13,["too_many_sessions"]]'
t_is "the worklist's over_cap: not for the preventive participant, for the riziv one" \
  "$(t_psql ruglab_admin "SELECT string_agg(enrolment_id || ':' || over_cap, ' ' ORDER BY enrolment_id) FROM clinical.v_worklist WHERE enrolment_id IN ($p1, $r6)")" \
  "$p1:false $r6:true"

# --- the letter
last=$(date -u -d "$start + 45 days" +%F)
t_check "end the preventive programme" ruglab enrolment end 1 --completed --date "$last"
t_check "end the riziv programme" ruglab enrolment end 6 --completed --date "$last"
printf 'Goede houding aangeleerd.\n' >concl.txt
t_check "conclusion (preventive)" ruglab conclusion set 1 --file concl.txt
t_check "conclusion (riziv)" ruglab conclusion set 6 --file concl.txt
t_check "letter of the preventive participant (nl)" ruglab-report letter 1 -o prev-nl.pdf
flat=$(pdftotext -layout prev-nl.pdf - | tr -s ' \n' ' ')
t_match "nl: the programme's route" "$flat" "het programma «Nekschool \(12 groepssessies, max\. 12 weken\)» \(preventieve deelname\)"
t_match "nl: 558994 does not apply, not reimbursed" "$flat" \
  "Preventieve deelname zonder klachten: de regels van RIZIV-nomenclatuur 558994 zijn niet van toepassing en de sessies worden niet terugbetaald\."
t_match "nl: no indication required" "$flat" "Indicatie: niet vereist \(preventieve deelname\)\."
t_fails "nl: no chronic back pain indication" grep -q "chronische niet-specifieke" <<<"$flat"
t_check "letter of the preventive participant (en)" ruglab-report letter 1 --lang en -o prev-en.pdf
flat=$(pdftotext -layout prev-en.pdf - | tr -s ' \n' ' ')
t_match "en: 558994 does not apply, not reimbursed" "$flat" \
  "Preventive participation without complaints: the rules of RIZIV/INAMI nomenclature 558994 do not apply and the sessions are not reimbursed\."
t_match "en: no indication required" "$flat" "Indication: not required \(preventive participation\)\."
t_check "letter of the riziv participant" ruglab-report letter 6 -o riziv-nl.pdf
flat=$(pdftotext -layout riziv-nl.pdf - | tr -s ' \n' ' ')
t_match "riziv: the nomenclature" "$flat" "\(RIZIV-nomenclatuur 558994\)"
t_fails "riziv: no preventive sentence" grep -q "Preventieve deelname" <<<"$flat"

# --- R2: a preventive programme followed is no 558994 programme
t_check "after the preventive neck school, a riziv programme needs no exception" \
  ruglab enrol 1 --programme mrr-36 --start "$(date -u -d "$last + 7 days" +%F)" --route riziv --indication chronic --pain-since 2026-01-05
t_fails_with "after the riziv one, R2 refuses" "refused by rule R2" \
  ruglab enrol 6 --programme mrr-36 --start "$(date -u -d "$last + 7 days" +%F)" --route riziv --indication chronic --pain-since 2026-01-05

# --- the quality summary by route
out=$(ruglab-outcomes refresh 2>&1); rc=$?
t_is "ruglab-outcomes refresh exits 0" "$rc" 0
t_is "quality.enrolment holds the preventive route" \
  "$(t_psql ruglab_quality "SELECT string_agg(route || '=' || n, ' ' ORDER BY route) FROM (SELECT route, count(*) n FROM quality.enrolment GROUP BY route) x")" \
  "preventive=5 riziv=6"
sum=$(ruglab-outcomes --json summary --by route); rc=$?
t_is "summary --by route exits 0" "$rc" 0
t_is "summary --by route: the preventive route beside riziv, enrolled as SQL counts, small cells suppressed" \
  "$(jq -c '[.groups[] | [.route, .enrolled, .completed]]' <<<"$sum")" \
  '[["preventive",5,"<5"],["riziv",6,"<5"],["all",11,"<5"]]'

# --- ruglab-web in Dutch: the quality page's route in words, the enrol page
t_check "user add quality" w_add_user kwal --role quality
t_check "user add secretariat" w_add_user secr --role secretariat --site az-nek
w_conf
sed -i 's/^language = en/language = nl/' "$conf"
w_start || exit 1
signin q kwal "$W_PW" >/dev/null
page=$(req q "$base/quality?by=route")
t_is "/quality?by=route is 200" "$(status_of "$page")" 200
t_match "by route: preventive in Dutch words, with its count" "$page" '<td class="num">Preventief</td>[^<]*<td class="num">5</td>'
t_match "by route: RIZIV beside it" "$page" '<td class="num">RIZIV</td>'
t_is "by route: no route code shown" "$(grep -c '<td class="num">preventive</td>' <<<"$page")" 0
ruglab patient add --site az-nek --family-name Nek11 --given-name Test --birth-date 1970-01-11 \
  --sex M --insz "$(insz 11)" --weight 80 --gp 12345678901 >/dev/null || t_not_ok "patient add 11"
s11=$(t_psql ruglab_admin "SELECT subject_id FROM identity.patient WHERE family_name = 'Nek11'")
signin sec secr "$W_PW" >/dev/null
page=$(req sec "$base/enrol/$s11")
t_match "the enrol page offers the preventive route in Dutch" "$page" '<option value="preventive">Preventief</option>'
t_match "the enrol page says what the route means" "$page" "Op de preventieve route \\(deelnemers zonder klachten\\) geldt geen van beide"
out=$(w_post sec "/enrol/$s11" programme=nekschool-12 start=$start route=riziv indication=chronic pain-since=2026-05-22)
t_match "web, riziv: refused by R1 with the CLI's words" "$out" "refused by rule R1 \\(indication chronic back pain\\)"
t_is "web, riziv: nothing written" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.enrolment WHERE subject_id = $s11")" 0
out=$(w_post sec "/enrol/$s11" programme=nekschool-12 start=$start route=preventive indication=chronic pain-since=2026-05-22)
t_is "web, preventive: enrolled (303)" "$(status_of "$out")" 303
t_is "web, preventive: the row's route" \
  "$(t_psql ruglab_admin "SELECT route FROM clinical.enrolment WHERE subject_id = $s11")" preventive
kill -TERM "$web_pid"; wait "$web_pid"
t_done
