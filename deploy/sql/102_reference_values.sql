-- 102: reference values of the device tests, per device model, sex, age
-- band, direction and measure (`ruglab reference load FILE`). Reference
-- values are device-specific: a value is only ever compared with the
-- reference of the model it was measured on.

CREATE TABLE clinical.reference_value (
    reference_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_model  text NOT NULL CHECK (device_model ~ '^[A-Za-z0-9._-]{1,64}$'),
    sex           text NOT NULL CHECK (sex IN ('M', 'F')),
    -- age at the start of the programme, both ends included
    age_min       smallint NOT NULL CHECK (age_min BETWEEN 0 AND 130),
    age_max       smallint NOT NULL CHECK (age_max BETWEEN 0 AND 130),
    direction     text NOT NULL CHECK (direction IN ('extension', 'flexion',
                  'lateral_flexion_left', 'lateral_flexion_right', 'rotation_left', 'rotation_right')),
    -- max_torque_nm_per_kg: isometric maximum per kg body weight;
    -- max_torque_nm: isometric maximum; rom_deg: range of motion
    measure       text NOT NULL CHECK (measure IN ('max_torque_nm_per_kg', 'max_torque_nm', 'rom_deg')),
    value         real NOT NULL CHECK (value > 0),
    -- the file it was loaded from and its first comment line (e.g.
    -- "ILLUSTRATIVE, NOT CLINICAL"), so that a report can say what it used
    source        text NOT NULL,
    loaded_by     text NOT NULL,
    loaded_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (age_min <= age_max),
    UNIQUE (device_model, sex, direction, measure, age_min)
);
