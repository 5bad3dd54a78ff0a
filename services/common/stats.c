/* Case-mix adjustment and funnel-plot statistics: see include/ruglab/stats.h. */
#include "ruglab/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Applies the Householder reflection I - 2 v v'/vv to col[from..n). */
static void
reflect(const double *v, double vv, double *col, size_t from, size_t n)
{
    double s = 0;
    for (size_t i = from; i < n; i++)
        s += v[i] * col[i];
    s = 2 * s / vv;
    for (size_t i = from; i < n; i++)
        col[i] -= s * v[i];
}

/* Solves the weighted least-squares problem min |sw .* (x b - y)|^2 by a
 * Householder QR of diag(sw) x (sw NULL: unweighted). Fills beta, rinv
 * (R^-1, p x p row-major, upper triangular), *rss and *cond. */
static int
qr_solve(const double *x, const double *sw, const double *y, size_t n, int p, double *beta,
         double *rinv, double *rss, double *cond, rl_err_t *err)
{
    size_t np = (size_t)p;
    double *a = malloc(n * np * sizeof *a); /* column-major copy */
    double *b = malloc(n * sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return rl_err_set(err, "least squares: out of memory for %zu rows", n);
    }
    for (size_t i = 0; i < n; i++) {
        double s = sw ? sw[i] : 1.0;
        for (size_t j = 0; j < np; j++)
            a[j * n + i] = s * x[i * np + j];
        b[i] = s * y[i];
    }
    double r[RL_STATS_MAX_P][RL_STATS_MAX_P] = {{0}};
    for (size_t j = 0; j < np; j++) {
        double *v = a + j * n;
        double norm = 0;
        for (size_t i = j; i < n; i++)
            norm += v[i] * v[i];
        norm = sqrt(norm);
        if (norm == 0) {
            free(a);
            free(b);
            return rl_err_set(
                err, "least squares: predictor %zu is zero or collinear with the ones before it",
                j + 1);
        }
        double alpha = v[j] > 0 ? -norm : norm;
        v[j] -= alpha;
        double vv = 0;
        for (size_t i = j; i < n; i++)
            vv += v[i] * v[i];
        for (size_t c = j + 1; c < np; c++)
            reflect(v, vv, a + c * n, j, n);
        reflect(v, vv, b, j, n);
        r[j][j] = alpha;
        for (size_t c = j + 1; c < np; c++)
            r[j][c] = a[c * n + j];
    }
    double res = 0;
    for (size_t i = np; i < n; i++)
        res += b[i] * b[i];
    *rss = res;
    double qb[RL_STATS_MAX_P];
    for (size_t j = 0; j < np; j++)
        qb[j] = b[j];
    free(a);
    free(b);

    /* R^-1 by back substitution, column by column. */
    memset(rinv, 0, np * np * sizeof *rinv);
    for (size_t c = 0; c < np; c++) {
        for (size_t i = c + 1; i-- > 0;) {
            double s = i == c ? 1.0 : 0.0;
            for (size_t k = i + 1; k <= c; k++)
                s -= r[i][k] * rinv[k * np + c];
            rinv[i * np + c] = s / r[i][i];
        }
    }
    double n1 = 0, ninv = 0;
    for (size_t c = 0; c < np; c++) {
        double s1 = 0, s2 = 0;
        for (size_t i = 0; i <= c; i++) {
            s1 += fabs(r[i][c]);
            s2 += fabs(rinv[i * np + c]);
        }
        n1 = fmax(n1, s1);
        ninv = fmax(ninv, s2);
    }
    *cond = n1 * ninv;
    if (!isfinite(*cond) || *cond > RL_STATS_MAX_COND)
        return rl_err_set(
            err,
            "least squares: the predictors are (nearly) collinear (condition number %.3g > %.3g)",
            *cond, RL_STATS_MAX_COND);
    for (size_t i = np; i-- > 0;) {
        double s = qb[i];
        for (size_t k = i + 1; k < np; k++)
            s -= r[i][k] * beta[k];
        beta[i] = s / r[i][i];
    }
    return 0;
}

static int
check_input(const double *x, const double *y, size_t n, int p, const char *what, rl_err_t *err)
{
    if (p < 1 || p > RL_STATS_MAX_P)
        return rl_err_set(err, "%s: %d predictors (1 to %d allowed)", what, p, RL_STATS_MAX_P);
    if (n <= (size_t)p)
        return rl_err_set(err, "%s: %zu rows for %d predictors (more rows than predictors needed)",
                          what, n, p);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return rl_err_set(err, "%s: row %zu has a missing or infinite outcome", what, i + 1);
        for (int j = 0; j < p; j++)
            if (!isfinite(x[i * (size_t)p + (size_t)j]))
                return rl_err_set(err, "%s: row %zu has a missing or infinite predictor %d", what,
                                  i + 1, j + 1);
    }
    return 0;
}

/* se_j = sqrt(scale * sum_k rinv[j][k]^2): the diagonal of scale (R'R)^-1. */
static void
fill_se(rl_stats_fit_t *fit, const double *rinv, double scale)
{
    size_t np = (size_t)fit->p;
    for (size_t j = 0; j < np; j++) {
        double s = 0;
        for (size_t k = j; k < np; k++)
            s += rinv[j * np + k] * rinv[j * np + k];
        fit->se[j] = sqrt(scale * s);
    }
}

int
rl_stats_ols(const double *x, const double *y, size_t n, int p, rl_stats_fit_t *fit, rl_err_t *err)
{
    memset(fit, 0, sizeof *fit);
    if (check_input(x, y, n, p, "least squares", err) < 0)
        return -1;
    fit->p = p;
    double rinv[RL_STATS_MAX_P * RL_STATS_MAX_P];
    if (qr_solve(x, NULL, y, n, p, fit->beta, rinv, &fit->rss, &fit->cond, err) < 0)
        return -1;
    fit->sigma2 = fit->rss / (double)(n - (size_t)p);
    fill_se(fit, rinv, fit->sigma2);
    fit->converged = true;
    return 0;
}

static double
linear(const double *xi, const rl_stats_fit_t *fit)
{
    double s = 0;
    for (int j = 0; j < fit->p; j++)
        s += xi[j] * fit->beta[j];
    return s;
}

static double
expit(double eta)
{
    return eta >= 0 ? 1.0 / (1.0 + exp(-eta)) : exp(eta) / (1.0 + exp(eta));
}

void
rl_stats_predict(const double *x, size_t n, const rl_stats_fit_t *fit, bool logistic, double *out)
{
    for (size_t i = 0; i < n; i++) {
        double eta = linear(x + i * (size_t)fit->p, fit);
        out[i] = logistic ? expit(eta) : eta;
    }
}

#define LOGIT_MAX_ITER 100
#define LOGIT_EPS 1e-10
#define LOGIT_MAX_ETA 20.0

static double
deviance(const double *x, const double *y, size_t n, const rl_stats_fit_t *fit, double *max_eta)
{
    double d = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        double eta = linear(x + i * (size_t)fit->p, fit);
        m = fmax(m, fabs(eta));
        /* -2 log-likelihood, written to stay finite for large |eta| */
        double l = y[i] > 0.5 ? (eta >= 0 ? log1p(exp(-eta)) : -eta + log1p(exp(eta)))
                              : (eta >= 0 ? eta + log1p(exp(-eta)) : log1p(exp(eta)));
        d += 2 * l;
    }
    *max_eta = m;
    return d;
}

int
rl_stats_logit(const double *x, const double *y, size_t n, int p, rl_stats_fit_t *fit,
               rl_err_t *err)
{
    memset(fit, 0, sizeof *fit);
    if (check_input(x, y, n, p, "logistic regression", err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (y[i] != 0 && y[i] != 1)
            return rl_err_set(err, "logistic regression: row %zu has outcome %g (0 or 1 expected)",
                              i + 1, y[i]);
    fit->p = p;
    fit->sigma2 = 1;
    double *sw = malloc(n * sizeof *sw);
    double *z = malloc(n * sizeof *z);
    if (!sw || !z) {
        free(sw);
        free(z);
        return rl_err_set(err, "logistic regression: out of memory for %zu rows", n);
    }
    double rinv[RL_STATS_MAX_P * RL_STATS_MAX_P];
    double max_eta = 0;
    double dev = deviance(x, y, n, fit, &max_eta);
    int rc = 0;
    for (fit->iterations = 1; fit->iterations <= LOGIT_MAX_ITER; fit->iterations++) {
        for (size_t i = 0; i < n; i++) {
            double eta = linear(x + i * (size_t)p, fit);
            double mu = expit(eta);
            double w = fmax(mu * (1 - mu), 1e-300);
            sw[i] = sqrt(w);
            z[i] = eta + (y[i] - mu) / w;
        }
        double rss;
        if (qr_solve(x, sw, z, n, p, fit->beta, rinv, &rss, &fit->cond, err) < 0) {
            rc = rl_err_prefix(err, "logistic regression, iteration %d: ", fit->iterations);
            break;
        }
        double dnew = deviance(x, y, n, fit, &max_eta);
        if (max_eta > LOGIT_MAX_ETA) {
            fit->separation = true;
            rc = rl_err_set(err,
                            "logistic regression: separation (a fitted probability is 0 or 1 "
                            "within 2e-9, linear "
                            "predictor %.1f after %d iterations): the estimates do not exist",
                            max_eta, fit->iterations);
            break;
        }
        if (fabs(dnew - dev) / (fabs(dnew) + 0.1) < LOGIT_EPS) {
            dev = dnew;
            fit->converged = true;
            break;
        }
        dev = dnew;
    }
    if (rc == 0 && !fit->converged)
        rc =
            rl_err_set(err, "logistic regression: no convergence in %d iterations", LOGIT_MAX_ITER);
    if (rc == 0) {
        /* (X'WX)^-1 at the estimate: one more weighted QR. */
        for (size_t i = 0; i < n; i++) {
            double mu = expit(linear(x + i * (size_t)p, fit));
            sw[i] = sqrt(fmax(mu * (1 - mu), 1e-300));
            z[i] = 0;
        }
        double beta[RL_STATS_MAX_P], rss;
        if (qr_solve(x, sw, z, n, p, beta, rinv, &rss, &fit->cond, err) < 0)
            rc = rl_err_prefix(err, "logistic regression, standard errors: ");
        else
            fill_se(fit, rinv, 1.0);
    }
    fit->rss = dev;
    if (fit->iterations > LOGIT_MAX_ITER)
        fit->iterations = LOGIT_MAX_ITER;
    free(sw);
    free(z);
    return rc;
}

int
rl_stats_groups(const double *y, const double *fitted, const int *group, size_t n, int k,
                rl_stats_kind_t kind, double sigma2, rl_stats_group_t *out, rl_err_t *err)
{
    if (k < 1)
        return rl_err_set(err, "groups: %d groups", k);
    double *var = calloc((size_t)k, sizeof *var);
    if (!var)
        return rl_err_set(err, "groups: out of memory");
    for (int g = 0; g < k; g++)
        out[g] = (rl_stats_group_t){0};
    for (size_t i = 0; i < n; i++) {
        if (group[i] < 0 || group[i] >= k) {
            free(var);
            return rl_err_set(err, "groups: row %zu is in group %d (0 to %d)", i + 1, group[i],
                              k - 1);
        }
        rl_stats_group_t *o = &out[group[i]];
        o->n++;
        o->observed += y[i];
        o->expected += fitted[i];
        var[group[i]] += fitted[i] * (1 - fitted[i]);
    }
    for (int g = 0; g < k; g++) {
        rl_stats_group_t *o = &out[g];
        if (o->n == 0) {
            o->observed = o->expected = o->o_minus_e = o->o_over_e = o->se = o->se_ratio = o->z =
                NAN;
            continue;
        }
        double m = (double)o->n;
        o->observed /= m;
        o->expected /= m;
        o->o_minus_e = o->observed - o->expected;
        o->se = kind == RL_STATS_MEAN ? sqrt(sigma2 / m) : sqrt(var[g]) / m;
        o->o_over_e = o->expected != 0 ? o->observed / o->expected : NAN;
        o->se_ratio = o->expected != 0 ? o->se / fabs(o->expected) : NAN;
        o->z = o->se > 0 ? o->o_minus_e / o->se : NAN;
    }
    free(var);
    return 0;
}

double
rl_stats_funnel_limit(double v, double n, double z, double tau2)
{
    return z * sqrt(v / n + tau2);
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void
rl_stats_winsorise(const double *z, int k, double *out)
{
    double *s = malloc((size_t)(k > 0 ? k : 1) * sizeof *s);
    int m = 0;
    for (int i = 0; i < k; i++) {
        out[i] = z[i];
        if (s && isfinite(z[i]))
            s[m++] = z[i];
    }
    if (!s || m == 0) {
        free(s);
        return;
    }
    qsort(s, (size_t)m, sizeof *s, cmp_double);
    int g = m / 10;
    double lo = s[g], hi = s[m - 1 - g];
    for (int i = 0; i < k; i++)
        if (isfinite(out[i]))
            out[i] = fmin(fmax(out[i], lo), hi);
    free(s);
}

/* Regularised lower incomplete gamma P(a, x) by its series (x < a + 1) and
 * upper Q(a, x) by Lentz's continued fraction otherwise. */
static double
gamma_q(double a, double x)
{
    if (x <= 0)
        return 1.0;
    double lg = lgamma(a);
    if (x < a + 1) {
        double ap = a, sum = 1.0 / a, del = sum;
        for (int i = 0; i < 1000; i++) {
            ap += 1;
            del *= x / ap;
            sum += del;
            if (fabs(del) < fabs(sum) * 1e-16)
                break;
        }
        return 1.0 - sum * exp(-x + a * log(x) - lg);
    }
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 1000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny)
            d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-16)
            break;
    }
    return exp(-x + a * log(x) - lg) * h;
}

double
rl_stats_chi2_upper(double x, double df)
{
    return gamma_q(df / 2, x / 2);
}

int
rl_stats_overdispersion(const double *z, const double *se, int k, rl_stats_overdispersion_t *out,
                        rl_err_t *err)
{
    *out = (rl_stats_overdispersion_t){0};
    double *zw = malloc((size_t)(k > 0 ? k : 1) * sizeof *zw);
    if (!zw)
        return rl_err_set(err, "overdispersion: out of memory");
    rl_stats_winsorise(z, k, zw);
    double sz2 = 0, sw = 0, sw2 = 0;
    int m = 0;
    for (int i = 0; i < k; i++) {
        if (!isfinite(zw[i]))
            continue;
        m++;
        sz2 += zw[i] * zw[i];
        double w = 1 / (se[i] * se[i]);
        sw += w;
        sw2 += w * w;
    }
    free(zw);
    if (m < 2)
        return rl_err_set(err, "overdispersion: %d groups with a z-score (2 needed)", m);
    out->k = m;
    out->phi = sz2 / m;
    out->chi2 = sz2;
    out->p_value = rl_stats_chi2_upper(out->chi2, m - 1);
    out->overdispersed = out->p_value < 0.05;
    if (out->overdispersed && out->chi2 > m - 1)
        out->tau2 = (out->chi2 - (m - 1)) / (sw - sw2 / sw);
    return 0;
}
