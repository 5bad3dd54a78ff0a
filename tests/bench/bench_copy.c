/* The ingest baseline of `make bench`: a minimal libpq program that loads
 * rows with COPY ... FROM STDIN (FORMAT binary), the fastest way
 * PostgreSQL takes rows, with no network hop, no spool, no validation and
 * no deduplication. Modes, in the cluster the pipeline writes to:
 *
 *   replay GROUP DEVICE=FILE...
 *          exactly the rows ruglab-collector would store for the devices'
 *          dry runs (bench_load.h): each message's key in meas.message_key
 *          and its row in meas.test_trial, training_set, sample_batch,
 *          session_event or questionnaire_response, with the values the
 *          collector computes (the samples in tenths, the questionnaire's
 *          instrument code and score, the enrolment behind the token),
 *          into the same tables with their indexes and triggers. The
 *          devices' messages are interleaved one by one, as the collector
 *          receives them from agents sending at once, and loaded GROUP
 *          messages per transaction (one COPY per table holding rows of
 *          the group, then COMMIT), or all in one transaction (GROUP 0).
 *          The JSON is parsed and the rows encoded before the clock starts.
 *   batch SAMPLES
 *          synthetic 100-sample batches into meas.sample_batch alone
 *   row SAMPLES
 *          one row per sample (bench.sample_row), the layout ruglab chose
 *          not to use; with `batch`, shows what the storage decision buys
 *
 * usage: bench_copy CONNINFO replay GROUP DEVICE=FILE...
 *        bench_copy CONNINFO batch|row SAMPLES
 * Prints "samples=N seconds=S samples_per_s=R" on stdout (replay: also
 * messages= and transactions=). */
#include "../../services/collector/collector_validate.h"
#include "bench_load.h"

#include <jansson.h>
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_BATCH 100
/* Microseconds between 1970-01-01 and 2000-01-01 (PostgreSQL's epoch). */
#define S_PG_EPOCH_US 946684800000000LL

typedef struct {
    char *buf;
    size_t len, cap;
} s_buf_t;

static void
s_put(s_buf_t *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->buf = realloc(b->buf, b->cap);
        if (!b->buf)
            abort();
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

static void
s_i16(s_buf_t *b, int16_t v)
{
    uint16_t x = htons((uint16_t)v);
    s_put(b, &x, 2);
}

static void
s_i32(s_buf_t *b, int32_t v)
{
    uint32_t x = htonl((uint32_t)v);
    s_put(b, &x, 4);
}

static void
s_i64(s_buf_t *b, int64_t v)
{
    s_i32(b, (int32_t)(uint32_t)((uint64_t)v >> 32));
    s_i32(b, (int32_t)(uint32_t)((uint64_t)v & 0xffffffffu));
}

static void
s_field_i64(s_buf_t *b, int64_t v)
{
    s_i32(b, 8);
    s_i64(b, v);
}

static void
s_field_i32(s_buf_t *b, int32_t v)
{
    s_i32(b, 4);
    s_i32(b, v);
}

static void
s_field_i16(s_buf_t *b, int16_t v)
{
    s_i32(b, 2);
    s_i16(b, v);
}

static void
s_field_text(s_buf_t *b, const char *s)
{
    s_i32(b, (int32_t)strlen(s));
    s_put(b, s, strlen(s));
}

static void
s_field_i16_array(s_buf_t *b, const int16_t *v, int n)
{
    s_i32(b, 20 + 6 * n);
    s_i32(b, 1);  /* dimensions */
    s_i32(b, 0);  /* no NULLs */
    s_i32(b, 21); /* int2 */
    s_i32(b, n);
    s_i32(b, 1); /* lower bound */
    for (int i = 0; i < n; i++) {
        s_i32(b, 2);
        s_i16(b, v[i]);
    }
}

static int
s_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "bench_copy: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    return ok ? 0 : -1;
}

static const char *const s_copy_row_sql =
    "COPY bench.sample_row (device_id, boot_id, seq, sample_index, taken_at,"
    " angle_ddeg, torque_dnm) FROM STDIN (FORMAT binary)";
static const char *const s_copy_batch_sql =
    "COPY meas.sample_batch (device_id, boot_id, seq, taken_at, session_id,"
    " enrolment_id, direction, context, context_number, sample_rate_hz, first_index,"
    " angle_ddeg, torque_dnm) FROM STDIN (FORMAT binary)";

/* The command line. */
typedef struct {
    const char *conninfo;
    int per_row; /* "row", else "batch" */
    long samples;
} s_opts_t;

/* What one run loads. */
typedef struct {
    char device[64]; /* fresh per run: the rows never collide with earlier runs */
    int64_t t0;      /* taken_at of the first batch, PostgreSQL's epoch */
    long batches;
} s_load_t;

/* The rows of batch number seq: one (batch) or S_BATCH (row). */
static void
s_encode_batch(s_buf_t *b, const s_opts_t *o, const s_load_t *l, long seq)
{
    const char *device = l->device;
    int16_t angle[S_BATCH], torque[S_BATCH];
    for (int i = 0; i < S_BATCH; i++) {
        angle[i] = (int16_t)((seq * 7 + i) % 900);
        torque[i] = (int16_t)((seq * 13 + i * 3) % 2000);
    }
    int64_t ts = l->t0 + seq * 1000000;
    if (o->per_row) {
        for (int i = 0; i < S_BATCH; i++) {
            s_i16(b, 7);
            s_field_text(b, device);
            s_field_i64(b, 1);
            s_field_i64(b, seq);
            s_field_i32(b, i);
            s_field_i64(b, ts + i * 10000);
            s_field_i16(b, angle[i]);
            s_field_i16(b, torque[i]);
        }
        return;
    }
    s_i16(b, 13);
    s_field_text(b, device);
    s_field_i64(b, 1);
    s_field_i64(b, seq);
    s_field_i64(b, ts);
    s_field_text(b, "bench-session");
    s_field_i64(b, 1);
    s_field_text(b, "extension");
    s_field_text(b, "training_set");
    s_field_i32(b, 1);
    s_field_i32(b, 100);
    s_field_i64(b, (seq - 1) * S_BATCH);
    s_field_i16_array(b, angle, S_BATCH);
    s_field_i16_array(b, torque, S_BATCH);
}

/* Streams the batches into the COPY started on c, in pieces of about 1 MiB. */
static int
s_copy_data(PGconn *c, const s_opts_t *o, const s_load_t *l, s_buf_t *b)
{
    static const char sig[11] = "PGCOPY\n\377\r\n";
    s_put(b, sig, 11);
    s_i32(b, 0);
    s_i32(b, 0);
    for (long seq = 1; seq <= l->batches; seq++) {
        s_encode_batch(b, o, l, seq);
        if (b->len > (1 << 20) || seq == l->batches) {
            if (seq == l->batches)
                s_i16(b, -1);
            if (PQputCopyData(c, b->buf, (int)b->len) != 1) {
                fprintf(stderr, "bench_copy: %s", PQerrorMessage(c));
                return -1;
            }
            b->len = 0;
        }
    }
    return 0;
}

/* Loads the batches in one transaction: 0, or -1 (said). */
static int
s_run(PGconn *c, const s_opts_t *o, const s_load_t *l, s_buf_t *b)
{
    if (s_exec(c, "BEGIN"))
        return -1;
    PGresult *r = PQexec(c, o->per_row ? s_copy_row_sql : s_copy_batch_sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fprintf(stderr, "bench_copy: %s", PQerrorMessage(c));
        return -1;
    }
    PQclear(r);
    if (s_copy_data(c, o, l, b))
        return -1;
    if (PQputCopyEnd(c, NULL) != 1)
        return -1;
    r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "bench_copy: COPY failed: %s", PQerrorMessage(c));
        return -1;
    }
    PQclear(r);
    return s_exec(c, "COMMIT");
}

/* ------------------------------------------------------------ replay */

/* The tables a message goes to, in the order of the collector's claim:
 * the key first, then the measurement. */
enum { S_KEY, S_TEST, S_TRAIN, S_SAMPLES, S_EVENT, S_QUEST, S_NTABLES };

static const char *const s_copy_sql[S_NTABLES] = {
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
    "COPY meas.questionnaire_response (source, device_id, boot_id, seq, taken_at, session_id,"
    " enrolment_id, instrument, version, language, answers, score) FROM STDIN (FORMAT binary)",
};
/* meas.message_key.stored_in of each measurement table */
static const char *const s_stored_in[S_NTABLES] = {
    "", "test_trial", "training_set", "sample_batch", "session_event", "questionnaire_response"};

/* One message encoded: its key's row and its measurement's row. */
typedef struct {
    int table;
    s_buf_t key, row;
} s_enc_t;

static void
s_field_null(s_buf_t *b)
{
    s_i32(b, -1);
}

/* A real as the collector stores it: -0 arrives as 0 (proto3 leaves a
 * zero float out of the wire, whatever its sign). */
static void
s_field_f32(s_buf_t *b, float v)
{
    if (v == 0)
        v = 0;
    uint32_t x;
    memcpy(&x, &v, 4);
    s_i32(b, 4);
    s_i32(b, (int32_t)x);
}

static void
s_field_bool(s_buf_t *b, bool v)
{
    uint8_t x = v ? 1 : 0;
    s_i32(b, 1);
    s_put(b, &x, 1);
}

static void
s_field_opt_text(s_buf_t *b, const char *s)
{
    if (*s)
        s_field_text(b, s);
    else
        s_field_null(b);
}

/* numeric(6, 2) in its binary form: base-10000 digits, weight, sign,
 * dscale (PostgreSQL's numeric_send), of hundredths. */
static void
s_field_numeric2(s_buf_t *b, double v)
{
    long long c = llround(v * 100.0);
    bool neg = c < 0;
    unsigned long long u = (unsigned long long)(neg ? -c : c);
    unsigned long long ip = u / 100, frac = u % 100;
    int16_t digits[8];
    int nd = 0;
    int16_t intg[6];
    int ni = 0;
    for (; ip; ip /= 10000)
        intg[ni++] = (int16_t)(ip % 10000);
    for (int k = ni - 1; k >= 0; k--)
        digits[nd++] = intg[k];
    int16_t weight = (int16_t)(ni - 1);
    if (frac) {
        if (nd == 0)
            weight = -1;
        digits[nd++] = (int16_t)(frac * 100);
    }
    if (nd == 0)
        weight = 0;
    s_i32(b, 8 + 2 * nd);
    s_i16(b, (int16_t)nd);
    s_i16(b, weight);
    s_i16(b, (int16_t)(neg && nd ? 0x4000 : 0));
    s_i16(b, 2);
    for (int k = 0; k < nd; k++)
        s_i16(b, digits[k]);
}

/* jsonb in its binary form: version 1, then the text. */
static void
s_field_jsonb(s_buf_t *b, const char *text)
{
    uint8_t version = 1;
    s_i32(b, (int32_t)(1 + strlen(text)));
    s_put(b, &version, 1);
    s_put(b, text, strlen(text));
}

static void
s_field_tenths_array(s_buf_t *b, const float *v, size_t n)
{
    int16_t *t = rl_malloc((n ? n : 1) * sizeof *t);
    for (size_t i = 0; i < n; i++)
        t[i] = (int16_t)collector_validate_tenths(v[i]);
    s_field_i16_array(b, t, (int)n);
    free(t);
}

/* The questionnaire's answers as the collector stores them. */
static char *
s_answers(const rl_questionnaire_t *q)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < q->n_answers; i++) {
        const rl_item_answer_t *a = &q->answers[i];
        json_t *o =
            json_pack("{s:I, s:I}", "item", (json_int_t)a->item, "value", (json_int_t)a->value);
        if (a->label[0])
            json_object_set_new(o, "label", json_string(a->label));
        json_array_append_new(arr, o);
    }
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return text;
}

/* The columns every measurement table starts with. */
static void
s_row_header(s_buf_t *b, int ncols, const rl_msg_t *m, long long enrolment_id)
{
    s_i16(b, (int16_t)ncols);
    s_field_text(b, m->device_id);
    s_field_i64(b, (int64_t)m->boot_id);
    s_field_i64(b, (int64_t)m->seq);
    s_field_i64(b, m->taken_at_us - S_PG_EPOCH_US);
    s_field_text(b, m->session_id);
    s_field_i64(b, enrolment_id);
}

/* The measurement row of m (table set in e). 0, or -1 for a message the
 * collector would not store (said). */
static int
s_encode_row(s_enc_t *e, const rl_msg_t *m, long long enr)
{
    s_buf_t *b = &e->row;
    switch (m->kind) {
    case RL_BODY_TEST_RESULT: {
        const rl_test_result_t *t = &m->u.test_result;
        e->table = S_TEST;
        s_row_header(b, 11, m, enr);
        s_field_text(b, rl_direction_name(t->direction));
        s_field_i16(b, (int16_t)t->trial);
        s_field_f32(b, t->rom_deg);
        s_field_f32(b, t->max_torque_nm);
        s_field_f32(b, t->angle_at_max_deg);
        return 0;
    }
    case RL_BODY_TRAINING_SET: {
        const rl_training_set_t *t = &m->u.training_set;
        e->table = S_TRAIN;
        s_row_header(b, 14, m, enr);
        s_field_text(b, rl_direction_name(t->direction));
        s_field_i16(b, (int16_t)t->set_number);
        s_field_f32(b, t->load_nm);
        if (t->load_pct_of_max > 0)
            s_field_f32(b, t->load_pct_of_max);
        else
            s_field_null(b);
        s_field_i16(b, (int16_t)t->repetitions);
        s_field_f32(b, t->range_min_deg);
        s_field_f32(b, t->range_max_deg);
        s_field_f32(b, t->time_under_tension_s);
        return 0;
    }
    case RL_BODY_SAMPLE_BATCH: {
        const rl_sample_batch_t *sb = &m->u.sample_batch;
        e->table = S_SAMPLES;
        s_row_header(b, 13, m, enr);
        s_field_text(b, rl_direction_name(sb->direction));
        s_field_text(b, rl_sample_context_name(sb->context));
        s_field_i32(b, (int32_t)sb->context_number);
        s_field_i32(b, (int32_t)sb->sample_rate_hz);
        s_field_i64(b, (int64_t)sb->first_index);
        s_field_tenths_array(b, sb->angle_deg, sb->n_angle);
        s_field_tenths_array(b, sb->torque_nm, sb->n_torque);
        return 0;
    }
    case RL_BODY_SESSION_START:
    case RL_BODY_SESSION_END: {
        bool start = m->kind == RL_BODY_SESSION_START;
        e->table = S_EVENT;
        s_row_header(b, 11, m, enr);
        s_field_text(b, start ? "start" : "end");
        if (start) {
            s_field_text(b, rl_session_kind_name(m->u.session_start.kind));
            s_field_opt_text(b, m->u.session_start.operator_code);
            s_field_null(b);
            s_field_null(b);
        } else {
            s_field_null(b);
            s_field_null(b);
            s_field_i32(b, (int32_t)m->u.session_end.duration_s);
            s_field_bool(b, m->u.session_end.aborted);
        }
        return 0;
    }
    case RL_BODY_QUESTIONNAIRE: {
        const rl_questionnaire_t *q = &m->u.questionnaire;
        const char *code = collector_validate_instrument_code(q->instrument);
        if (!code) {
            fprintf(stderr, "bench_copy: instrument %s unknown\n", q->instrument);
            return -1;
        }
        e->table = S_QUEST;
        s_i16(b, 12);
        s_field_text(b, "device");
        s_field_text(b, m->device_id);
        s_field_i64(b, (int64_t)m->boot_id);
        s_field_i64(b, (int64_t)m->seq);
        s_field_i64(b, m->taken_at_us - S_PG_EPOCH_US);
        s_field_text(b, m->session_id);
        s_field_i64(b, enr);
        s_field_text(b, code);
        s_field_text(b, q->version);
        s_field_opt_text(b, q->language);
        char *answers = s_answers(q);
        s_field_jsonb(b, answers);
        free(answers);
        double score;
        if (collector_validate_questionnaire_score(q, &score))
            s_field_numeric2(b, score);
        else
            s_field_null(b);
        return 0;
    }
    default:
        fprintf(stderr, "bench_copy: a %s is not a measurement\n", rl_body_kind_name(m->kind));
        return -1;
    }
}

/* The enrolment of each badge token (the bench's patients have one each). */
typedef struct {
    char token[RL_ID_MAX + 1];
    long long enrolment_id;
} s_enrolment_t;

/* Looks up the enrolment of token, caching it in *cache: the id, or -1 (said). */
static long long
s_enrolment(PGconn *c, const char *token, s_enrolment_t **cache, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*cache)[i].token, token))
            return (*cache)[i].enrolment_id;
    const char *params[1] = {token};
    PGresult *r = PQexecParams(c,
                               "SELECT enrolment_id FROM clinical.collector_token"
                               " WHERE badge_token = $1 AND status <> 'cancelled'",
                               1, NULL, params, NULL, NULL, 0);
    long long id = -1;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "bench_copy: %s", PQerrorMessage(c));
    else if (PQntuples(r) != 1)
        fprintf(stderr, "bench_copy: token %s has %d enrolments, not one\n", token, PQntuples(r));
    else
        id = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (id < 0)
        return -1;
    *cache = rl_realloc(*cache, (*n + 1) * sizeof **cache);
    snprintf((*cache)[*n].token, sizeof(*cache)[*n].token, "%s", token);
    (*cache)[(*n)++].enrolment_id = id;
    return id;
}

/* Encodes the devices' messages interleaved one by one (device 1's first,
 * device 2's first, ...): *enc_p gets *n_p of them. 0, or -1 (said). */
static int
s_encode_all(PGconn *c, bench_dev_t *devs, size_t nd, s_enc_t **enc_p, size_t *n_p)
{
    size_t total = 0, most = 0;
    for (size_t d = 0; d < nd; d++) {
        total += devs[d].n;
        most = devs[d].n > most ? devs[d].n : most;
    }
    s_enc_t *enc = rl_calloc(total ? total : 1, sizeof *enc);
    s_enrolment_t *cache = NULL;
    size_t ncache = 0, k = 0;
    int rc = 0;
    for (size_t i = 0; i < most && rc == 0; i++) {
        for (size_t d = 0; d < nd && rc == 0; d++) {
            if (i >= devs[d].n)
                continue;
            const rl_msg_t *m = &devs[d].msgs[i];
            long long enr = s_enrolment(c, m->patient_token, &cache, &ncache);
            s_enc_t *e = &enc[k++];
            if (enr < 0 || s_encode_row(e, m, enr)) {
                rc = -1;
                break;
            }
            s_i16(&e->key, 4);
            s_field_text(&e->key, m->device_id);
            s_field_i64(&e->key, (int64_t)m->boot_id);
            s_field_i64(&e->key, (int64_t)m->seq);
            s_field_text(&e->key, s_stored_in[e->table]);
        }
    }
    free(cache);
    *enc_p = enc;
    *n_p = k;
    return rc;
}

/* One COPY into table t of the rows of enc[from..to) that go there (the
 * keys for S_KEY). 0, or -1 (said). */
static int
s_copy_table(PGconn *c, int t, const s_enc_t *enc, size_t from, size_t to, s_buf_t *b)
{
    static const char sig[11] = "PGCOPY\n\377\r\n";
    size_t rows = 0;
    for (size_t i = from; i < to; i++)
        rows += t == S_KEY || enc[i].table == t;
    if (rows == 0)
        return 0;
    PGresult *r = PQexec(c, s_copy_sql[t]);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fprintf(stderr, "bench_copy: %s", PQerrorMessage(c));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    b->len = 0;
    s_put(b, sig, 11);
    s_i32(b, 0);
    s_i32(b, 0);
    for (size_t i = from; i < to; i++) {
        const s_buf_t *row = t == S_KEY ? &enc[i].key : enc[i].table == t ? &enc[i].row : NULL;
        if (row)
            s_put(b, row->buf, row->len);
        if (b->len > (1 << 20)) {
            if (PQputCopyData(c, b->buf, (int)b->len) != 1)
                break;
            b->len = 0;
        }
    }
    s_i16(b, -1);
    if (PQputCopyData(c, b->buf, (int)b->len) != 1 || PQputCopyEnd(c, NULL) != 1) {
        fprintf(stderr, "bench_copy: %s", PQerrorMessage(c));
        return -1;
    }
    r = PQgetResult(c);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "bench_copy: COPY failed: %s", PQerrorMessage(c));
    PQclear(r);
    PQclear(PQgetResult(c));
    return ok ? 0 : -1;
}

/* Loads enc[0..n) in transactions of group messages (0: one). Returns the
 * number of transactions, or -1 (said). */
static long
s_replay_run(PGconn *c, const s_enc_t *enc, size_t n, size_t group)
{
    s_buf_t b = {0};
    long txns = 0;
    size_t step = group ? group : n;
    for (size_t from = 0; from < n; from += step) {
        size_t to = from + step < n ? from + step : n;
        if (s_exec(c, "BEGIN")) {
            txns = -1;
            break;
        }
        for (int t = 0; t < S_NTABLES && txns >= 0; t++)
            if (s_copy_table(c, t, enc, from, to, &b))
                txns = -1;
        if (txns < 0 || s_exec(c, "COMMIT")) {
            txns = -1;
            break;
        }
        txns++;
    }
    free(b.buf);
    return txns;
}

static int
s_replay(PGconn *c, int argc, char **argv)
{
    char *end;
    long group = strtol(argv[3], &end, 10);
    if (*end || group < 0 || argc < 5) {
        fprintf(stderr, "usage: bench_copy CONNINFO replay GROUP DEVICE=FILE...\n");
        return 2;
    }
    size_t nd = (size_t)(argc - 4);
    bench_dev_t *devs = rl_calloc(nd, sizeof *devs);
    int rc = 3;
    long samples = 0;
    for (size_t d = 0; d < nd; d++) {
        if (bench_dev_load(argv[4 + d], bench_boot_id(d), 1, &devs[d]))
            goto out;
        samples += devs[d].samples;
    }
    s_enc_t *enc = NULL;
    size_t n = 0;
    if (s_encode_all(c, devs, nd, &enc, &n) == 0) {
        double start = bench_now();
        long txns = s_replay_run(c, enc, n, (size_t)group);
        double secs = bench_now() - start;
        if (txns >= 0) {
            printf("messages=%zu samples=%ld transactions=%ld seconds=%.3f samples_per_s=%.0f\n", n,
                   samples, txns, secs, (double)samples / secs);
            rc = 0;
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(enc[i].key.buf);
        free(enc[i].row.buf);
    }
    free(enc);
out:
    for (size_t d = 0; d < nd; d++)
        bench_dev_free(&devs[d]);
    free(devs);
    return rc;
}

int
main(int argc, char **argv)
{
    bool replay = argc >= 5 && !strcmp(argv[2], "replay");
    if (!replay && (argc != 4 || (strcmp(argv[2], "batch") && strcmp(argv[2], "row")))) {
        fprintf(stderr, "usage: bench_copy CONNINFO replay GROUP DEVICE=FILE...\n"
                        "       bench_copy CONNINFO batch|row SAMPLES\n");
        return 2;
    }
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench_copy: %s", PQerrorMessage(c));
        return 3;
    }
    if (replay) {
        int rc = s_replay(c, argc, argv);
        PQfinish(c);
        return rc;
    }
    s_opts_t o = {argv[1], !strcmp(argv[2], "row"), atol(argv[3])};
    if (o.per_row && s_exec(c, "SET client_min_messages = warning;"
                               "CREATE SCHEMA IF NOT EXISTS bench;"
                               "CREATE TABLE IF NOT EXISTS bench.sample_row ("
                               " device_id text, boot_id bigint, seq bigint, sample_index int,"
                               " taken_at timestamptz, angle_ddeg smallint, torque_dnm smallint,"
                               " PRIMARY KEY (device_id, boot_id, seq, sample_index))"))
        return 3;
    s_load_t l;
    snprintf(l.device, sizeof l.device, "bench-copy-%ld-%d", (long)time(NULL), (int)getpid());
    l.t0 = (int64_t)time(NULL) * 1000000 - S_PG_EPOCH_US;
    l.batches = (o.samples + S_BATCH - 1) / S_BATCH;
    s_buf_t b = {0};
    double start = bench_now();
    if (s_run(c, &o, &l, &b))
        return 3;
    double secs = bench_now() - start;
    long n = l.batches * S_BATCH;
    printf("samples=%ld seconds=%.3f samples_per_s=%.0f\n", n, secs, (double)n / secs);
    free(b.buf);
    PQfinish(c);
    return 0;
}
