/* The storing rule of the physician's conclusion (conclusion.h). */
#include "ruglab/conclusion.h"

#include "ruglab/audit.h"
#include "ruglab/db.h"
#include "ruglab/mem.h"
#include "ruglab/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
rl_conclusion_lang_ok(const char *lang)
{
    return lang && (!strcmp(lang, "nl") || !strcmp(lang, "en") || !strcmp(lang, "fr"));
}

char *
rl_conclusion_clean(const char *text)
{
    size_t len = strlen(text), n = 0;
    char *out = rl_malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        if (!(text[i] == '\r' && text[i + 1] == '\n'))
            out[n++] = text[i];
    out[n] = '\0';
    while (n > 0 && strchr(" \t\r\n", out[n - 1]))
        out[--n] = '\0';
    size_t lead = strspn(out, " \t\r\n");
    memmove(out, out + lead, n - lead + 1);
    return out;
}

/* Characters (code points) of valid UTF-8 text. */
static size_t
s_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Checks one cleaned part; -1 with err. */
static int
s_check(const char *text, const char *what, rl_err_t *err)
{
    size_t len = strlen(text);
    size_t bad = rl_text_utf8_error_at(text, len);
    if (bad < len)
        return rl_err_set(err, "the %s is not valid UTF-8 text (byte %zu); nothing saved", what,
                          bad + 1);
    if (s_chars(text) > RL_CONCLUSION_MAX_CHARS)
        return rl_err_set(err, "the %s is longer than %d characters; nothing saved", what,
                          RL_CONCLUSION_MAX_CHARS);
    return 0;
}

int
rl_conclusion_store(PGconn *conn, const rl_conclusion_t *in, char id[32], const char **field,
                    rl_err_t *err)
{
    *field = NULL;
    if (!rl_conclusion_lang_ok(in->lang)) {
        *field = "lang";
        return rl_err_set(err, "'%s' is not a language of the letter (nl, en, fr)",
                          in->lang ? in->lang : "");
    }
    char *body = rl_conclusion_clean(in->body ? in->body : "");
    char *advice = in->advice ? rl_conclusion_clean(in->advice) : NULL;
    int rc = -1;
    if (!*body) {
        *field = "body";
        rl_err_set(err, "the conclusion is empty; nothing saved");
        goto out;
    }
    if (s_check(body, "conclusion", err) != 0) {
        *field = "body";
        goto out;
    }
    if (advice && s_check(advice, "advice", err) != 0) {
        *field = "advice";
        goto out;
    }
    const char *p[] = {in->enrolment_id, body, rl_audit_reader(), in->lang,
                       advice && *advice ? advice : NULL};
    PGresult *res = rl_db_exec(conn, err, "saving the conclusion",
                               "INSERT INTO clinical.conclusion (enrolment_id, body, written_by, "
                               "lang, advice) VALUES ($1::bigint, $2, $3, $4, $5) "
                               "RETURNING conclusion_id",
                               5, p);
    if (!res) {
        rc = -2;
        goto out;
    }
    snprintf(id, 32, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    rc = 0;
out:
    free(body);
    free(advice);
    return rc;
}
