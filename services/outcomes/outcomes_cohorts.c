/* `cohorts`: the cohorts (SITE/CODE) with programme, start week and their
 * enrolment counts, each row published alone. */
#include "outcomes.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    PGresult *res; /* cohort, site, code, programmes, start week, enrolled, completed, dropped */
} s_cohorts_t;

static int
s_parse(void *self, int argc, char **argv)
{
    (void)self;
    return outcomes_args_none("cohorts",
                              "usage: ruglab-outcomes cohorts\n\n"
                              "Lists the groups (SITE/CODE) with programme, start week and "
                              "counts;\ncounts under 5 are shown as \"<5\".\n",
                              argc, argv);
}

static int
s_fetch(void *self, PGconn *conn)
{
    s_cohorts_t *c = self;
    rl_err_t err;
    c->res = rl_db_exec(
        conn, &err, "listing cohorts",
        "SELECT site_code || '/' || cohort_code, site_code, cohort_code, "
        "       string_agg(DISTINCT programme_code, ','), min(start_week)::text, count(*), "
        "       count(*) FILTER (WHERE completed), count(*) FILTER (WHERE dropped_out) "
        "FROM quality.enrolment WHERE cohort_code IS NOT NULL "
        "GROUP BY site_code, cohort_code ORDER BY site_code, min(start_week), cohort_code",
        0, NULL);
    if (!c->res) {
        rl_cli_fail("cohorts: %s", err.msg);
        return RL_EXIT_DB;
    }
    return -1;
}

static int
s_render(void *self, PGconn *conn, rl_cli_format_t format)
{
    (void)conn;
    PGresult *res = ((const s_cohorts_t *)self)->res;
    if (PQntuples(res) == 0) {
        printf("no cohorts in the quality tables (is the site's data refreshed? "
               "ruglab-outcomes refresh)\n");
        return RL_EXIT_OK;
    }
    static const char *const names[] = {"cohort",     "site",     "code",      "programme",
                                        "start_week", "enrolled", "completed", "dropped_out"};
    static const bool numeric[] = {false, false, false, false, false, true, true, true};
    outcomes_table_t *t = outcomes_table_new(8, names, numeric);
    for (int r = 0; r < PQntuples(res); r++) {
        outcomes_counts_t counts;
        outcomes_counts_alone(&counts, atol(PQgetvalue(res, r, 5)), atol(PQgetvalue(res, r, 6)),
                              atol(PQgetvalue(res, r, 7)));
        char b[4][OUTCOMES_NUM];
        const char *cells[8], *count_cells[4];
        for (int c = 0; c < 5; c++)
            cells[c] = PQgetvalue(res, r, c);
        outcomes_counts_cells(&counts, b, count_cells);
        memcpy(cells + 5, count_cells, 3 * sizeof *cells);
        outcomes_table_add(t, cells);
    }
    outcomes_table_print(t, format, stdout);
    outcomes_table_destroy(&t);
    return RL_EXIT_OK;
}

static void
s_clear(void *self)
{
    s_cohorts_t *c = self;
    PQclear(c->res);
    c->res = NULL;
}

int
outcomes_cohorts_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    static const outcomes_command_t steps = {s_parse, s_fetch, s_render, s_clear};
    s_cohorts_t c = {0};
    return outcomes_command_run(&steps, &c, ctx, argc, argv);
}
