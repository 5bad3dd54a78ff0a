-- 703: the home programme (issue 17): the exercises of the catalogue (701)
-- the physiotherapist gives a patient to do at home, with the variant
-- chosen and the dose, changed as the patient progresses; and which
-- exercises (at which variant) were done in a session.
--
-- clinical.home_exercise keeps the history: every assignment, change and
-- stop is a new row (never an update in place), with who (recorded_by, the
-- OS user or the signed-in person) and when (recorded_at). The latest row
-- per enrolment and exercise (recorded_at, then home_exercise_id) counts;
-- clinical.v_home_programme shows the current programme (stopped ones left
-- out). Dose: either repetitions and sets, or a hold time in seconds;
-- always a frequency per week. The variant, when one is named, belongs to
-- the exercise (a foreign key on both columns).
--
-- clinical.session_exercise: the exercises done on a session's day (a
-- session is a day of the programme: clinical.v_session numbers them by
-- date), one row per exercise, the variant done (NULL: as described).
--
-- Rules beyond these checks (a retired exercise or variant is not
-- assigned, a change needs a running assignment): services/common/homeprog.c.
--
-- Who: ruglab_clinician (the physiotherapist) reads and writes;
-- ruglab_secretariat (who hands the handout out) reads; ruglab_admin owns.

-- the target of the foreign keys below: a variant of that exercise
ALTER TABLE clinical.exercise_variant
    ADD CONSTRAINT exercise_variant_of_exercise UNIQUE (exercise_id, variant_id);

CREATE TABLE clinical.home_exercise (
    home_exercise_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrolment_id     bigint NOT NULL REFERENCES clinical.enrolment ON DELETE CASCADE,
    exercise_id      integer NOT NULL REFERENCES clinical.exercise,
    variant_id       integer,
    action           text NOT NULL CHECK (action IN ('assign', 'change', 'stop')),
    repetitions      smallint CHECK (repetitions BETWEEN 1 AND 100),
    sets             smallint CHECK (sets BETWEEN 1 AND 20),
    hold_seconds     smallint CHECK (hold_seconds BETWEEN 1 AND 600),
    per_week         smallint CHECK (per_week BETWEEN 1 AND 21),
    recorded_by      text NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    FOREIGN KEY (exercise_id, variant_id) REFERENCES clinical.exercise_variant (exercise_id, variant_id),
    -- a stop carries no dose; otherwise reps and sets, or a hold time
    CHECK (CASE WHEN action = 'stop'
                THEN variant_id IS NULL AND repetitions IS NULL AND sets IS NULL
                     AND hold_seconds IS NULL AND per_week IS NULL
                ELSE per_week IS NOT NULL
                     AND ((repetitions IS NOT NULL AND sets IS NOT NULL AND hold_seconds IS NULL)
                          OR (repetitions IS NULL AND sets IS NULL AND hold_seconds IS NOT NULL))
           END)
);
CREATE INDEX home_exercise_enrolment ON clinical.home_exercise (enrolment_id, exercise_id, recorded_at);
ALTER TABLE clinical.home_exercise OWNER TO ruglab_admin;
COMMENT ON TABLE clinical.home_exercise IS
    'Home programme: every assignment, change and stop is a new row; the latest per enrolment and exercise counts';
GRANT SELECT, INSERT ON clinical.home_exercise TO ruglab_clinician;
GRANT SELECT ON clinical.home_exercise TO ruglab_secretariat;

CREATE VIEW clinical.v_home_programme AS
SELECT * FROM (
    SELECT DISTINCT ON (h.enrolment_id, h.exercise_id)
           h.enrolment_id, h.exercise_id, h.variant_id, h.action, h.repetitions, h.sets,
           h.hold_seconds, h.per_week, h.recorded_by, h.recorded_at, h.home_exercise_id
    FROM clinical.home_exercise h
    ORDER BY h.enrolment_id, h.exercise_id, h.recorded_at DESC, h.home_exercise_id DESC
) latest
WHERE action <> 'stop';
ALTER VIEW clinical.v_home_programme OWNER TO ruglab_admin;
GRANT SELECT ON clinical.v_home_programme TO ruglab_clinician, ruglab_secretariat;

CREATE TABLE clinical.session_exercise (
    session_exercise_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrolment_id        bigint NOT NULL REFERENCES clinical.enrolment ON DELETE CASCADE,
    session_date        date NOT NULL,
    exercise_id         integer NOT NULL REFERENCES clinical.exercise,
    variant_id          integer,
    recorded_by         text NOT NULL,
    recorded_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    FOREIGN KEY (exercise_id, variant_id) REFERENCES clinical.exercise_variant (exercise_id, variant_id),
    UNIQUE (enrolment_id, session_date, exercise_id)
);
ALTER TABLE clinical.session_exercise OWNER TO ruglab_admin;
COMMENT ON TABLE clinical.session_exercise IS
    'The catalogue exercises done on a session day, at which variant (NULL: as described)';
GRANT SELECT, INSERT ON clinical.session_exercise TO ruglab_clinician;
GRANT SELECT ON clinical.session_exercise TO ruglab_secretariat;
