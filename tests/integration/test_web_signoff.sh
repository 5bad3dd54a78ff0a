# ruglab-web's conclusion and sign-off, against a real cluster and the real
# service with curl: the physician saves a conclusion and advice (stored
# under their name, the text escaped on the page), previews the letter as
# a DRAFT PDF, signs and releases it (final PDF, FHIR and KMEHR in the
# site's outbox, recorded in clinical.report_issued with matching SHA-256,
# a delivery per recipient), a resubmitted form makes no second version, a
# new version needs a reason and keeps the old one, a running programme is
# refused, another site's enrolment is 404, other roles 403, CSRF, SQL
# metacharacters, the audit log, `ruglab release status`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_fixture.sh"
. "$(dirname "$0")/web_lib.sh"

t_pg_start
fx_site
full=$(fx_full Janssens Marie 85073003328 RB-0001)
running=$(fx_patient '<script>alert(1)</script>' Lies 90010100123 RB-0002)
fx_sessions "$running" 4
fx_test "$running" 1 1
fx_conclusion "$running" "Nog bezig."
t_psql ruglab_admin "INSERT INTO clinical.site (code, name) VALUES ('az-oost', 'AZ Oost')" >/dev/null
other=$(fx_patient Andere Site 75010100196 RB-0003)
t_psql ruglab_admin "UPDATE clinical.enrolment SET site_id = 2 WHERE enrolment_id = $other;
                     UPDATE clinical.subject SET site_id = 2 WHERE subject_id = (SELECT subject_id FROM clinical.enrolment WHERE enrolment_id = $other)" >/dev/null

t_check "user add physician" w_add_user dr.vermeulen --role physician --site az-brugge --display-name "Dr. Els Vermeulen"
t_check "user add secretariat" w_add_user an.claes --role secretariat --site az-brugge
t_check "user add quality" w_add_user q.user --role quality

outbox=$T_TMP/outbox
w_conf "[outbox]" "dir = $outbox"
w_start || exit 1

signin doc dr.vermeulen "$W_PW" >/dev/null
signin sec an.claes "$W_PW" >/dev/null
signin qual q.user "$W_PW" >/dev/null

count() { t_psql ruglab_admin "SELECT (SELECT count(*) FROM clinical.conclusion) || '/' || (SELECT count(*) FROM clinical.report_release) || '/' || (SELECT count(*) FROM clinical.report_issued) || '/' || (SELECT count(*) FROM clinical.report_delivery)"; }
msg_of() { grep -o '<p class="message[^"]*">.*</p>' <<<"$1"; }

# --- the page
out=$(req doc "$base/conclusion/$full"); rc=$?
t_is "the conclusion page: curl exits 0" "$rc" 0
t_is "the conclusion page: 200" "$(status_of "$out")" 200
t_match "it names the patient" "$out" "Janssens, Marie"
t_match "it has the conclusion and advice fields" "$out" '<textarea id="body" name="body".*<textarea id="advice" name="advice"'
t_match "a language select: Dutch, English, French" "$out" '<select id="lang" name="lang"><option value="nl"[^>]*>Dutch</option>.<option value="en"[^>]*>English</option>.<option value="fr"[^>]*>French</option>.</select>'
t_match "a preview form" "$out" '<form method="get" action="/preview/'"$full"'"'
t_match "a release form making version 1" "$out" '<input type="hidden" name="version" value="1">'
t_is "no reason field before the first release" "$(grep -c 'name="reason"' <<<"$out")" 0

# --- save
before=$(count)
body="Goede evolutie: pijn en beperking namen af."$'\n'"Tweede alinea met ' quotes; DROP TABLE clinical.conclusion; --"
out=$(w_post doc "/conclusion/$full" "body=$body" "advice=Zelfstandig verder oefenen." "lang=nl"); rc=$?
t_is "save: curl exits 0" "$rc" 0
t_is "save: 303 back to the page" "$(status_of "$out") $(header_of "$out" Location)" "303 /conclusion/$full?done=saved"
t_is "the conclusion is a row with the web user's name" \
  "$(t_psql ruglab_admin "SELECT written_by || '|' || lang || '|' || advice FROM clinical.conclusion WHERE enrolment_id = $full ORDER BY conclusion_id DESC LIMIT 1")" \
  "dr.vermeulen|nl|Zelfstandig verder oefenen."
t_is "SQL metacharacters are stored as text" \
  "$(t_psql ruglab_admin "SELECT body FROM clinical.conclusion WHERE enrolment_id = $full ORDER BY conclusion_id DESC LIMIT 1")" "$body"
out=$(req doc "$base/conclusion/$full?done=saved")
t_match "the page says it is saved" "$(msg_of "$out")" "The conclusion is saved"
t_match "as a success, not an error" "$(msg_of "$out")" '^<p class="message ok">'
t_match "the saved text is prefilled" "$out" "Goede evolutie: pijn en beperking namen af\."
t_match "the saved language is chosen" "$out" '<option value="nl" selected>Dutch</option>'
t_match "quotes are escaped in the textarea" "$out" "Tweede alinea met &#39; quotes"
out=$(w_post doc "/conclusion/$full" "body=   " "lang=nl")
t_is "an empty conclusion is refused: 422" "$(status_of "$out")" 422
t_match "with the message" "$(msg_of "$out")" "The conclusion is empty"
t_match "as an error" "$(msg_of "$out")" '^<p class="message error">'
out=$(w_post doc "/conclusion/$full" "body=x" "lang=de' OR '1'='1")
t_is "an unknown language is refused: 422" "$(status_of "$out")" 422
t_is "and nothing was saved by either" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.conclusion WHERE enrolment_id = $full")" 1

# --- <script> escaped
out=$(w_post doc "/conclusion/$running" "body=<script>alert(1)</script>" "lang=en")
t_is "a conclusion with a script is saved" "$(status_of "$out")" 303
out=$(req doc "$base/conclusion/$running")
t_match "the script in the conclusion is escaped" "$out" "&lt;script&gt;alert\(1\)&lt;/script&gt;</textarea>"
t_match "the script in the patient's name is escaped" "$out" "&lt;script&gt;alert\(1\)&lt;/script&gt;, Lies"
t_is "no script tag reaches the page" "$(grep -c '<script>' <<<"$out")" 0

# --- CSRF
before=$(count)
out=$(req doc --data-urlencode "body=no token" --data-urlencode "lang=nl" "$base/conclusion/$full")
t_is "save without a CSRF token: 403" "$(status_of "$out")" 403
out=$(req doc --data-urlencode "csrf=0123abcd" --data-urlencode "body=wrong token" --data-urlencode "lang=nl" "$base/conclusion/$full")
t_is "save with a wrong CSRF token: 403" "$(status_of "$out")" 403
out=$(req doc --data-urlencode "csrf=0123abcd" --data-urlencode "version=1" --data-urlencode "lang=nl" "$base/release/$full")
t_is "release with a wrong CSRF token: 403" "$(status_of "$out")" 403
out=$(req doc --data-urlencode "version=1" --data-urlencode "lang=nl" "$base/release/$full")
t_is "release without a CSRF token: 403" "$(status_of "$out")" 403
t_is "nothing written by those four" "$(count)" "$before"

# --- roles and sites
for p in "/conclusion/$full" "/preview/$full" "/letter/1"; do
  t_is "secretariat: $p is 403" "$(status_of "$(req sec "$base$p")")" 403
  t_is "quality: $p is 403" "$(status_of "$(req qual "$base$p")")" 403
done
t_is "no session: 303 to /signin" "$(status_of "$(req anon "$base/conclusion/$full")")" 303
t_is "another site's enrolment: 404" "$(status_of "$(req doc "$base/conclusion/$other")")" 404
t_is "another site's preview: 404" "$(status_of "$(req doc "$base/preview/$other")")" 404
t_is "an unknown enrolment: 404" "$(status_of "$(req doc "$base/conclusion/99999999")")" 404
t_is "SQL in the path: 404" "$(status_of "$(req doc "$base/conclusion/1%20OR%201=1")")" 404
before=$(count)
out=$(req doc --data-urlencode "csrf=$(token doc /me)" --data-urlencode "body=x" --data-urlencode "lang=nl" "$base/conclusion/$other")
t_is "saving for another site's enrolment: 404" "$(status_of "$out")" 404
t_is "and nothing written" "$(count)" "$before"

# --- preview
out=$(curl -sS -D "$T_TMP/prev.h" -b "$T_TMP/doc" -o "$T_TMP/preview.pdf" "$base/preview/$full?lang=nl"); rc=$?
t_is "preview: curl exits 0" "$rc" 0
h=$(cat "$T_TMP/prev.h")
t_is "preview: 200" "$(status_of "$h")" 200
t_is "preview: a PDF" "$(header_of "$h" Content-Type)" application/pdf
t_match "preview: shown inline" "$(header_of "$h" Content-Disposition)" "^inline"
t_is "preview: not stored" "$(header_of "$h" Cache-Control)" no-store
txt=$(pdftotext "$T_TMP/preview.pdf" - 2>&1); rc=$?
t_is "pdftotext of the preview exits 0" "$rc" 0
pages=$(pdfinfo "$T_TMP/preview.pdf" | sed -n 's/^Pages: *//p')
t_is "DRAFT (ONTWERP) on every page" "$(grep -c ONTWERP <<<"$txt")" "$pages"
t_match "the preview has the conclusion" "$txt" "Goede evolutie: pijn en beperking namen af\."
t_match "the advice under its own heading" "$(tr -s ' \n' ' ' <<<"$txt")" "Advies Zelfstandig verder oefenen\."
t_is "a preview records nothing" "$(count)" "$before"
out=$(curl -sS -D - -o "$T_TMP/prev-run.pdf" -b "$T_TMP/doc" "$base/preview/$running")
t_is "a running programme's preview is allowed (draft)" "$(status_of "$out")" 200

# --- release refused while the programme runs
before=$(count)
out=$(w_post doc "/release/$running" "version=1" "lang=nl")
t_is "release of a running programme: 409" "$(status_of "$out")" 409
t_match "with the message" "$(msg_of "$out")" "The programme has not ended: a final report is refused"
t_is "and nothing written" "$(count)" "$before"

# --- sign and release
rm -f "$T_TMP/form"
t=$(token doc "/conclusion/$full")
release() { req doc --data-urlencode "csrf=$t" --data-urlencode "version=$1" --data-urlencode "lang=nl" ${2:+--data-urlencode "reason=$2"} "$base/release/$full"; }
out=$(release 1); rc=$?
t_is "release: curl exits 0" "$rc" 0
t_is "release: 303 back to the page" "$(status_of "$out") $(header_of "$out" Location)" "303 /conclusion/$full?done=released"
rel1=$(t_psql ruglab_admin "SELECT release_id || ' ' || version || ' ' || released_by || ' ' || coalesce(reason, '-') FROM clinical.report_release WHERE enrolment_id = $full")
t_is "one release row, version 1 by the physician" "${rel1#* }" "1 dr.vermeulen -"
r1=${rel1%% *}
dir1=$outbox/az-brugge/release-$r1
t_check "the release folder is in the site's outbox" test -d "$dir1"
t_is "its files, named without identity" "$(ls "$dir1" | tr '\n' ' ')" "fhir.json kmehr.xml letter.pdf "
t_is "no temporary folder left" "$(ls -A "$outbox/az-brugge" | grep -c tmp)" 0
final=$(pdftotext "$dir1/letter.pdf" - 2>&1); rc=$?
t_is "pdftotext of the final letter exits 0" "$rc" 0
t_is "the final letter has no DRAFT mark" "$(grep -c 'ONTWERP\|DRAFT' <<<"$final")" 0
t_match "it has the conclusion" "$final" "Goede evolutie: pijn en beperking namen af\."
t_match "it has the patient's name" "$final" "Marie Janssens"
t_check "the FHIR Bundle is valid JSON" jq -e '.resourceType == "Bundle"' "$dir1/fhir.json"
pdf_sha=$(sha256sum "$dir1/letter.pdf" | cut -d' ' -f1)
fhir_pdf_sha=$(jq -r '.entry[].resource | select(.resourceType == "DiagnosticReport") | .presentedForm[0].data' "$dir1/fhir.json" | base64 -d | sha256sum | cut -d' ' -f1)
t_is "the PDF inside the FHIR Bundle is the letter" "$fhir_pdf_sha" "$pdf_sha"
t_is "the letter's SHA-256 is recorded in report_issued" \
  "$(t_psql ruglab_admin "SELECT sha256 FROM clinical.report_issued WHERE release_id = $r1 AND kind = 'letter'")" "$pdf_sha"
t_is "FHIR and KMEHR recorded with their SHA-256" \
  "$(t_psql ruglab_admin "SELECT string_agg(kind || '=' || (sha256 = CASE kind WHEN 'fhir' THEN '$(sha256sum "$dir1/fhir.json" | cut -d' ' -f1)' ELSE '$(sha256sum "$dir1/kmehr.xml" | cut -d' ' -f1)' END), ',' ORDER BY kind) FROM clinical.report_issued WHERE release_id = $r1 AND kind <> 'letter'")" \
  "fhir=true,kmehr=true"
t_is "recorded by the physician, via web, with the paths" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.report_issued WHERE release_id = $r1 AND generated_by = 'dr.vermeulen' AND via = 'web' AND path LIKE '$dir1/%'")" 3
t_is "a delivery per recipient, queued" \
  "$(t_psql ruglab_admin "SELECT string_agg(recipient || ':' || channel || ':' || status, ',' ORDER BY delivery_id) FROM clinical.report_delivery WHERE release_id = $r1")" \
  "gp:ehealthbox:queued,patient_file:print:queued"
out=$(req doc "$base/conclusion/$full?done=released")
t_match "the page says it is released" "$(msg_of "$out")" "signed and released"
t_match "as a success" "$(msg_of "$out")" '^<p class="message ok">'
t_match "the history shows version 1 by the physician" "$out" '<td class="version">1</td><td class="by">dr.vermeulen</td>'
t_match "with the status per recipient" "$out" "GP by eHealthBox \(KMEHR\): <span class=\"status\">queued in the outbox</span>"
t_match "the form now makes version 2 and asks a reason" "$out" '<input type="hidden" name="version" value="2">.*name="reason"'
t_match "and says new version" "$out" "New version: reason"

# --- the same form again: no second version
before=$(count)
out=$(release 1)
t_is "the same release form again: 409" "$(status_of "$out")" 409
t_match "already released" "$(msg_of "$out")" "already released"
t_is "no second version" "$(count)" "$before"
t_is "one folder in the outbox" "$(ls "$outbox/az-brugge" | wc -l)" 1

# --- version 2
out=$(release 2)
t_is "version 2 without a reason: 422" "$(status_of "$out")" 422
t_match "the reason is asked" "$(msg_of "$out")" "needs a reason"
out=$(release 2 "   ")
t_is "a blank reason is no reason: 422" "$(status_of "$out")" 422
t_is "nothing written" "$(count)" "$before"
out=$(release 2 "Typfout in het advies'; DELETE FROM clinical.report_release; --")
t_is "version 2 with a reason: 303" "$(status_of "$out")" 303
t_is "two versions, the reason stored as text" \
  "$(t_psql ruglab_admin "SELECT string_agg(version || ':' || coalesce(reason, '-'), ',' ORDER BY version) FROM clinical.report_release WHERE enrolment_id = $full")" \
  "1:-,2:Typfout in het advies'; DELETE FROM clinical.report_release; --"
r2=$(t_psql ruglab_admin "SELECT release_id FROM clinical.report_release WHERE enrolment_id = $full AND version = 2")
t_check "version 2 has its folder" test -f "$outbox/az-brugge/release-$r2/letter.pdf"
t_is "version 1's files are kept unchanged" "$(sha256sum "$dir1/letter.pdf" | cut -d' ' -f1)" "$pdf_sha"
t_is "version 1's rows are kept" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.report_issued WHERE release_id = $r1")" 3
out=$(release 2 "again")
t_is "version 2's form again: already released" "$(status_of "$out")" 409

# --- a double click: two submissions of the same form at once make one version
release 3 "double click" >"$T_TMP/dc1" &
p1=$!
release 3 "double click" >"$T_TMP/dc2" &
p2=$!
wait "$p1"; rc1=$?
wait "$p2"; rc2=$?
t_is "both submissions answered (curl exits 0)" "$rc1 $rc2" "0 0"
t_is "one 303 and one already released" "$(sort <<<"$(status_of "$(cat "$T_TMP/dc1")")"$'\n'"$(status_of "$(cat "$T_TMP/dc2")")" | tr '\n' ' ')" "303 409 "
t_is "exactly one version 3" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.report_release WHERE enrolment_id = $full AND version = 3")" 1
t_is "and one folder more" "$(ls "$outbox/az-brugge" | wc -l)" 3
t_is "the outbox files are group-readable, not world-readable" "$(stat -c %a "$dir1/letter.pdf" "$dir1")" $'640\n750'

# --- released letters
out=$(curl -sS -D "$T_TMP/let.h" -b "$T_TMP/doc" -o "$T_TMP/got.pdf" "$base/letter/$r1"); rc=$?
t_is "GET /letter/RELEASE: curl exits 0" "$rc" 0
t_is "GET /letter/RELEASE: 200 PDF" "$(status_of "$(cat "$T_TMP/let.h")") $(header_of "$(cat "$T_TMP/let.h")" Content-Type)" "200 application/pdf"
t_is "it is version 1's letter" "$(sha256sum "$T_TMP/got.pdf" | cut -d' ' -f1)" "$pdf_sha"
t_is "an unknown release: 404" "$(status_of "$(req doc "$base/letter/99999")")" 404

# --- the gateway's status
out=$(ruglab release status "$r1" --recipient gp --status sent --note "eHealthBox 2026-12-02" 2>&1); rc=$?
t_is "ruglab release status exits 0" "$rc" 0
t_is "the delivery's status is updated" \
  "$(t_psql ruglab_admin "SELECT status || '|' || status_note FROM clinical.report_delivery WHERE release_id = $r1 AND recipient = 'gp'")" "sent|eHealthBox 2026-12-02"
t_fails_with "an unknown status is refused" "status" ruglab release status "$r1" --recipient gp --status lost
t_fails_with "a recipient the release does not have is refused" "no delivery" ruglab release status "$r1" --recipient referring --status sent
t_count "release list shows the deliveries" "^ *$r1 +$full +1 +gp +ehealthbox +sent " 1 ruglab release list
out=$(req doc "$base/conclusion/$full")
t_match "the page shows the new status" "$out" "<span class=\"status\">sent</span>"

# --- no KMEHR without the site physician's RIZIV number: released without it
nok=$(fx_full Peeters Anna 80020200280 RB-0004)
fx_conclusion "$nok" "Goed herstel."
t_psql ruglab_admin "UPDATE clinical.site SET physician_riziv = NULL WHERE code = 'az-brugge'" >/dev/null
out=$(w_post doc "/release/$nok" "version=1" "lang=en")
t_is "release without the physician's RIZIV number: 303" "$(status_of "$out")" 303
r3=$(t_psql ruglab_admin "SELECT release_id || ' ' || kmehr_missing FROM clinical.report_release WHERE enrolment_id = $nok")
t_is "the release says the physician's RIZIV number is missing" "${r3#* }" physician_riziv
r3=${r3%% *}
t_is "its folder has the letter and the FHIR Bundle only" "$(ls "$outbox/az-brugge/release-$r3" | tr '\n' ' ')" "fhir.json letter.pdf "
t_is "the GP's copy is queued for print" \
  "$(t_psql ruglab_admin "SELECT string_agg(recipient || ':' || channel, ',' ORDER BY delivery_id) FROM clinical.report_delivery WHERE release_id = $r3")" \
  "gp:print,patient_file:print"
t_match "the page names the missing number" "$(req doc "$base/conclusion/$nok")" "no KMEHR: the site physician's RIZIV number is missing"
t_psql ruglab_admin "UPDATE clinical.site SET physician_riziv = '11111111111' WHERE code = 'az-brugge'" >/dev/null

# --- audit
t_match "the audit log names the physician for the page, preview and release" \
  "$(t_psql ruglab_admin "SELECT string_agg(DISTINCT command, ',' ORDER BY command) FROM audit.access_log WHERE os_user = 'dr.vermeulen'")" \
  "conclusion.*letter.*preview.*release"

# --- the browser's language decides, not the configuration's (en here)
out=$(req doc -H 'Accept-Language: nl-BE,nl;q=0.9,en;q=0.5' "$base/conclusion/$full"); rc=$?
t_is "nl-BE browser: curl exits 0" "$rc" 0
t_match "nl-BE browser: a Dutch page" "$out" '<html lang="nl">'
t_match "nl-BE browser: the language names in Dutch" "$out" '<option value="nl" selected>Nederlands</option>'
t_match "nl-BE browser: recipient, channel and status in Dutch" "$out" 'huisarts via eHealthBox \(KMEHR\): <span class="status">'
t_match "nl-BE browser: the enrolment's status in Dutch" "$out" '<dd class="status"><span class="status completed">afgerond</span></dd>'
words=$(sed -e 's/<[^>]*>/ /g' <<<"$out" | grep -owiE 'dutch|english|french|completed|queued|sent|GP|physician|running' | sort -u | tr '\n' ' ')
t_is "nl-BE browser: no English words on the page" "$words" ""

# --- the Dutch pages say it in Dutch
kill -TERM "$web_pid"; wait "$web_pid"
sed -i 's/^language = en$/language = nl/' "$conf"
w_start || exit 1
signin nl dr.vermeulen "$W_PW" >/dev/null
out=$(req nl "$base/conclusion/$full"); rc=$?
t_is "in Dutch: curl exits 0" "$rc" 0
t_match "in Dutch: the title" "$out" "<h1>Besluit en ondertekening</h1>"
t_match "in Dutch: the language names" "$out" '<option value="nl" selected>Nederlands</option>'
t_match "in Dutch: recipient, channel and status" "$out" 'huisarts via eHealthBox \(KMEHR\): <span class="status">verstuurd</span>'
t_match "in Dutch: the enrolment's status" "$out" '<dd class="status"><span class="status completed">afgerond</span></dd>'
t_match "in Dutch: a new version asks a reason" "$out" "Nieuwe versie: reden \(verplicht\)"

kill -TERM "$web_pid"; wait "$web_pid"
t_done
