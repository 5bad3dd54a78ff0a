-- 506: a change stamp per enrolment, kept by the database.
--
-- clinical.enrolment_change has one row per enrolment whose data changed
-- since this migration: stamp counts the transactions that changed it (1
-- on its first change, + 1 on each later one), changed_at is the start of
-- the last. The row of enrolment_id 0 is the global stamp: the tables every
-- enrolment's report reads (sites, programmes, devices' models, reference
-- values, SRD settings) bump it instead of marking every enrolment.
--
-- The mark is written by the changing statement itself, in its
-- transaction (STATEMENT-level AFTER triggers with transition tables: one
-- set-based upsert per statement, whatever its row count; no per-row
-- work), so a reader that sees the data sees the new stamp and the other
-- way round. Two uses:
--   * ruglab-web's programme page (issue 14) caches a page's model keyed
--     by (enrolment stamp, global stamp, the Brussels date): one small
--     read per view decides whether the cached model is still the data.
--   * the quality registry's incremental refresh (issue 15) can take the
--     enrolments with changed_at (or stamp) past its last run from the same
--     table, with the same guarantee that a committed change is marked
--     (not built here).
-- The stamp only grows; a deleted row's enrolment is marked too. A change
-- that reaches enrolments through the subject (clinical.subject: weight,
-- sex; identity.patient: name, INSZ, GP) marks every enrolment of that
-- subject; a GP's change marks the enrolments of the GP's patients.
--
-- Tables read for an enrolment by the report model (services/report/
-- report_data.c, rl_clinical_enrolment_load) and the views it reads
-- (v_session, v_session_day, v_attendance, v_test_occasion, v_test_trial,
-- v_timepoint_anchor, v_questionnaire, v_record, v_outside_programme,
-- v_last_activity, v_training_set, v_test_curve, v_timepoint_due):
--   per enrolment: clinical.enrolment, clinical.session,
--     clinical.timepoint_override, clinical.conclusion,
--     clinical.report_issued, clinical.report_release, meas.test_trial,
--     meas.training_set, meas.sample_batch, meas.session_event,
--     meas.questionnaire_response
--   per subject: clinical.subject, identity.patient; per GP: identity.gp
--   global: clinical.site, clinical.programme, clinical.device,
--     clinical.reference_value, clinical.srd_setting
-- A new table the report reads needs its trigger here (a later migration).
--
-- The trigger functions run as ruglab_admin (SECURITY DEFINER, fixed
-- search_path): the writers need no grant on the stamp table. The web's
-- clinician role reads it.
--
-- Cost: one upsert of the distinct enrolments per statement. The collector
-- writes a batch per statement (COPY or multi-row INSERT), so its cost is
-- per batch, not per sample (make bench, "throughput").

CREATE TABLE clinical.enrolment_change (
    enrolment_id bigint PRIMARY KEY,  -- 0: the global stamp; no FK (deletes stay possible)
    stamp        bigint NOT NULL DEFAULT 1,
    changed_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO clinical.enrolment_change (enrolment_id) VALUES (0);
ALTER TABLE clinical.enrolment_change OWNER TO ruglab_admin;
GRANT SELECT ON clinical.enrolment_change TO ruglab_clinician;

-- clinical.mark(ids): one upsert of the given enrolments' stamps (the
-- one place the stamps are written; issue 15's refresh may read what it
-- wrote, never call it). A row this transaction already bumped is left
-- as it is (its xmin is this transaction's id): the stamp moves once per
-- transaction, which is all a reader can see, and a collector's
-- transaction of hundreds of INSERTs for one enrolment does not pile up
-- hundreds of versions of its row (each upsert would walk them all).
CREATE FUNCTION clinical.mark(ids bigint[]) RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO clinical.enrolment_change AS c (enrolment_id)
    SELECT DISTINCT id FROM unnest(ids) id WHERE id IS NOT NULL
    ON CONFLICT (enrolment_id) DO UPDATE SET stamp = c.stamp + 1, changed_at = now()
    WHERE c.xmin::text::bigint <> pg_current_xact_id()::text::bigint % 4294967296
$$;

-- The transition tables are named "changed" (NEW TABLE for INSERT and
-- UPDATE, OLD TABLE for DELETE) and "changed_old" (OLD TABLE of UPDATE:
-- a row moved to another enrolment or subject marks both).

CREATE FUNCTION clinical.mark_enrolment() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM clinical.mark(ARRAY(SELECT enrolment_id FROM changed
                                    UNION SELECT enrolment_id FROM changed_old));
    ELSE  -- the collector's path, once per message: clinical.mark's upsert inline (half the cost)
        INSERT INTO clinical.enrolment_change AS c (enrolment_id)
        SELECT DISTINCT enrolment_id FROM changed
        ON CONFLICT (enrolment_id) DO UPDATE SET stamp = c.stamp + 1, changed_at = now()
        WHERE c.xmin::text::bigint <> pg_current_xact_id()::text::bigint % 4294967296;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION clinical.mark_subject() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    subjects bigint[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        subjects := ARRAY(SELECT subject_id FROM changed UNION SELECT subject_id FROM changed_old);
    ELSE
        subjects := ARRAY(SELECT subject_id FROM changed);
    END IF;
    PERFORM clinical.mark(ARRAY(SELECT enrolment_id FROM clinical.enrolment
                                WHERE subject_id = ANY (subjects)));
    RETURN NULL;
END
$$;

CREATE FUNCTION clinical.mark_gp() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM clinical.mark(ARRAY(SELECT e.enrolment_id FROM clinical.enrolment e
                                JOIN identity.patient p ON p.subject_id = e.subject_id
                                WHERE p.gp_id IN (SELECT gp_id FROM changed)));
    RETURN NULL;
END
$$;

CREATE FUNCTION clinical.mark_global() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE clinical.enrolment_change SET stamp = stamp + 1, changed_at = now()
    WHERE enrolment_id = 0 AND EXISTS (SELECT 1 FROM changed)
      AND xmin::text::bigint <> pg_current_xact_id()::text::bigint % 4294967296;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    f text;
    t text;
BEGIN
    FOREACH f IN ARRAY ARRAY['mark(bigint[])', 'mark_enrolment()', 'mark_subject()', 'mark_gp()',
                             'mark_global()'] LOOP
        EXECUTE format('ALTER FUNCTION clinical.%s OWNER TO ruglab_admin', f);
        EXECUTE format('REVOKE ALL ON FUNCTION clinical.%s FROM PUBLIC', f);
    END LOOP;
    -- table -> its trigger function; three triggers per table (a trigger
    -- with transition tables has one event)
    FOR t, f IN VALUES
        ('clinical.enrolment', 'mark_enrolment'), ('clinical.session', 'mark_enrolment'),
        ('clinical.timepoint_override', 'mark_enrolment'), ('clinical.conclusion', 'mark_enrolment'),
        ('clinical.report_issued', 'mark_enrolment'), ('clinical.report_release', 'mark_enrolment'),
        ('meas.test_trial', 'mark_enrolment'), ('meas.training_set', 'mark_enrolment'),
        ('meas.sample_batch', 'mark_enrolment'), ('meas.session_event', 'mark_enrolment'),
        ('meas.questionnaire_response', 'mark_enrolment'),
        ('clinical.subject', 'mark_subject'), ('identity.patient', 'mark_subject'),
        ('identity.gp', 'mark_gp'),
        ('clinical.site', 'mark_global'), ('clinical.programme', 'mark_global'),
        ('clinical.device', 'mark_global'), ('clinical.reference_value', 'mark_global'),
        ('clinical.srd_setting', 'mark_global')
    LOOP
        EXECUTE format('CREATE TRIGGER change_ins AFTER INSERT ON %s REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION clinical.%I()', t, f);
        EXECUTE format('CREATE TRIGGER change_upd AFTER UPDATE ON %s '
                       'REFERENCING NEW TABLE AS changed OLD TABLE AS changed_old '
                       'FOR EACH STATEMENT EXECUTE FUNCTION clinical.%I()', t, f);
        EXECUTE format('CREATE TRIGGER change_del AFTER DELETE ON %s REFERENCING OLD TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION clinical.%I()', t, f);
    END LOOP;
END $$;
