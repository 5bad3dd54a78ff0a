# ruglab-web's /quality/funnel: the case-mix adjusted sites for the quality
# role, on a generated population: the page's and the CSV's numbers equal
# `ruglab-outcomes funnel` (whose numbers test_outcomes_adjusted checks
# independently) and the unadjusted means computed here in SQL; the CSV is
# byte for byte `ruglab-outcomes funnel --csv`; the funnel is drawn (an
# inlined SVG, every site shown labelled, the tiny one not); Dutch and English; a site under 5 not shown; no session
# 303, other roles 403, an unknown measure or indicator 404.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

t_pg_start
out=$("$T_ROOT/scripts/gen-population.sh" --seed 21 --sites 3 --enrolments 300 --years 2 2>&1); rc=$?
t_is "generator exits 0" "$rc" 0
out=$("$T_ROOT/scripts/gen-population.sh" --seed 22 --sites 1 --enrolments 4 --years 1 --site-prefix tiny 2>&1); rc=$?
t_is "a tiny site" "$rc" 0
t_psql ruglab_admin "UPDATE clinical.enrolment SET pain_since = start_date - (enrolment_id * 37 % 1000)::int" >/dev/null
t_check "refresh" ruglab-outcomes refresh
t_check "user add quality" w_add_user kwal --role quality
t_check "user add physician" w_add_user dr-x --role physician --site gen-s01

w_conf
w_start

out=$(req anon "$base/quality/funnel")
t_is "no session: 303" "$(status_of "$out")" 303
t_match "no session: to /signin" "$(header_of "$out" Location)" "/signin"
signin doc dr-x "$W_PW" >/dev/null
t_is "physician: 403" "$(status_of "$(req doc "$base/quality/funnel")")" 403
out=$(signin q kwal "$W_PW"); t_is "quality signs in" "$(status_of "$out")" 303

page=$(req q "$base/quality/funnel?measure=odi&indicator=change")
t_is "page: 200" "$(status_of "$page")" 200
t_match "page: English title" "$page" "Sites after case-mix adjustment"
t_is "page: one row per site of 5 or more" "$(grep -c '<tr class="site">' <<<"$page")" 3
t_is "page: the tiny site not shown" "$(grep -c 'tiny' <<<"$page" || true)" 0

ruglab-outcomes --csv funnel --measure odi --indicator change >"$T_TMP/cli.csv"; rc=$?
t_is "CLI funnel exits 0" "$rc" 0
# the page's cells, in the CSV's column order, from the rows' classes
printf '%s' "$page" >"$T_TMP/page.html"
python3 - "$T_TMP/cli.csv" "$T_TMP/page.html" >"$T_TMP/cmp.txt" <<'PY'
import csv, re, sys, html
page = open(sys.argv[2]).read()
rows = re.findall(r'<tr class="site">(.*?)</tr>', page)
cli = {r['site']: r for r in csv.DictReader(open(sys.argv[1]))}
bad = []
for r in rows:
    cells = dict(re.findall(r'<td class="([a-z0-9_]+)">(.*?)</td>', r))
    c = cli[html.unescape(cells['site'])]
    for k in ('n', 'unadjusted', 'adjusted', 'observed', 'expected', 'o_minus_e', 'se', 'z', 'z_winsorised', 'limit95', 'limit998', 'funnel95', 'funnel998'):
        if cells[k] != c[k]:
            bad.append('%s %s: page %s, CLI %s' % (cells['site'], k, cells[k], c[k]))
print('\n'.join(bad) if bad else 'ok')
PY
t_is "page's cells equal ruglab-outcomes funnel's" "$(cat "$T_TMP/cmp.txt")" "ok"
sql=$(t_psql ruglab_quality "SELECT string_agg(site_code || '=' || round(avg_change, 3), ' ' ORDER BY site_code) FROM (
  SELECT e.site_code, avg(o.change) AS avg_change FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key)
  WHERE o.measure = 'odi' AND o.start_value IS NOT NULL AND o.change IS NOT NULL GROUP BY 1 HAVING count(*) >= 5) x")
shown=$(sed -n 's/.*<td class="site">\([^<]*\)<\/td><td class="n">[^<]*<\/td><td class="unadjusted">\([^<]*\)<.*/\1=\2/p' <<<"$page" | sort | tr '\n' ' ' | sed 's/ $//')
t_is "unadjusted means on the page equal SQL's" "$shown" "$sql"

csvout=$(req q "$base/quality/funnel?measure=odi&indicator=change&csv=1")
t_is "CSV: 200" "$(status_of "$csvout")" 200
t_match "CSV: a download" "$(header_of "$csvout" Content-Disposition)" "attachment; filename=\"quality-funnel.csv\""
t_match "CSV: text/csv" "$(header_of "$csvout" Content-Type)" "text/csv"
body() { sed '1,/^\r$/d' <<<"$1" | tr -d '\r'; }
body=$(body "$csvout")
t_is "CSV: header and one row per shown site" "$(wc -l <<<"$body")" 4
t_is "CSV: byte for byte \`ruglab-outcomes funnel --csv\` (n, observed, expected, O - E, the limits at n: what the chart draws)" \
  "$(tr -d '\r' <<<"$body")" "$(cat "$T_TMP/cli.csv")"
t_is "CSV: the columns of the numbers drawn" "$(head -1 <<<"$body" | tr -d '\r')" \
  "site,n,unadjusted,unadjusted_diff,adjusted,observed,expected,o_minus_e,o_over_e,se,z,z_winsorised,limit95,limit998,funnel95,funnel998"

# the chart: the funnel drawn by gnuplot, inlined as a data: SVG; one
# point per site shown, labelled, between the limits
t_match "page: the funnel inlined as a data: SVG" "$page" '<img class="chart" src="data:image/svg\+xml;base64,'
sed -n 's/.*<img class="chart" src="data:image\/svg+xml;base64,\([^"]*\)".*/\1/p' <<<"$page" | base64 -d >"$T_TMP/funnel.svg"; rc=$?
t_is "the chart decodes" "$rc" 0
t_match "the chart is an SVG" "$(head -c 400 "$T_TMP/funnel.svg")" "<svg"
for s in $(tail -n +2 "$T_TMP/cli.csv" | cut -d, -f1); do
  t_match "the chart labels site $s" "$(cat "$T_TMP/funnel.svg")" ">$s<"
done
t_is "the chart leaves the tiny site out" "$(grep -c 'tiny' "$T_TMP/funnel.svg" || true)" 0
t_match "the chart has the 95 % and 99.8 % limits" "$(cat "$T_TMP/funnel.svg")" "99.8 %"
t_match "the chart's English title names the measure" "$(cat "$T_TMP/funnel.svg")" "Mean change of ODI disability per site after case-mix adjustment"
t_match "page (en): the measure and indicator in words" "$page" \
  '<span class="measure">ODI disability</span>, indicator <span class="indicator">change</span>'
t_match "page (en): a measure select, odi selected" "$page" '<option value="odi" selected>ODI disability</option>'
t_match "page (en): an indicator select, change selected" "$page" '<option value="change" selected>change</option>'

out=$(ruglab-outcomes chart adjusted --measure odi --out "$T_TMP/cli-funnel.svg" 2>&1); rc=$?
t_is "ruglab-outcomes chart adjusted exits 0" "$rc" 0
t_match "the CLI draws the same sites" "$out" "3 sites"
mcid=$(ruglab-outcomes --csv funnel --measure odi --indicator mcid); rc=$?
t_is "CLI funnel --indicator mcid exits 0" "$rc" 0
out=$(req q "$base/quality/funnel?measure=odi&indicator=mcid&csv=1")
t_is "mcid CSV: byte for byte the CLI's" "$(body "$out")" "$mcid"

page=$(req q "$base/quality/funnel?measure=odi&indicator=mcid")
t_is "mcid page: 200" "$(status_of "$page")" 200
t_match "mcid page: its funnel drawn too" "$page" '<img class="chart" src="data:image/svg\+xml;base64,'

req q "$base/lang/nl" >/dev/null
page=$(req q "$base/quality/funnel?measure=odi")
t_match "Dutch page" "$page" "<h1>Centra na correctie voor case-mix</h1>"
t_match "Dutch: the measure and the indicator in Dutch" "$page" \
  '<span class="measure">ODI beperking</span>, indicator <span class="indicator">verandering</span>'
t_match "Dutch: the measures in Dutch in the select" "$page" '<option value="odi" selected>ODI beperking</option>'
sed -n 's/.*<img class="chart" src="data:image\/svg+xml;base64,\([^"]*\)".*/\1/p' <<<"$page" | base64 -d >"$T_TMP/funnel-nl.svg"
svg=$(python3 -c 'import re, sys, html; print(" | ".join(html.unescape(re.sub(r"<[^>]+>", "", t)) for t in re.findall(r"<text[^>]*>(.*?)</text>", open(sys.argv[1]).read(), re.S)))' "$T_TMP/funnel-nl.svg")
t_match "Dutch: the chart's title in Dutch" "$svg" "Gemiddelde verandering van ODI beperking per centrum na correctie voor case-mix \(W − V\)"
t_match "Dutch: the chart's axes in Dutch" "$svg" "patiënten met een begin- en eindwaarde"
t_match "Dutch: the chart's keys in Dutch" "$svg" "99,8 %.*verwacht.*centrum"
t_is "Dutch: no English word of the CLI's chart" \
  "$(grep -oE '\b(Mean|change|site|patients|observed|expected|adjustment|disability)\b' <<<"$svg" | sort -u | tr '\n' ' ')" ""
page=$(req q "$base/quality/funnel?measure=odi&indicator=mcid")
sed -n 's/.*<img class="chart" src="data:image\/svg+xml;base64,\([^"]*\)".*/\1/p' <<<"$page" | base64 -d >"$T_TMP/funnel-mcid.svg"
t_match "Dutch: the mcid chart's title in Dutch" "$(cat "$T_TMP/funnel-mcid.svg")" "Belangrijke verbetering van ODI beperking"
t_match "Dutch: the mcid indicator in Dutch" "$page" '<option value="mcid" selected>belangrijke verbetering \(MCID\)</option>'
page=$(req q "$base/quality/funnel?measure=odi")
t_match "Dutch words for the position" "$page" "<td class=\"funnel95\">(binnen|boven|onder)</td>"
t_is "unknown measure: 404" "$(status_of "$(req q "$base/quality/funnel?measure=nope")")" 404
t_is "unknown indicator: 404" "$(status_of "$(req q "$base/quality/funnel?indicator=x")")" 404
t_is "SQL metacharacters in the measure: 404" "$(status_of "$(req q --get --data-urlencode "measure=odi' OR '1'='1" "$base/quality/funnel")")" 404
t_is "no pseudonym on the page" "$(grep -c "$(t_psql ruglab_quality 'SELECT pseudonym FROM quality.enrolment LIMIT 1')" <<<"$page" || true)" 0

t_done
