-- 303: audit rows cannot be forged. Until now the clinician role could
-- INSERT into audit.access_log with any db_user and os_user it liked. Now
-- the only way in for the tools is audit.record_access(), a SECURITY
-- DEFINER function owned by ruglab_admin that sets db_user from
-- session_user (the role that logged in, which a caller cannot choose) and
-- the time from the server; the tools still say which person is at the
-- keyboard (os_user: the database cannot know it) and what was read.
--
-- What this does not cover: a person who reads identity.patient directly
-- with psql as ruglab_clinician leaves no row here. Such reads are what
-- PostgreSQL's own statement logging is for (pgaudit where it is
-- installed, else log_statement; README, "Security model").

CREATE FUNCTION audit.record_access(p_os_user text, p_program text, p_command text,
                                    p_subject_id bigint, p_detail text)
    RETURNS bigint
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO audit.access_log (at, db_user, os_user, program, command, subject_id, detail)
    VALUES (now(), session_user, left(p_os_user, 200), left(p_program, 100), left(p_command, 200),
            p_subject_id, left(p_detail, 1000))
    RETURNING access_id
$$;
ALTER FUNCTION audit.record_access(text, text, text, bigint, text) OWNER TO ruglab_admin;
REVOKE ALL ON FUNCTION audit.record_access(text, text, text, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.record_access(text, text, text, bigint, text)
    TO ruglab_clinician, ruglab_admin;

REVOKE INSERT ON audit.access_log FROM ruglab_clinician;
