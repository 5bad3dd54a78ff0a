# The secretariat's and the admin's walks in a real browser, in Dutch (an
# nl-BE browser; the configured language is English, so the browser's
# language must decide): tests/browser/secretariat.mjs registers a patient,
# enrols, records a no-show and enters an ODI, checked here against the
# database; tests/browser/admin.mjs looks at /admin/users and
# /admin/devices and revokes a device. Every page is Dutch and shows none of
# the English words it once showed. Screenshots in
# $BUILD/test-output/web-walk-secretariat/ and web-walk-admin/.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
. "$(dirname "$0")/browser_lib.sh"

b_ready
t_pg_start

day() { date -u -d "$1 days" +%F; }
t_check "site add" ruglab site add --code az-oost --name "AZ Oost"
t_check "user add secretariat" w_add_user an.claes --role secretariat --site az-oost --display-name "An Claes"
t_check "user add admin" w_add_user it-admin --role admin --display-name "IT Admin"
t_make_keys az-oost dev-7
w_conf
t_match "the configured language is English" "$(cat "$conf")" "language = en"
w_start || exit 1

# --- the secretariat
n=700105005 # born 1970-01-05, serial 005 (a man)
insz=$n$(printf '%02d' $((97 - n % 97)))
odi=3,2,1,4,0,2,3,1,2,5 # 23/50: 46 %
start=$(day -40)
b_shots web-walk-secretariat
b_run secretariat.mjs RL_PASSWORD="$W_PW" RL_SECRETARY=an.claes RL_FAMILY="Maes" RL_GIVEN="Lotte" \
  RL_BIRTH=1970-01-05 RL_SEX=M RL_INSZ="$insz" RL_PROGRAMME=mrr-36 RL_START="$start" \
  RL_PAIN_SINCE="$(day -200)" RL_NO_SHOW_DATE="$(day -39)" RL_ODI_DATE="$(day -38)" \
  RL_ODI_ANSWERS="$odi" RL_ODI_SCORE=46
s=${B_DATA[subject]:-0}
e=${B_DATA[enrolment]:-0}
t_is "the patient as typed, at the secretary's site" \
  "$(t_psql ruglab_admin "SELECT concat_ws('|', p.family_name, p.given_name, p.date_of_birth, p.insz, s.sex, s.body_weight_kg, s.height_cm, st.code) FROM identity.patient p JOIN clinical.subject s USING (subject_id) JOIN clinical.site st ON st.site_id = s.site_id WHERE p.subject_id = $s")" \
  "Maes|Lotte|1970-01-05|$insz|M|72.5|168.0|az-oost"
t_is "the enrolment as chosen" \
  "$(t_psql ruglab_admin "SELECT concat_ws('|', e.subject_id, pr.code, e.start_date, e.route, e.indication, e.pain_since, e.status) FROM clinical.enrolment e JOIN clinical.programme pr USING (programme_id) WHERE e.enrolment_id = $e")" \
  "$s|mrr-36|$start|riziv|chronic|$(day -200)|active"
t_is "one session: the no-show, entered by the secretary" \
  "$(t_psql ruglab_admin "SELECT string_agg(concat_ws('|', session_date, status, source, entered_by), ',') FROM clinical.session WHERE enrolment_id = $e")" \
  "$(day -39)|no_show|manual|an.claes"
t_is "one ODI: its date, score and the secretary" \
  "$(t_psql ruglab_admin "SELECT string_agg(concat_ws('|', response_id, instrument, clinical.local_date(taken_at), score, source, entered_by), ',') FROM meas.questionnaire_response WHERE enrolment_id = $e")" \
  "${B_DATA[response]:-}|ODI|$(day -38)|46.00|manual|an.claes"
t_is "the screenshots of the secretariat's walk" "$(ls "$B_SHOTS" | grep -c '\.png$')" 8

# --- the admin
b_shots web-walk-admin
b_run admin.mjs RL_PASSWORD="$W_PW" RL_ADMIN=it-admin RL_DEVICE=dev-7 RL_REASON="Verloren op de afdeling"
t_is "the device is revoked with the reason typed" \
  "$(t_psql ruglab_admin "SELECT revoked_at IS NOT NULL, revoke_reason FROM clinical.device WHERE device_id = 'dev-7'" | tr '|' ' ')" \
  "t Verloren op de afdeling"
t_is "the screenshots of the admin's walk" "$(ls "$B_SHOTS" | grep -c '\.png$')" 4
kill -TERM "$web_pid"; wait "$web_pid"
t_done
