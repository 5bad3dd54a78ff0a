-- 104: the smallest real difference of device values per device model and
-- direction, where a site has its own test-retest data (`ruglab reference
-- srd`); without a row, measures.h's default (33 %) applies.

CREATE TABLE clinical.srd_setting (
    device_model text NOT NULL CHECK (device_model ~ '^[A-Za-z0-9._-]{1,64}$'),
    direction    text NOT NULL CHECK (direction IN ('extension', 'flexion',
                 'lateral_flexion_left', 'lateral_flexion_right', 'rotation_left', 'rotation_right')),
    srd_pct      real NOT NULL CHECK (srd_pct > 0 AND srd_pct <= 200),
    source       text,
    set_by       text NOT NULL,
    set_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_model, direction)
);
