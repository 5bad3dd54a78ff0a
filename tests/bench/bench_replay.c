/* The collector-only path of `make bench`: pre-recorded wire messages
 * replayed at full speed into a real ruglab-collector, so that the
 * figure is the collector and its database alone, without the agents'
 * simulators, spools and fsyncs. The messages are the devices' dry runs
 * (bench_load.h), keyed with a fresh boot_id each and encoded as the agent
 * would send them before the clock starts; then one DEALER socket per
 * device (CurveZMQ with the device's own key, as enrolled) sends them in a
 * sliding window of WINDOW unacknowledged messages (the agent's [link]
 * window), all devices at once from one thread.
 *
 * Each socket first sends a Hello with seq 1 and waits for its ack: the
 * connection and the CURVE handshake are done before the clock starts.
 * The clock stops when the last message is acknowledged. Every message
 * must be ACCEPTED (no DUPLICATE, no REJECTED) or the run fails.
 *
 * usage: bench_replay ENDPOINT SERVER_KEY_FILE KEY_DIR WINDOW DEVICE=FILE...
 * (KEY_DIR/DEVICE.key_secret is each device's key pair). Prints
 * "messages=N samples=S cpu_s=C seconds=T samples_per_s=R" on stdout (C:
 * its own CPU seconds while timed). */
#include "bench_load.h"

#include <czmq.h>
#include <errno.h>
#include <inttypes.h>
#include <sys/resource.h>
#include <zmq.h>

/* One device being replayed. */
typedef struct {
    bench_dev_t dev;
    void *sock;
    uint8_t **wire; /* the encoded messages (owned) */
    size_t *wire_len;
    size_t next;  /* the next to send */
    size_t acked; /* acknowledged (of the messages, the Hello not counted) */
    bool hello_acked;
} s_peer_t;

/* Counts of the acknowledgements. */
typedef struct {
    long accepted, duplicates, rejected;
} s_counts_t;

/* CPU seconds of this process so far (user + system). */
static double
s_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Connects p's DEALER with the device's key pair: 0, or -1 (said). */
static int
s_connect(void *ctx, s_peer_t *p, const char *endpoint, const uint8_t server_key[32],
          const char *key_dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.key_secret", key_dir, p->dev.device_id);
    zcert_t *cert = zcert_load(path);
    if (!cert) {
        fprintf(stderr, "bench_replay: %s: not a CURVE key pair\n", path);
        return -1;
    }
    p->sock = zmq_socket(ctx, ZMQ_DEALER);
    int hwm = 100000, linger = 0;
    zmq_setsockopt(p->sock, ZMQ_CURVE_SERVERKEY, server_key, 32);
    zmq_setsockopt(p->sock, ZMQ_CURVE_PUBLICKEY, zcert_public_key(cert), 32);
    zmq_setsockopt(p->sock, ZMQ_CURVE_SECRETKEY, zcert_secret_key(cert), 32);
    zmq_setsockopt(p->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(p->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof linger);
    zcert_destroy(&cert);
    if (zmq_connect(p->sock, endpoint) != 0) {
        fprintf(stderr, "bench_replay: connect %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

/* Encodes p's messages, and a Hello with seq 1 first. 0, or -1 (said). */
static int
s_encode(s_peer_t *p)
{
    p->wire = rl_calloc(p->dev.n + 1, sizeof *p->wire);
    p->wire_len = rl_calloc(p->dev.n + 1, sizeof *p->wire_len);
    rl_msg_t hello;
    rl_msg_init(&hello);
    snprintf(hello.device_id, sizeof hello.device_id, "%s", p->dev.device_id);
    hello.boot_id = p->dev.n ? p->dev.msgs[0].boot_id : 1;
    hello.seq = 1;
    hello.taken_at_us = rl_clock_wall_us();
    hello.kind = RL_BODY_HELLO;
    snprintf(hello.u.hello.sender_version, sizeof hello.u.hello.sender_version, "bench_replay");
    rl_err_t err;
    int rc = rl_wire_encode(&hello, &p->wire[0], &p->wire_len[0], &err);
    for (size_t i = 0; i < p->dev.n && rc == 0; i++)
        rc = rl_wire_encode(&p->dev.msgs[i], &p->wire[i + 1], &p->wire_len[i + 1], &err);
    if (rc)
        fprintf(stderr, "bench_replay: %s: %s\n", p->dev.device_id, err.msg);
    return rc;
}

/* Sends what p's window allows: the Hello (wire[0]) alone, then the
 * messages once it is acknowledged. */
static void
s_send(s_peer_t *p, size_t window)
{
    while (p->next < p->dev.n + 1) {
        if (p->next >= 1 && (!p->hello_acked || p->next - 1 - p->acked >= window))
            return;
        if (zmq_send(p->sock, p->wire[p->next], p->wire_len[p->next], ZMQ_DONTWAIT) < 0)
            return;
        p->next++;
    }
}

/* Reads p's acknowledgements. -1 on an undecodable one (said). */
static int
s_receive(s_peer_t *p, s_counts_t *c)
{
    for (;;) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, p->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frame);
            return 0;
        }
        rl_msg_t m;
        rl_reason_t reason;
        rl_err_t err;
        int rc = rl_wire_decode(zmq_msg_data(&frame), zmq_msg_size(&frame), &m, &reason, &err);
        zmq_msg_close(&frame);
        if (rc || m.kind != RL_BODY_ACKS) {
            fprintf(stderr, "bench_replay: %s: not an AckBatch from the collector\n",
                    p->dev.device_id);
            rl_msg_clear(&m);
            return -1;
        }
        for (size_t i = 0; i < m.u.acks.n_acks; i++) {
            const rl_ack_t *a = &m.u.acks.acks[i];
            if (a->seq == 1) {
                p->hello_acked = true;
                continue;
            }
            p->acked++;
            c->accepted += a->status == RL_ACK_ACCEPTED;
            c->duplicates += a->status == RL_ACK_DUPLICATE;
            if (a->status == RL_ACK_REJECTED && c->rejected++ == 0)
                fprintf(stderr, "bench_replay: %s seq %" PRIu64 " rejected: %s %s\n",
                        p->dev.device_id, a->seq, rl_reason_name(a->reason), a->text);
        }
        rl_msg_clear(&m);
    }
}

/* Runs every peer until done (hellos_only: until every Hello is acked).
 * 0, or -1 (said) after an error or 60 s without progress. */
static int
s_pump(s_peer_t *peers, size_t np, size_t window, bool hellos_only, s_counts_t *c)
{
    zmq_pollitem_t *items = rl_calloc(np, sizeof *items);
    double last_progress = bench_now();
    size_t last_acked = 0;
    int rc = 0;
    for (;;) {
        size_t done = 0, acked = 0;
        for (size_t i = 0; i < np; i++) {
            s_peer_t *p = &peers[i];
            acked += p->acked + p->hello_acked;
            done += hellos_only ? p->hello_acked : p->acked == p->dev.n;
            if (!hellos_only || p->next == 0)
                s_send(p, window);
            items[i] = (zmq_pollitem_t){p->sock, 0, ZMQ_POLLIN, 0};
        }
        if (done == np)
            break;
        if (acked != last_acked) {
            last_acked = acked;
            last_progress = bench_now();
        } else if (bench_now() - last_progress > 60) {
            fprintf(stderr, "bench_replay: no acknowledgement for 60 s (%zu of %zu peers done)\n",
                    done, np);
            rc = -1;
            break;
        }
        if (zmq_poll(items, (int)np, 100) < 0 && zmq_errno() != EINTR) {
            rc = -1;
            break;
        }
        for (size_t i = 0; i < np && rc == 0; i++)
            if (items[i].revents & ZMQ_POLLIN)
                rc = s_receive(&peers[i], c);
        if (rc)
            break;
    }
    free(items);
    return rc;
}

int
main(int argc, char **argv)
{
    if (argc < 6 || atoi(argv[4]) < 1) {
        fprintf(stderr,
                "usage: bench_replay ENDPOINT SERVER_KEY_FILE KEY_DIR WINDOW DEVICE=FILE...\n");
        return 2;
    }
    zcert_t *server = zcert_load(argv[2]);
    if (!server) {
        fprintf(stderr, "bench_replay: %s: not a CURVE key\n", argv[2]);
        return 2;
    }
    size_t window = (size_t)atoi(argv[4]), np = (size_t)(argc - 5);
    s_peer_t *peers = rl_calloc(np, sizeof *peers);
    void *ctx = zmq_ctx_new();
    int rc = 1;
    long samples = 0, messages = 0;
    for (size_t i = 0; i < np; i++) {
        if (bench_dev_load(argv[5 + i], bench_boot_id(i), 2, &peers[i].dev) ||
            s_encode(&peers[i]) ||
            s_connect(ctx, &peers[i], argv[1], zcert_public_key(server), argv[3]))
            goto out;
        samples += peers[i].dev.samples;
        messages += (long)peers[i].dev.n;
    }
    s_counts_t c = {0};
    if (s_pump(peers, np, window, true, &c))
        goto out;
    double start = bench_now(), cpu0 = s_cpu();
    if (s_pump(peers, np, window, false, &c))
        goto out;
    double secs = bench_now() - start, cpu = s_cpu() - cpu0;
    if (c.accepted != messages) {
        fprintf(stderr, "bench_replay: %ld accepted of %ld (%ld duplicate, %ld rejected)\n",
                c.accepted, messages, c.duplicates, c.rejected);
        goto out;
    }
    printf("messages=%ld samples=%ld cpu_s=%.2f seconds=%.3f samples_per_s=%.0f\n", messages,
           samples, cpu, secs, (double)samples / secs);
    rc = 0;
out:
    for (size_t i = 0; i < np; i++) {
        if (peers[i].sock)
            zmq_close(peers[i].sock);
        for (size_t k = 0; peers[i].wire && k <= peers[i].dev.n; k++)
            free(peers[i].wire[k]);
        free(peers[i].wire);
        free(peers[i].wire_len);
        bench_dev_free(&peers[i].dev);
    }
    free(peers);
    zcert_destroy(&server);
    zmq_ctx_term(ctx);
    return rc;
}
