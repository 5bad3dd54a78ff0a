-- 701: the exercise catalogue (issue 17, seed 004): the home exercises a
-- site gives its patients, each with how to do it, its easier and harder
-- variants and its points of attention, in Dutch and English.
--
-- The catalogue is data, not code: deploy/exercises/catalogue.json is the
-- default (loaded by `ruglab db migrate` into an empty catalogue), and
-- `ruglab exercise load FILE` loads a site's own (include/ruglab/exercise.h
-- checks a file whole before anything is written). Codes are stable: a
-- reload updates the exercise or variant of that code; one left out is
-- retired, never deleted, because home programmes will name them.
--
-- Who: ruglab_admin (the owner, through `ruglab exercise load`) writes;
-- ruglab_clinician (the physician's and physiotherapist's pages, the
-- report and the patient handout) and ruglab_secretariat (who hands the
-- handout out) read. The collector, the quality role and the web's
-- sign-in role see nothing of it.

CREATE TABLE clinical.exercise (
    exercise_id  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code         text NOT NULL UNIQUE CHECK (code ~ '^[A-Z][A-Z0-9-]{0,31}$'),
    -- the order of the list and the handout
    position     integer NOT NULL CHECK (position > 0),
    name_nl      text NOT NULL CHECK (length(name_nl) BETWEEN 1 AND 120),
    name_en      text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 120),
    steps_nl     text[] NOT NULL,
    steps_en     text[] NOT NULL,
    attention_nl text[] NOT NULL DEFAULT '{}',
    attention_en text[] NOT NULL DEFAULT '{}',
    -- left out of a later `ruglab exercise load --replace`
    retired      boolean NOT NULL DEFAULT false,
    -- the file it last came from, who loaded it and when (its last change)
    source       text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    loaded_by    text NOT NULL,
    loaded_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (cardinality(steps_nl) BETWEEN 1 AND 12 AND cardinality(steps_en) = cardinality(steps_nl)),
    CHECK (cardinality(attention_nl) <= 12 AND cardinality(attention_en) = cardinality(attention_nl))
);

-- A way to make an exercise easier (level < 0) or harder (level > 0); the
-- exercise as described is level 0. A home programme (a later part) names
-- the variant chosen, so that the report can show the progression.
CREATE TABLE clinical.exercise_variant (
    variant_id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    exercise_id  integer NOT NULL REFERENCES clinical.exercise,
    code         text NOT NULL CHECK (code ~ '^[a-z][a-z0-9-]{0,31}$'),
    level        smallint NOT NULL CHECK (level BETWEEN -3 AND 3 AND level <> 0),
    position     integer NOT NULL CHECK (position > 0),
    text_nl      text NOT NULL CHECK (length(text_nl) BETWEEN 1 AND 400),
    text_en      text NOT NULL CHECK (length(text_en) BETWEEN 1 AND 400),
    retired      boolean NOT NULL DEFAULT false,
    UNIQUE (exercise_id, code)
);

GRANT SELECT ON clinical.exercise, clinical.exercise_variant TO ruglab_clinician, ruglab_secretariat;
