/* Validation of decoded Envelopes (see collector_validate.h). The ranges
 * are the ones documented in proto/ruglab.proto and enforced again by the
 * CHECK constraints of deploy/sql/003_measurements.sql: a message that
 * passes here can be stored. */
#include "collector_validate.h"

#include "ruglab/questionnaire.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool s_reject(collector_validate_verdict_t *v, rl_reason_t reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool
s_reject(collector_validate_verdict_t *v, rl_reason_t reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    v->reason = reason;
    vsnprintf(v->text, sizeof v->text, fmt, ap);
    va_end(ap);
    return false;
}

/* Written so that NaN fails every range. */
static bool
s_in(double x, double lo, double hi)
{
    return x >= lo && x <= hi;
}

static bool
s_direction(rl_direction_t d, const char *what, collector_validate_verdict_t *v)
{
    if (d <= RL_DIR_UNSPECIFIED || d >= RL_DIR_COUNT)
        return s_reject(v, RL_REASON_MISSING_FIELD, "%s.direction missing or unknown (%d)", what,
                        (int)d);
    return true;
}

/* A float field within lo..hi (inclusive), else OUT_OF_RANGE. */
static bool
s_range(double x, double lo, double hi, const char *field, rl_direction_t d,
        collector_validate_verdict_t *v)
{
    if (s_in(x, lo, hi))
        return true;
    return s_reject(v, RL_REASON_OUT_OF_RANGE, "%s %g out of range %g..%g for %s", field, x, lo, hi,
                    rl_direction_name(d));
}

static bool
s_test_result(const rl_test_result_t *t, collector_validate_verdict_t *v)
{
    if (!s_direction(t->direction, "test_result", v))
        return false;
    if (t->trial == 0)
        return s_reject(v, RL_REASON_MISSING_FIELD, "test_result.trial missing (1-based)");
    if (t->trial > 100)
        return s_reject(v, RL_REASON_OUT_OF_RANGE, "trial %u out of range 1..100", t->trial);
    if (!(t->rom_deg > 0 && t->rom_deg <= 180))
        return s_reject(v, RL_REASON_OUT_OF_RANGE, "rom_deg %g out of range 0<..<=180 for %s",
                        (double)t->rom_deg, rl_direction_name(t->direction));
    return s_range(t->max_torque_nm, 0, 1000, "max_torque_nm", t->direction, v) &&
           s_range(t->angle_at_max_deg, -180, 180, "angle_at_max_deg", t->direction, v);
}

static bool
s_training_set(const rl_training_set_t *t, collector_validate_verdict_t *v)
{
    if (!s_direction(t->direction, "training_set", v))
        return false;
    if (t->set_number == 0)
        return s_reject(v, RL_REASON_MISSING_FIELD, "training_set.set_number missing (1-based)");
    if (t->set_number > 1000)
        return s_reject(v, RL_REASON_OUT_OF_RANGE, "set_number %u out of range 1..1000",
                        t->set_number);
    if (t->repetitions > 1000)
        return s_reject(v, RL_REASON_OUT_OF_RANGE, "repetitions %u out of range 0..1000",
                        t->repetitions);
    if (!s_range(t->load_nm, 0, 1000, "load_nm", t->direction, v) ||
        !s_range(t->load_pct_of_max, 0, 500, "load_pct_of_max", t->direction, v) ||
        !s_range(t->range_min_deg, -180, 180, "range_min_deg", t->direction, v) ||
        !s_range(t->range_max_deg, -180, 180, "range_max_deg", t->direction, v) ||
        !s_range(t->time_under_tension_s, 0, 3600, "time_under_tension_s", t->direction, v))
        return false;
    if (t->range_min_deg > t->range_max_deg)
        return s_reject(v, RL_REASON_OUT_OF_RANGE, "range_min_deg %g above range_max_deg %g",
                        (double)t->range_min_deg, (double)t->range_max_deg);
    return true;
}

static bool
s_sample_batch(const rl_sample_batch_t *b, collector_validate_verdict_t *v)
{
    if (!s_direction(b->direction, "sample_batch", v))
        return false;
    if (b->context != RL_CONTEXT_TEST_TRIAL && b->context != RL_CONTEXT_TRAINING_SET)
        return s_reject(v, RL_REASON_MISSING_FIELD, "sample_batch.context missing or unknown (%d)",
                        (int)b->context);
    if (b->context_number == 0)
        return s_reject(v, RL_REASON_MISSING_FIELD,
                        "sample_batch.context_number missing (the trial or set number)");
    if (b->context_number > INT32_MAX)
        return s_reject(v, RL_REASON_OUT_OF_RANGE, "context_number %u too large",
                        b->context_number);
    if (b->sample_rate_hz < 1 || b->sample_rate_hz > 2000)
        return s_reject(v, RL_REASON_OUT_OF_RANGE, "sample_rate_hz %u out of range 1..2000",
                        b->sample_rate_hz);
    if (b->first_index > (uint64_t)INT64_MAX)
        return s_reject(v, RL_REASON_OUT_OF_RANGE, "first_index too large");
    if (b->n_angle != b->n_torque)
        return s_reject(v, RL_REASON_INVALID, "angle_deg has %zu samples, torque_nm %zu",
                        b->n_angle, b->n_torque);
    if (b->n_angle < 1)
        return s_reject(v, RL_REASON_MISSING_FIELD, "sample_batch holds no samples");
    if (b->n_angle > RL_SAMPLES_MAX)
        return s_reject(v, RL_REASON_OUT_OF_RANGE, "%zu samples (at most %u)", b->n_angle,
                        RL_SAMPLES_MAX);
    for (size_t i = 0; i < b->n_angle; i++) {
        if (!s_in(b->angle_deg[i], -180, 180))
            return s_reject(v, RL_REASON_OUT_OF_RANGE,
                            "angle_deg[%zu] %g out of range -180..180 for %s", i,
                            (double)b->angle_deg[i], rl_direction_name(b->direction));
        if (!s_in(b->torque_nm[i], -1000, 1000))
            return s_reject(v, RL_REASON_OUT_OF_RANGE,
                            "torque_nm[%zu] %g out of range -1000..1000 for %s", i,
                            (double)b->torque_nm[i], rl_direction_name(b->direction));
    }
    return true;
}

/* A questionnaire's instrument: the proto's code (NPRS, ODI, RMDQ, TSK,
 * PSFS, NDI) or any code the scoring module knows, case-insensitive. */
static bool
s_instrument(const char *name, rl_instrument_t *out)
{
    for (int i = 0; i < RL_INSTRUMENT_COUNT; i++) {
        if (!strcasecmp(name, rl_instrument_db_code((rl_instrument_t)i))) {
            *out = (rl_instrument_t)i;
            return true;
        }
    }
    return rl_instrument_parse(name, out, NULL) == 0;
}

const char *
collector_validate_instrument_code(const char *instrument)
{
    rl_instrument_t in;
    return s_instrument(instrument, &in) ? rl_instrument_db_code(in) : NULL;
}

static void
s_answers(const rl_questionnaire_t *q, rl_q_answer_t *out)
{
    for (size_t i = 0; i < q->n_answers; i++) {
        out[i].item = (int)q->answers[i].item;
        out[i].value = q->answers[i].value;
    }
}

/* Scores with the instrument's scoring rules; for an ODI version other
 * than the one we score, the answers are still checked against the 2.1a
 * ranges (every ODI version has 10 sections of 0-5). Returns -1 on
 * invalid answers (err filled), 0 otherwise. */
static int
s_score(const rl_questionnaire_t *q, rl_q_score_t *score, rl_err_t *err)
{
    rl_instrument_t in;
    if (!s_instrument(q->instrument, &in))
        return rl_err_set(err, "unknown instrument '%s' (NPRS, ODI, RMDQ, TSK, PSFS, NDI)",
                          q->instrument);
    rl_q_answer_t answers[RL_ANSWERS_MAX];
    s_answers(q, answers);
    const char *version = q->version;
    bool other_odi = in == RL_INSTRUMENT_ODI && strcmp(version, "2.1a") != 0;
    if (other_odi)
        version = "2.1a";
    if (rl_questionnaire_score(rl_instrument_code(in), version, answers, q->n_answers, score,
                               err) != 0)
        return -1;
    if (other_odi)
        score->scorable = false;
    return 0;
}

static bool
s_questionnaire(const rl_questionnaire_t *q, collector_validate_verdict_t *v)
{
    if (!q->instrument[0])
        return s_reject(v, RL_REASON_MISSING_FIELD, "questionnaire.instrument missing");
    if (!q->version[0])
        return s_reject(v, RL_REASON_MISSING_FIELD, "questionnaire.version missing");
    if (!collector_validate_instrument_code(q->instrument))
        return s_reject(v, RL_REASON_INVALID,
                        "unknown instrument '%s' (NPRS, ODI, RMDQ, TSK, PSFS, NDI)", q->instrument);
    if (q->n_answers == 0)
        return s_reject(v, RL_REASON_MISSING_FIELD, "questionnaire holds no answers");
    rl_q_score_t score;
    rl_err_t err;
    if (s_score(q, &score, &err) != 0)
        return s_reject(v, RL_REASON_OUT_OF_RANGE, "%s", err.msg);
    return true;
}

bool
collector_validate_questionnaire_score(const rl_questionnaire_t *q, double *score)
{
    rl_q_score_t s;
    rl_err_t err;
    if (s_score(q, &s, &err) != 0 || !s.scorable)
        return false;
    *score = s.score;
    return true;
}

bool
collector_validate_is_session_scoped(rl_body_kind_t kind)
{
    switch (kind) {
    case RL_BODY_SESSION_START:
    case RL_BODY_SESSION_END:
    case RL_BODY_TEST_RESULT:
    case RL_BODY_TRAINING_SET:
    case RL_BODY_SAMPLE_BATCH:
    case RL_BODY_QUESTIONNAIRE:
        return true;
    default:
        return false;
    }
}

bool
collector_validate_wants_ack(const rl_msg_t *msg)
{
    return msg->seq > 0;
}

bool
collector_validate(const rl_msg_t *msg, const char *auth_device, int64_t now_us,
                   collector_validate_verdict_t *v)
{
    v->reason = RL_REASON_NONE;
    v->text[0] = '\0';
    if (msg->protocol_version != RL_PROTOCOL_VERSION)
        return s_reject(v, RL_REASON_UNSUPPORTED_VERSION,
                        "protocol_version %u not supported (supported: %u)", msg->protocol_version,
                        RL_PROTOCOL_VERSION);
    if (!msg->device_id[0])
        return s_reject(v, RL_REASON_MISSING_FIELD, "device_id missing");
    if (strcmp(msg->device_id, auth_device) != 0)
        return s_reject(v, RL_REASON_DEVICE_MISMATCH,
                        "device_id '%s' differs from the authenticated device '%s'", msg->device_id,
                        auth_device);
    if (msg->kind == RL_BODY_ACKS)
        return s_reject(v, RL_REASON_INVALID, "acknowledgements are sent by the collector only");
    if (msg->kind == RL_BODY_NONE)
        return s_reject(v, RL_REASON_MISSING_FIELD, "the Envelope carries no body");
    if (msg->boot_id == 0)
        return s_reject(v, RL_REASON_MISSING_FIELD, "boot_id missing");
    if (msg->boot_id > (uint64_t)INT64_MAX || msg->seq > (uint64_t)INT64_MAX)
        return s_reject(v, RL_REASON_OUT_OF_RANGE, "boot_id or seq above 2^63-1");
    bool session = collector_validate_is_session_scoped(msg->kind);
    if (msg->seq == 0 && session)
        return s_reject(v, RL_REASON_MISSING_FIELD, "seq missing");
    if (msg->taken_at_us == 0)
        return s_reject(v, RL_REASON_MISSING_FIELD, "taken_at_us missing");
    if (msg->taken_at_us < COLLECTOR_VALIDATE_TAKEN_MIN_US)
        return s_reject(v, RL_REASON_BAD_TIMESTAMP, "taken_at_us %lld is before 2000-01-01",
                        (long long)msg->taken_at_us);
    if (now_us <= INT64_MAX - COLLECTOR_VALIDATE_TAKEN_AHEAD_US &&
        msg->taken_at_us > now_us + COLLECTOR_VALIDATE_TAKEN_AHEAD_US)
        return s_reject(v, RL_REASON_BAD_TIMESTAMP,
                        "taken_at_us is %lld s ahead of the collector's clock (at most 300 s)",
                        (long long)((msg->taken_at_us - now_us) / 1000000));
    if (session) {
        if (!msg->session_id[0])
            return s_reject(v, RL_REASON_MISSING_FIELD, "session_id missing");
        if (!msg->patient_token[0])
            return s_reject(v, RL_REASON_MISSING_FIELD, "patient_token missing");
    }
    switch (msg->kind) {
    case RL_BODY_SESSION_START: {
        rl_session_kind_t k = msg->u.session_start.kind;
        if (k != RL_SESSION_TRAINING && k != RL_SESSION_TEST && k != RL_SESSION_QUESTIONNAIRE)
            return s_reject(v, RL_REASON_MISSING_FIELD,
                            "session_start.kind missing or unknown (%d)", (int)k);
        return true;
    }
    case RL_BODY_SESSION_END:
        if (msg->u.session_end.duration_s > 86400)
            return s_reject(v, RL_REASON_OUT_OF_RANGE, "duration_s %u out of range 0..86400",
                            msg->u.session_end.duration_s);
        return true;
    case RL_BODY_TEST_RESULT:
        return s_test_result(&msg->u.test_result, v);
    case RL_BODY_TRAINING_SET:
        return s_training_set(&msg->u.training_set, v);
    case RL_BODY_SAMPLE_BATCH:
        return s_sample_batch(&msg->u.sample_batch, v);
    case RL_BODY_QUESTIONNAIRE:
        return s_questionnaire(&msg->u.questionnaire, v);
    case RL_BODY_HELLO:
    case RL_BODY_HEARTBEAT:
        if (msg->kind == RL_BODY_HEARTBEAT && msg->u.heartbeat.oldest_unacked_s > INT32_MAX)
            return s_reject(v, RL_REASON_OUT_OF_RANGE, "oldest_unacked_s too large");
        if ((msg->kind == RL_BODY_HELLO ? msg->u.hello.spool_depth : msg->u.heartbeat.spool_depth) >
                (uint64_t)INT64_MAX ||
            (msg->kind == RL_BODY_HEARTBEAT && msg->u.heartbeat.spool_bytes > (uint64_t)INT64_MAX))
            return s_reject(v, RL_REASON_OUT_OF_RANGE, "spool counters above 2^63-1");
        return true;
    default:
        return s_reject(v, RL_REASON_INVALID, "unknown body");
    }
}

bool
collector_validate_enrolment_pick(const collector_validate_enrolment_t *rows, size_t n,
                                  rl_date_t taken, long long *enrolment_id,
                                  collector_validate_verdict_t *v)
{
    if (n == 0)
        return s_reject(v, RL_REASON_UNKNOWN_PATIENT, "patient token not known at this site");
    const collector_validate_enrolment_t *best = NULL, *ended = NULL;
    for (size_t i = 0; i < n; i++) {
        const collector_validate_enrolment_t *r = &rows[i];
        if (!r->has_enrolment || !strcmp(r->status, "cancelled"))
            continue;
        if (rl_date_compare(taken, r->start_date) < 0)
            continue;
        if (r->has_end && rl_date_compare(taken, r->end_date) > 0) {
            /* after this programme's end: kept with it, outside its dates */
            if (!ended || rl_date_compare(r->start_date, ended->start_date) > 0)
                ended = r;
            continue;
        }
        if (!best || rl_date_compare(r->start_date, best->start_date) > 0)
            best = r;
    }
    if (!best)
        best = ended;
    if (!best)
        return s_reject(v, RL_REASON_NOT_ENROLLED,
                        "patient not enrolled in a programme on %04d-%02d-%02d", taken.year,
                        taken.month, taken.day);
    *enrolment_id = best->enrolment_id;
    v->reason = RL_REASON_NONE;
    v->text[0] = '\0';
    return true;
}

int
collector_validate_tenths(float value)
{
    return (int)lround((double)value * 10.0);
}
