-- 704: body regions. Cervical devices (the neck school of seed 003) test
-- and train the same six directions as the lumbar back devices, at the
-- neck; cervical and lumbar values are never compared or mixed.
--
-- The rule, in one place: a device model belongs to one body region
-- (clinical.device_model: the known models, and each model the first
-- device registered with it brings), and a programme template to one (clinical.programme.
-- body_region: the back programmes lumbar, the neck school cervical). An
-- enrolment's device values are those of devices of its programme's
-- region: the clinical views below (v_test_occasion, hence v_test_trial,
-- v_timepoint_anchor and the curves reached through a trial, and
-- v_training_set) leave the other region's records out, so that the
-- report, the comparisons, the reference lookups (per device model, hence
-- per region), the charts and the quality refresh never see them. Nothing
-- received is dropped: meas.* keeps every record, and clinical.
-- v_other_region lists what an enrolment has on devices of the other
-- region (the report says so). A record of a device that is not (or no
-- longer) in clinical.device counts as lumbar, the only kind before 704
-- (the collector accepts registered devices only; imported or test data
-- may lack the row). The quality measures of a cervical
-- programme are named cervical_strength_<direction> and
-- cervical_rom_<direction>, so that no summary puts them beside the
-- lumbar strength_/rom_ ones. One running enrolment per subject (002):
-- a participant of both the back and the neck school follows them one
-- after the other.

CREATE TABLE clinical.device_model (
    model       text PRIMARY KEY CHECK (model ~ '^[A-Za-z0-9._-]{1,64}$'),
    body_region text NOT NULL CHECK (body_region IN ('lumbar', 'cervical')),
    description text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE clinical.device_model OWNER TO ruglab_admin;
COMMENT ON TABLE clinical.device_model IS
    'The device models known to ruglab and the body region each tests and trains (lumbar | cervical); reference values and smallest real differences are per model';

-- every model in use is a lumbar back device (the only kind before 704)
INSERT INTO clinical.device_model (model, body_region)
SELECT DISTINCT model, 'lumbar' FROM clinical.device;
INSERT INTO clinical.device_model (model, body_region, description)
VALUES ('tergumed-710', 'lumbar', 'Tergumed 710 lumbar back device (extension/flexion, lateral flexion, rotation)'),
       ('tergumed-710-cervical', 'cervical', 'Tergumed 710 cervical unit (extension/flexion, lateral flexion, rotation of the neck)')
ON CONFLICT (model) DO UPDATE SET description = EXCLUDED.description;

-- the device's region, copied from its model (the views join the device
-- only) and kept equal to it by the foreign key; given at registration
-- (`ruglab device add --region`) or, when not given, the model's (a model
-- not known yet: lumbar, and the model is registered with it)
ALTER TABLE clinical.device ADD COLUMN body_region text;
UPDATE clinical.device SET body_region = 'lumbar';
ALTER TABLE clinical.device ALTER COLUMN body_region SET NOT NULL;
ALTER TABLE clinical.device_model ADD UNIQUE (model, body_region);
ALTER TABLE clinical.device ADD CONSTRAINT device_region_of_model
    FOREIGN KEY (model, body_region) REFERENCES clinical.device_model (model, body_region);
COMMENT ON COLUMN clinical.device.body_region IS
    'lumbar | cervical: the region of the device''s model (clinical.device_model)';

CREATE FUNCTION clinical.device_model_fill() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.body_region IS NULL THEN
        SELECT m.body_region INTO NEW.body_region
        FROM clinical.device_model m WHERE m.model = NEW.model;
        NEW.body_region := coalesce(NEW.body_region, 'lumbar');
    END IF;
    IF NEW.body_region NOT IN ('lumbar', 'cervical') THEN
        RAISE EXCEPTION 'body region "%" is not lumbar or cervical', NEW.body_region
            USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO clinical.device_model (model, body_region)
    VALUES (NEW.model, NEW.body_region) ON CONFLICT (model) DO NOTHING;
    IF NOT EXISTS (SELECT 1 FROM clinical.device_model m
                   WHERE m.model = NEW.model AND m.body_region = NEW.body_region) THEN
        RAISE EXCEPTION 'device model % is a % device, not %', NEW.model,
            (SELECT m.body_region FROM clinical.device_model m WHERE m.model = NEW.model),
            NEW.body_region
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END
$$;
ALTER FUNCTION clinical.device_model_fill() OWNER TO ruglab_admin;
REVOKE ALL ON FUNCTION clinical.device_model_fill() FROM PUBLIC;
CREATE TRIGGER device_model_fill BEFORE INSERT OR UPDATE OF model, body_region ON clinical.device
    FOR EACH ROW EXECUTE FUNCTION clinical.device_model_fill();

ALTER TABLE clinical.programme ADD COLUMN body_region text NOT NULL DEFAULT 'lumbar'
    CHECK (body_region IN ('lumbar', 'cervical'));
COMMENT ON COLUMN clinical.programme.body_region IS
    'lumbar | cervical: the devices whose values count for the programme''s enrolments';
UPDATE clinical.programme SET body_region = 'cervical' WHERE code = 'nekschool-12';

GRANT SELECT ON clinical.device_model TO ruglab_clinician, ruglab_secretariat;

-- clinical.v_test_occasion: as in 302, over the trials of devices of the
-- programme's body region only.
CREATE OR REPLACE VIEW clinical.v_test_occasion AS
WITH occ AS (
    -- the occasions as in 302, then those of the programme's region: the
    -- device and the programme are joined once per occasion, not per trial
    SELECT o.enrolment_id, o.device_id, o.session_id, o.first_at, o.test_date
    FROM (SELECT t.enrolment_id, t.device_id, t.session_id, min(t.taken_at) AS first_at,
                 clinical.local_date(min(t.taken_at)) AS test_date
          FROM meas.test_trial t
          JOIN clinical.enrolment e ON e.enrolment_id = t.enrolment_id
          WHERE clinical.within(clinical.local_date(t.taken_at), e.start_date, e.end_date)
          GROUP BY t.enrolment_id, t.device_id, t.session_id) o
    JOIN clinical.enrolment e ON e.enrolment_id = o.enrolment_id
    JOIN clinical.programme p ON p.programme_id = e.programme_id
    LEFT JOIN clinical.device d ON d.device_id = o.device_id
    WHERE coalesce(d.body_region, 'lumbar') = p.body_region
), numbered AS (
    SELECT o.enrolment_id, o.device_id, o.session_id, o.test_date, o.first_at,
           max(v.session_number) AS session_number
    FROM occ o
    LEFT JOIN clinical.v_session v ON v.enrolment_id = o.enrolment_id
                                  AND v.session_date <= o.test_date
                                  AND v.session_number IS NOT NULL
    GROUP BY o.enrolment_id, o.device_id, o.session_id, o.test_date, o.first_at
), ruled AS (
    SELECT n.enrolment_id, n.device_id, n.session_id, n.test_date, n.session_number,
           row_number() OVER (PARTITION BY n.enrolment_id
                              ORDER BY n.first_at, n.device_id, n.session_id) AS test_index,
           count(*) OVER (PARTITION BY n.enrolment_id) AS n_tests,
           e.status IN ('completed', 'dropped_out') AS ended,
           e.status IN ('completed', 'dropped_out') AND e.end_date IS NOT NULL
               AND e.end_date - n.test_date < n.test_date - e.start_date AS late,
           abs(coalesce(n.session_number, 0) - p.mid_test_session) AS mid_dist,
           abs(coalesce(n.session_number, 0) - 1) AS start_dist,
           abs(coalesce(n.session_number, 0) - p.total_sessions) AS end_dist
    FROM numbered n
    JOIN clinical.enrolment e ON e.enrolment_id = n.enrolment_id
    JOIN clinical.programme p ON p.programme_id = e.programme_id
), flagged AS (
    SELECT r.*,
           (r.test_index = 1 AND r.late) AS late_first,
           (r.test_index = r.n_tests AND r.ended
            AND (r.n_tests > 1 OR r.late)) AS is_end,
           ((r.test_index > 1 OR r.late)
            AND NOT (r.test_index = r.n_tests AND r.ended AND (r.n_tests > 1 OR r.late))
            AND r.mid_dist <= r.start_dist AND r.mid_dist <= r.end_dist) AS mid_candidate
    FROM ruled r
), ranked AS (
    SELECT f.*,
           row_number() OVER (PARTITION BY f.enrolment_id
                              ORDER BY f.mid_candidate IS TRUE DESC, f.mid_dist, f.test_index) AS mid_rank
    FROM flagged f
), derived AS (
    SELECT k.enrolment_id, k.device_id, k.session_id, k.test_date, k.session_number,
           k.test_index,
           CASE WHEN k.test_index = 1 AND NOT k.late_first THEN 'start'
                WHEN k.is_end THEN 'end'
                WHEN k.mid_candidate AND k.mid_rank = 1 THEN 'mid'
           END AS rule_timepoint
    FROM ranked k
), ovr AS (
    SELECT x.enrolment_id, x.device_id, x.session_id, x.timepoint,
           EXISTS (SELECT 1 FROM clinical.timepoint_override y
                   WHERE y.enrolment_id = x.enrolment_id AND y.timepoint = x.timepoint
                     AND (y.device_id, y.session_id) <> (x.device_id, x.session_id)
                     AND (y.set_at, y.override_id) > (x.set_at, x.override_id)
                     AND NOT EXISTS (SELECT 1 FROM clinical.timepoint_override z
                                     WHERE z.enrolment_id = y.enrolment_id
                                       AND z.device_id = y.device_id
                                       AND z.session_id = y.session_id
                                       AND (z.set_at, z.override_id) > (y.set_at, y.override_id)))
               AS taken_later
    FROM clinical.timepoint_override x
    WHERE NOT EXISTS (SELECT 1 FROM clinical.timepoint_override z
                      WHERE z.enrolment_id = x.enrolment_id AND z.device_id = x.device_id
                        AND z.session_id = x.session_id
                        AND (z.set_at, z.override_id) > (x.set_at, x.override_id))
), claimed AS (
    SELECT DISTINCT o.enrolment_id, o.timepoint
    FROM clinical.timepoint_override o
    WHERE o.timepoint <> 'none'
      AND NOT EXISTS (SELECT 1 FROM clinical.timepoint_override z
                      WHERE z.enrolment_id = o.enrolment_id AND z.device_id = o.device_id
                        AND z.session_id = o.session_id
                        AND (z.set_at, z.override_id) > (o.set_at, o.override_id))
)
SELECT d.enrolment_id, d.device_id, d.session_id, d.test_date, d.session_number,
       CASE
           WHEN o.timepoint = 'none' THEN NULL
           WHEN o.timepoint IS NOT NULL THEN
               CASE WHEN o.taken_later THEN NULL ELSE o.timepoint END
           WHEN c.timepoint IS NOT NULL THEN NULL
           ELSE d.rule_timepoint
       END AS timepoint,
       o.timepoint IS NOT NULL AS overridden,
       d.test_index
FROM derived d
LEFT JOIN ovr o ON o.enrolment_id = d.enrolment_id AND o.device_id = d.device_id
               AND o.session_id = d.session_id
LEFT JOIN claimed c ON c.enrolment_id = d.enrolment_id AND c.timepoint = d.rule_timepoint;

-- clinical.v_training_set: as in 305, the sets of devices of the
-- programme's body region only.
CREATE OR REPLACE VIEW clinical.v_training_set AS
SELECT t.enrolment_id, t.device_id, t.session_id, t.direction, t.set_number, t.taken_at,
       clinical.local_date(t.taken_at) AS day, t.load_nm, t.load_pct_of_max, t.repetitions,
       t.range_min_deg, t.range_max_deg, t.time_under_tension_s
FROM meas.training_set t
JOIN clinical.enrolment e ON e.enrolment_id = t.enrolment_id
JOIN clinical.programme p ON p.programme_id = e.programme_id
LEFT JOIN clinical.device d ON d.device_id = t.device_id
WHERE clinical.within(clinical.local_date(t.taken_at), e.start_date, e.end_date)
  AND coalesce(d.body_region, 'lumbar') = p.body_region;

-- clinical.v_other_region: what an enrolment has on devices of the other
-- body region than its programme's, counted nowhere; one row per device.
--   enrolment_id      bigint
--   device_id         text
--   body_region       text    the device's region
--   programme_region  text    the programme's region
--   test_trials       bigint
--   training_sets     bigint
--   first_date, last_date  date  (Europe/Brussels)
CREATE VIEW clinical.v_other_region AS
SELECT x.enrolment_id, x.device_id, coalesce(d.body_region, 'lumbar') AS body_region,
       p.body_region AS programme_region,
       count(*) FILTER (WHERE x.record = 'test_trial') AS test_trials,
       count(*) FILTER (WHERE x.record = 'training_set') AS training_sets,
       min(clinical.local_date(x.taken_at)) AS first_date,
       max(clinical.local_date(x.taken_at)) AS last_date
FROM (SELECT t.enrolment_id, t.device_id, 'test_trial'::text AS record, t.taken_at
      FROM meas.test_trial t
      UNION ALL
      SELECT s.enrolment_id, s.device_id, 'training_set', s.taken_at
      FROM meas.training_set s) x
JOIN clinical.enrolment e ON e.enrolment_id = x.enrolment_id
JOIN clinical.programme p ON p.programme_id = e.programme_id
LEFT JOIN clinical.device d ON d.device_id = x.device_id
WHERE coalesce(d.body_region, 'lumbar') <> p.body_region
GROUP BY x.enrolment_id, x.device_id, coalesce(d.body_region, 'lumbar'), p.body_region;
ALTER VIEW clinical.v_other_region OWNER TO ruglab_admin;
-- counts and dates, no measured values: the secretariat's attendance warnings read it too
GRANT SELECT ON clinical.v_other_region TO ruglab_clinician, ruglab_secretariat;

-- ------------------------------------------------------------- quality
INSERT INTO quality.measure (measure, kind, label, unit, better, srd_pct, sort_order)
SELECT 'cervical_' || k.kind || '_' || d.dir, k.kind,
       CASE k.kind WHEN 'strength' THEN 'cervical strength ' ELSE 'cervical ROM ' END
           || replace(d.dir, '_', ' '),
       CASE k.kind WHEN 'strength' THEN 'N·m' ELSE 'deg' END, 'higher', 33,
       40 + k.o * 10 + d.o
FROM (VALUES ('strength', 0), ('rom', 1)) AS k(kind, o)
CROSS JOIN (VALUES ('extension', 1), ('flexion', 2), ('lateral_flexion_left', 3),
                   ('lateral_flexion_right', 4), ('rotation_left', 5), ('rotation_right', 6)) AS d(dir, o);
COMMENT ON COLUMN quality.measure.measure IS
    'code: nprs, odi, rmdq, tsk, psfs, ndi, strength_<direction>, rom_<direction> (lumbar devices), cervical_strength_<direction>, cervical_rom_<direction> (cervical devices)';

-- quality.refresh: as in 608, with the device values per body region
CREATE OR REPLACE FUNCTION quality.refresh(p_full boolean DEFAULT false,
                                           OUT enrolments bigint, OUT inserted bigint,
                                           OUT updated bigint, OUT deleted bigint,
                                           OUT outcomes_changed bigint, OUT "full" boolean,
                                           OUT recomputed bigint, OUT keys bigint[])
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n_outcome_deleted bigint;
    only_ids text := '';  -- the restriction of clinical.enrolment to the marked enrolments
BEGIN
    IF EXISTS (SELECT 1 FROM quality.node WHERE is_registry) THEN
        RAISE EXCEPTION 'this database is a quality registry: its tables are replicated from the sites; refresh at each site instead'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- One refresh at a time (a second one waits).
    PERFORM pg_advisory_xact_lock(hashtext('ruglab quality refresh'));

    -- the stamps of this snapshot: the watermark to keep at the end
    CREATE TEMP TABLE q_stamp ON COMMIT DROP AS
    SELECT c.enrolment_id, c.stamp FROM clinical.enrolment_change c
    LEFT JOIN quality.refresh_seen s USING (enrolment_id)
    WHERE s.stamp IS DISTINCT FROM c.stamp;

    "full" := p_full OR NOT EXISTS (SELECT 1 FROM quality.refresh_seen)
              OR EXISTS (SELECT 1 FROM q_stamp WHERE enrolment_id = 0);
    IF NOT "full" THEN
        keys := ARRAY(SELECT enrolment_id FROM q_stamp ORDER BY enrolment_id);
        only_ids := ' AND e.enrolment_id = ANY ($1)';
    END IF;

    EXECUTE format($q$
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
    LEFT JOIN %1$s a ON a.enrolment_id = e.enrolment_id
    LEFT JOIN (SELECT o.enrolment_id, sum(o.records) AS records
               FROM %2$s o GROUP BY o.enrolment_id) x
           ON x.enrolment_id = e.enrolment_id
    WHERE true %3$s$q$,
        quality.refresh_source('clinical.v_attendance', keys),
        quality.refresh_source('clinical.v_outside_programme', keys), only_ids) USING keys;

    -- the start and end values by the clinical contract's rules (as 402);
    -- the trials are reduced to their maxima per time point and device
    -- before the device's SRD is joined, then to one row per enrolment,
    -- body region and direction, which gives the two measures strength_
    -- and rom_ (lumbar) or cervical_strength_ and cervical_rom_ (704)
    EXECUTE format($q$
    CREATE TEMP TABLE q_values ON COMMIT DROP AS
    SELECT q.enrolment_id, lower(q.instrument) AS measure,
           max(q.score) FILTER (WHERE q.timepoint = 'start') AS start_value,
           max(q.score) FILTER (WHERE q.timepoint = 'end') AS end_value,
           NULL::numeric AS srd_pct
    FROM %1$s q
    WHERE q.timepoint IN ('start', 'end') AND q.score IS NOT NULL
    GROUP BY q.enrolment_id, lower(q.instrument)
    UNION ALL
    SELECT g.enrolment_id,
           CASE g.body_region WHEN 'lumbar' THEN '' ELSE g.body_region || '_' END
               || k.kind || '_' || g.direction,
           k.start_value, k.end_value, g.srd_pct
    FROM (SELECT t.enrolment_id, coalesce(d.body_region, 'lumbar') AS body_region, t.direction,
                 max(t.max_torque_nm) FILTER (WHERE t.timepoint = 'start')::numeric AS strength_start,
                 max(t.max_torque_nm) FILTER (WHERE t.timepoint = 'end')::numeric AS strength_end,
                 max(t.rom_deg) FILTER (WHERE t.timepoint = 'start')::numeric AS rom_start,
                 max(t.rom_deg) FILTER (WHERE t.timepoint = 'end')::numeric AS rom_end,
                 coalesce(max(x.srd_pct) FILTER (WHERE t.timepoint = 'end'),
                          max(x.srd_pct) FILTER (WHERE t.timepoint = 'start'))::numeric AS srd_pct
          FROM (SELECT t.enrolment_id, t.direction, t.timepoint, t.device_id,
                       max(t.max_torque_nm) AS max_torque_nm, max(t.rom_deg) AS rom_deg
                FROM %2$s t
                WHERE t.timepoint IN ('start', 'end')
                GROUP BY t.enrolment_id, t.direction, t.timepoint, t.device_id) t
          LEFT JOIN clinical.device d ON d.device_id = t.device_id
          LEFT JOIN clinical.srd_setting x ON x.device_model = d.model AND x.direction = t.direction
          GROUP BY t.enrolment_id, coalesce(d.body_region, 'lumbar'), t.direction) g
    CROSS JOIN LATERAL (VALUES ('strength', g.strength_start, g.strength_end),
                               ('rom', g.rom_start, g.rom_end)) AS k(kind, start_value, end_value)$q$,
        quality.refresh_source('clinical.v_questionnaire', keys),
        quality.refresh_source('clinical.v_test_trial', keys)) USING keys;

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

    -- the deletes: everything not recomputed (full), else the rows of the
    -- recomputed enrolments that are gone (outcomes of deleted enrolments
    -- go by the foreign key's cascade)
    IF "full" THEN
        DELETE FROM quality.enrolment q
        WHERE NOT EXISTS (SELECT 1 FROM q_enrolment n WHERE n.enrolment_key = q.enrolment_key);
        GET DIAGNOSTICS deleted = ROW_COUNT;
        -- the outcome rows that differ, in one join: gone (n is NULL), new
        -- (q is NULL) or changed; only those are deleted or upserted below
        -- (the counts are those of a delete and an upsert of every row)
        CREATE TEMP TABLE q_outcome_diff ON COMMIT DROP AS
        SELECT n.*, q.enrolment_key AS gone_key, q.measure AS gone_measure
        FROM q_outcome n
        FULL JOIN quality.outcome q ON q.enrolment_key = n.enrolment_key AND q.measure = n.measure
        WHERE n.enrolment_key IS NULL OR q.enrolment_key IS NULL OR ROW(q.*) IS DISTINCT FROM ROW(n.*);
        DELETE FROM quality.outcome q
        USING q_outcome_diff d
        WHERE d.enrolment_key IS NULL AND q.enrolment_key = d.gone_key AND q.measure = d.gone_measure;
        GET DIAGNOSTICS n_outcome_deleted = ROW_COUNT;
        TRUNCATE q_outcome;
        INSERT INTO q_outcome
        SELECT enrolment_key, measure, start_value, end_value, change, change_pct, improved, important
        FROM q_outcome_diff WHERE enrolment_key IS NOT NULL;
    ELSE
        DELETE FROM quality.enrolment q
        WHERE q.local_enrolment_id = ANY (keys)
          AND NOT EXISTS (SELECT 1 FROM q_enrolment n WHERE n.enrolment_key = q.enrolment_key);
        GET DIAGNOSTICS deleted = ROW_COUNT;
        DELETE FROM quality.outcome q
        USING q_enrolment n
        WHERE q.enrolment_key = n.enrolment_key
          AND NOT EXISTS (SELECT 1 FROM q_outcome o
                          WHERE o.enrolment_key = q.enrolment_key AND o.measure = q.measure);
        GET DIAGNOSTICS n_outcome_deleted = ROW_COUNT;
    END IF;

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

    -- the watermark: the stamps this snapshot saw
    INSERT INTO quality.refresh_seen AS s (enrolment_id, stamp)
    SELECT enrolment_id, stamp FROM q_stamp
    ON CONFLICT (enrolment_id) DO UPDATE SET stamp = EXCLUDED.stamp;

    SELECT count(*) INTO recomputed FROM q_enrolment;
    SELECT count(*) INTO enrolments FROM quality.enrolment;
END
$$;
