-- 401: quality.refresh() without clinical.v_questionnaire.
--
-- clinical.v_questionnaire evaluates the mid date of an enrolment once per
-- response row (a correlated subquery over clinical.v_test_occasion), which
-- takes seconds for a few dozen enrolments and hours for a registry-sized
-- site. The refresh needs only the start and end responses, so it applies
-- the same rule (101_clinical_views.sql) set-based, with the test occasions
-- and the mid dates computed once:
--   start  the first scorable response of an enrolment and instrument;
--   end    the last one (not the first), when the enrolment is completed or
--          dropped out and the response is after the mid date (the day of
--          the 'mid' test occasion, else of the session numbered
--          mid_test_session), or no mid date is known.
-- tests/integration/test_outcomes.sh checks that the values equal those of
-- clinical.v_questionnaire.
DO $$
DECLARE
    body text;
BEGIN
    SELECT prosrc INTO body FROM pg_proc WHERE oid = 'quality.refresh()'::regprocedure;
    body := replace(body,
$old$    SELECT q.enrolment_id, lower(q.instrument) AS measure,
           max(q.score) FILTER (WHERE q.timepoint = 'start') AS start_value,
           max(q.score) FILTER (WHERE q.timepoint = 'end') AS end_value
    FROM clinical.v_questionnaire q
    WHERE q.timepoint IN ('start', 'end') AND q.score IS NOT NULL
    GROUP BY q.enrolment_id, lower(q.instrument)$old$,
$new$    WITH occ AS MATERIALIZED (
        SELECT enrolment_id, min(test_date) AS mid_date FROM clinical.v_test_occasion
        WHERE timepoint = 'mid' GROUP BY enrolment_id
    ), sess AS MATERIALIZED (
        SELECT v.enrolment_id, min(v.session_date) AS mid_date
        FROM clinical.v_session v
        JOIN clinical.enrolment e ON e.enrolment_id = v.enrolment_id
        JOIN clinical.programme p ON p.programme_id = e.programme_id
        WHERE v.session_number = p.mid_test_session GROUP BY v.enrolment_id
    ), r AS (
        SELECT q.enrolment_id, q.instrument, q.score, clinical.local_date(q.taken_at) AS taken_date,
               row_number() OVER (PARTITION BY q.enrolment_id, q.instrument
                                  ORDER BY q.taken_at, q.response_id) AS idx,
               count(*) OVER (PARTITION BY q.enrolment_id, q.instrument) AS n_scored
        FROM meas.questionnaire_response q WHERE q.score IS NOT NULL
    )
    SELECT r.enrolment_id, lower(r.instrument) AS measure,
           max(r.score) FILTER (WHERE r.idx = 1) AS start_value,
           max(r.score) FILTER (WHERE r.idx = r.n_scored AND r.n_scored > 1
                                  AND e.status IN ('completed', 'dropped_out')
                                  AND (coalesce(o.mid_date, s.mid_date) IS NULL
                                       OR r.taken_date > coalesce(o.mid_date, s.mid_date))) AS end_value
    FROM r
    JOIN clinical.enrolment e ON e.enrolment_id = r.enrolment_id
    LEFT JOIN occ o ON o.enrolment_id = r.enrolment_id
    LEFT JOIN sess s ON s.enrolment_id = r.enrolment_id
    GROUP BY r.enrolment_id, lower(r.instrument)$new$);
    IF body NOT LIKE '%WITH occ AS MATERIALIZED%' THEN
        RAISE EXCEPTION 'quality.refresh() is not the one of 400: cannot rewrite it';
    END IF;
    EXECUTE format($f$CREATE OR REPLACE FUNCTION quality.refresh(OUT enrolments bigint, OUT inserted bigint,
                       OUT updated bigint, OUT deleted bigint, OUT outcomes_changed bigint)
                   LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS %L$f$, body);
END $$;
