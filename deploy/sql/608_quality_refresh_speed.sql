-- 608: the refresh's targets (issue 15): a full refresh of 100,000
-- enrolments in < 30 s, an incremental one after 100 changes in < 1 s.
-- Same results, same OUT columns; the clinical views keep their names,
-- columns and rules.
--
-- Where the time went (100,000 enrolments / 50 sites, 1.68 M outcome rows;
-- each statement of quality.refresh under auto_explain, then the views
-- alone without instrumentation):
--   full, 47-56 s: q_values 22-27 s, q_enrolment 8-11 s, the outcome
--   writes 7.6 s (an anti-join delete and an upsert of all 1.68 M rows),
--   q_outcome 2.5 s. The views are the cost: one pass of v_session (2.85 M
--   sessions, a window per enrolment) takes 2.3 s (1.6 s of CPU) and a full refresh makes
--   six (v_attendance two, v_outside_programme one, v_timepoint_anchor two
--   through v_test_occasion and its mid session, v_test_trial one through
--   v_test_occasion); v_test_occasion (5.7 s: a v_session pass and 2.8 s
--   to group 3.1 M trials into occasions) is computed twice, once for
--   the questionnaires' anchors and once for v_test_trial, which then
--   fetched the trials of each of 173,000 occasions by index (planned for
--   312 occasions) and looked up every trial's device and SRD.
--   incremental, 3-4 s: planning. refresh_source (600) made one UNION ALL
--   branch per key, restricted by a constant, because enrolment_id =
--   ANY (keys) stops at the views' inner aggregates; planning the 200
--   branches of q_values took 3 s, running them 0.3 s. The delete of
--   vanished outcomes scanned quality.outcome (0.3 s): its IN (subquery)
--   sat under an OR with "full" and was not made a join.
--
-- What changed (each measured on that population; results equal, checked
-- by dumping quality.enrolment and quality.outcome after a full refresh
-- of 600 and of this one):
--   * refresh_source: the view for a set of keys is one LATERAL subquery
--     per key (unnest(keys) CROSS JOIN LATERAL (... WHERE enrolment_id =
--     k OFFSET 0)). OFFSET 0 keeps the subquery from being pulled up into
--     a plain join, so enrolment_id = k, k a parameter of the nested loop,
--     reaches every level of the view like a constant does (the planner's
--     equivalence classes treat a parameter as a constant): planned once,
--     run per key on the base tables' indexes (10,000 keys: v_attendance
--     0.7 s, v_outside_programme 0.3 s, v_questionnaire 1.2 s,
--     v_test_trial 0.9 s: about 0.3 ms a key for the four, so that only
--     near 100,000 keys would the whole views cost less; one path for
--     every key set, the = ANY branch of 600 for more than 500 keys went).
--     The views themselves are unchanged (the report's model keeps its
--     plans). Not chosen: the views' bodies as inlinable SQL functions
--     taking the keys, the views calling them with NULL. An inlined
--     function's tables are checked with the caller's rights, not the
--     view owner's, so ruglab_secretariat, which reads v_session,
--     v_attendance, v_questionnaire and v_test_occasion but has no SELECT
--     on meas.session_event, meas.test_trial or
--     meas.questionnaire_response, would get "permission denied" (tried);
--     it would need grants on the raw tables. The LATERAL form gives the
--     refresh the same per-key restriction without touching the views.
--     Incremental refresh after 100 changes (ruglab-outcomes refresh,
--     the same run alternating with a database at 604): 2.9-4.4 s ->
--     0.21-0.24 s; quality.refresh() itself 0.15 s (finding the changed
--     stamps 36 ms, q_values 34 ms, q_enrolment 18 ms).
--   * the full path's outcome writes: one FULL JOIN of the new rows with
--     quality.outcome finds the rows gone, new or changed, and only those
--     are deleted or upserted (the counts are the same): 7.6 s -> 1.5 s
--     (an anti-join delete and an upsert of 1.68 M rows before).
--   * the device values: the trials are reduced to their maxima per time
--     point and device before the device's SRD is joined (3.1 M index
--     lookups of clinical.device and clinical.srd_setting before), then to
--     one row per enrolment and direction giving both measures (strength_,
--     rom_) instead of aggregating every trial once per measure.
--   * the incremental deletes are joins on the recomputed keys (the delete
--     of vanished outcomes scanned quality.outcome), and quality.enrolment
--     has an index on local_enrolment_id (the incremental delete and the
--     later steps, quality.refresh_casemix and quality.refresh_work, select
--     by it).
-- Full refresh, same run alternating with a database at 604, backend CPU
-- of quality.refresh(true): 45.8-47.3 s -> 38.1 s; make bench (2 shared
-- cores): refresh --full 34.6 s, still above 30 s (the views' passes
-- above; window functions keep PostgreSQL 15 from running them in
-- parallel workers).
-- Tried and left out (no gain measured): raising work_mem in the function
-- (64 MB and 256 MB were slower: hash aggregates chosen on misestimated
-- view rows), turning off nested loops or merge joins for the full path,
-- an index on meas.test_trial (enrolment_id, device_id, session_id,
-- taken_at) for the occasions, and computing v_test_occasion's session
-- number on the test day as a running maximum instead of its range join
-- (the sort it needs costs what the join did).

-- -------------------------------------------------------- refresh_source
-- The rows of a clinical view for the enrolments of keys, as a FROM item
-- of a statement whose $1 is keys (NULL: the view itself).
CREATE OR REPLACE FUNCTION quality.refresh_source(p_view text, p_keys bigint[])
    RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN p_keys IS NULL THEN p_view
                ELSE format('(SELECT r.* FROM unnest($1::bigint[]) AS k(id) '
                            'CROSS JOIN LATERAL (SELECT * FROM %s v WHERE v.enrolment_id = k.id OFFSET 0) r)',
                            p_view)
           END
$$;
ALTER FUNCTION quality.refresh_source(text, bigint[]) OWNER TO ruglab_admin;
REVOKE ALL ON FUNCTION quality.refresh_source(text, bigint[]) FROM PUBLIC;
COMMENT ON FUNCTION quality.refresh_source(text, bigint[]) IS
    'the rows of clinical view p_view for the enrolments p_keys (NULL: all) as a FROM item of a statement whose $1 is p_keys (quality.refresh)';

-- the incremental path and the later steps restrict quality.enrolment by
-- the clinical enrolment ids
CREATE INDEX quality_enrolment_local ON quality.enrolment (local_enrolment_id);

-- --------------------------------------------------------------- refresh
-- as in 600 (the same statements and rules), with the changes above
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
    -- before the device's SRD is joined, then to one row per enrolment and
    -- direction, which gives the two measures strength_ and rom_
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
    SELECT g.enrolment_id, k.kind || '_' || g.direction, k.start_value, k.end_value, g.srd_pct
    FROM (SELECT t.enrolment_id, t.direction,
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
          GROUP BY t.enrolment_id, t.direction) g
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
