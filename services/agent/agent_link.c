/* The agent's link to the collector (see agent_link.h). */
#include "agent_link.h"

#include "ruglab/clock.h"
#include "ruglab/log.h"
#include "ruglab/mem.h"
#include "ruglab/wire.h"
#include "ruglab/paths.h"

#include <czmq.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define S_MONITOR_EVENTS                                                                           \
    (ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |    \
     ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)

typedef struct {
    uint64_t boot_id;
    uint64_t seq;
    int64_t sent_ms;
    int attempts;
} s_flight_t;

/* A socket to one collector of the list and its monitor. */
typedef struct {
    void *sock;
    void *mon;
    size_t idx; /* in endpoints */
} s_conn_t;

struct agent_link {
    agent_link_opts_t opts; /* strings below are owned copies */
    char *device_id, *device_model, *firmware_version, *log_ctx;
    char **endpoints; /* the list, the first preferred */
    size_t n_endpoints;
    const char *endpoint; /* the one in use */
    agent_spool_t *spool;
    void *ctx;
    s_conn_t conn;     /* in use */
    s_conn_t probe;    /* to the first endpoint while away from it (sock NULL: none) */
    unsigned monitors; /* monitors made: their inproc names */
    bool connected;
    int64_t down_since_ms;      /* not connected since (opened or lost) */
    int64_t waiting_since_ms;   /* messages in flight and no ack since */
    int64_t left_first_ms;      /* when the link left the first endpoint */
    size_t switches_unanswered; /* switches since the last acknowledgement */
    uint64_t cursor;            /* highest seq sent since the last (re)connection */
    uint64_t max_sent;          /* highest seq ever sent: anything below is a resend */
    s_flight_t *flight;         /* in the order sent: nflight from here in flight_buf */
    size_t nflight;
    s_flight_t *flight_buf; /* window entries; acknowledged in order, so the front
                               moves up and is moved back only when the end is reached */
    int64_t next_heartbeat_ms;
    int64_t last_refused_log_ms;
    agent_link_stats_t stats;
};

static int
s_cert_load(const char *path, zcert_t **cert_p, rl_err_t *err)
{
    struct stat st;
    char secret[PATH_MAX];
    snprintf(secret, sizeof secret, "%s_secret", path);
    if (stat(path, &st) && stat(secret, &st))
        return rl_err_set(err, "cannot read key file %s: %s", path, strerror(errno));
    zsys_set_logstream(NULL);
    *cert_p = zcert_load(path);
    if (!*cert_p)
        return rl_err_set(err, "%s is not a CURVE certificate (CZMQ format)", path);
    return 0;
}

int
agent_link_load_keys(agent_link_opts_t *opts, const char *secret_key_file, const char *server_key,
                     rl_err_t *err)
{
    zcert_t *cert = NULL;
    if (!server_key || !*server_key)
        return rl_err_set(err, "the collector's public key is not set ([link] server_public_key)");
    if (strlen(server_key) == 40 && !strchr(server_key, '/')) {
        uint8_t raw[32];
        if (!zmq_z85_decode(raw, server_key))
            return rl_err_set(err, "[link] server_public_key is not 40 Z85 characters");
        memcpy(opts->server_key, server_key, 41);
    } else {
        if (s_cert_load(server_key, &cert, err))
            return rl_err_prefix(err, "[link] server_public_key");
        memcpy(opts->server_key, zcert_public_txt(cert), 41);
        zcert_destroy(&cert);
    }
    if (!secret_key_file || !*secret_key_file)
        return rl_err_set(err, "the device's key file is not set ([link] secret_key_file)");
    if (rl_paths_check_secret(secret_key_file, err) || s_cert_load(secret_key_file, &cert, err))
        return rl_err_prefix(err, "[link] secret_key_file");
    static const uint8_t zero[32];
    if (!memcmp(zcert_secret_key(cert), zero, 32)) {
        zcert_destroy(&cert);
        return rl_err_set(err, "[link] secret_key_file: %s holds no secret key", secret_key_file);
    }
    memcpy(opts->public_key, zcert_public_txt(cert), 41);
    memcpy(opts->secret_key, zcert_secret_txt(cert), 41);
    zcert_destroy(&cert);
    return 0;
}

static int
s_setsockopt_int(void *sock, int opt, int value)
{
    return zmq_setsockopt(sock, opt, &value, sizeof value);
}

/* The endpoints of a comma-separated list (spaces around them dropped);
 * NULL when one is empty. */
static char **
s_split_endpoints(const char *list, size_t *n_p)
{
    size_t cap = 1;
    for (const char *c = list; *c; c++)
        cap += *c == ',';
    char **out = rl_calloc(cap, sizeof *out);
    size_t n = 0;
    const char *p = list;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (!len) {
            for (size_t i = 0; i < n; i++)
                free(out[i]);
            free(out);
            return NULL;
        }
        out[n] = rl_malloc(len + 1);
        memcpy(out[n], p, len);
        out[n++][len] = '\0';
        if (!end)
            break;
        p = end + 1;
    }
    *n_p = n;
    return out;
}

static void
s_free_endpoints(char **eps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(eps[i]);
    free(eps);
}

int
agent_link_check_endpoints(const char *endpoints, rl_err_t *err)
{
    size_t n = 0;
    char **eps = s_split_endpoints(endpoints, &n);
    if (!eps)
        return rl_err_set(err, "[link] collector '%s': an endpoint of the list is empty",
                          endpoints);
    int rc = 0;
    void *ctx = zmq_ctx_new();
    for (size_t i = 0; i < n && rc == 0; i++) {
        for (size_t k = 0; k < i && rc == 0; k++)
            if (!strcmp(eps[k], eps[i]))
                rc = rl_err_set(err, "[link] collector: %s is listed twice", eps[i]);
        /* the syntax as ZeroMQ reads it: a socket that connects and is
         * closed at once (the connection itself is made in the background) */
        void *sock = rc == 0 ? zmq_socket(ctx, ZMQ_DEALER) : NULL;
        int linger = 0;
        if (sock)
            (void)zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
        if (sock && zmq_connect(sock, eps[i]) != 0)
            rc = rl_err_set(err, "[link] collector: cannot connect to %s: %s", eps[i],
                            zmq_strerror(zmq_errno()));
        if (sock)
            zmq_close(sock);
    }
    zmq_ctx_term(ctx);
    s_free_endpoints(eps, n);
    return rc;
}

static void
s_conn_close(s_conn_t *c)
{
    if (c->sock)
        zmq_socket_monitor(c->sock, NULL, 0);
    if (c->mon)
        zmq_close(c->mon);
    if (c->sock)
        zmq_close(c->sock);
    c->sock = c->mon = NULL;
}

/* Opens a socket to endpoint idx, monitored, connecting in the background. */
static int
s_conn_open(agent_link_t *self, size_t idx, s_conn_t *c, rl_err_t *err)
{
    const agent_link_opts_t *opts = &self->opts;
    *c = (s_conn_t){.idx = idx};
    c->sock = zmq_socket(self->ctx, ZMQ_DEALER);
    if (!c->sock)
        goto zfail;
    if (s_setsockopt_int(c->sock, ZMQ_LINGER, 0) || s_setsockopt_int(c->sock, ZMQ_IMMEDIATE, 1) ||
        s_setsockopt_int(c->sock, ZMQ_RECONNECT_IVL, opts->reconnect_ivl_ms) ||
        s_setsockopt_int(c->sock, ZMQ_RECONNECT_IVL_MAX, opts->reconnect_ivl_max_ms) ||
        s_setsockopt_int(c->sock, ZMQ_SNDHWM, opts->window + 64) ||
        /* ZMTP heartbeats find a collector that vanished without closing. */
        s_setsockopt_int(c->sock, ZMQ_HEARTBEAT_IVL, opts->heartbeat_ms) ||
        s_setsockopt_int(c->sock, ZMQ_HEARTBEAT_TIMEOUT, 3 * opts->heartbeat_ms))
        goto zfail;
    if (opts->curve) {
        if (zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, opts->server_key, 40) ||
            zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, opts->public_key, 40) ||
            zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, opts->secret_key, 40))
            goto zfail;
    }
    char mon_ep[96];
    snprintf(mon_ep, sizeof mon_ep, "inproc://agent-link-monitor-%p-%u", (void *)self,
             self->monitors++);
    if (zmq_socket_monitor(c->sock, mon_ep, S_MONITOR_EVENTS))
        goto zfail;
    c->mon = zmq_socket(self->ctx, ZMQ_PAIR);
    if (!c->mon || zmq_connect(c->mon, mon_ep))
        goto zfail;
    if (zmq_connect(c->sock, self->endpoints[idx])) {
        rl_err_set(err, "cannot connect to collector %s: %s", self->endpoints[idx],
                   zmq_strerror(zmq_errno()));
        s_conn_close(c);
        return -1;
    }
    return 0;
zfail:
    rl_err_set(err, "cannot set up the ZeroMQ socket: %s", zmq_strerror(zmq_errno()));
    s_conn_close(c);
    return -1;
}

agent_link_t *
agent_link_new(const agent_link_opts_t *opts, agent_spool_t *spool, rl_err_t *err)
{
    agent_link_t *self = rl_calloc(1, sizeof *self);
    self->opts = *opts;
    self->endpoints = s_split_endpoints(opts->endpoint, &self->n_endpoints);
    if (!self->endpoints) {
        rl_err_set(err, "[link] collector '%s': an endpoint of the list is empty", opts->endpoint);
        free(self);
        return NULL;
    }
    self->endpoint = self->endpoints[0];
    self->device_id = rl_strdup(opts->device_id);
    self->device_model = rl_strdup(opts->device_model ? opts->device_model : "");
    self->firmware_version = rl_strdup(opts->firmware_version ? opts->firmware_version : "");
    self->log_ctx = opts->log_ctx ? rl_strdup(opts->log_ctx) : NULL;
    self->spool = spool;
    self->flight_buf = rl_calloc((size_t)opts->window, sizeof *self->flight_buf);
    self->flight = self->flight_buf;
    self->ctx = zmq_ctx_new();
    self->down_since_ms = rl_clock_mono_ms();
    if (!self->ctx || s_conn_open(self, 0, &self->conn, err)) {
        if (!self->ctx)
            rl_err_set(err, "cannot set up ZeroMQ: %s", zmq_strerror(zmq_errno()));
        agent_link_destroy(&self);
        return NULL;
    }
    return self;
}

void
agent_link_destroy(agent_link_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    agent_link_t *self = *self_p;
    s_conn_close(&self->probe);
    s_conn_close(&self->conn);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    free(self->flight_buf);
    s_free_endpoints(self->endpoints, self->n_endpoints);
    free(self->device_id);
    free(self->device_model);
    free(self->firmware_version);
    free(self->log_ctx);
    free(self);
    *self_p = NULL;
}

int
agent_link_poll_items(agent_link_t *self, zmq_pollitem_t *items)
{
    items[0] = (zmq_pollitem_t){.socket = self->conn.sock, .events = ZMQ_POLLIN};
    items[1] = (zmq_pollitem_t){.socket = self->conn.mon, .events = ZMQ_POLLIN};
    if (!self->probe.mon)
        return 2;
    items[2] = (zmq_pollitem_t){.socket = self->probe.mon, .events = ZMQ_POLLIN};
    return 3;
}

bool
agent_link_connected(const agent_link_t *self)
{
    return self->connected;
}

const char *
agent_link_endpoint(const agent_link_t *self)
{
    return self->endpoint;
}

const agent_link_stats_t *
agent_link_stats(const agent_link_t *self)
{
    return &self->stats;
}

/* ------------------------------------------------------------ sending */

/* 1 sent, 0 would block (not connected / queue full), -1 other error. */
static int
s_send(agent_link_t *self, const void *buf, size_t len)
{
    if (zmq_send(self->conn.sock, buf, len, ZMQ_DONTWAIT) >= 0)
        return 1;
    if (zmq_errno() == EAGAIN || zmq_errno() == EINTR)
        return 0;
    rl_error(self->log_ctx, "cannot send to collector %s: %s", self->endpoint,
             zmq_strerror(zmq_errno()));
    return -1;
}

static void
s_send_status(agent_link_t *self, rl_body_kind_t kind)
{
    rl_msg_t m;
    rl_msg_init(&m);
    snprintf(m.device_id, sizeof m.device_id, "%s", self->device_id);
    m.boot_id = agent_spool_boot_id(self->spool);
    m.seq = 0; /* not spooled, not acknowledged */
    m.taken_at_us = rl_clock_wall_us();
    m.kind = kind;
    uint64_t depth = agent_spool_depth(self->spool);
    if (kind == RL_BODY_HELLO) {
        snprintf(m.u.hello.device_model, sizeof m.u.hello.device_model, "%s", self->device_model);
        snprintf(m.u.hello.firmware_version, sizeof m.u.hello.firmware_version, "%s",
                 self->firmware_version);
        snprintf(m.u.hello.sender_version, sizeof m.u.hello.sender_version, "ruglab-agent %s",
                 RL_VERSION);
        m.u.hello.spool_depth = depth;
    } else {
        m.u.heartbeat.spool_depth = depth;
        m.u.heartbeat.spool_bytes = agent_spool_bytes(self->spool);
        int64_t oldest = agent_spool_oldest_us(self->spool);
        int64_t age = oldest ? (m.taken_at_us - oldest) / 1000000 : 0;
        m.u.heartbeat.oldest_unacked_s =
            age > 0 ? (uint32_t)(age > INT32_MAX ? INT32_MAX : age) : 0;
    }
    uint8_t *buf;
    size_t len;
    rl_err_t err;
    if (rl_wire_encode(&m, &buf, &len, &err)) {
        rl_error(self->log_ctx, "cannot encode %s: %s", rl_body_kind_name(kind), err.msg);
        return;
    }
    (void)s_send(self, buf, len);
    free(buf);
}

/* Sends one spooled record. 1 sent, 0 would block, -1 record gone. */
static int
s_send_record(agent_link_t *self, uint64_t seq)
{
    uint8_t *buf;
    size_t len;
    rl_err_t err;
    if (agent_spool_read(self->spool, seq, &buf, &len, &err)) {
        rl_error(self->log_ctx, "%s", err.msg);
        return -1;
    }
    int rc = s_send(self, buf, len);
    free(buf);
    return rc < 0 ? 0 : rc;
}

static void
s_flight_remove(agent_link_t *self, size_t i)
{
    if (i == 0) /* the oldest: the usual acknowledgement */
        self->flight++;
    else
        memmove(&self->flight[i], &self->flight[i + 1],
                (self->nflight - i - 1) * sizeof *self->flight);
    self->nflight--;
    if (self->nflight == 0)
        self->flight = self->flight_buf;
}

/* After a (re)connection everything unacknowledged goes out again, oldest first. */
static void
s_restart_window(agent_link_t *self)
{
    self->nflight = 0;
    self->flight = self->flight_buf;
    self->cursor = 0;
}

static int64_t
s_timeout_ms(const agent_link_t *self, const s_flight_t *f)
{
    int shift = f->attempts > 4 ? 3 : f->attempts - 1;
    return (int64_t)self->opts.ack_timeout_ms << (shift > 0 ? shift : 0);
}

static void
s_pump(agent_link_t *self, int64_t now_ms)
{
    /* Resend what timed out. */
    for (size_t i = 0; i < self->nflight;) {
        s_flight_t *f = &self->flight[i];
        if (now_ms - f->sent_ms < s_timeout_ms(self, f)) {
            i++;
            continue;
        }
        int rc = s_send_record(self, f->seq);
        if (rc < 0) {
            s_flight_remove(self, i);
            continue;
        }
        if (rc == 0)
            return;
        rl_debug(self->log_ctx, "message %" PRIu64 " not acknowledged in time: sent again", f->seq);
        f->sent_ms = now_ms;
        f->attempts++;
        self->stats.resent++;
        i++;
    }
    /* Send what the window allows. */
    agent_spool_rec_t rec;
    while (self->nflight < (size_t)self->opts.window &&
           agent_spool_next(self->spool, self->cursor, &rec) == 1) {
        int rc = s_send_record(self, rec.seq);
        if (rc == 0)
            return;
        if (self->nflight == 0)
            self->waiting_since_ms = now_ms;
        self->cursor = rec.seq;
        if (rc < 0)
            continue;
        if (self->flight + self->nflight == self->flight_buf + self->opts.window) {
            memmove(self->flight_buf, self->flight, self->nflight * sizeof *self->flight);
            self->flight = self->flight_buf;
        }
        self->flight[self->nflight++] = (s_flight_t){rec.boot_id, rec.seq, now_ms, 1};
        if (rec.seq <= self->max_sent) {
            self->stats.resent++;
        } else {
            self->stats.sent++;
            self->max_sent = rec.seq;
        }
    }
}

/* ------------------------------------------------------------ receiving */

static void
s_handle_acks(agent_link_t *self, const rl_msg_t *m, int64_t now_ms)
{
    self->waiting_since_ms = now_ms; /* the collector in use answers */
    self->switches_unanswered = 0;
    for (size_t i = 0; i < m->u.acks.n_acks; i++) {
        const rl_ack_t *a = &m->u.acks.acks[i];
        rl_err_t err;
        int rc = agent_spool_ack(self->spool, a->boot_id, a->seq, &err);
        for (size_t k = 0; k < self->nflight; k++) {
            if (self->flight[k].seq == a->seq) {
                s_flight_remove(self, k);
                break;
            }
        }
        if (rc < 0) {
            rl_error(self->log_ctx, "%s", err.msg);
            continue;
        }
        if (rc == 0)
            continue; /* acknowledged before (a resend) */
        switch (a->status) {
        case RL_ACK_ACCEPTED:
            self->stats.accepted++;
            break;
        case RL_ACK_DUPLICATE:
            self->stats.duplicates++;
            break;
        case RL_ACK_REJECTED:
            self->stats.rejected++;
            rl_warn(self->log_ctx,
                    "message %" PRIu64 "/%" PRIu64 " rejected by the collector: %s: %s (kept "
                    "there as a dead letter; removed from the spool)",
                    a->boot_id, a->seq, rl_reason_name(a->reason), a->text);
            break;
        default:
            rl_warn(self->log_ctx, "message %" PRIu64 "/%" PRIu64 " acknowledged with status %d",
                    a->boot_id, a->seq, (int)a->status);
            break;
        }
    }
}

static void
s_receive(agent_link_t *self, int64_t now_ms)
{
    for (;;) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, self->conn.sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frame);
            break;
        }
        rl_msg_t m;
        rl_reason_t reason;
        rl_err_t err;
        if (rl_wire_decode(zmq_msg_data(&frame), zmq_msg_size(&frame), &m, &reason, &err)) {
            rl_warn(self->log_ctx, "undecodable message from the collector ignored: %s", err.msg);
        } else if (m.kind == RL_BODY_ACKS) {
            s_handle_acks(self, &m, now_ms);
        } else {
            rl_debug(self->log_ctx, "%s from the collector ignored", rl_body_kind_name(m.kind));
        }
        rl_msg_clear(&m);
        zmq_msg_close(&frame);
    }
    /* the ack entries of everything acknowledged in this turn, at once */
    rl_err_t err;
    if (agent_spool_flush_acks(self->spool, &err))
        rl_error(self->log_ctx, "%s", err.msg);
}

/* The next event of a monitor socket, 0 when none is waiting. */
static uint16_t
s_next_event(void *mon)
{
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, mon, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&frame);
        return 0;
    }
    uint16_t event = 0;
    if (zmq_msg_size(&frame) >= 6)
        memcpy(&event, zmq_msg_data(&frame), 2);
    bool more = zmq_msg_more(&frame);
    zmq_msg_close(&frame);
    while (more) { /* the endpoint frame */
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, mon, 0) < 0) {
            zmq_msg_close(&frame);
            break;
        }
        more = zmq_msg_more(&frame);
        zmq_msg_close(&frame);
    }
    return event ? event : UINT16_MAX; /* an event of no interest: read on */
}

/* The connection in use has made its handshake. */
static void
s_on_connected(agent_link_t *self, int64_t now_ms)
{
    self->connected = true;
    self->stats.connects++;
    rl_info(self->log_ctx, "connected to collector %s; %zu message(s) to send", self->endpoint,
            agent_spool_depth(self->spool));
    s_restart_window(self);
    s_send_status(self, RL_BODY_HELLO);
    self->next_heartbeat_ms = now_ms + self->opts.heartbeat_ms;
}

static void
s_on_lost(agent_link_t *self, int64_t now_ms)
{
    if (self->connected)
        self->down_since_ms = now_ms;
    self->connected = false;
}

static void
s_monitor(agent_link_t *self, int64_t now_ms)
{
    uint16_t event;
    while ((event = s_next_event(self->conn.mon)) != 0) {
        switch (event) {
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            s_on_connected(self, now_ms);
            break;
        case ZMQ_EVENT_DISCONNECTED:
            if (self->connected)
                rl_warn(self->log_ctx,
                        "lost the connection to collector %s; %zu unacknowledged message(s) "
                        "will be sent again after reconnecting",
                        self->endpoint, agent_spool_depth(self->spool));
            s_on_lost(self, now_ms);
            s_restart_window(self);
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            s_on_lost(self, now_ms);
            if (now_ms - self->last_refused_log_ms >= 30000 || !self->last_refused_log_ms) {
                self->last_refused_log_ms = now_ms;
                rl_error(self->log_ctx,
                         "collector %s refused the connection (%s): is this device enrolled with "
                         "`ruglab device add` and not revoked, and is server_public_key right? "
                         "Retrying; the spool keeps everything",
                         self->endpoint,
                         event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? "authentication" : "handshake");
            }
            break;
        default:
            break;
        }
    }
}

/* ------------------------------------------------------------ several collectors */

/* Closes the connection in use and connects to endpoint idx, where
 * everything unacknowledged goes out again once connected. */
static void
s_switch(agent_link_t *self, size_t idx, int64_t now_ms, const char *why)
{
    size_t depth = agent_spool_depth(self->spool);
    /* said once per collector; then, while none answers, once in all */
    size_t k = self->switches_unanswered++;
    if (k < self->n_endpoints)
        rl_warn(self->log_ctx,
                "collector %s %s; switching to collector %s (%zu unacknowledged message(s) are "
                "sent there)",
                self->endpoint, why, self->endpoints[idx], depth);
    else if (k == self->n_endpoints)
        rl_warn(self->log_ctx,
                "none of the %zu collectors answers; trying each in turn, the spool keeps "
                "everything",
                self->n_endpoints);
    else
        rl_debug(self->log_ctx, "collector %s %s; switching to collector %s", self->endpoint, why,
                 self->endpoints[idx]);
    size_t from = self->conn.idx;
    if (from == 0)
        self->left_first_ms = now_ms;
    s_conn_close(&self->conn);
    if (idx == 0)
        s_conn_close(&self->probe); /* the link itself connects there now */
    rl_err_t err;
    if (s_conn_open(self, idx, &self->conn, &err)) {
        /* checked at the start; should the socket still fail, stay put */
        rl_error(self->log_ctx, "%s", err.msg);
        idx = from;
        if (s_conn_open(self, idx, &self->conn, &err))
            abort(); /* the endpoint connected before: out of resources */
    }
    self->endpoint = self->endpoints[idx];
    self->connected = false;
    self->down_since_ms = now_ms;
    self->stats.failovers++;
    s_restart_window(self);
}

/* The probe has reached the first endpoint: it becomes the link. */
static void
s_return_to_first(agent_link_t *self, int64_t now_ms)
{
    rl_info(self->log_ctx, "collector %s answers again: back to it from collector %s",
            self->endpoints[0], self->endpoint);
    s_conn_close(&self->conn);
    self->conn = self->probe;
    self->probe = (s_conn_t){0};
    self->endpoint = self->endpoints[0];
    self->stats.failovers++;
    s_on_connected(self, now_ms);
}

static void
s_probe_monitor(agent_link_t *self, int64_t now_ms)
{
    uint16_t event;
    while (self->probe.mon && (event = s_next_event(self->probe.mon)) != 0)
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            s_return_to_first(self, now_ms);
}

/* With several endpoints: fails over when the one in use is silent, and
 * opens the probe to the first one when due. Returns the milliseconds
 * until it needs to run again. */
static int64_t
s_failover(agent_link_t *self, int64_t now_ms)
{
    if (self->n_endpoints < 2)
        return INT64_MAX;
    s_probe_monitor(self, now_ms);
    size_t next = (self->conn.idx + 1) % self->n_endpoints;
    int64_t fo = self->opts.failover_ms;
    int64_t wait = INT64_MAX;
    if (!self->connected) {
        if (now_ms - self->down_since_ms >= fo)
            s_switch(self, next, now_ms, "is not reachable");
        else
            wait = self->down_since_ms + fo - now_ms;
    } else if (self->nflight > 0) {
        if (now_ms - self->waiting_since_ms >= fo)
            s_switch(self, next, now_ms, "acknowledges nothing");
        else
            wait = self->waiting_since_ms + fo - now_ms;
    }
    if (self->conn.idx != 0 && !self->probe.sock) {
        int64_t due = self->left_first_ms + self->opts.failback_ms - now_ms;
        rl_err_t err;
        if (due > 0) {
            wait = due < wait ? due : wait;
        } else if (s_conn_open(self, 0, &self->probe, &err)) {
            rl_error(self->log_ctx, "%s", err.msg);
            self->left_first_ms = now_ms; /* try again after failback_ms */
        }
    }
    return wait;
}

void
agent_link_farewell(agent_link_t *self)
{
    s_monitor(self, rl_clock_mono_ms());
    if (!self->connected)
        return;
    s_send_status(self, RL_BODY_HEARTBEAT);
    (void)s_setsockopt_int(self->conn.sock, ZMQ_LINGER, 500);
}

int
agent_link_run(agent_link_t *self, int64_t now_ms)
{
    s_monitor(self, now_ms);
    s_receive(self, now_ms);
    int64_t fo_wait = s_failover(self, now_ms);
    if (!self->connected)
        return fo_wait < 1000 ? (int)fo_wait : 1000;
    s_pump(self, now_ms);
    if (now_ms >= self->next_heartbeat_ms) {
        s_send_status(self, RL_BODY_HEARTBEAT);
        self->next_heartbeat_ms = now_ms + self->opts.heartbeat_ms;
    }
    int64_t wait = self->next_heartbeat_ms - now_ms;
    for (size_t i = 0; i < self->nflight; i++) {
        int64_t due = self->flight[i].sent_ms + s_timeout_ms(self, &self->flight[i]) - now_ms;
        if (due < wait)
            wait = due;
    }
    if (fo_wait < wait)
        wait = fo_wait;
    if (wait > 1000)
        wait = 1000;
    return wait < 0 ? 0 : (int)wait;
}
