-- 002: sites, devices, GPs, patients (identity apart from the pseudonymous
-- subject), programme templates, groups and enrolments.

CREATE TABLE clinical.site (
    site_id        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Short code, unique across the whole registry (it prefixes keys there).
    code           text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,31}$'),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    address        text,
    -- Header of the final report: the responsible rehabilitation physician.
    physician_name text,
    physician_riziv text CHECK (physician_riziv ~ '^[0-9]{11}$'),
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- A training machine or questionnaire tablet. Its CURVE public key (Z85,
-- 40 characters) is what the collector's allow-list is made of; the secret
-- key never reaches the database. revoked_at set = refused from then on.
CREATE TABLE clinical.device (
    device_id   text PRIMARY KEY CHECK (device_id ~ '^[A-Za-z0-9._-]{1,64}$'),
    site_id     integer NOT NULL REFERENCES clinical.site,
    model       text NOT NULL CHECK (model ~ '^[A-Za-z0-9._-]{1,64}$'),
    public_key  text NOT NULL UNIQUE CHECK (length(public_key) = 40),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    revoke_reason text
);

CREATE TABLE identity.gp (
    gp_id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- RIZIV/INAMI (NIHII) number, 11 digits.
    riziv       text NOT NULL UNIQUE CHECK (riziv ~ '^[0-9]{11}$'),
    family_name text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
    given_name  text NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
    address     text,
    postal_code text,
    city        text,
    phone       text,
    email       text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The pseudonymous patient: everything the devices, the collector and the
-- quality views may know of a person. badge_token is printed on the
-- patient's badge and sent by the machines; pseudonym is an unrelated
-- random code used in the quality views, so that a badge seen at a machine
-- cannot be linked to a quality record.
CREATE TABLE clinical.subject (
    subject_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id      integer NOT NULL REFERENCES clinical.site,
    badge_token  text NOT NULL UNIQUE CHECK (badge_token ~ '^[A-Za-z0-9._-]{4,64}$'),
    pseudonym    text NOT NULL UNIQUE CHECK (pseudonym ~ '^[A-Za-z0-9._-]{4,64}$'),
    sex          text NOT NULL CHECK (sex IN ('M', 'F', 'X')),
    body_weight_kg numeric(5, 1) CHECK (body_weight_kg BETWEEN 20 AND 400),
    height_cm    numeric(5, 1) CHECK (height_cm BETWEEN 80 AND 250),
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Who the subject is. One row per subject; never joined into quality views.
CREATE TABLE identity.patient (
    subject_id    bigint PRIMARY KEY REFERENCES clinical.subject,
    -- INSZ/NISS (or BIS number), 11 digits, checksum validated by the CLI.
    insz          text NOT NULL UNIQUE CHECK (insz ~ '^[0-9]{11}$'),
    family_name   text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
    given_name    text NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
    date_of_birth date NOT NULL,
    gp_id         integer REFERENCES identity.gp,
    address       text,
    postal_code   text,
    city          text,
    phone         text,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Programme templates (the seed variants are inserted by 004; a site may
-- add its own, site_id set).
CREATE TABLE clinical.programme (
    programme_id        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,31}$'),
    name                text NOT NULL,
    site_id             integer REFERENCES clinical.site,
    total_sessions      smallint NOT NULL CHECK (total_sessions BETWEEN 1 AND 200),
    exercise_sessions   smallint NOT NULL CHECK (exercise_sessions >= 0),
    information_sessions smallint NOT NULL CHECK (information_sessions >= 0),
    max_per_week        smallint NOT NULL CHECK (max_per_week BETWEEN 1 AND 7),
    max_duration_days   smallint NOT NULL CHECK (max_duration_days BETWEEN 7 AND 730),
    max_extra_sessions  smallint NOT NULL DEFAULT 0 CHECK (max_extra_sessions >= 0),
    -- The session number at which the mid test falls.
    mid_test_session    smallint NOT NULL CHECK (mid_test_session >= 1),
    min_session_minutes smallint NOT NULL DEFAULT 120,
    description         text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (exercise_sessions + information_sessions = total_sessions),
    CHECK (mid_test_session <= total_sessions)
);

-- A group ("groep"): patients who start together, in a time block.
CREATE TABLE clinical.cohort (
    cohort_id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     integer NOT NULL REFERENCES clinical.site,
    code        text NOT NULL CHECK (code ~ '^[A-Za-z0-9._-]{1,32}$'),
    programme_id integer NOT NULL REFERENCES clinical.programme,
    start_date  date NOT NULL,
    time_block  text,  -- e.g. '08-10', '13-15'
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, code)
);

CREATE TABLE clinical.enrolment (
    enrolment_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_id    bigint NOT NULL REFERENCES clinical.subject,
    site_id       integer NOT NULL REFERENCES clinical.site,
    programme_id  integer NOT NULL REFERENCES clinical.programme,
    cohort_id     integer REFERENCES clinical.cohort,
    -- 'chronic': non-specific back pain for more than 6 weeks;
    -- 'post_surgery': less than 3 months after spinal surgery.
    indication    text NOT NULL CHECK (indication IN ('chronic', 'post_surgery')),
    pain_since    date,
    surgery_date  date,
    referring_physician text,
    route         text NOT NULL CHECK (route IN ('riziv', 'fedris')),
    on_sick_leave boolean NOT NULL DEFAULT false,
    -- the patient asked for a copy to the occupational physician
    occupational_copy boolean NOT NULL DEFAULT false,
    -- a second programme needs an exception: new spinal surgery, or
    -- reintegration approved by the insurer's advisory physician
    exception     text NOT NULL DEFAULT 'none'
                  CHECK (exception IN ('none', 'new_surgery', 'reintegration')),
    exception_note text,
    start_date    date NOT NULL,
    status        text NOT NULL DEFAULT 'active'
                  CHECK (status IN ('active', 'completed', 'dropped_out', 'cancelled')),
    end_date      date,
    dropout_reason text,
    age_at_start  smallint NOT NULL CHECK (age_at_start BETWEEN 0 AND 130),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (indication <> 'post_surgery' OR surgery_date IS NOT NULL),
    CHECK (status = 'active' OR end_date IS NOT NULL)
);
-- At most one running programme per subject.
CREATE UNIQUE INDEX enrolment_one_active ON clinical.enrolment (subject_id) WHERE status = 'active';
CREATE INDEX enrolment_subject ON clinical.enrolment (subject_id);

-- What the collector may know to authenticate devices and validate
-- messages: device keys, and the enrolments behind each badge token (all
-- of them, with their dates, so that a backlog arriving after a programme
-- ended is still matched to the programme it was measured in). No identity.
CREATE VIEW clinical.collector_device AS
    SELECT device_id, site_id, model, public_key, revoked_at IS NOT NULL AS revoked
    FROM clinical.device;

CREATE VIEW clinical.collector_token AS
    SELECT s.badge_token, s.subject_id, e.enrolment_id, e.status, e.start_date, e.end_date
    FROM clinical.subject s
    LEFT JOIN clinical.enrolment e ON e.subject_id = s.subject_id;

GRANT SELECT ON clinical.collector_device, clinical.collector_token TO ruglab_collector;
