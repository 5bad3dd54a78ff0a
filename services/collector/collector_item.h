/* One received message on its way through the collector (validate ->
 * resolve -> store): who sent it (the ZeroMQ routing id and the device its
 * CURVE key belongs to), the raw bytes, the decoded message and the
 * verdict of validation, what the resolve step decided for the store,
 * then the outcome of storing it. Owned by the main loop's pending batch;
 * the resolve step fills `resolved`, the store the outcome. */
#ifndef COLLECTOR_ITEM_H
#define COLLECTOR_ITEM_H

#include "collector_validate.h"
#include "ruglab/wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COLLECTOR_ITEM_ROUTING_MAX 256

/* What the store does with an item (decided by collector_resolve_batch). */
typedef enum {
    COLLECTOR_ITEM_UNRESOLVED = 0,
    COLLECTOR_ITEM_UNKEPT,      /* rejected beyond the device's dead-letter limit:
                                   acknowledged REJECTED, not stored */
    COLLECTOR_ITEM_DEAD_LETTER, /* rejected: kept in meas.dead_letter */
    COLLECTOR_ITEM_STATUS,      /* hello, heartbeat: only the device status */
    COLLECTOR_ITEM_MEASUREMENT, /* session-scoped: a row in its table */
} collector_item_action_t;

/* Everything the store needs decided, made anew before each attempt to
 * store the batch (see collector_resolve.h). */
typedef struct {
    collector_item_action_t action;
    collector_validate_verdict_t rejection; /* UNKEPT, DEAD_LETTER: why */
    /* MEASUREMENT only: */
    long long enrolment_id;
    const char *instrument; /* questionnaire: the code as stored (static) */
    bool has_score;         /* questionnaire: scorable */
    double score;
    int16_t *angle_ddeg; /* sample batch, owned: the samples in tenths */
    int16_t *torque_dnm;
} collector_item_resolved_t;

typedef struct {
    uint8_t routing[COLLECTOR_ITEM_ROUTING_MAX]; /* the peer's ROUTER routing id */
    size_t routing_len;
    char auth_device[RL_ID_MAX + 1]; /* from the CURVE key (ZAP User-Id) */
    uint8_t *raw;                    /* owned: the bytes as received */
    size_t raw_len;
    bool decoded; /* msg holds the decoded Envelope */
    rl_msg_t msg; /* owned arrays; cleared with the item */
    int64_t received_us;
    collector_validate_verdict_t verdict; /* of validation: RL_REASON_NONE when valid */
    int src_fd;  /* the connection it came on (to close a revoked device's) */
    bool unkept; /* rejected beyond the device's dead-letter limit: acknowledged,
                    not stored */
    collector_item_resolved_t resolved;
    /* outcome, filled by the store */
    rl_ack_status_t status;
    rl_reason_t reason;
    char text[RL_TEXT_MAX + 1];
} collector_item_t;

/* Frees what the item owns and zeroes it. */
void collector_item_clear(collector_item_t *item);

#endif
