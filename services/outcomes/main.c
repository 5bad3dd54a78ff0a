/* ruglab-outcomes: outcomes across cohorts, groups, sites and years for
 * the quality team, from the pseudonymised quality schema only (connects as
 * ruglab_quality). Parses the global options and hands over to a command. */
#include "outcomes.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/mem.h"
#include "ruglab/text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* A command without arguments: -h/--help prints its help; anything else
 * is refused. Returns -1 to go on, or the exit code. */
static int
s_no_args(const char *name, const char *help, int argc, char **argv)
{
    if (argc <= 1)
        return -1;
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(help, stdout);
        return RL_EXIT_OK;
    }
    rl_cli_fail("%s: unexpected argument '%s'", name, argv[1]);
    return RL_EXIT_USAGE;
}

static int
s_refresh(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    int rc =
        s_no_args("refresh",
                  "usage: ruglab-outcomes refresh\n\n"
                  "Recomputes the quality tables (quality.enrolment, quality.outcome) from the\n"
                  "site's clinical data through quality.refresh(), which runs with the rights of\n"
                  "ruglab_admin; only changed rows are written (and replicated). Refused on a\n"
                  "registry database.\n",
                  argc, argv);
    if (rc >= 0)
        return rc;
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    rl_err_t err;
    PGresult *res = rl_db_exec(conn, &err, "refresh",
                               "SELECT enrolments, inserted, updated, deleted, outcomes_changed "
                               "FROM quality.refresh()",
                               0, NULL);
    if (!res) {
        rl_cli_fail("%s", err.msg);
        return strstr(err.msg, "registry") ? RL_EXIT_FAIL : RL_EXIT_DB;
    }
    printf("quality tables refreshed: %s enrolments (%s new, %s changed, %s removed), "
           "%s outcome rows changed\n",
           PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
           PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4));
    PQclear(res);
    return RL_EXIT_OK;
}

/* The cohorts of s_cohorts_main's query, their counts published alone. */
static void
s_cohorts_print(PGresult *res, rl_cli_format_t format)
{
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
}

int
outcomes_cohorts_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    int rc = s_no_args("cohorts",
                       "usage: ruglab-outcomes cohorts\n\n"
                       "Lists the groups (SITE/CODE) with programme, start week and counts;\n"
                       "counts under 5 are shown as \"<5\".\n",
                       argc, argv);
    if (rc >= 0)
        return rc;
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    rl_err_t err;
    PGresult *res = rl_db_exec(
        conn, &err, "listing cohorts",
        "SELECT site_code || '/' || cohort_code, site_code, cohort_code, "
        "       string_agg(DISTINCT programme_code, ','), min(start_week)::text, count(*), "
        "       count(*) FILTER (WHERE completed), count(*) FILTER (WHERE dropped_out) "
        "FROM quality.enrolment WHERE cohort_code IS NOT NULL "
        "GROUP BY site_code, cohort_code ORDER BY site_code, min(start_week), cohort_code",
        0, NULL);
    if (!res) {
        rl_cli_fail("cohorts: %s", err.msg);
        return RL_EXIT_DB;
    }
    if (PQntuples(res) == 0)
        printf("no cohorts in the quality tables (is the site's data refreshed? "
               "ruglab-outcomes refresh)\n");
    else
        s_cohorts_print(res, ctx->format);
    PQclear(res);
    return RL_EXIT_OK;
}

static const rl_cli_command_t s_commands[] = {
    {"refresh", "recompute the quality tables from the site's clinical data", s_refresh},
    {"summary", "outcomes per group: --by cohort|site|year|...", outcomes_summary_main},
    {"cohorts", "list the cohorts", outcomes_cohorts_main},
    {"compare", "two cohorts or two sites side by side", outcomes_compare_main},
    {"chart", "run chart, box plots, funnel plot (gnuplot)", outcomes_chart_main},
};
#define S_NCOMMANDS (sizeof s_commands / sizeof s_commands[0])

static void s_usage(FILE *out);

/* ruglab-outcomes' configuration is the database it finds. */
static const rl_cli_t s_cli = {
    .program = "ruglab-outcomes",
    .role = "ruglab_quality",
    .probe = "SELECT count(*) FROM quality.enrolment",
    .csv = true,
    .json = true,
    .usage = s_usage,
    .commands = s_commands,
    .n_commands = S_NCOMMANDS,
};

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab-outcomes [--db CONNINFO] [--csv|--json] COMMAND [ARGS...]\n\n"
                 "Outcomes across cohorts, groups, sites and years, over the pseudonymised\n"
                 "quality tables only (a site's database or the registry).\n\ncommands:\n");
    rl_cli_print_commands(&s_cli, out, 9);
    fprintf(out,
            "\noptions:\n"
            "  --db CONNINFO  libpq connection string (default: $RUGLAB_DB, then the local\n"
            "                 cluster); connects as ruglab_quality unless it names a user\n"
            "  --csv          CSV output (one row per group and measure)\n"
            "  --json         JSON output\n"
            "  --help, -h     this text; `ruglab-outcomes COMMAND --help` for a command\n"
            "  --check-config connect to the database as ruglab_quality, check the quality\n"
            "                 tables, print \"configuration OK\" or what is wrong\n"
            "  --version      print the version\n"
            "\nCells describing fewer than 5 patients are shown as \"<5\" (see summary --help).\n"
            "exit codes: 0 done, 1 refused (unknown grouping, cohort, measure), 2 usage,\n"
            "3 database error\n");
}

int
main(int argc, char **argv)
{
    return rl_cli_main(&s_cli, argc, argv);
}
