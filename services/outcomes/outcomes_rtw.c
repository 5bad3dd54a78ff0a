/* `rtw`: return to work (quality.work_status, deploy/sql/604). Among the
 * enrolments on sick leave or back part-time (working_restricted) at the
 * start whose end status is recorded: n, and how many are back at work
 * (working or working_restricted) at the end, per group and in total, with
 * the small-cell suppression of the other commands. */
#include "outcomes.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/mem.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *by; /* --by: one grouping (NULL: the total only) */
    PGresult *res;  /* key, n, back; ordered by key */
} s_rtw_t;

/* The groupings of rtw, from the groupings' table: route is the
 * enrolment's (riziv, fedris, preventive). */
static const char *
s_expr(const char *by)
{
    if (!strcmp(by, "route") || !strcmp(by, "site") || !strcmp(by, "cohort") || !strcmp(by, "year"))
        return outcomes_group_expr(by);
    return NULL;
}

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab-outcomes rtw [--by site|route|cohort|year]\n\n"
                 "Return to work: among the enrolments on sick leave (sick_leave) or back\n"
                 "part-time (working_restricted) at the start whose work status at the end is\n"
                 "recorded, n and how many are back at work at the end (working or\n"
                 "working_restricted), with their percentage; per group and in total (the last\n"
                 "row, \"all\"). route: riziv (sick-leave benefit through the health insurer) or\n"
                 "fedris (occupational disease) or preventive. The work status comes from\n"
                 "quality.work_status (ruglab-outcomes refresh). Cells describing fewer than 5\n"
                 "patients are shown as \"<5\", and so is a second cell wherever a total would\n"
                 "give a suppressed one back.\n");
}

static int
s_parse(void *self, int argc, char **argv)
{
    s_rtw_t *r = self;
    outcomes_args_t a = {.name = "rtw", .usage = s_usage, .opts = {{"--by", &r->by}}};
    int rc = outcomes_args_parse(&a, argc, argv, 1);
    if (rc >= 0)
        return rc;
    if (r->by && !s_expr(r->by)) {
        rl_cli_fail("rtw: unknown grouping '%s' (site, route, cohort, year)", r->by);
        return RL_EXIT_FAIL;
    }
    return -1;
}

static int
s_fetch(void *self, PGconn *conn)
{
    s_rtw_t *r = self;
    const char *expr = r->by ? s_expr(r->by) : "'all'";
    char *sql = rl_asprintf(
        "SELECT %s AS key, count(*), "
        "       count(*) FILTER (WHERE w.end_status IN ('working', 'working_restricted')) "
        "FROM quality.work_status w JOIN quality.enrolment e USING (enrolment_key) "
        "WHERE w.start_status IN ('sick_leave', 'working_restricted') "
        "  AND w.end_status IS NOT NULL "
        "GROUP BY 1 ORDER BY 1",
        expr);
    rl_err_t err;
    r->res = rl_db_exec(conn, &err, "return to work", sql, 0, NULL);
    free(sql);
    if (!r->res) {
        rl_cli_fail("rtw: %s", err.msg);
        return RL_EXIT_DB;
    }
    return -1;
}

/* One row's published cells. */
typedef struct {
    outcomes_cell_t n, back;
} s_pub_t;

/* Suppression: primary on n, back and not back; then down the columns of
 * n and back against their totals, and a hidden n hides its back (the
 * percentage would give n back), until nothing changes. */
static void
s_suppress(s_pub_t *rows, size_t nrows, s_pub_t *total)
{
    outcomes_cell_t *col = rl_calloc(nrows ? nrows : 1, sizeof *col);
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < nrows; i++)
            col[i] = rows[i].n;
        if (outcomes_suppress_column(col, nrows, &total->n))
            changed = true;
        for (size_t i = 0; i < nrows; i++) {
            rows[i].n = col[i];
            col[i] = rows[i].back;
        }
        if (outcomes_suppress_column(col, nrows, &total->back))
            changed = true;
        for (size_t i = 0; i <= nrows; i++) {
            s_pub_t *p = i < nrows ? &rows[i] : total;
            if (i < nrows)
                p->back = col[i];
            if (p->n.suppressed && !p->back.suppressed) {
                p->back.suppressed = true;
                changed = true;
            }
        }
    }
    free(col);
}

static int
s_render(void *self, PGconn *conn, rl_cli_format_t format)
{
    (void)conn;
    const s_rtw_t *r = self;
    size_t nrows = (size_t)PQntuples(r->res);
    if (nrows == 0) {
        printf("no enrolments on sick leave at the start with a work status at the end in the "
               "quality tables (is the site's data refreshed? ruglab-outcomes refresh)\n");
        return RL_EXIT_OK;
    }
    s_pub_t *rows = rl_calloc(nrows, sizeof *rows), total;
    long tn = 0, tb = 0;
    for (size_t i = 0; i < nrows; i++) {
        long n = atol(PQgetvalue(r->res, (int)i, 1)), b = atol(PQgetvalue(r->res, (int)i, 2));
        rows[i].n = outcomes_cell_primary(n);
        rows[i].back = outcomes_cell_important(b, n);
        tn += n;
        tb += b;
    }
    total.n = outcomes_cell_primary(tn);
    total.back = outcomes_cell_important(tb, tn);
    bool grouped = r->by != NULL;
    if (grouped)
        s_suppress(rows, nrows, &total);
    else if (total.n.suppressed)
        total.back.suppressed = true;
    const char *names[] = {grouped ? r->by : "group", "n", "back_at_work", "back_pct"};
    static const bool numeric[] = {false, true, true, true};
    outcomes_table_t *t = outcomes_table_new(4, names, numeric);
    for (size_t i = 0; i <= (grouped ? nrows : 0); i++) {
        const s_pub_t *p = grouped && i < nrows ? &rows[i] : &total;
        char b[3][OUTCOMES_NUM];
        const char *cells[4] = {grouped && i < nrows ? PQgetvalue(r->res, (int)i, 0) : "all",
                                outcomes_count_text(b[0], p->n), outcomes_count_text(b[1], p->back),
                                p->n.suppressed ? OUTCOMES_SUPPRESSED
                                                : outcomes_pct_text(b[2], p->back, p->n.value)};
        outcomes_table_add(t, cells);
    }
    outcomes_table_print(t, format, stdout);
    if (format == RL_CLI_TABLE)
        printf("\n\"<5\": fewer than 5 patients, or suppressed so that a total cannot give one "
               "back.\n");
    outcomes_table_destroy(&t);
    free(rows);
    return RL_EXIT_OK;
}

static void
s_clear(void *self)
{
    s_rtw_t *r = self;
    PQclear(r->res);
    r->res = NULL;
}

int
outcomes_rtw_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    static const outcomes_command_t steps = {s_parse, s_fetch, s_render, s_clear};
    s_rtw_t r = {0};
    return outcomes_command_run(&steps, &r, ctx, argc, argv);
}
