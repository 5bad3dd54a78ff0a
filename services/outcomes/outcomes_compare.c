/* `compare A B`: two cohorts or two sites side by side, with the
 * difference of the mean changes (A - B) and its 95 % CI by Welch's t
 * (unequal variances, Welch-Satterthwaite degrees of freedom). Parse the
 * two names, resolve and fetch both sides, render the tables. */
#include "outcomes.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/measures.h"
#include "ruglab/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *measures; /* --measure: codes, comma-separated (NULL: all) */
    const char *names[2]; /* A and B */
} s_opts_t;

typedef struct {
    const char *name;
    const char *kind;         /* "site" or "cohort" */
    outcomes_filter_t filter; /* its enrolments */
    char *site, *code;        /* owned copies */
} s_side_t;

/* `compare`: its options, each side and its one group of everything. */
typedef struct {
    s_opts_t o;
    s_side_t side[2];
    outcomes_data_t *d[2];
} s_compare_t;

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab-outcomes compare A B [--measure M[,M...]]\n\n"
                 "A and B: two cohorts (SITE/CODE, or a CODE that exists at one site) or two\n"
                 "sites (site code). Per measure: n and mean change of each, the difference of\n"
                 "the means (A - B) with its 95 %% CI (Welch), and %% reaching the important\n"
                 "change. Sides with fewer than 5 patients are shown as \"<5\".\n");
}

/* Returns -1 to go on, or the exit code. */
static int
s_parse(void *self, int argc, char **argv)
{
    s_opts_t *o = &((s_compare_t *)self)->o;
    outcomes_args_t args = {
        .name = "compare",
        .usage = s_usage,
        .opts = {{"--measure", &o->measures}},
        .operands = o->names,
        .max_operands = 2,
    };
    int rc = outcomes_args_parse(&args, argc, argv, 1);
    if (rc >= 0)
        return rc;
    if (args.n_operands != 2) {
        rl_cli_fail("compare: needs two cohorts or sites (compare A B)");
        return RL_EXIT_USAGE;
    }
    return -1;
}

/* ------------------------------------------------------------ fetching */

/* The side is the site or cohort of the row found. */
static void
s_side_set(s_side_t *side, PGresult *res)
{
    side->site = rl_strdup(PQgetvalue(res, 0, 1));
    side->filter.site = side->site;
    if (!strcmp(PQgetvalue(res, 0, 0), "site")) {
        side->kind = "site";
    } else {
        side->kind = "cohort";
        side->code = rl_strdup(PQgetvalue(res, 0, 2));
        side->filter.cohort = side->code;
    }
}

/* Resolves NAME: a site code, a cohort as SITE/CODE, or a cohort code
 * that exists at one site only. Returns -1 to go on, or the exit code. */
static int
s_resolve(PGconn *conn, s_side_t *side)
{
    rl_err_t err;
    const char *p[1] = {side->name};
    PGresult *res =
        rl_db_exec(conn, &err, "looking up the cohort or site",
                   "SELECT 'site', site_code, NULL FROM quality.enrolment WHERE site_code = $1 "
                   "UNION SELECT 'cohort', site_code, cohort_code FROM quality.enrolment "
                   "WHERE site_code || '/' || cohort_code = $1 OR cohort_code = $1",
                   1, p);
    if (!res) {
        rl_cli_fail("compare: %s", err.msg);
        return RL_EXIT_DB;
    }
    int rc = -1;
    if (PQntuples(res) == 0) {
        rl_cli_fail("compare: unknown cohort or site '%s' (see ruglab-outcomes cohorts)",
                    side->name);
        rc = RL_EXIT_FAIL;
    } else if (PQntuples(res) > 1) {
        rl_cli_fail("compare: '%s' names several cohorts or sites; name a cohort as SITE/CODE",
                    side->name);
        rc = RL_EXIT_FAIL;
    } else {
        s_side_set(side, res);
    }
    PQclear(res);
    return rc;
}

/* Resolves both sides and fetches their groups. Returns -1 to go on, or
 * the exit code. */
static int
s_fetch(void *self, PGconn *conn)
{
    s_compare_t *c = self;
    const s_opts_t *o = &c->o;
    for (int s = 0; s < 2; s++) {
        c->side[s].name = o->names[s];
        int rc = s_resolve(conn, &c->side[s]);
        if (rc >= 0)
            return rc;
    }
    if (strcmp(c->side[0].kind, c->side[1].kind) != 0) {
        rl_cli_fail("compare: '%s' is a %s and '%s' a %s; compare two cohorts or two sites",
                    c->side[0].name, c->side[0].kind, c->side[1].name, c->side[1].kind);
        return RL_EXIT_FAIL;
    }
    for (int s = 0; s < 2; s++) {
        rl_err_t err;
        const s_side_t *side = &c->side[s];
        c->d[s] = outcomes_fetch(conn, NULL, o->measures, &side->filter, &err);
        if (!c->d[s])
            return outcomes_fetch_failed("compare", &err);
    }
    return -1;
}

static void
s_clear(void *self)
{
    s_compare_t *c = self;
    for (int s = 0; s < 2; s++) {
        outcomes_data_free(&c->d[s]);
        free(c->side[s].site);
        free(c->side[s].code);
    }
}

/* ------------------------------------------------------------ rendering */

static outcomes_table_t *
s_sides_table(const s_compare_t *c)
{
    static const char *const names[] = {"side",      "name",        "enrolled",
                                        "completed", "dropped_out", "dropout_pct"};
    static const bool numeric[] = {false, false, true, true, true, true};
    outcomes_table_t *t = outcomes_table_new(6, names, numeric);
    for (int s = 0; s < 2; s++) {
        const outcomes_group_t *g = &c->d[s]->groups[0];
        outcomes_counts_t counts;
        outcomes_counts_alone(&counts, g->enrolled, g->completed, g->dropped_out);
        char b[4][OUTCOMES_NUM];
        const char *cells[6] = {s ? "B" : "A", c->side[s].name};
        outcomes_counts_cells(&counts, b, cells + 2);
        outcomes_table_add(t, cells);
    }
    return t;
}

/* difference, ci95_low, ci95_high of the means of a and b. */
static void
s_welch(const rl_measures_summary_t *a, const rl_measures_summary_t *b, char buf[3][OUTCOMES_NUM],
        const char **cells)
{
    double va = a->sd * a->sd / (double)a->n, vb = b->sd * b->sd / (double)b->n;
    double se = sqrt(va + vb);
    double df =
        (va + vb) * (va + vb) / (va * va / (double)(a->n - 1) + vb * vb / (double)(b->n - 1));
    double t = rl_measures_t_quantile(0.975, df);
    double diff = a->mean - b->mean;
    cells[0] = outcomes_fmt(buf[0], OUTCOMES_NUM, diff, 2);
    cells[1] = outcomes_fmt(buf[1], OUTCOMES_NUM, se > 0 ? diff - t * se : diff, 2);
    cells[2] = outcomes_fmt(buf[2], OUTCOMES_NUM, se > 0 ? diff + t * se : diff, 2);
}

/* The row of measure m, unless neither side has a change of it. */
static void
s_measure_row(const s_compare_t *c, size_t m, outcomes_table_t *t)
{
    const outcomes_group_t *g[2] = {&c->d[0]->groups[0], &c->d[1]->groups[0]};
    if (g[0]->n_values[m] == 0 && g[1]->n_values[m] == 0)
        return;
    rl_measures_summary_t s[2];
    outcomes_cell_t n[2];
    char buf[10][OUTCOMES_NUM];
    const char *cells[10] = {c->d[0]->measures[m]};
    for (int i = 0; i < 2; i++) {
        rl_measures_summary(g[i]->values[m], g[i]->n_values[m], &s[i]);
        n[i] = outcomes_cell_primary((long)s[i].n);
        cells[1 + 2 * i] = outcomes_count_text(buf[1 + 2 * i], n[i]);
        cells[2 + 2 * i] = n[i].suppressed
                               ? OUTCOMES_SUPPRESSED
                               : outcomes_fmt(buf[2 + 2 * i], OUTCOMES_NUM, s[i].mean, 2);
        long k = g[i]->n_important[m], f = g[i]->n_flagged[m];
        cells[8 + i] = outcomes_pct_text(buf[8 + i], outcomes_cell_important(k, f), f);
    }
    if (n[0].suppressed || n[1].suppressed)
        cells[5] = cells[6] = cells[7] = OUTCOMES_SUPPRESSED;
    else
        s_welch(&s[0], &s[1], buf + 5, cells + 5);
    outcomes_table_add(t, cells);
}

static outcomes_table_t *
s_measures_table(const s_compare_t *c)
{
    static const char *const names[] = {"measure",         "a_n",
                                        "a_mean_change",   "b_n",
                                        "b_mean_change",   "difference",
                                        "ci95_low",        "ci95_high",
                                        "a_pct_important", "b_pct_important"};
    static const bool numeric[] = {false, true, true, true, true, true, true, true, true, true};
    outcomes_table_t *t = outcomes_table_new(10, names, numeric);
    for (size_t m = 0; m < c->d[0]->nmeasures; m++)
        s_measure_row(c, m, t);
    return t;
}

static int
s_render(void *self, PGconn *conn, rl_cli_format_t format)
{
    (void)conn;
    const s_compare_t *c = self;
    outcomes_view_t v = {
        .groups_name = "sides",
        .groups = s_sides_table(c),
        .measures = s_measures_table(c),
        .note = "difference = A - B of the mean changes, 95 % CI by Welch's t; \"<5\": fewer "
                "than 5 patients.",
    };
    v.csv = v.measures;
    outcomes_view_print(&v, format, stdout);
    outcomes_view_clear(&v);
    return RL_EXIT_OK;
}

int
outcomes_compare_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    static const outcomes_command_t steps = {s_parse, s_fetch, s_render, s_clear};
    s_compare_t c = {0};
    return outcomes_command_run(&steps, &c, ctx, argc, argv);
}
