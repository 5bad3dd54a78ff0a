# ruglab-web's sign-in under attack and accounts that change: parallel
# wrong passwords check no more passwords than the limit; attempts refused
# by the limit do not renew it; disabling an account or a new password ends
# the account's sessions; a URL cannot forge a line of the service's log.
# Client addresses come from X-Forwarded-For (127.0.0.1 is the trusted
# proxy), so each case has its own address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

t_pg_start
t_check "site add" ruglab site add --code az-oost --name "AZ Oost"
t_check "user add victim" w_add_user victim --role physician --site az-oost
t_check "user add q" w_add_user q.analyst --role quality
w_conf "[session]" "account_recheck_s = 0" "[proxy]" "trusted_proxies = 127.0.0.1"
w_start || exit 1

# signin_from ADDR JAR NAME PASSWORD
signin_from() {
  local addr=$1 jar=$2 t
  t=$(token "$jar" /signin) || return 1
  req "$jar" -H "X-Forwarded-For: $addr" --data-urlencode "csrf=$t" --data-urlencode "name=$3" \
    --data-urlencode "password=$4" "$base/signin"
}
counts() {
  t_psql ruglab_web "SELECT count(*) FILTER (WHERE NOT ok AND NOT refused_locked) || ' ' ||
    count(*) FILTER (WHERE refused_locked) || ' ' || count(*) FILTER (WHERE ok)
    FROM web.sign_in_attempt WHERE user_name = '$1'"
}

# --- 20 wrong passwords at once, each from its own address: the name's
# limit (5) holds; the rest are refused without a password check
for i in $(seq 1 20); do
  echo "10.1.0.$i"
done | xargs -P 20 -I{} bash -c "$(declare -f req token signin_from); base=$base T_TMP=$T_TMP; \
  signin_from {} par{} victim 'wrong password'" >/dev/null 2>&1
t_is "parallel wrong passwords: 5 checked, 15 refused by the limit, none signed in" "$(counts victim)" "5 15 0"
out=$(signin_from 10.1.1.1 locked victim "$W_PW")
t_is "the right password while locked: 429" "$(status_of "$out")" 429

# --- the lock ends 15 minutes after the fifth real failure, however many
# refused attempts came since: move the real failures 16 minutes back
t_is "the five real failures moved back" "$(t_psql ruglab_admin "WITH m AS (UPDATE web.sign_in_attempt
  SET at = at - interval '16 minutes' WHERE user_name = 'victim' AND NOT ok AND NOT refused_locked
  RETURNING 1) SELECT count(*) FROM m")" 5
out=$(signin_from 10.1.1.2 doc victim "$W_PW")
t_is "the refused attempts did not renew the lock: signed in" "$(status_of "$out") $(header_of "$out" Location)" "303 /"

# --- an account that changes ends its sessions
out=$(req doc "$base/worklist")
t_is "the session opens the worklist" "$(status_of "$out")" 200
t_check "ruglab user disable victim" ruglab user disable victim --reason "left the hospital"
out=$(req doc "$base/worklist")
t_is "after the account is disabled the same session is signed out" \
  "$(status_of "$out") $(header_of "$out" Location)" "303 /signin"
t_match "the log says why" "$(cat "$web_log")" "session of victim ended: the account is disabled"
t_check "ruglab user enable victim" ruglab user enable victim
out=$(signin_from 10.1.1.3 doc2 victim "$W_PW")
t_is "enabled again: signs in" "$(status_of "$out")" 303
t_is "the new session works" "$(status_of "$(req doc2 "$base/worklist")")" 200
t_check "ruglab user passwd victim" bash -c "printf '%s\n' 'another long passphrase here' | ruglab user passwd victim"
out=$(req doc2 "$base/worklist")
t_is "after a new password the old session is signed out" \
  "$(status_of "$out") $(header_of "$out" Location)" "303 /signin"
out=$(signin_from 10.1.1.4 doc3 victim 'another long passphrase here')
t_is "the new password signs in" "$(status_of "$out")" 303

# --- a URL cannot forge a line of the log
out=$(signin_from 10.1.1.5 qa q.analyst "$W_PW")
t_is "the quality analyst signs in" "$(status_of "$out")" 303
out=$(req qa "$base/programme/1%0Aruglab-web:%20info:%2010.0.0.1:%20sign-in%20of%20admin%20(admin)")
t_is "a forbidden URL with a new line: 403 (or 404)" "$(status_of "$out" | grep -cE '^(403|404)$')" 1
t_is "no log line starts with the forged text" \
  "$(grep -c '^ruglab-web: info: 10.0.0.1: sign-in of admin' "$web_log")" 0
# --- a session's CSRF token is no sign-in token, even with the session id
# as the pre-session cookie (both are MACs under one key)
sid=$(awk '$6 == "ruglab_session" {print $7}' "$T_TMP/qa")
stok=$(token qa /me)
t_match "the analyst's session id and a form token" "$sid $stok" '^[0-9a-f]{64} [0-9]+-[0-9a-f]{64}$'
out=$(curl -sS -D - -b "ruglab_presession=$sid" --data-urlencode "csrf=$stok" \
  --data-urlencode "name=q.analyst" --data-urlencode "password=$W_PW" "$base/signin")
t_is "posted to /signin with the session id as pre-session: 403" "$(status_of "$out")" 403
t_done
