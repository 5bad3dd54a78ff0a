/* The binary COPY of a resolved batch (see collector_copy.h).
 *
 * Every value is the one the per-message statement would store: the same
 * columns, taken_at as microseconds since 2000-01-01 (PostgreSQL's epoch)
 * from the message's microseconds since 1970, reals as the float bits
 * (the statement's "%.9g" text reads back to the same float), and an
 * integer that the statement's cast would refuse (above the column's
 * range) makes collector_copy_add refuse the item instead of wrapping. */
#include "collector_copy.h"

#include "ruglab/domain.h"
#include "ruglab/mem.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Microseconds between 1970-01-01 and 2000-01-01. */
#define S_PG_EPOCH_US 946684800000000LL
/* timestamptz's range in microseconds since 1970, a little inside it:
 * 4713 BC to 294276 AD. */
#define S_TS_MIN_US (-210000000000000000LL)
#define S_TS_MAX_US (9200000000000000000LL)
/* The int2 type's oid (array element type in the binary array format). */
#define S_INT2_OID 21

const char *const collector_copy_sql[COLLECTOR_COPY_NTABLES] = {
    "COPY meas.message_key (device_id, boot_id, seq, stored_in) FROM STDIN (FORMAT binary)",
    "COPY meas.test_trial (device_id, boot_id, seq, taken_at, session_id, enrolment_id,"
    " direction, trial, rom_deg, max_torque_nm, angle_at_max_deg) FROM STDIN (FORMAT binary)",
    "COPY meas.training_set (device_id, boot_id, seq, taken_at, session_id, enrolment_id,"
    " direction, set_number, load_nm, load_pct_of_max, repetitions, range_min_deg,"
    " range_max_deg, time_under_tension_s) FROM STDIN (FORMAT binary)",
    "COPY meas.sample_batch (device_id, boot_id, seq, taken_at, session_id, enrolment_id,"
    " direction, context, context_number, sample_rate_hz, first_index, angle_ddeg, torque_dnm)"
    " FROM STDIN (FORMAT binary)",
    "COPY meas.session_event (device_id, boot_id, seq, taken_at, session_id, enrolment_id,"
    " event, kind, operator_code, duration_s, aborted) FROM STDIN (FORMAT binary)",
};

/* The table name each key row records in stored_in. */
static const char *const s_stored_in[COLLECTOR_COPY_NTABLES] = {
    NULL, "test_trial", "training_set", "sample_batch", "session_event",
};

/* ------------------------------------------------------------ buffer */

static void
s_put(collector_copy_buf_t *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 > 4096 ? (b->len + n) * 2 : 4096;
        b->data = rl_realloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void
s_u16(collector_copy_buf_t *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    s_put(b, x, 2);
}

static void
s_u32(collector_copy_buf_t *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    s_put(b, x, 4);
}

static void
s_u64(collector_copy_buf_t *b, uint64_t v)
{
    s_u32(b, (uint32_t)(v >> 32));
    s_u32(b, (uint32_t)v);
}

/* A row starts with its number of fields; the buffer with the signature,
 * flags and header extension. */
static void
s_row(collector_copy_buf_t *b, uint16_t fields)
{
    static const uint8_t sig[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0};
    if (b->len == 0) {
        s_put(b, sig, sizeof sig);
        s_u32(b, 0);
        s_u32(b, 0);
    }
    s_u16(b, fields);
    b->rows++;
}

static void
s_null(collector_copy_buf_t *b)
{
    s_u32(b, UINT32_MAX); /* -1 */
}

static void
s_text(collector_copy_buf_t *b, const char *s)
{
    size_t n = strlen(s);
    s_u32(b, (uint32_t)n);
    s_put(b, s, n);
}

static void
s_int8(collector_copy_buf_t *b, int64_t v)
{
    s_u32(b, 8);
    s_u64(b, (uint64_t)v);
}

static void
s_int4(collector_copy_buf_t *b, int32_t v)
{
    s_u32(b, 4);
    s_u32(b, (uint32_t)v);
}

static void
s_int2(collector_copy_buf_t *b, int16_t v)
{
    s_u32(b, 2);
    s_u16(b, (uint16_t)v);
}

static void
s_float4(collector_copy_buf_t *b, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    s_u32(b, 4);
    s_u32(b, bits);
}

static void
s_bool(collector_copy_buf_t *b, bool v)
{
    uint8_t x = v ? 1 : 0;
    s_u32(b, 1);
    s_put(b, &x, 1);
}

/* A one-dimensional smallint[] (an empty one has no dimension). */
static void
s_int2_array(collector_copy_buf_t *b, const int16_t *v, size_t n)
{
    if (n == 0) {
        s_u32(b, 12);
        s_u32(b, 0); /* dimensions */
        s_u32(b, 0); /* no NULLs */
        s_u32(b, S_INT2_OID);
        return;
    }
    s_u32(b, (uint32_t)(20 + 6 * n));
    s_u32(b, 1);
    s_u32(b, 0);
    s_u32(b, S_INT2_OID);
    s_u32(b, (uint32_t)n);
    s_u32(b, 1); /* lower bound */
    for (size_t i = 0; i < n; i++) {
        s_u32(b, 2);
        s_u16(b, (uint16_t)v[i]);
    }
}

/* ------------------------------------------------------------ rows */

static bool
s_fits_int2(uint64_t v)
{
    return v <= INT16_MAX;
}

static bool
s_fits_int4(uint64_t v)
{
    return v <= INT32_MAX;
}

static collector_copy_table_t
s_table_of(rl_body_kind_t kind)
{
    switch (kind) {
    case RL_BODY_TEST_RESULT:
        return COLLECTOR_COPY_TEST_TRIAL;
    case RL_BODY_TRAINING_SET:
        return COLLECTOR_COPY_TRAINING_SET;
    case RL_BODY_SAMPLE_BATCH:
        return COLLECTOR_COPY_SAMPLE_BATCH;
    case RL_BODY_SESSION_START:
    case RL_BODY_SESSION_END:
        return COLLECTOR_COPY_SESSION_EVENT;
    default:
        return COLLECTOR_COPY_KEY; /* not by COPY */
    }
}

bool
collector_copy_takes(const collector_item_t *it)
{
    return it->resolved.action == COLLECTOR_ITEM_MEASUREMENT &&
           s_table_of(it->msg.kind) != COLLECTOR_COPY_KEY;
}

/* What every measurement row starts with, and whether they fit. */
static bool
s_header_fits(const rl_msg_t *m)
{
    return m->boot_id <= (uint64_t)INT64_MAX && m->seq <= (uint64_t)INT64_MAX &&
           m->taken_at_us >= S_TS_MIN_US && m->taken_at_us <= S_TS_MAX_US;
}

static void
s_header(collector_copy_buf_t *b, const collector_item_t *it, uint16_t fields)
{
    const rl_msg_t *m = &it->msg;
    s_row(b, fields);
    s_text(b, m->device_id);
    s_int8(b, (int64_t)m->boot_id);
    s_int8(b, (int64_t)m->seq);
    s_int8(b, m->taken_at_us - S_PG_EPOCH_US);
    s_text(b, m->session_id);
    s_int8(b, it->resolved.enrolment_id);
}

static bool
s_test_trial(collector_copy_buf_t *b, const collector_item_t *it)
{
    const rl_test_result_t *t = &it->msg.u.test_result;
    const char *dir = rl_direction_name(t->direction);
    if (!dir || !s_fits_int2(t->trial))
        return false;
    s_header(b, it, 11);
    s_text(b, dir);
    s_int2(b, (int16_t)t->trial);
    s_float4(b, t->rom_deg);
    s_float4(b, t->max_torque_nm);
    s_float4(b, t->angle_at_max_deg);
    return true;
}

static bool
s_training_set(collector_copy_buf_t *b, const collector_item_t *it)
{
    const rl_training_set_t *t = &it->msg.u.training_set;
    const char *dir = rl_direction_name(t->direction);
    if (!dir || !s_fits_int2(t->set_number) || !s_fits_int2(t->repetitions))
        return false;
    s_header(b, it, 14);
    s_text(b, dir);
    s_int2(b, (int16_t)t->set_number);
    s_float4(b, t->load_nm);
    if (t->load_pct_of_max > 0) /* 0 means the device does not know it (proto) */
        s_float4(b, t->load_pct_of_max);
    else
        s_null(b);
    s_int2(b, (int16_t)t->repetitions);
    s_float4(b, t->range_min_deg);
    s_float4(b, t->range_max_deg);
    s_float4(b, t->time_under_tension_s);
    return true;
}

static bool
s_sample_batch(collector_copy_buf_t *b, const collector_item_t *it)
{
    const rl_sample_batch_t *s = &it->msg.u.sample_batch;
    const char *dir = rl_direction_name(s->direction);
    const char *ctx = rl_sample_context_name(s->context);
    if (!dir || !ctx || !s_fits_int4(s->context_number) || !s_fits_int4(s->sample_rate_hz) ||
        s->first_index > (uint64_t)INT64_MAX || !it->resolved.angle_ddeg ||
        !it->resolved.torque_dnm)
        return false;
    s_header(b, it, 13);
    s_text(b, dir);
    s_text(b, ctx);
    s_int4(b, (int32_t)s->context_number);
    s_int4(b, (int32_t)s->sample_rate_hz);
    s_int8(b, (int64_t)s->first_index);
    s_int2_array(b, it->resolved.angle_ddeg, s->n_angle);
    s_int2_array(b, it->resolved.torque_dnm, s->n_torque);
    return true;
}

static bool
s_session_event(collector_copy_buf_t *b, const collector_item_t *it)
{
    const rl_msg_t *m = &it->msg;
    if (m->kind == RL_BODY_SESSION_START) {
        const char *kind = rl_session_kind_name(m->u.session_start.kind);
        if (!kind)
            return false;
        s_header(b, it, 11);
        s_text(b, "start");
        s_text(b, kind);
        if (m->u.session_start.operator_code[0])
            s_text(b, m->u.session_start.operator_code);
        else
            s_null(b);
        s_null(b);
        s_null(b);
        return true;
    }
    if (!s_fits_int4(m->u.session_end.duration_s))
        return false;
    s_header(b, it, 11);
    s_text(b, "end");
    s_null(b);
    s_null(b);
    s_int4(b, (int32_t)m->u.session_end.duration_s);
    s_bool(b, m->u.session_end.aborted);
    return true;
}

bool
collector_copy_add(collector_copy_t *c, const collector_item_t *it)
{
    collector_copy_table_t t = s_table_of(it->msg.kind);
    if (!collector_copy_takes(it) || !s_header_fits(&it->msg))
        return false;
    collector_copy_buf_t *b = &c->t[t];
    bool ok = false;
    switch (t) {
    case COLLECTOR_COPY_TEST_TRIAL:
        ok = s_test_trial(b, it);
        break;
    case COLLECTOR_COPY_TRAINING_SET:
        ok = s_training_set(b, it);
        break;
    case COLLECTOR_COPY_SAMPLE_BATCH:
        ok = s_sample_batch(b, it);
        break;
    case COLLECTOR_COPY_SESSION_EVENT:
        ok = s_session_event(b, it);
        break;
    default:
        break;
    }
    if (!ok)
        return false;
    collector_copy_buf_t *k = &c->t[COLLECTOR_COPY_KEY];
    s_row(k, 4);
    s_text(k, it->msg.device_id);
    s_int8(k, (int64_t)it->msg.boot_id);
    s_int8(k, (int64_t)it->msg.seq);
    s_text(k, s_stored_in[t]);
    return true;
}

void
collector_copy_finish(collector_copy_t *c)
{
    for (int t = 0; t < COLLECTOR_COPY_NTABLES; t++)
        if (c->t[t].rows)
            s_u16(&c->t[t], UINT16_MAX); /* -1: the end of the data */
}

void
collector_copy_reset(collector_copy_t *c)
{
    for (int t = 0; t < COLLECTOR_COPY_NTABLES; t++) {
        c->t[t].len = 0;
        c->t[t].rows = 0;
    }
}

void
collector_copy_free(collector_copy_t *c)
{
    for (int t = 0; t < COLLECTOR_COPY_NTABLES; t++)
        free(c->t[t].data);
    memset(c, 0, sizeof *c);
}
