/* The agent's durable spool: every measurement is written here before it
 * may be sent, and removed only when the collector has acknowledged it.
 * One agent_spool_t per spool directory (an exclusive lock keeps a second
 * agent out); single-threaded: only the agent's main loop calls it.
 *
 * On-disk format (directory DIR, every integer little-endian)
 *
 *   DIR/lock                 flock()ed while an agent has the spool open
 *   DIR/boot                 boot counter, decimal text; incremented (and
 *                            fsynced) at every open: the boot_id of the
 *                            records appended during this run
 *   DIR/seq                  sequence high-water mark, decimal text: the
 *                            first seq not yet handed out. Seqs are reserved
 *                            in blocks of AGENT_SPOOL_SEQ_BLOCK (the file is
 *                            rewritten and fsynced before a seq past it is
 *                            used), so a restart never reuses one; it may
 *                            skip up to one block.
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
 *   DIR/seg-NNN...NNN.ack    acknowledgements of that segment's records,
 *                            16-byte entries: magic "RLA1", CRC-32C of the
 *                            seq bytes, seq (u64). Appended without fsync:
 *                            a lost ack entry only makes the agent resend a
 *                            message that the collector then acknowledges
 *                            as DUPLICATE.
 *   DIR/mark                 the highest source mark of any durable record,
 *                            decimal text, rewritten (atomically, fsynced)
 *                            before a segment is deleted: with the marks of
 *                            the records still in the segments it gives the
 *                            last mark ever spooled (agent_spool_last_mark)
 *   DIR/quarantine/seg-NNN-at-OFFSET.bad   damaged bytes set aside at open
 *
 * Recovery at open: each segment is scanned. Bytes at the end of a segment
 * that do not form a complete record and are not followed by a valid record
 * are a torn tail (a crash during a write): the segment is truncated there.
 * A damaged region (bad magic, impossible length, CRC mismatch) followed by
 * a valid record is set aside: its bytes are copied to quarantine/, the
 * segment is rewritten without them, and the count is logged as an error.
 * Opening never fails because of damaged data. Fully acknowledged segments
 * are deleted; appends go to a new segment at every open.
 *
 * Durability: agent_spool_append() write()s the record; agent_spool_sync()
 * fsyncs (group commit: many appends, one fsync) and only then are the
 * records offered for sending by agent_spool_next(). The fsync ordering is
 * not unit-tested (it needs a power cut); it is guaranteed by construction:
 * agent_spool_next() never returns a seq above the last synced one.
 *
 * Size bound: the segment files never exceed max_bytes in total; an append
 * that does not fit returns AGENT_SPOOL_FULL and stores nothing; the caller
 * keeps the measurement and stops reading its device until space frees
 * (acknowledged segments are deleted). */
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
 * space is freed) or -1 with err set (I/O error, message not encodable or
 * larger than RL_WIRE_MAX_MESSAGE). */
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
 * pending, 0 when unknown (already acknowledged), -1 on an I/O error. */
int agent_spool_ack(agent_spool_t *self, uint64_t boot_id, uint64_t seq, rl_err_t *err)
    __attribute__((warn_unused_result));

/* Unacknowledged records, bytes on disk, and when the oldest pending
 * record was appended (0 if none). */
size_t agent_spool_depth(const agent_spool_t *self);
uint64_t agent_spool_bytes(const agent_spool_t *self);
int64_t agent_spool_oldest_us(const agent_spool_t *self);
uint64_t agent_spool_max_bytes(const agent_spool_t *self);

/* CRC-32C (Castagnoli), table-driven; crc starts at 0. */
uint32_t agent_crc32c(uint32_t crc, const void *data, size_t len);

#endif
