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

struct agent_link {
    agent_link_opts_t opts; /* strings below are owned copies */
    char *endpoint, *device_id, *device_model, *firmware_version, *log_ctx;
    agent_spool_t *spool;
    void *ctx;
    void *sock;
    void *mon;
    bool connected;
    uint64_t cursor;    /* highest seq sent since the last (re)connection */
    uint64_t max_sent;  /* highest seq ever sent: anything below is a resend */
    s_flight_t *flight; /* in the order sent */
    size_t nflight;
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

agent_link_t *
agent_link_new(const agent_link_opts_t *opts, agent_spool_t *spool, rl_err_t *err)
{
    agent_link_t *self = rl_calloc(1, sizeof *self);
    self->opts = *opts;
    self->endpoint = rl_strdup(opts->endpoint);
    self->device_id = rl_strdup(opts->device_id);
    self->device_model = rl_strdup(opts->device_model ? opts->device_model : "");
    self->firmware_version = rl_strdup(opts->firmware_version ? opts->firmware_version : "");
    self->log_ctx = opts->log_ctx ? rl_strdup(opts->log_ctx) : NULL;
    self->spool = spool;
    self->flight = rl_calloc((size_t)opts->window, sizeof *self->flight);
    self->ctx = zmq_ctx_new();
    self->sock = zmq_socket(self->ctx, ZMQ_DEALER);
    if (!self->sock)
        goto zfail;
    if (s_setsockopt_int(self->sock, ZMQ_LINGER, 0) ||
        s_setsockopt_int(self->sock, ZMQ_IMMEDIATE, 1) ||
        s_setsockopt_int(self->sock, ZMQ_RECONNECT_IVL, opts->reconnect_ivl_ms) ||
        s_setsockopt_int(self->sock, ZMQ_RECONNECT_IVL_MAX, opts->reconnect_ivl_max_ms) ||
        s_setsockopt_int(self->sock, ZMQ_SNDHWM, opts->window + 64) ||
        /* ZMTP heartbeats find a collector that vanished without closing. */
        s_setsockopt_int(self->sock, ZMQ_HEARTBEAT_IVL, opts->heartbeat_ms) ||
        s_setsockopt_int(self->sock, ZMQ_HEARTBEAT_TIMEOUT, 3 * opts->heartbeat_ms))
        goto zfail;
    if (opts->curve) {
        if (zmq_setsockopt(self->sock, ZMQ_CURVE_SERVERKEY, opts->server_key, 40) ||
            zmq_setsockopt(self->sock, ZMQ_CURVE_PUBLICKEY, opts->public_key, 40) ||
            zmq_setsockopt(self->sock, ZMQ_CURVE_SECRETKEY, opts->secret_key, 40))
            goto zfail;
    }
    char mon_ep[64];
    snprintf(mon_ep, sizeof mon_ep, "inproc://agent-link-monitor-%p", (void *)self);
    if (zmq_socket_monitor(self->sock, mon_ep, S_MONITOR_EVENTS))
        goto zfail;
    self->mon = zmq_socket(self->ctx, ZMQ_PAIR);
    if (!self->mon || zmq_connect(self->mon, mon_ep))
        goto zfail;
    if (zmq_connect(self->sock, opts->endpoint)) {
        rl_err_set(err, "cannot connect to collector %s: %s", opts->endpoint,
                   zmq_strerror(zmq_errno()));
        agent_link_destroy(&self);
        return NULL;
    }
    return self;
zfail:
    rl_err_set(err, "cannot set up the ZeroMQ socket: %s", zmq_strerror(zmq_errno()));
    agent_link_destroy(&self);
    return NULL;
}

void
agent_link_destroy(agent_link_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    agent_link_t *self = *self_p;
    if (self->sock)
        zmq_socket_monitor(self->sock, NULL, 0);
    if (self->mon)
        zmq_close(self->mon);
    if (self->sock)
        zmq_close(self->sock);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    free(self->flight);
    free(self->endpoint);
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
    items[0] = (zmq_pollitem_t){.socket = self->sock, .events = ZMQ_POLLIN};
    items[1] = (zmq_pollitem_t){.socket = self->mon, .events = ZMQ_POLLIN};
    return 2;
}

bool
agent_link_connected(const agent_link_t *self)
{
    return self->connected;
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
    if (zmq_send(self->sock, buf, len, ZMQ_DONTWAIT) >= 0)
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
    memmove(&self->flight[i], &self->flight[i + 1], (self->nflight - i - 1) * sizeof *self->flight);
    self->nflight--;
}

/* After a (re)connection everything unacknowledged goes out again, oldest first. */
static void
s_restart_window(agent_link_t *self)
{
    self->nflight = 0;
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
        self->cursor = rec.seq;
        if (rc < 0)
            continue;
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
s_handle_acks(agent_link_t *self, const rl_msg_t *m)
{
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
s_receive(agent_link_t *self)
{
    for (;;) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, self->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frame);
            return;
        }
        rl_msg_t m;
        rl_reason_t reason;
        rl_err_t err;
        if (rl_wire_decode(zmq_msg_data(&frame), zmq_msg_size(&frame), &m, &reason, &err)) {
            rl_warn(self->log_ctx, "undecodable message from the collector ignored: %s", err.msg);
        } else if (m.kind == RL_BODY_ACKS) {
            s_handle_acks(self, &m);
        } else {
            rl_debug(self->log_ctx, "%s from the collector ignored", rl_body_kind_name(m.kind));
        }
        rl_msg_clear(&m);
        zmq_msg_close(&frame);
    }
}

static void
s_monitor(agent_link_t *self, int64_t now_ms)
{
    for (;;) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, self->mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frame);
            return;
        }
        uint16_t event = 0;
        if (zmq_msg_size(&frame) >= 6)
            memcpy(&event, zmq_msg_data(&frame), 2);
        bool more = zmq_msg_more(&frame);
        zmq_msg_close(&frame);
        while (more) { /* the endpoint frame */
            zmq_msg_init(&frame);
            if (zmq_msg_recv(&frame, self->mon, 0) < 0) {
                zmq_msg_close(&frame);
                break;
            }
            more = zmq_msg_more(&frame);
            zmq_msg_close(&frame);
        }
        switch (event) {
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            self->connected = true;
            self->stats.connects++;
            rl_info(self->log_ctx, "connected to collector %s; %zu message(s) to send",
                    self->endpoint, agent_spool_depth(self->spool));
            s_restart_window(self);
            s_send_status(self, RL_BODY_HELLO);
            self->next_heartbeat_ms = now_ms + self->opts.heartbeat_ms;
            break;
        case ZMQ_EVENT_DISCONNECTED:
            if (self->connected)
                rl_warn(self->log_ctx,
                        "lost the connection to collector %s; %zu unacknowledged message(s) "
                        "will be sent again after reconnecting",
                        self->endpoint, agent_spool_depth(self->spool));
            self->connected = false;
            s_restart_window(self);
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            self->connected = false;
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

void
agent_link_farewell(agent_link_t *self)
{
    s_monitor(self, rl_clock_mono_ms());
    if (!self->connected)
        return;
    s_send_status(self, RL_BODY_HEARTBEAT);
    (void)s_setsockopt_int(self->sock, ZMQ_LINGER, 500);
}

int
agent_link_run(agent_link_t *self, int64_t now_ms)
{
    s_monitor(self, now_ms);
    s_receive(self);
    if (!self->connected)
        return 1000;
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
    if (wait > 1000)
        wait = 1000;
    return wait < 0 ? 0 : (int)wait;
}
