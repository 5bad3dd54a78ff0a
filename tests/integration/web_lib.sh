# Helpers of the ruglab-web tests (sourced after lib.sh and t_pg_start):
# a configuration on a free port, the service started for real, and curl
# with a cookie jar per person.
#
#   w_conf [EXTRA]   writes $T_TMP/web.conf (language en, 2 threads, the
#                    source tree's templates and style sheet; EXTRA lines
#                    appended, e.g. an [outbox] section); sets $base, $conf
#   w_start          starts ruglab-web on $conf; $web_pid, $web_log
#   w_add_user NAME ARGS...  ruglab user add with the password $W_PW
#   req JAR ARGS...  curl with the cookie jar JAR; prints headers and body
#   status_of OUT, header_of OUT NAME
#   token JAR PATH   the CSRF token of the (first) form on PATH
#   signin JAR NAME PASSWORD
#   w_post JAR PATH FIELD=VALUE...   POST with the CSRF token of PATH's form
#   w_enrolled SITE   a patient (Peeters Jan, born 1970-01-01) of SITE in
#                     programme mrr-36 since 20 days, through the CLI; sets
#                     $p (subject), $e (enrolment), $badge (checked)

W_PW='correct horse battery staple'

w_add_user() { printf '%s\n' "$W_PW" | ruglab user add "$@" >/dev/null; }

w_conf() {
  port=$(t_free_port)
  base=http://127.0.0.1:$port
  conf=$T_TMP/web.conf
  cat >"$conf" <<CONF
[web]
listen = 127.0.0.1:$port
threads = 2
templates_dir = $T_ROOT/deploy/web/templates
static_dir = $T_ROOT/deploy/web/static
language = en
CONF
  [ $# -gt 0 ] && printf '%s\n' "$@" >>"$conf"
  return 0
}

w_start() {
  web_log=$T_TMP/web.log
  t_bg "$web_log" ruglab-web --config "$conf"
  web_pid=$T_LAST_PID
  t_wait_line "$web_log" "READY" 20
}

req() {
  local jar=$1; shift
  curl -sS -D - -b "$T_TMP/$jar" -c "$T_TMP/$jar" "$@"
}
status_of() { sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' <<<"$1"; }
header_of() { grep -i "^$2:" <<<"$1" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
token() {
  local page
  page=$(curl -sS -b "$T_TMP/$1" -c "$T_TMP/$1" "$base$2") || return 1
  sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' <<<"$page" | head -1
}
signin() {
  local t
  t=$(token "$1" /signin) || return 1
  req "$1" --data-urlencode "csrf=$t" --data-urlencode "name=$2" --data-urlencode "password=$3" "$base/signin"
}
w_post() {
  local jar=$1 path=$2 t; shift 2
  t=$(token "$jar" "$path") || return 1
  local args=(--data-urlencode "csrf=$t")
  local kv
  for kv in "$@"; do args+=(--data-urlencode "$kv"); done
  req "$jar" "${args[@]}" "$base$path"
}
w_enrolled() {
  p=$(ruglab --json patient add --site "$1" --family-name Peeters --given-name Jan \
    --birth-date 1970-01-01 --sex M --insz 70010100188 | jq -r .subject_id)
  t_match "patient added" "$p" "^[0-9]+$"
  e=$(ruglab --json enrol "$p" --programme mrr-36 --start "$(date -u -d '-20 days' +%F)" --route riziv \
    --indication chronic --pain-since "$(date -u -d '-400 days' +%F)" | jq -r .enrolment_id)
  t_match "patient enrolled" "$e" "^[0-9]+$"
  badge=$(t_psql ruglab_admin "SELECT badge_token FROM clinical.subject WHERE subject_id = ${p:-0}")
  t_match "the patient's badge" "$badge" "^[A-Z0-9-]+$"
}
