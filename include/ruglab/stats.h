/* Statistics for comparing sites after case-mix adjustment (issue 15):
 * ordinary least squares by Householder QR, logistic regression by IRLS,
 * per-group observed/expected with standard errors, and Spiegelhalter's
 * funnel-plot limits with the overdispersion test on Winsorised z-scores
 * and the additive random-effects tau^2 (Stat Med 2005;24:1185).
 * Pure: no I/O, no globals; every function is thread-safe.
 *
 * Design matrices are row-major, n rows of p columns; the caller puts the
 * intercept column (all 1) in when it wants one. */
#ifndef RUGLAB_STATS_H
#define RUGLAB_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "ruglab/err.h"

/* Few predictors: intercept, baseline, age, sex, pain-duration bands. */
#define RL_STATS_MAX_P 16

/* A condition number of R (1-norm) above this is refused as (near) collinear. */
#define RL_STATS_MAX_COND 1e10

/* Standard normal quantiles of the two-sided 95 % and 99.8 % limits. */
#define RL_STATS_Z95 1.959963984540054
#define RL_STATS_Z998 3.090232306167813

typedef struct {
    int p;
    double beta[RL_STATS_MAX_P];
    double se[RL_STATS_MAX_P];
    /* OLS: residual variance RSS/(n-p); logistic: 1 (binomial). */
    double sigma2;
    /* OLS: residual sum of squares; logistic: deviance. */
    double rss;
    double cond;    /* 1-norm condition number of R (of X, or of W^1/2 X) */
    int iterations; /* IRLS iterations (0 for OLS) */
    bool converged;
    bool separation; /* logistic: fitted probabilities reached 0 or 1 */
} rl_stats_fit_t;

/* Least squares y ~ x (n x p, n > p) through a Householder QR of x; the
 * standard errors come from sigma2 (R'R)^-1. Fails (message in err) on
 * n <= p, p out of 1..RL_STATS_MAX_P, non-finite input, or a rank-deficient
 * or ill-conditioned x (cond > RL_STATS_MAX_COND). */
int rl_stats_ols(const double *x, const double *y, size_t n, int p, rl_stats_fit_t *fit,
                 rl_err_t *err);

/* Logistic regression of y (0 or 1) on x by iteratively reweighted least
 * squares (each step a weighted QR), started at beta = 0, stopped when the
 * deviance changes by less than 1e-10 relatively (|dD|/(|D|+0.1), glm's
 * rule) or after 100 iterations. Standard errors from (X'WX)^-1 at the
 * estimate. Separation (complete or quasi-complete: some fitted linear
 * predictor beyond +-20, a probability within 2e-9 of 0 or 1) sets
 * fit->separation and fails, as does non-convergence: the MLE does not
 * exist or is not usable then. */
int rl_stats_logit(const double *x, const double *y, size_t n, int p, rl_stats_fit_t *fit,
                   rl_err_t *err);

/* Fitted values x*beta (OLS) or 1/(1+exp(-x*beta)) (logistic). */
void rl_stats_predict(const double *x, size_t n, const rl_stats_fit_t *fit, bool logistic,
                      double *out);

typedef enum {
    RL_STATS_MEAN,       /* continuous indicator (change in a score) */
    RL_STATS_PROPORTION, /* binary indicator (reached the MCID) */
} rl_stats_kind_t;

typedef struct {
    size_t n;
    double observed;  /* mean of y in the group (a proportion when binary) */
    double expected;  /* mean of the fitted values in the group */
    double o_minus_e; /* observed - expected */
    double o_over_e;  /* observed / expected; NAN when expected is 0 */
    /* Standard error of O-E under the model (the group is like the pool):
     * MEAN: sqrt(sigma2 / n), the SE of the group's mean residual with the
     * pooled residual variance; PROPORTION: sqrt(sum p(1-p)) / n. */
    double se;
    double se_ratio; /* SE of O/E: se / expected; NAN when expected is 0 */
    double z;        /* o_minus_e / se; NAN when se is 0 */
} rl_stats_group_t;

/* Per-group O, E, O-E, O/E and SEs. group[i] in 0..k-1; sigma2 is the
 * model's residual variance (MEAN; ignored for PROPORTION). Groups with no
 * rows get n = 0 and NAN figures. */
int rl_stats_groups(const double *y, const double *fitted, const int *group, size_t n, int k,
                    rl_stats_kind_t kind, double sigma2, rl_stats_group_t *out, rl_err_t *err);

/* A funnel limit of O-E (target 0) for a group of size n: z * sqrt(v/n +
 * tau2), where v is the variance of one observation under the target
 * (MEAN: the residual variance sigma2; PROPORTION: pbar(1-pbar) of the
 * pooled proportion) and tau2 the additive random-effects variance (0 when
 * there is no overdispersion). Upper limit: +value, lower: -value. */
double rl_stats_funnel_limit(double v, double n, double z, double tau2);

/* Winsorised z-scores (Spiegelhalter 2005): with k scores and g =
 * floor(0.1 k), the g lowest are set to the (g+1)-th lowest and the g
 * highest to the (g+1)-th highest (10 % each tail); order kept. NANs are
 * copied through and not counted. */
void rl_stats_winsorise(const double *z, int k, double *out);

typedef struct {
    int k;              /* groups with a finite z-score */
    double phi;         /* overdispersion phi-hat: mean of the Winsorised z^2 */
    double chi2;        /* k * phi, compared with chi-square on k-1 df */
    double p_value;     /* upper tail of chi-square(k-1) at chi2 */
    bool overdispersed; /* p_value < 0.05 */
    /* Additive random-effects variance (Spiegelhalter 2005, DerSimonian-
     * Laird style): (k phi - (k-1)) / (sum w - sum w^2 / sum w), w = 1/se^2,
     * 0 when k phi <= k-1 or when not overdispersed. */
    double tau2;
} rl_stats_overdispersion_t;

/* From the raw z-scores and the SEs of the k groups (SEs of groups whose z
 * is NAN are ignored). Needs at least 2 finite z-scores. */
int rl_stats_overdispersion(const double *z, const double *se, int k,
                            rl_stats_overdispersion_t *out, rl_err_t *err);

/* Upper tail probability of chi-square with df degrees of freedom at x
 * (regularised incomplete gamma Q(df/2, x/2)). */
double rl_stats_chi2_upper(double x, double df);

#endif
