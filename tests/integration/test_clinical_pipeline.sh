# The clinical model fed through the pipeline: patients enrolled with the
# CLI, sessions, test trials and tablet questionnaires sent by ruglab-agent
# (JSON-lines driver) to the real collector, then attendance, time points,
# derived values (best trial, effort CV, per kg, % of the illustrative
# reference, ratio, asymmetry) and change flags read back from the database
# and `ruglab patient results`.
. "$(dirname "$0")/lib.sh"

t_pg_start
EP=tcp://127.0.0.1:$(t_free_port)

# --- setup through the CLI
ruglab site add --code az-pipe --name "AZ Pipe" >/dev/null
p1=$(ruglab --json patient add --site az-pipe --family-name Een --given-name Piet --birth-date 1985-07-30 --sex M \
  --insz 85073003328 --weight 80)
b1=$(jq -r .badge_token <<<"$p1")
p2=$(ruglab --json patient add --site az-pipe --family-name Twee --given-name Ann --birth-date 2005-01-01 --sex F \
  --insz 05010100410 --weight 60)
b2=$(jq -r .badge_token <<<"$p2")
ruglab enrol "$b1" --programme mrr-36 --start 2026-01-05 --route riziv --indication chronic --pain-since 2025-09-01 >/dev/null
ruglab enrol "$b2" --programme rugschool-30 --start 2026-01-05 --route riziv --indication chronic --pain-since 2025-09-01 >/dev/null
t_make_keys az-pipe dev-1 dev-2:david-f110 tab-1:tablet
ruglab reference load "$T_ROOT/deploy/reference/example-reference.csv" >/dev/null
t_is "the reference for a 40-year-old man's extension (illustrative table)" \
  "$(t_psql ruglab_admin "SELECT value FROM clinical.reference_value WHERE device_model = 'tergumed-710' AND sex = 'M' AND 40 BETWEEN age_min AND age_max AND direction = 'extension' AND measure = 'max_torque_nm_per_kg'")" 2.7

t_collector_conf pipe "$EP" >"$T_TMP/collector.conf"
t_start_collector "$T_TMP/collector.conf" || { t_done; exit 1; }

send() {  # DEVICE FILE: the agent sends FILE's lines and exits once all are acknowledged
  cat >"$T_TMP/$1.conf" <<CONF
[agent]
device_id = $1
driver = jsonl
drain_timeout_s = 30
[spool]
dir = $T_TMP/spool-$1
$(t_agent_link "$1")
reconnect_ivl_ms = 50
CONF
  t_log "$T_TMP/agent-$1.log"
  ruglab-agent --config "$T_TMP/$1.conf" <"$2" >"$T_TMP/agent-$1.log" 2>&1
}
# day of session i (0-based): twice a week from Monday 2026-01-05
day() { date -u -d "2026-01-05 + $(( $1 / 2 * 7 + $1 % 2 * 3 )) days" +%F; }
line() {  # TYPE TOKEN SESSION DAY TIME REST
  printf '{"type": "%s", "patient_token": "%s", "session_id": "%s", "taken_at": "%sT%sZ"%s}\n' "$1" "$2" "$3" "$4" "$5" "$6"
}
trials() {  # TOKEN SESSION DAY DIRECTION ROM TORQUE...
  local tok=$1 s=$2 d=$3 dir=$4 rom=$5 n=0 tq; shift 5
  for tq in "$@"; do
    n=$((n + 1))
    line test_result "$tok" "$s" "$d" "09:1$n:00" ", \"direction\": \"$dir\", \"trial\": $n, \"rom_deg\": $rom, \"max_torque_nm\": $tq, \"angle_at_max_deg\": 5"
  done
}

# patient 1: 20 sessions on dev-1; tests at sessions 1, 18 and 20
{
  for i in $(seq 0 19); do
    d=$(day "$i"); kind=training
    case $i in 0 | 17 | 19) kind=test ;; esac
    line session_start "$b1" "p1s$i" "$d" "09:00:00" ", \"kind\": \"$kind\""
    case $i in
      0)  trials "$b1" p1s0 "$d" extension 30 200 210 220
          trials "$b1" p1s0 "$d" flexion 50 150 150 150
          trials "$b1" p1s0 "$d" lateral_flexion_left 20 100 100
          trials "$b1" p1s0 "$d" lateral_flexion_right 20 80 80
          trials "$b1" p1s0 "$d" rotation_left 25 60 60
          trials "$b1" p1s0 "$d" rotation_right 25 60 60 ;;
      17) trials "$b1" p1s17 "$d" extension 32 250 260 270
          trials "$b1" p1s17 "$d" flexion 55 100 160 220 ;;
      19) trials "$b1" p1s19 "$d" extension 40 300 310 320
          trials "$b1" p1s19 "$d" flexion 50 150 150 150 ;;
    esac
    # a programme session lasts 120 minutes (a shorter one would be warned of)
    line session_end "$b1" "p1s$i" "$d" "11:00:00" ', "duration_s": 7200, "aborted": false'
  done
  # patient 2: the start test on dev-1 (tergumed-710)
  line session_start "$b2" p2s0 2026-01-05 "13:00:00" ', "kind": "test"'
  trials "$b2" p2s0 2026-01-05 extension 30 100 100 100
} >"$T_TMP/dev-1.jsonl"
# patient 2's second test on another model (david-f110): never compared with the first
{
  line session_start "$b2" p2s1 2026-01-08 "13:00:00" ', "kind": "test"'
  trials "$b2" p2s1 2026-01-08 extension 30 200 200 200
} >"$T_TMP/dev-2.jsonl"
# the questionnaire tablet: ODI and NPRS at the start and at the last session
odi() { local v=$1; printf '[%s]' "$(for i in $(seq 1 10); do printf '{"item": %d, "value": %d}' "$i" "$v"; [ "$i" -lt 10 ] && printf ', '; done)"; }
{
  line questionnaire "$b1" q0 2026-01-05 "08:30:00" ", \"instrument\": \"ODI\", \"version\": \"2.1a\", \"answers\": $(odi 2)"
  line questionnaire "$b1" q0 2026-01-05 "08:35:00" ', "instrument": "NPRS", "version": "1", "answers": [{"item": 1, "value": 7}]'
  line questionnaire "$b1" q19 "$(day 19)" "08:30:00" ", \"instrument\": \"ODI\", \"version\": \"2.1a\", \"answers\": $(odi 1)"
  line questionnaire "$b1" q19 "$(day 19)" "08:35:00" ', "instrument": "NPRS", "version": "1", "answers": [{"item": 1, "value": 3}]'
} >"$T_TMP/tab-1.jsonl"

t_check "dev-1 sends its sessions and tests through the agent" send dev-1 "$T_TMP/dev-1.jsonl"
t_check "dev-2 sends" send dev-2 "$T_TMP/dev-2.jsonl"
t_check "the tablet sends its questionnaires" send tab-1 "$T_TMP/tab-1.jsonl"
t_is "everything stored once: session events, trials, questionnaires" \
  "$(t_psql ruglab_admin "SELECT (SELECT count(*) FROM meas.session_event) || ',' || (SELECT count(*) FROM meas.test_trial) || ',' || (SELECT count(*) FROM meas.questionnaire_response WHERE source = 'device')")" \
  "42,32,4"

# --- attendance and time points from the device sessions
t_is "v_attendance: 20 sessions from the device" \
  "$(t_psql ruglab_admin "SELECT attended_total || ':' || attended_exercise || ':' || first_date || ':' || last_date FROM clinical.v_attendance WHERE enrolment_id = 1")" \
  "20:20:2026-01-05:$(day 19)"
t_is "no warnings (twice a week, within 6 months)" "$(ruglab --json enrolment status 1 | jq -c '.warnings')" "[]"
t_is "running programme: start at session 1, mid at session 18, no end yet" \
  "$(t_psql ruglab_admin "SELECT string_agg(session_number || ':' || coalesce(timepoint, '-'), ',' ORDER BY test_index) FROM clinical.v_test_occasion WHERE enrolment_id = 1")" \
  "1:start,18:mid,20:-"
t_check "the programme ends" ruglab enrolment end 1 --completed --date "$(day 19)"
t_is "completed: the last test is the end test" \
  "$(t_psql ruglab_admin "SELECT string_agg(session_number || ':' || coalesce(timepoint, '-'), ',' ORDER BY test_index) FROM clinical.v_test_occasion WHERE enrolment_id = 1")" \
  "1:start,18:mid,20:end"
t_is "tablet questionnaires: scored by the collector, start and end" \
  "$(t_psql ruglab_admin "SELECT string_agg(instrument || ':' || score || ':' || coalesce(timepoint, '-'), ',' ORDER BY instrument, taken_at) FROM clinical.v_questionnaire WHERE enrolment_id = 1")" \
  "NPRS:7.00:start,NPRS:3.00:end,ODI:40.00:start,ODI:20.00:end"

# --- derived values and change flags
r=$(ruglab --json patient results 1)
sel() { jq -c "$1" <<<"$r"; }
t_is "start extension: best trial, CV, effort, per kg, % of reference, ROM" \
  "$(sel '.tests[] | select(.timepoint == "start" and .direction == "extension") | [.trials, .max_torque_nm, .cv_pct, .effort_normal, .torque_nm_per_kg, .pct_of_reference, .rom_deg]')" \
  "[3,220,4.76,true,2.75,101.85,30]"
t_is "mid flexion: a CV of 37.5 % is not a normal effort" \
  "$(sel '.tests[] | select(.timepoint == "mid" and .direction == "flexion") | [.max_torque_nm, .cv_pct, .effort_normal]')" \
  "[220,37.5,false]"
t_is "start: flexion/extension ratio, lateral flexion and rotation asymmetry" \
  "$(sel '.derived[] | select(.timepoint == "start") | [.flex_ext_ratio, .lateral_flexion_asymmetry_pct, .rotation_asymmetry_pct]')" \
  "[0.68,20,0]"
t_is "end: ratio" "$(sel '.derived[] | select(.timepoint == "end") | .flex_ext_ratio')" "0.47"
t_is "extension strength +22.7 % at mid is within the noise (SRD 33 %)" \
  "$(sel '.changes[] | select(.measure == "max_torque_nm" and .direction == "extension" and .to == "mid") | [.change, .change_pct, .real_change]')" \
  "[50,22.73,false]"
t_is "extension strength +45.5 % at the end is a real change" \
  "$(sel '.changes[] | select(.measure == "max_torque_nm" and .direction == "extension" and .to == "end") | [.change, .change_pct, .real_change, .flag]')" \
  '[100,45.45,true,"real_change"]'
t_is "extension ROM +33.3 % at the end reaches the SRD" \
  "$(sel '.changes[] | select(.measure == "rom_deg" and .direction == "extension" and .to == "end") | [.change_pct, .real_change]')" \
  "[33.33,true]"
t_is "flexion unchanged at the end" \
  "$(sel '.changes[] | select(.measure == "max_torque_nm" and .direction == "flexion" and .to == "end") | [.change, .real_change]')" \
  "[0,false]"
t_is "questionnaires: ODI -20 points and NPRS -4 are important improvements" \
  "$(sel '[.questionnaires[] | [.instrument, .start, .end, .change, .important_change]]')" \
  '[["NPRS",7,3,-4,true],["ODI",40,20,-20,true]]'
t_check "a site's own smallest real difference for extension on this model" \
  ruglab reference srd --model tergumed-710 --direction extension --pct 50 --source "retest study 2025"
t_is "then +45.5 % is within the noise" \
  "$(ruglab --json patient results 1 | jq -c '.changes[] | select(.measure == "max_torque_nm" and .direction == "extension" and .to == "end") | [.srd_pct, .real_change]')" \
  "[50,false]"
t_is "srd-list" "$(ruglab --json reference srd-list | jq -c '[.[] | [.device_model, .direction, .srd_pct]]')" '[["tergumed-710","extension",50]]'
t_check "back to the default" ruglab reference srd --model tergumed-710 --direction extension --pct 33
t_match "the text report shows the same" "$(ruglab patient results 1)" \
  "start +2026-01-05 +dev-1 +extension +3 +220\.0 +4\.8 +normal +2\.75 +101\.9 +30\.0.*max_torque_nm +extension +start->end +220\.0 +320\.0 +100\.0 +45\.5%  real_change.*ODI +40\.0 +- +20\.0 +-20\.0 \(to end \) +important_improvement"

# patient 2: start on tergumed-710, end on david-f110
t_check "patient 2 drops out" ruglab enrolment end 2 --dropout "moved" --date 2026-01-08
t_is "tests on different device models are never compared" \
  "$(ruglab --json patient results 2 | jq -c '[.changes[] | select(.direction == "extension" and .measure == "max_torque_nm") | [.to, .change_pct, .real_change, .flag]]')" \
  '[["end",100,null,"different_device_models"]]'
t_is "no reference for a model without one" \
  "$(ruglab --json patient results 2 | jq -c '[.tests[] | .pct_of_reference]')" "[79.37,null]"

t_done
