/* Error buffer helpers (see err.h). */
#include "ruglab/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
rl_err_set(rl_err_t *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int
rl_err_prefix(rl_err_t *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    char prefix[RL_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[RL_ERR_MAX];
    memcpy(old, err->msg, sizeof old);
    /* A message longer than the buffer is cut: acceptable for one line. */
    if (snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old) >= (int)sizeof err->msg)
        err->msg[sizeof err->msg - 1] = '\0';
    return -1;
}
