/* The agent's durable spool (format and guarantees in agent_spool.h). */
#include "agent_spool.h"

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
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_HDR AGENT_SPOOL_RECORD_HEADER
#define S_ACK_ENTRY 16u
static const uint8_t s_rec_magic[4] = {'R', 'L', 'S', '1'};
static const uint8_t s_ack_magic[4] = {'R', 'L', 'A', '1'};

typedef struct {
    uint64_t id;
    int fd;
    int ack_fd; /* -1 until the first acknowledgement */
    uint64_t size;
    size_t unacked;
    bool dirty; /* written since the last fsync */
} s_seg_t;

typedef struct {
    uint64_t boot_id;
    uint64_t seq;
    int64_t appended_us;
    uint32_t len;
    uint64_t seg_id;
    uint64_t off; /* of the record header in its segment */
    uint64_t mark;
    bool acked;
} s_rec_t;

struct agent_spool {
    char *dir;
    char *log_ctx;
    int dir_fd;
    int lock_fd;
    uint64_t max_bytes;
    uint64_t segment_bytes;
    uint64_t boot_id;
    uint64_t next_seg_id;
    uint64_t next_seq;     /* next seq to hand out */
    uint64_t reserved_seq; /* DIR/seq says seqs below this may have been used */
    uint64_t synced_seq;   /* every record with seq <= this is durable */
    uint64_t last_mark;    /* of the last record appended */
    uint64_t synced_mark;  /* of the last durable record */
    uint64_t saved_mark;   /* in DIR/mark */
    s_seg_t *segs;         /* sorted by id */
    size_t nsegs, capsegs;
    bool have_active; /* segs[nsegs - 1] takes appends */
    bool dir_dirty;   /* a file was created or removed since the last fsync */
    s_rec_t *recs;    /* sorted by seq; [head, n) may hold pending ones */
    size_t head, n, cap;
    size_t depth;
    uint64_t bytes;
    agent_spool_recovery_t recovery;
};

/* ------------------------------------------------------------ CRC-32C */

static uint32_t s_crc_table[256];
static bool s_crc_ready;

static void
s_crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        s_crc_table[i] = c;
    }
    s_crc_ready = true;
}

uint32_t
agent_crc32c(uint32_t crc, const void *data, size_t len)
{
    if (!s_crc_ready)
        s_crc_init();
    const uint8_t *p = data;
    crc = ~crc;
    while (len--)
        crc = s_crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* ------------------------------------------------------------ helpers */

static void
s_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void
s_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
s_get32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t
s_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void
s_seg_name(char *buf, size_t len, uint64_t id, const char *ext)
{
    snprintf(buf, len, "seg-%020" PRIu64 ".%s", id, ext);
}

static int
s_write_all(int fd, const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t w = pwrite(fd, p, len, (off_t)off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

static int
s_read_all(int fd, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t r = pread(fd, p, len, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO;
            return -1;
        }
        p += r;
        len -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

/* Reads a decimal counter file; 0 when missing or unreadable. */
static uint64_t
s_read_counter(agent_spool_t *self, const char *name)
{
    int fd = openat(self->dir_fd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[32] = {0};
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    char *end;
    unsigned long long v = strtoull(buf, &end, 10);
    if (r <= 0 || end == buf || (*end != '\n' && *end != '\0')) {
        rl_error(self->log_ctx, "spool %s/%s is unreadable; recomputing it from the segments",
                 self->dir, name);
        return 0;
    }
    return v;
}

/* Replaces a counter file atomically and durably (tmp, fsync, rename, fsync dir). */
static int
s_write_counter(agent_spool_t *self, const char *name, uint64_t value, rl_err_t *err)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%s.tmp", name);
    int fd = openat(self->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return rl_err_set(err, "cannot write spool %s/%s: %s", self->dir, tmp, strerror(errno));
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%" PRIu64 "\n", value);
    if (s_write_all(fd, buf, (size_t)n, 0) || fsync(fd)) {
        int e = errno;
        close(fd);
        return rl_err_set(err, "cannot write spool %s/%s: %s", self->dir, tmp, strerror(e));
    }
    close(fd);
    if (renameat(self->dir_fd, tmp, self->dir_fd, name) || fsync(self->dir_fd))
        return rl_err_set(err, "cannot replace spool %s/%s: %s", self->dir, name, strerror(errno));
    return 0;
}

static s_seg_t *
s_seg_find(agent_spool_t *self, uint64_t id)
{
    for (size_t i = 0; i < self->nsegs; i++)
        if (self->segs[i].id == id)
            return &self->segs[i];
    return NULL;
}

static s_seg_t *
s_seg_push(agent_spool_t *self, uint64_t id, int fd, uint64_t size)
{
    if (self->nsegs == self->capsegs) {
        self->capsegs = self->capsegs ? 2 * self->capsegs : 8;
        self->segs = rl_realloc(self->segs, self->capsegs * sizeof *self->segs);
    }
    s_seg_t *seg = &self->segs[self->nsegs++];
    *seg = (s_seg_t){.id = id, .fd = fd, .ack_fd = -1, .size = size};
    return seg;
}

static void
s_rec_push(agent_spool_t *self, const s_rec_t *rec)
{
    if (self->n == self->cap) {
        if (self->head > 0) {
            memmove(self->recs, self->recs + self->head,
                    (self->n - self->head) * sizeof *self->recs);
            self->n -= self->head;
            self->head = 0;
        }
        if (self->n == self->cap) {
            self->cap = self->cap ? 2 * self->cap : 256;
            self->recs = rl_realloc(self->recs, self->cap * sizeof *self->recs);
        }
    }
    self->recs[self->n++] = *rec;
}

/* Index of the first record in [head, n) with seq >= seq. */
static size_t
s_lower_bound(const agent_spool_t *self, uint64_t seq)
{
    size_t lo = self->head, hi = self->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (self->recs[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static s_rec_t *
s_rec_find(agent_spool_t *self, uint64_t seq)
{
    size_t i = s_lower_bound(self, seq);
    if (i < self->n && self->recs[i].seq == seq)
        return &self->recs[i];
    return NULL;
}

static bool
s_seg_remove(agent_spool_t *self, s_seg_t *seg)
{
    char name[64];
    if (self->synced_mark > self->saved_mark) {
        /* The segment may hold the last mark: remember it first. */
        rl_err_t err;
        if (s_write_counter(self, "mark", self->synced_mark, &err)) {
            rl_error(self->log_ctx, "%s; keeping segment %" PRIu64, err.msg, seg->id);
            return false;
        }
        self->saved_mark = self->synced_mark;
    }
    close(seg->fd);
    if (seg->ack_fd >= 0)
        close(seg->ack_fd);
    s_seg_name(name, sizeof name, seg->id, "log");
    if (unlinkat(self->dir_fd, name, 0) && errno != ENOENT)
        rl_error(self->log_ctx, "cannot delete acknowledged spool segment %s/%s: %s", self->dir,
                 name, strerror(errno));
    s_seg_name(name, sizeof name, seg->id, "ack");
    (void)unlinkat(self->dir_fd, name, 0);
    self->bytes -= seg->size;
    size_t i = (size_t)(seg - self->segs);
    if (self->have_active && i == self->nsegs - 1)
        self->have_active = false;
    memmove(seg, seg + 1, (self->nsegs - i - 1) * sizeof *seg);
    self->nsegs--;
    self->dir_dirty = true;
    return true;
}

/* ------------------------------------------------------------ recovery */

/* 1: a valid record at pos; 0: it runs past the end of the data (or the
 * header is incomplete); -1: damaged (magic, length or CRC). */
static int
s_parse_at(const uint8_t *buf, uint64_t size, uint64_t pos, s_rec_t *rec)
{
    if (size - pos < S_HDR)
        return memcmp(buf + pos, s_rec_magic, (size_t)(size - pos) < 4 ? (size_t)(size - pos) : 4)
                   ? -1
                   : 0;
    const uint8_t *h = buf + pos;
    if (memcmp(h, s_rec_magic, 4))
        return -1;
    uint32_t len = s_get32(h + 4);
    if (len == 0 || len > RL_WIRE_MAX_MESSAGE)
        return -1;
    if (size - pos - S_HDR < len)
        return 0;
    uint32_t crc = agent_crc32c(0, h + 4, 36);
    crc = agent_crc32c(crc, h + S_HDR, len);
    if (crc != s_get32(h + 40))
        return -1;
    rec->len = len;
    rec->boot_id = s_get64(h + 8);
    rec->seq = s_get64(h + 16);
    rec->appended_us = (int64_t)s_get64(h + 24);
    rec->mark = s_get64(h + 32);
    return 1;
}

static void
s_quarantine(agent_spool_t *self, uint64_t seg_id, uint64_t off, const uint8_t *data, uint64_t len)
{
    char name[96];
    snprintf(name, sizeof name, "quarantine/seg-%020" PRIu64 "-at-%" PRIu64 ".bad", seg_id, off);
    if (mkdirat(self->dir_fd, "quarantine", 0700) && errno != EEXIST)
        goto fail;
    int fd = openat(self->dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        goto fail;
    if (s_write_all(fd, data, (size_t)len, 0) || fsync(fd)) {
        close(fd);
        goto fail;
    }
    close(fd);
    self->recovery.quarantined++;
    self->recovery.quarantined_bytes += len;
    rl_error(self->log_ctx,
             "spool %s: damaged record of %" PRIu64 " bytes at offset %" PRIu64
             " of segment %" PRIu64 " set aside in %s",
             self->dir, len, off, seg_id, name);
    return;
fail:
    self->recovery.quarantined++;
    self->recovery.quarantined_bytes += len;
    rl_error(self->log_ctx,
             "spool %s: damaged record of %" PRIu64 " bytes at offset %" PRIu64
             " of segment %" PRIu64 " dropped: cannot write %s: %s",
             self->dir, len, off, seg_id, name, strerror(errno));
}

/* Loads the acknowledgements of a segment and marks its records. */
static void
s_load_acks(agent_spool_t *self, s_seg_t *seg, size_t first, size_t last)
{
    char name[64];
    s_seg_name(name, sizeof name, seg->id, "ack");
    int fd = openat(self->dir_fd, name, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st)) {
        close(fd);
        return;
    }
    uint64_t size = (uint64_t)st.st_size;
    uint8_t *buf = rl_malloc(size ? size : 1);
    if (s_read_all(fd, buf, (size_t)size, 0) == 0) {
        for (uint64_t p = 0; p + S_ACK_ENTRY <= size; p += S_ACK_ENTRY) {
            const uint8_t *e = buf + p;
            if (memcmp(e, s_ack_magic, 4) || agent_crc32c(0, e + 8, 8) != s_get32(e + 4))
                continue;
            uint64_t seq = s_get64(e + 8);
            size_t lo = first, hi = last;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (self->recs[mid].seq < seq)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < last && self->recs[lo].seq == seq && !self->recs[lo].acked) {
                self->recs[lo].acked = true;
                seg->unacked--;
            }
        }
    }
    free(buf);
    /* A torn entry at the end: cut it so that new entries stay aligned. */
    if (size % S_ACK_ENTRY && ftruncate(fd, (off_t)(size - size % S_ACK_ENTRY)) == 0)
        (void)fsync(fd);
    seg->ack_fd = fd;
}

/* Scans one segment: keeps its valid records, truncates a torn tail,
 * quarantines damaged regions and rewrites the segment without them. */
static int
s_scan_segment(agent_spool_t *self, uint64_t id, rl_err_t *err)
{
    int rc = -1;
    char name[64], tmp[72];
    s_seg_name(name, sizeof name, id, "log");
    uint8_t *buf = NULL, *clean = NULL;
    int fd = openat(self->dir_fd, name, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        rl_err_set(err, "cannot open spool segment %s/%s: %s", self->dir, name, strerror(errno));
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st)) {
        rl_err_set(err, "cannot stat spool segment %s/%s: %s", self->dir, name, strerror(errno));
        goto out;
    }
    uint64_t size = (uint64_t)st.st_size;
    buf = rl_malloc(size ? size : 1);
    if (s_read_all(fd, buf, (size_t)size, 0)) {
        rl_err_set(err, "cannot read spool segment %s/%s: %s", self->dir, name, strerror(errno));
        goto out;
    }
    clean = rl_malloc(size ? size : 1);
    uint64_t clean_len = 0, pos = 0;
    bool damaged = false;
    size_t first = self->n;
    while (pos < size) {
        s_rec_t rec = {0};
        int r = s_parse_at(buf, size, pos, &rec);
        if (r == 1) {
            rec.seg_id = id;
            rec.off = clean_len;
            memcpy(clean + clean_len, buf + pos, S_HDR + rec.len);
            clean_len += S_HDR + rec.len;
            pos += S_HDR + rec.len;
            if (self->n > 0 && rec.seq <= self->recs[self->n - 1].seq)
                continue; /* out of order: cannot happen; never offer a seq twice */
            s_rec_push(self, &rec);
            continue;
        }
        /* Where does the next valid record start? */
        uint64_t q = pos + 1;
        s_rec_t probe;
        while (q < size && s_parse_at(buf, size, q, &probe) != 1)
            q++;
        if (q < size) {
            s_quarantine(self, id, pos, buf + pos, q - pos);
            damaged = true;
            pos = q;
            continue;
        }
        /* Nothing valid follows: a complete record with a bad CRC is damaged
         * data worth keeping; anything shorter is a torn write. */
        if (r == -1 && size - pos >= S_HDR && !memcmp(buf + pos, s_rec_magic, 4) &&
            s_get32(buf + pos + 4) <= size - pos - S_HDR) {
            s_quarantine(self, id, pos, buf + pos, size - pos);
        } else {
            self->recovery.torn_tails++;
            self->recovery.torn_bytes += size - pos;
            rl_warn(self->log_ctx,
                    "spool %s: torn tail of %" PRIu64 " bytes truncated in segment %s (a write "
                    "cut short by a crash; it was never sent)",
                    self->dir, size - pos, name);
        }
        damaged = damaged || clean_len < size;
        break;
    }
    if (damaged) {
        snprintf(tmp, sizeof tmp, "%s.tmp", name);
        int tfd = openat(self->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (tfd < 0 || s_write_all(tfd, clean, (size_t)clean_len, 0) || fsync(tfd)) {
            rl_err_set(err, "cannot rewrite spool segment %s/%s: %s", self->dir, tmp,
                       strerror(errno));
            if (tfd >= 0)
                close(tfd);
            goto out;
        }
        close(tfd);
        if (renameat(self->dir_fd, tmp, self->dir_fd, name) || fsync(self->dir_fd)) {
            rl_err_set(err, "cannot replace spool segment %s/%s: %s", self->dir, name,
                       strerror(errno));
            goto out;
        }
        close(fd);
        fd = openat(self->dir_fd, name, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            rl_err_set(err, "cannot reopen spool segment %s/%s: %s", self->dir, name,
                       strerror(errno));
            goto out;
        }
    } else if (fsync(fd)) {
        /* Records written by a run that crashed may still be in the page cache only. */
        rl_err_set(err, "cannot fsync spool segment %s/%s: %s", self->dir, name, strerror(errno));
        goto out;
    }
    s_seg_t *seg = s_seg_push(self, id, fd, clean_len);
    fd = -1;
    seg->unacked = self->n - first;
    self->bytes += clean_len;
    s_load_acks(self, seg, first, self->n);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    free(clean);
    return rc;
}

static int
s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int
s_mkdirs(const char *dir, rl_err_t *err)
{
    char *path = rl_strdup(dir);
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(path, 0700) && errno != EEXIST) {
                rl_err_set(err, "cannot create spool directory %s: %s", path, strerror(errno));
                free(path);
                return -1;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    free(path);
    return 0;
}

agent_spool_t *
agent_spool_open(const char *dir, const agent_spool_opts_t *opts, rl_err_t *err)
{
    agent_spool_t *self = rl_calloc(1, sizeof *self);
    self->dir = rl_strdup(dir);
    self->log_ctx = opts->log_ctx ? rl_strdup(opts->log_ctx) : NULL;
    self->dir_fd = -1;
    self->lock_fd = -1;
    self->max_bytes = opts->max_bytes;
    self->segment_bytes = opts->segment_bytes ? opts->segment_bytes : 4u << 20;
    /* Several segments fit in the bound, so acknowledgements free space
     * while the rest of the spool waits. */
    if (self->segment_bytes > self->max_bytes / 4)
        self->segment_bytes = self->max_bytes / 4 ? self->max_bytes / 4 : 1;
    uint64_t *ids = NULL;
    size_t nids = 0, capids = 0;
    DIR *d = NULL;

    if (s_mkdirs(dir, err))
        goto fail;
    self->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (self->dir_fd < 0) {
        rl_err_set(err, "cannot open spool directory %s: %s", dir, strerror(errno));
        goto fail;
    }
    self->lock_fd = openat(self->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (self->lock_fd < 0) {
        rl_err_set(err, "cannot create %s/lock: %s", dir, strerror(errno));
        goto fail;
    }
    if (flock(self->lock_fd, LOCK_EX | LOCK_NB)) {
        if (errno == EWOULDBLOCK)
            rl_err_set(err, "spool %s is in use by another ruglab-agent", dir);
        else
            rl_err_set(err, "cannot lock %s/lock: %s", dir, strerror(errno));
        goto fail;
    }

    /* The segments, oldest first. */
    int dfd = dup(self->dir_fd);
    d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        rl_err_set(err, "cannot list spool directory %s: %s", dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        goto fail;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned long long id;
        int used = 0;
        if (strlen(de->d_name) != 28 || sscanf(de->d_name, "seg-%20llu.log%n", &id, &used) != 1 ||
            used != 28)
            continue;
        if (nids == capids) {
            capids = capids ? 2 * capids : 16;
            ids = rl_realloc(ids, capids * sizeof *ids);
        }
        ids[nids++] = id;
    }
    closedir(d);
    d = NULL;
    if (nids)
        qsort(ids, nids, sizeof *ids, s_cmp_u64);
    for (size_t i = 0; i < nids; i++)
        if (s_scan_segment(self, ids[i], err))
            goto fail;
    self->next_seg_id = nids ? ids[nids - 1] + 1 : 1;

    /* The new boot and the first seq: beyond anything the files remember. */
    uint64_t max_boot = 0, max_seq = 0;
    for (size_t i = self->head; i < self->n; i++) {
        if (self->recs[i].boot_id > max_boot)
            max_boot = self->recs[i].boot_id;
        if (self->recs[i].seq > max_seq)
            max_seq = self->recs[i].seq;
    }
    uint64_t boot = s_read_counter(self, "boot");
    self->boot_id = (boot > max_boot ? boot : max_boot) + 1;
    if (s_write_counter(self, "boot", self->boot_id, err))
        goto fail;
    self->saved_mark = s_read_counter(self, "mark");
    self->last_mark = self->saved_mark;
    for (size_t i = self->head; i < self->n; i++)
        if (self->recs[i].mark > self->last_mark)
            self->last_mark = self->recs[i].mark;
    self->synced_mark = self->last_mark;
    uint64_t hw = s_read_counter(self, "seq");
    self->next_seq = hw > max_seq + 1 ? hw : max_seq + 1;
    self->reserved_seq = self->next_seq;
    self->synced_seq = self->next_seq - 1;

    /* Drop what was acknowledged; count what is pending. */
    for (size_t i = 0; i < self->nsegs;) {
        if (self->segs[i].unacked == 0 && s_seg_remove(self, &self->segs[i])) {
            continue;
        } else {
            self->recovery.records += self->segs[i].unacked;
            i++;
        }
    }
    for (size_t i = self->head; i < self->n; i++)
        if (!self->recs[i].acked)
            self->depth++;
    while (self->head < self->n && self->recs[self->head].acked)
        self->head++;
    if (self->dir_dirty)
        (void)fsync(self->dir_fd);
    self->dir_dirty = false;
    if (self->recovery.quarantined)
        rl_error(self->log_ctx,
                 "spool %s: %zu damaged record(s), %" PRIu64
                 " bytes, set aside in %s/quarantine; the rest of the spool is intact",
                 dir, self->recovery.quarantined, self->recovery.quarantined_bytes, dir);
    free(ids);
    return self;
fail:
    if (d)
        closedir(d);
    free(ids);
    agent_spool_close(&self);
    return NULL;
}

void
agent_spool_close(agent_spool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    agent_spool_t *self = *self_p;
    for (size_t i = 0; i < self->nsegs; i++) {
        if (self->segs[i].dirty)
            (void)fsync(self->segs[i].fd);
        close(self->segs[i].fd);
        if (self->segs[i].ack_fd >= 0)
            close(self->segs[i].ack_fd);
    }
    if (self->dir_fd >= 0)
        close(self->dir_fd);
    if (self->lock_fd >= 0)
        close(self->lock_fd); /* releases the flock */
    free(self->segs);
    free(self->recs);
    free(self->dir);
    free(self->log_ctx);
    free(self);
    *self_p = NULL;
}

uint64_t
agent_spool_boot_id(const agent_spool_t *self)
{
    return self->boot_id;
}

const agent_spool_recovery_t *
agent_spool_recovery(const agent_spool_t *self)
{
    return &self->recovery;
}

/* ------------------------------------------------------------ appending */

static s_seg_t *
s_active_segment(agent_spool_t *self, uint64_t need, rl_err_t *err)
{
    if (self->have_active) {
        s_seg_t *seg = &self->segs[self->nsegs - 1];
        if (seg->size == 0 || seg->size + need <= self->segment_bytes)
            return seg;
        self->have_active = false; /* full: it stays until its records are acknowledged */
    }
    uint64_t id = self->next_seg_id++;
    char name[64];
    s_seg_name(name, sizeof name, id, "log");
    int fd = openat(self->dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
        /* A leftover of a failed delete; its records were acknowledged. */
        if (unlinkat(self->dir_fd, name, 0) == 0)
            fd = openat(self->dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
        rl_err_set(err, "cannot create spool segment %s/%s: %s", self->dir, name, strerror(errno));
        return NULL;
    }
    char ack[64];
    s_seg_name(ack, sizeof ack, id, "ack");
    (void)unlinkat(self->dir_fd, ack, 0);
    self->dir_dirty = true;
    self->have_active = true;
    return s_seg_push(self, id, fd, 0);
}

int
agent_spool_append(agent_spool_t *self, rl_msg_t *msg, uint64_t mark, rl_err_t *err)
{
    int rc = -1;
    uint8_t *payload = NULL, *record = NULL;
    size_t len = 0;
    uint64_t old_boot = msg->boot_id, old_seq = msg->seq;

    if (self->next_seq >= self->reserved_seq) {
        uint64_t upto = self->next_seq + AGENT_SPOOL_SEQ_BLOCK;
        if (s_write_counter(self, "seq", upto, err))
            return -1;
        self->reserved_seq = upto;
    }
    msg->boot_id = self->boot_id;
    msg->seq = self->next_seq;
    if (rl_wire_encode(msg, &payload, &len, err)) {
        rl_err_prefix(err, "cannot spool the %s message", rl_body_kind_name(msg->kind));
        goto out;
    }
    if (len > RL_WIRE_MAX_MESSAGE || len == 0) {
        rl_err_set(err, "cannot spool the %s message: %zu bytes, more than the %u allowed",
                   rl_body_kind_name(msg->kind), len, RL_WIRE_MAX_MESSAGE);
        goto out;
    }
    uint64_t need = S_HDR + len;
    if (need > self->max_bytes) {
        rl_err_set(err,
                   "cannot spool the %s message: %" PRIu64 " bytes, more than the spool's "
                   "max_bytes %" PRIu64,
                   rl_body_kind_name(msg->kind), need, self->max_bytes);
        goto out;
    }
    if (self->bytes + need > self->max_bytes) {
        rc = AGENT_SPOOL_FULL;
        goto out;
    }
    s_seg_t *seg = s_active_segment(self, need, err);
    if (!seg)
        goto out;
    record = rl_malloc(need);
    int64_t now = rl_clock_wall_us();
    memcpy(record, s_rec_magic, 4);
    s_put32(record + 4, (uint32_t)len);
    s_put64(record + 8, msg->boot_id);
    s_put64(record + 16, msg->seq);
    s_put64(record + 24, (uint64_t)now);
    s_put64(record + 32, mark);
    memcpy(record + S_HDR, payload, len);
    uint32_t crc = agent_crc32c(0, record + 4, 36);
    s_put32(record + 40, agent_crc32c(crc, payload, len));
    if (s_write_all(seg->fd, record, need, seg->size)) {
        rl_err_set(err, "cannot append to spool %s: %s", self->dir, strerror(errno));
        /* Leave no partial record behind for the next append. */
        (void)ftruncate(seg->fd, (off_t)seg->size);
        goto out;
    }
    s_rec_t rec = {.boot_id = msg->boot_id,
                   .seq = msg->seq,
                   .appended_us = now,
                   .len = (uint32_t)len,
                   .seg_id = seg->id,
                   .off = seg->size,
                   .mark = mark};
    s_rec_push(self, &rec);
    seg->size += need;
    seg->unacked++;
    seg->dirty = true;
    self->bytes += need;
    self->depth++;
    self->next_seq++;
    if (mark)
        self->last_mark = mark;
    rc = 0;
out:
    if (rc != 0) {
        msg->boot_id = old_boot;
        msg->seq = old_seq;
    }
    free(payload);
    free(record);
    return rc;
}

int
agent_spool_sync(agent_spool_t *self, rl_err_t *err)
{
    for (size_t i = 0; i < self->nsegs; i++) {
        s_seg_t *seg = &self->segs[i];
        if (!seg->dirty)
            continue;
        if (fdatasync(seg->fd))
            return rl_err_set(err, "cannot fsync spool %s: %s", self->dir, strerror(errno));
        seg->dirty = false;
    }
    if (self->dir_dirty) {
        if (fsync(self->dir_fd))
            return rl_err_set(err, "cannot fsync spool directory %s: %s", self->dir,
                              strerror(errno));
        self->dir_dirty = false;
    }
    self->synced_seq = self->next_seq - 1;
    self->synced_mark = self->last_mark;
    return 0;
}

uint64_t
agent_spool_last_mark(const agent_spool_t *self)
{
    return self->last_mark;
}

/* ------------------------------------------------------------ sending, acks */

int
agent_spool_next(const agent_spool_t *self, uint64_t after_seq, agent_spool_rec_t *rec)
{
    for (size_t i = s_lower_bound(self, after_seq + 1); i < self->n; i++) {
        const s_rec_t *r = &self->recs[i];
        if (r->seq > self->synced_seq)
            return 0;
        if (r->acked)
            continue;
        *rec = (agent_spool_rec_t){r->boot_id, r->seq, r->appended_us, r->len};
        return 1;
    }
    return 0;
}

int
agent_spool_read(agent_spool_t *self, uint64_t seq, uint8_t **buf_p, size_t *len_p, rl_err_t *err)
{
    s_rec_t *r = s_rec_find(self, seq);
    if (!r || r->acked)
        return rl_err_set(err, "spool has no pending message %" PRIu64, seq);
    s_seg_t *seg = s_seg_find(self, r->seg_id);
    if (!seg)
        return rl_err_set(err, "spool segment %" PRIu64 " of message %" PRIu64 " is gone",
                          r->seg_id, seq);
    uint8_t *buf = rl_malloc(r->len);
    if (s_read_all(seg->fd, buf, r->len, r->off + S_HDR)) {
        free(buf);
        return rl_err_set(err, "cannot read message %" PRIu64 " from spool %s: %s", seq, self->dir,
                          strerror(errno));
    }
    *buf_p = buf;
    *len_p = r->len;
    return 0;
}

int
agent_spool_ack(agent_spool_t *self, uint64_t boot_id, uint64_t seq, rl_err_t *err)
{
    s_rec_t *r = s_rec_find(self, seq);
    if (!r || r->acked || r->boot_id != boot_id)
        return 0;
    s_seg_t *seg = s_seg_find(self, r->seg_id);
    if (!seg)
        return rl_err_set(err, "spool segment %" PRIu64 " of message %" PRIu64 " is gone",
                          r->seg_id, seq);
    r->acked = true;
    self->depth--;
    seg->unacked--;
    while (self->head < self->n && self->recs[self->head].acked)
        self->head++;
    if (self->head == self->n)
        self->head = self->n = 0;
    if (seg->unacked == 0 && s_seg_remove(self, seg))
        return 1;
    if (seg->ack_fd < 0) {
        char name[64];
        s_seg_name(name, sizeof name, seg->id, "ack");
        seg->ack_fd = openat(self->dir_fd, name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (seg->ack_fd < 0)
            return rl_err_set(err, "cannot write %s/%s: %s", self->dir, name, strerror(errno));
    }
    uint8_t e[S_ACK_ENTRY];
    memcpy(e, s_ack_magic, 4);
    s_put64(e + 8, seq);
    s_put32(e + 4, agent_crc32c(0, e + 8, 8));
    ssize_t w;
    do
        w = write(seg->ack_fd, e, sizeof e);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)sizeof e)
        return rl_err_set(err, "cannot record acknowledgement in spool %s: %s", self->dir,
                          w < 0 ? strerror(errno) : "short write");
    return 1;
}

size_t
agent_spool_depth(const agent_spool_t *self)
{
    return self->depth;
}

uint64_t
agent_spool_bytes(const agent_spool_t *self)
{
    return self->bytes;
}

uint64_t
agent_spool_max_bytes(const agent_spool_t *self)
{
    return self->max_bytes;
}

int64_t
agent_spool_oldest_us(const agent_spool_t *self)
{
    for (size_t i = self->head; i < self->n; i++)
        if (!self->recs[i].acked)
            return self->recs[i].appended_us;
    return 0;
}
