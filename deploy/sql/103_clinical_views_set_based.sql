-- 103: the views of 101, same names, columns and rules, written set-based
-- so that they stay fast on a real database. 101 used correlated
-- subqueries over other views and CTEs referenced twice: PostgreSQL then
-- recomputed v_session for every test occasion and materialised every
-- enrolment's occasions even when one enrolment was asked for (seconds per
-- patient with a handful of rows). Here every step is a join or a window
-- partitioned by enrolment_id and no CTE is referenced twice, so a filter
-- on enrolment_id reaches the base tables' indexes, and a whole-table query
-- (the quality refresh) is a few hash joins. The column comments of 101
-- still describe the views.

-- v_session: DISTINCT ON now keys on the enrolment first, so that a filter
-- on enrolment_id is pushed down to meas.session_event.
CREATE OR REPLACE VIEW clinical.v_session AS
WITH device AS (
    SELECT DISTINCT ON (ev.enrolment_id, ev.device_id, ev.session_id)
           ev.enrolment_id, clinical.local_date(ev.taken_at) AS session_date,
           CASE ev.kind WHEN 'test' THEN 'test' ELSE 'exercise' END AS kind,
           ev.device_id, ev.session_id AS device_session_id
    FROM meas.session_event ev
    WHERE ev.event = 'start' AND ev.kind IS DISTINCT FROM 'questionnaire'
    ORDER BY ev.enrolment_id, ev.device_id, ev.session_id, ev.taken_at
), all_rows AS (
    SELECT d.enrolment_id, d.session_date, d.kind, 'attended'::text AS status,
           'device'::text AS source, d.device_id, d.device_session_id,
           NULL::bigint AS session_id, NULL::text AS note
    FROM device d
    WHERE NOT EXISTS (SELECT 1 FROM clinical.session s
                      WHERE s.source = 'device' AND s.device_id = d.device_id
                        AND s.device_session_id = d.device_session_id)
    UNION ALL
    SELECT s.enrolment_id, s.session_date, s.kind, s.status, s.source, s.device_id,
           s.device_session_id, s.session_id, s.note
    FROM clinical.session s
)
SELECT a.enrolment_id, a.session_date, a.kind, a.status, a.source, a.device_id,
       a.device_session_id,
       CASE WHEN a.status = 'attended' THEN
           dense_rank() OVER (PARTITION BY a.enrolment_id, a.status = 'attended'
                              ORDER BY a.session_date, a.kind = 'information')
       END AS session_number,
       a.session_id, a.note
FROM all_rows a;

CREATE OR REPLACE VIEW clinical.v_test_occasion AS
WITH occ AS (
    SELECT t.enrolment_id, t.device_id, t.session_id, min(t.taken_at) AS first_at,
           clinical.local_date(min(t.taken_at)) AS test_date
    FROM meas.test_trial t
    GROUP BY t.enrolment_id, t.device_id, t.session_id
), numbered AS (
    -- the session number on the test day: the highest attended number on
    -- or before it (a join, not a subquery per occasion)
    SELECT o.enrolment_id, o.device_id, o.session_id, o.test_date, o.first_at,
           max(v.session_number) AS session_number
    FROM occ o
    LEFT JOIN clinical.v_session v ON v.enrolment_id = o.enrolment_id
                                  AND v.session_date <= o.test_date
                                  AND v.status = 'attended'
    GROUP BY o.enrolment_id, o.device_id, o.session_id, o.test_date, o.first_at
), ruled AS (
    SELECT n.enrolment_id, n.device_id, n.session_id, n.test_date, n.session_number,
           row_number() OVER (PARTITION BY n.enrolment_id
                              ORDER BY n.first_at, n.device_id, n.session_id) AS test_index,
           count(*) OVER (PARTITION BY n.enrolment_id) AS n_tests,
           e.status IN ('completed', 'dropped_out') AS ended,
           abs(coalesce(n.session_number, 0) - p.mid_test_session) AS mid_dist,
           abs(coalesce(n.session_number, 0) - 1) AS start_dist,
           abs(coalesce(n.session_number, 0) - p.total_sessions) AS end_dist
    FROM numbered n
    JOIN clinical.enrolment e ON e.enrolment_id = n.enrolment_id
    JOIN clinical.programme p ON p.programme_id = e.programme_id
), flagged AS (
    SELECT r.*,
           (r.test_index = r.n_tests AND r.n_tests > 1 AND r.ended) AS is_end,
           (r.test_index > 1 AND NOT (r.test_index = r.n_tests AND r.n_tests > 1 AND r.ended)
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
           CASE WHEN k.test_index = 1 THEN 'start'
                WHEN k.is_end THEN 'end'
                WHEN k.mid_candidate AND k.mid_rank = 1 THEN 'mid'
           END AS rule_timepoint
    FROM ranked k
), ovr AS (
    -- the override in force per occasion, and whether a later override of
    -- another occasion of the enrolment claims the same time point
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
    -- time points given by an override in force, per enrolment
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

CREATE OR REPLACE VIEW clinical.v_questionnaire AS
WITH r AS (
    SELECT q.response_id, q.enrolment_id, q.instrument, q.version, q.taken_at, q.score, q.source,
           clinical.local_date(q.taken_at) AS taken_date,
           CASE WHEN q.score IS NOT NULL THEN
               row_number() OVER (PARTITION BY q.enrolment_id, q.instrument, q.score IS NOT NULL
                                  ORDER BY q.taken_at, q.response_id)
           END AS idx,
           count(q.score) OVER (PARTITION BY q.enrolment_id, q.instrument) AS n_scored,
           min(clinical.local_date(q.taken_at)) FILTER (WHERE q.score IS NOT NULL)
               OVER (PARTITION BY q.enrolment_id, q.instrument) AS first_date
    FROM meas.questionnaire_response q
), mid_test AS (
    SELECT t.enrolment_id, min(t.test_date) AS mid_date
    FROM clinical.v_test_occasion t
    WHERE t.timepoint = 'mid'
    GROUP BY t.enrolment_id
), mid_session AS (
    SELECT v.enrolment_id, min(v.session_date) AS mid_date
    FROM clinical.v_session v
    JOIN clinical.enrolment e ON e.enrolment_id = v.enrolment_id
    JOIN clinical.programme p ON p.programme_id = e.programme_id
    WHERE v.session_number = p.mid_test_session
    GROUP BY v.enrolment_id
), ruled AS (
    SELECT r.*, coalesce(mt.mid_date, ms.mid_date) AS mid_date,
           (r.idx IS NOT NULL AND r.idx = r.n_scored AND r.n_scored > 1
            AND e.status IN ('completed', 'dropped_out')
            AND (coalesce(mt.mid_date, ms.mid_date) IS NULL
                 OR r.taken_date > coalesce(mt.mid_date, ms.mid_date))) AS is_end
    FROM r
    JOIN clinical.enrolment e ON e.enrolment_id = r.enrolment_id
    LEFT JOIN mid_test mt ON mt.enrolment_id = r.enrolment_id
    LEFT JOIN mid_session ms ON ms.enrolment_id = r.enrolment_id
), flagged AS (
    SELECT x.*,
           (x.idx > 1 AND NOT x.is_end AND x.mid_date IS NOT NULL
            AND abs(x.taken_date - x.mid_date) <= x.taken_date - x.first_date) AS mid_candidate,
           abs(x.taken_date - x.mid_date) AS mid_dist
    FROM ruled x
), ranked AS (
    SELECT f.*,
           row_number() OVER (PARTITION BY f.enrolment_id, f.instrument
                              ORDER BY f.mid_candidate IS TRUE DESC, f.mid_dist, f.idx) AS mid_rank
    FROM flagged f
)
SELECT k.response_id, k.enrolment_id, k.instrument, k.version, k.taken_at, k.score,
       CASE WHEN k.idx = 1 THEN 'start'
            WHEN k.is_end THEN 'end'
            WHEN k.mid_candidate AND k.mid_rank = 1 THEN 'mid'
       END AS timepoint,
       k.source, k.taken_date
FROM ranked k;
