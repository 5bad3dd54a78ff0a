# Test data for the report tests (sourced after lib.sh and t_pg_start):
# a site with its physician, a GP, and patients run through a programme as
# the devices would record it (session events, test trials, training
# sets, a raw curve) plus hand-entered sessions and questionnaires.
# Everything is inserted as ruglab_admin.

# Test values (deterministic, so that a test can also state them):
#   occasion k (1 start, 2 mid, 3 end), trial t (1..3):
#     rom    = base_rom + 4 (k - 1) + 0.5 t
#     torque = base_nm (1 + 0.15 (k - 1)) + 3 t
FX_DIRS="('extension',30,180),('flexion',60,120),('lateral_flexion_left',25,90),('lateral_flexion_right',28,100),('rotation_left',35,60),('rotation_right',38,70)"

fx_site() {
  t_psql ruglab_admin "
    INSERT INTO clinical.site (code, name, address, physician_name, physician_riziv)
      VALUES ('az-brugge', 'AZ Sint-Jan Brugge', 'Ruddershove 10, 8000 Brugge', 'Dr. Els Vermeulen', '11111111111');
    INSERT INTO identity.gp (riziv, family_name, given_name, address, postal_code, city)
      VALUES ('12345678901', 'Peeters', 'Jan', 'Kerkstraat 5', '8200', 'Sint-Andries');" >/dev/null
}

# fx_patient FAMILY GIVEN INSZ BADGE [ROUTE SICK_LEAVE OCC_COPY]: prints the enrolment id.
fx_patient() {
  t_psql ruglab_admin "
    WITH s AS (INSERT INTO clinical.subject (site_id, badge_token, pseudonym, sex, body_weight_kg)
               VALUES (1, '$4', 'PS-$4', 'F', 78.5) RETURNING subject_id),
    p AS (INSERT INTO identity.patient (subject_id, insz, family_name, given_name, date_of_birth, gp_id, address, postal_code, city)
          SELECT subject_id, '$3', '$1', '$2', '1985-07-30', 1, 'Zandstraat 1', '8000', 'Brugge' FROM s)
    INSERT INTO clinical.enrolment (subject_id, site_id, programme_id, indication, route, on_sick_leave, occupational_copy,
                                    start_date, age_at_start, pain_since)
    SELECT subject_id, 1, 1, 'chronic', '${5:-riziv}', ${6:-false}, ${7:-false}, '2026-01-05', 40, '2025-06-01' FROM s
    RETURNING enrolment_id"
}

# fx_day EID N: the date of training day N (twice a week from 2026-01-05).
fx_day() { echo "('2026-01-05'::date + (($2 - 1) * 7 / 2))"; }

# fx_sessions EID N: N training days on device tergu-1 with training sets
# (extension load 60 + 1.5 (n - 1), flexion 40 + (n - 1) N·m).
fx_sessions() {
  local eid=$1 n=$2
  t_psql ruglab_admin "
    INSERT INTO meas.session_event (device_id, boot_id, seq, taken_at, session_id, enrolment_id, event, kind)
    SELECT 'tergu-1', $eid, 10000 + i, ('2026-01-05'::date + ((i - 1) * 7 / 2)) + time '09:00', 'TR-$eid-' || i, $eid, 'start', 'training'
    FROM generate_series(1, $n) i;
    INSERT INTO meas.training_set (device_id, boot_id, seq, taken_at, session_id, enrolment_id, direction, set_number,
                                   load_nm, load_pct_of_max, repetitions, range_min_deg, range_max_deg, time_under_tension_s)
    SELECT 'tergu-1', $eid, 20000 + i * 10 + d.k * 3 + s, ('2026-01-05'::date + ((i - 1) * 7 / 2)) + time '09:10' + s * interval '1 minute',
           'TR-$eid-' || i, $eid, d.dir, s, d.base + d.step * (i - 1) - (3 - s), 60, 12, 0, 30, 45
    FROM generate_series(1, $n) i, (VALUES ('extension', 60, 1.5, 0), ('flexion', 40, 1.0, 1)) d(dir, base, step, k),
         generate_series(1, 3) s;" >/dev/null
}

# fx_test EID DAY K: a test occasion on training day DAY with the values of occasion K.
fx_test() {
  local eid=$1 day=$2 k=$3
  t_psql ruglab_admin "
    INSERT INTO meas.session_event (device_id, boot_id, seq, taken_at, session_id, enrolment_id, event, kind)
    VALUES ('tergu-1', $eid, 30000 + $k, ('2026-01-05'::date + (($day - 1) * 7 / 2)) + time '10:00', 'TEST-$eid-$k', $eid, 'start', 'test');
    INSERT INTO meas.test_trial (device_id, boot_id, seq, taken_at, session_id, enrolment_id, direction, trial,
                                 rom_deg, max_torque_nm, angle_at_max_deg)
    SELECT 'tergu-1', $eid, 31000 + $k * 100 + d.k * 10 + t, ('2026-01-05'::date + (($day - 1) * 7 / 2)) + time '10:05' + t * interval '1 minute',
           'TEST-$eid-$k', $eid, d.dir, t, d.rom + 4 * ($k - 1) + 0.5 * t, d.nm * (1 + 0.15 * ($k - 1)) + 3 * t, 10
    FROM (SELECT row_number() OVER () AS k, * FROM (VALUES $FX_DIRS) v(dir, rom, nm)) d, generate_series(1, 3) t;
    -- the raw curve of each extension trial: a half sine of torque over the range
    INSERT INTO meas.sample_batch (device_id, boot_id, seq, taken_at, session_id, enrolment_id, direction, context,
                                   context_number, sample_rate_hz, first_index, angle_ddeg, torque_dnm)
    SELECT 'tergu-1', $eid, 32000 + $k * 10 + t, ('2026-01-05'::date + (($day - 1) * 7 / 2)) + time '10:05' + t * interval '1 minute',
           'TEST-$eid-$k', $eid, 'extension', 'test_trial', t, 100, 0,
           (SELECT array_agg((j * 3)::smallint ORDER BY j) FROM generate_series(0, 99) j),
           (SELECT array_agg((sin(pi() * j / 99) * 10 * (180 * (1 + 0.15 * ($k - 1)) + 3 * t))::smallint ORDER BY j) FROM generate_series(0, 99) j)
    FROM generate_series(1, 3) t;" >/dev/null
}

# fx_info EID DAY STATUS: an information session (or no-show) entered by hand, the day after training day DAY.
fx_info() {
  t_psql ruglab_admin "
    INSERT INTO clinical.session (enrolment_id, session_date, kind, status, source, entered_by)
    VALUES ($1, ('2026-01-05'::date + (($2 - 1) * 7 / 2)) + 1, '${4:-information}', '$3', 'manual', 'secretariat')" >/dev/null
}

# fx_odi EID DAY VALUES...: an ODI 2.1a response (10 sections) on training day DAY, score computed here.
fx_odi() {
  local eid=$1 day=$2; shift 2
  local items="" sum=0 i=1 v
  for v in "$@"; do
    items+="${items:+,}{\"item\": $i, \"value\": $v}"
    sum=$((sum + v)); i=$((i + 1))
  done
  t_psql ruglab_admin "
    INSERT INTO meas.questionnaire_response (source, taken_at, enrolment_id, instrument, version, language, answers, score, entered_by)
    VALUES ('manual', ('2026-01-05'::date + (($day - 1) * 7 / 2)) + time '08:30', $eid, 'ODI', '2.1a', 'nl',
            '[$items]', round($sum * 100.0 / (5 * $#), 1), 'physio')" >/dev/null
}

# fx_nprs EID DAY VALUE
fx_nprs() {
  t_psql ruglab_admin "
    INSERT INTO meas.questionnaire_response (source, taken_at, enrolment_id, instrument, version, language, answers, score, entered_by)
    VALUES ('manual', ('2026-01-05'::date + (($2 - 1) * 7 / 2)) + time '08:40', $1, 'NPRS', '1', 'nl',
            '[{\"item\": 1, \"value\": $3}]', $3, 'physio')" >/dev/null
}

# fx_end EID STATUS DAY [REASON]: the programme ends on training day DAY.
fx_end() {
  local reason=NULL
  [ -n "${4:-}" ] && reason="'$4'"
  t_psql ruglab_admin "UPDATE clinical.enrolment SET status = '$2',
      end_date = ('2026-01-05'::date + (($3 - 1) * 7 / 2)) + 1, dropout_reason = $reason
    WHERE enrolment_id = $1" >/dev/null
}

# fx_conclusion EID TEXT
fx_conclusion() {
  t_psql ruglab_admin "INSERT INTO clinical.conclusion (enrolment_id, body, written_by) VALUES ($1, '$2', 'dr-vermeulen')" >/dev/null
}

# fx_full FAMILY GIVEN INSZ BADGE [ROUTE SICK OCC]: a complete 36-session programme
# (34 training days, 2 information sessions, 1 no-show), tests at days 1,
# 17 and 34, ODI and NPRS at start, mid and end. Prints the enrolment id.
fx_full() {
  local eid
  eid=$(fx_patient "$@")
  fx_sessions "$eid" 34
  fx_test "$eid" 1 1
  fx_test "$eid" 17 2
  fx_test "$eid" 34 3
  fx_info "$eid" 3 attended
  fx_info "$eid" 10 attended
  fx_info "$eid" 12 no_show exercise
  fx_odi "$eid" 1 2 2 2 2 2 2 2 2 2 2
  fx_odi "$eid" 17 2 2 2 2 1 1 1 1 1 1
  fx_odi "$eid" 34 1 1 1 1 1 1 1 1 0 0
  fx_nprs "$eid" 1 7
  fx_nprs "$eid" 17 5
  fx_nprs "$eid" 34 3
  fx_end "$eid" completed 34
  echo "$eid"
}
