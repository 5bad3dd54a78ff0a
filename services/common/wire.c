/* Encoding and decoding of proto/ruglab.proto Envelopes into rl_msg_t.
 * This is the only file that sees the generated protobuf-c types. Every
 * ruglab__v1__envelope__unpack is paired with __free_unpacked here. */
#include "ruglab/wire.h"

#include "ruglab.pb-c.h"
#include "ruglab/mem.h"
#include "ruglab/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_kind_names[] = {
    "none",        "hello",        "heartbeat",    "session_start", "session_end",
    "test_result", "training_set", "sample_batch", "questionnaire", "acks",
};

static const char *const s_status_names[] = {"unspecified", "accepted", "duplicate", "rejected"};

static const char *const s_reason_names[] = {
    "NONE",          "MALFORMED",       "TOO_LARGE",      "UNSUPPORTED_VERSION",
    "MISSING_FIELD", "OUT_OF_RANGE",    "BAD_TIMESTAMP",  "UNKNOWN_PATIENT",
    "NOT_ENROLLED",  "DEVICE_MISMATCH", "UNKNOWN_DEVICE", "INVALID",
};

static const char *const s_session_kind_names[] = {"unspecified", "training", "test",
                                                   "questionnaire"};
static const char *const s_context_names[] = {"unspecified", "test_trial", "training_set"};

#define S_NAME(table, v)                                                                           \
    (((size_t)(v) < sizeof(table) / sizeof(table)[0]) ? (table)[(v)] : "unspecified")

static int
s_parse_name(const char *const *table, size_t n, const char *name)
{
    for (size_t i = 1; i < n; i++)
        if (strcmp(table[i], name) == 0)
            return (int)i;
    return 0;
}
#define S_PARSE(table, name) s_parse_name((table), sizeof(table) / sizeof(table)[0], (name))

const char *
rl_body_kind_name(rl_body_kind_t kind)
{
    return S_NAME(s_kind_names, kind);
}

rl_body_kind_t
rl_body_kind_parse(const char *name)
{
    return (rl_body_kind_t)S_PARSE(s_kind_names, name);
}

const char *
rl_ack_status_name(rl_ack_status_t status)
{
    return S_NAME(s_status_names, status);
}

const char *
rl_reason_name(rl_reason_t reason)
{
    return S_NAME(s_reason_names, reason);
}

const char *
rl_session_kind_name(rl_session_kind_t kind)
{
    return S_NAME(s_session_kind_names, kind);
}

rl_session_kind_t
rl_session_kind_parse(const char *name)
{
    return (rl_session_kind_t)S_PARSE(s_session_kind_names, name);
}

const char *
rl_sample_context_name(rl_sample_context_t ctx)
{
    return S_NAME(s_context_names, ctx);
}

rl_sample_context_t
rl_sample_context_parse(const char *name)
{
    return (rl_sample_context_t)S_PARSE(s_context_names, name);
}

void
rl_msg_init(rl_msg_t *msg)
{
    memset(msg, 0, sizeof *msg);
    msg->protocol_version = RL_PROTOCOL_VERSION;
}

/* Frees the arrays of msg's body of any kind but `keep`; the body of
 * another kind is emptied and msg becomes a `keep`. Returns whether msg
 * was a `keep` already (its fields kept, its arrays the caller's to
 * replace). */
static bool
s_body_become(rl_msg_t *msg, rl_body_kind_t keep)
{
    if (msg->kind == keep && keep != RL_BODY_NONE)
        return true;
    if (msg->kind == RL_BODY_SAMPLE_BATCH) {
        free(msg->u.sample_batch.angle_deg);
        free(msg->u.sample_batch.torque_nm);
    } else if (msg->kind == RL_BODY_ACKS) {
        free(msg->u.acks.acks);
    } else if (msg->kind == RL_BODY_QUESTIONNAIRE) {
        free(msg->u.questionnaire.answers);
    }
    memset(&msg->u, 0, sizeof msg->u);
    msg->kind = keep;
    return false;
}

void
rl_msg_clear(rl_msg_t *msg)
{
    s_body_become(msg, RL_BODY_NONE);
    memset(msg, 0, sizeof *msg);
}

void
rl_msg_samples_alloc(rl_msg_t *msg, size_t n)
{
    rl_sample_batch_t *b = &msg->u.sample_batch;
    if (s_body_become(msg, RL_BODY_SAMPLE_BATCH)) {
        free(b->angle_deg);
        free(b->torque_nm);
    }
    b->angle_deg = rl_calloc(n, sizeof(float));
    b->torque_nm = rl_calloc(n, sizeof(float));
    b->n_angle = b->n_torque = n;
}

void
rl_msg_acks_alloc(rl_msg_t *msg, size_t n)
{
    if (s_body_become(msg, RL_BODY_ACKS))
        free(msg->u.acks.acks);
    msg->u.acks.acks = rl_calloc(n, sizeof(rl_ack_t));
    msg->u.acks.n_acks = n;
}

void
rl_msg_answers_alloc(rl_msg_t *msg, size_t n)
{
    rl_questionnaire_t *q = &msg->u.questionnaire;
    if (s_body_become(msg, RL_BODY_QUESTIONNAIRE))
        free(q->answers);
    q->answers = rl_calloc(n, sizeof *q->answers);
    q->n_answers = n;
}
/* ------------------------------------------------------------------ encode */

/* protobuf-c wants char*; the strings are only read during packing. */
#define S_STR(s) ((char *)(s))

/* The protobuf-c body of a message being encoded: one of these is filled
 * and pointed to by the Envelope, and lives until it is packed. */
typedef struct {
    Ruglab__V1__Hello hello;
    Ruglab__V1__Heartbeat hb;
    Ruglab__V1__SessionStart ss;
    Ruglab__V1__SessionEnd se;
    Ruglab__V1__TestResult tr;
    Ruglab__V1__TrainingSet ts;
    Ruglab__V1__SampleBatch sb;
    Ruglab__V1__QuestionnaireResponse qr;
    Ruglab__V1__ItemAnswer answers[RL_ANSWERS_MAX];
    Ruglab__V1__ItemAnswer *answer_ptrs[RL_ANSWERS_MAX];
    Ruglab__V1__AckBatch ab;
    Ruglab__V1__Ack *acks; /* allocated: freed once packed */
    Ruglab__V1__Ack **ack_ptrs;
} s_enc_t;

static int
s_enc_hello(const rl_msg_t *msg, s_enc_t *e, Ruglab__V1__Envelope *env, rl_err_t *err)
{
    (void)err;
    ruglab__v1__hello__init(&e->hello);
    e->hello.device_model = S_STR(msg->u.hello.device_model);
    e->hello.firmware_version = S_STR(msg->u.hello.firmware_version);
    e->hello.sender_version = S_STR(msg->u.hello.sender_version);
    e->hello.spool_depth = msg->u.hello.spool_depth;
    env->hello = &e->hello;
    return 0;
}

static int
s_enc_heartbeat(const rl_msg_t *msg, s_enc_t *e, Ruglab__V1__Envelope *env, rl_err_t *err)
{
    (void)err;
    ruglab__v1__heartbeat__init(&e->hb);
    e->hb.spool_depth = msg->u.heartbeat.spool_depth;
    e->hb.spool_bytes = msg->u.heartbeat.spool_bytes;
    e->hb.oldest_unacked_s = msg->u.heartbeat.oldest_unacked_s;
    env->heartbeat = &e->hb;
    return 0;
}

static int
s_enc_session_start(const rl_msg_t *msg, s_enc_t *e, Ruglab__V1__Envelope *env, rl_err_t *err)
{
    (void)err;
    ruglab__v1__session_start__init(&e->ss);
    e->ss.kind = (Ruglab__V1__SessionStart__Kind)msg->u.session_start.kind;
    e->ss.operator_code = S_STR(msg->u.session_start.operator_code);
    env->session_start = &e->ss;
    return 0;
}

static int
s_enc_session_end(const rl_msg_t *msg, s_enc_t *e, Ruglab__V1__Envelope *env, rl_err_t *err)
{
    (void)err;
    ruglab__v1__session_end__init(&e->se);
    e->se.duration_s = msg->u.session_end.duration_s;
    e->se.aborted = msg->u.session_end.aborted;
    env->session_end = &e->se;
    return 0;
}

static int
s_enc_test_result(const rl_msg_t *msg, s_enc_t *e, Ruglab__V1__Envelope *env, rl_err_t *err)
{
    (void)err;
    Ruglab__V1__TestResult *tr = &e->tr;
    ruglab__v1__test_result__init(tr);
    tr->direction = (Ruglab__V1__Direction)msg->u.test_result.direction;
    tr->trial = msg->u.test_result.trial;
    tr->rom_deg = msg->u.test_result.rom_deg;
    tr->max_torque_nm = msg->u.test_result.max_torque_nm;
    tr->angle_at_max_deg = msg->u.test_result.angle_at_max_deg;
    env->test_result = tr;
    return 0;
}

static int
s_enc_training_set(const rl_msg_t *msg, s_enc_t *e, Ruglab__V1__Envelope *env, rl_err_t *err)
{
    (void)err;
    const rl_training_set_t *t = &msg->u.training_set;
    Ruglab__V1__TrainingSet *ts = &e->ts;
    ruglab__v1__training_set__init(ts);
    ts->direction = (Ruglab__V1__Direction)t->direction;
    ts->set_number = t->set_number;
    ts->load_nm = t->load_nm;
    ts->load_pct_of_max = t->load_pct_of_max;
    ts->repetitions = t->repetitions;
    ts->range_min_deg = t->range_min_deg;
    ts->range_max_deg = t->range_max_deg;
    ts->time_under_tension_s = t->time_under_tension_s;
    env->training_set = ts;
    return 0;
}

static int
s_enc_sample_batch(const rl_msg_t *msg, s_enc_t *e, Ruglab__V1__Envelope *env, rl_err_t *err)
{
    (void)err;
    const rl_sample_batch_t *b = &msg->u.sample_batch;
    Ruglab__V1__SampleBatch *sb = &e->sb;
    ruglab__v1__sample_batch__init(sb);
    sb->direction = (Ruglab__V1__Direction)b->direction;
    sb->context = (Ruglab__V1__SampleBatch__Context)b->context;
    sb->context_number = b->context_number;
    sb->sample_rate_hz = b->sample_rate_hz;
    sb->first_index = b->first_index;
    sb->n_angle_deg = b->n_angle;
    sb->angle_deg = b->angle_deg;
    sb->n_torque_nm = b->n_torque;
    sb->torque_nm = b->torque_nm;
    env->sample_batch = sb;
    return 0;
}

static int
s_enc_questionnaire(const rl_msg_t *msg, s_enc_t *e, Ruglab__V1__Envelope *env, rl_err_t *err)
{
    const rl_questionnaire_t *q = &msg->u.questionnaire;
    if (q->n_answers > RL_ANSWERS_MAX)
        return rl_err_set(err, "questionnaire has %zu answers (at most %u)", q->n_answers,
                          RL_ANSWERS_MAX);
    Ruglab__V1__QuestionnaireResponse *qr = &e->qr;
    ruglab__v1__questionnaire_response__init(qr);
    qr->instrument = S_STR(q->instrument);
    qr->version = S_STR(q->version);
    qr->language = S_STR(q->language);
    for (size_t i = 0; i < q->n_answers; i++) {
        ruglab__v1__item_answer__init(&e->answers[i]);
        e->answers[i].item = q->answers[i].item;
        e->answers[i].value = q->answers[i].value;
        e->answers[i].label = S_STR(q->answers[i].label);
        e->answer_ptrs[i] = &e->answers[i];
    }
    qr->n_answers = q->n_answers;
    qr->answers = e->answer_ptrs;
    env->questionnaire = qr;
    return 0;
}

static int
s_enc_acks(const rl_msg_t *msg, s_enc_t *e, Ruglab__V1__Envelope *env, rl_err_t *err)
{
    (void)err;
    const rl_ack_batch_t *a = &msg->u.acks;
    e->acks = rl_calloc(a->n_acks, sizeof *e->acks);
    e->ack_ptrs = rl_calloc(a->n_acks, sizeof *e->ack_ptrs);
    for (size_t i = 0; i < a->n_acks; i++) {
        Ruglab__V1__Ack *o = &e->acks[i];
        ruglab__v1__ack__init(o);
        o->boot_id = a->acks[i].boot_id;
        o->seq = a->acks[i].seq;
        o->status = (Ruglab__V1__Ack__Status)a->acks[i].status;
        o->reason = (Ruglab__V1__Ack__Reason)a->acks[i].reason;
        o->text = S_STR(a->acks[i].text);
        e->ack_ptrs[i] = o;
    }
    ruglab__v1__ack_batch__init(&e->ab);
    e->ab.n_acks = a->n_acks;
    e->ab.acks = e->ack_ptrs;
    env->acks = &e->ab;
    return 0;
}

/* The body kinds that can be encoded: the Envelope's body case for each,
 * and the function that fills that body. */
static const struct {
    rl_body_kind_t kind;
    Ruglab__V1__Envelope__BodyCase body_case;
    int (*encode)(const rl_msg_t *msg, s_enc_t *e, Ruglab__V1__Envelope *env, rl_err_t *err);
} s_encoders[] = {
    {RL_BODY_HELLO, RUGLAB__V1__ENVELOPE__BODY_HELLO, s_enc_hello},
    {RL_BODY_HEARTBEAT, RUGLAB__V1__ENVELOPE__BODY_HEARTBEAT, s_enc_heartbeat},
    {RL_BODY_SESSION_START, RUGLAB__V1__ENVELOPE__BODY_SESSION_START, s_enc_session_start},
    {RL_BODY_SESSION_END, RUGLAB__V1__ENVELOPE__BODY_SESSION_END, s_enc_session_end},
    {RL_BODY_TEST_RESULT, RUGLAB__V1__ENVELOPE__BODY_TEST_RESULT, s_enc_test_result},
    {RL_BODY_TRAINING_SET, RUGLAB__V1__ENVELOPE__BODY_TRAINING_SET, s_enc_training_set},
    {RL_BODY_SAMPLE_BATCH, RUGLAB__V1__ENVELOPE__BODY_SAMPLE_BATCH, s_enc_sample_batch},
    {RL_BODY_QUESTIONNAIRE, RUGLAB__V1__ENVELOPE__BODY_QUESTIONNAIRE, s_enc_questionnaire},
    {RL_BODY_ACKS, RUGLAB__V1__ENVELOPE__BODY_ACKS, s_enc_acks},
};

int
rl_wire_encode(const rl_msg_t *msg, uint8_t **buf_p, size_t *len_p, rl_err_t *err)
{
    Ruglab__V1__Envelope env = RUGLAB__V1__ENVELOPE__INIT;
    s_enc_t e; /* only the body in use is filled */
    e.acks = NULL;
    e.ack_ptrs = NULL;
    int rc = -1;

    env.protocol_version = msg->protocol_version;
    env.device_id = S_STR(msg->device_id);
    env.boot_id = msg->boot_id;
    env.seq = msg->seq;
    env.taken_at_us = msg->taken_at_us;
    env.session_id = S_STR(msg->session_id);
    env.patient_token = S_STR(msg->patient_token);

    size_t k = 0;
    while (k < sizeof s_encoders / sizeof s_encoders[0] && s_encoders[k].kind != msg->kind)
        k++;
    if (k == sizeof s_encoders / sizeof s_encoders[0]) {
        rl_err_set(err, "cannot encode a message without a body");
        goto out;
    }
    if (s_encoders[k].encode(msg, &e, &env, err))
        goto out;
    env.body_case = s_encoders[k].body_case;

    size_t len = ruglab__v1__envelope__get_packed_size(&env);
    uint8_t *buf = rl_malloc(len);
    ruglab__v1__envelope__pack(&env, buf);
    *buf_p = buf;
    *len_p = len;
    rc = 0;
out:
    free(e.acks);
    free(e.ack_ptrs);
    return rc;
}

/* ------------------------------------------------------------------ decode */

typedef struct {
    rl_reason_t *reason;
    rl_err_t *err;
} s_dec_t;

static int
s_fail(s_dec_t *d, rl_reason_t reason, const char *field, const char *why)
{
    *d->reason = reason;
    return rl_err_set(d->err, "%s: %s", field, why);
}

/* Copies an identifier; empty is allowed here (requiredness is validation). */
static int
s_copy_id(s_dec_t *d, char *dst, const char *src, const char *field)
{
    if (!src || !*src) {
        dst[0] = '\0';
        return 0;
    }
    if (!rl_id_valid(src))
        return s_fail(d, RL_REASON_INVALID, field,
                      strlen(src) > RL_ID_MAX ? "longer than 64 bytes"
                                              : "may hold only letters, digits, '.', '_' and '-'");
    strcpy(dst, src);
    return 0;
}

/* Copies free text of at most max bytes: well-formed UTF-8 (protobuf-c
 * does not check it, and PostgreSQL would refuse the whole statement) and
 * no control characters. */
static int
s_copy_text(s_dec_t *d, char *dst, size_t max, const char *src, const char *field)
{
    if (!src) {
        dst[0] = '\0';
        return 0;
    }
    size_t n = strlen(src);
    if (n > max)
        return s_fail(d, RL_REASON_INVALID, field, "text too long");
    size_t bad = rl_text_utf8_error_at(src, n);
    if (bad < n) {
        char why[64];
        snprintf(why, sizeof why, "not valid UTF-8 (byte %zu of %zu)", bad + 1, n);
        return s_fail(d, RL_REASON_INVALID, field, why);
    }
    if (rl_text_control_at(src, n) < n)
        return s_fail(d, RL_REASON_INVALID, field, "text holds control characters");
    memcpy(dst, src, n + 1);
    return 0;
}

/* A base-128 varint at *pos; false when it runs past len or over 10 bytes. */
static bool
s_varint(const uint8_t *buf, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (*pos >= len)
            return false;
        uint8_t b = buf[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

bool
rl_wire_peek_key(const uint8_t *buf, size_t len, uint64_t *boot_id, uint64_t *seq, char *device_id)
{
    size_t pos = 0;
    *boot_id = *seq = 0;
    device_id[0] = '\0';
    while (pos < len) {
        uint64_t tag, v;
        if (!s_varint(buf, len, &pos, &tag))
            break;
        uint64_t field = tag >> 3;
        switch (tag & 7) {
        case 0: /* varint */
            if (!s_varint(buf, len, &pos, &v))
                goto done;
            if (field == 3)
                *boot_id = v;
            else if (field == 4)
                *seq = v;
            break;
        case 1: /* 64-bit */
            if (len - pos < 8)
                goto done;
            pos += 8;
            break;
        case 2: /* length-delimited */
            if (!s_varint(buf, len, &pos, &v) || v > len - pos)
                goto done;
            if (field == 2 && v <= RL_ID_MAX) {
                char id[RL_ID_MAX + 1];
                memcpy(id, buf + pos, (size_t)v);
                id[v] = '\0';
                if (strlen(id) == v && rl_id_valid(id))
                    memcpy(device_id, id, (size_t)v + 1);
            }
            pos += (size_t)v;
            break;
        case 5: /* 32-bit */
            if (len - pos < 4)
                goto done;
            pos += 4;
            break;
        default:
            goto done;
        }
    }
done:
    return *boot_id != 0 && *seq != 0;
}

static int
s_dec_hello(const Ruglab__V1__Envelope *env, rl_msg_t *msg, s_dec_t *d)
{
    rl_hello_t *h = &msg->u.hello;
    msg->kind = RL_BODY_HELLO;
    if (s_copy_text(d, h->device_model, RL_ID_MAX, env->hello->device_model,
                    "hello.device_model") ||
        s_copy_text(d, h->firmware_version, RL_ID_MAX, env->hello->firmware_version,
                    "hello.firmware_version") ||
        s_copy_text(d, h->sender_version, RL_ID_MAX, env->hello->sender_version,
                    "hello.sender_version"))
        return -1;
    h->spool_depth = env->hello->spool_depth;
    return 0;
}

static int
s_dec_heartbeat(const Ruglab__V1__Envelope *env, rl_msg_t *msg, s_dec_t *d)
{
    (void)d;
    msg->kind = RL_BODY_HEARTBEAT;
    msg->u.heartbeat.spool_depth = env->heartbeat->spool_depth;
    msg->u.heartbeat.spool_bytes = env->heartbeat->spool_bytes;
    msg->u.heartbeat.oldest_unacked_s = env->heartbeat->oldest_unacked_s;
    return 0;
}

static int
s_dec_session_start(const Ruglab__V1__Envelope *env, rl_msg_t *msg, s_dec_t *d)
{
    msg->kind = RL_BODY_SESSION_START;
    msg->u.session_start.kind = (rl_session_kind_t)env->session_start->kind;
    return s_copy_id(d, msg->u.session_start.operator_code, env->session_start->operator_code,
                     "session_start.operator_code");
}

static int
s_dec_session_end(const Ruglab__V1__Envelope *env, rl_msg_t *msg, s_dec_t *d)
{
    (void)d;
    msg->kind = RL_BODY_SESSION_END;
    msg->u.session_end.duration_s = env->session_end->duration_s;
    msg->u.session_end.aborted = env->session_end->aborted;
    return 0;
}

static int
s_dec_test_result(const Ruglab__V1__Envelope *env, rl_msg_t *msg, s_dec_t *d)
{
    (void)d;
    rl_test_result_t *t = &msg->u.test_result;
    msg->kind = RL_BODY_TEST_RESULT;
    t->direction = (rl_direction_t)env->test_result->direction;
    t->trial = env->test_result->trial;
    t->rom_deg = env->test_result->rom_deg;
    t->max_torque_nm = env->test_result->max_torque_nm;
    t->angle_at_max_deg = env->test_result->angle_at_max_deg;
    return 0;
}

static int
s_dec_training_set(const Ruglab__V1__Envelope *env, rl_msg_t *msg, s_dec_t *d)
{
    (void)d;
    rl_training_set_t *t = &msg->u.training_set;
    const Ruglab__V1__TrainingSet *s = env->training_set;
    msg->kind = RL_BODY_TRAINING_SET;
    t->direction = (rl_direction_t)s->direction;
    t->set_number = s->set_number;
    t->load_nm = s->load_nm;
    t->load_pct_of_max = s->load_pct_of_max;
    t->repetitions = s->repetitions;
    t->range_min_deg = s->range_min_deg;
    t->range_max_deg = s->range_max_deg;
    t->time_under_tension_s = s->time_under_tension_s;
    return 0;
}

static int
s_dec_sample_batch(const Ruglab__V1__Envelope *env, rl_msg_t *msg, s_dec_t *d)
{
    const Ruglab__V1__SampleBatch *s = env->sample_batch;
    if (s->n_angle_deg > RL_SAMPLES_MAX || s->n_torque_nm > RL_SAMPLES_MAX)
        return s_fail(d, RL_REASON_OUT_OF_RANGE, "sample_batch", "more than 10000 samples");
    msg->kind = RL_BODY_SAMPLE_BATCH;
    rl_sample_batch_t *b = &msg->u.sample_batch;
    b->direction = (rl_direction_t)s->direction;
    b->context = (rl_sample_context_t)s->context;
    b->context_number = s->context_number;
    b->sample_rate_hz = s->sample_rate_hz;
    b->first_index = s->first_index;
    b->n_angle = s->n_angle_deg;
    b->n_torque = s->n_torque_nm;
    b->angle_deg = rl_calloc(b->n_angle, sizeof(float));
    b->torque_nm = rl_calloc(b->n_torque, sizeof(float));
    if (b->n_angle)
        memcpy(b->angle_deg, s->angle_deg, b->n_angle * sizeof(float));
    if (b->n_torque)
        memcpy(b->torque_nm, s->torque_nm, b->n_torque * sizeof(float));
    return 0;
}

static int
s_dec_questionnaire(const Ruglab__V1__Envelope *env, rl_msg_t *msg, s_dec_t *d)
{
    const Ruglab__V1__QuestionnaireResponse *q = env->questionnaire;
    rl_questionnaire_t *o = &msg->u.questionnaire;
    msg->kind = RL_BODY_QUESTIONNAIRE;
    if (q->n_answers > RL_ANSWERS_MAX)
        return s_fail(d, RL_REASON_INVALID, "questionnaire.answers", "more than 64 answers");
    if (s_copy_id(d, o->instrument, q->instrument, "questionnaire.instrument") ||
        s_copy_id(d, o->version, q->version, "questionnaire.version") ||
        s_copy_id(d, o->language, q->language, "questionnaire.language"))
        return -1;
    rl_msg_answers_alloc(msg, q->n_answers);
    for (size_t i = 0; i < q->n_answers; i++) {
        o->answers[i].item = q->answers[i]->item;
        o->answers[i].value = q->answers[i]->value;
        if (s_copy_text(d, o->answers[i].label, RL_TEXT_MAX, q->answers[i]->label,
                        "questionnaire.answers.label"))
            return -1;
    }
    return 0;
}

static int
s_dec_acks(const Ruglab__V1__Envelope *env, rl_msg_t *msg, s_dec_t *d)
{
    (void)d;
    const Ruglab__V1__AckBatch *a = env->acks;
    rl_msg_acks_alloc(msg, a->n_acks);
    for (size_t i = 0; i < a->n_acks; i++) {
        rl_ack_t *o = &msg->u.acks.acks[i];
        o->boot_id = a->acks[i]->boot_id;
        o->seq = a->acks[i]->seq;
        o->status = (rl_ack_status_t)a->acks[i]->status;
        o->reason = (rl_reason_t)a->acks[i]->reason;
        /* Ack text comes from our own collector; truncate rather than refuse. */
        snprintf(o->text, sizeof o->text, "%s", a->acks[i]->text ? a->acks[i]->text : "");
    }
    return 0;
}

/* The Envelope bodies this side knows, and the function that reads each
 * into the message (setting msg->kind). */
static const struct {
    Ruglab__V1__Envelope__BodyCase body_case;
    int (*decode)(const Ruglab__V1__Envelope *env, rl_msg_t *msg, s_dec_t *d);
} s_decoders[] = {
    {RUGLAB__V1__ENVELOPE__BODY_HELLO, s_dec_hello},
    {RUGLAB__V1__ENVELOPE__BODY_HEARTBEAT, s_dec_heartbeat},
    {RUGLAB__V1__ENVELOPE__BODY_SESSION_START, s_dec_session_start},
    {RUGLAB__V1__ENVELOPE__BODY_SESSION_END, s_dec_session_end},
    {RUGLAB__V1__ENVELOPE__BODY_TEST_RESULT, s_dec_test_result},
    {RUGLAB__V1__ENVELOPE__BODY_TRAINING_SET, s_dec_training_set},
    {RUGLAB__V1__ENVELOPE__BODY_SAMPLE_BATCH, s_dec_sample_batch},
    {RUGLAB__V1__ENVELOPE__BODY_QUESTIONNAIRE, s_dec_questionnaire},
    {RUGLAB__V1__ENVELOPE__BODY_ACKS, s_dec_acks},
};

int
rl_wire_decode(const uint8_t *buf, size_t len, rl_msg_t *msg, rl_reason_t *reason, rl_err_t *err)
{
    s_dec_t d = {reason, err};
    rl_msg_init(msg);
    *reason = RL_REASON_NONE;
    if (len > RL_WIRE_MAX_MESSAGE) {
        *reason = RL_REASON_TOO_LARGE;
        return rl_err_set(err, "message of %zu bytes exceeds the limit of %u bytes", len,
                          RL_WIRE_MAX_MESSAGE);
    }
    Ruglab__V1__Envelope *env = ruglab__v1__envelope__unpack(NULL, len, buf);
    if (!env) {
        *reason = RL_REASON_MALFORMED;
        return rl_err_set(err, "not a decodable ruglab Envelope (%zu bytes)", len);
    }
    int rc = -1;
    msg->protocol_version = env->protocol_version;
    msg->boot_id = env->boot_id;
    msg->seq = env->seq;
    msg->taken_at_us = env->taken_at_us;
    if (s_copy_id(&d, msg->device_id, env->device_id, "device_id") ||
        s_copy_id(&d, msg->session_id, env->session_id, "session_id") ||
        s_copy_id(&d, msg->patient_token, env->patient_token, "patient_token"))
        goto out;
    size_t k = 0;
    while (k < sizeof s_decoders / sizeof s_decoders[0] &&
           s_decoders[k].body_case != env->body_case)
        k++;
    if (k == sizeof s_decoders / sizeof s_decoders[0]) {
        s_fail(&d, RL_REASON_MISSING_FIELD, "body",
               "the Envelope carries no body, or one this collector does not know");
        goto out;
    }
    rc = s_decoders[k].decode(env, msg, &d) ? -1 : 0;
out:
    ruglab__v1__envelope__free_unpacked(env, NULL);
    return rc;
}
