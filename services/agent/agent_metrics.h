/* The agent's state for node_exporter's textfile collector: spool depth
 * and bytes, lag (age of the oldest unacknowledged message), the last
 * acknowledgement, the connection, in the Prometheus text format, written
 * to [agent] metrics_textfile (a *.prom file in node_exporter's
 * --collector.textfile.directory) at most every AGENT_METRICS_INTERVAL_MS
 * and once more at exit. Written atomically: a temp file in the same
 * directory, then rename(), so node_exporter never reads half a file. A
 * write that fails is logged once and retried; the agent goes on. Main
 * loop thread only. */
#ifndef AGENT_METRICS_H
#define AGENT_METRICS_H

#include "agent_link.h"
#include "agent_spool.h"
#include "ruglab/err.h"

#include <stdbool.h>
#include <stdint.h>

#define AGENT_METRICS_INTERVAL_MS 5000

typedef struct agent_metrics agent_metrics_t;

/* Checks a metrics_textfile value: "" (off), or a path ending in .prom
 * (node_exporter reads only those) in a directory that exists. 0 or -1
 * with err. */
int agent_metrics_check_path(const char *path, rl_err_t *err) __attribute__((warn_unused_result));

/* NULL when path is empty (the other calls then do nothing). log_ctx is
 * kept (not copied). */
agent_metrics_t *agent_metrics_new(const char *path, const char *device_id, const char *log_ctx);
void agent_metrics_destroy(agent_metrics_t **self_p);

/* Every loop turn, after agent_link_run: notes a new acknowledgement and
 * writes the file when it is due. */
void agent_metrics_tick(agent_metrics_t *self, const agent_spool_t *spool, const agent_link_t *link,
                        int64_t now_ms);
/* Milliseconds until the next write is due (for the loop's poll);
 * INT_MAX without a textfile. */
int agent_metrics_wait_ms(const agent_metrics_t *self, int64_t now_ms);
/* At exit: the last state, with ruglab_agent_running 0. */
void agent_metrics_final(agent_metrics_t *self, const agent_spool_t *spool,
                         const agent_link_t *link);

#endif
