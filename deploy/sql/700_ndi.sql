-- The Neck Disability Index (NDI; Vernon 1991) beside the ODI: stored
-- responses may carry it, and the quality side has its measure so a
-- refresh computes its outcomes. Scoring: questionnaire.h (total / (5 x
-- sections answered) x 100 %, at most 2 of 10 sections missing).

ALTER TABLE meas.questionnaire_response
    DROP CONSTRAINT questionnaire_response_instrument_check;
ALTER TABLE meas.questionnaire_response
    ADD CONSTRAINT questionnaire_response_instrument_check
    CHECK (instrument IN ('NPRS', 'ODI', 'RMDQ', 'TSK', 'PSFS', 'NDI'));

-- MCID 7.5 of 50 points = 15 percentage points, absolute only (Young et
-- al., Spine J 2009); a site changes it here as for the other measures.
INSERT INTO quality.measure (measure, kind, label, unit, better, mic_points, mic_pct, srd_pct, sort_order)
VALUES ('ndi', 'questionnaire', 'NDI neck disability', '%', 'lower', 15, NULL, NULL, 6);
COMMENT ON COLUMN quality.measure.measure IS 'code: nprs, odi, rmdq, tsk, psfs, ndi, strength_<direction>, rom_<direction>';
