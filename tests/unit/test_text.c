/* Unit tests of the UTF-8 checks (text.h): the well-formed forms of each
 * length pass; overlong forms, surrogates, code points above U+10FFFF,
 * truncated sequences, stray continuation bytes and NUL are refused; the
 * sanitised copy keeps valid characters and never cuts one in half. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ruglab/text.h"

static bool
s_ok(const char *s)
{
    return rl_text_utf8_valid(s, strlen(s));
}

static void
test_valid(void **state)
{
    (void)state;
    assert_true(s_ok(""));
    assert_true(s_ok("plain ASCII 0-9"));
    assert_true(s_ok("Patiënt, Noëlle, café"));       /* 2 bytes */
    assert_true(s_ok("\xe2\x82\xac 20, N\xc2\xb7m")); /* euro, middle dot */
    assert_true(s_ok("\xf0\x9f\x98\x80"));            /* U+1F600, 4 bytes */
    assert_true(s_ok("\xf4\x8f\xbf\xbf"));            /* U+10FFFF, the last */
    assert_true(s_ok("\xed\x9f\xbf"));                /* U+D7FF, before surrogates */
    assert_true(s_ok("\xee\x80\x80"));                /* U+E000, after them */
}

static void
test_invalid(void **state)
{
    (void)state;
    assert_false(s_ok("fw \xff"));          /* never in UTF-8 */
    assert_false(s_ok("v1.\xe9"));          /* Latin-1 e-acute */
    assert_false(s_ok("\xc0\xaf"));         /* overlong '/' */
    assert_false(s_ok("\xe0\x80\xaf"));     /* overlong, 3 bytes */
    assert_false(s_ok("\xf0\x80\x80\xaf")); /* overlong, 4 bytes */
    assert_false(s_ok("\xed\xa0\x80"));     /* surrogate U+D800 */
    assert_false(s_ok("\xf4\x90\x80\x80")); /* above U+10FFFF */
    assert_false(s_ok("\xf5\x80\x80\x80"));
    assert_false(s_ok("\xe2\x82"));              /* truncated */
    assert_false(s_ok("\x80"));                  /* stray continuation */
    assert_false(rl_text_utf8_valid("a\0b", 3)); /* NUL inside */
    assert_int_equal(rl_text_utf8_error_at("ok \xc3\xa9 \xff", 7), 6);
}

static void
test_sanitize(void **state)
{
    (void)state;
    char *s = rl_text_utf8_sanitize("fw \xff\xfe caf\xc3\xa9", 100);
    assert_string_equal(s, "fw ?? caf\xc3\xa9");
    assert_true(s_ok(s));
    free(s);
    /* cut at 5 bytes: the two-byte e-acute does not fit whole and is left out */
    s = rl_text_utf8_sanitize("caf\xc3\xa9!", 4);
    assert_string_equal(s, "caf");
    free(s);
    s = rl_text_utf8_sanitize("", 10);
    assert_string_equal(s, "");
    free(s);
}

static void
test_control(void **state)
{
    (void)state;
    assert_int_equal(rl_text_control_at("Pijn \xc3\xa9", 7), 7);
    assert_int_equal(rl_text_control_at("ab\tc", 4), 2);
    assert_int_equal(rl_text_control_at("abc\x7f", 4), 3);
    assert_int_equal(rl_text_control_at("", 0), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_sanitize),
        cmocka_unit_test(test_control),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
