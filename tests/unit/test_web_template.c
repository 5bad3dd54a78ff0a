/* Unit tests of ruglab-web's template engine (web_template.h): values are
 * escaped by the context of their placeholder (text or attribute); a
 * missing key is an error, not an empty string; an HTML fragment goes
 * between tags only; templates with a placeholder loose in a tag, a
 * script, or a broken placeholder are refused with their line; a folder
 * of templates loads both languages and refuses a language missing one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../services/web/web_template.h"
#include "rmtree.h"

/* Renders text with vars; returns the output (caller frees) or NULL, with
 * the error in err. */
static char *
s_render(const char *text, const web_tvar_t *vars, size_t n, rl_err_t *err)
{
    web_templates_t *t = web_templates_from_string("en", "t", text, err);
    if (!t)
        return NULL;
    web_buf_t out = {0};
    int rc = web_templates_render(t, "en", "t", vars, n, &out, err);
    web_templates_destroy(&t);
    if (rc != 0) {
        web_buf_clear(&out);
        return NULL;
    }
    return web_buf_take(&out, NULL);
}

static void
test_contexts(void **state)
{
    (void)state;
    rl_err_t err;
    web_tvar_t v[] = {{"name", "<script>alert(1)</script>", NULL}, {"q", "\" onclick=\"x", NULL}};
    char *s = s_render("<p title=\"{{q}}\">{{name}}</p><input value='{{q}}'>", v, 2, &err);
    assert_non_null(s);
    assert_string_equal(s,
                        "<p title=\"&quot; onclick=&quot;x\">&lt;script&gt;alert(1)&lt;/script&gt;"
                        "</p><input value='&quot; onclick=&quot;x'>");
    free(s);
    s = s_render("no placeholders: a { and a } and {single}", NULL, 0, &err);
    assert_string_equal(s, "no placeholders: a { and a } and {single}");
    free(s);
    s = s_render("{{a}}{{a}} {{b_2}}", (web_tvar_t[]){{"a", "x&", NULL}, {"b_2", "é", NULL}}, 2,
                 &err);
    assert_string_equal(s, "x&amp;x&amp; é");
    free(s);
}

static void
test_missing_key(void **state)
{
    (void)state;
    rl_err_t err;
    web_tvar_t v[] = {{"name", "x", NULL}};
    assert_null(s_render("<p>{{name}} {{site}}</p>", v, 1, &err));
    assert_non_null(strstr(err.msg, "no value for {{site}}"));
}

static void
test_fragment(void **state)
{
    (void)state;
    rl_err_t err;
    web_buf_t rows = {0};
    web_buf_adds(&rows, "<tr><td>1</td></tr>");
    web_tvar_t v[] = {{"rows", NULL, &rows}};
    char *s = s_render("<table>{{rows}}</table>", v, 1, &err);
    assert_string_equal(s, "<table><tr><td>1</td></tr></table>");
    free(s);
    assert_null(s_render("<a title=\"{{rows}}\">", v, 1, &err));
    assert_non_null(strstr(err.msg, "in an attribute"));
    web_buf_clear(&rows);
}

static void
test_refused(void **state)
{
    (void)state;
    rl_err_t err;
    assert_null(web_templates_from_string("en", "t", "<p>\n<a {{x}}>", &err));
    assert_non_null(strstr(err.msg, "t:2: placeholder {{x}} in a tag"));
    assert_null(web_templates_from_string("en", "t", "<a href={{x}}>", &err));
    assert_null(web_templates_from_string("en", "t", "<p>ok</p>\n<SCRIPT>x</SCRIPT>", &err));
    assert_non_null(strstr(err.msg, "t:2: no script"));
    assert_null(web_templates_from_string("en", "t", "{{Not a key}}", &err));
    assert_non_null(strstr(err.msg, "opens no placeholder"));
    assert_null(web_templates_from_string("en", "t", "{{open", &err));
    assert_null(web_templates_from_string("en", "t", "<p class=\"x", &err));
    assert_non_null(strstr(err.msg, "inside a tag"));
}

static void
s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
test_folder(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_web_template.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char p[256];
    snprintf(p, sizeof p, "%s/nl", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/en", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/nl/hi.html", dir);
    s_write(p, "<p>Hallo {{name}}</p>");
    snprintf(p, sizeof p, "%s/en/hi.html", dir);
    s_write(p, "<p>Hello {{name}}</p>");
    rl_err_t err;
    web_templates_t *t = web_templates_load(dir, &err);
    assert_non_null(t);
    assert_int_equal(web_templates_count(t), 2);
    web_buf_t out = {0};
    web_tvar_t v[] = {{"name", "A&B", NULL}};
    assert_int_equal(web_templates_render(t, "nl", "hi", v, 1, &out, &err), 0);
    assert_string_equal(out.data, "<p>Hallo A&amp;B</p>");
    assert_int_equal(web_templates_render(t, "fr", "hi", v, 1, &out, &err), -1);
    assert_int_equal(web_templates_render(t, "en", "nope", v, 1, &out, &err), -1);
    web_buf_clear(&out);
    web_templates_destroy(&t);
    snprintf(p, sizeof p, "%s/en/only.html", dir);
    s_write(p, "<p>only in English</p>");
    assert_null(web_templates_load(dir, &err));
    assert_non_null(strstr(err.msg, "nl/only.html is missing"));
    t_rmtree(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contexts), cmocka_unit_test(test_missing_key),
        cmocka_unit_test(test_fragment), cmocka_unit_test(test_refused),
        cmocka_unit_test(test_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
