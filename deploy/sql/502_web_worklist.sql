-- 502: the physician's worklist in ruglab-web: one set-based view with
-- what each enrolment needs, built on the views that hold the rules (the
-- report deadline of clinical.report_due_date, the attendance of
-- v_attendance, the time points of v_test_occasion, v_questionnaire and
-- v_timepoint_anchor), so that the list of a site is one query and no
-- rule is written twice. No identity here: the page joins identity.patient
-- itself and records the read.

-- clinical.report_days_late(due_by, issued_on): how many days the final
-- report is late: sent (issued_on) or, not yet sent, today (Europe/Brussels)
-- after its deadline (clinical.report_due_date); 0 when in time or when
-- there is no deadline (the programme runs). The one rule behind the
-- letter's sentence, `ruglab enrolment status`, `ruglab-report batch --due`
-- and the worklist.
CREATE FUNCTION clinical.report_days_late(due_by date, issued_on date) RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN CASE WHEN due_by IS NULL THEN 0
                ELSE greatest(coalesce(issued_on, clinical.local_date(now())) - due_by, 0) END;

-- clinical.v_timepoint_due: one row per enrolment and time point (start,
-- mid, end), whether its moment has passed.
--   enrolment_id  bigint
--   timepoint     text     start | mid | end
--   anchor        date     v_timepoint_anchor's day; NULL: not reached yet
--                          (mid before the mid session, end while running)
--   window_ends   date     the last day a questionnaire still counts for it
--   passed        boolean  today (Europe/Brussels) is past window_ends: a
--                          questionnaire time point without a response is
--                          then missing, before that it is due
-- The programme page's traffic lights (done / due / missing) and the
-- worklist read this one rule.
CREATE VIEW clinical.v_timepoint_due AS
SELECT a.enrolment_id, t.timepoint, t.anchor, t.anchor + a.window_days AS window_ends,
       coalesce(clinical.local_date(now()) > t.anchor + a.window_days, false) AS passed
FROM clinical.v_timepoint_anchor a
CROSS JOIN LATERAL (VALUES ('start', a.start_anchor), ('mid', a.mid_anchor),
                           ('end', a.end_anchor)) AS t(timepoint, anchor);

-- clinical.v_worklist: one row per enrolment.
--   enrolment_id, subject_id, site_id, cohort_id, status, start_date, end_date
--   due_by            date     the final report's deadline (ended programmes)
--   issued_on         date     the day the final letter was recorded; NULL: not yet
--   report_due        boolean  ended and no final letter recorded
--   days_late         integer  clinical.report_days_late
--   conclusion_written boolean
--   planned_sessions, attended_total, allowed_sessions (v_attendance)
--   sessions_left     integer  planned sessions not yet attended (running)
--   over_cap          boolean  more sessions attended than total + extra
--   sessions_short    bigint   sessions recorded shorter than the minimum
--   outside_records   numeric  records outside the programme's dates
--   tests_missing     text[]   test time points whose moment passed without
--                              a test: start and mid once v_timepoint_due
--                              says passed, end once the programme ended
--   quest_missing     text[]   questionnaire time points passed with fewer
--                              instruments than the enrolment answers at all
--                              (none answered: every passed time point)
CREATE VIEW clinical.v_worklist AS
SELECT e.enrolment_id, e.subject_id, e.site_id, e.cohort_id, e.status, e.start_date, e.end_date,
       d.due_by, li.issued_on,
       d.due_by IS NOT NULL AND li.issued_on IS NULL AS report_due,
       clinical.report_days_late(d.due_by, li.issued_on) AS days_late,
       EXISTS (SELECT 1 FROM clinical.conclusion c WHERE c.enrolment_id = e.enrolment_id)
           AS conclusion_written,
       a.planned_sessions, a.attended_total, a.allowed_sessions,
       CASE WHEN e.status = 'active' THEN greatest(a.planned_sessions - a.attended_total, 0)
       END AS sessions_left,
       a.attended_total > a.allowed_sessions AS over_cap,
       a.sessions_short,
       coalesce(o.records, 0) AS outside_records,
       coalesce(tm.missing, '{}') AS tests_missing,
       coalesce(qm.missing, '{}') AS quest_missing
FROM clinical.enrolment e
CROSS JOIN LATERAL (SELECT CASE WHEN e.status IN ('completed', 'dropped_out') AND e.end_date IS NOT NULL
                                THEN clinical.report_due_date(e.route, e.end_date) END AS due_by) d
JOIN clinical.v_attendance a ON a.enrolment_id = e.enrolment_id
LEFT JOIN (SELECT r.enrolment_id, min(clinical.local_date(r.generated_at)) AS issued_on
           FROM clinical.report_issued r WHERE r.kind = 'letter' GROUP BY r.enrolment_id) li
       ON li.enrolment_id = e.enrolment_id
LEFT JOIN (SELECT x.enrolment_id, sum(x.records) AS records
           FROM clinical.v_outside_programme x GROUP BY x.enrolment_id) o
       ON o.enrolment_id = e.enrolment_id
LEFT JOIN (SELECT t.enrolment_id,
                  array_agg(t.timepoint ORDER BY array_position(ARRAY['start', 'mid', 'end'], t.timepoint))
                      AS missing
           FROM clinical.v_timepoint_due t
           JOIN clinical.enrolment e2 ON e2.enrolment_id = t.enrolment_id
           WHERE (t.passed OR (t.timepoint = 'end' AND e2.status IN ('completed', 'dropped_out')))
             AND NOT EXISTS (SELECT 1 FROM clinical.v_test_occasion oc
                             WHERE oc.enrolment_id = t.enrolment_id AND oc.timepoint = t.timepoint)
           GROUP BY t.enrolment_id) tm
       ON tm.enrolment_id = e.enrolment_id
LEFT JOIN (SELECT t.enrolment_id,
                  array_agg(t.timepoint ORDER BY array_position(ARRAY['start', 'mid', 'end'], t.timepoint))
                      AS missing
           FROM clinical.v_timepoint_due t
           LEFT JOIN (SELECT q.enrolment_id, count(DISTINCT q.instrument) AS n_instruments,
                             count(DISTINCT q.instrument) FILTER (WHERE q.timepoint = 'start') AS n_start,
                             count(DISTINCT q.instrument) FILTER (WHERE q.timepoint = 'mid') AS n_mid,
                             count(DISTINCT q.instrument) FILTER (WHERE q.timepoint = 'end') AS n_end
                      FROM clinical.v_questionnaire q
                      WHERE q.in_programme AND q.score IS NOT NULL
                      GROUP BY q.enrolment_id) qc ON qc.enrolment_id = t.enrolment_id
           WHERE t.passed
             AND CASE t.timepoint WHEN 'start' THEN coalesce(qc.n_start, 0)
                                  WHEN 'mid' THEN coalesce(qc.n_mid, 0)
                                  ELSE coalesce(qc.n_end, 0) END
                 < greatest(coalesce(qc.n_instruments, 0), 1)
           GROUP BY t.enrolment_id) qm
       ON qm.enrolment_id = e.enrolment_id;

GRANT SELECT ON clinical.v_timepoint_due, clinical.v_worklist TO ruglab_clinician;
