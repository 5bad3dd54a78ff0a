-- A seeded synthetic population, written set-based as ruglab_admin (run by
-- scripts/gen-population.sh, which sets the psql variables seed, sites,
-- enrolments, years, until, prefix). Everything random comes from
-- hashint8extended(key, seed), so the same arguments give the same rows
-- whatever the plan or the order of execution.
--
-- Per site: a programme template, a new group every 5 weeks over `years`
-- years up to `until`; per enrolment: a subject (sex, age), indication,
-- route; completed (about 80 %), dropped out (about 15 %, after 2-15
-- sessions) or still running (groups that started less than 20 weeks
-- before `until`); attended sessions (clinical.session, twice a week);
-- device tests (start, and end for most who finished: 6 directions x 3
-- trials) and the five questionnaires at start and end, with missing time
-- points.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE TEMP TABLE gp (seed bigint, n_sites int, n_enrol int, n_years int, until date, prefix text);
INSERT INTO gp VALUES (:'seed', :'sites', :'enrolments', :'years', :'until', :'prefix');

-- uniform [0,1) and standard normal, keyed by (row key, salt). The seed is
-- written into the function as a constant so that the planner inlines it.
SELECT format($f$CREATE FUNCTION pg_temp.u(k bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
    'SELECT ((hashint8extended(k, %s::bigint * 1000 + salt) >> 11) & 4503599627370495)::float8 / 4503599627370496.0'$f$,
    seed) FROM gp
\gexec
CREATE FUNCTION pg_temp.nrm(k bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
'SELECT sqrt(-2 * ln(greatest(pg_temp.u(k, salt), 1e-12))) * cos(2 * pi() * pg_temp.u(k, salt + 500))';

-- sites (kept when they exist: a second run adds enrolments to them)
INSERT INTO clinical.site (code, name)
SELECT gp.prefix || lpad(i::text, greatest(2, length(gp.n_sites::text)), '0'), 'Synthetic site ' || gp.prefix || lpad(i::text, greatest(2, length(gp.n_sites::text)), '0')
FROM gp, generate_series(1, gp.n_sites) i
ON CONFLICT (code) DO NOTHING;

CREATE TEMP TABLE g_site AS
SELECT i AS site_no, s.site_id, s.code,
       (SELECT programme_id FROM clinical.programme
        WHERE code = (ARRAY['mrr-36', 'rugschool-30', 'rugschool-36-18w'])[1 + (i - 1) % 3]) AS programme_id,
       (i * 7) % 35 AS offset_days
FROM gp CROSS JOIN generate_series(1, gp.n_sites) i
JOIN clinical.site s ON s.code = gp.prefix || lpad(i::text, greatest(2, length(gp.n_sites::text)), '0');

-- groups: one every 5 weeks per site
CREATE TEMP TABLE g_cohort_plan AS
SELECT gs.site_no, gs.site_id, gs.programme_id, j AS cohort_no,
       gp.until - gs.offset_days - 35 * j AS start_date
FROM gp, g_site gs, generate_series(0, gp.n_years * 52 / 5 - 1) j;
INSERT INTO clinical.cohort (site_id, code, programme_id, start_date, time_block)
SELECT site_id, 'g' || to_char(start_date, 'IYYY"w"IW'), programme_id, start_date, '08-10'
FROM g_cohort_plan
ON CONFLICT (site_id, code) DO NOTHING;
CREATE TEMP TABLE g_cohort AS
SELECT p.site_no, p.cohort_no, c.cohort_id, c.site_id, c.programme_id, c.start_date
FROM g_cohort_plan p
JOIN clinical.cohort c ON c.site_id = p.site_id AND c.code = 'g' || to_char(p.start_date, 'IYYY"w"IW');

-- enrolments, keyed by n
CREATE TEMP TABLE g_enrol AS
SELECT x.*,
       CASE WHEN x.start_date + 140 > gp.until THEN 'active'
            WHEN pg_temp.u(x.n, 5) < 0.15 THEN 'dropped_out'
            ELSE 'completed' END AS status
FROM gp CROSS JOIN LATERAL (
    SELECT n, 1 + (n - 1) % gp.n_sites AS site_no,
           floor(pg_temp.u(n, 1) * (gp.n_years * 52 / 5))::int AS cohort_no,
           CASE WHEN pg_temp.u(n, 2) < 0.55 THEN 'F' WHEN pg_temp.u(n, 2) < 0.99 THEN 'M' ELSE 'X' END AS sex,
           least(85, greatest(18, round(48 + 12 * pg_temp.nrm(n, 3))))::int AS age,
           CASE WHEN pg_temp.u(n, 4) < 0.85 THEN 'chronic' ELSE 'post_surgery' END AS indication,
           CASE WHEN pg_temp.u(n, 6) < 0.1 THEN 'fedris' ELSE 'riziv' END AS route
    FROM generate_series(1, gp.n_enrol) n) x0
JOIN LATERAL (SELECT x0.*, c.cohort_id, c.site_id, c.programme_id, c.start_date
              FROM g_cohort c WHERE c.site_no = x0.site_no AND c.cohort_no = x0.cohort_no) x ON true;

ALTER TABLE g_enrol ADD COLUMN total_sessions int, ADD COLUMN attended int, ADD COLUMN end_date date;
UPDATE g_enrol e SET total_sessions = p.total_sessions
FROM clinical.programme p WHERE p.programme_id = e.programme_id;
UPDATE g_enrol e SET attended = CASE e.status
        WHEN 'completed' THEN e.total_sessions - floor(pg_temp.u(e.n, 7) * 4)::int
        WHEN 'dropped_out' THEN 2 + floor(pg_temp.u(e.n, 7) * 14)::int
        ELSE least(e.total_sessions, 1 + floor(((SELECT until FROM gp) - e.start_date) / 3.5)::int)
    END;
UPDATE g_enrol e SET end_date = CASE e.status
        WHEN 'completed' THEN e.start_date + floor((e.attended - 1) * 3.5)::int
        WHEN 'dropped_out' THEN e.start_date + floor((e.attended - 1) * 3.5)::int + 7
    END;

INSERT INTO clinical.subject (site_id, badge_token, pseudonym, sex, body_weight_kg, height_cm)
SELECT e.site_id, 'gb' || gp.seed || '-' || e.n,
       'ps-' || substr(md5(gp.seed || ':' || e.n), 1, 16), e.sex,
       round(least(180, greatest(40, CASE e.sex WHEN 'M' THEN 84 ELSE 70 END + 12 * pg_temp.nrm(e.n, 8)))::numeric, 1),
       round((CASE e.sex WHEN 'M' THEN 178 ELSE 166 END + 7 * pg_temp.nrm(e.n, 9))::numeric, 1)
FROM g_enrol e, gp;

INSERT INTO clinical.enrolment (subject_id, site_id, programme_id, cohort_id, indication, surgery_date,
                                route, start_date, status, end_date, dropout_reason, age_at_start)
SELECT s.subject_id, e.site_id, e.programme_id, e.cohort_id, e.indication,
       CASE WHEN e.indication = 'post_surgery' THEN e.start_date - 60 END, e.route, e.start_date,
       e.status, e.end_date, CASE WHEN e.status = 'dropped_out' THEN 'synthetic dropout' END, e.age
FROM g_enrol e
JOIN gp ON true
JOIN clinical.subject s ON s.badge_token = 'gb' || gp.seed || '-' || e.n;

ALTER TABLE g_enrol ADD COLUMN enrolment_id bigint;
UPDATE g_enrol e SET enrolment_id = en.enrolment_id
FROM gp CROSS JOIN clinical.subject s JOIN clinical.enrolment en ON en.subject_id = s.subject_id
WHERE s.badge_token = 'gb' || gp.seed || '-' || e.n;

-- attended sessions, twice a week
INSERT INTO clinical.session (enrolment_id, session_date, kind, status, source, entered_by)
SELECT e.enrolment_id, e.start_date + floor((i - 1) * 3.5)::int, 'exercise', 'attended', 'manual',
       'gen-population'
FROM g_enrol e, generate_series(1, e.attended) i;

-- device tests: start (97 %), end (90 % of completed, 20 % of dropouts)
CREATE TEMP TABLE g_test AS
SELECT e.n, e.enrolment_id, e.site_id, e.sex, 1 AS tp, e.start_date AS test_date
FROM g_enrol e WHERE pg_temp.u(e.n, 10) < 0.97
UNION ALL
SELECT e.n, e.enrolment_id, e.site_id, e.sex, 2, e.start_date + floor((e.attended - 1) * 3.5)::int
FROM g_enrol e
WHERE (e.status = 'completed' AND pg_temp.u(e.n, 11) < 0.90)
   OR (e.status = 'dropped_out' AND pg_temp.u(e.n, 11) < 0.20);

INSERT INTO meas.test_trial (device_id, boot_id, seq, taken_at, session_id, enrolment_id, direction,
                             trial, rom_deg, max_torque_nm, angle_at_max_deg)
SELECT 'gen-' || gs.code, gp.seed, t.n * 1000 + t.tp * 100 + d.o * 10 + tr,
       (t.test_date + time '09:00' + tr * interval '1 minute') AT TIME ZONE 'Europe/Brussels',
       'gen-' || t.n || '-' || t.tp, t.enrolment_id, d.dir, tr,
       least(180, greatest(1, v.rom * v.rom_gain
                                  * (1 - CASE WHEN tr = 1 THEN 0 ELSE 0.08 * pg_temp.u(t.n * 10 + tr, 60 + d.o + 10 * t.tp) END))),
       least(1000, greatest(1, v.torque * v.torque_gain
                                  * (1 - CASE WHEN tr = 1 THEN 0 ELSE 0.10 * pg_temp.u(t.n * 10 + tr, 80 + d.o + 10 * t.tp) END))),
       0
FROM g_test t
JOIN g_site gs ON gs.site_id = t.site_id
CROSS JOIN gp
CROSS JOIN (VALUES ('extension', 1, 1.0, 40), ('flexion', 2, 0.7, 60),
                   ('lateral_flexion_left', 3, 0.6, 30), ('lateral_flexion_right', 4, 0.6, 30),
                   ('rotation_left', 5, 0.4, 35), ('rotation_right', 6, 0.4, 35)) AS d(dir, o, f, rom0)
CROSS JOIN LATERAL (SELECT greatest(20, (CASE t.sex WHEN 'M' THEN 180 ELSE 120 END) * d.f
                                        * (1 + 0.25 * pg_temp.nrm(t.n, 20 + d.o))) AS torque,
                           greatest(5, d.rom0 * (1 + 0.2 * pg_temp.nrm(t.n, 50 + d.o))) AS rom,
                           CASE WHEN t.tp = 2 THEN 1 + 0.35 + 0.25 * pg_temp.nrm(t.n, 30 + d.o) ELSE 1 END AS torque_gain,
                           CASE WHEN t.tp = 2 THEN 1 + 0.10 + 0.10 * pg_temp.nrm(t.n, 40 + d.o) ELSE 1 END AS rom_gain
                    OFFSET 0) v
CROSS JOIN generate_series(1, 3) tr;

-- questionnaires: each instrument at the start (95 %) and at the end
-- (85 % of completed, 15 % of dropouts)
CREATE TEMP TABLE g_q AS
SELECT e.n, e.enrolment_id, i.instrument, i.o, 1 AS tp, e.start_date AS q_date
FROM g_enrol e
CROSS JOIN (VALUES ('NPRS', 1), ('ODI', 2), ('RMDQ', 3), ('TSK', 4), ('PSFS', 5)) i(instrument, o)
WHERE pg_temp.u(e.n * 10 + i.o, 12) < 0.95
UNION ALL
SELECT e.n, e.enrolment_id, i.instrument, i.o, 2, e.end_date - CASE WHEN e.status = 'dropped_out' THEN 7 ELSE 0 END
FROM g_enrol e
CROSS JOIN (VALUES ('NPRS', 1), ('ODI', 2), ('RMDQ', 3), ('TSK', 4), ('PSFS', 5)) i(instrument, o)
WHERE (e.status = 'completed' AND pg_temp.u(e.n * 10 + i.o, 13) < 0.85)
   OR (e.status = 'dropped_out' AND pg_temp.u(e.n * 10 + i.o, 13) < 0.15);

INSERT INTO meas.questionnaire_response (source, taken_at, enrolment_id, instrument, version, answers,
                                         score, entered_by)
SELECT 'manual', (q.q_date + time '10:00') AT TIME ZONE 'Europe/Brussels', q.enrolment_id, q.instrument,
       CASE q.instrument WHEN 'ODI' THEN '2.1a' ELSE '1' END, '[]'::jsonb,
       CASE q.instrument
           WHEN 'NPRS' THEN least(10, greatest(0, round(6.5 + 1.5 * pg_temp.nrm(q.n, 101)
                                  - CASE WHEN q.tp = 2 THEN 2.5 + 2 * pg_temp.nrm(q.n, 111) ELSE 0 END)))
           WHEN 'ODI' THEN least(100, greatest(0, 2 * round((38 + 14 * pg_temp.nrm(q.n, 102)
                                  - CASE WHEN q.tp = 2 THEN 12 + 10 * pg_temp.nrm(q.n, 112) ELSE 0 END) / 2)))
           WHEN 'RMDQ' THEN least(24, greatest(0, round(12 + 5 * pg_temp.nrm(q.n, 103)
                                  - CASE WHEN q.tp = 2 THEN 4 + 4 * pg_temp.nrm(q.n, 113) ELSE 0 END)))
           WHEN 'TSK' THEN least(68, greatest(17, round(40 + 7 * pg_temp.nrm(q.n, 104)
                                  - CASE WHEN q.tp = 2 THEN 4 + 5 * pg_temp.nrm(q.n, 114) ELSE 0 END)))
           ELSE least(10, greatest(0, round((3.5 + 1.5 * pg_temp.nrm(q.n, 105)
                                  + CASE WHEN q.tp = 2 THEN 2 + 1.8 * pg_temp.nrm(q.n, 115) ELSE 0 END)::numeric, 1)))
       END,
       'gen-population'
FROM g_q q;

SELECT format('generated %s enrolments at %s sites (seed %s): %s completed, %s dropped out, %s running',
              count(*), (SELECT n_sites FROM gp), (SELECT seed FROM gp),
              count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'dropped_out'),
              count(*) FILTER (WHERE status = 'active'))
FROM g_enrol;
