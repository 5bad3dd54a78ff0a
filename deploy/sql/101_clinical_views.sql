-- 101: the derived clinical views (the clinical contract, part 2): every
-- session of an enrolment, attendance per enrolment, test occasions with
-- their time point, questionnaires with their time point. The report
-- (ruglab-report) and the quality views build on these names and columns;
-- add columns at the end only.
--
-- Dates: a device reports instants (timestamptz); a session, test or
-- questionnaire belongs to the calendar day in Belgium (Europe/Brussels),
-- whatever the server's TimeZone setting: clinical.local_date().
--
-- A programme session is one day's attendance: a patient who trains on
-- four machines in one 2-hour session has four device sessions (one per
-- machine) but attended one programme session. An information session on
-- the same day as an exercise session counts as a session of its own.

CREATE FUNCTION clinical.local_date(ts timestamptz) RETURNS date
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (ts AT TIME ZONE 'Europe/Brussels')::date;

-- clinical.v_session: every session of every enrolment, one row per
-- device session and per row of clinical.session.
--   enrolment_id       bigint
--   session_date       date     the day (Europe/Brussels)
--   kind               text     'exercise' | 'information' | 'test'
--                               (device sessions: kind 'test' -> 'test',
--                               'training' or not given -> 'exercise';
--                               questionnaire-tablet sessions are not
--                               programme sessions and are left out)
--   status             text     'attended' | 'no_show' | 'cancelled'
--                               (device sessions are attended)
--   source             text     'device' (meas.session_event start event,
--                               one per (device_id, device_session_id))
--                               | 'manual' (clinical.session); a
--                               clinical.session row with source 'device'
--                               replaces the device's own row
--   device_id          text     NULL for manual sessions
--   device_session_id  text     the device's session id; NULL for manual
--   session_number     bigint   1.. over the enrolment's attended
--                               programme sessions in date order (several
--                               rows of one day share the number); NULL
--                               when not attended
--   session_id         bigint   clinical.session.session_id; NULL for rows
--                               straight from the device
--   note               text     clinical.session.note
CREATE VIEW clinical.v_session AS
WITH device AS (
    SELECT DISTINCT ON (ev.device_id, ev.session_id)
           ev.enrolment_id, clinical.local_date(ev.taken_at) AS session_date,
           CASE ev.kind WHEN 'test' THEN 'test' ELSE 'exercise' END AS kind,
           ev.device_id, ev.session_id AS device_session_id
    FROM meas.session_event ev
    WHERE ev.event = 'start' AND ev.kind IS DISTINCT FROM 'questionnaire'
    ORDER BY ev.device_id, ev.session_id, ev.taken_at
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

-- clinical.v_attendance: one row per enrolment (also without sessions).
--   enrolment_id          bigint
--   planned_sessions      smallint  the template's total_sessions
--   attended_total        bigint    attended programme sessions (days; an
--                                   information session apart)
--   attended_exercise     bigint    of which exercise/test days
--   attended_information  bigint    of which information sessions
--   no_shows              bigint    rows with status 'no_show'
--   cancellations         bigint    rows with status 'cancelled'
--   first_date            date      first attended session (NULL: none)
--   last_date             date      last attended session
--   allowed_sessions      integer   total_sessions + max_extra_sessions
CREATE VIEW clinical.v_attendance AS
SELECT e.enrolment_id,
       p.total_sessions AS planned_sessions,
       coalesce(max(v.session_number), 0) AS attended_total,
       count(DISTINCT v.session_date) FILTER (WHERE v.status = 'attended'
                                               AND v.kind <> 'information') AS attended_exercise,
       count(DISTINCT v.session_date) FILTER (WHERE v.status = 'attended'
                                               AND v.kind = 'information') AS attended_information,
       count(v.status) FILTER (WHERE v.status = 'no_show') AS no_shows,
       count(v.status) FILTER (WHERE v.status = 'cancelled') AS cancellations,
       min(v.session_date) FILTER (WHERE v.status = 'attended') AS first_date,
       max(v.session_date) FILTER (WHERE v.status = 'attended') AS last_date,
       p.total_sessions + p.max_extra_sessions AS allowed_sessions
FROM clinical.enrolment e
JOIN clinical.programme p ON p.programme_id = e.programme_id
LEFT JOIN clinical.v_session v ON v.enrolment_id = e.enrolment_id
GROUP BY e.enrolment_id, p.total_sessions, p.max_extra_sessions;

-- clinical.v_test_occasion: one row per test occasion, i.e. per device
-- session holding test trials (meas.test_trial grouped by enrolment,
-- device and session).
--   enrolment_id    bigint
--   device_id       text
--   session_id      text     the device's session id
--   test_date       date     day of the first trial (Europe/Brussels)
--   session_number  bigint   the programme session number on that day: the
--                            highest v_session.session_number on or before
--                            test_date (NULL when no session is recorded)
--   timepoint       text     'start' | 'mid' | 'end' | NULL
--   overridden      boolean  a clinical.timepoint_override is in force
--   test_index      bigint   1.. the occasions of the enrolment in order
-- Rule (the same as rl_programme_assign_timepoints for an ended programme):
--   start  the first occasion;
--   end    the last occasion (not the first), only when the enrolment is
--          completed or dropped out: a running programme has no end test;
--   mid    among the others, the one nearest the template's
--          mid_test_session (the earlier on a tie), provided it is not
--          nearer to session 1 or to the last planned session (a retest at
--          session 3 is no mid test);
--   overrides win: the latest override of an occasion gives its time point
--          ('none' = none) and takes that time point from any other
--          occasion (the later override wins when two name the same one).
CREATE VIEW clinical.v_test_occasion AS
WITH occ AS (
    SELECT t.enrolment_id, t.device_id, t.session_id, min(t.taken_at) AS first_at,
           clinical.local_date(min(t.taken_at)) AS test_date
    FROM meas.test_trial t
    GROUP BY t.enrolment_id, t.device_id, t.session_id
), numbered AS (
    SELECT o.enrolment_id, o.device_id, o.session_id, o.test_date,
           (SELECT max(v.session_number) FROM clinical.v_session v
            WHERE v.enrolment_id = o.enrolment_id AND v.session_date <= o.test_date) AS session_number,
           row_number() OVER (PARTITION BY o.enrolment_id
                              ORDER BY o.first_at, o.device_id, o.session_id) AS test_index,
           count(*) OVER (PARTITION BY o.enrolment_id) AS n_tests
    FROM occ o
), ruled AS (
    SELECT n.*, p.mid_test_session, p.total_sessions,
           (n.test_index = n.n_tests AND n.n_tests > 1
            AND e.status IN ('completed', 'dropped_out')) AS is_end,
           abs(coalesce(n.session_number, 0) - p.mid_test_session) AS mid_dist,
           abs(coalesce(n.session_number, 0) - 1) AS start_dist,
           abs(coalesce(n.session_number, 0) - p.total_sessions) AS end_dist
    FROM numbered n
    JOIN clinical.enrolment e ON e.enrolment_id = n.enrolment_id
    JOIN clinical.programme p ON p.programme_id = e.programme_id
), mid AS (
    SELECT DISTINCT ON (r.enrolment_id) r.enrolment_id, r.device_id, r.session_id
    FROM ruled r
    WHERE r.test_index > 1 AND NOT r.is_end AND r.mid_dist <= r.start_dist
      AND r.mid_dist <= r.end_dist
    ORDER BY r.enrolment_id, r.mid_dist, r.test_index
), derived AS (
    SELECT r.enrolment_id, r.device_id, r.session_id, r.test_date, r.session_number, r.test_index,
           CASE WHEN r.test_index = 1 THEN 'start'
                WHEN r.is_end THEN 'end'
                WHEN m.enrolment_id IS NOT NULL THEN 'mid'
           END AS rule_timepoint
    FROM ruled r
    LEFT JOIN mid m ON m.enrolment_id = r.enrolment_id AND m.device_id = r.device_id
                   AND m.session_id = r.session_id
), ovr AS (
    SELECT DISTINCT ON (x.enrolment_id, x.device_id, x.session_id)
           x.enrolment_id, x.device_id, x.session_id, x.timepoint, x.set_at, x.override_id
    FROM clinical.timepoint_override x
    JOIN occ o ON o.enrolment_id = x.enrolment_id AND o.device_id = x.device_id
              AND o.session_id = x.session_id
    ORDER BY x.enrolment_id, x.device_id, x.session_id, x.set_at DESC, x.override_id DESC
)
SELECT d.enrolment_id, d.device_id, d.session_id, d.test_date, d.session_number,
       CASE
           WHEN o.timepoint = 'none' THEN NULL
           WHEN o.timepoint IS NOT NULL THEN
               CASE WHEN EXISTS (SELECT 1 FROM ovr o2
                                 WHERE o2.enrolment_id = d.enrolment_id
                                   AND o2.timepoint = o.timepoint
                                   AND (o2.set_at, o2.override_id) > (o.set_at, o.override_id))
                    THEN NULL ELSE o.timepoint END
           WHEN EXISTS (SELECT 1 FROM ovr o2
                        WHERE o2.enrolment_id = d.enrolment_id
                          AND o2.timepoint = d.rule_timepoint) THEN NULL
           ELSE d.rule_timepoint
       END AS timepoint,
       o.timepoint IS NOT NULL AS overridden,
       d.test_index
FROM derived d
LEFT JOIN ovr o ON o.enrolment_id = d.enrolment_id AND o.device_id = d.device_id
               AND o.session_id = d.session_id;

-- clinical.v_questionnaire: every questionnaire response with its time
-- point, per enrolment and instrument.
--   response_id   bigint       meas.questionnaire_response.response_id
--   enrolment_id  bigint
--   instrument    text         'NPRS' | 'ODI' | 'RMDQ' | 'TSK' | 'PSFS'
--   version       text
--   taken_at      timestamptz
--   score         numeric(6,2) NULL when not scorable
--   timepoint     text         'start' | 'mid' | 'end' | NULL
--   source        text         'device' | 'manual'
--   taken_date    date         the day (Europe/Brussels)
-- Rule, among the scorable responses (score not NULL) of one enrolment and
-- instrument, in order of taken_at; the mid date is the day of the
-- enrolment's 'mid' test occasion, else the day of the session numbered
-- mid_test_session (unknown until then):
--   start  the first response (the intake questionnaire);
--   end    the last response (not the first), only when the enrolment is
--          completed or dropped out and the response is after the mid date
--          (or no mid date is known);
--   mid    among the others, the one nearest the mid date (the earlier on a
--          tie), provided it is not nearer to the start response's day.
-- Responses that cannot be scored get no time point.
CREATE VIEW clinical.v_questionnaire AS
WITH r AS (
    SELECT q.response_id, q.enrolment_id, q.instrument, q.version, q.taken_at, q.score, q.source,
           clinical.local_date(q.taken_at) AS taken_date,
           CASE WHEN q.score IS NOT NULL THEN
               row_number() OVER (PARTITION BY q.enrolment_id, q.instrument, q.score IS NOT NULL
                                  ORDER BY q.taken_at, q.response_id)
           END AS idx,
           count(q.score) OVER (PARTITION BY q.enrolment_id, q.instrument) AS n_scored
    FROM meas.questionnaire_response q
), ctx AS (
    SELECT r.*,
           e.status IN ('completed', 'dropped_out') AS ended,
           coalesce((SELECT min(t.test_date) FROM clinical.v_test_occasion t
                     WHERE t.enrolment_id = r.enrolment_id AND t.timepoint = 'mid'),
                    (SELECT min(v.session_date) FROM clinical.v_session v
                     WHERE v.enrolment_id = r.enrolment_id
                       AND v.session_number = p.mid_test_session)) AS mid_date,
           (SELECT min(clinical.local_date(q2.taken_at)) FROM meas.questionnaire_response q2
            WHERE q2.enrolment_id = r.enrolment_id AND q2.instrument = r.instrument
              AND q2.score IS NOT NULL) AS first_date
    FROM r
    JOIN clinical.enrolment e ON e.enrolment_id = r.enrolment_id
    JOIN clinical.programme p ON p.programme_id = e.programme_id
), ruled AS (
    SELECT c.*,
           (c.idx IS NOT NULL AND c.idx = c.n_scored AND c.n_scored > 1 AND c.ended
            AND (c.mid_date IS NULL OR c.taken_date > c.mid_date)) AS is_end,
           abs(c.taken_date - c.mid_date) AS mid_dist
    FROM ctx c
), mid AS (
    SELECT DISTINCT ON (x.enrolment_id, x.instrument) x.response_id
    FROM ruled x
    WHERE x.idx > 1 AND NOT x.is_end AND x.mid_date IS NOT NULL
      AND x.mid_dist <= x.taken_date - x.first_date
    ORDER BY x.enrolment_id, x.instrument, x.mid_dist, x.idx
)
SELECT x.response_id, x.enrolment_id, x.instrument, x.version, x.taken_at, x.score,
       CASE WHEN x.idx = 1 THEN 'start'
            WHEN x.is_end THEN 'end'
            WHEN x.response_id IN (SELECT m.response_id FROM mid m) THEN 'mid'
       END AS timepoint,
       x.source, x.taken_date
FROM ruled x;
