/* Unit tests of ruglab-web's sessions and CSRF tokens (web_session.h): a
 * new random id at each creation; the idle and the absolute timeout;
 * sign-out; a token is valid for its id until its expiry only, and any
 * change to it (id, expiry, MAC, format) is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "../../services/web/web_session.h"

static int
s_setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

static void
test_sessions(void **state)
{
    (void)state;
    web_sessions_t *ss = web_sessions_new(1800, 43200);
    web_session_t a = {0}, b = {0}, got;
    snprintf(a.name, sizeof a.name, "jpeeters");
    b = a;
    web_sessions_create(ss, &a, 1000);
    web_sessions_create(ss, &b, 1000);
    assert_int_equal(strlen(a.id), 64);
    assert_int_equal(strspn(a.id, "0123456789abcdef"), 64);
    assert_string_not_equal(a.id, b.id);
    assert_true(web_sessions_get(ss, a.id, 1000 + 1799, &got));
    assert_string_equal(got.name, "jpeeters");
    /* used at 2799: idle from then on */
    assert_true(web_sessions_get(ss, a.id, 2799 + 1799, &got));
    assert_false(web_sessions_get(ss, a.id, 4598 + 1800, &got)); /* idle too long */
    assert_false(web_sessions_get(ss, a.id, 4598, &got));        /* and gone */
    assert_false(web_sessions_get(ss, "", 1000, &got));
    assert_false(web_sessions_get(ss, "00", 1000, &got));
    web_sessions_destroy(&ss);
    assert_null(ss);
}

static void
test_absolute(void **state)
{
    (void)state;
    web_sessions_t *ss = web_sessions_new(1800, 7200);
    web_session_t a = {0}, got;
    web_sessions_create(ss, &a, 0);
    for (int t = 1000; t < 7200; t += 1000)
        assert_true(web_sessions_get(ss, a.id, t, &got));
    assert_false(web_sessions_get(ss, a.id, 7200, &got));
    assert_int_equal(web_sessions_count(ss, 7200), 0);
    web_sessions_destroy(&ss);
}

static void
test_end(void **state)
{
    (void)state;
    web_sessions_t *ss = web_sessions_new(1800, 7200);
    web_session_t a = {0}, b = {0}, got;
    web_sessions_create(ss, &a, 0);
    web_sessions_create(ss, &b, 0);
    assert_true(web_sessions_end(ss, a.id));
    assert_false(web_sessions_end(ss, a.id));
    assert_false(web_sessions_get(ss, a.id, 1, &got));
    assert_true(web_sessions_get(ss, b.id, 1, &got));
    assert_int_equal(web_sessions_count(ss, 1), 1);
    web_sessions_destroy(&ss);
}

static void
test_tokens(void **state)
{
    (void)state;
    web_sessions_t *ss = web_sessions_new(1800, 7200);
    char id[WEB_ID_HEX], other[WEB_ID_HEX], tok[WEB_TOKEN_SIZE], bad[2 * WEB_TOKEN_SIZE];
    web_random_id(id);
    web_random_id(other);
    web_sessions_token(ss, id, 5000, tok);
    assert_true(web_sessions_token_ok(ss, id, tok, 4999));
    assert_true(web_sessions_token_ok(ss, id, tok, 5000));
    assert_false(web_sessions_token_ok(ss, id, tok, 5001));   /* expired */
    assert_false(web_sessions_token_ok(ss, other, tok, 100)); /* another session's */
    assert_false(web_sessions_token_ok(ss, id, NULL, 100));
    assert_false(web_sessions_token_ok(ss, id, "", 100));
    assert_false(web_sessions_token_ok(ss, NULL, tok, 100));
    snprintf(bad, sizeof bad, "9%s", tok); /* a later expiry, same MAC */
    assert_false(web_sessions_token_ok(ss, id, bad, 100));
    snprintf(bad, sizeof bad, "%s", tok);
    char *last = bad + strlen(bad) - 1;
    *last = *last == '0' ? '1' : '0'; /* one digit of the MAC */
    assert_false(web_sessions_token_ok(ss, id, bad, 100));
    snprintf(bad, sizeof bad, "%.*s", (int)strlen(tok) - 1, tok); /* cut */
    assert_false(web_sessions_token_ok(ss, id, bad, 100));
    /* another process (key) does not accept it */
    web_sessions_t *ss2 = web_sessions_new(1800, 7200);
    assert_false(web_sessions_token_ok(ss2, id, tok, 100));
    web_sessions_destroy(&ss2);
    web_sessions_destroy(&ss);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_absolute),
        cmocka_unit_test(test_end),
        cmocka_unit_test(test_tokens),
    };
    return cmocka_run_group_tests(tests, s_setup, NULL);
}
