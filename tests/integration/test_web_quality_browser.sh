# The quality user's dashboard in a real browser (tests/browser/quality.mjs),
# in Dutch, on a generated population: the numbers the browser reads equal
# SQL on quality.*; the CSV files the browser downloads equal the
# service's CSV (curl) and, for the summary, ruglab-outcomes' own --csv.
# Screenshots in $BUILD/test-output/web-quality/.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
. "$(dirname "$0")/browser_lib.sh"

b_ready
t_pg_start
out=$("$T_ROOT/scripts/gen-population.sh" --seed 7 --sites 3 --enrolments 240 --years 3 2>&1)
t_is "generator exits 0" "$?" 0
out=$("$T_ROOT/scripts/gen-population.sh" --seed 8 --sites 1 --enrolments 4 --years 1 --site-prefix tiny 2>&1)
t_is "a tiny site of 4 enrolments" "$?" 0
out=$(ruglab-outcomes refresh 2>&1)
t_is "ruglab-outcomes refresh exits 0" "$?" 0
t_check "user add quality" w_add_user kwal --role quality --display-name "Kwaliteitsteam"
w_conf
w_start || exit 1

sql=$(t_psql ruglab_admin "SELECT count(change), to_char(round(avg(change), 2), 'FM99990.00')
  FROM quality.outcome WHERE measure = 'nprs' AND change IS NOT NULL")
t_is "the SQL exits 0" "$?" 0
IFS='|' read -r nprs_n nprs_mean <<<"$sql"
b_shots web-quality
b_run quality.mjs RL_PASSWORD="$W_PW" RL_QUALITY=kwal RL_NPRS_N="$nprs_n" RL_NPRS_MEAN="$nprs_mean"
t_is "the screenshots of the walk" "$(ls "$B_SHOTS" | grep -c '\.png$')" 6

signin q kwal "$W_PW" >/dev/null
for f in quality-site:"/quality?by=site&format=csv" quality-completeness:"/quality/completeness?format=csv" \
  quality-runchart:"/quality/runchart?format=csv" quality-boxplots:"/quality/boxplots?format=csv" \
  quality-funnel:"/quality/funnel?csv=1"; do
  name=${f%%:*} path=${f#*:}
  want=$(curl -sS -b "$T_TMP/q" "$base$path"); rc=$?
  t_is "curl $path exits 0" "$rc" 0
  t_is "the browser's $name.csv is the service's CSV" "$(cat "$B_SHOTS/$name.csv" 2>&1)" "$want"
done
t_is "the browser's summary CSV is ruglab-outcomes' --csv" "$(tr -d '\r' <"$B_SHOTS/quality-site.csv")" \
  "$(ruglab-outcomes --csv summary --by site | tr -d '\r')"
cli=$(ruglab-outcomes --csv funnel --measure odi --indicator change); rc=$?
t_is "ruglab-outcomes funnel --csv exits 0" "$rc" 0
t_is "the browser's funnel CSV is ruglab-outcomes funnel's" "$(tr -d '\r' <"$B_SHOTS/quality-funnel.csv")" "$cli"
t_is "the funnel's sites on the page are the CLI's" "${B_DATA[funnel-sites]:-}" \
  "$(tail -n +2 <<<"$cli" | cut -d, -f1 | tr '\n' ' ' | sed 's/ $//')"
kill -TERM "$web_pid"; wait "$web_pid"
t_done
