# The incremental refresh (migration 600): after a full refresh, changes
# made through the real paths (ruglab questionnaire add, session add,
# enrolment end) are recomputed alone, and the quality tables then equal
# what a full refresh gives; a deleted enrolment disappears; a global
# change recomputes everything; --watch refreshes without being asked,
# reconnects after a restart of PostgreSQL and ends with 0 on SIGTERM.
. "$(dirname "$0")/lib.sh"

t_pg_start

out=$("$T_ROOT/scripts/gen-population.sh" --seed 11 --sites 2 --enrolments 60 --years 1 2>&1); rc=$?
t_is "generator exits 0" "$rc" 0

out=$(ruglab-outcomes refresh 2>&1); rc=$?
t_is "first refresh exits 0" "$rc" 0
t_match "the first refresh is full" "$out" "60 enrolments \(60 new, 0 changed, 0 removed\), [0-9]+ outcome rows changed; 60 enrolments recomputed \(full\)"
out=$(ruglab-outcomes refresh 2>&1)
t_match "a second refresh recomputes nothing" "$out" "60 enrolments \(0 new, 0 changed, 0 removed\), 0 outcome rows changed; 0 enrolments recomputed \(incremental\)"

dump() {
  t_psql ruglab_quality "COPY (SELECT * FROM quality.enrolment ORDER BY enrolment_key) TO STDOUT" >"$1" &&
    t_psql ruglab_quality "COPY (SELECT * FROM quality.outcome ORDER BY enrolment_key, measure) TO STDOUT" >>"$1" &&
    t_psql ruglab_quality "COPY (SELECT * FROM quality.agg_enrolment ORDER BY site_code, year, programme_code, route) TO STDOUT" >>"$1" &&
    t_psql ruglab_quality "COPY (SELECT * FROM quality.agg_outcome ORDER BY site_code, year, programme_code, route, measure) TO STDOUT" >>"$1"
}

# three running programmes of three patients, started at least 30 days ago
mapfile -t pick < <(t_psql ruglab_admin "SELECT s.badge_token || ' ' || e.enrolment_id FROM clinical.enrolment e
  JOIN clinical.subject s USING (subject_id)
  WHERE e.status = 'active' AND e.start_date <= current_date - 30
    AND (SELECT count(*) FROM clinical.enrolment x WHERE x.subject_id = e.subject_id) = 1
  ORDER BY e.enrolment_id LIMIT 3")
t_is "three running programmes to change" "${#pick[@]}" 3
read -r b1 e1 <<<"${pick[0]}"
read -r b2 e2 <<<"${pick[1]}"
read -r b3 e3 <<<"${pick[2]}"
today=$(date +%F)
t_check "questionnaire add" ruglab questionnaire add "$b1" --instrument NPRS --date "$today" --answers 1=2
t_check "session add" ruglab session add "$b2" --date "$today" --kind information
t_check "enrolment end" ruglab enrolment end "$b3" --completed --date "$today" --force

out=$(ruglab-outcomes refresh 2>&1); rc=$?
t_is "incremental refresh exits 0" "$rc" 0
t_match "it recomputes exactly the three changed enrolments" "$out" "; 3 enrolments recomputed \(incremental\)"
t_match "the ended one changed" "$out" "60 enrolments \(0 new, [1-3] changed, 0 removed\)"
t_is "the ended programme is completed in quality.enrolment" \
  "$(t_psql ruglab_quality "SELECT status FROM quality.enrolment WHERE local_enrolment_id = $e3")" completed
t_is "the seen stamps are the marks" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM clinical.enrolment_change c LEFT JOIN quality.refresh_seen s USING (enrolment_id) WHERE s.stamp IS DISTINCT FROM c.stamp")" 0

dump "$T_TMP/incremental.txt"
out=$(ruglab-outcomes refresh --full 2>&1); rc=$?
t_is "refresh --full exits 0" "$rc" 0
t_match "--full recomputes everything and finds nothing to change" "$out" "60 enrolments \(0 new, 0 changed, 0 removed\), 0 outcome rows changed; 60 enrolments recomputed \(full\)"
dump "$T_TMP/full.txt"
t_check "the tables after the incremental refresh equal those of a full one" diff "$T_TMP/incremental.txt" "$T_TMP/full.txt"

# an enrolment added then deleted
new=$(t_psql ruglab_admin "INSERT INTO clinical.enrolment (subject_id, site_id, programme_id, indication, route, start_date, age_at_start)
  SELECT subject_id, site_id, programme_id, indication, route, current_date - 400, 40 FROM clinical.enrolment
  WHERE enrolment_id = $e3 RETURNING enrolment_id")
out=$(ruglab-outcomes refresh 2>&1)
t_match "a new enrolment is recomputed alone" "$out" "61 enrolments \(1 new, 0 changed, 0 removed\).*; 1 enrolments recomputed"
t_psql ruglab_admin "DELETE FROM clinical.enrolment WHERE enrolment_id = $new" >/dev/null
out=$(ruglab-outcomes refresh 2>&1)
t_match "a deleted enrolment disappears" "$out" "60 enrolments \(0 new, 0 changed, 1 removed\)"
t_is "its row is gone" "$(t_psql ruglab_quality "SELECT count(*) FROM quality.enrolment WHERE local_enrolment_id = $new")" 0

# a vanished outcome: the questionnaire response of the first patient removed
t_psql ruglab_admin "DELETE FROM meas.questionnaire_response WHERE enrolment_id = $e1" >/dev/null
out=$(ruglab-outcomes refresh 2>&1)
t_match "a vanished outcome is deleted" "$out" "[1-9][0-9]* outcome rows changed; 1 enrolments recomputed"
dump "$T_TMP/incremental2.txt"
ruglab-outcomes refresh --full >/dev/null
dump "$T_TMP/full2.txt"
t_check "and the tables equal a full refresh's again" diff "$T_TMP/incremental2.txt" "$T_TMP/full2.txt"

# a global change (a programme's template) recomputes everything
t_psql ruglab_admin "UPDATE clinical.programme SET name = name WHERE programme_id = (SELECT min(programme_id) FROM clinical.programme)" >/dev/null
out=$(ruglab-outcomes refresh 2>&1)
t_match "a global change makes the refresh full" "$out" "; 60 enrolments recomputed \(full\)"
out=$(ruglab-outcomes refresh 2>&1)
t_match "and the next one is incremental again" "$out" "; 0 enrolments recomputed \(incremental\)"

# --full writes only the outcome rows that differ (migration 608): a device
# value changed (every trial of one enrolment 1 Nm stronger) and one
# enrolment's questionnaires gone are exactly the rows it counts
ea=$(t_psql ruglab_quality "SELECT e.local_enrolment_id FROM quality.enrolment e JOIN quality.outcome o USING (enrolment_key)
  WHERE o.measure LIKE 'strength\_%' AND o.start_value IS NOT NULL AND o.end_value IS NOT NULL
  ORDER BY 1 LIMIT 1")
eb=$(t_psql ruglab_quality "SELECT e.local_enrolment_id FROM quality.enrolment e JOIN quality.outcome o USING (enrolment_key)
  JOIN quality.measure m USING (measure) WHERE m.kind = 'questionnaire' AND e.local_enrolment_id <> $ea
  ORDER BY 1 LIMIT 1")
t_match "an enrolment with device outcomes and one with questionnaire outcomes" "$ea $eb" "^[0-9]+ [0-9]+$"
na=$(t_psql ruglab_quality "SELECT count(*) FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key)
  WHERE e.local_enrolment_id = $ea AND o.measure LIKE 'strength\_%'")
nb=$(t_psql ruglab_quality "SELECT count(*) FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key)
  JOIN quality.measure m USING (measure) WHERE e.local_enrolment_id = $eb AND m.kind = 'questionnaire'")
sa=$(t_psql ruglab_quality "SELECT sum(o.start_value) FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key)
  WHERE e.local_enrolment_id = $ea AND o.measure LIKE 'strength\_%'")
t_psql ruglab_admin "UPDATE meas.test_trial SET max_torque_nm = max_torque_nm + 1 WHERE enrolment_id = $ea" >/dev/null
t_psql ruglab_admin "DELETE FROM meas.questionnaire_response WHERE enrolment_id = $eb" >/dev/null
out=$(ruglab-outcomes refresh --full 2>&1); rc=$?
t_is "refresh --full after the changes exits 0" "$rc" 0
t_match "--full counts the changed and the vanished outcome rows" "$out" \
  "60 enrolments \(0 new, 0 changed, 0 removed\), $((na + nb)) outcome rows changed; 60 enrolments recomputed \(full\)"
t_is "the device outcomes start 1 Nm higher" \
  "$(t_psql ruglab_quality "SELECT round(sum(o.start_value) - $sa) FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key)
     WHERE e.local_enrolment_id = $ea AND o.measure LIKE 'strength\_%'")" "$na"
t_is "the vanished questionnaire outcomes are gone" \
  "$(t_psql ruglab_quality "SELECT count(*) FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key)
     JOIN quality.measure m USING (measure) WHERE e.local_enrolment_id = $eb AND m.kind = 'questionnaire'")" 0
out=$(ruglab-outcomes refresh --full 2>&1)
t_match "a second --full finds nothing left to write" "$out" "0 outcome rows changed; 60 enrolments recomputed \(full\)"

# --watch
ruglab-outcomes refresh --watch >"$T_TMP/watch.log" 2>&1 &
wpid=$!
t_wait_for "--watch made its first refresh" 30 grep -q "recomputed" "$T_TMP/watch.log"
t_check "enrolment end while watching" ruglab enrolment end "$b2" --dropout "moved away" --date "$today" --force
dropped() { [ "$(t_psql ruglab_quality "SELECT status FROM quality.enrolment WHERE local_enrolment_id = $e2")" = dropped_out ]; }
t_wait_for "--watch refreshes the change without being asked" 60 dropped && t_ok "--watch refreshed the change without being asked"
t_match "--watch said what it recomputed" "$(cat "$T_TMP/watch.log")" "1 enrolments recomputed \(incremental\)"
# the database restarts: the watcher reconnects and goes on
pg() { PGLOCAL_DIR=$T_PG "$T_ROOT/scripts/pg-local.sh" "$@" >/dev/null; }
t_check "PostgreSQL stops" pg stop fast
t_check "PostgreSQL starts again" pg start
t_check "enrolment end after the restart" ruglab enrolment end "$b1" --completed --date "$today" --force
completed1() { [ "$(t_psql ruglab_quality "SELECT status FROM quality.enrolment WHERE local_enrolment_id = $e1")" = completed ]; }
t_wait_for "--watch reconnects and refreshes after a restart" 60 completed1 && t_ok "--watch reconnected and refreshed after a restart"
t_match "--watch said it lost the connection" "$(cat "$T_TMP/watch.log")" "connection lost; reconnecting"
t_check "--watch is still running" kill -0 "$wpid"
kill -TERM "$wpid"
wait "$wpid"; rc=$?
t_is "--watch ends with 0 on SIGTERM" "$rc" 0

out=$(ruglab-outcomes refresh --bogus 2>&1); rc=$?
t_is "refresh with an unknown option exits 2" "$rc" 2
t_match "and names it" "$out" "unexpected argument '--bogus'"

t_done
