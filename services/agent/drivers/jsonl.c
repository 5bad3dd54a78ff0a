/* The jsonl driver: one measurement per line on standard input (format in
 * agent_json.h), for scripting and tests. A line that is not a valid
 * measurement is reported on stderr with its line number and skipped; the
 * agent keeps running. End of input: the agent sends what is left,
 * waits for the acknowledgements and exits. */
#include "../agent_driver.h"
#include "../agent_json.h"

#include "ruglab/log.h"
#include "ruglab/mem.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_LINE_MAX (4u << 20) /* a sample batch of 10000 pairs fits easily */

typedef struct {
    int fd;
    char *buf;
    size_t len, cap;
    size_t scan; /* bytes of buf already searched for a newline */
    long lineno;
    bool eof;
    bool skipping; /* inside an over-long line */
    const char *log_ctx;
} s_jsonl_t;

static void *
s_open(const agent_driver_env_t *env, bool check_only, rl_err_t *err)
{
    (void)check_only;
    (void)err;
    s_jsonl_t *self = rl_calloc(1, sizeof *self);
    self->fd = STDIN_FILENO;
    self->cap = 64 * 1024;
    self->buf = rl_malloc(self->cap);
    self->log_ctx = env->log_ctx;
    return self;
}

static int
s_fd(void *self)
{
    return ((s_jsonl_t *)self)->eof ? -1 : ((s_jsonl_t *)self)->fd;
}

/* Takes one complete line out of the buffer into *line; false if none. */
static bool
s_take_line(s_jsonl_t *self, char **line, size_t *len)
{
    char *nl = memchr(self->buf + self->scan, '\n', self->len - self->scan);
    if (!nl) {
        self->scan = self->len;
        if (self->eof && self->len > 0) { /* a last line without newline */
            *line = rl_strndup(self->buf, self->len);
            *len = self->len;
            self->len = self->scan = 0;
            return true;
        }
        return false;
    }
    size_t n = (size_t)(nl - self->buf);
    *line = rl_strndup(self->buf, n);
    *len = n;
    memmove(self->buf, nl + 1, self->len - n - 1);
    self->len -= n + 1;
    self->scan = 0;
    return true;
}

static int
s_next(void *vself, rl_msg_t *msg, uint64_t *mark, int *wait_ms, rl_err_t *err)
{
    (void)mark; /* standard input has no position to resume from */
    s_jsonl_t *self = vself;
    *wait_ms = -1;
    for (;;) {
        char *line;
        size_t len;
        while (s_take_line(self, &line, &len)) {
            self->lineno++;
            bool skip = self->skipping;
            self->skipping = false;
            size_t i = 0;
            while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
                i++;
            if (skip || i == len || line[i] == '#') {
                free(line);
                continue;
            }
            rl_err_t perr;
            int rc = agent_json_parse_line(line, len, msg, &perr);
            free(line);
            if (rc == 0)
                return AGENT_DRV_MSG;
            rl_msg_clear(msg);
            /* The operator's input, not the agent, is wrong: say where, go on. */
            rl_error(self->log_ctx, "stdin line %ld skipped: %s", self->lineno, perr.msg);
        }
        if (self->eof)
            return AGENT_DRV_EOF;
        if (self->len == self->cap) {
            if (self->cap >= S_LINE_MAX) {
                rl_error(self->log_ctx, "stdin line %ld skipped: longer than %u bytes",
                         self->lineno + 1, S_LINE_MAX);
                self->skipping = true;
                self->len = self->scan = 0;
            } else {
                self->cap *= 2;
                self->buf = rl_realloc(self->buf, self->cap);
            }
        }
        /* Never block the main loop: read only what is there. */
        struct pollfd pfd = {.fd = self->fd, .events = POLLIN};
        int pr = poll(&pfd, 1, 0);
        if (pr == 0 || (pr < 0 && errno == EINTR))
            return AGENT_DRV_AGAIN;
        ssize_t r = read(self->fd, self->buf + self->len, self->cap - self->len);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN)
                return AGENT_DRV_AGAIN;
            rl_err_set(err, "cannot read standard input: %s", strerror(errno));
            return AGENT_DRV_ERROR;
        }
        if (r == 0) {
            self->eof = true;
            continue;
        }
        self->len += (size_t)r;
        /* One read per call: the main loop polls again before blocking. */
        if (!memchr(self->buf + self->scan, '\n', self->len - self->scan))
            return AGENT_DRV_AGAIN;
    }
}

static void
s_close(void *vself)
{
    s_jsonl_t *self = vself;
    if (!self)
        return;
    free(self->buf);
    free(self);
}

const agent_driver_t agent_driver_jsonl = {
    .name = "jsonl",
    .summary = "one JSON measurement per line on standard input",
    .open = s_open,
    .fd = s_fd,
    .next = s_next,
    .synced = NULL,
    .close = s_close,
};
