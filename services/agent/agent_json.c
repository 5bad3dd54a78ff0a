/* Measurements as JSON objects (format in agent_json.h). */
#include "agent_json.h"

#include "ruglab/date.h"
#include "ruglab/mem.h"
#include "ruglab/text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Fields allowed per body kind, after the common ones. */
static const char *const s_common[] = {"type",     "session_id",  "patient_token",
                                       "taken_at", "taken_at_us", NULL};
static const char *const s_f_start[] = {"kind", "operator_code", NULL};
static const char *const s_f_end[] = {"duration_s", "aborted", NULL};
static const char *const s_f_test[] = {"direction",        "trial", "rom_deg", "max_torque_nm",
                                       "angle_at_max_deg", NULL};
static const char *const s_f_train[] = {"direction",       "set_number",           "load_nm",
                                        "load_pct_of_max", "repetitions",          "range_min_deg",
                                        "range_max_deg",   "time_under_tension_s", NULL};
static const char *const s_f_samples[] = {"direction",      "context",     "context_number",
                                          "sample_rate_hz", "first_index", "angle_deg",
                                          "torque_nm",      NULL};
static const char *const s_f_quest[] = {"instrument", "version", "language", "answers", NULL};

static bool
s_in(const char *const *list, const char *key)
{
    for (; *list; list++)
        if (!strcmp(*list, key))
            return true;
    return false;
}

static int
s_get_id(const json_t *obj, const char *key, bool required, char *dst, rl_err_t *err)
{
    const json_t *v = json_object_get(obj, key);
    dst[0] = '\0';
    if (!v || json_is_null(v)) {
        if (required)
            return rl_err_set(err, "field '%s' is missing", key);
        return 0;
    }
    if (!json_is_string(v))
        return rl_err_set(err, "field '%s': expected a string", key);
    const char *s = json_string_value(v);
    if (!*s && !required)
        return 0;
    if (!rl_id_valid(s))
        return rl_err_set(err, "field '%s': '%.80s' is not 1..64 letters, digits, '.', '_' or '-'",
                          key, s);
    strcpy(dst, s);
    return 0;
}

static int
s_get_num(const json_t *obj, const char *key, bool required, double *out, rl_err_t *err)
{
    const json_t *v = json_object_get(obj, key);
    *out = 0;
    if (!v || json_is_null(v)) {
        if (required)
            return rl_err_set(err, "field '%s' is missing", key);
        return 0;
    }
    if (!json_is_number(v))
        return rl_err_set(err, "field '%s': expected a number", key);
    *out = json_number_value(v);
    if (!isfinite(*out))
        return rl_err_set(err, "field '%s': not a finite number", key);
    return 0;
}

static int
s_get_float(const json_t *obj, const char *key, bool required, float *out, rl_err_t *err)
{
    double d;
    if (s_get_num(obj, key, required, &d, err))
        return -1;
    if (fabs(d) > 3.0e38)
        return rl_err_set(err, "field '%s': %g is too large", key, d);
    *out = (float)d;
    return 0;
}

static int
s_get_uint(const json_t *obj, const char *key, bool required, uint64_t max, uint64_t *out,
           rl_err_t *err)
{
    const json_t *v = json_object_get(obj, key);
    *out = 0;
    if (!v || json_is_null(v)) {
        if (required)
            return rl_err_set(err, "field '%s' is missing", key);
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return rl_err_set(err, "field '%s': expected a whole number >= 0", key);
    if ((uint64_t)json_integer_value(v) > max)
        return rl_err_set(err, "field '%s': %lld is larger than %llu", key,
                          (long long)json_integer_value(v), (unsigned long long)max);
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int
s_get_u32(const json_t *obj, const char *key, bool required, uint32_t *out, rl_err_t *err)
{
    uint64_t v;
    if (s_get_uint(obj, key, required, UINT32_MAX, &v, err))
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int
s_get_direction(const json_t *obj, rl_direction_t *out, rl_err_t *err)
{
    const json_t *v = json_object_get(obj, "direction");
    if (!v)
        return rl_err_set(err, "field 'direction' is missing");
    if (!json_is_string(v) || rl_direction_parse(json_string_value(v), out, NULL) < 0)
        return rl_err_set(err,
                          "field 'direction': expected extension, flexion, lateral_flexion_left, "
                          "lateral_flexion_right, rotation_left or rotation_right");
    return 0;
}

static int
s_get_samples(const json_t *obj, const char *key, float **dst, size_t *n, rl_err_t *err)
{
    const json_t *a = json_object_get(obj, key);
    if (!a)
        return rl_err_set(err, "field '%s' is missing", key);
    if (!json_is_array(a))
        return rl_err_set(err, "field '%s': expected an array of numbers", key);
    size_t len = json_array_size(a);
    if (len < 1 || len > RL_SAMPLES_MAX)
        return rl_err_set(err, "field '%s': %zu samples, expected 1..%u", key, len, RL_SAMPLES_MAX);
    if (*n && len != *n)
        return rl_err_set(err, "field '%s': %zu samples, but angle_deg has %zu", key, len, *n);
    *n = len;
    for (size_t i = 0; i < len; i++) {
        const json_t *v = json_array_get(a, i);
        if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
            fabs(json_number_value(v)) > 3.0e38)
            return rl_err_set(err, "field '%s': element %zu is not a number", key, i);
        dst[0][i] = (float)json_number_value(v);
    }
    return 0;
}

static int
s_answers(const json_t *obj, rl_msg_t *msg, rl_err_t *err)
{
    rl_questionnaire_t *q = &msg->u.questionnaire;
    const json_t *a = json_object_get(obj, "answers");
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return rl_err_set(err, "field 'answers': expected an array of {\"item\", \"value\"}");
    if (json_array_size(a) > RL_ANSWERS_MAX)
        return rl_err_set(err, "field 'answers': %zu answers, at most %u", json_array_size(a),
                          RL_ANSWERS_MAX);
    rl_msg_answers_alloc(msg, json_array_size(a));
    q->n_answers = 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *e = json_array_get(a, i);
        rl_item_answer_t *ans = &q->answers[i];
        if (!json_is_object(e))
            return rl_err_set(err, "field 'answers': element %zu is not an object", i + 1);
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)e, k, v)
        {
            if (strcmp(k, "item") && strcmp(k, "value") && strcmp(k, "label"))
                return rl_err_set(err, "field 'answers': element %zu has an unknown field '%s'",
                                  i + 1, k);
        }
        double value;
        if (s_get_u32(e, "item", true, &ans->item, err) ||
            s_get_num(e, "value", true, &value, err)) {
            rl_err_prefix(err, "answers element %zu", i + 1);
            return -1;
        }
        if (value != floor(value) || fabs(value) > 1e6)
            return rl_err_set(err, "answers element %zu: field 'value': expected a whole number",
                              i + 1);
        ans->value = (int32_t)value;
        const json_t *label = json_object_get(e, "label");
        if (label && !json_is_null(label)) {
            if (!json_is_string(label))
                return rl_err_set(err, "answers element %zu: field 'label': expected a string",
                                  i + 1);
            const char *s = json_string_value(label);
            if (strlen(s) > RL_TEXT_MAX)
                return rl_err_set(err, "answers element %zu: field 'label': longer than %u bytes",
                                  i + 1, RL_TEXT_MAX);
            if (rl_text_control_at(s, strlen(s)) < strlen(s))
                return rl_err_set(
                    err, "answers element %zu: field 'label' holds control characters", i + 1);
            strcpy(ans->label, s);
        }
        q->n_answers = i + 1;
    }
    return 0;
}

int
agent_json_parse_time(const char *s, int64_t *us, rl_err_t *err)
{
    char date[RL_DATE_STR_SIZE];
    rl_date_t d;
    int hh, mm, ss, n = 0;
    if (strlen(s) < 20 || s[10] != 'T' || (memcpy(date, s, 10), date[10] = '\0', 0) ||
        rl_date_parse(date, &d, NULL) || sscanf(s + 11, "%2d:%2d:%2d%n", &hh, &mm, &ss, &n) != 3 ||
        n != 8 || hh > 23 || mm > 59 || ss > 60 || hh < 0 || mm < 0 || ss < 0)
        goto bad;
    const char *p = s + 19;
    int64_t frac = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 6)
                frac = frac * 10 + (*p - '0');
        if (!digits)
            goto bad;
        for (; digits < 6; digits++)
            frac *= 10;
    }
    int64_t offset_s = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 23 || om > 59)
            goto bad;
        offset_s = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        goto bad;
    }
    if (*p)
        goto bad;
    int64_t secs = (int64_t)rl_date_to_days(d) * 86400 + hh * 3600 + mm * 60 + ss - offset_s;
    *us = secs * 1000000 + frac;
    return 0;
bad:
    return rl_err_set(err, "'%.40s' is not an RFC 3339 time such as 2026-11-23T10:00:00Z", s);
}

void
agent_json_format_time(int64_t us, char buf[32])
{
    int64_t secs = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
    int64_t frac = us - secs * 1000000;
    long days = (long)(secs >= 0 ? secs / 86400 : (secs - 86399) / 86400);
    int64_t rem = secs - (int64_t)days * 86400;
    rl_date_t d = rl_date_from_days(days);
    snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", d.year, d.month, d.day,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)frac);
}

/* ------------------------------------------------ one parser per body kind */

static int
s_to_session_start(const json_t *obj, rl_msg_t *msg, rl_err_t *err)
{
    rl_session_start_t *b = &msg->u.session_start;
    const json_t *k = json_object_get(obj, "kind");
    if (!k)
        return rl_err_set(err, "field 'kind' is missing");
    if (!json_is_string(k) ||
        (b->kind = rl_session_kind_parse(json_string_value(k))) == RL_SESSION_KIND_UNSPECIFIED)
        return rl_err_set(err, "field 'kind': expected training, test or questionnaire");
    return s_get_id(obj, "operator_code", false, b->operator_code, err);
}

static int
s_to_session_end(const json_t *obj, rl_msg_t *msg, rl_err_t *err)
{
    rl_session_end_t *b = &msg->u.session_end;
    if (s_get_u32(obj, "duration_s", false, &b->duration_s, err))
        return -1;
    const json_t *a = json_object_get(obj, "aborted");
    if (a && !json_is_boolean(a) && !json_is_null(a))
        return rl_err_set(err, "field 'aborted': expected true or false");
    b->aborted = a && json_is_true(a);
    return 0;
}

static int
s_to_test_result(const json_t *obj, rl_msg_t *msg, rl_err_t *err)
{
    rl_test_result_t *b = &msg->u.test_result;
    if (s_get_direction(obj, &b->direction, err) || s_get_u32(obj, "trial", true, &b->trial, err) ||
        s_get_float(obj, "rom_deg", false, &b->rom_deg, err) ||
        s_get_float(obj, "max_torque_nm", false, &b->max_torque_nm, err) ||
        s_get_float(obj, "angle_at_max_deg", false, &b->angle_at_max_deg, err))
        return -1;
    return 0;
}

static int
s_to_training_set(const json_t *obj, rl_msg_t *msg, rl_err_t *err)
{
    rl_training_set_t *b = &msg->u.training_set;
    if (s_get_direction(obj, &b->direction, err) ||
        s_get_u32(obj, "set_number", true, &b->set_number, err) ||
        s_get_float(obj, "load_nm", false, &b->load_nm, err) ||
        s_get_float(obj, "load_pct_of_max", false, &b->load_pct_of_max, err) ||
        s_get_u32(obj, "repetitions", false, &b->repetitions, err) ||
        s_get_float(obj, "range_min_deg", false, &b->range_min_deg, err) ||
        s_get_float(obj, "range_max_deg", false, &b->range_max_deg, err) ||
        s_get_float(obj, "time_under_tension_s", false, &b->time_under_tension_s, err))
        return -1;
    return 0;
}

static int
s_to_sample_batch(const json_t *obj, rl_msg_t *msg, rl_err_t *err)
{
    rl_direction_t dir;
    uint32_t rate, ctxno;
    uint64_t first;
    if (s_get_direction(obj, &dir, err) || s_get_u32(obj, "context_number", false, &ctxno, err) ||
        s_get_u32(obj, "sample_rate_hz", true, &rate, err) ||
        s_get_uint(obj, "first_index", false, INT64_MAX, &first, err))
        return -1;
    const json_t *c = json_object_get(obj, "context");
    rl_sample_context_t ctx;
    if (!c)
        return rl_err_set(err, "field 'context' is missing");
    if (!json_is_string(c) ||
        (ctx = rl_sample_context_parse(json_string_value(c))) == RL_CONTEXT_UNSPECIFIED)
        return rl_err_set(err, "field 'context': expected test_trial or training_set");
    const json_t *aa = json_object_get(obj, "angle_deg");
    size_t n = aa && json_is_array(aa) ? json_array_size(aa) : 0;
    if (n < 1 || n > RL_SAMPLES_MAX)
        n = 1; /* s_get_samples reports the problem */
    rl_msg_samples_alloc(msg, n);
    rl_sample_batch_t *b = &msg->u.sample_batch;
    size_t len = 0;
    if (s_get_samples(obj, "angle_deg", &b->angle_deg, &len, err) ||
        s_get_samples(obj, "torque_nm", &b->torque_nm, &len, err))
        return -1;
    b->direction = dir;
    b->context = ctx;
    b->context_number = ctxno;
    b->sample_rate_hz = rate;
    b->first_index = first;
    b->n_angle = b->n_torque = len;
    return 0;
}

static int
s_to_questionnaire(const json_t *obj, rl_msg_t *msg, rl_err_t *err)
{
    rl_msg_answers_alloc(msg, 0); /* a questionnaire from here on: its fields kept */
    rl_questionnaire_t *b = &msg->u.questionnaire;
    if (s_get_id(obj, "instrument", true, b->instrument, err) ||
        s_get_id(obj, "version", true, b->version, err) ||
        s_get_id(obj, "language", false, b->language, err) || s_answers(obj, msg, err))
        return -1;
    return 0;
}

/* The measurement types: their fields (after the common ones) and parsers. */
typedef struct {
    rl_body_kind_t kind;
    const char *const *fields;
    int (*parse)(const json_t *obj, rl_msg_t *msg, rl_err_t *err);
} s_body_t;

static const s_body_t s_bodies[] = {
    {RL_BODY_SESSION_START, s_f_start, s_to_session_start},
    {RL_BODY_SESSION_END, s_f_end, s_to_session_end},
    {RL_BODY_TEST_RESULT, s_f_test, s_to_test_result},
    {RL_BODY_TRAINING_SET, s_f_train, s_to_training_set},
    {RL_BODY_SAMPLE_BATCH, s_f_samples, s_to_sample_batch},
    {RL_BODY_QUESTIONNAIRE, s_f_quest, s_to_questionnaire},
};

/* The measurement type named by the object's "type", or NULL with err set. */
static const s_body_t *
s_body_of(const json_t *obj, rl_err_t *err)
{
    const json_t *t = json_object_get(obj, "type");
    if (!t || !json_is_string(t)) {
        rl_err_set(err, "field 'type' is missing (session_start, session_end, "
                        "test_result, training_set, sample_batch or questionnaire)");
        return NULL;
    }
    const char *type = json_string_value(t);
    rl_body_kind_t kind = rl_body_kind_parse(type);
    for (size_t i = 0; i < sizeof s_bodies / sizeof s_bodies[0]; i++)
        if (s_bodies[i].kind == kind)
            return &s_bodies[i];
    rl_err_set(err,
               "field 'type': '%.40s' is not session_start, session_end, "
               "test_result, training_set, sample_batch or questionnaire",
               type);
    return NULL;
}

/* taken_at (RFC 3339) or taken_at_us, exactly one of them. */
static int
s_get_taken_at(const json_t *obj, rl_msg_t *msg, rl_err_t *err)
{
    const json_t *ta = json_object_get(obj, "taken_at");
    const json_t *tu = json_object_get(obj, "taken_at_us");
    if (ta && tu)
        return rl_err_set(err, "give either 'taken_at' or 'taken_at_us', not both");
    if (ta) {
        if (!json_is_string(ta) ||
            agent_json_parse_time(json_string_value(ta), &msg->taken_at_us, err)) {
            if (!json_is_string(ta))
                rl_err_set(err, "expected an RFC 3339 time");
            rl_err_prefix(err, "field 'taken_at'");
            return -1;
        }
    } else if (tu) {
        if (!json_is_integer(tu) || json_integer_value(tu) <= 0)
            return rl_err_set(err, "field 'taken_at_us': expected microseconds since the epoch");
        msg->taken_at_us = json_integer_value(tu);
    } else {
        return rl_err_set(err, "field 'taken_at' is missing");
    }
    return 0;
}

int
agent_json_to_msg(const json_t *obj, rl_msg_t *msg, rl_err_t *err)
{
    rl_msg_init(msg);
    if (!json_is_object(obj))
        return rl_err_set(err, "expected a JSON object");
    const s_body_t *body = s_body_of(obj, err);
    if (!body)
        return -1;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        if (!s_in(s_common, key) && !s_in(body->fields, key))
            return rl_err_set(err, "unknown field '%.40s' for %s", key,
                              rl_body_kind_name(body->kind));
    }
    if (s_get_id(obj, "session_id", true, msg->session_id, err) ||
        s_get_id(obj, "patient_token", true, msg->patient_token, err) ||
        s_get_taken_at(obj, msg, err) || body->parse(obj, msg, err))
        return -1;
    msg->kind = body->kind;
    return 0;
}

int
agent_json_parse_line(const char *line, size_t len, rl_msg_t *msg, rl_err_t *err)
{
    json_error_t jerr;
    rl_msg_init(msg);
    json_t *obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj)
        return rl_err_set(err, "not valid JSON (column %d): %s", jerr.column, jerr.text);
    int rc = agent_json_to_msg(obj, msg, err);
    json_decref(obj);
    return rc;
}

int
agent_json_parse_document(const char *buf, size_t len, rl_msg_t **msgs_p, size_t *n_p, char *why,
                          size_t why_len)
{
    json_error_t jerr;
    *msgs_p = NULL;
    *n_p = 0;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(why, why_len, "line %d, column %d: not valid JSON: %s", jerr.line, jerr.column,
                 jerr.text);
        return -1;
    }
    size_t n = json_is_array(root) ? json_array_size(root) : 1;
    if (n == 0) {
        json_decref(root);
        snprintf(why, why_len, "no measurements (an empty array)");
        return -1;
    }
    rl_msg_t *msgs = rl_calloc(n, sizeof *msgs);
    for (size_t i = 0; i < n; i++) {
        const json_t *obj = json_is_array(root) ? json_array_get(root, i) : root;
        rl_err_t err;
        if (agent_json_to_msg(obj, &msgs[i], &err)) {
            snprintf(why, why_len, "measurement %zu of %zu: %s", i + 1, n, err.msg);
            for (size_t k = 0; k <= i; k++)
                rl_msg_clear(&msgs[k]);
            free(msgs);
            json_decref(root);
            return -1;
        }
    }
    json_decref(root);
    *msgs_p = msgs;
    *n_p = n;
    return 0;
}

static json_t *
s_floats(const float *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_real(v[i]));
    return a;
}

json_t *
agent_json_from_msg(const rl_msg_t *msg)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(rl_body_kind_name(msg->kind)));
    json_object_set_new(o, "session_id", json_string(msg->session_id));
    json_object_set_new(o, "patient_token", json_string(msg->patient_token));
    json_object_set_new(o, "taken_at_us", json_integer(msg->taken_at_us));
    switch (msg->kind) {
    case RL_BODY_SESSION_START:
        json_object_set_new(o, "kind",
                            json_string(rl_session_kind_name(msg->u.session_start.kind)));
        if (msg->u.session_start.operator_code[0])
            json_object_set_new(o, "operator_code",
                                json_string(msg->u.session_start.operator_code));
        break;
    case RL_BODY_SESSION_END:
        json_object_set_new(o, "duration_s", json_integer(msg->u.session_end.duration_s));
        json_object_set_new(o, "aborted", json_boolean(msg->u.session_end.aborted));
        break;
    case RL_BODY_TEST_RESULT: {
        const rl_test_result_t *b = &msg->u.test_result;
        json_object_set_new(o, "direction", json_string(rl_direction_name(b->direction)));
        json_object_set_new(o, "trial", json_integer(b->trial));
        json_object_set_new(o, "rom_deg", json_real(b->rom_deg));
        json_object_set_new(o, "max_torque_nm", json_real(b->max_torque_nm));
        json_object_set_new(o, "angle_at_max_deg", json_real(b->angle_at_max_deg));
        break;
    }
    case RL_BODY_TRAINING_SET: {
        const rl_training_set_t *b = &msg->u.training_set;
        json_object_set_new(o, "direction", json_string(rl_direction_name(b->direction)));
        json_object_set_new(o, "set_number", json_integer(b->set_number));
        json_object_set_new(o, "load_nm", json_real(b->load_nm));
        json_object_set_new(o, "load_pct_of_max", json_real(b->load_pct_of_max));
        json_object_set_new(o, "repetitions", json_integer(b->repetitions));
        json_object_set_new(o, "range_min_deg", json_real(b->range_min_deg));
        json_object_set_new(o, "range_max_deg", json_real(b->range_max_deg));
        json_object_set_new(o, "time_under_tension_s", json_real(b->time_under_tension_s));
        break;
    }
    case RL_BODY_SAMPLE_BATCH: {
        const rl_sample_batch_t *b = &msg->u.sample_batch;
        json_object_set_new(o, "direction", json_string(rl_direction_name(b->direction)));
        json_object_set_new(o, "context", json_string(rl_sample_context_name(b->context)));
        json_object_set_new(o, "context_number", json_integer(b->context_number));
        json_object_set_new(o, "sample_rate_hz", json_integer(b->sample_rate_hz));
        json_object_set_new(o, "first_index", json_integer((json_int_t)b->first_index));
        json_object_set_new(o, "angle_deg", s_floats(b->angle_deg, b->n_angle));
        json_object_set_new(o, "torque_nm", s_floats(b->torque_nm, b->n_torque));
        break;
    }
    case RL_BODY_QUESTIONNAIRE: {
        const rl_questionnaire_t *b = &msg->u.questionnaire;
        json_object_set_new(o, "instrument", json_string(b->instrument));
        json_object_set_new(o, "version", json_string(b->version));
        if (b->language[0])
            json_object_set_new(o, "language", json_string(b->language));
        json_t *a = json_array();
        for (size_t i = 0; i < b->n_answers; i++) {
            json_t *e = json_pack("{s:i,s:i}", "item", (int)b->answers[i].item, "value",
                                  (int)b->answers[i].value);
            if (b->answers[i].label[0])
                json_object_set_new(e, "label", json_string(b->answers[i].label));
            json_array_append_new(a, e);
        }
        json_object_set_new(o, "answers", a);
        break;
    }
    default:
        break;
    }
    return o;
}
