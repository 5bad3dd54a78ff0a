/* Derived values of a device test (effort check, best trial, ratios,
 * asymmetry, normalisation, change, smallest real difference) and the
 * summary statistics the quality tool needs. Pure functions on caller-owned
 * arrays; thread-safe.
 * Missing is NAN, everywhere: a missing input is skipped (arrays) or makes
 * the result NAN; a missing value never turns into 0. */
#ifndef RUGLAB_MEASURES_H
#define RUGLAB_MEASURES_H

#include <stdbool.h>
#include <stddef.h>

#include "ruglab/domain.h"
#include "ruglab/err.h"

/* A coefficient of variation up to this is a normal effort for large muscle
 * groups. */
#define RL_MEASURES_CV_NORMAL_MAX_PCT 15.0
/* Default smallest real difference of device values, in % (DOMAIN.md). */
#define RL_MEASURES_SRD_DEFAULT_PCT 33.0

/* Effort check: sample SD / mean x 100 across the trials present (missing
 * trials skipped). Needs at least 2 trials and a positive mean. *normal is
 * cv <= RL_MEASURES_CV_NORMAL_MAX_PCT. */
int rl_measures_effort_cv(const double *trials, size_t n, double *cv_pct, bool *normal,
                          rl_err_t *err) __attribute__((warn_unused_result));

/* Highest trial present; NAN when all are missing. */
double rl_measures_best(const double *trials, size_t n);

/* flexion / extension; NAN when either is missing or extension <= 0. */
double rl_measures_flex_ext_ratio(double flexion, double extension);

/* Left/right asymmetry in %: |L - R| / max(L, R) x 100, i.e. how much the
 * weaker side lacks relative to the stronger one (0 = symmetric, never more
 * than 100). NAN when either side is missing or negative, or both are 0. */
double rl_measures_asymmetry_pct(double left, double right);

/* value / body weight; NAN when missing or weight <= 0. */
double rl_measures_per_kg(double value, double body_kg);

/* value / reference x 100; NAN when missing or reference <= 0. */
double rl_measures_pct_of_reference(double value, double reference);

typedef struct {
    double absolute; /* followup - baseline; NAN when either is missing */
    double pct;      /* absolute / |baseline| x 100; NAN when baseline is 0 or missing */
} rl_measures_change_t;

rl_measures_change_t rl_measures_change(double baseline, double followup);

/* Smallest real difference per direction, in % of the baseline (slots
 * RL_DIR_FIRST .. RL_DIR_COUNT - 1). */
typedef struct {
    double pct[RL_DIR_COUNT];
} rl_measures_srd_t;

/* Every direction at RL_MEASURES_SRD_DEFAULT_PCT. Rotation is the least
 * precise: a site that has its own retest data sets a larger value there. */
void rl_measures_srd_defaults(rl_measures_srd_t *srd);

/* *is_real: |change| in % reaches the direction's SRD (inclusive); a smaller
 * change is noise. Error when a value is missing or the baseline is 0 (a
 * change in % is then undefined). */
int rl_measures_real_change(const rl_measures_srd_t *srd, rl_direction_t dir, double baseline,
                            double followup, bool *is_real, rl_err_t *err)
    __attribute__((warn_unused_result));

typedef struct {
    size_t n;         /* values present */
    size_t n_missing; /* NAN values skipped */
    double mean;      /* NAN when n == 0 */
    double median;    /* NAN when n == 0 */
    double sd;        /* sample SD (n - 1); NAN when n < 2 */
    double ci95_low;  /* mean -/+ t(0.975, n-1) x sd / sqrt(n); NAN when n < 2 */
    double ci95_high;
} rl_measures_summary_t;

/* Summary of the values present (NAN skipped). Always succeeds; fields
 * that cannot be computed are NAN. */
void rl_measures_summary(const double *x, size_t n, rl_measures_summary_t *out);

/* Sorts n values (no NAN) ascending by merging the ascending runs they
 * hold: linear when they are sorted already, n log r for r runs (values
 * gathered from sorted groups), n log n at worst. */
void rl_measures_sort(double *v, size_t n);

/* Quantile p (0 < p < 1) of Student's t with df > 0 degrees of freedom
 * (df need not be an integer). Exact to about 1e-10 through the regularized
 * incomplete beta function; NAN for arguments out of range. */
double rl_measures_t_quantile(double p, double df);

typedef struct {
    size_t successes;
    size_t n;
    double p;        /* successes / n; NAN when n == 0 */
    double ci95_low; /* Wilson score interval, z = 1.959964 */
    double ci95_high;
} rl_measures_proportion_t;

void rl_measures_proportion(size_t successes, size_t n, rl_measures_proportion_t *out);

#endif
