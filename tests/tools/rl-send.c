/* rl-send: a test-only sender for the collector's integration tests. Reads
 * JSON lines on stdin (one Envelope each, fields named as in the proto,
 * body fields flat beside "kind"), encodes them with the wire module, sends
 * them over a DEALER socket with CurveZMQ using a device key file, and
 * prints every acknowledgement it receives:
 *
 *   ack BOOT SEQ STATUS REASON TEXT
 *
 * Lines may also ask for bad input: {"raw_hex": "..."}, {"raw_random": N}
 * (N random bytes), {"raw_truncate": N, ...message...} (the encoding cut
 * to N bytes), {"pad_bytes": N, ...message...} (an unknown field of N bytes
 * appended), and a string field "hex:..." is sent as those bytes (e.g. text
 * that is not UTF-8). Exits 0 once every message sent was acknowledged (and stdin
 * ended), 1 on timeout. With --resend-ms, unacknowledged messages are sent
 * again, unchanged, like an agent's spool does; --rate paces first sends. A refused CURVE handshake
 * prints "handshake refused". Not installed; not a product. */
#include "ruglab/mem.h"
#include "ruglab/clock.h"
#include "ruglab/wire.h"

#include <czmq.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

typedef struct {
    uint64_t boot_id, seq;
    uint8_t *buf;
    size_t len;
    int64_t sent_ms;
    bool acked;
} s_out_t;

static s_out_t *s_out;
static size_t s_n_out, s_cap_out;
static const char *s_device = "";

static const char *
s_str(json_t *o, const char *key, const char *def)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : def;
}

static double
s_num(json_t *o, const char *key, double def)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : def;
}

static long long
s_int(json_t *o, const char *key, long long def)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

/* Copies a string; "hex:6869ff" gives its bytes as they are (a way to send
 * text that is not UTF-8, which a JSON string cannot hold). */
static void
s_copy(char *dst, size_t size, const char *src)
{
    if (!strncmp(src, "hex:", 4)) {
        size_t n = 0;
        for (const char *h = src + 4; h[0] && h[1] && n + 1 < size; h += 2) {
            unsigned int byte;
            if (sscanf(h, "%2x", &byte) != 1)
                break;
            dst[n++] = (char)byte;
        }
        dst[n] = '\0';
        return;
    }
    snprintf(dst, size, "%s", src);
}

/* The body of each kind, from the JSON line's flat fields (dir: its
 * "direction"). */
static void
s_fill_hello(json_t *o, rl_direction_t dir, rl_msg_t *m)
{
    (void)dir;
    s_copy(m->u.hello.device_model, sizeof m->u.hello.device_model,
           s_str(o, "device_model", "test-model"));
    s_copy(m->u.hello.sender_version, sizeof m->u.hello.sender_version, "rl-send");
    s_copy(m->u.hello.firmware_version, sizeof m->u.hello.firmware_version,
           s_str(o, "firmware_version", ""));
    m->u.hello.spool_depth = (uint64_t)s_int(o, "spool_depth", 0);
}

static void
s_fill_heartbeat(json_t *o, rl_direction_t dir, rl_msg_t *m)
{
    (void)dir;
    m->u.heartbeat.spool_depth = (uint64_t)s_int(o, "spool_depth", 0);
    m->u.heartbeat.spool_bytes = (uint64_t)s_int(o, "spool_bytes", 0);
    m->u.heartbeat.oldest_unacked_s = (uint32_t)s_int(o, "oldest_unacked_s", 0);
}

static void
s_fill_session_start(json_t *o, rl_direction_t dir, rl_msg_t *m)
{
    (void)dir;
    m->u.session_start.kind = rl_session_kind_parse(s_str(o, "session_kind", "training"));
    s_copy(m->u.session_start.operator_code, sizeof m->u.session_start.operator_code,
           s_str(o, "operator_code", ""));
}

static void
s_fill_session_end(json_t *o, rl_direction_t dir, rl_msg_t *m)
{
    (void)dir;
    m->u.session_end.duration_s = (uint32_t)s_int(o, "duration_s", 0);
    m->u.session_end.aborted = json_is_true(json_object_get(o, "aborted"));
}

static void
s_fill_test_result(json_t *o, rl_direction_t dir, rl_msg_t *m)
{
    m->u.test_result.direction = dir;
    m->u.test_result.trial = (uint32_t)s_int(o, "trial", 1);
    m->u.test_result.rom_deg = (float)s_num(o, "rom_deg", 0);
    m->u.test_result.max_torque_nm = (float)s_num(o, "max_torque_nm", 0);
    m->u.test_result.angle_at_max_deg = (float)s_num(o, "angle_at_max_deg", 0);
}

static void
s_fill_training_set(json_t *o, rl_direction_t dir, rl_msg_t *m)
{
    rl_training_set_t *t = &m->u.training_set;
    t->direction = dir;
    t->set_number = (uint32_t)s_int(o, "set_number", 1);
    t->load_nm = (float)s_num(o, "load_nm", 0);
    t->load_pct_of_max = (float)s_num(o, "load_pct_of_max", 0);
    t->repetitions = (uint32_t)s_int(o, "repetitions", 0);
    t->range_min_deg = (float)s_num(o, "range_min_deg", 0);
    t->range_max_deg = (float)s_num(o, "range_max_deg", 0);
    t->time_under_tension_s = (float)s_num(o, "time_under_tension_s", 0);
}

static void
s_fill_sample_batch(json_t *o, rl_direction_t dir, rl_msg_t *m)
{
    json_t *a = json_object_get(o, "angle_deg"), *t = json_object_get(o, "torque_nm");
    size_t n = json_is_array(a) ? json_array_size(a) : (size_t)s_int(o, "samples", 0);
    rl_msg_samples_alloc(m, n);
    rl_sample_batch_t *b = &m->u.sample_batch;
    for (size_t i = 0; i < n; i++) {
        b->angle_deg[i] =
            json_is_array(a) ? (float)json_number_value(json_array_get(a, i)) : (float)(i % 90);
        b->torque_nm[i] = json_is_array(t) ? (float)json_number_value(json_array_get(t, i))
                                           : (float)(i % 500) * 0.25f;
    }
    if (json_is_array(t))
        b->n_torque = json_array_size(t) < n ? json_array_size(t) : n;
    b->direction = dir;
    b->context = rl_sample_context_parse(s_str(o, "context", "test_trial"));
    b->context_number = (uint32_t)s_int(o, "context_number", 1);
    b->sample_rate_hz = (uint32_t)s_int(o, "sample_rate_hz", 100);
    b->first_index = (uint64_t)s_int(o, "first_index", 0);
}

static void
s_fill_questionnaire(json_t *o, rl_direction_t dir, rl_msg_t *m)
{
    (void)dir;
    rl_questionnaire_t *q = &m->u.questionnaire;
    s_copy(q->instrument, sizeof q->instrument, s_str(o, "instrument", ""));
    s_copy(q->version, sizeof q->version, s_str(o, "version", ""));
    s_copy(q->language, sizeof q->language, s_str(o, "language", ""));
    json_t *ans = json_object_get(o, "answers");
    size_t n = json_array_size(ans);
    rl_msg_answers_alloc(m, n < RL_ANSWERS_MAX ? n : RL_ANSWERS_MAX);
    q->n_answers = 0;
    size_t i;
    json_t *v;
    json_array_foreach(ans, i, v)
    {
        if (i >= RL_ANSWERS_MAX)
            break;
        q->answers[i].item = (uint32_t)json_integer_value(json_array_get(v, 0));
        q->answers[i].value = (int32_t)json_integer_value(json_array_get(v, 1));
        if (json_is_string(json_array_get(v, 2)))
            s_copy(q->answers[i].label, sizeof q->answers[i].label,
                   json_string_value(json_array_get(v, 2)));
        q->n_answers = i + 1;
    }
}

/* The kinds a line may ask for. */
static const struct {
    rl_body_kind_t kind;
    void (*fill)(json_t *o, rl_direction_t dir, rl_msg_t *m);
} s_kinds[] = {
    {RL_BODY_HELLO, s_fill_hello},
    {RL_BODY_HEARTBEAT, s_fill_heartbeat},
    {RL_BODY_SESSION_START, s_fill_session_start},
    {RL_BODY_SESSION_END, s_fill_session_end},
    {RL_BODY_TEST_RESULT, s_fill_test_result},
    {RL_BODY_TRAINING_SET, s_fill_training_set},
    {RL_BODY_SAMPLE_BATCH, s_fill_sample_batch},
    {RL_BODY_QUESTIONNAIRE, s_fill_questionnaire},
};

/* Builds the message of one JSON line; returns -1 (message printed) on error. */
static int
s_build(json_t *o, rl_msg_t *m)
{
    rl_msg_init(m);
    m->protocol_version = (uint32_t)s_int(o, "protocol_version", RL_PROTOCOL_VERSION);
    s_copy(m->device_id, sizeof m->device_id, s_str(o, "device_id", s_device));
    m->boot_id = (uint64_t)s_int(o, "boot_id", 1);
    m->seq = (uint64_t)s_int(o, "seq", 0);
    m->taken_at_us =
        s_int(o, "taken_at_us", rl_clock_wall_us() + s_int(o, "taken_offset_s", 0) * 1000000);
    s_copy(m->session_id, sizeof m->session_id, s_str(o, "session_id", ""));
    s_copy(m->patient_token, sizeof m->patient_token, s_str(o, "patient_token", ""));
    const char *kind = s_str(o, "kind", "");
    m->kind = rl_body_kind_parse(kind);
    rl_direction_t dir = RL_DIR_UNSPECIFIED; /* an unknown name is sent as unspecified */
    (void)!rl_direction_parse(s_str(o, "direction", ""), &dir, NULL);

    for (size_t k = 0; k < sizeof s_kinds / sizeof s_kinds[0]; k++) {
        if (s_kinds[k].kind == m->kind) {
            s_kinds[k].fill(o, dir, m);
            return 0;
        }
    }
    fprintf(stderr, "rl-send: unknown kind '%s'\n", kind);
    return -1;
}

static void
s_add_out(uint64_t boot, uint64_t seq, uint8_t *buf, size_t len)
{
    if (s_n_out == s_cap_out) {
        s_cap_out = s_cap_out ? s_cap_out * 2 : 64;
        s_out = rl_realloc(s_out, s_cap_out * sizeof *s_out);
    }
    s_out[s_n_out++] = (s_out_t){boot, seq, buf, len, 0, false};
}

static int
s_line(const char *line)
{
    json_error_t jerr;
    json_t *o = json_loads(line, 0, &jerr);
    if (!o || !json_is_object(o)) {
        fprintf(stderr, "rl-send: not a JSON object: %s\n", line);
        json_decref(o);
        return -1;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = -1;
    const char *hex = s_str(o, "raw_hex", NULL);
    if (hex) {
        len = strlen(hex) / 2;
        buf = rl_malloc(len + 1);
        for (size_t i = 0; i < len; i++)
            sscanf(hex + 2 * i, "%2hhx", &buf[i]);
        s_add_out(0, 0, buf, len);
        rc = 0;
        goto out;
    }
    long long nrand = s_int(o, "raw_random", -1);
    if (nrand >= 0) {
        len = (size_t)nrand;
        buf = rl_malloc(len + 1);
        /* fixed pattern: reproducible, and not a valid Envelope (field 0) */
        buf[0] = 0x07;
        for (size_t i = 1; i < len; i++)
            buf[i] = (uint8_t)(i * 2654435761u >> 13);
        s_add_out(0, 0, buf, len);
        rc = 0;
        goto out;
    }
    rl_msg_t m;
    if (s_build(o, &m) != 0)
        goto out;
    rl_err_t err;
    if (rl_wire_encode(&m, &buf, &len, &err) != 0) {
        fprintf(stderr, "rl-send: %s\n", err.msg);
        rl_msg_clear(&m);
        goto out;
    }
    long long pad = s_int(o, "pad_bytes", -1);
    if (pad > 0) {
        /* an unknown field 99 of pad bytes: a real Envelope made too large */
        buf = rl_realloc(buf, len + 16 + (size_t)pad);
        buf[len++] = 0x9a; /* field 99, length-delimited */
        buf[len++] = 0x06;
        for (unsigned long long v = (unsigned long long)pad;; v >>= 7) {
            buf[len++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
            if (v < 0x80)
                break;
        }
        memset(buf + len, 0, (size_t)pad);
        len += (size_t)pad;
    }
    long long cut = s_int(o, "raw_truncate", -1);
    if (cut >= 0 && (size_t)cut < len) {
        len = (size_t)cut;
        s_add_out(0, 0, buf, len);
    } else {
        s_add_out(m.boot_id, m.seq, buf, len);
    }
    rl_msg_clear(&m);
    rc = 0;
out:
    json_decref(o);
    return rc;
}

/* Never blocks: a message ZeroMQ cannot queue now is tried again later. */
static bool
s_send(void *sock, s_out_t *o)
{
    if (zmq_send(sock, o->buf, o->len, ZMQ_DONTWAIT) < 0)
        return false;
    o->sent_ms = rl_clock_mono_ms();
    return true;
}

static void
s_receive(void *sock)
{
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            return;
        }
        rl_msg_t msg;
        rl_reason_t reason;
        rl_err_t err;
        if (rl_wire_decode(zmq_msg_data(&m), zmq_msg_size(&m), &msg, &reason, &err) != 0 ||
            msg.kind != RL_BODY_ACKS) {
            printf("bad reply: %s\n", err.msg);
        } else {
            for (size_t i = 0; i < msg.u.acks.n_acks; i++) {
                const rl_ack_t *a = &msg.u.acks.acks[i];
                printf("ack %llu %llu %s %s %s\n", (unsigned long long)a->boot_id,
                       (unsigned long long)a->seq, rl_ack_status_name(a->status),
                       rl_reason_name(a->reason), a->text);
                for (size_t j = 0; j < s_n_out; j++) {
                    if (!s_out[j].acked && s_out[j].boot_id == a->boot_id &&
                        s_out[j].seq == a->seq) {
                        s_out[j].acked = true;
                        break;
                    }
                }
            }
        }
        fflush(stdout);
        rl_msg_clear(&msg);
        zmq_msg_close(&m);
    }
}

static void
s_monitor(void *mon)
{
    for (;;) {
        zmq_msg_t ev;
        zmq_msg_init(&ev);
        if (zmq_msg_recv(&ev, mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&ev);
            return;
        }
        uint16_t event = 0;
        if (zmq_msg_size(&ev) >= 2)
            memcpy(&event, zmq_msg_data(&ev), 2);
        bool more = zmq_msg_more(&ev);
        zmq_msg_close(&ev);
        while (more) { /* the endpoint frame */
            zmq_msg_init(&ev);
            zmq_msg_recv(&ev, mon, 0);
            more = zmq_msg_more(&ev);
            zmq_msg_close(&ev);
        }
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            printf("handshake refused\n");
            fflush(stdout);
        }
    }
}

/* The command line. */
typedef struct {
    const char *endpoint, *key, *server;
    long timeout_ms, resend_ms, rate;
} s_opts_t;

/* Returns 0, or the exit code of a usage error (said). */
static int
s_parse_args(int argc, char **argv, s_opts_t *o)
{
    static const struct option opts[] = {
        {"connect", required_argument, NULL, 'c'},    {"key", required_argument, NULL, 'k'},
        {"server-key", required_argument, NULL, 's'}, {"device", required_argument, NULL, 'd'},
        {"timeout-ms", required_argument, NULL, 't'}, {"resend-ms", required_argument, NULL, 'r'},
        {"rate", required_argument, NULL, 'R'},       {NULL, 0, NULL, 0},
    };
    *o = (s_opts_t){.timeout_ms = 10000};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->endpoint = optarg;
            break;
        case 'k':
            o->key = optarg;
            break;
        case 's':
            o->server = optarg;
            break;
        case 'd':
            s_device = optarg;
            break;
        case 't':
            o->timeout_ms = atol(optarg);
            break;
        case 'r':
            o->resend_ms = atol(optarg);
            break;
        case 'R':
            o->rate = atol(optarg);
            break;
        default:
            fprintf(stderr, "usage: rl-send --connect EP --key DEVICE.key --server-key Z85|FILE "
                            "[--device ID] [--timeout-ms N] [--resend-ms N] [--rate MSG_PER_S] < "
                            "lines.jsonl\n");
            return 2;
        }
    }
    if (!o->endpoint || !o->key || !o->server) {
        fprintf(stderr, "rl-send: --connect, --key and --server-key are required\n");
        return 2;
    }
    return 0;
}

/* The DEALER socket in a new context *ctx_p, with the device's key and
 * the server's, connected; *mon_p: the monitor that tells a refused
 * handshake. NULL (said) when a key cannot be loaded or the endpoint is
 * wrong. */
static void *
s_connect(const s_opts_t *o, void **ctx_p, void **mon_p)
{
    zcert_t *cert = zcert_load(o->key);
    if (!cert) {
        fprintf(stderr, "rl-send: cannot load %s\n", o->key);
        return NULL;
    }
    char server_z85[41];
    if (strlen(o->server) == 40) {
        s_copy(server_z85, sizeof server_z85, o->server);
    } else {
        zcert_t *sc = zcert_load(o->server);
        if (!sc) {
            fprintf(stderr, "rl-send: cannot load %s\n", o->server);
            return NULL;
        }
        s_copy(server_z85, sizeof server_z85, zcert_public_txt(sc));
        zcert_destroy(&sc);
    }
    void *ctx = *ctx_p = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_z85, 40);
    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, zcert_public_txt(cert), 40);
    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, zcert_secret_txt(cert), 40);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zcert_destroy(&cert);
    zmq_socket_monitor(sock, "inproc://rl-send-monitor", ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    *mon_p = zmq_socket(ctx, ZMQ_PAIR);
    zmq_connect(*mon_p, "inproc://rl-send-monitor");
    if (zmq_connect(sock, o->endpoint) != 0) {
        fprintf(stderr, "rl-send: cannot connect to %s: %s\n", o->endpoint,
                zmq_strerror(zmq_errno()));
        return NULL;
    }
    return sock;
}

/* Standard input: what is read of a line not yet complete. */
typedef struct {
    char *buf;
    size_t len, cap;
    bool eof;
} s_input_t;

/* Reads what stdin has and queues the message of every complete line. */
static void
s_read_input(s_input_t *in)
{
    if (in->cap - in->len < 65536) {
        in->cap = in->cap * 2 + 65536;
        in->buf = rl_realloc(in->buf, in->cap);
    }
    ssize_t r = read(0, in->buf + in->len, in->cap - in->len - 1);
    if (r <= 0) {
        in->eof = true;
    } else {
        in->len += (size_t)r;
    }
    char *nl;
    while ((nl = memchr(in->buf, '\n', in->len)) != NULL) {
        *nl = '\0';
        if (nl > in->buf)
            s_line(in->buf);
        size_t used = (size_t)(nl - in->buf) + 1;
        memmove(in->buf, nl + 1, in->len - used);
        in->len -= used;
    }
}

/* Sends every line's message and waits for the acknowledgements: 0 when
 * all came (and stdin ended), 1 on timeout. */
static int
s_run(void *sock, void *mon, const s_opts_t *o)
{
    s_input_t in = {0};
    int64_t start = rl_clock_mono_ms(), deadline = start + o->timeout_ms;
    size_t next = 0; /* first message never sent */
    int rc = 1;
    for (;;) {
        size_t unacked = 0;
        for (size_t i = 0; i < s_n_out; i++)
            unacked += !s_out[i].acked;
        if (in.eof && next == s_n_out && unacked == 0) {
            rc = 0;
            break;
        }
        if (rl_clock_mono_ms() >= deadline) {
            printf("timeout: %zu unacknowledged\n", unacked);
            break;
        }
        zmq_pollitem_t items[3] = {
            {sock, 0, ZMQ_POLLIN, 0}, {mon, 0, ZMQ_POLLIN, 0}, {NULL, 0, ZMQ_POLLIN, 0}};
        int n = 2;
        long wait_ms = next < s_n_out ? 5 : 50;
        if (!in.eof) {
            items[2].fd = 0;
            n = 3;
        }
        if (zmq_poll(items, n, wait_ms) < 0 && zmq_errno() != EINTR)
            break;
        if (items[0].revents & ZMQ_POLLIN)
            s_receive(sock);
        if (items[1].revents & ZMQ_POLLIN)
            s_monitor(mon);
        if (n == 3 && (items[2].revents & (ZMQ_POLLIN | ZMQ_POLLERR)))
            s_read_input(&in);
        /* first sends, at most --rate per second */
        while (
            next < s_n_out &&
            (o->rate <= 0 || (int64_t)next < (rl_clock_mono_ms() - start) * o->rate / 1000 + 1) &&
            s_send(sock, &s_out[next]))
            next++;
        if (o->resend_ms > 0)
            for (size_t i = 0; i < next; i++)
                if (!s_out[i].acked && rl_clock_mono_ms() - s_out[i].sent_ms >= o->resend_ms)
                    s_send(sock, &s_out[i]);
    }
    free(in.buf);
    return rc;
}

int
main(int argc, char **argv)
{
    s_opts_t o;
    int rc = s_parse_args(argc, argv, &o);
    if (rc)
        return rc;
    zsys_handler_set(NULL);
    void *ctx = NULL, *mon = NULL;
    void *sock = s_connect(&o, &ctx, &mon);
    if (!sock)
        return 2;
    rc = s_run(sock, mon, &o);
    for (size_t i = 0; i < s_n_out; i++)
        free(s_out[i].buf);
    free(s_out);
    zmq_close(mon);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return rc;
}
