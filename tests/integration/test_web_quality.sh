# ruglab-web's quality dashboard (/quality), driven with curl against a
# real cluster on a generated population: the quality user's home is the
# dashboard; every grouping (route too, in words); the numbers on the page
# equal an independent SQL computation
# from quality.outcome and quality.enrolment; cells of fewer than 5
# patients are "<5"; the CSV download holds the page's numbers; other
# roles get 403, no session 303; no page or CSV of the quality role holds
# any identity value of the test population.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

t_pg_start
out=$("$T_ROOT/scripts/gen-population.sh" --seed 7 --sites 3 --enrolments 240 --years 3 2>&1)
t_is "generator exits 0" "$?" 0
out=$("$T_ROOT/scripts/gen-population.sh" --seed 8 --sites 1 --enrolments 4 --years 1 --site-prefix tiny 2>&1)
t_is "a tiny site of 4 enrolments" "$?" 0
out=$(ruglab-outcomes refresh 2>&1)
t_is "ruglab-outcomes refresh exits 0" "$?" 0
site=$(t_psql ruglab_admin "SELECT code FROM clinical.site ORDER BY code LIMIT 1")
t_check "user add quality" w_add_user kwal --role quality
t_check "user add physician" w_add_user dr-q --role physician --site "$site"
t_check "user add secretariat" w_add_user secr-q --role secretariat --site "$site"
t_check "user add admin" w_add_user adm-q --role admin

t_fails_with "the quality role cannot read clinical.enrolment (the pages need none)" 'permission denied' \
  t_psql ruglab_quality "SELECT 1 FROM clinical.enrolment LIMIT 1"
t_fails_with "the quality role cannot read identity.patient" 'permission denied' \
  t_psql ruglab_quality "SELECT 1 FROM identity.patient LIMIT 1"
w_conf
w_start || exit 1

# --- no session, wrong roles
for path in /quality /quality/completeness /quality/runchart "/quality/boxplots?format=csv"; do
  out=$(req anon "$base$path")
  t_is "no session: $path is 303" "$(status_of "$out")" 303
  t_match "no session: $path to /signin" "$(header_of "$out" Location)" "^/signin"
done
for who in dr-q secr-q adm-q; do
  signin "$who" "$who" "$W_PW" >/dev/null
  for path in /quality "/quality?by=cohort&format=csv" /quality/completeness \
    "/quality/completeness?format=csv" /quality/runchart "/quality/runchart?format=csv" \
    /quality/boxplots "/quality/boxplots?format=csv"; do
    out=$(req "$who" "$base$path")
    t_is "$who: $path is 403" "$(status_of "$out")" 403
    t_match "$who: $path shows no number" "$(sed -n '/^\r$/,$p' <<<"$out" | grep -c 'class="num"')" "^0$"
  done
done

# --- the quality user: home, page, CSV
out=$(signin q kwal "$W_PW")
out=$(req q "$base/")
t_is "the quality user's home is the dashboard" "$(header_of "$out" Location)" /quality
page=$(req q "$base/quality?by=site"); rc=$?
t_is "curl /quality exits 0" "$rc" 0
t_is "/quality?by=site is 200" "$(status_of "$page")" 200
t_match "the site grouping is selected" "$page" '<option value="site" selected>'
t_match "the suppression footnote" "$page" 'fewer than 5 patients'
csvout=$(req q "$base/quality?by=site&format=csv"); rc=$?
t_is "curl the CSV exits 0" "$rc" 0
t_is "CSV: 200" "$(status_of "$csvout")" 200
t_match "CSV: text/csv" "$(header_of "$csvout" Content-Type)" "^text/csv"
t_match "CSV: an attachment" "$(header_of "$csvout" Content-Disposition)" "^attachment; filename=\"quality-site.csv\""
sed -n '/^\r$/,$p' <<<"$csvout" | sed 1d >"$T_TMP/site.csv"
printf '%s' "$page" | sed -n '/^\r$/,$p' >"$T_TMP/site.html"

# the CSV equals the CLI's
cli=$(ruglab-outcomes --csv summary --by site); rc=$?
t_is "ruglab-outcomes summary --csv exits 0" "$rc" 0
t_is "the CSV is the CLI's, byte for byte" "$(tr -d '\r' <"$T_TMP/site.csv")" "$(tr -d '\r' <<<"$cli")"

# the page's measure table (site, measure, n, mean, ci low, ci high,
# median, % important) holds exactly the CSV's measure cells, and its
# group table the CSV's group cells
cat >"$T_TMP/cmp.py" <<'PY'
import csv, glob, html, os, re, sys
d = sys.argv[1]
# the page names a measure in words (templates en/measure_CODE.html)
words = {}
for f in glob.glob(sys.argv[2] + '/en/measure_*.html'):
    words[open(f, encoding='utf-8').read().strip()] = os.path.basename(f)[len('measure_'):-len('.html')]
page = open(d + '/site.html', encoding='utf-8').read()
def rows(cls):
    t = re.search(r'<table class="quality ' + cls + r'">(.*?)</table>', page, re.S).group(1)
    body = t.split('<tbody>')[1]
    return [[html.unescape(c) for c in re.findall(r'<td[^>]*>(.*?)</td>', r)]
            for r in re.findall(r'<tr>(.*?)</tr>', body, re.S)]
def fix(v):
    return {'all': 'all', '–': ''}.get(v, v)
groups = [[fix(c) for c in r] for r in rows('groups')]
measures = [[fix(c) for c in r] for r in rows('measures')]
named = all(m[1] in words for m in measures)
measures = [[m[0], words.get(m[1], m[1])] + m[2:] for m in measures]
lines = list(csv.reader(open(d + '/site.csv', encoding='utf-8')))[1:]
want_m = [[l[0]] + l[5:] for l in lines]
want_g = []
for l in lines:
    if l[:5] not in want_g:
        want_g.append(l[:5])
print('measures', 'same' if measures == want_m else 'differ %r %r' % (measures[:3], want_m[:3]))
print('groups', 'same' if groups == want_g else 'differ %r %r' % (groups[:3], want_g[:3]))
print('nrows', len(measures))
print('named', 'in words' if named else 'not all in words')
PY
cmp=$(python3 "$T_TMP/cmp.py" "$T_TMP" "$T_ROOT/deploy/web/templates"); rc=$?
t_is "the page parses" "$rc" 0
t_match "the page's measure table is the CSV's" "$cmp" "measures same"
t_match "the page's group table is the CSV's" "$cmp" "groups same"
t_match "the page names every measure in words (measure_CODE templates), not by its code" "$cmp" "named in words"

# --- the numbers against an independent SQL computation from the quality tables
csvcell() { # SITE MEASURE COLUMN(1-based) of the CSV
  awk -F, -v s="$1" -v m="$2" -v c="$3" '$1 == s && $6 == m { print $c }' "$T_TMP/site.csv" | tr -d '\r'
}
# A shown cell equals SQL's; a cell may be "<5" beside a larger n only by
# secondary suppression (the tiny site's cells would be given back by the
# total), so some shown groups are checked and the total row ("all") always.
sql=$(t_psql ruglab_admin "SELECT coalesce(e.site_code, 'all'), o.measure, count(o.change),
    to_char(round(avg(o.change), 2), 'FM99990.00'),
    to_char(round(100.0 * count(*) FILTER (WHERE o.important) / nullif(count(o.important), 0), 1), 'FM990.0')
  FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key)
  WHERE o.change IS NOT NULL AND o.measure IN ('odi', 'nprs', 'strength_extension')
  GROUP BY GROUPING SETS ((e.site_code, o.measure), (o.measure)) ORDER BY 1, 2"); rc=$?
t_is "the independent SQL exits 0" "$rc" 0
shown=0 secondary=0
while IFS='|' read -r s m n mean pct; do
  [ -n "$s" ] || continue
  if [ "$s" != all ] && [ "$(csvcell "$s" "$m" 7)" = "<5" ]; then
    [ "$n" -ge 5 ] && secondary=$((secondary + 1))
    t_is "$s $m: a suppressed n has all its measure cells <5" "$(csvcell "$s" "$m" 8)|$(csvcell "$s" "$m" 12)" "<5|<5"
    continue
  fi
  shown=$((shown + 1))
  t_is "$s $m: n as SQL counts" "$(csvcell "$s" "$m" 7)" "$n"
  t_is "$s $m: mean change as SQL averages" "$(csvcell "$s" "$m" 8)" "$mean"
  pc=$(csvcell "$s" "$m" 12)
  [ "$pc" = "<5" ] || t_is "$s $m: % reaching the important change as SQL" "$pc" "$pct"
done <<<"$sql"
t_match "numbers checked against SQL in several groups, the total among them" "$shown" "^([6-9]|[1-9][0-9])$"
t_is "the total row was checked" "$(grep -c '^all|' <<<"$sql")" 3
tiny=$(t_psql ruglab_admin "SELECT code FROM clinical.site WHERE code LIKE 'tiny%'")
t_is "the tiny site: enrolled is <5" "$(awk -F, -v s="$tiny" '$1 == s { print $2; exit }' "$T_TMP/site.csv")" "<5"
t_match "the tiny site's row on the page is suppressed" "$(grep -A0 "<td class=\"num\">$tiny</td>" "$T_TMP/site.html")" 'class="num suppressed">&lt;5</td>'

# --- every grouping: 200, its CSV the CLI's
for by in cohort year programme route indication; do
  out=$(req q "$base/quality?by=$by")
  t_is "/quality?by=$by is 200" "$(status_of "$out")" 200
  printf '%s' "$out" >"$T_TMP/page-$by.html"
  out=$(req q "$base/quality?by=$by&format=csv")
  printf '%s' "$out" >"$T_TMP/csv-$by.csv"
  t_is "CSV by $by is the CLI's" "$(sed -n '/^\r$/,$p' <<<"$out" | sed 1d | tr -d '\r')" \
    "$(ruglab-outcomes --csv summary --by "$by" | tr -d '\r')"
done
# by route: the route's words (the enrolment page's), its counts as SQL's
page=$(cat "$T_TMP/page-route.html")
t_match "by route: the route grouping is offered and selected" "$page" '<option value="route" selected>'
t_match "by route: RIZIV in words" "$page" '<td class="num">RIZIV</td>'
t_match "by route: Fedris in words" "$page" '<td class="num">Fedris</td>'
t_is "by route: no route code shown" "$(grep -c '<td class="num">\(riziv\|fedris\)</td>' "$T_TMP/page-route.html")" 0
body_route=$(sed -n '/^\r$/,$p' "$T_TMP/csv-route.csv" | sed 1d | tr -d '\r')
sql=$(t_psql ruglab_quality "SELECT e.route, count(DISTINCT e.enrolment_key), count(DISTINCT e.enrolment_key) FILTER (WHERE e.completed),
    count(DISTINCT e.enrolment_key) FILTER (WHERE e.dropped_out),
    count(o.change) FILTER (WHERE o.measure = 'nprs'), count(o.change) FILTER (WHERE o.measure = 'odi')
  FROM quality.enrolment e LEFT JOIN quality.outcome o USING (enrolment_key) GROUP BY 1 ORDER BY 1"); rc=$?
t_is "by route: the SQL exits 0" "$rc" 0
t_is "by route: two routes in the population" "$(cut -d'|' -f1 <<<"$sql" | tr '\n' ' ')" "fedris riziv "
# every shown count is SQL's (the suppression's "<5" is the CLI's, whose
# CSV this is byte for byte)
compared=0
while IFS='|' read -r r n c d nprs odi; do
  got=$(awk -F, -v r="$r" '$1 == r && !seen++ { printf "%s|%s|%s", $2, $3, $4 }
    $1 == r && $6 == "nprs" { printf "|%s", $7 } $1 == r && $6 == "odi" { printf "|%s", $7 }' <<<"$body_route")
  IFS='|' read -r -a g <<<"$got"
  want=($n $c $d $nprs $odi) bad=""
  for k in 0 1 2 3 4; do
    if [ "${g[$k]}" = "<5" ]; then continue; fi
    [ "${g[$k]}" = "${want[$k]}" ] || bad="$bad ${g[$k]}!=${want[$k]}"
    compared=$((compared + 1))
  done
  t_is "by route $r: enrolled, completed, dropped out, n of nprs and odi as SQL ($n, $c, $d, $nprs, $odi)" "$bad" ""
done <<<"$sql"
t_match "by route: counts compared (enrolled and n of both routes at least)" "$compared" "^([6-9]|10)$"
t_is "by route: each route row of the page's tables names its route in words" \
  "$(grep -c '<tr><td class="num">\(RIZIV\|Fedris\)</td>' "$T_TMP/page-route.html")" \
  "$(awk -F, 'NR > 1 && $1 != "all" { rows++; if (!seen[$1]++) rows++ } END { print rows }' <<<"$body_route")"
out=$(req q "$base/quality?by=x%27%3BDROP%20TABLE%20quality.outcome--")
t_is "an unknown grouping: the default (site), 200" "$(status_of "$out")" 200
t_match "the default grouping is site" "$out" '<option value="site" selected>'
t_is "quality.outcome is still there" "$(t_psql ruglab_admin 'SELECT count(*) > 0 FROM quality.outcome')" t
req q -H 'Cookie: ruglab_lang=nl' "$base/lang/nl" >/dev/null
out=$(req q "$base/quality")
t_match "Dutch: the page in Dutch" "$out" 'Kwaliteit: uitkomsten'
t_match "Dutch: the footnote in Dutch" "$out" 'minder dan 5 patiënten'
printf '%s' "$out" >"$T_TMP/page-nl.html"
req q "$base/me" >"$T_TMP/page-me.html"
printf '%s' "$page" >"$T_TMP/page-site.html"
printf '%s' "$csvout" >"$T_TMP/csv-site.csv"

# --- completeness: per site, against SQL on quality.*
body() { sed -n '/^\r$/,$p' <<<"$1" | sed 1d | tr -d '\r'; }
out=$(req q "$base/quality/completeness")
t_is "/quality/completeness is 200" "$(status_of "$out")" 200
t_match "completeness shows the outcomes by site beside it" "$out" 'Uitkomsten per centrum'
printf '%s' "$out" >"$T_TMP/page-completeness.html"
out=$(req q "$base/quality/completeness?format=csv")
printf '%s' "$out" >"$T_TMP/csv-completeness.csv"
t_match "completeness CSV: text/csv" "$(header_of "$out" Content-Type)" "^text/csv"
t_match "completeness CSV: an attachment" "$(header_of "$out" Content-Disposition)" "^attachment"
body "$out" >"$T_TMP/completeness.csv"
t_is "completeness CSV: the columns" "$(head -1 "$T_TMP/completeness.csv")" \
  "site,enrolled,start_questionnaire_pct,start_test_pct,completed,end_questionnaire_pct,end_test_pct"
# the rule: a share of a whole under 5, or whose part or rest holds 1-4, is "<5"
sql=$(t_psql ruglab_admin "WITH f AS (
    SELECT e.site_code, e.completed,
      EXISTS (SELECT 1 FROM quality.outcome o JOIN quality.measure m USING (measure)
        WHERE o.enrolment_key = e.enrolment_key AND m.kind = 'questionnaire' AND o.start_value IS NOT NULL) AS sq,
      EXISTS (SELECT 1 FROM quality.outcome o JOIN quality.measure m USING (measure)
        WHERE o.enrolment_key = e.enrolment_key AND m.kind <> 'questionnaire' AND o.end_value IS NOT NULL) AS ed
    FROM quality.enrolment e WHERE e.site_code NOT LIKE 'tiny%'),
  c AS (SELECT site_code, count(*) AS n, count(*) FILTER (WHERE sq) AS sq,
      count(*) FILTER (WHERE completed) AS nc, count(*) FILTER (WHERE completed AND ed) AS ed
    FROM f GROUP BY 1)
  SELECT site_code, n,
    CASE WHEN sq BETWEEN 1 AND 4 OR n - sq BETWEEN 1 AND 4 THEN '<5'
         ELSE to_char(round(100.0 * sq / n, 1), 'FM990.0') END,
    CASE WHEN nc < 5 OR ed BETWEEN 1 AND 4 OR nc - ed BETWEEN 1 AND 4 THEN '<5'
         ELSE to_char(round(100.0 * ed / nc, 1), 'FM990.0') END
  FROM c ORDER BY 1")
t_is "completeness SQL exits 0" "$?" 0
while IFS='|' read -r s n sq ed; do
  t_is "completeness $s: enrolled, % start questionnaire, % end device test as SQL" \
    "$(awk -F, -v s="$s" '$1 == s { print $2 "|" $3 "|" $7 }' "$T_TMP/completeness.csv")" "$n|$sq|$ed"
done <<<"$sql"
t_is "completeness of the tiny site: suppressed" \
  "$(awk -F, -v s="$tiny" '$1 == s { print $2 "|" $3 }' "$T_TMP/completeness.csv")" "<5|<5"
# each CSV row is a row of the page's table, cell for cell
rows=$(awk -F, 'NR > 1 { r = "<tr>"; for (i = 1; i <= NF; i++) {
    if ($i == "<5") r = r "<td class=\"num suppressed\">&lt;5</td>";
    else r = r "<td class=\"num\">" ($i == "" ? "–" : $i) "</td>" }
  print r "</tr>" }' "$T_TMP/completeness.csv")
missing=0
while IFS= read -r r; do grep -qF -- "$r" "$T_TMP/page-completeness.html" || missing=$((missing + 1)); done <<<"$rows"
t_is "every completeness CSV row is on the page" "$missing" 0
t_match "completeness rows compared" "$(wc -l <<<"$rows")" "^[4-9]$"

# --- the charts: an inlined SVG; the CSV holds the numbers drawn
for kind in runchart boxplots; do
  out=$(req q "$base/quality/$kind?measure=odi")
  t_is "/quality/$kind is 200" "$(status_of "$out")" 200
  t_match "/quality/$kind: the chart inlined as a data: SVG" "$out" '<img class="chart" src="data:image/svg\+xml;base64,'
  t_match "/quality/$kind: odi selected" "$out" '<option value="odi" selected>'
  printf '%s' "$out" >"$T_TMP/page-$kind.html"
  out=$(req q "$base/quality/$kind?measure=odi&format=csv")
  printf '%s' "$out" >"$T_TMP/csv-$kind.csv"
  t_match "$kind CSV: text/csv" "$(header_of "$out" Content-Type)" "^text/csv"
  t_match "$kind CSV: an attachment" "$(header_of "$out" Content-Disposition)" "^attachment; filename=\"quality-$kind.csv\""
  body "$out" >"$T_TMP/$kind.csv"
  [ "$kind" = boxplots ] || t_is "$kind: the page's table has the CSV's rows" \
    "$(grep -c '^<tr>' "$T_TMP/page-$kind.html")" "$(( $(wc -l <"$T_TMP/$kind.csv") - 1 ))"
done
# the charts speak the page's language (here Dutch): title, axis and keys
# from the templates, the measure by its name, never the CLI's English
svgtext() { # FILE: the text of the page's inlined SVG, one line
  sed -n 's/.*<img class="chart" src="data:image\/svg+xml;base64,\([^"]*\)".*/\1/p' "$1" | base64 -d |
    python3 -c 'import re, sys, html; print(" | ".join(html.unescape(re.sub(r"<[^>]+>", "", t)) for t in re.findall(r"<text[^>]*>(.*?)</text>", sys.stdin.read(), re.S)))'
}
chart_en='Mean|change|cohort|start week|overall|patients|site|observed|expected|disability'
t_match "runchart (nl): the Dutch title with the measure's name" "$(svgtext "$T_TMP/page-runchart.html")" \
  "Gemiddelde verandering van ODI beperking per cohorte \(startweek\)"
t_match "runchart (nl): the Dutch axis and keys" "$(svgtext "$T_TMP/page-runchart.html")" \
  "gemiddelde verandering.*gemiddelde van de cohorte.*algemeen gemiddelde"
t_is "runchart (nl): no English word of the CLI's chart" "$(svgtext "$T_TMP/page-runchart.html" | grep -oE "\b($chart_en)\b" | sort -u | tr '\n' ' ')" ""
t_match "boxplots (nl): the Dutch title" "$(svgtext "$T_TMP/page-boxplots.html")" "Verandering van ODI beperking per centrum"
t_match "boxplots (nl): the Dutch axis" "$(svgtext "$T_TMP/page-boxplots.html")" "verandering \(einde − begin\)"
t_is "boxplots (nl): no English word of the CLI's chart" "$(svgtext "$T_TMP/page-boxplots.html" | grep -oE "\b($chart_en)\b" | sort -u | tr '\n' ' ')" ""
t_match "runchart (nl): the measures named in Dutch in the select" "$(cat "$T_TMP/page-runchart.html")" \
  '<option value="odi" selected>ODI beperking</option>.*<option value="strength_extension">kracht extensie</option>'
req q "$base/lang/en" >/dev/null
req q "$base/quality/runchart?measure=nprs" >"$T_TMP/runchart-en.html"
t_match "runchart (en): the CLI's English title" "$(svgtext "$T_TMP/runchart-en.html")" "Mean change of NPRS pain per cohort \(start week\)"
t_match "runchart (en): the measures named in English in the select" "$(cat "$T_TMP/runchart-en.html")" \
  '<option value="nprs" selected>NPRS pain</option>'
req q "$base/lang/nl" >/dev/null
t_is "runchart CSV: the columns" "$(head -1 "$T_TMP/runchart.csv")" "cohort,start_week,n,mean_change"
# every cohort of 5 or more odi changes is drawn, with SQL's mean and n
sql=$(t_psql ruglab_admin "SELECT e.site_code || '/' || coalesce(e.cohort_code, '-'), count(o.change),
    to_char(round(avg(o.change), 2), 'FM99990.00')
  FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key)
  WHERE o.measure = 'odi' AND o.change IS NOT NULL GROUP BY 1 HAVING count(o.change) >= 5 ORDER BY 1")
t_is "runchart: as many cohorts as SQL finds with 5 or more" "$(( $(wc -l <"$T_TMP/runchart.csv") - 1 ))" "$(wc -l <<<"$sql")"
while IFS='|' read -r c n mean; do
  t_is "runchart $c: n and mean change as SQL" "$(awk -F, -v c="$c" '$1 == c { print $3 "|" $4 }' "$T_TMP/runchart.csv")" "$n|$mean"
done < <(head -3 <<<"$sql")
t_is "boxplots CSV: the columns" "$(head -1 "$T_TMP/boxplots.csv")" "site,change"
sql=$(t_psql ruglab_admin "SELECT e.site_code, count(o.change) FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key)
  WHERE o.measure = 'odi' AND o.change IS NOT NULL GROUP BY 1 HAVING count(o.change) >= 5 ORDER BY 1")
while IFS='|' read -r s n; do
  t_is "boxplots $s: every odi change drawn" "$(awk -F, -v s="$s" '$1 == s' "$T_TMP/boxplots.csv" | wc -l)" "$n"
done <<<"$sql"
t_is "boxplots: the tiny site is not drawn" "$(awk -F, -v s="$tiny" '$1 == s' "$T_TMP/boxplots.csv" | wc -l)" 0

# --- the identity proof: no identity value of the test population on any
# page or CSV of the quality role
t_psql ruglab_admin "COPY (
  SELECT family_name FROM identity.patient UNION SELECT given_name FROM identity.patient
  UNION SELECT insz FROM identity.patient
  UNION SELECT substr(insz,1,2)||'.'||substr(insz,3,2)||'.'||substr(insz,5,2)||'-'||substr(insz,7,3)||'.'||substr(insz,10,2) FROM identity.patient
  UNION SELECT badge_token FROM clinical.subject
  UNION SELECT date_of_birth::text FROM identity.patient
  UNION SELECT to_char(date_of_birth, 'DD/MM/YYYY') FROM identity.patient
  UNION SELECT start_date::text FROM clinical.enrolment
  UNION SELECT end_date::text FROM clinical.enrolment WHERE end_date IS NOT NULL
  UNION SELECT to_char(start_date, 'DD/MM/YYYY') FROM clinical.enrolment
  UNION SELECT to_char(end_date, 'DD/MM/YYYY') FROM clinical.enrolment WHERE end_date IS NOT NULL
) TO STDOUT" >"$T_TMP/identity.txt"
t_is "identity values collected" "$?" 0
t_match "hundreds of identity values" "$(wc -l <"$T_TMP/identity.txt")" "^[0-9]{3,}$"
files=("$T_TMP"/page-*.html "$T_TMP"/csv-*.csv)
t_is "pages and CSVs to search" "${#files[@]}" 20
head -1 "$T_TMP/identity.txt" >"$T_TMP/control.txt"
t_match "the search finds an identity value where there is one" \
  "$(grep -F -w -c -f "$T_TMP/identity.txt" "$T_TMP/control.txt")" "^1$"
hits=$(grep -F -w -o -f "$T_TMP/identity.txt" "${files[@]}" | sort -u)
t_is "no identity value on any quality page or CSV" "$hits" ""

t_done
