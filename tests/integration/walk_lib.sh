# The physician's walk in a real browser (tests/browser/walk.mjs) and the
# checks of what it leaves (sourced after lib.sh, web_lib.sh and
# browser_lib.sh):
#
#   wk_serve    adds the physician dr-vermeulen of site az-brugge (password
#               $W_PW) and starts ruglab-web with the outbox $T_TMP/outbox;
#               fails when the service does not start
#   wk_walk SHOTS EID FAMILY CONCLUSION ADVICE
#       signs in as dr-vermeulen, walks worklist → programme → conclusion
#       (types CONCLUSION and ADVICE, language nl) → preview → sign and
#       release → the released PDF; screenshots in $BUILD/test-output/SHOTS.
#       Then checks the preview (marked ONTWERP on every page, the typed
#       conclusion), the stored conclusion (as typed, by the physician,
#       once), one release, the released letter against the database, its
#       SHA-256 recorded and in the outbox, the audit log, seven screenshots.
#       Sets $released (the released PDF's path) and $released_txt (its
#       text, flattened).

wk_serve() {
  t_check "user add the site's physician" w_add_user dr-vermeulen --role physician --site az-brugge \
    --display-name "Dr. Els Vermeulen"
  w_conf "[outbox]" "dir = $T_TMP/outbox"
  w_start
}

wk_flat_pdf() { pdftotext -layout "$1" - | tr -s ' \n' ' '; }

wk_walk() {
  local shots=$1 eid=$2 family=$3 conclusion=$4 advice=$5
  b_shots "$shots"
  b_run walk.mjs RL_PASSWORD="$W_PW" RL_PHYSICIAN=dr-vermeulen RL_ENROLMENT="$eid" RL_PATIENT="$family" \
    RL_CONCLUSION="$conclusion" RL_ADVICE="$advice" RL_LANG=nl

  local preview=${B_DATA[preview_pdf]:-}
  released=${B_DATA[released_pdf]:-}
  t_check "the preview PDF was saved" test -s "$preview"
  t_check "the released PDF was saved" test -s "$released"

  # the preview: a draft on every page, with what was typed
  local pages p marked=0
  pages=$(pdfinfo "$preview" 2>/dev/null | sed -n 's/^Pages: *//p')
  t_match "the preview has pages" "${pages:-none}" '^[1-9][0-9]*$'
  for p in $(seq 1 "${pages:-0}"); do
    pdftotext -f "$p" -l "$p" "$preview" - 2>/dev/null | grep -q ONTWERP && marked=$((marked + 1))
  done
  t_is "every page of the preview is marked ONTWERP (draft)" "$marked" "${pages:-none}"
  t_check "the preview shows the typed conclusion" grep -qF "${conclusion:0:39}" <<<"$(wk_flat_pdf "$preview")"

  # what the database holds now
  local body adv lang by
  IFS='|' read -r body adv lang by <<<"$(t_psql ruglab_admin "SELECT replace(body, E'\n', ' '), advice, lang, written_by
    FROM clinical.conclusion WHERE enrolment_id = $eid ORDER BY written_at DESC, conclusion_id DESC LIMIT 1")"
  t_is "the conclusion is stored as typed" "$body" "$conclusion"
  t_is "the advice is stored as typed" "$adv" "$advice"
  t_is "in the chosen language" "$lang" nl
  t_is "written by the signed-in physician" "$by" dr-vermeulen
  t_is "the SQL in the conclusion did nothing" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.conclusion WHERE enrolment_id = $eid")" 1
  t_is "one release, even after the form was posted again" \
    "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.report_release WHERE enrolment_id = $eid")" 1

  # the released letter against the database
  local name sha
  released_txt=$(wk_flat_pdf "$released")
  name=$(t_psql ruglab_admin "SELECT p.given_name || ' ' || p.family_name FROM identity.patient p
    JOIN clinical.enrolment e USING (subject_id) WHERE e.enrolment_id = $eid")
  t_match "the released letter names the patient ($name)" "$released_txt" "Patiënt: $name"
  t_check "the released letter has the stored conclusion, literally" grep -qF "$(tr -s ' ' <<<"$body")" <<<"$released_txt"
  t_check "and the stored advice" grep -qF "$adv" <<<"$released_txt"
  t_fails "the released letter is not marked ONTWERP" grep -q ONTWERP <<<"$released_txt"
  t_fails "nor DRAFT" grep -q DRAFT <<<"$released_txt"
  sha=$(sha256sum "$released" | cut -d' ' -f1)
  t_is "the released PDF is the one recorded (SHA-256), once" \
    "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.report_issued WHERE enrolment_id = $eid AND kind = 'letter' AND sha256 = '$sha'")" 1
  t_is "and the one in the site's outbox" \
    "$(find "$T_TMP/outbox" -name '*.pdf' -exec sha256sum {} + | grep -c "^$sha ")" 1
  t_check "the audit log names the physician" test "$(t_psql ruglab_admin "SELECT count(*) FROM audit.access_log
    WHERE program = 'ruglab-web' AND os_user = 'dr-vermeulen' AND subject_id IS NOT NULL")" -gt 0
  t_is "the screenshots of the walk" "$(ls "$B_SHOTS" | grep -c '\.png$')" 7
}
