/* Escapers of ruglab-web (see web_html.h). */
#include "web_html.h"

#include "ruglab/mem.h"
#include "ruglab/text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD in UTF-8 */

void
web_buf_add(web_buf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = rl_realloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void
web_buf_adds(web_buf_t *b, const char *s)
{
    web_buf_add(b, s, strlen(s));
}

void
web_buf_clear(web_buf_t *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

char *
web_buf_take(web_buf_t *b, size_t *len)
{
    char *d = b->data ? b->data : rl_strdup("");
    if (len)
        *len = b->len;
    memset(b, 0, sizeof *b);
    return d;
}

typedef enum { S_TEXT, S_ATTR, S_URL } s_ctx_t;

/* The replacement of one byte in a context, or NULL to copy it. */
static const char *
s_entity(s_ctx_t ctx, unsigned char c)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    case '\t':
        return ctx == S_ATTR ? "&#9;" : NULL;
    case '\n':
        return ctx == S_ATTR ? "&#10;" : NULL;
    default:
        return c < 0x20 || c == 0x7f ? S_REPLACEMENT : NULL;
    }
}

/* Writes the valid UTF-8 run s[0..n) in ctx. */
static void
s_valid_run(web_buf_t *b, s_ctx_t ctx, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        char pct[4];
        if (ctx == S_URL) {
            bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
            if (!plain) {
                snprintf(pct, sizeof pct, "%%%c%c", hex[c >> 4], hex[c & 15]);
                rep = pct;
            }
        } else {
            rep = s_entity(ctx, c);
        }
        if (!rep)
            continue;
        web_buf_add(b, s + start, i - start);
        web_buf_adds(b, rep);
        start = i + 1;
    }
    web_buf_add(b, s + start, n - start);
}

/* Splits s into valid UTF-8 runs; each invalid byte becomes U+FFFD (in a
 * URL: its percent-encoded bytes). */
static void
s_escape(web_buf_t *b, s_ctx_t ctx, const char *s)
{
    if (!s)
        return;
    size_t len = strlen(s);
    while (len > 0) {
        size_t ok = rl_text_utf8_error_at(s, len);
        s_valid_run(b, ctx, s, ok);
        if (ok == len)
            break;
        s_valid_run(b, ctx, S_REPLACEMENT, strlen(S_REPLACEMENT));
        s += ok + 1;
        len -= ok + 1;
    }
    if (!b->data)
        web_buf_add(b, "", 0);
}

void
web_html_text(web_buf_t *b, const char *s)
{
    s_escape(b, S_TEXT, s);
}

void
web_html_attr(web_buf_t *b, const char *s)
{
    s_escape(b, S_ATTR, s);
}

void
web_html_url(web_buf_t *b, const char *s)
{
    s_escape(b, S_URL, s);
}
