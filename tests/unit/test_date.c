/* Unit tests for the calendar date module. Expected values were computed
 * once with Python's datetime (date.isocalendar(), date - date(1970,1,1)). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ruglab/date.h"

static rl_date_t
s_d(int y, int m, int d)
{
    rl_date_t r = {y, m, d};
    return r;
}

static void
test_days_roundtrip(void **state)
{
    (void)state;
    assert_int_equal(rl_date_to_days(s_d(1970, 1, 1)), 0);
    assert_int_equal(rl_date_to_days(s_d(2026, 3, 1)), 20513);
    assert_int_equal(rl_date_to_days(s_d(1969, 12, 31)), -1);
    /* Every day across several leap rules (1900 no, 2000 yes) round-trips. */
    for (long n = rl_date_to_days(s_d(1899, 12, 1)); n < rl_date_to_days(s_d(2101, 1, 1)); n++) {
        rl_date_t d = rl_date_from_days(n);
        assert_true(rl_date_is_valid(d));
        assert_int_equal(rl_date_to_days(d), n);
    }
}

static void
test_validity(void **state)
{
    (void)state;
    assert_true(rl_date_is_valid(s_d(2000, 2, 29)));
    assert_false(rl_date_is_valid(s_d(1900, 2, 29)));
    assert_true(rl_date_is_valid(s_d(2024, 2, 29)));
    assert_false(rl_date_is_valid(s_d(2026, 4, 31)));
    assert_false(rl_date_is_valid(s_d(2026, 13, 1)));
    assert_false(rl_date_is_valid(s_d(2026, 1, 0)));
}

static void
test_add_months_clamps(void **state)
{
    (void)state;
    rl_date_t r = rl_date_add_months(s_d(2026, 1, 31), 1);
    assert_int_equal(rl_date_compare(r, s_d(2026, 2, 28)), 0);
    r = rl_date_add_months(s_d(2025, 11, 30), 3);
    assert_int_equal(rl_date_compare(r, s_d(2026, 2, 28)), 0);
    r = rl_date_add_months(s_d(2026, 1, 5), 6);
    assert_int_equal(rl_date_compare(r, s_d(2026, 7, 5)), 0);
    r = rl_date_add_months(s_d(2026, 3, 15), -3);
    assert_int_equal(rl_date_compare(r, s_d(2025, 12, 15)), 0);
}

static void
test_iso_week(void **state)
{
    (void)state;
    int y, w;
    rl_date_iso_week(s_d(2027, 1, 1), &y, &w);
    assert_int_equal(y, 2026);
    assert_int_equal(w, 53);
    rl_date_iso_week(s_d(2024, 12, 30), &y, &w);
    assert_int_equal(y, 2025);
    assert_int_equal(w, 1);
    rl_date_iso_week(s_d(2026, 2, 16), &y, &w); /* a Monday */
    assert_int_equal(y, 2026);
    assert_int_equal(w, 8);
    assert_int_equal(rl_date_weekday(s_d(2026, 2, 16)), 1);
    assert_int_equal(rl_date_weekday(s_d(2026, 2, 22)), 7);
}

static void
test_parse_format(void **state)
{
    (void)state;
    rl_err_t err = {{0}};
    rl_date_t d;
    assert_int_equal(rl_date_parse("2026-01-05", &d, &err), 0);
    assert_int_equal(rl_date_compare(d, s_d(2026, 1, 5)), 0);
    char buf[RL_DATE_STR_SIZE];
    assert_string_equal(rl_date_format(d, buf), "2026-01-05");
    assert_int_equal(rl_date_parse("2026-02-30", &d, &err), -1);
    assert_string_equal(err.msg, "date '2026-02-30' does not exist");
    assert_int_equal(rl_date_parse("5/1/2026", &d, &err), -1);
    assert_string_equal(err.msg, "date '5/1/2026' is not in the form YYYY-MM-DD");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_roundtrip),    cmocka_unit_test(test_validity),
        cmocka_unit_test(test_add_months_clamps), cmocka_unit_test(test_iso_week),
        cmocka_unit_test(test_parse_format),
    };
    return cmocka_run_group_tests_name("date", tests, NULL, NULL);
}
