# The work status at start and end (issue 15, migration 604), with a real
# cluster and a real ruglab-web: recorded with `ruglab workstatus set` and
# through the secretariat's page /workstatus/ID (curl, CSRF); the refusals
# (unknown code, an end before the start is recorded, an end dated before
# the start, a date in the future) with nothing written; corrections kept
# as history, the latest counting; recorded_by names the OS user or the web
# user; quality.work_status after `ruglab-outcomes refresh` without
# identity; `ruglab-outcomes rtw` equal to an independent SQL count, with
# the cells under 5 suppressed; another site's secretariat 404; physician
# and quality 403.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

t_pg_start

day() { date -u -d "$1 days" +%F; }
insz() { local n; n=$(printf '70%02d%02d%03d' "$(($1 / 28 + 1))" "$(($1 % 28 + 1))" 1); printf '%s%02d' "$n" $((97 - 10#$n % 97)); }
birth() { printf '1970-%02d-%02d' "$(($1 / 28 + 1))" "$(($1 % 28 + 1))"; }
rows() { t_psql ruglab_admin "SELECT count(*) FROM clinical.work_status"; }
start=$(day -100)

t_check "site add az-oost" ruglab site add --code az-oost --name "AZ Oost"
t_check "site add az-west" ruglab site add --code az-west --name "AZ West"

# patient N of SITE enrolled on ROUTE: prints the subject id
patient() {
  local n=$1 site=$2 route=$3 s
  s=$(ruglab --json patient add --site "$site" --family-name "Patient$n" --given-name Test \
    --birth-date "$(birth "$n")" --sex M --insz "$(insz "$n")" | jq -r .subject_id) || return 1
  ruglab enrol "$s" --programme mrr-36 --start "$start" --route "$route" --indication chronic \
    --pain-since "$(day -400)" >/dev/null || return 1
  echo "$s"
}
ws() { ruglab workstatus set "$@" >/dev/null; }

# --- the CLI: one patient, refusals and history
p1=$(patient 1 az-oost riziv); t_match "patient 1 enrolled" "$p1" "^[0-9]+$"
out=$(ruglab workstatus set "$p1" --timepoint start --status holiday 2>&1); rc=$?
t_is "an unknown code: exit 1" "$rc" 1
t_match "an unknown code: the CLI's message names the codes" "$out" "^ruglab: workstatus set: --status must be working, working_restricted, sick_leave"
out=$(ruglab workstatus set "$p1" --timepoint middle --status working 2>&1); rc=$?
t_is "an unknown time point: exit 1" "$rc" 1
out=$(ruglab workstatus set "$p1" --status working 2>&1); rc=$?
t_is "no --timepoint: exit 2" "$rc" 2
out=$(ruglab workstatus set "$p1" --timepoint end --status working --date "$(day -5)" 2>&1); rc=$?
t_is "an end before any start: exit 1" "$rc" 1
t_match "an end before any start: said so" "$out" "no work status at the start recorded yet"
out=$(ruglab workstatus set "$p1" --timepoint start --status working --date "$(day 3)" 2>&1); rc=$?
t_is "a date in the future: exit 1" "$rc" 1
t_match "a date in the future: said so" "$out" "is in the future"
t_is "nothing written by the refusals" "$(rows)" 0
out=$(ruglab --json workstatus set "$p1" --timepoint start --status working --date "$start"); rc=$?
t_is "start recorded: exit 0" "$rc" 0
t_match "start recorded: --json gives the id" "$(jq -r .work_status_id <<<"$out")" "^[0-9]+$"
t_check "start corrected: sick leave (a new row)" ws "$p1" --timepoint start --status sick_leave --date "$start"
out=$(ruglab workstatus set "$p1" --timepoint end --status working --date "$(day -101)" 2>&1); rc=$?
t_is "an end dated before the start's: exit 1" "$rc" 1
t_check "end recorded" ws "$p1" --timepoint end --status working_restricted --date "$(day -2)"
t_is "the history: three rows, by the OS user" \
  "$(t_psql ruglab_admin "SELECT string_agg(timepoint || ':' || status || ':' || recorded_by, ',' ORDER BY work_status_id) FROM clinical.work_status")" \
  "start:working:$(id -un),start:sick_leave:$(id -un),end:working_restricted:$(id -un)"
t_is "the latest per time point counts" \
  "$(t_psql ruglab_admin "SELECT string_agg(timepoint || ':' || status, ',' ORDER BY timepoint DESC) FROM clinical.v_work_status")" \
  "start:sick_leave,end:working_restricted"
out=$(ruglab --json workstatus show "$p1"); rc=$?
t_is "show --json: exit 0" "$rc" 0
t_is "show --json: rows, the counting ones marked" "$(jq -c '[.[] | [.timepoint, .status, .current]]' <<<"$out")" \
  '[["start","working",false],["start","sick_leave",true],["end","working_restricted",true]]'
t_match "show: a table by default" "$(ruglab workstatus show "$p1")" "sick_leave"

# --- the letter: the work status in the programme section, only when recorded
b1=$(t_psql ruglab_admin "SELECT badge_token FROM clinical.subject WHERE subject_id = $p1")
t_check "draft letter nl of patient 1" ruglab-report letter "$b1" --draft -o "$T_TMP/ws-nl.pdf"
t_check "draft letter en of patient 1" ruglab-report letter "$b1" --draft --lang en -o "$T_TMP/ws-en.pdf"
txt() { pdftotext "$1" - | tr -s ' \n' ' '; }
t_match "the Dutch letter says the work status" "$(txt "$T_TMP/ws-nl.pdf")" \
  "Werksituatie: bij de start ziekteverlof \(tijdelijk arbeidsongeschikt\); op het einde aan het werk met beperkingen of gedeeltelijke werkhervatting\."
t_match "the English letter says it" "$(txt "$T_TMP/ws-en.pdf")" \
  "Work status: at the start sick leave \(temporarily unable to work\); at the end working with restrictions or partial return\."
p0=$(patient 99 az-oost riziv)
b0=$(t_psql ruglab_admin "SELECT badge_token FROM clinical.subject WHERE subject_id = $p0")
t_check "letter of a patient without work status" ruglab-report letter "$b0" --draft -o "$T_TMP/ws-none.pdf"
t_is "no work status line then" "$(txt "$T_TMP/ws-none.pdf" | grep -c "Werksituatie")" 0

# --- a population for rtw: (route start end) per patient of az-oost
# riziv: 10 more on sick leave at the start (5 back: 3 working, 2 partial;
# 5 not back); fedris: 3 on sick leave (2 back); not counted: a start at
# work, a start on sick leave without an end, a start retired.
n=2
spec=""
for i in 1 2 3; do spec+=" riziv:sick_leave:working"; done
for i in 1 2; do spec+=" riziv:sick_leave:working_restricted"; done
for i in 1 2 3 4; do spec+=" riziv:sick_leave:sick_leave"; done
spec+=" riziv:working_restricted:unemployed"
spec+=" fedris:sick_leave:working fedris:working_restricted:working fedris:sick_leave:retired"
spec+=" riziv:working:working riziv:sick_leave: riziv:retired:retired"
ok=0
for s in $spec; do
  IFS=: read -r route st en <<<"$s"
  p=$(patient "$n" az-oost "$route") && ws "$p" --timepoint start --status "$st" --date "$start" &&
    { [ -z "$en" ] || ws "$p" --timepoint end --status "$en" --date "$(day -3)"; } && ok=$((ok + 1))
  n=$((n + 1))
done
t_is "the population recorded" "$ok" 16

# --- the secretariat's page
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
pw=$(ruglab --json patient add --site az-oost --family-name "<script>alert(1)</script>" --given-name "O'Brien; DROP TABLE x" \
  --birth-date "$(birth 40)" --sex M --insz "$(insz 40)" | jq -r .subject_id)
ew=$(ruglab --json enrol "$pw" --programme mrr-36 --start "$start" --route fedris --indication chronic --pain-since "$(day -400)" | jq -r .enrolment_id)
t_match "a patient for the page" "$ew" "^[0-9]+$"

out=$(req anon "$base/workstatus/$ew")
t_is "no session: 303 /signin" "$(status_of "$out") $(header_of "$out" Location)" "303 /signin"
for jar in doc qa; do
  t_is "$jar: GET /workstatus is 403" "$(status_of "$(req "$jar" "$base/workstatus/$ew")")" 403
  out=$(req "$jar" --data-urlencode "csrf=$(token "$jar" /me)" --data-urlencode timepoint=start --data-urlencode status=working "$base/workstatus/$ew")
  t_is "$jar: POST /workstatus is 403" "$(status_of "$out")" 403
done
t_is "another site's secretariat: 404" "$(status_of "$(req west "$base/workstatus/$ew")")" 404
t_is "another site's secretariat: POST 404" "$(status_of "$(req west --data-urlencode "csrf=$(token west /secretariat)" --data-urlencode timepoint=start --data-urlencode status=working "$base/workstatus/$ew")")" 404
t_is "nothing written by them" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.work_status WHERE enrolment_id = $ew")" 0

out=$(req sec "$base/workstatus/$ew")
t_is "the page: 200" "$(status_of "$out")" 200
t_match "the name shown escaped" "$out" "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"
if grep -q "<script>alert(1)</script>" <<<"$out"; then t_not_ok "the raw script is not on the page"; else t_ok "the raw script is not on the page"; fi
t_match "English words for the codes" "$out" "<option value=\"sick_leave\">sick leave \\(temporarily unable to work\\)</option>"
out=$(req sec -H "Accept-Language: nl" "$base/workstatus/$ew")
t_match "Dutch page (Accept-Language nl) shows Dutch words" "$out" "<option value=\"sick_leave\">ziekteverlof \\(tijdelijk arbeidsongeschikt\\)</option>"
before=$(rows)
out=$(req sec --data-urlencode timepoint=start --data-urlencode status=sick_leave "$base/workstatus/$ew")
t_is "POST without a CSRF token: 403" "$(status_of "$out")" 403
out=$(req sec --data-urlencode csrf=wrong --data-urlencode timepoint=start --data-urlencode status=sick_leave "$base/workstatus/$ew")
t_is "POST with a wrong CSRF token: 403" "$(status_of "$out")" 403
t_is "and nothing written" "$(rows)" "$before"
out=$(w_post sec "/workstatus/$ew" timepoint=start "status=working'; DROP TABLE clinical.work_status; --")
t_is "SQL in the status: 422" "$(status_of "$out")" 422
t_match "the CLI's message beside the status" "$out" "--status must be working, working_restricted"
out=$(w_post sec "/workstatus/$ew" "timepoint=start' OR '1'='1" status=working)
t_is "SQL in the time point: 422" "$(status_of "$out")" 422
t_match "the CLI's message beside the time point" "$out" "--timepoint must be start or end"
out=$(w_post sec "/workstatus/$ew" timepoint=end status=working)
t_is "an end before the start: 422" "$(status_of "$out")" 422
t_match "said beside the time point" "$out" "no work status at the start recorded yet"
out=$(w_post sec "/workstatus/$ew" timepoint=start status=sick_leave "date=2026-01-01'--")
t_is "SQL in the date: 422" "$(status_of "$out")" 422
t_is "nothing written by the refusals" "$(rows)" "$before"
stamp0=$(t_psql ruglab_admin "SELECT stamp FROM clinical.enrolment_change WHERE enrolment_id = $ew")
out=$(w_post sec "/workstatus/$ew" timepoint=start status=sick_leave date="$start")
t_is "start through the page: 303 to the page" "$(status_of "$out") $(header_of "$out" Location)" "303 /workstatus/$ew"
out=$(w_post sec "/workstatus/$ew" timepoint=end status=working)
t_is "end through the page (no date: today): 303" "$(status_of "$out")" 303
t_is "the rows: recorded_by the web user, the end dated today" \
  "$(t_psql ruglab_admin "SELECT string_agg(timepoint || ':' || status || ':' || status_date || ':' || recorded_by, ',' ORDER BY work_status_id) FROM clinical.work_status WHERE enrolment_id = $ew")" \
  "start:sick_leave:$start:an.claes,end:working:$(t_psql ruglab_admin "SELECT clinical.local_date(now())"):an.claes"
t_is "the enrolment's change stamp moved (the incremental refresh sees it)" \
  "$(t_psql ruglab_admin "SELECT stamp - ${stamp0:-0} FROM clinical.enrolment_change WHERE enrolment_id = $ew")" 2
out=$(req sec "$base/workstatus/$ew")
t_match "the page lists them" "$out" "<td>an.claes</td>"
t_is "the read is in the access log, in the person's name" \
  "$(t_psql ruglab_admin "SELECT count(*) > 0 FROM audit.access_log WHERE command = 'secretariat work status' AND os_user = 'an.claes' AND subject_id = $pw")" t
t_match "the attendance page links to it" "$(req sec "$base/attendance/$ew")" "href=\"/workstatus/$ew\""

# --- quality
out=$(ruglab-outcomes refresh 2>&1); rc=$?
t_is "refresh: exit 0" "$rc" 0
t_is "quality.work_status: one row per enrolment with a work status" \
  "$(t_psql ruglab_quality "SELECT count(*) FROM quality.work_status")" \
  "$(t_psql ruglab_admin "SELECT count(DISTINCT enrolment_id) FROM clinical.work_status")"
t_is "its columns: key and the two statuses, no identity, no date" \
  "$(t_psql ruglab_admin "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = 'quality' AND table_name = 'work_status'")" \
  "enrolment_key,start_status,end_status"
e1=$(t_psql ruglab_admin "SELECT enrolment_id FROM clinical.enrolment WHERE subject_id = $p1")
t_is "patient 1: the latest statuses, read as the quality role" \
  "$(t_psql ruglab_quality "SELECT w.start_status || ':' || w.end_status FROM quality.work_status w JOIN quality.enrolment e USING (enrolment_key) WHERE e.local_enrolment_id = $e1")" \
  "sick_leave:working_restricted"
t_is "refresh_work of some enrolments, twice in one transaction, as the quality role" \
  "$(t_psql ruglab_quality "BEGIN; SELECT quality.refresh_work(ARRAY[$e1]::bigint[]); SELECT quality.refresh_work(NULL); COMMIT;" | tr '\n' ' ')" "0 0 "
t_fails "the quality role cannot read clinical.work_status" t_psql ruglab_quality "SELECT 1 FROM clinical.work_status"
t_fails "the quality role cannot insert" t_psql ruglab_quality "INSERT INTO clinical.work_status (enrolment_id, timepoint, status, status_date, recorded_by) VALUES ($ew, 'start', 'working', current_date, 'x')"

# the independent count from the clinical rows
indep() { # WHERE on clinical.enrolment e: n|back
  t_psql ruglab_admin "WITH l AS (SELECT DISTINCT ON (enrolment_id, timepoint) enrolment_id, timepoint, status FROM clinical.work_status ORDER BY enrolment_id, timepoint, work_status_id DESC)
    SELECT count(*) || '|' || count(*) FILTER (WHERE en.status IN ('working', 'working_restricted'))
    FROM clinical.enrolment e JOIN l st ON st.enrolment_id = e.enrolment_id AND st.timepoint = 'start'
    JOIN l en ON en.enrolment_id = e.enrolment_id AND en.timepoint = 'end'
    WHERE st.status IN ('sick_leave', 'working_restricted') AND $1"
}
all=$(indep true)
t_is "the independent count: 15 on sick leave or partial with an end, 9 back" "$all" "15|9"
out=$(ruglab-outcomes --json rtw); rc=$?
t_is "rtw --json: exit 0" "$rc" 0
t_is "rtw: n and back equal the independent count" "$(jq -r '.[0] | "\(.n)|\(.back_at_work)"' <<<"$out")" "$all"
t_is "rtw: the percentage" "$(jq -r '.[0].back_pct' <<<"$out")" "60"
out=$(ruglab-outcomes --csv rtw --by route); rc=$?
t_is "rtw --by route --csv: exit 0" "$rc" 0
fed=$(indep "e.route = 'fedris'"); riz=$(indep "e.route = 'riziv'")
t_is "fedris: 4 (3 of the CLI, 1 of the page), 3 back" "$fed" "4|3"
t_is "riziv: 11, 6 back" "$riz" "11|6"
t_is "rtw by route: fedris under 5 suppressed, and riziv too (the total would give it back)" \
  "$(tr -d '\r' <<<"$out")" "route,n,back_at_work,back_pct
fedris,<5,<5,<5
riziv,<5,<5,<5
all,15,9,60.0"
out=$(ruglab-outcomes rtw --by year); rc=$?
t_is "rtw by year: exit 0" "$rc" 0
t_match "rtw by year: the one year's numbers" "$out" "$(date -u -d "$start" +%G) +15 +9 +60.0"
out=$(ruglab-outcomes rtw --by ward 2>&1); rc=$?
t_is "an unknown grouping: exit 1" "$rc" 1
t_match "an unknown grouping: said so" "$out" "unknown grouping 'ward'"
t_is "rtw --help: exit 0" "$(ruglab-outcomes rtw --help >/dev/null; echo $?)" 0

t_done
