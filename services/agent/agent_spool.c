/* The agent's durable spool (format and guarantees in agent_spool.h). */
#include "agent_spool.h"

#include "ruglab/clock.h"
#include "ruglab/log.h"
#include "ruglab/mem.h"
#include "ruglab/paths.h"

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
    uint64_t saved_mark;   /* in DIR/state */
    int state_fd[2];       /* DIR/state and DIR/state.copy, overwritten in place (-1: not
                              yet made) */
    uint64_t state_gen;    /* generation of the newest valid slot */
    bool ack_full_said;    /* an ack entry could not be written (disk full): said once */
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

/* ------------------------------------------------------------ state
 *
 * DIR/state holds the counters that must never go backwards (the last boot
 * id, the seq high-water mark, the last source mark) in two slots of 64
 * bytes, each with a generation and a CRC. A save overwrites the older
 * slot in place and fdatasyncs it: it needs no new disk block (the file is
 * allocated once, when made), so it works on a full disk; a write torn by
 * a crash leaves the other slot. Slot layout (little-endian):
 *   0 "RLST"  4 version 1  8 generation  16 boot_id  24 seq high-water
 *   32 mark  40 CRC-32C of bytes 0..39  44..63 zero */
#define S_STATE_SLOT 64u
#define S_STATE_SIZE 512u
static const uint8_t s_state_magic[4] = {'R', 'L', 'S', 'T'};

typedef struct {
    uint64_t gen, boot, seq, mark;
} s_state_t;

static bool
s_state_parse(const uint8_t *p, s_state_t *st)
{
    if (memcmp(p, s_state_magic, 4) || s_get32(p + 4) != 1 ||
        agent_crc32c(0, p, 40) != s_get32(p + 40))
        return false;
    st->gen = s_get64(p + 8);
    st->boot = s_get64(p + 16);
    st->seq = s_get64(p + 24);
    st->mark = s_get64(p + 32);
    return true;
}

static void
s_state_format(uint8_t *p, const s_state_t *st)
{
    memset(p, 0, S_STATE_SLOT);
    memcpy(p, s_state_magic, 4);
    s_put32(p + 4, 1);
    s_put64(p + 8, st->gen);
    s_put64(p + 16, st->boot);
    s_put64(p + 24, st->seq);
    s_put64(p + 32, st->mark);
    s_put32(p + 40, agent_crc32c(0, p, 40));
}

static const char *const s_state_files[2] = {"state", "state.copy"};

/* Reads DIR/state and DIR/state.copy: 1 and *st (the newest valid slot of
 * either), 0 when neither file exists, -1 when one exists but no slot can
 * be read. Keeps both files open for saving. */
static int
s_state_read(agent_spool_t *self, s_state_t *st)
{
    bool any_file = false, any_slot = false;
    for (int f = 0; f < 2; f++) {
        int fd = openat(self->dir_fd, s_state_files[f], O_RDWR | O_CLOEXEC);
        if (fd < 0)
            continue;
        any_file = true;
        uint8_t buf[2 * S_STATE_SLOT] = {0};
        ssize_t r;
        do
            r = pread(fd, buf, sizeof buf, 0);
        while (r < 0 && errno == EINTR);
        struct stat sb;
        if (fstat(fd, &sb) == 0 && sb.st_size == S_STATE_SIZE)
            self->state_fd[f] = fd; /* whole: overwritten in place from now on */
        else
            close(fd); /* made again, whole */
        for (int k = 0; k < 2; k++) {
            s_state_t x;
            if (r >= (ssize_t)((k + 1) * S_STATE_SLOT) &&
                s_state_parse(buf + k * S_STATE_SLOT, &x) && (!any_slot || x.gen > st->gen)) {
                *st = x;
                any_slot = true;
            }
        }
    }
    if (!any_slot)
        return any_file ? -1 : 0;
    self->state_gen = st->gen;
    return 1;
}

/* Makes DIR/<name> whole (both slots) through a temporary name. */
static int
s_state_create(agent_spool_t *self, int f, const uint8_t *slot, rl_err_t *err)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%s.tmp", s_state_files[f]);
    uint8_t file[S_STATE_SIZE] = {0};
    memcpy(file, slot, S_STATE_SLOT);
    memcpy(file + S_STATE_SLOT, slot, S_STATE_SLOT);
    int fd = openat(self->dir_fd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return rl_err_set(err, "cannot write spool %s/%s: %s", self->dir, tmp, strerror(errno));
    if (s_write_all(fd, file, sizeof file, 0) || fsync(fd) ||
        renameat(self->dir_fd, tmp, self->dir_fd, s_state_files[f]) || fsync(self->dir_fd)) {
        int e = errno;
        close(fd);
        (void)unlinkat(self->dir_fd, tmp, 0);
        return rl_err_set(err, "cannot write spool %s/%s: %s", self->dir, s_state_files[f],
                          strerror(e));
    }
    self->state_fd[f] = fd;
    return 0;
}

/* Writes the counters into the older slot of DIR/state, then of
 * DIR/state.copy (each synced before the next: a crash tears at most one
 * slot of one file). In place, once the files exist: no new disk block. */
static int
s_state_save(agent_spool_t *self, rl_err_t *err)
{
    s_state_t st = {self->state_gen + 1, self->boot_id, self->reserved_seq, self->saved_mark};
    uint8_t slot[S_STATE_SLOT];
    s_state_format(slot, &st);
    for (int f = 0; f < 2; f++) {
        if (self->state_fd[f] < 0) {
            if (s_state_create(self, f, slot, err))
                return -1;
            continue;
        }
        if (s_write_all(self->state_fd[f], slot, sizeof slot, (st.gen % 2) * S_STATE_SLOT) ||
            fdatasync(self->state_fd[f]))
            return rl_err_set(err, "cannot write spool %s/%s: %s", self->dir, s_state_files[f],
                              strerror(errno));
    }
    self->state_gen = st.gen;
    return 0;
}

/* A counter file of the earlier format (decimal text): 1 and *v, 0 when
 * missing, -1 when it holds anything but 1 to 20 digits (a newline at the
 * end allowed) or a value above 2^63 - 1: never a guess. */
static int
s_read_legacy(agent_spool_t *self, const char *name, uint64_t *v)
{
    int fd = openat(self->dir_fd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    char buf[32] = {0};
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0)
        return -1;
    size_t n = (size_t)r;
    if (buf[n - 1] == '\n')
        buf[--n] = '\0';
    if (n == 0 || n > 19 || strspn(buf, "0123456789") != n)
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x * 10 + (uint64_t)(buf[i] - '0');
    if (x > (uint64_t)INT64_MAX)
        return -1;
    *v = x;
    return 1;
}

/* A boot id no earlier boot can have had: the wall clock in microseconds,
 * shifted, with random low bits (boot ids are otherwise counters from 1). */
static uint64_t
s_clock_boot(void)
{
    uint64_t r = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, &r, sizeof r) != (ssize_t)sizeof r)
            r = (uint64_t)getpid();
        close(fd);
    }
    return ((uint64_t)rl_clock_wall_us() << 8 | (r & 0xff)) & (uint64_t)INT64_MAX;
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
        /* The segment may hold the last mark: remember it first (in place:
         * no new disk block, so this works on a full disk too). */
        rl_err_t err;
        uint64_t before = self->saved_mark;
        self->saved_mark = self->synced_mark;
        if (s_state_save(self, &err)) {
            self->saved_mark = before;
            rl_error(self->log_ctx, "%s; keeping segment %" PRIu64, err.msg, seg->id);
            return false;
        }
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
s_scan_segment(agent_spool_t *self, uint64_t id, bool last, bool *cut, rl_err_t *err)
{
    *cut = false;
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
    bool damaged = false, gaps = false; /* gaps: damage with valid records after it */
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
            damaged = gaps = true;
            pos = q;
            continue;
        }
        /* Nothing valid follows: a complete record with a bad CRC is damaged
         * data worth keeping; anything shorter is a torn write. */
        if (r == -1 && size - pos >= S_HDR && !memcmp(buf + pos, s_rec_magic, 4) &&
            s_get32(buf + pos + 4) <= size - pos - S_HDR) {
            s_quarantine(self, id, pos, buf + pos, size - pos);
        } else if (!last) {
            /* Only the newest segment can end in a write cut short by a
             * crash: an older one was complete when the next began. The
             * records after the cut are lost; the caller says which. */
            s_quarantine(self, id, pos, buf + pos, size - pos);
            *cut = true;
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
    if (damaged && !gaps) {
        /* only the end goes: cut in place (needs no new disk block, so this
         * works on a full disk too) */
        if (ftruncate(fd, (off_t)clean_len) || fsync(fd)) {
            rl_err_set(err, "cannot truncate spool segment %s/%s: %s", self->dir, name,
                       strerror(errno));
            goto out;
        }
    } else if (damaged) {
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

/* Segments older than the newest that were cut short or emptied lost
 * records that had been fsynced: said at error level, one line per run of
 * neighbouring damaged segments, with the range of seqs that can have been
 * lost (between the last record before the damage and the first after it;
 * seqs skipped at a restart fall in it too, hence "at most"). */
static void
s_report_lost(agent_spool_t *self, const uint64_t *ids, size_t n, const uint8_t *cut,
              const uint64_t *first_seq, const uint64_t *last_seq)
{
    for (size_t i = 0; i < n; i++) {
        if (!cut[i])
            continue;
        size_t j = i; /* the run is [i, j] */
        while (j + 1 < n && cut[j + 1] && !first_seq[j])
            j++;
        bool any_cut = false, any_empty = false;
        for (size_t k = i; k <= j; k++) {
            any_cut = any_cut || cut[k] == 1;
            any_empty = any_empty || cut[k] == 2;
        }
        const char *what = any_cut && any_empty ? "cut short or emptied"
                           : any_cut            ? "cut short"
                                                : "emptied";
        char which[64];
        if (i == j)
            snprintf(which, sizeof which, "segment %" PRIu64 " was", ids[i]);
        else
            snprintf(which, sizeof which, "segments %" PRIu64 " to %" PRIu64 " were", ids[i],
                     ids[j]);
        /* the last record before the damage (in the run's first segment, if
         * it was cut after some) and the first after it */
        uint64_t lo = 0, hi = 0;
        for (size_t k = i + 1; k-- > 0 && !lo;)
            if (last_seq[k])
                lo = last_seq[k] + 1;
        for (size_t k = j + 1; k < n && !hi; k++)
            if (first_seq[k])
                hi = first_seq[k] - 1;
        self->recovery.damaged_segments += j - i + 1;
        if (lo && hi >= lo) {
            self->recovery.lost_records_max += hi - lo + 1;
            rl_error(self->log_ctx,
                     "spool %s: %s %s: at most %" PRIu64 " record(s), seqs %" PRIu64 " to %" PRIu64
                     ", were lost (they had been written and synced; some may have been "
                     "acknowledged before)",
                     self->dir, which, what, hi - lo + 1, lo, hi);
        } else {
            rl_error(self->log_ctx,
                     "spool %s: %s %s: the records %s%" PRIu64
                     " in it were lost (they had been written and synced)",
                     self->dir, which, what, hi ? "before seq " : "after seq ",
                     hi ? hi + 1 : (lo ? lo - 1 : 0));
        }
        i = j;
    }
}

static int
s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

agent_spool_t *
agent_spool_open(const char *dir, const agent_spool_opts_t *opts, rl_err_t *err)
{
    agent_spool_t *self = rl_calloc(1, sizeof *self);
    self->dir = rl_strdup(dir);
    self->log_ctx = opts->log_ctx ? rl_strdup(opts->log_ctx) : NULL;
    self->dir_fd = -1;
    self->lock_fd = -1;
    self->state_fd[0] = self->state_fd[1] = -1;
    self->max_bytes = opts->max_bytes;
    self->segment_bytes = opts->segment_bytes ? opts->segment_bytes : 4u << 20;
    /* Several segments fit in the bound, so acknowledgements free space
     * while the rest of the spool waits. */
    if (self->segment_bytes > self->max_bytes / 4)
        self->segment_bytes = self->max_bytes / 4 ? self->max_bytes / 4 : 1;
    uint64_t *ids = NULL;
    size_t nids = 0, capids = 0;
    DIR *d = NULL;

    if (rl_paths_mkdirs(dir, 0700, err))
        goto fail;
    self->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (self->dir_fd < 0) {
        rl_err_set(err, "cannot open spool directory %s: %s", dir, strerror(errno));
        goto fail;
    }
    /* a lock file left by an earlier run: this spool has handed out keys */
    bool used_before = faccessat(self->dir_fd, "lock", F_OK, 0) == 0;
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
    uint8_t *cut = rl_calloc(nids + 1, sizeof *cut); /* 1: cut short, 2: emptied */
    uint64_t *first_seq = rl_calloc(nids + 1, sizeof *first_seq);
    uint64_t *last_seq = rl_calloc(nids + 1, sizeof *last_seq);
    for (size_t i = 0; i < nids; i++) {
        size_t before = self->n;
        bool was_cut;
        if (s_scan_segment(self, ids[i], i + 1 == nids, &was_cut, err)) {
            free(cut);
            free(first_seq);
            free(last_seq);
            goto fail;
        }
        if (self->n > before) {
            first_seq[i] = self->recs[before].seq;
            last_seq[i] = self->recs[self->n - 1].seq;
        }
        if (was_cut)
            cut[i] = 1;
        else if (self->n == before && i + 1 < nids)
            cut[i] = 2; /* an older segment left empty: its records are gone */
    }
    s_report_lost(self, ids, nids, cut, first_seq, last_seq);
    free(cut);
    free(first_seq);
    free(last_seq);
    self->next_seg_id = nids ? ids[nids - 1] + 1 : 1;

    /* The new boot and the first seq: beyond anything the files remember;
     * the records on disk give a floor for every counter. */
    uint64_t max_boot = 0, max_seq = 0, max_mark = 0;
    for (size_t i = self->head; i < self->n; i++) {
        if (self->recs[i].boot_id > max_boot)
            max_boot = self->recs[i].boot_id;
        if (self->recs[i].seq > max_seq)
            max_seq = self->recs[i].seq;
        if (self->recs[i].mark > max_mark)
            max_mark = self->recs[i].mark;
    }
    s_state_t st = {0};
    int have = s_state_read(self, &st);
    bool boot_known = have >= 0, seq_known = have >= 0, mark_known = have >= 0;
    if (have == 0) {
        /* no state file yet: a new spool, or one of the earlier format;
         * each counter is taken only if it reads back exactly */
        int rb = s_read_legacy(self, "boot", &st.boot);
        int rs = s_read_legacy(self, "seq", &st.seq);
        int rm = s_read_legacy(self, "mark", &st.mark);
        /* in a spool used before, a missing boot file is a lost counter
         * (the earlier format wrote it at every start; seq and mark only
         * once needed, so their absence beside a boot file is normal) */
        boot_known = rb > 0 || (rb == 0 && !used_before);
        seq_known = rs > 0 || (rs == 0 && (rb > 0 || !used_before));
        mark_known = rm > 0 || (rm == 0 && (rb > 0 || !used_before));
        if (used_before && rb == 0 && rs == 0 && rm == 0)
            rl_error(self->log_ctx, "spool %s: used before, but its counter files are missing",
                     dir);
        else if (!boot_known || !seq_known || !mark_known)
            rl_error(
                self->log_ctx,
                "spool %s: counter file(s)%s%s%s unreadable or missing; nothing is taken from them",
                dir, boot_known ? "" : " boot", seq_known ? "" : " seq", mark_known ? "" : " mark");
    } else if (have < 0) {
        rl_error(self->log_ctx,
                 "spool %s: state and state.copy are unreadable (every copy of the counters "
                 "damaged)",
                 dir);
    }
    if (boot_known) {
        self->boot_id = (st.boot > max_boot ? st.boot : max_boot) + 1;
    } else {
        /* never reuse a key: a boot id above any counter ever used, so no
         * (boot, seq) of before can come again */
        self->boot_id = s_clock_boot();
        if (self->boot_id <= max_boot)
            self->boot_id = max_boot + 1;
    }
    self->next_seq = seq_known && st.seq > max_seq + 1 ? st.seq : max_seq + 1;
    self->saved_mark = mark_known && st.mark > max_mark ? st.mark : max_mark;
    if (!boot_known || !seq_known || !mark_known)
        rl_error(self->log_ctx,
                 "spool %s: counters recovered: boot id %" PRIu64 "%s, seqs from %" PRIu64
                 "; %s%" PRIu64,
                 dir, self->boot_id, boot_known ? "" : " (from the clock: never one used before)",
                 self->next_seq,
                 mark_known || self->n ? "the driver resumes after mark "
                                       : "THE DRIVER'S POSITION IS LOST (no record left to read "
                                         "it from): it starts at mark ",
                 self->saved_mark);
    self->reserved_seq = self->next_seq;
    /* Saved twice: both slots of both files then hold this boot id, so
     * whichever slot survives damage, the next run's boot id is higher. */
    if (s_state_save(self, err) || s_state_save(self, err))
        goto fail;
    if (have == 0) { /* the earlier format's files are replaced by state */
        (void)unlinkat(self->dir_fd, "boot", 0);
        (void)unlinkat(self->dir_fd, "seq", 0);
        (void)unlinkat(self->dir_fd, "mark", 0);
        (void)unlinkat(self->dir_fd, "boot.tmp", 0);
    }
    self->last_mark = self->saved_mark > max_mark ? self->saved_mark : max_mark;
    self->synced_mark = self->last_mark;
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
    for (int f = 0; f < 2; f++)
        if (self->state_fd[f] >= 0)
            close(self->state_fd[f]);
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
        self->next_seg_id--;
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
        uint64_t before = self->reserved_seq;
        self->reserved_seq = self->next_seq + AGENT_SPOOL_SEQ_BLOCK;
        if (s_state_save(self, err)) {
            self->reserved_seq = before;
            return -1;
        }
    }
    msg->boot_id = self->boot_id;
    msg->seq = self->next_seq;
    if (rl_wire_encode(msg, &payload, &len, err)) {
        rl_err_prefix(err, "cannot spool the %s message", rl_body_kind_name(msg->kind));
        rc = AGENT_SPOOL_UNFIT;
        goto out;
    }
    if (len > RL_WIRE_MAX_MESSAGE || len == 0) {
        rl_err_set(err, "cannot spool the %s message: %zu bytes, more than the %u allowed",
                   rl_body_kind_name(msg->kind), len, RL_WIRE_MAX_MESSAGE);
        rc = AGENT_SPOOL_UNFIT;
        goto out;
    }
    uint64_t need = S_HDR + len;
    if (need > self->max_bytes) {
        rl_err_set(err,
                   "cannot spool the %s message: %" PRIu64 " bytes, more than the spool's "
                   "max_bytes %" PRIu64,
                   rl_body_kind_name(msg->kind), need, self->max_bytes);
        rc = AGENT_SPOOL_UNFIT;
        goto out;
    }
    if (self->bytes + need > self->max_bytes) {
        err->msg[0] = '\0'; /* the bound, not the disk */
        rc = AGENT_SPOOL_FULL;
        goto out;
    }
    s_seg_t *seg = s_active_segment(self, need, err);
    if (!seg) {
        if (errno == ENOSPC || errno == EDQUOT)
            rc = AGENT_SPOOL_FULL; /* the disk is full: err says so */
        goto out;
    }
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
        int e = errno;
        rl_err_set(err, "cannot append to spool %s: %s", self->dir, strerror(e));
        /* Leave no partial record behind for the next append. */
        (void)ftruncate(seg->fd, (off_t)seg->size);
        if (e == ENOSPC || e == EDQUOT)
            rc = AGENT_SPOOL_FULL; /* the disk is full: err says so */
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
    /* a fully acknowledged segment that could not be deleted before (its
     * counters could not be saved) is tried again */
    for (size_t i = 0; i < self->nsegs;) {
        if (self->segs[i].unacked == 0 && !(self->have_active && i == self->nsegs - 1) &&
            s_seg_remove(self, &self->segs[i]))
            continue;
        i++;
    }
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
    if (w < 0 && (errno == ENOSPC || errno == EDQUOT)) {
        /* a lost ack entry only means a resend after a restart, answered
         * DUPLICATE: freeing the rest of the spool matters more */
        if (!self->ack_full_said)
            rl_warn(self->log_ctx,
                    "spool %s: the disk is full: acknowledgements are kept in memory only until "
                    "space frees",
                    self->dir);
        self->ack_full_said = true;
        return 1;
    }
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
