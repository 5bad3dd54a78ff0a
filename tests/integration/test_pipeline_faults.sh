# Exactly once through the whole pipeline under faults: ten ruglab-agents
# run the Tergumed simulator (tests in six directions, raw curves) into one
# ruglab-collector while the test kills the collector with SIGKILL three
# times, restarts PostgreSQL twice (immediate and fast) and SIGKILLs one
# agent mid-stream and restarts it. Afterwards every measurement generated
# is in the database exactly once (per device: counts per table and a
# checksum of the generated stream against the table contents) and every
# agent's spool is empty.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agents_lib.sh"

t_pg_start
pg() { PGLOCAL_DIR=$T_PG "$T_ROOT/scripts/pg-local.sh" "$@" >/dev/null 2>&1; }
EP=tcp://127.0.0.1:$(t_free_port)
N_AGENTS=10
DEVICES=$(seq -f 'dev-%02g' 1 $N_AGENTS)

t_seed_patient 30
t_make_keys az-test $DEVICES
t_collector_conf fault-collector "$EP" "[database]" "reconnect_max_ms = 500" >"$T_TMP/collector.conf"

# Each agent simulates a short programme (three test sessions, 100 Hz
# curves) with its own seed, a few simulated days in about 15 seconds.
START=$(date -u -d '3 days ago' +%Y-%m-%dT%H:%M:%SZ)
i=0
for d in $DEVICES; do
  i=$((i + 1))
  al_sim_conf "$d" "$i" "" "days_between_sessions = 0.01
time_factor = 180" >"$T_TMP/$d.conf"
  al_expect "$d"
done

t_start_collector "$T_TMP/collector.conf" || { t_done; exit 1; }
# shellcheck disable=SC2086
al_start $DEVICES


al_wait_pct 8
al_note "8 % stored"
t_stop_collector KILL
al_note "kill_collector"
t_start_collector "$T_TMP/collector.conf"
al_wait_pct 20
pg stop immediate
al_note "pg stop immediate"
pg start
al_wait_pct 35
kill -KILL "${AL_PID[dev-05]}"
wait "${AL_PID[dev-05]}" 2>/dev/null
t_bg "$T_TMP/agent-dev-05-restart.log" ruglab-agent --config "$T_TMP/dev-05.conf"
AL_PID[dev-05]=$T_LAST_PID
al_wait_pct 45
al_note "45 % stored"
t_stop_collector KILL
t_start_collector "$T_TMP/collector.conf"
al_wait_pct 60
pg stop fast
al_note "pg stop fast"
pg start
al_wait_pct 70
al_note "70 % stored"
t_stop_collector KILL
t_start_collector "$T_TMP/collector.conf"

al_wait_agents
t_is "the collector was killed three times" "$T_COLLECTOR_N" 4
t_match "the killed agent resumed its programme after the restart" "$(cat "$T_TMP/agent-dev-05-restart.log")" "resuming after message [0-9]+"

for d in $DEVICES; do
  al_check_exactly_once "$d"
done
t_is "nothing was dead-lettered" "$(t_psql ruglab_admin "SELECT count(*) FROM meas.dead_letter")" 0
logs=$(cat "$T_TMP"/agent-*.log)
t_match "the agents noticed the lost collector" "$logs" "lost the connection to collector"
t_done
