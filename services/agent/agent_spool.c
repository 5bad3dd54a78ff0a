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
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define S_HDR AGENT_SPOOL_RECORD_HEADER
#define S_ACK_ENTRY 16u
#define S_ACKS_PENDING_MAX 256u
static const uint8_t s_rec_magic[4] = {'R', 'L', 'S', '1'};
static const uint8_t s_seal_magic[4] = {'R', 'L', 'S', 'E'};
static const uint8_t s_ack_magic[4] = {'R', 'L', 'A', '1'};
/* Segment ids beyond this are not the spool's (a stray file): set aside. */
#define S_MAX_SEG_ID (UINT64_C(1) << 62)
/* Nor one this far above the one before it (more segments than a spool
 * ever makes). */
#define S_MAX_SEG_GAP (UINT64_C(1) << 32)
/* Nor a file larger than a segment can grow: segment_bytes (at most 1 GiB),
 * one more record, and the seal. */
#define S_MAX_SEG_FILE ((UINT64_C(1) << 30) + 2 * (RL_WIRE_MAX_MESSAGE + AGENT_SPOOL_RECORD_HEADER))

typedef struct {
    uint64_t id;
    int fd;
    int ack_fd; /* -1 until the first acknowledgement */
    uint64_t size;
    size_t unacked;
    bool dirty;  /* written since the last fsync */
    bool sealed; /* ends in a seal: takes no more appends */
    /* the records written to it (for its seal) */
    uint32_t count;
    uint64_t boot, first_seq, last_seq;
} s_seg_t;

/* A seal, read back. */
typedef struct {
    uint32_t count;
    uint64_t boot, first_seq, last_seq;
} s_seal_t;

typedef struct {
    uint64_t boot_id;
    uint64_t seq;
    int64_t appended_us;
    uint32_t len;
    uint64_t seg_id;
    uint64_t off; /* of the record header in its segment */
    uint64_t mark;
    bool acked;
    uint8_t *payload; /* its bytes as appended in this run, until read (NULL: on disk only) */
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
    bool state_unsaved;    /* the state files could not be made (disk full): saved as
                              soon as they can be, nothing waits for them */
    uint64_t sealed_from;  /* segments from this id on are sealed when closed */
    bool ack_full_said;    /* an ack entry could not be written (disk full): said once */
    s_seg_t *segs;         /* sorted by id */
    size_t nsegs, capsegs;
    bool have_active; /* segs[nsegs - 1] takes appends */
    bool dir_dirty;   /* a file was created or removed since the last fsync */
    s_rec_t *recs;    /* sorted by seq; [head, n) may hold pending ones */
    size_t head, n, cap;
    size_t depth;
    uint64_t bytes;
    uint64_t cached_bytes;  /* of the payloads kept in recs */
    uint64_t cached_from;   /* no payload is kept below this seq */
    uint64_t synced_before; /* synced_seq before the last sync */
    /* ack entries of segment acks_seg_id not yet written (one write for a
     * batch of acknowledgements) */
    uint8_t acks_pending[S_ACKS_PENDING_MAX * S_ACK_ENTRY];
    size_t n_acks_pending;
    uint64_t acks_seg_id;
    agent_spool_recovery_t recovery;
};

/* Payloads appended in this run are kept in memory until agent_spool_read
 * hands them to the link, so a connected link reads a record back from
 * the file only to send it again (or after a restart). Those still unread
 * two syncs later are dropped (the link is not connected, or its window
 * stays full: they are read from the file when their turn comes), so what
 * is kept stays about two sync groups, and never more than this. */
#define S_CACHE_MAX (UINT64_C(1) << 20)

/* ------------------------------------------------------------ CRC-32C
 *
 * Every record, seal and ack entry is checked with CRC-32C. On x86-64 with
 * SSE4.2 the crc32 instruction computes it (the same polynomial, reflected,
 * so the same values), chosen once at run time: the build targets plain
 * x86-64 and must run on machines without it. The table-driven software
 * version stays as the fallback and as the reference the unit tests hold
 * the instruction to. */

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
agent_crc32c_sw(uint32_t crc, const void *data, size_t len)
{
    if (!s_crc_ready)
        s_crc_init();
    const uint8_t *p = data;
    crc = ~crc;
    while (len--)
        crc = s_crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <nmmintrin.h>
#define S_CRC_HW 1

/* Bytes until p is 8-aligned, then 8 bytes per instruction (loaded with
 * memcpy: no unaligned access; little-endian, so in the order the
 * bytewise CRC takes them), then the tail. */
__attribute__((target("sse4.2"))) static uint32_t
s_crc32c_hw(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t c = ~crc;
    while (len > 0 && ((uintptr_t)p & 7u)) {
        c = _mm_crc32_u8(c, *p++);
        len--;
    }
    uint64_t c64 = c;
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c64 = _mm_crc32_u64(c64, v);
        p += 8;
        len -= 8;
    }
    c = (uint32_t)c64;
    while (len > 0) {
        c = _mm_crc32_u8(c, *p++);
        len--;
    }
    return ~c;
}
#else
#define S_CRC_HW 0
#endif

/* -1 until asked, then 1 when the CPU has the crc32 instruction. */
static int s_crc_hw = -1;

bool
agent_crc32c_hw_available(void)
{
    if (s_crc_hw < 0) {
#if S_CRC_HW
        __builtin_cpu_init();
        s_crc_hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#else
        s_crc_hw = 0;
#endif
    }
    return s_crc_hw == 1;
}

uint32_t
agent_crc32c(uint32_t crc, const void *data, size_t len)
{
#if S_CRC_HW
    if (agent_crc32c_hw_available())
        return s_crc32c_hw(crc, data, len);
#endif
    return agent_crc32c_sw(crc, data, len);
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

/* Writes a, then b, at off (one pwritev when it writes all). */
static int
s_write_two(int fd, const void *a, size_t alen, const void *b, size_t blen, uint64_t off)
{
    struct iovec iov[2] = {{(void *)a, alen}, {(void *)b, blen}};
    ssize_t w;
    do
        w = pwritev(fd, iov, 2, (off_t)off);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return -1;
    size_t done = (size_t)w;
    if (done < alen)
        return s_write_all(fd, (const uint8_t *)a + done, alen - done, off + done) ||
                       s_write_all(fd, b, blen, off + alen)
                   ? -1
                   : 0;
    done -= alen;
    return s_write_all(fd, (const uint8_t *)b + done, blen - done, off + alen + done);
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
 * DIR/state and DIR/state.copy hold the counters that must never go
 * backwards (layout in agent_spool.h): two slots of 64 bytes each, with a
 * generation and a CRC. A save overwrites the older slot in place and
 * fdatasyncs it: it needs no new disk block (the file is allocated once,
 * when made), so it works on a full disk; a write torn by a crash leaves
 * the other slot. */
#define S_STATE_SLOT 64u
#define S_STATE_SIZE 512u
static const uint8_t s_state_magic[4] = {'R', 'L', 'S', 'T'};

typedef struct {
    uint64_t gen, boot, seq, mark, sealed_from, next_seg;
} s_state_t;

static bool
s_state_parse(const uint8_t *p, s_state_t *st)
{
    if (memcmp(p, s_state_magic, 4) || s_get32(p + 4) != 1 ||
        agent_crc32c(0, p, 56) != s_get32(p + 56))
        return false;
    st->gen = s_get64(p + 8);
    st->boot = s_get64(p + 16);
    st->seq = s_get64(p + 24);
    st->mark = s_get64(p + 32);
    st->sealed_from = s_get64(p + 40);
    st->next_seg = s_get64(p + 48);
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
    s_put64(p + 40, st->sealed_from);
    s_put64(p + 48, st->next_seg);
    s_put32(p + 56, agent_crc32c(0, p, 56));
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
        int fd = openat(self->dir_fd, s_state_files[f], O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        struct stat sb;
        if (fd >= 0 && (fstat(fd, &sb) || !S_ISREG(sb.st_mode))) {
            close(fd);
            fd = -1;
        }
        if (fd < 0) {
            /* not a file this spool can use (a directory, a link...): in
             * the way of a new one, so moved aside */
            if (errno != ENOENT &&
                fstatat(self->dir_fd, s_state_files[f], &sb, AT_SYMLINK_NOFOLLOW) == 0) {
                any_file = true;
                char to[64];
                snprintf(to, sizeof to, "quarantine/%s", s_state_files[f]);
                (void)mkdirat(self->dir_fd, "quarantine", 0700);
                if (renameat(self->dir_fd, s_state_files[f], self->dir_fd, to) == 0)
                    rl_error(self->log_ctx, "spool %s: %s is not a regular file: moved to %s",
                             self->dir, s_state_files[f], to);
            }
            continue;
        }
        any_file = true;
        uint8_t buf[2 * S_STATE_SLOT] = {0};
        ssize_t r;
        do
            r = pread(fd, buf, sizeof buf, 0);
        while (r < 0 && errno == EINTR);
        if (sb.st_size == S_STATE_SIZE)
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

/* Makes DIR/<name> whole (both slots) through a temporary name: its
 * content is synced before the rename (never a state file with missing
 * bytes under the name); the rename is durable once the caller syncs the
 * directory (s_state_write), before anything relies on the file. */
static int
s_state_create(agent_spool_t *self, int f, const uint8_t *slot, rl_err_t *err)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%s.tmp", s_state_files[f]);
    uint8_t file[S_STATE_SIZE] = {0};
    memcpy(file, slot, S_STATE_SLOT);
    memcpy(file + S_STATE_SLOT, slot, S_STATE_SLOT);
    int fd = openat(self->dir_fd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        rl_err_set(err, "cannot write spool %s/%s: %s", self->dir, tmp, strerror(e));
        errno = e;
        return -1;
    }
    if (s_write_all(fd, file, sizeof file, 0) || fsync(fd) ||
        renameat(self->dir_fd, tmp, self->dir_fd, s_state_files[f])) {
        int e = errno;
        close(fd);
        (void)unlinkat(self->dir_fd, tmp, 0);
        rl_err_set(err, "cannot write spool %s/%s: %s", self->dir, s_state_files[f], strerror(e));
        errno = e;
        return -1;
    }
    self->state_fd[f] = fd;
    return 0;
}

/* Writes the counters into DIR/state, then DIR/state.copy (each synced
 * before the next: a crash tears at most the file being written). In
 * place, once the files exist: no new disk block. every_slot: into both
 * slots of each file in one write (at open: every slot then holds this
 * run's boot id, and the file not being written keeps the counters of the
 * last save, which nothing of this run has used yet); else into the older
 * slot (a crash tears at most one slot of one file). A missing file is
 * made whole through a temporary name; the files made are made durable by
 * one directory fsync before this returns (nothing relies on them
 * before). A file that cannot be made because the disk is full is not an
 * error: the run goes on (its boot id comes from the clock, so no key can
 * come again) and the file is made at a later save, once space frees. */
static int
s_state_write(agent_spool_t *self, bool every_slot, rl_err_t *err)
{
    s_state_t st = {self->state_gen + 1, self->boot_id,     self->reserved_seq,
                    self->saved_mark,    self->sealed_from, self->next_seg_id};
    uint8_t slots[2 * S_STATE_SLOT];
    s_state_format(slots, &st);
    memcpy(slots + S_STATE_SLOT, slots, S_STATE_SLOT);
    bool missing = false, created[2] = {false, false};
    for (int f = 0; f < 2; f++) {
        if (self->state_fd[f] < 0) {
            rl_err_t cerr;
            if (s_state_create(self, f, slots, &cerr) == 0) {
                created[f] = true;
                continue;
            }
            if (!self->state_unsaved)
                rl_error(self->log_ctx,
                         "%s: the counters are kept in memory until the file can be made (this "
                         "run's boot id comes from the clock: no key can come again)",
                         cerr.msg);
            missing = true;
            continue;
        }
        size_t len = every_slot ? 2 * S_STATE_SLOT : S_STATE_SLOT;
        uint64_t off = every_slot ? 0 : (st.gen % 2) * S_STATE_SLOT;
        if (s_write_all(self->state_fd[f], slots, len, off) || fdatasync(self->state_fd[f]))
            return rl_err_set(err, "cannot write spool %s/%s: %s", self->dir, s_state_files[f],
                              strerror(errno));
    }
    /* the renames of the files made, durable before anything relies on them */
    if ((created[0] || created[1]) && fsync(self->dir_fd)) {
        int e = errno;
        for (int f = 0; f < 2; f++) { /* not known durable: made again at the next save */
            if (created[f]) {
                close(self->state_fd[f]);
                self->state_fd[f] = -1;
            }
        }
        return rl_err_set(err, "cannot fsync spool directory %s: %s", self->dir, strerror(e));
    }
    if (self->state_unsaved && !missing)
        rl_warn(self->log_ctx, "spool %s: the counters are saved again", self->dir);
    self->state_unsaved = missing;
    self->state_gen = st.gen;
    return 0;
}

static int
s_state_save(agent_spool_t *self, rl_err_t *err)
{
    return s_state_write(self, false, err);
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
    if (self->n_acks_pending && self->acks_seg_id == seg->id)
        self->n_acks_pending = 0; /* deleted with the segment */
    close(seg->fd);
    if (seg->ack_fd >= 0)
        close(seg->ack_fd);
    s_seg_name(name, sizeof name, seg->id, "log");
    if (unlinkat(self->dir_fd, name, 0) && errno != ENOENT)
        rl_error(self->log_ctx, "cannot delete acknowledged spool segment %s/%s: %s", self->dir,
                 name, strerror(errno));
    s_seg_name(name, sizeof name, seg->id, "ack");
    (void)unlinkat(self->dir_fd, name, 0);
    self->bytes -= seg->size + (seg->sealed ? 0 : S_HDR);
    size_t i = (size_t)(seg - self->segs);
    if (self->have_active && i == self->nsegs - 1)
        self->have_active = false;
    memmove(seg, seg + 1, (self->nsegs - i - 1) * sizeof *seg);
    self->nsegs--;
    self->dir_dirty = true;
    if (self->state_unsaved) { /* space was freed: try again */
        rl_err_t err;
        (void)s_state_save(self, &err);
    }
    return true;
}

/* ------------------------------------------------------------ recovery */

/* 1: a valid record at pos; 2: a valid seal (*seal filled when not NULL);
 * 0: it runs past the end of the data (or the header is incomplete); -1:
 * damaged (magic, length or CRC). */
static int
s_parse_at(const uint8_t *buf, uint64_t size, uint64_t pos, s_rec_t *rec, s_seal_t *seal)
{
    if (size - pos < S_HDR) {
        size_t n = (size_t)(size - pos) < 4 ? (size_t)(size - pos) : 4;
        return memcmp(buf + pos, s_rec_magic, n) && memcmp(buf + pos, s_seal_magic, n) ? -1 : 0;
    }
    const uint8_t *h = buf + pos;
    if (!memcmp(h, s_seal_magic, 4)) {
        if (agent_crc32c(0, h + 4, 36) != s_get32(h + 40) || s_get64(h + 32) != 0)
            return -1;
        if (seal)
            *seal = (s_seal_t){s_get32(h + 4), s_get64(h + 8), s_get64(h + 16), s_get64(h + 24)};
        return 2;
    }
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

/* The seal of a segment: which records it holds. Written when appends move
 * on to a newer segment, and synced before that one is made. */
static void
s_seal_format(uint8_t *p, const s_seg_t *seg)
{
    memcpy(p, s_seal_magic, 4);
    s_put32(p + 4, seg->count);
    s_put64(p + 8, seg->boot);
    s_put64(p + 16, seg->first_seq);
    s_put64(p + 24, seg->last_seq);
    s_put64(p + 32, 0);
    s_put32(p + 40, agent_crc32c(0, p + 4, 36));
}

/* Seals seg at its end and syncs it. In the space charged for it when the
 * segment was made (agent_spool_bytes does not move). */
static int
s_seal(agent_spool_t *self, s_seg_t *seg, rl_err_t *err)
{
    uint8_t p[S_HDR];
    s_seal_format(p, seg);
    if (s_write_all(seg->fd, p, sizeof p, seg->size) || fdatasync(seg->fd)) {
        int e = errno;
        (void)ftruncate(seg->fd, (off_t)seg->size);
        rl_err_set(err, "cannot seal spool segment %" PRIu64 " in %s: %s", seg->id, self->dir,
                   strerror(e));
        errno = e;
        return -1;
    }
    seg->size += S_HDR;
    seg->sealed = true;
    seg->dirty = false;
    return 0;
}

/* Whether DIR/name holds exactly these bytes. */
static bool
s_same_file(agent_spool_t *self, const char *name, const uint8_t *data, uint64_t len)
{
    int fd = openat(self->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return false;
    struct stat st;
    bool same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == len;
    uint8_t chunk[4096];
    for (uint64_t off = 0; same && off < len; off += sizeof chunk) {
        size_t n = len - off < sizeof chunk ? (size_t)(len - off) : sizeof chunk;
        same = s_read_all(fd, chunk, n, off) == 0 && !memcmp(chunk, data + off, n);
    }
    close(fd);
    return same;
}

/* Sets damaged bytes aside in quarantine/ (a copy: the segment keeps them
 * until it is deleted, so nothing here needs the disk to have room).
 * Returns false when this damage was set aside, and said, at an earlier
 * start: it is not said again. */
static bool
s_quarantine(agent_spool_t *self, uint64_t seg_id, uint64_t off, const uint8_t *data, uint64_t len)
{
    char name[96];
    snprintf(name, sizeof name, "quarantine/seg-%020" PRIu64 "-at-%" PRIu64 ".bad", seg_id, off);
    if (s_same_file(self, name, data, len))
        return false;
    if (mkdirat(self->dir_fd, "quarantine", 0700) && errno != EEXIST)
        goto fail;
    int fd = openat(self->dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        goto fail;
    if (s_write_all(fd, data, (size_t)len, 0) || fsync(fd)) {
        int e = errno;
        close(fd);
        (void)unlinkat(self->dir_fd, name, 0);
        errno = e;
        goto fail;
    }
    close(fd);
    self->recovery.quarantined++;
    self->recovery.quarantined_bytes += len;
    rl_error(self->log_ctx,
             "spool %s: %" PRIu64 " damaged bytes at offset %" PRIu64 " of segment %" PRIu64
             " copied to %s",
             self->dir, len, off, seg_id, name);
    return true;
fail:
    self->recovery.quarantined++;
    self->recovery.quarantined_bytes += len;
    rl_error(self->log_ctx,
             "spool %s: %" PRIu64 " damaged bytes at offset %" PRIu64 " of segment %" PRIu64
             " (no copy: cannot write %s: %s)",
             self->dir, len, off, seg_id, name, strerror(errno));
    return true;
}

/* Up to a few ranges of the seqs in [first, last] that are not in recs[lo,
 * hi) (sorted), as "a-b, c, ..." into buf; returns how many are missing. */
static uint64_t
s_missing(const agent_spool_t *self, size_t lo, size_t hi, uint64_t first, uint64_t last, char *buf,
          size_t len)
{
    uint64_t missing = 0, next = first;
    size_t used = 0;
    int ranges = 0;
    buf[0] = '\0';
    for (size_t i = lo; i <= hi && next <= last; i++) {
        uint64_t upto = i < hi ? self->recs[i].seq : last + 1;
        if (upto < next)
            continue;
        if (upto > last + 1)
            upto = last + 1;
        if (upto > next) {
            missing += upto - next;
            if (ranges < 4 && used < len) {
                used += (size_t)snprintf(buf + used, len - used, "%s%" PRIu64, ranges ? ", " : "",
                                         next);
                if (upto - 1 > next && used < len)
                    used += (size_t)snprintf(buf + used, len - used, "-%" PRIu64, upto - 1);
            } else if (ranges == 4 && used < len) {
                used += (size_t)snprintf(buf + used, len - used, ", ...");
            }
            ranges++;
        }
        next = upto + 1;
    }
    return missing;
}

/* Loads the acknowledgements of a segment and marks its records (read in
 * pieces: the file may be damaged to any size). */
static void
s_load_acks(agent_spool_t *self, s_seg_t *seg, size_t first, size_t last)
{
    char name[64];
    s_seg_name(name, sizeof name, seg->id, "ack");
    /* O_APPEND: new entries go after these (pread leaves the offset at 0) */
    int fd = openat(self->dir_fd, name, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return;
    }
    uint64_t size = (uint64_t)st.st_size;
    uint8_t chunk[S_ACK_ENTRY * 4096];
    for (uint64_t off = 0; off + S_ACK_ENTRY <= size; off += sizeof chunk) {
        uint64_t want = size - off < sizeof chunk ? size - off : sizeof chunk;
        want -= want % S_ACK_ENTRY;
        if (s_read_all(fd, chunk, (size_t)want, off))
            break;
        for (uint64_t p = 0; p < want; p += S_ACK_ENTRY) {
            const uint8_t *e = chunk + p;
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
    /* A torn entry at the end: cut it so that new entries stay aligned. */
    if (size % S_ACK_ENTRY && ftruncate(fd, (off_t)(size - size % S_ACK_ENTRY)) == 0)
        (void)fsync(fd);
    seg->ack_fd = fd;
}

/* What an older segment lost, as s_report_lost says it. */
enum { S_INTACT = 0, S_CUT_SHORT = 1, S_EMPTIED = 2 };

/* One segment being scanned at open. */
typedef struct {
    uint64_t id;
    bool last; /* the newest segment */
    char name[64];
    const uint8_t *buf; /* the whole file */
    uint64_t size;
    uint64_t end;    /* where the segment is cut (in place) */
    size_t first;    /* its first record in recs */
    size_t disorder; /* records out of seq order: never offered */
    bool sealed;
    s_seal_t seal;
    uint8_t cut; /* S_INTACT, S_CUT_SHORT, S_EMPTIED */
} s_scan_t;

/* Opens DIR/name and reads all of it into *buf_p (caller frees; also after
 * a failure). Returns the open file, or -1 with err set. */
static int
s_scan_read(agent_spool_t *self, const char *name, uint8_t **buf_p, uint64_t *size_p, rl_err_t *err)
{
    int fd = openat(self->dir_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        rl_err_set(err, "cannot open spool segment %s/%s: %s", self->dir, name, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st)) {
        rl_err_set(err, "cannot stat spool segment %s/%s: %s", self->dir, name, strerror(errno));
        close(fd);
        return -1;
    }
    *size_p = (uint64_t)st.st_size;
    *buf_p = rl_malloc(*size_p ? *size_p : 1);
    if (s_read_all(fd, *buf_p, (size_t)*size_p, 0)) {
        rl_err_set(err, "cannot read spool segment %s/%s: %s", self->dir, name, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Damage at pos (r: what s_parse_at said there). Returns where the next
 * valid record or seal starts, with the damage set aside; or the end of
 * the data when nothing valid follows: the segment is then cut at pos. */
static uint64_t
s_scan_damage(agent_spool_t *self, s_scan_t *sc, uint64_t pos, int r)
{
    uint64_t q = pos + 1;
    s_rec_t probe;
    while (q < sc->size && s_parse_at(sc->buf, sc->size, q, &probe, NULL) <= 0)
        q++;
    if (q < sc->size) {
        (void)s_quarantine(self, sc->id, pos, sc->buf + pos, q - pos);
        return q;
    }
    /* Nothing valid follows. Only the newest segment can end in a write
     * cut short by a crash; a complete record with a bad CRC is damage
     * wherever it is. */
    bool torn = r == 0; /* the start of a record (or seal) cut short */
    if (sc->last && torn) {
        self->recovery.torn_tails++;
        self->recovery.torn_bytes += sc->size - pos;
        rl_warn(self->log_ctx,
                "spool %s: torn tail of %" PRIu64 " bytes cut from segment %s (a write "
                "cut short by a crash; it was never sent)",
                self->dir, sc->size - pos, sc->name);
    } else {
        (void)s_quarantine(self, sc->id, pos, sc->buf + pos, sc->size - pos);
        sc->cut = sc->last ? S_INTACT : S_CUT_SHORT;
    }
    sc->end = pos;
    return sc->size;
}

/* Walks the segment's bytes: keeps its valid records, reads its seal and
 * skips damage. */
static void
s_scan_records(agent_spool_t *self, s_scan_t *sc)
{
    uint64_t pos = 0;
    while (pos < sc->size) {
        s_rec_t rec = {0};
        s_seal_t sl;
        int r = s_parse_at(sc->buf, sc->size, pos, &rec, &sl);
        if (r == 1) {
            rec.seg_id = sc->id;
            rec.off = pos;
            pos += S_HDR + rec.len;
            if (self->n > 0 && rec.seq <= self->recs[self->n - 1].seq) {
                sc->disorder++; /* not written by this spool in this order: never offered */
                continue;
            }
            s_rec_push(self, &rec);
            continue;
        }
        if (r == 2) {
            sc->sealed = true;
            sc->seal = sl;
            pos += S_HDR;
            if (pos < sc->size) { /* nothing is ever written after a seal */
                (void)s_quarantine(self, sc->id, pos, sc->buf + pos, sc->size - pos);
                sc->end = pos;
            }
            break;
        }
        pos = s_scan_damage(self, sc, pos, r);
    }
}

/* Cuts the segment where its scan ended, in place, and makes it durable. */
static int
s_scan_cut(agent_spool_t *self, const s_scan_t *sc, int fd, rl_err_t *err)
{
    if (sc->end < sc->size) {
        if (ftruncate(fd, (off_t)sc->end) || fsync(fd))
            return rl_err_set(err, "cannot cut spool segment %s/%s: %s", self->dir, sc->name,
                              strerror(errno));
    } else if (fsync(fd)) {
        /* Records written by a run that crashed may still be in the page cache only. */
        return rl_err_set(err, "cannot fsync spool segment %s/%s: %s", self->dir, sc->name,
                          strerror(errno));
    }
    if (sc->disorder) {
        self->recovery.quarantined += sc->disorder;
        rl_error(self->log_ctx,
                 "spool %s: %zu record(s) of segment %s out of seq order (a file this spool "
                 "did not write?): left in the file, not sent",
                 self->dir, sc->disorder, sc->name);
    }
    return 0;
}

/* Checks the records kept against the segment's seal: fewer than it says
 * were written are reported with their seqs, and the seal is rewritten to
 * say what is left (so that this is said once). */
static void
s_scan_check_seal(agent_spool_t *self, s_scan_t *sc, s_seg_t *seg)
{
    if (sc->sealed && seg->count < sc->seal.count) {
        /* which seqs? (a gap found and said at an earlier start is in the
         * seal's range too, but not in its count) */
        char ranges[160];
        uint64_t lost = sc->seal.count - seg->count;
        if (!s_missing(self, sc->first, self->n, sc->seal.first_seq, sc->seal.last_seq, ranges,
                       sizeof ranges))
            snprintf(ranges, sizeof ranges, "unknown");
        self->recovery.damaged_segments++;
        self->recovery.lost_records_max += lost;
        rl_error(self->log_ctx,
                 "spool %s: segment %" PRIu64 " lost %" PRIu64 " of its %" PRIu32
                 " record(s), seqs %s (damaged on disk after they were written and "
                 "synced)",
                 self->dir, sc->id, lost, sc->seal.count, ranges);
        uint8_t p[S_HDR];
        s_seal_format(p, seg);
        if (s_write_all(seg->fd, p, sizeof p, sc->end - S_HDR) || fdatasync(seg->fd))
            rl_warn(self->log_ctx, "spool %s: cannot update the seal of segment %" PRIu64 ": %s",
                    self->dir, sc->id, strerror(errno));
    } else if (!sc->sealed && !sc->last && sc->end > 0 && sc->id >= self->sealed_from) {
        sc->cut = S_CUT_SHORT; /* closed without its seal: at a record boundary or not */
    }
    if (sc->cut == S_INTACT && !sc->sealed && !sc->last && seg->count == 0)
        sc->cut = S_EMPTIED; /* an older segment left empty: its records are gone */
}

/* Scans one segment: keeps its valid records, cuts a torn tail in place,
 * sets damaged regions aside (their bytes stay in the segment, skipped),
 * and checks the records against the segment's seal. Nothing here needs
 * new disk space. *cut: S_CUT_SHORT for an older segment that ends
 * without its seal (cut short, at a record boundary or not), S_EMPTIED
 * for one left without a record or a seal. */
static int
s_scan_segment(agent_spool_t *self, uint64_t id, bool last, uint8_t *cut, rl_err_t *err)
{
    *cut = S_INTACT;
    s_scan_t sc = {.id = id, .last = last, .first = self->n, .cut = S_INTACT};
    s_seg_name(sc.name, sizeof sc.name, id, "log");
    uint8_t *buf = NULL;
    int fd = s_scan_read(self, sc.name, &buf, &sc.size, err);
    if (fd < 0) {
        free(buf);
        return -1;
    }
    sc.buf = buf;
    sc.end = sc.size;
    s_scan_records(self, &sc);
    if (s_scan_cut(self, &sc, fd, err)) {
        close(fd);
        free(buf);
        return -1;
    }
    s_seg_t *seg = s_seg_push(self, id, fd, sc.end);
    seg->sealed = sc.sealed;
    seg->unacked = self->n - sc.first;
    seg->count = (uint32_t)(self->n - sc.first);
    if (self->n > sc.first) {
        seg->boot = self->recs[sc.first].boot_id;
        seg->first_seq = self->recs[sc.first].seq;
        seg->last_seq = self->recs[self->n - 1].seq;
    }
    s_scan_check_seal(self, &sc, seg);
    self->bytes += seg->size + (seg->sealed ? 0 : S_HDR);
    s_load_acks(self, seg, sc.first, self->n);
    *cut = sc.cut;
    free(buf);
    return 0;
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
            any_cut = any_cut || cut[k] == S_CUT_SHORT;
            any_empty = any_empty || cut[k] == S_EMPTIED;
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

/* Moves a file that is not one of the spool's out of its way, into
 * quarantine/ (a rename: no disk space needed), never deleting it. */
static void
s_set_aside(agent_spool_t *self, const char *name, const char *why)
{
    char to[96];
    (void)mkdirat(self->dir_fd, "quarantine", 0700);
    for (int k = 0; k < 100; k++) {
        if (k)
            snprintf(to, sizeof to, "quarantine/%s.%d", name, k);
        else
            snprintf(to, sizeof to, "quarantine/%s", name);
        if (faccessat(self->dir_fd, to, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
            continue;
        if (renameat(self->dir_fd, name, self->dir_fd, to) == 0) {
            rl_error(self->log_ctx, "spool %s: %s is %s: moved to %s", self->dir, name, why, to);
            return;
        }
        break;
    }
    rl_error(self->log_ctx, "spool %s: %s is %s: ignored (cannot move it aside: %s)", self->dir,
             name, why, strerror(errno));
}

/* fsyncs the directory that holds path. */
static int
s_sync_parent(const char *path, rl_err_t *err)
{
    char *parent = rl_strdup(path);
    size_t n = strlen(parent);
    while (n > 1 && parent[n - 1] == '/') /* "a/b/" is "a/b" */
        parent[--n] = '\0';
    char *slash = strrchr(parent, '/');
    if (!slash)
        snprintf(parent, n + 1, ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;
    if (fd < 0 || fsync(fd))
        rc = rl_err_set(err, "cannot fsync directory %s: %s", parent, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(parent);
    return rc;
}

/* Makes, opens and locks the spool directory. *used_before: a lock file
 * was left by an earlier run (this spool has handed out keys). */
static int
s_open_dir(agent_spool_t *self, bool *used_before, rl_err_t *err)
{
    const char *dir = self->dir;
    struct stat st;
    bool made = stat(dir, &st) != 0 && errno == ENOENT;
    if (rl_paths_mkdirs(dir, 0700, err))
        return -1;
    self->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (self->dir_fd < 0)
        return rl_err_set(err, "cannot open spool directory %s: %s", dir, strerror(errno));
    /* A spool directory made now: its entry in the parent is made durable
     * before any file in it is relied on (the levels above are the
     * installer's). Once per spool. */
    if (made && s_sync_parent(dir, err))
        return -1;
    *used_before = faccessat(self->dir_fd, "lock", F_OK, 0) == 0;
    self->lock_fd = openat(self->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (self->lock_fd < 0)
        return rl_err_set(err, "cannot create %s/lock: %s", dir, strerror(errno));
    if (flock(self->lock_fd, LOCK_EX | LOCK_NB)) {
        if (errno == EWOULDBLOCK)
            return rl_err_set(err, "spool %s is in use by another ruglab-agent", dir);
        return rl_err_set(err, "cannot lock %s/lock: %s", dir, strerror(errno));
    }
    return 0;
}

/* The counters read at open, and which of them can be trusted. */
typedef struct {
    s_state_t st;
    int have; /* as s_state_read: 1 read, 0 no state file, -1 unreadable */
    bool boot_known, seq_known, mark_known;
} s_counters_t;

/* Reads the counters (the state files, or the earlier format's) into *c,
 * says at error level which cannot be read, and decides which segments
 * must carry a seal. */
static void
s_read_counters(agent_spool_t *self, bool used_before, s_counters_t *c)
{
    const char *dir = self->dir;
    *c = (s_counters_t){0};
    c->have = s_state_read(self, &c->st);
    c->boot_known = c->seq_known = c->mark_known = c->have >= 0;
    if (c->have == 0) {
        /* no state file yet: a new spool, or one of the earlier format;
         * each counter is taken only if it reads back exactly */
        int rb = s_read_legacy(self, "boot", &c->st.boot);
        int rs = s_read_legacy(self, "seq", &c->st.seq);
        int rm = s_read_legacy(self, "mark", &c->st.mark);
        /* in a spool used before, a missing boot file is a lost counter
         * (the earlier format wrote it at every start; seq and mark only
         * once needed, so their absence beside a boot file is normal) */
        c->boot_known = rb > 0 || (rb == 0 && !used_before);
        c->seq_known = rs > 0 || (rs == 0 && (rb > 0 || !used_before));
        c->mark_known = rm > 0 || (rm == 0 && (rb > 0 || !used_before));
        if (used_before && rb == 0 && rs == 0 && rm == 0)
            rl_error(self->log_ctx, "spool %s: used before, but its counter files are missing",
                     dir);
        else if (!c->boot_known || !c->seq_known || !c->mark_known)
            rl_error(
                self->log_ctx,
                "spool %s: counter file(s)%s%s%s unreadable or missing; nothing is taken from them",
                dir, c->boot_known ? "" : " boot", c->seq_known ? "" : " seq",
                c->mark_known ? "" : " mark");
    } else if (c->have < 0) {
        rl_error(self->log_ctx,
                 "spool %s: state and state.copy are unreadable (every copy of the counters "
                 "damaged)",
                 dir);
    }
    /* a new spool seals every segment; one of the earlier format, or whose
     * counters are lost, from the next segment on (those on disk may have
     * been closed without a seal) */
    self->sealed_from = c->have > 0 ? c->st.sealed_from : !used_before ? 1 : UINT64_MAX;
}

/* Whether the directory entry nm is one of the spool's segments (*id its
 * number). A file named like one that cannot be is set aside. */
static bool
s_segment_entry(agent_spool_t *self, const char *nm, uint64_t *id)
{
    /* exactly "seg-" + 20 digits + ".log" */
    if (strlen(nm) != 28 || strncmp(nm, "seg-", 4) || strspn(nm + 4, "0123456789") != 20 ||
        strcmp(nm + 24, ".log"))
        return false;
    *id = strtoull(nm + 4, NULL, 10);
    struct stat sb;
    const char *why = NULL;
    if (fstatat(self->dir_fd, nm, &sb, AT_SYMLINK_NOFOLLOW))
        return false;
    if (!S_ISREG(sb.st_mode))
        why = "not a regular file";
    else if ((uint64_t)sb.st_size > S_MAX_SEG_FILE)
        why = "larger than any segment";
    else if (*id == 0 || *id > S_MAX_SEG_ID)
        why = "a number this spool never gives";
    if (why) {
        s_set_aside(self, nm, why);
        return false;
    }
    return true;
}

/* The numbers of the spool's segments, oldest first (*ids_p: caller
 * frees). */
static int
s_list_segments(agent_spool_t *self, uint64_t **ids_p, size_t *n_p, rl_err_t *err)
{
    int dfd = dup(self->dir_fd);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        rl_err_set(err, "cannot list spool directory %s: %s", self->dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        return -1;
    }
    uint64_t *ids = NULL;
    size_t nids = 0, capids = 0;
    struct dirent *de;
    uint64_t id;
    while ((de = readdir(d))) {
        if (!s_segment_entry(self, de->d_name, &id))
            continue;
        if (nids == capids) {
            capids = capids ? 2 * capids : 16;
            ids = rl_realloc(ids, capids * sizeof *ids);
        }
        ids[nids++] = id;
    }
    closedir(d);
    if (nids)
        qsort(ids, nids, sizeof *ids, s_cmp_u64);
    /* Segment numbers follow each other (gaps are segments deleted once
     * acknowledged): one far above the others is not this spool's. */
    while (nids > 0 && ids[nids - 1] - (nids > 1 ? ids[nids - 2] : 0) > S_MAX_SEG_GAP) {
        char nm[64];
        s_seg_name(nm, sizeof nm, ids[nids - 1], "log");
        s_set_aside(self, nm, "numbered far above the spool's own segments");
        nids--;
    }
    *ids_p = ids;
    *n_p = nids;
    return 0;
}

/* Scans the segments, oldest first, and says which lost records. */
static int
s_scan_segments(agent_spool_t *self, const uint64_t *ids, size_t nids, rl_err_t *err)
{
    uint8_t *cut = rl_calloc(nids + 1, sizeof *cut); /* S_CUT_SHORT, S_EMPTIED */
    uint64_t *first_seq = rl_calloc(nids + 1, sizeof *first_seq);
    uint64_t *last_seq = rl_calloc(nids + 1, sizeof *last_seq);
    int rc = 0;
    for (size_t i = 0; i < nids; i++) {
        size_t before = self->n;
        if (s_scan_segment(self, ids[i], i + 1 == nids, &cut[i], err)) {
            rc = -1;
            goto out;
        }
        if (self->n > before) {
            first_seq[i] = self->recs[before].seq;
            last_seq[i] = self->recs[self->n - 1].seq;
        }
    }
    s_report_lost(self, ids, nids, cut, first_seq, last_seq);
out:
    free(cut);
    free(first_seq);
    free(last_seq);
    return rc;
}

/* The new boot and the first seq: beyond anything the files remember;
 * the records on disk give a floor for every counter. Saved at once. */
static void
s_start_boot(agent_spool_t *self, const s_counters_t *c)
{
    uint64_t max_boot = 0, max_seq = 0, max_mark = 0;
    for (size_t i = self->head; i < self->n; i++) {
        if (self->recs[i].boot_id > max_boot)
            max_boot = self->recs[i].boot_id;
        if (self->recs[i].seq > max_seq)
            max_seq = self->recs[i].seq;
        if (self->recs[i].mark > max_mark)
            max_mark = self->recs[i].mark;
    }
    /* A boot id from the clock (microseconds << 8 | random bits), above
     * every one remembered: never one used before, even by a spool that
     * was wiped or a machine reinstalled under the same device id. */
    uint64_t floor = max_boot;
    if (c->boot_known && c->st.boot > floor && c->st.boot < (uint64_t)INT64_MAX)
        floor = c->st.boot;
    self->boot_id = s_clock_boot();
    if (self->boot_id <= floor && floor < (uint64_t)INT64_MAX)
        self->boot_id = floor + 1;
    self->next_seq = max_seq + 1;
    if (c->seq_known && c->st.seq > self->next_seq && c->st.seq <= S_MAX_SEG_ID)
        self->next_seq = c->st.seq;
    self->saved_mark = c->mark_known && c->st.mark > max_mark ? c->st.mark : max_mark;
    if (!c->boot_known || !c->seq_known || !c->mark_known)
        rl_error(self->log_ctx,
                 "spool %s: counters recovered: boot id %" PRIu64
                 " (from the clock: never one used before), seqs from %" PRIu64 "; %s%" PRIu64,
                 self->dir, self->boot_id, self->next_seq,
                 c->mark_known || self->n ? "the driver resumes after mark "
                                          : "THE DRIVER'S POSITION IS LOST (no record left to "
                                            "read it from): it starts at mark ",
                 self->saved_mark);
    /* The first block of seqs is reserved now, in the save that open makes
     * anyway (not in another at the first append). */
    self->reserved_seq = self->next_seq + AGENT_SPOOL_SEQ_BLOCK;
    /* Into every slot of both files: whichever slot survives damage, the
     * next run's boot id is higher. */
    rl_err_t serr;
    if (s_state_write(self, true, &serr)) {
        /* never a reason not to start: this run's boot id is new anyway */
        rl_error(self->log_ctx, "%s: the counters are kept in memory", serr.msg);
        self->state_unsaved = true;
    }
    if (c->have == 0) { /* the earlier format's files are replaced by state */
        (void)unlinkat(self->dir_fd, "boot", 0);
        (void)unlinkat(self->dir_fd, "seq", 0);
        (void)unlinkat(self->dir_fd, "mark", 0);
        (void)unlinkat(self->dir_fd, "boot.tmp", 0);
    }
    self->last_mark = self->saved_mark > max_mark ? self->saved_mark : max_mark;
    self->synced_mark = self->last_mark;
    self->synced_seq = self->next_seq - 1;
}

/* Drops the segments that are wholly acknowledged; counts what is pending. */
static void
s_drop_acknowledged(agent_spool_t *self)
{
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
                 "spool %s: %zu damaged region(s), %" PRIu64
                 " bytes, skipped (each said above, with its copy in %s/quarantine if one could "
                 "be written); the rest of the spool is intact",
                 self->dir, self->recovery.quarantined, self->recovery.quarantined_bytes,
                 self->dir);
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
    size_t nids = 0;
    bool used_before = false;
    if (s_open_dir(self, &used_before, err))
        goto fail;
    /* The counters first: which segments must carry a seal. */
    s_counters_t c;
    s_read_counters(self, used_before, &c);
    if (s_list_segments(self, &ids, &nids, err) || s_scan_segments(self, ids, nids, err))
        goto fail;
    self->next_seg_id = nids ? ids[nids - 1] + 1 : 1;
    /* numbers are not given twice (quarantine/ names carry them) */
    if (c.have > 0 && c.st.next_seg > self->next_seg_id && c.st.next_seg <= S_MAX_SEG_ID &&
        c.st.next_seg - self->next_seg_id <= S_MAX_SEG_GAP)
        self->next_seg_id = c.st.next_seg;
    if (self->sealed_from == UINT64_MAX)
        self->sealed_from = self->next_seg_id;
    free(ids);
    s_start_boot(self, &c);
    s_drop_acknowledged(self);
    return self;
fail:
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
    rl_err_t err;
    if (agent_spool_flush_acks(self, &err))
        rl_warn(self->log_ctx, "%s (those messages are sent again at the next start)", err.msg);
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
    for (size_t i = self->head; i < self->n; i++)
        free(self->recs[i].payload);
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

/* Whether the next record of need bytes starts a new segment. */
static bool
s_rotates(const agent_spool_t *self, uint64_t need)
{
    if (!self->have_active)
        return true;
    const s_seg_t *seg = &self->segs[self->nsegs - 1];
    return seg->size > 0 && seg->size + need > self->segment_bytes;
}

static s_seg_t *
s_active_segment(agent_spool_t *self, uint64_t need, rl_err_t *err)
{
    if (!s_rotates(self, need))
        return &self->segs[self->nsegs - 1];
    /* Every older segment is sealed (and synced) before a newer one is
     * made: so a segment found later without its seal was cut. */
    for (size_t i = 0; i < self->nsegs; i++) {
        s_seg_t *seg = &self->segs[i];
        if (!seg->sealed && seg->count > 0 && s_seal(self, seg, err))
            return NULL; /* errno kept: a full disk is SPOOL FULL */
    }
    self->have_active = false;
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
        int e = errno;
        rl_err_set(err, "cannot create spool segment %s/%s: %s", self->dir, name, strerror(e));
        self->next_seg_id--;
        errno = e;
        return NULL;
    }
    char ack[64];
    s_seg_name(ack, sizeof ack, id, "ack");
    (void)unlinkat(self->dir_fd, ack, 0);
    self->dir_dirty = true;
    self->have_active = true;
    self->bytes += S_HDR; /* its seal, to come */
    return s_seg_push(self, id, fd, 0);
}

/* Whether an encoded message of len bytes can be appended now: 0,
 * AGENT_SPOOL_UNFIT (never: err says why) or AGENT_SPOOL_FULL (not until
 * space frees; err empty: the bound, not the disk). */
static int
s_check_fit(agent_spool_t *self, rl_body_kind_t kind, size_t len, rl_err_t *err)
{
    if (len > RL_WIRE_MAX_MESSAGE || len == 0) {
        rl_err_set(err, "cannot spool the %s message: %zu bytes, more than the %u allowed",
                   rl_body_kind_name(kind), len, RL_WIRE_MAX_MESSAGE);
        return AGENT_SPOOL_UNFIT;
    }
    uint64_t need = S_HDR + len;
    if (need + S_HDR > self->max_bytes) {
        rl_err_set(err,
                   "cannot spool the %s message: %" PRIu64 " bytes, more than the spool's "
                   "max_bytes %" PRIu64,
                   rl_body_kind_name(kind), need, self->max_bytes);
        return AGENT_SPOOL_UNFIT;
    }
    if (self->bytes + need + (s_rotates(self, need) ? S_HDR : 0) > self->max_bytes) {
        err->msg[0] = '\0'; /* the bound, not the disk */
        return AGENT_SPOOL_FULL;
    }
    return 0;
}

/* The header of the record of an encoded message (layout in
 * agent_spool.h; the payload follows it). */
static void
s_record_header(uint8_t *record, const rl_msg_t *msg, int64_t now, uint64_t mark,
                const uint8_t *payload, size_t len)
{
    memcpy(record, s_rec_magic, 4);
    s_put32(record + 4, (uint32_t)len);
    s_put64(record + 8, msg->boot_id);
    s_put64(record + 16, msg->seq);
    s_put64(record + 24, (uint64_t)now);
    s_put64(record + 32, mark);
    uint32_t crc = agent_crc32c(0, record + 4, 36);
    s_put32(record + 40, agent_crc32c(crc, payload, len));
}

int
agent_spool_append(agent_spool_t *self, rl_msg_t *msg, uint64_t mark, rl_err_t *err)
{
    int rc = -1;
    uint8_t *payload = NULL, record[S_HDR];
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
    uint64_t need = S_HDR + len;
    int fit = s_check_fit(self, msg->kind, len, err);
    if (fit) {
        rc = fit;
        goto out;
    }
    s_seg_t *seg = s_active_segment(self, need, err);
    if (!seg) {
        if (errno == ENOSPC || errno == EDQUOT)
            rc = AGENT_SPOOL_FULL; /* the disk is full: err says so */
        goto out;
    }
    int64_t now = rl_clock_wall_us();
    s_record_header(record, msg, now, mark, payload, len);
    if (s_write_two(seg->fd, record, S_HDR, payload, len, seg->size)) {
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
    if (self->cached_bytes + len <= S_CACHE_MAX) { /* kept for agent_spool_read */
        rec.payload = payload;
        payload = NULL;
        self->cached_bytes += len;
    }
    s_rec_push(self, &rec);
    if (seg->count++ == 0) {
        seg->boot = msg->boot_id;
        seg->first_seq = msg->seq;
    }
    seg->last_seq = msg->seq;
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
    return rc;
}

/* Drops the payload kept of r, if any. */
static void
s_uncache(agent_spool_t *self, s_rec_t *r)
{
    if (!r->payload)
        return;
    free(r->payload);
    r->payload = NULL;
    self->cached_bytes -= r->len;
}

/* Drops the payloads kept of the records up to seq (see S_CACHE_MAX). */
static void
s_cache_trim(agent_spool_t *self, uint64_t seq)
{
    for (size_t i = s_lower_bound(self, self->cached_from); i < self->n && self->recs[i].seq <= seq;
         i++)
        s_uncache(self, &self->recs[i]);
    if (seq + 1 > self->cached_from)
        self->cached_from = seq + 1;
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
    s_cache_trim(self, self->synced_before);
    self->synced_before = self->synced_seq;
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
    if (r->payload) { /* the bytes appended (and synced: the caller got seq from agent_spool_next)
                       */
        *buf_p = r->payload;
        *len_p = r->len;
        r->payload = NULL;
        self->cached_bytes -= r->len;
        return 0;
    }
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
    s_uncache(self, r);
    self->depth--;
    seg->unacked--;
    while (self->head < self->n && self->recs[self->head].acked)
        self->head++;
    if (self->head == self->n)
        self->head = self->n = 0;
    if (seg->unacked == 0 && s_seg_remove(self, seg))
        return 1;
    /* the entry waits in acks_pending for agent_spool_flush_acks (or the
     * next entry of another segment, or a full buffer) */
    if (self->n_acks_pending &&
        (self->acks_seg_id != seg->id || self->n_acks_pending == S_ACKS_PENDING_MAX) &&
        agent_spool_flush_acks(self, err))
        return -1;
    uint8_t *e = self->acks_pending + self->n_acks_pending++ * S_ACK_ENTRY;
    self->acks_seg_id = seg->id;
    memcpy(e, s_ack_magic, 4);
    s_put64(e + 8, seq);
    s_put32(e + 4, agent_crc32c(0, e + 8, 8));
    return 1;
}

int
agent_spool_flush_acks(agent_spool_t *self, rl_err_t *err)
{
    size_t len = self->n_acks_pending * S_ACK_ENTRY;
    self->n_acks_pending = 0;
    s_seg_t *seg = len ? s_seg_find(self, self->acks_seg_id) : NULL;
    if (!seg) /* none, or the segment was deleted: the entries with it */
        return 0;
    if (seg->ack_fd < 0) {
        char name[64];
        s_seg_name(name, sizeof name, seg->id, "ack");
        seg->ack_fd = openat(self->dir_fd, name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (seg->ack_fd < 0)
            return rl_err_set(err, "cannot write %s/%s: %s", self->dir, name, strerror(errno));
    }
    const uint8_t *p = self->acks_pending;
    while (len > 0) {
        ssize_t w = write(seg->ack_fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == ENOSPC || errno == EDQUOT)) {
            /* a lost ack entry only means a resend after a restart, answered
             * DUPLICATE: freeing the rest of the spool matters more */
            if (!self->ack_full_said)
                rl_warn(self->log_ctx,
                        "spool %s: the disk is full: acknowledgements are kept in memory only "
                        "until space frees",
                        self->dir);
            self->ack_full_said = true;
            return 0;
        }
        if (w <= 0)
            return rl_err_set(err, "cannot record acknowledgements in spool %s: %s", self->dir,
                              w < 0 ? strerror(errno) : "nothing written");
        p += w;
        len -= (size_t)w;
    }
    return 0;
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
