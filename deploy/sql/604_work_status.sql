-- 604: work status at the start and the end of a programme (issue 15).
--
-- The secretariat records, per enrolment and time point (start, end), the
-- patient's work status; a correction is a new row (the history is kept),
-- and the latest row (recorded_at, then work_status_id) per enrolment and
-- time point counts (clinical.v_work_status).
--
-- Codes: the work-status item of the ICHOM Standard Set for Low Back Pain
-- (ICHOM, 2017: "working status" at baseline and follow-up), in the
-- project's own words:
--   working             working (own job, full time or usual hours)
--   working_restricted  working with restrictions / partial return
--                       (progressive reintegration, adapted work)
--   sick_leave          sick leave: temporarily unable to work
--   unemployed          unemployed (looking for work)
--   retired             retired (also early retirement, disability pension)
--   homemaker_student   homemaker or student
--   other               other
-- "Back at work" (ruglab-outcomes rtw) is working or working_restricted.
--
-- Rules (services/common/registration.c, rl_work_status_record): no date
-- in the future; an end status needs a start status recorded first, and
-- its date is not before the start's.
--
-- quality.work_status: the latest start and end status per enrolment,
-- pseudonymised (enrolment_key only, no dates), written by
-- quality.refresh_work(ids) (NULL: every enrolment) after quality.refresh().

CREATE TABLE clinical.work_status (
    work_status_id bigserial PRIMARY KEY,
    enrolment_id   bigint NOT NULL REFERENCES clinical.enrolment ON DELETE CASCADE,
    timepoint      text NOT NULL CHECK (timepoint IN ('start', 'end')),
    status         text NOT NULL CHECK (status IN ('working', 'working_restricted', 'sick_leave',
                                                   'unemployed', 'retired', 'homemaker_student',
                                                   'other')),
    status_date    date NOT NULL,
    recorded_by    text NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX work_status_enrolment ON clinical.work_status (enrolment_id, timepoint, recorded_at);
ALTER TABLE clinical.work_status OWNER TO ruglab_admin;
COMMENT ON TABLE clinical.work_status IS
    'Work status at start and end (ICHOM LBP); a correction is a new row, the latest per enrolment and time point counts';
GRANT SELECT, INSERT ON clinical.work_status TO ruglab_secretariat;
GRANT USAGE ON SEQUENCE clinical.work_status_work_status_id_seq TO ruglab_secretariat;
GRANT SELECT ON clinical.work_status TO ruglab_clinician;

CREATE VIEW clinical.v_work_status AS
SELECT DISTINCT ON (enrolment_id, timepoint)
       enrolment_id, timepoint, status, status_date, recorded_by, recorded_at, work_status_id
FROM clinical.work_status
ORDER BY enrolment_id, timepoint, recorded_at DESC, work_status_id DESC;
ALTER VIEW clinical.v_work_status OWNER TO ruglab_admin;
GRANT SELECT ON clinical.v_work_status TO ruglab_secretariat, ruglab_clinician;

-- the change stamp of 506 (the incremental refresh takes the marked enrolments)
CREATE TRIGGER change_ins AFTER INSERT ON clinical.work_status REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION clinical.mark_enrolment();
CREATE TRIGGER change_upd AFTER UPDATE ON clinical.work_status
    REFERENCING NEW TABLE AS changed OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION clinical.mark_enrolment();
CREATE TRIGGER change_del AFTER DELETE ON clinical.work_status REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION clinical.mark_enrolment();

CREATE TABLE quality.work_status (
    enrolment_key text PRIMARY KEY REFERENCES quality.enrolment ON DELETE CASCADE,
    start_status  text,
    end_status    text
);
ALTER TABLE quality.work_status OWNER TO ruglab_admin;
COMMENT ON TABLE quality.work_status IS
    'Pseudonymised work status at start and end per enrolment (quality.refresh_work(); no dates)';
GRANT SELECT ON quality.work_status TO ruglab_quality, ruglab_clinician;

-- p_keys: the enrolments to recompute (clinical enrolment ids, as
-- clinical.enrolment_change names them); NULL: all. Returns the rows written or removed.
CREATE FUNCTION quality.refresh_work(p_keys bigint[] DEFAULT NULL) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n_del bigint;
    n_ins bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM quality.node WHERE is_registry) THEN
        RAISE EXCEPTION 'this database is a quality registry: its tables are replicated from the sites; refresh at each site instead'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('ruglab quality refresh'));
    DROP TABLE IF EXISTS pg_temp.q_work;  -- a second call in one transaction
    CREATE TEMP TABLE q_work ON COMMIT DROP AS
    SELECT q.enrolment_key,
           (SELECT w.status FROM clinical.v_work_status w
            WHERE w.enrolment_id = q.local_enrolment_id AND w.timepoint = 'start') AS start_status,
           (SELECT w.status FROM clinical.v_work_status w
            WHERE w.enrolment_id = q.local_enrolment_id AND w.timepoint = 'end') AS end_status
    FROM quality.enrolment q
    WHERE (p_keys IS NULL OR q.local_enrolment_id = ANY (p_keys))
      AND EXISTS (SELECT 1 FROM clinical.work_status w WHERE w.enrolment_id = q.local_enrolment_id);
    DELETE FROM quality.work_status t
    WHERE (p_keys IS NULL OR t.enrolment_key IN
              (SELECT e.enrolment_key FROM quality.enrolment e
               WHERE e.local_enrolment_id = ANY (p_keys)))
      AND NOT EXISTS (SELECT 1 FROM q_work n WHERE n.enrolment_key = t.enrolment_key);
    GET DIAGNOSTICS n_del = ROW_COUNT;
    INSERT INTO quality.work_status AS t (enrolment_key, start_status, end_status)
    SELECT enrolment_key, start_status, end_status FROM q_work
    ON CONFLICT (enrolment_key) DO UPDATE
        SET start_status = excluded.start_status, end_status = excluded.end_status
        WHERE (t.start_status, t.end_status) IS DISTINCT FROM (excluded.start_status, excluded.end_status);
    GET DIAGNOSTICS n_ins = ROW_COUNT;
    RETURN n_del + n_ins;
END
$$;
ALTER FUNCTION quality.refresh_work(bigint[]) OWNER TO ruglab_admin;
REVOKE ALL ON FUNCTION quality.refresh_work(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION quality.refresh_work(bigint[]) TO ruglab_quality;

-- replicated to the registry with the other pseudonymised tables (a
-- registry's existing subscriptions take it on ALTER SUBSCRIPTION ...
-- REFRESH PUBLICATION)
ALTER PUBLICATION ruglab_quality ADD TABLE quality.work_status;
