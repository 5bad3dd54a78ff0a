/* The null receiver of `make bench`: a ROUTER socket with the collector's
 * CURVE key that acknowledges every message ACCEPTED as soon as it is read,
 * with no validation and no database, so that agents sending to it measure
 * the agent's own path alone (driver, spool with fsync, CurveZMQ, acks,
 * spool trimmed). Any device key is let in (no ZAP handler). The key of
 * each message is read from the start of its bytes (rl_wire_peek_key, the
 * collector's reading of a message it cannot decode) rather than decoding
 * the samples: the receiver costs as little as it can. Messages with seq 0
 * (Hello, Heartbeat) are not acknowledged, as by the collector.
 *
 * What waits is acknowledged at once: every message read in one turn of
 * the loop (up to 4,096), one AckBatch per peer.
 *
 * usage: bench_null ENDPOINT COLLECTOR_SECRET_KEY_FILE
 * Prints "READY" once bound; on SIGTERM or SIGINT prints
 * "messages=N acked=A" and exits 0. */
#include "ruglab/clock.h"
#include "ruglab/mem.h"
#include "ruglab/wire.h"

#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_TURN 4096
#define S_ROUTING_MAX 256

static volatile sig_atomic_t s_stop;

static void
s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

/* One message read in this turn. */
typedef struct {
    uint8_t routing[S_ROUTING_MAX];
    size_t routing_len;
    uint64_t boot_id, seq;
} s_got_t;

/* Reads one message without waiting: 1 (g->seq 0 when it wants no ack),
 * 0 when none waits, -1 on error. */
static int
s_read(void *router, s_got_t *g)
{
    int n = zmq_recv(router, g->routing, sizeof g->routing, ZMQ_DONTWAIT);
    if (n < 0)
        return zmq_errno() == EAGAIN ? 0 : -1;
    g->routing_len = (size_t)n < sizeof g->routing ? (size_t)n : sizeof g->routing;
    zmq_msg_t body;
    zmq_msg_init(&body);
    if (zmq_msg_recv(&body, router, 0) < 0) {
        zmq_msg_close(&body);
        return -1;
    }
    char device[RL_ID_MAX + 1];
    if (!rl_wire_peek_key(zmq_msg_data(&body), zmq_msg_size(&body), &g->boot_id, &g->seq, device))
        g->seq = 0;
    zmq_msg_close(&body);
    return 1;
}

/* One AckBatch per peer for got[0..n). Returns the number of acks sent. */
static long
s_ack(void *router, const s_got_t *got, size_t n)
{
    bool *done = rl_calloc(n ? n : 1, sizeof *done);
    long acked = 0;
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        size_t k = 0;
        for (size_t j = i; j < n; j++)
            k += got[j].routing_len == got[i].routing_len &&
                 !memcmp(got[j].routing, got[i].routing, got[i].routing_len);
        rl_msg_t ack;
        rl_msg_init(&ack);
        ack.taken_at_us = rl_clock_wall_us();
        rl_msg_acks_alloc(&ack, k);
        k = 0;
        for (size_t j = i; j < n; j++) {
            if (done[j] || got[j].routing_len != got[i].routing_len ||
                memcmp(got[j].routing, got[i].routing, got[i].routing_len) != 0)
                continue;
            done[j] = true;
            rl_ack_t *a = &ack.u.acks.acks[k++];
            a->boot_id = got[j].boot_id;
            a->seq = got[j].seq;
            a->status = RL_ACK_ACCEPTED;
        }
        uint8_t *buf = NULL;
        size_t len = 0;
        rl_err_t err;
        if (rl_wire_encode(&ack, &buf, &len, &err) == 0 &&
            zmq_send(router, got[i].routing, got[i].routing_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0 &&
            zmq_send(router, buf, len, ZMQ_DONTWAIT) >= 0)
            acked += (long)k;
        free(buf);
        rl_msg_clear(&ack);
    }
    free(done);
    return acked;
}

/* Binds the ROUTER as a CURVE server with the key pair in path: the
 * socket, or NULL (said). */
static void *
s_bind(void *ctx, const char *endpoint, const char *path)
{
    zcert_t *cert = zcert_load(path);
    if (!cert) {
        fprintf(stderr, "bench_null: %s: not a CURVE key pair\n", path);
        return NULL;
    }
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    int one = 1, hwm = 100000;
    zmq_setsockopt(router, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt(router, ZMQ_CURVE_SECRETKEY, zcert_secret_key(cert), 32);
    zmq_setsockopt(router, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(router, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zcert_destroy(&cert);
    if (zmq_bind(router, endpoint) != 0) {
        fprintf(stderr, "bench_null: bind %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        zmq_close(router);
        return NULL;
    }
    return router;
}

int
main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_null ENDPOINT COLLECTOR_SECRET_KEY_FILE\n");
        return 2;
    }
    signal(SIGTERM, s_on_signal);
    signal(SIGINT, s_on_signal);
    void *ctx = zmq_ctx_new();
    void *router = s_bind(ctx, argv[1], argv[2]);
    if (!router)
        return 1;
    printf("READY\n");
    fflush(stdout);
    s_got_t *got = rl_malloc(S_TURN * sizeof *got);
    long messages = 0, acked = 0;
    int rc = 0;
    while (!s_stop) {
        zmq_pollitem_t item = {router, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 200) < 0) {
            if (zmq_errno() == EINTR)
                continue;
            rc = 1;
            break;
        }
        size_t n = 0;
        int r = 1;
        while (n < S_TURN && (r = s_read(router, &got[n])) == 1) {
            messages++;
            if (got[n].seq > 0)
                n++;
        }
        if (r < 0 && zmq_errno() != EINTR) {
            fprintf(stderr, "bench_null: receive: %s\n", zmq_strerror(zmq_errno()));
            rc = 1;
            break;
        }
        acked += s_ack(router, got, n);
    }
    printf("messages=%ld acked=%ld\n", messages, acked);
    free(got);
    zmq_close(router);
    zmq_ctx_term(ctx);
    return rc;
}
