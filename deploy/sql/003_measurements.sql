-- 003: what the machines measure, as written by ruglab-collector.
--
-- Every row written from the wire carries its idempotency key
-- (device_id, boot_id, seq) as primary key (plus taken_at where the table
-- is partitioned, which is the same for every resend of a message), so a
-- resent message can never be stored twice. enrolment_id is resolved by
-- the collector from the badge token at the time the measurement was
-- taken; the badge token itself is not stored with the measurements.
--
-- Raw curves: storage decision
--   One row per sample batch (about one second of one recording), with the
--   angle and torque as smallint arrays in tenths of a degree and tenths of
--   a newton metre, not one row per sample. Sizing for ten years of a
--   national programme: ~10,000 patients a year x 36 sessions x ~20 min of
--   recorded movement at 100 Hz = 4.3e10 samples a year. One row per sample
--   costs ~40 bytes of tuple header and key per sample, 17 TB a year before
--   indexes; one row per 100-sample batch costs 4 bytes per sample plus
--   ~60 bytes per row, ~0.2 TB a year, 2 TB for ten years, and a
--   primary-key index 100 times smaller. The resolution (0.1 degree,
--   0.1 N·m) is finer than the devices' own. The table is partitioned by
--   year of taken_at, so a year can be detached and archived as a unit and
--   queries on a period touch only its partitions; a DEFAULT partition
--   catches anything outside the years created here (add more years with a
--   migration before they start).

-- A test trial: range of motion and isometric maximum in one direction.
CREATE TABLE meas.test_trial (
    device_id      text NOT NULL,
    boot_id        bigint NOT NULL,
    seq            bigint NOT NULL,
    taken_at       timestamptz NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    session_id     text NOT NULL,
    enrolment_id   bigint NOT NULL REFERENCES clinical.enrolment,
    direction      text NOT NULL CHECK (direction IN ('extension', 'flexion',
                   'lateral_flexion_left', 'lateral_flexion_right', 'rotation_left', 'rotation_right')),
    trial          smallint NOT NULL CHECK (trial BETWEEN 1 AND 100),
    rom_deg        real NOT NULL CHECK (rom_deg > 0 AND rom_deg <= 180),
    max_torque_nm  real NOT NULL CHECK (max_torque_nm >= 0 AND max_torque_nm <= 1000),
    angle_at_max_deg real NOT NULL CHECK (angle_at_max_deg BETWEEN -180 AND 180),
    PRIMARY KEY (device_id, boot_id, seq)
);
CREATE INDEX test_trial_enrolment ON meas.test_trial (enrolment_id, taken_at);

CREATE TABLE meas.training_set (
    device_id      text NOT NULL,
    boot_id        bigint NOT NULL,
    seq            bigint NOT NULL,
    taken_at       timestamptz NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    session_id     text NOT NULL,
    enrolment_id   bigint NOT NULL REFERENCES clinical.enrolment,
    direction      text NOT NULL CHECK (direction IN ('extension', 'flexion',
                   'lateral_flexion_left', 'lateral_flexion_right', 'rotation_left', 'rotation_right')),
    set_number     smallint NOT NULL CHECK (set_number BETWEEN 1 AND 1000),
    load_nm        real NOT NULL CHECK (load_nm BETWEEN 0 AND 1000),
    load_pct_of_max real CHECK (load_pct_of_max BETWEEN 0 AND 500),
    repetitions    smallint NOT NULL CHECK (repetitions BETWEEN 0 AND 1000),
    range_min_deg  real NOT NULL CHECK (range_min_deg BETWEEN -180 AND 180),
    range_max_deg  real NOT NULL CHECK (range_max_deg BETWEEN -180 AND 180),
    time_under_tension_s real NOT NULL CHECK (time_under_tension_s BETWEEN 0 AND 3600),
    PRIMARY KEY (device_id, boot_id, seq),
    CHECK (range_min_deg <= range_max_deg)
);
CREATE INDEX training_set_enrolment ON meas.training_set (enrolment_id, taken_at);

CREATE TABLE meas.sample_batch (
    device_id      text NOT NULL,
    boot_id        bigint NOT NULL,
    seq            bigint NOT NULL,
    taken_at       timestamptz NOT NULL,  -- time of the first sample
    received_at    timestamptz NOT NULL DEFAULT now(),
    session_id     text NOT NULL,
    enrolment_id   bigint NOT NULL,  -- no FK: partitions stay detachable
    direction      text NOT NULL,
    context        text NOT NULL CHECK (context IN ('test_trial', 'training_set')),
    context_number integer NOT NULL,
    sample_rate_hz integer NOT NULL CHECK (sample_rate_hz BETWEEN 1 AND 2000),
    first_index    bigint NOT NULL CHECK (first_index >= 0),
    angle_ddeg     smallint[] NOT NULL,  -- tenths of a degree
    torque_dnm     smallint[] NOT NULL,  -- tenths of a newton metre
    PRIMARY KEY (device_id, boot_id, seq, taken_at),
    CHECK (cardinality(angle_ddeg) = cardinality(torque_dnm) AND cardinality(angle_ddeg) >= 1)
) PARTITION BY RANGE (taken_at);

DO $$
BEGIN
    FOR y IN 2020..2040 LOOP
        EXECUTE format('CREATE TABLE meas.sample_batch_%s PARTITION OF meas.sample_batch
                        FOR VALUES FROM (%L) TO (%L)', y, make_date(y, 1, 1), make_date(y + 1, 1, 1));
    END LOOP;
END $$;
CREATE TABLE meas.sample_batch_default PARTITION OF meas.sample_batch DEFAULT;
CREATE INDEX sample_batch_enrolment ON meas.sample_batch (enrolment_id, session_id);

-- Session start and end events reported by the devices.
CREATE TABLE meas.session_event (
    device_id      text NOT NULL,
    boot_id        bigint NOT NULL,
    seq            bigint NOT NULL,
    taken_at       timestamptz NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    session_id     text NOT NULL,
    enrolment_id   bigint NOT NULL REFERENCES clinical.enrolment,
    event          text NOT NULL CHECK (event IN ('start', 'end')),
    kind           text CHECK (kind IN ('training', 'test', 'questionnaire')),
    operator_code  text,
    duration_s     integer,
    aborted        boolean,
    PRIMARY KEY (device_id, boot_id, seq)
);
CREATE INDEX session_event_enrolment ON meas.session_event (enrolment_id, taken_at);

-- Questionnaire responses, from the tablet (through the collector) or
-- entered by hand (`ruglab questionnaire add`). The score is computed by
-- the scoring rules of the instrument when the response is stored.
CREATE TABLE meas.questionnaire_response (
    response_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source         text NOT NULL CHECK (source IN ('device', 'manual')),
    device_id      text,
    boot_id        bigint,
    seq            bigint,
    session_id     text,
    taken_at       timestamptz NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    enrolment_id   bigint NOT NULL REFERENCES clinical.enrolment,
    instrument     text NOT NULL CHECK (instrument IN ('NPRS', 'ODI', 'RMDQ', 'TSK', 'PSFS')),
    version        text NOT NULL,
    language       text,
    -- [{"item": 1, "value": 3, "label": "..."}, ...] as answered
    answers        jsonb NOT NULL,
    score          numeric(6, 2),     -- NULL when not scorable
    entered_by     text,              -- for manual entry: who typed it in
    UNIQUE (device_id, boot_id, seq),
    CHECK ((source = 'device') = (device_id IS NOT NULL AND boot_id IS NOT NULL AND seq IS NOT NULL))
);
CREATE INDEX questionnaire_enrolment ON meas.questionnaire_response (enrolment_id, taken_at);

-- What the collector refused, kept for inspection: the raw bytes as
-- received, who sent them (the authenticated device), and why.
CREATE TABLE meas.dead_letter (
    dead_letter_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at    timestamptz NOT NULL DEFAULT now(),
    device_id      text,        -- authenticated device (from its CURVE key)
    claimed_device_id text,     -- device_id inside the message, if decodable
    boot_id        bigint,
    seq            bigint,
    reason         text NOT NULL,  -- Ack.Reason name, e.g. OUT_OF_RANGE
    detail         text NOT NULL,
    raw            bytea NOT NULL
);
CREATE INDEX dead_letter_device ON meas.dead_letter (device_id, received_at);

-- Last known state of each device (hello and heartbeat).
CREATE TABLE meas.device_status (
    device_id      text PRIMARY KEY,
    last_seen      timestamptz NOT NULL,
    boot_id        bigint,
    last_seq       bigint,
    spool_depth    bigint,
    spool_bytes    bigint,
    oldest_unacked_s integer,
    firmware_version text,
    sender_version text,
    collector      text
);

-- Counters of each running collector, written periodically.
CREATE TABLE meas.collector_status (
    collector      text PRIMARY KEY,
    started_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    received       bigint NOT NULL DEFAULT 0,
    committed      bigint NOT NULL DEFAULT 0,
    duplicates     bigint NOT NULL DEFAULT 0,
    rejected       bigint NOT NULL DEFAULT 0
);

-- The collector inserts measurements and nothing else. It may read the
-- key columns back (to tell a new message from a duplicate) but no values,
-- and it keeps its own status rows up to date.
GRANT INSERT ON meas.test_trial, meas.training_set, meas.sample_batch, meas.session_event,
                meas.questionnaire_response, meas.dead_letter TO ruglab_collector;
GRANT SELECT (device_id, boot_id, seq) ON meas.test_trial, meas.training_set, meas.sample_batch,
                meas.session_event, meas.questionnaire_response TO ruglab_collector;
GRANT SELECT (taken_at) ON meas.sample_batch TO ruglab_collector;
GRANT SELECT, INSERT, UPDATE ON meas.device_status, meas.collector_status TO ruglab_collector;
