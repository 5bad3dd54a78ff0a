# `ruglab cohort`: the groups (cohorts) a site starts, and enrolling into one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clinical_lib.sh"

t_pg_start
ruglab site add --code az-groep --name "AZ Groep" >/dev/null
ruglab site add --code az-ander --name "AZ Ander" >/dev/null

out=$(ruglab --json cohort add --code 2026-A --site az-groep --programme rugschool-30 --start 2026-01-05 --time-block 08-10); rc=$?
t_is "group add exits 0" "$rc" 0
t_is "group add --json prints the new id" "$(jq -r '.cohort_id' <<<"$out")" 1
t_is "the group is stored with its programme, start and time block" \
  "$(t_psql ruglab_admin "SELECT s.code, c.code, p.code, c.start_date, c.time_block FROM clinical.cohort c JOIN clinical.site s USING (site_id) JOIN clinical.programme p USING (programme_id)")" \
  "az-groep|2026-A|rugschool-30|2026-01-05|08-10"
t_check "another site may use the same group code" ruglab cohort add --code 2026-A --site az-ander --programme mrr-36 --start 2026-02-02
one_line_fail "a second group with the same code at a site is refused" "a group '2026-A' already exists at site az-groep" \
  ruglab cohort add --code 2026-A --site az-groep --programme mrr-36 --start 2026-03-02
one_line_fail "an unknown site is refused" "unknown site 'az-nope'" \
  ruglab cohort add --code 2026-B --site az-nope --programme mrr-36 --start 2026-03-02
one_line_fail "an unknown programme is refused" "unknown programme 'p-99'" \
  ruglab cohort add --code 2026-B --site az-groep --programme p-99 --start 2026-03-02
one_line_fail "a malformed time block is refused" "'8-10' is not HH-HH" \
  ruglab cohort add --code 2026-B --site az-groep --programme mrr-36 --start 2026-03-02 --time-block 8-10
one_line_fail "a malformed start date is refused" "--start" \
  ruglab cohort add --code 2026-B --site az-groep --programme mrr-36 --start 2026-13-02
t_is "nothing else was stored" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.cohort")" 2

# enrolling into the group
json=$(ruglab --json patient add --site az-groep --family-name Test --given-name Groep \
  --birth-date 1970-01-01 --sex M --insz 70010100188)
token=$(jq -r .badge_token <<<"$json")
t_match "a patient to enrol" "$token" "^RB-"
t_check "enrol into the group" ruglab enrol "$token" --programme rugschool-30 --start 2026-01-05 \
  --route riziv --indication chronic --pain-since 2025-06-01 --cohort 2026-A
t_is "the enrolment belongs to the site's group" \
  "$(t_psql ruglab_admin "SELECT s.code || '/' || c.code FROM clinical.enrolment e JOIN clinical.cohort c USING (cohort_id) JOIN clinical.site s ON s.site_id = c.site_id")" \
  "az-groep/2026-A"
t_is "cohort list counts the enrolled patients" \
  "$(ruglab --json cohort list | jq -r '.[] | select(.site == "az-groep") | .patients')" 1
t_done
