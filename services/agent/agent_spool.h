/* The agent's durable spool: every measurement is written here before it
 * may be sent, and removed only when the collector has acknowledged it.
 * One agent_spool_t per spool directory (an exclusive lock keeps a second
 * agent out); single-threaded: only the agent's main loop calls it.
 *
 * On-disk format (directory DIR, every integer little-endian)
 *
 *   DIR/lock                 flock()ed while an agent has the spool open
 *   DIR/state, DIR/state.copy   the counters that must never go
 *                            backwards, twice (the same content): 512 bytes
 *                            each, made once and then overwritten in place
 *                            (saving them needs no new disk block, so it
 *                            works on a full disk). Each file holds two
 *                            64-byte slots; the newest valid slot of the four
 *                            counts. A slot is
 *         0 "RLST"  4 version 1  8 generation  16 boot_id of this run
 *        24 seq high-water mark: the first seq not yet reserved
 *        32 source mark: the highest of any record deleted so far
 *        40 sealed_from: segments from this id on carry a seal when closed
 *        48 the next segment number (numbers are not given twice)
 *        56 CRC-32C of bytes 0..55   60..63 zero
 *                            A save writes the older slot of state, syncs,
 *                            then the same slot of state.copy, syncs: a crash
 *                            tears at most one slot. Open writes both slots
 *                            of state in one write, syncs, then those of
 *                            state.copy, syncs (a crash tears at most the
 *                            file being written; the other keeps the last
 *                            run's counters, nothing of this run has used
 *                            them yet), so every slot holds the current boot
 *                            id. Seqs are reserved in blocks of
 *                            AGENT_SPOOL_SEQ_BLOCK (the first in open's
 *                            save; saved before a seq past a block is used), so
 *                            seqs increase across restarts; a restart may
 *                            skip up to one block. If the files cannot be
 *                            made because the disk is full, the run goes on
 *                            and makes them once space frees (said at error
 *                            level).
 *                            The boot id comes from the clock at every start
 *                            (microseconds since 1970 << 8 | 8 random bits),
 *                            raised above every boot id remembered: never
 *                            one used before, also after the spool was wiped
 *                            or the machine reinstalled.
 *                            An earlier format kept the counters in the text
 *                            files DIR/boot, DIR/seq and DIR/mark: when there
 *                            is no state file they are read strictly (digits
 *                            only, at most 2^63 - 1), then replaced.
 *                            A counter that cannot be read is logged at error
 *                            level and rebuilt, never guessed low: seqs above
 *                            every record on disk, the source mark from the
 *                            newest record on disk (with none left, the
 *                            driver's position is lost and the log says so).
 *   DIR/seg-NNNNNNNNNNNNNNNNNNNN.log   segments, append-only, NNN the
 *                            segment number (increasing); a segment holds
 *                            records:
 *       offset size
 *        0      4   magic "RLS1"
 *        4      4   payload length L (1 .. RL_WIRE_MAX_MESSAGE)
 *        8      8   boot_id of the message
 *       16      8   seq of the message
 *       24      8   appended at, microseconds since the epoch (wall clock)
 *       32      8   source mark: the driver's position after this message
 *                   (0: none), so that a driver resumes after a crash
 *                   without repeating or skipping a measurement
 *       40      4   CRC-32C (Castagnoli) of bytes 4..39 and the payload
 *       44      L   payload: the encoded Envelope, exactly as sent
 *                            and, when appends have moved on to a newer
 *                            segment, a seal of 44 bytes at the end:
 *        0      4   magic "RLSE"
 *        4      4   records written to the segment
 *        8      8   their boot_id
 *       16      8   the first seq
 *       24      8   the last seq
 *       32      8   zero
 *       40      4   CRC-32C of bytes 4..39
 *                            A segment is sealed and synced before a newer one
 *                            is made, so an older segment found without its
 *                            seal, or with fewer records than its seal says,
 *                            lost records after they were written and synced.
 *   DIR/seg-NNN...NNN.ack    acknowledgements of that segment's records,
 *                            16-byte entries: magic "RLA1", CRC-32C of the
 *                            seq bytes, seq (u64). Appended without fsync,
 *                            a batch of acknowledgements in one write:
 *                            a lost ack entry only makes the agent resend a
 *                            message that the collector then acknowledges
 *                            as DUPLICATE.
 *   DIR/quarantine/seg-NNN-at-OFFSET.bad   damaged bytes set aside at open
 *
 * Recovery at open: each segment is scanned; nothing here needs free disk
 * space, and opening never fails because of damaged data.
 *   - Bytes at the end of the newest segment that are the start of a
 *     record cut short are a torn tail (a crash during a write): cut in
 *     place, said as a warning. Anything else at the end is damage.
 *   - A damaged region (bad magic, impossible length, CRC mismatch) is
 *     skipped where it is; a copy goes to quarantine/ (when there is room)
 *     and it is logged at error level, once: the copy's existence says it
 *     was said. The segment is deleted with its bytes when the rest of it
 *     is acknowledged.
 *   - An older segment without its seal (cut short, at a record boundary
 *     or not) or emptied is reported at error level with the range of
 *     seqs that can have been lost; a sealed segment with fewer records
 *     than its seal says is reported with the count and the seqs lost (the
 *     seal is then rewritten in place, so that it is said once).
 *   - Only names of exactly "seg-", 20 digits, ".log" are segments. One
 *     that is not a regular file, is larger than a segment can grow, or
 *     has a number no spool gives (0, above 2^62, or far above the others)
 *     is moved to quarantine/ (a rename), as is a state file that is not a
 *     regular file; records out of seq order are left in their file, never
 *     offered, and logged.
 * The newest segment cut exactly at a record boundary, or a segment
 * deleted whole, cannot be told from records never written (documented,
 * not detected). Fully acknowledged segments are deleted; appends go to a
 * new segment at every open.

 * Durability: agent_spool_append() write()s the record; agent_spool_sync()
 * fsyncs (group commit: many appends, one fsync) and only then are the
 * records offered for sending by agent_spool_next(). The fsync ordering is
 * not unit-tested (it needs a power cut); it is guaranteed by construction:
 * agent_spool_next() never returns a seq above the last synced one.
 *
 * Size bound: the segment files never exceed max_bytes in total (at least
 * AGENT_SPOOL_MIN_BYTES: four of the largest legal records); an append
 * that does not fit returns AGENT_SPOOL_FULL and stores nothing; the caller
 * keeps the measurement and stops reading its device until space frees
 * (acknowledged segments are deleted).
 *
 * Full disk: an append that meets ENOSPC or EDQUOT (writing the record, a
 * seal or a new segment) also returns AGENT_SPOOL_FULL (err says the disk
 * is full), leaving no partial record. Freeing never needs new space: the
 * counters are saved in place before a segment is deleted, repairs at open
 * are made in place, and an acknowledgement that cannot be written to its
 * .ack file is kept in memory (said once as a warning; after a restart the
 * message is resent and answered DUPLICATE). So on a full disk the agent
 * starts, keeps what it holds, keeps sending, and deletes what is
 * acknowledged. The space for a segment's seal is counted in max_bytes
 * from the moment the segment is made. */
#ifndef AGENT_SPOOL_H
#define AGENT_SPOOL_H

#include "ruglab/err.h"
#include "ruglab/wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGENT_SPOOL_RECORD_HEADER 44u
#define AGENT_SPOOL_SEQ_BLOCK 1024u
#define AGENT_SPOOL_FULL 1
/* The least max_bytes: four records of the largest legal message, so that
 * any message the collector accepts fits while others wait. */
#define AGENT_SPOOL_MIN_BYTES (4u * (RL_WIRE_MAX_MESSAGE + AGENT_SPOOL_RECORD_HEADER))
/* agent_spool_append: the message can never be spooled (larger than the
 * largest legal message once encoded); err says why. */
#define AGENT_SPOOL_UNFIT 2

typedef struct agent_spool agent_spool_t;

typedef struct {
    uint64_t max_bytes;     /* bound of all segment files together */
    uint64_t segment_bytes; /* a segment is closed when it reaches this size (at most
                               max_bytes / 4) */
    const char *log_ctx;    /* log context, e.g. "device tergumed-01" (may be NULL) */
} agent_spool_opts_t;

/* What open found and repaired. */
typedef struct {
    size_t records;             /* unacknowledged records found */
    size_t torn_tails;          /* segments truncated */
    uint64_t torn_bytes;        /* bytes cut off */
    size_t quarantined;         /* damaged regions set aside */
    uint64_t quarantined_bytes; /* their size */
    size_t damaged_segments;    /* older segments found cut short or emptied */
    uint64_t lost_records_max;  /* records that can have been lost with them */
} agent_spool_recovery_t;

/* A record offered for sending. */
typedef struct {
    uint64_t boot_id;
    uint64_t seq;
    int64_t appended_us;
    uint32_t len; /* payload bytes */
} agent_spool_rec_t;

/* Opens (creating it if needed) the spool in dir, recovers it and starts
 * a new boot. Returns NULL with err set when the directory cannot be used
 * or is locked by another process; never because of damaged records. */
agent_spool_t *agent_spool_open(const char *dir, const agent_spool_opts_t *opts, rl_err_t *err)
    __attribute__((warn_unused_result));
/* Closes the spool (what is not acknowledged stays on disk). */
void agent_spool_close(agent_spool_t **self_p);

uint64_t agent_spool_boot_id(const agent_spool_t *self);
const agent_spool_recovery_t *agent_spool_recovery(const agent_spool_t *self);

/* Assigns msg->boot_id and msg->seq, encodes msg and appends the record
 * with the driver's source mark (0: none; otherwise not below the last).
 * Returns 0, AGENT_SPOOL_FULL (nothing stored, msg unchanged, retry once
 * space is freed; err set when the disk is full), AGENT_SPOOL_UNFIT
 * (nothing stored, msg unchanged, err says why: not encodable, larger
 * than RL_WIRE_MAX_MESSAGE or than max_bytes; retrying cannot help) or -1
 * with err set (I/O error). */
int agent_spool_append(agent_spool_t *self, rl_msg_t *msg, uint64_t mark, rl_err_t *err)
    __attribute__((warn_unused_result));
/* The source mark of the last record ever appended (durable at open; 0 if
 * none): where a driver resumes. */
uint64_t agent_spool_last_mark(const agent_spool_t *self);
/* Makes every appended record durable (fsync) and sendable. */
int agent_spool_sync(agent_spool_t *self, rl_err_t *err) __attribute__((warn_unused_result));

/* The first durable, unacknowledged record with seq > after_seq: 1 and
 * *rec filled, or 0 when there is none. */
int agent_spool_next(const agent_spool_t *self, uint64_t after_seq, agent_spool_rec_t *rec);
/* Reads a pending record's payload; caller owns *buf_p (free()). */
int agent_spool_read(agent_spool_t *self, uint64_t seq, uint8_t **buf_p, size_t *len_p,
                     rl_err_t *err) __attribute__((warn_unused_result));
/* Removes a record after its acknowledgement. Returns 1 when it was
 * pending, 0 when unknown (already acknowledged), -1 on an I/O error. Its
 * entry in the segment's .ack file is written by agent_spool_flush_acks
 * (call it after a batch of acknowledgements; agent_spool_close does too)
 * or when the batch grows large. */
int agent_spool_ack(agent_spool_t *self, uint64_t boot_id, uint64_t seq, rl_err_t *err)
    __attribute__((warn_unused_result));
/* Writes the ack entries agent_spool_ack has kept: one write per segment.
 * 0, or -1 with err (a disk full is not an error: said once, and the
 * acknowledgements stay in memory). */
int agent_spool_flush_acks(agent_spool_t *self, rl_err_t *err) __attribute__((warn_unused_result));

/* Unacknowledged records, bytes on disk, and when the oldest pending
 * record was appended (0 if none). */
size_t agent_spool_depth(const agent_spool_t *self);
uint64_t agent_spool_bytes(const agent_spool_t *self);
int64_t agent_spool_oldest_us(const agent_spool_t *self);
uint64_t agent_spool_max_bytes(const agent_spool_t *self);

/* CRC-32C (Castagnoli); crc starts at 0, and a CRC of a part continues
 * over the next part. With the CPU's crc32 instruction (SSE4.2, found at
 * run time) when it has one, else table-driven: the same values. */
uint32_t agent_crc32c(uint32_t crc, const void *data, size_t len);
/* The table-driven version alone (the reference), and whether
 * agent_crc32c uses the instruction on this CPU. */
uint32_t agent_crc32c_sw(uint32_t crc, const void *data, size_t len);
bool agent_crc32c_hw_available(void);

#endif
