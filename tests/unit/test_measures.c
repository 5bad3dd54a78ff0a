/* Unit tests for derived test values and summary statistics. Reference
 * numbers: Student t table values (two-sided 95 %), Wilson intervals and
 * sample SDs computed once with Python (statistics.stdev, the Wilson
 * formula with z = 1.959964). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "ruglab/measures.h"

#define assert_near(a, b, tol)                                                                     \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (tol)))                                                             \
            fail_msg("%s = %.10g, expected %.10g", #a, a_, b_);                                    \
    } while (0)

static void
test_effort_cv(void **state)
{
    (void)state;
    double cv;
    bool normal;
    rl_err_t err = {{0}};
    /* 120, 135, 128 N·m: mean 127.667, SD 7.5056 -> CV 5.88 %. */
    double t1[] = {120, 135, 128};
    assert_int_equal(rl_measures_effort_cv(t1, 3, &cv, &normal, &err), 0);
    assert_near(cv, 5.879023628823865, 1e-9);
    assert_true(normal);
    /* 100 and 140: SD 28.28, mean 120 -> 23.6 %: suspicious effort. */
    double t2[] = {100, 140};
    assert_int_equal(rl_measures_effort_cv(t2, 2, &cv, &normal, &err), 0);
    assert_near(cv, 23.570226039551585, 1e-9);
    assert_false(normal);
    /* A missing trial is skipped, not counted as 0 (which would give a huge CV). */
    double t3[] = {120, NAN, 135, 128};
    assert_int_equal(rl_measures_effort_cv(t3, 4, &cv, &normal, &err), 0);
    assert_near(cv, 5.879023628823865, 1e-9);
    double t4[] = {120, NAN};
    assert_int_equal(rl_measures_effort_cv(t4, 2, &cv, &normal, &err), -1);
    assert_string_equal(err.msg, "effort check needs at least 2 trials (got 1)");
}

static void
test_best_ratio_asymmetry(void **state)
{
    (void)state;
    double t[] = {NAN, 120, 135, 128};
    assert_near(rl_measures_best(t, 4), 135, 0);
    double none[] = {NAN, NAN};
    assert_true(isnan(rl_measures_best(none, 2)));
    assert_near(rl_measures_flex_ext_ratio(150, 200), 0.75, 1e-12);
    assert_true(isnan(rl_measures_flex_ext_ratio(150, 0)));
    assert_true(isnan(rl_measures_flex_ext_ratio(NAN, 200)));
    /* Left 150, right 200: the weaker side lacks 25.0 % of the stronger. */
    assert_near(rl_measures_asymmetry_pct(150, 200), 25.0, 1e-12);
    assert_near(rl_measures_asymmetry_pct(200, 150), 25.0, 1e-12);
    assert_near(rl_measures_asymmetry_pct(80, 80), 0.0, 0);
    assert_true(isnan(rl_measures_asymmetry_pct(0, 0)));
    assert_true(isnan(rl_measures_asymmetry_pct(NAN, 80)));
}

static void
test_normalisation(void **state)
{
    (void)state;
    assert_near(rl_measures_per_kg(240, 80), 3.0, 1e-12);
    assert_true(isnan(rl_measures_per_kg(240, 0)));
    assert_true(isnan(rl_measures_per_kg(240, NAN)));
    assert_near(rl_measures_pct_of_reference(180, 240), 75.0, 1e-12);
    assert_true(isnan(rl_measures_pct_of_reference(180, 0)));
}

static void
test_change(void **state)
{
    (void)state;
    rl_measures_change_t c = rl_measures_change(120, 150);
    assert_near(c.absolute, 30, 1e-12);
    assert_near(c.pct, 25.0, 1e-12);
    c = rl_measures_change(0, 10);
    assert_near(c.absolute, 10, 1e-12);
    assert_true(isnan(c.pct));
    c = rl_measures_change(NAN, 10);
    assert_true(isnan(c.absolute));
    assert_true(isnan(c.pct));
}

static void
test_smallest_real_difference(void **state)
{
    (void)state;
    rl_measures_srd_t srd;
    rl_measures_srd_defaults(&srd);
    bool real = true;
    rl_err_t err = {{0}};
    /* +25 % extension strength: within the 33 % test-retest noise. */
    assert_int_equal(rl_measures_real_change(&srd, RL_DIR_EXTENSION, 120, 150, &real, &err), 0);
    assert_false(real);
    /* +33 % exactly counts (inclusive), so does -40 %. */
    assert_int_equal(rl_measures_real_change(&srd, RL_DIR_EXTENSION, 100, 133, &real, &err), 0);
    assert_true(real);
    assert_int_equal(rl_measures_real_change(&srd, RL_DIR_FLEXION, 100, 60, &real, &err), 0);
    assert_true(real);
    /* Rotation overridden to 45 %: a 40 % change there is noise. */
    srd.pct[RL_DIR_ROTATION_LEFT] = 45;
    assert_int_equal(rl_measures_real_change(&srd, RL_DIR_ROTATION_LEFT, 100, 140, &real, &err), 0);
    assert_false(real);
    assert_int_equal(rl_measures_real_change(&srd, RL_DIR_ROTATION_RIGHT, 100, 140, &real, &err),
                     0);
    assert_true(real);
    assert_int_equal(rl_measures_real_change(&srd, RL_DIR_FLEXION, 0, 40, &real, &err), -1);
    assert_string_equal(err.msg, "flexion: baseline is 0, a change in % is undefined");
    assert_int_equal(rl_measures_real_change(&srd, RL_DIR_FLEXION, 100, NAN, &real, &err), -1);
    assert_string_equal(err.msg, "flexion: follow-up value missing, no change can be judged");
}

static void
test_t_quantile_table(void **state)
{
    (void)state;
    assert_near(rl_measures_t_quantile(0.975, 1), 12.7062, 1e-4);
    assert_near(rl_measures_t_quantile(0.975, 2), 4.3027, 1e-4);
    assert_near(rl_measures_t_quantile(0.975, 4), 2.7764, 1e-4);
    assert_near(rl_measures_t_quantile(0.975, 9), 2.2622, 1e-4);
    assert_near(rl_measures_t_quantile(0.975, 29), 2.0452, 1e-4);
    assert_near(rl_measures_t_quantile(0.975, 120), 1.9799, 1e-4);
    assert_near(rl_measures_t_quantile(0.975, 1e5), 1.9600, 1e-4);
    assert_near(rl_measures_t_quantile(0.975, 1e9), 1.959964, 1e-6);
    assert_near(rl_measures_t_quantile(0.995, 9), 3.2498, 1e-4);
    assert_near(rl_measures_t_quantile(0.95, 4), 2.1318, 1e-4);
    assert_near(rl_measures_t_quantile(0.025, 9), -2.2622, 1e-4);
    assert_near(rl_measures_t_quantile(0.5, 3), 0.0, 1e-12);
    /* Non-integer df (Welch) lies between its neighbours. */
    double t = rl_measures_t_quantile(0.975, 4.5);
    assert_true(t < 2.7764 && t > 2.5706);
    assert_true(isnan(rl_measures_t_quantile(1.0, 4)));
    assert_true(isnan(rl_measures_t_quantile(0.975, 0)));
}

static void
test_summary(void **state)
{
    (void)state;
    double x[] = {10, 12, NAN, 9, 14, 11};
    rl_measures_summary_t s;
    rl_measures_summary(x, 6, &s);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.n_missing, 1);
    assert_near(s.mean, 11.2, 1e-12);
    assert_near(s.median, 11, 0);
    assert_near(s.sd, 1.9235384061671346, 1e-12);
    /* t(0.975, 4) = 2.776445 x 1.92354 / sqrt(5) = 2.38839 */
    assert_near(s.ci95_low, 11.2 - 2.3883883880999845, 1e-8);
    assert_near(s.ci95_high, 11.2 + 2.3883883880999845, 1e-8);

    double even[] = {4, 1, 3, 2};
    rl_measures_summary(even, 4, &s);
    assert_near(s.median, 2.5, 0);

    double one[] = {7};
    rl_measures_summary(one, 1, &s);
    assert_near(s.mean, 7, 0);
    assert_true(isnan(s.sd));
    assert_true(isnan(s.ci95_low));

    double all_missing[] = {NAN, NAN};
    rl_measures_summary(all_missing, 2, &s);
    assert_int_equal(s.n, 0);
    assert_true(isnan(s.mean)); /* never 0 */
    assert_true(isnan(s.median));
}

static void
test_wilson(void **state)
{
    (void)state;
    rl_measures_proportion_t p;
    rl_measures_proportion(8, 10, &p);
    assert_near(p.p, 0.8, 1e-12);
    assert_near(p.ci95_low, 0.4901624715366418, 1e-9);
    assert_near(p.ci95_high, 0.9433178485456248, 1e-9);
    rl_measures_proportion(0, 10, &p);
    assert_near(p.ci95_low, 0.0, 1e-12);
    assert_near(p.ci95_high, 0.2775327998628892, 1e-9);
    rl_measures_proportion(45, 100, &p);
    assert_near(p.ci95_low, 0.3561453797951198, 1e-9);
    assert_near(p.ci95_high, 0.5475539700255787, 1e-9);
    rl_measures_proportion(0, 0, &p);
    assert_true(isnan(p.p) && isnan(p.ci95_low) && isnan(p.ci95_high));
}

static int
s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* rl_measures_sort orders as qsort does: sorted input, reversed input,
 * sorted runs one after the other (a summary's groups), random values
 * with ties, and the trivial sizes. */
static void
test_sort_runs(void **state)
{
    (void)state;
    enum { N = 1000 };
    static double v[N], w[N];
    unsigned seed = 7;
    for (int kind = 0; kind < 5; kind++) {
        size_t n = kind == 4 ? 1 : N;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            switch (kind) {
            case 0:
                v[i] = (double)i;
                break; /* sorted */
            case 1:
                v[i] = (double)(N - i);
                break; /* reversed */
            case 2:
                v[i] = (double)(i % 37) - 10.5;
                break; /* 28 runs */
            case 3:
                v[i] = (double)((seed >> 8) % 50);
                break; /* random, ties */
            default:
                v[i] = 3.25;
                break;
            }
            w[i] = v[i];
        }
        rl_measures_sort(v, n);
        qsort(w, n, sizeof *w, s_cmp);
        for (size_t i = 0; i < n; i++)
            assert_true(v[i] == w[i]);
    }
    rl_measures_sort(NULL, 0);
}

/* The median of unsorted values (found by selection) equals the middle of
 * the sorted ones, odd and even counts, with ties, and NAN skipped. */
static void
test_summary_median_unsorted(void **state)
{
    (void)state;
    enum { N = 501 };
    static double v[N], w[N];
    unsigned seed = 3;
    for (size_t n = 1; n <= N; n += 37) {
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            v[i] = w[i] = (double)((seed >> 8) % 97) / 4.0;
        }
        qsort(w, n, sizeof *w, s_cmp);
        double want = n % 2 ? w[n / 2] : (w[n / 2 - 1] + w[n / 2]) / 2.0;
        rl_measures_summary_t s;
        rl_measures_summary(v, n, &s);
        assert_true(s.median == want);
        assert_int_equal(s.n, n);
    }
    double x[] = {5, NAN, 1, 4, 2, NAN, 3};
    rl_measures_summary_t s;
    rl_measures_summary(x, 7, &s);
    assert_true(s.median == 3.0);
    assert_int_equal(s.n_missing, 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_effort_cv),
        cmocka_unit_test(test_best_ratio_asymmetry),
        cmocka_unit_test(test_normalisation),
        cmocka_unit_test(test_change),
        cmocka_unit_test(test_smallest_real_difference),
        cmocka_unit_test(test_t_quantile_table),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_wilson),
        cmocka_unit_test(test_sort_runs),
        cmocka_unit_test(test_summary_median_unsorted),
    };
    return cmocka_run_group_tests_name("measures", tests, NULL, NULL);
}
