-- 004: the audit log of reads of identifiable data, and the programme
-- templates of the seed descriptions.

-- One row per read of identifiable data by a person (`ruglab patient
-- show`, `ruglab-report letter`, ...). Insert-only for the tools; only the
-- admin role can read it.
CREATE TABLE audit.access_log (
    access_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    db_user     text NOT NULL DEFAULT current_user,
    os_user     text,          -- the person at the keyboard, as the tool saw it
    program     text NOT NULL, -- e.g. 'ruglab-report'
    command     text NOT NULL, -- e.g. 'letter'
    subject_id  bigint REFERENCES clinical.subject,
    detail      text
);
GRANT INSERT ON audit.access_log TO ruglab_clinician;

-- The three programme variants of the seed descriptions (see DOMAIN.md).
INSERT INTO clinical.programme (code, name, total_sessions, exercise_sessions, information_sessions,
                                max_per_week, max_duration_days, max_extra_sessions, mid_test_session,
                                description)
VALUES
    ('mrr-36', 'Multidisciplinair Rug Revalidatieprogramma (36 sessies)', 36, 34, 2, 2, 183, 0, 18,
     '34 exercise sessions of 2 h and 2 information sessions (ergonomics, psychology); at most 2 a week, at most 6 months'),
    ('rugschool-30', 'Rugschool 15 weken (30 sessies + tot 6 extra)', 30, 30, 0, 2, 105, 6, 15,
     '15 exercise weeks of 2 sessions of about 2 h; up to 6 extra sessions; a new group every 5 weeks; time blocks 8-10, 10-12, 13-15, 15-17'),
    ('rugschool-36-18w', 'Rugschool 36 groepssessies (max. 18 weken)', 36, 36, 0, 2, 126, 0, 18,
     '36 group sessions of 2 h, twice a week, within at most 18 weeks');
