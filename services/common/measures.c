/* Derived test values and summary statistics (see measures.h). */
#include "ruglab/measures.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ruglab/mem.h"

/* Keeps exact threshold cases (a change of exactly 33 %) on the inclusive
 * side despite binary floating point. */
#define S_EPS 1e-9
#define S_Z95 1.959963984540054

int
rl_measures_effort_cv(const double *trials, size_t n, double *cv_pct, bool *normal, rl_err_t *err)
{
    assert(cv_pct && normal && (trials || n == 0));
    rl_measures_summary_t s;
    rl_measures_summary(trials, n, &s);
    if (s.n < 2)
        return rl_err_set(err, "effort check needs at least 2 trials (got %zu)", s.n);
    if (!(s.mean > 0))
        return rl_err_set(err, "effort check needs a positive mean of the trials (got %g)", s.mean);
    *cv_pct = s.sd / s.mean * 100.0;
    *normal = *cv_pct <= RL_MEASURES_CV_NORMAL_MAX_PCT + S_EPS;
    return 0;
}

double
rl_measures_best(const double *trials, size_t n)
{
    double best = NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(trials[i]) && (isnan(best) || trials[i] > best))
            best = trials[i];
    return best;
}

double
rl_measures_flex_ext_ratio(double flexion, double extension)
{
    if (isnan(flexion) || isnan(extension) || extension <= 0)
        return NAN;
    return flexion / extension;
}

double
rl_measures_asymmetry_pct(double left, double right)
{
    if (isnan(left) || isnan(right) || left < 0 || right < 0)
        return NAN;
    double max = fmax(left, right);
    if (max <= 0)
        return NAN;
    return fabs(left - right) / max * 100.0;
}

double
rl_measures_per_kg(double value, double body_kg)
{
    if (isnan(value) || isnan(body_kg) || body_kg <= 0)
        return NAN;
    return value / body_kg;
}

double
rl_measures_pct_of_reference(double value, double reference)
{
    if (isnan(value) || isnan(reference) || reference <= 0)
        return NAN;
    return value / reference * 100.0;
}

rl_measures_change_t
rl_measures_change(double baseline, double followup)
{
    rl_measures_change_t c = {NAN, NAN};
    if (isnan(baseline) || isnan(followup))
        return c;
    c.absolute = followup - baseline;
    if (baseline != 0)
        c.pct = c.absolute / fabs(baseline) * 100.0;
    return c;
}

void
rl_measures_srd_defaults(rl_measures_srd_t *srd)
{
    assert(srd);
    for (int i = RL_DIR_FIRST; i < RL_DIR_COUNT; i++)
        srd->pct[i] = RL_MEASURES_SRD_DEFAULT_PCT;
}

int
rl_measures_real_change(const rl_measures_srd_t *srd, rl_direction_t dir, double baseline,
                        double followup, bool *is_real, rl_err_t *err)
{
    assert(srd && is_real && dir >= RL_DIR_FIRST && dir < RL_DIR_COUNT);
    if (isnan(baseline) || isnan(followup))
        return rl_err_set(err, "%s: %s value missing, no change can be judged",
                          rl_direction_name(dir), isnan(baseline) ? "baseline" : "follow-up");
    rl_measures_change_t c = rl_measures_change(baseline, followup);
    if (isnan(c.pct))
        return rl_err_set(err, "%s: baseline is 0, a change in %% is undefined",
                          rl_direction_name(dir));
    *is_real = fabs(c.pct) >= srd->pct[dir] - S_EPS;
    return 0;
}

/* Merges the sorted runs a[0..na) and b[0..nb) into out. */
static void
s_merge(const double *a, size_t na, const double *b, size_t nb, double *out)
{
    size_t i = 0, j = 0, k = 0;
    while (i < na && j < nb)
        out[k++] = b[j] < a[i] ? b[j++] : a[i++];
    while (i < na)
        out[k++] = a[i++];
    while (j < nb)
        out[k++] = b[j++];
}

void
rl_measures_sort(double *v, size_t n)
{
    size_t runs = 1;
    for (size_t i = 1; i < n; i++)
        runs += v[i] < v[i - 1];
    if (n < 2 || runs == 1)
        return;
    /* the run starts, ended by n */
    size_t *start = rl_malloc((runs + 1) * sizeof *start);
    runs = 0;
    start[runs++] = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] < v[i - 1])
            start[runs++] = i;
    start[runs] = n;
    double *tmp = rl_malloc(n * sizeof *tmp);
    double *from = v, *to = tmp;
    while (runs > 1) {
        /* merge runs pairwise: 2k and 2k+1 become k */
        size_t merged = 0;
        for (size_t r = 0; r < runs; r += 2) {
            size_t a = start[r], b = start[r + 1], end = start[r + 2 < runs ? r + 2 : runs];
            s_merge(from + a, b - a, from + b, end - b, to + a);
            start[merged++] = a;
        }
        start[merged] = n;
        runs = merged;
        double *t = from;
        from = to;
        to = t;
    }
    if (from != v)
        memcpy(v, from, n * sizeof *v);
    free(tmp);
    free(start);
}

/* Moves the k-th smallest of v[0..n) to v[k], the smaller ones before it
 * and the larger after (Hoare's selection, median of three): linear on
 * average, where a sort is n log n. */
static void
s_select(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        /* the median of three at mid, the smallest at lo, the largest at hi */
        if (v[mid] < v[lo]) {
            double t = v[mid];
            v[mid] = v[lo];
            v[lo] = t;
        }
        if (v[hi] < v[lo]) {
            double t = v[hi];
            v[hi] = v[lo];
            v[lo] = t;
        }
        if (v[hi] < v[mid]) {
            double t = v[hi];
            v[hi] = v[mid];
            v[mid] = t;
        }
        double pivot = v[mid];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (pivot < v[j])
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

/* The median of v[0..n) (n > 0), reordering v. */
static double
s_median(double *v, size_t n)
{
    size_t k = n / 2;
    s_select(v, n, k);
    if (n % 2)
        return v[k];
    double below = v[0]; /* the largest of v[0..k): the (k-1)-th smallest */
    for (size_t i = 1; i < k; i++)
        if (v[i] > below)
            below = v[i];
    return (below + v[k]) / 2.0;
}

/* A sum by Neumaier's compensated summation: the double nearest the exact
 * sum in all but pathological cases, whatever the order of the terms
 * (values gathered from partitions come in no particular order, and a
 * plain sum's last bits, hence a rounded mean, would depend on it). */
typedef struct {
    double sum, c;
} neumaier_t;

static void
s_neumaier_add(neumaier_t *a, double x)
{
    double t = a->sum + x;
    if (fabs(a->sum) >= fabs(x))
        a->c += (a->sum - t) + x;
    else
        a->c += (x - t) + a->sum;
    a->sum = t;
}

/* rl_measures_t_quantile(0.975, df), remembered per thread for the small
 * degrees of freedom: a summary of thousands of cohorts asks for the same
 * few dozen, and each costs a bisection over the incomplete beta. */
static double
s_t975(size_t df)
{
    static _Thread_local double known[1024];
    if (df >= sizeof known / sizeof known[0])
        return rl_measures_t_quantile(0.975, (double)df);
    if (known[df] == 0)
        known[df] = rl_measures_t_quantile(0.975, (double)df);
    return known[df];
}

void
rl_measures_summary(const double *x, size_t n, rl_measures_summary_t *out)
{
    assert(out && (x || n == 0));
    rl_measures_summary_t s = {0, 0, NAN, NAN, NAN, NAN, NAN};
    /* values sorted and all present are read where they are; else a copy
     * of those present (reordered to find the median) */
    bool sorted = true;
    for (size_t i = 0; i < n && sorted; i++)
        sorted = !isnan(x[i]) && (i == 0 || x[i] >= x[i - 1]);
    double *copy = NULL;
    const double *v = x;
    if (sorted) {
        s.n = n;
    } else {
        copy = rl_malloc((n ? n : 1) * sizeof *copy);
        for (size_t i = 0; i < n; i++) {
            if (isnan(x[i]))
                s.n_missing++;
            else
                copy[s.n++] = x[i];
        }
        v = copy;
    }
    if (s.n > 0) {
        /* Two passes: the mean first, then squared deviations (stable),
         * each a compensated sum. */
        neumaier_t sum = {0, 0};
        for (size_t i = 0; i < s.n; i++)
            s_neumaier_add(&sum, v[i]);
        s.mean = (sum.sum + sum.c) / (double)s.n;
        s.median = copy      ? s_median(copy, s.n)
                   : s.n % 2 ? v[s.n / 2]
                             : (v[s.n / 2 - 1] + v[s.n / 2]) / 2.0;
    }
    if (s.n > 1) {
        neumaier_t ss = {0, 0};
        for (size_t i = 0; i < s.n; i++)
            s_neumaier_add(&ss, (v[i] - s.mean) * (v[i] - s.mean));
        s.sd = sqrt((ss.sum + ss.c) / (double)(s.n - 1));
        double half = s_t975(s.n - 1) * s.sd / sqrt((double)s.n);
        s.ci95_low = s.mean - half;
        s.ci95_high = s.mean + half;
    }
    free(copy);
    *out = s;
}

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double
s_betacf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 100000; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-15)
            break;
    }
    return h;
}

/* Regularized incomplete beta I_x(a, b). */
static double
s_betai(double a, double b, double x)
{
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    double bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
    if (x < (a + 1) / (a + b + 2))
        return bt * s_betacf(a, b, x) / a;
    return 1 - bt * s_betacf(b, a, 1 - x) / b;
}

/* P(T > t) for t >= 0. */
static double
s_t_upper(double t, double df)
{
    return 0.5 * s_betai(df / 2, 0.5, df / (df + t * t));
}

/* Standard normal quantile for p > 0.5, by bisection on erfc. */
static double
s_z_quantile(double p)
{
    double lo = 0, hi = 40;
    for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
        double mid = (lo + hi) / 2;
        if (0.5 * erfc(mid / M_SQRT2) > 1 - p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

double
rl_measures_t_quantile(double p, double df)
{
    if (isnan(p) || isnan(df) || p <= 0 || p >= 1 || df <= 0)
        return NAN;
    if (p < 0.5)
        return -rl_measures_t_quantile(1 - p, df);
    if (p == 0.5)
        return 0;
    if (df > 1e6) {
        /* Cornish-Fisher expansion around the normal quantile (Abramowitz &
         * Stegun 26.7.5); at this df the omitted terms are below 1e-20 and
         * the continued fraction would need many iterations. */
        double z = s_z_quantile(p), z2 = z * z;
        double g1 = (z2 + 1) * z / 4;
        double g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
        double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
        return z + g1 / df + g2 / (df * df) + g3 / (df * df * df);
    }
    double tail = 1 - p;
    double lo = 0, hi = 1;
    while (s_t_upper(hi, df) > tail && hi < 1e300)
        hi *= 2;
    for (int i = 0; i < 400 && hi - lo > 1e-13 * hi; i++) {
        double mid = (lo + hi) / 2;
        if (s_t_upper(mid, df) > tail)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

void
rl_measures_proportion(size_t successes, size_t n, rl_measures_proportion_t *out)
{
    assert(out && successes <= n);
    rl_measures_proportion_t r = {successes, n, NAN, NAN, NAN};
    if (n > 0) {
        double nn = (double)n, ph = (double)successes / nn, z2 = S_Z95 * S_Z95;
        double denom = 1 + z2 / nn;
        double centre = (ph + z2 / (2 * nn)) / denom;
        double half = S_Z95 / denom * sqrt(ph * (1 - ph) / nn + z2 / (4 * nn * nn));
        r.p = ph;
        r.ci95_low = fmax(0, centre - half);
        r.ci95_high = fmin(1, centre + half);
    }
    *out = r;
}
