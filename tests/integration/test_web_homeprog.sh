# The home programme page of ruglab-web (issue 17: /homeprog/ENROLMENT),
# driven with curl against a real cluster and a real ruglab-web: the
# physician assigns, changes and stops exercises through the forms and the
# page shows what `ruglab homeprog show` (and --history) prints, row for
# row; the history keeps every step, by the signed-in person; a bad dose,
# an unknown exercise, a change of an exercise not assigned are refused
# beside the field the module names, with what was typed kept and nothing
# written; the exercises done in a session are recorded and listed as
# `ruglab homeprog done` lists them; the secretariat reads the page without
# its forms and its POST is refused with a message of its own, nothing
# written; no session, no CSRF token, another site's physician and the
# quality role are refused; Dutch by default, English on request; the
# enrolment's pages link to it; the reads are in the access log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

t_pg_start

day() { date -u -d "$1 days" +%F; }
q() { t_psql ruglab_admin "$1"; }
rows() { q "SELECT (SELECT count(*) FROM clinical.home_exercise) || '/' || (SELECT count(*) FROM clinical.session_exercise)"; }
# the message shown beside the form field NAME
beside() { grep -o "name=\"$2\" id=\"$2\"[^>]*>\(<option[^>]*>[^<]*</option>\|<optgroup[^>]*>\|</optgroup>\)*\(</select>\)\?<span class=\"field-error\">[^<]*</span>" <<<"$1" | sed 's/.*<span class="field-error">\([^<]*\)<\/span>/\1/'; }
# the rows of a table of the page (its class) as CODE|VARIANT|DOSE|PER-WEEK|BY
# (VARIANT - : as described; DOSE RxS or hN), or, for the history, with the
# action's word first
page_rows() {
  perl -0ne '
    my ($t) = /<table class="list \Q'"$2"'\E">(.*?)<\/table>/s or exit 1;
    while ($t =~ /<tr class="hp-([A-Z0-9-]+)">(.*?)<\/tr>/gs) {
      my ($code, $r) = ($1, $2);
      my @td = $r =~ /<td>(.*?)<\/td>/gs;
      my $what = "";
      if ("'"$2"'" eq "homeprog-history") { shift @td; $what = (shift @td) . "|"; }
      my $var = $td[1] =~ /\([^,]*, ([a-z0-9-]+)\)/ ? $1 : "-";
      my $dose = $td[2] =~ /(\d+) × (\d+)/ ? "$2x$1" : $td[2] =~ /(\d+) s/ ? "h$1" : "";
      print "$what$code|$var|$dose|$td[3]|", ($td[4] =~ s/<[^>]*>//gr), "\n";
    }' <<<"$1"
}
# the same of `ruglab --json homeprog show` (and --history)
cli_rows() {
  jq -r --arg h "${2:-}" '.[] | (if $h == "" then "" else ({"assign": "assigned", "change": "changed", "stop": "stopped"}[.action] + "|") end)
    + .exercise + "|" + (.variant // "-") + "|"
    + (if .hold_seconds then "h\(.hold_seconds)" elif .repetitions then "\(.repetitions)x\(.sets)" else "" end)
    + "|" + (if .per_week then "\(.per_week)" else "" end) + "|" + .recorded_by' <<<"$1"
}

t_check "site add az-oost" ruglab site add --code az-oost --name "AZ Oost"
t_check "site add az-west" ruglab site add --code az-west --name "AZ West"
t_check "user add physician" w_add_user dr-els --role physician --site az-oost
t_check "user add physician of another site" w_add_user dr-west --role physician --site az-west
t_check "user add secretariat" w_add_user an.claes --role secretariat --site az-oost
t_check "user add quality" w_add_user kwal --role quality
w_enrolled az-oost
t_check "session 1 attended" ruglab session add "$p" --date "$(day -10)" --kind exercise

w_conf
w_start || exit 1
for who in dr-els:doc dr-west:west an.claes:sec kwal:qa; do
  out=$(signin "${who#*:}" "${who%:*}" "$W_PW")
  t_is "sign-in ${who%:*}: 303" "$(status_of "$out")" 303
done
path=/homeprog/$e

# --- who may come in
out=$(req anon "$base$path")
t_is "no session: GET is 303 to /signin" "$(status_of "$out") $(header_of "$out" Location)" "303 /signin"
out=$(req anon --data-urlencode action=assign --data-urlencode exercise=PLANK --data-urlencode hold=20 \
  --data-urlencode per-week=3 "$base$path")
t_is "no session: POST is 303 to /signin" "$(status_of "$out") $(header_of "$out" Location)" "303 /signin"
t_is "no session: nothing written" "$(rows)" "0/0"
t_is "quality: 403" "$(status_of "$(req qa "$base$path")")" 403
t_is "another site's physician: 404" "$(status_of "$(req west "$base$path")")" 404
out=$(req west --data-urlencode "csrf=$(token west /me)" --data-urlencode action=assign \
  --data-urlencode exercise=PLANK --data-urlencode hold=20 --data-urlencode per-week=3 "$base$path")
t_is "another site's physician: POST 404" "$(status_of "$out")" 404
out=$(req doc --data-urlencode action=assign --data-urlencode exercise=PLANK --data-urlencode hold=20 \
  --data-urlencode per-week=3 "$base$path")
t_is "no CSRF token: 403" "$(status_of "$out")" 403
t_is "refused POSTs wrote nothing" "$(rows)" "0/0"

# --- the empty page, and the links to it
out=$(req doc "$base$path"); rc=$?
t_is "the page: curl exits 0" "$rc" 0
t_is "the page: 200" "$(status_of "$out")" 200
t_match "the page: nothing assigned yet" "$out" "No exercises in the home programme"
t_match "the page: the catalogue in the exercise select" "$out" '<option value="PLANK">Forearm plank \(PLANK\)</option>'
t_match "the page: the variants grouped by exercise" "$out" '<optgroup label="Forearm plank \(PLANK\)"><option value="PLANK:knees">'
out=$(req doc "$base/programme/$e")
t_is "the programme page: 200" "$(status_of "$out")" 200
t_match "the programme page links to the home programme" "$out" "href=\"/homeprog/$e\""
out=$(req sec "$base/attendance/$e")
t_match "the attendance page links to it" "$out" "href=\"/homeprog/$e\""

# --- assign, change, stop through the forms
out=$(w_post doc "$path" action=assign exercise=PLANK variant=PLANK:knees hold=20 per-week=5); rc=$?
t_is "assign PLANK: curl exits 0" "$rc" 0
t_is "assign PLANK: 303 back to the page" "$(status_of "$out") $(header_of "$out" Location)" "303 $path"
out=$(w_post doc "$path" action=assign exercise=BIRD-DOG variant= reps=8 sets=2 per-week=3)
t_is "assign BIRD-DOG (as described): 303" "$(status_of "$out")" 303
page=$(req doc "$base$path")
cli=$(ruglab --json homeprog show "$badge"); rc=$?
t_is "homeprog show: exit 0" "$rc" 0
t_is "the page's programme is the CLI's" "$(page_rows "$page" homeprog)" "$(cli_rows "$cli")"
t_is "and it is what was assigned" "$(page_rows "$page" homeprog | tr '\n' ' ')" \
  "PLANK|knees|h20|5|dr-els BIRD-DOG|-|8x2|3|dr-els "
t_match "the variant in the page's language" "$page" "<td>[^<]*knees[^<]*<span class=\"hint\">\(easier, knees\)</span></td><td>hold 20 s</td>"
out=$(req doc "$base$path?exercise=PLANK")
t_match "the change link fills the form with the current prescription" "$out" 'name="hold" id="hold" value="20"'
t_match "the change link selects the variant" "$out" '<option value="PLANK:knees" selected>'
out=$(w_post doc "$path" action=change exercise=PLANK variant=PLANK:leg-up hold=40 per-week=4)
t_is "change PLANK: 303" "$(status_of "$out")" 303
out=$(w_post doc "$path" action=stop exercise=BIRD-DOG)
t_is "stop BIRD-DOG: 303" "$(status_of "$out")" 303
page=$(req doc "$base$path")
cli=$(ruglab --json homeprog show "$badge"); rc=$?
t_is "homeprog show after the change and the stop: exit 0" "$rc" 0
t_is "the page's programme is the CLI's: PLANK changed, BIRD-DOG gone" \
  "$(page_rows "$page" homeprog | tr '\n' ' ')" "$(cli_rows "$cli" | tr '\n' ' ')"
t_is "the programme now" "$(page_rows "$page" homeprog | tr '\n' ' ')" "PLANK|leg-up|h40|4|dr-els "
cli=$(ruglab --json homeprog show "$badge" --history); rc=$?
t_is "homeprog show --history: exit 0" "$rc" 0
t_is "the page's history is the CLI's" "$(page_rows "$page" homeprog-history)" "$(cli_rows "$cli" history)"
t_is "the history keeps every step, oldest first" "$(page_rows "$page" homeprog-history | tr '\n' ' ')" \
  "assigned|PLANK|knees|h20|5|dr-els assigned|BIRD-DOG|-|8x2|3|dr-els changed|PLANK|leg-up|h40|4|dr-els stopped|BIRD-DOG|-|||dr-els "
t_is "the history's times in Brussels, to the minute (whatever the database session's zone)" \
  "$(perl -0ne '($t) = /<table class="list homeprog-history">(.*?)<\/table>/s; print "$1\n" while $t =~ /<tr class="hp-[A-Z0-9-]+"><td>([^<]*)<\/td>/g' <<<"$page")" \
  "$(q "SELECT to_char(recorded_at AT TIME ZONE 'Europe/Brussels', 'YYYY-MM-DD HH24:MI') FROM clinical.home_exercise ORDER BY recorded_at, home_exercise_id")"
t_is "the database: four rows, never an update, by the signed-in person" \
  "$(q "SELECT string_agg(action || ':' || recorded_by, ',' ORDER BY home_exercise_id) FROM clinical.home_exercise")" \
  "assign:dr-els,assign:dr-els,change:dr-els,stop:dr-els"

# --- refusals: the field named, what was typed kept, nothing written
# refuse NAME FIELD PATTERN FIELD=VALUE...: 422, the message beside FIELD, nothing written
refuse() {
  local name=$1 field=$2 pattern=$3 before out
  shift 3
  before=$(rows)
  out=$(w_post doc "$path" "$@")
  t_is "$name: 422" "$(status_of "$out")" 422
  t_match "$name: the message beside $field" "$(beside "$out" "$field")" "$pattern"
  t_is "$name: nothing written" "$(rows)" "$before"
  REFUSED=$out
}
refuse "zero repetitions" reps "^--reps: 0 is outside 1-100$" \
  action=assign exercise=SQUAT reps=0 sets=2 per-week=3
t_match "zero repetitions: the form keeps what was typed" "$REFUSED" 'name="sets" id="sets" value="2"'
t_match "zero repetitions: the exercise stays chosen" "$REFUSED" '<option value="SQUAT" selected>'
refuse "a hold too long" hold "^--hold: 700 is outside 1-600$" action=assign exercise=SQUAT hold=700 per-week=3
refuse "a frequency too high" per-week "^--per-week: 22 is outside 1-21$" action=assign exercise=SQUAT hold=30 per-week=22
refuse "reps and hold together" hold "either --reps and --sets or --hold, not both" \
  action=assign exercise=SQUAT reps=10 sets=2 hold=30 per-week=3
refuse "no dose" reps "give the dose" action=assign exercise=SQUAT per-week=3
refuse "no exercise chosen" exercise "^--exercise is required$" action=assign hold=30 per-week=3
refuse "a variant of another exercise" variant "is not a variant code" \
  action=assign exercise=SQUAT variant=PLANK:knees hold=30 per-week=3
refuse "PLANK assigned twice" exercise "PLANK is already in the home programme" \
  action=assign exercise=PLANK hold=30 per-week=3
refuse "a change of an exercise not assigned" exercise "BIRD-DOG is not in the home programme" \
  action=change exercise=BIRD-DOG reps=8 sets=2 per-week=3
refuse "SQL in the exercise" exercise "is not an exercise code" \
  action=assign "exercise=PLANK'; DROP TABLE clinical.home_exercise; --" hold=30 per-week=3
refuse "a script in the variant" variant "is not a variant code" \
  action=assign exercise=SQUAT "variant=<script>alert(1)</script>" hold=30 per-week=3
t_match "the script is shown as text" "$REFUSED" "&lt;script&gt;alert\(1\)&lt;/script&gt;"
if grep -q "<script>alert" <<<"$REFUSED"; then t_not_ok "no script in the page"; else t_ok "no script in the page"; fi
before=$(rows)
out=$(w_post doc "$path" action=stop exercise=SQUAT)
t_is "a stop of an exercise not assigned: 422" "$(status_of "$out")" 422
t_match "a stop of an exercise not assigned: the message above the forms" "$out" \
  '<span class="field-error">--exercise: SQUAT is not in the home programme</span>'
t_is "a stop of an exercise not assigned: nothing written" "$(rows)" "$before"
out=$(w_post doc "$path" action=delete exercise=PLANK)
t_is "an unknown action: 422" "$(status_of "$out")" 422
t_match "an unknown action: said" "$out" "Choose what to do"
t_is "the table holds the four steps only" "$(q "SELECT count(*) FROM clinical.home_exercise")" 4

# --- the exercises done in a session
out=$(req doc "$base$path")
t_match "the session form suggests the current programme" "$out" 'name="done" id="done" value="PLANK:leg-up"'
refuse "an unknown session" session "the programme has no attended session 7" action=done session=7 done=PLANK
refuse "an exercise named twice" done "PLANK is named twice" action=done session=1 done=PLANK,PLANK:knees
out=$(w_post doc "$path" action=done session=1 done=PLANK:leg-up,BIRD-DOG)
t_is "session 1's exercises recorded: 303" "$(status_of "$out")" 303
page=$(req doc "$base$path")
cli=$(ruglab --json homeprog done "$badge"); rc=$?
t_is "homeprog done: exit 0" "$rc" 0
t_is "the page's exercises done are the CLI's" \
  "$(perl -0ne '($t) = /<table class="list homeprog-done">(.*?)<\/table>/s; while ($t =~ /<tr class="hp-([A-Z0-9-]+)"><td>(\d*)<\/td><td>([0-9-]+)<\/td>/g) { print "$2|$3|$1\n" }' <<<"$page")" \
  "$(jq -r '.[] | "\(.session_number)|\(.session_date)|\(.exercise)"' <<<"$cli")"
t_is "and they are the two recorded" "$(jq -r '[.[] | .exercise + ":" + (.variant // "-")] | join(",")' <<<"$cli")" \
  "PLANK:leg-up,BIRD-DOG:-"

# --- the secretariat reads, never writes
out=$(req sec "$base$path")
t_is "secretariat: the page is 200" "$(status_of "$out")" 200
t_is "secretariat: the same programme" "$(page_rows "$out" homeprog | tr '\n' ' ')" "PLANK|leg-up|h40|4|dr-els "
t_match "secretariat: read only, said" "$out" "Read only"
if grep -q 'name="action"' <<<"$out"; then t_not_ok "secretariat: no forms"; else t_ok "secretariat: no forms"; fi
before=$(rows)
for a in "action=assign exercise=SQUAT hold=30 per-week=3" "action=stop exercise=PLANK" "action=done session=1 done=SQUAT"; do
  # shellcheck disable=SC2086
  out=$(w_post sec "$path" $a)
  t_is "secretariat ${a%% *}: 403" "$(status_of "$out")" 403
  t_match "secretariat ${a%% *}: a message of its own" "$out" "The secretariat may read the home programme but not change it"
done
t_is "secretariat: nothing written" "$(rows)" "$before"
t_match "secretariat: refused by the web, not by the database" "$(cat "$web_log")" "reads the home programme only"
if grep -qE "permission denied for (table|view) (home_exercise|session_exercise|v_home_programme)" "$web_log"; then
  t_not_ok "the database was not asked"
else
  t_ok "the database was not asked"
fi

# --- Dutch by default (a Dutch browser), English on request
out=$(req doc -H "Accept-Language: nl-BE,nl" "$base$path")
t_match "Dutch: the title" "$out" "<h1>Thuisprogramma: Peeters, Jan</h1>"
t_match "Dutch: the exercise's Dutch name" "$out" "Plank op de onderarmen"
t_match "Dutch: the history's words" "$out" "<td>gewijzigd</td>"
t_match "Dutch: the dose" "$out" "40 s aanhouden"
out=$(req doc -H "Accept-Language: en" "$base$path")
t_match "English: the exercise's English name" "$out" "Forearm plank"

# --- the access log: every read of the page in the person's name
t_is "the access log: the page's reads by who read them" \
  "$(q "SELECT string_agg(DISTINCT os_user || ':' || db_user, ',' ORDER BY os_user || ':' || db_user) FROM audit.access_log WHERE command = 'home programme' AND subject_id = $p")" \
  "an.claes:ruglab_secretariat,dr-els:ruglab_clinician"
t_is "the access log: nothing of the other site's physician" \
  "$(q "SELECT count(*) FROM audit.access_log WHERE os_user = 'dr-west'")" 0
t_done
