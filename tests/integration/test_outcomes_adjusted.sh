# ruglab-outcomes adjusted and funnel on a small generated population: the
# printed numbers checked against independent computations here (SQL as
# ruglab_admin / ruglab_quality, arithmetic in Python's standard library):
# per-site n and unadjusted means; the fitted model satisfies the
# least-squares normal equations (linear) and the score equations
# (logistic) on the raw rows, from the printed coefficients; the expected
# values recomputed from the printed coefficients; the funnel limits from
# their formula; the pain-duration bands of migration 602 recomputed from
# the clinical dates; suppression of a site under 5; bad input.
. "$(dirname "$0")/lib.sh"

t_pg_start

out=$("$T_ROOT/scripts/gen-population.sh" --seed 11 --sites 4 --enrolments 400 --years 3 2>&1); rc=$?
t_is "generator exits 0" "$rc" 0
out=$("$T_ROOT/scripts/gen-population.sh" --seed 12 --sites 1 --enrolments 4 --years 1 --site-prefix tiny 2>&1); rc=$?
t_is "a tiny site with 4 enrolments" "$rc" 0
# the generator leaves pain_since empty: give most enrolments one (some
# after the start, some missing) so that every pain band occurs
t_psql ruglab_admin "UPDATE clinical.enrolment SET pain_since = CASE WHEN enrolment_id % 11 = 0 THEN NULL
  WHEN enrolment_id % 13 = 0 THEN start_date + 5 ELSE start_date - (enrolment_id * 37 % 1000)::int END" >/dev/null
out=$(ruglab-outcomes refresh 2>&1); rc=$?
t_is "refresh exits 0" "$rc" 0

# --- migration 602: one casemix row per enrolment, bands from the dates
t_is "one casemix row per quality enrolment" \
  "$(t_psql ruglab_quality 'SELECT (SELECT count(*) FROM quality.casemix) = (SELECT count(*) FROM quality.enrolment)')" "t"
bad=$(t_psql ruglab_admin "SELECT count(*) FROM quality.casemix c
  JOIN clinical.enrolment e ON c.enrolment_key = (SELECT code FROM clinical.site s WHERE s.site_id = e.site_id) || ':' || e.enrolment_id
  CROSS JOIN LATERAL (SELECT CASE WHEN e.pain_since IS NULL OR e.pain_since > e.start_date THEN NULL ELSE
      (date_part('year', e.start_date) - date_part('year', e.pain_since)) * 12
      + date_part('month', e.start_date) - date_part('month', e.pain_since)
      - CASE WHEN date_part('day', e.start_date) < date_part('day', e.pain_since) THEN 1 ELSE 0 END END AS m) x
  WHERE c.pain_months_band <> CASE WHEN x.m IS NULL THEN 'unknown' WHEN x.m < 3 THEN '<3' WHEN x.m < 6 THEN '3-5'
                                   WHEN x.m < 12 THEN '6-11' WHEN x.m < 24 THEN '12-23' ELSE '24+' END")
t_is "pain bands equal whole months from pain_since to the start, counted again" "$bad" "0"
t_is "every pain band occurs" \
  "$(t_psql ruglab_quality 'SELECT count(DISTINCT pain_months_band) FROM quality.casemix')" "6"
t_fails_with "quality role cannot write quality.casemix" 'permission denied' t_psql ruglab_quality "DELETE FROM quality.casemix"
t_check "refresh_casemix of some keys runs" t_psql ruglab_quality \
  "SELECT * FROM quality.refresh_casemix(ARRAY(SELECT local_enrolment_id FROM quality.enrolment LIMIT 3))"

# --- the raw rows as the quality role sees them
t_psql ruglab_quality "COPY (SELECT e.site_code, o.start_value, o.change, o.important, e.age_band, e.sex,
  coalesce(c.pain_months_band, 'unknown') FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key)
  LEFT JOIN quality.casemix c USING (enrolment_key)
  WHERE o.measure = 'odi' AND o.start_value IS NOT NULL AND o.change IS NOT NULL) TO STDOUT WITH CSV" >"$T_TMP/rows.csv"
t_psql ruglab_quality "COPY (SELECT e.site_code, count(*), avg(o.change), avg(o.important::int)
  FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key)
  WHERE o.measure = 'odi' AND o.start_value IS NOT NULL AND o.change IS NOT NULL GROUP BY 1) TO STDOUT WITH CSV" >"$T_TMP/sites.csv"

cat >"$T_TMP/check.py" <<'PY'
import csv, json, math, sys
d, kind = sys.argv[1], sys.argv[2]
out = json.load(open(d + '/out-' + kind + '.json'))
coef = {c['term']: float(c['estimate']) for c in out['coefficients']}
rows = list(csv.reader(open(d + '/rows.csv')))
bands = ['3-5', '6-11', '12-23', '24+', 'unknown']
def xs(r):
    a = r[4]
    age = 16 if a == '<18' else 75 if a == '70+' else sum(map(int, a.split('-'))) / 2
    x = {'intercept': 1, 'baseline': float(r[1]), 'age_mid': age, 'sex_f': r[5] == 'F', 'sex_x': r[5] == 'X'}
    for b, t in zip(bands, ['pain_3_5', 'pain_6_11', 'pain_12_23', 'pain_24plus', 'pain_unknown']):
        x[t] = r[6] == b
    return x
mcid = kind == 'mcid'
fails = []
score = {t: 0.0 for t in coef}
site_e = {}
scale = {t: 0.0 for t in coef}
for r in rows:
    x = xs(r)
    eta = sum(coef[t] * x[t] for t in coef)
    f = 1 / (1 + math.exp(-eta)) if mcid else eta
    y = (r[3] == 't') if mcid else float(r[2])
    for t in coef:
        score[t] += (y - f) * x[t]
        scale[t] += abs(x[t]) * (1 if mcid else abs(y) + 1)
    s = site_e.setdefault(r[0], [0, 0.0])
    s[0] += 1; s[1] += f
# first-order conditions of the fit, relative to the size of the terms
for t in coef:
    if abs(score[t]) > 1e-6 * scale[t] + 1e-6:
        fails.append('score equation of %s: %g' % (t, score[t]))
raw = {r[0]: (int(r[1]), float(r[2]), float(r[3])) for r in csv.reader(open(d + '/sites.csv'))}
shown = {s['site'] for s in out['sites']}
for site, (n, mean, prop) in raw.items():
    if n < 5 and site in shown:
        fails.append('site %s with n %d shown' % (site, n))
    if n >= 5 and site not in shown:
        fails.append('site %s with n %d not shown' % (site, n))
for s in out['sites']:
    n, mean, prop = raw[s['site']]
    obs = prop if mcid else mean
    dec = 4 if mcid else 3
    tol = 0.6 * 10 ** -dec
    if int(s['n']) != n: fails.append('n of %s' % s['site'])
    if abs(float(s['unadjusted']) - obs) > tol: fails.append('unadjusted of %s: %s vs %r' % (s['site'], s['unadjusted'], obs))
    e = site_e[s['site']][1] / site_e[s['site']][0]
    if abs(float(s['expected']) - e) > tol + 1e-6 * abs(e): fails.append('expected of %s: %s vs %r' % (s['site'], s['expected'], e))
    if abs(float(s['o_minus_e']) - (obs - e)) > tol + 1e-6 * abs(e): fails.append('O-E of %s' % s['site'])
    z, se = float(s['z']), float(s['se'])
    if abs(z - (obs - e) / se) > 0.01 + 0.01 * abs(z): fails.append('z of %s: %r vs %r' % (s['site'], z, (obs - e) / se))
    l95, l998 = float(s['limit95']), float(s['limit998'])
    if abs(l998 / l95 - 3.090232306167813 / 1.959963984540054) > 2e-3: fails.append('limit ratio of %s' % s['site'])
    pooled = sum((r[3] == 't') if mcid else float(r[2]) for r in rows) / len(rows)
    adj = pooled * obs / e if mcid else pooled + obs - e
    if abs(float(s['adjusted']) - adj) > tol + 1e-6 * abs(adj): fails.append('adjusted of %s: %s vs %r' % (s['site'], s['adjusted'], adj))
    oe = float(s['o_minus_e'])
    side = 'above' if oe > l95 else 'below' if oe < -l95 else 'inside'
    if s['funnel95'] != side: fails.append('funnel95 of %s' % s['site'])
print('\n'.join(fails) if fails else 'ok')
PY

for ind in change mcid; do
  ruglab-outcomes --json adjusted --measure odi --indicator $ind >"$T_TMP/out-$ind.json" 2>"$T_TMP/err-$ind"; rc=$?
  t_is "adjusted --indicator $ind exits 0" "$rc" 0
  res=$(python3 "$T_TMP/check.py" "$T_TMP" $ind 2>&1)
  t_is "adjusted $ind: n, unadjusted means, expected, O-E, z, limits and the fit's equations recomputed" "$res" "ok"
done

# the linear fit's SE for the mean residual: se = sqrt(s^2 / n), s^2 from the printed residual variance
out=$(ruglab-outcomes adjusted --measure odi --by site); rc=$?
t_is "adjusted table exits 0" "$rc" 0
t_match "table names the model" "$out" "odi, change: linear model on [0-9]+ rows, 5 sites \(4 shown"
t_match "table shows the overdispersion test" "$out" "overdispersion \(Winsorised z\): phi"
s2=$(printf '%s\n' "$out" | sed -n 's/.*residual variance: \([0-9.]*\).*/\1/p')
res=$(python3 - "$T_TMP/out-change.json" "$s2" <<'PY'
import json, math, sys
out, s2 = json.load(open(sys.argv[1])), float(sys.argv[2])
bad = [s['site'] for s in out['sites'] if abs(float(s['se']) - math.sqrt(s2 / int(s['n']))) > 6e-4]
print('ok' if not bad else bad)
PY
)
t_is "SE of each site's mean residual is sqrt(s^2/n)" "$res" "ok"

# --- PostgreSQL's own regression on the residuals: with the printed
# coefficients, the residuals computed in SQL have mean 0 and regr_slope 0
# on the baseline and on the age midpoint (least squares' normal equations,
# by another implementation)
expr=$(python3 - "$T_TMP/out-change.json" <<'PY'
import json, sys
terms = {'intercept': '1', 'baseline': 'o.start_value',
         'age_mid': "CASE e.age_band WHEN '<18' THEN 16 WHEN '70+' THEN 75 ELSE (split_part(e.age_band, '-', 1)::numeric + split_part(e.age_band, '-', 2)::numeric) / 2 END",
         'sex_f': "(e.sex = 'F')::int", 'sex_x': "(e.sex = 'X')::int",
         'pain_3_5': "(c.pain_months_band = '3-5')::int", 'pain_6_11': "(c.pain_months_band = '6-11')::int",
         'pain_12_23': "(c.pain_months_band = '12-23')::int", 'pain_24plus': "(c.pain_months_band = '24+')::int",
         'pain_unknown': "(coalesce(c.pain_months_band, 'unknown') = 'unknown')::int"}
print(' + '.join('(%s)::float8 * %s' % (c['estimate'], terms[c['term']]) for c in json.load(open(sys.argv[1]))['coefficients']))
PY
)
res=$(t_psql ruglab_quality "SELECT abs(avg(r)) < 1e-6, abs(regr_slope(r, b)) < 1e-7, abs(regr_slope(r, a)) < 1e-7
  FROM (SELECT o.change::float8 - ($expr) AS r, o.start_value::float8 AS b,
               CASE e.age_band WHEN '<18' THEN 16 WHEN '70+' THEN 75 ELSE (split_part(e.age_band, '-', 1)::numeric + split_part(e.age_band, '-', 2)::numeric) / 2 END::float8 AS a
        FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key) LEFT JOIN quality.casemix c USING (enrolment_key)
        WHERE o.measure = 'odi' AND o.start_value IS NOT NULL AND o.change IS NOT NULL) x")
t_is "SQL residuals: mean 0, regr_slope 0 on baseline and age" "$res" "t|t|t"

# --- funnel --csv: exactly the table's rows, one per shown site
out=$(ruglab-outcomes funnel --measure odi --indicator change --csv); rc=$?
t_is "funnel --csv exits 0" "$rc" 0
t_match "funnel CSV header" "$(printf '%s\n' "$out" | head -1)" "^site,n,unadjusted,unadjusted_diff,adjusted,observed,expected,o_minus_e,o_over_e,se,z,z_winsorised,limit95,limit998,funnel95,funnel998$"
t_is "funnel CSV has one row per site of 5 or more" "$(printf '%s\n' "$out" | tail -n +2 | wc -l)" "4"
t_match "the tiny site is not in the CSV" "$(printf '%s\n' "$out" | grep -c '^tiny' || true)" "^0$"

# --- chart adjusted: the funnel drawn by gnuplot from the same model
out=$(ruglab-outcomes chart adjusted --measure odi --out "$T_TMP/funnel.svg" 2>&1); rc=$?
t_is "chart adjusted exits 0" "$rc" 0
svg=$(cat "$T_TMP/funnel.svg" 2>/dev/null)
t_match "chart adjusted: an SVG with the title" "$svg" "<svg.*after case-mix adjustment"
t_match "chart adjusted: the 99.8 % limit in the key" "$svg" "99.8 %"
t_is "chart adjusted: every shown site labelled, the tiny one not" \
  "$(printf '%s\n' "$svg" | grep -o 'gen-s0[0-9]' | sort -u | wc -l) $(printf '%s\n' "$svg" | grep -c 'tiny' || true)" "4 0"

# --- bad input
t_fails_with "unknown measure refused" "unknown measure" ruglab-outcomes adjusted --measure nope
ruglab-outcomes adjusted >/dev/null 2>&1; t_is "missing --measure is a usage error" "$?" 2
ruglab-outcomes adjusted --measure odi --indicator foo >/dev/null 2>&1; t_is "unknown indicator exits 1" "$?" 1
ruglab-outcomes adjusted --measure odi --by year >/dev/null 2>&1; t_is "unknown grouping exits 1" "$?" 1
t_fails_with "mcid needs a threshold" "no important-change threshold" ruglab-outcomes adjusted --measure tsk --indicator mcid

t_done
