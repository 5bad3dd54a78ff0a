/* ruglab-web's output buffer and its escapers: every byte of data written
 * into a page goes through the escaper of its context (HTML text, a quoted
 * HTML attribute value, a URL component), as cgit's html.c does. Invalid
 * UTF-8 becomes U+FFFD, control characters other than tab and newline
 * become U+FFFD too; well-formed non-ASCII text passes unchanged. The
 * buffer is the caller's; no global state, any thread. */
#ifndef WEB_HTML_H
#define WEB_HTML_H

#include <stddef.h>

typedef struct {
    char *data; /* NUL-terminated; NULL while empty */
    size_t len;
    size_t cap;
} web_buf_t;

/* Appends n bytes as they are (markup the program itself writes). */
void web_buf_add(web_buf_t *b, const char *s, size_t n);
void web_buf_adds(web_buf_t *b, const char *s);
/* Frees the data and empties the buffer. */
void web_buf_clear(web_buf_t *b);
/* Takes the data out (caller frees; never NULL); the buffer is empty after. */
char *web_buf_take(web_buf_t *b, size_t *len);

/* Text between tags: & < > escaped (and quotes, harmless there). */
void web_html_text(web_buf_t *b, const char *s);
/* A quoted attribute value: & < > " ' escaped, tab and newline as
 * character references. */
void web_html_attr(web_buf_t *b, const char *s);
/* One URL component (a path segment or a query value): every byte but
 * A-Z a-z 0-9 - . _ ~ percent-encoded. */
void web_html_url(web_buf_t *b, const char *s);

#endif
