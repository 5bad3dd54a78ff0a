-- 301: KMEHR messages are recorded in clinical.report_issued as well.
ALTER TABLE clinical.report_issued DROP CONSTRAINT report_issued_kind_check;
ALTER TABLE clinical.report_issued ADD CONSTRAINT report_issued_kind_check
    CHECK (kind IN ('letter', 'fhir', 'kmehr'));
