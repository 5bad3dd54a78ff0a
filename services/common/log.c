/* Line-per-event logging to stderr (see log.h). */
#include "ruglab/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *s_program = "ruglab";
static rl_log_level_t s_level = RL_LOG_INFO;
static const char *const s_names[] = {"error", "warn", "info", "debug"};

void
rl_log_init(const char *program, rl_log_level_t level)
{
    s_program = program;
    s_level = level;
}

void
rl_log_set_level(rl_log_level_t level)
{
    s_level = level;
}

rl_log_level_t
rl_log_get_level(void)
{
    return s_level;
}

int
rl_log_parse_level(const char *name, rl_log_level_t *level)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, s_names[i]) == 0) {
            *level = (rl_log_level_t)i;
            return 0;
        }
    }
    return -1;
}

void
rl_log_sanitize(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

void
rl_log_write(rl_log_level_t level, const char *context, const char *fmt, ...)
{
    char line[2048];
    int n = snprintf(line, sizeof line, "%s: %s: %s%s", s_program, s_names[level],
                     context ? context : "", context ? ": " : "");
    if (n < 0 || (size_t)n >= sizeof line)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    /* A value from outside (a URL, a typed name) cannot start a line of
     * its own: control characters become '?' (a log line is one line). */
    rl_log_sanitize(line);
    /* One fputs per line so that lines of threads do not interleave. */
    size_t len = strlen(line);
    if (len + 1 < sizeof line) {
        line[len] = '\n';
        line[len + 1] = '\0';
    }
    fputs(line, stderr);
}
