/* One received message on its way through the collector: who sent it
 * (the ZeroMQ routing id and the device its CURVE key belongs to), the raw
 * bytes, the decoded message and the verdict, then the outcome of storing
 * it. Owned by the main loop's pending batch; the store fills the outcome. */
#ifndef COLLECTOR_ITEM_H
#define COLLECTOR_ITEM_H

#include "collector_validate.h"
#include "ruglab/wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COLLECTOR_ITEM_ROUTING_MAX 256

typedef struct {
    uint8_t routing[COLLECTOR_ITEM_ROUTING_MAX]; /* the peer's ROUTER routing id */
    size_t routing_len;
    char auth_device[RL_ID_MAX + 1]; /* from the CURVE key (ZAP User-Id) */
    uint8_t *raw;                    /* owned: the bytes as received */
    size_t raw_len;
    bool decoded; /* msg holds the decoded Envelope */
    rl_msg_t msg; /* owned arrays; cleared with the item */
    int64_t received_us;
    collector_validate_verdict_t verdict; /* RL_REASON_NONE: valid so far */
    int src_fd;  /* the connection it came on (to close a revoked device's) */
    bool unkept; /* rejected beyond the device's dead-letter limit: acknowledged,
                    not stored */
    /* outcome, filled by the store */
    long long enrolment_id;
    rl_ack_status_t status;
    rl_reason_t reason;
    char text[RL_TEXT_MAX + 1];
} collector_item_t;

/* Frees what the item owns and zeroes it. */
void collector_item_clear(collector_item_t *item);

#endif
