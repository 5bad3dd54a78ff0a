/* The latency probe of `make bench`: plays one training machine's agent
 * with ruglab-agent's own spool and link modules (services/agent), so the
 * path measured is the agent's: a 100-sample curve batch is handed over,
 * appended to the spool and fsynced (agent_spool_sync), sent over CurveZMQ,
 * stored and committed by ruglab-collector, and acknowledged; the time of a
 * message is from the hand-over to the moment the ack of it (and of every
 * message before it) has been processed and the spool trimmed.
 *
 * The first message is handed over as the link is made (before the
 * connection, the CURVE handshake and the Hello): the time from there to
 * its ack is the connection's cost, printed apart ("first_ack_us=N" on
 * stdout). The next messages follow at MSGS_PER_S from a random phase;
 * those handed over in the first WARMUP_S seconds are not counted, so the
 * figures are the steady state.
 *
 * usage: bench_latency ENDPOINT SERVER_KEY_FILE SECRET_KEY_FILE DEVICE_ID
 *                      PATIENT_TOKEN SPOOL_DIR MSGS_PER_S WARMUP_S SECONDS OUT_FILE
 * Writes the latency of each message handed over after the warm-up, in
 * microseconds, one per line to OUT_FILE, followed by the part of it spent
 * in the spool's append and fsync; exits 0 when every message was
 * accepted within 60 s after the last was handed over. */
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
    int64_t sync_us; /* of it: the spool's append and fsync */
} s_pending_t;

/* The command line. */
typedef struct {
    const char *endpoint, *server_key, *secret_key, *device, *token, *spool_dir, *out_path;
    double rate, warmup, seconds;
} s_opts_t;

/* One agent being measured. */
typedef struct {
    const s_opts_t *o;
    agent_spool_t *spool;
    agent_link_t *link;
    FILE *out;
    char session[64];
    s_pending_t *pend; /* by hand-over */
    long total, handed, acked;
    int64_t connect_us, first_ack_us; /* the link made; the first ack (0: not yet) */
    int64_t steady_us;                /* the end of the warm-up */
} s_bench_t;

/* Returns 0, or -1 on a usage error (said). */
static int
s_parse_args(int argc, char **argv, s_opts_t *o)
{
    if (argc != 11) {
        fprintf(stderr, "usage: bench_latency ENDPOINT SERVER_KEY_FILE SECRET_KEY_FILE DEVICE_ID "
                        "PATIENT_TOKEN SPOOL_DIR MSGS_PER_S WARMUP_S SECONDS OUT_FILE\n");
        return -1;
    }
    *o = (s_opts_t){.endpoint = argv[1],
                    .server_key = argv[2],
                    .secret_key = argv[3],
                    .device = argv[4],
                    .token = argv[5],
                    .spool_dir = argv[6],
                    .rate = atof(argv[7]),
                    .warmup = atof(argv[8]),
                    .seconds = atof(argv[9]),
                    .out_path = argv[10]};
    if (o->rate <= 0 || o->seconds <= 0 || o->warmup < 0) {
        fprintf(stderr, "bench_latency: MSGS_PER_S and SECONDS must be positive, WARMUP_S not "
                        "negative\n");
        return -1;
    }
    return 0;
}

/* Opens the spool, the link and the output file: 0, or 1 (said). */
static int
s_setup(s_bench_t *b)
{
    const s_opts_t *o = b->o;
    rl_err_t err;
    agent_spool_opts_t so = {1u << 30, 4u << 20, o->device};
    b->spool = agent_spool_open(o->spool_dir, &so, &err);
    if (!b->spool) {
        fprintf(stderr, "bench_latency: %s\n", err.msg);
        return 1;
    }
    agent_link_opts_t lo = {.endpoint = o->endpoint,
                            .device_id = o->device,
                            .device_model = "tergumed-710",
                            .firmware_version = "bench",
                            .curve = true,
                            .window = 256,
                            .ack_timeout_ms = 30000,
                            .heartbeat_ms = 5000,
                            .reconnect_ivl_ms = 50,
                            .reconnect_ivl_max_ms = 200,
                            .log_ctx = o->device};
    if (agent_link_load_keys(&lo, o->secret_key, o->server_key, &err)) {
        fprintf(stderr, "bench_latency: %s\n", err.msg);
        return 1;
    }
    b->connect_us = s_mono_us();
    b->link = agent_link_new(&lo, b->spool, &err);
    if (!b->link) {
        fprintf(stderr, "bench_latency: %s\n", err.msg);
        return 1;
    }
    b->out = fopen(o->out_path, "w");
    if (!b->out) {
        perror(o->out_path);
        return 1;
    }
    return 0;
}

/* Hands the next 100-sample batch over: appended and fsynced. 0, or -1 (said). */
static int
s_hand_over(s_bench_t *b)
{
    long handed = b->handed;
    rl_msg_t m;
    rl_msg_init(&m);
    snprintf(m.device_id, sizeof m.device_id, "%s", b->o->device);
    snprintf(m.session_id, sizeof m.session_id, "%s", b->session);
    snprintf(m.patient_token, sizeof m.patient_token, "%s", b->o->token);
    m.taken_at_us = rl_clock_wall_us();
    m.kind = RL_BODY_SAMPLE_BATCH;
    rl_sample_batch_t *sb = &m.u.sample_batch;
    sb->direction = RL_DIR_EXTENSION;
    sb->context = RL_CONTEXT_TRAINING_SET;
    sb->context_number = 1;
    sb->sample_rate_hz = 100;
    sb->first_index = (uint64_t)handed * 100;
    rl_msg_samples_alloc(&m, 100);
    for (int i = 0; i < 100; i++) {
        sb->angle_deg[i] = (float)((handed + i) % 60) - 10.0f;
        sb->torque_nm[i] = (float)((handed * 3 + i) % 150);
    }
    rl_err_t err;
    int64_t t = s_mono_us();
    if (agent_spool_append(b->spool, &m, 0, &err) || agent_spool_sync(b->spool, &err)) {
        fprintf(stderr, "bench_latency: %s\n", err.msg);
        rl_msg_clear(&m);
        return -1;
    }
    b->pend[handed].seq = m.seq;
    b->pend[handed].handed_us = t;
    b->pend[handed].sync_us = s_mono_us() - t;
    b->handed++;
    rl_msg_clear(&m);
    return 0;
}

/* When message k is due: the first at once, the next ones at the rate
 * from start (a random phase). */
static int64_t
s_due(const s_bench_t *b, int64_t start, int64_t period_us, long k)
{
    return k == 0 ? b->connect_us : start + k * period_us;
}

/* Hands the messages over at the rate asked and writes the latency of each
 * after the warm-up once acknowledged: 0, or 1 (said). */
static int
s_run(s_bench_t *b)
{
    int64_t period_us = (int64_t)(1e6 / b->o->rate);
    /* Agents start at different phases of their period, like real machines. */
    int64_t start = b->connect_us + (int64_t)(rand_r(&(unsigned){(unsigned)getpid()}) % period_us);
    b->steady_us = b->connect_us + (int64_t)(b->o->warmup * 1e6);
    int64_t end_wait = 0;
    for (;;) {
        int64_t now = s_mono_us();
        if (b->handed < b->total && now >= s_due(b, start, period_us, b->handed)) {
            if (s_hand_over(b))
                return 1;
            if (b->handed == b->total)
                end_wait = s_mono_us() + 60 * 1000000LL;
        }
        (void)agent_link_run(b->link, s_mono_us() / 1000);
        /* Everything up to the oldest unacknowledged message is acknowledged. */
        int64_t t_ack = s_mono_us();
        while (b->acked < b->handed) {
            agent_spool_rec_t rec;
            uint64_t seq = b->pend[b->acked].seq;
            if (agent_spool_next(b->spool, seq - 1, &rec) && rec.seq == seq)
                break;
            if (b->acked == 0)
                b->first_ack_us = t_ack - b->connect_us;
            if (b->pend[b->acked].handed_us >= b->steady_us)
                fprintf(b->out, "%" PRId64 " %" PRId64 "\n", t_ack - b->pend[b->acked].handed_us,
                        b->pend[b->acked].sync_us);
            b->acked++;
        }
        if (b->acked == b->total)
            return 0;
        if (end_wait && s_mono_us() > end_wait) {
            fprintf(stderr, "bench_latency: %s: %ld of %ld messages not acknowledged\n",
                    b->o->device, b->total - b->acked, b->total);
            return 1;
        }
        zmq_pollitem_t items[3];
        int n = agent_link_poll_items(b->link, items);
        int64_t wait_us =
            b->handed < b->total ? s_due(b, start, period_us, b->handed) - s_mono_us() : 100000;
        int timeout = wait_us <= 0 ? 0 : (int)((wait_us + 999) / 1000);
        (void)zmq_poll(items, n, timeout);
    }
}

int
main(int argc, char **argv)
{
    s_opts_t o;
    if (s_parse_args(argc, argv, &o))
        return 2;
    s_bench_t b = {.o = &o};
    if (s_setup(&b))
        return 1;
    b.total = 1 + (long)(o.rate * (o.warmup + o.seconds));
    b.pend = rl_malloc(sizeof *b.pend * (size_t)(b.total > 0 ? b.total : 1));
    snprintf(b.session, sizeof b.session, "lat-%" PRId64, rl_clock_wall_us() / 1000000);
    int rc = s_run(&b);
    if (rc == 0)
        printf("first_ack_us=%" PRId64 "\n", b.first_ack_us);
    const agent_link_stats_t *st = agent_link_stats(b.link);
    if (st->rejected) {
        fprintf(stderr, "bench_latency: %s: %" PRIu64 " message(s) rejected\n", o.device,
                st->rejected);
        rc = 1;
    }
    fclose(b.out);
    free(b.pend);
    agent_link_destroy(&b.link);
    agent_spool_close(&b.spool);
    return rc;
}
