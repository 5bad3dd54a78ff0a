-- 702: the neck school (seed 003) and the preventive route.
--
-- Seed 003's back-and-neck school is curative and preventive: also for
-- people without complaints. Such a participant follows the programme on
-- the route 'preventive': no rule of RIZIV nomenclature 558994 applies to
-- them (no R1 indication, no R2 one-programme rule, no reimbursement cap)
-- and nothing is reimbursed. The rules themselves live in programme.h
-- (rl_route_under_riziv); this migration gives the database the route,
-- the template, and the worklist's cap flag the same answer.

ALTER TABLE clinical.enrolment DROP CONSTRAINT enrolment_route_check;
ALTER TABLE clinical.enrolment ADD CONSTRAINT enrolment_route_check
    CHECK (route IN ('riziv', 'fedris', 'preventive'));
COMMENT ON COLUMN quality.enrolment.route IS 'riziv | fedris | preventive';

-- clinical.route_under_riziv(route): whether RIZIV 558994's reimbursement
-- cap applies (riziv and fedris: Fedris pays the co-payment of 558994
-- sessions). The twin of rl_route_under_riziv (programme.h), for views.
CREATE FUNCTION clinical.route_under_riziv(route text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN route IS DISTINCT FROM 'preventive';

-- The neck school: group sessions; the seed gives no numbers, so these
-- are a starting point (programme.h's built-in "nekschool-12" holds the
-- same); a site with other numbers adds its own template
-- (`ruglab programme add`).
INSERT INTO clinical.programme (code, name, name_en, total_sessions, exercise_sessions,
                                information_sessions, max_per_week, max_duration_days,
                                max_extra_sessions, mid_test_session, description)
VALUES ('nekschool-12', 'Nekschool (12 groepssessies, max. 12 weken)',
        'Neck school (12 group sessions, at most 12 weeks)', 12, 12, 0, 2, 84, 0, 6,
        '12 group sessions (neck school of seed 003: curative and preventive), at most 2 a week, within 12 weeks');

-- The worklist's over_cap (502) is the reimbursement cap: not for a
-- preventive participant. Same columns as 502, one condition more.
CREATE OR REPLACE VIEW clinical.v_worklist AS
SELECT e.enrolment_id, e.subject_id, e.site_id, e.cohort_id, e.status, e.start_date, e.end_date,
       d.due_by, li.issued_on,
       d.due_by IS NOT NULL AND li.issued_on IS NULL AS report_due,
       clinical.report_days_late(d.due_by, li.issued_on) AS days_late,
       EXISTS (SELECT 1 FROM clinical.conclusion c WHERE c.enrolment_id = e.enrolment_id)
           AS conclusion_written,
       a.planned_sessions, a.attended_total, a.allowed_sessions,
       CASE WHEN e.status = 'active' THEN greatest(a.planned_sessions - a.attended_total, 0)
       END AS sessions_left,
       a.attended_total > a.allowed_sessions AND clinical.route_under_riziv(e.route) AS over_cap,
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
