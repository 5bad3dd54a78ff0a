/* The agent's spool: what a hospital relies on when a machine crashes or
 * its disk is damaged. Every test works in its own temporary directory.
 * The fsync ordering (a record is offered for sending only once synced)
 * is checked through agent_spool_next; its durability under a power cut
 * cannot be unit-tested. */
#include "../../services/agent/agent_spool.h"

#include "ruglab/log.h"
#include "ruglab/wire.h"
#include "rmtree.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char s_dir[64];

static int
s_setup(void **state)
{
    (void)state;
    strcpy(s_dir, "/tmp/ruglab-spool-XXXXXX");
    assert_non_null(mkdtemp(s_dir));
    rl_log_init("test_agent_spool", RL_LOG_ERROR + 0);
    return 0;
}

static int
s_teardown(void **state)
{
    (void)state;
    t_rmtree(s_dir);
    return 0;
}

static agent_spool_t *
s_open(uint64_t max_bytes, uint64_t segment_bytes)
{
    agent_spool_opts_t opts = {max_bytes, segment_bytes, "device test-01"};
    rl_err_t err = {{0}};
    agent_spool_t *sp = agent_spool_open(s_dir, &opts, &err);
    if (!sp)
        fail_msg("open: %s", err.msg);
    return sp;
}

static void
s_trial(rl_msg_t *m, uint32_t trial)
{
    rl_msg_init(m);
    snprintf(m->device_id, sizeof m->device_id, "test-01");
    m->taken_at_us = 1795000000000000 + trial;
    snprintf(m->session_id, sizeof m->session_id, "s1");
    snprintf(m->patient_token, sizeof m->patient_token, "RB-0001");
    m->kind = RL_BODY_TEST_RESULT;
    m->u.test_result.direction = RL_DIR_EXTENSION;
    m->u.test_result.trial = trial;
    m->u.test_result.rom_deg = 40;
    m->u.test_result.max_torque_nm = 150;
}

static uint64_t
s_append(agent_spool_t *sp, uint32_t trial)
{
    rl_msg_t m;
    rl_err_t err;
    s_trial(&m, trial);
    int rc = agent_spool_append(sp, &m, trial, &err);
    if (rc != 0)
        fail_msg("append: %d %s", rc, rc < 0 ? err.msg : "full");
    return m.seq;
}

static void
s_sync(agent_spool_t *sp)
{
    rl_err_t err;
    assert_int_equal(agent_spool_sync(sp, &err), 0);
}

/* The seqs offered for sending, in order. */
static size_t
s_pending(agent_spool_t *sp, uint64_t *seqs, size_t max)
{
    agent_spool_rec_t rec;
    size_t n = 0;
    uint64_t after = 0;
    while (n < max && agent_spool_next(sp, after, &rec) == 1) {
        seqs[n++] = rec.seq;
        after = rec.seq;
    }
    return n;
}

/* Decodes a pending record and returns its trial number. */
static uint32_t
s_trial_of(agent_spool_t *sp, uint64_t seq, uint64_t boot_id)
{
    uint8_t *buf;
    size_t len;
    rl_err_t err;
    assert_int_equal(agent_spool_read(sp, seq, &buf, &len, &err), 0);
    rl_msg_t m;
    rl_reason_t reason;
    assert_int_equal(rl_wire_decode(buf, len, &m, &reason, &err), 0);
    free(buf);
    assert_int_equal(m.seq, seq);
    assert_int_equal(m.boot_id, boot_id);
    uint32_t trial = m.u.test_result.trial;
    rl_msg_clear(&m);
    return trial;
}

static char *
s_path(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    return path;
}

static size_t
s_count_files(const char *prefix, const char *sub)
{
    DIR *d = opendir(sub ? s_path(sub) : s_dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (!strncmp(de->d_name, prefix, strlen(prefix)))
            n++;
    closedir(d);
    return n;
}

/* The segment files (seg-*.log). */
static size_t
s_count_segments(void)
{
    DIR *d = opendir(s_dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (!strncmp(de->d_name, "seg-", 4) && strstr(de->d_name, ".log"))
            n++;
    closedir(d);
    return n;
}

static off_t
s_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

/* The first segment file's name. */
static const char *
s_first_segment(void)
{
    return s_path("seg-00000000000000000001.log");
}

static void
test_crc32c_known_value(void **state)
{
    (void)state;
    assert_int_equal(agent_crc32c(0, "123456789", 9), 0xE3069283u);
    uint32_t c = agent_crc32c(0, "1234", 4);
    assert_int_equal(agent_crc32c(c, "56789", 5), 0xE3069283u);
}

/* The instruction (when this CPU has it) gives the table's values on
 * random bytes: every length 0..1100 from every start 0..15 (unaligned
 * heads and tails around the 8-byte steps), from random starting CRCs, and
 * continued over a split at every point of a buffer. */
static void
test_crc32c_instruction_matches_table(void **state)
{
    (void)state;
    if (!agent_crc32c_hw_available())
        print_message("no SSE4.2 on this CPU: agent_crc32c is the table itself\n");
    enum { N = 1100, STARTS = 16 };
    static uint8_t buf[N + STARTS];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (uint8_t)x;
    }
    for (size_t start = 0; start < STARTS; start++) {
        for (size_t len = 0; len <= N; len++) {
            uint32_t init = len % 3 == 0 ? 0 : (uint32_t)(x >> (len % 32));
            uint32_t want = agent_crc32c_sw(init, buf + start, len);
            uint32_t got = agent_crc32c(init, buf + start, len);
            if (got != want)
                fail_msg("start %zu len %zu crc %08x: %08x, the table says %08x", start, len,
                         (unsigned)init, (unsigned)got, (unsigned)want);
        }
    }
    uint32_t whole = agent_crc32c_sw(0, buf + 3, 200);
    for (size_t cut = 0; cut <= 200; cut++) {
        uint32_t part = agent_crc32c(0, buf + 3, cut);
        assert_int_equal(agent_crc32c(part, buf + 3 + cut, 200 - cut), whole);
    }
    /* the known value, by both */
    assert_int_equal(agent_crc32c_sw(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(agent_crc32c(0, "", 0), 0);
}

/* agent_spool_read gives these bytes for seq. */
static void
s_assert_reads(agent_spool_t *sp, uint64_t seq, const uint8_t *want, size_t want_len)
{
    uint8_t *buf;
    size_t len;
    rl_err_t err;
    assert_int_equal(agent_spool_read(sp, seq, &buf, &len, &err), 0);
    assert_int_equal(len, want_len);
    assert_memory_equal(buf, want, len);
    free(buf);
}

/* A record's bytes are the same whether read right after it was appended
 * (kept in memory), read again for a resend (from the file), or after a
 * restart; and a record is read only once synced. */
static void
test_read_back_from_memory_and_file(void **state)
{
    (void)state;
    agent_spool_t *sp = s_open(1 << 20, 1 << 16);
    uint64_t boot = agent_spool_boot_id(sp);
    enum { N = 40 };
    uint8_t *first[N + 1] = {0};
    size_t first_len[N + 1] = {0};
    for (uint32_t t = 1; t <= N; t++)
        assert_int_equal(s_append(sp, t), t);
    uint64_t seqs[N];
    assert_int_equal(s_pending(sp, seqs, N), 0);
    s_sync(sp);
    assert_int_equal(s_pending(sp, seqs, N), N);
    rl_err_t err;
    for (uint64_t q = 1; q <= N; q++) {
        assert_int_equal(agent_spool_read(sp, q, &first[q], &first_len[q], &err), 0);
        s_assert_reads(sp, q, first[q], first_len[q]);
    }
    for (uint32_t t = 1; t <= N; t++)
        assert_int_equal(s_trial_of(sp, t, boot), t);
    /* acknowledged while its bytes are still kept: they go with it */
    uint64_t q = s_append(sp, N + 1);
    s_sync(sp);
    assert_int_equal(agent_spool_ack(sp, boot, q, &err), 1);
    /* not read two syncs later (the link away): read from the file */
    for (uint32_t t = N + 2; t <= N + 6; t++)
        assert_int_equal(s_append(sp, t), t);
    s_sync(sp);
    assert_int_equal(s_append(sp, N + 7), N + 7);
    s_sync(sp);
    assert_int_equal(s_append(sp, N + 8), N + 8);
    s_sync(sp);
    for (uint32_t t = N + 2; t <= N + 8; t++)
        assert_int_equal(s_trial_of(sp, t, boot), t);
    agent_spool_close(&sp);
    sp = s_open(1 << 20, 1 << 16);
    for (uint64_t k = 1; k <= N; k++) {
        s_assert_reads(sp, k, first[k], first_len[k]);
        free(first[k]);
    }
    agent_spool_close(&sp);
}

static void
test_append_sync_ack_reopen(void **state)
{
    (void)state;
    agent_spool_t *sp = s_open(1 << 20, 1 << 16);
    uint64_t boot1 = agent_spool_boot_id(sp);
    assert_true(boot1 >= 1);
    for (uint32_t t = 1; t <= 5; t++)
        assert_int_equal(s_append(sp, t), t);
    uint64_t seqs[16];
    /* Not durable yet: nothing may be sent. */
    assert_int_equal(s_pending(sp, seqs, 16), 0);
    assert_int_equal(agent_spool_depth(sp), 5);
    s_sync(sp);
    assert_int_equal(s_pending(sp, seqs, 16), 5);
    assert_int_equal(s_trial_of(sp, 3, boot1), 3);
    assert_true(agent_spool_oldest_us(sp) > 0);
    assert_true(agent_spool_bytes(sp) > 5 * AGENT_SPOOL_RECORD_HEADER);

    rl_err_t err;
    assert_int_equal(agent_spool_ack(sp, boot1, 2, &err), 1);
    assert_int_equal(agent_spool_ack(sp, boot1, 4, &err), 1);
    assert_int_equal(agent_spool_ack(sp, boot1, 4, &err), 0);     /* acked twice */
    assert_int_equal(agent_spool_ack(sp, boot1 + 7, 5, &err), 0); /* wrong boot */
    assert_int_equal(agent_spool_depth(sp), 3);
    agent_spool_close(&sp);
    assert_null(sp);

    /* The acknowledged ones stay gone; the others keep their boot and seq. */
    sp = s_open(1 << 20, 1 << 16);
    uint64_t boot2 = agent_spool_boot_id(sp);
    assert_true(boot2 > boot1); /* from the clock, above every earlier one */
    assert_int_equal(agent_spool_recovery(sp)->records, 3);
    assert_int_equal(agent_spool_depth(sp), 3);
    assert_int_equal(s_pending(sp, seqs, 16), 3);
    assert_int_equal(seqs[0], 1);
    assert_int_equal(seqs[1], 3);
    assert_int_equal(seqs[2], 5);
    assert_int_equal(s_trial_of(sp, 5, boot1), 5);
    /* New records get the new boot. */
    uint64_t s6 = s_append(sp, 6);
    assert_true(s6 > 5);
    s_sync(sp);
    assert_int_equal(s_trial_of(sp, s6, boot2), 6);
    assert_int_equal(agent_spool_ack(sp, boot1, 1, &err), 1);
    assert_int_equal(agent_spool_ack(sp, boot1, 3, &err), 1);
    assert_int_equal(agent_spool_ack(sp, boot1, 5, &err), 1);
    assert_int_equal(agent_spool_ack(sp, boot2, s6, &err), 1);
    assert_int_equal(agent_spool_depth(sp), 0);
    assert_int_equal(agent_spool_oldest_us(sp), 0);
    /* Fully acknowledged segments are deleted. */
    assert_int_equal(s_count_segments(), 0);
    assert_int_equal(agent_spool_bytes(sp), 0);
    agent_spool_close(&sp);
}

static void
test_second_agent_is_refused(void **state)
{
    (void)state;
    agent_spool_t *sp = s_open(1 << 20, 1 << 16);
    agent_spool_opts_t opts = {1 << 20, 1 << 16, NULL};
    rl_err_t err;
    assert_null(agent_spool_open(s_dir, &opts, &err));
    assert_non_null(strstr(err.msg, "in use by another ruglab-agent"));
    agent_spool_close(&sp);
}

static void
test_torn_tail_truncated(void **state)
{
    (void)state;
    agent_spool_t *sp = s_open(1 << 20, 1 << 16);
    for (uint32_t t = 1; t <= 3; t++)
        (void)s_append(sp, t);
    s_sync(sp);
    agent_spool_close(&sp);
    off_t good = s_size(s_first_segment());

    /* A crash in the middle of writing a fourth record: half a header. */
    FILE *f = fopen(s_first_segment(), "ab");
    assert_non_null(f);
    fwrite("RLS1\x40\x00\x00\x00\x01\x00", 1, 10, f);
    fclose(f);
    sp = s_open(1 << 20, 1 << 16);
    assert_int_equal(agent_spool_depth(sp), 3);
    assert_int_equal(agent_spool_recovery(sp)->torn_tails, 1);
    assert_int_equal(agent_spool_recovery(sp)->torn_bytes, 10);
    assert_int_equal(agent_spool_recovery(sp)->quarantined, 0);
    assert_int_equal(s_size(s_first_segment()), good);
    agent_spool_close(&sp);

    /* The last record's payload cut short. */
    assert_int_equal(truncate(s_first_segment(), good - 5), 0);
    sp = s_open(1 << 20, 1 << 16);
    assert_int_equal(agent_spool_depth(sp), 2);
    assert_int_equal(agent_spool_recovery(sp)->torn_tails, 1);
    uint64_t seqs[8];
    assert_int_equal(s_pending(sp, seqs, 8), 2);
    assert_int_equal(seqs[1], 2);
    /* The cut record's seq is never handed out again. */
    assert_true(s_append(sp, 9) > 3);
    agent_spool_close(&sp);
}

static void
test_damaged_middle_record_quarantined(void **state)
{
    (void)state;
    agent_spool_t *sp = s_open(1 << 20, 1 << 16);
    uint64_t boot1 = agent_spool_boot_id(sp);
    for (uint32_t t = 1; t <= 3; t++)
        (void)s_append(sp, t);
    s_sync(sp);
    agent_spool_close(&sp);
    off_t size = s_size(s_first_segment());
    off_t rec_size = size / 3; /* three records of equal size */

    /* One flipped bit in the payload of the second record. */
    FILE *f = fopen(s_first_segment(), "r+b");
    assert_non_null(f);
    fseek(f, rec_size + AGENT_SPOOL_RECORD_HEADER + 3, SEEK_SET);
    int c = fgetc(f);
    fseek(f, rec_size + AGENT_SPOOL_RECORD_HEADER + 3, SEEK_SET);
    fputc(c ^ 0x10, f);
    fclose(f);

    sp = s_open(1 << 20, 1 << 16); /* never refuses to start */
    assert_int_equal(agent_spool_recovery(sp)->quarantined, 1);
    assert_int_equal(agent_spool_recovery(sp)->quarantined_bytes, rec_size);
    assert_int_equal(agent_spool_depth(sp), 2);
    uint64_t seqs[8];
    assert_int_equal(s_pending(sp, seqs, 8), 2);
    assert_int_equal(seqs[0], 1);
    assert_int_equal(seqs[1], 3);
    assert_int_equal(s_trial_of(sp, 3, boot1), 3);
    /* A copy of the damaged bytes is kept for inspection; the segment is
     * not rewritten (that would need free space): they are skipped. */
    assert_int_equal(s_count_files("seg-", "quarantine"), 1);
    assert_int_equal(s_size(s_first_segment()), size);
    assert_true(s_append(sp, 4) > 3);
    agent_spool_close(&sp);

    /* A second open says nothing new. */
    sp = s_open(1 << 20, 1 << 16);
    assert_int_equal(agent_spool_recovery(sp)->quarantined, 0);
    assert_int_equal(agent_spool_recovery(sp)->damaged_segments, 0);
    assert_int_equal(agent_spool_depth(sp), 3);
    agent_spool_close(&sp);
}

static void
test_seq_never_reused_after_restart(void **state)
{
    (void)state;
    rl_err_t err;
    agent_spool_t *sp = s_open(1 << 20, 1 << 16);
    uint64_t boot = agent_spool_boot_id(sp);
    uint64_t last = 0;
    for (uint32_t t = 1; t <= 3; t++)
        last = s_append(sp, t);
    s_sync(sp);
    for (uint64_t s = 1; s <= last; s++)
        assert_int_equal(agent_spool_ack(sp, boot, s, &err), 1);
    assert_int_equal(s_count_segments(), 0);
    agent_spool_close(&sp); /* as after a crash: nothing else written at close */

    /* The spool is empty, yet the next run continues after the old seqs. */
    for (int run = 0; run < 3; run++) {
        sp = s_open(1 << 20, 1 << 16);
        assert_true(agent_spool_boot_id(sp) > boot);
        boot = agent_spool_boot_id(sp);
        uint64_t s = s_append(sp, 1);
        assert_true(s > last);
        last = s;
        agent_spool_close(&sp);
    }
}

static void
test_source_mark_survives_restart(void **state)
{
    (void)state;
    rl_err_t err;
    agent_spool_t *sp = s_open(1 << 20, 1);
    assert_int_equal(agent_spool_last_mark(sp), 0);
    uint64_t boot = agent_spool_boot_id(sp);
    for (uint32_t t = 1; t <= 4; t++)
        (void)s_append(sp, t); /* the trial number is the mark */
    assert_int_equal(agent_spool_last_mark(sp), 4);
    s_sync(sp);
    agent_spool_close(&sp);
    /* Pending records carry it. */
    sp = s_open(1 << 20, 1);
    assert_int_equal(agent_spool_last_mark(sp), 4);
    /* Everything acknowledged and deleted: DIR/state remembers it. */
    for (uint64_t s = 1; s <= 4; s++)
        assert_int_equal(agent_spool_ack(sp, boot, s, &err), 1);
    assert_int_equal(s_count_segments(), 0);
    agent_spool_close(&sp);
    sp = s_open(1 << 20, 1);
    assert_int_equal(agent_spool_last_mark(sp), 4);
    agent_spool_close(&sp);
}

static void
test_full_spool_refuses_and_recovers(void **state)
{
    (void)state;
    rl_err_t err;
    /* Room for exactly three records, one record per segment. */
    agent_spool_t *sp = s_open(1 << 20, 1);
    (void)s_append(sp, 1);
    uint64_t rec_size = agent_spool_bytes(sp);
    agent_spool_close(&sp);
    t_rmtree(s_dir);
    assert_int_equal(mkdir(s_dir, 0700), 0);

    sp = s_open(3 * rec_size, 1);
    uint64_t boot = agent_spool_boot_id(sp);
    for (uint32_t t = 1; t <= 3; t++)
        (void)s_append(sp, t);
    rl_msg_t m;
    s_trial(&m, 4);
    assert_int_equal(agent_spool_append(sp, &m, 0, &err), AGENT_SPOOL_FULL);
    assert_int_equal(m.seq, 0); /* nothing stored, the message untouched */
    assert_int_equal(agent_spool_depth(sp), 3);
    assert_true(agent_spool_bytes(sp) <= 3 * rec_size);
    s_sync(sp);
    /* An acknowledgement frees a segment: the message fits again. */
    assert_int_equal(agent_spool_ack(sp, boot, 1, &err), 1);
    assert_int_equal(agent_spool_append(sp, &m, 0, &err), 0);
    assert_int_equal(m.seq, 4);
    assert_int_equal(agent_spool_depth(sp), 3);
    agent_spool_close(&sp);

    /* A message larger than the whole spool can never fit: said so, not
     * "full" (which the caller would retry forever). */
    sp = s_open(AGENT_SPOOL_RECORD_HEADER + 8, 1);
    s_trial(&m, 5);
    assert_int_equal(agent_spool_append(sp, &m, 0, &err), AGENT_SPOOL_UNFIT);
    assert_non_null(strstr(err.msg, "max_bytes"));
    assert_int_equal(m.seq, 0);
    assert_int_equal(agent_spool_depth(sp), 3); /* the three of before, nothing more */
    agent_spool_close(&sp);
}

static void
test_segments_rotate_and_reclaim(void **state)
{
    (void)state;
    rl_err_t err;
    agent_spool_t *sp = s_open(1 << 20, 300); /* a few records per segment */
    uint64_t boot = agent_spool_boot_id(sp);
    for (uint32_t t = 1; t <= 20; t++)
        (void)s_append(sp, t);
    s_sync(sp);
    size_t segs = s_count_segments();
    assert_true(segs > 3);
    /* Acknowledgements in any order; a segment goes when all of it is acked. */
    for (uint64_t s = 20; s >= 11; s--)
        assert_int_equal(agent_spool_ack(sp, boot, s, &err), 1);
    assert_true(s_count_segments() < segs);
    agent_spool_close(&sp);
    sp = s_open(1 << 20, 300);
    assert_int_equal(agent_spool_depth(sp), 10);
    uint64_t seqs[32];
    assert_int_equal(s_pending(sp, seqs, 32), 10);
    assert_int_equal(seqs[9], 10);
    for (uint64_t s = 1; s <= 10; s++)
        assert_int_equal(agent_spool_ack(sp, boot, s, &err), 1);
    assert_int_equal(s_count_segments(), 0);
    agent_spool_close(&sp);
}

static void
s_write_file(const char *name, const char *data, size_t len)
{
    FILE *f = fopen(s_path(name), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Five records (marks 1..5) appended and synced in a new spool, the first
 * `acked` of them acknowledged; returns the boot. */
static uint64_t
s_deliver_five(uint64_t acked)
{
    rl_err_t err;
    t_rmtree(s_dir);
    assert_int_equal(mkdir(s_dir, 0700), 0);
    agent_spool_t *sp = s_open(1 << 20, 1 << 16);
    uint64_t boot = agent_spool_boot_id(sp);
    for (uint32_t t = 1; t <= 5; t++)
        (void)s_append(sp, t);
    s_sync(sp);
    for (uint64_t s = 1; s <= acked; s++)
        assert_int_equal(agent_spool_ack(sp, boot, s, &err), 1);
    agent_spool_close(&sp);
    return boot;
}

/* After damage to the counters the next run uses a boot id no earlier
 * run had and seqs that do not wrap, so nothing it sends can be taken for
 * a DUPLICATE; the driver resumes after `mark`. */
static void
s_expect_fresh(uint64_t old_boot, uint64_t mark)
{
    agent_spool_t *sp = s_open(1 << 20, 1 << 16);
    assert_true(agent_spool_boot_id(sp) > old_boot);
    assert_int_equal(agent_spool_last_mark(sp), mark);
    uint64_t s = s_append(sp, 6);
    assert_true(s >= 1);
    assert_true(s < 1u << 20); /* no wrap towards 2^64 */
    agent_spool_close(&sp);
}

static void
s_scribble(const char *name, long off)
{
    FILE *f = fopen(s_path(name), "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, off, SEEK_SET), 0);
    fputc('!', f);
    assert_int_equal(fclose(f), 0);
}

static void
test_garbage_state_never_reuses_a_key(void **state)
{
    (void)state;
    char junk[512];
    memset(junk, 'x', sizeof junk);

    /* One file overwritten: the copy has the exact counters. */
    uint64_t boot = s_deliver_five(5);
    s_write_file("state", junk, sizeof junk);
    agent_spool_t *sp = s_open(1 << 20, 1 << 16);
    assert_true(agent_spool_boot_id(sp) > boot);
    assert_int_equal(agent_spool_last_mark(sp), 5);
    assert_true(s_append(sp, 6) > 5);
    agent_spool_close(&sp);
    /* and the damaged file is whole again */
    assert_int_equal(s_size(s_path("state")), 512);

    /* One slot of each torn. */
    boot = s_deliver_five(5);
    s_scribble("state", 20);
    s_scribble("state.copy", 84);
    s_expect_fresh(boot, 5);

    /* Every copy damaged, messages still waiting: a boot id from the
     * clock, the driver's position from the newest record. */
    boot = s_deliver_five(3);
    s_write_file("state", junk, sizeof junk);
    s_write_file("state.copy", "", 0);
    s_expect_fresh(boot, 5);

    /* Every copy damaged and nothing waiting: still never a key of before
     * (the driver's position is lost, said loudly). */
    boot = s_deliver_five(5);
    s_write_file("state", junk, sizeof junk);
    s_write_file("state.copy", junk, 100);
    s_expect_fresh(boot, 0);
}

static void
test_garbage_counter_files_of_the_earlier_format(void **state)
{
    (void)state;
    static const char *const bad[][3] = {
        {"garbage\n", "-5\n", "5"}, {"x", "18446744073709551611\n", "3"},  {"", "1", "5\n"},
        {"2 ", "3", "5"},           {"99999999999999999999999", "3", "5"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t boot = s_deliver_five(3); /* records 4 and 5 wait */
        assert_int_equal(unlink(s_path("state")), 0);
        assert_int_equal(unlink(s_path("state.copy")), 0);
        s_write_file("boot", bad[i][0], strlen(bad[i][0]));
        s_write_file("seq", bad[i][1], strlen(bad[i][1]));
        s_write_file("mark", bad[i][2], strlen(bad[i][2]));
        agent_spool_t *sp = s_open(1 << 20, 1 << 16);
        assert_true(agent_spool_boot_id(sp) > boot);
        assert_int_equal(agent_spool_last_mark(sp), 5);
        uint64_t s = s_append(sp, 6);
        assert_true(s > 5 && s < 1u << 20);
        agent_spool_close(&sp);
        /* replaced by the state files */
        assert_int_equal(access(s_path("seq"), F_OK), -1);
        assert_int_equal(access(s_path("state.copy"), F_OK), 0);
    }

    /* A damaged mark file with nothing waiting: the position is lost, a
     * readable boot still gives a boot id never used. */
    uint64_t boot = s_deliver_five(5);
    assert_int_equal(unlink(s_path("state")), 0);
    assert_int_equal(unlink(s_path("state.copy")), 0);
    char text[32];
    snprintf(text, sizeof text, "%" PRIu64 "\n", boot);
    s_write_file("boot", text, strlen(text));
    s_write_file("mark", "zz", 2);
    s_expect_fresh(boot, 0);

    /* Readable files of the earlier format are taken as they are. */
    (void)s_deliver_five(5);
    assert_int_equal(unlink(s_path("state")), 0);
    assert_int_equal(unlink(s_path("state.copy")), 0);
    s_write_file("boot", "700\n", 4);
    s_write_file("seq", "2048\n", 5);
    s_write_file("mark", "5\n", 2);
    agent_spool_t *sp = s_open(1 << 20, 1 << 16);
    assert_true(agent_spool_boot_id(sp) > 700);
    assert_int_equal(agent_spool_last_mark(sp), 5);
    assert_int_equal(s_append(sp, 6), 2048);
    agent_spool_close(&sp);
}

static void
test_damaged_older_segment_is_reported(void **state)
{
    (void)state;
    /* one record per segment */
    agent_spool_t *sp = s_open(1 << 20, 1);
    for (uint32_t t = 1; t <= 6; t++)
        (void)s_append(sp, t);
    s_sync(sp);
    agent_spool_close(&sp);
    off_t rec = s_size(s_first_segment());

    /* Segment 2 cut in the middle of its record, segment 4 emptied. */
    assert_int_equal(truncate(s_path("seg-00000000000000000002.log"), rec / 2), 0);
    assert_int_equal(truncate(s_path("seg-00000000000000000004.log"), 0), 0);
    sp = s_open(1 << 20, 1);
    const agent_spool_recovery_t *r = agent_spool_recovery(sp);
    assert_int_equal(r->torn_tails, 0); /* not a crash during a write */
    assert_int_equal(r->damaged_segments, 2);
    assert_int_equal(r->lost_records_max, 2);
    assert_int_equal(agent_spool_depth(sp), 4);
    uint64_t seqs[8];
    assert_int_equal(s_pending(sp, seqs, 8), 4);
    assert_int_equal(seqs[0], 1);
    assert_int_equal(seqs[1], 3);
    assert_int_equal(seqs[2], 5);
    assert_int_equal(seqs[3], 6);
    /* the remains of the cut one are kept for inspection */
    assert_int_equal(s_count_files("seg-00000000000000000002", "quarantine"), 1);
    agent_spool_close(&sp);

    /* Reported once: the next open finds nothing new. */
    sp = s_open(1 << 20, 1);
    assert_int_equal(agent_spool_recovery(sp)->damaged_segments, 0);
    assert_int_equal(agent_spool_depth(sp), 4);
    agent_spool_close(&sp);
}

/* A new spool with nine records in three sealed segments of three
 * (rec: the size of one record). */
static void
s_nine(uint64_t rec)
{
    t_rmtree(s_dir);
    assert_int_equal(mkdir(s_dir, 0700), 0);
    agent_spool_t *sp = s_open(1 << 20, 3 * rec);
    for (uint32_t t = 1; t <= 9; t++)
        (void)s_append(sp, t);
    s_sync(sp);
    agent_spool_close(&sp);
}

static void
test_cut_at_a_record_boundary_is_reported(void **state)
{
    (void)state;
    /* three records per segment */
    agent_spool_t *sp = s_open(1 << 20, 1);
    (void)s_append(sp, 1);
    uint64_t rec = agent_spool_bytes(sp) - AGENT_SPOOL_RECORD_HEADER; /* less its seal */
    agent_spool_close(&sp);
    s_nine(rec);
    /* segment 2 (seqs 4-6, sealed) loses its last record and its seal: what
     * is left looks whole */
    assert_int_equal(s_size(s_path("seg-00000000000000000002.log")),
                     (off_t)(3 * rec + AGENT_SPOOL_RECORD_HEADER));
    assert_int_equal(truncate(s_path("seg-00000000000000000002.log"), (off_t)(2 * rec)), 0);
    sp = s_open(1 << 20, 3 * rec);
    const agent_spool_recovery_t *r = agent_spool_recovery(sp);
    assert_int_equal(r->damaged_segments, 1);
    assert_int_equal(r->lost_records_max, 1);
    assert_int_equal(agent_spool_depth(sp), 8);
    agent_spool_close(&sp);

    /* a record destroyed inside a sealed segment: exactly which one */
    s_nine(rec);
    FILE *f = fopen(s_path("seg-00000000000000000002.log"), "r+b");
    assert_non_null(f);
    char zero[64] = {0};
    assert_int_equal(fseek(f, (long)rec + 10, SEEK_SET), 0);
    assert_int_equal(fwrite(zero, 1, sizeof zero, f), sizeof zero);
    assert_int_equal(fclose(f), 0);
    sp = s_open(1 << 20, 3 * rec);
    r = agent_spool_recovery(sp);
    assert_int_equal(r->damaged_segments, 1);
    assert_int_equal(r->lost_records_max, 1);
    assert_int_equal(r->quarantined, 1);
    uint64_t seqs[16];
    assert_int_equal(s_pending(sp, seqs, 16), 8);
    assert_int_equal(seqs[3], 4);
    assert_int_equal(seqs[4], 6); /* 5 is the one lost */
    agent_spool_close(&sp);
    /* said once */
    sp = s_open(1 << 20, 3 * rec);
    assert_int_equal(agent_spool_recovery(sp)->damaged_segments, 0);
    assert_int_equal(agent_spool_recovery(sp)->quarantined, 0);
    agent_spool_close(&sp);
}

static void
test_boot_ids_never_come_again(void **state)
{
    (void)state;
    rl_err_t err;
    agent_spool_t *sp = s_open(1 << 20, 1 << 16);
    uint64_t boot = agent_spool_boot_id(sp);
    (void)s_append(sp, 1);
    s_sync(sp);
    assert_int_equal(agent_spool_ack(sp, boot, 1, &err), 1);
    agent_spool_close(&sp);
    /* The spool wiped (a machine reinstalled under the same device id). */
    t_rmtree(s_dir);
    sp = s_open(1 << 20, 1 << 16);
    assert_true(agent_spool_boot_id(sp) > boot);
    assert_true(agent_spool_boot_id(sp) <= (uint64_t)INT64_MAX);
    agent_spool_close(&sp);

    /* Counters of the earlier format at the limit the collector takes,
     * and 0: still a boot id the collector accepts, never an old one. */
    static const char *const boots[] = {"9223372036854775807", "0"};
    for (size_t i = 0; i < 2; i++) {
        t_rmtree(s_dir);
        assert_int_equal(mkdir(s_dir, 0700), 0);
        s_write_file("lock", "", 0);
        s_write_file("boot", boots[i], strlen(boots[i]));
        sp = s_open(1 << 20, 1 << 16);
        assert_true(agent_spool_boot_id(sp) > 0);
        assert_true(agent_spool_boot_id(sp) <= (uint64_t)INT64_MAX);
        assert_true(agent_spool_boot_id(sp) > boot);
        agent_spool_close(&sp);
    }

    /* A stray file with a segment name no spool gives: set aside, the
     * spool goes on with its own. */
    t_rmtree(s_dir);
    sp = s_open(1 << 20, 1 << 16);
    (void)s_append(sp, 1);
    s_sync(sp);
    agent_spool_close(&sp);
    s_write_file("seg-18446744073709551615.log", "", 0);
    for (int run = 0; run < 2; run++) {
        sp = s_open(1 << 20, 1 << 16);
        (void)s_append(sp, 2);
        s_sync(sp);
        assert_int_equal(agent_spool_recovery(sp)->damaged_segments, 0);
        agent_spool_close(&sp);
    }
    assert_int_equal(s_count_files("seg-18446744073709551615", "quarantine"), 1);
    sp = s_open(1 << 20, 1 << 16);
    assert_int_equal(agent_spool_depth(sp), 3);
    agent_spool_close(&sp);
}

static void
test_acks_of_earlier_runs_are_kept(void **state)
{
    (void)state;
    rl_err_t err;
    agent_spool_t *sp = s_open(1 << 20, 1 << 16);
    uint64_t boot = agent_spool_boot_id(sp);
    for (uint32_t t = 1; t <= 6; t++)
        (void)s_append(sp, t);
    s_sync(sp);
    assert_int_equal(agent_spool_ack(sp, boot, 1, &err), 1);
    assert_int_equal(agent_spool_ack(sp, boot, 2, &err), 1);
    agent_spool_close(&sp);
    /* the next run acknowledges one more into the same file */
    sp = s_open(1 << 20, 1 << 16);
    assert_int_equal(agent_spool_depth(sp), 4);
    assert_int_equal(agent_spool_ack(sp, boot, 3, &err), 1);
    agent_spool_close(&sp);
    sp = s_open(1 << 20, 1 << 16);
    uint64_t seqs[8];
    assert_int_equal(s_pending(sp, seqs, 8), 3);
    assert_int_equal(seqs[0], 4);
    agent_spool_close(&sp);
}

/* Acknowledgements kept for one write per batch: across segments, beyond
 * the batch's size, with and without an explicit flush, they are all in
 * the .ack files at the next start. */
static void
test_batched_acks_are_kept(void **state)
{
    (void)state;
    rl_err_t err;
    agent_spool_t *sp = s_open(1 << 22, 8 << 10);
    uint64_t boot = agent_spool_boot_id(sp);
    enum { N = 700 };
    for (uint32_t t = 1; t <= N; t++)
        (void)s_append(sp, t);
    s_sync(sp);
    assert_true(s_count_segments() > 3);
    for (uint64_t q = 1; q <= N; q += 2)
        assert_int_equal(agent_spool_ack(sp, boot, q, &err), 1);
    assert_int_equal(agent_spool_flush_acks(sp, &err), 0);
    assert_int_equal(agent_spool_flush_acks(sp, &err), 0); /* nothing left: nothing written */
    assert_int_equal(agent_spool_ack(sp, boot, 2, &err), 1);
    assert_int_equal(agent_spool_ack(sp, boot, 4, &err), 1);
    agent_spool_close(&sp); /* writes 2 and 4 */
    sp = s_open(1 << 22, 8 << 10);
    assert_int_equal(agent_spool_depth(sp), N - N / 2 - 2);
    uint64_t seqs[N];
    size_t n = s_pending(sp, seqs, N);
    assert_int_equal(n, N - N / 2 - 2);
    assert_int_equal(seqs[0], 6);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(seqs[i] % 2, 0);
    /* every record of a segment acknowledged: the segment goes, with the
     * entries still waiting for it */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(agent_spool_ack(sp, boot, seqs[i], &err), 1);
    assert_int_equal(agent_spool_flush_acks(sp, &err), 0);
    assert_int_equal(agent_spool_depth(sp), 0);
    agent_spool_close(&sp);
    sp = s_open(1 << 22, 8 << 10);
    assert_int_equal(agent_spool_depth(sp), 0);
    agent_spool_close(&sp);
}

static void
test_foreign_files_in_the_spool(void **state)
{
    (void)state;
    agent_spool_t *sp = s_open(1 << 20, 1 << 16);
    for (uint32_t t = 1; t <= 5; t++)
        (void)s_append(sp, t);
    s_sync(sp);
    agent_spool_close(&sp);
    /* names that only look like segments are not read as one */
    s_write_file("seg-+0000000000000000001.log", "", 0);
    s_write_file("seg- 0000000000000000007.log", "", 0);
    /* files with a segment's name that no spool writes: set aside */
    s_write_file("seg-04611686018427387904.log", "", 0); /* far above the others */
    assert_int_equal(mkdir(s_path("seg-00000000000000000009.log"), 0700), 0);
    assert_int_equal(mkfifo(s_path("seg-00000000000000000010.log"), 0600), 0);
    assert_int_equal(symlink("/nonexistent", s_path("seg-00000000000000000011.log")), 0);
    s_write_file("seg-00000000000000000012.log", "", 0);
    assert_int_equal(truncate(s_path("seg-00000000000000000012.log"), (off_t)1 << 40), 0);
    /* a state file that is not a file */
    assert_int_equal(unlink(s_path("state")), 0);
    assert_int_equal(mkdir(s_path("state"), 0700), 0);
    for (int run = 0; run < 2; run++) {
        sp = s_open(1 << 20, 1 << 16);
        const agent_spool_recovery_t *r = agent_spool_recovery(sp);
        assert_int_equal(r->damaged_segments, 0);
        assert_int_equal(r->quarantined, 0);
        assert_int_equal(agent_spool_depth(sp), 5 + (size_t)run);
        (void)s_append(sp, 6);
        s_sync(sp);
        agent_spool_close(&sp);
    }
    assert_int_equal(access(s_path("seg-00000000000000000001.log"), F_OK), 0);
    assert_int_equal(s_count_files("seg-", "quarantine"), 5);
    assert_int_equal(s_count_files("state", "quarantine"), 1);
    assert_int_equal(s_size(s_path("state")), 512);

    /* the last record of the newest segment with a damaged magic is
     * damage, not a torn write */
    sp = s_open(1 << 20, 1 << 16);
    size_t depth = agent_spool_depth(sp);
    agent_spool_close(&sp);
    char newest[256] = "";
    for (int k = 99; k >= 1 && !*newest; k--) {
        char name[64];
        snprintf(name, sizeof name, "seg-%020d.log", k);
        if (access(s_path(name), F_OK) == 0 && s_size(s_path(name)) > 0)
            snprintf(newest, sizeof newest, "%s", s_path(name));
    }
    assert_true(*newest);
    off_t size = s_size(newest);
    uint8_t one;
    FILE *f = fopen(newest, "r+b");
    assert_non_null(f);
    /* the newest segment holds one record (one per run): its magic */
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    assert_int_equal(fread(&one, 1, 1, f), 1);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    fputc('X', f);
    assert_int_equal(fclose(f), 0);
    assert_true(size > 0);
    sp = s_open(1 << 20, 1 << 16);
    assert_int_equal(agent_spool_recovery(sp)->torn_tails, 0);
    assert_int_equal(agent_spool_recovery(sp)->quarantined, 1);
    assert_int_equal(agent_spool_depth(sp), depth - 1);
    agent_spool_close(&sp);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c_known_value),
        cmocka_unit_test(test_crc32c_instruction_matches_table),
        cmocka_unit_test_setup_teardown(test_append_sync_ack_reopen, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_read_back_from_memory_and_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_second_agent_is_refused, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail_truncated, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_damaged_middle_record_quarantined, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_seq_never_reused_after_restart, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_source_mark_survives_restart, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_full_spool_refuses_and_recovers, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_segments_rotate_and_reclaim, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_garbage_state_never_reuses_a_key, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_garbage_counter_files_of_the_earlier_format, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_damaged_older_segment_is_reported, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_cut_at_a_record_boundary_is_reported, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_boot_ids_never_come_again, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_acks_of_earlier_runs_are_kept, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_foreign_files_in_the_spool, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_batched_acks_are_kept, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
