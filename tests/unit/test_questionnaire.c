/* Unit tests for questionnaire scoring: the numbers a clinician reads in the
 * report (ODI 16 of 45 = 35.6 %), the missing-item rules and refusals; the
 * NDI scored like the ODI, with its change thresholds. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ruglab/questionnaire.h"

/* Fills answers item 1..n with values[i]; a value of -1 leaves the item out. */
static size_t
s_answers(rl_q_answer_t *out, const int *values, int n)
{
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (values[i] < 0)
            continue;
        out[k].item = i + 1;
        out[k].value = values[i];
        k++;
    }
    return k;
}

static void
s_score_ok(const char *instrument, const char *version, const rl_q_answer_t *a, size_t n,
           rl_q_score_t *out)
{
    rl_err_t err = {{0}};
    if (rl_questionnaire_score(instrument, version, a, n, out, &err) != 0)
        fail_msg("%s refused: %s", instrument, err.msg);
}

static void
s_score_refused(const char *instrument, const char *version, const rl_q_answer_t *a, size_t n,
                const char *msg)
{
    rl_err_t err = {{0}};
    rl_q_score_t out;
    assert_int_equal(rl_questionnaire_score(instrument, version, a, n, &out, &err), -1);
    assert_string_equal(err.msg, msg);
}

static void
test_odi_published_example(void **state)
{
    (void)state;
    /* 9 sections answered (section 8 skipped), sum 16 -> 16/45 = 35.6 %. */
    int v[10] = {2, 1, 3, 2, 1, 2, 2, -1, 1, 2};
    rl_q_answer_t a[10];
    size_t n = s_answers(a, v, 10);
    rl_q_score_t s;
    s_score_ok("ODI", "2.1a", a, n, &s);
    assert_true(s.scorable);
    assert_int_equal(s.n_answered, 9);
    assert_true(fabs(s.score - 35.6) < 1e-9);
    assert_int_equal(s.band, RL_Q_BAND_MODERATE);
    assert_string_equal(rl_questionnaire_band_code(s.band), "moderate");
    assert_string_equal(s.unit, "%");
    assert_true(s.range_min == 0 && s.range_max == 100);
}

static void
test_odi_complete_and_bands(void **state)
{
    (void)state;
    rl_q_answer_t a[10];
    rl_q_score_t s;
    /* All 10 answered, sum 10 -> 20 % (top of "minimal"). */
    int v1[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    s_score_ok("odi", "2.1a", a, s_answers(a, v1, 10), &s);
    assert_true(fabs(s.score - 20.0) < 1e-9);
    assert_int_equal(s.band, RL_Q_BAND_MINIMAL);
    /* Sum 11 -> 22 %: moderate. */
    int v2[10] = {2, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    s_score_ok("ODI", "2.1a", a, s_answers(a, v2, 10), &s);
    assert_true(fabs(s.score - 22.0) < 1e-9);
    assert_int_equal(s.band, RL_Q_BAND_MODERATE);
    /* All 5 -> 100 %: bed-bound. */
    int v3[10] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
    s_score_ok("ODI", "2.1a", a, s_answers(a, v3, 10), &s);
    assert_true(fabs(s.score - 100.0) < 1e-9);
    assert_int_equal(s.band, RL_Q_BAND_BED_BOUND);
    /* 8 answered, sum 25 -> 25/40 = 62.5 %: crippled. */
    int v4[10] = {4, 3, -1, 3, 3, 3, -1, 3, 3, 3};
    s_score_ok("ODI", "2.1a", a, s_answers(a, v4, 10), &s);
    assert_true(fabs(s.score - 62.5) < 1e-9);
    assert_int_equal(s.band, RL_Q_BAND_CRIPPLED);
    /* 9 answered, sum 22 -> 22/45 = 48.9 %: severe. */
    int v5[10] = {4, 3, 2, 3, 3, 3, -1, 2, 1, 1};
    s_score_ok("ODI", "2.1a", a, s_answers(a, v5, 10), &s);
    assert_true(fabs(s.score - 48.9) < 1e-9);
    assert_int_equal(s.band, RL_Q_BAND_SEVERE);
}

static void
test_odi_too_many_missing(void **state)
{
    (void)state;
    int v[10] = {2, 1, 3, -1, 1, 2, -1, -1, 1, 2};
    rl_q_answer_t a[10];
    rl_q_score_t s;
    s_score_ok("ODI", "2.1a", a, s_answers(a, v, 10), &s);
    assert_false(s.scorable);
    assert_true(isnan(s.score));
    assert_int_equal(s.n_answered, 7);
    assert_int_equal(s.band, RL_Q_BAND_NONE);
    assert_string_equal(
        s.reason, "ODI has 7 of 10 sections answered: at least 8 are needed (at most 2 missing)");
}

static void
test_odi_refusals(void **state)
{
    (void)state;
    rl_q_answer_t a[10];
    int v[10] = {2, 1, 7, 2, 1, 2, 2, 1, 1, 2};
    size_t n = s_answers(a, v, 10);
    s_score_refused("ODI", "2.1a", a, n, "ODI item 3: answer 7 out of range 0-5");
    v[2] = 3;
    n = s_answers(a, v, 10);
    s_score_refused("ODI", "2.0", a, n, "ODI version '2.0' not supported (supported: 2.1a)");
    s_score_refused("ODI", NULL, a, n, "ODI version '(none)' not supported (supported: 2.1a)");
    s_score_refused("XYZ", "1", a, n,
                    "unknown instrument 'XYZ' (known: NPRS, ODI, RMDQ, TSK-17, PSFS, NDI)");
    a[5].item = 3; /* section 3 twice */
    s_score_refused("ODI", "2.1a", a, n, "ODI item 3 answered twice");
    a[5].item = 11;
    s_score_refused("ODI", "2.1a", a, n, "ODI item 11 does not exist (items 1-10)");
}

static void
test_any_order(void **state)
{
    (void)state;
    rl_q_answer_t a[9] = {{10, 2}, {1, 2}, {9, 1}, {3, 3}, {2, 1}, {6, 2}, {5, 1}, {7, 2}, {4, 2}};
    rl_q_score_t s;
    s_score_ok("ODI", "2.1a", a, 9, &s);
    assert_true(fabs(s.score - 35.6) < 1e-9);
}

static void
test_nprs(void **state)
{
    (void)state;
    rl_q_answer_t a[1] = {{1, 7}};
    rl_q_score_t s;
    s_score_ok("NPRS", NULL, a, 1, &s);
    assert_true(s.scorable);
    assert_true(s.score == 7.0);
    assert_int_equal(s.band, RL_Q_BAND_NONE);
    assert_string_equal(s.unit, "points");
    s_score_ok("NPRS", NULL, a, 0, &s);
    assert_false(s.scorable);
    assert_string_equal(s.reason, "NPRS is incomplete: item 1 missing");
    a[0].value = 11;
    s_score_refused("NPRS", NULL, a, 1, "NPRS item 1: answer 11 out of range 0-10");
}

static void
test_rmdq(void **state)
{
    (void)state;
    int v[24] = {1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1};
    rl_q_answer_t a[24];
    rl_q_score_t s;
    s_score_ok("RMDQ-24", NULL, a, s_answers(a, v, 24), &s);
    assert_true(s.scorable);
    assert_true(s.score == 11.0); /* 11 yes */
    assert_true(s.range_max == 24);
    /* Missing items are never rescaled. */
    v[2] = -1;
    v[16] = -1;
    s_score_ok("RMDQ", NULL, a, s_answers(a, v, 24), &s);
    assert_false(s.scorable);
    assert_true(isnan(s.score));
    assert_string_equal(s.reason, "RMDQ-24 is incomplete: items 3, 17 missing");
    v[2] = 2;
    s_score_refused("RMDQ", NULL, a, s_answers(a, v, 24), "RMDQ item 3: answer 2 out of range 0-1");
}

static void
test_tsk_reversed_items(void **state)
{
    (void)state;
    rl_q_answer_t a[17];
    rl_q_score_t s;
    /* All answers 1: 13 items x 1 + 4 reversed items x (5-1) = 13 + 16 = 29. */
    int ones[17];
    for (int i = 0; i < 17; i++)
        ones[i] = 1;
    s_score_ok("TSK-17", NULL, a, s_answers(a, ones, 17), &s);
    assert_true(s.score == 29.0);
    assert_int_equal(s.band, RL_Q_BAND_TSK_NOT_HIGH);
    /* All 3: 13 x 3 + 4 x 2 = 47 -> high. */
    int threes[17];
    for (int i = 0; i < 17; i++)
        threes[i] = 3;
    s_score_ok("TSK17", NULL, a, s_answers(a, threes, 17), &s);
    assert_true(s.score == 47.0);
    assert_int_equal(s.band, RL_Q_BAND_TSK_HIGH);
    assert_string_equal(rl_questionnaire_band_code(s.band), "high");
    /* The cut-off is "> 37": 37 is not high, 38 is. */
    int v[17] = {2, 2, 2, 3, 2, 2, 2, 3, 2, 2, 2, 3, 2, 1, 1, 3, 1};
    /* non-reversed: 2x10 (items 1,2,3,5,6,7,9,10,11,13) + 1x3 (14,15,17) = 23
     * reversed (4,8,12,16) answered 3 -> 2 each = 8; total 31. */
    s_score_ok("TSK-17", NULL, a, s_answers(a, v, 17), &s);
    assert_true(s.score == 31.0);
    /* Raise six non-reversed items by 1 -> 37: still not high. */
    v[0] = v[1] = v[2] = v[4] = v[5] = 3;
    v[6] = 3;
    s_score_ok("TSK-17", NULL, a, s_answers(a, v, 17), &s);
    assert_true(s.score == 37.0);
    assert_int_equal(s.band, RL_Q_BAND_TSK_NOT_HIGH);
    /* Lowering reversed item 4 from 3 to 2 adds 1 -> 38: high. */
    v[3] = 2;
    s_score_ok("TSK-17", NULL, a, s_answers(a, v, 17), &s);
    assert_true(s.score == 38.0);
    assert_int_equal(s.band, RL_Q_BAND_TSK_HIGH);
}

static void
test_tsk_incomplete_and_range(void **state)
{
    (void)state;
    rl_q_answer_t a[17];
    rl_q_score_t s;
    int v[17] = {2, 2, 2, 3, -1, 2, 2, 3, -1, 2, 2, 3, 2, 1, 1, 3, 1};
    s_score_ok("TSK-17", NULL, a, s_answers(a, v, 17), &s);
    assert_false(s.scorable);
    assert_string_equal(s.reason, "TSK-17 is incomplete: items 5, 9 missing");
    v[4] = 0;
    v[8] = 2;
    s_score_refused("TSK-17", NULL, a, s_answers(a, v, 17),
                    "TSK-17 item 5: answer 0 out of range 1-4");
}

static void
test_psfs(void **state)
{
    (void)state;
    rl_q_answer_t a[3] = {{1, 3}, {2, 5}, {4, 6}};
    rl_q_score_t s;
    s_score_ok("PSFS", NULL, a, 3, &s);
    assert_true(s.scorable);
    assert_true(fabs(s.score - 14.0 / 3.0) < 1e-12);
    s_score_ok("PSFS", NULL, a, 2, &s);
    assert_false(s.scorable);
    assert_string_equal(s.reason, "PSFS needs 3 to 5 rated activities (got 2)");
    a[2].item = 6;
    s_score_refused("PSFS", NULL, a, 3, "PSFS item 6 does not exist (items 1-5)");
}

static void
s_change(const char *inst, double base, double follow, bool exp_improved, bool exp_important)
{
    bool improved = !exp_improved, important = !exp_important;
    rl_err_t err = {{0}};
    if (rl_questionnaire_important_change(inst, base, follow, &improved, &important, &err) != 0)
        fail_msg("%s %g -> %g refused: %s", inst, base, follow, err.msg);
    if (improved != exp_improved || important != exp_important)
        fail_msg("%s %g -> %g: improved %d important %d, expected %d %d", inst, base, follow,
                 improved, important, exp_improved, exp_important);
}

static void
test_important_change(void **state)
{
    (void)state;
    /* NPRS: 2 points or 30 %, either suffices. */
    s_change("NPRS", 8, 6, true, true);   /* 2 points (25 %) */
    s_change("NPRS", 3, 2, true, true);   /* 1 point but 33 % */
    s_change("NPRS", 8, 7, true, false);  /* 1 point, 12.5 % */
    s_change("NPRS", 5, 7, false, false); /* worse */
    s_change("NPRS", 0, 0, false, false);
    /* ODI: 10 points or 30 %; rounded scores still reach the threshold. */
    s_change("ODI", 35.6, 25.6, true, true);
    s_change("ODI", 62.0, 53.0, true, false); /* 9 points, 14.5 % */
    s_change("ODI", 20.0, 14.0, true, true);  /* 6 points but 30 % */
    /* RMDQ: 5 points or 30 %. */
    s_change("RMDQ", 20, 15, true, true);
    s_change("RMDQ", 20, 16, true, false);
    s_change("RMDQ", 10, 7, true, true);
    /* PSFS: higher is better, 2 points absolute only. */
    s_change("PSFS", 4.0, 6.0, true, true);
    s_change("PSFS", 14.0 / 3.0, 20.0 / 3.0, true, true);
    s_change("PSFS", 2.0, 3.0, true, false); /* +50 % but PSFS has no relative MIC */
    s_change("PSFS", 6.0, 4.0, false, false);
    /* TSK-17: change reported, never "important". */
    s_change("TSK-17", 47, 30, true, false);
    assert_false(rl_questionnaire_has_mic(RL_INSTRUMENT_TSK17));
    assert_true(rl_questionnaire_has_mic(RL_INSTRUMENT_ODI));

    bool improved, important;
    rl_err_t err = {{0}};
    assert_int_equal(rl_questionnaire_important_change("NPRS", NAN, 3, &improved, &important, &err),
                     -1);
    assert_string_equal(err.msg, "NPRS baseline score is missing");
    assert_int_equal(
        rl_questionnaire_important_change("ODI", 35.6, 120, &improved, &important, &err), -1);
    assert_string_equal(err.msg, "ODI follow-up score 120 out of range 0-100");
}

static void
test_band_labels(void **state)
{
    (void)state;
    assert_string_equal(rl_questionnaire_band_label(RL_Q_BAND_MODERATE, "nl"), "matige beperking");
    assert_string_equal(rl_questionnaire_band_label(RL_Q_BAND_MODERATE, "en"),
                        "moderate disability");
    assert_string_equal(rl_questionnaire_band_label(RL_Q_BAND_BED_BOUND, "nl"), "bedlegerig");
    assert_string_equal(rl_questionnaire_band_label(RL_Q_BAND_TSK_HIGH, "nl"),
                        "verhoogde bewegingsangst");
    assert_string_equal(rl_questionnaire_band_label(RL_Q_BAND_NONE, "en"), "");
    assert_null(rl_questionnaire_band_label(RL_Q_BAND_MINIMAL, "fr"));
    assert_string_equal(rl_questionnaire_band_code(RL_Q_BAND_BED_BOUND), "bed_bound");
}

/* NDI (Vernon 1991): total / (5 x answered) x 100 %, like the ODI. */
static void
test_ndi_all_answered(void **state)
{
    (void)state;
    /* Sum 22 of 50 -> 44.0 %; no bands. */
    int v[10] = {3, 2, 2, 3, 2, 2, 2, 2, 2, 2};
    rl_q_answer_t a[10];
    rl_q_score_t s;
    s_score_ok("NDI", "1991", a, s_answers(a, v, 10), &s);
    assert_true(s.scorable);
    assert_int_equal(s.instrument, RL_INSTRUMENT_NDI);
    assert_string_equal(s.code, "NDI");
    assert_int_equal(s.n_answered, 10);
    assert_true(fabs(s.score - 44.0) < 1e-9);
    assert_int_equal(s.band, RL_Q_BAND_NONE);
    assert_string_equal(s.unit, "%");
    assert_true(s.range_min == 0 && s.range_max == 100);
    /* Any version string (or none) is scored the same way. */
    s_score_ok("ndi", NULL, a, s_answers(a, v, 10), &s);
    assert_true(fabs(s.score - 44.0) < 1e-9);
}

static void
test_ndi_one_missing_section(void **state)
{
    (void)state;
    /* Section 5 blank: sum 17 of 9 x 5 = 45 -> 37.8 % (not 34 % of 50). */
    int v[10] = {2, 2, 2, 2, -1, 2, 2, 2, 2, 1};
    rl_q_answer_t a[10];
    rl_q_score_t s;
    s_score_ok("NDI", "1991", a, s_answers(a, v, 10), &s);
    assert_true(s.scorable);
    assert_int_equal(s.n_answered, 9);
    assert_true(fabs(s.score - 37.8) < 1e-9);
    /* Two blank: sum 16 of 40 -> 40.0 %, still scorable. */
    int w[10] = {2, 2, 2, 2, -1, 2, 2, 2, -1, 2};
    s_score_ok("NDI", "1991", a, s_answers(a, w, 10), &s);
    assert_true(s.scorable);
    assert_true(fabs(s.score - 40.0) < 1e-9);
}

static void
test_ndi_too_many_missing(void **state)
{
    (void)state;
    /* Three blank sections: stored but not scorable, and says why. */
    int v[10] = {2, -1, 2, 2, -1, 2, 2, 2, -1, 2};
    rl_q_answer_t a[10];
    rl_q_score_t s;
    s_score_ok("NDI", "1991", a, s_answers(a, v, 10), &s);
    assert_false(s.scorable);
    assert_true(isnan(s.score));
    assert_int_equal(s.n_answered, 7);
    assert_string_equal(
        s.reason, "NDI has 7 of 10 sections answered: at least 8 are needed (at most 2 missing)");
}

static void
test_ndi_refusals(void **state)
{
    (void)state;
    rl_q_answer_t a[2] = {{1, 6}, {2, 0}};
    s_score_refused("NDI", "1991", a, 2, "NDI item 1: answer 6 out of range 0-5");
    rl_q_answer_t b[1] = {{1, -1}};
    s_score_refused("NDI", "1991", b, 1, "NDI item 1: answer -1 out of range 0-5");
    rl_q_answer_t c[1] = {{11, 2}};
    s_score_refused("NDI", "1991", c, 1, "NDI item 11 does not exist (items 1-10)");
    rl_q_answer_t d[2] = {{3, 2}, {3, 1}};
    s_score_refused("NDI", "1991", d, 2, "NDI item 3 answered twice");
}

static void
test_ndi_change_flags(void **state)
{
    (void)state;
    bool improved, important;
    rl_err_t err = {{0}};
    /* MCID 15 percentage points (7.5 of 50), absolute only, inclusive. */
    assert_int_equal(
        rl_questionnaire_important_change("NDI", 44.0, 29.0, &improved, &important, &err), 0);
    assert_true(improved && important);
    assert_int_equal(
        rl_questionnaire_important_change("NDI", 44.0, 30.0, &improved, &important, &err), 0);
    assert_true(improved);
    assert_false(important); /* 14 points is 32 % of 44, but no relative rule */
    assert_int_equal(
        rl_questionnaire_important_change("NDI", 20.0, 24.0, &improved, &important, &err), 0);
    assert_false(improved || important);
    /* MDC 10 percentage points (5 of 50); only the NDI has one here. */
    assert_true(fabs(rl_questionnaire_mdc(RL_INSTRUMENT_NDI) - 10.0) < 1e-9);
    assert_true(rl_questionnaire_mdc(RL_INSTRUMENT_ODI) == 0);
    assert_true(rl_questionnaire_has_mic(RL_INSTRUMENT_NDI));
    assert_string_equal(rl_questionnaire_unit(RL_INSTRUMENT_NDI), "%");
    int n, lo, hi;
    rl_questionnaire_items(RL_INSTRUMENT_NDI, &n, &lo, &hi);
    assert_true(n == 10 && lo == 0 && hi == 5);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_odi_published_example),
        cmocka_unit_test(test_odi_complete_and_bands),
        cmocka_unit_test(test_odi_too_many_missing),
        cmocka_unit_test(test_odi_refusals),
        cmocka_unit_test(test_any_order),
        cmocka_unit_test(test_nprs),
        cmocka_unit_test(test_rmdq),
        cmocka_unit_test(test_tsk_reversed_items),
        cmocka_unit_test(test_tsk_incomplete_and_range),
        cmocka_unit_test(test_psfs),
        cmocka_unit_test(test_important_change),
        cmocka_unit_test(test_band_labels),
        cmocka_unit_test(test_ndi_all_answered),
        cmocka_unit_test(test_ndi_one_missing_section),
        cmocka_unit_test(test_ndi_too_many_missing),
        cmocka_unit_test(test_ndi_refusals),
        cmocka_unit_test(test_ndi_change_flags),
    };
    return cmocka_run_group_tests_name("questionnaire", tests, NULL, NULL);
}
