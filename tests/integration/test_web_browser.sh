# ruglab-web in a real browser: Debian's chromium, driven by playwright-core
# (make browser-deps), against the real service on a real cluster. The
# browser's side of what test_web.sh checks with curl: the sign-in page and
# its wrong-password message, the admin's home, no session → /signin, a
# forbidden page (403), the session cookie's flags as the browser holds
# them, a script as a display name shown as text with no dialog, the
# Content-Security-Policy enforced by the browser, sign-out. Screenshots of
# every page go to $BUILD/test-output/web-browser/ (kept after the test).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
. "$(dirname "$0")/browser_lib.sh"

b_ready
t_pg_start

script_name='<script>alert(1)</script>'
t_check "site add" ruglab site add --code az-oost --name "AZ Oost"
t_check "user add admin" w_add_user it-admin --role admin --display-name "IT Admin"
t_check "user add physician with a script for a display name" w_add_user jpeeters --role physician \
  --site az-oost --display-name "$script_name"

w_conf
w_start || exit 1

b_shots web-browser
b_run core.mjs RL_PASSWORD="$W_PW" RL_ADMIN=it-admin RL_PHYSICIAN=jpeeters \
  RL_SCRIPT_NAME="$script_name" RL_PHYSICIAN_HOME=/worklist
t_is "the browser's sign-ins are in the database: one failure, two successes" \
  "$(t_psql ruglab_admin "SELECT string_agg(user_name || ':' || ok, ',' ORDER BY attempt_id) FROM web.sign_in_attempt")" \
  "it-admin:false,it-admin:true,jpeeters:true"
t_is "the screenshots are in the test's output folder" \
  "$(ls "$B_SHOTS" | tr '\n' ' ')" \
  "01-signin.png 02-signin-wrong-password.png 03-admin-users.png 04-signed-out.png 05-signed-out-admin-users.png 06-physician-home.png 07-me-physician.png 08-forbidden.png "
t_done
