/* libFuzzer harness: the agent's spool recovery. Each input damages a
 * spool that two runs left behind (segments, acknowledgements, the counter
 * files state and state.copy, the earlier format's boot/seq/mark) and then
 * opens it. Open must never fail or crash because of damaged data; the
 * records it offers must be in seq order and readable; the next message's
 * key must be one no earlier run used; and when segments were only
 * overwritten or cut (all but the newest, which may be cut at a record
 * boundary unseen), every record that was waiting is either still offered
 * or the damage is reported (set aside, torn or lost in a damaged
 * segment).
 *
 * Input: a list of operations, each
 *   byte 0   operation % 4: 0 overwrite, 1 truncate, 2 delete, 3 replace
 *   byte 1   file % S_NFILES (see s_files)
 *   byte 2-3 offset (little-endian)
 *   byte 4   length n of the data that follows (overwrite, replace)
 *   n bytes  data
 * A check that fails calls abort(), which libFuzzer reports. */
#include "../../services/agent/agent_spool.h"

#include "ruglab/log.h"
#include "ruglab/wire.h"
#include "../unit/rmtree.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_NFILES 21
static const char *const s_files[S_NFILES] = {
    "state",
    "state.copy",
    "boot",
    "seq",
    "mark",
    "seg-00000000000000000001.log",
    "seg-00000000000000000002.log",
    "seg-00000000000000000003.log",
    "seg-00000000000000000004.log",
    "seg-00000000000000000005.log",
    "seg-00000000000000000006.log",
    "seg-00000000000000000007.log",
    "seg-00000000000000000008.log",
    "seg-00000000000000000001.ack",
    "seg-00000000000000000002.ack",
    "seg-00000000000000000003.ack",
    "seg-00000000000000000004.ack",
    "seg-00000000000000000005.ack",
    "seg-00000000000000000006.ack",
    "seg-00000000000000000007.ack",
    "seg-00000000000000000008.ack",
};
#define S_FIRST_SEG 5
#define S_FIRST_ACK 13

static char s_dir[64];
static const agent_spool_opts_t s_opts = {1u << 20, 300, "device fuzz-1"};
/* what the two runs left: boots used, the seqs waiting */
static uint64_t s_max_boot;
static uint64_t s_pending[64];
static size_t s_npending;
static uint8_t s_slots[8][64]; /* the state slots the runs wrote */

static void
s_check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_spool: %s\n", what);
        abort();
    }
}

static void
s_append(agent_spool_t *sp, uint32_t trial)
{
    rl_msg_t m;
    rl_err_t err;
    rl_msg_init(&m);
    snprintf(m.device_id, sizeof m.device_id, "fuzz-1");
    m.taken_at_us = 1795000000000000 + trial;
    snprintf(m.session_id, sizeof m.session_id, "s1");
    snprintf(m.patient_token, sizeof m.patient_token, "RB-0001");
    m.kind = RL_BODY_TEST_RESULT;
    m.u.test_result.direction = RL_DIR_EXTENSION;
    m.u.test_result.trial = trial;
    m.u.test_result.rom_deg = 40;
    m.u.test_result.max_torque_nm = 150;
    s_check(agent_spool_append(sp, &m, trial, &err) == 0, "append");
}

static void
s_read_slots(size_t *n, uint8_t slots[][64], size_t max)
{
    for (int f = 0; f < 2; f++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", s_dir, s_files[f]);
        FILE *fp = fopen(path, "rb");
        if (!fp)
            continue;
        uint8_t buf[128];
        size_t r = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        for (size_t k = 0; k + 64 <= r && *n < max; k += 64)
            memcpy(slots[(*n)++], buf + k, 64);
    }
}

/* A slot that reads as valid (magic, version, CRC). */
static bool
s_slot_valid(const uint8_t *p)
{
    uint32_t crc =
        (uint32_t)p[40] | (uint32_t)p[41] << 8 | (uint32_t)p[42] << 16 | (uint32_t)p[43] << 24;
    return !memcmp(p, "RLST", 4) && p[4] == 1 && !p[5] && !p[6] && !p[7] &&
           agent_crc32c(0, p, 40) == crc;
}

/* Two runs: 12 records, some acknowledged, then 3 more after a restart. */
static void
s_make_spool(void)
{
    rl_err_t err;
    t_rmtree(s_dir);
    s_check(mkdir(s_dir, 0700) == 0, "mkdir");
    agent_spool_t *sp = agent_spool_open(s_dir, &s_opts, &err);
    s_check(sp != NULL, "first open");
    uint64_t boot1 = agent_spool_boot_id(sp);
    for (uint32_t t = 1; t <= 12; t++)
        s_append(sp, t);
    s_check(agent_spool_sync(sp, &err) == 0, "sync");
    for (uint64_t s = 1; s <= 4; s++)
        s_check(agent_spool_ack(sp, boot1, s, &err) == 1, "ack");
    s_check(agent_spool_ack(sp, boot1, 7, &err) == 1, "ack");
    agent_spool_close(&sp);
    sp = agent_spool_open(s_dir, &s_opts, &err);
    s_check(sp != NULL, "second open");
    for (uint32_t t = 13; t <= 15; t++)
        s_append(sp, t);
    s_check(agent_spool_sync(sp, &err) == 0, "sync");
    s_max_boot = agent_spool_boot_id(sp);
    s_npending = 0;
    agent_spool_rec_t rec;
    uint64_t after = 0;
    while (agent_spool_next(sp, after, &rec) == 1 && s_npending < 64) {
        s_pending[s_npending++] = rec.seq;
        after = rec.seq;
    }
    agent_spool_close(&sp);
}

/* The newest segment file: only there can records vanish unseen (a cut
 * at a record boundary looks like records never written). */
static int
s_newest_segment(void)
{
    int newest = -1;
    for (int f = S_FIRST_SEG; f < S_FIRST_ACK; f++) {
        char p[128];
        snprintf(p, sizeof p, "%s/%s", s_dir, s_files[f]);
        if (access(p, F_OK) == 0)
            newest = f;
    }
    return newest;
}

/* One operation of the input on DIR/file. */
static void
s_apply(int op, int file, off_t off, const uint8_t *bytes, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", s_dir, s_files[file]);
    if (op == 0) {
        int fd = open(path, O_WRONLY);
        if (fd >= 0) {
            struct stat st;
            if (fstat(fd, &st) == 0 && off < st.st_size) {
                size_t room = (size_t)(st.st_size - off);
                if (pwrite(fd, bytes, n < room ? n : room, off) < 0)
                    s_check(false, "pwrite");
            }
            close(fd);
        }
    } else if (op == 1) {
        (void)truncate(path, off);
    } else if (op == 2) {
        (void)unlink(path);
    } else {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            if (write(fd, bytes, n) < 0)
                s_check(false, "write");
            close(fd);
        }
    }
}

/* Applies the input's operations; returns whether they only overwrote
 * segments or cut segments other than the newest. */
static bool
s_damage(const uint8_t *data, size_t size, int newest)
{
    bool only_seg_damage = true;
    size_t pos = 0;
    while (pos + 5 <= size) {
        int op = data[pos] % 4;
        int file = data[pos + 1] % S_NFILES;
        off_t off = (off_t)(data[pos + 2] | data[pos + 3] << 8);
        size_t n = data[pos + 4];
        pos += 5;
        if (n > size - pos)
            n = size - pos;
        const uint8_t *bytes = data + pos;
        pos += n;
        if (!((op == 0 || (op == 1 && file != newest)) && file >= S_FIRST_SEG &&
              file < S_FIRST_ACK))
            only_seg_damage = false;
        s_apply(op, file, off, bytes, n);
    }
    return only_seg_damage;
}

/* Could the damage have made a counter that reads as valid but is not
 * one the runs wrote? (A forged slot, or digits in the earlier format's
 * files when both state files are gone.) Then no one can tell, and the
 * key check does not apply. */
static bool
s_forged(size_t nslots)
{
    uint8_t now[8][64];
    size_t nnow = 0;
    s_read_slots(&nnow, now, 8);
    bool forged = false;
    for (size_t i = 0; i < nnow; i++) {
        if (!s_slot_valid(now[i]))
            continue;
        bool known = false;
        for (size_t k = 0; k < nslots && !known; k++)
            known = !memcmp(now[i], s_slots[k], 64);
        forged = forged || !known;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/state", s_dir);
    bool no_state = access(path, F_OK) != 0;
    snprintf(path, sizeof path, "%s/state.copy", s_dir);
    no_state = no_state && access(path, F_OK) != 0;
    snprintf(path, sizeof path, "%s/boot", s_dir);
    if (no_state && access(path, F_OK) == 0)
        forged = true;
    return forged;
}

/* Opens the damaged spool, its error lines sent to /dev/null (they would
 * drown libFuzzer's own output). */
static agent_spool_t *
s_open_quietly(void)
{
    rl_err_t err;
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    if (null >= 0)
        dup2(null, 2);
    agent_spool_t *sp = agent_spool_open(s_dir, &s_opts, &err);
    if (saved >= 0)
        dup2(saved, 2);
    if (saved >= 0)
        close(saved);
    if (null >= 0)
        close(null);
    s_check(sp != NULL, "open refused a damaged spool");
    return sp;
}

/* What is offered: in order, readable. Returns how many of the records
 * that were waiting are still offered; *max_seq the highest seq. */
static size_t
s_check_offered(agent_spool_t *sp, uint64_t *max_seq)
{
    rl_err_t err;
    agent_spool_rec_t r;
    uint64_t after = 0;
    size_t found = 0, kept = 0;
    *max_seq = 0;
    while (agent_spool_next(sp, after, &r) == 1) {
        s_check(r.seq > after, "seqs out of order");
        uint8_t *buf = NULL;
        size_t len = 0;
        s_check(agent_spool_read(sp, r.seq, &buf, &len, &err) == 0, "a pending record unreadable");
        s_check(len == r.len, "length");
        free(buf);
        for (size_t k = 0; k < s_npending; k++)
            if (s_pending[k] == r.seq)
                kept++;
        after = *max_seq = r.seq;
        found++;
    }
    s_check(found == agent_spool_depth(sp), "depth");
    return kept;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        strcpy(s_dir, "/tmp/ruglab-fuzz-spool-XXXXXX");
        s_check(mkdtemp(s_dir) != NULL, "mkdtemp");
        rl_log_init("fuzz_spool", RL_LOG_ERROR);
        ready = true;
    }
    s_make_spool();
    size_t nslots = 0;
    s_read_slots(&nslots, s_slots, 8);
    bool only_seg_damage = s_damage(data, size, s_newest_segment());
    bool forged = s_forged(nslots);

    agent_spool_t *sp = s_open_quietly();
    const agent_spool_recovery_t *rec = agent_spool_recovery(sp);
    uint64_t max_seq;
    size_t kept = s_check_offered(sp, &max_seq);

    /* never a key of before */
    if (!forged)
        s_check(agent_spool_boot_id(sp) > s_max_boot, "a boot id used before");
    rl_err_t err;
    s_append(sp, 99);
    s_check(agent_spool_sync(sp, &err) == 0, "sync after open");
    agent_spool_rec_t r;
    uint64_t seq = 0, after = 0;
    while (agent_spool_next(sp, after, &r) == 1)
        after = seq = r.seq;
    s_check(seq > max_seq, "the new record's seq is not above the others");

    /* nothing lost without a word */
    if (only_seg_damage && kept < s_npending)
        s_check(rec->quarantined + rec->torn_tails + rec->damaged_segments > 0,
                "records lost and nothing reported");
    agent_spool_close(&sp);
    return 0;
}
