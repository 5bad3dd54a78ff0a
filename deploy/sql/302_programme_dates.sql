-- 302: what a report says comes only from data inside the programme's
-- dates (the clinical contract, part 3).
--
-- The rule (README, "What the letter says, and from which data"):
--   A programme's dates are its enrolment's start_date up to its end_date
--   (both included; open while it runs). Every session, test trial,
--   training set and questionnaire response whose day (Europe/Brussels)
--   falls outside them stays stored (nothing is lost) but is "outside the
--   programme": it gets no session number, counts for no attendance
--   figure, no test occasion, no questionnaire time point, no training
--   load and no quality outcome, and is listed by
--   clinical.v_outside_programme, which `ruglab enrolment status`, the
--   report and quality.enrolment show as a warning.
--   `ruglab enrolment end` refuses an end date before recorded activity
--   (naming the last recorded session) unless --force, which is audited.
--
-- Also here: the length of a programme session (minutes entered by hand,
-- or the span of the device sessions of the day) against the template's
-- min_session_minutes; the questionnaire time points anchored on the test
-- occasions; the English name of a programme; the language of a
-- conclusion; the source and validation of reference tables.
--
-- The views keep the names and columns of 101/103 and add columns at the
-- end only. They stay set-based (see 103): every step is a join or a
-- window partitioned by enrolment_id, and no CTE is referenced twice, so
-- a filter on enrolment_id reaches the base tables' indexes.

-- A programme session's length when the secretariat records it (the
-- devices see only their own part of a session).
ALTER TABLE clinical.session
    ADD COLUMN minutes smallint CHECK (minutes BETWEEN 1 AND 720);

-- The programme's name in English, for letters in English (NULL: the
-- letter gives the name as it is and says it is the programme's own name).
ALTER TABLE clinical.programme ADD COLUMN name_en text;
UPDATE clinical.programme SET name_en = 'Multidisciplinary back rehabilitation programme (36 sessions)'
    WHERE code = 'mrr-36';
UPDATE clinical.programme SET name_en = 'Back school, 15 weeks (30 sessions + up to 6 extra)'
    WHERE code = 'rugschool-30';
UPDATE clinical.programme SET name_en = 'Back school, 36 group sessions (at most 18 weeks)'
    WHERE code = 'rugschool-36-18w';

-- The language the physician wrote the conclusion in; a letter in another
-- language says so.
ALTER TABLE clinical.conclusion
    ADD COLUMN lang text NOT NULL DEFAULT 'nl' CHECK (lang IN ('nl', 'en', 'fr'));

-- Where reference values come from. A final letter shows % of reference
-- only from a table marked validated (`ruglab reference load --validated`)
-- and cites it under the table. Rows loaded before this migration keep
-- their file note as citation and are not validated.
ALTER TABLE clinical.reference_value
    ADD COLUMN citation text,
    ADD COLUMN population text,
    ADD COLUMN validated boolean NOT NULL DEFAULT false;
UPDATE clinical.reference_value SET citation = source WHERE citation IS NULL;
ALTER TABLE clinical.reference_value
    ALTER COLUMN citation SET NOT NULL,
    ADD CHECK (length(citation) BETWEEN 1 AND 500),
    ADD CHECK (population IS NULL OR length(population) BETWEEN 1 AND 500),
    ADD CHECK (NOT validated OR population IS NOT NULL);

-- clinical.within(day, first, last): day lies in [first, last], last NULL =
-- open (a running programme).
CREATE FUNCTION clinical.within(day date, first date, last date) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN day >= first AND (last IS NULL OR day <= last);

-- clinical.v_session: as in 101, plus
--   in_programme  boolean      the day lies within the enrolment's dates;
--                              rows outside get no session_number
--   started_at    timestamptz  device sessions: the first start event
--   ended_at      timestamptz  device sessions: the end event (or start +
--                              duration_s); NULL when the device sent none
--   minutes       integer      manual sessions: the length entered by hand
CREATE OR REPLACE VIEW clinical.v_session AS
WITH device AS (
    SELECT ev.enrolment_id, ev.device_id, ev.session_id AS device_session_id,
           min(ev.taken_at) FILTER (WHERE ev.event = 'start') AS started_at,
           max(ev.taken_at) FILTER (WHERE ev.event = 'end') AS end_at,
           max(ev.duration_s) FILTER (WHERE ev.event = 'end') AS duration_s,
           (array_agg(ev.kind ORDER BY ev.taken_at) FILTER (WHERE ev.event = 'start'))[1] AS start_kind
    FROM meas.session_event ev
    GROUP BY ev.enrolment_id, ev.device_id, ev.session_id
), all_rows AS (
    SELECT d.enrolment_id, clinical.local_date(d.started_at) AS session_date,
           CASE d.start_kind WHEN 'test' THEN 'test' ELSE 'exercise' END AS kind,
           'attended'::text AS status, 'device'::text AS source, d.device_id, d.device_session_id,
           NULL::bigint AS session_id, NULL::text AS note, d.started_at,
           coalesce(d.end_at, d.started_at + make_interval(secs => d.duration_s)) AS ended_at,
           NULL::integer AS minutes
    FROM device d
    WHERE d.started_at IS NOT NULL AND d.start_kind IS DISTINCT FROM 'questionnaire'
      AND NOT EXISTS (SELECT 1 FROM clinical.session s
                      WHERE s.source = 'device' AND s.device_id = d.device_id
                        AND s.device_session_id = d.device_session_id)
    UNION ALL
    SELECT s.enrolment_id, s.session_date, s.kind, s.status, s.source, s.device_id,
           s.device_session_id, s.session_id, s.note, NULL::timestamptz, NULL::timestamptz,
           s.minutes::integer
    FROM clinical.session s
), placed AS (
    SELECT r.*, clinical.within(r.session_date, e.start_date, e.end_date) AS in_programme
    FROM all_rows r
    JOIN clinical.enrolment e ON e.enrolment_id = r.enrolment_id
)
SELECT a.enrolment_id, a.session_date, a.kind, a.status, a.source, a.device_id,
       a.device_session_id,
       CASE WHEN a.status = 'attended' AND a.in_programme THEN
           dense_rank() OVER (PARTITION BY a.enrolment_id, a.status = 'attended' AND a.in_programme
                              ORDER BY a.session_date, a.kind = 'information')
       END AS session_number,
       a.session_id, a.note, a.in_programme, a.started_at, a.ended_at, a.minutes
FROM placed a;

-- clinical.v_session_day: one row per attended programme session (inside
-- the programme's dates).
--   enrolment_id, session_number, session_date
--   information        boolean  an information session
--   minutes_recorded   integer  what is known of its length: the longest of
--                               the minutes entered by hand and the span of
--                               the day's device sessions of that number
--                               (first start to last end); NULL: unknown
--   min_session_minutes smallint the template's minimum (RIZIV: 120)
--   short              boolean  minutes_recorded < min_session_minutes
CREATE VIEW clinical.v_session_day AS
SELECT v.enrolment_id, v.session_number, min(v.session_date) AS session_date,
       bool_or(v.kind = 'information') AS information,
       greatest(max(v.minutes),
                round(extract(epoch FROM max(v.ended_at) - min(v.started_at)) / 60)::integer)
           AS minutes_recorded,
       p.min_session_minutes,
       greatest(max(v.minutes),
                round(extract(epoch FROM max(v.ended_at) - min(v.started_at)) / 60)::integer)
           < p.min_session_minutes AS short
FROM clinical.v_session v
JOIN clinical.enrolment e ON e.enrolment_id = v.enrolment_id
JOIN clinical.programme p ON p.programme_id = e.programme_id
WHERE v.session_number IS NOT NULL
GROUP BY v.enrolment_id, v.session_number, p.min_session_minutes;

-- clinical.v_attendance: as in 101, counting only sessions inside the
-- programme's dates (no_shows and cancellations too), plus
--   planned_exercise        smallint  the template's exercise sessions
--   planned_information     smallint  the template's information sessions
--   sessions_outside_dates  bigint    attended days outside the dates (not
--                                     counted anywhere)
--   min_session_minutes     smallint  the template's minimum length
--   sessions_short          bigint    sessions recorded shorter than that
--   sessions_length_unknown bigint    sessions without a recorded length
--   complete                boolean   every planned session attended: at
--                                     least planned_exercise exercise/test
--                                     days and planned_information
--                                     information sessions
CREATE OR REPLACE VIEW clinical.v_attendance AS
SELECT e.enrolment_id,
       p.total_sessions AS planned_sessions,
       coalesce(max(v.session_number), 0) AS attended_total,
       count(DISTINCT v.session_date) FILTER (WHERE v.session_number IS NOT NULL
                                               AND v.kind <> 'information') AS attended_exercise,
       count(DISTINCT v.session_date) FILTER (WHERE v.session_number IS NOT NULL
                                               AND v.kind = 'information') AS attended_information,
       count(v.status) FILTER (WHERE v.status = 'no_show' AND v.in_programme) AS no_shows,
       count(v.status) FILTER (WHERE v.status = 'cancelled' AND v.in_programme) AS cancellations,
       min(v.session_date) FILTER (WHERE v.session_number IS NOT NULL) AS first_date,
       max(v.session_date) FILTER (WHERE v.session_number IS NOT NULL) AS last_date,
       p.total_sessions + p.max_extra_sessions AS allowed_sessions,
       p.exercise_sessions AS planned_exercise,
       p.information_sessions AS planned_information,
       count(DISTINCT v.session_date) FILTER (WHERE v.status = 'attended'
                                               AND NOT v.in_programme) AS sessions_outside_dates,
       p.min_session_minutes,
       coalesce(sd.short, 0) AS sessions_short,
       coalesce(sd.unknown, 0) AS sessions_length_unknown,
       count(DISTINCT v.session_date) FILTER (WHERE v.session_number IS NOT NULL
                                               AND v.kind <> 'information') >= p.exercise_sessions
       AND count(DISTINCT v.session_date) FILTER (WHERE v.session_number IS NOT NULL
                                                   AND v.kind = 'information') >= p.information_sessions
           AS complete
FROM clinical.enrolment e
JOIN clinical.programme p ON p.programme_id = e.programme_id
LEFT JOIN clinical.v_session v ON v.enrolment_id = e.enrolment_id
LEFT JOIN (SELECT d.enrolment_id, count(*) FILTER (WHERE d.short) AS short,
                  count(*) FILTER (WHERE d.minutes_recorded IS NULL) AS unknown
           FROM clinical.v_session_day d GROUP BY d.enrolment_id) sd
       ON sd.enrolment_id = e.enrolment_id
GROUP BY e.enrolment_id, p.total_sessions, p.max_extra_sessions, p.exercise_sessions,
         p.information_sessions, p.min_session_minutes, sd.short, sd.unknown;

-- clinical.v_test_occasion: as in 103, over the test trials inside the
-- programme's dates only (a test after the end is no end test), and the
-- start must precede the end: in an ended programme whose start test is
-- missing, a first occasion nearer the end date than the start date is
-- not called the start test (the only one is the end test; otherwise it
-- may be the mid test).
CREATE OR REPLACE VIEW clinical.v_test_occasion AS
WITH occ AS (
    SELECT t.enrolment_id, t.device_id, t.session_id, min(t.taken_at) AS first_at,
           clinical.local_date(min(t.taken_at)) AS test_date
    FROM meas.test_trial t
    JOIN clinical.enrolment e ON e.enrolment_id = t.enrolment_id
    WHERE clinical.within(clinical.local_date(t.taken_at), e.start_date, e.end_date)
    GROUP BY t.enrolment_id, t.device_id, t.session_id
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

-- clinical.v_test_trial: every test trial inside the programme's dates
-- with its occasion's time point (NULL: the occasion has none). The report
-- and the quality refresh read device values from here.
CREATE VIEW clinical.v_test_trial AS
SELECT t.enrolment_id, t.device_id, t.session_id, o.timepoint, o.test_date, t.direction,
       t.trial, t.taken_at, t.rom_deg, t.max_torque_nm, t.angle_at_max_deg
FROM meas.test_trial t
JOIN clinical.enrolment e ON e.enrolment_id = t.enrolment_id
JOIN clinical.v_test_occasion o ON o.enrolment_id = t.enrolment_id AND o.device_id = t.device_id
                               AND o.session_id = t.session_id
WHERE clinical.within(clinical.local_date(t.taken_at), e.start_date, e.end_date);

-- clinical.v_timepoint_anchor: one row per enrolment, the day each time
-- point of the questionnaires is anchored on.
--   start_anchor  date  the start test occasion's day, else the start date
--   mid_anchor    date  the mid test occasion's day, else the day of the
--                       session numbered mid_test_session; NULL: not yet
--   end_anchor    date  the end test occasion's day, else the end date;
--                       NULL while the programme runs
--   window_days   integer  how far a questionnaire may lie from its
--                          anchor: 14 days either side
CREATE VIEW clinical.v_timepoint_anchor AS
SELECT e.enrolment_id,
       coalesce(t.start_test, e.start_date) AS start_anchor,
       coalesce(t.mid_test, ms.mid_date) AS mid_anchor,
       CASE WHEN e.status IN ('completed', 'dropped_out') THEN coalesce(t.end_test, e.end_date)
       END AS end_anchor,
       14 AS window_days
FROM clinical.enrolment e
LEFT JOIN (SELECT o.enrolment_id,
                  min(o.test_date) FILTER (WHERE o.timepoint = 'start') AS start_test,
                  min(o.test_date) FILTER (WHERE o.timepoint = 'mid') AS mid_test,
                  max(o.test_date) FILTER (WHERE o.timepoint = 'end') AS end_test
           FROM clinical.v_test_occasion o GROUP BY o.enrolment_id) t
       ON t.enrolment_id = e.enrolment_id
LEFT JOIN (SELECT v.enrolment_id, min(v.session_date) AS mid_date
           FROM clinical.v_session v
           JOIN clinical.enrolment e2 ON e2.enrolment_id = v.enrolment_id
           JOIN clinical.programme p ON p.programme_id = e2.programme_id
           WHERE v.session_number = p.mid_test_session
           GROUP BY v.enrolment_id) ms
       ON ms.enrolment_id = e.enrolment_id;

-- clinical.v_questionnaire: as in 101 (same columns), with a new rule,
-- plus
--   in_programme  boolean  the response's day lies within the dates
-- Rule, per enrolment and instrument, among the scorable responses inside
-- the programme's dates, each time point anchored on v_timepoint_anchor
-- with a window of 14 days either side:
--   start  the response nearest the start anchor (the earlier on a tie);
--   end    only once the programme has ended: the response nearest the
--          end anchor (the later on a tie), on a later day than the start
--          response (two responses of one day are never start and end);
--   mid    the response nearest the mid anchor (the earlier on a tie),
--          after the start response's day and before the end response's.
-- A time point without a response in its window is missing (the report
-- says which and why); responses outside the dates or not scorable get no
-- time point.
CREATE OR REPLACE VIEW clinical.v_questionnaire AS
WITH r AS (
    SELECT q.response_id, q.enrolment_id, q.instrument, q.version, q.taken_at, q.score, q.source,
           clinical.local_date(q.taken_at) AS taken_date,
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
       k.source, k.taken_date, k.in_programme
FROM m2 k;

-- clinical.v_record: every dated record of an enrolment, one row each:
-- its sessions (device and manual, any status), test trials, training
-- sets and questionnaire responses.
--   enrolment_id  bigint
--   record        text     'session' | 'test_trial' | 'training_set' |
--                          'questionnaire'
--   device_id     text     NULL for manual sessions and questionnaires
--   session_id    text     the device's session id; NULL for manual ones
--   day           date     the day (Europe/Brussels)
--   attended      boolean  false only for a no-show or cancelled session
--   in_programme  boolean  the day lies within the enrolment's dates
CREATE VIEW clinical.v_record AS
SELECT v.enrolment_id, 'session'::text AS record, v.device_id, v.device_session_id AS session_id,
       v.session_date AS day, v.status = 'attended' AS attended, v.in_programme
FROM clinical.v_session v
UNION ALL
SELECT x.enrolment_id, x.record, x.device_id, x.session_id, x.day, true,
       clinical.within(x.day, e.start_date, e.end_date)
FROM (SELECT t.enrolment_id, 'test_trial'::text AS record, t.device_id, t.session_id,
             clinical.local_date(t.taken_at) AS day
      FROM meas.test_trial t
      UNION ALL
      SELECT t.enrolment_id, 'training_set', t.device_id, t.session_id,
             clinical.local_date(t.taken_at)
      FROM meas.training_set t
      UNION ALL
      SELECT q.enrolment_id, 'questionnaire', q.device_id, q.session_id,
             clinical.local_date(q.taken_at)
      FROM meas.questionnaire_response q) x
JOIN clinical.enrolment e ON e.enrolment_id = x.enrolment_id;

-- clinical.v_outside_programme: what is stored for an enrolment but lies
-- outside its dates, and is therefore counted nowhere; one row per kind of
-- record, device session and day (so that sessions are counted as days,
-- like programme sessions).
--   enrolment_id  bigint
--   record        text    as in v_record
--   device_id     text    NULL for manual sessions and questionnaires
--   session_id    text    the device's session id; NULL for manual ones
--   first_date    date    the day of those records
--   last_date     date    the same day
--   records       bigint  how many
CREATE VIEW clinical.v_outside_programme AS
SELECT r.enrolment_id, r.record, r.device_id, r.session_id, r.day AS first_date,
       r.day AS last_date, count(*) AS records
FROM clinical.v_record r
WHERE NOT r.in_programme
GROUP BY r.enrolment_id, r.record, r.device_id, r.session_id, r.day;

-- clinical.v_last_activity: per enrolment, the last day anything was
-- recorded (an attended session, a test trial, a training set, a
-- questionnaire), and which session that was. `ruglab enrolment end`
-- refuses an end date before it.
--   enrolment_id, last_date, last_record (as in v_record),
--   last_device_id, last_session_id
CREATE VIEW clinical.v_last_activity AS
SELECT DISTINCT ON (r.enrolment_id) r.enrolment_id, r.day AS last_date, r.record AS last_record,
       r.device_id AS last_device_id, r.session_id AS last_session_id
FROM clinical.v_record r
WHERE r.attended
ORDER BY r.enrolment_id, r.day DESC, r.record = 'session' DESC, r.device_id, r.session_id;

GRANT SELECT ON clinical.v_session_day, clinical.v_test_trial, clinical.v_timepoint_anchor,
                clinical.v_record, clinical.v_outside_programme, clinical.v_last_activity
    TO ruglab_clinician;

-- clinical.report_due_date(route, end_date): the final report's deadline,
-- the one rule behind the letter, `batch --due` and `enrolment status`:
-- within 2 weeks of the end of treatment, under Fedris within 1 month
-- (calendar month; the day is clamped to the end of a shorter month).
CREATE FUNCTION clinical.report_due_date(route text, end_date date) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN route = 'fedris' THEN (end_date + interval '1 month')::date
                ELSE end_date + 14 END;
