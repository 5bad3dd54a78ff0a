/* Unit tests of ruglab-web's escapers (web_html.h): each context escapes
 * what could end it or open markup (<script>, quotes, &), passes
 * well-formed non-ASCII UTF-8 unchanged, replaces invalid UTF-8 and control
 * characters by U+FFFD; the URL escaper keeps only unreserved bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../services/web/web_html.h"

#define FFFD "\xef\xbf\xbd"

typedef void (*s_escaper_t)(web_buf_t *b, const char *s);

/* The escaped form of s, checked against want. */
static void
s_is(s_escaper_t esc, const char *s, const char *want)
{
    web_buf_t b = {0};
    esc(&b, s);
    assert_non_null(b.data);
    assert_string_equal(b.data, want);
    assert_int_equal(b.len, strlen(want));
    web_buf_clear(&b);
}

static void
test_text(void **state)
{
    (void)state;
    s_is(web_html_text, "", "");
    s_is(web_html_text, "plain text 0-9", "plain text 0-9");
    s_is(web_html_text, "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
    s_is(web_html_text, "Tom & Jerry", "Tom &amp; Jerry");
    s_is(web_html_text, "&amp;", "&amp;amp;");
    s_is(web_html_text, "\"it's\"", "&quot;it&#39;s&quot;");
    s_is(web_html_text, "line 1\nline 2\ttab", "line 1\nline 2\ttab");
}

static void
test_attr(void **state)
{
    (void)state;
    s_is(web_html_attr, "\" onmouseover=\"alert(1)", "&quot; onmouseover=&quot;alert(1)");
    s_is(web_html_attr, "' autofocus onfocus='x", "&#39; autofocus onfocus=&#39;x");
    s_is(web_html_attr, "a<b>&c", "a&lt;b&gt;&amp;c");
    s_is(web_html_attr, "two\nlines\tand a tab", "two&#10;lines&#9;and a tab");
}

static void
test_url(void **state)
{
    (void)state;
    s_is(web_html_url, "AZaz09-._~", "AZaz09-._~");
    s_is(web_html_url, "a b&c=d/e?f#g", "a%20b%26c%3Dd%2Fe%3Ff%23g");
    s_is(web_html_url, "javascript:alert(1)", "javascript%3Aalert%281%29");
    s_is(web_html_url, "\"<'>", "%22%3C%27%3E");
    s_is(web_html_url, "Noëlle", "No%C3%ABlle");
    s_is(web_html_url, "x\xffy", "x%EF%BF%BDy");
}

static void
test_utf8(void **state)
{
    (void)state;
    /* well-formed text of 2, 3 and 4 bytes passes unchanged */
    s_is(web_html_text, "Patiënt Noëlle, € 20, \xf0\x9f\x98\x80",
         "Patiënt Noëlle, € 20, \xf0\x9f\x98\x80");
    s_is(web_html_attr, "Noëlle", "Noëlle");
    /* invalid: a lone byte, a truncated sequence, an overlong '<', a surrogate */
    s_is(web_html_text, "a\xffz", "a" FFFD "z");
    s_is(web_html_text, "a\xc3", "a" FFFD);
    s_is(web_html_text, "\xc0\xbcscript>", FFFD FFFD "script&gt;");
    s_is(web_html_attr, "\xed\xa0\x80", FFFD FFFD FFFD);
}

static void
test_control(void **state)
{
    (void)state;
    s_is(web_html_text,
         "a\x01"
         "b\x1b[31mc\x7f",
         "a" FFFD "b" FFFD "[31mc" FFFD);
    s_is(web_html_attr, "\r\x08", FFFD FFFD);
    s_is(web_html_url, "\x01", "%01");
}

static void
test_buffer(void **state)
{
    (void)state;
    web_buf_t b = {0};
    web_html_text(&b, NULL);
    web_buf_adds(&b, "<p>");
    for (int i = 0; i < 1000; i++)
        web_html_text(&b, "<&>");
    web_buf_adds(&b, "</p>");
    assert_int_equal(b.len, 3 + 1000 * 13 + 4);
    size_t len = 0;
    char *s = web_buf_take(&b, &len);
    assert_int_equal(len, strlen(s));
    assert_null(b.data);
    assert_int_equal(strncmp(s, "<p>&lt;&amp;&gt;", 16), 0);
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text), cmocka_unit_test(test_attr),    cmocka_unit_test(test_url),
        cmocka_unit_test(test_utf8), cmocka_unit_test(test_control), cmocka_unit_test(test_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
