/* Text that crosses a boundary (the wire, a config file, a file a person
 * gives) is checked here before it can reach SQL or a log: strict UTF-8
 * (no overlong forms, no surrogates, nothing above U+10FFFF) and a byte
 * bound. Pure functions; the sanitised copy is the caller's. */
#ifndef RUGLAB_TEXT_H
#define RUGLAB_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* true when the len bytes at s are well-formed UTF-8 (NUL bytes refused). */
bool rl_text_utf8_valid(const char *s, size_t len);

/* The byte offset of the first invalid sequence in s (len bytes), or len
 * when the whole text is valid. */
size_t rl_text_utf8_error_at(const char *s, size_t len);

/* The byte offset of the first control character (below 0x20, or 0x7f)
 * in s (len bytes), or len when there is none. */
size_t rl_text_control_at(const char *s, size_t len);

/* A copy of the NUL-terminated s in which every byte of an invalid
 * sequence is replaced by '?', at most max bytes (cut at a character
 * boundary). Caller frees. */
char *rl_text_utf8_sanitize(const char *s, size_t max);

/* Every ruglab program checks its command line first: an argument that is
 * not valid UTF-8 is refused with exit code 1 (RL_EXIT_FAIL, invalid
 * input), the same in every program, before anything reaches the database
 * or a log. Returns 0, or 1 after printing "PROG: argument N is not valid
 * UTF-8 (byte K); nothing was done" on stderr. */
int rl_text_check_args(const char *prog, int argc, char **argv);

#endif
