/* Collector validation: a valid message of every kind passes; every reason
 * code the collector gives from a message's content comes out for the
 * case that should give it; enrolment periods; sample rounding; what the
 * resolve step decides for the store. */
#include "../../services/collector/collector_resolve.h"
#include "../../services/collector/collector_validate.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* 2026-11-23T12:00:00Z */
#define NOW_US 1795435200000000ll

static void
s_header(rl_msg_t *m, rl_body_kind_t kind)
{
    rl_msg_clear(m); /* m was set (or zeroed) before: what it held is freed */
    m->protocol_version = RL_PROTOCOL_VERSION;
    strcpy(m->device_id, "tergumed-01");
    m->boot_id = 3;
    m->seq = 17;
    m->taken_at_us = NOW_US - 60000000ll;
    strcpy(m->session_id, "s-1");
    strcpy(m->patient_token, "RB-0001");
    m->kind = kind;
}

static void
s_test_result(rl_msg_t *m)
{
    s_header(m, RL_BODY_TEST_RESULT);
    m->u.test_result.direction = RL_DIR_EXTENSION;
    m->u.test_result.trial = 1;
    m->u.test_result.rom_deg = 42.5f;
    m->u.test_result.max_torque_nm = 180.0f;
    m->u.test_result.angle_at_max_deg = -10.0f;
}

static void
s_training_set(rl_msg_t *m)
{
    s_header(m, RL_BODY_TRAINING_SET);
    rl_training_set_t *t = &m->u.training_set;
    t->direction = RL_DIR_ROTATION_LEFT;
    t->set_number = 2;
    t->load_nm = 60;
    t->load_pct_of_max = 50;
    t->repetitions = 12;
    t->range_min_deg = -30;
    t->range_max_deg = 30;
    t->time_under_tension_s = 45;
}

static void
s_sample_batch(rl_msg_t *m, size_t n)
{
    s_header(m, RL_BODY_SAMPLE_BATCH);
    rl_msg_samples_alloc(m, n);
    rl_sample_batch_t *b = &m->u.sample_batch;
    b->direction = RL_DIR_FLEXION;
    b->context = RL_CONTEXT_TEST_TRIAL;
    b->context_number = 1;
    b->sample_rate_hz = 100;
    for (size_t i = 0; i < n; i++) {
        b->angle_deg[i] = (float)i * 0.5f;
        b->torque_nm[i] = 100.0f;
    }
}

static void
s_questionnaire(rl_msg_t *m, const char *instrument, const char *version, const int *values,
                size_t n)
{
    s_header(m, RL_BODY_QUESTIONNAIRE);
    rl_questionnaire_t *q = &m->u.questionnaire;
    strcpy(q->instrument, instrument);
    strcpy(q->version, version);
    rl_msg_answers_alloc(m, n);
    for (size_t i = 0; i < n; i++) {
        q->answers[i].item = (uint32_t)i + 1;
        q->answers[i].value = values[i];
    }
}

/* Validates and returns the reason (RL_REASON_NONE when valid). */
static rl_reason_t
s_check(const rl_msg_t *m)
{
    collector_validate_verdict_t v;
    bool ok = collector_validate(m, "tergumed-01", NOW_US, &v);
    assert_int_equal(ok, v.reason == RL_REASON_NONE);
    if (!ok)
        assert_true(strlen(v.text) > 0);
    return v.reason;
}

static void
test_valid_messages(void **state)
{
    (void)state;
    rl_msg_t m = {0};
    s_test_result(&m);
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    s_training_set(&m);
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    s_sample_batch(&m, 100);
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    rl_msg_clear(&m);
    s_header(&m, RL_BODY_SESSION_START);
    m.u.session_start.kind = RL_SESSION_TRAINING;
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    s_header(&m, RL_BODY_SESSION_END);
    m.u.session_end.duration_s = 7200;
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    int odi[10] = {1, 2, 3, 0, 1, 2, 3, 4, 5, 0};
    s_questionnaire(&m, "ODI", "2.1a", odi, 10);
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    /* Hello and heartbeat need no session, and may go unacknowledged. */
    s_header(&m, RL_BODY_HEARTBEAT);
    m.session_id[0] = m.patient_token[0] = '\0';
    m.seq = 0;
    m.u.heartbeat.spool_depth = 12;
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    assert_false(collector_validate_wants_ack(&m));
    m.seq = 5;
    assert_true(collector_validate_wants_ack(&m));
    /* The edges of the ranges are inside. */
    s_test_result(&m);
    m.u.test_result.rom_deg = 180;
    m.u.test_result.max_torque_nm = 0;
    m.u.test_result.angle_at_max_deg = 180;
    assert_int_equal(s_check(&m), RL_REASON_NONE);
}

static void
test_version_and_device(void **state)
{
    (void)state;
    rl_msg_t m = {0};
    s_test_result(&m);
    m.protocol_version = 0;
    assert_int_equal(s_check(&m), RL_REASON_UNSUPPORTED_VERSION);
    m.protocol_version = 2;
    assert_int_equal(s_check(&m), RL_REASON_UNSUPPORTED_VERSION);
    s_test_result(&m);
    strcpy(m.device_id, "tergumed-02");
    collector_validate_verdict_t v;
    assert_false(collector_validate(&m, "tergumed-01", NOW_US, &v));
    assert_int_equal(v.reason, RL_REASON_DEVICE_MISMATCH);
    assert_non_null(strstr(v.text, "tergumed-02"));
    m.device_id[0] = '\0';
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    s_header(&m, RL_BODY_ACKS);
    assert_int_equal(s_check(&m), RL_REASON_INVALID);
}

static void
test_missing_fields(void **state)
{
    (void)state;
    rl_msg_t m = {0};
    s_test_result(&m);
    m.boot_id = 0;
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    s_test_result(&m);
    m.seq = 0;
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    s_test_result(&m);
    m.taken_at_us = 0;
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    s_test_result(&m);
    m.session_id[0] = '\0';
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    s_test_result(&m);
    m.patient_token[0] = '\0';
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    s_test_result(&m);
    m.u.test_result.direction = RL_DIR_UNSPECIFIED;
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    m.u.test_result.direction = (rl_direction_t)9; /* unknown enum value */
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    s_test_result(&m);
    m.u.test_result.trial = 0;
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    s_header(&m, RL_BODY_NONE);
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    s_header(&m, RL_BODY_SESSION_START);
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    s_sample_batch(&m, 0);
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    rl_msg_clear(&m);
    s_sample_batch(&m, 10);
    m.u.sample_batch.context = RL_CONTEXT_UNSPECIFIED;
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    rl_msg_clear(&m);
    int nprs[1] = {5};
    s_questionnaire(&m, "NPRS", "", nprs, 1);
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    s_questionnaire(&m, "NPRS", "1", nprs, 0);
    assert_int_equal(s_check(&m), RL_REASON_MISSING_FIELD);
    rl_msg_clear(&m);
}

static void
test_out_of_range(void **state)
{
    (void)state;
    rl_msg_t m = {0};
    collector_validate_verdict_t v;
    s_test_result(&m);
    m.u.test_result.rom_deg = 720;
    assert_false(collector_validate(&m, "tergumed-01", NOW_US, &v));
    assert_int_equal(v.reason, RL_REASON_OUT_OF_RANGE);
    assert_string_equal(v.text, "rom_deg 720 out of range 0<..<=180 for extension");
    m.u.test_result.rom_deg = 0;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    m.u.test_result.rom_deg = NAN;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    s_test_result(&m);
    m.u.test_result.max_torque_nm = -5;
    assert_false(collector_validate(&m, "tergumed-01", NOW_US, &v));
    assert_int_equal(v.reason, RL_REASON_OUT_OF_RANGE);
    assert_non_null(strstr(v.text, "max_torque_nm -5"));
    m.u.test_result.max_torque_nm = 1000.5f;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    s_test_result(&m);
    m.u.test_result.angle_at_max_deg = -181;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    s_test_result(&m);
    m.u.test_result.trial = 101;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);

    s_training_set(&m);
    m.u.training_set.load_nm = -1;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    s_training_set(&m);
    m.u.training_set.range_min_deg = 40;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    s_training_set(&m);
    m.u.training_set.repetitions = 1001;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    s_training_set(&m);
    m.u.training_set.time_under_tension_s = 3601;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);

    s_sample_batch(&m, 50);
    m.u.sample_batch.torque_nm[49] = -1001;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    m.u.sample_batch.torque_nm[49] = 0;
    m.u.sample_batch.angle_deg[3] = 200;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    m.u.sample_batch.angle_deg[3] = 0;
    m.u.sample_batch.sample_rate_hz = 2001;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    m.u.sample_batch.sample_rate_hz = 0;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    m.u.sample_batch.sample_rate_hz = 100;
    m.u.sample_batch.n_torque = 49; /* arrays of unequal length */
    assert_int_equal(s_check(&m), RL_REASON_INVALID);
    m.u.sample_batch.n_torque = 50;
    rl_msg_clear(&m);

    s_header(&m, RL_BODY_SESSION_END);
    m.u.session_end.duration_s = 90000;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    s_test_result(&m);
    m.seq = (uint64_t)INT64_MAX + 1;
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
}

static void
test_timestamps(void **state)
{
    (void)state;
    rl_msg_t m = {0};
    s_test_result(&m);
    m.taken_at_us = COLLECTOR_VALIDATE_TAKEN_MIN_US - 1;
    assert_int_equal(s_check(&m), RL_REASON_BAD_TIMESTAMP);
    m.taken_at_us = COLLECTOR_VALIDATE_TAKEN_MIN_US;
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    m.taken_at_us = NOW_US + COLLECTOR_VALIDATE_TAKEN_AHEAD_US;
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    m.taken_at_us = NOW_US + COLLECTOR_VALIDATE_TAKEN_AHEAD_US + 1;
    assert_int_equal(s_check(&m), RL_REASON_BAD_TIMESTAMP);
    m.taken_at_us = -5;
    assert_int_equal(s_check(&m), RL_REASON_BAD_TIMESTAMP);
    m.taken_at_us = INT64_MAX;
    assert_int_equal(s_check(&m), RL_REASON_BAD_TIMESTAMP);
}

static void
test_questionnaires(void **state)
{
    (void)state;
    rl_msg_t m = {0};
    double score = -1;
    int odi[10] = {1, 2, 3, 0, 1, 2, 3, 4, 5, 0};
    s_questionnaire(&m, "ODI", "2.1a", odi, 10);
    assert_true(collector_validate_questionnaire_score(&m.u.questionnaire, &score));
    assert_true(fabs(score - 42.0) < 1e-9);
    /* another ODI version: answers checked, stored without a score */
    s_questionnaire(&m, "ODI", "2.0", odi, 10);
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    assert_false(collector_validate_questionnaire_score(&m.u.questionnaire, &score));
    odi[4] = 6;
    s_questionnaire(&m, "ODI", "2.1a", odi, 10);
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    int nprs[1] = {11};
    s_questionnaire(&m, "NPRS", "1", nprs, 1);
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    nprs[0] = 4;
    s_questionnaire(&m, "NPRS", "1", nprs, 1);
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    int tsk[17];
    for (int i = 0; i < 17; i++)
        tsk[i] = 2;
    s_questionnaire(&m, "TSK", "17", tsk, 17);
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    assert_true(collector_validate_questionnaire_score(&m.u.questionnaire, &score));
    assert_string_equal(collector_validate_instrument_code("tsk-17"), "TSK");
    assert_string_equal(collector_validate_instrument_code("RMDQ-24"), "RMDQ");
    assert_null(collector_validate_instrument_code("SF-36"));
    s_questionnaire(&m, "SF-36", "1", nprs, 1);
    assert_int_equal(s_check(&m), RL_REASON_INVALID);
    /* RMDQ with a blank item is valid but not scorable */
    int rmdq[23] = {0};
    s_questionnaire(&m, "RMDQ", "24", rmdq, 23);
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    assert_false(collector_validate_questionnaire_score(&m.u.questionnaire, &score));
    rl_msg_clear(&m);
}

/* The NDI from the tablet: accepted and scored like the ODI (any version),
 * one blank section out of the denominator, three blank not scorable, an
 * answer out of 0-5 refused. */
static void
test_questionnaire_ndi(void **state)
{
    (void)state;
    rl_msg_t m = {0};
    double score = -1;
    int ndi[10] = {3, 2, 2, 3, 2, 2, 2, 2, 2, 2};
    s_questionnaire(&m, "NDI", "1991", ndi, 10);
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    assert_true(collector_validate_questionnaire_score(&m.u.questionnaire, &score));
    assert_true(fabs(score - 44.0) < 1e-9);
    assert_string_equal(collector_validate_instrument_code("ndi"), "NDI");
    /* 9 sections sent (section 10 blank): 20 of 45 */
    s_questionnaire(&m, "NDI", "2008", ndi, 9);
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    assert_true(collector_validate_questionnaire_score(&m.u.questionnaire, &score));
    assert_true(fabs(score - 44.4) < 1e-9);
    s_questionnaire(&m, "NDI", "1991", ndi, 7);
    assert_int_equal(s_check(&m), RL_REASON_NONE);
    assert_false(collector_validate_questionnaire_score(&m.u.questionnaire, &score));
    ndi[2] = 6;
    s_questionnaire(&m, "NDI", "1991", ndi, 10);
    assert_int_equal(s_check(&m), RL_REASON_OUT_OF_RANGE);
    rl_msg_clear(&m);
}

static collector_validate_enrolment_t
s_row(long long id, const char *status, rl_date_t start, bool has_end, rl_date_t end)
{
    collector_validate_enrolment_t r = {.has_enrolment = true,
                                        .enrolment_id = id,
                                        .start_date = start,
                                        .has_end = has_end,
                                        .end_date = end};
    strcpy(r.status, status);
    return r;
}

static void
test_enrolment(void **state)
{
    (void)state;
    collector_validate_verdict_t v;
    long long id = 0;
    rl_date_t d = {2026, 11, 23};
    assert_false(collector_validate_enrolment_pick(NULL, 0, d, &id, &v));
    assert_int_equal(v.reason, RL_REASON_UNKNOWN_PATIENT);
    collector_validate_enrolment_t never = {.has_enrolment = false};
    assert_false(collector_validate_enrolment_pick(&never, 1, d, &id, &v));
    assert_int_equal(v.reason, RL_REASON_NOT_ENROLLED);
    collector_validate_enrolment_t rows[3];
    rows[0] = s_row(1, "completed", (rl_date_t){2025, 1, 6}, true, (rl_date_t){2025, 6, 1});
    rows[1] = s_row(2, "active", (rl_date_t){2026, 11, 23}, false, (rl_date_t){0, 0, 0});
    rows[2] = s_row(3, "cancelled", (rl_date_t){2026, 1, 1}, true, (rl_date_t){2026, 12, 31});
    assert_true(collector_validate_enrolment_pick(rows, 3, d, &id, &v));
    assert_int_equal(id, 2);
    /* a backlog from the earlier, completed programme */
    assert_true(collector_validate_enrolment_pick(rows, 3, (rl_date_t){2025, 6, 1}, &id, &v));
    assert_int_equal(id, 1);
    /* after the end of the completed programme (the cancelled one does not
     * count): kept with it, outside its dates, never refused */
    assert_true(collector_validate_enrolment_pick(rows, 3, (rl_date_t){2026, 3, 1}, &id, &v));
    assert_int_equal(id, 1);
    assert_true(collector_validate_enrolment_pick(rows, 3, (rl_date_t){2026, 11, 22}, &id, &v));
    assert_int_equal(id, 1);
    /* before every programme's start */
    assert_false(collector_validate_enrolment_pick(rows, 3, (rl_date_t){2025, 1, 5}, &id, &v));
    assert_int_equal(v.reason, RL_REASON_NOT_ENROLLED);
    /* only a programme that has not started yet */
    assert_false(
        collector_validate_enrolment_pick(rows + 1, 1, (rl_date_t){2026, 11, 22}, &id, &v));
    assert_int_equal(v.reason, RL_REASON_NOT_ENROLLED);
}

static void
test_tenths(void **state)
{
    (void)state;
    assert_int_equal(collector_validate_tenths(12.34f), 123);
    assert_int_equal(collector_validate_tenths(12.35f), 124);
    assert_int_equal(collector_validate_tenths(-12.35f), -124);
    assert_int_equal(collector_validate_tenths(-0.04f), 0);
    assert_int_equal(collector_validate_tenths(1000.0f), 10000);
    assert_int_equal(collector_validate_tenths(-1000.0f), -10000);
}

/* An item as received and validated (the message moved into it). */
static void
s_item(collector_item_t *it, rl_msg_t *m)
{
    memset(it, 0, sizeof *it);
    it->msg = *m; /* the item owns what m held */
    memset(m, 0, sizeof *m);
    it->decoded = true;
    strcpy(it->auth_device, "tergumed-01");
    collector_validate(&it->msg, it->auth_device, NOW_US, &it->verdict);
}

static collector_validate_enrolment_t
s_token_row(const char *token, long long id)
{
    collector_validate_enrolment_t r =
        s_row(id, "active", (rl_date_t){2026, 1, 1}, false, (rl_date_t){0, 0, 0});
    strcpy(r.token, token);
    return r;
}

static void
test_resolve(void **state)
{
    (void)state;
    collector_item_t items[7];
    rl_msg_t m = {0};
    s_test_result(&m);
    m.u.test_result.rom_deg = 720;
    s_item(&items[0], &m); /* invalid: a dead letter */
    s_item(&items[1], &m); /* invalid beyond the device's limit: not kept */
    items[1].unkept = true;
    s_header(&m, RL_BODY_HELLO);
    m.session_id[0] = m.patient_token[0] = '\0';
    s_item(&items[2], &m);
    s_test_result(&m);
    s_item(&items[3], &m);
    s_test_result(&m);
    strcpy(m.patient_token, "RB-0002");
    s_item(&items[4], &m);
    int odi[10] = {1, 2, 3, 0, 1, 2, 3, 4, 5, 0};
    s_questionnaire(&m, "odi", "2.1a", odi, 10);
    s_item(&items[5], &m);
    s_sample_batch(&m, 3);
    m.u.sample_batch.angle_deg[1] = -12.35f;
    m.u.sample_batch.torque_nm[2] = 1000.0f;
    s_item(&items[6], &m);

    const char *tokens[7];
    assert_int_equal(collector_resolve_tokens(items, 7, tokens), 4);
    assert_string_equal(tokens[0], "RB-0001");
    assert_string_equal(tokens[1], "RB-0002");
    collector_validate_enrolment_t rows[1] = {s_token_row("RB-0001", 7)};
    collector_resolve_batch(items, 7, rows, 1);
    assert_int_equal(items[0].resolved.action, COLLECTOR_ITEM_DEAD_LETTER);
    assert_int_equal(items[0].resolved.rejection.reason, RL_REASON_OUT_OF_RANGE);
    assert_string_equal(items[0].resolved.rejection.text, items[0].verdict.text);
    assert_int_equal(items[1].resolved.action, COLLECTOR_ITEM_UNKEPT);
    assert_int_equal(items[2].resolved.action, COLLECTOR_ITEM_STATUS);
    assert_int_equal(items[3].resolved.action, COLLECTOR_ITEM_MEASUREMENT);
    assert_int_equal(items[3].resolved.enrolment_id, 7);
    /* a token without rows: a dead letter; validation's verdict stays */
    assert_int_equal(items[4].resolved.action, COLLECTOR_ITEM_DEAD_LETTER);
    assert_int_equal(items[4].resolved.rejection.reason, RL_REASON_UNKNOWN_PATIENT);
    assert_int_equal(items[4].verdict.reason, RL_REASON_NONE);
    assert_int_equal(items[5].resolved.action, COLLECTOR_ITEM_MEASUREMENT);
    assert_string_equal(items[5].resolved.instrument, "ODI");
    assert_true(items[5].resolved.has_score);
    assert_true(fabs(items[5].resolved.score - 42.0) < 1e-9);
    assert_int_equal(items[6].resolved.angle_ddeg[0], 0);
    assert_int_equal(items[6].resolved.angle_ddeg[1], -124);
    assert_int_equal(items[6].resolved.angle_ddeg[2], 10);
    assert_int_equal(items[6].resolved.torque_dnm[2], 10000);

    /* resolved anew for the next attempt: the patient enrolled meanwhile */
    collector_validate_enrolment_t later[2] = {s_token_row("RB-0002", 9),
                                               s_token_row("RB-0001", 7)};
    collector_resolve_batch(items, 7, later, 2);
    assert_int_equal(items[4].resolved.action, COLLECTOR_ITEM_MEASUREMENT);
    assert_int_equal(items[4].resolved.enrolment_id, 9);
    assert_int_equal(items[3].resolved.enrolment_id, 7);
    assert_int_equal(items[6].resolved.torque_dnm[2], 10000);
    for (size_t i = 0; i < 7; i++)
        collector_item_clear(&items[i]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_messages),
        cmocka_unit_test(test_version_and_device),
        cmocka_unit_test(test_missing_fields),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_questionnaires),
        cmocka_unit_test(test_questionnaire_ndi),
        cmocka_unit_test(test_enrolment),
        cmocka_unit_test(test_tenths),
        cmocka_unit_test(test_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
