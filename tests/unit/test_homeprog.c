/* Unit tests of the home programme's rules that need no database
 * (homeprog.h): a dose is reps and sets or a hold time, never both, each
 * a whole number within its limit, always with a frequency per week, the
 * field at fault named; exercise and variant codes of the catalogue's
 * form; a "done" list CODE[:VARIANT],... parsed, malformed lists and an
 * exercise named twice refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ruglab/exitcode.h"
#include "ruglab/homeprog.h"

/* Checks in and expects a refusal of status on field with msg in it. */
static void
s_refused(rl_homeprog_in_t in, int status, const char *field, const char *msg)
{
    rl_homeprog_dose_t dose;
    rl_reg_err_t err;
    memset(&err, 0, sizeof err);
    assert_int_equal(rl_homeprog_check(&in, &dose, &err), -1);
    assert_int_equal(err.status, status);
    assert_string_equal(err.field, field);
    assert_non_null(strstr(err.msg, msg));
}

static void
test_dose_counted(void **state)
{
    (void)state;
    rl_homeprog_in_t in = {.exercise = "BIRD-DOG", .reps = "8", .sets = "2", .per_week = "3"};
    rl_homeprog_dose_t d;
    rl_reg_err_t err;
    assert_int_equal(rl_homeprog_check(&in, &d, &err), 0);
    assert_int_equal(d.reps, 8);
    assert_int_equal(d.sets, 2);
    assert_int_equal(d.hold, 0);
    assert_int_equal(d.per_week, 3);
    in.reps = "100";
    in.sets = "20";
    in.per_week = "21";
    assert_int_equal(rl_homeprog_check(&in, &d, &err), 0);
}

static void
test_dose_held(void **state)
{
    (void)state;
    rl_homeprog_in_t in = {.exercise = "PLANK", .variant = "knees", .hold = "600", .per_week = "1"};
    rl_homeprog_dose_t d;
    rl_reg_err_t err;
    assert_int_equal(rl_homeprog_check(&in, &d, &err), 0);
    assert_int_equal(d.hold, 600);
    assert_int_equal(d.reps, 0);
    assert_int_equal(d.sets, 0);
    assert_int_equal(d.per_week, 1);
}

static void
test_dose_refused(void **state)
{
    (void)state;
    rl_homeprog_in_t ok = {.exercise = "PLANK", .hold = "20", .per_week = "3"}, in;
    in = ok;
    in.hold = NULL;
    s_refused(in, RL_EXIT_USAGE, "reps", "give the dose");
    in = ok;
    in.reps = "10";
    in.sets = "2";
    s_refused(in, RL_EXIT_USAGE, "hold", "not both");
    in = ok;
    in.hold = NULL;
    in.reps = "10";
    s_refused(in, RL_EXIT_USAGE, "sets", "--sets is required");
    in = ok;
    in.hold = NULL;
    in.sets = "2";
    s_refused(in, RL_EXIT_USAGE, "reps", "--reps is required");
    in = ok;
    in.hold = "0";
    s_refused(in, RL_EXIT_FAIL, "hold", "outside 1-600");
    in.hold = "601";
    s_refused(in, RL_EXIT_FAIL, "hold", "outside 1-600");
    in.hold = "-1";
    s_refused(in, RL_EXIT_FAIL, "hold", "not a whole number");
    in.hold = "2.5";
    s_refused(in, RL_EXIT_FAIL, "hold", "not a whole number");
    in.hold = "99999999999999999999";
    s_refused(in, RL_EXIT_FAIL, "hold", "not a whole number");
    in = ok;
    in.hold = NULL;
    in.reps = "101";
    in.sets = "2";
    s_refused(in, RL_EXIT_FAIL, "reps", "outside 1-100");
    in.reps = "10";
    in.sets = "21";
    s_refused(in, RL_EXIT_FAIL, "sets", "outside 1-20");
    in = ok;
    in.per_week = NULL;
    s_refused(in, RL_EXIT_USAGE, "per-week", "--per-week is required");
    in.per_week = "0";
    s_refused(in, RL_EXIT_FAIL, "per-week", "outside 1-21");
    in.per_week = "22";
    s_refused(in, RL_EXIT_FAIL, "per-week", "outside 1-21");
}

static void
test_codes(void **state)
{
    (void)state;
    rl_homeprog_in_t ok = {.exercise = "PLANK", .hold = "20", .per_week = "3"}, in;
    in = ok;
    in.exercise = NULL;
    s_refused(in, RL_EXIT_USAGE, "exercise", "--exercise is required");
    in.exercise = "plank";
    s_refused(in, RL_EXIT_FAIL, "exercise", "not an exercise code");
    in.exercise = "PLANK'; DROP TABLE x; --";
    s_refused(in, RL_EXIT_FAIL, "exercise", "not an exercise code");
    in.exercise = "A23456789012345678901234567890123"; /* 33 bytes */
    s_refused(in, RL_EXIT_FAIL, "exercise", "not an exercise code");
    in = ok;
    in.variant = "Knees";
    s_refused(in, RL_EXIT_FAIL, "variant", "not a variant code");
    in.variant = "1leg";
    s_refused(in, RL_EXIT_FAIL, "variant", "not a variant code");
    in.variant = "leg-up";
    rl_homeprog_dose_t d;
    rl_reg_err_t err;
    assert_int_equal(rl_homeprog_check(&in, &d, &err), 0);
    in.variant = ""; /* none: as described */
    assert_int_equal(rl_homeprog_check(&in, &d, &err), 0);
}

static void
test_done_list(void **state)
{
    (void)state;
    rl_homeprog_done_t d[RL_HP_DONE_MAX];
    size_t n = 99;
    rl_reg_err_t err;
    assert_int_equal(rl_homeprog_parse_done("PLANK:knees,BIRD-DOG,BRIDGE:one-leg", d, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(d[0].exercise, "PLANK");
    assert_string_equal(d[0].variant, "knees");
    assert_string_equal(d[1].exercise, "BIRD-DOG");
    assert_string_equal(d[1].variant, "");
    assert_string_equal(d[2].variant, "one-leg");
    const char *bad[] = {"",
                         "PLANK,",
                         ",PLANK",
                         "PLANK:",
                         ":knees",
                         "plank",
                         "PLANK:Knees",
                         "PLANK:a:b",
                         "PLANK,PLANK:knees",
                         "PLANK;DROP",
                         NULL};
    for (size_t i = 0; bad[i]; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(rl_homeprog_parse_done(bad[i], d, &n, &err), -1);
        assert_string_equal(err.field, "done");
    }
    assert_int_equal(rl_homeprog_parse_done(NULL, d, &n, &err), -1);
    assert_int_equal(err.status, RL_EXIT_USAGE);
}

static void
test_done_limit(void **state)
{
    (void)state;
    char list[RL_HP_DONE_MAX * 8 + 16] = "";
    rl_homeprog_done_t d[RL_HP_DONE_MAX];
    size_t n;
    rl_reg_err_t err;
    for (int i = 0; i < RL_HP_DONE_MAX; i++) {
        char item[8];
        snprintf(item, sizeof item, "%sE%d", i ? "," : "", i);
        strcat(list, item);
    }
    assert_int_equal(rl_homeprog_parse_done(list, d, &n, &err), 0);
    assert_int_equal(n, RL_HP_DONE_MAX);
    strcat(list, ",EXTRA");
    assert_int_equal(rl_homeprog_parse_done(list, d, &n, &err), -1);
    assert_non_null(strstr(err.msg, "more than"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dose_counted), cmocka_unit_test(test_dose_held),
        cmocka_unit_test(test_dose_refused), cmocka_unit_test(test_codes),
        cmocka_unit_test(test_done_list),    cmocka_unit_test(test_done_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
