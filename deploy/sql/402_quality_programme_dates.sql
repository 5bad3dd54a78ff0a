-- 402: the quality tables follow the clinical contract of 302: only data
-- inside a programme's dates, questionnaire time points by the rule of
-- clinical.v_questionnaire (one implementation: the refresh reads the
-- views instead of repeating their rules), and the warnings a quality
-- analyst needs to judge a row.
--
-- Device outcomes use the site's own smallest real difference
-- (clinical.srd_setting) where it has one, as the letter does.
--
-- A registry runs the same migrations as its sites, so the new columns
-- exist on both ends of the logical replication before a refresh at a
-- site fills them.

ALTER TABLE quality.enrolment
    ADD COLUMN all_sessions_attended boolean NOT NULL DEFAULT false,
    ADD COLUMN sessions_short integer NOT NULL DEFAULT 0,
    ADD COLUMN records_outside_dates integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN quality.enrolment.all_sessions_attended IS
    'every planned session attended: the template''s exercise and information sessions (clinical.v_attendance.complete)';
COMMENT ON COLUMN quality.enrolment.sessions_short IS
    'attended sessions recorded shorter than the template''s minimum length (RIZIV: 120 minutes)';
COMMENT ON COLUMN quality.enrolment.records_outside_dates IS
    'WARNING when > 0: sessions, tests, training sets or questionnaires stored for this enrolment outside its start and end dates; they are counted nowhere (clinical.v_outside_programme)';

COMMENT ON COLUMN quality.outcome.important IS 'questionnaire: improved by at least the minimal important change (points or % of baseline); device: increased by at least the smallest real difference (the site''s own for the test device''s model and direction, clinical.srd_setting, else quality.measure.srd_pct); NULL without a change or without a threshold (TSK-17)';

-- The wide view lists quality.enrolment's columns as they were when it was
-- created: create it again so that it shows the new ones.
DROP VIEW quality.v_enrolment_outcome;
DO $$
DECLARE
    cols text := '';
    m record;
BEGIN
    FOR m IN SELECT measure FROM quality.measure ORDER BY sort_order LOOP
        cols := cols || format(
            ', max(o.start_value) FILTER (WHERE o.measure = %1$L) AS %2$I'
            ', max(o.end_value) FILTER (WHERE o.measure = %1$L) AS %3$I'
            ', max(o.change) FILTER (WHERE o.measure = %1$L) AS %4$I'
            ', bool_or(o.important) FILTER (WHERE o.measure = %1$L) AS %5$I',
            m.measure, m.measure || '_start', m.measure || '_end', m.measure || '_change',
            m.measure || '_important');
    END LOOP;
    EXECUTE 'CREATE VIEW quality.v_enrolment_outcome AS SELECT e.*' || cols ||
            ' FROM quality.enrolment e LEFT JOIN quality.outcome o USING (enrolment_key)'
            ' GROUP BY e.enrolment_key';
    FOR m IN SELECT measure, label FROM quality.measure ORDER BY sort_order LOOP
        EXECUTE format('COMMENT ON COLUMN quality.v_enrolment_outcome.%I IS %L',
                       m.measure || '_start', m.label || ' at the start (quality.outcome.start_value)');
        EXECUTE format('COMMENT ON COLUMN quality.v_enrolment_outcome.%I IS %L',
                       m.measure || '_end', m.label || ' at the end (quality.outcome.end_value)');
        EXECUTE format('COMMENT ON COLUMN quality.v_enrolment_outcome.%I IS %L',
                       m.measure || '_change', m.label || ': end - start');
        EXECUTE format('COMMENT ON COLUMN quality.v_enrolment_outcome.%I IS %L',
                       m.measure || '_important', m.label || ': important change reached (quality.outcome.important)');
    END LOOP;
END $$;
COMMENT ON VIEW quality.v_enrolment_outcome IS
    'quality.enrolment with every measure of quality.outcome as columns (one row per enrolment)';
GRANT SELECT ON quality.v_enrolment_outcome TO ruglab_quality, ruglab_clinician;

CREATE OR REPLACE FUNCTION quality.refresh(OUT enrolments bigint, OUT inserted bigint,
                                           OUT updated bigint, OUT deleted bigint,
                                           OUT outcomes_changed bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n_outcome_deleted bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM quality.node WHERE is_registry) THEN
        RAISE EXCEPTION 'this database is a quality registry: its tables are replicated from the sites; refresh at each site instead'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- One refresh at a time (a second one waits).
    PERFORM pg_advisory_xact_lock(hashtext('ruglab quality refresh'));

    CREATE TEMP TABLE q_enrolment ON COMMIT DROP AS
    SELECT s.code || ':' || e.enrolment_id AS enrolment_key, s.code AS site_code,
           e.enrolment_id AS local_enrolment_id, sub.pseudonym, c.code AS cohort_code,
           p.code AS programme_code, e.indication, e.route, sub.sex,
           CASE WHEN e.age_at_start < 18 THEN '<18'
                WHEN e.age_at_start < 30 THEN '18-29'
                WHEN e.age_at_start >= 70 THEN '70+'
                ELSE (e.age_at_start / 10 * 10)::text || '-' || (e.age_at_start / 10 * 10 + 9)::text
           END AS age_band,
           date_trunc('week', e.start_date)::date AS start_week,
           e.status, e.status = 'completed' AS completed, e.status = 'dropped_out' AS dropped_out,
           date_trunc('week', e.end_date)::date AS end_week,
           CASE WHEN e.status = 'dropped_out' THEN date_trunc('week', e.end_date)::date END AS dropout_week,
           p.total_sessions::integer AS planned_sessions,
           coalesce(a.attended_total, 0)::integer AS sessions_attended,
           coalesce(a.no_shows, 0)::integer AS no_shows,
           coalesce(a.complete, false) AS all_sessions_attended,
           coalesce(a.sessions_short, 0)::integer AS sessions_short,
           coalesce(x.records, 0)::integer AS records_outside_dates
    FROM clinical.enrolment e
    JOIN clinical.site s ON s.site_id = e.site_id
    JOIN clinical.subject sub ON sub.subject_id = e.subject_id
    JOIN clinical.programme p ON p.programme_id = e.programme_id
    LEFT JOIN clinical.cohort c ON c.cohort_id = e.cohort_id
    LEFT JOIN clinical.v_attendance a ON a.enrolment_id = e.enrolment_id
    LEFT JOIN (SELECT o.enrolment_id, sum(o.records) AS records
               FROM clinical.v_outside_programme o GROUP BY o.enrolment_id) x
           ON x.enrolment_id = e.enrolment_id;

    -- the start and end values by the clinical contract's rules; a device
    -- measure's smallest real difference is the site's own for the model of
    -- the end test's device (else the start test's), as in the letter
    -- (clinical.srd_setting), else quality.measure.srd_pct
    CREATE TEMP TABLE q_values ON COMMIT DROP AS
    SELECT q.enrolment_id, lower(q.instrument) AS measure,
           max(q.score) FILTER (WHERE q.timepoint = 'start') AS start_value,
           max(q.score) FILTER (WHERE q.timepoint = 'end') AS end_value,
           NULL::numeric AS srd_pct
    FROM clinical.v_questionnaire q
    WHERE q.timepoint IN ('start', 'end') AND q.score IS NOT NULL
    GROUP BY q.enrolment_id, lower(q.instrument)
    UNION ALL
    SELECT t.enrolment_id, k.kind || '_' || t.direction,
           max(CASE k.kind WHEN 'strength' THEN t.max_torque_nm ELSE t.rom_deg END)
               FILTER (WHERE t.timepoint = 'start')::numeric,
           max(CASE k.kind WHEN 'strength' THEN t.max_torque_nm ELSE t.rom_deg END)
               FILTER (WHERE t.timepoint = 'end')::numeric,
           coalesce(max(x.srd_pct) FILTER (WHERE t.timepoint = 'end'),
                    max(x.srd_pct) FILTER (WHERE t.timepoint = 'start'))::numeric
    FROM clinical.v_test_trial t
    LEFT JOIN clinical.device d ON d.device_id = t.device_id
    LEFT JOIN clinical.srd_setting x ON x.device_model = d.model AND x.direction = t.direction
    CROSS JOIN (VALUES ('strength'), ('rom')) AS k(kind)
    WHERE t.timepoint IN ('start', 'end')
    GROUP BY t.enrolment_id, k.kind, t.direction;

    CREATE TEMP TABLE q_outcome ON COMMIT DROP AS
    SELECT x.enrolment_key, x.measure, x.start_value, x.end_value, x.change,
           CASE WHEN x.start_value <> 0 THEN round(x.change / abs(x.start_value) * 100, 4) END AS change_pct,
           CASE WHEN x.gain IS NOT NULL THEN x.gain > 0 END AS improved,
           CASE WHEN x.gain IS NULL THEN NULL
                WHEN x.kind = 'questionnaire' THEN
                    CASE WHEN x.mic_points IS NULL THEN NULL
                         ELSE x.gain > 0 AND (x.gain >= x.mic_points
                                              OR (x.mic_pct IS NOT NULL AND x.start_value > 0
                                                  AND x.gain / x.start_value * 100 >= x.mic_pct))
                    END
                WHEN x.start_value > 0 THEN x.gain / x.start_value * 100 >= x.srd_pct
           END AS important
    FROM (SELECT qe.enrolment_key, v.measure, v.start_value, v.end_value,
                 v.end_value - v.start_value AS change,
                 CASE m.better WHEN 'lower' THEN v.start_value - v.end_value
                               ELSE v.end_value - v.start_value END AS gain,
                 m.kind, m.mic_points, m.mic_pct, coalesce(v.srd_pct, m.srd_pct) AS srd_pct
          FROM q_values v
          JOIN quality.measure m ON m.measure = v.measure
          JOIN q_enrolment qe ON qe.local_enrolment_id = v.enrolment_id
          WHERE v.start_value IS NOT NULL OR v.end_value IS NOT NULL) x;

    DELETE FROM quality.enrolment q
    WHERE NOT EXISTS (SELECT 1 FROM q_enrolment n WHERE n.enrolment_key = q.enrolment_key);
    GET DIAGNOSTICS deleted = ROW_COUNT;
    DELETE FROM quality.outcome q
    WHERE NOT EXISTS (SELECT 1 FROM q_outcome n
                      WHERE n.enrolment_key = q.enrolment_key AND n.measure = q.measure);
    GET DIAGNOSTICS n_outcome_deleted = ROW_COUNT;

    SELECT count(*) INTO inserted FROM q_enrolment n
    WHERE NOT EXISTS (SELECT 1 FROM quality.enrolment q WHERE q.enrolment_key = n.enrolment_key);
    INSERT INTO quality.enrolment AS q
        (enrolment_key, site_code, local_enrolment_id, pseudonym, cohort_code, programme_code,
         indication, route, sex, age_band, start_week, status, completed, dropped_out, end_week,
         dropout_week, planned_sessions, sessions_attended, no_shows, all_sessions_attended,
         sessions_short, records_outside_dates)
    SELECT enrolment_key, site_code, local_enrolment_id, pseudonym, cohort_code, programme_code,
           indication, route, sex, age_band, start_week, status, completed, dropped_out, end_week,
           dropout_week, planned_sessions, sessions_attended, no_shows, all_sessions_attended,
           sessions_short, records_outside_dates
    FROM q_enrolment
    ON CONFLICT (enrolment_key) DO UPDATE
        SET (site_code, local_enrolment_id, pseudonym, cohort_code, programme_code, indication,
             route, sex, age_band, start_week, status, completed, dropped_out, end_week,
             dropout_week, planned_sessions, sessions_attended, no_shows, all_sessions_attended,
             sessions_short, records_outside_dates)
          = (EXCLUDED.site_code, EXCLUDED.local_enrolment_id, EXCLUDED.pseudonym,
             EXCLUDED.cohort_code, EXCLUDED.programme_code, EXCLUDED.indication, EXCLUDED.route,
             EXCLUDED.sex, EXCLUDED.age_band, EXCLUDED.start_week, EXCLUDED.status,
             EXCLUDED.completed, EXCLUDED.dropped_out, EXCLUDED.end_week, EXCLUDED.dropout_week,
             EXCLUDED.planned_sessions, EXCLUDED.sessions_attended, EXCLUDED.no_shows,
             EXCLUDED.all_sessions_attended, EXCLUDED.sessions_short,
             EXCLUDED.records_outside_dates)
        WHERE ROW(q.*) IS DISTINCT FROM ROW(EXCLUDED.*);
    GET DIAGNOSTICS updated = ROW_COUNT;  -- inserts and updates together
    updated := updated - inserted;

    INSERT INTO quality.outcome AS q
    SELECT * FROM q_outcome
    ON CONFLICT (enrolment_key, measure) DO UPDATE
        SET (start_value, end_value, change, change_pct, improved, important)
          = (EXCLUDED.start_value, EXCLUDED.end_value, EXCLUDED.change, EXCLUDED.change_pct,
             EXCLUDED.improved, EXCLUDED.important)
        WHERE ROW(q.*) IS DISTINCT FROM ROW(EXCLUDED.*);
    GET DIAGNOSTICS outcomes_changed = ROW_COUNT;
    outcomes_changed := outcomes_changed + n_outcome_deleted;

    SELECT count(*) INTO enrolments FROM q_enrolment;
END
$$;
