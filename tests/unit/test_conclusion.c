/* Unit tests of the conclusion's storing rule that need no database
 * (conclusion.h): the languages allowed, the cleaning of a typed text
 * (a browser's CRLF line ends, surrounding blanks; inner text as typed),
 * and refusals before any query (an empty text, an unknown language). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ruglab/conclusion.h"

static void
test_lang(void **state)
{
    (void)state;
    assert_true(rl_conclusion_lang_ok("nl"));
    assert_true(rl_conclusion_lang_ok("en"));
    assert_true(rl_conclusion_lang_ok("fr"));
    assert_false(rl_conclusion_lang_ok("de"));
    assert_false(rl_conclusion_lang_ok("NL"));
    assert_false(rl_conclusion_lang_ok(""));
    assert_false(rl_conclusion_lang_ok(NULL));
    assert_false(rl_conclusion_lang_ok("nl' OR '1'='1"));
}

static void
s_clean_is(const char *in, const char *want)
{
    char *got = rl_conclusion_clean(in);
    assert_string_equal(got, want);
    free(got);
}

static void
test_clean(void **state)
{
    (void)state;
    s_clean_is("", "");
    s_clean_is(" \t\r\n ", "");
    s_clean_is("Goede evolutie.", "Goede evolutie.");
    s_clean_is("\r\n  Eerste alinea.\r\nTweede alinea.\r\n\r\n", "Eerste alinea.\nTweede alinea.");
    /* inner blanks, a lone CR and '#' lines stay as typed */
    s_clean_is("a  b\rc\n# niet weg", "a  b\rc\n# niet weg");
    s_clean_is("Patiënt: ' ; DROP TABLE x; --", "Patiënt: ' ; DROP TABLE x; --");
}

static void
test_refused_before_the_database(void **state)
{
    (void)state;
    char id[32];
    const char *field = NULL;
    rl_err_t err;
    rl_conclusion_t in = {.enrolment_id = "1", .body = "  \r\n ", .lang = "nl"};
    assert_int_equal(rl_conclusion_store(NULL, &in, id, &field, &err), -1);
    assert_string_equal(field, "body");
    assert_string_equal(err.msg, "the conclusion is empty; nothing saved");
    in.body = "Goed.";
    in.lang = "de";
    assert_int_equal(rl_conclusion_store(NULL, &in, id, &field, &err), -1);
    assert_string_equal(field, "lang");
    in.lang = "en";
    in.body = "bad \xff byte";
    assert_int_equal(rl_conclusion_store(NULL, &in, id, &field, &err), -1);
    assert_string_equal(field, "body");
    assert_non_null(strstr(err.msg, "not valid UTF-8"));
    char *long_advice = malloc(RL_CONCLUSION_MAX_CHARS + 2);
    memset(long_advice, 'a', RL_CONCLUSION_MAX_CHARS + 1);
    long_advice[RL_CONCLUSION_MAX_CHARS + 1] = '\0';
    in.body = "Goed.";
    in.advice = long_advice;
    assert_int_equal(rl_conclusion_store(NULL, &in, id, &field, &err), -1);
    assert_string_equal(field, "advice");
    free(long_advice);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lang),
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_refused_before_the_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
