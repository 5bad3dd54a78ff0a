/* The latency probe of `make bench`: plays one training machine's agent
 * with ruglab-agent's own spool and link modules (services/agent), so the
 * path measured is the agent's: a 100-sample curve batch is handed over,
 * appended to the spool and fsynced (agent_spool_sync), sent over CurveZMQ,
 * stored and committed by ruglab-collector, and acknowledged; the time of a
 * message is from the hand-over to the moment the ack of it (and of every
 * message before it) has been processed and the spool trimmed.
 *
 * usage: bench_latency ENDPOINT SERVER_KEY_FILE SECRET_KEY_FILE DEVICE_ID
 *                      PATIENT_TOKEN SPOOL_DIR MSGS_PER_S SECONDS OUT_FILE
 * Writes one latency in microseconds per line to OUT_FILE; exits 0 when
 * every message was accepted within 60 s after the last was handed over. */
#include "../../services/agent/agent_link.h"
#include "../../services/agent/agent_spool.h"
#include "ruglab/clock.h"
#include "ruglab/mem.h"
#include "ruglab/wire.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static int64_t
s_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

typedef struct {
    uint64_t seq;
    int64_t handed_us;
} s_pending_t;

int
main(int argc, char **argv)
{
    if (argc != 10) {
        fprintf(stderr, "usage: bench_latency ENDPOINT SERVER_KEY_FILE SECRET_KEY_FILE DEVICE_ID "
                        "PATIENT_TOKEN SPOOL_DIR MSGS_PER_S SECONDS OUT_FILE\n");
        return 2;
    }
    const char *device = argv[4], *token = argv[5];
    double rate = atof(argv[7]);
    double seconds = atof(argv[8]);
    if (rate <= 0 || seconds <= 0) {
        fprintf(stderr, "bench_latency: MSGS_PER_S and SECONDS must be positive\n");
        return 2;
    }
    rl_err_t err;
    agent_spool_opts_t so = {1u << 30, 4u << 20, device};
    agent_spool_t *spool = agent_spool_open(argv[6], &so, &err);
    if (!spool) {
        fprintf(stderr, "bench_latency: %s\n", err.msg);
        return 1;
    }
    agent_link_opts_t lo = {.endpoint = argv[1],
                            .device_id = device,
                            .device_model = "tergumed-710",
                            .firmware_version = "bench",
                            .curve = true,
                            .window = 256,
                            .ack_timeout_ms = 30000,
                            .heartbeat_ms = 5000,
                            .reconnect_ivl_ms = 50,
                            .reconnect_ivl_max_ms = 200,
                            .log_ctx = device};
    if (agent_link_load_keys(&lo, argv[3], argv[2], &err)) {
        fprintf(stderr, "bench_latency: %s\n", err.msg);
        return 1;
    }
    agent_link_t *link = agent_link_new(&lo, spool, &err);
    if (!link) {
        fprintf(stderr, "bench_latency: %s\n", err.msg);
        return 1;
    }
    FILE *out = fopen(argv[9], "w");
    if (!out) {
        perror(argv[9]);
        return 1;
    }
    /* Wait for the connection, so the figure is the steady state. */
    int64_t deadline = s_mono_us() + 20 * 1000000LL;
    while (!agent_link_connected(link) && s_mono_us() < deadline) {
        zmq_pollitem_t items[3];
        int n = agent_link_poll_items(link, items);
        (void)zmq_poll(items, n, 10);
        (void)agent_link_run(link, s_mono_us() / 1000);
    }
    if (!agent_link_connected(link)) {
        fprintf(stderr, "bench_latency: %s: not connected within 20 s\n", device);
        return 1;
    }

    long total = (long)(rate * seconds);
    s_pending_t *pend = rl_malloc(sizeof *pend * (size_t)(total > 0 ? total : 1));
    long handed = 0, acked = 0;
    int64_t period_us = (int64_t)(1e6 / rate);
    /* Agents start at different phases of their period, like real machines. */
    int64_t start = s_mono_us() + (int64_t)(rand_r(&(unsigned){(unsigned)getpid()}) % period_us);
    int64_t end_wait = 0;
    int rc = 0;
    char session[64];
    snprintf(session, sizeof session, "lat-%" PRId64, rl_clock_wall_us() / 1000000);
    for (;;) {
        int64_t now = s_mono_us();
        if (handed < total && now >= start + handed * period_us) {
            rl_msg_t m;
            rl_msg_init(&m);
            snprintf(m.device_id, sizeof m.device_id, "%s", device);
            snprintf(m.session_id, sizeof m.session_id, "%s", session);
            snprintf(m.patient_token, sizeof m.patient_token, "%s", token);
            m.taken_at_us = rl_clock_wall_us();
            m.kind = RL_BODY_SAMPLE_BATCH;
            rl_sample_batch_t *b = &m.u.sample_batch;
            b->direction = RL_DIR_EXTENSION;
            b->context = RL_CONTEXT_TRAINING_SET;
            b->context_number = 1;
            b->sample_rate_hz = 100;
            b->first_index = (uint64_t)handed * 100;
            rl_msg_samples_alloc(&m, 100);
            for (int i = 0; i < 100; i++) {
                b->angle_deg[i] = (float)((handed + i) % 60) - 10.0f;
                b->torque_nm[i] = (float)((handed * 3 + i) % 150);
            }
            int64_t t = s_mono_us();
            if (agent_spool_append(spool, &m, 0, &err) || agent_spool_sync(spool, &err)) {
                fprintf(stderr, "bench_latency: %s\n", err.msg);
                rl_msg_clear(&m);
                rc = 1;
                break;
            }
            pend[handed].seq = m.seq;
            pend[handed].handed_us = t;
            handed++;
            rl_msg_clear(&m);
            if (handed == total)
                end_wait = s_mono_us() + 60 * 1000000LL;
        }
        (void)agent_link_run(link, s_mono_us() / 1000);
        /* Everything up to the oldest unacknowledged message is acknowledged. */
        int64_t t_ack = s_mono_us();
        while (acked < handed) {
            agent_spool_rec_t rec;
            uint64_t seq = pend[acked].seq;
            if (agent_spool_next(spool, seq - 1, &rec) && rec.seq == seq)
                break;
            fprintf(out, "%" PRId64 "\n", t_ack - pend[acked].handed_us);
            acked++;
        }
        if (acked == total)
            break;
        if (end_wait && s_mono_us() > end_wait) {
            fprintf(stderr, "bench_latency: %s: %ld of %ld messages not acknowledged\n", device,
                    total - acked, total);
            rc = 1;
            break;
        }
        zmq_pollitem_t items[3];
        int n = agent_link_poll_items(link, items);
        int64_t wait_us = handed < total ? start + handed * period_us - s_mono_us() : 100000;
        int timeout = wait_us <= 0 ? 0 : (int)((wait_us + 999) / 1000);
        (void)zmq_poll(items, n, timeout);
    }
    const agent_link_stats_t *st = agent_link_stats(link);
    if (st->rejected) {
        fprintf(stderr, "bench_latency: %s: %" PRIu64 " message(s) rejected\n", device,
                st->rejected);
        rc = 1;
    }
    fclose(out);
    free(pend);
    agent_link_destroy(&link);
    agent_spool_close(&spool);
    return rc;
}
