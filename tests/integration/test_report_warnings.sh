# Attendance warnings (more sessions in a week than the programme allows,
# more sessions than allowed) are visible in the report: the comparison
# (table, CSV, JSON) and the letter (Dutch and English); a regular
# programme has none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_fixture.sh"

t_pg_start
fx_site
cd "$T_TMP" || exit 1

# Twice a week for 34 training days, plus two information sessions the
# day after training days 3 and 10: those two weeks have three sessions.
busy=$(fx_full Janssens Marie 85073003328 RB-0001)
fx_conclusion "$busy" "Goede evolutie."
# A regular programme: training days only.
calm=$(fx_patient Maes Sofie 80012200255 RB-0002)
fx_sessions "$calm" 20
fx_test "$calm" 1 1
fx_test "$calm" 20 3

json=$(ruglab-report compare RB-0001 --format json)
t_is "JSON: the two weeks with three sessions are warned about" \
  "$(jq -r '[.attendance.warnings[] | select(.code == "too_many_in_week")] | length' <<<"$json")" 2
t_match "JSON: the warning names the week and the weekly maximum" \
  "$(jq -r '.attendance.warnings[0].text' <<<"$json")" "^3 sessions in week [0-9]+ of 2026 \(the programme allows 2 a week\)$"
info=$(t_psql ruglab_admin "SELECT min(session_date) FROM clinical.session WHERE enrolment_id = $busy AND kind = 'information'")
t_is "JSON: the first warning is in the week of the first information session" \
  "$(date -d "$(jq -r '.attendance.warnings[0].date' <<<"$json")" +%G-%V)" "$(date -d "$info" +%G-%V)"
t_match "JSON: ... and names that week" "$(jq -r '.attendance.warnings[0].text' <<<"$json")" \
  "in week $((10#$(date -d "$info" +%V))) of"
t_match "table: the warnings follow the attendance line" \
  "$(ruglab-report compare RB-0001 | grep -A2 '^Attendance' | tail -1)" "^  warning: 3 sessions in week [0-9]+ of 2026"
t_count "CSV: one row per warning" '^attendance,warning,too_many_in_week,' 2 \
  ruglab-report compare RB-0001 --format csv
t_is "a regular programme has no warnings (JSON)" \
  "$(ruglab-report compare RB-0002 --format json | jq '.attendance.warnings | length')" 0
t_count "a regular programme has no warnings (table)" 'warning:' 0 ruglab-report compare RB-0002

ruglab-report letter RB-0001 -o nl.pdf >/dev/null
flat=$(pdftotext nl.pdf - | tr -s ' \n' ' ')
t_match "the Dutch letter notes the attendance warnings" "$flat" \
  "Opmerking bij de aanwezigheid: 3 sessies in week [0-9]+ van 2026 \(het programma laat er 2 per week toe\)"
ruglab-report letter RB-0001 --lang en -o en.pdf >/dev/null
flat=$(pdftotext en.pdf - | tr -s ' \n' ' ')
t_match "the English letter notes them too" "$flat" \
  "Attendance note: 3 sessions in week [0-9]+ of 2026 \(the programme allows 2 a week\)"
t_done
