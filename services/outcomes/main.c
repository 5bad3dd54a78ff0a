/* ruglab-outcomes: outcomes across cohorts, groups, sites and years for
 * the quality team, from the pseudonymised quality schema only (connects as
 * ruglab_quality). Parses the global options and hands over to a command. */
#include "outcomes.h"

static const rl_cli_command_t s_commands[] = {
    {"refresh", "recompute the quality tables from the site's clinical data",
     outcomes_refresh_main},
    {"summary", "outcomes per group: --by cohort|site|year|...", outcomes_summary_main},
    {"cohorts", "list the cohorts", outcomes_cohorts_main},
    {"compare", "two cohorts or two sites side by side", outcomes_compare_main},
    {"chart", "run chart, box plots, funnel plot (gnuplot)", outcomes_chart_main},
    {"rtw", "return to work: --by site|route|cohort|year", outcomes_rtw_main},
    {"adjusted", "sites after case-mix adjustment: O, E, O-E, SE, z", outcomes_adjusted_main},
    {"funnel", "the adjusted funnel: sites against 95 % and 99.8 % limits", outcomes_funnel_main},
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
