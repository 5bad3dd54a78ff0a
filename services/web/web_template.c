/* The template engine of ruglab-web (see web_template.h). A template is
 * parsed once into parts: literal HTML, or a placeholder with its context. */
#include "web_template.h"

#include "ruglab/mem.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const web_template_langs[WEB_TEMPLATE_N_LANGS] = {"nl", "en"};

#define S_KEY_MAX 64

typedef enum { S_LITERAL, S_IN_TEXT, S_IN_ATTR } s_kind_t;

typedef struct {
    s_kind_t kind;
    char *s; /* the literal, or the key */
    size_t len;
} s_part_t;

typedef struct {
    char lang[8];
    char *name;
    s_part_t *parts;
    size_t n_parts;
} s_tpl_t;

struct web_templates {
    s_tpl_t *tpls;
    size_t n;
};

static void
s_add_part(s_tpl_t *t, s_kind_t kind, const char *s, size_t len)
{
    if (kind == S_LITERAL && len == 0)
        return;
    t->parts = rl_realloc(t->parts, (t->n_parts + 1) * sizeof *t->parts);
    t->parts[t->n_parts++] = (s_part_t){kind, rl_strndup(s, len), len};
}

static int
s_line_of(const char *text, const char *at)
{
    int line = 1;
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}

/* Reads a placeholder's key at p ("{{" already seen); returns its length
 * or 0 when it is not a key ([a-z0-9_]{1,64} then "}}"). */
static size_t
s_key_len(const char *p)
{
    size_t n = 0;
    while (n <= S_KEY_MAX &&
           ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9') || p[n] == '_'))
        n++;
    return n > 0 && n <= S_KEY_MAX && p[n] == '}' && p[n + 1] == '}' ? n : 0;
}

/* Parses text into t. The scanner knows whether it is between tags, in a
 * tag, or in a quoted attribute value (and which quote). */
static int
s_parse(s_tpl_t *t, const char *file, const char *text, rl_err_t *err)
{
    bool in_tag = false;
    char quote = 0;
    const char *lit = text;
    for (const char *p = text; *p; p++) {
        if (!in_tag && *p == '<') {
            if (!strncasecmp(p, "<script", 7))
                return rl_err_set(err, "%s:%d: no script in templates", file, s_line_of(text, p));
            in_tag = true;
        } else if (in_tag && !quote && (*p == '"' || *p == '\'')) {
            quote = *p;
        } else if (in_tag && quote && *p == quote) {
            quote = 0;
        } else if (in_tag && !quote && *p == '>') {
            in_tag = false;
        } else if (p[0] == '{' && p[1] == '{') {
            size_t n = s_key_len(p + 2);
            if (!n)
                return rl_err_set(err, "%s:%d: '{{' opens no placeholder {{key}}", file,
                                  s_line_of(text, p));
            if (in_tag && !quote)
                return rl_err_set(err,
                                  "%s:%d: placeholder {{%.*s}} in a tag outside a quoted "
                                  "attribute value",
                                  file, s_line_of(text, p), (int)n, p + 2);
            s_add_part(t, S_LITERAL, lit, (size_t)(p - lit));
            s_add_part(t, in_tag ? S_IN_ATTR : S_IN_TEXT, p + 2, n);
            p += n + 3;
            lit = p + 1;
        }
    }
    if (in_tag)
        return rl_err_set(err, "%s: ends inside a tag", file);
    s_add_part(t, S_LITERAL, lit, strlen(lit));
    return 0;
}

static void
s_tpl_free(s_tpl_t *t)
{
    for (size_t i = 0; i < t->n_parts; i++)
        free(t->parts[i].s);
    free(t->parts);
    free(t->name);
}

static int
s_add(web_templates_t *self, const char *lang, const char *name, const char *file, const char *text,
      rl_err_t *err)
{
    s_tpl_t t = {.name = rl_strdup(name)};
    snprintf(t.lang, sizeof t.lang, "%s", lang);
    if (s_parse(&t, file, text, err) != 0) {
        s_tpl_free(&t);
        return -1;
    }
    self->tpls = rl_realloc(self->tpls, (self->n + 1) * sizeof *self->tpls);
    self->tpls[self->n++] = t;
    return 0;
}

web_templates_t *
web_templates_from_string(const char *lang, const char *name, const char *text, rl_err_t *err)
{
    web_templates_t *self = rl_calloc(1, sizeof *self);
    if (s_add(self, lang, name, name, text, err) != 0)
        web_templates_destroy(&self);
    return self;
}

void
web_templates_destroy(web_templates_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    web_templates_t *self = *self_p;
    for (size_t i = 0; i < self->n; i++)
        s_tpl_free(&self->tpls[i]);
    free(self->tpls);
    free(self);
    *self_p = NULL;
}

size_t
web_templates_count(const web_templates_t *self)
{
    return self->n;
}

/* A loaded set is sorted by language and name (web_templates_load), so
 * that a page of many fragments finds each by binary search. */
static int
s_cmp(const void *a, const void *b)
{
    const s_tpl_t *x = a, *y = b;
    int c = strcmp(x->lang, y->lang);
    return c ? c : strcmp(x->name, y->name);
}

static const s_tpl_t *
s_find(const web_templates_t *self, const char *lang, const char *name)
{
    s_tpl_t key;
    memset(&key, 0, sizeof key);
    snprintf(key.lang, sizeof key.lang, "%s", lang);
    key.name = (char *)name;
    return self->n ? bsearch(&key, self->tpls, self->n, sizeof *self->tpls, s_cmp) : NULL;
}

/* Reads a whole file (at most 1 MiB) into a NUL-terminated string. */
static char *
s_read(const char *path, rl_err_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        rl_err_set(err, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 20, len = 0;
    char *buf = rl_malloc(cap + 1);
    len = fread(buf, 1, cap, f);
    bool too_big = len == cap && fgetc(f) != EOF, failed = ferror(f);
    fclose(f);
    if (too_big || failed || memchr(buf, '\0', len)) {
        rl_err_set(err, "cannot read %s: %s", path,
                   too_big  ? "larger than 1 MiB"
                   : failed ? "read error"
                            : "holds a NUL byte");
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* Loads every *.html of dir/lang. */
static int
s_load_lang(web_templates_t *self, const char *dir, const char *lang, rl_err_t *err)
{
    char *sub = rl_asprintf("%s/%s", dir, lang);
    DIR *d = opendir(sub);
    int rc = -1;
    if (!d) {
        rl_err_set(err, "cannot read the templates folder %s: %s", sub, strerror(errno));
        goto out;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n <= 5 || strcmp(e->d_name + n - 5, ".html") != 0)
            continue;
        char *path = rl_asprintf("%s/%s", sub, e->d_name);
        char *name = rl_strndup(e->d_name, n - 5);
        char *text = s_read(path, err);
        int r = text ? s_add(self, lang, name, path, text, err) : -1;
        free(text);
        free(name);
        free(path);
        if (r != 0)
            goto out;
    }
    rc = 0;
out:
    if (d)
        closedir(d);
    free(sub);
    return rc;
}

web_templates_t *
web_templates_load(const char *dir, rl_err_t *err)
{
    web_templates_t *self = rl_calloc(1, sizeof *self);
    for (size_t l = 0; l < WEB_TEMPLATE_N_LANGS; l++)
        if (s_load_lang(self, dir, web_template_langs[l], err) != 0)
            goto fail;
    if (self->n)
        qsort(self->tpls, self->n, sizeof *self->tpls, s_cmp);
    for (size_t i = 0; i < self->n; i++)
        for (size_t l = 0; l < WEB_TEMPLATE_N_LANGS; l++)
            if (!s_find(self, web_template_langs[l], self->tpls[i].name)) {
                rl_err_set(err, "%s/%s/%s.html is missing (%s has it)", dir, web_template_langs[l],
                           self->tpls[i].name, self->tpls[i].lang);
                goto fail;
            }
    if (self->n == 0) {
        rl_err_set(err, "no templates in %s", dir);
        goto fail;
    }
    return self;
fail:
    web_templates_destroy(&self);
    return NULL;
}

int
web_templates_render(const web_templates_t *self, const char *lang, const char *name,
                     const web_tvar_t *vars, size_t n_vars, web_buf_t *out, rl_err_t *err)
{
    const s_tpl_t *t = s_find(self, lang, name);
    if (!t)
        return rl_err_set(err, "no template %s/%s.html", lang, name);
    for (size_t i = 0; i < t->n_parts; i++) {
        const s_part_t *p = &t->parts[i];
        if (p->kind == S_LITERAL) {
            web_buf_add(out, p->s, p->len);
            continue;
        }
        const web_tvar_t *v = NULL;
        for (size_t k = 0; k < n_vars && !v; k++)
            if (!strcmp(vars[k].key, p->s))
                v = &vars[k];
        if (!v)
            return rl_err_set(err, "template %s/%s.html: no value for {{%s}}", lang, name, p->s);
        if (v->html && p->kind == S_IN_ATTR)
            return rl_err_set(err, "template %s/%s.html: {{%s}} is HTML, in an attribute", lang,
                              name, p->s);
        if (v->html)
            web_buf_add(out, v->html->data ? v->html->data : "", v->html->len);
        else if (p->kind == S_IN_ATTR)
            web_html_attr(out, v->text);
        else
            web_html_text(out, v->text);
    }
    return 0;
}
