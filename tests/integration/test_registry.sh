# The cross-site registry: two site clusters and a registry cluster on this
# machine, replication set up with `ruglab registry init/add-site`, data
# added at both sites (generated, and a patient's test sent through
# ruglab-agent and ruglab-collector) reaches the registry's summaries; a site and the
# registry that go down and come back catch up with nothing lost.
. "$(dirname "$0")/lib.sh"

PG_A=$T_TMP/pg-a PG_B=$T_TMP/pg-b PG_R=$T_TMP/pg-reg
stop_all() {
  local d
  for d in "$PG_A" "$PG_B" "$PG_R"; do
    PGLOCAL_DIR=$d "$T_ROOT/scripts/pg-local.sh" stop immediate >/dev/null 2>&1
  done
  t_cleanup
}
trap stop_all EXIT
# the three clusters start in parallel
for d in "$PG_A" "$PG_B" "$PG_R"; do
  t_log "$d/postgresql.log"
  mkdir -p "$d"
  PGLOCAL_DIR=$d "$T_ROOT/scripts/pg-local.sh" start >"$d.start.log" 2>&1 &
done
wait
for d in "$PG_A" "$PG_B" "$PG_R"; do
  if ! PGLOCAL_DIR=$d "$T_ROOT/scripts/pg-local.sh" status >/dev/null 2>&1; then
    cat "$d.start.log"; t_not_ok "start cluster $d"; exit 1
  fi
done
A=$(PGLOCAL_DIR=$PG_A "$T_ROOT/scripts/pg-local.sh" conninfo)
B=$(PGLOCAL_DIR=$PG_B "$T_ROOT/scripts/pg-local.sh" conninfo)
R=$(PGLOCAL_DIR=$PG_R "$T_ROOT/scripts/pg-local.sh" conninfo)
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$1 user=${3:-ruglab_admin}" -c "$2"; }
# pipeline DB CODE: a patient enrolled with the CLI at a new site CODE, and a
# start test sent by ruglab-agent (JSON lines) to a real collector writing
# to DB; then the site's quality tables are refreshed and the collector
# stopped (t_check runs this in a subshell: its exit cleanup never sees it).
pipeline() {
  local db=$1 code=$2 p b rc=1
  # this site's database, keys, logs and collector count (lib.sh reads them)
  local -x RUGLAB_DB=$db
  local T_TMP=$T_TMP/pipe-$2 T_COLLECTOR_N=0 EP
  mkdir -p "$T_TMP"
  ruglab site add --code "$code" --name "Pipeline $code" >/dev/null || return 1
  p=$(ruglab --json patient add --site "$code" --family-name Een --given-name Piet \
      --birth-date 1985-07-30 --sex M --insz 85073003328 --weight 80) || return 1
  b=$(jq -r .badge_token <<<"$p")
  ruglab enrol "$b" --programme mrr-36 --start 2026-01-05 --route riziv --indication chronic \
    --pain-since 2025-09-01 >/dev/null || return 1
  t_make_keys "$code" "dev-$code"
  EP=tcp://127.0.0.1:$(t_free_port)
  t_collector_conf "$code" "$EP" "[database]" "conninfo = $db" >"$T_TMP/collector.conf"
  {
    printf '[agent]\ndevice_id = dev-%s\ndriver = jsonl\ndrain_timeout_s = 30\n[spool]\ndir = %s/spool\n' \
      "$code" "$T_TMP"
    t_agent_link "dev-$code"
    printf 'reconnect_ivl_ms = 50\n'
  } >"$T_TMP/agent.conf"
  {
    printf '{"type": "session_start", "patient_token": "%s", "session_id": "s1", "taken_at": "2026-01-05T09:00:00Z", "kind": "test"}\n' "$b"
    for n in 1 2 3; do
      printf '{"type": "test_result", "patient_token": "%s", "session_id": "s1", "taken_at": "2026-01-05T09:1%s:00Z", "direction": "extension", "trial": %s, "rom_deg": 30, "max_torque_nm": %s, "angle_at_max_deg": 5}\n' \
        "$b" "$n" "$n" "$((200 + n * 10))"
    done
  } >"$T_TMP/lines.jsonl"
  t_log "$T_TMP/agent.log"
  t_start_collector "$T_TMP/collector.conf" &&
    ruglab-agent --config "$T_TMP/agent.conf" <"$T_TMP/lines.jsonl" >"$T_TMP/agent.log" 2>&1 &&
    ruglab-outcomes refresh >/dev/null && rc=0
  t_stop_collector
  return $rc
}

# retry a lost connection to a site quickly (the default is 5 s)
q "$R dbname=postgres" "ALTER SYSTEM SET wal_retrieve_retry_interval = '300ms'" postgres >/dev/null
q "$R dbname=postgres" "SELECT pg_reload_conf()" postgres >/dev/null

t_check "site A migrated" ruglab --db "$A" db migrate
t_check "site B migrated" ruglab --db "$B" db migrate
out=$(ruglab registry init --registry-db "$R" 2>&1); rc=$?
t_is "registry init exits 0" "$rc" 0
t_match "registry init says so" "$out" "^registry ready"
t_check "registry init again is harmless" ruglab registry init --registry-db "$R"

"$T_ROOT/scripts/gen-population.sh" --db "$A" --seed 1 --sites 2 --enrolments 30 --years 2 --site-prefix sa >/dev/null
"$T_ROOT/scripts/gen-population.sh" --db "$B" --seed 2 --sites 1 --enrolments 20 --years 2 --site-prefix sb >/dev/null
t_check "refresh at site A" ruglab-outcomes --db "$A" refresh
t_check "refresh at site B" ruglab-outcomes --db "$B" refresh

out=$(ruglab registry add-site site-a --site-db "$A user=postgres" --registry-db "$R" 2>&1); rc=$?
t_is "add-site A exits 0" "$rc" 0
t_match "add-site names the subscription" "$out" "subscription ruglab_site_site_a"
t_check "add-site B" ruglab registry add-site site-b --site-db "$B user=postgres" --registry-db "$R"
t_fails_with "the same site twice is refused" "already subscribed" \
  ruglab registry add-site site-b --site-db "$B user=postgres" --registry-db "$R"

reg_count() { q "$R" "SELECT count(*) FROM quality.enrolment" ruglab_quality; }
wait_count() { [ "$(reg_count)" = "$1" ]; }
t_wait_for "the registry holds both sites' enrolments" 30 wait_count 50 && t_ok "registry holds 50 enrolments"
# each published table has its own initial copy: wait for the outcome rows
# too before reading them (under a sanitizer build they came after the
# enrolments and the check below read 0)
want=$(q "$A" "SELECT count(*) FROM quality.outcome" ruglab_quality)
want_b=$(q "$B" "SELECT count(*) FROM quality.outcome" ruglab_quality)
outcome_rows() { [ "$(q "$R" "SELECT count(*) FROM quality.outcome" ruglab_quality)" = "$((want + want_b))" ]; }
t_wait_for "the registry holds both sites' outcome rows" 30 outcome_rows
t_is "keys are unique across sites" "$(q "$R" "SELECT count(DISTINCT enrolment_key) FROM quality.enrolment")" 50
out=$(ruglab-outcomes --db "$R" --csv summary --by site --measure nprs)
t_match "the registry's summary has site A's sites" "$out" "sa01,15,"
t_match "the registry's summary has site B" "$out" "sb01,20,"
t_match "and the total of all sites" "$out" "all,50,"
t_is "site A's outcome rows are all in the registry" \
  "$(q "$R" "SELECT count(*) FROM quality.outcome WHERE enrolment_key LIKE 'sa%'" ruglab_quality)" "$want"
t_fails_with "a refresh on the registry is refused" "registry" ruglab-outcomes --db "$R" refresh
out=$(ruglab registry list --registry-db "$R")
t_match "registry list shows both sites" "$out" "site-a .*site-b|site-a[^
]*
site-b"

# more data at site A reaches the registry: generated, and through the pipeline
"$T_ROOT/scripts/gen-population.sh" --db "$A" --seed 3 --sites 2 --enrolments 9 --years 2 --site-prefix sa >/dev/null
t_check "site A: a patient's test through agent and collector" pipeline "$A" pa01
t_wait_for "new enrolments at A reach the registry" 30 wait_count 60 && t_ok "registry holds 60 enrolments"
pipe_best() { [ "$(q "$R" "SELECT o.start_value FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key)
                           WHERE e.site_code = '$1' AND o.measure = 'strength_extension'" ruglab_quality)" = 230 ]; }
t_wait_for "the pipeline's best trial at A is in the registry" 20 pipe_best pa01 && t_ok "registry: pa01 strength_extension start 230 N·m"
t_fails_with "the same site under another name is refused (its site codes are there)" "already in the registry" \
  ruglab registry add-site site-a-again --site-db "$A user=postgres" --registry-db "$R"

# site B goes down, comes back, and adds data
PGLOCAL_DIR=$PG_B "$T_ROOT/scripts/pg-local.sh" stop immediate >/dev/null
out=$(ruglab-outcomes --db "$R" --csv summary --by site --measure nprs)
t_match "the registry still answers while site B is down" "$out" "all,60,"
PGLOCAL_DIR=$PG_B "$T_ROOT/scripts/pg-local.sh" start >/dev/null
"$T_ROOT/scripts/gen-population.sh" --db "$B" --seed 4 --sites 1 --enrolments 6 --years 2 --site-prefix sb >/dev/null
t_check "site B: a patient's test through agent and collector" pipeline "$B" pb01
t_wait_for "site B catches up after its restart" 40 wait_count 67 && t_ok "registry holds 67 enrolments"
t_wait_for "the pipeline's best trial at B is in the registry" 20 pipe_best pb01 && t_ok "registry: pb01 strength_extension start 230 N·m"

# the registry goes down while both sites change; it catches up on restart
PGLOCAL_DIR=$PG_R "$T_ROOT/scripts/pg-local.sh" stop fast >/dev/null
"$T_ROOT/scripts/gen-population.sh" --db "$A" --seed 5 --sites 2 --enrolments 6 --years 2 --site-prefix sa >/dev/null
ruglab-outcomes --db "$A" refresh >/dev/null
"$T_ROOT/scripts/gen-population.sh" --db "$B" --seed 6 --sites 1 --enrolments 5 --years 2 --site-prefix sb >/dev/null
ruglab-outcomes --db "$B" refresh >/dev/null
q "$A" "UPDATE clinical.enrolment SET status = 'dropped_out', end_date = start_date + 30
        WHERE enrolment_id = (SELECT min(enrolment_id) FROM clinical.enrolment WHERE status = 'active')" >/dev/null
ruglab-outcomes --db "$A" refresh >/dev/null
PGLOCAL_DIR=$PG_R "$T_ROOT/scripts/pg-local.sh" start >/dev/null
t_wait_for "the registry catches up after its restart" 40 wait_count 78 && t_ok "registry holds 78 enrolments"
same() {
  [ "$(q "$A" "SELECT md5(string_agg(enrolment_key || status || coalesce(dropout_week::text, ''), ',' ORDER BY enrolment_key)) FROM quality.enrolment" ruglab_quality)" = \
    "$(q "$R" "SELECT md5(string_agg(enrolment_key || status || coalesce(dropout_week::text, ''), ',' ORDER BY enrolment_key)) FROM quality.enrolment WHERE site_code ~ '^(sa|pa)'" ruglab_quality)" ]
}
t_wait_for "site A's rows in the registry equal the site's, update included" 30 same && t_ok "registry equals site A, nothing lost"

# an unreachable site: one line
out=$(ruglab registry add-site site-c --site-db "host=127.0.0.1 port=1 dbname=ruglab connect_timeout=3" --registry-db "$R" 2>&1); rc=$?
t_is "unreachable site: exit 3" "$rc" 3
t_match "unreachable site: named" "$out" "^ruglab: registry add-site site-c: site: cannot connect to host=127.0.0.1 port=1"
t_is "unreachable site: one line" "$(printf '%s\n' "$out" | wc -l)" 1
out=$(ruglab registry add-site site-c --site-db "$A user=postgres" --registry-db "host=127.0.0.1 port=1 dbname=ruglab connect_timeout=3" 2>&1); rc=$?
t_is "unreachable registry: exit 3, one line" "$rc/$(printf '%s\n' "$out" | wc -l)" "3/1"

# ruglab-web's quality dashboard on the registry ([database] conninfo):
# the same pages across sites, from the replicated quality tables alone
. "$(dirname "$0")/web_lib.sh"
t_is "the registry holds no clinical enrolment" "$(q "$R" "SELECT count(*) FROM clinical.enrolment")" 0
printf '%s\n' "$W_PW" | ruglab --db "$R" user add kwal --role quality >/dev/null
t_is "a quality user on the registry" "$?" 0
w_conf "[database]" "conninfo = $R"
w_start || exit 1
signin q kwal "$W_PW" >/dev/null
for path in "/quality?by=site" /quality/completeness /quality/runchart /quality/boxplots; do
  out=$(req q "$base$path")
  t_is "registry: $path is 200" "$(status_of "$out")" 200
done
out=$(req q "$base/quality?by=site&format=csv")
t_is "registry: the dashboard's CSV is ruglab-outcomes' across sites" \
  "$(sed -n '/^\r$/,$p' <<<"$out" | sed 1d | tr -d '\r')" \
  "$(ruglab-outcomes --db "$R" --csv summary --by site | tr -d '\r')"
t_match "registry: both sites on the dashboard" "$out" "sa.*sb|sb.*sa"
kill -TERM "$web_pid"; wait "$web_pid"

t_done
