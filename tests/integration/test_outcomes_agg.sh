# The pre-aggregated quality tables (migration 610) and the summaries that
# read them: each partition's counts and sums equal the raw quality.outcome
# rows; every grouping of `summary` (each alone, two together, one site)
# gives per group and measure the n, mean and median computed here
# independently from quality.enrolment and quality.outcome; an incremental
# refresh leaves the tables as a full one does (test_outcomes_incremental
# compares the whole tables); the quality role cannot write them.
. "$(dirname "$0")/lib.sh"

t_pg_start

out=$("$T_ROOT/scripts/gen-population.sh" --seed 21 --sites 3 --enrolments 400 --years 2 2>&1); rc=$?
t_is "generator exits 0" "$rc" 0
out=$(ruglab-outcomes refresh 2>&1); rc=$?
t_is "refresh exits 0" "$rc" 0

# the partitions' counts and sums against the raw rows, both ways
diff=$(t_psql ruglab_quality "
  WITH raw AS (
    SELECT e.site_code, extract(isoyear FROM e.start_week)::int AS year, e.programme_code, e.route,
           o.measure, count(*)::int AS n, sum(o.change) AS s, sum(o.change * o.change) AS ss,
           count(o.important)::int AS fl, (count(*) FILTER (WHERE o.important))::int AS imp
    FROM quality.enrolment e JOIN quality.outcome o USING (enrolment_key)
    WHERE o.change IS NOT NULL GROUP BY 1, 2, 3, 4, 5),
  agg AS (SELECT site_code, year, programme_code, route, measure, n, sum_change, sum_squares,
                 flagged, important FROM quality.agg_outcome)
  SELECT count(*) FROM ((SELECT * FROM raw EXCEPT SELECT * FROM agg)
                        UNION ALL (SELECT * FROM agg EXCEPT SELECT * FROM raw)) x"); rc=$?
t_is "agg_outcome: n, sums, flagged and important equal the raw rows (query exits 0)" "$rc" 0
t_is "agg_outcome: no partition differs from the raw rows" "$diff" 0
t_is "agg_outcome: the distribution holds n changes" \
  "$(t_psql ruglab_quality "SELECT count(*) FROM quality.agg_outcome WHERE length(changes) <> 8 * n OR n = 0")" 0
diff=$(t_psql ruglab_quality "
  WITH raw AS (SELECT site_code, extract(isoyear FROM start_week)::int AS year, programme_code, route,
                      count(*)::int, (count(*) FILTER (WHERE completed))::int,
                      (count(*) FILTER (WHERE dropped_out))::int
               FROM quality.enrolment GROUP BY 1, 2, 3, 4),
       agg AS (SELECT site_code, year, programme_code, route, enrolled, completed, dropped_out
               FROM quality.agg_enrolment WHERE cardinality(local_ids) = enrolled)
  SELECT count(*) FROM ((SELECT * FROM raw EXCEPT SELECT * FROM agg)
                        UNION ALL (SELECT * FROM agg EXCEPT SELECT * FROM raw)) x")
t_is "agg_enrolment: the counts of every partition equal quality.enrolment" "$diff" 0
t_fails_with "the quality role cannot write the pre-aggregated tables" 'permission denied' \
  t_psql ruglab_quality "DELETE FROM quality.agg_outcome"

# empty pre-aggregated tables over enrolments that exist (a registry whose
# subscriptions do not take them yet) give an error, never empty figures
t_check "an admin empties the pre-aggregated tables" t_psql ruglab_admin \
  "BEGIN; DELETE FROM quality.agg_outcome; DELETE FROM quality.agg_enrolment; COMMIT"
out=$(ruglab-outcomes summary --by site 2>&1); rc=$?
t_is "summary then exits 3 (the database)" "$rc" 3
t_match "and says what to do" "$out" "quality.agg_enrolment is empty while quality.enrolment is not: run ruglab-outcomes refresh"
out=$(ruglab-outcomes refresh --full 2>&1); rc=$?
t_is "a full refresh exits 0" "$rc" 0
t_is "and fills them again" "$(t_psql ruglab_quality "SELECT count(*) > 0 FROM quality.agg_outcome")" t

# Per grouping: the expected n, mean and median of each group and measure
# from the raw rows (keys joined by '|'), rounded by SQL's round(numeric),
# against the CSV's, digit for digit; a cell shown
# as "<5" (fewer than 5, or hidden so that a total cannot give one back:
# test_outcomes checks where) is not compared.
declare -A expr=(
  [cohort]="e.site_code || '/' || coalesce(e.cohort_code, '-')" [site]="e.site_code"
  [year]="extract(isoyear FROM e.start_week)::int::text" [programme]="e.programme_code"
  [route]="e.route" [indication]="e.indication" [sex]="e.sex" [age-band]="e.age_band")
check() { # label, --by list, optional site
  local by=$1 site=${2:-} keys="" k where="" args=()
  IFS=, read -ra ks <<<"$by"
  for k in "${ks[@]}"; do keys+="${keys:+ || '|' || }(${expr[$k]})"; done
  [ -n "$site" ] && { where="AND e.site_code = '$site'"; args=(--site "$site"); }
  t_psql ruglab_quality "COPY (SELECT $keys, o.measure, count(*), round(avg(o.change), 2),
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY o.change)::numeric, 2)
    FROM quality.enrolment e JOIN quality.outcome o USING (enrolment_key)
    WHERE o.change IS NOT NULL $where GROUP BY 1, 2) TO STDOUT WITH CSV" >"$T_TMP/want.csv"
  t_is "expected values of --by $by${site:+ --site $site} computed" "$?" 0
  out=$(ruglab-outcomes --csv summary --by "$by" "${args[@]}" 2>&1); rc=$?
  t_is "summary --by $by${site:+ --site $site} exits 0" "$rc" 0
  printf '%s\n' "$out" >"$T_TMP/got.csv"
  local nk=${#ks[@]}
  bad=$(awk -F, -v nk="$nk" '
    NR == FNR { want[$1 "," $2] = $0; next }
    FNR == 1 { next }
    { key = $1; for (i = 2; i <= nk; i++) key = key "|" $i
      if ($1 == "all" || $(nk + 5) == "") next
      k = key "," $(nk + 5); n = $(nk + 6)
      if (n == "<5") { hid[k] = 1; next }
      if (!(k in want)) { print "unexpected " k; next }
      split(want[k], w, ",")
      if (n != w[3]) print k " n " n " want " w[3]
      if ($(nk + 7) != w[4]) print k " mean " $(nk + 7) " want " w[4]
      if ($(nk + 10) != w[5]) print k " median " $(nk + 10) " want " w[5]
      seen[k] = 1; compared++ }
    END { for (k in want) if (!(k in seen) && !(k in hid)) print "missing " k
          if (compared < 10) print "only " compared " cells compared" }' "$T_TMP/want.csv" "$T_TMP/got.csv")
  t_is "summary --by $by${site:+ --site $site}: n, mean and median of every group equal the raw rows" "$bad" ""
}
for g in cohort site year programme route indication sex age-band; do check "$g"; done
check site,sex
check age-band,route
site1=$(t_psql ruglab_quality "SELECT min(site_code) FROM quality.enrolment")
check indication "$site1"
check cohort "$site1"

# an enrolment added, then deleted, reaches the summary after an
# incremental refresh each time
count() { ruglab-outcomes --csv summary --by site --measure nprs | awk -F, -v s="$site1" '$1 == s { print $2 }'; }
before=$(count)
new=$(t_psql ruglab_admin "INSERT INTO clinical.enrolment (subject_id, site_id, programme_id, indication, route, start_date, age_at_start)
  SELECT e.subject_id, e.site_id, e.programme_id, e.indication, e.route, current_date - 400, 40
  FROM clinical.enrolment e JOIN clinical.site s USING (site_id) WHERE s.code = '$site1'
    AND NOT EXISTS (SELECT 1 FROM clinical.enrolment x WHERE x.subject_id = e.subject_id AND x.status = 'active')
  ORDER BY e.enrolment_id LIMIT 1 RETURNING enrolment_id"); rc=$?
t_is "an enrolment is added at $site1" "$rc" 0
out=$(ruglab-outcomes refresh 2>&1); rc=$?
t_match "the incremental refresh recomputes it alone" "$out" "; 1 enrolments recomputed \(incremental\)"
t_is "the site's enrolled count went up by one" "$(count)" "$((before + 1))"
t_check "the enrolment is deleted" t_psql ruglab_admin "DELETE FROM clinical.enrolment WHERE enrolment_id = $new"
out=$(ruglab-outcomes refresh 2>&1); rc=$?
t_is "the next refresh exits 0" "$rc" 0
t_is "the site's enrolled count is back" "$(count)" "$before"
check site

# the generator at the bench's national scale names 100 sites and more
# with three digits (two digits gave site 100 the code of site 10, and its
# device tests collided with theirs)
out=$("$T_ROOT/scripts/gen-population.sh" --seed 22 --sites 120 --enrolments 240 --years 1 --site-prefix big 2>&1); rc=$?
t_is "the generator makes 120 sites (exit 0)" "$rc" 0
t_is "120 distinct site codes of three digits" \
  "$(t_psql ruglab_admin "SELECT count(DISTINCT code) FILTER (WHERE code ~ '^big[0-9]{3}$') FROM clinical.site WHERE code LIKE 'big%'")" 120

t_done
