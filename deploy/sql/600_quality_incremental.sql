-- 600: incremental refresh of the quality tables (issue 15, "fast by
-- design").
--
-- quality.refresh(p_full boolean DEFAULT false) recomputes only the
-- enrolments marked in clinical.enrolment_change (migration 506) since the
-- last refresh, with the same set-based statements as 402 restricted to
-- those enrolments; p_full (`ruglab-outcomes refresh --full`) recomputes
-- every enrolment. It returns the counts of 402 plus `full` (whether every
-- enrolment was recomputed), `recomputed` (how many) and `keys`: the
-- clinical enrolment ids (= quality.enrolment.local_enrolment_id) that were
-- recomputed or deleted, NULL when the run was full. The later refresh
-- steps (quality.refresh_<name>(p_keys bigint[]), run in order by
-- `ruglab-outcomes refresh` in the same transaction) take these keys.
--
-- Watermark: not a time or a transaction id but the stamps themselves.
-- quality.refresh_seen keeps, per enrolment (and row 0, the global stamp),
-- the stamp of clinical.enrolment_change that the last refresh saw, read in
-- the same snapshot as the data it recomputed. The enrolments to recompute
-- are those whose stamp differs from the one seen (or that were never
-- seen). A transaction that started before the last refresh and commits
-- after it (changed_at earlier than the refresh) is still found: its stamp
-- was not in the refresh's snapshot, so the stamp seen differs from the
-- committed one. No window to guess, no xid arithmetic (wraparound); the
-- cost is one anti-join of two tables of one row per changed enrolment
-- (about 100,000 rows: tens of milliseconds, make bench).
--
-- A change of the global stamp (sites, programmes, devices, reference
-- values, SRD settings) makes the run full: which enrolments a programme's
-- or an SRD setting's change reaches is a join we would have to keep in
-- step with 402's rules; a full run is the one implementation. The first
-- run (nothing seen yet) is full too.
--
-- Deleted enrolments: their mark stays (506 marks deletes), they are not
-- in clinical.enrolment any more, so the restricted delete removes their
-- rows (and their outcomes, by cascade and by the outcome delete); a
-- vanished outcome of a recomputed enrolment is deleted likewise.
--
-- Notification: statement-level triggers on clinical.enrolment_change
-- send NOTIFY ruglab_quality_change (no payload: identical notifications
-- of a transaction are folded into one by the server), only for the first
-- change of an enrolment since the last refresh (see below), which
-- `ruglab-outcomes refresh --watch` listens to.

CREATE TABLE quality.refresh_seen (
    enrolment_id bigint PRIMARY KEY,  -- 0: the global stamp
    stamp        bigint NOT NULL
);
ALTER TABLE quality.refresh_seen OWNER TO ruglab_admin;
COMMENT ON TABLE quality.refresh_seen IS
    'the stamp of clinical.enrolment_change each enrolment had when quality.refresh() last recomputed it (its watermark; not replicated)';

DROP FUNCTION quality.refresh();

-- The rows of a clinical view for the enrolments of keys, as a FROM item.
-- The clinical views aggregate the whole site in inner subqueries that a
-- restriction to a set (enrolment_id = ANY (keys), a LATERAL join) does
-- not reach, while enrolment_id = a constant reaches every level (the
-- planner's equivalence classes: what makes the report's model fast): so
-- up to 500 keys it is one UNION ALL of a constant-restricted branch per
-- key (still one statement, planned per branch: about 7-20 ms a key), and
-- beyond that the view restricted by = ANY ($1) (about as slow as the whole
-- view). All keys: the view itself.
CREATE FUNCTION quality.refresh_source(p_view text, p_keys bigint[])
    RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN p_keys IS NULL THEN p_view
                WHEN cardinality(p_keys) = 0 THEN format('(SELECT * FROM %s WHERE false)', p_view)
                WHEN cardinality(p_keys) <= 500 THEN
                    '(' || (SELECT string_agg(format('SELECT * FROM %s WHERE enrolment_id = %s', p_view, k),
                                              ' UNION ALL ')
                            FROM unnest(p_keys) k) || ')'
                ELSE format('(SELECT * FROM %s WHERE enrolment_id = ANY ($1))', p_view)
           END
$$;
ALTER FUNCTION quality.refresh_source(text, bigint[]) OWNER TO ruglab_admin;
REVOKE ALL ON FUNCTION quality.refresh_source(text, bigint[]) FROM PUBLIC;

CREATE FUNCTION quality.refresh(p_full boolean DEFAULT false,
                                OUT enrolments bigint, OUT inserted bigint,
                                OUT updated bigint, OUT deleted bigint,
                                OUT outcomes_changed bigint, OUT "full" boolean,
                                OUT recomputed bigint, OUT keys bigint[])
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n_outcome_deleted bigint;
    only_ids text := '';  -- the restriction of every set to the marked enrolments
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
        only_ids := ' AND %1$s = ANY ($1)';
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
    LEFT JOIN %2$s a ON a.enrolment_id = e.enrolment_id
    LEFT JOIN (SELECT o.enrolment_id, sum(o.records) AS records
               FROM clinical.v_outside_programme o WHERE true %3$s GROUP BY o.enrolment_id) x
           ON x.enrolment_id = e.enrolment_id
    WHERE true %4$s$q$,
        NULL, quality.refresh_source('clinical.v_attendance', keys), format(only_ids, 'o.enrolment_id'),
        format(only_ids, 'e.enrolment_id')) USING keys;

    -- the start and end values by the clinical contract's rules (as 402)
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
    SELECT t.enrolment_id, k.kind || '_' || t.direction,
           max(CASE k.kind WHEN 'strength' THEN t.max_torque_nm ELSE t.rom_deg END)
               FILTER (WHERE t.timepoint = 'start')::numeric,
           max(CASE k.kind WHEN 'strength' THEN t.max_torque_nm ELSE t.rom_deg END)
               FILTER (WHERE t.timepoint = 'end')::numeric,
           coalesce(max(x.srd_pct) FILTER (WHERE t.timepoint = 'end'),
                    max(x.srd_pct) FILTER (WHERE t.timepoint = 'start'))::numeric
    FROM %2$s t
    LEFT JOIN clinical.device d ON d.device_id = t.device_id
    LEFT JOIN clinical.srd_setting x ON x.device_model = d.model AND x.direction = t.direction
    CROSS JOIN (VALUES ('strength'), ('rom')) AS k(kind)
    WHERE t.timepoint IN ('start', 'end')
    GROUP BY t.enrolment_id, k.kind, t.direction$q$,
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

    -- the deletes are restricted to the recomputed enrolments
    DELETE FROM quality.enrolment q
    WHERE ("full" OR q.local_enrolment_id = ANY (keys))
      AND NOT EXISTS (SELECT 1 FROM q_enrolment n WHERE n.enrolment_key = q.enrolment_key);
    GET DIAGNOSTICS deleted = ROW_COUNT;
    DELETE FROM quality.outcome q
    WHERE ("full" OR q.enrolment_key IN (SELECT n.enrolment_key FROM q_enrolment n))
      AND NOT EXISTS (SELECT 1 FROM q_outcome n
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

    -- the watermark: the stamps this snapshot saw
    INSERT INTO quality.refresh_seen AS s (enrolment_id, stamp)
    SELECT enrolment_id, stamp FROM q_stamp
    ON CONFLICT (enrolment_id) DO UPDATE SET stamp = EXCLUDED.stamp;

    SELECT count(*) INTO recomputed FROM q_enrolment;
    SELECT count(*) INTO enrolments FROM quality.enrolment;
END
$$;

ALTER FUNCTION quality.refresh(boolean) OWNER TO ruglab_admin;
REVOKE ALL ON FUNCTION quality.refresh(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION quality.refresh(boolean) TO ruglab_quality;
COMMENT ON FUNCTION quality.refresh(boolean) IS
    'Recomputes quality.enrolment and quality.outcome for the enrolments changed since the last refresh (all with p_full or after a global change); keys: the enrolment ids recomputed or deleted, NULL when full (ruglab-outcomes refresh); refused on a registry';

-- The notification of a change. NOTIFY serialises the commits of the
-- transactions that notify (PostgreSQL takes one lock per database at
-- commit for the queue), so it must not come with every collector batch:
-- a statement notifies only when it moves a stamp for the first time
-- since the last refresh saw it (the seen stamp is the new one - 1) or
-- marks a new enrolment (stamp 1). A database never refreshed does not
-- notify at all but for new enrolments. A change racing a refresh (made
-- while the refresh runs, committed after it) may not notify: the watcher
-- also refreshes after 50 s without notifications, which finds it.
-- Measured with pgbench (8 clients, one-row UPDATE of an enrolment per
-- transaction on 50 enrolments, fsync on, 2 cores shared with a running
-- bench, so noisy): 1,380-1,640 transactions/s without the notification,
-- 840-1,560 with it after a refresh (a notification once per enrolment
-- and refresh; 0.6-1.1 of without), 1,400-1,510 on a database never
-- refreshed, 230-290/s when every transaction notified (the first
-- version): the filter is what keeps ingest's speed.
CREATE FUNCTION quality.notify_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed c LEFT JOIN quality.refresh_seen s USING (enrolment_id)
               WHERE s.stamp = c.stamp - 1 OR (s.stamp IS NULL AND c.stamp = 1)) THEN
        PERFORM pg_notify('ruglab_quality_change', '');
    END IF;
    RETURN NULL;
END
$$;
ALTER FUNCTION quality.notify_change() OWNER TO ruglab_admin;
REVOKE ALL ON FUNCTION quality.notify_change() FROM PUBLIC;
CREATE TRIGGER notify_ins AFTER INSERT ON clinical.enrolment_change REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION quality.notify_change();
CREATE TRIGGER notify_upd AFTER UPDATE ON clinical.enrolment_change REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION quality.notify_change();
