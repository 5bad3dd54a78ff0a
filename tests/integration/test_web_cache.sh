# ruglab-web's programme page cache against a real cluster: the page's
# data is kept per enrolment and keyed by the enrolment's change stamp
# (clinical.enrolment_change, migration 506: statement triggers in the
# changing transaction), the global stamp and the day. A view after a
# change shows it, whatever path made the change: a test sent by a device
# through a real collector, a questionnaire and a session by hand (ruglab
# CLI), a conclusion, a release in ruglab-web, the weight, the GP, a
# programme's name (global). A view without a change is served from the
# cache, and still written to the access log in the person's name. A
# change of one enrolment does not move another's stamp.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_fixture.sh"
. "$(dirname "$0")/web_lib.sh"

lacks() {
  if grep -qiE -- "$3" <<<"$2"; then t_not_ok "$1" "found: $(grep -oiE -- "$3" <<<"$2" | head -1)"; else t_ok "$1"; fi
}

t_pg_start
fx_site
# A: a complete programme (tests, questionnaires), ended; no conclusion yet
A=$(fx_full Peeters Anna 85073003328 RB-A001)
# R: running since yesterday, nothing measured yet
R=$(fx_patient Janssens Rik 80010100152 RB-R002)
t_psql ruglab_admin "UPDATE clinical.enrolment SET start_date = clinical.local_date(now()) - 1 WHERE enrolment_id = $R" >/dev/null
# O: another enrolment of the site, which nothing below touches
O=$(fx_patient Maes Olga 75020200243 RB-O003)
# (without a GP: a GP's change marks the enrolments of the GP's patients)
t_psql ruglab_admin "UPDATE identity.patient SET gp_id = NULL WHERE insz = '75020200243'" >/dev/null
t_match "three enrolments" "$A $R $O" '^[0-9]+ [0-9]+ [0-9]+$'
t_check "user add physician" w_add_user dr-els --role physician --site az-brugge

stamp() { t_psql ruglab_admin "SELECT coalesce((SELECT stamp FROM clinical.enrolment_change WHERE enrolment_id = $1), 0)"; }
global() { stamp 0; }

# --- the triggers themselves
t_is "the writers hold no grant on the stamps (the triggers' owner writes them)" \
  "$(t_psql ruglab_admin "SELECT string_agg(r, ',' ORDER BY r) FROM unnest(ARRAY['ruglab_collector', 'ruglab_secretariat', 'ruglab_clinician']) r
    WHERE has_table_privilege(r, 'clinical.enrolment_change', 'INSERT') OR has_table_privilege(r, 'clinical.enrolment_change', 'UPDATE')")" ""
t_is "the clinician reads them" \
  "$(t_psql ruglab_admin "SELECT has_table_privilege('ruglab_clinician', 'clinical.enrolment_change', 'SELECT')")" t
s0=$(stamp "$A")
t_psql ruglab_admin "INSERT INTO clinical.session (enrolment_id, session_date, kind, status, source, entered_by)
  SELECT $A, '2026-01-06'::date + i, 'information', 'cancelled', 'manual', 'test' FROM generate_series(1, 5) i" >/dev/null
t_is "a statement of five rows moves the stamp by one" "$(stamp "$A")" "$((s0 + 1))"
t_psql ruglab_admin "DELETE FROM clinical.session WHERE enrolment_id = $A AND entered_by = 'test'" >/dev/null
t_is "a delete moves it too" "$(stamp "$A")" "$((s0 + 2))"
t_psql ruglab_admin "BEGIN;
  INSERT INTO clinical.session (enrolment_id, session_date, kind, status, source, entered_by)
    VALUES ($A, '2026-01-07', 'information', 'cancelled', 'manual', 'test');
  DELETE FROM clinical.session WHERE enrolment_id = $A AND entered_by = 'test';
  COMMIT" >/dev/null
t_is "two statements in one transaction move it by one" "$(stamp "$A")" "$((s0 + 3))"
t_psql ruglab_admin "UPDATE clinical.session SET note = note WHERE enrolment_id = -1" >/dev/null
t_is "a statement that changes no row does not" "$(stamp "$A")" "$((s0 + 3))"

outbox=$T_TMP/outbox
w_conf "log_level = debug" "[outbox]" "dir = $outbox"
w_start || exit 1
signin doc dr-els "$W_PW" >/dev/null

# view ID: the page (body only); fails the test on a status other than 200
view() {
  local out
  out=$(req doc "$base/programme/$1") || { t_not_ok "GET /programme/$1: curl failed"; return 1; }
  [ "$(status_of "$out")" = 200 ] || { t_not_ok "GET /programme/$1: $(status_of "$out")"; return 1; }
  sed '1,/^\r$/d' <<<"$out"
}
hits() { grep -c "enrolment $1: from the cache" "$web_log"; }
loads() { grep -c "enrolment $1: loaded" "$web_log"; }
audits() { t_psql ruglab_admin "SELECT count(*) FROM audit.access_log WHERE command = 'programme page' AND detail = 'enrolment $1' AND os_user = 'dr-els'"; }
dd() { sed -n "s/.*<dd class=\"$2\">\(.*\)<\/dd>.*/\1/p" <<<"$1"; }

# --- the cache: a second view is a hit, audited all the same
a0=$(audits "$A")
p1=$(view "$A")
p2=$(view "$A")
t_is "A viewed twice: loaded once" "$(loads "$A")" 1
t_is "and served from the cache once" "$(hits "$A")" 1
t_is "the same page both times" "$(md5sum <<<"$p2")" "$(md5sum <<<"$p1")"
t_is "both views in the access log, in the physician's name" "$(audits "$A")" "$((a0 + 2))"
t_is "the cached page has a CSRF token of its own request (sign-out form)" \
  "$(grep -c 'name="csrf"' <<<"$p2")" "$(grep -c 'name="csrf"' <<<"$p1")"

# the body is kept per language: the same data in Dutch, then English again
req doc "$base/lang/nl" >/dev/null
nl=$(view "$A")
t_match "in Dutch after /lang/nl (from the same data)" "$nl" '<dt>Bijgewoond</dt>'
t_is "and not loaded again" "$(loads "$A")" 1
# chart_titles PAGE: the titles drawn in the page's chart images (SVG)
chart_titles() {
  grep -o 'data:image/svg+xml;base64,[A-Za-z0-9+/=]*' <<<"$1" | sed 's/^data:image\/svg+xml;base64,//' |
    while read -r b; do base64 -d <<<"$b"; done | grep -o 'Maximale isometrische kracht\|Maximal isometric strength' | sort -u
}
t_is "its charts are drawn in Dutch too" "$(chart_titles "$nl")" "Maximale isometrische kracht"
req doc "$base/lang/en" >/dev/null
en=$(view "$A")
t_match "in English again" "$en" '<dt>Attended</dt>'
t_is "with the charts in English" "$(chart_titles "$en")" "Maximal isometric strength"

# changed WHAT ID CMD...: runs CMD (exit 0), then the next view of ID is
# loaded again; sets $page to it
changed() {
  local what=$1 id=$2 before; shift 2
  view "$id" >/dev/null  # the data kept before the change
  before=$(loads "$id")
  t_check "$what: the change is made" "$@"
  page=$(view "$id")
  t_is "$what: the next view loads the data again" "$(loads "$id")" "$((before + 1))"
}

# --- a test through a real collector (rl-send as device tergu-9)
t_make_keys az-brugge tergu-9
t_collector_conf cache-collector "tcp://127.0.0.1:*" "[batch]" "max_delay_ms = 5" >"$T_TMP/collector.conf"
t_start_collector "$T_TMP/collector.conf" || { t_done; exit 1; }
EP=$(t_collector_endpoint)
# O viewed now: the device just added moved the global stamp (a device's
# model picks the reference values)
o0=$(stamp "$O")
view "$O" >/dev/null
ol=$(loads "$O")
T=$(( $(date +%s) - 60 ))000000
S='"session_id": "c-1", "patient_token": "RB-R002"'
cat >"$T_TMP/test.jsonl" <<JSON
{"kind": "session_start", "boot_id": 1, "seq": 1, "taken_at_us": $T, $S, "session_kind": "test"}
{"kind": "test_result", "boot_id": 1, "seq": 2, "taken_at_us": $T, $S, "direction": "extension", "trial": 1, "rom_deg": 42.5, "max_torque_nm": 180.25, "angle_at_max_deg": -10}
{"kind": "sample_batch", "boot_id": 1, "seq": 3, "taken_at_us": $T, $S, "direction": "extension", "context": "test_trial", "context_number": 1, "angle_deg": [1.0, 20.0, 40.0], "torque_nm": [10.0, 180.25, 20.0]}
{"kind": "session_end", "boot_id": 1, "seq": 4, "taken_at_us": $T, $S, "duration_s": 600}
JSON
page=$(view "$R")
lacks "R before its test: no extension row" "$page" 'data-direction="extension"|<td[^>]*>42\.5<'
sr=$(stamp "$R")
send_test() { t_send tergu-9 --timeout-ms 8000 <"$T_TMP/test.jsonl" >"$T_TMP/acks" && [ "$(grep -c accepted "$T_TMP/acks")" -eq 4 ]; }
changed "a test sent through the collector" "$R" send_test
t_is "the test is stored" "$(t_psql ruglab_admin "SELECT count(*) FROM meas.test_trial WHERE enrolment_id = $R")" 1
t_match "R's stamp moved" "$(stamp "$R")" "^[0-9]+$"
[ "$(stamp "$R")" -gt "$sr" ] && t_ok "R's stamp is greater than before the test" || t_not_ok "R's stamp did not grow: $sr -> $(stamp "$R")"
t_match "the page shows the test's ROM" "$page" '>42\.5<'
t_stop_collector

# --- a questionnaire and a session by hand
today=$(t_psql ruglab_admin "SELECT clinical.local_date(now())")
lacks "R has no NPRS yet" "$(view "$R")" '<td class="instrument">NPRS'
changed "a questionnaire (ruglab questionnaire add)" "$R" \
  ruglab questionnaire add RB-R002 --instrument NPRS --date "$today" --answers 1=7
t_match "the page shows the NPRS row" "$page" '<td class="instrument">NPRS</td>'
att0=$(dd "$page" attended)
changed "a session (ruglab session add)" "$R" ruglab session add RB-R002 --date "$today" --kind information
att1=$(dd "$page" attended)
t_is "attended goes up by one (${att0} -> ${att1})" "${att1%%/*}" "$((${att0%%/*} + 1))"

# --- the conclusion and the release of A
printf 'Goede evolutie na het programma.\n' >"$T_TMP/concl.txt"
sa=$(stamp "$A")
changed "a conclusion (ruglab conclusion set)" "$A" ruglab conclusion set RB-A001 --file "$T_TMP/concl.txt"
t_is "the conclusion is stored" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.conclusion WHERE enrolment_id = $A")" 1
t_is "A's stamp moved by one" "$(stamp "$A")" "$((sa + 1))"
t_match "before the release, A's report is overdue" "$(dd "$page" deadline)" 'overdue'
t=$(token doc "/conclusion/$A")
release_a() { [ "$(curl -sS -o /dev/null -w '%{http_code}' -b "$T_TMP/doc" --data-urlencode "csrf=$t" --data-urlencode version=1 --data-urlencode lang=nl "$base/release/$A")" = 303 ]; }
changed "a release in ruglab-web" "$A" release_a
t_is "the release is stored" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.report_release WHERE enrolment_id = $A")" 1
t_match "the page says the report was sent" "$(dd "$page" deadline)" "^sent on $today "

# --- the weight, the GP (the patient's and the GP's own row), a programme (global)
kg0=$(sed -n '/row_torque_kg\|per kg/,/<\/tr>/p' <<<"$page" | md5sum)
changed "the weight (clinical.subject)" "$A" t_psql ruglab_admin "UPDATE clinical.subject SET body_weight_kg = 95 WHERE badge_token = 'RB-A001'"
kg1=$(sed -n '/row_torque_kg\|per kg/,/<\/tr>/p' <<<"$page" | md5sum)
[ "$kg0" != "$kg1" ] && t_ok "the torque per kg row changed" || t_not_ok "the torque per kg row is the same"
changed "the GP's name (identity.gp)" "$A" t_psql ruglab_admin "UPDATE identity.gp SET family_name = 'Wuyts' WHERE riziv = '12345678901'"
t_match "the page shows the GP's new name" "$(dd "$page" gp)" '^Jan Wuyts \(RIZIV 12345678901\)$'
t_check "a second GP" t_psql ruglab_admin "INSERT INTO identity.gp (riziv, family_name, given_name) VALUES ('10987654321', 'Claes', 'Lien')"
changed "another GP for the patient (identity.patient)" "$A" t_psql ruglab_admin \
  "UPDATE identity.patient SET gp_id = (SELECT gp_id FROM identity.gp WHERE riziv = '10987654321') WHERE insz = '85073003328'"
t_match "the page shows the new GP" "$(dd "$page" gp)" '^Lien Claes \(RIZIV 10987654321\)$'

t_is "O's stamp did not move while A and R changed" "$(stamp "$O")" "$o0"
view "$O" >/dev/null
t_is "O's next view is from the cache" "$(loads "$O")" "$ol"

g0=$(global)
changed "a programme's English name (global)" "$A" t_psql ruglab_admin "UPDATE clinical.programme SET name_en = 'Back school 36' WHERE programme_id = 1"
t_is "the global stamp moved by one" "$(global)" "$((g0 + 1))"
t_match "the page shows the programme's new name" "$page" '<dd>Back school 36</dd>'
t_is "O's stamp still did not move" "$(stamp "$O")" "$o0"
view "$O" >/dev/null
t_is "but O is loaded again (the global stamp)" "$(loads "$O")" "$((ol + 1))"

# --- another site's enrolment stays 404 (the key's query checks the site)
t_psql ruglab_admin "INSERT INTO clinical.site (code, name) VALUES ('az-oost', 'AZ Oost');
  UPDATE clinical.enrolment SET site_id = (SELECT site_id FROM clinical.site WHERE code = 'az-oost') WHERE enrolment_id = $O" >/dev/null
out=$(req doc "$base/programme/$O")
t_is "an enrolment moved to another site: 404 although kept" "$(status_of "$out")" 404

t_done
