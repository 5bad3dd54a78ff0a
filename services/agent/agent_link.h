/* The agent's link to ruglab-collector: a DEALER socket (CurveZMQ client
 * with the device's key pair) that sends the spool's durable records in a
 * sliding window, resends what is not acknowledged in time, and resends
 * everything unacknowledged after each reconnection (the collector
 * deduplicates by device, boot and seq). Acknowledgements remove records
 * from the spool. Hello after every (re)connection, heartbeats with the
 * spool's depth while connected. A socket monitor tells connections and
 * refused handshakes apart. Main loop thread only.
 *
 * Several collectors (endpoint "tcp://a:7470,tcp://b:7470", the first
 * preferred): one is in use at a time. When it has not been connected, or
 * has not acknowledged anything while messages wait, for failover_ms, the
 * link closes it and connects to the next one in the list, where
 * everything unacknowledged is sent again: the collectors share one
 * database and its deduplication (meas.message_key), so a message stored
 * by the one left behind is acknowledged DUPLICATE by the next. Away from
 * the first one for failback_ms, a second socket (the probe) connects to
 * the first one; once its handshake succeeds the probe becomes the link
 * and the other connection is closed. All collectors share one CURVE key
 * pair (one server_public_key per device). */
#ifndef AGENT_LINK_H
#define AGENT_LINK_H

#include "agent_spool.h"
#include "ruglab/err.h"

#include <stdbool.h>
#include <stdint.h>
#include <zmq.h>

typedef struct agent_link agent_link_t;

typedef struct {
    const char *endpoint; /* one endpoint, or several separated by commas */
    const char *device_id;
    const char *device_model;
    const char *firmware_version;
    bool curve;
    char server_key[41]; /* Z85 */
    char public_key[41];
    char secret_key[41];
    int window;
    int ack_timeout_ms;
    int heartbeat_ms;
    int reconnect_ivl_ms;
    int reconnect_ivl_max_ms;
    int failover_ms; /* with several endpoints: see above */
    int failback_ms;
    const char *log_ctx;
} agent_link_opts_t;

typedef struct {
    uint64_t sent;   /* first sends */
    uint64_t resent; /* timeouts and reconnections */
    uint64_t accepted;
    uint64_t duplicates;
    uint64_t rejected;
    uint64_t connects;
    uint64_t failovers; /* switches to another collector of the list */
} agent_link_stats_t;

/* Loads CURVE keys into opts: the device's key pair from a CZMQ
 * certificate file, the server key as 40 Z85 characters or from a
 * certificate file. */
int agent_link_load_keys(agent_link_opts_t *opts, const char *secret_key_file,
                         const char *server_key, rl_err_t *err) __attribute__((warn_unused_result));

/* Connects (in the background: ZeroMQ reconnects on its own). */
agent_link_t *agent_link_new(const agent_link_opts_t *opts, agent_spool_t *spool, rl_err_t *err)
    __attribute__((warn_unused_result));
void agent_link_destroy(agent_link_t **self_p);

/* Checks an endpoint list ([link] collector): 0, or -1 with err. */
int agent_link_check_endpoints(const char *endpoints, rl_err_t *err)
    __attribute__((warn_unused_result));

/* Fills up to AGENT_LINK_POLL_MAX poll items (socket, monitor, the
 * probe's monitor); returns how many. */
#define AGENT_LINK_POLL_MAX 3
int agent_link_poll_items(agent_link_t *self, zmq_pollitem_t *items);

/* Receives what is waiting (acknowledgements, monitor events), sends what
 * the window allows, resends what timed out, sends a heartbeat when due.
 * Returns the milliseconds until it needs to run again. */
int agent_link_run(agent_link_t *self, int64_t now_ms);

/* Before exiting: a last heartbeat (so that `ruglab status` shows the
 * spool as it is left), given a moment to leave when the link is up. */
void agent_link_farewell(agent_link_t *self);

bool agent_link_connected(const agent_link_t *self);
/* The endpoint in use. */
const char *agent_link_endpoint(const agent_link_t *self);
const agent_link_stats_t *agent_link_stats(const agent_link_t *self);

#endif
