# ruglab-web serving HTTPS itself ([tls] certificate and key, libmicrohttpd
# with GnuTLS): a self-signed certificate made here with openssl; curl
# --cacert reaches the pages over https; every response carries HSTS and
# the cookies are Secure; --check-config reads and checks the files (both
# or neither, the key private to its owner, a PEM pair that fits); plain
# HTTP (no [tls]) has no HSTS and no Secure cookie.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

t_pg_start
t_check "site add" ruglab site add --code az-oost --name "AZ Oost"
t_check "user add physician" w_add_user jpeeters --role physician --site az-oost
t_check "user add admin" w_add_user it-admin --role admin

pki=$T_TMP/pki
mkdir -p "$pki"
mkcert() {  # NAME: a self-signed certificate for 127.0.0.1 and its key
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=ruglab-test" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$pki/$1.key" -out "$pki/$1.crt" 2>"$pki/$1.err" && chmod 600 "$pki/$1.key"
}
t_check "openssl makes a self-signed certificate" mkcert web
t_check "and a second one (a key that does not fit)" mkcert other
cert=$pki/web.crt key=$pki/web.key

# --- --check-config
w_conf "[tls]" "certificate = $cert" "key = $key"
out=$(ruglab-web --config "$conf" --check-config 2>&1); rc=$?
t_is "--check-config with a certificate and its key: exit 0" "$rc" 0
t_match "it says https" "$out" "^configuration OK: .*listening on https://127.0.0.1:$port$"
check_bad() {  # WHAT WANTED [TLS LINES]: --check-config refuses with exit 4
  local what=$1 wanted=$2; shift 2
  cp "$conf" "$T_TMP/bad.conf"
  sed -i '/^\[tls\]/,$d' "$T_TMP/bad.conf"
  printf '%s\n' "[tls]" "$@" >>"$T_TMP/bad.conf"
  out=$(ruglab-web --config "$T_TMP/bad.conf" --check-config 2>&1); rc=$?
  t_is "$what: exit 4" "$rc" 4
  t_match "$what: the message" "$out" "$wanted"
}
check_bad "a certificate without a key" "set both certificate and key, or neither" "certificate = $cert"
check_bad "a key without a certificate" "set both certificate and key, or neither" "key = $key"
check_bad "a missing certificate" "\[tls\] certificate: cannot read $pki/none.crt: No such file" \
  "certificate = $pki/none.crt" "key = $key"
check_bad "a certificate that is not PEM" "\[tls\] certificate: $pki/web.err is not a PEM file" \
  "certificate = $pki/web.err" "key = $key"
check_bad "the key of another certificate" "are not a certificate and its private key" \
  "certificate = $cert" "key = $pki/other.key"
cp "$key" "$pki/open.key"; chmod 644 "$pki/open.key"
check_bad "a key readable by others" "key file $pki/open.key is readable by others \(mode 0644\).*chmod 600" \
  "certificate = $cert" "key = $pki/open.key"

# --- HTTPS
w_start || exit 1
t_match "the READY line says https" "$(head -1 "$web_log")" "READY listening on https://127.0.0.1:$port/"
base=https://127.0.0.1:$port
out=$(curl -sS -D - --cacert "$cert" "$base/signin"); rc=$?
t_is "curl --cacert over https: the sign-in page, 200" "$rc $(status_of "$out")" "0 200"
t_is "HSTS on the page" "$(header_of "$out" Strict-Transport-Security)" "max-age=31536000"
t_match "the pre-session cookie is Secure" "$(header_of "$out" Set-Cookie)" "^ruglab_presession=[0-9a-f]{64}; Path=/signin; Max-Age=3600; HttpOnly; SameSite=Strict; Secure$"
t_match "the page is served" "$out" "<h1>Sign in</h1>"
out=$(curl -sS -o /dev/null "$base/signin" 2>&1); rc=$?
t_check "without the CA the certificate is refused (it is TLS for real)" test "$rc" -ne 0
out=$(curl -sS -o /dev/null "http://127.0.0.1:$port/signin" 2>&1); rc=$?
t_check "plain HTTP to the HTTPS port gets no page" test "$rc" -ne 0
export CURL_CA_BUNDLE=$cert  # the helpers' curl (token, signin) trusts it too
out=$(signin doc jpeeters "$W_PW"); rc=$?
t_is "sign-in over https: 303 /" "$rc $(status_of "$out") $(header_of "$out" Location)" "0 303 /"
t_match "the session cookie is Secure" "$(grep -i '^Set-Cookie: ruglab_session=' <<<"$out" | tr -d '\r')" \
  "^Set-Cookie: ruglab_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict; Secure$"
t_is "HSTS on the redirect" "$(header_of "$out" Strict-Transport-Security)" "max-age=31536000"
out=$(req doc --cacert "$cert" "$base/me")
t_is "/me over https with the session: 200" "$(status_of "$out")" 200
t_is "HSTS on /me" "$(header_of "$out" Strict-Transport-Security)" "max-age=31536000"
out=$(req doc --cacert "$cert" "$base/admin/users")
t_is "a 403 carries HSTS" "$(status_of "$out") $(header_of "$out" Strict-Transport-Security)" "403 max-age=31536000"
out=$(req doc --cacert "$cert" "$base/no/such/page")
t_is "a 404 carries HSTS" "$(status_of "$out") $(header_of "$out" Strict-Transport-Security)" "404 max-age=31536000"
out=$(req doc --cacert "$cert" "$base/static/ruglab.css")
t_is "the style sheet carries HSTS" "$(status_of "$out") $(header_of "$out" Strict-Transport-Security)" "200 max-age=31536000"
out=$(req doc --cacert "$cert" "$base/lang/nl")
t_match "the language cookie is Secure" "$(header_of "$out" Set-Cookie)" "^ruglab_lang=nl; .*; Secure$"
kill -TERM "$web_pid"; wait "$web_pid"
t_is "ruglab-web over TLS exits 0 on TERM" "$?" 0
unset CURL_CA_BUNDLE

# --- plain HTTP: no HSTS, no Secure
w_conf
w_start || exit 1
t_match "without [tls] the READY line says http" "$(head -1 "$web_log")" "READY listening on http://127.0.0.1:$port/"
out=$(curl -sS -D - "$base/signin"); rc=$?
t_is "plain HTTP: 200" "$rc $(status_of "$out")" "0 200"
t_is "plain HTTP: no HSTS" "$(grep -ci '^Strict-Transport-Security' <<<"$out")" 0
t_is "plain HTTP: the cookie is not Secure" "$(grep -ci '^Set-Cookie:.*Secure' <<<"$out")" 0
out=$(signin doc2 jpeeters "$W_PW")
t_is "plain HTTP: sign-in without HSTS" "$(status_of "$out") $(grep -ci '^Strict-Transport-Security' <<<"$out")" "303 0"
kill -TERM "$web_pid"; wait "$web_pid"
t_is "ruglab-web exits 0 on TERM" "$?" 0
t_done
