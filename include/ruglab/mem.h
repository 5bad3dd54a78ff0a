/* Memory helpers: out of memory aborts with a message, so nothing below
 * checks allocation results. Every function here returns memory the caller
 * owns and frees with free(). Thread-safe. */
#ifndef RUGLAB_MEM_H
#define RUGLAB_MEM_H

#include <stddef.h>

void *rl_malloc(size_t size) __attribute__((malloc, returns_nonnull));
void *rl_calloc(size_t count, size_t size) __attribute__((malloc, returns_nonnull));
void *rl_realloc(void *ptr, size_t size) __attribute__((returns_nonnull));
char *rl_strdup(const char *s) __attribute__((malloc, returns_nonnull));
char *rl_strndup(const char *s, size_t n) __attribute__((malloc, returns_nonnull));
/* printf into a freshly allocated string. */
char *rl_asprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), malloc, returns_nonnull));

#endif
