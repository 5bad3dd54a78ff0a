-- 100: sessions entered by hand and time-point overrides (the clinical
-- contract, part 1; the views over them are in 101).

-- Sessions the devices do not report: information sessions, exercise
-- sessions entered by hand (a device that was down, a session without a
-- machine), no-shows and cancellations. `ruglab session add/no-show/cancel`
-- writes here.
--
-- A row with source 'device' names a device session (device_id,
-- device_session_id as in meas.session_event) and replaces what the
-- device reported for it in clinical.v_session: that is how a
-- physiotherapist corrects a device session (e.g. a badge scanned by
-- mistake: status 'cancelled'). Rows with source 'manual' stand on their own.
CREATE TABLE clinical.session (
    session_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrolment_id      bigint NOT NULL REFERENCES clinical.enrolment,
    session_date      date NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('exercise', 'information', 'test')),
    status            text NOT NULL DEFAULT 'attended'
                      CHECK (status IN ('attended', 'no_show', 'cancelled')),
    source            text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'device')),
    device_id         text,
    device_session_id text,
    note              text CHECK (length(note) <= 1000),
    -- the person who typed it in (OS user of the CLI)
    entered_by        text NOT NULL,
    entered_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((source = 'device') = (device_id IS NOT NULL AND device_session_id IS NOT NULL))
);
CREATE INDEX session_enrolment ON clinical.session (enrolment_id, session_date);
-- one correction per device session
CREATE UNIQUE INDEX session_device_once ON clinical.session (device_id, device_session_id)
    WHERE source = 'device';

-- The physiotherapist's choice of a test occasion's time point, where the
-- rule of clinical.v_test_occasion picked the wrong one. History is kept:
-- the latest row per occasion (set_at, then override_id) is the one in
-- force. timepoint 'none' removes the occasion's time point.
CREATE TABLE clinical.timepoint_override (
    override_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrolment_id bigint NOT NULL REFERENCES clinical.enrolment,
    device_id    text NOT NULL,
    session_id   text NOT NULL,
    timepoint    text NOT NULL CHECK (timepoint IN ('start', 'mid', 'end', 'none')),
    set_by       text NOT NULL,
    set_at       timestamptz NOT NULL DEFAULT now(),
    reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000)
);
CREATE INDEX timepoint_override_enrolment ON clinical.timepoint_override (enrolment_id);

-- The exception that allows a second programme (rule R2): the date of the
-- new spinal surgery, and who recorded the exception.
ALTER TABLE clinical.enrolment
    ADD COLUMN exception_surgery_date date,
    ADD COLUMN exception_recorded_by text,
    ADD CHECK (exception <> 'new_surgery' OR exception_surgery_date IS NOT NULL);
