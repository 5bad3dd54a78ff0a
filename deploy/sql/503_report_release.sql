-- 503: the physician's sign-off in ruglab-web: the advice beside the
-- conclusion, releases of the final report (versions), and their delivery
-- per recipient through the site's outbox.

-- The advice to the GP, apart from the conclusion; printed under its own
-- heading when present (rows written before have none).
ALTER TABLE clinical.conclusion
    ADD COLUMN advice text CHECK (advice IS NULL OR length(btrim(advice)) BETWEEN 1 AND 20000);

-- A release of the final report, signed in ruglab-web: the letter (PDF),
-- its FHIR Bundle and, when the RIZIV numbers are there, its KMEHR message,
-- written to the site's outbox (<dir>/<site code>/release-<release_id>/; the
-- paths are those of its clinical.report_issued rows). Version 1 is the first; a later one is a
-- new version with the physician's reason, and the earlier ones stay (rows
-- and files). The unique (enrolment, version) is what stops a second
-- release by accident: the form carries the version it will make, and a
-- resubmitted form finds that version taken.
CREATE TABLE clinical.report_release (
    release_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrolment_id  bigint NOT NULL REFERENCES clinical.enrolment,
    version       integer NOT NULL CHECK (version >= 1),
    conclusion_id bigint NOT NULL REFERENCES clinical.conclusion,
    lang          text NOT NULL CHECK (lang IN ('nl', 'en')),
    reason        text CHECK (reason IS NULL OR length(btrim(reason)) BETWEEN 1 AND 2000),
    kmehr_missing text CHECK (kmehr_missing IN ('gp_riziv', 'physician_riziv')),
    released_by   text NOT NULL,
    released_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (enrolment_id, version),
    CHECK ((version = 1) = (reason IS NULL))
);

-- Who each release goes to and how far it got. ruglab-web writes 'queued'
-- when the files are in the outbox; the hospital's messaging (eHealthBox
-- gateway, print room) reports back with `ruglab release status`.
CREATE TABLE clinical.report_delivery (
    delivery_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    release_id   bigint NOT NULL REFERENCES clinical.report_release,
    recipient    text NOT NULL CHECK (recipient IN ('gp', 'patient_file', 'referring')),
    channel      text NOT NULL CHECK (channel IN ('ehealthbox', 'print')),
    file         text NOT NULL,
    status       text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'sent', 'delivered', 'failed')),
    status_note  text CHECK (status_note IS NULL OR length(status_note) BETWEEN 1 AND 1000),
    status_at    timestamptz NOT NULL DEFAULT now(),
    status_by    text NOT NULL,
    UNIQUE (release_id, recipient)
);

-- The files of a release are recorded with it.
ALTER TABLE clinical.report_issued
    ADD COLUMN release_id bigint REFERENCES clinical.report_release;
ALTER TABLE clinical.report_issued DROP CONSTRAINT report_issued_via_check;
ALTER TABLE clinical.report_issued ADD CONSTRAINT report_issued_via_check
    CHECK (via IN ('letter', 'export', 'batch', 'web'));
CREATE INDEX report_issued_release ON clinical.report_issued (release_id);

-- ruglab_clinician (the physician's pages): a new version of a conclusion
-- and a release with its deliveries. Nothing is updated or deleted: the
-- history stays. The web checks that the enrolment is of the person's own
-- site (the database cannot know who signed in). SELECT comes with the
-- default privileges of 001 (tables created by ruglab_admin).
GRANT INSERT ON clinical.conclusion, clinical.report_release, clinical.report_delivery
    TO ruglab_clinician;
