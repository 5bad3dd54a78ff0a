-- 500: the people who sign in to ruglab-web, and what the web's own
-- database roles may do (the 5xx series is the web's).
--
-- People are not database roles: a person signs in to ruglab-web with a
-- user name and password kept here, and the web then works through the
-- least-privileged role of the person's role (physician: ruglab_clinician;
-- secretariat: ruglab_secretariat; quality: ruglab_quality). The sign-in
-- itself runs as ruglab_web, which can read the accounts and write sign-in
-- attempts and nothing else. Accounts are managed with `ruglab user`
-- (ruglab_admin).
--
-- ruglab_secretariat and ruglab_web are created by deploy/db-setup.sql (a
-- superuser's job): on a server set up before this migration, run it again
-- first.
DO $$
BEGIN
    IF (SELECT count(*) FROM pg_roles WHERE rolname IN ('ruglab_secretariat', 'ruglab_web')) < 2
    THEN
        RAISE EXCEPTION 'roles ruglab_secretariat and ruglab_web are missing: run deploy/db-setup.sql as a superuser first';
    END IF;
END
$$;

CREATE SCHEMA web;
REVOKE ALL ON SCHEMA web FROM PUBLIC;

-- A person who may sign in. name is what they type (lower case, so that
-- "JPeeters" and "jpeeters" cannot be two people). A physician and the
-- secretariat work for one site, whose patients they see; a quality or
-- admin account may name a home site, but its work spans the database
-- (quality: pseudonymised data of every site; admin: users and devices),
-- so site_id is optional there. password_hash is libsodium's
-- crypto_pwhash_str (Argon2id, salt and cost inside the string); the
-- password itself is never stored. A disabled account stays on record (the
-- audit log names it); created_by is the OS user of the admin CLI.
CREATE TABLE web.user_account (
    user_id             integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9._-]{1,64}$'),
    display_name        text CHECK (length(display_name) BETWEEN 1 AND 200),
    role                text NOT NULL
                        CHECK (role IN ('physician', 'secretariat', 'quality', 'admin')),
    site_id             integer REFERENCES clinical.site,
    password_hash       text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    disabled_at         timestamptz,
    disable_reason      text CHECK (length(disable_reason) BETWEEN 1 AND 1000),
    created_at          timestamptz NOT NULL DEFAULT now(),
    created_by          text NOT NULL,
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    CHECK (site_id IS NOT NULL OR role IN ('quality', 'admin')),
    CHECK (disabled_at IS NOT NULL OR disable_reason IS NULL)
);

-- Every sign-in attempt, kept for rate limiting (recent failures per user
-- name and per address) and as the audit of sign-ins. user_name is what was
-- typed, which may name no account: no foreign key.
CREATE TABLE web.sign_in_attempt (
    attempt_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name   text NOT NULL CHECK (length(user_name) <= 256),
    client_addr inet,
    at          timestamptz NOT NULL DEFAULT now(),
    ok          boolean NOT NULL
);
CREATE INDEX sign_in_attempt_user ON web.sign_in_attempt (user_name, at);
CREATE INDEX sign_in_attempt_addr ON web.sign_in_attempt (client_addr, at);

-- ruglab_web: check a password, count recent failures, record the attempt.
GRANT USAGE ON SCHEMA web TO ruglab_web;
GRANT SELECT ON web.user_account TO ruglab_web;
GRANT SELECT, INSERT ON web.sign_in_attempt TO ruglab_web;

-- ruglab_secretariat: registration and attendance, exactly the writes of
-- `ruglab patient add`, `enrol`, `session add|no-show|cancel` and
-- `questionnaire add`, and the reads to show them. No measurement values
-- (the meas tables only through the clinical views), no conclusions or
-- issued reports to write, no devices, no user accounts.
GRANT USAGE ON SCHEMA identity, clinical, meas, audit TO ruglab_secretariat;

-- patient add: the pseudonymous subject and the identity behind it.
GRANT SELECT ON identity.patient, identity.gp TO ruglab_secretariat;
GRANT INSERT ON identity.patient TO ruglab_secretariat;
GRANT SELECT, INSERT ON clinical.subject TO ruglab_secretariat;
-- enrol locks the patient (SELECT ... FOR UPDATE), which PostgreSQL allows
-- only with an UPDATE privilege on the table: the two registration values
-- the secretariat keeps anyway.
GRANT UPDATE (body_weight_kg, height_cm) ON clinical.subject TO ruglab_secretariat;

-- enrol: the enrolment, after reading the programme, the group and the
-- patient's earlier programmes (rules R1, R2).
GRANT SELECT ON clinical.site, clinical.programme, clinical.cohort TO ruglab_secretariat;
GRANT SELECT, INSERT ON clinical.enrolment TO ruglab_secretariat;

-- session add|no-show|cancel: sessions by hand; cancelling a device session
-- updates its correction row (INSERT ... ON CONFLICT DO UPDATE).
GRANT SELECT, INSERT ON clinical.session TO ruglab_secretariat;
GRANT UPDATE (status, note, entered_by, entered_at) ON clinical.session TO ruglab_secretariat;

-- questionnaire add: the response; RETURNING needs its id and nothing more
-- of the table (what was answered is read through clinical.v_questionnaire).
GRANT INSERT ON meas.questionnaire_response TO ruglab_secretariat;
GRANT SELECT (response_id) ON meas.questionnaire_response TO ruglab_secretariat;

-- To show them: attendance, warnings, time points and questionnaires due,
-- whether the report went out; no measured values in any of these views.
GRANT SELECT ON clinical.v_session, clinical.v_session_day, clinical.v_attendance,
                clinical.v_questionnaire, clinical.v_test_occasion, clinical.v_timepoint_anchor,
                clinical.v_record, clinical.v_outside_programme, clinical.v_last_activity,
                clinical.timepoint_override, clinical.report_issued
    TO ruglab_secretariat;

-- Showing or finding a patient is a read of identity: audited, through the
-- only way into the log.
GRANT EXECUTE ON FUNCTION audit.record_access(text, text, text, bigint, text)
    TO ruglab_secretariat;
