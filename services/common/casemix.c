/* The case-mix model of sites' outcomes: see include/ruglab/casemix.h. */
#include "ruglab/casemix.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"

#include <math.h>
#include <stdio.h>
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
_Static_assert((int)T_COUNT == (int)RL_CASEMIX_TERMS,
               "casemix.h's RL_CASEMIX_TERMS is the number of terms");
const char *const rl_casemix_terms[RL_CASEMIX_TERMS] = {
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

/* Builds the design matrix (constant terms left out), y and the site of
 * each row. */
static int
s_design(rl_casemix_t *a, PGresult *res, double **xp, double **yp, int **gp, rl_err_t *err)
{
    size_t n = a->n;
    double *raw = malloc(n * T_COUNT * sizeof *raw);
    double *y = malloc(n * sizeof *y);
    int *g = malloc(n * sizeof *g);
    a->site = calloc(n + 1, sizeof *a->site);
    if (!raw || !y || !g || !a->site) {
        free(raw);
        free(y);
        free(g);
        return rl_err_set(err, "out of memory"), RL_EXIT_FAIL;
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
        return rl_err_set(err, "out of memory"), RL_EXIT_FAIL;
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
rl_casemix_fit(PGconn *conn, const char *measure, bool mcid, size_t min_cell, rl_casemix_t *a,
               rl_err_t *err)
{
    memset(a, 0, sizeof *a);
    a->mcid = mcid;
    const char *params[1] = {measure};
    PGresult *m =
        rl_db_exec(conn, err, "reading the measure",
                   "SELECT mic_points IS NOT NULL OR mic_pct IS NOT NULL FROM quality.measure "
                   "WHERE measure = $1",
                   1, params);
    if (!m)
        return RL_EXIT_DB;
    bool known = PQntuples(m) == 1, threshold = known && strcmp(PQgetvalue(m, 0, 0), "t") == 0;
    PQclear(m);
    if (!known) {
        rl_err_set(err, "unknown measure '%s'", measure);
        return RL_EXIT_FAIL;
    }
    if (a->mcid && !threshold) {
        rl_err_set(err, "%s has no important-change threshold (no mcid indicator)", measure);
        return RL_EXIT_FAIL;
    }
    PGresult *res =
        rl_db_exec(conn, err, "reading the outcomes and their adjusters",
                   "SELECT e.site_code, o.start_value, o.change, o.important, e.age_band, e.sex, "
                   "       coalesce(c.pain_months_band, 'unknown') "
                   "FROM quality.outcome o JOIN quality.enrolment e USING (enrolment_key) "
                   "LEFT JOIN quality.casemix c USING (enrolment_key) "
                   "WHERE o.measure = $1 AND o.start_value IS NOT NULL AND o.change IS NOT NULL "
                   "ORDER BY e.site_code",
                   1, params);
    if (!res)
        return RL_EXIT_DB;
    a->n = (size_t)PQntuples(res);
    if (a->n == 0) {
        PQclear(res);
        rl_err_set(err, "no %s changes in the quality tables", measure);
        return RL_EXIT_FAIL;
    }
    double *x, *y;
    int *g;
    int rc = s_design(a, res, &x, &y, &g, err);
    PQclear(res);
    if (rc != -1)
        return rc;
    int frc = a->mcid ? rl_stats_logit(x, y, a->n, a->p, &a->fit, err)
                      : rl_stats_ols(x, y, a->n, a->p, &a->fit, err);
    double *fitted = malloc(a->n * sizeof *fitted);
    a->adj = calloc((size_t)a->k, sizeof *a->adj);
    if (frc == 0 && fitted && a->adj) {
        rl_stats_predict(x, a->n, &a->fit, a->mcid, fitted);
        frc =
            rl_stats_groups(y, fitted, g, a->n, a->k, a->mcid ? RL_STATS_PROPORTION : RL_STATS_MEAN,
                            a->fit.sigma2, a->adj, err);
        a->pooled = 0;
        for (size_t i = 0; i < a->n; i++)
            a->pooled += y[i];
        a->pooled /= (double)a->n;
    } else if (frc == 0) {
        frc = rl_err_set(err, "out of memory");
    }
    if (frc == 0) {
        double *z = malloc((size_t)a->k * sizeof *z), *se = malloc((size_t)a->k * sizeof *se);
        a->zw = calloc((size_t)a->k, sizeof *a->zw);
        if (z && se && a->zw) {
            for (int s = 0; s < a->k; s++) {
                bool shown = a->adj[s].n >= min_cell;
                z[s] = shown ? a->adj[s].z : NAN;
                se[s] = a->adj[s].se;
            }
            rl_err_t oerr;
            a->od_ok = rl_stats_overdispersion(z, se, a->k, &a->od, &oerr) == 0;
            rl_stats_winsorise(z, a->k, a->zw);
        } else {
            frc = rl_err_set(err, "out of memory");
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
    return frc != 0 ? RL_EXIT_FAIL : RL_EXIT_OK;
}

void
rl_casemix_free(rl_casemix_t *a)
{
    if (a->site)
        for (int s = 0; s < a->k; s++)
            free(a->site[s]);
    free(a->site);
    free(a->adj);
    free(a->zw);
    memset(a, 0, sizeof *a);
}
