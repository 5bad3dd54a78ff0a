# The people who sign in to ruglab-web (`ruglab user`) and the web's
# database roles: users of each role, listed as text and JSON; bad input
# refused with one line and nothing written; a new password replaces the
# old one; disable and enable; the password and its hash never shown nor
# logged; what ruglab_web, ruglab_secretariat and ruglab_quality may and
# may not do (the secretariat registers and enrols a patient for real with
# the admin CLI's commands, connected as ruglab_secretariat).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clinical_lib.sh"

t_pg_start

PW1='correct horse battery staple'
PW2='a new pass phrase, 2026'
# with_pw PASSWORD CMD...: CMD with the password as the one line of stdin
with_pw() { local pw=$1; shift; printf '%s\n' "$pw" | "$@"; }
# the output of every user command, searched for the passwords at the end
out_all=$T_TMP/user-output
: >"$out_all"
run() { "$@" >>"$out_all" 2>&1; }
hash_of() { t_psql ruglab_admin "SELECT password_hash FROM web.user_account WHERE name = '$1'"; }
users() { t_psql ruglab_admin "SELECT count(*) FROM web.user_account"; }

t_check "site add" ruglab site add --code az-oost --name "AZ Oost"
t_check "a second site" ruglab site add --code az-west --name "AZ West"

# --- users of each role
t_check "user add physician" run with_pw "$PW1" ruglab user add jpeeters --role physician --site az-oost --display-name "Dr. Jan Peeters"
t_check "user add secretariat" run with_pw "$PW1" ruglab user add an.claes --role secretariat --site az-oost
t_check "user add quality (no site)" run with_pw "$PW1" ruglab user add quality_1 --role quality
out=$(with_pw "$PW1" ruglab --json user add it-admin --role admin --site az-west 2>&1); rc=$?
echo "$out" >>"$out_all"
t_is "user add admin --json: exit status 0" "$rc" 0
t_is "user add --json names the user" "$(jq -r .name <<<"$out")" it-admin
t_is "four users" "$(users)" 4
t_is "created_by is the OS user" "$(SUDO_USER=alice with_pw "$PW1" ruglab user add mdewit --role physician --site az-west >/dev/null && t_psql ruglab_admin "SELECT created_by FROM web.user_account WHERE name = 'mdewit'")" alice

# --- list
out=$(ruglab user list 2>&1); rc=$?
echo "$out" >>"$out_all"
t_is "user list: exit status 0" "$rc" 0
t_match "user list shows name, role, site and status" "$out" "jpeeters +Dr. Jan Peeters +physician +az-oost +active "
t_match "user list shows a quality user without a site" "$out" "quality_1 +- +quality +- +active "
t_match "user list has a header with the last password change" "$out" "^name +display_name +role +site +status +created +created_by +password_changed"
out=$(ruglab --json user list 2>&1); rc=$?
echo "$out" >>"$out_all"
t_is "user list --json: exit status 0" "$rc" 0
t_is "user list --json: names, roles, sites" "$(jq -c '[.[] | [.name, .role, .site, .status]]' <<<"$out")" \
  '[["an.claes","secretariat","az-oost","active"],["it-admin","admin","az-west","active"],["jpeeters","physician","az-oost","active"],["mdewit","physician","az-west","active"],["quality_1","quality",null,"active"]]'
t_is "user list --json: no field holds a hash" "$(jq '[.[] | to_entries[] | select((.value | tostring) | test("argon2"))] | length' <<<"$out")" 0

# --- the hash
t_is "every hash is Argon2id" "$(t_psql ruglab_admin "SELECT count(*) FROM web.user_account WHERE password_hash LIKE '\$argon2id\$%'")" 5
h1=$(hash_of jpeeters)
t_check "the stored hash verifies the password" with_pw "$PW1" "$T_ROOT/$BUILD/tests/rl-password" verify "$h1"
t_fails "the stored hash refuses another password" with_pw "$PW2" "$T_ROOT/$BUILD/tests/rl-password" verify "$h1"

# --- refused, with one line, and nothing written
one_line_fail "a duplicate name" "^ruglab: user add: a user named 'jpeeters' already exists$" \
  with_pw "$PW1" ruglab user add jpeeters --role admin
one_line_fail "an unknown role" "^ruglab: user add: unknown role 'nurse' \(physician, secretariat, quality, admin\)$" \
  with_pw "$PW1" ruglab user add nurse1 --role nurse --site az-oost
one_line_fail "an unknown site" "^ruglab: user add: unknown site 'az-noord' \(see ruglab site list\)$" \
  with_pw "$PW1" ruglab user add pnoord --role physician --site az-noord
one_line_fail "a name with capitals" "^ruglab: user add: 'JPeeters' is not a user name \(1-64 of a-z, 0-9, '\.', '_' and '-'\)$" \
  with_pw "$PW1" ruglab user add JPeeters --role physician --site az-oost
one_line_fail "a name of 65 characters" "is not a user name" \
  with_pw "$PW1" ruglab user add "$(printf 'a%.0s' {1..65})" --role admin
one_line_fail "a short password" "^ruglab: user add: the password is too short: at least 12 characters$" \
  with_pw "short pw" ruglab user add newuser --role admin
one_line_fail "a password that is not UTF-8" "^ruglab: user add: the password is not valid UTF-8 text$" \
  with_pw $'abcdefghijkl\xff' ruglab user add newuser --role admin
one_line_fail "a password over 1024 bytes" "^ruglab: user add: the password is longer than 1024 bytes$" \
  with_pw "$(printf 'x%.0s' {1..1025})" ruglab user add newuser --role admin
one_line_fail "no password on stdin" "^ruglab: user add: no password given \(stdin is empty\)$" \
  ruglab user add newuser --role admin </dev/null
out=$(ruglab user add pnosite --role physician </dev/null 2>&1); rc=$?
t_is "a physician without --site: usage error (exit status 2)" "$rc" 2
t_match "a physician without --site: says why" "$out" "^ruglab: user add: a physician works for one site: --site is required$"
out=$(ruglab user add 2>&1); rc=$?
t_is "user add without NAME: exit status 2" "$rc" 2
t_is "nothing was added by the refused commands" "$(users)" 5

# At a terminal the password is asked twice, without echo; two different
# answers change nothing. A pseudo-terminal stands in for the person.
at_terminal() {
  python3 - "$@" <<'EOF'
import os, pty, sys
answers = sys.argv[1:3]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[3], sys.argv[3:])
seen = b""
def read_until(prompt):
    global seen
    while not seen.endswith(prompt):
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            return False
        if not chunk:
            return False
        seen += chunk
    return True
for prompt, answer in zip((b"new password: ", b"again: "), answers):
    if not read_until(prompt):
        break
    os.write(fd, answer.encode() + b"\n")
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
EOF
}
h_q=$(hash_of quality_1)
out=$(at_terminal "$PW2" "$PW2 (typo)" ruglab user passwd quality_1); rc=$?
echo "$out" >>"$out_all"
t_is "two different passwords at the terminal: exit status 1" "$rc" 1
t_match "two different passwords: says so" "$out" "ruglab: user passwd: the two passwords differ; nothing was changed"
t_is "two different passwords: the hash is unchanged" "$(hash_of quality_1)" "$h_q"
out=$(at_terminal "$PW2" "$PW2" ruglab user passwd quality_1); rc=$?
echo "$out" >>"$out_all"
t_is "the same password twice at the terminal: exit status 0" "$rc" 0
t_match "the terminal did not echo the password" "$out" "^new password: *"$'\r?\n'"again: *"$'\r?\n'"user quality_1 has a new password"
t_check "the terminal's password is stored" with_pw "$PW2" "$T_ROOT/$BUILD/tests/rl-password" verify "$(hash_of quality_1)"

# --- passwd
before=$(t_psql ruglab_admin "SELECT password_changed_at FROM web.user_account WHERE name = 'jpeeters'")
out=$(with_pw "$PW2" ruglab user passwd jpeeters 2>&1); rc=$?
echo "$out" >>"$out_all"
t_is "user passwd: exit status 0" "$rc" 0
t_is "user passwd: says so" "$out" "user jpeeters has a new password"
h2=$(hash_of jpeeters)
t_match "passwd: the hash changed" "$([ "$h1" != "$h2" ] && echo changed)" "^changed$"
t_check "passwd: the new password verifies" with_pw "$PW2" "$T_ROOT/$BUILD/tests/rl-password" verify "$h2"
t_fails "passwd: the old password no longer verifies" with_pw "$PW1" "$T_ROOT/$BUILD/tests/rl-password" verify "$h2"
t_is "passwd: the last password change moved" \
  "$(t_psql ruglab_admin "SELECT password_changed_at > '$before' FROM web.user_account WHERE name = 'jpeeters'")" t
one_line_fail "passwd: a short password changes nothing" "^ruglab: user passwd: the password is too short" \
  with_pw "short" ruglab user passwd jpeeters
t_is "passwd: the refused password left the hash" "$(hash_of jpeeters)" "$h2"
one_line_fail "passwd: an unknown user" "^ruglab: user passwd: no user named 'nobody' \(see ruglab user list\)$" \
  with_pw "$PW2" ruglab user passwd nobody

# --- disable, enable
t_check "user disable" run ruglab user disable an.claes --reason "left the hospital"
t_is "disable: the account is disabled with its reason" \
  "$(t_psql ruglab_admin "SELECT (disabled_at IS NOT NULL) || ':' || disable_reason FROM web.user_account WHERE name = 'an.claes'")" "true:left the hospital"
t_is "user list shows it disabled" "$(ruglab --json user list | jq -r '.[] | select(.name == "an.claes") | .status + ":" + .disable_reason')" "disabled:left the hospital"
one_line_fail "disable twice" "^ruglab: user disable: user 'an.claes' is already disabled$" ruglab user disable an.claes
one_line_fail "disable an unknown user" "^ruglab: user disable: no user named 'nobody'" ruglab user disable nobody
t_check "user enable" run ruglab user enable an.claes
t_is "enable: active again, no reason left" \
  "$(t_psql ruglab_admin "SELECT coalesce(disabled_at::text, 'active') || ':' || coalesce(disable_reason, '-') FROM web.user_account WHERE name = 'an.claes'")" "active:-"
one_line_fail "enable an active user" "^ruglab: user enable: user 'an.claes' is not disabled$" ruglab user enable an.claes

# --- ruglab_web: reads the accounts, writes sign-in attempts, nothing else
t_is "ruglab_web reads the accounts" "$(t_psql ruglab_web "SELECT count(*) FROM web.user_account WHERE password_hash LIKE '\$argon2id\$%' AND disabled_at IS NULL")" 5
t_check "ruglab_web records a sign-in attempt" t_psql ruglab_web \
  "INSERT INTO web.sign_in_attempt (user_name, client_addr, ok) VALUES ('jpeeters', '127.0.0.1', false)"
t_is "ruglab_web counts recent failures" "$(t_psql ruglab_web "SELECT count(*) FROM web.sign_in_attempt WHERE user_name = 'jpeeters' AND NOT ok AND at > now() - interval '15 minutes'")" 1
t_fails_with "ruglab_web cannot change an account" 'permission denied' t_psql ruglab_web "UPDATE web.user_account SET role = 'admin'"
t_fails_with "ruglab_web cannot add an account" 'permission denied' t_psql ruglab_web \
  "INSERT INTO web.user_account (name, role, password_hash, created_by) VALUES ('x', 'admin', 'h', 'x')"
t_fails_with "ruglab_web cannot erase sign-in attempts" 'permission denied' t_psql ruglab_web "DELETE FROM web.sign_in_attempt"
t_fails_with "ruglab_web cannot read identity" 'permission denied' t_psql ruglab_web "SELECT * FROM identity.patient"
t_fails_with "ruglab_web cannot write clinical tables" 'permission denied' t_psql ruglab_web \
  "INSERT INTO clinical.site (code, name) VALUES ('web-site', 'x')"

# --- ruglab_quality and ruglab_clinician see no accounts
t_fails_with "ruglab_quality cannot read web.user_account" 'permission denied' t_psql ruglab_quality "SELECT name FROM web.user_account"
t_fails_with "ruglab_clinician cannot read web.user_account" 'permission denied' t_psql ruglab_clinician "SELECT password_hash FROM web.user_account"
t_fails_with "ruglab_secretariat cannot read web.user_account" 'permission denied' t_psql ruglab_secretariat "SELECT name FROM web.user_account"

# --- ruglab_secretariat: the admin CLI's registration and attendance
# commands, connected as the secretariat's role, work end to end
sec() { ruglab --db "$RUGLAB_DB user=ruglab_secretariat" "$@"; }
t_check "gp add (as admin)" ruglab gp add --riziv 12345678901 --family-name Peeters --given-name Jan
insz=$(n=700101001; printf '%s%02d' "$n" $((97 - n % 97)))
out=$(sec --json patient add --site az-oost --family-name Janssens --given-name Els --birth-date 1970-01-01 \
  --sex M --insz "$insz" --weight 70 --gp 12345678901 2>&1); rc=$?
t_is "secretariat: patient add (exit status)" "$rc" 0
subject=$(jq -r .subject_id <<<"$out" 2>/dev/null)
t_is "secretariat: the patient is registered" "$(t_psql ruglab_admin "SELECT count(*) FROM identity.patient WHERE subject_id = '$subject'")" 1
out=$(sec --json enrol "$subject" --programme mrr-36 --start 2026-01-05 --route riziv --indication chronic --pain-since 2025-09-01 2>&1); rc=$?
t_is "secretariat: enrol (exit status)" "$rc" 0
enrolment=$(jq -r .enrolment_id <<<"$out" 2>/dev/null)
t_check "secretariat: session add (information)" sec session add "$subject" --date 2026-01-06 --kind information
t_check "secretariat: session no-show" sec session no-show "$subject" --date 2026-01-08
t_check "secretariat: session cancel" sec session cancel "$subject" --date 2026-01-12 --note "called in sick"
t_psql ruglab_collector "INSERT INTO meas.session_event (device_id, boot_id, seq, taken_at, session_id, enrolment_id, event, kind)
  VALUES ('dev-1', 1, 1, (date '2026-01-15' + time '09:00') AT TIME ZONE 'Europe/Brussels', 's1', $enrolment, 'start', 'training')" >/dev/null
t_check "secretariat: session cancel of a device session" sec session cancel "$subject" --device dev-1 --device-session s1 --note "wrong badge"
t_check "secretariat: the same correction again (ON CONFLICT DO UPDATE)" sec session cancel "$subject" --device dev-1 --device-session s1 --note "wrong badge, twice"
t_check "secretariat: questionnaire add" sec questionnaire add "$subject" --instrument NPRS --date 2026-01-05 --answers 1=6
t_is "secretariat: what was written" \
  "$(t_psql ruglab_admin "SELECT (SELECT count(*) FROM clinical.session WHERE enrolment_id = $enrolment) || ':' || (SELECT count(*) FROM meas.questionnaire_response WHERE enrolment_id = $enrolment)")" "4:1"
t_check "secretariat: session list" sec session list "$subject"
t_check "secretariat: questionnaire list" sec questionnaire list "$subject"
t_check "secretariat: enrolment status (attendance, warnings, time points)" sec enrolment status "$subject"
t_check "secretariat: patient show (audited)" sec patient show "$subject"
t_is "secretariat: the read of identity is in the access log under its role" \
  "$(t_psql ruglab_admin "SELECT db_user FROM audit.access_log WHERE command = 'patient show' ORDER BY access_id DESC LIMIT 1")" ruglab_secretariat
# ... and nothing more
t_fails_with "secretariat cannot read raw measurements" 'permission denied' t_psql ruglab_secretariat "SELECT * FROM meas.test_trial"
t_fails_with "secretariat cannot read raw curves" 'permission denied' t_psql ruglab_secretariat "SELECT * FROM meas.sample_batch"
t_fails_with "secretariat cannot read meas.questionnaire_response beyond its id" 'permission denied' \
  t_psql ruglab_secretariat "SELECT answers FROM meas.questionnaire_response"
t_fails_with "secretariat cannot write measurements" 'permission denied' t_psql ruglab_secretariat \
  "INSERT INTO meas.test_trial (device_id, boot_id, seq, taken_at, session_id, enrolment_id, direction, trial, rom_deg, max_torque_nm, angle_at_max_deg)
   VALUES ('dev-1', 1, 9, now(), 's1', $enrolment, 'extension', 1, 40, 150, 10)"
t_fails_with "secretariat cannot issue a report" 'permission denied' t_psql ruglab_secretariat \
  "INSERT INTO clinical.report_issued (enrolment_id, kind, lang, sha256, generated_by, via) VALUES ($enrolment, 'letter', 'nl', repeat('0', 64), 'x', 'letter')"
t_check "secretariat can see whether a report went out" t_psql ruglab_secretariat "SELECT count(*) FROM clinical.report_issued"
t_fails_with "secretariat cannot write a conclusion" 'permission denied' t_psql ruglab_secretariat \
  "INSERT INTO clinical.conclusion (enrolment_id, body, written_by) VALUES ($enrolment, 'x', 'x')"
t_fails_with "secretariat cannot enrol a device" 'permission denied' t_psql ruglab_secretariat \
  "INSERT INTO clinical.device (device_id, site_id, model, public_key) VALUES ('d', 1, 'm', repeat('a', 40))"
t_fails_with "secretariat cannot change a programme template" 'permission denied' t_psql ruglab_secretariat "UPDATE clinical.programme SET max_per_week = 7"
t_fails_with "secretariat cannot rewrite an enrolment" 'permission denied' t_psql ruglab_secretariat "UPDATE clinical.enrolment SET status = 'completed', end_date = start_date"
t_fails_with "secretariat cannot delete a patient" 'permission denied' t_psql ruglab_secretariat "DELETE FROM identity.patient"
t_fails_with "secretariat cannot read the access log" 'permission denied' t_psql ruglab_secretariat "SELECT * FROM audit.access_log"
t_fails_with "secretariat cannot read the quality tables" 'permission denied' t_psql ruglab_secretariat "SELECT * FROM quality.enrolment"

# --- neither the password nor its hash was ever shown or logged
t_is "no command output holds a password" "$(grep -cF -e "$PW1" -e "$PW2" "$out_all")" 0
t_is "no command output holds a hash" "$(grep -c 'argon2' "$out_all")" 0
t_is "the access log holds no password and no hash" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM audit.access_log WHERE concat_ws(' ', os_user, program, command, detail) ~ 'argon2|horse|pass phrase'")" 0
t_is "the server log holds no password and no hash" "$(grep -cE -e 'argon2' -e "$PW1" -e "$PW2" "$T_PG/postgresql.log")" 0

# Last, as it logs the row it refuses (hash included) on the server: a
# physician without a site cannot be stored, whoever writes it.
t_fails_with "the database refuses a physician without a site" 'check constraint' \
  t_psql ruglab_admin "UPDATE web.user_account SET site_id = NULL WHERE name = 'jpeeters'"

t_done
