-- 610: the pre-aggregated quality tables the summaries read (issue 15,
-- "fast by design").
--
-- A summary needs per group and measure n, the mean, SD and 95 % CI of
-- the change, the exact median, the share reaching the important change,
-- and per group the enrolled, completed and dropped-out counts; a box plot
-- needs every change of its group. Means, SDs and counts add up across
-- groups; a median does not: an exact median needs the group's
-- distribution. Which form, and why:
--
--   * One row per partition of the enrolments by site x ISO year of the
--     start week x programme x route (quality.agg_enrolment) and per
--     partition and measure (quality.agg_outcome), holding the counts and
--     sums AND the partition's distribution: every change, sorted, packed
--     as big-endian float8 (bytea `changes`), with per change the
--     enrolment it belongs to (`who`, big-endian int4: the 1-based place
--     in the partition's arrays of quality.agg_enrolment) and its
--     important-change flag (`flags`, one byte each: 0 no, 1 yes, 2
--     unknown).
--   * Groupings that are unions of partitions (site, year, programme,
--     route and their combinations) read the counts and the sorted
--     changes only; the others (cohort, indication, sex, age band) also
--     read `who` and the partition's per-enrolment arrays (cohort,
--     indication, sex, age band, completed, dropped out). ruglab-outcomes
--     merges the sorted runs of a group (linear in its values) and
--     computes every statistic from the same doubles as before, so the
--     results equal the raw path's to the last digit.
--   * Why packed bytea and not float8[]: PostgreSQL sends an array element
--     by element (a length and a call per element); sending the 1.68 M
--     changes of 100,000 enrolments took 137 ms as float8[] and 58 ms as
--     one bytea per row (make bench's population). Why partitions and not
--     the finest groups: the finest groups (all eight dimensions) hold 1.7
--     enrolments each, so a row per group is as many rows as outcomes;
--     the partitions hold about 90 (100,000 enrolments: 1,100 partitions,
--     18,500 rows of agg_outcome). Why not a precomputed median per
--     grouping: the large groups (sex, year, indication) are touched by
--     nearly every refresh, and recomputing their medians costs a sort of
--     every outcome (10 s for the eight groupings), against a refresh
--     target of 1 s.
--
-- quality.refresh_agg(p_keys) is a step of `ruglab-outcomes refresh`
-- after quality.refresh() (same transaction): it recomputes the
-- partitions that held or hold the enrolments of p_keys (NULL: all),
-- upserting only rows that changed and deleting partitions that emptied
-- (never TRUNCATE: the rows replicate to the registry, which also holds
-- other sites' partitions). A registry receives the rows with the others
-- by logical replication and never computes them.

CREATE TABLE quality.agg_enrolment (
    site_code      text    NOT NULL,
    year           integer NOT NULL,
    programme_code text    NOT NULL,
    route          text    NOT NULL,
    enrolled       integer NOT NULL,
    completed      integer NOT NULL,
    dropped_out    integer NOT NULL,
    local_ids      bigint[]  NOT NULL,
    cohort_code    text[]    NOT NULL,
    indication     text[]    NOT NULL,
    sex            text[]    NOT NULL,
    age_band       text[]    NOT NULL,
    is_completed   boolean[] NOT NULL,
    is_dropped_out boolean[] NOT NULL,
    PRIMARY KEY (site_code, year, programme_code, route)
);
ALTER TABLE quality.agg_enrolment OWNER TO ruglab_admin;
COMMENT ON TABLE quality.agg_enrolment IS
    'The enrolments of quality.enrolment in partitions of site x ISO year of the start week x programme x route: counts, and per enrolment (ordered by local_enrolment_id) the other grouping columns (refreshed by quality.refresh_agg; replicated)';
COMMENT ON COLUMN quality.agg_enrolment.local_ids IS 'quality.enrolment.local_enrolment_id of the partition''s enrolments, ascending: the order of every array of the row';

CREATE TABLE quality.agg_outcome (
    site_code      text    NOT NULL,
    year           integer NOT NULL,
    programme_code text    NOT NULL,
    route          text    NOT NULL,
    measure        text    NOT NULL,
    n              integer NOT NULL,
    sum_change     numeric NOT NULL,
    sum_squares    numeric NOT NULL,
    flagged        integer NOT NULL,
    important      integer NOT NULL,
    changes        bytea   NOT NULL,
    who            bytea   NOT NULL,
    flags          bytea   NOT NULL,
    PRIMARY KEY (site_code, year, programme_code, route, measure),
    CHECK (length(changes) = 8 * n AND length(who) = 4 * n AND length(flags) = n)
);
ALTER TABLE quality.agg_outcome OWNER TO ruglab_admin;
-- read whole at every summary: not compressed (decompressing cost more
-- than the bytes it saved)
ALTER TABLE quality.agg_outcome ALTER changes SET STORAGE EXTERNAL,
                                ALTER who SET STORAGE EXTERNAL,
                                ALTER flags SET STORAGE EXTERNAL;
COMMENT ON TABLE quality.agg_outcome IS
    'Per partition of quality.agg_enrolment and measure: the changes present (n), their sum and sum of squares, how many have a known and a true important-change flag, and the distribution: changes (n big-endian float8, ascending), who (n big-endian int4: the enrolment''s 1-based place in the partition''s arrays) and flags (n bytes: 0 not important, 1 important, 2 unknown) (refreshed by quality.refresh_agg; replicated)';

GRANT SELECT ON quality.agg_enrolment, quality.agg_outcome TO ruglab_quality;

-- quality.refresh_agg: the partitions to recompute (q_agg_part, each with
-- a number), their enrolments numbered (q_agg_e), their new rows
-- (q_agg_enrolment, q_agg_outcome), then the upsert. The rows of a
-- partition and measure are aggregated from one sort by (partition,
-- measure, change, place): the three string_aggs read the same rows in the
-- same order (PostgreSQL feeds every aggregate of a group each input row
-- in turn), so `changes`, `who` and `flags` stay aligned; the order itself
-- comes from the sorted subquery (no parallel workers here), and a reader
-- that found a row unsorted would still sort it (ruglab-outcomes does,
-- rl_measures_sort). Grouping on a partition number and the measure in
-- the "C" collation instead of four texts in the database's collation,
-- one sort instead of one per aggregate and per group, and an index scan
-- of quality.outcome for the few enrolments of an incremental run (the
-- temporary tables are analysed; random_page_cost as for data in memory)
-- took 100 changed enrolments from 1.3-1.5 s to the figure in the README.
CREATE FUNCTION quality.refresh_agg(p_keys bigint[])
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET work_mem = '256MB'
    SET random_page_cost = 1.1
    SET max_parallel_workers_per_gather = 0
AS $$
DECLARE
    n_del bigint;
    n_ins bigint;
    n_del_o bigint;
    n_ins_o bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM quality.node WHERE is_registry) THEN
        RAISE EXCEPTION 'this database is a quality registry: its tables are replicated from the sites'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;

    -- the partitions to recompute: those holding the keys now, and those
    -- that held them (a key that moved or was deleted)
    CREATE TEMP TABLE q_agg_part ON COMMIT DROP AS
    SELECT (row_number() OVER ())::integer AS part, x.*
    FROM (SELECT e.site_code, extract(isoyear FROM e.start_week)::integer AS year,
                 e.programme_code, e.route
          FROM quality.enrolment e
          WHERE p_keys IS NULL
          UNION
          SELECT e.site_code, extract(isoyear FROM e.start_week)::integer, e.programme_code, e.route
          FROM quality.enrolment e JOIN unnest(p_keys) k(id) ON k.id = e.local_enrolment_id
          UNION
          SELECT a.site_code, a.year, a.programme_code, a.route
          FROM quality.agg_enrolment a
          WHERE p_keys IS NULL
          UNION
          SELECT a.site_code, a.year, a.programme_code, a.route
          FROM quality.agg_enrolment a CROSS JOIN LATERAL unnest(a.local_ids) l(id)
          JOIN unnest(p_keys) k(id) ON k.id = l.id) x;
    ANALYZE q_agg_part;

    -- the enrolments of those partitions, numbered in each
    CREATE TEMP TABLE q_agg_e ON COMMIT DROP AS
    SELECT p.part, e.enrolment_key, e.local_enrolment_id, e.cohort_code, e.indication, e.sex,
           e.age_band, e.completed, e.dropped_out,
           row_number() OVER (PARTITION BY p.part ORDER BY e.local_enrolment_id)::integer AS place
    FROM quality.enrolment e
    JOIN q_agg_part p ON p.site_code = e.site_code AND p.programme_code = e.programme_code
                     AND p.route = e.route AND p.year = extract(isoyear FROM e.start_week)::integer;
    ANALYZE q_agg_e;

    CREATE TEMP TABLE q_agg_enrolment ON COMMIT DROP AS
    SELECT p.site_code, p.year, p.programme_code, p.route, x.enrolled, x.completed, x.dropped_out,
           x.local_ids, x.cohort_code, x.indication, x.sex, x.age_band, x.is_completed,
           x.is_dropped_out
    FROM (SELECT part, count(*)::integer AS enrolled,
                 (count(*) FILTER (WHERE completed))::integer AS completed,
                 (count(*) FILTER (WHERE dropped_out))::integer AS dropped_out,
                 array_agg(local_enrolment_id ORDER BY place) AS local_ids,
                 array_agg(cohort_code ORDER BY place) AS cohort_code,
                 array_agg(indication ORDER BY place) AS indication,
                 array_agg(sex ORDER BY place) AS sex,
                 array_agg(age_band ORDER BY place) AS age_band,
                 array_agg(completed ORDER BY place) AS is_completed,
                 array_agg(dropped_out ORDER BY place) AS is_dropped_out
          FROM q_agg_e GROUP BY part) x
    JOIN q_agg_part p USING (part);

    CREATE TEMP TABLE q_agg_outcome ON COMMIT DROP AS
    SELECT p.site_code, p.year, p.programme_code, p.route, x.measure, x.n, x.sum_change,
           x.sum_squares, x.flagged, x.important, x.changes, x.who, x.flags
    FROM (SELECT part, measure, count(*)::integer AS n, sum(change) AS sum_change,
                 sum(change * change) AS sum_squares, count(important)::integer AS flagged,
                 (count(*) FILTER (WHERE important))::integer AS important,
                 string_agg(float8send(change::float8), ''::bytea) AS changes,
                 string_agg(int4send(place), ''::bytea) AS who,
                 string_agg(CASE important WHEN false THEN '\x00'::bytea WHEN true THEN '\x01'::bytea
                                           ELSE '\x02'::bytea END, ''::bytea) AS flags
          FROM (SELECT e.part, o.measure COLLATE "C" AS measure, o.change, o.important, e.place
                FROM q_agg_e e JOIN quality.outcome o ON o.enrolment_key = e.enrolment_key
                WHERE o.change IS NOT NULL
                ORDER BY e.part, o.measure COLLATE "C", o.change, e.place) sorted
          GROUP BY part, measure) x
    JOIN q_agg_part p USING (part);

    -- rows of the recomputed partitions that are gone, then the new and
    -- changed ones (unchanged rows are not written: nothing to replicate)
    DELETE FROM quality.agg_outcome a USING q_agg_part p
    WHERE (a.site_code, a.year, a.programme_code, a.route) = (p.site_code, p.year, p.programme_code, p.route)
      AND NOT EXISTS (SELECT 1 FROM q_agg_outcome n
                      WHERE (n.site_code, n.year, n.programme_code, n.route, n.measure)
                          = (a.site_code, a.year, a.programme_code, a.route, a.measure));
    GET DIAGNOSTICS n_del_o = ROW_COUNT;
    DELETE FROM quality.agg_enrolment a USING q_agg_part p
    WHERE (a.site_code, a.year, a.programme_code, a.route) = (p.site_code, p.year, p.programme_code, p.route)
      AND NOT EXISTS (SELECT 1 FROM q_agg_enrolment n
                      WHERE (n.site_code, n.year, n.programme_code, n.route)
                          = (a.site_code, a.year, a.programme_code, a.route));
    GET DIAGNOSTICS n_del = ROW_COUNT;

    INSERT INTO quality.agg_enrolment AS a SELECT * FROM q_agg_enrolment
    ON CONFLICT (site_code, year, programme_code, route) DO UPDATE
        SET (enrolled, completed, dropped_out, local_ids, cohort_code, indication, sex, age_band,
             is_completed, is_dropped_out)
          = (EXCLUDED.enrolled, EXCLUDED.completed, EXCLUDED.dropped_out, EXCLUDED.local_ids,
             EXCLUDED.cohort_code, EXCLUDED.indication, EXCLUDED.sex, EXCLUDED.age_band,
             EXCLUDED.is_completed, EXCLUDED.is_dropped_out)
        WHERE ROW(a.*) IS DISTINCT FROM ROW(EXCLUDED.*);
    GET DIAGNOSTICS n_ins = ROW_COUNT;
    INSERT INTO quality.agg_outcome AS a SELECT * FROM q_agg_outcome
    ON CONFLICT (site_code, year, programme_code, route, measure) DO UPDATE
        SET (n, sum_change, sum_squares, flagged, important, changes, who, flags)
          = (EXCLUDED.n, EXCLUDED.sum_change, EXCLUDED.sum_squares, EXCLUDED.flagged,
             EXCLUDED.important, EXCLUDED.changes, EXCLUDED.who, EXCLUDED.flags)
        WHERE ROW(a.*) IS DISTINCT FROM ROW(EXCLUDED.*);
    GET DIAGNOSTICS n_ins_o = ROW_COUNT;
    RETURN n_del + n_ins + n_del_o + n_ins_o;
END
$$;
ALTER FUNCTION quality.refresh_agg(bigint[]) OWNER TO ruglab_admin;
REVOKE ALL ON FUNCTION quality.refresh_agg(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION quality.refresh_agg(bigint[]) TO ruglab_quality;
COMMENT ON FUNCTION quality.refresh_agg(bigint[]) IS
    'Recomputes the partitions of quality.agg_enrolment and quality.agg_outcome that hold or held the enrolments of p_keys (local_enrolment_id; NULL: all); a step of ruglab-outcomes refresh; refused on a registry';

-- A database migrated with quality rows already there gets its
-- partitions now (a site; a registry receives them from its sites).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM quality.node WHERE is_registry)
       AND EXISTS (SELECT 1 FROM quality.enrolment) THEN
        PERFORM quality.refresh_agg(NULL);
    END IF;
END
$$;

-- replicated to the registry with the other pseudonymised tables (a
-- registry's existing subscriptions take them on ALTER SUBSCRIPTION ...
-- REFRESH PUBLICATION; a registry has dropped its own publication)
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'ruglab_quality') THEN
        ALTER PUBLICATION ruglab_quality ADD TABLE quality.agg_enrolment, quality.agg_outcome;
    END IF;
END
$$;
