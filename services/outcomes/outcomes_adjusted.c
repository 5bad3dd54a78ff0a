/* `adjusted` and `funnel`: sites compared after case-mix adjustment
 * (issue 15). A risk model is fitted on the pooled rows of one measure
 * (services/common/casemix.c, stats.c): least squares for the change, logistic for
 * reaching the important change (MCID), with the baseline score, the age
 * band's midpoint, sex and the pain-duration band (quality.casemix,
 * migration 602) as adjusters. Per site: n, the unadjusted figure and its
 * difference from the pooled one, observed, expected, O-E (O/E for the
 * MCID), the SE of O-E, z, the Winsorised z, and the site against the
 * Spiegelhalter funnel limits (95 %, 99.8 %) at its n, widened by the
 * additive tau^2 when the Winsorised z-scores are overdispersed.
 * Sites with fewer than 5 rows are in the fit but not shown, nor counted
 * in the overdispersion test. */
#include "outcomes.h"

#include "ruglab/exitcode.h"
#include "ruglab/stats.h"

#include <stdlib.h>
#include <string.h>

static void
s_usage(FILE *out, const char *name)
{
    if (strcmp(name, "funnel") == 0)
        fprintf(out,
                "usage: ruglab-outcomes funnel --measure M --indicator change|mcid [--csv]\n\n");
    else
        fprintf(out, "usage: ruglab-outcomes adjusted --measure M [--by site] [--indicator "
                     "change|mcid]\n\n");
    fprintf(out, "Sites compared after case-mix adjustment: a model fitted on all rows of the\n"
                 "measure (least squares for the change, logistic for reaching the important\n"
                 "change) with baseline score, age band midpoint, sex and pain-duration band as\n"
                 "adjusters. Per site: n, the unadjusted figure and its difference from the\n"
                 "pooled one, observed, expected, O-E (and O/E for mcid), the SE of O-E\n"
                 "(change: sqrt(s^2/n), s^2 the model's residual variance; mcid:\n"
                 "sqrt(sum p(1-p))/n), z, the Winsorised z (10 %% each tail), and where the\n"
                 "site lies against the funnel's 95 %% and 99.8 %% limits at its n\n"
                 "(Spiegelhalter 2005), widened by the random-effects tau^2 when the\n"
                 "Winsorised z-scores are overdispersed (chi-square test, 5 %%).\n"
                 "Sites with fewer than 5 rows are fitted but not shown.\n");
}

static void
s_usage_adjusted(FILE *out)
{
    s_usage(out, "adjusted");
}

static void
s_usage_funnel(FILE *out)
{
    s_usage(out, "funnel");
}

static int
s_parse(void *self, int argc, char **argv)
{
    outcomes_adjusted_t *a = self;
    /* --csv may follow the command (as the global --csv) */
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!args)
        return RL_EXIT_FAIL;
    int nargs = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && strcmp(argv[i], "--csv") == 0)
            a->csv = true;
        else
            args[nargs++] = argv[i];
    }
    outcomes_args_t p = {
        .name = a->name,
        .usage = strcmp(a->name, "funnel") == 0 ? s_usage_funnel : s_usage_adjusted,
        .opts = {{"--measure", &a->measure}, {"--by", &a->by}, {"--indicator", &a->indicator}},
    };
    int rc = outcomes_args_parse(&p, nargs, args, 1);
    free(args);
    if (rc != -1)
        return rc;
    if (!a->measure) {
        rl_cli_fail("%s: --measure is needed (see %s --help)", a->name, a->name);
        return RL_EXIT_USAGE;
    }
    if (a->by && strcmp(a->by, "site") != 0) {
        rl_cli_fail("%s: unknown grouping '%s' (site)", a->name, a->by);
        return RL_EXIT_FAIL;
    }
    if (!a->indicator)
        a->indicator = "change";
    if (strcmp(a->indicator, "change") != 0 && strcmp(a->indicator, "mcid") != 0) {
        rl_cli_fail("%s: unknown indicator '%s' (change or mcid)", a->name, a->indicator);
        return RL_EXIT_FAIL;
    }
    return -1;
}

/* "inside", "above" or "below" the limit +-lim. */
static const char *
s_side(double d, double lim)
{
    return d > lim ? "above" : d < -lim ? "below" : "inside";
}

outcomes_table_t *
outcomes_adjusted_table(const outcomes_adjusted_t *a, int *shown)
{
    /* adjusted: the pooled figure moved by O-E (change), or the pooled
     * proportion times O/E (MCID: the indirectly standardised proportion) */
    static const char *const names[] = {"site",     "n",        "unadjusted", "unadjusted_diff",
                                        "adjusted", "observed", "expected",   "o_minus_e",
                                        "o_over_e", "se",       "z",          "z_winsorised",
                                        "limit95",  "limit998", "funnel95",   "funnel998"};
    static const bool numeric[] = {false, true, true, true, true, true, true,  true,
                                   true,  true, true, true, true, true, false, false};
    outcomes_table_t *t = outcomes_table_new(16, names, numeric);
    const double *zw = a->m.zw;
    double tau2 = a->m.tau2, v = a->m.v;
    int dec = a->mcid ? 4 : 3;
    *shown = 0;
    for (int s = 0; s < a->m.k; s++) {
        const rl_stats_group_t *g = &a->m.adj[s];
        if (g->n < OUTCOMES_MIN_CELL)
            continue;
        (*shown)++;
        double l95 = rl_stats_funnel_limit(v, (double)g->n, RL_STATS_Z95, tau2);
        double l998 = rl_stats_funnel_limit(v, (double)g->n, RL_STATS_Z998, tau2);
        char b[14][OUTCOMES_NUM];
        double adjusted = a->mcid ? a->m.pooled * g->o_over_e : a->m.pooled + g->o_minus_e;
        const char *cells[16] = {a->m.site[s],
                                 outcomes_fmt(b[0], OUTCOMES_NUM, (double)g->n, 0),
                                 outcomes_fmt(b[1], OUTCOMES_NUM, g->observed, dec),
                                 outcomes_fmt(b[2], OUTCOMES_NUM, g->observed - a->m.pooled, dec),
                                 outcomes_fmt(b[12], OUTCOMES_NUM, adjusted, dec),
                                 outcomes_fmt(b[3], OUTCOMES_NUM, g->observed, dec),
                                 outcomes_fmt(b[4], OUTCOMES_NUM, g->expected, dec),
                                 outcomes_fmt(b[5], OUTCOMES_NUM, g->o_minus_e, dec),
                                 a->mcid ? outcomes_fmt(b[6], OUTCOMES_NUM, g->o_over_e, 3) : NULL,
                                 outcomes_fmt(b[7], OUTCOMES_NUM, g->se, dec),
                                 outcomes_fmt(b[8], OUTCOMES_NUM, g->z, 3),
                                 outcomes_fmt(b[9], OUTCOMES_NUM, zw[s], 3),
                                 outcomes_fmt(b[10], OUTCOMES_NUM, l95, dec),
                                 outcomes_fmt(b[11], OUTCOMES_NUM, l998, dec),
                                 s_side(g->o_minus_e, l95),
                                 s_side(g->o_minus_e, l998)};
        outcomes_table_add(t, cells);
    }
    return t;
}

static int
s_render(void *self, PGconn *conn, rl_cli_format_t format)
{
    (void)conn;
    outcomes_adjusted_t *a = self;
    if (a->csv)
        format = RL_CLI_CSV;
    int dec = a->mcid ? 4 : 3;
    int shown;
    outcomes_table_t *t = outcomes_adjusted_table(a, &shown);
    static const char *const cnames[] = {"term", "estimate", "se"};
    static const bool cnum[] = {false, true, true};
    outcomes_table_t *coef = outcomes_table_new(3, cnames, cnum);
    for (int j = 0; j < a->m.p; j++) {
        char b[2][OUTCOMES_NUM];
        const char *cells[3] = {rl_casemix_terms[a->m.term[j]],
                                outcomes_fmt(b[0], OUTCOMES_NUM, a->m.fit.beta[j], 10),
                                outcomes_fmt(b[1], OUTCOMES_NUM, a->m.fit.se[j], 10)};
        outcomes_table_add(coef, cells);
    }
    if (format == RL_CLI_CSV) {
        outcomes_table_print(t, format, stdout);
    } else if (format == RL_CLI_JSON) {
        outcomes_table_print_json2("sites", t, "coefficients", coef, stdout);
    } else {
        printf("%s, %s: %s model on %zu rows, %d sites (%d shown; fewer than 5 rows not shown)\n",
               a->measure, a->indicator, a->mcid ? "logistic" : "linear", a->m.n, a->m.k, shown);
        outcomes_table_print(t, format, stdout);
        printf("\n");
        outcomes_table_print(coef, format, stdout);
        char b[6][OUTCOMES_NUM];
        printf("\npooled %s: %s; %s: %s\n", a->mcid ? "proportion" : "mean change",
               outcomes_fmt(b[0], OUTCOMES_NUM, a->m.pooled, dec),
               a->mcid ? "deviance" : "residual variance",
               outcomes_fmt(b[1], OUTCOMES_NUM, a->mcid ? a->m.fit.rss : a->m.fit.sigma2, 6));
        if (a->m.od_ok)
            printf("overdispersion (Winsorised z): phi %s, chi2 %s on %d df, p %s: %s; tau2 %s\n",
                   outcomes_fmt(b[2], OUTCOMES_NUM, a->m.od.phi, 4),
                   outcomes_fmt(b[3], OUTCOMES_NUM, a->m.od.chi2, 3), a->m.od.k - 1,
                   outcomes_fmt(b[4], OUTCOMES_NUM, a->m.od.p_value, 4),
                   a->m.od.overdispersed ? "overdispersed, limits widened" : "none",
                   outcomes_fmt(b[5], OUTCOMES_NUM, a->m.od.tau2, 8));
        else
            printf("overdispersion: not tested (fewer than 2 sites shown)\n");
        printf(
            "age_mid: the age band's midpoint (<18: 16, 70+: 75); pain bands against '<3' months;\n"
            "sex against M. unadjusted_diff: the site's figure minus the pooled one;\n"
            "adjusted: the pooled figure plus O-E (change), the pooled proportion times O/E "
            "(mcid).\n");
    }
    outcomes_table_destroy(&t);
    outcomes_table_destroy(&coef);
    return RL_EXIT_OK;
}

int
outcomes_adjusted_fetch(outcomes_adjusted_t *a, PGconn *conn)
{
    a->mcid = strcmp(a->indicator, "mcid") == 0;
    rl_err_t err = {{0}};
    int rc = rl_casemix_fit(conn, a->measure, a->mcid, OUTCOMES_MIN_CELL, &a->m, &err);
    if (rc != RL_EXIT_OK) {
        rl_cli_fail("%s: %s", a->name, err.msg);
        return rc;
    }
    return -1;
}

static int
s_fetch(void *self, PGconn *conn)
{
    return outcomes_adjusted_fetch(self, conn);
}

void
outcomes_adjusted_clear(outcomes_adjusted_t *a)
{
    rl_casemix_free(&a->m);
}

static void
s_clear(void *self)
{
    outcomes_adjusted_clear(self);
}

static int
s_main(const char *name, rl_cli_ctx_t *ctx, int argc, char **argv)
{
    static const outcomes_command_t steps = {s_parse, s_fetch, s_render, s_clear};
    outcomes_adjusted_t a = {.name = name};
    int rc = outcomes_command_run(&steps, &a, ctx, argc, argv);
    outcomes_adjusted_clear(&a); /* when parse failed before the shell cleared */
    return rc;
}

int
outcomes_adjusted_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return s_main("adjusted", ctx, argc, argv);
}

int
outcomes_funnel_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return s_main("funnel", ctx, argc, argv);
}
