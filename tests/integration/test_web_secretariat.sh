# The secretariat's pages of ruglab-web, driven with curl against a real
# cluster and a real ruglab-web: register a patient (the row holds what
# was typed), the CLI's refusals beside the field (INSZ, R1, R2, a session
# twice) with nothing written, compared with the CLI's own message on a
# twin case; enrol, a session, a no-show and a cancellation; an ODI
# through the form scored as `ruglab questionnaire add` scores it; the
# list of questionnaires due shows a missing end questionnaire; another
# site's patient and enrolment are 404; physician and quality 403; no
# session 303; CSRF; a script for a name shown escaped; SQL metacharacters
# in every form field stored literally or refused; the access log and the
# entered_by columns name the web user.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

t_pg_start

day() { date -u -d "$1 days" +%F; }
# patient N: born 1970-01-0N (men, serial 001); women: serial 002
insz() { local n; n=$(printf '7001%02d%03d' "$1" "${2:-1}"); printf '%s%02d' "$n" $((97 - 10#$n % 97)); }
# what the CLI says, without "ruglab: <command>: "
cli_msg() { sed -n '1s/^ruglab: [a-z -]*: //p' <<<"$1"; }
# HTML text as the page escapes it
esc() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g' -e "s/'/\\&#39;/g" <<<"$1"; }
# the message shown beside the form field NAME
beside() { grep -o "name=\"$2\" id=\"$2\"[^>]*>\(<[^>]*>[^<]*</option>\)*\(</select>\)\?<span class=\"field-error\">[^<]*</span>" <<<"$1" | sed 's/.*<span class="field-error">\([^<]*\)<\/span>/\1/'; }
# the fields of base (FIELD=VALUE...) with the one of kv replaced: over KV BASE...
over() { local kv=$1 b; shift; for b in "$@"; do [ "${b%%=*}" = "${kv%%=*}" ] || printf '%s\0' "$b"; done; printf '%s\0' "$kv"; }
count() { t_psql ruglab_admin "SELECT (SELECT count(*) FROM identity.patient) || ':' || (SELECT count(*) FROM clinical.enrolment) || ':' || (SELECT count(*) FROM clinical.session) || ':' || (SELECT count(*) FROM meas.questionnaire_response)"; }

t_check "site add az-oost" ruglab site add --code az-oost --name "AZ Oost"
t_check "site add az-west" ruglab site add --code az-west --name "AZ West"
t_check "user add secretariat" w_add_user an.claes --role secretariat --site az-oost --display-name "An Claes"
t_check "user add secretariat of another site" w_add_user bo.west --role secretariat --site az-west
t_check "user add physician" w_add_user jpeeters --role physician --site az-oost
t_check "user add quality" w_add_user qa --role quality

w_conf
w_start || exit 1
for who in an.claes:sec bo.west:west jpeeters:doc qa:qa; do
  out=$(signin "${who#*:}" "${who%:*}" "$W_PW")
  t_is "sign-in ${who%:*}: 303" "$(status_of "$out")" 303
done

# --- who may come in
for path in /secretariat /patients/new /enrol/1 /attendance/1 /questionnaire/1; do
  out=$(req anon "$base$path")
  t_is "no session: $path is 303 to /signin" "$(status_of "$out") $(header_of "$out" Location)" "303 /signin"
done
out=$(req sec "$base/")
t_is "the secretariat's home is /secretariat" "$(header_of "$out" Location)" /secretariat
# the issue: the secretariat registers and enrols; a physician reviews and
# signs. Physicians stay out of these pages (they see the worklist).
for jar in doc qa; do
  for path in /secretariat /patients/new /enrol/1 /attendance/1 /questionnaire/1; do
    t_is "$jar: $path is 403" "$(status_of "$(req "$jar" "$base$path")")" 403
  done
done
before=$(count)
out=$(req doc --data-urlencode "family-name=Doc" --data-urlencode "csrf=$(token doc /me)" "$base/patients/new")
t_is "a physician's POST to /patients/new is 403" "$(status_of "$out")" 403
t_is "and nothing written" "$(count)" "$before"

# --- register a patient through the page
out=$(w_post sec /patients/new family-name=Janssens given-name=Els birth-date=1970-01-01 sex=M \
  "insz=70.01.01-001.$(insz 1 | cut -c10-11)" weight=81.5 height=178 address="Kerkstraat 1" \
  postal-code=9000 city=Gent phone="09 123 45 67"); rc=$?
t_is "register: curl exits 0" "$rc" 0
t_is "register: 303 to the enrol page" "$(status_of "$out")" 303
s1=$(header_of "$out" Location | sed -n 's|^/enrol/\([0-9]*\)$|\1|p')
t_match "the new subject's id" "$s1" "^[0-9]+$"
t_is "the row holds what was typed" \
  "$(t_psql ruglab_admin "SELECT concat_ws('|', p.family_name, p.given_name, p.date_of_birth, p.insz, p.address, p.postal_code, p.city, p.phone, s.sex, s.body_weight_kg, s.height_cm, st.code) FROM identity.patient p JOIN clinical.subject s USING (subject_id) JOIN clinical.site st ON st.site_id = s.site_id WHERE p.subject_id = ${s1:-0}")" \
  "Janssens|Els|1970-01-01|$(insz 1)|Kerkstraat 1|9000|Gent|09 123 45 67|M|81.5|178.0|az-oost"

# --- an invalid INSZ: the CLI's message beside the field, nothing written
before=$(count)
bad=70010100199
cli=$(ruglab patient add --site az-oost --family-name Twin --given-name Bad --birth-date 1970-01-01 --sex M --insz "$bad" 2>&1); rc=$?
t_is "the CLI refuses the INSZ: exit 1" "$rc" 1
msg=$(cli_msg "$cli")
t_match "the CLI names the INSZ" "$msg" "INSZ"
out=$(w_post sec /patients/new family-name=Peeters given-name=Bad birth-date=1970-01-01 sex=M insz=$bad)
t_is "the page refuses it: 422" "$(status_of "$out")" 422
t_is "with the CLI's message beside the INSZ field" "$(beside "$out" insz)" "$(esc "$msg")"
t_match "the form keeps what was typed" "$out" "name=\"family-name\" id=\"family-name\" value=\"Peeters\""
t_match "also the INSZ typed" "$out" "name=\"insz\" id=\"insz\" value=\"$bad\""
t_is "nothing written" "$(count)" "$before"
out=$(w_post sec /patients/new family-name=Peeters given-name=Bad birth-date=1970-13-01 sex=M "insz=$(insz 2)")
t_match "a bad date of birth: beside its field" "$(beside "$out" birth-date)" "^--birth-date: "
out=$(w_post sec /patients/new family-name=Peeters given-name=Bad birth-date=1970-01-02 sex= "insz=$(insz 2)")
t_is "no sex chosen (the select starts empty): required, beside it" "$(beside "$out" sex)" "--sex is required"
out=$(w_post sec /patients/new family-name=Dup given-name=Els birth-date=1970-01-01 sex=M "insz=$(insz 1)")
t_match "an INSZ registered already: the CLI's words beside the field" "$(beside "$out" insz)" "^a patient with this INSZ is already registered \\(subject $s1\\)$"
t_is "nothing written either" "$(count)" "$before"

# --- enrol through the page, and the CLI's refusals on a twin
start=$(day -40)
out=$(w_post sec "/enrol/$s1" programme=mrr-36 start="$start" route=riziv indication=chronic pain-since="$(day -200)" referring-physician="Dr. Wouters" sick-leave=1)
t_is "enrol: 303 to the attendance page" "$(status_of "$out")" 303
e1=$(header_of "$out" Location | sed -n 's|^/attendance/\([0-9]*\)$|\1|p')
t_match "the new enrolment's id" "$e1" "^[0-9]+$"
t_is "the enrolment row holds what was chosen" \
  "$(t_psql ruglab_admin "SELECT concat_ws('|', pr.code, e.start_date, e.route, e.indication, e.pain_since, e.referring_physician, e.on_sick_leave, e.occupational_copy, e.status) FROM clinical.enrolment e JOIN clinical.programme pr USING (programme_id) WHERE e.enrolment_id = ${e1:-0}")" \
  "mrr-36|$start|riziv|chronic|$(day -200)|Dr. Wouters|t|f|active"
t_check "CLI twin: patient 2" ruglab patient add --site az-oost --family-name Twin --given-name Two --birth-date 1970-01-02 --sex M --insz "$(insz 2)"
out=$(w_post sec /patients/new family-name=Web given-name=Three birth-date=1970-01-03 sex=M "insz=$(insz 3)")
s3=$(header_of "$out" Location | sed -n 's|^/enrol/\([0-9]*\)$|\1|p')
s2=$(t_psql ruglab_admin "SELECT subject_id FROM identity.patient WHERE insz = '$(insz 2)'")
before=$(count)
cli=$(ruglab enrol "$s2" --programme mrr-36 --start "$start" --route riziv --indication chronic --pain-since "$(day -60)" 2>&1); rc=$?
t_is "R1: the CLI refuses pain for 20 days: exit 1" "$rc" 1
msg=$(cli_msg "$cli")
t_match "R1: the CLI names the rule" "$msg" "rule R1"
out=$(w_post sec "/enrol/$s3" programme=mrr-36 start="$start" route=riziv indication=chronic pain-since="$(day -60)")
t_is "R1: the page refuses it: 422" "$(status_of "$out")" 422
t_is "R1: the CLI's message beside the indication" "$(beside "$out" indication)" "$(esc "$msg")"
t_match "R1: the form keeps the chosen programme" "$out" '<option value="mrr-36" selected>'
t_is "R1: nothing written" "$(count)" "$before"
# R2: a programme followed before, no exception
t_check "CLI twin: patient 2 enrolled" ruglab enrol "$s2" --programme rugschool-30 --start "$(day -220)" --route riziv --indication chronic --pain-since "$(day -400)"
t_check "CLI twin: and ended" ruglab enrolment end "$s2" --completed --date "$(day -100)"
t_check "web twin: patient 3 enrolled by the CLI" ruglab enrol "$s3" --programme rugschool-30 --start "$(day -220)" --route riziv --indication chronic --pain-since "$(day -400)"
t_check "web twin: and ended" ruglab enrolment end "$s3" --completed --date "$(day -100)"
before=$(count)
cli=$(ruglab enrol "$s2" --programme mrr-36 --start "$(day -5)" --route riziv --indication chronic --pain-since "$(day -400)" 2>&1); rc=$?
t_is "R2: the CLI refuses a second programme: exit 1" "$rc" 1
msg=$(cli_msg "$cli")
t_match "R2: the CLI names the rule" "$msg" "rule R2"
out=$(w_post sec "/enrol/$s3" programme=mrr-36 start="$(day -5)" route=riziv indication=chronic pain-since="$(day -400)")
t_is "R2: the page refuses it: 422" "$(status_of "$out")" 422
t_is "R2: the CLI's message beside the exception" "$(beside "$out" exception)" "$(esc "$msg")"
t_is "R2: nothing written" "$(count)" "$before"
e3old=$(t_psql ruglab_admin "SELECT enrolment_id FROM clinical.enrolment WHERE subject_id = ${s3:-0}")
out=$(w_post sec "/enrol/$s3" programme=mrr-36 start="$(day -5)" route=riziv indication=chronic pain-since="$(day -400)" exception=reintegration advisory-approved=1 exception-note="approved by letter")
t_is "R2 with the exception recorded: enrolled (303)" "$(status_of "$out")" 303
t_is "the exception and who recorded it: the web user" \
  "$(t_psql ruglab_admin "SELECT concat_ws('|', exception, exception_note, exception_recorded_by) FROM clinical.enrolment WHERE subject_id = ${s3:-0} AND status = 'active'")" \
  "reintegration|approved by letter|an.claes"
out=$(w_post sec "/enrol/$s1" programme=rugschool-30 start="$(day -5)" route=riziv indication=chronic pain-since="$(day -400)" exception=reintegration advisory-approved=1)
t_match "a second running programme: the CLI's words" "$out" "patient $s1 still has a running programme \\(enrolment $e1\\); end it first"

# --- attendance: a session, a no-show, a cancellation
out=$(w_post sec "/attendance/$e1" date="$(day -35)" minutes=90 note="ergonomics" status=attended)
t_is "session attended: 303 back" "$(status_of "$out") $(header_of "$out" Location)" "303 /attendance/$e1"
out=$(w_post sec "/attendance/$e1" date="$(day -30)" status=no_show)
t_is "no-show: 303" "$(status_of "$out")" 303
out=$(w_post sec "/attendance/$e1" date="$(day -29)" note="called in sick" status=cancelled)
t_is "cancellation: 303" "$(status_of "$out")" 303
t_is "the three rows (kind defaulted as the CLI does; entered_by the web user)" \
  "$(t_psql ruglab_admin "SELECT string_agg(concat_ws('|', session_date, kind, status, source, minutes, note, entered_by), ',' ORDER BY session_date) FROM clinical.session WHERE enrolment_id = ${e1:-0}")" \
  "$(day -35)|information|attended|manual|90|ergonomics|an.claes,$(day -30)|exercise|no_show|manual|an.claes,$(day -29)|exercise|cancelled|manual|called in sick|an.claes"
page=$(req sec "$base/attendance/$e1")
t_match "the page lists the no-show" "$page" "<td>$(day -30)</td><td>oefensessie|exercise session</td><td>(no-show|niet opgedaagd)</td>"
t_match "and the cancellation" "$page" "<td>$(day -29)</td><td>[^<]*</td><td>(cancelled|geannuleerd)</td>"
before=$(count)
cli=$(ruglab session no-show "$s1" --date "$(day -30)" 2>&1); rc=$?
t_is "the CLI refuses a second no-show that day: exit 1" "$rc" 1
out=$(w_post sec "/attendance/$e1" date="$(day -30)" status=no_show)
t_is "the page too, with the CLI's words beside the date" "$(status_of "$out") $(beside "$out" date)" "422 $(esc "$(cli_msg "$cli")")"
out=$(w_post sec "/attendance/$e1" date="$(day 10)" status=cancelled)
t_match "a date in the future is refused" "$(beside "$out" date)" "^the session date $(day 10) is in the future"
out=$(w_post sec "/attendance/$e1" date="$(day -20)" minutes=30 status=no_show)
t_is "minutes with a no-show: the CLI's words beside minutes" "$(beside "$out" minutes)" "--minutes goes with session add only"
t_is "nothing written" "$(count)" "$before"

# the programme's caps are the CLI's warnings, not refusals: three in one week (mrr-36: 2)
mon=$(date -u -d "$(day -21) -$(($(date -u -d "$(day -21)" +%u) - 1)) days" +%F)
for k in 0 1 2; do
  out=$(w_post sec "/attendance/$e1" date="$(date -u -d "$mon +$k days" +%F)" kind=exercise status=attended)
  t_is "exercise session $((k + 1)) of that week: recorded (303)" "$(status_of "$out")" 303
done
cli=$(ruglab --json enrolment status "$s1"); rc=$?
t_is "the CLI's enrolment status: exit 0" "$rc" 0
want=$(jq -r '.warnings[] | select(.kind == "too_many_in_week") | .message' <<<"$cli")
t_match "the CLI warns of the week" "$want" "."
page=$(req sec "$base/attendance/$e1")
t_is "the attendance page shows the CLI's warning" \
  "$(sed -n 's/.*<li class="warning warning-too_many_in_week">\([^<]*\)<\/li>.*/\1/p' <<<"$page")" "$(esc "$want")"
t_is "as many warnings as the CLI gives" "$(grep -c '<li class="warning ' <<<"$page")" "$(jq '.warnings | length' <<<"$cli")"

# --- an ODI through the form, scored as the CLI scores it
odi=(3 2 1 4 0 2 3 1 2 5)
args=(); cli_answers=""
for i in $(seq 1 10); do args+=("item$i=${odi[$((i - 1))]}"); cli_answers+="${cli_answers:+,}$i=${odi[$((i - 1))]}"; done
page=$(req sec "$base/questionnaire/$e1?instrument=ODI")
t_is "the ODI form: 200" "$(status_of "$page")" 200
t_is "the form has the 10 sections, 0-5 each" "$(grep -c 'type="number" name="item[0-9]*" id="item[0-9]*" min="0" max="5"' <<<"$page")" 10
out=$(w_post "sec" "/questionnaire/$e1?instrument=ODI" instrument=ODI date="$(day -38)" language=nl "${args[@]}")
t_is "stored: 200" "$(status_of "$out")" 200
web_score=$(sed -n 's/.*<dd class="score">\([^ <]*\) .*/\1/p' <<<"$out")
t_is "the page shows the score: 23/50 = 46 %" "$web_score" 46
t_check "CLI twin: patient 4" ruglab patient add --site az-oost --family-name Twin --given-name Four --birth-date 1970-01-04 --sex M --insz "$(insz 4)"
t_check "CLI twin: enrolled" ruglab enrol "$(insz 4)" --programme mrr-36 --start "$start" --route riziv --indication chronic --pain-since "$(day -200)"
cli=$(ruglab --json questionnaire add "$(insz 4)" --instrument ODI --date "$(day -38)" --answers "$cli_answers"); rc=$?
t_is "the CLI stores the same answers: exit 0" "$rc" 0
t_is "the stored scores are equal (web, CLI)" \
  "$(t_psql ruglab_admin "SELECT string_agg(score::text || ':' || source || ':' || version, ',' ORDER BY response_id) FROM meas.questionnaire_response")" \
  "46.00:manual:2.1a,46.00:manual:2.1a"
t_is "the web's response: entered by the web user" \
  "$(t_psql ruglab_admin "SELECT entered_by FROM meas.questionnaire_response WHERE enrolment_id = ${e1:-0}")" an.claes
t_is "the CLI said 46 too" "$(jq -r .score <<<"$cli")" 46
t_is "the answers are stored as the CLI stores them" \
  "$(t_psql ruglab_admin "SELECT count(DISTINCT answers) FROM meas.questionnaire_response")" 1
before=$(count)
out=$(w_post sec "/questionnaire/$e1" instrument=ODI date="$(day -37)" item1=7 item2=1)
cli=$(ruglab questionnaire add "$(insz 4)" --instrument ODI --date "$(day -37)" --answers 1=7,2=1 2>&1)
t_is "an answer out of range: the CLI's words" "$(status_of "$out") $(grep -o '<span class="field-error">[^<]*</span>' <<<"$out" | sed 's/<[^>]*>//g')" "422 $(esc "$(cli_msg "$cli")")"
t_match "and the typed answers are kept" "$out" 'name="item1" id="item1" min="0" max="5" value="7"'
t_is "nothing written" "$(count)" "$before"

# --- the questionnaires due: an ended programme without its end ODI
t_check "patient 5 (CLI)" ruglab patient add --site az-oost --family-name Vergeten --given-name Eindmeting --birth-date 1970-01-05 --sex M --insz "$(insz 5)"
t_check "enrolled 100 days ago" ruglab enrol "$(insz 5)" --programme mrr-36 --start "$(day -100)" --route riziv --indication chronic --pain-since "$(day -300)"
e5=$(t_psql ruglab_admin "SELECT e.enrolment_id FROM clinical.enrolment e JOIN identity.patient p USING (subject_id) WHERE p.insz = '$(insz 5)'")
t_check "its start ODI" ruglab questionnaire add "$(insz 5)" --instrument ODI --date "$(day -100)" --answers "$cli_answers"
t_check "ended 20 days ago" ruglab enrolment end "$(insz 5)" --completed --date "$(day -20)"
page=$(req sec "$base/secretariat"); rc=$?
t_is "the home page: 200" "$rc $(status_of "$page")" "0 200"
row=$(grep "href=\"/questionnaire/$e5?instrument=ODI\"" <<<"$page")
t_match "the ended programme's ODI: start done, end missing" "$row" 'Vergeten, Eindmeting.*<td>ODI</td><td class="tp tp-done">[^<]*</td><td class="tp tp-[a-z]*">[^<]*</td><td class="tp tp-missing">'
t_is "missing ones first" "$(grep -o 'href="/questionnaire/[0-9]*?instrument=' <<<"$page" | head -1)" "href=\"/questionnaire/$e5?instrument="
t_is "the running programme with its start ODI done and nothing due yet is not listed" "$(grep -c "href=\"/questionnaire/$e1?instrument=ODI\"" <<<"$page")" 0
t_is "the same as the report's rule (clinical.v_questionnaire): a start, no end" \
  "$(t_psql ruglab_admin "SELECT string_agg(coalesce(timepoint, '-'), ',') FROM clinical.v_questionnaire WHERE enrolment_id = ${e5:-0}")" start
t_is "the programme of patient 3 ended over 60 days ago is not listed" "$(grep -c "/questionnaire/$e3old?" <<<"$page")" 0

# --- another site: 404, nothing written
before=$(count)
for path in "/enrol/$s1" "/attendance/$e1" "/questionnaire/$e1?instrument=ODI"; do
  t_is "another site's secretariat: $path is 404" "$(status_of "$(req west "$base$path")")" 404
done
out=$(req west --data-urlencode "csrf=$(token west /secretariat)" --data-urlencode "date=$(day -3)" --data-urlencode "status=no_show" "$base/attendance/$e1")
t_is "another site's POST: 404" "$(status_of "$out")" 404
t_is "and nothing written" "$(count)" "$before"
t_is "nor found by its search" "$(req west "$base/secretariat?q=Janssens" | grep -c 'class="patient-name"')" 0
t_is "an id that is no number: 404" "$(status_of "$(req sec "$base/attendance/1x")")" 404
# the same patient also enrolled at the other site (a row the database
# allows): this site's enrol page does not list that enrolment
ew=$(t_psql ruglab_admin "INSERT INTO clinical.enrolment (subject_id, site_id, programme_id, indication, route, age_at_start, start_date, end_date, status)
  SELECT subject_id, (SELECT site_id FROM clinical.site WHERE code = 'az-west'), programme_id, indication, route, age_at_start,
         start_date - 400, start_date - 300, 'completed' FROM clinical.enrolment WHERE enrolment_id = ${e1:-0}
  RETURNING enrolment_id" 2>&1)
t_match "an enrolment of the same patient at the other site" "$ew" '^[0-9]+$'
page=$(req sec "$base/enrol/$s1"); rc=$?
t_is "the enrol page: 200" "$rc $(status_of "$page")" "0 200"
t_is "it does not show the other site's enrolment" "$(grep -c "/attendance/$ew\"" <<<"$page")" 0
t_match "it shows its own" "$page" "/attendance/$e1\""

# --- CSRF
before=$(count)
out=$(req sec --data-urlencode "family-name=NoToken" --data-urlencode "given-name=X" --data-urlencode "birth-date=1970-01-06" --data-urlencode "sex=M" --data-urlencode "insz=$(insz 6)" "$base/patients/new")
t_is "register without a CSRF token: 403" "$(status_of "$out")" 403
out=$(req sec --data-urlencode "csrf=0123abcd" --data-urlencode "family-name=BadToken" --data-urlencode "given-name=X" --data-urlencode "birth-date=1970-01-06" --data-urlencode "sex=M" --data-urlencode "insz=$(insz 6)" "$base/patients/new")
t_is "register with a wrong CSRF token: 403" "$(status_of "$out")" 403
out=$(req sec --data-urlencode "csrf=$(token west /secretariat)" --data-urlencode "date=$(day -3)" --data-urlencode "status=no_show" "$base/attendance/$e1")
t_is "a no-show with another session's token: 403" "$(status_of "$out")" 403
out=$(req sec --data-urlencode "date=$(day -3)" --data-urlencode "status=no_show" "$base/attendance/$e1")
t_is "a no-show without a token: 403" "$(status_of "$out")" 403
out=$(req sec --data-urlencode "programme=mrr-36" "$base/enrol/$s3")
t_is "enrol without a token: 403" "$(status_of "$out")" 403
out=$(req sec --data-urlencode "instrument=ODI" --data-urlencode "item1=1" "$base/questionnaire/$e1")
t_is "a questionnaire without a token: 403" "$(status_of "$out")" 403
t_is "nothing written" "$(count)" "$before"

# --- a script for a name
out=$(w_post sec /patients/new 'family-name=<script>alert(1)</script>' 'given-name="><img src=x>' birth-date=1970-01-07 sex=M "insz=$(insz 7)")
t_is "a script for a name is registered" "$(status_of "$out")" 303
sx=$(header_of "$out" Location | sed -n 's|^/enrol/\([0-9]*\)$|\1|p')
t_is "stored literally" "$(t_psql ruglab_admin "SELECT family_name || given_name FROM identity.patient WHERE subject_id = ${sx:-0}")" '<script>alert(1)</script>"><img src=x>'
page=$(req sec "$base/enrol/$sx")
t_match "the enrol page shows it escaped" "$page" '&lt;script&gt;alert\(1\)&lt;/script&gt;, &quot;&gt;&lt;img src=x&gt;'
t_is "never as markup" "$(grep -c '<script>alert\|<img src=x' <<<"$page")" 0
page=$(req sec "$base/secretariat?q=script")
t_match "the search shows it escaped" "$page" '<td class="patient-name">&lt;script&gt;alert\(1\)&lt;/script&gt;'
t_is "never as markup there either" "$(grep -c '<script>alert\|<img src=x' <<<"$page")" 0
out=$(w_post sec "/enrol/$sx" programme=mrr-36 start="$(day -10)" route=riziv indication=chronic pain-since="$(day -300)")
ex=$(header_of "$out" Location | sed -n 's|^/attendance/\([0-9]*\)$|\1|p')
page=$(req sec "$base/secretariat")
t_match "a new programme's start ODI is due" "$(grep "href=\"/questionnaire/$ex?instrument=ODI\"" <<<"$page")" '<td>ODI</td><td class="tp tp-due">'
t_is "the due list shows it escaped" "$(grep -c '<script>alert\|<img src=x' <<<"$page") $(grep -c '&lt;script&gt;alert(1)&lt;/script&gt;' <<<"$page")" "0 1"

# --- SQL metacharacters in every field: stored literally or refused
sq="x'); DROP TABLE clinical.session; --"
sq2="' OR '1'='1"
out=$(w_post sec /patients/new "family-name=O'Brien$sq" "given-name=$sq2" birth-date=1970-01-08 sex=M "insz=$(insz 8)" \
  "address=$sq" "postal-code=$sq2" "city=$sq" "phone=$sq2")
t_is "metacharacters in the text fields: registered" "$(status_of "$out")" 303
sm=$(header_of "$out" Location | sed -n 's|^/enrol/\([0-9]*\)$|\1|p')
t_is "and stored literally" \
  "$(t_psql ruglab_admin "SELECT concat_ws('|', family_name, given_name, address, postal_code, city, phone) FROM identity.patient WHERE subject_id = ${sm:-0}")" \
  "O'Brien$sq|$sq2|$sq|$sq2|$sq|$sq2"
before=$(count)
for kv in "birth-date=$sq" "sex=$sq2" "insz=$sq" "weight=$sq2" "height=$sq" "gp=$sq"; do
  f=${kv%%=*}
  mapfile -d '' a < <(over "$kv" family-name=Meta given-name=Char birth-date=1970-01-09 sex=M "insz=$(insz 9)")
  out=$(w_post sec /patients/new "${a[@]}")
  t_is "patient field $f with SQL: refused beside it" "$(status_of "$out") $(beside "$out" "$f" | grep -c .)" "422 1"
done
for kv in "programme=$sq" "cohort=$sq2" "start=$sq" "route=$sq2" "indication=$sq" "pain-since=$sq" "surgery-date=$sq2" "exception=$sq" "exception-surgery-date=$sq2"; do
  f=${kv%%=*}
  mapfile -d '' a < <(over "$kv" programme=mrr-36 start="$(day -10)" route=riziv indication=chronic pain-since="$(day -300)")
  out=$(w_post sec "/enrol/$sm" "${a[@]}")
  t_is "enrol field $f with SQL: refused with a message" "$(status_of "$out") $(grep -c 'class="field-error"' <<<"$out")" "422 1"
done
for kv in "date=$sq" "kind=$sq2" "minutes=$sq" "status=$sq2"; do
  f=${kv%%=*}
  mapfile -d '' a < <(over "$kv" date="$(day -2)" status=attended)
  out=$(w_post sec "/attendance/$e1" "${a[@]}")
  t_is "attendance field $f with SQL: refused with a message" "$(status_of "$out") $(grep -c 'class="field-error"' <<<"$out")" "422 1"
done
for kv in "date=$sq" "version=$sq2" "language=$sq" "item3=$sq2"; do
  f=${kv%%=*}
  mapfile -d '' a < <(over "$kv" instrument=ODI date="$(day -2)" item1=1 item2=2 item3=3 item4=1 item5=0 item6=1 item7=2 item8=1)
  out=$(w_post sec "/questionnaire/$e1" "${a[@]}")
  t_is "questionnaire field $f with SQL: refused with a message" "$(status_of "$out") $(grep -c 'class="field-error"' <<<"$out")" "422 1"
done
out=$(w_post sec "/questionnaire/$e1" "instrument=$sq" date="$(day -2)" item1=1)
t_is "an instrument with SQL: 404" "$(status_of "$out")" 404
t_is "nothing written by any of them" "$(count)" "$before"
out=$(w_post sec "/enrol/$sm" programme=mrr-36 start="$(day -10)" route=riziv indication=chronic pain-since="$(day -300)" "referring-physician=$sq" "exception-note=$sq2")
em=$(header_of "$out" Location | sed -n 's|^/attendance/\([0-9]*\)$|\1|p')
t_is "enrol: the free text with SQL stored literally" "$(t_psql ruglab_admin "SELECT referring_physician || '|' || exception_note FROM clinical.enrolment WHERE enrolment_id = ${em:-0}")" "$sq|$sq2"
out=$(w_post sec "/attendance/$em" date="$(day -2)" "note=$sq" status=cancelled)
t_is "attendance: a note with SQL stored literally" "$(t_psql ruglab_admin "SELECT note FROM clinical.session WHERE enrolment_id = ${em:-0}")" "$sq"
t_is "a search with SQL: 200" "$(status_of "$(req sec -G --data-urlencode "q=$sq2" "$base/secretariat")")" 200
t_is "the tables are all there" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.session") $(t_psql ruglab_admin "SELECT count(*) FROM identity.patient")" "7 7"

# --- a paper form dated before the programme started: kept, counted nowhere, and said so
out=$(w_post sec "/questionnaire/$e1" instrument=NPRS date="$(day -45)" item1=6)
t_is "an NPRS before the start: stored (200)" "$(status_of "$out")" 200
t_match "the page says it counts nowhere" "$out" "<p class=\"message warning\">This day lies outside the programme's dates"
t_is "as clinical.v_questionnaire says" \
  "$(t_psql ruglab_admin "SELECT in_programme || ':' || score FROM clinical.v_questionnaire WHERE enrolment_id = ${e1:-0} AND instrument = 'NPRS'")" "false:6.00"
out=$(w_post sec "/questionnaire/$e1" instrument=NPRS date="$(day -39)" item1=5)
t_is "one inside the dates: no such warning" "$(grep -c 'message warning' <<<"$out")" 0
t_match "the attendance page says which sessions count" "$(req sec "$base/attendance/$e1")" "<td>ergonomics</td><td>yes</td>"

# --- the access log and who entered what
t_is "the access log names the secretariat user for every read of the web" \
  "$(t_psql ruglab_admin "SELECT string_agg(DISTINCT os_user, ',') FROM audit.access_log WHERE program = 'ruglab-web'")" an.claes
t_is "through the secretariat's database role (its pool), not the admin's" \
  "$(t_psql ruglab_admin "SELECT string_agg(DISTINCT db_user, ',') FROM audit.access_log WHERE program = 'ruglab-web'")" ruglab_secretariat
t_is "the other site's secretariat read nothing of this site" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM audit.access_log a JOIN clinical.subject s USING (subject_id) JOIN clinical.site st ON st.site_id = s.site_id WHERE a.os_user = 'bo.west' AND st.code = 'az-oost'")" 0
t_is "the due list, the search and each page are logged" \
  "$(t_psql ruglab_admin "SELECT string_agg(DISTINCT command, ',' ORDER BY command) FROM audit.access_log WHERE program = 'ruglab-web'")" \
  "secretariat attendance,secretariat enrol,secretariat questionnaire,secretariat questionnaires due,secretariat search"
t_is "the due list's read of patient 5 is logged" \
  "$(t_psql ruglab_admin "SELECT count(*) > 0 FROM audit.access_log a JOIN identity.patient p USING (subject_id) WHERE p.insz = '$(insz 5)' AND a.command = 'secretariat questionnaires due' AND a.os_user = 'an.claes'")" t
t_is "entered_by of the web's sessions and responses: the web user" \
  "$(t_psql ruglab_admin "SELECT string_agg(DISTINCT entered_by, ',') FROM (SELECT entered_by FROM clinical.session UNION ALL SELECT entered_by FROM meas.questionnaire_response q WHERE q.enrolment_id = ${e1:-0}) x")" an.claes

# --- the Dutch pages
kill -TERM "$web_pid"; wait "$web_pid"
sed -i 's/^language = en/language = nl/' "$conf"
t_bg "$T_TMP/web-nl.log" ruglab-web --config "$conf"
web_pid=$T_LAST_PID
t_wait_line "$T_TMP/web-nl.log" "READY" 20 || exit 1
signin nl an.claes "$W_PW" >/dev/null
page=$(req nl "$base/secretariat")
t_match "Dutch: the home page" "$page" "Vragenlijsten te doen of ontbrekend.*ontbreekt"
page=$(req nl "$base/attendance/$e1")
t_match "Dutch: the attendance page with Dutch statuses" "$page" "niet opgedaagd.*geannuleerd"
page=$(req nl "$base/questionnaire/$e1?instrument=ODI")
t_match "Dutch: the questionnaire form" "$page" "Sectie 1 \\(0-5\\)"
kill -TERM "$web_pid"; wait "$web_pid"
t_is "no password in the logs" "$(cat "$web_log" "$T_TMP/web-nl.log" | grep -c "$W_PW")" 0
t_done
