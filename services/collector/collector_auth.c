/* ZAP handler and device allow-list (see collector_auth.h). */
#include "collector_auth.h"

#include "ruglab/log.h"
#include "ruglab/mem.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"

struct collector_auth {
    void *zap;
    collector_store_device_t *devices;
    size_t n;
    char last_refused[41]; /* last key refused and logged */
};

collector_auth_t *
collector_auth_new(void *zmq_ctx, rl_err_t *err)
{
    void *zap = zmq_socket(zmq_ctx, ZMQ_REP);
    if (!zap || zmq_bind(zap, S_ZAP_ENDPOINT) != 0) {
        rl_err_set(err, "binding the ZAP handler on %s: %s", S_ZAP_ENDPOINT,
                   zmq_strerror(zmq_errno()));
        if (zap)
            zmq_close(zap);
        return NULL;
    }
    int linger = 0;
    zmq_setsockopt(zap, ZMQ_LINGER, &linger, sizeof linger);
    collector_auth_t *self = rl_calloc(1, sizeof *self);
    self->zap = zap;
    return self;
}

void
collector_auth_destroy(collector_auth_t **self_p)
{
    if (!*self_p)
        return;
    collector_auth_t *self = *self_p;
    zmq_close(self->zap);
    free(self->devices);
    free(self);
    *self_p = NULL;
}

void *
collector_auth_socket(collector_auth_t *self)
{
    return self->zap;
}

static const collector_store_device_t *
s_by_device(const collector_store_device_t *d, size_t n, const char *device_id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(d[i].device_id, device_id))
            return &d[i];
    return NULL;
}

static const collector_store_device_t *
s_by_key(const collector_auth_t *self, const char *z85)
{
    for (size_t i = 0; i < self->n; i++)
        if (!strcmp(self->devices[i].public_key, z85))
            return &self->devices[i];
    return NULL;
}

size_t
collector_auth_replace(collector_auth_t *self, collector_store_device_t *devices, size_t n)
{
    size_t changed = 0;
    for (size_t i = 0; i < n; i++) {
        const collector_store_device_t *old =
            s_by_device(self->devices, self->n, devices[i].device_id);
        if (!old || old->revoked != devices[i].revoked ||
            strcmp(old->public_key, devices[i].public_key) != 0) {
            changed++;
            if (devices[i].revoked && old)
                rl_info("device", "%s revoked: refused from now on", devices[i].device_id);
        }
    }
    for (size_t i = 0; i < self->n; i++)
        if (!s_by_device(devices, n, self->devices[i].device_id))
            changed++;
    free(self->devices);
    self->devices = devices;
    self->n = n;
    return changed;
}

size_t
collector_auth_count(const collector_auth_t *self)
{
    size_t allowed = 0;
    for (size_t i = 0; i < self->n; i++)
        allowed += !self->devices[i].revoked;
    return allowed;
}

bool
collector_auth_device_allowed(const collector_auth_t *self, const char *device_id)
{
    const collector_store_device_t *d = s_by_device(self->devices, self->n, device_id);
    return d && !d->revoked;
}

/* Receives one frame into buf (truncated to size); returns its length or -1. */
static int
s_recv_frame(void *sock, char *buf, size_t size, bool *more)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return -1;
    }
    size_t len = zmq_msg_size(&m);
    size_t copy = len < size ? len : size;
    memcpy(buf, zmq_msg_data(&m), copy);
    *more = zmq_msg_more(&m);
    zmq_msg_close(&m);
    return (int)copy;
}

static void
s_send(void *sock, const void *data, size_t len, bool more)
{
    zmq_send(sock, data, len, more ? ZMQ_SNDMORE : 0);
}

void
collector_auth_handle(collector_auth_t *self)
{
    /* request: version, request id, domain, address, identity, mechanism,
     * credentials... (RFC 27) */
    for (;;) {
        char frames[7][256];
        int lens[7] = {0};
        int nf = 0;
        bool more = true;
        while (more) {
            char scratch[256];
            char *dst = nf < 7 ? frames[nf] : scratch;
            int len = s_recv_frame(self->zap, dst, sizeof frames[0], &more);
            if (len < 0) {
                if (nf == 0)
                    return; /* nothing waiting */
                break;
            }
            if (nf < 7)
                lens[nf] = len;
            nf++;
        }
        const char *status = "400", *text = "unknown device", *user = "";
        const collector_store_device_t *dev = NULL;
        bool curve = nf >= 7 && lens[5] == 5 && !memcmp(frames[5], "CURVE", 5) && lens[6] == 32;
        if (curve) {
            char z85[41];
            zmq_z85_encode(z85, (const uint8_t *)frames[6], 32);
            dev = s_by_key(self, z85);
            if (dev && !dev->revoked) {
                status = "200";
                text = "OK";
                user = dev->device_id;
            } else if (dev) {
                text = "device revoked";
                if (strcmp(z85, self->last_refused) != 0) {
                    rl_info("device", "%s refused: revoked", dev->device_id);
                    memcpy(self->last_refused, z85, sizeof self->last_refused);
                }
            } else if (strcmp(z85, self->last_refused) != 0) {
                /* a refused client retries every few hundred ms: log a key once */
                rl_info("peer", "refused a CURVE key that is not enrolled (%s)", z85);
                memcpy(self->last_refused, z85, sizeof self->last_refused);
            }
        } else {
            text = "CURVE required";
        }
        /* reply: version, request id, status code, status text, user id, metadata */
        s_send(self->zap, "1.0", 3, true);
        s_send(self->zap, nf >= 2 ? frames[1] : "", nf >= 2 ? (size_t)lens[1] : 0, true);
        s_send(self->zap, status, 3, true);
        s_send(self->zap, text, strlen(text), true);
        s_send(self->zap, user, strlen(user), true);
        s_send(self->zap, "", 0, false);
    }
}
