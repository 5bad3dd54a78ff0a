/* `adjusted` and `funnel`: sites compared after case-mix adjustment
 * (issue 15). A risk model is fitted on the pooled rows of one measure
 * (services/common/stats.c): least squares for the change, logistic for
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

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Candidate model terms; a dummy or covariate that is constant over the
 * rows is left out (it cannot be estimated). */
enum {
    T_INTERCEPT,
    T_BASELINE,
    T_AGE,
    T_FEMALE,
    T_SEX_X,
    T_P3,
    T_P6,
    T_P12,
    T_P24,
    T_PUNKNOWN,
    T_COUNT
};
_Static_assert((int)T_COUNT == (int)OUTCOMES_TERMS,
               "outcomes.h's OUTCOMES_TERMS is the number of terms");
static const char *const s_terms[T_COUNT] = {
    "intercept", "baseline",  "age_mid",    "sex_f",       "sex_x",
    "pain_3_5",  "pain_6_11", "pain_12_23", "pain_24plus", "pain_unknown"};

/* The age band's midpoint in years: '<18' 16, '18-29' 23.5, 'NN-MM' the
 * middle, '70+' 75. */
static double
s_age_mid(const char *band)
{
    if (strcmp(band, "<18") == 0)
        return 16;
    if (strcmp(band, "70+") == 0)
        return 75;
    int lo, hi;
    if (sscanf(band, "%d-%d", &lo, &hi) == 2)
        return (lo + hi) / 2.0;
    return NAN;
}

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

/* Builds the design matrix (constant terms left out), y and the site of
 * each row. */
static int
s_design(outcomes_adjusted_t *a, double **xp, double **yp, int **gp)
{
    PGresult *res = a->res;
    size_t n = a->n;
    double *raw = malloc(n * T_COUNT * sizeof *raw);
    double *y = malloc(n * sizeof *y);
    int *g = malloc(n * sizeof *g);
    a->site = calloc(n + 1, sizeof *a->site);
    if (!raw || !y || !g || !a->site) {
        free(raw);
        free(y);
        free(g);
        return rl_cli_fail("%s: out of memory", a->name), RL_EXIT_FAIL;
    }
    static const char *const bands[] = {"3-5", "6-11", "12-23", "24+", "unknown"};
    a->k = 0;
    for (size_t i = 0; i < n; i++) {
        int r = (int)i;
        const char *site = PQgetvalue(res, r, 0);
        if (a->k == 0 || strcmp(a->site[a->k - 1], site) != 0)
            a->site[a->k++] = strdup(site);
        g[i] = a->k - 1;
        double *row = raw + i * T_COUNT;
        row[T_INTERCEPT] = 1;
        row[T_BASELINE] = atof(PQgetvalue(res, r, 1));
        row[T_AGE] = s_age_mid(PQgetvalue(res, r, 4));
        row[T_FEMALE] = strcmp(PQgetvalue(res, r, 5), "F") == 0;
        row[T_SEX_X] = strcmp(PQgetvalue(res, r, 5), "X") == 0;
        const char *band = PQgetvalue(res, r, 6);
        for (int b = 0; b < 5; b++)
            row[T_P3 + b] = strcmp(band, bands[b]) == 0;
        y[i] = a->mcid ? (strcmp(PQgetvalue(res, r, 3), "t") == 0) : atof(PQgetvalue(res, r, 2));
    }
    a->p = 0;
    for (int t = 0; t < T_COUNT; t++) {
        bool constant = t != T_INTERCEPT;
        for (size_t i = 1; i < n && constant; i++)
            constant = raw[i * T_COUNT + t] == raw[t];
        if (!constant)
            a->term[a->p++] = t;
    }
    double *x = malloc(n * (size_t)a->p * sizeof *x);
    if (!x) {
        free(raw);
        free(y);
        free(g);
        return rl_cli_fail("%s: out of memory", a->name), RL_EXIT_FAIL;
    }
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < a->p; j++)
            x[i * (size_t)a->p + (size_t)j] = raw[i * T_COUNT + a->term[j]];
    free(raw);
    *xp = x;
    *yp = y;
    *gp = g;
    return -1;
}

int
outcomes_adjusted_fetch(outcomes_adjusted_t *a, PGconn *conn)
{
    a->mcid = strcmp(a->indicator, "mcid") == 0;
    rl_err_t err;
    const char *params[1] = {a->measure};
    PGresult *m =
        rl_db_exec(conn, &err, "reading the measure",
                   "SELECT mic_points IS NOT NULL OR mic_pct IS NOT NULL FROM quality.measure "
                   "WHERE measure = $1",
                   1, params);
    if (!m) {
        rl_cli_fail("%s: %s", a->name, err.msg);
        return RL_EXIT_DB;
    }
    bool known = PQntuples(m) == 1, threshold = known && strcmp(PQgetvalue(m, 0, 0), "t") == 0;
    PQclear(m);
    if (!known) {
        rl_cli_fail("%s: unknown measure '%s'", a->name, a->measure);
        return RL_EXIT_FAIL;
    }
    if (a->mcid && !threshold) {
        rl_cli_fail("%s: %s has no important-change threshold (no mcid indicator)", a->name,
                    a->measure);
        return RL_EXIT_FAIL;
    }
    a->res =
        rl_db_exec(conn, &err, "reading the outcomes and their adjusters",
                   "SELECT e.site_code, o.start_value, o.change, o.important, e.age_band, e.sex, "
                   "       coalesce(c.pain_months_band, 'unknown') "
                   "FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key) "
                   "LEFT JOIN quality.casemix c USING (enrolment_key) "
                   "WHERE o.measure = $1 AND o.start_value IS NOT NULL AND o.change IS NOT NULL "
                   "ORDER BY e.site_code",
                   1, params);
    if (!a->res) {
        rl_cli_fail("%s: %s", a->name, err.msg);
        return RL_EXIT_DB;
    }
    a->n = (size_t)PQntuples(a->res);
    if (a->n == 0) {
        rl_cli_fail("%s: no %s changes in the quality tables", a->name, a->measure);
        return RL_EXIT_FAIL;
    }
    double *x, *y;
    int *g;
    int rc = s_design(a, &x, &y, &g);
    if (rc != -1)
        return rc;
    int frc = a->mcid ? rl_stats_logit(x, y, a->n, a->p, &a->fit, &err)
                      : rl_stats_ols(x, y, a->n, a->p, &a->fit, &err);
    double *fitted = malloc(a->n * sizeof *fitted);
    a->adj = calloc((size_t)a->k, sizeof *a->adj);
    if (frc == 0 && fitted && a->adj) {
        rl_stats_predict(x, a->n, &a->fit, a->mcid, fitted);
        frc =
            rl_stats_groups(y, fitted, g, a->n, a->k, a->mcid ? RL_STATS_PROPORTION : RL_STATS_MEAN,
                            a->fit.sigma2, a->adj, &err);
        a->pooled = 0;
        for (size_t i = 0; i < a->n; i++)
            a->pooled += y[i];
        a->pooled /= (double)a->n;
    } else if (frc == 0) {
        frc = rl_err_set(&err, "out of memory");
    }
    if (frc == 0) {
        double *z = malloc((size_t)a->k * sizeof *z), *se = malloc((size_t)a->k * sizeof *se);
        a->zw = calloc((size_t)a->k, sizeof *a->zw);
        if (z && se && a->zw) {
            for (int s = 0; s < a->k; s++) {
                bool shown = a->adj[s].n >= OUTCOMES_MIN_CELL;
                z[s] = shown ? a->adj[s].z : NAN;
                se[s] = a->adj[s].se;
            }
            rl_err_t oerr;
            a->od_ok = rl_stats_overdispersion(z, se, a->k, &a->od, &oerr) == 0;
            rl_stats_winsorise(z, a->k, a->zw);
        } else {
            frc = rl_err_set(&err, "out of memory");
        }
        free(z);
        free(se);
        a->tau2 = a->od_ok ? a->od.tau2 : 0;
        /* the variance of one row under the target: the funnel's curve */
        a->v = a->mcid ? a->pooled * (1 - a->pooled) : a->fit.sigma2;
    }
    free(fitted);
    free(x);
    free(y);
    free(g);
    if (frc != 0) {
        rl_cli_fail("%s: %s", a->name, err.msg);
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

static int
s_render(void *self, PGconn *conn, rl_cli_format_t format)
{
    (void)conn;
    outcomes_adjusted_t *a = self;
    if (a->csv)
        format = RL_CLI_CSV;
    /* adjusted: the pooled figure moved by O-E (change), or the pooled
     * proportion times O/E (MCID: the indirectly standardised proportion) */
    static const char *const names[] = {"site",     "n",        "unadjusted", "unadjusted_diff",
                                        "adjusted", "observed", "expected",   "o_minus_e",
                                        "o_over_e", "se",       "z",          "z_winsorised",
                                        "limit95",  "limit998", "funnel95",   "funnel998"};
    static const bool numeric[] = {false, true, true, true, true, true, true,  true,
                                   true,  true, true, true, true, true, false, false};
    outcomes_table_t *t = outcomes_table_new(16, names, numeric);
    const double *zw = a->zw;
    double tau2 = a->tau2, v = a->v;
    int dec = a->mcid ? 4 : 3;
    int shown = 0;
    for (int s = 0; s < a->k; s++) {
        const rl_stats_group_t *g = &a->adj[s];
        if (g->n < OUTCOMES_MIN_CELL)
            continue;
        shown++;
        double l95 = rl_stats_funnel_limit(v, (double)g->n, RL_STATS_Z95, tau2);
        double l998 = rl_stats_funnel_limit(v, (double)g->n, RL_STATS_Z998, tau2);
        char b[14][OUTCOMES_NUM];
        double adjusted = a->mcid ? a->pooled * g->o_over_e : a->pooled + g->o_minus_e;
        const char *cells[16] = {a->site[s],
                                 outcomes_fmt(b[0], OUTCOMES_NUM, (double)g->n, 0),
                                 outcomes_fmt(b[1], OUTCOMES_NUM, g->observed, dec),
                                 outcomes_fmt(b[2], OUTCOMES_NUM, g->observed - a->pooled, dec),
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
    static const char *const cnames[] = {"term", "estimate", "se"};
    static const bool cnum[] = {false, true, true};
    outcomes_table_t *coef = outcomes_table_new(3, cnames, cnum);
    for (int j = 0; j < a->p; j++) {
        char b[2][OUTCOMES_NUM];
        const char *cells[3] = {s_terms[a->term[j]],
                                outcomes_fmt(b[0], OUTCOMES_NUM, a->fit.beta[j], 10),
                                outcomes_fmt(b[1], OUTCOMES_NUM, a->fit.se[j], 10)};
        outcomes_table_add(coef, cells);
    }
    if (format == RL_CLI_CSV) {
        outcomes_table_print(t, format, stdout);
    } else if (format == RL_CLI_JSON) {
        outcomes_table_print_json2("sites", t, "coefficients", coef, stdout);
    } else {
        printf("%s, %s: %s model on %zu rows, %d sites (%d shown; fewer than 5 rows not shown)\n",
               a->measure, a->indicator, a->mcid ? "logistic" : "linear", a->n, a->k, shown);
        outcomes_table_print(t, format, stdout);
        printf("\n");
        outcomes_table_print(coef, format, stdout);
        char b[6][OUTCOMES_NUM];
        printf("\npooled %s: %s; %s: %s\n", a->mcid ? "proportion" : "mean change",
               outcomes_fmt(b[0], OUTCOMES_NUM, a->pooled, dec),
               a->mcid ? "deviance" : "residual variance",
               outcomes_fmt(b[1], OUTCOMES_NUM, a->mcid ? a->fit.rss : a->fit.sigma2, 6));
        if (a->od_ok)
            printf("overdispersion (Winsorised z): phi %s, chi2 %s on %d df, p %s: %s; tau2 %s\n",
                   outcomes_fmt(b[2], OUTCOMES_NUM, a->od.phi, 4),
                   outcomes_fmt(b[3], OUTCOMES_NUM, a->od.chi2, 3), a->od.k - 1,
                   outcomes_fmt(b[4], OUTCOMES_NUM, a->od.p_value, 4),
                   a->od.overdispersed ? "overdispersed, limits widened" : "none",
                   outcomes_fmt(b[5], OUTCOMES_NUM, a->od.tau2, 8));
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

static int
s_fetch(void *self, PGconn *conn)
{
    return outcomes_adjusted_fetch(self, conn);
}

void
outcomes_adjusted_clear(outcomes_adjusted_t *a)
{
    PQclear(a->res);
    a->res = NULL;
    if (a->site)
        for (int s = 0; s < a->k; s++)
            free(a->site[s]);
    free(a->site);
    a->site = NULL;
    free(a->adj);
    a->adj = NULL;
    free(a->zw);
    a->zw = NULL;
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
    if (a.site) /* parse or fetch failed before the shell cleared */
        s_clear(&a);
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
