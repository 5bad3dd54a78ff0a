/* Logging for the daemons: one line per event on stderr (the journal adds
 * timestamps), level-gated, printf-checked. The context argument names the
 * device or peer ("device tergumed-01"), never a patient's identity; a
 * patient appears only as a pseudonym. Never call from a signal handler.
 * Thread-safe (one fprintf per line). */
#ifndef RUGLAB_LOG_H
#define RUGLAB_LOG_H

typedef enum {
    RL_LOG_ERROR = 0,
    RL_LOG_WARN = 1,
    RL_LOG_INFO = 2,
    RL_LOG_DEBUG = 3,
} rl_log_level_t;

/* Program name shown at the start of each line ("ruglab-collector"). */
void rl_log_init(const char *program, rl_log_level_t level);
void rl_log_set_level(rl_log_level_t level);
rl_log_level_t rl_log_get_level(void);
/* Parses "error", "warn", "info", "debug"; returns -1 if unknown. */
int rl_log_parse_level(const char *name, rl_log_level_t *level) __attribute__((warn_unused_result));

/* Replaces the control characters of s (below 0x20, and 0x7f) by '?', in
 * place: rl_log_write does it to every line, so that a value logged from
 * outside (a URL, a typed name) cannot forge a line of its own. */
void rl_log_sanitize(char *s);
void rl_log_write(rl_log_level_t level, const char *context, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define RL_LOG(level, ctx, ...)                                                                    \
    do {                                                                                           \
        if ((level) <= rl_log_get_level())                                                         \
            rl_log_write((level), (ctx), __VA_ARGS__);                                             \
    } while (0)
#define rl_error(ctx, ...) RL_LOG(RL_LOG_ERROR, ctx, __VA_ARGS__)
#define rl_warn(ctx, ...) RL_LOG(RL_LOG_WARN, ctx, __VA_ARGS__)
#define rl_info(ctx, ...) RL_LOG(RL_LOG_INFO, ctx, __VA_ARGS__)
#define rl_debug(ctx, ...) RL_LOG(RL_LOG_DEBUG, ctx, __VA_ARGS__)

#endif
