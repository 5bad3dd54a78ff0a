/* UTF-8 checks (see text.h). */
#include "ruglab/text.h"

#include "ruglab/mem.h"

#include <stdio.h>
#include <string.h>

/* Length of the well-formed sequence at s[0..len), 0 when invalid. */
static size_t
s_seq_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned int lo = 0x80, hi = 0xBF; /* bounds of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c == 0xE0) {
        n = 3;
        lo = 0xA0; /* no overlong forms */
    } else if (c >= 0xE1 && c <= 0xEC) {
        n = 3;
    } else if (c == 0xED) {
        n = 3;
        hi = 0x9F; /* no surrogates */
    } else if (c >= 0xEE && c <= 0xEF) {
        n = 3;
    } else if (c == 0xF0) {
        n = 4;
        lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
        n = 4;
    } else if (c == 0xF4) {
        n = 4;
        hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

size_t
rl_text_utf8_error_at(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = s_seq_len(p + i, len - i);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

size_t
rl_text_control_at(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return i;
    return len;
}

bool
rl_text_utf8_valid(const char *s, size_t len)
{
    return rl_text_utf8_error_at(s, len) == len;
}

char *
rl_text_utf8_sanitize(const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    char *out = rl_malloc(len + 1);
    size_t i = 0, o = 0;
    while (i < len) {
        size_t n = s_seq_len(p + i, len - i);
        if (n == 0) {
            if (o + 1 > max)
                break;
            out[o++] = '?';
            i++;
            continue;
        }
        if (o + n > max)
            break;
        memcpy(out + o, p + i, n);
        o += n;
        i += n;
    }
    out[o] = '\0';
    return out;
}

int
rl_text_check_args(const char *prog, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        size_t len = strlen(argv[i]);
        size_t at = rl_text_utf8_error_at(argv[i], len);
        if (at < len) {
            fprintf(stderr, "%s: argument %d is not valid UTF-8 (byte %zu); nothing was done\n",
                    prog, i, at + 1);
            return 1;
        }
    }
    return 0;
}
