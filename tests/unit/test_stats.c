/* Unit tests for services/common/stats.c, against values computed
 * independently: hand-worked small cases, closed forms (the 2x2 table whose
 * logistic MLE is the log odds ratio, chi-square tails with closed forms),
 * and fits of data generated from a known model with enough rows that the
 * estimates must fall near the truth. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ruglab/stats.h"

#define near(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

/* xorshift64* and Box-Muller: a fixed, portable stream of test data. */
static uint64_t s_rng = 0x9E3779B97F4A7C15ull;
static double
unif(void)
{
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return ((double)((s_rng * 2685821657736338717ull) >> 11) + 0.5) / 9007199254740992.0;
}
static double
gauss(void)
{
    return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif());
}

static void
test_ols_hand(void **state)
{
    (void)state;
    /* x = 1..4, y = 1 3 2 5: xbar 2.5, ybar 2.75, Sxx 5, Sxy 5.5, slope 1.1,
     * intercept 0; residuals -0.1 0.8 -1.3 0.6, RSS 2.7, s^2 1.35;
     * se(slope) = sqrt(1.35/5), se(intercept) = sqrt(1.35 (1/4 + 2.5^2/5)). */
    double x[] = {1, 1, 1, 2, 1, 3, 1, 4};
    double y[] = {1, 3, 2, 5};
    rl_stats_fit_t f;
    rl_err_t err = {{0}};
    assert_int_equal(rl_stats_ols(x, y, 4, 2, &f, &err), 0);
    near(f.beta[0], 0.0, 1e-12);
    near(f.beta[1], 1.1, 1e-12);
    near(f.rss, 2.7, 1e-12);
    near(f.sigma2, 1.35, 1e-12);
    near(f.se[1], sqrt(1.35 / 5), 1e-12);
    near(f.se[0], sqrt(1.35 * (0.25 + 6.25 / 5)), 1e-12);
    assert_true(f.cond > 1 && f.cond < 100);
}

static void
test_ols_exact_line_and_no_intercept(void **state)
{
    (void)state;
    /* y = 2 x through the origin, one predictor: beta = Sxy/Sxx = 2, RSS 0 */
    double x[] = {1, 2, 3};
    double y[] = {2, 4, 6};
    rl_stats_fit_t f;
    rl_err_t err = {{0}};
    assert_int_equal(rl_stats_ols(x, y, 3, 1, &f, &err), 0);
    near(f.beta[0], 2.0, 1e-14);
    near(f.rss, 0.0, 1e-20);
}

static void
test_ols_collinear_refused(void **state)
{
    (void)state;
    double x[] = {1, 1, 2, 1, 2, 4, 1, 3, 6, 1, 4, 8};
    double y[] = {1, 2, 3, 5};
    rl_stats_fit_t f;
    rl_err_t err = {{0}};
    assert_int_equal(rl_stats_ols(x, y, 4, 3, &f, &err), -1);
    assert_non_null(strstr(err.msg, "collinear"));
}

static void
test_ols_near_collinear_refused(void **state)
{
    (void)state;
    /* x2 = x1 + 1e-12 * (small wiggle): rank 2 numerically, refused by the
     * condition check, not solved into huge opposite coefficients */
    double x[30], y[10];
    for (int i = 0; i < 10; i++) {
        x[3 * i] = 1;
        x[3 * i + 1] = i;
        x[3 * i + 2] = i + 1e-12 * (i % 3);
        y[i] = 2 * i + (i % 2);
    }
    rl_stats_fit_t f;
    rl_err_t err = {{0}};
    assert_int_equal(rl_stats_ols(x, y, 10, 3, &f, &err), -1);
    assert_non_null(strstr(err.msg, "collinear"));
}

static void
test_ols_bad_input(void **state)
{
    (void)state;
    double x[] = {1, 1, 1, NAN};
    double y[] = {1, 2};
    rl_stats_fit_t f;
    rl_err_t err = {{0}};
    assert_int_equal(rl_stats_ols(x, y, 2, 2, &f, &err), -1); /* n <= p */
    double x3[] = {1, 1, 1, 2, 1, NAN};
    double y3[] = {1, 2, 3};
    assert_int_equal(rl_stats_ols(x3, y3, 3, 2, &f, &err), -1);
    assert_non_null(strstr(err.msg, "row 3"));
}

/* y = 3 - 0.5 baseline + 0.1 age + 2 sex + 1.5 band + N(0, 5^2), 20000 rows:
 * each estimate within 4 of its standard errors of the truth, and the
 * standard errors near their theoretical size. */
static void
test_ols_known_model(void **state)
{
    (void)state;
    enum { N = 20000, P = 5 };
    const double truth[P] = {3, -0.5, 0.1, 2, 1.5};
    double *x = malloc(N * P * sizeof *x), *y = malloc(N * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    for (int i = 0; i < N; i++) {
        double *r = x + i * P;
        r[0] = 1;
        r[1] = 40 + 12 * gauss();
        r[2] = 22 + 10 * (int)(unif() * 6); /* band midpoints 22..72 */
        r[3] = unif() < 0.55;
        r[4] = (int)(unif() * 4);
        y[i] = 5 * gauss();
        for (int j = 0; j < P; j++)
            y[i] += truth[j] * r[j];
    }
    rl_stats_fit_t f;
    rl_err_t err = {{0}};
    assert_int_equal(rl_stats_ols(x, y, N, P, &f, &err), 0);
    for (int j = 0; j < P; j++)
        assert_true(fabs(f.beta[j] - truth[j]) < 4 * f.se[j]);
    near(sqrt(f.sigma2), 5, 0.1);
    /* se(baseline) ~ 5 / (12 sqrt(N)) */
    near(f.se[1], 5 / (12 * sqrt(N)), 0.0005);
    free(x);
    free(y);
}

static void
test_logit_two_by_two(void **state)
{
    (void)state;
    /* unexposed: 10 events, 30 non-events; exposed: 20 events, 10 non-events.
     * MLE: intercept = log(10/30), slope = log odds ratio = log 6;
     * se(slope) = sqrt(1/10 + 1/30 + 1/20 + 1/10) (Woolf), se(intercept) =
     * sqrt(1/10 + 1/30). */
    double x[140], y[70];
    int i = 0;
    for (int k = 0; k < 70; k++, i++) {
        x[2 * i] = 1;
        x[2 * i + 1] = k >= 40;
        y[i] = k < 10 || (k >= 40 && k < 60);
    }
    rl_stats_fit_t f;
    rl_err_t err = {{0}};
    assert_int_equal(rl_stats_logit(x, y, 70, 2, &f, &err), 0);
    assert_true(f.converged);
    assert_false(f.separation);
    near(f.beta[0], log(10.0 / 30), 1e-9);
    near(f.beta[1], log(6.0), 1e-9);
    near(f.se[1], sqrt(0.1 + 1.0 / 30 + 0.05 + 0.1), 1e-9);
    near(f.se[0], sqrt(0.1 + 1.0 / 30), 1e-9);
    /* deviance of the saturated-by-cell model: -2 sum y log p + (1-y) log(1-p) */
    double dev = -2 * (10 * log(0.25) + 30 * log(0.75) + 20 * log(2.0 / 3) + 10 * log(1.0 / 3));
    near(f.rss, dev, 1e-9);
}

static void
test_logit_intercept_only(void **state)
{
    (void)state;
    /* 3 of 12: beta = log(3/9), se = sqrt(1/3 + 1/9) */
    double x[12], y[12];
    for (int i = 0; i < 12; i++) {
        x[i] = 1;
        y[i] = i < 3;
    }
    rl_stats_fit_t f;
    rl_err_t err = {{0}};
    assert_int_equal(rl_stats_logit(x, y, 12, 1, &f, &err), 0);
    near(f.beta[0], log(3.0 / 9), 1e-10);
    near(f.se[0], sqrt(1.0 / 3 + 1.0 / 9), 1e-10);
}

static void
test_logit_separation(void **state)
{
    (void)state;
    double x[] = {1, 1, 1, 2, 1, 3, 1, 4};
    double y[] = {0, 0, 1, 1};
    rl_stats_fit_t f;
    rl_err_t err = {{0}};
    assert_int_equal(rl_stats_logit(x, y, 4, 2, &f, &err), -1);
    assert_true(f.separation);
    assert_non_null(strstr(err.msg, "separation"));
    /* quasi-complete: an exposed group where everyone has the event */
    double xq[] = {1, 0, 1, 0, 1, 0, 1, 1, 1, 1};
    double yq[] = {0, 1, 0, 1, 1};
    assert_int_equal(rl_stats_logit(xq, yq, 5, 2, &f, &err), -1);
    assert_true(f.separation);
}

static void
test_logit_rejects_non_binary(void **state)
{
    (void)state;
    double x[] = {1, 1, 1};
    double y[] = {0, 0.5, 1};
    rl_stats_fit_t f;
    rl_err_t err = {{0}};
    assert_int_equal(rl_stats_logit(x, y, 3, 1, &f, &err), -1);
    assert_non_null(strstr(err.msg, "row 2"));
}

/* logit P = -1 + 0.04 (baseline - 40) - 0.5 sex + 0.3 band, 50000 rows. */
static void
test_logit_known_model(void **state)
{
    (void)state;
    enum { N = 50000, P = 4 };
    const double truth[P] = {-1, 0.04, -0.5, 0.3};
    double *x = malloc(N * P * sizeof *x), *y = malloc(N * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    for (int i = 0; i < N; i++) {
        double *r = x + i * P;
        r[0] = 1;
        r[1] = 12 * gauss();
        r[2] = unif() < 0.5;
        r[3] = (int)(unif() * 4);
        double eta = 0;
        for (int j = 0; j < P; j++)
            eta += truth[j] * r[j];
        y[i] = unif() < 1 / (1 + exp(-eta));
    }
    rl_stats_fit_t f;
    rl_err_t err = {{0}};
    assert_int_equal(rl_stats_logit(x, y, N, P, &f, &err), 0);
    assert_true(f.iterations < 15);
    for (int j = 0; j < P; j++)
        assert_true(fabs(f.beta[j] - truth[j]) < 4 * f.se[j]);
    double *p = malloc(N * sizeof *p);
    assert_non_null(p);
    rl_stats_predict(x, N, &f, true, p);
    /* with an intercept the MLE reproduces the number of events */
    double so = 0, se = 0;
    for (int i = 0; i < N; i++) {
        so += y[i];
        se += p[i];
    }
    near(so, se, 1e-6);
    free(p);
    free(x);
    free(y);
}

static void
test_groups_mean(void **state)
{
    (void)state;
    double y[] = {1, 2, 3, 10, 20};
    double fit[] = {2, 2, 2, 12, 12};
    int g[] = {0, 0, 0, 1, 1};
    rl_stats_group_t o[3];
    rl_err_t err = {{0}};
    assert_int_equal(rl_stats_groups(y, fit, g, 5, 3, RL_STATS_MEAN, 4.0, o, &err), 0);
    assert_int_equal(o[0].n, 3);
    near(o[0].observed, 2, 1e-14);
    near(o[0].o_minus_e, 0, 1e-14);
    near(o[0].se, sqrt(4.0 / 3), 1e-14);
    near(o[0].z, 0, 1e-14);
    near(o[1].observed, 15, 1e-14);
    near(o[1].expected, 12, 1e-14);
    near(o[1].o_minus_e, 3, 1e-14);
    near(o[1].o_over_e, 1.25, 1e-14);
    near(o[1].se, sqrt(2.0), 1e-14);
    near(o[1].z, 3 / sqrt(2.0), 1e-14);
    assert_int_equal(o[2].n, 0);
    assert_true(isnan(o[2].observed));
    int bad[] = {0, 0, 0, 1, 3};
    assert_int_equal(rl_stats_groups(y, fit, bad, 5, 3, RL_STATS_MEAN, 4.0, o, &err), -1);
}

static void
test_groups_proportion(void **state)
{
    (void)state;
    double y[] = {1, 0, 1, 1};
    double p[] = {0.5, 0.5, 0.2, 0.8};
    int g[] = {0, 0, 0, 0};
    rl_stats_group_t o;
    rl_err_t err = {{0}};
    assert_int_equal(rl_stats_groups(y, p, g, 4, 1, RL_STATS_PROPORTION, 0, &o, &err), 0);
    near(o.observed, 0.75, 1e-14);
    near(o.expected, 0.5, 1e-14);
    near(o.o_over_e, 1.5, 1e-14);
    near(o.se, sqrt(0.25 + 0.25 + 0.16 + 0.16) / 4, 1e-14);
    near(o.se_ratio, o.se / 0.5, 1e-14);
    near(o.z, 0.25 / (sqrt(0.82) / 4), 1e-12);
}

static void
test_funnel_limits(void **state)
{
    (void)state;
    near(rl_stats_funnel_limit(4, 16, RL_STATS_Z95, 0), RL_STATS_Z95 * 0.5, 1e-14);
    near(rl_stats_funnel_limit(4, 16, 2, 0.75), 2.0, 1e-14);
    /* proportion 0.2 at n = 100: 3.09 * sqrt(0.16/100) */
    near(rl_stats_funnel_limit(0.16, 100, RL_STATS_Z998, 0), RL_STATS_Z998 * 0.04, 1e-14);
    /* the quantiles themselves: Phi(z) = 0.975 and 0.999 */
    near(0.5 * erfc(-RL_STATS_Z95 / sqrt(2)), 0.975, 1e-12);
    near(0.5 * erfc(-RL_STATS_Z998 / sqrt(2)), 0.999, 1e-12);
}

static void
test_winsorise(void **state)
{
    (void)state;
    double z[] = {9, -1, 0, 0.5, 1, 1.5, 2, 2.5, 3, -5};
    double w[10];
    rl_stats_winsorise(z, 10, w); /* g = 1 */
    near(w[0], 3, 0);
    near(w[9], -1, 0);
    for (int i = 1; i < 9; i++)
        near(w[i], z[i], 0);
    rl_stats_winsorise(z, 9, w); /* g = 0: unchanged */
    for (int i = 0; i < 9; i++)
        near(w[i], z[i], 0);
    double z20[20], w20[20];
    for (int i = 0; i < 20; i++)
        z20[i] = i;
    z20[5] = NAN;
    rl_stats_winsorise(z20, 20, w20); /* 19 finite: g = 1 */
    near(w20[0], 1, 0);
    near(w20[19], 18, 0);
    assert_true(isnan(w20[5]));
}

static void
test_chi2_upper(void **state)
{
    (void)state;
    near(rl_stats_chi2_upper(5, 2), exp(-2.5), 1e-14);
    near(rl_stats_chi2_upper(0.3, 2), exp(-0.15), 1e-14);
    near(rl_stats_chi2_upper(3.841458820694124, 1), 0.05, 1e-12);
    near(rl_stats_chi2_upper(18.307038053275146, 10), 0.05, 1e-10);
    near(rl_stats_chi2_upper(43.77297182574219, 30), 0.05, 1e-10);
    /* df 3: Q = erfc(sqrt(x/2)) + sqrt(2x/pi) exp(-x/2) */
    for (double x = 0.5; x < 40; x *= 2)
        near(rl_stats_chi2_upper(x, 3), erfc(sqrt(x / 2)) + sqrt(2 * x / M_PI) * exp(-x / 2),
             1e-13);
}

static void
test_overdispersion(void **state)
{
    (void)state;
    /* k = 4 (no Winsorising), z^2 = 4 each: phi 4, chi2 16 on 3 df,
     * tau2 = (16 - 3) / (4 - 4/4) with all se 1. */
    double z[] = {2, -2, 2, -2}, se[] = {1, 1, 1, 1};
    rl_stats_overdispersion_t o;
    rl_err_t err = {{0}};
    assert_int_equal(rl_stats_overdispersion(z, se, 4, &o, &err), 0);
    near(o.phi, 4, 1e-14);
    near(o.chi2, 16, 1e-14);
    near(o.p_value, erfc(sqrt(8.0)) + sqrt(32 / M_PI) * exp(-8.0), 1e-13);
    assert_true(o.overdispersed);
    near(o.tau2, 13.0 / 3, 1e-14);
    /* unequal se: w = 1, 4, 1, 4: sum 10, sum w^2 34, denominator 10 - 3.4 */
    double se2[] = {1, 0.5, 1, 0.5};
    assert_int_equal(rl_stats_overdispersion(z, se2, 4, &o, &err), 0);
    near(o.tau2, 13.0 / 6.6, 1e-13);
    /* small z: no overdispersion, tau2 0 */
    double zs[] = {0.5, -0.5, 1, -1};
    assert_int_equal(rl_stats_overdispersion(zs, se, 4, &o, &err), 0);
    near(o.chi2, 2.5, 1e-14);
    assert_false(o.overdispersed);
    near(o.tau2, 0, 0);
    /* one outlying site among 10: Winsorising (g = 1) sets it to the next
     * z, so it alone does not make the others' limits wider: z = 8 and
     * nine z = +-1 give sum z_w^2 = 10 (not 73), not overdispersed */
    double z10[] = {8, 1, -1, 1, -1, 1, -1, 1, -1, 1}, se10[10];
    for (int i = 0; i < 10; i++)
        se10[i] = 1;
    assert_int_equal(rl_stats_overdispersion(z10, se10, 10, &o, &err), 0);
    near(o.chi2, 10, 1e-14);
    assert_false(o.overdispersed);
    double one[] = {1, NAN};
    assert_int_equal(rl_stats_overdispersion(one, se, 2, &o, &err), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ols_hand),
        cmocka_unit_test(test_ols_exact_line_and_no_intercept),
        cmocka_unit_test(test_ols_collinear_refused),
        cmocka_unit_test(test_ols_near_collinear_refused),
        cmocka_unit_test(test_ols_bad_input),
        cmocka_unit_test(test_ols_known_model),
        cmocka_unit_test(test_logit_two_by_two),
        cmocka_unit_test(test_logit_intercept_only),
        cmocka_unit_test(test_logit_separation),
        cmocka_unit_test(test_logit_rejects_non_binary),
        cmocka_unit_test(test_logit_known_model),
        cmocka_unit_test(test_groups_mean),
        cmocka_unit_test(test_groups_proportion),
        cmocka_unit_test(test_funnel_limits),
        cmocka_unit_test(test_winsorise),
        cmocka_unit_test(test_chi2_upper),
        cmocka_unit_test(test_overdispersion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
