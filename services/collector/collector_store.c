/* The collector's database side (see collector_store.h).
 *
 * The usual way: binary COPY of the batch's keys into meas.message_key and
 * of its measurements into their tables, unique keys in place, then the
 * device statuses and COMMIT sent without waiting (the caller receives the
 * next batch meanwhile). Any conflict fails the COPY: the batch is rolled
 * back and redone the careful way below; duplicates occur only after
 * resends, so that is rare. Measured against COPY into a temporary
 * staging table followed by a set-based INSERT ... SELECT ... ON CONFLICT
 * DO NOTHING RETURNING (which would answer duplicates without a second
 * attempt): on the same 40 groups of 512 curves the staging way took
 * 1.13-1.49 s, the direct COPY 0.79-1.18 s (4 alternating runs each, 2
 * shared cores), and it needs no TEMP privilege. The statement-level
 * trigger of deploy/sql/506 (enrolment_change) fires once per COPY instead
 * of once per message; the foreign keys' row checks remain.
 *
 * The careful way, per message: INSERT ... ON CONFLICT DO NOTHING
 * RETURNING inside one transaction per flush: the RETURNING row tells,
 * per message, whether it is new (ACCEPTED) or was committed before
 * (DUPLICATE), with only the INSERT and key-column SELECT privileges of
 * deploy/sql/003, pipelined (one wait per batch), then with a savepoint
 * per message when the database refuses one (a dead letter instead). */
#include "collector_store.h"

#include "collector_copy.h"

#include "ruglab/db.h"
#include "ruglab/log.h"
#include "ruglab/mem.h"
#include "ruglab/text.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where the batch in flight is (collector_store_flush_start). */
typedef enum {
    S_PHASE_COPY,   /* a table's COPY data on its way (non-blocking), its result awaited */
    S_PHASE_COMMIT, /* the device statuses and COMMIT on their way (pipeline mode) */
} s_phase_t;

/* The batch in flight: its COPY, then its device statuses and COMMIT,
 * driven by collector_store_flush_poll from the caller's poll loop. */
typedef struct {
    collector_item_t *items; /* NULL: none in flight */
    size_t n;
    collector_store_counters_t *counters;
    s_phase_t phase;
    int table;      /* S_PHASE_COPY: the table whose COPY is on its way */
    bool writing;   /* S_PHASE_COPY: libpq still holds COPY data to send */
    bool failed;    /* a result was an error (why) */
    bool committed; /* COMMIT answered COMMIT */
    bool last_null; /* the last PQgetResult was the NULL ending a statement */
    char why[RL_ERR_MAX];
} s_flight_t;

struct collector_store {
    char *conninfo;
    char *name;
    PGconn *conn;
    /* the patient token lookups, on a connection of their own: the next
     * batch is resolved while this one's COPY and COMMIT hold conn */
    PGconn *lookup;
    bool pipeline;  /* s_exec queues the statement (libpq pipeline mode) */
    bool transient; /* the last attempt failed on s_transient */
    collector_copy_t copy;
    s_flight_t flight;
    /* a batch's COPY rows encoded ahead (collector_store_prepare) */
    collector_copy_t copy_next;
    const collector_item_t *prepared; /* NULL: none */
    size_t n_prepared;
    bool prepared_ok; /* false: a value COPY cannot carry (per message) */
};

#define S_TAKEN_AT "'epoch'::timestamptz + interval '1 microsecond' * $4::bigint"

/* Every measurement claims its key in meas.message_key in the same
 * statement and is stored only when the claim is new: a key is stored
 * once across all message types, whatever a resend carries (deploy/sql/304).
 * RETURNING gives a row for a new message, none for a duplicate. */
#define S_CLAIM(table)                                                                             \
    "WITH k AS (INSERT INTO meas.message_key (device_id, boot_id, seq, stored_in)"                 \
    " VALUES ($1::text, $2::bigint, $3::bigint, '" table "') ON CONFLICT DO NOTHING"               \
    " RETURNING 1) "

/* A device status row's update: what a message says replaces what was
 * known, what it does not say is kept. */
#define S_DEVICE_STATUS_SET                                                                        \
    " ON CONFLICT (device_id) DO UPDATE SET last_seen = now(),"                                    \
    " boot_id = COALESCE(EXCLUDED.boot_id, d.boot_id),"                                            \
    " last_seq = COALESCE(EXCLUDED.last_seq, d.last_seq),"                                         \
    " spool_depth = COALESCE(EXCLUDED.spool_depth, d.spool_depth),"                                \
    " spool_bytes = COALESCE(EXCLUDED.spool_bytes, d.spool_bytes),"                                \
    " oldest_unacked_s = COALESCE(EXCLUDED.oldest_unacked_s, d.oldest_unacked_s),"                 \
    " firmware_version = COALESCE(EXCLUDED.firmware_version, d.firmware_version),"                 \
    " sender_version = COALESCE(EXCLUDED.sender_version, d.sender_version),"                       \
    " collector = EXCLUDED.collector"

static const struct {
    const char *name;
    const char *sql;
} s_statements[] = {
    {"test_trial",
     S_CLAIM("test_trial") "INSERT INTO meas.test_trial (device_id, boot_id, seq, taken_at, "
                           "session_id, enrolment_id,"
                           " direction, trial, rom_deg, max_torque_nm, angle_at_max_deg)"
                           " SELECT $1::text, $2::bigint, $3::bigint, " S_TAKEN_AT
                           ", $5::text, $6::bigint, $7::text,"
                           " $8::smallint, $9::real, $10::real, $11::real WHERE EXISTS (SELECT 1 "
                           "FROM k)"
                           " RETURNING seq"},
    {"training_set", S_CLAIM("training_set") "INSERT INTO meas.training_set (device_id, boot_id, "
                                             "seq, taken_at, session_id, enrolment_id,"
                                             " direction, set_number, load_nm, load_pct_of_max, "
                                             "repetitions, range_min_deg,"
                                             " range_max_deg, time_under_tension_s)"
                                             " SELECT $1::text, $2::bigint, $3::bigint, " S_TAKEN_AT
                                             ", $5::text, $6::bigint, $7::text,"
                                             " $8::smallint, $9::real, $10::real, $11::smallint, "
                                             "$12::real, $13::real, $14::real"
                                             " WHERE EXISTS (SELECT 1 FROM k) RETURNING seq"},
    {"sample_batch", S_CLAIM("sample_batch") "INSERT INTO meas.sample_batch (device_id, boot_id, "
                                             "seq, taken_at, session_id, enrolment_id,"
                                             " direction, context, context_number, sample_rate_hz, "
                                             "first_index, angle_ddeg, torque_dnm)"
                                             " SELECT $1::text, $2::bigint, $3::bigint, " S_TAKEN_AT
                                             ", $5::text, $6::bigint, $7::text,"
                                             " $8::text, $9::integer, $10::integer, $11::bigint, "
                                             "$12::smallint[], $13::smallint[]"
                                             " WHERE EXISTS (SELECT 1 FROM k) RETURNING seq"},
    {"session_event",
     S_CLAIM("session_event") "INSERT INTO meas.session_event (device_id, boot_id, seq, taken_at, "
                              "session_id,"
                              " enrolment_id, event, kind, operator_code, duration_s, aborted)"
                              " SELECT $1::text, $2::bigint, $3::bigint, " S_TAKEN_AT
                              ", $5::text, $6::bigint, $7::text,"
                              " $8::text, $9::text, $10::integer, $11::boolean WHERE EXISTS "
                              "(SELECT 1 FROM k)"
                              " RETURNING seq"},
    {"questionnaire",
     S_CLAIM(
         "questionnaire_response") "INSERT INTO meas.questionnaire_response (source, device_id, "
                                   "boot_id, seq, taken_at,"
                                   " session_id, enrolment_id, instrument, version, language, "
                                   "answers, score)"
                                   " SELECT 'device', $1::text, $2::bigint, $3::bigint, " S_TAKEN_AT
                                   ", $5::text, $6::bigint,"
                                   " $7::text, $8::text, $9::text, $10::jsonb, $11::numeric WHERE "
                                   "EXISTS (SELECT 1 FROM k)"
                                   " RETURNING seq"},
    {"dead_letter",
     "INSERT INTO meas.dead_letter (device_id, claimed_device_id, boot_id, seq, reason, detail,"
     " raw) VALUES ($1, $2, $3, $4, $5, $6, $7)"},
    {"device_status",
     "INSERT INTO meas.device_status AS d (device_id, last_seen, boot_id, last_seq, spool_depth,"
     " spool_bytes, oldest_unacked_s, firmware_version, sender_version, collector)"
     " VALUES ($1, now(), $2, $3, $4, $5, $6, $7, $8, $9)" S_DEVICE_STATUS_SET},
    {"device_statuses",
     "INSERT INTO meas.device_status AS d (device_id, last_seen, boot_id, last_seq, spool_depth,"
     " spool_bytes, oldest_unacked_s, firmware_version, sender_version, collector)"
     " SELECT u.device_id, now(), u.boot_id, u.last_seq, u.spool_depth, u.spool_bytes, u.oldest,"
     " u.firmware, u.sender, $9 FROM unnest($1::text[], $2::bigint[], $3::bigint[],"
     " $4::bigint[], $5::bigint[], $6::integer[], $7::text[], $8::text[])"
     " AS u (device_id, boot_id, last_seq, spool_depth, spool_bytes, oldest, firmware, sender)"
     " ORDER BY u.device_id" S_DEVICE_STATUS_SET},
    {"tokens", "SELECT badge_token, enrolment_id, status, to_char(start_date, 'YYYY-MM-DD'),"
               " to_char(end_date, 'YYYY-MM-DD') FROM clinical.collector_token"
               " WHERE badge_token = ANY ($1::text[])"},
};
#define S_NSTMT (sizeof s_statements / sizeof s_statements[0])

collector_store_t *
collector_store_new(const char *conninfo, const char *name)
{
    collector_store_t *self = rl_calloc(1, sizeof *self);
    self->conninfo = rl_strdup(conninfo);
    self->name = rl_strdup(name);
    return self;
}

static void
s_disconnect(collector_store_t *self)
{
    if (self->conn)
        PQfinish(self->conn);
    if (self->lookup)
        PQfinish(self->lookup);
    self->conn = self->lookup = NULL;
    self->flight.items = NULL; /* its outcome is unknown: the caller stores it again */
    self->prepared = NULL;
}

void
collector_store_destroy(collector_store_t **self_p)
{
    if (!*self_p)
        return;
    collector_store_t *self = *self_p;
    s_disconnect(self);
    collector_copy_free(&self->copy);
    collector_copy_free(&self->copy_next);
    free(self->conninfo);
    free(self->name);
    free(self);
    *self_p = NULL;
}

void
collector_store_set_conninfo(collector_store_t *self, const char *conninfo)
{
    free(self->conninfo);
    self->conninfo = rl_strdup(conninfo);
}

bool
collector_store_is_up(const collector_store_t *self)
{
    return self->conn && PQstatus(self->conn) == CONNECTION_OK && self->lookup &&
           PQstatus(self->lookup) == CONNECTION_OK;
}

/* A collector host that vanishes (power, network) in the middle of a
 * batch leaves its transaction open on the server, holding the keys it
 * claimed; another collector storing a resend of one of them waits for it.
 * The server finds the lost connection within about 25 s instead of the
 * system's two hours (ignored on a Unix socket, where the kernel closes
 * it at once). */
#define S_SESSION_SETTINGS                                                                         \
    "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5;"                               \
    " SET tcp_keepalives_count = 3; SET tcp_user_timeout = 25000"

/* One session as ruglab_collector, its keepalives set and its statements
 * prepared. NULL with err on failure. */
static PGconn *
s_session(const char *conninfo, rl_err_t *err)
{
    PGconn *conn = rl_db_connect(conninfo, "ruglab_collector", err);
    if (!conn)
        return NULL;
    PGresult *set = PQexec(conn, S_SESSION_SETTINGS);
    bool ok = PQresultStatus(set) == PGRES_COMMAND_OK;
    if (!ok)
        rl_err_set(err, "setting the session's keepalives: %s", rl_db_result_error(set));
    PQclear(set);
    for (size_t i = 0; i < S_NSTMT && ok; i++) {
        PGresult *res = PQprepare(conn, s_statements[i].name, s_statements[i].sql, 0, NULL);
        ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok)
            rl_err_set(err, "preparing %s: %s", s_statements[i].name, rl_db_result_error(res));
        PQclear(res);
    }
    if (!ok) {
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

int
collector_store_connect(collector_store_t *self, rl_err_t *err)
{
    s_disconnect(self);
    self->conn = s_session(self->conninfo, err);
    self->lookup = self->conn ? s_session(self->conninfo, err) : NULL;
    if (!self->lookup) {
        s_disconnect(self);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ statements */

/* Parameters as text, formatted into a small arena owned by the caller. */
typedef struct {
    const char *values[16];
    int lengths[16];
    int formats[16];
    char buf[16][32];
    char *owned[8]; /* longer strings (sample arrays, json, device status arrays) */
    int n, n_owned;
} s_params_t;

static void
s_p_init(s_params_t *p)
{
    memset(p, 0, sizeof *p);
}

static void
s_p_free(s_params_t *p)
{
    for (int i = 0; i < p->n_owned; i++)
        free(p->owned[i]);
    p->n_owned = 0;
}

static void
s_p_str(s_params_t *p, const char *s)
{
    p->values[p->n++] = s;
}

static void
s_p_null(s_params_t *p)
{
    p->values[p->n++] = NULL;
}

static void s_p_fmt(s_params_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
s_p_fmt(s_params_t *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->buf[p->n], sizeof p->buf[p->n], fmt, ap);
    va_end(ap);
    p->values[p->n] = p->buf[p->n];
    p->n++;
}

static void
s_p_own(s_params_t *p, char *s)
{
    p->owned[p->n_owned++] = s;
    p->values[p->n++] = s;
}

static void
s_p_bytes(s_params_t *p, const uint8_t *data, size_t len)
{
    p->values[p->n] = (const char *)data;
    p->lengths[p->n] = (int)len;
    p->formats[p->n] = 1;
    p->n++;
}

/* In pipeline mode the statement is only queued: the result is an empty
 * COMMAND_OK one (NULL when it could not be queued); the real one is read
 * after the sync (s_attempt_pipelined). */
static PGresult *
s_exec(collector_store_t *self, const char *stmt, s_params_t *p)
{
    if (self->pipeline) {
        if (!PQsendQueryPrepared(self->conn, stmt, p->n, p->values, p->lengths, p->formats, 0))
            return NULL;
        return PQmakeEmptyPGresult(self->conn, PGRES_COMMAND_OK);
    }
    return PQexecPrepared(self->conn, stmt, p->n, p->values, p->lengths, p->formats, 0);
}

static bool
s_ok(const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* A failure on conn that says the server or the connection is gone, not
 * that the data was refused (libpq may still say CONNECTION_OK after the
 * server's last words: asked once more). */
static bool
s_lost(PGconn *conn)
{
    if (PQstatus(conn) != CONNECTION_OK)
        return true;
    PGresult *res = PQexec(conn, "SELECT 1");
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    PQclear(res);
    return !ok;
}

/* Several collectors on one database: two of them may claim the same
 * keys at once (a device resends to another collector while the first
 * one's transaction is open). The second waits for the first's COMMIT or
 * ROLLBACK and then sees DUPLICATE or claims the key: exact. Two batches
 * claiming each other's keys in opposite orders end in a deadlock, of
 * which PostgreSQL aborts one: that and the other errors that say "run
 * the transaction again" (class 40, a lock or statement timeout) are no
 * refusal of the message and never make a dead letter; the batch is
 * tried again. */
#define S_TRANSIENT_TRIES 3

static bool
s_transient(const PGresult *res)
{
    const char *st = rl_db_sqlstate(res);
    return !strncmp(st, "40", 2) || !strcmp(st, "55P03") || !strcmp(st, "57014");
}

/* "{1,-2,3}" of the samples in tenths. */
static char *
s_tenths_array(const int16_t *v, size_t n)
{
    char *out = rl_malloc(n * 8 + 3);
    size_t off = 0;
    out[off++] = '{';
    for (size_t i = 0; i < n; i++)
        off += (size_t)sprintf(out + off, i ? ",%d" : "%d", v[i]);
    out[off++] = '}';
    out[off] = '\0';
    return out;
}

static char *
s_answers_json(const rl_questionnaire_t *q)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < q->n_answers; i++) {
        json_t *o = json_pack("{s:I, s:I}", "item", (json_int_t)q->answers[i].item, "value",
                              (json_int_t)q->answers[i].value);
        if (q->answers[i].label[0])
            json_object_set_new(o, "label", json_string(q->answers[i].label));
        json_array_append_new(arr, o);
    }
    char *s = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return s ? s : rl_strdup("[]");
}

/* The header parameters $1..$6 shared by the measurement statements. */
static void
s_p_header(s_params_t *p, const collector_item_t *it)
{
    const rl_msg_t *m = &it->msg;
    s_p_str(p, m->device_id);
    s_p_fmt(p, "%llu", (unsigned long long)m->boot_id);
    s_p_fmt(p, "%llu", (unsigned long long)m->seq);
    s_p_fmt(p, "%lld", (long long)m->taken_at_us);
    s_p_str(p, m->session_id);
    s_p_fmt(p, "%lld", it->resolved.enrolment_id);
}

/* The parameters after the header ($7...) of each measurement's statement. */
static void
s_p_test_result(s_params_t *p, const collector_item_t *it)
{
    const rl_test_result_t *t = &it->msg.u.test_result;
    s_p_str(p, rl_direction_name(t->direction));
    s_p_fmt(p, "%u", t->trial);
    s_p_fmt(p, "%.9g", (double)t->rom_deg);
    s_p_fmt(p, "%.9g", (double)t->max_torque_nm);
    s_p_fmt(p, "%.9g", (double)t->angle_at_max_deg);
}

static void
s_p_training_set(s_params_t *p, const collector_item_t *it)
{
    const rl_training_set_t *t = &it->msg.u.training_set;
    s_p_str(p, rl_direction_name(t->direction));
    s_p_fmt(p, "%u", t->set_number);
    s_p_fmt(p, "%.9g", (double)t->load_nm);
    /* 0 means the device does not know it (proto) */
    if (t->load_pct_of_max > 0)
        s_p_fmt(p, "%.9g", (double)t->load_pct_of_max);
    else
        s_p_null(p);
    s_p_fmt(p, "%u", t->repetitions);
    s_p_fmt(p, "%.9g", (double)t->range_min_deg);
    s_p_fmt(p, "%.9g", (double)t->range_max_deg);
    s_p_fmt(p, "%.9g", (double)t->time_under_tension_s);
}

static void
s_p_sample_batch(s_params_t *p, const collector_item_t *it)
{
    const rl_sample_batch_t *b = &it->msg.u.sample_batch;
    s_p_str(p, rl_direction_name(b->direction));
    s_p_str(p, rl_sample_context_name(b->context));
    s_p_fmt(p, "%u", b->context_number);
    s_p_fmt(p, "%u", b->sample_rate_hz);
    s_p_fmt(p, "%llu", (unsigned long long)b->first_index);
    s_p_own(p, s_tenths_array(it->resolved.angle_ddeg, b->n_angle));
    s_p_own(p, s_tenths_array(it->resolved.torque_dnm, b->n_torque));
}

static void
s_p_session_start(s_params_t *p, const collector_item_t *it)
{
    const rl_session_start_t *s = &it->msg.u.session_start;
    s_p_str(p, "start");
    s_p_str(p, rl_session_kind_name(s->kind));
    if (s->operator_code[0])
        s_p_str(p, s->operator_code);
    else
        s_p_null(p);
    s_p_null(p);
    s_p_null(p);
}

static void
s_p_session_end(s_params_t *p, const collector_item_t *it)
{
    s_p_str(p, "end");
    s_p_null(p);
    s_p_null(p);
    s_p_fmt(p, "%u", it->msg.u.session_end.duration_s);
    s_p_str(p, it->msg.u.session_end.aborted ? "true" : "false");
}

static void
s_p_questionnaire(s_params_t *p, const collector_item_t *it)
{
    const rl_questionnaire_t *q = &it->msg.u.questionnaire;
    s_p_str(p, it->resolved.instrument);
    s_p_str(p, q->version);
    if (q->language[0])
        s_p_str(p, q->language);
    else
        s_p_null(p);
    s_p_own(p, s_answers_json(q));
    if (it->resolved.has_score)
        s_p_fmt(p, "%.2f", it->resolved.score);
    else
        s_p_null(p);
}

/* Each measurement's statement, and what fills its parameters. */
static const struct {
    rl_body_kind_t kind;
    const char *stmt;
    void (*params)(s_params_t *p, const collector_item_t *it);
} s_measurements[] = {
    {RL_BODY_TEST_RESULT, "test_trial", s_p_test_result},
    {RL_BODY_TRAINING_SET, "training_set", s_p_training_set},
    {RL_BODY_SAMPLE_BATCH, "sample_batch", s_p_sample_batch},
    {RL_BODY_SESSION_START, "session_event", s_p_session_start},
    {RL_BODY_SESSION_END, "session_event", s_p_session_end},
    {RL_BODY_QUESTIONNAIRE, "questionnaire", s_p_questionnaire},
};
#define S_NMEAS (sizeof s_measurements / sizeof s_measurements[0])

/* Inserts one resolved measurement; returns the result (caller
 * PQclear()s): one row = new, none = duplicate. */
static PGresult *
s_insert(collector_store_t *self, const collector_item_t *it)
{
    size_t i = 0;
    while (i < S_NMEAS && s_measurements[i].kind != it->msg.kind)
        i++;
    if (i == S_NMEAS)
        abort(); /* caller passes measurements only */
    s_params_t p;
    s_p_init(&p);
    s_p_header(&p, it);
    s_measurements[i].params(&p, it);
    PGresult *res = s_exec(self, s_measurements[i].stmt, &p);
    s_p_free(&p);
    return res;
}

static PGresult *
s_dead_letter(collector_store_t *self, const collector_item_t *it)
{
    s_params_t p;
    s_p_init(&p);
    s_p_str(&p, it->auth_device[0] ? it->auth_device : NULL);
    if (it->msg.device_id[0])
        s_p_str(&p, it->msg.device_id);
    else
        s_p_null(&p);
    if ((it->msg.boot_id || it->msg.seq) && it->msg.boot_id <= (uint64_t)INT64_MAX &&
        it->msg.seq <= (uint64_t)INT64_MAX) {
        s_p_fmt(&p, "%llu", (unsigned long long)it->msg.boot_id);
        s_p_fmt(&p, "%llu", (unsigned long long)it->msg.seq);
    } else {
        s_p_null(&p);
        s_p_null(&p);
    }
    s_p_str(&p, rl_reason_name(it->reason));
    /* the reason text may quote bytes the device sent: never let them make
     * the dead letter itself unstorable */
    char *text = rl_text_utf8_sanitize(it->text, RL_TEXT_MAX);
    char detail[RL_TEXT_MAX + 96];
    if (it->raw_len > COLLECTOR_STORE_DEAD_RAW_MAX)
        snprintf(detail, sizeof detail, "%s (raw bytes truncated to the first %u of %zu)", text,
                 COLLECTOR_STORE_DEAD_RAW_MAX, it->raw_len);
    else
        snprintf(detail, sizeof detail, "%s", text);
    free(text);
    s_p_str(&p, detail);
    s_p_bytes(&p, it->raw ? it->raw : (const uint8_t *)"",
              it->raw_len > COLLECTOR_STORE_DEAD_RAW_MAX ? COLLECTOR_STORE_DEAD_RAW_MAX
                                                         : it->raw_len);
    PGresult *res = s_exec(self, "dead_letter", &p);
    s_p_free(&p);
    return res;
}

/* ------------------------------------------------------------ tokens */

/* One row of the token lookup as an enrolment (a row without enrolment:
 * the token is known but never enrolled). */
static void
s_enrolment_row(const PGresult *res, int r, collector_validate_enrolment_t *x)
{
    snprintf(x->token, sizeof x->token, "%s", PQgetvalue(res, r, 0));
    x->has_enrolment = !PQgetisnull(res, r, 1);
    if (!x->has_enrolment)
        return;
    rl_err_t derr;
    x->enrolment_id = strtoll(PQgetvalue(res, r, 1), NULL, 10);
    snprintf(x->status, sizeof x->status, "%s", PQgetvalue(res, r, 2));
    if (rl_date_parse(PQgetvalue(res, r, 3), &x->start_date, &derr) != 0)
        x->has_enrolment = false;
    x->has_end =
        !PQgetisnull(res, r, 4) && rl_date_parse(PQgetvalue(res, r, 4), &x->end_date, &derr) == 0;
}

int
collector_store_enrolments(collector_store_t *self, const char *const *tokens, size_t n,
                           collector_validate_enrolment_t **rows_p, size_t *n_rows_p, rl_err_t *err)
{
    if (!collector_store_is_up(self))
        return rl_err_set(err, "not connected to the database");
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += strlen(tokens[i]) + 3;
    /* tokens are identifiers ([A-Za-z0-9._-]): quoting is enough */
    char *arr = rl_malloc(len);
    size_t off = 0;
    arr[off++] = '{';
    for (size_t i = 0; i < n; i++)
        off += (size_t)sprintf(arr + off, "%s\"%s\"", off > 1 ? "," : "", tokens[i]);
    arr[off++] = '}';
    arr[off] = '\0';
    const char *params[1] = {arr};
    PGresult *res = PQexecPrepared(self->lookup, "tokens", 1, params, NULL, NULL, 0);
    free(arr);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rl_err_set(err, "looking up patient tokens: %s", rl_db_result_error(res));
        PQclear(res);
        if (s_lost(self->lookup))
            s_disconnect(self); /* a batch in flight is stored again: its outcome is unknown */
        return -1;
    }
    int rows = PQntuples(res);
    collector_validate_enrolment_t *e = rl_calloc((size_t)rows + 1, sizeof *e);
    for (int r = 0; r < rows; r++)
        s_enrolment_row(res, r, &e[r]);
    PQclear(res);
    *rows_p = e;
    *n_rows_p = (size_t)rows;
    return 0;
}

/* ------------------------------------------------------------ flush */

static void
s_reject(collector_item_t *it, rl_reason_t reason, const char *text)
{
    it->status = RL_ACK_REJECTED;
    it->reason = reason;
    snprintf(it->text, sizeof it->text, "%s", text);
}

/* What the flush learned about a device, written to meas.device_status. */
typedef struct {
    const char *device_id;
    const collector_item_t *last; /* last message of the device in the batch */
    const rl_hello_t *hello;      /* last hello, or NULL */
    const rl_heartbeat_t *hb;     /* last heartbeat, or NULL */
} s_dev_t;

/* The parameters of the device_status statement for d (9 of them). */
static void
s_device_params(collector_store_t *self, const s_dev_t *d, s_params_t *p_out)
{
    s_params_t *p = p_out;
    s_p_init(p);
    s_p_str(p, d->device_id);
    const rl_msg_t *m = d->last->decoded ? &d->last->msg : NULL;
    if (m && m->boot_id && m->boot_id <= (uint64_t)INT64_MAX && m->seq <= (uint64_t)INT64_MAX &&
        !strcmp(m->device_id, d->device_id)) {
        s_p_fmt(p, "%llu", (unsigned long long)m->boot_id);
        if (m->seq)
            s_p_fmt(p, "%llu", (unsigned long long)m->seq);
        else
            s_p_null(p);
    } else {
        s_p_null(p);
        s_p_null(p);
    }
    if (d->hb) {
        s_p_fmt(p, "%llu", (unsigned long long)d->hb->spool_depth);
        s_p_fmt(p, "%llu", (unsigned long long)d->hb->spool_bytes);
        s_p_fmt(p, "%u", d->hb->oldest_unacked_s);
    } else if (d->hello) {
        s_p_fmt(p, "%llu", (unsigned long long)d->hello->spool_depth);
        s_p_null(p);
        s_p_null(p);
    } else {
        s_p_null(p);
        s_p_null(p);
        s_p_null(p);
    }
    if (d->hello) {
        s_p_str(p, d->hello->firmware_version[0] ? d->hello->firmware_version : NULL);
        s_p_str(p, d->hello->sender_version[0] ? d->hello->sender_version : NULL);
    } else {
        s_p_null(p);
        s_p_null(p);
    }
    s_p_str(p, self->name);
}

static PGresult *
s_device_status(collector_store_t *self, const s_dev_t *d)
{
    s_params_t p;
    s_device_params(self, d, &p);
    PGresult *res = s_exec(self, "device_status", &p);
    s_p_free(&p);
    return res;
}

/* An element of a text array literal: NULL, or the value quoted. */
static void
s_arr_add(char **buf, size_t *len, size_t *cap, const char *v)
{
    size_t need = *len + (v ? 2 * strlen(v) + 3 : 4) + 2;
    if (need > *cap) {
        *cap = need * 2;
        *buf = rl_realloc(*buf, *cap);
    }
    char *o = *buf + *len;
    if (*len > 1)
        *o++ = ',';
    if (!v) {
        memcpy(o, "NULL", 4);
        o += 4;
    } else {
        *o++ = '"';
        for (; *v; v++) {
            if (*v == '"' || *v == '\\')
                *o++ = '\\';
            *o++ = *v;
        }
        *o++ = '"';
    }
    *o = '\0';
    *len = (size_t)(o - *buf);
}

/* Every device status of a batch in one statement (queued in pipeline
 * mode): 8 arrays of the per-device parameters and the collector's name. */
static PGresult *
s_device_statuses(collector_store_t *self, const s_dev_t *devs, size_t nd)
{
    char *arr[8];
    size_t len[8], cap[8];
    for (int k = 0; k < 8; k++) {
        cap[k] = 64;
        arr[k] = rl_malloc(cap[k]);
        memcpy(arr[k], "{", 2);
        len[k] = 1;
    }
    for (size_t d = 0; d < nd; d++) {
        s_params_t p;
        s_device_params(self, &devs[d], &p);
        for (int k = 0; k < 8; k++)
            s_arr_add(&arr[k], &len[k], &cap[k], p.values[k]);
        s_p_free(&p);
    }
    s_params_t p;
    s_p_init(&p);
    for (int k = 0; k < 8; k++) {
        arr[k] = rl_realloc(arr[k], len[k] + 2);
        memcpy(arr[k] + len[k], "}", 2);
        s_p_own(&p, arr[k]);
    }
    s_p_str(&p, self->name);
    PGresult *res = s_exec(self, "device_statuses", &p);
    s_p_free(&p);
    return res;
}

/* The devices of a batch, each with its last message, hello and heartbeat. */
/* Orders item pointers by their device, then by their place in the batch. */
static int
s_by_device(const void *a, const void *b)
{
    const collector_item_t *const *x = a, *const *y = b;
    int c = strcmp((*x)->auth_device, (*y)->auth_device);
    return c ? c : (*x < *y ? -1 : *x > *y);
}

/* The devices of the batch, in the order of their ids (n log n: a batch
 * from 100 devices is not 100 scans of it). */
static s_dev_t *
s_devices(const collector_item_t *items, size_t n, size_t *nd_p)
{
    const collector_item_t **by = rl_calloc(n + 1, sizeof *by);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].auth_device[0])
            by[m++] = &items[i];
    qsort(by, m, sizeof *by, s_by_device);
    s_dev_t *devs = rl_calloc(m + 1, sizeof *devs);
    size_t nd = 0;
    for (size_t k = 0; k < m; k++) {
        const collector_item_t *it = by[k];
        if (nd == 0 || strcmp(devs[nd - 1].device_id, it->auth_device) != 0)
            devs[nd++].device_id = it->auth_device;
        s_dev_t *d = &devs[nd - 1];
        d->last = it; /* in batch order within the device: the last one wins */
        if (it->resolved.action == COLLECTOR_ITEM_STATUS && it->msg.kind == RL_BODY_HELLO)
            d->hello = &it->msg.u.hello;
        if (it->resolved.action == COLLECTOR_ITEM_STATUS && it->msg.kind == RL_BODY_HEARTBEAT)
            d->hb = &it->msg.u.heartbeat;
    }
    free(by);
    *nd_p = nd;
    return devs;
}

/* The per-item part both attempts share: the outcome starts from what the
 * resolve step decided. Returns whether the item has a statement (a dead
 * letter or a measurement's INSERT). */
static bool
s_item_begin(collector_item_t *it)
{
    const collector_item_resolved_t *r = &it->resolved;
    it->status = RL_ACK_UNSPECIFIED;
    it->reason = RL_REASON_NONE;
    it->text[0] = '\0';
    switch (r->action) {
    case COLLECTOR_ITEM_UNKEPT: /* over the device's dead-letter limit */
        s_reject(it, r->rejection.reason, r->rejection.text);
        return false;
    case COLLECTOR_ITEM_DEAD_LETTER:
        s_reject(it, r->rejection.reason, r->rejection.text);
        return true;
    case COLLECTOR_ITEM_STATUS:
        it->status = RL_ACK_ACCEPTED; /* hello, heartbeat: device status below */
        return false;
    case COLLECTOR_ITEM_MEASUREMENT:
        return true;
    default:
        abort(); /* the batch was not resolved */
    }
}

/* Runs (pipelined: queues) the statement of an item s_item_begin kept. */
static PGresult *
s_item_exec(collector_store_t *self, const collector_item_t *it)
{
    if (it->resolved.action == COLLECTOR_ITEM_DEAD_LETTER)
        return s_dead_letter(self, it);
    return s_insert(self, it);
}

/* The outcome of a statement that succeeded: a measurement is new when
 * its INSERT returned a row, else a duplicate. */
static void
s_item_done(collector_item_t *it, const PGresult *res)
{
    if (it->resolved.action == COLLECTOR_ITEM_MEASUREMENT)
        it->status = PQntuples(res) > 0 ? RL_ACK_ACCEPTED : RL_ACK_DUPLICATE;
}

/* Queues BEGIN, every item's statement, the device statuses, COMMIT and
 * the sync. sent gets the items with a statement, in order (*ns_p of
 * them), *nd_p the number of device statuses. false when something could
 * not be queued. */
static bool
s_pipeline_send(collector_store_t *self, collector_item_t *items, size_t n, size_t *sent,
                size_t *ns_p, size_t *nd_p)
{
    if (!PQsendQueryParams(self->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!s_item_begin(&items[i]))
            continue;
        PGresult *res = s_item_exec(self, &items[i]);
        if (!res)
            return false;
        PQclear(res);
        sent[(*ns_p)++] = i;
    }
    s_dev_t *devs = s_devices(items, n, nd_p);
    bool ok = true;
    for (size_t d = 0; d < *nd_p && ok; d++) {
        PGresult *res = s_device_status(self, &devs[d]);
        ok = res != NULL;
        PQclear(res);
    }
    free(devs);
    return ok && PQsendQueryParams(self->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) &&
           PQpipelineSync(self->conn);
}

/* Reads what s_pipeline_send queued: BEGIN, the ns statements of the
 * items, the nd device statuses, COMMIT: a result and a NULL each
 * (PIPELINE_ABORTED after an error), then the sync. Fills the outcome of
 * the items. false (why filled) when a statement failed. */
static bool
s_pipeline_read(collector_store_t *self, collector_item_t *items, const size_t *sent, size_t ns,
                size_t nd, char *why, size_t why_len)
{
    bool failed = false;
    for (size_t k = 0; k < ns + nd + 2; k++) {
        PGresult *r = PQgetResult(self->conn);
        if (!r) {
            if (!failed)
                snprintf(why, why_len, "pipeline: %s", PQerrorMessage(self->conn));
            failed = true;
            break;
        }
        if (!failed && !s_ok(r)) {
            snprintf(why, why_len, "%s", rl_db_result_error(r));
            self->transient = s_transient(r);
            failed = true;
        } else if (!failed && k >= 1 && k <= ns) {
            s_item_done(&items[sent[k - 1]], r);
        }
        PQclear(r);
        PQclear(PQgetResult(self->conn)); /* the NULL that ends each statement */
    }
    for (;;) { /* up to the sync */
        PGresult *r = PQgetResult(self->conn);
        if (!r)
            break;
        ExecStatusType st = PQresultStatus(r);
        PQclear(r);
        if (st == PGRES_PIPELINE_SYNC)
            break;
        if (PQstatus(self->conn) != CONNECTION_OK)
            break;
    }
    return !failed;
}

/* After a statement could not be queued: syncs and drops whatever the
 * server still answers. */
static void
s_pipeline_drain(collector_store_t *self)
{
    if (!PQpipelineSync(self->conn))
        return;
    for (;;) {
        PGresult *r = PQgetResult(self->conn);
        if (!r) {
            if (PQstatus(self->conn) != CONNECTION_OK)
                break;
            continue;
        }
        ExecStatusType st = PQresultStatus(r);
        PQclear(r);
        if (st == PGRES_PIPELINE_SYNC)
            break;
    }
}

/* Rolls the open transaction back, if the connection still holds one. */
static void
s_rollback(collector_store_t *self)
{
    if (PQstatus(self->conn) == CONNECTION_OK) {
        PGresult *r = PQexec(self->conn, "ROLLBACK");
        PQclear(r);
    }
}

/* The usual case, pipelined: BEGIN, every message's INSERT, the device
 * statuses and COMMIT are queued at once (libpq pipeline mode) and their
 * results read in order after one sync, so a batch waits for the server
 * once instead of once per message. Any error fails the attempt (rolled
 * back); the careful s_attempt then finds the message the database refuses.
 * Returns 0 committed, -1 failed (why filled). */
static int
s_attempt_pipelined(collector_store_t *self, collector_item_t *items, size_t n, char *why,
                    size_t why_len)
{
    if (!PQenterPipelineMode(self->conn)) {
        snprintf(why, why_len, "pipeline mode: %s", PQerrorMessage(self->conn));
        return -1;
    }
    size_t *sent = rl_calloc(n + 1, sizeof *sent); /* items with a statement, in order */
    size_t ns = 0, nd = 0;
    bool ok;
    self->pipeline = true;
    bool queued = s_pipeline_send(self, items, n, sent, &ns, &nd);
    self->pipeline = false;
    if (queued) {
        ok = s_pipeline_read(self, items, sent, ns, nd, why, why_len);
    } else {
        snprintf(why, why_len, "pipeline: %s", PQerrorMessage(self->conn));
        ok = false;
        s_pipeline_drain(self);
    }
    (void)PQexitPipelineMode(self->conn);
    free(sent);
    if (!ok) {
        s_rollback(self);
        return -1;
    }
    return 0;
}

/* Runs one command outside the prepared set. */
static bool
s_simple(collector_store_t *self, const char *sql, char *why, size_t why_len)
{
    PGresult *res = PQexec(self->conn, sql);
    bool ok = s_ok(res);
    if (!ok)
        snprintf(why, why_len, "%s: %s", sql, rl_db_result_error(res));
    PQclear(res);
    return ok;
}

/* Stores the item's dead letter (its outcome says why). */
static bool
s_store_dead_letter(collector_store_t *self, const collector_item_t *it, char *why, size_t why_len)
{
    PGresult *res = s_dead_letter(self, it);
    bool ok = s_ok(res);
    if (!ok)
        snprintf(why, why_len, "storing a dead letter: %s", rl_db_result_error(res));
    PQclear(res);
    return ok;
}

/* A measurement the database refused (res) inside savepoint m, while the
 * connection holds: kept as a dead letter instead. false (why filled)
 * when the connection is gone or the dead letter fails too. */
static bool
s_refused(collector_store_t *self, collector_item_t *it, const PGresult *res, char *why,
          size_t why_len)
{
    if (PQstatus(self->conn) != CONNECTION_OK || s_transient(res)) {
        snprintf(why, why_len, "storing a %s: %s", rl_body_kind_name(it->msg.kind),
                 rl_db_result_error(res));
        self->transient = self->transient || s_transient(res);
        return false;
    }
    char text[RL_TEXT_MAX + 1];
    snprintf(text, sizeof text, "refused by the database: %s", rl_db_result_error(res));
    if (!s_simple(self, "ROLLBACK TO SAVEPOINT m", why, why_len))
        return false;
    s_reject(it, RL_REASON_INVALID, text);
    return s_store_dead_letter(self, it, why, why_len);
}

/* One item of the careful attempt, in a savepoint of its own. */
static bool
s_careful_item(collector_store_t *self, collector_item_t *it, char *why, size_t why_len)
{
    if (!s_item_begin(it))
        return true;
    if (!s_simple(self, "SAVEPOINT m", why, why_len))
        return false;
    bool ok;
    if (it->resolved.action == COLLECTOR_ITEM_DEAD_LETTER) {
        ok = s_store_dead_letter(self, it, why, why_len);
    } else {
        PGresult *res = s_insert(self, it);
        ok = s_ok(res);
        if (ok)
            s_item_done(it, res);
        else
            ok = s_refused(self, it, res, why, why_len);
        PQclear(res);
    }
    return ok && s_simple(self, "RELEASE SAVEPOINT m", why, why_len);
}

/* One device status of the careful attempt, in a savepoint of its own: a
 * status the database refuses is left out (said in the log), never a
 * reason to fail the measurements of every device. */
static bool
s_careful_status(collector_store_t *self, const s_dev_t *d, char *why, size_t why_len)
{
    if (!s_simple(self, "SAVEPOINT s", why, why_len))
        return false;
    PGresult *res = s_device_status(self, d);
    bool ok = true;
    if (!s_ok(res)) {
        if (PQstatus(self->conn) != CONNECTION_OK) {
            snprintf(why, why_len, "updating device status: %s", rl_db_result_error(res));
            PQclear(res);
            return false;
        }
        char *e = rl_text_utf8_sanitize(rl_db_result_error(res), 200);
        rl_error(d->device_id, "device status not updated: %s", e);
        free(e);
        ok = s_simple(self, "ROLLBACK TO SAVEPOINT s", why, why_len);
    }
    PQclear(res);
    return ok && s_simple(self, "RELEASE SAVEPOINT s", why, why_len);
}

/* The careful attempt at the whole batch in one transaction: a savepoint
 * around every message and every device status, so that a message the
 * database refuses (a rule we did not check) becomes a dead letter instead
 * of failing the batch. Returns 0 committed, -1 failed (why filled). */
static int
s_attempt(collector_store_t *self, collector_item_t *items, size_t n, char *why, size_t why_len)
{
    if (!s_simple(self, "BEGIN", why, why_len))
        return -1;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++)
        ok = s_careful_item(self, &items[i], why, why_len);
    if (ok) { /* device status: one row per device of the batch */
        size_t nd = 0;
        s_dev_t *devs = s_devices(items, n, &nd);
        for (size_t d = 0; d < nd && ok; d++)
            ok = s_careful_status(self, &devs[d], why, why_len);
        free(devs);
    }
    if (!ok) {
        s_rollback(self);
        return -1;
    }
    return s_simple(self, "COMMIT", why, why_len) ? 0 : -1;
}

static void
s_count(const collector_item_t *items, size_t n, collector_store_counters_t *counters)
{
    for (size_t i = 0; i < n; i++) {
        if (items[i].status == RL_ACK_ACCEPTED &&
            items[i].resolved.action == COLLECTOR_ITEM_MEASUREMENT)
            counters->committed++;
        else if (items[i].status == RL_ACK_DUPLICATE)
            counters->duplicates++;
        else if (items[i].status == RL_ACK_REJECTED)
            counters->rejected++;
    }
}

/* The per-message way, at once: pipelined, then careful. 1 committed
 * (outcome filled, counted), -1 failed (err set; the connection is closed
 * when it was lost). */
static int
s_flush_per_message(collector_store_t *self, collector_item_t *items, size_t n,
                    collector_store_counters_t *counters, rl_err_t *err)
{
    char why[RL_ERR_MAX];
    int rc = -1, att;
    for (int tries = 1;; tries++) { /* a deadlock with another collector: again (s_transient) */
        self->transient = false;
        att = s_attempt_pipelined(self, items, n, why, sizeof why);
        if (att == 0 || !self->transient || tries >= S_TRANSIENT_TRIES)
            break;
    }
    if (att == 0) {
        rc = 0;
    } else if (!s_lost(self->conn)) {
        if (s_attempt(self, items, n, why, sizeof why) == 0)
            rc = 0;
        else
            rl_err_set(err, "%s", why);
    } else {
        rl_err_set(err, "%s", why);
    }
    if (rc != 0) {
        if (s_lost(self->conn))
            s_disconnect(self);
        return -1;
    }
    s_count(items, n, counters);
    return 1;
}

/* Starts one table's COPY: the statement (one round trip), then its
 * rows and the end of the data queued in libpq's output, sent without
 * blocking (the connection is non-blocking until they are out: the
 * server reads them as fast as it stores them, and the caller receives
 * the next batch meanwhile). false (why filled) when the server refused
 * the statement or the connection failed. */
static bool
s_copy_send(collector_store_t *self, s_flight_t *f, char *why, size_t why_len)
{
    const collector_copy_buf_t *b = &self->copy.t[f->table];
    PGresult *r = PQexec(self->conn, collector_copy_sql[f->table]);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        snprintf(why, why_len, "COPY: %s", rl_db_result_error(r));
        PQclear(r);
        return false;
    }
    PQclear(r);
    bool sent = PQsetnonblocking(self->conn, 1) == 0 &&
                PQputCopyData(self->conn, (const char *)b->data, (int)b->len) == 1 &&
                PQputCopyEnd(self->conn, NULL) == 1;
    int fl = sent ? PQflush(self->conn) : -1;
    if (fl < 0) {
        snprintf(why, why_len, "COPY: %s", PQerrorMessage(self->conn));
        return false;
    }
    f->writing = fl == 1;
    f->last_null = false;
    return true;
}

/* The next table with rows after f->table, or COLLECTOR_COPY_NTABLES. */
static int
s_next_table(const collector_store_t *self, int t)
{
    for (t++; t < COLLECTOR_COPY_NTABLES; t++)
        if (self->copy.t[t].rows)
            break;
    return t;
}

/* The batch's rows for COPY, built in c: false (why filled) when a value
 * does not fit COPY as the statement would have taken it. */
static bool
s_copy_build(collector_copy_t *c, collector_item_t *items, size_t n, char *why, size_t why_len)
{
    collector_copy_reset(c);
    for (size_t i = 0; i < n; i++) {
        if (s_item_begin(&items[i]) && collector_copy_takes(&items[i]) &&
            !collector_copy_add(c, &items[i])) {
            snprintf(why, why_len, "a value outside its column's type");
            return false;
        }
    }
    collector_copy_finish(c);
    return true;
}

void
collector_store_prepare(collector_store_t *self, collector_item_t *items, size_t n)
{
    char why[RL_ERR_MAX];
    self->prepared_ok = s_copy_build(&self->copy_next, items, n, why, sizeof why);
    self->prepared = items;
    self->n_prepared = n;
}

/* The batch's rows by COPY, built in memory (or, prepared, taken as
 * collector_store_prepare built them, outcomes started), and the
 * transaction opened: false (why filled) when a value does not fit COPY
 * as the statement would have taken it, or the database failed. */
static bool
s_copy_open(collector_store_t *self, collector_item_t *items, size_t n, bool prepared, char *why,
            size_t why_len)
{
    bool take = prepared && self->prepared == items && self->n_prepared == n;
    self->prepared = NULL;
    if (!take) {
        if (!s_copy_build(&self->copy, items, n, why, why_len))
            return false;
    } else if (!self->prepared_ok) {
        snprintf(why, why_len, "a value outside its column's type");
        return false;
    } else {
        collector_copy_t t = self->copy;
        self->copy = self->copy_next;
        self->copy_next = t;
    }
    return s_simple(self, "BEGIN", why, why_len);
}

/* After the COPYs, in the open transaction: the questionnaires and dead
 * letters by their statements (rare: waited for), every COPY row marked
 * ACCEPTED. false (why filled) when the server refused one. */
static bool
s_copy_rest(collector_store_t *self, collector_item_t *items, size_t n, char *why, size_t why_len)
{
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        collector_item_t *it = &items[i];
        if (it->resolved.action == COLLECTOR_ITEM_MEASUREMENT && collector_copy_takes(it)) {
            it->status = RL_ACK_ACCEPTED;
        } else if (it->resolved.action == COLLECTOR_ITEM_MEASUREMENT ||
                   it->resolved.action == COLLECTOR_ITEM_DEAD_LETTER) {
            PGresult *res = s_item_exec(self, it);
            ok = s_ok(res);
            if (ok)
                s_item_done(it, res);
            else
                snprintf(why, why_len, "%s", rl_db_result_error(res));
            PQclear(res);
        }
    }
    return ok;
}

/* Queues the device statuses and COMMIT of the open transaction, with a
 * sync, without waiting for them (pipeline mode, left on until
 * collector_store_flush_poll has read the sync). */
static bool
s_send_commit(collector_store_t *self, collector_item_t *items, size_t n)
{
    if (!PQenterPipelineMode(self->conn))
        return false;
    size_t nd = 0;
    s_dev_t *devs = s_devices(items, n, &nd);
    bool ok = true;
    self->pipeline = true;
    if (nd) { /* one statement for all: a batch of 100 devices is not 100 round trips' work */
        PGresult *res = s_device_statuses(self, devs, nd);
        ok = res != NULL;
        PQclear(res);
    }
    self->pipeline = false;
    free(devs);
    ok = ok && PQsendQueryParams(self->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) &&
         PQpipelineSync(self->conn);
    if (!ok) {
        s_pipeline_drain(self);
        (void)PQexitPipelineMode(self->conn);
    }
    return ok;
}

/* The fast path from its COPYs on: the next table's COPY when there is
 * one, else the rest of the rows and the commit sent. false (why filled)
 * when the batch must go the per-message way (or the database failed). */
static bool
s_copy_advance(collector_store_t *self, s_flight_t *f, char *why, size_t why_len)
{
    f->table = s_next_table(self, f->table);
    if (f->table < COLLECTOR_COPY_NTABLES)
        return s_copy_send(self, f, why, why_len);
    if (!s_copy_rest(self, f->items, f->n, why, why_len))
        return false;
    if (!s_send_commit(self, f->items, f->n)) {
        snprintf(why, why_len, "sending COMMIT: %s", PQerrorMessage(self->conn));
        return false;
    }
    f->phase = S_PHASE_COMMIT;
    f->last_null = false;
    return true;
}

/* The fast path failed (why): rolled back, and the batch stored message
 * by message at once, unless the connection was lost. As flush_start. */
static int
s_fast_failed(collector_store_t *self, collector_item_t *items, size_t n,
              collector_store_counters_t *counters, const char *why, rl_err_t *err)
{
    /* back to blocking; COPY data libpq could not send means a broken
     * connection: whatever the server has is rolled back with it */
    bool lost = PQstatus(self->conn) != CONNECTION_OK ||
                (PQisnonblocking(self->conn) &&
                 (PQflush(self->conn) != 0 || PQsetnonblocking(self->conn, 0) != 0));
    if (!lost && PQtransactionStatus(self->conn) != PQTRANS_IDLE)
        s_rollback(self);
    if (lost || s_lost(self->conn)) {
        rl_err_set(err, "%s", why);
        s_disconnect(self);
        return -1;
    }
    rl_debug("database", "batch of %zu by COPY not stored (%s): message by message", n, why);
    return s_flush_per_message(self, items, n, counters, err);
}

int
collector_store_flush_start(collector_store_t *self, collector_item_t *items, size_t n,
                            bool prepared, collector_store_counters_t *counters, rl_err_t *err)
{
    char why[RL_ERR_MAX];
    if (!collector_store_is_up(self))
        return rl_err_set(err, "not connected to the database");
    if (self->flight.items)
        return rl_err_set(err, "a batch is still being committed");
    if (n == 0)
        return 1;
    s_flight_t *f = &self->flight;
    memset(f, 0, sizeof *f);
    f->phase = S_PHASE_COPY;
    f->table = -1;
    f->items = items;
    f->n = n;
    f->counters = counters;
    if (!s_copy_open(self, items, n, prepared, why, sizeof why) ||
        !s_copy_advance(self, f, why, sizeof why)) {
        f->items = NULL;
        return s_fast_failed(self, items, n, counters, why, err);
    }
    return 0;
}

bool
collector_store_in_flight(const collector_store_t *self)
{
    return self->flight.items != NULL;
}

int
collector_store_socket(const collector_store_t *self)
{
    return self->conn ? PQsocket(self->conn) : -1;
}

/* Reads the results of the flight that have come: false once the sync is
 * read (or the connection failed: f->failed). */
static bool
s_flight_read(collector_store_t *self, s_flight_t *f)
{
    if (!PQconsumeInput(self->conn)) {
        snprintf(f->why, sizeof f->why, "%s", PQerrorMessage(self->conn));
        f->failed = true;
        return false;
    }
    while (!PQisBusy(self->conn)) {
        PGresult *r = PQgetResult(self->conn);
        if (!r) {
            if (f->last_null || PQstatus(self->conn) != CONNECTION_OK)
                break; /* nothing more until more input */
            f->last_null = true;
            continue;
        }
        f->last_null = false;
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            return false;
        }
        if (!f->failed && !s_ok(r) && st != PGRES_PIPELINE_ABORTED) {
            snprintf(f->why, sizeof f->why, "%s", rl_db_result_error(r));
            f->failed = true;
        } else if (st == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(r), "COMMIT")) {
            f->committed = true;
        }
        PQclear(r);
    }
    if (PQstatus(self->conn) != CONNECTION_OK) {
        if (!f->failed)
            snprintf(f->why, sizeof f->why, "%s", PQerrorMessage(self->conn));
        f->failed = true;
        return false;
    }
    return true;
}

bool
collector_store_committing(const collector_store_t *self)
{
    return self->flight.items && self->flight.phase == S_PHASE_COMMIT;
}

bool
collector_store_wants_write(const collector_store_t *self)
{
    return self->flight.items && self->flight.phase == S_PHASE_COPY && self->flight.writing;
}

/* S_PHASE_COPY: sends what libpq still holds of the COPY data, then reads
 * the COPY's result. 0 not yet; 1 the COPY is done (f->failed when the
 * server refused its rows); -1 the connection failed (f->why). */
static int
s_copy_read(collector_store_t *self, s_flight_t *f)
{
    if (f->writing) {
        int fl = PQflush(self->conn);
        /* read too, so that what the server says meanwhile (an error
         * while it discards the rest) never fills the socket */
        if (fl < 0 || !PQconsumeInput(self->conn)) {
            snprintf(f->why, sizeof f->why, "COPY: %s", PQerrorMessage(self->conn));
            return -1;
        }
        f->writing = fl == 1;
        if (f->writing)
            return 0;
    }
    if (PQisnonblocking(self->conn) && PQsetnonblocking(self->conn, 0) != 0) {
        snprintf(f->why, sizeof f->why, "COPY: %s", PQerrorMessage(self->conn));
        return -1;
    }
    if (!PQconsumeInput(self->conn)) {
        snprintf(f->why, sizeof f->why, "COPY: %s", PQerrorMessage(self->conn));
        return -1;
    }
    while (!PQisBusy(self->conn)) {
        PGresult *r = PQgetResult(self->conn);
        if (!r)
            return 1;
        if (!f->failed && PQresultStatus(r) != PGRES_COMMAND_OK) {
            snprintf(f->why, sizeof f->why, "COPY: %s", rl_db_result_error(r));
            f->failed = true;
        }
        PQclear(r);
    }
    if (PQstatus(self->conn) != CONNECTION_OK) {
        snprintf(f->why, sizeof f->why, "COPY: %s", PQerrorMessage(self->conn));
        return -1;
    }
    return 0;
}

int
collector_store_flush_poll(collector_store_t *self, rl_err_t *err)
{
    s_flight_t *f = &self->flight;
    if (!f->items)
        return 1;
    collector_item_t *items = f->items;
    size_t n = f->n;
    collector_store_counters_t *counters = f->counters;
    while (f->phase == S_PHASE_COPY) {
        int rc = s_copy_read(self, f);
        if (rc == 0)
            return 0; /* still on its way */
        if (rc < 0 || f->failed || !s_copy_advance(self, f, f->why, sizeof f->why)) {
            f->items = NULL;
            return s_fast_failed(self, items, n, counters, f->why, err);
        }
    }
    if (s_flight_read(self, f))
        return 0; /* still on its way */
    f->items = NULL;
    bool lost = PQstatus(self->conn) != CONNECTION_OK;
    if (!lost) {
        (void)PQexitPipelineMode(self->conn);
        if (f->failed && PQtransactionStatus(self->conn) == PQTRANS_INERROR)
            s_rollback(self); /* else the check below would see the aborted transaction */
        lost = f->failed && s_lost(self->conn);
    }
    if (lost) {
        /* committed or not, we cannot know: stored again after the
         * reconnection, a committed row answers DUPLICATE */
        rl_err_set(err, "%s", f->why[0] ? f->why : "the connection was lost at COMMIT");
        s_disconnect(self);
        return -1;
    }
    if (f->failed || !f->committed) {
        /* a device status refused: the transaction was aborted */
        if (PQtransactionStatus(self->conn) != PQTRANS_IDLE)
            s_rollback(self);
        rl_debug("database", "batch of %zu not committed (%s): message by message", n, f->why);
        return s_flush_per_message(self, items, n, counters, err);
    }
    s_count(items, n, counters);
    return 1;
}

/* ------------------------------------------------------------ allow-list */

int
collector_store_devices(collector_store_t *self, collector_store_device_t **devices_p, size_t *n_p,
                        rl_err_t *err)
{
    if (!collector_store_is_up(self))
        return rl_err_set(err, "not connected to the database");
    PGresult *res =
        rl_db_exec(self->lookup, err, "reading the device allow-list",
                   "SELECT device_id, public_key, revoked FROM clinical.collector_device", 0, NULL);
    if (!res) {
        if (s_lost(self->lookup))
            s_disconnect(self);
        return -1;
    }
    int rows = PQntuples(res);
    collector_store_device_t *d = rl_calloc((size_t)rows + 1, sizeof *d);
    for (int r = 0; r < rows; r++) {
        snprintf(d[r].device_id, sizeof d[r].device_id, "%s", PQgetvalue(res, r, 0));
        snprintf(d[r].public_key, sizeof d[r].public_key, "%s", PQgetvalue(res, r, 1));
        d[r].revoked = PQgetvalue(res, r, 2)[0] == 't';
    }
    PQclear(res);
    *devices_p = d;
    *n_p = (size_t)rows;
    return 0;
}

int
collector_store_write_status(collector_store_t *self, int64_t started_us,
                             const collector_store_counters_t *c, rl_err_t *err)
{
    if (!collector_store_is_up(self))
        return rl_err_set(err, "not connected to the database");
    char v[5][32];
    snprintf(v[0], sizeof v[0], "%lld", (long long)started_us);
    snprintf(v[1], sizeof v[1], "%llu", (unsigned long long)c->received);
    snprintf(v[2], sizeof v[2], "%llu", (unsigned long long)c->committed);
    snprintf(v[3], sizeof v[3], "%llu", (unsigned long long)c->duplicates);
    snprintf(v[4], sizeof v[4], "%llu", (unsigned long long)c->rejected);
    const char *params[6] = {self->name, v[0], v[1], v[2], v[3], v[4]};
    PGresult *res = rl_db_exec(
        self->lookup, err, "writing the collector status",
        "INSERT INTO meas.collector_status AS c (collector, started_at, updated_at, received,"
        " committed, duplicates, rejected)"
        " VALUES ($1, 'epoch'::timestamptz + interval '1 microsecond' * $2::bigint, now(), $3, $4,"
        " $5, $6)"
        " ON CONFLICT (collector) DO UPDATE SET started_at = EXCLUDED.started_at,"
        " updated_at = now(), received = EXCLUDED.received, committed = EXCLUDED.committed,"
        " duplicates = EXCLUDED.duplicates, rejected = EXCLUDED.rejected",
        6, params);
    if (!res) {
        if (s_lost(self->lookup))
            s_disconnect(self);
        return -1;
    }
    PQclear(res);
    return 0;
}
