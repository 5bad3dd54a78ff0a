/* The collector's Prometheus endpoint (see collector_metrics.h).
 *
 * Decisions where the issue is silent:
 * - Off by default: an open port on a hospital server is IT's choice (and
 *   two collectors on one host would clash on a fixed one).
 * - HTTP by libmicrohttpd (as ruglab-web) in its own thread (epoll): the
 *   main loop never waits for a scrape, and a scrape never waits for the
 *   main loop beyond a copy of the counters under the lock.
 * - Connected devices: the distinct devices with a connection that has
 *   delivered a message (agents send Hello on connecting, then heartbeats)
 *   and is still open. A message names its device, its connection (the
 *   descriptor libzmq received it on, ZMQ_SRCFD) and the connection's
 *   routing id; the peer's address is noted at a connection's first
 *   message, and at each scrape a connection whose descriptor is closed
 *   or now has another peer is gone. (libzmq's socket monitor was tried
 *   first: its handshake events do not say which connection, and an
 *   agent's last heartbeat is read after its DISCONNECTED event.)
 * - Commit latency: the time to store a batch (the enrolment lookup and
 *   the whole transaction up to its COMMIT), the part of an agent's wait
 *   the database decides. */
#include "collector_metrics.h"

#include "ruglab/clock.h"
#include "ruglab/log.h"
#include "ruglab/mem.h"
#include "ruglab/prom.h"
#include "ruglab/wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Messages per committed batch: powers of two up to 1024 (the default
 * [batch] max_messages is 256), then coarser towards the largest. */
static const double s_batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384};
#define S_BATCH_N (sizeof s_batch_bounds / sizeof s_batch_bounds[0])
/* Seconds to store a batch: 1-2-5 steps around the targets (p99 20 ms). */
static const double s_commit_bounds[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
                                         0.1,    0.2,   0.5,   1,     2,    5,    10};
#define S_COMMIT_N (sizeof s_commit_bounds / sizeof s_commit_bounds[0])
#define S_REASONS (RL_REASON_INVALID + 1)

typedef struct {
    char id[RL_ID_MAX + 1];
    int64_t last_us; /* wall clock of its last message received */
} s_device_t;

typedef struct {
    int fd;       /* a connection, as ZMQ_SRCFD names it */
    uint64_t rid; /* hash of its ROUTER routing id */
    struct sockaddr_storage peer;
    socklen_t peer_len;
    char device[RL_ID_MAX + 1];
} s_conn_t;

/* What a scrape shows; copied out under the lock. */
typedef struct {
    uint64_t received;
    uint64_t committed;
    uint64_t duplicates;
    uint64_t status;
    uint64_t rejected[S_REASONS];
    uint64_t unkept;
    uint64_t batch_counts[S_BATCH_N + 1];
    double batch_sum;
    uint64_t commit_counts[S_COMMIT_N + 1];
    double commit_sum;
    int db_up;
} s_counts_t;

struct collector_metrics {
    char listen[512];
    char name[256];
    double start_s;
    pthread_mutex_t mu;
    s_counts_t c;     /* under mu */
    s_device_t *devs; /* under mu: open addressing, cap a power of two */
    size_t n_devs, cap_devs;
    s_conn_t *conns; /* under mu: connections that delivered a message */
    size_t n_conns, cap_conns;
    int last_fd; /* under mu: the connection of the last message received */
    uint64_t last_rid;
    s_device_t *last_dev;
    struct MHD_Daemon *httpd; /* its own thread */
};

/* ------------------------------------------------------------ addresses */

static int
s_parse(const char *listen, struct sockaddr_storage *ss, socklen_t *len, rl_err_t *err)
{
    char host[256];
    const char *port_s;
    memset(ss, 0, sizeof *ss);
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host)
            goto bad;
        snprintf(host, sizeof host, "%.*s", (int)(close - listen - 1), listen + 1);
        port_s = close + 2;
    } else {
        const char *colon = strrchr(listen, ':');
        if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host)
            goto bad;
        snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
        port_s = colon + 1;
    }
    char *end;
    errno = 0;
    long port = strtol(port_s, &end, 10);
    if (!*port_s || *end || errno || port < 0 || port > 65535)
        goto bad;
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (listen[0] != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *len = sizeof *v4;
        return 0;
    }
    if (listen[0] == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *len = sizeof *v6;
        return 0;
    }
bad:
    return rl_err_set(err,
                      "[collector] metrics_listen '%s' is not ADDRESS:PORT with a numeric IPv4 "
                      "address or [IPv6]:PORT (e.g. 127.0.0.1:9470)",
                      listen);
}

int
collector_metrics_check_listen(const char *listen, rl_err_t *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    return *listen ? s_parse(listen, &ss, &len, err) : 0;
}

int
collector_metrics_check_bind(const char *listen, rl_err_t *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (!*listen)
        return 0;
    if (s_parse(listen, &ss, &len, err))
        return -1;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, (struct sockaddr *)&ss, len) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return rl_err_set(err, "cannot listen for metrics on %s: %s%s", listen, strerror(e),
                          e == EADDRINUSE ? " (another program, or this collector already "
                                            "running, listens there)"
                                          : "");
    }
    close(fd);
    return 0;
}

/* ------------------------------------------------------------ counting */

collector_metrics_t *
collector_metrics_new(const char *listen, const char *name)
{
    if (!listen || !*listen)
        return NULL;
    collector_metrics_t *self = rl_calloc(1, sizeof *self);
    snprintf(self->listen, sizeof self->listen, "%s", listen);
    snprintf(self->name, sizeof self->name, "%s", name);
    self->start_s = (double)rl_clock_wall_us() / 1e6;
    pthread_mutex_init(&self->mu, NULL);
    self->c.db_up = 0;
    self->last_fd = -1;
    return self;
}

double
collector_metrics_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
collector_metrics_db_up(collector_metrics_t *self, bool up)
{
    if (!self)
        return;
    pthread_mutex_lock(&self->mu);
    self->c.db_up = up ? 1 : 0;
    pthread_mutex_unlock(&self->mu);
}

/* FNV-1a of len bytes. */
static uint64_t
s_fnv(const void *p, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ ((const uint8_t *)p)[i]) * 1099511628211ull;
    return h;
}

static size_t
s_hash(const char *s)
{
    return (size_t)s_fnv(s, strlen(s));
}

/* The slot of id (mu held): found, or made. */
static s_device_t *
s_device(collector_metrics_t *self, const char *id)
{
    if (2 * (self->n_devs + 1) > self->cap_devs) {
        size_t cap = self->cap_devs ? 2 * self->cap_devs : 64;
        s_device_t *old = self->devs;
        size_t old_cap = self->cap_devs;
        self->devs = rl_calloc(cap, sizeof *self->devs);
        self->cap_devs = cap;
        for (size_t i = 0; i < old_cap; i++) {
            if (!old[i].id[0])
                continue;
            size_t j = s_hash(old[i].id) & (cap - 1);
            while (self->devs[j].id[0])
                j = (j + 1) & (cap - 1);
            self->devs[j] = old[i];
        }
        free(old);
    }
    size_t j = s_hash(id) & (self->cap_devs - 1);
    while (self->devs[j].id[0] && strcmp(self->devs[j].id, id))
        j = (j + 1) & (self->cap_devs - 1);
    if (!self->devs[j].id[0]) {
        snprintf(self->devs[j].id, sizeof self->devs[j].id, "%s", id);
        self->n_devs++;
    }
    return &self->devs[j];
}

/* Notes connection (fd, rid) of device (mu held): its peer at its first
 * message. A message read after its connection closed finds the
 * descriptor closed (not counted) or another connection's (counted as
 * that one, whose next message names its own device). */
static void
s_connection(collector_metrics_t *self, int fd, uint64_t rid, const char *device)
{
    size_t i = 0;
    while (i < self->n_conns && self->conns[i].fd != fd)
        i++;
    if (i < self->n_conns && self->conns[i].rid == rid) {
        snprintf(self->conns[i].device, sizeof self->conns[i].device, "%s", device);
        return;
    }
    s_conn_t c = {.fd = fd, .rid = rid, .peer_len = sizeof c.peer};
    if (getpeername(fd, (struct sockaddr *)&c.peer, &c.peer_len) != 0) {
        if (i < self->n_conns)
            self->conns[i] = self->conns[--self->n_conns];
        return;
    }
    snprintf(c.device, sizeof c.device, "%s", device);
    if (i == self->n_conns) {
        if (self->n_conns == self->cap_conns) {
            self->cap_conns = self->cap_conns ? 2 * self->cap_conns : 64;
            self->conns = rl_realloc(self->conns, self->cap_conns * sizeof *self->conns);
        }
        self->n_conns++;
    }
    self->conns[i] = c;
}

/* Forgets the connections closed since (mu held); returns how many
 * distinct devices the open ones carry. */
static size_t
s_connected(collector_metrics_t *self)
{
    for (size_t i = 0; i < self->n_conns;) {
        s_conn_t *c = &self->conns[i];
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        if (getpeername(c->fd, (struct sockaddr *)&peer, &len) == 0 && len == c->peer_len &&
            !memcmp(&peer, &c->peer, len)) {
            i++;
            continue;
        }
        if (self->last_fd == c->fd)
            self->last_dev = NULL; /* the next message looks again */
        *c = self->conns[--self->n_conns];
    }
    size_t n = 0;
    for (size_t i = 0; i < self->n_conns; i++) {
        size_t j = 0;
        while (j < i && strcmp(self->conns[j].device, self->conns[i].device))
            j++;
        n += j == i;
    }
    return n;
}

void
collector_metrics_received(collector_metrics_t *self, const collector_item_t *item)
{
    if (!self)
        return;
    pthread_mutex_lock(&self->mu);
    self->c.received++;
    if (item->auth_device[0]) {
        /* messages come in runs of one connection: look each run up once */
        uint64_t rid = s_fnv(item->routing, item->routing_len);
        if (!self->last_dev || item->src_fd != self->last_fd || rid != self->last_rid ||
            strcmp(self->last_dev->id, item->auth_device)) {
            self->last_dev = NULL; /* s_device may move the table */
            s_device_t *d = s_device(self, item->auth_device);
            if (item->src_fd >= 0)
                s_connection(self, item->src_fd, rid, item->auth_device);
            self->last_dev = d;
            self->last_fd = item->src_fd;
            self->last_rid = rid;
        }
        if (item->received_us > self->last_dev->last_us)
            self->last_dev->last_us = item->received_us;
    }
    pthread_mutex_unlock(&self->mu);
}

void
collector_metrics_batch(collector_metrics_t *self, const collector_item_t *items, size_t n,
                        double commit_seconds)
{
    if (!self || n == 0)
        return;
    pthread_mutex_lock(&self->mu);
    s_counts_t *c = &self->c;
    for (size_t i = 0; i < n; i++) {
        const collector_item_t *it = &items[i];
        if (it->status == RL_ACK_ACCEPTED && it->resolved.action == COLLECTOR_ITEM_MEASUREMENT)
            c->committed++;
        else if (it->status == RL_ACK_ACCEPTED)
            c->status++;
        else if (it->status == RL_ACK_DUPLICATE)
            c->duplicates++;
        else if (it->status == RL_ACK_REJECTED) {
            c->rejected[(size_t)it->reason < S_REASONS ? it->reason : RL_REASON_INVALID]++;
            if (it->resolved.action == COLLECTOR_ITEM_UNKEPT)
                c->unkept++;
        }
    }
    c->batch_counts[rl_prom_bucket(s_batch_bounds, S_BATCH_N, (double)n)]++;
    c->batch_sum += (double)n;
    c->commit_counts[rl_prom_bucket(s_commit_bounds, S_COMMIT_N, commit_seconds)]++;
    c->commit_sum += commit_seconds;
    pthread_mutex_unlock(&self->mu);
}

/* ------------------------------------------------------------ exposition */

static int
s_dev_cmp(const void *a, const void *b)
{
    return strcmp(((const s_device_t *)a)->id, ((const s_device_t *)b)->id);
}

static void
s_gauge(FILE *f, const char *name, const char *help, double v)
{
    rl_prom_family(f, name, "gauge", help);
    rl_prom_sample(f, name, NULL, 0, v);
}

/* The page: a snapshot taken under the lock, written outside it. Caller
 * frees *buf_p. */
static void
s_render(collector_metrics_t *self, char **buf_p, size_t *len_p)
{
    pthread_mutex_lock(&self->mu);
    s_counts_t c = self->c;
    s_device_t *devs = rl_calloc(self->n_devs + 1, sizeof *devs);
    size_t nd = 0;
    for (size_t i = 0; i < self->cap_devs; i++)
        if (self->devs[i].id[0])
            devs[nd++] = self->devs[i];
    size_t connected = s_connected(self);
    pthread_mutex_unlock(&self->mu);
    qsort(devs, nd, sizeof *devs, s_dev_cmp);

    FILE *f = open_memstream(buf_p, len_p);
    if (!f)
        abort(); /* out of memory */
    rl_prom_family(f, "ruglab_collector_info", "gauge",
                   "Always 1: the collector's name (meas.collector_status) and version");
    rl_prom_label_t info[2] = {{"name", self->name}, {"version", RL_VERSION}};
    rl_prom_sample_u64(f, "ruglab_collector_info", info, 2, 1);
    s_gauge(f, "process_start_time_seconds", "Start time of the process since the Unix epoch",
            self->start_s);
    const struct {
        const char *name, *type, *help;
        uint64_t value;
    } scalars[] = {
        {"ruglab_collector_received_total", "counter",
         "Messages read from agents, whatever became of them", c.received},
        {"ruglab_collector_committed_total", "counter",
         "Measurements stored as new rows (acknowledged ACCEPTED after COMMIT)", c.committed},
        {"ruglab_collector_duplicates_total", "counter",
         "Messages stored before (acknowledged DUPLICATE)", c.duplicates},
        {"ruglab_collector_status_messages_total", "counter",
         "Hello and heartbeat messages accepted (they update meas.device_status only)", c.status},
        {"ruglab_collector_rejected_unkept_total", "counter",
         "Rejected messages not kept as dead letters ([security] dead_letters_per_minute "
         "exceeded)",
         c.unkept},
        {"ruglab_collector_connected_devices", "gauge",
         "Devices connected now (a connection that delivered a message and is not closed)",
         connected},
        {"ruglab_collector_database_up", "gauge",
         "1 when the database is reachable and in use, 0 while the collector waits for it",
         (uint64_t)c.db_up},
    };
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        rl_prom_family(f, scalars[i].name, scalars[i].type, scalars[i].help);
        rl_prom_sample_u64(f, scalars[i].name, NULL, 0, scalars[i].value);
    }
    rl_prom_family(f, "ruglab_collector_rejected_total", "counter",
                   "Messages acknowledged REJECTED, by the proto's Ack.Reason (kept in "
                   "meas.dead_letter unless over the per-device limit)");
    for (size_t r = 1; r < S_REASONS; r++) {
        rl_prom_label_t l = {"reason", rl_reason_name((rl_reason_t)r)};
        rl_prom_sample_u64(f, "ruglab_collector_rejected_total", &l, 1, c.rejected[r]);
    }
    static const struct {
        const char *name, *help;
        const double *bounds;
        size_t n;
    } hist[2] = {
        {"ruglab_collector_batch_messages", "Messages per committed batch (one transaction)",
         s_batch_bounds, S_BATCH_N},
        {"ruglab_collector_commit_seconds",
         "Seconds to store a batch, from its start to its COMMIT", s_commit_bounds, S_COMMIT_N},
    };
    const uint64_t *counts[2] = {c.batch_counts, c.commit_counts};
    double sums[2] = {c.batch_sum, c.commit_sum};
    for (int h = 0; h < 2; h++) {
        rl_prom_family(f, hist[h].name, "histogram", hist[h].help);
        rl_prom_histogram(f, hist[h].name, hist[h].bounds, hist[h].n, counts[h], sums[h]);
    }
    rl_prom_family(f, "ruglab_collector_device_last_seen_timestamp_seconds", "gauge",
                   "When each device's last message was received, since the Unix epoch; the "
                   "devices seen since this collector started");
    for (size_t i = 0; i < nd; i++) {
        rl_prom_label_t l = {"device", devs[i].id};
        rl_prom_sample(f, "ruglab_collector_device_last_seen_timestamp_seconds", &l, 1,
                       (double)devs[i].last_us / 1e6);
    }
    if (fclose(f) != 0)
        abort();
    free(devs);
}

/* ------------------------------------------------------------ the server */

static enum MHD_Result
s_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
         const char *version, const char *upload, size_t *upload_size, void **state)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)state;
    collector_metrics_t *self = cls;
    char *buf = NULL;
    size_t len = 0;
    unsigned status = MHD_HTTP_NOT_FOUND;
    if (!strcmp(method, MHD_HTTP_METHOD_GET) && !strcmp(url, "/metrics")) {
        s_render(self, &buf, &len);
        status = MHD_HTTP_OK;
    } else {
        buf = rl_strdup("not found: GET /metrics\n");
        len = strlen(buf);
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            status == MHD_HTTP_OK ? RL_PROM_CONTENT_TYPE
                                                  : "text/plain; charset=utf-8");
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static void
s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    rl_warn("metrics", "%s", msg);
}

int
collector_metrics_start(collector_metrics_t *self, rl_err_t *err)
{
    if (!self)
        return 0;
    struct sockaddr_storage ss;
    socklen_t sslen;
    if (s_parse(self->listen, &ss, &sslen, err))
        return -1;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    /* signals stay with the main thread (its poll must wake for them):
     * the server's thread starts with them blocked */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    self->httpd = MHD_start_daemon(
        flags, 0, NULL, NULL, s_access, self, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(32 * 1024), MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!self->httpd) {
        if (collector_metrics_check_bind(self->listen, err) == 0)
            rl_err_set(err, "cannot serve metrics on %s", self->listen);
        return -1;
    }
    const union MHD_DaemonInfo *port = MHD_get_daemon_info(self->httpd, MHD_DAEMON_INFO_BIND_PORT);
    const char *colon =
        self->listen[0] == '[' ? strstr(self->listen, "]:") + 1 : strrchr(self->listen, ':');
    rl_info("metrics", "serving http://%.*s:%u/metrics", (int)(colon - self->listen), self->listen,
            port ? port->port : 0);
    return 0;
}

void
collector_metrics_destroy(collector_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    collector_metrics_t *self = *self_p;
    if (self->httpd)
        MHD_stop_daemon(self->httpd);
    pthread_mutex_destroy(&self->mu);
    free(self->devs);
    free(self->conns);
    free(self);
    *self_p = NULL;
}
