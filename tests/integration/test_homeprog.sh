# The home programme (issue 17, migration 703) with a real cluster and the
# default exercise catalogue: `ruglab homeprog assign` (reps and sets, or a
# hold time, a variant), `change` (a new row: show --history lists both with
# who and when, show the latest), `stop` (out of show, kept in the history),
# `ruglab session exercises` (exercises done at a variant, `homeprog done`
# lists them with the session number); every refusal (unknown patient,
# exercise, variant, a retired exercise or variant, a bad or missing dose,
# assign twice, change or stop of an exercise not assigned, an unknown
# session, an exercise named twice or recorded twice) says the field and
# writes nothing; the database's own checks (a variant of another exercise,
# a dose both counted and held); the roles' rights (the clinician does it
# all through the CLI with its own grants, the secretariat only reads);
# four assigns of one exercise at once leave one row.
. "$(dirname "$0")/lib.sh"

t_pg_start

day() { date -u -d "$1 days" +%F; }
q() { t_psql ruglab_admin "$1"; }
rows() { q "SELECT (SELECT count(*) FROM clinical.home_exercise) || '/' || (SELECT count(*) FROM clinical.session_exercise)"; }
# refuse NAME CODE PATTERN ARGS...: exit CODE, the message matches, nothing written
refuse() {
  local name=$1 code=$2 pattern=$3 before out rc
  shift 3
  before=$(rows)
  out=$(ruglab "$@" 2>&1); rc=$?
  t_is "$name: exit $code" "$rc" "$code"
  t_match "$name: the message" "$out" "$pattern"
  t_is "$name: nothing written" "$(rows)" "$before"
}

t_check "site add az-oost" ruglab site add --code az-oost --name "AZ Oost"
p=$(ruglab --json patient add --site az-oost --family-name Patient --given-name Test \
  --birth-date 1970-01-01 --sex M --insz 70010100188 | jq -r .subject_id)
t_match "patient added" "$p" "^[0-9]+$"
t_check "patient enrolled" ruglab enrol "$p" --programme mrr-36 --start "$(day -20)" --route riziv \
  --indication chronic --pain-since "$(day -400)"
badge=$(q "SELECT badge_token FROM clinical.subject WHERE subject_id = $p")

# --- refusals before anything is assigned
refuse "an unknown patient" 1 "no patient" homeprog assign RB-NOBODY --exercise PLANK --hold 20 --per-week 3
refuse "an unknown exercise" 1 "^ruglab: homeprog assign: --exercise: unknown exercise NOPE" \
  homeprog assign "$badge" --exercise NOPE --hold 20 --per-week 3
refuse "an exercise code of a bad form" 1 "^ruglab: homeprog assign: --exercise: 'plank' is not an exercise code" \
  homeprog assign "$badge" --exercise plank --hold 20 --per-week 3
refuse "a variant of another exercise" 1 "^ruglab: homeprog assign: --variant: the exercise PLANK has no variant weight" \
  homeprog assign "$badge" --exercise PLANK --variant weight --hold 20 --per-week 3
refuse "no dose" 2 "^ruglab: homeprog assign: give the dose: --reps N --sets N, or --hold SECONDS" \
  homeprog assign "$badge" --exercise PLANK --per-week 3
refuse "reps and hold together" 2 "either --reps and --sets or --hold, not both" \
  homeprog assign "$badge" --exercise PLANK --reps 10 --sets 2 --hold 20 --per-week 3
refuse "reps without sets" 2 "^ruglab: homeprog assign: --sets is required" \
  homeprog assign "$badge" --exercise PLANK --reps 10 --per-week 3
refuse "a zero hold" 1 "^ruglab: homeprog assign: --hold: 0 is outside 1-600" \
  homeprog assign "$badge" --exercise PLANK --hold 0 --per-week 3
refuse "a negative count" 1 "^ruglab: homeprog assign: --reps: '-5' is not a whole number" \
  homeprog assign "$badge" --exercise PLANK --reps -5 --sets 2 --per-week 3
refuse "no frequency" 2 "^ruglab: homeprog assign: --per-week is required" \
  homeprog assign "$badge" --exercise PLANK --hold 20
refuse "a frequency too high" 1 "^ruglab: homeprog assign: --per-week: 22 is outside 1-21" \
  homeprog assign "$badge" --exercise PLANK --hold 20 --per-week 22
refuse "SQL in a code" 1 "is not an exercise code" \
  homeprog assign "$badge" --exercise "PLANK'; DROP TABLE clinical.home_exercise; --" --hold 20 --per-week 3
refuse "a change of an exercise not assigned" 1 "^ruglab: homeprog change: --exercise: PLANK is not in the home programme" \
  homeprog change "$badge" --exercise PLANK --hold 30 --per-week 3
refuse "a stop of an exercise not assigned" 1 "^ruglab: homeprog stop: --exercise: PLANK is not in the home programme" \
  homeprog stop "$badge" --exercise PLANK
t_check "retire TABLETOP and BIRD-DOG's variant band (as a load --replace would)" q \
  "UPDATE clinical.exercise SET retired = true WHERE code = 'TABLETOP'; UPDATE clinical.exercise_variant SET retired = true WHERE code = 'band' AND exercise_id = (SELECT exercise_id FROM clinical.exercise WHERE code = 'BIRD-DOG')"
refuse "a retired exercise" 1 "^ruglab: homeprog assign: --exercise: the exercise TABLETOP is retired" \
  homeprog assign "$badge" --exercise TABLETOP --reps 10 --sets 2 --per-week 3
refuse "a retired variant" 1 "^ruglab: homeprog assign: --variant: the variant band of BIRD-DOG is retired" \
  homeprog assign "$badge" --exercise BIRD-DOG --variant band --reps 10 --sets 2 --per-week 3
t_is "nothing written by the refusals" "$(rows)" "0/0"

# --- assign, change, stop
out=$(ruglab --json homeprog assign "$badge" --exercise PLANK --variant knees --hold 20 --per-week 5); rc=$?
t_is "PLANK assigned: exit 0" "$rc" 0
t_match "PLANK assigned: --json gives the id" "$(jq -r .home_exercise_id <<<"$out")" "^[0-9]+$"
t_check "BIRD-DOG assigned (reps and sets, no variant)" ruglab homeprog assign "$badge" --exercise BIRD-DOG --reps 8 --sets 2 --per-week 3
refuse "assigned twice" 1 "^ruglab: homeprog assign: --exercise: PLANK is already in the home programme" \
  homeprog assign "$badge" --exercise PLANK --hold 30 --per-week 5
t_check "PLANK changed: harder variant, longer hold" ruglab homeprog change "$badge" --exercise PLANK --variant leg-up --hold 40 --per-week 4
out=$(ruglab --json homeprog show "$badge"); rc=$?
t_is "show --json: exit 0" "$rc" 0
t_is "show: the current programme, the latest prescription" \
  "$(jq -c '[.[] | [.exercise, .variant, .repetitions, .sets, .hold_seconds, .per_week]]' <<<"$out")" \
  '[["PLANK","leg-up",null,null,40,4],["BIRD-DOG",null,8,2,null,3]]'
out=$(ruglab --json homeprog show "$badge" --history); rc=$?
t_is "show --history: exit 0" "$rc" 0
t_is "show --history: the assignment and the change, in order, by the OS user" \
  "$(jq -c '[.[] | select(.exercise == "PLANK") | [.action, .variant, .hold_seconds, .recorded_by]]' <<<"$out")" \
  "[[\"assign\",\"knees\",20,\"$(id -un)\"],[\"change\",\"leg-up\",40,\"$(id -un)\"]]"
t_is "show --history: each with its date (today)" \
  "$(jq -r '[.[] | .recorded_at[0:10]] | unique | join(",")' <<<"$out")" "$(q "SELECT clinical.local_date(now())")"
t_check "BIRD-DOG stopped" ruglab homeprog stop "$badge" --exercise BIRD-DOG
t_is "show: BIRD-DOG gone" "$(ruglab --json homeprog show "$badge" | jq -c '[.[].exercise]')" '["PLANK"]'
t_is "the history keeps every row (4: never an update)" \
  "$(q "SELECT string_agg(action, ',' ORDER BY home_exercise_id) FROM clinical.home_exercise")" "assign,assign,change,stop"
t_check "BIRD-DOG assigned again after its stop" ruglab homeprog assign "$badge" --exercise BIRD-DOG --variant weight --reps 10 --sets 3 --per-week 3
t_match "show: a table by default" "$(ruglab homeprog show "$badge")" "leg-up"

# --- exercises done in a session
t_check "session 1 added" ruglab session add "$p" --date "$(day -10)" --kind exercise
t_check "session 2 added" ruglab session add "$p" --date "$(day -5)" --kind exercise
refuse "an unknown session" 1 "^ruglab: session exercises: --session: the programme has no attended session 7" \
  session exercises "$badge" --session 7 --done PLANK
refuse "a variant that is not the exercise's (the second item: nothing of the first kept)" 1 \
  "^ruglab: session exercises: --done: the exercise BIRD-DOG has no variant knees" \
  session exercises "$badge" --session 1 --done PLANK:knees,BIRD-DOG:knees
refuse "an exercise named twice" 1 "^ruglab: session exercises: --done: PLANK is named twice" \
  session exercises "$badge" --session 1 --done PLANK,PLANK:knees
refuse "a retired exercise done" 1 "--done: the exercise TABLETOP is retired" \
  session exercises "$badge" --session 1 --done TABLETOP
refuse "no --done" 2 "^ruglab: session exercises: --done is required" session exercises "$badge" --session 1
out=$(ruglab --json session exercises "$badge" --session 1 --done PLANK:knees,BIRD-DOG); rc=$?
t_is "session 1's exercises recorded: exit 0" "$rc" 0
t_is "session 1's exercises recorded: two" "$(jq -r .exercises <<<"$out")" 2
t_check "session 2's exercise recorded" ruglab session exercises "$badge" --session 2 --done PLANK:leg-up
refuse "an exercise recorded twice for a session" 1 "^ruglab: session exercises: --done: PLANK is already recorded for session 1" \
  session exercises "$badge" --session 1 --done PLANK
out=$(ruglab --json homeprog done "$badge"); rc=$?
t_is "homeprog done: exit 0" "$rc" 0
t_is "homeprog done: per session, the variant and its level" \
  "$(jq -c '[.[] | [.session_number, .session_date, .exercise, .variant, .level]]' <<<"$out")" \
  "[[1,\"$(day -10)\",\"PLANK\",\"knees\",-1],[1,\"$(day -10)\",\"BIRD-DOG\",null,null],[2,\"$(day -5)\",\"PLANK\",\"leg-up\",1]]"

# --- the database's own checks (whatever writes)
out=$(q "INSERT INTO clinical.home_exercise (enrolment_id, exercise_id, variant_id, action, hold_seconds, per_week, recorded_by)
         SELECT e.enrolment_id, x.exercise_id, v.variant_id, 'assign', 20, 3, 'test'
         FROM clinical.enrolment e, clinical.exercise x, clinical.exercise_variant v
         WHERE x.code = 'PLANK' AND v.code = 'weight'" 2>&1)
t_match "the database: a variant of another exercise refused" "$out" "exercise_variant_of_exercise|foreign key"
out=$(q "INSERT INTO clinical.home_exercise (enrolment_id, exercise_id, action, repetitions, sets, hold_seconds, per_week, recorded_by)
         SELECT e.enrolment_id, x.exercise_id, 'assign', 10, 2, 20, 3, 'test'
         FROM clinical.enrolment e, clinical.exercise x WHERE x.code = 'PLANK'" 2>&1)
t_match "the database: reps and hold together refused" "$out" "check constraint"
out=$(q "INSERT INTO clinical.home_exercise (enrolment_id, exercise_id, action, repetitions, sets, per_week, recorded_by)
         SELECT e.enrolment_id, x.exercise_id, 'assign', 0, 2, 3, 'test'
         FROM clinical.enrolment e, clinical.exercise x WHERE x.code = 'PLANK'" 2>&1)
t_match "the database: zero repetitions refused" "$out" "check constraint"

# --- who may do what
t_is "the clinician reads the programme" "$(t_psql ruglab_clinician "SELECT count(*) FROM clinical.v_home_programme")" 2
t_is "the secretariat reads it" "$(t_psql ruglab_secretariat "SELECT count(*) FROM clinical.v_home_programme")" 2
out=$(t_psql ruglab_secretariat "INSERT INTO clinical.session_exercise (enrolment_id, session_date, exercise_id, recorded_by) SELECT enrolment_id, current_date, 1, 'x' FROM clinical.enrolment" 2>&1)
t_match "the secretariat writes nothing" "$out" "permission denied"
out=$(t_psql ruglab_quality "SELECT count(*) FROM clinical.home_exercise" 2>&1)
t_match "the quality role sees nothing" "$out" "permission denied"
out=$(t_psql ruglab_collector "SELECT count(*) FROM clinical.session_exercise" 2>&1)
t_match "the collector sees nothing" "$out" "permission denied"
t_is "the history so far" "$(rows)" "5/3"
# the physiotherapist's role (the web's clinician pool, later) does it all with its own rights
as() { local role=$1; shift; ruglab --db "$RUGLAB_DB user=$role" "$@"; }
t_check "the clinician assigns" as ruglab_clinician homeprog assign "$badge" --exercise BALL-SIT-KNEE --reps 5 --sets 1 --per-week 2
t_check "the clinician changes" as ruglab_clinician homeprog change "$badge" --exercise BALL-SIT-KNEE --variant arms --reps 6 --sets 2 --per-week 2
t_check "the clinician stops" as ruglab_clinician homeprog stop "$badge" --exercise BALL-SIT-KNEE
t_check "the clinician records exercises done" as ruglab_clinician session exercises "$badge" --session 2 --done BIRD-DOG:weight
out=$(as ruglab_clinician --json homeprog show "$badge" --history); rc=$?
t_is "the clinician reads the history: exit 0" "$rc" 0
t_is "the clinician reads the history: every row" "$(jq length <<<"$out")" 8
before=$(rows)
out=$(as ruglab_secretariat homeprog assign "$badge" --exercise BALL-SIT-KNEE --hold 10 --per-week 2 2>&1); rc=$?
t_is "the secretariat may not assign: exit 3 (the database)" "$rc" 3
t_match "the secretariat may not assign: the server's word" "$out" "permission denied"
t_is "the secretariat may not assign: nothing written" "$(rows)" "$before"
# four assigns of one exercise at once: the lock per enrolment lets one through
for i in 1 2 3 4; do
  (ruglab homeprog assign "$badge" --exercise BALL-SIT-KNEE --hold 10 --per-week 2 >/dev/null 2>&1; echo $? >"$T_TMP/race.$i") &
done
wait
t_is "four assigns at once: one succeeded" "$(cat "$T_TMP"/race.* | sort | tr -d '\n')" "0111"
t_is "four assigns at once: one row" \
  "$(q "SELECT count(*) FROM clinical.v_home_programme h JOIN clinical.exercise x USING (exercise_id) WHERE x.code = 'BALL-SIT-KNEE'")" 1
t_is "the history after all of it" "$(rows)" "9/4"

t_done
