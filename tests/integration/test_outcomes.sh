# The quality tables and ruglab-outcomes on a small generated population:
# the numbers of `summary` equal those computed independently here from the
# raw clinical and measurement rows (SQL as ruglab_admin, statistics in
# Python's standard library, Student t by numerical integration), and
# `summary --by route` the counts SQL finds in the quality tables;
# suppression; the quality role's privileges; bad input.
. "$(dirname "$0")/lib.sh"

t_pg_start

out=$("$T_ROOT/scripts/gen-population.sh" --seed 7 --sites 3 --enrolments 240 --years 3 2>&1); rc=$?
t_is "generator exits 0" "$rc" 0
t_match "generator reports what it made" "$out" "generated 240 enrolments at 3 sites"
out=$("$T_ROOT/scripts/gen-population.sh" --seed 8 --sites 1 --enrolments 4 --years 1 --site-prefix tiny 2>&1)
t_match "a second site with 4 enrolments" "$out" "generated 4 enrolments at 1 sites"

out=$(ruglab-outcomes refresh 2>&1); rc=$?
t_is "refresh as the quality role exits 0" "$rc" 0
t_match "refresh counts every enrolment as new" "$out" "244 enrolments \(244 new, 0 changed, 0 removed\)"
out=$(ruglab-outcomes refresh 2>&1)
t_match "a second refresh changes nothing" "$out" "244 enrolments \(0 new, 0 changed, 0 removed\), 0 outcome rows changed"
t_is "one quality row per enrolment" "$(t_psql ruglab_quality 'SELECT count(*), count(DISTINCT enrolment_key) FROM quality.enrolment')" "244|244"

# --- the quality rows equal the raw rows, by the written rules (README,
# "What the letter says"), implemented again here in Python from the raw
# trials and responses: only data inside the programme's dates; device
# time points from the test occasions (the start must precede the end);
# questionnaires nearest the start and end tests within 14 days, the end
# on a later day than the start.
t_psql ruglab_admin "COPY (SELECT e.enrolment_id, s.code, e.status, e.start_date, e.end_date
  FROM clinical.enrolment e JOIN clinical.site s USING (site_id)) TO STDOUT WITH CSV" >"$T_TMP/raw-enrolments.csv"
t_psql ruglab_admin "COPY (SELECT enrolment_id, device_id, session_id, direction, extract(epoch FROM taken_at),
  clinical.local_date(taken_at), max_torque_nm FROM meas.test_trial) TO STDOUT WITH CSV" >"$T_TMP/raw-trials.csv"
t_psql ruglab_admin "COPY (SELECT response_id, enrolment_id, lower(instrument), extract(epoch FROM taken_at),
  clinical.local_date(taken_at), score FROM meas.questionnaire_response WHERE score IS NOT NULL) TO STDOUT WITH CSV" >"$T_TMP/raw-responses.csv"
cat >"$T_TMP/rules.py" <<'PY'
import csv, datetime, sys
from collections import defaultdict
D = datetime.date.fromisoformat
d = sys.argv[1]
enr = {}
for eid, site, status, start, end in csv.reader(open(d + '/raw-enrolments.csv')):
    enr[eid] = (site, status, D(start), D(end) if end else None)
def inside(eid, day):
    _, _, a, b = enr[eid]
    return day >= a and (b is None or day <= b)
occ = defaultdict(lambda: defaultdict(list))  # eid -> (device, session) -> trials
for eid, dev, ses, direction, at, day, nm in csv.reader(open(d + '/raw-trials.csv')):
    if inside(eid, D(day)):
        occ[eid][(dev, ses)].append((float(at), D(day), direction, float(nm)))
resp = defaultdict(lambda: defaultdict(list))
for rid, eid, inst, at, day, score in csv.reader(open(d + '/raw-responses.csv')):
    if inside(eid, D(day)):
        resp[eid][inst].append((D(day), float(at), int(rid), float(score)))
out = csv.writer(open(d + '/expect-values.csv', 'w'), lineterminator='\n')
change = csv.writer(open(d + '/raw-change.csv', 'w'), lineterminator='\n')
for eid, (site, status, start, end) in enr.items():
    ended = status in ('completed', 'dropped_out')
    o = sorted(occ[eid].items(), key=lambda kv: (min(t[0] for t in kv[1]), kv[0]))
    tp = {}
    for i, (key, trials) in enumerate(o):
        day = min(trials)[1]
        late = ended and end is not None and (end - day).days < (day - start).days
        if i == 0 and not late:
            tp['start'] = (day, trials)
        if i == len(o) - 1 and ended and (len(o) > 1 or late):
            tp['end'] = (day, trials)
    vals = {}
    for t in ('start', 'end'):
        if t in tp:
            best = [nm for _, _, direction, nm in tp[t][1] if direction == 'extension']
            if best:
                vals[('strength_extension', t)] = max(best)
    sa = tp['start'][0] if 'start' in tp else start
    ea = (tp['end'][0] if 'end' in tp else end) if ended else None
    for inst, rs in resp[eid].items():
        cand = [r for r in rs if abs((r[0] - sa).days) <= 14]
        s0 = min(cand, key=lambda r: (abs((r[0] - sa).days), r[1], r[2])) if cand else None
        if s0:
            vals[(inst, 'start')] = s0[3]
        if ea is not None:
            cand = [r for r in rs if abs((r[0] - ea).days) <= 14 and (s0 is None or r[0] > s0[0])]
            if cand:
                vals[(inst, 'end')] = min(cand, key=lambda r: (abs((r[0] - ea).days), -r[1], -r[2]))[3]
    for m in ('nprs', 'odi', 'strength_extension'):
        v0, v1 = vals.get((m, 'start')), vals.get((m, 'end'))
        out.writerow([site + ':' + eid, m, '' if v0 is None else v0, '' if v1 is None else v1])
        if ended and v0 is not None and v1 is not None:
            change.writerow([site, m, v0, v1])
PY
python3 "$T_TMP/rules.py" "$T_TMP"
t_is "the rules computed again from the raw rows" "$?" 0
t_psql ruglab_admin "COPY (SELECT enrolment_key, measure, start_value, end_value FROM quality.outcome
  WHERE measure IN ('nprs', 'odi', 'strength_extension')) TO STDOUT WITH CSV" >"$T_TMP/quality-values.csv"
cmp_values() {  # MEASURE: differences between quality.outcome and the Python rules
  awk -F, -v m="$1" '
    function same(a, b) { return a == b || (a != "" && b != "" && (a - b < 0.005 && b - a < 0.005)) }
    NR == FNR { if ($2 == m && ($3 != "" || $4 != "")) { w0[$1] = $3; w1[$1] = $4; want[$1] = 1 } next }
    $2 == m { g0[$1] = $3; g1[$1] = $4; got[$1] = 1 }
    END { n = 0
          for (k in want) {
            if (!(k in got) || !same(g0[k], w0[k]) || !same(g1[k], w1[k])) {
              print k ": quality " g0[k] " " g1[k] ", rule " w0[k] " " w1[k]; bad++ }
            n++ }
          for (k in got) if (!(k in want)) { print k ": in quality only"; bad++ }
          if (n < 100) print "only " n " enrolments compared" }' "$T_TMP/expect-values.csv" "$T_TMP/quality-values.csv" | head -5
}
t_is "NPRS start and end follow the rule (nearest the start and end tests, inside the dates)" "$(cmp_values nprs)" ""
t_is "ODI start and end follow the rule" "$(cmp_values odi)" ""
t_is "strength start and end are the best trial of the start and end tests" "$(cmp_values strength_extension)" ""
t_is "questionnaire start and end values equal those of clinical.v_questionnaire" \
  "$(t_psql ruglab_admin "
    WITH v AS (SELECT s.code || ':' || q.enrolment_id AS k, lower(q.instrument) AS m,
                      max(q.score) FILTER (WHERE timepoint = 'start') AS s0, max(q.score) FILTER (WHERE timepoint = 'end') AS s1
               FROM clinical.v_questionnaire q JOIN clinical.enrolment e USING (enrolment_id) JOIN clinical.site s USING (site_id)
               WHERE q.score IS NOT NULL GROUP BY 1, 2)
    SELECT count(*) FILTER (WHERE o.start_value IS DISTINCT FROM v.s0 OR o.end_value IS DISTINCT FROM v.s1), count(*) > 500
    FROM v LEFT JOIN quality.outcome o ON o.enrolment_key = v.k AND o.measure = v.m")" "0|t"
t_is "week granularity only: every start_week is a Monday" \
  "$(t_psql ruglab_quality "SELECT count(*) FROM quality.enrolment WHERE extract(isodow FROM start_week) <> 1 OR extract(isodow FROM end_week) <> 1")" 0
t_is "no identity column in the quality schema" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'quality'
     AND column_name ~ '(family_name|given_name|insz|birth|gp_id|riziv|badge|address|phone)'")" 0
t_is "no badge token in the quality rows" \
  "$(t_psql ruglab_admin "SELECT count(*) FROM quality.enrolment q JOIN clinical.subject s ON s.badge_token = q.pseudonym")" 0

# --- summary --by site equals the independent computation
ruglab-outcomes --csv summary --by site --measure nprs,odi,strength_extension >"$T_TMP/summary.csv" 2>"$T_TMP/summary.err"
t_is "summary --csv exits 0" "$?" 0
t_psql ruglab_admin "COPY (
  SELECT s.code, e.status FROM clinical.enrolment e JOIN clinical.site s USING (site_id)) TO STDOUT WITH CSV" >"$T_TMP/raw-enrol.csv"
# the changes per measure of ended programmes: raw-change.csv, from rules.py above
cat >"$T_TMP/expect.py" <<'EOF'
import csv, math, statistics, sys
from collections import defaultdict

def t_cdf(x, df):
    # integral of Student's density from 0 to x (Simpson), plus 1/2
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    f = lambda u: c * (1 + u * u / df) ** (-(df + 1) / 2)
    n = 2000; h = x / n
    s = f(0) + f(x) + sum((4 if k % 2 else 2) * f(k * h) for k in range(1, n))
    return 0.5 + s * h / 3

def t_q975(df):
    lo, hi = 0.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < 0.975: lo = mid
        else: hi = mid
    return (lo + hi) / 2

enrol = defaultdict(lambda: [0, 0, 0])
for site, status in csv.reader(open(sys.argv[1])):
    enrol[site][0] += 1
    enrol[site][1] += status == 'completed'
    enrol[site][2] += status == 'dropped_out'
mic = {'nprs': (2, 30, 'lower'), 'odi': (10, 30, 'lower'), 'strength_extension': (None, 33, 'higher')}
vals = defaultdict(list); imp = defaultdict(int)
for site, m, v0, v1 in csv.reader(open(sys.argv[2])):
    v0, v1 = float(v0), float(v1)
    for key in ((site, m), ('all', m)):
        vals[key].append(v1 - v0)
    pts, pct, better = mic[m]
    gain = v0 - v1 if better == 'lower' else v1 - v0
    ok = gain > 1e-9 and ((pts is not None and gain >= pts - 1e-9) or (v0 > 0 and gain / v0 * 100 >= pct - 1e-9))
    imp[(site, m)] += ok; imp[('all', m)] += ok
sites = sorted(enrol)
tot = [sum(enrol[s][i] for s in sites) for i in range(3)]
for site in sites + ['all']:
    e = enrol[site] if site != 'all' else tot
    print('%s,%d,%d,%d,%.1f' % (site, e[0], e[1], e[2], 100 * e[2] / (e[1] + e[2])))
for (site, m), x in sorted(vals.items()):
    n = len(x); mean = statistics.mean(x)
    h = t_q975(n - 1) * statistics.stdev(x) / math.sqrt(n) if n > 1 else float('nan')
    print('%s,%s,%d,%.4f,%.4f,%.4f,%.4f,%.4f' % (site, m, n, mean, mean - h, mean + h,
          statistics.median(x), 100 * imp[(site, m)] / n))
EOF
python3 "$T_TMP/expect.py" "$T_TMP/raw-enrol.csv" "$T_TMP/raw-change.csv" >"$T_TMP/expect.csv"
t_is "expected values computed" "$?" 0

# compare: group rows exactly; measure rows within rounding of the printed
# 2 decimals. A "<5" is accepted only where the suppression rules put one:
# tiny01 (4 enrolments), and one more cell per column (the next smallest).
bad=$(awk -F, '
  NR == FNR { if (NF == 5) g[$1] = $0; else m[$1 "," $2] = $0; next }
  FNR == 1 || $1 == "tiny01" { next }
  { site = $1; split(g[site], ge, ",")
    if (!(site in g)) { print "unexpected site " site; next }
    if (!gseen[site]++) for (i = 2; i <= 5; i++) {
      if ($i == "<5") { hidden["g" i]++; continue }
      d = $i - ge[i]; if (d < 0) d = -d
      if (d > 0.051) print "group " site " column " i ": got " $i " expected " ge[i]
      compared++
    }
    key = site "," $6
    if (!(key in m)) { print "unexpected measure " key; next }
    split(m[key], e, ",")
    if ($7 == "<5") { hidden[$6]++; next }
    if ($7 != e[3]) print key " n: got " $7 " expected " e[3]
    for (i = 8; i <= 12; i++) {
      want = (i == 12) ? e[8] : e[i - 4]
      if (i == 12 && $i == "<5") { hidden["pct " $6]++; continue }
      d = $i - want; if (d < 0) d = -d
      if ($i == "<5" || d > (i == 12 ? 0.051 : 0.0051)) print key " column " i ": got " $i " expected " want
    }
    compared++; seen[key] = 1 }
  END { for (k in hidden) if (hidden[k] > 1) print "more than one extra hidden cell in " k
        for (k in m) if (!(k in seen) && k !~ /^tiny01,/ && !((substr(k, index(k, ",") + 1)) in hidden)) print "missing " k
        if (compared < 20) print "only " compared " cells compared" }' "$T_TMP/expect.csv" "$T_TMP/summary.csv")
t_is "summary --by site: counts, dropout, n, mean, CI, median, % important equal the raw computation" "$bad" ""
t_match "the total row is published" "$(cat "$T_TMP/summary.csv")" "all,244,[0-9]+,[0-9]+,[0-9.]+,nprs,[0-9]+,-"

# --- summary --by route (riziv, fedris) equals SQL on quality.enrolment and
# quality.outcome: enrolled, completed, dropped out per route and in total,
# and n per route and measure; a "<5" only where SQL counts under 5 or as
# the one secondary cell of its column
ruglab-outcomes --csv summary --by route --measure nprs,odi >"$T_TMP/route.csv"; rc=$?
t_is "summary --by route exits 0" "$rc" 0
t_is "summary --by route: the grouping is the first column" "$(head -1 "$T_TMP/route.csv" | cut -d, -f1-5)" \
  "route,enrolled,completed,dropped_out,dropout_pct"
t_psql ruglab_quality "COPY (
  SELECT coalesce(e.route, 'all'), 'enrolment', count(*), count(*) FILTER (WHERE e.completed),
         count(*) FILTER (WHERE e.dropped_out)
  FROM quality.enrolment e GROUP BY ROLLUP (e.route)
  UNION ALL
  SELECT coalesce(e.route, 'all'), o.measure, count(o.change), 0, 0
  FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key)
  WHERE o.measure IN ('nprs', 'odi') AND o.change IS NOT NULL
  GROUP BY GROUPING SETS ((e.route, o.measure), (o.measure))) TO STDOUT WITH CSV" >"$T_TMP/route-sql.csv"
t_is "the route SQL exits 0" "$?" 0
t_is "both routes are in the population" "$(awk -F, '$2 == "enrolment" && $1 != "all"' "$T_TMP/route-sql.csv" | cut -d, -f1 | sort | tr '\n' ' ')" \
  "fedris riziv "
bad=$(awk -F, '
  function cmp(what, got, want) {
    if (got == "<5") { if (want + 0 >= 5) second[what]++; return }
    if (got != want) print what ": got " got ", SQL " want
    compared++ }
  NR == FNR { if ($2 == "enrolment") e[$1] = $3 "," $4 "," $5; else n[$1 "," $2] = $3; next }
  FNR == 1 { next }
  { if (!($1 in e)) { print "unexpected route " $1; next }
    if (!seen[$1]++) { split(e[$1], w, ",")
      cmp($1 " enrolled", $2, w[1]); cmp($1 " completed", $3, w[2]); cmp($1 " dropped out", $4, w[3]) }
    cmp($1 " " $6 " n", $7, n[$1 "," $6]); rows++ }
  END { for (k in e) if (!(k in seen)) print "route missing: " k
        for (k in second) if (second[k] > 1) print "more than one secondary <5: " k
        if (compared < 10 || rows != 6) print "only " compared " cells in " rows " rows compared" }' \
  "$T_TMP/route-sql.csv" "$T_TMP/route.csv")
t_is "summary --by route: enrolled, completed, dropped out and n per measure equal SQL's" "$bad" ""
t_match "the routes are the enrolments' codes" "$(cut -d, -f1 "$T_TMP/route.csv" | sort -u | tr '\n' ' ')" "^all fedris riziv route $"
out=$(ruglab-outcomes summary --by nowhere 2>&1); rc=$?
t_match "an unknown grouping lists route among the groupings" "$out" "\\(cohort, site, year, programme, route, indication, sex, age-band\\)"
out=$(ruglab-outcomes summary --help); rc=$?
t_is "summary --help exits 0" "$rc" 0
t_match "summary --help lists route" "$out" "GROUPING: cohort, site, year, programme, route, indication"

# --- suppression
t_match "a site with 4 enrolments shows <5 everywhere" "$(grep '^tiny01,' "$T_TMP/summary.csv" | head -1)" '^tiny01,<5,<5,<5,<5,'
t_match "the next smallest site's enrolled count is hidden too (the total would give it back)" \
  "$(grep -c '^gen-s0[123],<5,' "$T_TMP/summary.csv")" '^[1-9]'
ruglab-outcomes --csv summary --by cohort >"$T_TMP/cohort.csv"
bad=$(awk -F, 'FNR > 1 { for (i = 2; i <= 4; i++) if ($i != "<5" && $i + 0 < 5) print "cell " $0
                        if ($7 != "<5" && $7 != "" && $7 + 0 < 5) print "n " $0 }' "$T_TMP/cohort.csv")
t_is "summary --by cohort: no count under 5 is published" "$bad" ""
bad=$(awk -F, 'FNR > 1 && $1 != "all" && !seen[$1]++ { for (i = 2; i <= 4; i++) if ($i == "<5") sup[i]++ }
               $1 == "all" && !tot++ { for (i = 2; i <= 4; i++) if (sup[i] == 1 && $i != "<5") print "column " i " has one hidden cell and a published total" }' "$T_TMP/cohort.csv")
t_is "summary --by cohort: no column with exactly one hidden cell beside a published total" "$bad" ""
t_psql ruglab_admin "COPY (SELECT s.code || '/' || c.code, count(*) FILTER (WHERE e.status NOT IN ('completed', 'dropped_out'))
  FROM clinical.enrolment e JOIN clinical.site s USING (site_id) JOIN clinical.cohort c USING (cohort_id) GROUP BY 1) TO STDOUT WITH CSV" >"$T_TMP/rest.csv"
bad=$(awk -F, 'NR == FNR { rest[$1] = $2; next }
               FNR > 1 && !seen[$1]++ && $2 != "<5" && $3 != "<5" && $4 != "<5" && rest[$1] > 0 && rest[$1] < 5 { print $1 }' "$T_TMP/rest.csv" "$T_TMP/cohort.csv")
t_is "summary --by cohort: enrolled - completed - dropped out never gives a hidden count of 1-4" "$bad" ""

# --- output formats, cohorts, compare
json=$(ruglab-outcomes --json summary --by sex,age-band --measure nprs)
t_is "JSON summary parses and has the total group" "$(jq -r '.groups[-1]["sex"]' <<<"$json")" "all"
t_is "JSON numbers are numbers" "$(jq -r '.groups[-1].enrolled | type' <<<"$json")" "number"
out=$(ruglab-outcomes summary --by year,programme --measure odi)
t_match "aligned table with a header rule" "$out" "year +programme +enrolled"
out=$(ruglab-outcomes cohorts)
t_match "cohorts lists SITE/CODE with the start week" "$out" "gen-s01/g[0-9]{4}w[0-9]{2} +gen-s01 +g"
out=$(ruglab-outcomes compare gen-s01 gen-s02 --measure nprs)
t_match "compare two sites: difference with a Welch CI" "$out" "nprs +[0-9]+ +-[0-9.]+ +[0-9]+ +-[0-9.]+ +-?[0-9.]+ +-?[0-9.]+ +-?[0-9.]+"
json=$(ruglab-outcomes --json compare gen-s01 gen-s02 --measure nprs)
t_is "JSON compare: both sides and the difference" "$(jq -r '[.sides[0].name, .sides[1].name, (.measures[0].difference | type)] | join(" ")' <<<"$json")" "gen-s01 gen-s02 number"
cohort=$(ruglab-outcomes --csv cohorts | awk -F, 'NR == 2 { print $1 }')
out=$(ruglab-outcomes compare "$cohort" gen-s01 2>&1); rc=$?
t_is "compare a cohort with a site is refused (exit 1)" "$rc" 1

# --- charts (gnuplot)
out=$(ruglab-outcomes chart run --measure nprs --out "$T_TMP/run.svg" 2>&1); rc=$?
t_is "run chart exits 0" "$rc" 0
t_match "run chart: an SVG with the title" "$(cat "$T_TMP/run.svg" 2>/dev/null)" "<svg.*Mean change of NPRS pain per cohort"
small=$(t_psql ruglab_quality "SELECT count(*) FROM (SELECT 1 FROM quality.enrolment e LEFT JOIN quality.outcome o
          ON o.enrolment_key = e.enrolment_key AND o.measure = 'nprs'
          GROUP BY e.site_code, e.cohort_code HAVING count(o.change) < 5) x")
t_match "run chart: cohorts with fewer than 5 patients are left out and counted" "$out" "\\($small with fewer than 5 patients not shown\\)"
out=$(ruglab-outcomes chart box --by site --measure odi --out "$T_TMP/box.png" 2>&1); rc=$?
t_is "box plots per site exit 0" "$rc" 0
t_is "box plots: a PNG" "$(head -c 4 "$T_TMP/box.png" | tail -c 3)" "PNG"
t_match "box plots: tiny01 not drawn" "$out" "3 sites \\(1 with fewer than 5"
out=$(ruglab-outcomes chart funnel --measure strength_extension --out "$T_TMP/funnel.pdf" 2>&1); rc=$?
t_is "funnel plot exits 0" "$rc" 0
t_is "funnel plot: a PDF" "$(head -c 4 "$T_TMP/funnel.pdf")" "%PDF"
out=$(ruglab-outcomes chart funnel --out "$T_TMP/funnel.txt" 2>&1); rc=$?
t_is "chart to an unknown file type: usage error" "$rc" 2
out=$(PATH=/nonexistent "$T_BIN/ruglab-outcomes" chart box --out "$T_TMP/x.svg" 2>&1); rc=$?
t_is "chart without gnuplot: exit 1" "$rc" 1
t_match "chart without gnuplot: one line saying so" "$out" "^ruglab-outcomes: chart box: gnuplot not found[^
]*$"
mkdir -p "$T_TMP/fakebin"
printf '#!/bin/sh\necho "line 3: unknown terminal type" >&2\nexit 1\n' >"$T_TMP/fakebin/gnuplot"
chmod +x "$T_TMP/fakebin/gnuplot"
out=$(PATH=$T_TMP/fakebin:$PATH ruglab-outcomes chart run --out "$T_TMP/y.svg" 2>&1); rc=$?
t_is "gnuplot failing: exit 1" "$rc" 1
t_match "gnuplot failing: its error in one line" "$out" "^ruglab-outcomes: chart run: gnuplot failed \\(status 1\\): line 3: unknown terminal type$"

# --- bad input and empty results: one line each
out=$(ruglab-outcomes summary --by cohort,colour 2>&1); rc=$?
t_is "unknown grouping: exit 1" "$rc" 1
t_match "unknown grouping: named" "$out" "^ruglab-outcomes: summary: unknown grouping 'colour'"
t_is "unknown grouping: one line" "$(printf '%s\n' "$out" | wc -l)" 1
out=$(ruglab-outcomes compare no-such-cohort gen-s01 2>&1); rc=$?
t_is "unknown cohort: exit 1" "$rc" 1
t_match "unknown cohort: named, one line" "$out" "^ruglab-outcomes: compare: unknown cohort or site 'no-such-cohort'[^
]*$"
out=$(ruglab-outcomes summary --site nowhere 2>&1); rc=$?
t_is "empty result: exit 0" "$rc" 0
t_match "empty result says so" "$out" "^no enrolments of site 'nowhere'"
out=$(ruglab-outcomes summary --measure bogus 2>&1); rc=$?
t_is "unknown measure: exit 1" "$rc" 1
out=$(ruglab-outcomes --db "host=127.0.0.1 port=1 dbname=ruglab connect_timeout=3" summary 2>&1); rc=$?
t_is "unreachable database: exit 3" "$rc" 3
t_is "unreachable database: one line" "$(printf '%s\n' "$out" | wc -l)" 1

# --- the quality role reads the quality schema and nothing else
for tbl in identity.patient identity.gp clinical.subject clinical.enrolment clinical.site clinical.cohort \
           clinical.session clinical.v_attendance clinical.v_questionnaire meas.test_trial meas.questionnaire_response; do
  t_fails_with "quality role is refused $tbl" 'permission denied' t_psql ruglab_quality "SELECT * FROM $tbl LIMIT 1"
done
t_check "quality role reads quality.v_enrolment_outcome" t_psql ruglab_quality "SELECT nprs_start, strength_extension_change FROM quality.v_enrolment_outcome LIMIT 1"
t_fails_with "quality role cannot write the quality tables" 'permission denied' t_psql ruglab_quality "DELETE FROM quality.enrolment"
t_fails_with "quality role cannot change the thresholds" 'permission denied' t_psql ruglab_quality "UPDATE quality.measure SET srd_pct = 1"

# --- a change at the site reaches the quality tables with the next refresh
t_psql ruglab_admin "UPDATE clinical.enrolment SET status = 'dropped_out', end_date = start_date + 20
                     WHERE enrolment_id = (SELECT min(enrolment_id) FROM clinical.enrolment WHERE status = 'active')" >/dev/null
out=$(ruglab-outcomes refresh)
t_match "refresh after a dropout changes that row only" "$out" "\(0 new, 1 changed, 0 removed\)"

t_done
