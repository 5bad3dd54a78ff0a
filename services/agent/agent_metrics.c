/* The agent's node_exporter textfile (see agent_metrics.h). Every sample
 * carries the device id as label "device", so that one node_exporter can
 * serve several agents of a machine (one file each). */
#include "agent_metrics.h"

#include "ruglab/clock.h"
#include "ruglab/log.h"
#include "ruglab/mem.h"
#include "ruglab/prom.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct agent_metrics {
    char *path;
    char *tmp;
    char device_id[RL_ID_MAX + 1];
    const char *log_ctx;
    double start_s;
    uint64_t acks_seen; /* accepted + duplicates + rejected at the last tick */
    double last_ack_s;  /* 0: none since the start */
    int64_t next_ms;    /* the next write is due */
    bool failing;       /* the last write failed (said once) */
};

int
agent_metrics_check_path(const char *path, rl_err_t *err)
{
    size_t n = strlen(path);
    if (n == 0)
        return 0;
    if (n < 6 || strcmp(path + n - 5, ".prom") != 0 || path[n - 6] == '/')
        return rl_err_set(err,
                          "[agent] metrics_textfile '%s' must be a file name ending in .prom "
                          "(node_exporter's textfile collector reads only those)",
                          path);
    const char *slash = strrchr(path, '/');
    char *dir =
        slash ? rl_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : rl_strdup(".");
    struct stat st;
    int rc = 0;
    if (stat(dir, &st) != 0)
        rc = rl_err_set(err, "[agent] metrics_textfile: directory %s: %s", dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = rl_err_set(err, "[agent] metrics_textfile: %s is not a directory", dir);
    free(dir);
    return rc;
}

agent_metrics_t *
agent_metrics_new(const char *path, const char *device_id, const char *log_ctx)
{
    if (!path || !*path)
        return NULL;
    agent_metrics_t *self = rl_calloc(1, sizeof *self);
    self->path = rl_strdup(path);
    /* beside the file, and not *.prom: node_exporter skips it */
    self->tmp = rl_asprintf("%s.%ld.tmp", path, (long)getpid());
    snprintf(self->device_id, sizeof self->device_id, "%s", device_id);
    self->log_ctx = log_ctx;
    self->start_s = (double)rl_clock_wall_us() / 1e6;
    return self;
}

void
agent_metrics_destroy(agent_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    agent_metrics_t *self = *self_p;
    free(self->path);
    free(self->tmp);
    free(self);
    *self_p = NULL;
}

static void
s_family(FILE *f, const char *name, const char *type, const char *help, const rl_prom_label_t *l,
         double v)
{
    rl_prom_family(f, name, type, help);
    rl_prom_sample(f, name, l, 1, v);
}

/* The file's content. */
static void
s_render(const agent_metrics_t *self, FILE *f, const agent_spool_t *spool, const agent_link_t *link,
         bool running)
{
    rl_prom_label_t dev = {"device", self->device_id};
    double now_s = (double)rl_clock_wall_us() / 1e6;
    int64_t oldest = agent_spool_oldest_us(spool);
    double lag = oldest ? now_s - (double)oldest / 1e6 : 0;
    const agent_link_stats_t *st = agent_link_stats(link);
    s_family(f, "ruglab_agent_running", "gauge", "1 while the agent runs, 0 once it has stopped",
             &dev, running);
    s_family(f, "ruglab_agent_start_time_seconds", "gauge",
             "When the agent started, since the Unix epoch", &dev, self->start_s);
    s_family(f, "ruglab_agent_spool_messages", "gauge",
             "Messages in the spool not yet acknowledged by the collector", &dev,
             (double)agent_spool_depth(spool));
    s_family(f, "ruglab_agent_spool_bytes", "gauge", "Bytes of the spool's segment files", &dev,
             (double)agent_spool_bytes(spool));
    s_family(f, "ruglab_agent_spool_max_bytes", "gauge",
             "[spool] max_bytes: when the spool reaches it the agent stops reading the device",
             &dev, (double)agent_spool_max_bytes(spool));
    s_family(f, "ruglab_agent_lag_seconds", "gauge",
             "Age of the oldest unacknowledged message (0 when the spool is empty)", &dev,
             lag > 0 ? lag : 0);
    s_family(f, "ruglab_agent_last_ack_timestamp_seconds", "gauge",
             "When the last acknowledgement came, since the Unix epoch (0: none since the start)",
             &dev, self->last_ack_s);
    s_family(f, "ruglab_agent_connected", "gauge",
             "1 while connected to a collector (CURVE handshake completed)", &dev,
             running && agent_link_connected(link));
    rl_prom_family(f, "ruglab_agent_sent_total", "counter",
                   "Messages sent for the first time since the start");
    rl_prom_sample_u64(f, "ruglab_agent_sent_total", &dev, 1, st->sent);
    rl_prom_family(f, "ruglab_agent_resent_total", "counter",
                   "Messages sent again (ack timeout, reconnection) since the start");
    rl_prom_sample_u64(f, "ruglab_agent_resent_total", &dev, 1, st->resent);
    rl_prom_family(f, "ruglab_agent_acks_total", "counter",
                   "Acknowledgements since the start, by status");
    const char *names[3] = {"accepted", "duplicate", "rejected"};
    uint64_t vals[3] = {st->accepted, st->duplicates, st->rejected};
    for (int i = 0; i < 3; i++) {
        rl_prom_label_t l[2] = {dev, {"status", names[i]}};
        rl_prom_sample_u64(f, "ruglab_agent_acks_total", l, 2, vals[i]);
    }
}

/* Writes the temp file and renames it over the path. */
static void
s_write(agent_metrics_t *self, const agent_spool_t *spool, const agent_link_t *link, bool running)
{
    FILE *f = fopen(self->tmp, "w");
    int ok = f != NULL;
    if (f) {
        s_render(self, f, spool, link, running);
        ok = !ferror(f) && fchmod(fileno(f), 0644) == 0;
        ok = (fclose(f) == 0) && ok;
    }
    if (ok && rename(self->tmp, self->path) == 0) {
        if (self->failing)
            rl_info(self->log_ctx, "metrics textfile %s written again", self->path);
        self->failing = false;
        return;
    }
    int e = errno;
    unlink(self->tmp);
    if (!self->failing)
        rl_warn(self->log_ctx, "cannot write the metrics textfile %s: %s (retrying)", self->path,
                strerror(e));
    self->failing = true;
}

void
agent_metrics_tick(agent_metrics_t *self, const agent_spool_t *spool, const agent_link_t *link,
                   int64_t now_ms)
{
    if (!self)
        return;
    const agent_link_stats_t *st = agent_link_stats(link);
    uint64_t acks = st->accepted + st->duplicates + st->rejected;
    if (acks != self->acks_seen) {
        self->acks_seen = acks;
        self->last_ack_s = (double)rl_clock_wall_us() / 1e6;
    }
    if (now_ms < self->next_ms)
        return;
    s_write(self, spool, link, true);
    self->next_ms = now_ms + AGENT_METRICS_INTERVAL_MS;
}

int
agent_metrics_wait_ms(const agent_metrics_t *self, int64_t now_ms)
{
    if (!self)
        return INT_MAX; /* nothing to write: no reason to wake */
    return self->next_ms > now_ms ? (int)(self->next_ms - now_ms) : 0;
}

void
agent_metrics_final(agent_metrics_t *self, const agent_spool_t *spool, const agent_link_t *link)
{
    if (!self || !spool || !link)
        return;
    s_write(self, spool, link, false);
}
