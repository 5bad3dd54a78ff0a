/* The collector's counters for Prometheus: counted by the main loop
 * through small hooks, served in the text exposition format (0.0.4) on
 * GET /metrics at [collector] metrics_listen (empty: not served; the
 * counting is then skipped too: every hook accepts NULL).
 *
 * Threads: the hooks are called by the main loop; the HTTP server
 * (libmicrohttpd) runs in its own thread, started by
 * collector_metrics_start(). The counters are shared under one mutex: a
 * scrape sees one consistent snapshot (a histogram's +Inf bucket equals
 * its count, received equals the sum of the outcomes once nothing is
 * pending). Never patient data: counts, reasons,
 * device ids, times. */
#ifndef COLLECTOR_METRICS_H
#define COLLECTOR_METRICS_H

#include "collector_item.h"
#include "ruglab/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct collector_metrics collector_metrics_t;

/* Checks a metrics_listen value: "" (off), "IPv4:PORT" or "[IPv6]:PORT"
 * with a numeric address (no name lookup: the collector binds exactly
 * where it is told) and a port 0..65535 (0: any free one, said in the log).
 * 0, or -1 with err naming the value. */
int collector_metrics_check_listen(const char *listen, rl_err_t *err)
    __attribute__((warn_unused_result));

/* Counters for the collector called name; NULL when listen is empty (the
 * hooks then do nothing). listen was checked. */
collector_metrics_t *collector_metrics_new(const char *listen, const char *name);
/* Stops the server and frees. Accepts NULL. */
void collector_metrics_destroy(collector_metrics_t **self_p);

/* Binds the HTTP address and starts the server's thread. -1 with err when
 * the address cannot be bound. Accepts NULL (nothing to do). */
int collector_metrics_start(collector_metrics_t *self, rl_err_t *err)
    __attribute__((warn_unused_result));

/* --check-config: can listen be bound (then let go)? -1 with err if not. */
int collector_metrics_check_bind(const char *listen, rl_err_t *err)
    __attribute__((warn_unused_result));

/* Hooks of the main loop. */
/* One message read from the ROUTER socket (whatever becomes of it), with
 * its authenticated device, connection (src_fd) and time filled: counts
 * it, and notes the device's last message and its connection. */
void collector_metrics_received(collector_metrics_t *self, const collector_item_t *item);
/* A batch committed: items[0..n) with their outcome filled (status,
 * reason), after COMMIT; commit_seconds from the start of storing it to
 * its COMMIT. Counts the outcomes, the batch size and the latency. */
void collector_metrics_batch(collector_metrics_t *self, const collector_item_t *items, size_t n,
                             double commit_seconds);
/* Seconds of CLOCK_MONOTONIC: to time a batch for collector_metrics_batch. */
double collector_metrics_clock(void);
/* Whether the database is usable now (the loop's state). */
void collector_metrics_db_up(collector_metrics_t *self, bool up);

#endif
