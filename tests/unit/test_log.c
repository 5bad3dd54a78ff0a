/* The log's one-line rule: a value from outside cannot start a new line. */
#include "ruglab/log.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void
test_sanitize_control_characters(void **state)
{
    (void)state;
    char s[] = "GET /programme/1\nruglab-web: info: sign-in of admin\r\t\x1b[31m\x7f";
    rl_log_sanitize(s);
    assert_string_equal(s, "GET /programme/1?ruglab-web: info: sign-in of admin???[31m?");
    assert_null(strchr(s, '\n'));
}

static void
test_sanitize_keeps_text_and_utf8(void **state)
{
    (void)state;
    char s[] = "Patiënt Janssens: 85.07.30-033.28 <ok> & 'quotes'";
    char copy[sizeof s];
    memcpy(copy, s, sizeof s);
    rl_log_sanitize(s);
    assert_string_equal(s, copy);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sanitize_control_characters),
        cmocka_unit_test(test_sanitize_keeps_text_and_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
