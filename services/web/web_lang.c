/* The language of each request (the decisions: web.h): the person's
 * choice in the cookie ruglab_lang, else the browser's Accept-Language,
 * else the configuration's; and the words stored as codes (roles,
 * statuses) shown through per-language templates. */
#include "web.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The thread answering a request renders in its language. */
static __thread const char *s_thread_lang;

void
web_lang_set_thread(const char *lang)
{
    s_thread_lang = lang;
}

/* The supported language named by the n bytes of tag ("nl", "nl-BE",
 * "EN-gb"), or NULL. */
static const char *
s_supported(const char *tag, size_t n)
{
    size_t primary = 0;
    while (primary < n && tag[primary] != '-' && tag[primary] != '_')
        primary++;
    for (size_t i = 0; i < WEB_TEMPLATE_N_LANGS; i++) {
        const char *l = web_template_langs[i];
        if (strlen(l) == primary && !strncasecmp(l, tag, primary))
            return l;
    }
    return NULL;
}

/* The first language of an Accept-Language header that is supported and
 * not refused with q=0, in the header's order. */
static const char *
s_accept(const char *h)
{
    for (const char *p = h; p && *p;) {
        p += strspn(p, " \t,");
        size_t item = strcspn(p, ",");
        size_t tag = strcspn(p, ";, \t");
        const char *q = memchr(p, ';', item);
        const char *v = q ? strstr(q, "q=") : NULL;
        bool refused = v && v < p + item && strtod(v + 2, NULL) <= 0.0;
        const char *l = tag ? s_supported(p, tag) : NULL;
        if (l && !refused)
            return l;
        p += item;
    }
    return NULL;
}

void
web_lang_pick(const web_app_t *app, web_req_t *req)
{
    const char *c = web_cookie(req, WEB_COOKIE_LANG);
    const char *l = NULL;
    for (size_t i = 0; c && !l && i < WEB_TEMPLATE_N_LANGS; i++)
        if (!strcmp(c, web_template_langs[i]))
            l = web_template_langs[i];
    if (!l)
        l = s_accept(MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Accept-Language"));
    snprintf(req->lang, sizeof req->lang, "%s", l ? l : app->set.lang);
}

int
web_lang(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    for (size_t i = 0; i < WEB_TEMPLATE_N_LANGS; i++)
        if (!strcmp(req->param, web_template_langs[i])) {
            web_set_cookie(app, resp, WEB_COOKIE_LANG, web_template_langs[i], "/",
                           365L * 24 * 3600);
            web_redirect(resp, "/");
            return 0;
        }
    web_error(app, req, resp, 404, "msg_not_found");
    return 0;
}

const char *
web_lang_page(const web_app_t *app)
{
    return s_thread_lang ? s_thread_lang : app->set.lang;
}

const char *
web_name_in(const char *lang, const char *name, const char *name_en)
{
    if (lang && !strcmp(lang, "en") && name_en && *name_en)
        return name_en;
    return name ? name : "";
}

/* The template name KIND_CODE of a stored code: letters lowered, '-' as
 * '_', the empty code as "none"; false when the code holds anything else. */
static bool
s_term_name(const char *kind, const char *code, char *name, size_t size)
{
    size_t n = strlen(code), k = strlen(kind);
    if (n >= 48 || k + 6 + n >= size)
        return false;
    memcpy(name, kind, k);
    name[k++] = '_';
    if (n == 0) {
        memcpy(name + k, "none", 5);
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        char c = code[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (c == '-')
            c = '_';
        else if (!((c >= 'a' && c <= 'z') || c == '_'))
            return false;
        name[k++] = c;
    }
    name[k] = '\0';
    return true;
}

void
web_term(web_app_t *app, const char *kind, const char *code, web_buf_t *out)
{
    char name[96];
    bool plain = s_term_name(kind, code, name, sizeof name);
    /* a code the templates do not name is shown as it is stored */
    pthread_rwlock_rdlock(&app->tpl_lock);
    rl_err_t err;
    size_t before = out->len;
    int rc =
        plain ? web_templates_render(app->tpl, web_lang_page(app), name, NULL, 0, out, &err) : -1;
    pthread_rwlock_unlock(&app->tpl_lock);
    if (rc != 0) {
        out->len = before;
        if (out->data)
            out->data[before] = '\0';
        web_html_text(out, code);
    }
    /* a template's final newline is not part of the word */
    while (out->len > before && (out->data[out->len - 1] == '\n'))
        out->data[--out->len] = '\0';
    web_buf_add(out, "", 0);
}

const web_buf_t *
web_terms_add(web_app_t *app, web_terms_t *t, const char *kind, const char *code)
{
    if (t->n == WEB_TERMS_MAX) /* a programming error: the caller's rows are too wide */
        abort();
    web_buf_t *b = &t->b[t->n++];
    web_term(app, kind, code ? code : "", b);
    return b;
}

void
web_terms_clear(web_terms_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        web_buf_clear(&t->b[i]);
    t->n = 0;
}

const char *
web_or_dash(const char *value)
{
    return value && *value ? value : "-";
}
