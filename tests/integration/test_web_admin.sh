# ruglab-web's device pages for the admin, driven with curl against a real
# cluster and a real collector: /admin/devices shows each device's last
# contact, spool depth, lag and collector as the collector recorded them
# from the devices' Hello and Heartbeat ("unknown" for a device never
# heard from); the revoke form needs a reason and writes what
# `ruglab device revoke` writes (the collector refuses the device); no
# session, another role, and a POST without or with a wrong CSRF token are
# refused with nothing written; no patient identity on the page. Then the
# language per request: the nav's link sets a cookie (nl or en only), else
# Accept-Language, else the configuration; roles and statuses in the
# page's language, a dash for an empty name or site.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

t_pg_start
t_seed_patient 10
t_make_keys az-test dev-1 dev-2 dev-3:tablet-q1 dev-4
t_check "user add admin" w_add_user it-admin --role admin
t_check "user add physician" w_add_user jpeeters --role physician --site az-test --display-name "Dr. Jan Peeters"
t_check "gp add" ruglab gp add --riziv 12345678901 --family-name Huisarts --given-name Greet
insz=$(n=700101001; printf '%s%02d' "$n" $((97 - n % 97)))
t_check "patient add (a name to look for)" ruglab patient add --site az-test --family-name Vandenbroucke \
  --given-name Hildegard --birth-date 1970-01-01 --sex M --insz "$insz" --weight 70 --gp 12345678901

# --- what the collector records of the devices
t_collector_conf web-test-collector "tcp://127.0.0.1:*" "status_interval_s = 1" "[batch]" "max_delay_ms = 5" \
  >"$T_TMP/collector.conf"
t_start_collector "$T_TMP/collector.conf" || { t_done; exit 1; }
EP=$(t_collector_endpoint)
T=$(( $(date +%s) - 60 ))000000
out=$(t_send dev-1 --timeout-ms 8000 <<JSON
{"kind": "hello", "boot_id": 1, "seq": 1, "taken_at_us": $T, "spool_depth": 7}
{"kind": "heartbeat", "boot_id": 1, "seq": 2, "taken_at_us": $T, "spool_depth": 3, "spool_bytes": 4096, "oldest_unacked_s": 12}
JSON
); rc=$?
t_is "dev-1: hello and heartbeat accepted" "$rc $(grep -c 'accepted NONE' <<<"$out")" "0 2"
out=$(t_send dev-2 --timeout-ms 8000 <<<"{\"kind\": \"hello\", \"boot_id\": 1, \"seq\": 1, \"taken_at_us\": $T, \"spool_depth\": 5}"); rc=$?
t_is "dev-2: a hello only" "$rc $(grep -c 'accepted NONE' <<<"$out")" "0 1"
t_is "the collector recorded them" \
  "$(t_psql ruglab_admin "SELECT string_agg(device_id || ':' || coalesce(spool_depth::text, '-') || ':' || coalesce(oldest_unacked_s::text, '-'), ',' ORDER BY device_id) FROM meas.device_status")" \
  "dev-1:3:12,dev-2:5:-"

w_conf
w_start || exit 1

# --- who may see the page
out=$(req anon "$base/admin/devices"); rc=$?
t_is "no session: /admin/devices is 303 to /signin" "$rc $(status_of "$out") $(header_of "$out" Location)" "0 303 /signin"
out=$(req anon --data-urlencode "device=dev-4" --data-urlencode "reason=x" "$base/admin/devices/revoke")
t_is "no session: the revoke is 303 to /signin" "$(status_of "$out") $(header_of "$out" Location)" "303 /signin"
t_check "sign-in physician" signin doc jpeeters "$W_PW"
out=$(req doc "$base/admin/devices")
t_is "the physician on /admin/devices: 403" "$(status_of "$out")" 403
t=$(token doc /me)
out=$(req doc --data-urlencode "csrf=$t" --data-urlencode "device=dev-4" --data-urlencode "reason=x" "$base/admin/devices/revoke")
t_is "the physician's revoke (with a valid token of theirs): 403" "$(status_of "$out")" 403
t_is "and nothing is written" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.device WHERE revoked_at IS NOT NULL")" 0
t_is "the physician's nav has no admin links" "$(grep -c 'href="/admin/devices"' <<<"$(req doc "$base/me")")" 0

# --- the list
t_check "sign-in admin" signin adm it-admin "$W_PW"
page=$(req adm "$base/admin/devices"); rc=$?
t_is "/admin/devices for the admin: 200" "$rc $(status_of "$page")" "0 200"
t_match "the admin's nav links to the devices" "$page" '<a href="/admin/devices">Devices</a>'
row() { grep -o "<tr><td class=\"device\">$1</td>.*</tr>" <<<"$2"; }
seen=$(t_psql ruglab_admin "SELECT to_char(last_seen, 'YYYY-MM-DD HH24:MI:SS') FROM meas.device_status WHERE device_id = 'dev-1'")
r1=$(row dev-1 "$page")
t_match "dev-1: site, model, last seen (from the database)" "$r1" \
  "<td>az-test</td><td>tergumed-710</td><td class=\"seen\">$seen \([0-9]+ s ago\)</td>"
t_match "dev-1: spool depth and lag of the heartbeat, its collector, active" "$r1" \
  '<td class="spool">3</td><td class="lag">12</td><td class="collector">web-test-collector</td><td class="status">active</td>'
t_match "dev-1: a revoke form with a required reason" "$r1" \
  '<form method="post" action="/admin/devices/revoke".*name="device" value="dev-1".*<input name="reason" required'
t_match "dev-2: the hello's spool depth, lag unknown" "$(row dev-2 "$page")" \
  '<td class="spool">5</td><td class="lag">unknown</td><td class="collector">web-test-collector</td>'
t_match "dev-3 (never heard from): last seen, spool, lag and collector unknown" "$(row dev-3 "$page")" \
  '<td>tablet-q1</td><td class="seen">unknown</td><td class="spool">unknown</td><td class="lag">unknown</td><td class="collector">unknown</td>'
t_is "one row per device" "$(grep -c '<tr><td class="device">' <<<"$page")" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.device")"
for s in Vandenbroucke Hildegard "$insz" RB-0001 PS-0001; do
  t_is "no patient identity on the page: $s" "$(grep -c -- "$s" <<<"$page")" 0
done

# --- revoke: refusals write nothing
revoked() { t_psql ruglab_admin "SELECT count(*) FROM clinical.device WHERE revoked_at IS NOT NULL"; }
t=$(token adm /admin/devices)
out=$(req adm --data-urlencode "device=dev-1" --data-urlencode "reason=stolen" "$base/admin/devices/revoke")
t_is "revoke without a CSRF token: 403" "$(status_of "$out")" 403
out=$(req adm --data-urlencode "csrf=1999999999-$(printf '0%.0s' {1..64})" --data-urlencode "device=dev-1" \
  --data-urlencode "reason=stolen" "$base/admin/devices/revoke")
t_is "revoke with a forged CSRF token: 403" "$(status_of "$out")" 403
t_is "and nothing is written" "$(revoked)" 0
out=$(req adm --data-urlencode "csrf=$t" --data-urlencode "device=dev-1" "$base/admin/devices/revoke")
t_is "revoke without a reason: 400" "$(status_of "$out")" 400
t_match "it says a reason is needed" "$out" '<p class="message error">Give a reason for revoking device dev-1.</p>'
out=$(req adm --data-urlencode "csrf=$t" --data-urlencode "device=dev-1" --data-urlencode "reason=   " "$base/admin/devices/revoke")
t_is "revoke with a blank reason: 400" "$(status_of "$out")" 400
out=$(req adm --data-urlencode "csrf=$t" --data-urlencode "device=dev-1" --data-urlencode "reason=$(head -c 1001 /dev/zero | tr '\0' x)" "$base/admin/devices/revoke")
t_is "revoke with a reason over 1000 bytes: 400" "$(status_of "$out")" 400
t_is "and nothing is written" "$(revoked)" 0
out=$(req adm --data-urlencode "csrf=$t" --data-urlencode "device=no-such' OR '1'='1" --data-urlencode "reason=x" "$base/admin/devices/revoke")
t_is "an unknown device (SQL in the id): 404" "$(status_of "$out")" 404
t_match "it says there is no such device, escaped" "$out" "There is no device no-such&#39;|no-such' OR"
t_is "and nothing is written" "$(revoked)" 0

# --- revoke
reason="<script>alert(1)</script>'; DELETE FROM clinical.device; --"
out=$(req adm --data-urlencode "csrf=$t" --data-urlencode "device=dev-1" --data-urlencode "reason=$reason" "$base/admin/devices/revoke"); rc=$?
t_is "revoke with a reason: 303 to the list" "$rc $(status_of "$out") $(header_of "$out" Location)" "0 303 /admin/devices"
t_is "dev-1 is revoked with the reason as typed" \
  "$(t_psql ruglab_admin "SELECT revoked_at > now() - interval '1 minute', revoke_reason FROM clinical.device WHERE device_id = 'dev-1'")" \
  "t|$reason"
t_check "the CLI revokes dev-4 with the same reason" ruglab device revoke dev-4 --reason "$reason"
t_is "the row the page wrote is the row the CLI writes" \
  "$(t_psql ruglab_admin "SELECT count(DISTINCT (revoked_at IS NOT NULL, revoke_reason, model, site_id, public_key IS NOT NULL)) FROM clinical.device WHERE device_id IN ('dev-1', 'dev-4')")" 1
t_is "the other devices are untouched" "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.device WHERE revoked_at IS NULL")" 2
t_wait_line "$T_COLLECTOR_LOG" "dev-1 revoked: refused from now on" 5
out=$(t_send dev-1 --timeout-ms 1500 <<<"{\"kind\": \"heartbeat\", \"boot_id\": 1, \"seq\": 3, \"taken_at_us\": $T}")
t_match "the collector refuses the revoked device" "$out" "handshake refused"
page=$(req adm "$base/admin/devices")
r1=$(row dev-1 "$page")
t_match "the list shows dev-1 revoked with its reason, escaped" "$r1" \
  '<td class="status">revoked</td><td>[0-9-]+ [0-9:]+: &lt;script&gt;alert\(1\)&lt;/script&gt;&#39;; DELETE FROM clinical.device; --</td>'
t_is "and no revoke form for it" "$(grep -c 'value="dev-1"' <<<"$r1")" 0
t_is "no script tag on the page" "$(grep -c '<script' <<<"$page")" 0
t_match "ruglab device list shows the page's revocation" "$(ruglab device list)" "dev-1 .* <script>"
out=$(req adm --data-urlencode "csrf=$t" --data-urlencode "device=dev-1" --data-urlencode "reason=again" "$base/admin/devices/revoke")
t_is "revoking it again: 409" "$(status_of "$out")" 409
t_match "it says so" "$out" "Device dev-1 is already revoked."
t_is "and the first reason stays" "$(t_psql ruglab_admin "SELECT revoke_reason FROM clinical.device WHERE device_id = 'dev-1'")" "$reason"
t_is "the web log names who revoked" "$(grep -c 'device dev-1 revoked by it-admin' "$web_log")" 1

# --- language per request
out=$(req adm "$base/lang/nl"); rc=$?
t_is "/lang/nl: 303 home" "$rc $(status_of "$out") $(header_of "$out" Location)" "0 303 /"
t_match "it sets the language cookie" "$(header_of "$out" Set-Cookie)" "^ruglab_lang=nl; Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict"
page=$(req adm "$base/admin/devices")
t_match "the devices page in Dutch" "$page" '<h1>Toestellen</h1>'
t_match "html lang is nl" "$page" '<html lang="nl">'
t_match "Dutch status words" "$(row dev-1 "$page")" '<td class="status">ingetrokken</td>'
t_match "Dutch unknown" "$(row dev-3 "$page")" '<td class="lag">onbekend</td>'
t_match "Dutch status active" "$(row dev-2 "$page")" '<td class="status">actief</td>'
users=$(req adm "$base/admin/users")
t_match "/admin/users in Dutch: role and status" "$users" '<td>jpeeters</td><td>Dr. Jan Peeters</td><td>arts</td><td>az-test</td><td>actief</td>'
t_match "/admin/users: no display name or site is a dash" "$users" '<td>it-admin</td><td>-</td><td>beheerder</td><td>-</td><td>actief</td>'
me=$(req adm "$base/me")
t_match "/me in Dutch: the role" "$me" '<dd class="role">beheerder</dd>'
t_match "/me: no display name is a dash" "$me" '<dd class="display-name">-</dd>'
t_match "/me: no site is a dash" "$me" '<dd class="site">-</dd>'
t_match "the nav offers both languages" "$me" '<a href="/lang/nl" hreflang="nl" lang="nl">NL</a> <a href="/lang/en" hreflang="en" lang="en">EN</a>'
out=$(req adm "$base/lang/en")
t_match "/lang/en sets English" "$(header_of "$out" Set-Cookie)" "^ruglab_lang=en;"
t_match "and the page is English again" "$(req adm "$base/me")" '<dd class="role">admin</dd>'
out=$(req adm "$base/lang/fr")
t_is "/lang/fr: 404" "$(status_of "$out")" 404
t_is "and no cookie" "$(grep -ci '^Set-Cookie: ruglab_lang' <<<"$out")" 0
out=$(curl -sS -b "$T_TMP/adm" -b "ruglab_lang=<x>" "$base/me")
t_match "a cookie that is not nl or en is ignored (the configuration's en)" "$out" '<html lang="en">'
out=$(curl -sS -H 'Accept-Language: fr-BE, nl-BE;q=0.8, en;q=0.5' "$base/signin")
t_match "no cookie: Accept-Language's first supported language" "$out" '<html lang="nl">'
t_match "the sign-in page in Dutch" "$out" '<h1>Aanmelden</h1>'
t_match "the sign-in page offers the languages" "$out" '<a href="/lang/nl" hreflang="nl" lang="nl">Nederlands</a>'
out=$(curl -sS -H 'Accept-Language: nl;q=0, en-GB' "$base/signin")
t_match "a language refused with q=0 is skipped" "$out" '<html lang="en">'
out=$(curl -sS -H 'Accept-Language: de, fr' "$base/signin")
t_match "none supported: the configuration's language" "$out" '<html lang="en">'
out=$(curl -sS -b "ruglab_lang=en" -H 'Accept-Language: nl' "$base/signin")
t_match "the cookie comes before Accept-Language" "$out" '<html lang="en">'
t_match "a physician's role in Dutch" "$(curl -sS -b "$T_TMP/doc" -b "ruglab_lang=nl" "$base/me")" '<dd class="role">arts</dd>'

kill -TERM "$web_pid"; wait "$web_pid"
t_is "ruglab-web exits 0 on TERM" "$?" 0
t_stop_collector
t_done
