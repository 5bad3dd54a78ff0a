-- 300: the physician's conclusion of a programme and the register of
-- generated final reports (ruglab-report letter / batch).

-- The physician's conclusion and advice for the final report, written with
-- `ruglab conclusion set`. History is kept: the latest row of an enrolment
-- (written_at, then conclusion_id) is the one the report prints.
CREATE TABLE clinical.conclusion (
    conclusion_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrolment_id  bigint NOT NULL REFERENCES clinical.enrolment,
    body          text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 20000),
    written_by    text NOT NULL,  -- the OS user at the keyboard
    written_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conclusion_enrolment ON clinical.conclusion (enrolment_id, written_at);

-- Every final report generated (not drafts): what was produced, its
-- SHA-256, when and by whom, so that `ruglab-report batch --due` never
-- sends a report twice by accident.
CREATE TABLE clinical.report_issued (
    report_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrolment_id  bigint NOT NULL REFERENCES clinical.enrolment,
    kind          text NOT NULL CHECK (kind IN ('letter', 'fhir')),
    lang          text NOT NULL CHECK (lang IN ('nl', 'en')),
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    path          text,
    generated_by  text NOT NULL,
    generated_at  timestamptz NOT NULL DEFAULT now(),
    via           text NOT NULL CHECK (via IN ('letter', 'export', 'batch'))
);
CREATE INDEX report_issued_enrolment ON clinical.report_issued (enrolment_id);

-- ruglab-report (as the clinician) records what it generated.
GRANT INSERT ON clinical.report_issued TO ruglab_clinician;
