/* Error buffer: library modules shared with the command-line tools never
 * print; they fill an rl_err_t that the caller shows once. The message is
 * one line saying what was being done and why it failed. */
#ifndef RUGLAB_ERR_H
#define RUGLAB_ERR_H

#include <stddef.h>

#define RL_ERR_MAX 512

typedef struct {
    char msg[RL_ERR_MAX];
} rl_err_t;

/* Sets the message (printf format). err may be NULL. Always returns -1 so
 * that `return rl_err_set(err, ...)` reads naturally. */
int rl_err_set(rl_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the current message with more context ("reading x: <old>"). */
int rl_err_prefix(rl_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
