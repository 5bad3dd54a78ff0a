/* What the bench's baselines replay: the measurements a device's simulator
 * produces, read back from its dry run (`ruglab-agent --dry-run`, one JSON
 * object per line, the format of agent_json.h) and keyed as the agent keys
 * them (device_id, one boot_id per run, seq 1, 2, ...). bench_copy loads
 * these messages with binary COPY, bench_replay sends them to a collector:
 * both see exactly the rows the end-to-end runs store.
 *
 * Arguments name one device each as DEVICE=FILE. Header-only: each bench
 * program is one source file (Makefile: BENCH_BINS). */
#ifndef BENCH_LOAD_H
#define BENCH_LOAD_H

#include "../../services/agent/agent_json.h"
#include "ruglab/clock.h"
#include "ruglab/mem.h"
#include "ruglab/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One device's messages, in the order its simulator made them. */
typedef struct {
    char device_id[RL_ID_MAX + 1];
    rl_msg_t *msgs; /* owned */
    size_t n;
    long samples; /* of its sample batches */
} bench_dev_t;

/* Seconds on the monotonic clock. */
static double
bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A boot_id no agent of this run has: the clock as the agent takes it
 * (microseconds << 8), plus the device's index and the process id in the
 * low bits, so two tools started in the same microsecond differ. */
static uint64_t
bench_boot_id(size_t index)
{
    return ((uint64_t)rl_clock_wall_us() << 8) + ((uint64_t)getpid() % 61) * 4 + index % 4 +
           ((uint64_t)index << 8);
}

/* Reads DEVICE=FILE into *d, the messages keyed with boot_id and seq
 * first_seq, first_seq + 1, ... Returns 0, or -1 (said on stderr). */
static int
bench_dev_load(const char *arg, uint64_t boot_id, uint64_t first_seq, bench_dev_t *d)
{
    memset(d, 0, sizeof *d);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || (size_t)(eq - arg) > RL_ID_MAX) {
        fprintf(stderr, "bench: '%s' is not DEVICE=FILE\n", arg);
        return -1;
    }
    snprintf(d->device_id, sizeof d->device_id, "%.*s", (int)(eq - arg), arg);
    FILE *f = fopen(eq + 1, "r");
    if (!f) {
        perror(eq + 1);
        return -1;
    }
    size_t cap = 0;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    int rc = 0;
    while ((len = getline(&line, &line_cap, f)) > 0) {
        if (d->n == cap) {
            cap = cap ? cap * 2 : 1024;
            d->msgs = rl_realloc(d->msgs, cap * sizeof *d->msgs);
        }
        rl_msg_t *m = &d->msgs[d->n];
        rl_err_t err;
        if (agent_json_parse_line(line, (size_t)len, m, &err)) {
            fprintf(stderr, "bench: %s, line %zu: %s\n", eq + 1, d->n + 1, err.msg);
            rl_msg_clear(m);
            rc = -1;
            break;
        }
        snprintf(m->device_id, sizeof m->device_id, "%s", d->device_id);
        m->boot_id = boot_id;
        m->seq = first_seq + d->n;
        if (m->kind == RL_BODY_SAMPLE_BATCH)
            d->samples += (long)m->u.sample_batch.n_angle;
        d->n++;
    }
    free(line);
    fclose(f);
    return rc;
}

static void
bench_dev_free(bench_dev_t *d)
{
    for (size_t i = 0; i < d->n; i++)
        rl_msg_clear(&d->msgs[i]);
    free(d->msgs);
    memset(d, 0, sizeof *d);
}

#endif
