# ruglab-web's physician pages, driven with curl against a real cluster:
# the worklist (reports overdue first by deadline with their days late,
# programmes ending soon, warnings; search by name, badge and INSZ; cohort
# filter; only the physician's own site) and the patient programme page
# (the same values as `ruglab-report compare`, a missing mid test shown as
# missing, traffic lights per questionnaire time point, charts as data:
# images); role gating, escaping, SQL metacharacters and the audit log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
. "$(dirname "$0")/report_fixture.sh"

# lacks DESC TEXT REGEX: TEXT has no match of REGEX (grep -iE); in this
# shell, as a page can be longer than one argument of a new process
lacks() {
  if grep -qiE -- "$3" <<<"$2"; then t_not_ok "$1" "found: $(grep -oiE -- "$3" <<<"$2" | head -1)"; else t_ok "$1"; fi
}

t_pg_start
fx_site
t_check "second site" ruglab site add --code az-oost --name "AZ Oost"
t_check "user add physician" w_add_user dr-els --role physician --site az-brugge
t_check "user add physician of the other site" w_add_user dr-oost --role physician --site az-oost
t_check "user add quality" w_add_user kwal --role quality
t_check "user add secretariat" w_add_user secr --role secretariat --site az-brugge

# --- patients of az-brugge (site 1)
# A: the complete programme of the fixture, ended in spring: overdue longest
A=$(fx_full Peeters Anna 85073003328 RB-A001)
# B: ended 20 days ago (due 6 days ago), C: ended 3 days ago (due in 11 days)
B=$(fx_patient Janssens Bart 80010100152 RB-B002)
C=$(fx_patient Maes Carla 75020200243 RB-C003)
t_psql ruglab_admin "
  UPDATE clinical.enrolment SET status = 'completed', end_date = clinical.local_date(now()) - 20 WHERE enrolment_id = $B;
  UPDATE clinical.enrolment SET status = 'completed', end_date = clinical.local_date(now()) - 3 WHERE enrolment_id = $C;" >/dev/null
fx_conclusion "$C" "Goede evolutie."
# D: running, 33 of 36 sessions attended (ending soon); its given name is a script
D=$(fx_patient Wouters '<script>alert(1)</script>' 90030300334 RB-D004)
fx_sessions "$D" 33
# G: running, 38 sessions attended: more than the template allows (36)
G=$(fx_patient Goossens Greet 95060600696 RB-G007)
fx_sessions "$G" 38
# E: ended a training day after A, tests at start and end only (no mid
# test), no questionnaires
E=$(fx_patient Claes Eva 70040400425 RB-E005)
fx_sessions "$E" 35
fx_test "$E" 1 1
fx_test "$E" 35 3
fx_end "$E" completed 35
# F: ended and its letter was sent: not on the worklist, found by a search
F=$(fx_patient Smets Frank 65050500516 RB-F006)
fx_end "$F" completed 30
t_psql ruglab_admin "INSERT INTO clinical.report_issued (enrolment_id, kind, lang, sha256, generated_by, via)
  VALUES ($F, 'letter', 'nl', repeat('0', 64), 'test', 'letter')" >/dev/null
# a cohort holding A and B
t_psql ruglab_admin "
  INSERT INTO clinical.cohort (site_id, code, programme_id, start_date) VALUES (1, 'g2026a', 1, '2026-01-05');
  UPDATE clinical.enrolment SET cohort_id = (SELECT cohort_id FROM clinical.cohort WHERE code = 'g2026a')
   WHERE enrolment_id IN ($A, $B);" >/dev/null
# Z: a patient of az-oost, ended long ago: overdue, but not this physician's
Z=$(t_psql ruglab_admin "
  WITH s AS (INSERT INTO clinical.subject (site_id, badge_token, pseudonym, sex) VALUES (2, 'OOST-Z1', 'PS-OOST-Z1', 'M')
             RETURNING subject_id),
  p AS (INSERT INTO identity.patient (subject_id, insz, family_name, given_name, date_of_birth)
        SELECT subject_id, '60060600607', 'Oostvogel', 'Zeno', '1960-06-06' FROM s)
  INSERT INTO clinical.enrolment (subject_id, site_id, programme_id, indication, route, start_date, status, end_date,
                                  age_at_start, pain_since)
  SELECT subject_id, 2, 1, 'chronic', 'riziv', '2026-01-05', 'completed', '2026-02-01', 65, '2025-06-01' FROM s
  RETURNING enrolment_id")
t_match "the fixture made eight enrolments" "$A $B $C $D $E $F $G $Z" '^[0-9]+( [0-9]+){7}$'

w_conf
w_start || exit 1

# --- no session, wrong role
out=$(req anon "$base/worklist"); rc=$?
t_is "no session: curl exits 0" "$rc" 0
t_is "no session: /worklist is 303 to /signin" "$(status_of "$out") $(header_of "$out" Location)" "303 /signin"
out=$(req anon "$base/programme/$A")
t_is "no session: /programme/ID is 303 to /signin" "$(status_of "$out") $(header_of "$out" Location)" "303 /signin"
for who in kwal secr; do
  signin "$who" "$who" "$W_PW" >/dev/null
  out=$(req "$who" "$base/worklist")
  t_is "$who: /worklist is 403" "$(status_of "$out")" 403
  out=$(req "$who" "$base/programme/$A")
  t_is "$who: /programme/ID is 403" "$(status_of "$out")" 403
  lacks "$who: no name of a patient on the refusal" "$out" Peeters
done

# --- the physician's home is the worklist
out=$(signin doc dr-els "$W_PW")
t_is "sign-in: 303 to /" "$(status_of "$out") $(header_of "$out" Location)" "303 /"
out=$(req doc "$base/")
t_is "home of a physician: 303 to /worklist" "$(status_of "$out") $(header_of "$out" Location)" "303 /worklist"

wl=$(req doc "$base/worklist"); rc=$?
t_is "worklist: curl exits 0" "$rc" 0
t_is "worklist: 200" "$(status_of "$wl")" 200
t_match "worklist: the table" "$wl" '<table id="worklist"'
ids() { grep -o 'data-enrolment="[0-9]*"' <<<"$1" | grep -o '[0-9]*' | tr '\n' ' ' | sed 's/ $//'; }
row_of() { sed -n "/data-enrolment=\"$2\"/,/<\/tr>/p" <<<"$1"; }
link_of() { grep -o "<a class=\"patient\" href=\"/programme/$2\">" <<<"$1" | head -1; }
# reports due first by deadline (A overdue longest, then B, then C in time),
# then D ending soon; E has a report due too (ended at training day 34 like A)
order=$(ids "$wl")
due_order=$(t_psql ruglab_admin "SELECT string_agg(enrolment_id::text, ' ' ORDER BY clinical.report_due_date(route, end_date), enrolment_id)
  FROM clinical.enrolment WHERE site_id = 1 AND status = 'completed' AND enrolment_id <> $F")
t_is "worklist: reports due by deadline, then the programmes ending soon (fewest sessions left first)" "$order" "$due_order $G $D"
t_match "worklist: the oldest deadline first is A's" "$order" "^$A "
days() { sed -n "s/.*data-enrolment=\"$2\" data-due=\"[^\"]*\" data-days-late=\"\([0-9]*\)\".*/\1/p" <<<"$1"; }
for x in A B C; do
  eid=${!x}
  want=$(t_psql ruglab_admin "SELECT greatest(clinical.local_date(now()) - clinical.report_due_date(route, end_date), 0)
    FROM clinical.enrolment WHERE enrolment_id = $eid")
  t_is "worklist: $x's days late as the deadline rule says ($want)" "$(days "$wl" "$eid")" "$want"
done
t_is "worklist: B is 6 days late" "$(days "$wl" "$B")" 6
t_match "worklist: B's row says overdue with the days" "$(row_of "$wl" "$B")" 'Report overdue: <span class="days-late">6</span> days'
t_match "worklist: C's row says due by its deadline" "$(row_of "$wl" "$C")" "Report due by $(t_psql ruglab_admin "SELECT clinical.local_date(now()) + 11")"
t_match "worklist: B has no conclusion yet" "$(row_of "$wl" "$B")" 'No conclusion yet'
lacks "worklist: C has its conclusion" "$(row_of "$wl" "$C")" "No conclusion"
t_match "worklist: D ending soon, 3 sessions left" "$(row_of "$wl" "$D")" 'Ending soon: 3 sessions left'
t_match "worklist: G over the cap" "$(row_of "$wl" "$G")" 'More sessions than allowed: 38 of 36'
t_match "worklist: G ending, no session left" "$(row_of "$wl" "$G")" 'Ending soon: 0 sessions left'
t_match "worklist: E's mid test missing" "$(row_of "$wl" "$E")" 'Test missing: mid'
t_match "worklist: E's questionnaires missing" "$(row_of "$wl" "$E")" 'Questionnaires missing: start, mid, end'
t_is "worklist: each row links to the programme page" "$(link_of "$wl" "$A")" "<a class=\"patient\" href=\"/programme/$A\">"
lacks "worklist: the report sent (F) is not listed" "$wl" "data-enrolment=\"$F\""
lacks "worklist: the other site's patient is absent" "$wl" "Oostvogel|OOST-Z1|data-enrolment=\"$Z\""
lacks "worklist: the script name is not markup" "$wl" '<script>alert\(1\)</script>'
t_match "worklist: the script name shown escaped" "$wl" 'Wouters, &lt;script&gt;alert\(1\)&lt;/script&gt;'

# --- search and filter
q() { req doc -G --data-urlencode "$1" "$base/worklist"; }
out=$(q "q=peeters"); t_is "search by name (any case): A" "$(ids "$out")" "$A"
out=$(q "q=Anna Peeters"); t_is "search by given and family name: A" "$(ids "$out")" "$A"
out=$(q "q=RB-B002"); t_is "search by badge: B" "$(ids "$out")" "$B"
out=$(q "q=75.02.02-002.43"); t_is "search by INSZ as written on the card: C" "$(ids "$out")" "$C"
out=$(q "q=Smets"); t_is "search finds the programme whose report was sent: F" "$(ids "$out")" "$F"
out=$(q "q=Oostvogel"); t_is "search does not reach another site" "$(ids "$out")" ""
out=$(q "q=60060600607"); t_is "not by INSZ either" "$(ids "$out")" ""
out=$(q "cohort=g2026a"); t_is "cohort filter: A and B" "$(ids "$out")" "$A $B"
out=$(q "cohort=nope"); t_is "unknown cohort: nothing" "$(ids "$out")" ""
for s in "' OR 1=1 --" "%" "_" "x'; DROP TABLE identity.patient; --" '\' "%' OR '%'='" '$1'; do
  out=$(q "q=$s"); rc=$?
  t_is "SQL metacharacters in q ($s): 200, nothing found" "$rc $(status_of "$out") $(ids "$out")" "0 200 "
  out=$(q "cohort=${s:0:32}")
  t_is "SQL metacharacters in cohort (${s:0:32}): 200, nothing found" "$(status_of "$out") $(ids "$out")" "200 "
done
t_is "the patients are all still there" "$(t_psql ruglab_admin "SELECT count(*) FROM identity.patient")" 8
out=$(q "page=2"); t_is "page 2 of a short list: 200, no rows" "$(status_of "$out") $(ids "$out")" "200 "
t_match "page 2 links back to page 1" "$out" '<a class="prev" href="/worklist\?cohort=&amp;q=&amp;page=1">'
for pg in abc -1 0 99999999; do
  out=$(q "page=$pg"); t_is "page=$pg: the first page" "$(status_of "$out") $(ids "$out")" "200 $order"
done
t_match "the worklist says when it was read" "$wl" 'read at [0-9]{2}:[0-9]{2}:[0-9]{2}'
t_match "and how many it holds" "$wl" '<span class="count">6</span> enrolments, 1 to 6 shown'
out=$(q "q=$(printf 'x%.0s' $(seq 1 300))")
t_is "an overlong search is ignored: the default list" "$(status_of "$out") $(ids "$out")" "200 $order"

# --- the programme page
pg=$(req doc "$base/programme/$A"); rc=$?
t_is "programme page: curl exits 0" "$rc" 0
t_is "programme page: 200" "$(status_of "$pg")" 200
cmp=$(ruglab-report compare RB-A001 --format json); rc=$?
t_is "ruglab-report compare: exit 0" "$rc" 0
jv() { jq -r "$1" <<<"$cmp"; }
t_match "identity: name" "$pg" '<dd class="name">Peeters, Anna</dd>'
t_match "identity: INSZ" "$pg" '<dd class="insz">85073003328</dd>'
t_match "identity: badge" "$pg" '<dd class="badge">RB-A001</dd>'
t_match "identity: date of birth" "$pg" '<dd class="birth">1985-07-30</dd>'
t_match "identity: the GP" "$pg" '<dd class="gp">Jan Peeters \(RIZIV 12345678901\)</dd>'
t_match "a link to the conclusion page" "$pg" "<a class=\"conclusion\" href=\"/conclusion/$A\">"
# the comparison: the extension rows against the report's JSON
ext=$(sed -n '/<tbody class="direction" id="dir-extension">/,/<\/tbody>/p' <<<"$pg")
cellv() { grep "measure $2\"" <<<"$1" | grep -o "<td class=\"tp $3\"><span class=\"num\">[^<]*" | sed 's/.*>//'; }
for tp in start mid end; do
  t_is "extension range of motion at $tp = compare's" "$(cellv "$ext" rom $tp)" "$(printf '%.1f' "$(jv ".directions[] | select(.direction == \"extension\") | .rom_deg.$tp")")"
  t_is "extension max torque at $tp = compare's" "$(cellv "$ext" torque $tp)" "$(printf '%.1f' "$(jv ".directions[] | select(.direction == \"extension\") | .max_torque_nm.$tp")")"
done
t_is "extension torque change = compare's" "$(grep 'measure torque"' <<<"$ext" | sed -n 's/.*<td class="change"><span class="num">\([^<]*\).*/\1/p')" \
  "$(printf '%.1f' "$(jv '.directions[] | select(.direction == "extension") | .max_torque_nm.change')")"
real=$(jv '.directions[] | select(.direction == "extension") | .max_torque_nm.real_change')
t_match "extension torque: the real-change mark as compare says ($real)" "$(grep 'measure torque"' <<<"$ext")" \
  "$([ "$real" = yes ] && echo 'mark real">real change' || echo 'mark noise">within test noise')"
t_match "the effort check row" "$ext" 'measure cv'
t_match "no validated reference: said so" "$pg" 'No validated reference loaded'
# questionnaires: ODI at the three time points, traffic lights done
odi=$(grep '<td class="instrument">ODI</td>' <<<"$pg")
t_is "ODI scores = compare's" "$(grep -o '<span class="num">[^<]*' <<<"$odi" | sed 's/.*>//' | head -3 | tr '\n' ' ')" \
  "$(for tp in start mid end; do printf '%.1f ' "$(jv ".questionnaires[] | select(.instrument == \"ODI\") | .$tp.score")"; done)"
t_is "ODI: three traffic lights, done" "$(grep -o 'class="light done">● done' <<<"$odi" | wc -l)" 3
t_match "MCID mark of ODI" "$odi" 'class="mark (mcid|no-mcid)"'
t_match "attendance by week: a row per week" "$(sed -n '/<table id="weeks"/,/<\/table>/p' <<<"$pg" | grep -c '<td class="attended">')" '^1[0-9]$'
t_is "attendance by week adds up to the attended sessions" \
  "$(sed -n '/<table id="weeks"/,/<\/table>/p' <<<"$pg" | grep -o '<td class="attended">[0-9]*' | grep -o '[0-9]*$' | paste -sd+ | bc)" \
  "$(jv .attendance.attended_total)"
t_match "training load rows" "$(sed -n '/<table id="load"/,/<\/table>/p' <<<"$pg")" '<td>Extension</td><td><span class="num">'
t_match "the deadline: overdue with the days late" "$pg" "overdue: deadline $(jv .final_report.due_by), <span class=\"days-late\">$(jv .final_report.days_late)</span> days late"
t_match "charts inlined as data: SVG images" "$pg" '<img class="chart" src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]{100,}"'
lacks "no inline SVG or script on the page" "$pg" '<svg|<script' 
svg=$(grep -o 'src="data:image/svg+xml;base64,[^"]*"' <<<"$pg" | head -1 | sed 's/^src="data:image\/svg+xml;base64,//; s/"$//' | base64 -d 2>/dev/null | head -c 200)
t_match "the first chart decodes to an SVG" "$svg" '<svg|<\?xml'
pg2=$(req doc "$base/programme/$A")
main_of() { sed -n '/^<main>/,/^<\/main>/p' <<<"$1" | md5sum; }
t_is "the page again (charts from the cache): the same page" "$(main_of "$pg2")" "$(main_of "$pg")"

# a validated reference table: % of reference, as compare computes it
t_psql ruglab_admin "INSERT INTO clinical.device (device_id, site_id, model, public_key)
  VALUES ('tergu-1', 1, 'tergumed-710', repeat('k', 40))" >/dev/null
grep -v '^#' "$T_ROOT/deploy/reference/example-reference.csv" >"$T_TMP/ref.csv"
t_check "load a validated reference table" ruglab reference load "$T_TMP/ref.csv" \
  --citation "Fabrikant X, normwaarden 2024" --population "gezonde volwassenen, n=300" --validated
pg=$(req doc "$base/programme/$A")
cmp=$(ruglab-report compare RB-A001 --format json); rc=$?
t_is "ruglab-report compare with the reference: exit 0" "$rc" 0
ext=$(sed -n '/<tbody class="direction" id="dir-extension">/,/<\/tbody>/p' <<<"$pg")
want=$(jv '.directions[] | select(.direction == "extension") | .torque_pct_of_reference.end')
t_match "compare has a % of reference" "$want" '^[0-9.]+$'
t_is "extension torque % of reference at the end = compare's" "$(cellv "$ext" ref-torque end)" "$(printf '%.1f' "$want")"
t_match "the validated table is cited" "$pg" 'Reference \(validated\): Fabrikant X, normwaarden 2024; population: gezonde volwassenen, n=300'

# E: no mid test: shown as missing, never another time point's value
pe=$(req doc "$base/programme/$E")
t_is "E's page: 200" "$(status_of "$pe")" 200
cmpe=$(ruglab-report compare RB-E005 --format json); rc=$?
t_is "ruglab-report compare E: exit 0" "$rc" 0
t_is "compare says E's mid is null" "$(jq -r '.directions[] | select(.direction == "extension") | .rom_deg.mid' <<<"$cmpe")" null
exte=$(sed -n '/<tbody class="direction" id="dir-extension">/,/<\/tbody>/p' <<<"$pe")
t_match "E: the mid cell of range of motion says missing" "$(grep 'measure rom"' <<<"$exte")" '<td class="tp mid"><span class="missing">missing</span>'
t_is "E: the end value is the end test's (not shifted)" "$(cellv "$exte" rom end)" \
  "$(printf '%.1f' "$(jq -r '.directions[] | select(.direction == "extension") | .rom_deg.end' <<<"$cmpe")")"
t_match "E: questionnaires missing at the passed time points, with text" "$(grep 'class="quest none"' <<<"$pe")" 'class="light missing">● missing.*class="light missing">● missing.*class="light missing">● missing'
t_match "E: what is missing, as the report says" "$pe" 'id="missing">'
# D: running, the script name escaped on the page too, the end light due
pd=$(req doc "$base/programme/$D")
t_is "D's page: 200" "$(status_of "$pd")" 200
lacks "D's page: the script name is not markup" "$pd" '<script>alert\(1\)</script>' 
t_match "D's page: the name escaped" "$pd" '<dd class="name">Wouters, &lt;script&gt;alert\(1\)&lt;/script&gt;</dd>'
t_match "D's page: the end questionnaires are due (running)" "$(grep 'class="quest none"' <<<"$pd")" 'class="light due">● due</span></td><td></td><td></td></tr>'

# another site's enrolment, nonsense ids: 404 without saying more
for id in "$Z" 999999 abc 0 "1%27%20OR%201=1" "-1" "$A/x"; do
  out=$(req doc "$base/programme/$id")
  t_is "/programme/$id: 404" "$(status_of "$out")" 404
done
lacks "the 404 does not name the other site's patient" "$(req doc "$base/programme/$Z")" Oostvogel
# the other site's physician sees Z and not A
signin doost dr-oost "$W_PW" >/dev/null
out=$(req doost "$base/worklist")
t_is "the other site's physician: only Z" "$(ids "$out")" "$Z"
out=$(req doost "$base/programme/$A")
t_is "the other site's physician: A is 404" "$(status_of "$out")" 404

# --- the audit log names the signed-in person
aud() { t_psql ruglab_admin "SELECT count(*) FROM audit.access_log WHERE os_user = '$1' AND program = 'ruglab-web' AND command = '$2' $3"; }
t_match "audit: the programme page of A read by dr-els" "$(aud dr-els 'programme page' "AND subject_id = (SELECT subject_id FROM clinical.enrolment WHERE enrolment_id = $A)")" '^[1-9][0-9]*$'
t_match "audit: the worklist read by dr-els" "$(aud dr-els worklist '')" '^[1-9][0-9]*$'
t_is "audit: as the clinician role" "$(t_psql ruglab_admin "SELECT DISTINCT db_user FROM audit.access_log WHERE os_user = 'dr-els'")" ruglab_clinician
t_is "audit: the search by INSZ recorded the patient it showed (C), by dr-els" \
  "$(aud dr-els 'worklist search' "AND subject_id = (SELECT subject_id FROM clinical.enrolment WHERE enrolment_id = $C)")" 1
t_is "audit: the search by badge recorded B once, the search by name F once" \
  "$(aud dr-els 'worklist search' "AND subject_id = (SELECT subject_id FROM clinical.enrolment WHERE enrolment_id = $B)") $(aud dr-els 'worklist search' "AND subject_id = (SELECT subject_id FROM clinical.enrolment WHERE enrolment_id = $F)")" "1 1"
t_is "audit: a search that found nothing of this site recorded no patient of the other site" \
  "$(aud dr-els 'worklist search' "AND subject_id = (SELECT subject_id FROM clinical.enrolment WHERE enrolment_id = $Z)")" 0
t_is "audit: no read of Z by dr-els" "$(aud dr-els 'programme page' "AND subject_id = (SELECT subject_id FROM clinical.enrolment WHERE enrolment_id = $Z)")" 0

kill -TERM "$web_pid"
wait "$web_pid"; rc=$?
t_is "ruglab-web exits 0 on SIGTERM" "$rc" 0

# --- in Dutch (the default language): Dutch words, also for statuses
w_conf
sed -i 's/^language = en/language = nl/' "$conf"
w_start || exit 1
signin nl dr-els "$W_PW" >/dev/null
wl=$(req nl "$base/worklist")
t_is "nl: worklist 200" "$(status_of "$wl")" 200
t_match "nl: the title" "$wl" '<h1>Werklijst</h1>'
t_match "nl: B's report overdue in Dutch" "$(row_of "$wl" "$B")" 'Verslag te laat: <span class="days-late">6</span> dagen'
t_match "nl: the running status in Dutch" "$(row_of "$wl" "$D")" '<span class="status active">lopend</span>'
t_match "nl: the missing time points in Dutch" "$(row_of "$wl" "$E")" 'Test ontbreekt: midden'
pe=$(req nl "$base/programme/$E")
t_match "nl: a missing value says ontbreekt" "$pe" '<td class="tp mid"><span class="missing">ontbreekt</span>'
t_match "nl: the traffic light in Dutch" "$pe" 'class="light missing">● ontbreekt'
t_match "nl: the programme's Dutch name" "$pe" 'Multidisciplinair Rug Revalidatieprogramma'
kill -TERM "$web_pid"
wait "$web_pid"; rc=$?
t_is "the Dutch ruglab-web exits 0 on SIGTERM" "$rc" 0
t_done
