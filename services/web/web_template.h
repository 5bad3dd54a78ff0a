/* ruglab-web's page templates: files <dir>/<lang>/<name>.html kept apart
 * from the code, one folder per language (nl, en). A template is HTML with
 * placeholders {{key}} and no other logic. Each placeholder's context is
 * fixed when the file is loaded: between tags it is HTML text, inside a
 * quoted attribute value it is an attribute; a placeholder anywhere else
 * in a tag, or a <script> in a template, refuses the file. Rendering
 * escapes every text value for its placeholder's context; a missing key
 * is an error, never an empty string. A value may instead be a fragment
 * the engine itself rendered (rows of a table), allowed between tags only.
 *
 * A loaded set is immutable: any thread may render from it; SIGHUP loads a
 * new set and swaps it in (web.c). */
#ifndef WEB_TEMPLATE_H
#define WEB_TEMPLATE_H

#include "web_html.h"

#include "ruglab/err.h"

#include <stddef.h>

typedef struct web_templates web_templates_t;

/* One value: text (escaped where it lands) or html, a fragment rendered by
 * web_templates_render. Exactly one of them is set. */
typedef struct {
    const char *key;
    const char *text;
    const web_buf_t *html;
} web_tvar_t;

/* The languages, in the order of a fallback; the first is the default. */
extern const char *const web_template_langs[];
#define WEB_TEMPLATE_N_LANGS 2

/* Loads every .html file of <dir>/<lang>; both languages must have the same
 * names. NULL with err ("<file>:<line>: ...") on failure. Caller owns. */
web_templates_t *web_templates_load(const char *dir, rl_err_t *err)
    __attribute__((warn_unused_result));
/* Parses one template from memory (the unit tests; the loader). */
web_templates_t *web_templates_from_string(const char *lang, const char *name, const char *text,
                                           rl_err_t *err) __attribute__((warn_unused_result));
void web_templates_destroy(web_templates_t **self_p);
/* How many templates were loaded (all languages). */
size_t web_templates_count(const web_templates_t *self);

/* Appends template name of lang to out, filled from vars. Returns 0, or
 * -1 with err (unknown template or language, a missing key, an html value
 * in an attribute); out may then hold a part. */
int web_templates_render(const web_templates_t *self, const char *lang, const char *name,
                         const web_tvar_t *vars, size_t n_vars, web_buf_t *out, rl_err_t *err)
    __attribute__((warn_unused_result));

#endif
