#!/usr/bin/env bash
# make demo: the whole ruglab story on the local PostgreSQL cluster of this
# checkout, in a few minutes:
#   a site with its physician, GPs, four Tergumed back devices, a cervical
#   unit and a questionnaire tablet enrolled with CurveZMQ keys; a group of
#   twelve patients enrolled in the 36-session programme and one patient in
#   the neck school (cervical tests, NDI, a home programme and its
#   handout); ruglab-collector and one
#   ruglab-agent per machine playing the whole programme in compressed time
#   (start, mid and end tests, training sets with raw curves, questionnaires
#   at intake and at the end, a dropout after 9 sessions, a no-show); the
#   physician's conclusions; every final report (PDF), the FHIR exports;
#   and the quality team's cohort summary.
# At the end it starts ruglab-web on 127.0.0.1 (port 8080, or a free one when
# 8080 is taken; DEMO_WEB_PORT chooses), with a physician, a secretariat and
# an admin account whose fresh passwords it prints, and prints the address.
# In a terminal it keeps ruglab-web running until Ctrl-C; without one (a
# test, CI) it stops it and ends. DEMO_WEB_WAIT=1 keeps it running anyway
# (until SIGINT or SIGTERM), DEMO_WEB_WAIT=0 never does.
# Outputs go to var/demo/ (DEMO_OUT overrides; PGLOCAL_DIR picks another
# cluster, as the test that checks every demo letter does). A second run
# reuses the cluster and starts from an empty database (it says so).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
export PATH="$root/$BUILD/bin:$PATH"
out=${DEMO_OUT:-$root/var/demo}
tty=0; [ -t 1 ] && tty=1

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$(( 20000 + RANDOM % 40000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  echo "demo: no free TCP port" >&2; exit 1
}

# INSZ of a birth date and serial (DOMAIN.md: CC = 97 - (9 digits mod 97),
# with 2 prefixed for births from 2000).
insz() {  # YYYY-MM-DD SERIAL
  local y=${1:0:4} m=${1:5:2} d=${1:8:2} s=$2 base cc
  base=$(printf '%02d%s%s%03d' $((10#$y % 100)) "$m" "$d" "$s")
  if [ "$y" -ge 2000 ]; then cc=$(( 97 - (2$base % 97) )); else cc=$(( 97 - (10#$base % 97) )); fi
  printf '%s%02d' "$base" "$cc"
}

step "1. The local PostgreSQL cluster"
if scripts/pg-local.sh status >/dev/null 2>&1; then
  say "reusing the running local cluster; the demo starts from an empty database"
  scripts/pg-local.sh reset
else
  started=$(scripts/pg-local.sh start)
  echo "$started"
  if [[ $started == *"new cluster"* ]]; then
    say "a new local cluster"
  else
    say "reusing the existing local cluster; the demo starts from an empty database"
    scripts/pg-local.sh reset
  fi
fi
RUGLAB_DB=$(scripts/pg-local.sh conninfo)
export RUGLAB_DB
rm -rf "$out"
mkdir -p "$out"/{keys,spool,letters,fhir,compare,charts,quality,logs}

step "2. The schema: ruglab db migrate"
ruglab db migrate | grep -v "^applied "   # the count, and the default exercise catalogue

step "3. The site, its physician, the GPs and the devices (with CurveZMQ keys)"
ruglab site add --code az-demo --name "AZ Demo, dienst Fysische Geneeskunde en Revalidatie" \
  --address "Ziekenhuisstraat 1, 8500 Kortrijk" --physician-name "Dr. An Vermeulen" \
  --physician-riziv 12345678901 >/dev/null
gps=(10000000101 10000000202 10000000303)
ruglab gp add --riziv "${gps[0]}" --family-name Claes --given-name Pieter \
  --address "Marktplein 3" --postal-code 8500 --city Kortrijk >/dev/null
ruglab gp add --riziv "${gps[1]}" --family-name Wouters --given-name Els \
  --address "Stationsstraat 12" --postal-code 8790 --city Waregem >/dev/null
ruglab gp add --riziv "${gps[2]}" --family-name "Van den Broeck" --given-name Jan \
  --address "Kerkstraat 7" --postal-code 8530 --city Harelbeke >/dev/null
for dev in tergumed-1 tergumed-2 tergumed-3 tergumed-4; do
  ruglab device add "$dev" --site az-demo --model tergumed-710 --key-dir "$out/keys" >/dev/null
done
# the neck school's cervical unit: its model is a cervical one (migration 704)
ruglab device add nekunit-1 --site az-demo --model tergumed-710-cervical --key-dir "$out/keys" >/dev/null
ruglab device add tablet-1 --site az-demo --model questionnaire-tablet --key-dir "$out/keys" >/dev/null
ruglab-collector --gen-key "$out/keys" >/dev/null
ruglab device list | sed 's/^/   /'

step "4. Twelve patients in group 2026-A of programme mrr-36 (34 exercise + 2 information sessions)"
today=$(TZ=Europe/Brussels date +%Y-%m-%d)
# The programme: enrolled on day 0, the machines' sessions every 4 days from
# day 1 (34 sessions, the last on day 133), the programme ends on day 134,
# a week ago: the letters are due in a week. The dropout stops after 9
# sessions (day 33) and is ended on day 35: its letter is long overdue.
start=$(date -u -d "$today - 140 days" +%Y-%m-%d)
day() { date -u -d "$start + $1 days" +%Y-%m-%d; }
pain=$(date -u -d "$start - 120 days" +%Y-%m-%d)
names=("Peeters Marie F 1968-04-12" "Janssens Luc M 1971-09-30" "Maes Sofie F 1980-01-22"
       "Jacobs Dirk M 1962-06-05" "Mertens Anke F 1975-11-17" "Willems Bart M 1984-03-08"
       "Claeys Katrien F 1959-07-29" "Goossens Tom M 1990-12-01" "Wouters Ilse F 1966-02-14"
       "De Smet Koen M 1978-05-25" "Dubois Noëlle F 1970-08-19" "Lambrecht Geert M 1955-10-03")
ruglab cohort add --site az-demo --code 2026-A --programme mrr-36 --start "$start" --time-block 08-10 >/dev/null
tokens=()
i=0
for entry in "${names[@]}"; do
  read -r -a f <<<"$entry"
  if [ "${#f[@]}" -eq 5 ]; then fam="${f[0]} ${f[1]}"; giv=${f[2]}; sex=${f[3]}; dob=${f[4]}
  else fam=${f[0]}; giv=${f[1]}; sex=${f[2]}; dob=${f[3]}; fi
  [ "$sex" = M ] && serial=$((101 + 2 * i)) || serial=$((102 + 2 * i))
  json=$(ruglab --json patient add --site az-demo --family-name "$fam" --given-name "$giv" \
    --birth-date "$dob" --sex "$sex" --insz "$(insz "$dob" "$serial")" \
    --weight $((62 + (i * 7) % 30)) --height $((160 + (i * 5) % 30)) --gp "${gps[$((i % 3))]}" \
    --address "Demostraat $((i + 1))" --postal-code 8500 --city Kortrijk)
  token=$(jq -r .badge_token <<<"$json")
  tokens+=("$token")
  ruglab enrol "$token" --programme mrr-36 --start "$start" --route riziv --indication chronic \
    --pain-since "$pain" --cohort 2026-A --referring-physician "Dr. An Vermeulen" >/dev/null
  printf '   %-22s badge %s\n' "$giv $fam" "$token"
  i=$((i + 1))
done
# The neck school (nekschool-12: 12 group sessions, cervical unit): one
# patient, enrolled on day 90, sessions every 4 days from day 91 to day 135.
json=$(ruglab --json patient add --site az-demo --family-name Vandamme --given-name Lotte \
  --birth-date 1983-05-09 --sex F --insz "$(insz 1983-05-09 124)" --weight 64 --height 168 \
  --gp "${gps[0]}" --address "Nekstraat 3" --postal-code 8500 --city Kortrijk)
neck_tok=$(jq -r .badge_token <<<"$json")
ruglab enrol "$neck_tok" --programme nekschool-12 --start "$(day 90)" --route riziv --indication chronic \
  --pain-since "$pain" --referring-physician "Dr. An Vermeulen" >/dev/null
printf '   %-22s badge %s (neck school)\n' "Lotte Vandamme" "$neck_tok"
# Patient 4 is on sick leave (report also to the advisory physician); patient 7 follows the Fedris route.
scripts/pg-local.sh psql -q -c "UPDATE clinical.enrolment SET on_sick_leave = true WHERE subject_id = 4;
  UPDATE clinical.enrolment SET route = 'fedris', occupational_copy = true WHERE subject_id = 7" >/dev/null

step "5. ruglab-collector and one ruglab-agent per training machine"
port=$(free_port)
cat >"$out/collector.conf" <<EOF
[collector]
name = demo-collector
listen = tcp://127.0.0.1:$port
secret_key_file = $out/keys/collector.key_secret
status_interval_s = 5
EOF
ruglab-collector --config "$out/collector.conf" >"$out/logs/collector.log" 2>&1 &
pids+=($!)
until grep -q READY "$out/logs/collector.log"; do
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$out/logs/collector.log"; exit 1; }
  sleep 0.1
done
say "collector listening on tcp://127.0.0.1:$port (CurveZMQ)"

agent_conf() {  # DEVICE DRIVER EXTRA...
  local dev=$1 drv=$2; shift 2
  {
    printf '[agent]\ndevice_id = %s\ndriver = %s\ndrain_timeout_s = 120\n' "$dev" "$drv"
    printf '[spool]\ndir = %s\n' "$out/spool/$dev"
    printf '[link]\ncollector = tcp://127.0.0.1:%s\nserver_public_key = %s\nsecret_key_file = %s\n' \
      "$port" "$out/keys/collector.key" "$out/keys/$dev.key_secret"
    printf '%s\n' "$@"
  } >"$out/$dev.conf"
  echo "$out/$dev.conf"
}
sim() {  # DEVICE SEED SESSIONS PATIENT...
  local dev=$1 seed=$2 sessions=$3; shift 3
  local plist="" p
  for p in "$@"; do plist="$plist${plist:+,}$p"; done
  agent_conf "$dev" simulator "[simulator]" "seed = $seed" "patients = $plist" \
    "sessions = $sessions" "start = $(day 1)T07:00:00Z" "days_between_sessions = 4" \
    "time_factor = 0" "sets = 1" "session_minutes = 120"
}
tok() { echo "${tokens[$1]}"; }
demo_patients() {  # INDEX... -> TOKEN:SEX:AGE:WEIGHT
  local i
  for i in "$@"; do
    read -r -a f <<<"${names[$i]}"
    local n=${#f[@]} sex=${f[$((${#f[@]} - 2))]} dob=${f[$((${#f[@]} - 1))]}
    echo "$(tok "$i"):$sex:$(( ${today:0:4} - ${dob:0:4} )):$((62 + (i * 7) % 30))"
  done
}
# Patient 3 (index 2) drops out after 9 sessions (the fourth machine plays 9).
c1=$(sim tergumed-1 11 34 $(demo_patients 0 1 3 4))
c2=$(sim tergumed-2 12 34 $(demo_patients 5 6 7 8))
c3=$(sim tergumed-3 13 34 $(demo_patients 9 10 11))
c4=$(sim tergumed-4 14 9 $(demo_patients 2))
# the cervical unit plays the neck school's 12 sessions from day 91
c5=$(agent_conf nekunit-1 simulator "[agent]" "device_model = tergumed-710-cervical" "[simulator]" "seed = 15" \
  "patients = $neck_tok:F:$(( ${today:0:4} - 1983 )):64" "region = cervical" "sessions = 12" \
  "start = $(day 91)T07:00:00Z" "days_between_sessions = 4" "time_factor = 0" "sets = 1" \
  "session_minutes = 120")

# The tablet: ODI, NPRS and TSK at intake, mid-way and at the end (JSON lines).
q_lines() {  # TOKEN DAY-OFFSET ODI-% NPRS TSK-SPREAD(4 intake, 3 end)
  local t=$1 day=$2 odi=$3 nprs=$4 tsk=$5 ts sid ans k
  ts=$(date -u -d "$start + $day days 06:30" +%Y-%m-%dT%H:%M:%SZ)
  sid="tab-$t-$day"
  local c="\"session_id\": \"$sid\", \"patient_token\": \"$t\", \"taken_at\": \"$ts\""
  echo "{\"type\": \"session_start\", $c, \"kind\": \"questionnaire\"}"
  ans=""
  # ten sections whose sum is about odi/2, so that the score is about odi %
  for k in 1 2 3 4 5 6 7 8 9 10; do ans="$ans${ans:+, }{\"item\": $k, \"value\": $(( (odi / 2 + k) / 10 ))}"; done
  echo "{\"type\": \"questionnaire\", $c, \"instrument\": \"ODI\", \"version\": \"2.1a\", \"language\": \"nl-BE\", \"answers\": [$ans]}"
  echo "{\"type\": \"questionnaire\", $c, \"instrument\": \"NPRS\", \"version\": \"1\", \"language\": \"nl-BE\", \"answers\": [{\"item\": 1, \"value\": $nprs}]}"
  ans=""
  for k in $(seq 1 17); do ans="$ans${ans:+, }{\"item\": $k, \"value\": $(( 1 + k % tsk ))}"; done
  echo "{\"type\": \"questionnaire\", $c, \"instrument\": \"TSK\", \"version\": \"17\", \"language\": \"nl-BE\", \"answers\": [$ans]}"
  echo "{\"type\": \"session_end\", $c, \"duration_s\": 900}"
}
{
  for i in $(seq 0 11); do
    q_lines "$(tok "$i")" 1 $((38 + i * 3)) $((6 + i % 3)) 4
    # mid-way, on the day of the mid test (session 18, day 69)
    [ "$i" -eq 2 ] || q_lines "$(tok "$i")" 69 $((28 + i * 2)) $((4 + i % 3)) 3
    if [ "$i" -ne 2 ]; then q_lines "$(tok "$i")" 133 $((14 + i * 2)) $((1 + (i * 5) % 6)) $((2 + i % 2)); fi
  done
} >"$out/tablet.jsonl"
ct=$(agent_conf tablet-1 jsonl)

agents=()
for conf in "$c1" "$c2" "$c3" "$c4" "$c5"; do
  ruglab-agent --config "$conf" </dev/null >"$out/logs/$(basename "$conf" .conf).log" 2>&1 &
  pids+=($!); agents+=($!)
done
ruglab-agent --config "$ct" <"$out/tablet.jsonl" >"$out/logs/tablet-1.log" 2>&1 &
pids+=($!); agents+=($!)
say "4 simulated Tergumed agents (12 patients, 34 exercise sessions each, 100 Hz curves), the cervical unit (1 patient, 12 sessions) and the questionnaire tablet"

step "6. Playing the programme (about 18 weeks, compressed)"
progress() {
  scripts/pg-local.sh psql -At -F' ' -c "SELECT
    (SELECT count(DISTINCT (device_id, session_id)) FROM meas.session_event),
    (SELECT count(*) FROM meas.test_trial), (SELECT count(*) FROM meas.training_set),
    (SELECT coalesce(sum(cardinality(angle_ddeg)), 0) FROM meas.sample_batch),
    (SELECT count(*) FROM meas.questionnaire_response),
    (SELECT count(*) FROM meas.dead_letter)"
}
t0=$SECONDS
while :; do
  running=0
  for p in "${agents[@]}"; do kill -0 "$p" 2>/dev/null && running=$((running + 1)); done
  read -r s t ts smp q dl <<<"$(progress)"
  line=$(printf '%3ds  sessions %4s  test trials %4s  training sets %5s  curve samples %9s  questionnaires %3s  rejected %s  agents running %s' \
    $((SECONDS - t0)) "$s" "$t" "$ts" "$smp" "$q" "$dl" "$running")
  if [ "$tty" = 1 ]; then printf '\r   %s' "$line"; else say "$line"; fi
  [ "$running" -eq 0 ] && break
  sleep $([ "$tty" = 1 ] && echo 1 || echo 10)
done
[ "$tty" = 1 ] && echo
fail=0
for p in "${agents[@]}"; do wait "$p" || fail=1; done
if [ "$fail" = 1 ]; then
  echo "demo: an agent failed; its log is in $out/logs" >&2
  exit 1
fi
say "every agent has drained its spool: $(find "$out/spool" -name 'seg-*' | wc -l) spool segments left"
ruglab status | sed 's/^/   /'

step "7. Attendance: information sessions, a no-show, a dropout; the programmes end"
# The two information sessions (ergonomics, psychology) fall in weeks with
# one machine session (at most 2 sessions a week); patient 6 misses the
# second one, patient 6 also has a no-show, patient 3 drops out.
session_weeks=$(for k in $(seq 0 33); do date -u -d "$(day $((1 + 4 * k)))" +%G-%V; done)
info_days=() last_week=""
for d in $(seq 8 100); do
  week=$(date -u -d "$(day "$d")" +%G-%V)
  [ "$week" = "$last_week" ] && continue
  if [ "$(grep -c "^$week\$" <<<"$session_weeks")" -eq 1 ] && [ $(( (d - 1) % 4 )) -ne 0 ]; then
    info_days+=("$d"); last_week=$week
  fi
done
ergo=$(day "${info_days[0]}"); psy=$(day "${info_days[1]}")
for i in 0 1 3 4 5 6 7 8 9 10 11; do
  ruglab session add "$(tok "$i")" --date "$ergo" --kind information --minutes 120 --note "ergonomie (ergotherapeut)" >/dev/null
  [ "$i" -eq 5 ] || ruglab session add "$(tok "$i")" --date "$psy" --kind information --minutes 120 --note "omgaan met pijn (psycholoog)" >/dev/null
done
ruglab session no-show "$(tok 5)" --date "$(day 23)" --note "niet verwittigd" >/dev/null
ruglab enrolment end "$(tok 2)" --dropout "werkhervatting, geen tijd meer" --date "$(day 35)" >/dev/null
for i in 0 1 3 4 5 6 7 8 9 10 11; do
  ruglab enrolment end "$(tok "$i")" --completed --date "$(day 134)" >/dev/null
done
# the neck school: NDI at the start and the end, the home programme
# (assigned, progressed, the exercises done in sessions), the end
ruglab questionnaire add "$neck_tok" --instrument NDI --date "$(day 91)" \
  --answers 1=3,2=2,3=3,4=2,5=3,6=2,7=3,8=2,9=3,10=2 >/dev/null
ruglab questionnaire add "$neck_tok" --instrument NDI --date "$(day 135)" \
  --answers 1=1,2=1,3=1,4=0,5=1,6=1,7=1,8=0,9=1,10=1 >/dev/null
ruglab homeprog assign "$neck_tok" --exercise BIRD-DOG --variant dynamic --reps 10 --sets 2 --per-week 3 >/dev/null
ruglab homeprog assign "$neck_tok" --exercise PLANK --variant knees --hold 20 --per-week 3 >/dev/null
ruglab homeprog assign "$neck_tok" --exercise BAND-ROW --reps 12 --sets 2 --per-week 3 >/dev/null
ruglab session exercises "$neck_tok" --session 1 --done BIRD-DOG:dynamic,PLANK:knees >/dev/null
ruglab session exercises "$neck_tok" --session 6 --done BIRD-DOG:dynamic,PLANK,BAND-ROW >/dev/null
ruglab homeprog change "$neck_tok" --exercise PLANK --hold 30 --per-week 4 >/dev/null
ruglab session exercises "$neck_tok" --session 12 --done BIRD-DOG:dynamic,PLANK:leg-up,BAND-ROW:unstable >/dev/null
ruglab enrolment end "$neck_tok" --completed --date "$(day 136)" >/dev/null
ruglab enrolment status "$(tok 0)" | sed 's/^/   /' | head -30

step "8. The physician's conclusions"
for i in $(seq 0 11); do
  if [ "$i" -eq 2 ]; then
    text="Programma vroegtijdig gestopt na 9 sessies wegens werkhervatting. Advies: thuisoefenprogramma verderzetten; heraanmelding mogelijk."
  else
    text="Goede inzet tijdens het programma. Duidelijke winst in kracht en mobiliteit; de pijn en beperking zijn afgenomen. Advies: oefeningen thuis verderzetten, 2x per week fysieke activiteit."
  fi
  printf '%s\n' "$text" | ruglab conclusion set "$(tok "$i")" --file - >/dev/null
done
printf '%s\n' "Goede inzet in de nekschool. Meer kracht en beweeglijkheid van de nek; de beperking door nekpijn is duidelijk afgenomen. Advies: het thuisprogramma verderzetten." \
  | ruglab conclusion set "$neck_tok" --file - >/dev/null
say "13 conclusions written (ruglab conclusion set)"

step "9. The final reports (eindverslag, PDF) and FHIR exports"
for i in $(seq 0 11); do
  t=$(tok "$i")
  ruglab-report letter "$t" -o "$out/letters/eindverslag-$t-nl.pdf" >/dev/null
  ruglab-report export "$t" --format fhir -o "$out/fhir/$t.json" >/dev/null
  ruglab-report compare "$t" --format csv >"$out/compare/$t.csv"
done
ruglab-report letter "$neck_tok" -o "$out/letters/eindverslag-$neck_tok-nl.pdf" >/dev/null
ruglab-report export "$neck_tok" --format fhir -o "$out/fhir/$neck_tok.json" >/dev/null
ruglab-report compare "$neck_tok" --format csv >"$out/compare/$neck_tok.csv"
# the neck-school patient's handout: the home programme, A4, large type
ruglab-report handout "$neck_tok" -o "$out/letters/thuisoefeningen-$neck_tok-nl.pdf" >/dev/null
say "the home exercises of the neck school's patient: $out/letters/thuisoefeningen-$neck_tok-nl.pdf"
ruglab-report letter "$(tok 0)" --lang en -o "$out/letters/final-report-$(tok 0)-en.pdf" >/dev/null
say "$(ls "$out/letters"/eindverslag-* "$out/letters"/final-report-* | wc -l) letters in $out/letters, $(ls "$out/fhir" | wc -l) FHIR bundles in $out/fhir"
ruglab-report compare "$(tok 0)" | sed 's/^/   /' | head -40

step "10. The quality team: pseudonymised outcomes of the cohort"
ruglab-outcomes refresh | sed 's/^/   /'
ruglab-outcomes summary --by cohort | tee "$out/quality/summary-by-cohort.txt" | sed 's/^/   /'
ruglab-outcomes --csv summary --by cohort >"$out/quality/summary-by-cohort.csv"
if ruglab-outcomes chart --help >/dev/null 2>&1; then
  ruglab-outcomes chart --help >/dev/null 2>&1 && ruglab-outcomes chart --out "$out/charts" >/dev/null 2>&1 \
    && say "charts in $out/charts" || say "(outcome charts: see ruglab-outcomes chart --help)"
fi

step "11. ruglab-web: the pages in the browser"
# A fresh pass phrase per run (no password is the same in every checkout).
demo_pw() { printf 'demo-%s' "$(od -An -N9 -tx1 /dev/urandom | tr -d ' \n')"; }
web_users=(
  "dr.vermeulen physician az-demo Dr. An Vermeulen"
  "secretariaat secretariat az-demo Secretariaat Revalidatie"
  "it-admin admin - IT-beheer"
  "kwaliteit quality - Kwaliteitsteam"
)
: >"$out/web-signin.txt"
chmod 0600 "$out/web-signin.txt"
for u in "${web_users[@]}"; do
  read -r uname role usite display <<<"$u"
  pw=$(demo_pw)
  site_opt=(); [ "$usite" = - ] || site_opt=(--site "$usite")
  printf '%s\n' "$pw" | ruglab user add "$uname" --role "$role" "${site_opt[@]}" --display-name "$display" >/dev/null
  printf '%-12s %-14s %s\n' "$role" "$uname" "$pw" >>"$out/web-signin.txt"
done
web_port=${DEMO_WEB_PORT:-8080}
if [ -z "${DEMO_WEB_PORT:-}" ] && (exec 3<>"/dev/tcp/127.0.0.1/$web_port") 2>/dev/null; then
  web_port=$(free_port)
  say "port 8080 is taken: ruglab-web takes $web_port"
fi
cat >"$out/web.conf" <<EOF
[web]
listen = 127.0.0.1:$web_port
threads = 4
templates_dir = $root/deploy/web/templates
static_dir = $root/deploy/web/static
language = nl
EOF
ruglab-web --config "$out/web.conf" </dev/null >"$out/logs/web.log" 2>&1 &
web_pid=$!
pids+=("$web_pid")
until grep -q READY "$out/logs/web.log"; do
  kill -0 "$web_pid" 2>/dev/null || { cat "$out/logs/web.log"; exit 1; }
  sleep 0.1
done
say "ruglab-web listening on http://127.0.0.1:$web_port/ (configuration $out/web.conf, log $out/logs/web.log)"

cat <<EOT

== Done. Where everything is:
   letters (PDF)        $out/letters/        e.g. xdg-open $out/letters/eindverslag-$(tok 0)-nl.pdf
   FHIR bundles         $out/fhir/           e.g. jq . $out/fhir/$(tok 0).json | less
   comparisons (CSV)    $out/compare/
   cohort summary       $out/quality/
   logs                 $out/logs/
   a patient's comparison:   $BUILD/bin/ruglab-report compare $(tok 0)
   the quality views:        scripts/pg-local.sh psql -c 'SELECT * FROM quality.v_enrolment_outcome LIMIT 5'
                             (as the quality role: PGUSER=ruglab_quality scripts/pg-local.sh psql)
   the local cluster keeps running; stop it with: scripts/pg-local.sh stop

== ruglab-web in the browser: http://127.0.0.1:$web_port/
   sign in as (role, user name, password; also in $out/web-signin.txt):
$(sed 's/^/     /' "$out/web-signin.txt")
   the quality dashboard (as kwaliteit): http://127.0.0.1:$web_port/quality
   again later, on the same database: $BUILD/bin/ruglab-web --config $out/web.conf
EOT
wait_web=${DEMO_WEB_WAIT:-$tty}
if [ "$wait_web" = 1 ]; then
  echo "   ruglab-web runs until Ctrl-C"
  # Ctrl-C (or TERM) stops ruglab-web cleanly (the EXIT trap's cleanup
  # signals it and waits); the demo then ends with status 0.
  trap 'echo; echo "   stopping ruglab-web"; exit 0' INT TERM
  wait "$web_pid" || true
  echo "demo: ruglab-web stopped on its own; its log: $out/logs/web.log" >&2
  exit 1
fi
echo "   (ruglab-web stops now, as the demo ends without a terminal; DEMO_WEB_WAIT=1 keeps it running)"
