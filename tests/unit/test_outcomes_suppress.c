/* Unit tests for small-cell suppression (services/outcomes/outcomes_suppress.c):
 * no published cell under 5, and no published total or whole that gives a
 * suppressed cell back by subtraction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../services/outcomes/outcomes.h"

#include <math.h>
#include <string.h>

static void
test_primary(void **state)
{
    (void)state;
    assert_true(outcomes_suppress_primary(0));
    assert_true(outcomes_suppress_primary(4));
    assert_false(outcomes_suppress_primary(5));
    assert_false(outcomes_suppress_primary(120));
}

static void
test_column_one_small_cell_takes_the_next_smallest(void **state)
{
    (void)state;
    /* 3 + 12 + 40 = 55: with only the 3 hidden, 55 - 12 - 40 gives it back */
    outcomes_cell_t c[3] = {{3, false}, {12, false}, {40, false}};
    outcomes_cell_t total = {55, false};
    assert_true(outcomes_suppress_column(c, 3, &total));
    assert_true(c[0].suppressed);
    assert_true(c[1].suppressed);
    assert_false(c[2].suppressed);
    assert_false(total.suppressed);
}

static void
test_column_two_small_cells_are_enough(void **state)
{
    (void)state;
    outcomes_cell_t c[3] = {{3, false}, {2, false}, {40, false}};
    outcomes_cell_t total = {45, false};
    assert_true(outcomes_suppress_column(c, 3, &total));
    assert_true(c[0].suppressed && c[1].suppressed);
    assert_false(c[2].suppressed);
    assert_false(total.suppressed);
}

static void
test_column_single_group_hides_the_total(void **state)
{
    (void)state;
    outcomes_cell_t c[1] = {{7, true}}; /* hidden by another rule */
    outcomes_cell_t total = {7, false};
    assert_true(outcomes_suppress_column(c, 1, &total));
    assert_true(total.suppressed);
}

static void
test_column_nothing_small_changes_nothing(void **state)
{
    (void)state;
    outcomes_cell_t c[2] = {{30, false}, {12, false}};
    outcomes_cell_t total = {42, false};
    assert_false(outcomes_suppress_column(c, 2, &total));
    assert_false(c[0].suppressed || c[1].suppressed || total.suppressed);
}

static void
test_parts_hidden_small_rest_is_protected(void **state)
{
    (void)state;
    /* enrolled 40 = completed 30 + dropped 7 + running 3: publishing both
     * completed and dropped out would give the 3 running back */
    outcomes_cell_t p[3] = {{30, false}, {7, false}, {3, false}};
    const bool shown[3] = {true, true, false};
    assert_true(outcomes_suppress_parts(p, shown, 3));
    assert_false(p[0].suppressed);
    assert_true(p[1].suppressed);
}

static void
test_parts_zero_rest_needs_no_protection(void **state)
{
    (void)state;
    outcomes_cell_t p[3] = {{30, false}, {7, false}, {0, false}};
    const bool shown[3] = {true, true, false};
    assert_false(outcomes_suppress_parts(p, shown, 3));
    assert_false(p[0].suppressed || p[1].suppressed);
}

static void
test_parts_small_shown_part_takes_another(void **state)
{
    (void)state;
    outcomes_cell_t p[3] = {{30, false}, {2, false}, {0, false}};
    const bool shown[3] = {true, true, false};
    assert_true(outcomes_suppress_parts(p, shown, 3));
    assert_true(p[0].suppressed && p[1].suppressed);
}

static void
test_important_both_sides_are_cells(void **state)
{
    (void)state;
    /* 20 of 22 reach it: the 2 who do not are a small cell */
    assert_true(outcomes_cell_important(20, 22).suppressed);
    assert_true(outcomes_cell_important(3, 40).suppressed);
    outcomes_cell_t c = outcomes_cell_important(15, 40);
    assert_false(c.suppressed);
    assert_int_equal(c.value, 15);
}

static void
test_counts_alone_hide_a_small_enrolment_and_the_partition(void **state)
{
    (void)state;
    outcomes_counts_t c;
    /* 4 enrolled: every count is small */
    outcomes_counts_alone(&c, 4, 2, 1);
    assert_true(c.enrolled.suppressed && c.completed.suppressed && c.dropped.suppressed);
    /* 40 = 30 + 7 + 3 still running: the 3 would come back from the
     * other two, so the smaller shown part goes too */
    outcomes_counts_alone(&c, 40, 30, 7);
    assert_false(c.enrolled.suppressed);
    assert_false(c.completed.suppressed);
    assert_true(c.dropped.suppressed);
    assert_int_equal(c.rest.value, 3);
    /* 40 = 33 + 7 + nobody running: everything is published */
    outcomes_counts_alone(&c, 40, 33, 7);
    assert_false(c.enrolled.suppressed || c.completed.suppressed || c.dropped.suppressed);
}

static void
test_counts_suppress_leaves_enrolled_to_the_caller(void **state)
{
    (void)state;
    outcomes_counts_t c;
    outcomes_counts_init(&c, 3, 1, 1);
    assert_true(outcomes_suppress_counts(&c));
    assert_false(c.enrolled.suppressed);
    assert_true(c.completed.suppressed && c.dropped.suppressed);
}

/* Numbers are rounded half away from zero on the decimal they stand for,
 * as SQL's round(numeric): a mean of exactly 1.775 (held as the double
 * 1.77499999999999991) is 1.78; carries; no "-0.00". */
static void
test_fmt_rounds_the_decimal(void **state)
{
    (void)state;
    char b[OUTCOMES_NUM];
    assert_string_equal(outcomes_fmt(b, sizeof b, (1.77 + 1.78) / 2, 2), "1.78");
    assert_string_equal(outcomes_fmt(b, sizeof b, 14.2 / 8, 2), "1.78"); /* 1.775 */
    assert_string_equal(outcomes_fmt(b, sizeof b, 1.685, 2), "1.69");
    assert_string_equal(outcomes_fmt(b, sizeof b, -1.775, 2), "-1.78");
    assert_string_equal(outcomes_fmt(b, sizeof b, 1.7749, 2), "1.77");
    assert_string_equal(outcomes_fmt(b, sizeof b, 9.995, 2), "10.00");
    assert_string_equal(outcomes_fmt(b, sizeof b, 99.95, 1), "100.0");
    assert_string_equal(outcomes_fmt(b, sizeof b, 2.5, 0), "3");
    assert_string_equal(outcomes_fmt(b, sizeof b, -0.001, 2), "0.00");
    assert_string_equal(outcomes_fmt(b, sizeof b, 0, 2), "0.00");
    assert_string_equal(outcomes_fmt(b, sizeof b, -12.345678, 4), "-12.3457");
    assert_string_equal(outcomes_fmt(b, sizeof b, NAN, 2), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_primary),
        cmocka_unit_test(test_fmt_rounds_the_decimal),
        cmocka_unit_test(test_column_one_small_cell_takes_the_next_smallest),
        cmocka_unit_test(test_column_two_small_cells_are_enough),
        cmocka_unit_test(test_column_single_group_hides_the_total),
        cmocka_unit_test(test_column_nothing_small_changes_nothing),
        cmocka_unit_test(test_parts_hidden_small_rest_is_protected),
        cmocka_unit_test(test_parts_zero_rest_needs_no_protection),
        cmocka_unit_test(test_parts_small_shown_part_takes_another),
        cmocka_unit_test(test_important_both_sides_are_cells),
        cmocka_unit_test(test_counts_alone_hide_a_small_enrolment_and_the_partition),
        cmocka_unit_test(test_counts_suppress_leaves_enrolled_to_the_caller),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
