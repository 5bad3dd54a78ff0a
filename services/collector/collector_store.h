/* The collector's database side: one connection as ruglab_collector, the
 * lookup of patient tokens for the resolve step, the group commit of a
 * resolved batch of received messages in one transaction (idempotent by
 * (device_id, boot_id, seq): binary COPY when no key was stored before,
 * else INSERT ... ON CONFLICT DO NOTHING RETURNING per message tells a
 * new message from a duplicate), dead letters in the same
 * transaction, device status from hello/heartbeat, the collector's
 * counters, and the device allow-list. Decides nothing about a message:
 * it writes what validation and the resolve step decided. Used by the
 * main thread only. */
#ifndef COLLECTOR_STORE_H
#define COLLECTOR_STORE_H

#include "collector_item.h"
#include "ruglab/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest part of a dead letter's raw bytes kept in the table (a 10 MiB
 * flood is kept as its first 64 KiB and its length). */
#define COLLECTOR_STORE_DEAD_RAW_MAX (64u * 1024u)

typedef struct {
    uint64_t received;
    uint64_t committed;
    uint64_t duplicates;
    uint64_t rejected;
} collector_store_counters_t;

typedef struct {
    char device_id[RL_ID_MAX + 1];
    char public_key[41]; /* Z85 */
    bool revoked;
} collector_store_device_t;

typedef struct collector_store collector_store_t;

/* Nothing is connected yet; name is the collector's name in
 * meas.collector_status and meas.device_status. */
collector_store_t *collector_store_new(const char *conninfo, const char *name);
void collector_store_destroy(collector_store_t **self_p);

/* Connects (again) and prepares the statements. -1 with err on failure. */
int collector_store_connect(collector_store_t *self, rl_err_t *err)
    __attribute__((warn_unused_result));
bool collector_store_is_up(const collector_store_t *self);
/* Replaces the connection string (SIGHUP); takes effect at the next connect. */
void collector_store_set_conninfo(collector_store_t *self, const char *conninfo);

/* The enrolments behind the badge tokens (collector_resolve_tokens), as
 * clinical.collector_token gives them (on a connection of its own: may be
 * called while a batch is in flight): rows of every token in any order, a
 * token known but never enrolled with a row without enrolment, an unknown
 * token with none. Caller owns *rows_p (free()). -1 with err when the
 * database failed (the connection is then down if it was lost). */
int collector_store_enrolments(collector_store_t *self, const char *const *tokens, size_t n,
                               collector_validate_enrolment_t **rows_p, size_t *n_rows_p,
                               rl_err_t *err) __attribute__((warn_unused_result));

/* Encodes the COPY rows of a resolved batch ahead, while another batch is
 * in flight: collector_store_flush_start of the same items with prepared
 * (unchanged, not resolved again) then skips that work. Any other
 * flush_start, or a lost connection, forgets it. */
void collector_store_prepare(collector_store_t *self, collector_item_t *items, size_t n);

/* Starts storing the batch, resolved by collector_resolve_batch (prepared:
 * and given to collector_store_prepare since, not resolved again), in
 * one transaction: maps each item to its statement as resolved, and fills
 * its outcome (status, reason, text), valid only once the batch is
 * committed. The usual way (no key stored before, every value as its
 * column takes it): the keys and measurements go by binary COPY, a table
 * at a time, its data sent without blocking, then the device statuses and
 * COMMIT are sent without waiting for them: returns 0, the batch is in
 * flight, and the caller goes on receiving while it polls
 * collector_store_socket() (for writing too while
 * collector_store_wants_write()) and calls collector_store_flush_poll();
 * items must stay where they are until then. When COPY cannot take the
 * batch (a duplicate, a value refused), the transaction is rolled back
 * and the batch is stored message by message at once (ACCEPTED/DUPLICATE
 * exact per message): returns 1 (here or from flush_poll), committed.
 * Returns -1 (err set) when the database failed; the connection is then
 * down and the same batch may be resolved and stored again later: rows
 * already committed come back as DUPLICATE. Adds to counters once
 * committed. */
int collector_store_flush_start(collector_store_t *self, collector_item_t *items, size_t n,
                                bool prepared, collector_store_counters_t *counters, rl_err_t *err)
    __attribute__((warn_unused_result));
/* The batch in flight: 1 committed (outcome filled; also when none is in
 * flight), 0 not yet, -1 failed as collector_store_flush_start (the
 * connection is down; whether it was committed is unknown, so it is
 * stored again). */
int collector_store_flush_poll(collector_store_t *self, rl_err_t *err)
    __attribute__((warn_unused_result));
bool collector_store_in_flight(const collector_store_t *self);
/* Whether the flight has data libpq could not send yet: poll the socket
 * for writing as well. */
bool collector_store_wants_write(const collector_store_t *self);
/* Whether the flight's COPYs are done and its COMMIT is on its way. */
bool collector_store_committing(const collector_store_t *self);
/* The database connection's socket (to poll for the flight's results), -1
 * when not connected. While a batch is in flight only
 * collector_store_enrolments, _prepare, _devices and _write_status (on a
 * connection of their own) may be called besides the flight's own. */
int collector_store_socket(const collector_store_t *self);

/* The allow-list: every device with its key and whether it is revoked.
 * Caller owns *devices_p (free()). -1 with err on failure. */
int collector_store_devices(collector_store_t *self, collector_store_device_t **devices_p,
                            size_t *n_p, rl_err_t *err) __attribute__((warn_unused_result));

/* Writes the counters to meas.collector_status. */
int collector_store_write_status(collector_store_t *self, int64_t started_us,
                                 const collector_store_counters_t *counters, rl_err_t *err)
    __attribute__((warn_unused_result));

#endif
