# The home programme page in a real browser (tests/browser/homeprog.mjs,
# Debian's chromium through playwright-core), in Dutch (an nl-BE browser;
# the configured language is English): the physician follows the link of
# the programme page, assigns an exercise through the form and sees its
# row, a dose out of range is refused beside its field; the secretariat
# sees the row without the forms. Checked here: the row the browser saw is
# what `ruglab homeprog show` prints, one row in the database, by the
# physician. Screenshots in $BUILD/test-output/web-homeprog/.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
. "$(dirname "$0")/browser_lib.sh"

b_ready
t_pg_start

t_check "site add" ruglab site add --code az-oost --name "AZ Oost"
t_check "user add physician" w_add_user dr-els --role physician --site az-oost
t_check "user add secretariat" w_add_user an.claes --role secretariat --site az-oost
w_enrolled az-oost
w_conf
w_start || exit 1

b_shots web-homeprog
b_run homeprog.mjs RL_PASSWORD="$W_PW" RL_PHYSICIAN=dr-els RL_SECRETARY=an.claes RL_ENROLMENT="$e"
out=$(ruglab --json homeprog show "$badge"); rc=$?
t_is "homeprog show: exit 0" "$rc" 0
t_is "what the browser assigned is what the CLI shows" \
  "$(jq -r '.[] | [.exercise, .variant, .hold_seconds, .per_week, .recorded_by] | map(tostring) | join("|")' <<<"$out")" \
  "PLANK|knees|20|5|dr-els"
t_match "the row the browser saw" "${B_DATA[row]:-}" "^Plank op de onderarmen \(PLANK\)\|[^|]*\(makkelijker, knees\)\|20 s aanhouden\|5\|dr-els$"
t_is "one row in the database: the refused dose wrote nothing" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.home_exercise")" 1
t_is "the screenshots" "$(ls "$B_SHOTS" | tr '\n' ' ')" \
  "01-homeprog-empty.png 02-homeprog-assign-filled.png 03-homeprog-assigned.png 04-homeprog-refused.png 05-homeprog-secretariat.png "
kill -TERM "$web_pid"; wait "$web_pid"
t_done
