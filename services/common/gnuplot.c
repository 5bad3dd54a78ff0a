/* Running gnuplot (see gnuplot.h). */
#include "ruglab/gnuplot.h"

#include "ruglab/clock.h"
#include "ruglab/mem.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Output kept to find the error line in: gnuplot stops at its first error. */
#define S_KEEP 16384

void
rl_gnuplot_error_line(const char *output, char *line, size_t size)
{
    assert(output && line && size > 0);
    line[0] = '\0';
    for (const char *p = output; *p;) {
        size_t n = strcspn(p, "\n"), len = n;
        if (len > 0 && p[len - 1] == '\r')
            len--;
        size_t marks = 0;
        while (marks < len && (p[marks] == ' ' || p[marks] == '^'))
            marks++;
        if (marks < len) {
            snprintf(line, size, "%.*s", (int)len, p);
            if (memmem(p, len, "line ", 5) || memmem(p, len, "rror", 4))
                return;
        }
        p += n + (p[n] == '\n');
    }
}

/* Waits for pid whatever signals arrive; false when it cannot be waited for. */
static bool
s_reap(pid_t pid, int *status)
{
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return false;
    return true;
}

/* The child: stdin from /dev/null, stdout and stderr into the pipe. An exec
 * failure is told to the parent through errno_fd, which a successful exec
 * closes. Only async-signal-safe calls after fork. */
static void __attribute__((noreturn))
s_child(const char *gnuplot, const char *script, int out_fd, int errno_fd)
{
    int null = open("/dev/null", O_RDONLY);
    if (null > STDIN_FILENO) {
        dup2(null, STDIN_FILENO);
        close(null);
    }
    dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
    char *const argv[] = {(char *)"gnuplot", (char *)script, NULL};
    execvp(gnuplot, argv);
    int e = errno;
    ssize_t told = write(errno_fd, &e, sizeof e);
    (void)told;
    _exit(127);
}

/* Starts gnuplot. Returns its pid, with the read end of its output in
 * *out_fd, or -1 with err set (a failed exec included: the child is reaped). */
static pid_t
s_start(const char *gnuplot, const char *script, int *out_fd, rl_err_t *err)
{
    int out[2], ex[2];
    if (pipe2(out, O_CLOEXEC) < 0)
        return rl_err_set(err, "cannot start gnuplot: %s", strerror(errno));
    if (pipe2(ex, O_CLOEXEC) < 0) {
        int e = errno;
        close(out[0]);
        close(out[1]);
        return rl_err_set(err, "cannot start gnuplot: %s", strerror(e));
    }
    pid_t pid = fork();
    if (pid == 0)
        s_child(gnuplot, script, out[1], ex[1]);
    int fork_errno = errno;
    close(out[1]);
    close(ex[1]);
    int e = 0;
    ssize_t n = 0;
    if (pid > 0)
        while ((n = read(ex[0], &e, sizeof e)) < 0 && errno == EINTR)
            ;
    close(ex[0]);
    if (pid > 0 && n != sizeof e) {
        *out_fd = out[0];
        return pid;
    }
    close(out[0]);
    if (pid < 0)
        return rl_err_set(err, "cannot start gnuplot: %s", strerror(fork_errno));
    int status;
    s_reap(pid, &status);
    if (e == ENOENT)
        return rl_err_set(err, "gnuplot not found (install gnuplot-nox)");
    return rl_err_set(err, "cannot start gnuplot: %s", strerror(e));
}

/* Reads the child's output until it closes it (0) or the deadline passes
 * (1); -1 on a read error (errno). Copies it to log_fd when >= 0 and keeps
 * the first S_KEEP - 1 bytes in keep, NUL-terminated. */
static int
s_collect(int fd, int log_fd, int64_t deadline, char *keep, size_t *kept)
{
    for (;;) {
        int64_t left = deadline - rl_clock_mono_ms();
        if (left <= 0)
            return 1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ready = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            return ready < 0 ? -1 : 1;
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return n < 0 ? -1 : 0;
        if (log_fd >= 0 && write(log_fd, chunk, (size_t)n) != n)
            log_fd = -1; /* the log is for people; the run goes on */
        size_t take = (size_t)n < S_KEEP - 1 - *kept ? (size_t)n : S_KEEP - 1 - *kept;
        memcpy(keep + *kept, chunk, take);
        *kept += take;
        keep[*kept] = '\0';
    }
}

/* Waits for the child after its output closed, until the deadline: 0 with
 * *status, 1 when time is up, -1 (errno) when it cannot be waited for. */
static int
s_wait(pid_t pid, int64_t deadline, int *status)
{
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
        if (r == 0 && rl_clock_mono_ms() >= deadline)
            return 1;
        if (r == 0)
            poll(NULL, 0, 10);
    }
}

static int
s_verdict(int status, const char *output, rl_err_t *err)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (!WIFEXITED(status))
        return rl_err_set(err, "gnuplot was killed by signal %d", WTERMSIG(status));
    char line[400];
    rl_gnuplot_error_line(output, line, sizeof line);
    return rl_err_set(err, "gnuplot failed (status %d)%s%s", WEXITSTATUS(status),
                      line[0] ? ": " : "", line);
}

int
rl_gnuplot_run(const char *gnuplot, const char *script, const char *log, int timeout_ms,
               rl_err_t *err)
{
    assert(gnuplot && script && timeout_ms > 0);
    int out_fd = -1;
    pid_t pid = s_start(gnuplot, script, &out_fd, err);
    if (pid < 0)
        return -1;
    int log_fd = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    char *keep = rl_malloc(S_KEEP);
    size_t kept = 0;
    keep[0] = '\0';
    int64_t deadline = rl_clock_mono_ms() + timeout_ms;
    int status = 0, rc = s_collect(out_fd, log_fd, deadline, keep, &kept);
    int why = errno;
    if (rc == 0) {
        rc = s_wait(pid, deadline, &status);
        why = errno;
    }
    if (rc != 0) {
        kill(pid, SIGKILL);
        s_reap(pid, &status);
        if (rc > 0)
            rl_err_set(err, "gnuplot did not finish within %g s and was stopped",
                       timeout_ms / 1000.0);
        else
            rl_err_set(err, "waiting for gnuplot: %s", strerror(why));
        rc = -1;
    } else {
        char *nl = strrchr(keep, '\n');
        if (kept == S_KEEP - 1 && nl) /* no half line from the cut */
            nl[1] = '\0';
        rc = s_verdict(status, keep, err);
    }
    if (log_fd >= 0)
        close(log_fd);
    close(out_fd);
    free(keep);
    return rc;
}
