-- 305: the columns and views the report reads, so that ruglab-report
-- reads measurements only through the clinical views (the clinical
-- contract) and never a meas.* table: the answers of a questionnaire
-- response, the training sets and the raw curves of the test trials.
-- Views keep their names and columns and add columns at the end only.

-- clinical.v_questionnaire: as in 302 (the same rule), plus
--   answers  jsonb  the response's answers as stored (the report scores
--                   them again for the interpretation band)
CREATE OR REPLACE VIEW clinical.v_questionnaire AS
WITH r AS (
    SELECT q.response_id, q.enrolment_id, q.instrument, q.version, q.taken_at, q.score, q.source,
           q.answers, clinical.local_date(q.taken_at) AS taken_date,
           clinical.within(clinical.local_date(q.taken_at), e.start_date, e.end_date) AS in_programme,
           a.start_anchor, a.mid_anchor, a.end_anchor, a.window_days
    FROM meas.questionnaire_response q
    JOIN clinical.enrolment e ON e.enrolment_id = q.enrolment_id
    JOIN clinical.v_timepoint_anchor a ON a.enrolment_id = q.enrolment_id
), s1 AS (
    SELECT r.*,
           (r.in_programme AND r.score IS NOT NULL
            AND abs(r.taken_date - r.start_anchor) <= r.window_days) AS start_ok
    FROM r
), s2 AS (
    SELECT s1.*,
           row_number() OVER (PARTITION BY s1.enrolment_id, s1.instrument
                              ORDER BY s1.start_ok DESC, abs(s1.taken_date - s1.start_anchor),
                                       s1.taken_at, s1.response_id) AS start_rank
    FROM s1
), s3 AS (
    SELECT s2.*,
           max(CASE WHEN s2.start_ok AND s2.start_rank = 1 THEN s2.taken_date END)
               OVER (PARTITION BY s2.enrolment_id, s2.instrument) AS start_day
    FROM s2
), e1 AS (
    SELECT s3.*,
           (s3.in_programme AND s3.score IS NOT NULL AND s3.end_anchor IS NOT NULL
            AND abs(s3.taken_date - s3.end_anchor) <= s3.window_days
            AND (s3.start_day IS NULL OR s3.taken_date > s3.start_day)) AS end_ok
    FROM s3
), e2 AS (
    SELECT e1.*,
           row_number() OVER (PARTITION BY e1.enrolment_id, e1.instrument
                              ORDER BY e1.end_ok DESC, abs(e1.taken_date - e1.end_anchor),
                                       e1.taken_at DESC, e1.response_id DESC) AS end_rank
    FROM e1
), e3 AS (
    SELECT e2.*,
           max(CASE WHEN e2.end_ok AND e2.end_rank = 1 THEN e2.taken_date END)
               OVER (PARTITION BY e2.enrolment_id, e2.instrument) AS end_day
    FROM e2
), m1 AS (
    SELECT e3.*,
           (e3.in_programme AND e3.score IS NOT NULL AND e3.mid_anchor IS NOT NULL
            AND abs(e3.taken_date - e3.mid_anchor) <= e3.window_days
            AND (e3.start_day IS NULL OR e3.taken_date > e3.start_day)
            AND (e3.end_day IS NULL OR e3.taken_date < e3.end_day)) AS mid_ok
    FROM e3
), m2 AS (
    SELECT m1.*,
           row_number() OVER (PARTITION BY m1.enrolment_id, m1.instrument
                              ORDER BY m1.mid_ok DESC, abs(m1.taken_date - m1.mid_anchor),
                                       m1.taken_at, m1.response_id) AS mid_rank
    FROM m1
)
SELECT k.response_id, k.enrolment_id, k.instrument, k.version, k.taken_at, k.score,
       CASE WHEN k.start_ok AND k.start_rank = 1 THEN 'start'
            WHEN k.end_ok AND k.end_rank = 1 THEN 'end'
            WHEN k.mid_ok AND k.mid_rank = 1 THEN 'mid'
       END AS timepoint,
       k.source, k.taken_date, k.in_programme, k.answers
FROM m2 k;

-- clinical.v_training_set: every training set inside the programme's
-- dates, as meas.training_set, plus
--   day  date  the day (Europe/Brussels)
-- The report's training load reads from here (302's rule for dates: a set
-- outside the dates counts for nothing).
CREATE VIEW clinical.v_training_set AS
SELECT t.enrolment_id, t.device_id, t.session_id, t.direction, t.set_number, t.taken_at,
       clinical.local_date(t.taken_at) AS day, t.load_nm, t.load_pct_of_max, t.repetitions,
       t.range_min_deg, t.range_max_deg, t.time_under_tension_s
FROM meas.training_set t
JOIN clinical.enrolment e ON e.enrolment_id = t.enrolment_id
WHERE clinical.within(clinical.local_date(t.taken_at), e.start_date, e.end_date);

-- clinical.v_test_curve: the raw force/angle curves of the test trials,
-- one row per sample batch (meas.sample_batch, context 'test_trial').
--   enrolment_id, device_id, session_id, direction
--   trial           integer      the test trial the samples belong to
--   taken_at        timestamptz  the time of the batch's first sample
--   sample_rate_hz  integer
--   first_index     bigint       the batch's first sample in the trial
--   angle_ddeg      smallint[]   tenths of a degree
--   torque_dnm      smallint[]   tenths of a newton metre
-- A curve is reached through its trial (clinical.v_test_trial), which
-- applies the programme's dates; the view adds no date rule of its own,
-- so that a filter on enrolment and session reaches the table's index.
CREATE VIEW clinical.v_test_curve AS
SELECT b.enrolment_id, b.device_id, b.session_id, b.direction, b.context_number AS trial,
       b.taken_at, b.sample_rate_hz, b.first_index, b.angle_ddeg, b.torque_dnm
FROM meas.sample_batch b
WHERE b.context = 'test_trial';

GRANT SELECT ON clinical.v_training_set, clinical.v_test_curve TO ruglab_clinician;
