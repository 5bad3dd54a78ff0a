/* Unit tests of CSV quoting (csv.h): plain fields as they are; a comma, a
 * quote, LF or CR (alone too) quoted, with quotes doubled; NULL and "" as
 * an empty field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ruglab/csv.h"

/* The field as rl_csv_field writes it. Caller frees. */
static char *
s_field(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    rl_csv_field(f, s);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void
s_is(const char *in, const char *want)
{
    char *got = s_field(in);
    assert_string_equal(got, want);
    free(got);
}

static void
test_plain(void **state)
{
    (void)state;
    s_is("nprs", "nprs");
    s_is("35.6 %", "35.6 %");
    s_is("Patiënt; 'quoted'", "Patiënt; 'quoted'");
    s_is("", "");
    s_is(NULL, "");
}

static void
test_quoted(void **state)
{
    (void)state;
    s_is("a,b", "\"a,b\"");
    s_is("say \"hi\"", "\"say \"\"hi\"\"\"");
    s_is("\"", "\"\"\"\"");
    s_is("two\nlines", "\"two\nlines\"");
    s_is("dos\r\nline", "\"dos\r\nline\"");
}

static void
test_lone_cr_is_quoted(void **state)
{
    (void)state;
    /* a bare CR ends a record for many readers: it must be inside quotes */
    s_is("old\rmac", "\"old\rmac\"");
    s_is("\r", "\"\r\"");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_lone_cr_is_quoted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
