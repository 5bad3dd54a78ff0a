-- 602: the pain-duration adjuster for the case-mix model (issue 15).
--
-- quality.enrolment has baseline scores (quality.outcome.start_value), the
-- age band and sex, but no pain duration; clinical.enrolment.pain_since is
-- an exact date, which the quality role must not see. quality.casemix
-- keeps it pseudonymised as a band of whole months from pain_since to the
-- programme's start: '<3', '3-5', '6-11', '12-23', '24+', or 'unknown'
-- when pain_since is missing or after the start.
--
-- quality.refresh_casemix(p_keys) recomputes the rows of the given
-- enrolments (NULL: all), set-based; rows of enrolments that left
-- quality.enrolment go with them (the foreign key's cascade). It is a step
-- of `ruglab-outcomes refresh` after quality.refresh() (migration 600),
-- with the rights of its owner like quality.refresh(); the keys are what
-- quality.refresh() returns: the clinical enrolment ids
-- (quality.enrolment.local_enrolment_id) it recomputed or deleted.
CREATE TABLE quality.casemix (
    enrolment_key    text PRIMARY KEY REFERENCES quality.enrolment ON DELETE CASCADE,
    pain_months_band text NOT NULL CHECK (pain_months_band IN ('<3', '3-5', '6-11', '12-23', '24+', 'unknown'))
);
ALTER TABLE quality.casemix OWNER TO ruglab_admin;
GRANT SELECT ON quality.casemix TO ruglab_quality;

CREATE FUNCTION quality.refresh_casemix(p_keys bigint[] DEFAULT NULL, OUT upserted bigint, OUT deleted bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM quality.node WHERE is_registry) THEN
        RAISE EXCEPTION 'this database is a quality registry: its tables are replicated from the sites; refresh at each site instead'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    DELETE FROM quality.casemix c  -- the cascade's job; a full run makes sure
    WHERE p_keys IS NULL
      AND NOT EXISTS (SELECT 1 FROM quality.enrolment q WHERE q.enrolment_key = c.enrolment_key);
    GET DIAGNOSTICS deleted = ROW_COUNT;
    INSERT INTO quality.casemix (enrolment_key, pain_months_band)
    SELECT q.enrolment_key,
           CASE WHEN e.pain_since IS NULL OR e.pain_since > e.start_date THEN 'unknown'
                WHEN m.months < 3 THEN '<3'
                WHEN m.months < 6 THEN '3-5'
                WHEN m.months < 12 THEN '6-11'
                WHEN m.months < 24 THEN '12-23'
                ELSE '24+'
           END
    FROM quality.enrolment q
    JOIN clinical.site s ON s.code = q.site_code
    JOIN clinical.enrolment e ON e.site_id = s.site_id AND e.enrolment_id = q.local_enrolment_id
    CROSS JOIN LATERAL (
        SELECT (extract(year FROM age(e.start_date, e.pain_since)) * 12
                + extract(month FROM age(e.start_date, e.pain_since)))::integer AS months
    ) m
    WHERE p_keys IS NULL OR q.local_enrolment_id = ANY (p_keys)
    ON CONFLICT (enrolment_key) DO UPDATE SET pain_months_band = EXCLUDED.pain_months_band
        WHERE quality.casemix.pain_months_band IS DISTINCT FROM EXCLUDED.pain_months_band;
    GET DIAGNOSTICS upserted = ROW_COUNT;
END
$$;
ALTER FUNCTION quality.refresh_casemix(bigint[]) OWNER TO ruglab_admin;
REVOKE ALL ON FUNCTION quality.refresh_casemix(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION quality.refresh_casemix(bigint[]) TO ruglab_quality;

-- A registry answers across sites with the same model: the table goes
-- with the other two by logical replication (a registry, which has
-- dropped its own publication, has none to change). Existing
-- subscriptions see it after ALTER SUBSCRIPTION ... REFRESH PUBLICATION,
-- and the site's replication user needs SELECT on it.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'ruglab_quality') THEN
        ALTER PUBLICATION ruglab_quality ADD TABLE quality.casemix;
    END IF;
END
$$;
