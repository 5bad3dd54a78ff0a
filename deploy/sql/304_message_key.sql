-- 304: each idempotency key (device_id, boot_id, seq) is stored at most
-- once, across every message type and whatever the content of a resend.
-- Until now each measurement table had its own key, and sample_batch's
-- included taken_at (it is partitioned by it): a resend with taken_at moved
-- by a second was stored twice, and a TrainingSet reusing a TestResult's
-- key was stored beside it. The collector now claims the key here first,
-- in the same statement as the measurement (a data-modifying CTE), and
-- stores the measurement only when the claim is new; a key already
-- claimed is acknowledged DUPLICATE and the original is kept (proto:
-- "Delivery").
--
-- Size: one row per stored message (about 40 bytes and an index entry of
-- about as much), beside the raw curves' 4 bytes per sample: about 15 % of
-- a national programme's curve storage (003: ~2 TB for ten years).

CREATE TABLE meas.message_key (
    device_id  text NOT NULL,
    boot_id    bigint NOT NULL,
    seq        bigint NOT NULL,
    -- the table the message was stored in: test_trial, training_set,
    -- sample_batch, session_event, questionnaire_response
    stored_in  text NOT NULL,
    PRIMARY KEY (device_id, boot_id, seq)
);
COMMENT ON TABLE meas.message_key IS
    'Every idempotency key (device_id, boot_id, seq) the collector stored, whatever the message type: a key is stored once';

INSERT INTO meas.message_key (device_id, boot_id, seq, stored_in)
SELECT device_id, boot_id, seq, 'test_trial' FROM meas.test_trial
UNION ALL
SELECT device_id, boot_id, seq, 'training_set' FROM meas.training_set
UNION ALL
SELECT device_id, boot_id, seq, 'sample_batch' FROM meas.sample_batch
UNION ALL
SELECT device_id, boot_id, seq, 'session_event' FROM meas.session_event
UNION ALL
SELECT device_id, boot_id, seq, 'questionnaire_response' FROM meas.questionnaire_response
WHERE source = 'device'
ON CONFLICT DO NOTHING;

GRANT INSERT ON meas.message_key TO ruglab_collector;
GRANT SELECT (device_id, boot_id, seq) ON meas.message_key TO ruglab_collector;
