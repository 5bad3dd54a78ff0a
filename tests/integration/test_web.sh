# ruglab-web's core, driven with curl against a real cluster: no page
# without a session; one message for an unknown name, a wrong password and
# SQL in the name; the brute-force limit (429) per name and per address,
# counted in the database; the session cookie's flags and a new id at each
# sign-in; /me and /admin/users escape what they show; role gating (403);
# CSRF on sign-out; the security headers on pages, errors and the style
# sheet; --check-config; SIGHUP and SIGTERM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

t_pg_start

PW=$W_PW
add_user() { w_add_user "$@"; }
t_check "site add" ruglab site add --code az-oost --name "AZ Oost"
t_check "user add admin" add_user it-admin --role admin --display-name "IT <b>Admin</b>"
t_check "user add physician with a script for a name" add_user jpeeters --role physician \
  --site az-oost --display-name '<script>alert(1)</script>'
t_check "user add secretariat" add_user an.claes --role secretariat --site az-oost
t_check "user add victim" add_user victim --role quality

w_conf

t_check "the example configuration is what --example-config prints" \
  cmp <(ruglab-web --example-config) "$T_ROOT/deploy/web.conf.example"
out=$(ruglab-web --config "$conf" --check-config 2>&1); rc=$?
t_is "--check-config: exit 0" "$rc" 0
t_match "--check-config says configuration OK as ruglab_web" "$out" "^configuration OK: database .*user=ruglab_web"
sed 's/^language = en/[database]\nconninfo = host=127.0.0.1 port=1 dbname=ruglab connect_timeout=3/' "$conf" >"$T_TMP/bad-db.conf"
out=$(ruglab-web --config "$T_TMP/bad-db.conf" --check-config 2>&1); rc=$?
t_is "--check-config with an unreachable database: exit 3" "$rc" 3
t_match "and it names the database" "$out" "cannot connect to host=127.0.0.1 port=1"
printf '[web]\nlisten = nowhere\n' >"$T_TMP/bad.conf"
out=$(ruglab-web --config "$T_TMP/bad.conf" --check-config 2>&1); rc=$?
t_is "--check-config with a bad listen value: exit 4" "$rc" 4
t_match "and it names the key" "$out" "listen"

w_start || exit 1
log=$web_log

# --- no session
out=$(req anon "$base/me"); rc=$?
t_is "no session: curl exits 0" "$rc" 0
t_is "no session: /me is 303" "$(status_of "$out")" 303
t_is "no session: to /signin" "$(header_of "$out" Location)" /signin
out=$(req anon "$base/admin/users")
t_is "no session: /admin/users is 303 to /signin" "$(status_of "$out") $(header_of "$out" Location)" "303 /signin"

# --- refusals look alike
msg_of() { grep -o '<p class="message[^"]*">[^<]*</p>' <<<"$1"; }
wrong=$(signin anon1 jpeeters 'not the password at all'); rc=$?
t_is "wrong password: curl exits 0" "$rc" 0
t_match "wrong password: the message" "$(msg_of "$wrong")" "User name or password wrong"
t_match "styled as an error" "$(msg_of "$wrong")" '^<p class="message error">'
unknown=$(signin anon2 nobody "$PW")
t_is "unknown user: the same message" "$(msg_of "$unknown")" "$(msg_of "$wrong")"
t_is "unknown user: the same status" "$(status_of "$unknown")" "$(status_of "$wrong")"
sqli=$(signin anon3 "' OR 1=1 --" "' OR 1=1 --")
t_is "SQL in the name: the same refusal" "$(msg_of "$sqli") $(status_of "$sqli")" "$(msg_of "$wrong") $(status_of "$wrong")"
t_is "SQL in the name: no session cookie" "$(grep -ci 'Set-Cookie: ruglab_session=[0-9a-f]' <<<"$sqli")" 0
t_is "the three attempts are recorded as failures" \
  "$(t_psql ruglab_admin "SELECT string_agg(user_name || ':' || ok, ',' ORDER BY attempt_id) FROM web.sign_in_attempt")" \
  "jpeeters:false,nobody:false,' OR 1=1 --:false"
out=$(req anon4 --data-urlencode "name=jpeeters" --data-urlencode "password=$PW" "$base/signin")
t_is "sign-in without a CSRF token: 403" "$(status_of "$out")" 403
t_is "and nothing is written" "$(t_psql ruglab_admin "SELECT count(*) FROM web.sign_in_attempt")" 3

# --- sign-in
out=$(signin doc jpeeters "$PW"); rc=$?
t_is "sign-in: curl exits 0" "$rc" 0
t_is "sign-in: 303 to /" "$(status_of "$out") $(header_of "$out" Location)" "303 /"
cookie=$(grep -i '^Set-Cookie: ruglab_session=' <<<"$out" | tr -d '\r')
t_match "the session id is 64 hex digits" "$cookie" "ruglab_session=[0-9a-f]{64};"
t_match "the cookie is HttpOnly" "$cookie" "; HttpOnly"
t_match "the cookie is SameSite=Strict" "$cookie" "; SameSite=Strict"
t_match "the cookie has Path=/" "$cookie" "; Path=/;"
id1=$(sed 's/.*ruglab_session=\([0-9a-f]*\).*/\1/' <<<"$cookie")
out=$(signin doc2 jpeeters "$PW")
id2=$(grep -i '^Set-Cookie: ruglab_session=' <<<"$out" | sed 's/.*ruglab_session=\([0-9a-f]*\).*/\1/')
t_match "a second sign-in gets an id too" "$id2" "^[0-9a-f]{64}$"
t_check "and a different one" test "$id1" != "$id2"
out=$(req doc "$base/"); t_is "/ sends the physician to the worklist" "$(status_of "$out") $(header_of "$out" Location)" "303 /worklist"
me=$(req doc "$base/me"); rc=$?
t_is "/me: 200" "$rc $(status_of "$me")" "0 200"
t_match "/me shows the user name" "$me" '<dd class="name">jpeeters</dd>'
t_match "/me shows the role" "$me" '<dd class="role">physician</dd>'
t_match "/me shows the site" "$me" '<dd class="site">az-oost</dd>'
t_match "/me shows the display name escaped" "$me" '&lt;script&gt;alert\(1\)&lt;/script&gt;'
t_is "/me has no script tag" "$(grep -c '<script' <<<"$me")" 0

# --- roles
t_check "sign-in admin" signin adm it-admin "$PW"
out=$(req adm "$base/"); t_is "/ sends the admin to /admin/users" "$(header_of "$out" Location)" /admin/users
users=$(req adm "$base/admin/users"); rc=$?
t_is "/admin/users for the admin: 200" "$rc $(status_of "$users")" "0 200"
t_match "/admin/users lists the physician with role, site, status" "$users" \
  '<td>jpeeters</td><td>&lt;script&gt;alert\(1\)&lt;/script&gt;</td><td>physician</td><td>az-oost</td><td>active</td>'
t_is "/admin/users has no script tag" "$(grep -c '<script' <<<"$users")" 0
t_match "/admin/users escapes markup in a name" "$users" 'IT &lt;b&gt;Admin&lt;/b&gt;'
t_check "sign-in secretariat" signin sec an.claes "$PW"
out=$(req sec "$base/admin/users")
t_is "the secretariat on /admin/users: 403" "$(status_of "$out")" 403
out=$(req doc "$base/admin/users")
t_is "the physician on /admin/users: 403" "$(status_of "$out")" 403
t_match "/me works for the secretariat" "$(req sec "$base/me")" '<dd class="role">secretariat</dd>'

# --- security headers
check_headers() {
  local what=$1 h=$2
  t_is "$what: Content-Security-Policy" "$(header_of "$h" Content-Security-Policy)" \
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
  t_is "$what: X-Content-Type-Options" "$(header_of "$h" X-Content-Type-Options)" nosniff
  t_is "$what: Referrer-Policy" "$(header_of "$h" Referrer-Policy)" no-referrer
}
check_headers "a page" "$me"
t_is "a page: Cache-Control no-store" "$(header_of "$me" Cache-Control)" no-store
out=$(req sec "$base/admin/users"); check_headers "a 403" "$out"
out=$(req anon "$base/no/such/page")
t_is "an unknown page: 404" "$(status_of "$out")" 404
check_headers "a 404" "$out"
out=$(req anon "$base/static/ruglab.css")
t_is "the style sheet: 200, text/css" "$(status_of "$out") $(header_of "$out" Content-Type)" "200 text/css; charset=utf-8"
check_headers "the style sheet" "$out"
t_is "no file outside the static folder" "$(status_of "$(req anon --path-as-is "$base/static/../../README.md")")" 404
out=$(req anon "$base/signin"); check_headers "the sign-in page" "$out"

# --- sign-out and CSRF
out=$(req doc -X POST "$base/signout")
t_is "sign-out without a token: 403" "$(status_of "$out")" 403
t_is "and the session is still valid" "$(status_of "$(req doc "$base/me")")" 200
out=$(req doc --data-urlencode "csrf=1999999999-$(printf '0%.0s' {1..64})" "$base/signout")
t_is "sign-out with a forged token: 403" "$(status_of "$out")" 403
t=$(token doc2 /me)
out=$(req doc --data-urlencode "csrf=$t" "$base/signout")
t_is "sign-out with another session's token: 403" "$(status_of "$out")" 403
t=$(token doc /me)
out=$(req doc --data-urlencode "csrf=$t" "$base/signout")
t_is "sign-out with the token: 303 to /signin" "$(status_of "$out") $(header_of "$out" Location)" "303 /signin"
out=$(curl -sS -D - -b "ruglab_session=$id1" "$base/me")
t_is "the old session id no longer opens /me" "$(status_of "$out") $(header_of "$out" Location)" "303 /signin"

# --- brute force, counted in the database. Per name: 5 failures for
# victim from elsewhere, then even the right password is refused here.
t_psql ruglab_web "INSERT INTO web.sign_in_attempt (user_name, client_addr, ok)
  SELECT 'victim', '10.9.9.9', false FROM generate_series(1, 5)" >/dev/null
out=$(signin bf victim "$PW")
t_is "5 recent failures for a name: 429" "$(status_of "$out")" 429
t_match "with a clear message" "$(msg_of "$out")" "Too many failed sign-ins"
t_is "and no session" "$(grep -ci 'Set-Cookie: ruglab_session=[0-9a-f]' <<<"$out")" 0
# per address: 6 wrong attempts for a fresh name from 127.0.0.1
for i in 1 2 3 4 5 6; do out=$(signin bf2 an.claes "wrong password $i"); done
t_is "the 6th wrong attempt from one address: 429" "$(status_of "$out")" 429
out=$(signin bf3 it-admin "$PW")
t_is "then even a right password from that address: 429" "$(status_of "$out")" 429
kill -TERM "$web_pid"; wait "$web_pid"; rc=$?
t_is "SIGTERM: exit 0" "$rc" 0
t_bg "$T_TMP/web2.log" ruglab-web --config "$conf"
web_pid=$T_LAST_PID
t_wait_line "$T_TMP/web2.log" "READY" 20 || exit 1
out=$(signin bf4 it-admin "$PW")
t_is "the limit holds across a restart: 429" "$(status_of "$out")" 429

# --- SIGHUP reloads the templates; SIGTERM ends
kill -HUP "$web_pid"
t_wait_line "$T_TMP/web2.log" "templates loaded" 10
t_is "after SIGHUP the pages are served" "$(status_of "$(req anon "$base/signin")")" 200
kill -TERM "$web_pid"; wait "$web_pid"; rc=$?
t_is "SIGTERM: exit 0 again" "$rc" 0
t_match "the log says stopped" "$(cat "$T_TMP/web2.log")" "stopped"
t_is "no password in the logs" "$(cat "$log" "$T_TMP/web2.log" | grep -c "$PW")" 0
t_done
