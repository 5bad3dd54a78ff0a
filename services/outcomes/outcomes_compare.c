/* `compare A B`: two cohorts or two sites side by side, with the
 * difference of the mean changes (A - B) and its 95 % CI by Welch's t
 * (unequal variances, Welch-Satterthwaite degrees of freedom). */
#include "outcomes.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/measures.h"
#include "ruglab/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_NUM 32

typedef struct {
    const char *name;
    const char *kind; /* "site" or "cohort" */
    char *where;      /* condition on quality.enrolment e, with $1.. */
    const char *params[2];
    int nparams;
    char *site, *code; /* owned copies for a cohort */
} s_side_t;

/* Resolves NAME: a site code, a cohort as SITE/CODE, or a cohort code
 * that exists at one site only. */
static int
s_resolve(PGconn *conn, s_side_t *side, int *rc)
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
        *rc = RL_EXIT_DB;
        return -1;
    }
    int n = PQntuples(res);
    if (n == 0) {
        rl_cli_fail("compare: unknown cohort or site '%s' (see ruglab-outcomes cohorts)",
                    side->name);
        PQclear(res);
        *rc = RL_EXIT_FAIL;
        return -1;
    }
    if (n > 1) {
        rl_cli_fail("compare: '%s' names several cohorts or sites; name a cohort as SITE/CODE",
                    side->name);
        PQclear(res);
        *rc = RL_EXIT_FAIL;
        return -1;
    }
    if (!strcmp(PQgetvalue(res, 0, 0), "site")) {
        side->kind = "site";
        side->where = rl_strdup("e.site_code = $1");
        side->site = rl_strdup(PQgetvalue(res, 0, 1));
        side->params[0] = side->site;
        side->nparams = 1;
    } else {
        side->kind = "cohort";
        side->where = rl_strdup("e.site_code = $1 AND e.cohort_code = $2");
        side->site = rl_strdup(PQgetvalue(res, 0, 1));
        side->code = rl_strdup(PQgetvalue(res, 0, 2));
        side->params[0] = side->site;
        side->params[1] = side->code;
        side->nparams = 2;
    }
    PQclear(res);
    return 0;
}

static const char *
s_cell(char *buf, long v)
{
    if (outcomes_suppress_primary(v))
        return OUTCOMES_SUPPRESSED;
    snprintf(buf, S_NUM, "%ld", v);
    return buf;
}

int
outcomes_compare_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *measures = NULL;
    const char *names[2] = {NULL, NULL};
    int nn = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: ruglab-outcomes compare A B [--measure M[,M...]]\n\n"
                   "A and B: two cohorts (SITE/CODE, or a CODE that exists at one site) or two\n"
                   "sites (site code). Per measure: n and mean change of each, the difference of\n"
                   "the means (A - B) with its 95 %% CI (Welch), and %% reaching the important\n"
                   "change. Sides with fewer than 5 patients are shown as \"<5\".\n");
            return RL_EXIT_OK;
        } else if (!strcmp(argv[i], "--measure") && i + 1 < argc) {
            measures = argv[++i];
        } else if (argv[i][0] != '-' && nn < 2) {
            names[nn++] = argv[i];
        } else {
            rl_cli_fail("compare: unexpected argument '%s' (see compare --help)", argv[i]);
            return RL_EXIT_USAGE;
        }
    }
    if (nn != 2) {
        rl_cli_fail("compare: needs two cohorts or sites (compare A B)");
        return RL_EXIT_USAGE;
    }
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    int rc = RL_EXIT_OK;
    s_side_t side[2] = {{.name = names[0]}, {.name = names[1]}};
    outcomes_data_t *d[2] = {NULL, NULL};
    outcomes_table_t *tg = NULL, *tm = NULL;
    for (int s = 0; s < 2; s++)
        if (s_resolve(conn, &side[s], &rc) < 0)
            goto out;
    if (strcmp(side[0].kind, side[1].kind) != 0) {
        rl_cli_fail("compare: '%s' is a %s and '%s' a %s; compare two cohorts or two sites",
                    side[0].name, side[0].kind, side[1].name, side[1].kind);
        rc = RL_EXIT_FAIL;
        goto out;
    }
    for (int s = 0; s < 2; s++) {
        rl_err_t err;
        d[s] = outcomes_fetch(conn, NULL, measures, side[s].where, side[s].nparams, side[s].params,
                              &err);
        if (!d[s]) {
            rl_cli_fail("compare: %s", err.msg);
            rc = strncmp(err.msg, "unknown", 7) == 0 ? RL_EXIT_FAIL : RL_EXIT_DB;
            goto out;
        }
    }

    static const char *const gnames[] = {"side",      "name",        "enrolled",
                                         "completed", "dropped_out", "dropout_pct"};
    static const bool gnum[] = {false, false, true, true, true, true};
    tg = outcomes_table_new(6, gnames, gnum);
    for (int s = 0; s < 2; s++) {
        const outcomes_group_t *g = &d[s]->groups[0];
        outcomes_cell_t parts[3] = {{g->completed, false},
                                    {g->dropped_out, false},
                                    {g->enrolled - g->completed - g->dropped_out, false}};
        static const bool shown[3] = {true, true, false};
        (void)outcomes_suppress_parts(parts, shown, 3);
        char b[4][S_NUM];
        const char *cells[6] = {s ? "B" : "A", side[s].name, s_cell(b[0], g->enrolled),
                                NULL,          NULL,         NULL};
        cells[3] = parts[0].suppressed ? OUTCOMES_SUPPRESSED : s_cell(b[1], g->completed);
        cells[4] = parts[1].suppressed ? OUTCOMES_SUPPRESSED : s_cell(b[2], g->dropped_out);
        long ended = g->completed + g->dropped_out;
        cells[5] =
            parts[0].suppressed || parts[1].suppressed
                ? OUTCOMES_SUPPRESSED
                : (ended ? outcomes_fmt(b[3], S_NUM, 100.0 * g->dropped_out / ended, 1) : NULL);
        outcomes_table_add(tg, cells);
    }

    static const char *const mnames[] = {"measure",         "a_n",
                                         "a_mean_change",   "b_n",
                                         "b_mean_change",   "difference",
                                         "ci95_low",        "ci95_high",
                                         "a_pct_important", "b_pct_important"};
    static const bool mnum[] = {false, true, true, true, true, true, true, true, true, true};
    tm = outcomes_table_new(10, mnames, mnum);
    for (size_t m = 0; m < d[0]->nmeasures; m++) {
        const outcomes_group_t *a = &d[0]->groups[0], *b = &d[1]->groups[0];
        if (a->n_values[m] == 0 && b->n_values[m] == 0)
            continue;
        rl_measures_summary_t sa, sb;
        rl_measures_summary(a->values[m], a->n_values[m], &sa);
        rl_measures_summary(b->values[m], b->n_values[m], &sb);
        bool supa = outcomes_suppress_primary((long)sa.n),
             supb = outcomes_suppress_primary((long)sb.n);
        char buf[10][S_NUM];
        const char *cells[10] = {d[0]->measures[m]};
        cells[1] = s_cell(buf[1], (long)sa.n);
        cells[2] = supa ? OUTCOMES_SUPPRESSED : outcomes_fmt(buf[2], S_NUM, sa.mean, 2);
        cells[3] = s_cell(buf[3], (long)sb.n);
        cells[4] = supb ? OUTCOMES_SUPPRESSED : outcomes_fmt(buf[4], S_NUM, sb.mean, 2);
        if (supa || supb) {
            cells[5] = cells[6] = cells[7] = OUTCOMES_SUPPRESSED;
        } else {
            double va = sa.sd * sa.sd / (double)sa.n, vb = sb.sd * sb.sd / (double)sb.n;
            double se = sqrt(va + vb);
            double df = (va + vb) * (va + vb) /
                        (va * va / (double)(sa.n - 1) + vb * vb / (double)(sb.n - 1));
            double t = rl_measures_t_quantile(0.975, df);
            double diff = sa.mean - sb.mean;
            cells[5] = outcomes_fmt(buf[5], S_NUM, diff, 2);
            cells[6] = outcomes_fmt(buf[6], S_NUM, se > 0 ? diff - t * se : diff, 2);
            cells[7] = outcomes_fmt(buf[7], S_NUM, se > 0 ? diff + t * se : diff, 2);
        }
        for (int s = 0; s < 2; s++) {
            const outcomes_group_t *g = s ? b : a;
            long k = g->n_important[m], f = g->n_flagged[m];
            if (f == 0)
                cells[8 + s] = NULL;
            else if (outcomes_suppress_primary(k) || outcomes_suppress_primary(f - k))
                cells[8 + s] = OUTCOMES_SUPPRESSED;
            else
                cells[8 + s] = outcomes_fmt(buf[8 + s], S_NUM, 100.0 * k / f, 1);
        }
        outcomes_table_add(tm, cells);
    }
    if (ctx->format == RL_CLI_TABLE) {
        outcomes_table_print(tg, RL_CLI_TABLE, stdout);
        fputc('\n', stdout);
        outcomes_table_print(tm, RL_CLI_TABLE, stdout);
        printf("\ndifference = A - B of the mean changes, 95 %% CI by Welch's t; \"<5\": fewer "
               "than 5 patients.\n");
    } else if (ctx->format == RL_CLI_JSON) {
        outcomes_table_print_json2("sides", tg, "measures", tm, stdout);
    } else {
        outcomes_table_print(tm, ctx->format, stdout);
    }
out:
    outcomes_table_destroy(&tg);
    outcomes_table_destroy(&tm);
    for (int s = 0; s < 2; s++) {
        outcomes_data_free(&d[s]);
        free(side[s].where);
        free(side[s].site);
        free(side[s].code);
    }
    return rc;
}
