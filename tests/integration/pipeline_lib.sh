# The real path of a patient's programme (sourced after lib.sh and
# t_pg_start): site, GP, patient, enrolment and device through the `ruglab`
# CLI, a programme measured by the Tergumed simulator in ruglab-agent and
# stored by ruglab-collector, questionnaires and an information session
# entered by hand, the programme ended and its middle test marked as the
# mid test. Each step is a check of the calling test.
#
#   pl_programme          all of the above; sets $badge (the patient's
#                         badge), $EP (the collector's endpoint), $last (the
#                         date of the last test)
#   pl_validated_reference  the site's own reference table, marked validated
#                         (a final letter refuses the shipped illustrative one)
#   pl_extension_torque   prints the extension maximal torque (N·m) of the
#                         start, mid and end tests as stored by the collector
#                         (the best trial of each), as the letter prints them

pl_programme() {
  EP=tcp://127.0.0.1:$(t_free_port)
  cd "$T_TMP" || exit 1

  ruglab site add --code az-brugge --name "AZ Sint-Jan Brugge" --address "Ruddershove 10, 8000 Brugge" \
    --physician-name "Dr. Els Vermeulen" --physician-riziv 11111111111 >/dev/null
  ruglab gp add --riziv 12345678901 --family-name Peeters --given-name Jan --address "Kerkstraat 5" \
    --postal-code 8200 --city Sint-Andries >/dev/null
  local p rc mid_session
  p=$(ruglab --json patient add --site az-brugge --family-name Janssens --given-name Marie --birth-date 1981-03-03 \
    --sex F --insz 81030312255 --weight 68 --gp 12345678901 2>&1)
  t_check "patient added through the CLI" jq -e .badge_token <<<"$p"
  badge=$(jq -r .badge_token <<<"$p")
  t_check "enrolled through the CLI" ruglab enrol "$badge" --programme mrr-36 --start 2026-01-05 --route riziv \
    --indication chronic --pain-since 2025-06-01
  t_make_keys az-brugge tergu-1
  ruglab reference load "$T_ROOT/deploy/reference/example-reference.csv" >/dev/null

  t_collector_conf rep "$EP" >collector.conf
  t_start_collector collector.conf || { t_done; exit 1; }

  # the simulator: 10 sessions from 2026-01-05, tests at the first, middle and last
  cat >agent.conf <<CONF
[agent]
device_id = tergu-1
driver = simulator
drain_timeout_s = 40
[spool]
dir = $T_TMP/spool
$(t_agent_link tergu-1)
reconnect_ivl_ms = 50
[simulator]
seed = 3
patients = $badge:F:45:68
sessions = 10
start = 2026-01-05T08:00:00Z
days_between_sessions = 3.5
time_factor = 0
sets = 1
CONF
  t_log "$T_TMP/agent.log"
  ruglab-agent --config agent.conf >agent.log 2>&1
  rc=$?
  t_is "the simulator's programme is sent and acknowledged" "$rc" 0
  t_is "three test occasions: start, mid, end (after the end)" \
    "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.v_test_occasion")" 3

  last=$(t_psql ruglab_admin "SELECT max(test_date) FROM clinical.v_test_occasion")
  t_check "ODI at the start" ruglab questionnaire add "$badge" --instrument ODI --date 2026-01-05 --answers 1=3,2=3,3=2,4=3,5=2,6=3,7=2,8=3,9=2,10=3
  t_check "ODI at the end" ruglab questionnaire add "$badge" --instrument ODI --date "$last" --answers 1=1,2=1,3=1,4=1,5=0,6=1,7=1,8=1,9=0,10=1
  t_check "NPRS at the start" ruglab questionnaire add "$badge" --instrument NPRS --date 2026-01-05 --answers 1=8
  t_check "NPRS at the end" ruglab questionnaire add "$badge" --instrument NPRS --date "$last" --answers 1=4
  t_check "an information session by hand" ruglab session add "$badge" --date 2026-01-07 --kind information
  t_check "the programme ends" ruglab enrolment end "$badge" --completed --date "$last"
  mid_session=$(t_psql ruglab_admin "SELECT session_id FROM clinical.v_test_occasion WHERE test_index = 2")
  t_check "the middle test is marked as the mid test (short programme)" ruglab timepoint set "$badge" --device tergu-1 \
    --session "$mid_session" --timepoint mid --reason "tussentijdse test van een kort programma"
}

pl_validated_reference() {
  grep -v '^#' "$T_ROOT/deploy/reference/example-reference.csv" >"$T_TMP/site-ref.csv"
  t_check "the site's validated table" ruglab reference load "$T_TMP/site-ref.csv" --citation "Testwaarden van de site (2026)" \
    --population "gezonde volwassenen, test" --validated
}

pl_extension_torque() {
  t_psql ruglab_admin "SELECT string_agg(to_char(m, 'FM999990.0'), ' ' ORDER BY o.test_index)
    FROM clinical.v_test_occasion o
    JOIN LATERAL (SELECT max(max_torque_nm) m FROM meas.test_trial t WHERE t.device_id = o.device_id
                  AND t.session_id = o.session_id AND t.direction = 'extension') x ON true"
}
