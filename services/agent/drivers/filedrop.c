/* The file-drop driver: the device software exports measurements as files
 * into a folder ([filedrop] dir) and the agent publishes them.
 *
 * Contract with the device software
 *   - Write the export as NAME.tmp (or any name not ending in .json), then
 *     rename it to NAME.json: a rename is atomic, so the agent only ever
 *     sees complete files. Files not ending in .json are ignored.
 *   - NAME.json holds one JSON measurement object or an array of them, in
 *     the format of agent_json.h (the same as the jsonl driver's lines):
 *       [{"type": "session_start", "session_id": "s1", "patient_token": "RB-0001",
 *         "taken_at": "2026-11-23T10:00:00Z", "kind": "test"},
 *        {"type": "test_result", ..., "direction": "extension", "trial": 1, ...}]
 *   - Files are processed one at a time, in name order.
 *
 * What the agent does with NAME.json
 *   - Valid (every measurement): each is spooled (durably), then the file
 *     moves to done/NAME.json.
 *   - Invalid (not JSON, or any measurement wrong): nothing of it is
 *     spooled; it moves to rejected/NAME.json with rejected/NAME.reason, one
 *     line saying what is wrong and where ("line 3, column 14: ..." or
 *     "measurement 2 of 5: field 'rom_deg': expected a number"). Fix it and
 *     drop it again.
 *   A name already in done/ or rejected/ gets a suffix (NAME.1.json).
 *
 * Exactly once across crashes: before its first measurement is spooled,
 * the file's number N and name are written to DIR/.processing; each of its
 * measurements carries the spool source mark N << 24 | index. After a
 * crash the spool's last mark says how many of the file's measurements are
 * already in the spool: the rest are spooled, none twice. */
#include "../agent_driver.h"
#include "../agent_json.h"

#include "ruglab/clock.h"
#include "ruglab/log.h"
#include "ruglab/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_INDEX_BITS 24
#define S_MAX_PER_FILE ((1u << S_INDEX_BITS) - 1)
#define S_MAX_FILE_BYTES (256u << 20)

typedef struct {
    char *dir;
    const char *log_ctx;
    agent_spool_t *spool;
    int poll_ms;
    int dir_fd;
    int64_t next_scan_ms;
    /* the file being published */
    char *name;
    uint64_t number;
    rl_msg_t *msgs;
    size_t n, next;
    bool handed_all;
} s_drop_t;

static void
s_free_file(s_drop_t *self)
{
    for (size_t i = self->next; i < self->n; i++)
        rl_msg_clear(&self->msgs[i]);
    free(self->msgs);
    free(self->name);
    self->msgs = NULL;
    self->name = NULL;
    self->n = self->next = 0;
    self->handed_all = false;
}

static void
s_fsync_dir(int dir_fd, const char *sub)
{
    int fd = openat(dir_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* Moves DIR/name into DIR/sub/, not overwriting; returns the new path
 * relative to DIR (caller frees) or NULL. */
static char *
s_move(s_drop_t *self, const char *name, const char *sub)
{
    size_t base_len = strlen(name) - 5; /* without ".json" */
    for (int i = 0; i < 1000; i++) {
        char *to = i == 0 ? rl_asprintf("%s/%s", sub, name)
                          : rl_asprintf("%s/%.*s.%d.json", sub, (int)base_len, name, i);
        struct stat st;
        if (fstatat(self->dir_fd, to, &st, 0) == 0) {
            free(to);
            continue;
        }
        if (renameat(self->dir_fd, name, self->dir_fd, to)) {
            rl_error(self->log_ctx, "cannot move %s/%s to %s: %s", self->dir, name, to,
                     strerror(errno));
            free(to);
            return NULL;
        }
        s_fsync_dir(self->dir_fd, sub);
        (void)fsync(self->dir_fd);
        return to;
    }
    return NULL;
}

static void
s_reject(s_drop_t *self, const char *name, const char *reason)
{
    char *to = s_move(self, name, "rejected");
    if (!to)
        return;
    /* rejected/X.json -> rejected/X.reason */
    char *rpath = rl_asprintf("%.*s.reason", (int)(strlen(to) - 5), to);
    int fd = openat(self->dir_fd, rpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        char *text = rl_asprintf("%s: %s\n", name, reason);
        ssize_t w = write(fd, text, strlen(text));
        (void)w;
        (void)fsync(fd);
        close(fd);
        free(text);
    }
    rl_error(self->log_ctx, "file %s rejected (moved to %s/%s): %s", name, self->dir, to, reason);
    free(rpath);
    free(to);
}

/* Parses DIR/name into self->msgs; on error fills why. */
static int
s_parse_file(s_drop_t *self, const char *name, char *why, size_t why_len)
{
    int rc = -1;
    char *buf = NULL;
    int fd = openat(self->dir_fd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_len, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) || st.st_size > S_MAX_FILE_BYTES) {
        snprintf(why, why_len, "larger than %u bytes", S_MAX_FILE_BYTES);
        goto out;
    }
    size_t len = (size_t)st.st_size, got = 0;
    buf = rl_malloc(len + 1);
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(why, why_len, "cannot read: %s", r < 0 ? strerror(errno) : "file shrank");
            goto out;
        }
        got += (size_t)r;
    }
    if (agent_json_parse_document(buf, len, &self->msgs, &self->n, why, why_len))
        goto out;
    if (self->n > S_MAX_PER_FILE) {
        snprintf(why, why_len, "more than %u measurements", S_MAX_PER_FILE);
        for (size_t i = 0; i < self->n; i++)
            rl_msg_clear(&self->msgs[i]);
        free(self->msgs);
        self->msgs = NULL;
        self->n = 0;
        goto out;
    }
    self->next = 0;
    rc = 0;
out:
    free(buf);
    close(fd);
    return rc;
}

static int
s_write_marker(s_drop_t *self, uint64_t number, const char *name)
{
    int fd =
        openat(self->dir_fd, ".processing.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    char *text = rl_asprintf("%" PRIu64 " %s\n", number, name);
    ssize_t w = write(fd, text, strlen(text));
    int rc = (w == (ssize_t)strlen(text) && fsync(fd) == 0) ? 0 : -1;
    close(fd);
    free(text);
    if (rc == 0 && renameat(self->dir_fd, ".processing.tmp", self->dir_fd, ".processing"))
        rc = -1;
    if (rc == 0)
        (void)fsync(self->dir_fd);
    return rc;
}

static void s_synced(void *vself);

/* Starts publishing name: parses it, numbers it, skips what a previous run
 * already spooled. Returns true when it has measurements to hand out. */
static bool
s_start_file(s_drop_t *self, const char *name, uint64_t number, uint64_t already)
{
    char why[RL_ERR_MAX + 64];
    if (s_parse_file(self, name, why, sizeof why)) {
        s_reject(self, name, why);
        return false;
    }
    self->name = rl_strdup(name);
    self->number = number;
    if (already > self->n)
        already = self->n;
    for (size_t i = 0; i < already; i++)
        rl_msg_clear(&self->msgs[i]);
    self->next = (size_t)already;
    if (already)
        rl_info(self->log_ctx,
                "file %s: %" PRIu64 " of %zu measurements were spooled before a "
                "restart; spooling the rest",
                name, already, self->n);
    if (self->next == self->n) {
        /* All of it was durable in the spool before the restart. */
        self->handed_all = true;
        s_synced(self);
        return false;
    }
    if (self->spool && s_write_marker(self, number, name)) {
        rl_error(self->log_ctx, "cannot write %s/.processing: %s; retrying", self->dir,
                 strerror(errno));
        s_free_file(self);
        return false;
    }
    return true;
}

static int
s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first NAME.json in name order, or NULL (caller frees). */
static char *
s_scan(s_drop_t *self)
{
    int fd = dup(self->dir_fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        rl_error(self->log_ctx, "cannot list %s: %s", self->dir, strerror(errno));
        return NULL;
    }
    rewinddir(d);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len <= 5 || strcmp(de->d_name + len - 5, ".json") || de->d_name[0] == '.')
            continue;
        struct stat st;
        if (fstatat(self->dir_fd, de->d_name, &st, 0) || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            names = rl_realloc(names, cap * sizeof *names);
        }
        names[n++] = rl_strdup(de->d_name);
    }
    closedir(d);
    char *first = NULL;
    if (n) {
        qsort(names, n, sizeof *names, s_cmp_str);
        first = names[0];
        for (size_t i = 1; i < n; i++)
            free(names[i]);
    }
    free(names);
    return first;
}

static void *
s_open(const agent_driver_env_t *env, bool check_only, rl_err_t *err)
{
    const char *dir = rl_config_str(env->cfg, "filedrop", "dir");
    if (!*dir) {
        rl_err_set(err, "[filedrop] dir is not set");
        return NULL;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        rl_err_set(err, "[filedrop] dir %s: %s", dir, strerror(errno));
        return NULL;
    }
    if (check_only) {
        close(dfd);
        return rl_calloc(1, sizeof(s_drop_t));
    }
    if ((mkdirat(dfd, "done", 0755) && errno != EEXIST) ||
        (mkdirat(dfd, "rejected", 0755) && errno != EEXIST)) {
        rl_err_set(err, "cannot create done/ and rejected/ in %s: %s", dir, strerror(errno));
        close(dfd);
        return NULL;
    }
    s_drop_t *self = rl_calloc(1, sizeof *self);
    self->dir = rl_strdup(dir);
    self->dir_fd = dfd;
    self->log_ctx = env->log_ctx;
    self->spool = env->spool;
    self->poll_ms = (int)rl_config_int(env->cfg, "filedrop", "poll_ms");

    /* A file interrupted by a crash or a stop: finish it first. */
    int mfd = openat(dfd, ".processing", O_RDONLY | O_CLOEXEC);
    if (mfd >= 0 && self->spool) {
        char buf[512] = {0};
        ssize_t r = read(mfd, buf, sizeof buf - 1);
        unsigned long long number = 0;
        char name[400];
        if (r > 0 && sscanf(buf, "%llu %399s", &number, name) == 2) {
            uint64_t last = agent_spool_last_mark(self->spool);
            struct stat st;
            if (fstatat(dfd, name, &st, 0) == 0) {
                uint64_t already = 0;
                if (last >> S_INDEX_BITS == number)
                    already = last & S_MAX_PER_FILE;
                else if (last >> S_INDEX_BITS > number)
                    already = S_MAX_PER_FILE; /* all of it */
                (void)s_start_file(self, name, number, already);
            }
        }
    }
    if (mfd >= 0)
        close(mfd);
    return self;
}

static int
s_next(void *vself, rl_msg_t *msg, uint64_t *mark, int *wait_ms, rl_err_t *err)
{
    (void)err;
    s_drop_t *self = vself;
    *wait_ms = 0;
    for (;;) {
        if (self->name) {
            if (self->next < self->n) {
                *msg = self->msgs[self->next];
                memset(&self->msgs[self->next], 0, sizeof self->msgs[self->next]);
                self->next++;
                *mark = (self->number << S_INDEX_BITS) | self->next;
                if (self->next == self->n)
                    self->handed_all = true;
                return AGENT_DRV_MSG;
            }
            *wait_ms = 100;
            return AGENT_DRV_AGAIN; /* waiting for synced() */
        }
        int64_t now = rl_clock_mono_ms();
        if (now < self->next_scan_ms) {
            *wait_ms = (int)(self->next_scan_ms - now);
            return AGENT_DRV_AGAIN;
        }
        char *name = s_scan(self);
        if (!name) {
            self->next_scan_ms = now + self->poll_ms;
            *wait_ms = self->poll_ms;
            return AGENT_DRV_AGAIN;
        }
        uint64_t last = self->spool ? agent_spool_last_mark(self->spool) : 0;
        uint64_t number = (last >> S_INDEX_BITS) + 1;
        bool ok = s_start_file(self, name, number, 0);
        free(name);
        if (!ok)
            continue;
    }
}

static void
s_synced(void *vself)
{
    s_drop_t *self = vself;
    if (!self->name || !self->handed_all)
        return;
    char *to = s_move(self, self->name, "done");
    if (to) {
        rl_info(self->log_ctx, "file %s: %zu measurement(s) spooled; moved to %s", self->name,
                self->n, to);
        free(to);
        (void)unlinkat(self->dir_fd, ".processing", 0);
    }
    s_free_file(self);
}

static void
s_close(void *vself)
{
    s_drop_t *self = vself;
    if (!self)
        return;
    s_free_file(self);
    if (self->dir)
        close(self->dir_fd);
    free(self->dir);
    free(self);
}

const agent_driver_t agent_driver_filedrop = {
    .name = "filedrop",
    .summary = "export files (NAME.json) dropped into a folder; done/ and rejected/",
    .open = s_open,
    .fd = NULL, /* polled */
    .next = s_next,
    .synced = s_synced,
    .close = s_close,
};
