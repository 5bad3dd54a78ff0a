# Migrations on an empty cluster, twice; the roles' privileges; a tampered
# migration and an unreachable database.
. "$(dirname "$0")/lib.sh"

t_pg_start --no-migrate

out=$(ruglab db migrate 2>&1); rc=$?
t_is "first migrate exits 0" "$rc" 0
t_match "first migrate applies every file" "$out" "applied 001_schemas.sql.*applied 004_"
n_files=$(ls "$T_ROOT"/deploy/sql/[0-9][0-9][0-9]_*.sql | wc -l)
t_is "every migration is recorded" "$(t_psql ruglab_admin 'SELECT count(*) FROM ruglab_meta.schema_migration')" "$n_files"

out=$(ruglab db migrate 2>&1); rc=$?
t_is "second migrate exits 0" "$rc" 0
t_match "second migrate applies nothing" "$out" "up to date"
t_is "nothing recorded twice" "$(t_psql ruglab_admin 'SELECT count(*) FROM ruglab_meta.schema_migration')" "$n_files"
t_check "db status is clean" ruglab db status

# --- privileges of the four roles
t_fails_with "quality role is refused identity.patient" 'permission denied' t_psql ruglab_quality "SELECT * FROM identity.patient"
t_fails_with "quality role is refused clinical base tables" 'permission denied' t_psql ruglab_quality "SELECT * FROM clinical.enrolment"
t_fails_with "quality role is refused measurement tables" 'permission denied' t_psql ruglab_quality "SELECT * FROM meas.test_trial"
t_fails_with "collector role is refused SELECT on identity.patient" 'permission denied' t_psql ruglab_collector "SELECT * FROM identity.patient"
t_fails_with "collector role is refused SELECT on identity.gp" 'permission denied' t_psql ruglab_collector "SELECT * FROM identity.gp"
t_fails_with "collector role cannot read measured values" 'permission denied' t_psql ruglab_collector "SELECT rom_deg FROM meas.test_trial"
t_fails_with "collector role cannot delete measurements" 'permission denied' t_psql ruglab_collector "DELETE FROM meas.test_trial"
t_fails_with "collector role cannot update measurements" 'permission denied' t_psql ruglab_collector "UPDATE meas.training_set SET load_nm = 0"
t_fails_with "collector role cannot create tables" 'permission denied' t_psql ruglab_collector "CREATE TABLE meas.x (a int)"
t_check "collector role reads device keys" t_psql ruglab_collector "SELECT device_id, public_key, revoked FROM clinical.collector_device"
t_check "collector role reads badge tokens" t_psql ruglab_collector "SELECT badge_token, enrolment_id FROM clinical.collector_token"
t_check "collector role reads dedup keys" t_psql ruglab_collector "SELECT device_id, boot_id, seq FROM meas.test_trial"
t_check "clinician role reads identity" t_psql ruglab_clinician "SELECT count(*) FROM identity.patient"
t_fails_with "clinician role cannot change identity" 'permission denied' t_psql ruglab_clinician "DELETE FROM identity.patient"
t_fails_with "clinician role cannot read the audit log" 'permission denied' t_psql ruglab_clinician "SELECT * FROM audit.access_log"
t_fails_with "clinician role cannot write the audit log directly (no forged rows)" 'permission denied' \
  t_psql ruglab_clinician "INSERT INTO audit.access_log (db_user, os_user, program, command) VALUES ('ruglab_admin', 'someone', 'test', 'forged')"
t_check "clinician role writes the audit log through audit.record_access" \
  t_psql ruglab_clinician "SELECT audit.record_access('carol', 'test', 'privileges', NULL, NULL)"
t_is "the audit row names the role that logged in, set by the database" \
  "$(t_psql ruglab_admin "SELECT db_user || ':' || os_user FROM audit.access_log WHERE command = 'privileges'")" "ruglab_clinician:carol"
t_fails_with "the quality role cannot write the audit log" 'permission denied' \
  t_psql ruglab_quality "SELECT audit.record_access('x', 'test', 'q', NULL, NULL)"

# the collector inserts a measurement end to end (as it will in the pipeline)
t_psql ruglab_admin "INSERT INTO clinical.site (code, name) VALUES ('az-test', 'AZ Test');
  INSERT INTO clinical.subject (site_id, badge_token, pseudonym, sex) VALUES (1, 'RB-TEST-0001', 'PS-000001', 'F');
  INSERT INTO clinical.enrolment (subject_id, site_id, programme_id, indication, route, start_date, age_at_start)
    VALUES (1, 1, 1, 'chronic', 'riziv', current_date, 50)" >/dev/null
t_check "collector role inserts a test trial" t_psql ruglab_collector \
  "INSERT INTO meas.test_trial (device_id, boot_id, seq, taken_at, session_id, enrolment_id, direction, trial, rom_deg, max_torque_nm, angle_at_max_deg)
   VALUES ('dev-1', 1, 1, now(), 's1', 1, 'extension', 1, 40, 150, 10)"
t_check "collector role inserts a sample batch" t_psql ruglab_collector \
  "INSERT INTO meas.sample_batch (device_id, boot_id, seq, taken_at, session_id, enrolment_id, direction, context, context_number, sample_rate_hz, first_index, angle_ddeg, torque_dnm)
   VALUES ('dev-1', 1, 2, now(), 's1', 1, 'extension', 'test_trial', 1, 100, 0, '{1,2,3}', '{10,20,30}')"
t_check "collector role inserts a dead letter" t_psql ruglab_collector \
  "INSERT INTO meas.dead_letter (device_id, reason, detail, raw) VALUES ('dev-1', 'MALFORMED', 'test', '\\x00ff')"
t_fails_with "a resent message cannot be stored twice" 'duplicate key' t_psql ruglab_collector \
  "INSERT INTO meas.test_trial (device_id, boot_id, seq, taken_at, session_id, enrolment_id, direction, trial, rom_deg, max_torque_nm, angle_at_max_deg)
   VALUES ('dev-1', 1, 1, now(), 's1', 1, 'extension', 1, 40, 150, 10)"
t_fails_with "a range of motion of 720 degrees cannot be stored" "check constraint" t_psql ruglab_admin \
  "INSERT INTO meas.test_trial (device_id, boot_id, seq, taken_at, session_id, enrolment_id, direction, trial, rom_deg, max_torque_nm, angle_at_max_deg)
   VALUES ('dev-1', 1, 9, now(), 's1', 1, 'extension', 1, 720, 150, 10)"

# --- a tampered migration is refused, naming the file
cp -r "$T_ROOT/deploy/sql" "$T_TMP/sql"
echo "-- edited after it was applied" >> "$T_TMP/sql/002_clinical.sql"
out=$(ruglab db migrate --sql-dir "$T_TMP/sql" 2>&1); rc=$?
t_is "tampered migration: exit status 1" "$rc" 1
t_match "tampered migration: the reason names the file" "$out" "002_clinical.sql changed after it was applied"
t_is "tampered migration: one line" "$(printf '%s\n' "$out" | wc -l)" 1
out=$(ruglab db status --sql-dir "$T_TMP/sql" 2>&1); rc=$?
t_is "db status flags the changed file (exit 1)" "$rc" 1
t_match "db status names it CHANGED" "$out" "CHANGED  002_clinical.sql"

# a new migration in the directory is applied; a failing one rolls back whole
cp -r "$T_ROOT/deploy/sql" "$T_TMP/sql2"
printf 'CREATE TABLE clinical.t_ok (a int);\n' > "$T_TMP/sql2/900_ok.sql"
printf 'CREATE TABLE clinical.t_bad (a int);\nSELECT no_such_function();\n' > "$T_TMP/sql2/901_bad.sql"
out=$(ruglab db migrate --sql-dir "$T_TMP/sql2" 2>&1); rc=$?
t_is "a failing migration exits non-zero" "$rc" 1
t_match "the failing migration is named with the server's reason" "$out" "901_bad.sql failed: function no_such_function\(\) does not exist"
t_is "the migration before it was applied" "$(t_psql ruglab_admin "SELECT count(*) FROM ruglab_meta.schema_migration WHERE filename = '900_ok.sql'")" 1
t_is "the failing migration left nothing behind" "$(t_psql ruglab_admin "SELECT to_regclass('clinical.t_bad') IS NULL")" t

# --- an unreachable database
out=$(ruglab --db "host=127.0.0.1 port=1 dbname=ruglab connect_timeout=3" db migrate 2>&1); rc=$?
t_is "unreachable database: exit status 3" "$rc" 3
t_match "unreachable database: the reason names the target" "$out" "^ruglab: cannot connect to host=127.0.0.1 port=1 dbname=ruglab user=ruglab_admin: .*refused"
t_is "unreachable database: one line" "$(printf '%s\n' "$out" | wc -l)" 1

# --- the local cluster restarts and keeps its data
PGLOCAL_DIR=$T_PG "$T_ROOT/scripts/pg-local.sh" stop >/dev/null
out=$(PGLOCAL_DIR=$T_PG "$T_ROOT/scripts/pg-local.sh" start 2>&1)
t_match "pg-local start reuses an existing cluster and says so" "$out" "existing cluster restarted"
t_is "data survived the restart" "$(t_psql ruglab_admin 'SELECT count(*) FROM meas.test_trial')" 1

t_done
