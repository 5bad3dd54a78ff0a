# The physician's walk in a real browser (tests/browser/walk.mjs): worklist
# → patient → conclusion → preview → sign and release → the released PDF,
# read with pdftotext and checked against the database; screenshots in
# $BUILD/test-output/web-walk/.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
. "$(dirname "$0")/browser_lib.sh"
. "$(dirname "$0")/walk_lib.sh"
. "$(dirname "$0")/report_fixture.sh"

b_ready
t_pg_start

fx_site
eid=$(fx_full Janssens Marie 85073003328 RB-0001)
t_match "a patient with a complete programme" "$eid" '^[0-9]+$'
wk_serve || exit 1

# what the physician types: quotes, markup and SQL that must come out as typed
conclusion="Goede evolutie bij mevrouw O'Brien-test: pijn <3/10> & beperking namen af; '); DROP TABLE clinical.conclusion; --"
advice="Thuisoefeningen 2x per week \"verderzetten\"."
wk_walk web-walk "$eid" Janssens "$conclusion" "$advice"
t_done
