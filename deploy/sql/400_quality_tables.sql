-- 400: the quality schema: pseudonymised outcomes, one row per enrolment.
--
-- Decision: the quality data are TABLES refreshed from the clinical views
-- by quality.refresh() (a SECURITY DEFINER function owned by ruglab_admin
-- that ruglab_quality may execute: `ruglab-outcomes refresh`), not views
-- and not materialised views, because
--   * PostgreSQL logical replication publishes tables only (the registry
--     subscribes to quality.enrolment and quality.outcome of every site);
--   * the quality role must not need any right on identity, clinical or
--     meas: the function reads them with its owner's rights and writes
--     only pseudonymised columns.
-- The refresh merges (delete rows that vanished, insert new ones, update
-- only rows that changed) instead of truncating, so a refresh replicates
-- only what changed and never truncates the registry's copy of other
-- sites. The publication sends inserts, updates and deletes, no TRUNCATE.
--
-- What is never here: name, INSZ, date of birth, GP, address, badge token,
-- exact dates (weeks only: the Monday of the ISO week), free text.

-- The measures and their thresholds. Questionnaire thresholds are those of
-- rl_questionnaire_important_change (questionnaire.h, Ostelo 2008: absolute
-- points OR % of the baseline, inclusive); device measures use the smallest
-- real difference in % of the baseline (DOMAIN.md, default 33 %, as
-- RL_MEASURES_SRD_DEFAULT_PCT). A site with its own retest data updates
-- srd_pct here (as ruglab_admin) and refreshes.
CREATE TABLE quality.measure (
    measure    text PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('questionnaire', 'strength', 'rom')),
    label      text NOT NULL,
    unit       text NOT NULL,
    better     text NOT NULL CHECK (better IN ('lower', 'higher')),
    mic_points numeric CHECK (mic_points > 0),
    mic_pct    numeric CHECK (mic_pct > 0),
    srd_pct    numeric CHECK (srd_pct > 0),
    sort_order smallint NOT NULL UNIQUE
);
COMMENT ON TABLE quality.measure IS
    'The outcome measures of quality.outcome with their direction and important-change thresholds';
COMMENT ON COLUMN quality.measure.measure IS 'code: nprs, odi, rmdq, tsk, psfs, strength_<direction>, rom_<direction>';
COMMENT ON COLUMN quality.measure.kind IS 'questionnaire | strength (best isometric maximum, N·m) | rom (best range of motion, degrees)';
COMMENT ON COLUMN quality.measure.better IS 'lower or higher values are better (pain and disability scores: lower)';
COMMENT ON COLUMN quality.measure.mic_points IS 'questionnaire: minimal important change in points (NULL: the instrument has none, TSK-17)';
COMMENT ON COLUMN quality.measure.mic_pct IS 'questionnaire: or in % of a positive baseline (NULL: absolute threshold only)';
COMMENT ON COLUMN quality.measure.srd_pct IS 'device measure: smallest real difference in % of the baseline';

INSERT INTO quality.measure (measure, kind, label, unit, better, mic_points, mic_pct, srd_pct, sort_order)
VALUES ('nprs', 'questionnaire', 'NPRS pain', 'points', 'lower', 2, 30, NULL, 1),
       ('odi', 'questionnaire', 'ODI disability', '%', 'lower', 10, 30, NULL, 2),
       ('rmdq', 'questionnaire', 'RMDQ disability', 'points', 'lower', 5, 30, NULL, 3),
       ('tsk', 'questionnaire', 'TSK-17 kinesiophobia', 'points', 'lower', NULL, NULL, NULL, 4),
       ('psfs', 'questionnaire', 'PSFS function', 'points', 'higher', 2, NULL, NULL, 5);
INSERT INTO quality.measure (measure, kind, label, unit, better, srd_pct, sort_order)
SELECT k.kind || '_' || d.dir, k.kind,
       CASE k.kind WHEN 'strength' THEN 'strength ' ELSE 'ROM ' END || replace(d.dir, '_', ' '),
       CASE k.kind WHEN 'strength' THEN 'N·m' ELSE 'deg' END, 'higher', 33,
       10 + k.o * 10 + d.o
FROM (VALUES ('strength', 0), ('rom', 1)) AS k(kind, o)
CROSS JOIN (VALUES ('extension', 1), ('flexion', 2), ('lateral_flexion_left', 3),
                   ('lateral_flexion_right', 4), ('rotation_left', 5), ('rotation_right', 6)) AS d(dir, o);

-- One row per enrolment.
CREATE TABLE quality.enrolment (
    enrolment_key      text PRIMARY KEY,
    site_code          text NOT NULL,
    local_enrolment_id bigint NOT NULL,
    pseudonym          text NOT NULL,
    cohort_code        text,
    programme_code     text NOT NULL,
    indication         text NOT NULL,
    route              text NOT NULL,
    sex                text NOT NULL,
    age_band           text NOT NULL,
    start_week         date NOT NULL,
    status             text NOT NULL,
    completed          boolean NOT NULL,
    dropped_out        boolean NOT NULL,
    end_week           date,
    dropout_week       date,
    planned_sessions   integer NOT NULL,
    sessions_attended  integer NOT NULL,
    no_shows           integer NOT NULL,
    UNIQUE (site_code, local_enrolment_id)
);
CREATE INDEX quality_enrolment_cohort ON quality.enrolment (site_code, cohort_code);
COMMENT ON TABLE quality.enrolment IS
    'Pseudonymised enrolments, one row per enrolment (refreshed by quality.refresh(); replicated to the registry)';
COMMENT ON COLUMN quality.enrolment.enrolment_key IS 'registry-unique key: site code, a colon, the local enrolment id (e.g. az-gent:42)';
COMMENT ON COLUMN quality.enrolment.site_code IS 'clinical.site.code of the enrolling site (unique across the registry)';
COMMENT ON COLUMN quality.enrolment.local_enrolment_id IS 'clinical.enrolment.enrolment_id at the site';
COMMENT ON COLUMN quality.enrolment.pseudonym IS 'clinical.subject.pseudonym (never the badge token): the same person across enrolments of a site';
COMMENT ON COLUMN quality.enrolment.cohort_code IS 'the group (clinical.cohort.code, unique within a site); NULL when not in a group';
COMMENT ON COLUMN quality.enrolment.programme_code IS 'programme template code (clinical.programme.code)';
COMMENT ON COLUMN quality.enrolment.indication IS 'chronic | post_surgery';
COMMENT ON COLUMN quality.enrolment.route IS 'riziv | fedris';
COMMENT ON COLUMN quality.enrolment.sex IS 'M | F | X';
COMMENT ON COLUMN quality.enrolment.age_band IS 'age at start: <18, 18-29, 30-39, 40-49, 50-59, 60-69, 70+';
COMMENT ON COLUMN quality.enrolment.start_week IS 'Monday of the ISO week the programme started (no finer date)';
COMMENT ON COLUMN quality.enrolment.status IS 'active | completed | dropped_out | cancelled';
COMMENT ON COLUMN quality.enrolment.completed IS 'status = completed';
COMMENT ON COLUMN quality.enrolment.dropped_out IS 'status = dropped_out';
COMMENT ON COLUMN quality.enrolment.end_week IS 'Monday of the ISO week the programme ended (completed, dropped out or cancelled); NULL while active';
COMMENT ON COLUMN quality.enrolment.dropout_week IS 'Monday of the ISO week of the dropout; NULL unless dropped out';
COMMENT ON COLUMN quality.enrolment.planned_sessions IS 'the programme template''s total_sessions';
COMMENT ON COLUMN quality.enrolment.sessions_attended IS 'attended programme sessions (clinical.v_attendance.attended_total)';
COMMENT ON COLUMN quality.enrolment.no_shows IS 'sessions missed without notice';

-- One row per enrolment and measure that has a start or an end value.
CREATE TABLE quality.outcome (
    enrolment_key text NOT NULL REFERENCES quality.enrolment ON DELETE CASCADE,
    measure       text NOT NULL,
    start_value   numeric,
    end_value     numeric,
    change        numeric,
    change_pct    numeric,
    improved      boolean,
    important     boolean,
    PRIMARY KEY (enrolment_key, measure)
);
CREATE INDEX quality_outcome_measure ON quality.outcome (measure);
COMMENT ON TABLE quality.outcome IS
    'Start and end value of every questionnaire and device measure per enrolment, the change and its important-change flag';
COMMENT ON COLUMN quality.outcome.enrolment_key IS 'quality.enrolment.enrolment_key';
COMMENT ON COLUMN quality.outcome.measure IS 'quality.measure.measure';
COMMENT ON COLUMN quality.outcome.start_value IS 'questionnaire: score at the start time point; device: best trial (highest) of the start test in that direction; NULL when missing';
COMMENT ON COLUMN quality.outcome.end_value IS 'the same at the end time point; NULL when missing (running programme, dropout without end test, missed questionnaire)';
COMMENT ON COLUMN quality.outcome.change IS 'end_value - start_value; NULL when either is missing';
COMMENT ON COLUMN quality.outcome.change_pct IS 'change / |start_value| x 100; NULL when start_value is 0 or missing';
COMMENT ON COLUMN quality.outcome.improved IS 'moved strictly in the better direction (quality.measure.better)';
COMMENT ON COLUMN quality.outcome.important IS 'questionnaire: improved by at least the minimal important change (points or % of baseline); device: increased by at least the smallest real difference (srd_pct); NULL without a change or without a threshold (TSK-17)';

-- Wide form for BI tools: one row per enrolment with every measure's
-- start, end, change and important flag as columns (<measure>_start,
-- <measure>_end, <measure>_change, <measure>_important).
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

-- Whether this database is a registry (`ruglab registry init`) and the
-- sites it subscribes to. A registry holds no clinical data of its own: a
-- refresh there would delete every replicated row, so it is refused.
CREATE TABLE quality.registry_site (
    name         text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    subscription text NOT NULL UNIQUE,
    site_target  text NOT NULL,  -- host/port/dbname of the site, no password
    added_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE quality.node (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    is_registry boolean NOT NULL,
    since       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE quality.registry_site IS 'registry only: the sites this registry subscribes to (ruglab registry add-site)';
COMMENT ON TABLE quality.node IS 'one row on a registry (ruglab registry init); empty on a site';

-- The refresh. Reads the clinical contract's views with the owner's rights.
CREATE FUNCTION quality.refresh(OUT enrolments bigint, OUT inserted bigint, OUT updated bigint,
                                OUT deleted bigint, OUT outcomes_changed bigint)
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
           coalesce(a.no_shows, 0)::integer AS no_shows
    FROM clinical.enrolment e
    JOIN clinical.site s ON s.site_id = e.site_id
    JOIN clinical.subject sub ON sub.subject_id = e.subject_id
    JOIN clinical.programme p ON p.programme_id = e.programme_id
    LEFT JOIN clinical.cohort c ON c.cohort_id = e.cohort_id
    LEFT JOIN clinical.v_attendance a ON a.enrolment_id = e.enrolment_id;

    CREATE TEMP TABLE q_values ON COMMIT DROP AS
    SELECT q.enrolment_id, lower(q.instrument) AS measure,
           max(q.score) FILTER (WHERE q.timepoint = 'start') AS start_value,
           max(q.score) FILTER (WHERE q.timepoint = 'end') AS end_value
    FROM clinical.v_questionnaire q
    WHERE q.timepoint IN ('start', 'end') AND q.score IS NOT NULL
    GROUP BY q.enrolment_id, lower(q.instrument)
    UNION ALL
    SELECT o.enrolment_id, k.kind || '_' || t.direction,
           max(CASE k.kind WHEN 'strength' THEN t.max_torque_nm ELSE t.rom_deg END)
               FILTER (WHERE o.timepoint = 'start')::numeric,
           max(CASE k.kind WHEN 'strength' THEN t.max_torque_nm ELSE t.rom_deg END)
               FILTER (WHERE o.timepoint = 'end')::numeric
    FROM clinical.v_test_occasion o
    JOIN meas.test_trial t ON t.enrolment_id = o.enrolment_id AND t.device_id = o.device_id
                          AND t.session_id = o.session_id
    CROSS JOIN (VALUES ('strength'), ('rom')) AS k(kind)
    WHERE o.timepoint IN ('start', 'end')
    GROUP BY o.enrolment_id, k.kind, t.direction;

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
                 m.kind, m.mic_points, m.mic_pct, m.srd_pct
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
    SELECT * FROM q_enrolment
    ON CONFLICT (enrolment_key) DO UPDATE
        SET (site_code, local_enrolment_id, pseudonym, cohort_code, programme_code, indication,
             route, sex, age_band, start_week, status, completed, dropped_out, end_week,
             dropout_week, planned_sessions, sessions_attended, no_shows)
          = (EXCLUDED.site_code, EXCLUDED.local_enrolment_id, EXCLUDED.pseudonym,
             EXCLUDED.cohort_code, EXCLUDED.programme_code, EXCLUDED.indication, EXCLUDED.route,
             EXCLUDED.sex, EXCLUDED.age_band, EXCLUDED.start_week, EXCLUDED.status,
             EXCLUDED.completed, EXCLUDED.dropped_out, EXCLUDED.end_week, EXCLUDED.dropout_week,
             EXCLUDED.planned_sessions, EXCLUDED.sessions_attended, EXCLUDED.no_shows)
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
ALTER FUNCTION quality.refresh() OWNER TO ruglab_admin;
REVOKE ALL ON FUNCTION quality.refresh() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION quality.refresh() TO ruglab_quality;
COMMENT ON FUNCTION quality.refresh() IS
    'Recomputes quality.enrolment and quality.outcome from the clinical data (ruglab-outcomes refresh); refused on a registry';

-- Tables created above get SELECT for ruglab_quality and ruglab_clinician
-- through the default privileges of 001; say it explicitly all the same.
GRANT SELECT ON quality.measure, quality.enrolment, quality.outcome, quality.v_enrolment_outcome,
                quality.registry_site, quality.node TO ruglab_quality;

-- Each site publishes its pseudonymised tables; a registry subscribes
-- (`ruglab registry add-site`). No TRUNCATE: a site must never empty the
-- registry's copy of the others.
CREATE PUBLICATION ruglab_quality FOR TABLE quality.enrolment, quality.outcome
    WITH (publish = 'insert, update, delete');
