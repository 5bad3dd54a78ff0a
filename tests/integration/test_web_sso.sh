# ruglab-web's trusted-header sign-in ([proxy] trust_header) for a
# hospital's SSO reverse proxy: from a peer in trusted_proxies the header
# names the person, who is signed in as that web.user_account (role and
# site from the account) with a new session cookie, and the attempt is
# recorded in web.sign_in_attempt; an unknown or disabled name gets the
# refused sign-in's message (403); from a peer not in trusted_proxies the
# header is ignored (logged as a warning) and the request has no session.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

t_pg_start
t_check "site add" ruglab site add --code az-oost --name "AZ Oost"
t_check "user add physician" w_add_user jpeeters --role physician --site az-oost --display-name "Dr. Jan Peeters"
t_check "user add secretariat" w_add_user an.claes --role secretariat --site az-oost
t_check "user add admin" w_add_user it-admin --role admin
t_check "user add, then disable" bash -c "printf '%s\n' '$W_PW' | ruglab user add gone --role quality >/dev/null && ruglab user disable gone --reason left >/dev/null"
attempts() { t_psql ruglab_admin "SELECT coalesce(string_agg(user_name || ':' || ok || ':' || host(client_addr), ',' ORDER BY attempt_id), '') FROM web.sign_in_attempt"; }

# --- configuration
w_conf "[proxy]" "trust_header = X-Remote-User"
out=$(ruglab-web --config "$conf" --check-config 2>&1); rc=$?
t_is "trust_header without trusted_proxies: exit 4" "$rc" 4
t_match "it says so" "$out" "trust_header is set but trusted_proxies is empty"
w_conf "[proxy]" "trust_header = X-Remote User" "trusted_proxies = 127.0.0.1"
out=$(ruglab-web --config "$conf" --check-config 2>&1); rc=$?
t_is "a header name with a space: exit 4" "$rc" 4
t_match "it names the key" "$out" "\[proxy\] trust_header: 'X-Remote User' is not a header name"

# --- from a trusted proxy
w_conf "[session]" "cookie_secure = off" "[proxy]" "trust_header = X-Remote-User" "trusted_proxies = 10.9.9.9 127.0.0.1"
t_check "--check-config with trust_header" ruglab-web --config "$conf" --check-config
w_start || exit 1
sso() { local jar=$1 user=$2; shift 2; req "$jar" -H "X-Remote-User: $user" "$@"; }
out=$(sso doc jpeeters "$base/me"); rc=$?
t_is "the header signs the physician in: /me 200" "$rc $(status_of "$out")" "0 200"
t_match "as jpeeters" "$out" '<dd class="name">jpeeters</dd>'
t_match "with the account's role" "$out" '<dd class="role">physician</dd>'
t_match "and site" "$out" '<dd class="site">az-oost</dd>'
cookie=$(grep -i '^Set-Cookie: ruglab_session=' <<<"$out" | tr -d '\r')
t_match "a new session cookie as at sign-in" "$cookie" "^Set-Cookie: ruglab_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict$"
t_is "the sign-in is recorded" "$(attempts)" "jpeeters:true:127.0.0.1"
out=$(sso doc jpeeters "$base/me")
t_is "the next request keeps that session: no new cookie" "$(status_of "$out") $(grep -ci '^Set-Cookie' <<<"$out")" "200 0"
t_is "and records nothing more" "$(attempts)" "jpeeters:true:127.0.0.1"
out=$(req doc "$base/me")
t_is "the session works without the header too" "$(status_of "$out")" 200
t=$(token doc /me)
out=$(sso doc jpeeters --data-urlencode "csrf=$t" "$base/signout")
t_is "a POST with the form's token passes CSRF (sign-out)" "$(status_of "$out") $(header_of "$out" Location)" "303 /signin"
out=$(sso doc an.claes "$base/")
t_is "another name with that jar: signed in as them" "$(status_of "$out") $(header_of "$out" Location)" "303 /secretariat"
t_match "a new session id" "$(header_of "$out" Set-Cookie)" "^ruglab_session=[0-9a-f]{64};"
t_match "/me is the secretariat's" "$(req doc "$base/me")" '<dd class="role">secretariat</dd>'
out=$(sso adm it-admin "$base/admin/users")
t_is "the admin by header: /admin/users 200" "$(status_of "$out")" 200
out=$(sso doc2 jpeeters "$base/admin/users")
t_is "the physician by header on an admin page: 403" "$(status_of "$out")" 403
out=$(sso x1 jpeeters -H "X-Forwarded-For: 192.0.2.7" "$base/me")
t_is "behind the proxy: the client is X-Forwarded-For's" "$(attempts | tr ',' '\n' | tail -1)" "jpeeters:true:192.0.2.7"

# --- refused names
before=$(t_psql ruglab_admin "SELECT count(*) FROM web.sign_in_attempt")
wrong=$(signin w1 jpeeters 'not the password at all')
msg_of() { grep -o '<p class="message[^"]*">[^<]*</p>' <<<"$1" | sed 's/<[^>]*>//g'; }
out=$(sso u1 nobody "$base/me")
t_is "an unknown name: 403" "$(status_of "$out")" 403
t_is "with the refused sign-in's message" "$(msg_of "$out")" "$(msg_of "$wrong")"
t_is "and no session" "$(grep -ci '^Set-Cookie: ruglab_session' <<<"$out")" 0
out=$(sso u2 gone "$base/me")
t_is "a disabled account: 403 with the same message" "$(status_of "$out") $(msg_of "$out")" "403 $(msg_of "$wrong")"
out=$(sso u3 "' OR 1=1 --" "$base/me")
t_is "SQL in the header: 403 with the same message" "$(status_of "$out") $(msg_of "$out")" "403 $(msg_of "$wrong")"
t_is "the refusals are recorded" \
  "$(t_psql ruglab_admin "SELECT string_agg(user_name || ':' || ok, ',' ORDER BY attempt_id) FROM web.sign_in_attempt WHERE attempt_id > (SELECT max(attempt_id) - 3 FROM web.sign_in_attempt)")" \
  "nobody:false,gone:false,' OR 1=1 --:false"
t_is "four more attempts (the form's and three by header)" "$(t_psql ruglab_admin "SELECT count(*) FROM web.sign_in_attempt")" $((before + 4))
out=$(curl -sS -D - -H "X-Remote-User;" "$base/me")
t_is "an empty header (no one authenticated by the proxy): 303 /signin, nothing recorded" \
  "$(status_of "$out") $(header_of "$out" Location) $(t_psql ruglab_admin "SELECT count(*) FROM web.sign_in_attempt")" \
  "303 /signin $((before + 4))"
out=$(sso doc jpeeters "$base/me")
t_is "a session of another person is replaced, not kept, when the header names someone else" \
  "$(status_of "$out") $(grep -c '<dd class="name">jpeeters</dd>' <<<"$out")" "200 1"
kill -TERM "$web_pid"; wait "$web_pid"
t_is "ruglab-web exits 0 on TERM" "$?" 0

# --- from a peer that is not a trusted proxy
w_conf "[session]" "cookie_secure = off" "[proxy]" "trust_header = X-Remote-User" "trusted_proxies = 10.9.9.9"
w_start || exit 1
before=$(t_psql ruglab_admin "SELECT count(*) FROM web.sign_in_attempt")
out=$(sso n1 jpeeters "$base/me"); rc=$?
t_is "127.0.0.1 not trusted: the header is ignored, 303 /signin" "$rc $(status_of "$out") $(header_of "$out" Location)" "0 303 /signin"
t_is "no session cookie" "$(grep -ci '^Set-Cookie: ruglab_session' <<<"$out")" 0
t_is "nothing recorded" "$(t_psql ruglab_admin "SELECT count(*) FROM web.sign_in_attempt")" "$before"
t_match "the log warns" "$(cat "$web_log")" "warn: 127.0.0.1: X-Remote-User from 127.0.0.1 ignored: not a trusted proxy"
out=$(sso n2 nobody "$base/signin")
t_is "an unknown name from there: the sign-in page, not a 403" "$(status_of "$out")" 200
kill -TERM "$web_pid"; wait "$web_pid"
t_is "ruglab-web exits 0 on TERM" "$?" 0
t_done
