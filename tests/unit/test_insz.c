/* Unit tests for INSZ/BIS validation. The check digits below were computed
 * independently of the code, once, with:
 *   python3 -c "print(97 - n % 97, 97 - (2000000000 + n) % 97)"
 * for each first-9-digits n, e.g. n=850714123 -> 30 (1900s), n=070301001 ->
 * 69 (2000s), n=402000107 -> 97 (n divisible by 97). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ruglab/insz.h"

static void
s_valid(const char *input, rl_insz_t *out)
{
    rl_err_t err = {{0}};
    int rc = rl_insz_validate(input, out, &err);
    if (rc != 0)
        fail_msg("'%s' refused: %s", input, err.msg);
}

static void
s_refused(const char *input, const char *expected_msg)
{
    rl_err_t err = {{0}};
    rl_insz_t out;
    assert_int_equal(rl_insz_validate(input, &out, &err), -1);
    assert_string_equal(err.msg, expected_msg);
}

static void
test_born_1900s(void **state)
{
    (void)state;
    rl_insz_t z;
    s_valid("85.07.14-123.30", &z);
    assert_string_equal(z.digits, "85071412330");
    assert_int_equal(z.birth.year, 1985);
    assert_int_equal(z.birth.month, 7);
    assert_int_equal(z.birth.day, 14);
    assert_int_equal(z.sex, 'M'); /* 123 odd */
    assert_false(z.is_bis);
    s_valid("85071412429", &z); /* bare digits, serial 124 even */
    assert_int_equal(z.sex, 'F');
    assert_int_equal(z.birth.year, 1985);
}

static void
test_born_2000s(void **state)
{
    (void)state;
    rl_insz_t z;
    s_valid("07.03.01-001.69", &z);
    assert_int_equal(z.birth.year, 2007);
    assert_int_equal(z.birth.month, 3);
    assert_int_equal(z.birth.day, 1);
    assert_int_equal(z.sex, 'M');
    s_valid("07 03 01 002 68", &z);
    assert_int_equal(z.birth.year, 2007);
    assert_int_equal(z.sex, 'F');
}

static void
test_leap_day_resolved_by_century(void **state)
{
    (void)state;
    rl_insz_t z;
    /* 29 February 2000 exists (2000 is a leap year): checksum 20. */
    s_valid("00.02.29-123.20", &z);
    assert_int_equal(z.birth.year, 2000);
    assert_int_equal(z.birth.day, 29);
    /* The 1900 checksum (88) would make it 29 February 1900: no such day. */
    s_refused("00.02.29-123.88", "INSZ day 29 does not exist in month 02 of 1900");
    s_valid("96.02.29-123.67", &z);
    assert_int_equal(z.birth.year, 1996);
}

static void
test_bis_numbers(void **state)
{
    (void)state;
    rl_insz_t z;
    /* +20: sex unknown at issue, so the serial parity means nothing. */
    s_valid("85.27.14-123.73", &z);
    assert_true(z.is_bis);
    assert_int_equal(z.bis_offset, 20);
    assert_int_equal(z.birth.month, 7);
    assert_int_equal(z.sex, '?');
    /* +40: sex known, parity applies (124 even = F). */
    s_valid("85.47.14-124.18", &z);
    assert_true(z.is_bis);
    assert_int_equal(z.bis_offset, 40);
    assert_int_equal(z.birth.month, 7);
    assert_int_equal(z.birth.year, 1985);
    assert_int_equal(z.sex, 'F');
    /* BIS with birth month unknown (20) and check digits 97 (n % 97 == 0). */
    s_valid("40.20.00-107.97", &z);
    assert_int_equal(z.birth.year, 1940);
    assert_int_equal(z.birth.month, 0);
    assert_int_equal(z.birth.day, 0);
    assert_int_equal(z.sex, '?');
}

static void
test_unknown_birth_parts(void **state)
{
    (void)state;
    rl_insz_t z;
    s_valid("85.07.00-123.62", &z); /* day unknown */
    assert_int_equal(z.birth.month, 7);
    assert_int_equal(z.birth.day, 0);
    s_valid("00.00.00-123.71", &z); /* only the year (1900) known */
    assert_int_equal(z.birth.year, 1900);
    assert_int_equal(z.birth.month, 0);
}

static void
test_refusals_name_the_rule(void **state)
{
    (void)state;
    s_refused("85.07.14-123.3", "INSZ must have 11 digits (got 10)");
    s_refused("850714123300", "INSZ must have 11 digits (got 12)");
    s_refused("", "INSZ must have 11 digits (got 0)");
    s_refused("85/07/14-123.30",
              "INSZ contains '/' at position 3: only digits, dots, dashes and spaces are allowed");
    s_refused("85.07.14-123.12", "INSZ check digits 12 do not match (expected 30 for a birth "
                                 "before 2000 or 59 for a birth from 2000)");
    s_refused("85.13.14-123.30",
              "INSZ month 13 is not a valid month (1-12, or 21-32/41-52 for a BIS number)");
    s_refused("85.33.14-123.30",
              "INSZ month 33 is not a valid month (1-12, or 21-32/41-52 for a BIS number)");
    s_refused("85.60.14-123.30",
              "INSZ month 60 is not a valid month (1-12, or 21-32/41-52 for a BIS number)");
    s_refused("85.07.32-123.30", "INSZ day 32 is not a valid day (1-31, or 00 when unknown)");
    s_refused("85.00.14-123.30",
              "INSZ day 14 given with an unknown month (00): the day must then be 00 too");
    s_refused("85.07.14-000.30", "INSZ serial number 000 is never issued (001-998)");
    s_refused("85.07.14-999.30", "INSZ serial number 999 is never issued (001-998)");
    /* 31 April: the check digits are right (computed for 850431123 -> 81),
     * the day is not. */
    s_refused("85.04.31-123.81", "INSZ day 31 does not exist in month 04 of 1985");
}

static void
test_format(void **state)
{
    (void)state;
    rl_insz_t z;
    s_valid("85071412330", &z);
    char buf[RL_INSZ_FORMATTED_SIZE];
    assert_string_equal(rl_insz_format(&z, buf), "85.07.14-123.30");
}

static void
test_matches_birth(void **state)
{
    (void)state;
    rl_insz_t z;
    rl_err_t err = {{0}};
    s_valid("85.07.14-123.30", &z);
    rl_date_t born = {1985, 7, 14};
    assert_int_equal(rl_insz_matches_birth(&z, born, 'M', &err), 0);
    assert_int_equal(rl_insz_matches_birth(&z, born, '?', &err), 0);
    assert_int_equal(rl_insz_matches_birth(&z, born, 'F', &err), -1);
    assert_string_equal(err.msg, "sex F does not match the INSZ (serial number 123 is odd: sex M)");
    rl_date_t wrong = {1985, 7, 15};
    assert_int_equal(rl_insz_matches_birth(&z, wrong, 'M', &err), -1);
    assert_string_equal(err.msg,
                        "date of birth 1985-07-15 does not match the INSZ (born 1985-07-14)");
    /* 2085 would be the other century: refused, not silently accepted. */
    rl_date_t century = {2085, 7, 14};
    assert_int_equal(rl_insz_matches_birth(&z, century, 'M', &err), -1);

    /* Day unknown in the number: any day of July 1985 matches. */
    s_valid("85.07.00-123.62", &z);
    assert_int_equal(rl_insz_matches_birth(&z, wrong, 'M', &err), 0);
    rl_date_t june = {1985, 6, 15};
    assert_int_equal(rl_insz_matches_birth(&z, june, 'M', &err), -1);
    assert_string_equal(
        err.msg, "date of birth 1985-06-15 does not match the INSZ (born in 1985-07, day unknown)");

    /* BIS +20: sex unknown in the number, either entered sex matches. */
    s_valid("85.27.14-123.73", &z);
    assert_int_equal(rl_insz_matches_birth(&z, born, 'F', &err), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_born_1900s),
        cmocka_unit_test(test_born_2000s),
        cmocka_unit_test(test_leap_day_resolved_by_century),
        cmocka_unit_test(test_bis_numbers),
        cmocka_unit_test(test_unknown_birth_parts),
        cmocka_unit_test(test_refusals_name_the_rule),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_matches_birth),
    };
    return cmocka_run_group_tests_name("insz", tests, NULL, NULL);
}
