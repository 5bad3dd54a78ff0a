/* Device authentication: the allow-list of device public keys (refreshed
 * from clinical.collector_device by the main loop) and a ZAP handler
 * (RFC 27) on inproc://zeromq.zap.01 that lets a CURVE client in only when
 * its key belongs to a device that is enrolled and not revoked. The ZAP
 * reply's User-Id is the device id, so every message carries its
 * authenticated device (zmq_msg_gets "User-Id"). Main thread only: the
 * ZAP socket is polled in the main loop, beside the ROUTER socket. */
#ifndef COLLECTOR_AUTH_H
#define COLLECTOR_AUTH_H

#include "collector_store.h"
#include "ruglab/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct collector_auth collector_auth_t;

/* Binds the ZAP handler in the given ZeroMQ context; must happen before
 * the CURVE server socket binds. NULL with err on failure. */
collector_auth_t *collector_auth_new(void *zmq_ctx, rl_err_t *err);
void collector_auth_destroy(collector_auth_t **self_p);

/* The ZAP socket, for zmq_poll. */
void *collector_auth_socket(collector_auth_t *self);

/* Replaces the allow-list (takes ownership of devices). Returns how many
 * devices changed state (added, revoked, removed) for the log. */
size_t collector_auth_replace(collector_auth_t *self, collector_store_device_t *devices, size_t n);
size_t collector_auth_count(const collector_auth_t *self);

/* Answers every waiting ZAP request (non-blocking). */
void collector_auth_handle(collector_auth_t *self);

/* Whether device_id may send now (enrolled and not revoked). */
bool collector_auth_device_allowed(const collector_auth_t *self, const char *device_id);

#endif
