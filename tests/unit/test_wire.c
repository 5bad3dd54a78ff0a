/* The wire module: every message type survives an encode/decode round
 * trip field for field; malformed, oversized and ill-formed input is
 * refused with the right reason. */
#include "ruglab/wire.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void
s_header(rl_msg_t *m)
{
    rl_msg_init(m);
    strcpy(m->device_id, "tergumed-01");
    m->boot_id = 7;
    m->seq = 123456789012ull;
    m->taken_at_us = 1795000000123456ll;
    strcpy(m->session_id, "s-2026-11-23-0001");
    strcpy(m->patient_token, "RB-7K3M-9QXT");
}

/* Encodes, decodes, checks the header, returns the decoded message. */
static void
s_roundtrip(const rl_msg_t *in, rl_msg_t *out)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    rl_err_t err;
    rl_reason_t reason;
    assert_int_equal(rl_wire_encode(in, &buf, &len, &err), 0);
    assert_true(len > 0);
    assert_int_equal(rl_wire_decode(buf, len, out, &reason, &err), 0);
    free(buf);
    assert_int_equal(out->protocol_version, RL_PROTOCOL_VERSION);
    assert_string_equal(out->device_id, in->device_id);
    assert_true(out->boot_id == in->boot_id);
    assert_true(out->seq == in->seq);
    assert_true(out->taken_at_us == in->taken_at_us);
    assert_string_equal(out->session_id, in->session_id);
    assert_string_equal(out->patient_token, in->patient_token);
    assert_int_equal(out->kind, in->kind);
}

static void
test_hello(void **state)
{
    (void)state;
    rl_msg_t in, out;
    s_header(&in);
    in.session_id[0] = in.patient_token[0] = '\0';
    in.kind = RL_BODY_HELLO;
    strcpy(in.u.hello.device_model, "tergumed-710");
    strcpy(in.u.hello.firmware_version, "4.2.1 (build 77)");
    strcpy(in.u.hello.sender_version, "ruglab-agent 0.1.0");
    in.u.hello.spool_depth = 42;
    s_roundtrip(&in, &out);
    assert_string_equal(out.u.hello.device_model, "tergumed-710");
    assert_string_equal(out.u.hello.firmware_version, "4.2.1 (build 77)");
    assert_string_equal(out.u.hello.sender_version, "ruglab-agent 0.1.0");
    assert_int_equal(out.u.hello.spool_depth, 42);
    rl_msg_clear(&out);
}

static void
test_heartbeat(void **state)
{
    (void)state;
    rl_msg_t in, out;
    s_header(&in);
    in.kind = RL_BODY_HEARTBEAT;
    in.u.heartbeat.spool_depth = 1000;
    in.u.heartbeat.spool_bytes = 5ull << 30;
    in.u.heartbeat.oldest_unacked_s = 3600;
    s_roundtrip(&in, &out);
    assert_int_equal(out.u.heartbeat.spool_depth, 1000);
    assert_true(out.u.heartbeat.spool_bytes == 5ull << 30);
    assert_int_equal(out.u.heartbeat.oldest_unacked_s, 3600);
    rl_msg_clear(&out);
}

static void
test_session_start_end(void **state)
{
    (void)state;
    rl_msg_t in, out;
    s_header(&in);
    in.kind = RL_BODY_SESSION_START;
    in.u.session_start.kind = RL_SESSION_TEST;
    strcpy(in.u.session_start.operator_code, "KINE-04");
    s_roundtrip(&in, &out);
    assert_int_equal(out.u.session_start.kind, RL_SESSION_TEST);
    assert_string_equal(out.u.session_start.operator_code, "KINE-04");
    rl_msg_clear(&out);

    s_header(&in);
    in.kind = RL_BODY_SESSION_END;
    in.u.session_end.duration_s = 7260;
    in.u.session_end.aborted = true;
    s_roundtrip(&in, &out);
    assert_int_equal(out.u.session_end.duration_s, 7260);
    assert_true(out.u.session_end.aborted);
    rl_msg_clear(&out);
}

static void
test_test_result(void **state)
{
    (void)state;
    rl_msg_t in, out;
    s_header(&in);
    in.kind = RL_BODY_TEST_RESULT;
    in.u.test_result.direction = RL_DIR_ROTATION_LEFT;
    in.u.test_result.trial = 3;
    in.u.test_result.rom_deg = 38.5f;
    in.u.test_result.max_torque_nm = 112.25f;
    in.u.test_result.angle_at_max_deg = -12.5f;
    s_roundtrip(&in, &out);
    assert_int_equal(out.u.test_result.direction, RL_DIR_ROTATION_LEFT);
    assert_int_equal(out.u.test_result.trial, 3);
    assert_true(out.u.test_result.rom_deg == 38.5f);
    assert_true(out.u.test_result.max_torque_nm == 112.25f);
    assert_true(out.u.test_result.angle_at_max_deg == -12.5f);
    rl_msg_clear(&out);
}

static void
test_training_set(void **state)
{
    (void)state;
    rl_msg_t in, out;
    s_header(&in);
    in.kind = RL_BODY_TRAINING_SET;
    rl_training_set_t *t = &in.u.training_set;
    t->direction = RL_DIR_FLEXION;
    t->set_number = 2;
    t->load_nm = 80.5f;
    t->load_pct_of_max = 60.0f;
    t->repetitions = 15;
    t->range_min_deg = -10.0f;
    t->range_max_deg = 45.0f;
    t->time_under_tension_s = 62.5f;
    s_roundtrip(&in, &out);
    assert_int_equal(out.u.training_set.direction, RL_DIR_FLEXION);
    assert_int_equal(out.u.training_set.set_number, 2);
    assert_true(out.u.training_set.load_nm == 80.5f);
    assert_true(out.u.training_set.load_pct_of_max == 60.0f);
    assert_int_equal(out.u.training_set.repetitions, 15);
    assert_true(out.u.training_set.range_min_deg == -10.0f);
    assert_true(out.u.training_set.range_max_deg == 45.0f);
    assert_true(out.u.training_set.time_under_tension_s == 62.5f);
    rl_msg_clear(&out);
}

static void
test_sample_batch(void **state)
{
    (void)state;
    rl_msg_t in, out;
    s_header(&in);
    rl_msg_samples_alloc(&in, 100);
    rl_sample_batch_t *b = &in.u.sample_batch;
    b->direction = RL_DIR_EXTENSION;
    b->context = RL_CONTEXT_TRAINING_SET;
    b->context_number = 4;
    b->sample_rate_hz = 100;
    b->first_index = 500;
    for (size_t i = 0; i < 100; i++) {
        b->angle_deg[i] = (float)i * 0.5f - 20.0f;
        b->torque_nm[i] = (float)i * 1.25f;
    }
    s_roundtrip(&in, &out);
    const rl_sample_batch_t *o = &out.u.sample_batch;
    assert_int_equal(o->direction, RL_DIR_EXTENSION);
    assert_int_equal(o->context, RL_CONTEXT_TRAINING_SET);
    assert_int_equal(o->context_number, 4);
    assert_int_equal(o->sample_rate_hz, 100);
    assert_int_equal(o->first_index, 500);
    assert_int_equal(o->n_angle, 100);
    assert_int_equal(o->n_torque, 100);
    assert_memory_equal(o->angle_deg, b->angle_deg, 100 * sizeof(float));
    assert_memory_equal(o->torque_nm, b->torque_nm, 100 * sizeof(float));
    rl_msg_clear(&in);
    rl_msg_clear(&out);
}

static void
test_questionnaire(void **state)
{
    (void)state;
    rl_msg_t in, out;
    s_header(&in);
    in.kind = RL_BODY_QUESTIONNAIRE;
    rl_questionnaire_t *q = &in.u.questionnaire;
    strcpy(q->instrument, "PSFS");
    strcpy(q->version, "1.0");
    strcpy(q->language, "nl-BE");
    rl_msg_answers_alloc(&in, 3);
    for (uint32_t i = 0; i < 3; i++) {
        q->answers[i].item = i + 1;
        q->answers[i].value = (int32_t)(3 + i);
    }
    strcpy(q->answers[0].label, "de tuin omspitten");
    strcpy(q->answers[1].label, "fietsen naar het werk (30 min)");
    strcpy(q->answers[2].label, "patiënt tilt kleinkind op");
    s_roundtrip(&in, &out);
    const rl_questionnaire_t *o = &out.u.questionnaire;
    assert_string_equal(o->instrument, "PSFS");
    assert_string_equal(o->version, "1.0");
    assert_string_equal(o->language, "nl-BE");
    assert_int_equal(o->n_answers, 3);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(o->answers[i].item, i + 1);
        assert_int_equal(o->answers[i].value, 3 + i);
        assert_string_equal(o->answers[i].label, q->answers[i].label);
    }
    rl_msg_clear(&in);
    rl_msg_clear(&out);
}

static void
test_acks(void **state)
{
    (void)state;
    rl_msg_t in, out;
    s_header(&in);
    in.boot_id = in.seq = 0;
    in.session_id[0] = in.patient_token[0] = '\0';
    rl_msg_acks_alloc(&in, 3);
    rl_ack_t *a = in.u.acks.acks;
    a[0] = (rl_ack_t){.boot_id = 7, .seq = 10, .status = RL_ACK_ACCEPTED};
    a[1] = (rl_ack_t){.boot_id = 7, .seq = 11, .status = RL_ACK_DUPLICATE};
    a[2] = (rl_ack_t){
        .boot_id = 7, .seq = 12, .status = RL_ACK_REJECTED, .reason = RL_REASON_OUT_OF_RANGE};
    strcpy(a[2].text, "rom_deg 720 out of range 0..180 for extension");
    s_roundtrip(&in, &out);
    assert_int_equal(out.u.acks.n_acks, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true(out.u.acks.acks[i].boot_id == 7);
        assert_true(out.u.acks.acks[i].seq == 10 + i);
        assert_int_equal(out.u.acks.acks[i].status, a[i].status);
        assert_int_equal(out.u.acks.acks[i].reason, a[i].reason);
    }
    assert_string_equal(out.u.acks.acks[2].text, a[2].text);
    rl_msg_clear(&in);
    rl_msg_clear(&out);
}

static void
test_malformed(void **state)
{
    (void)state;
    rl_msg_t out;
    rl_err_t err;
    rl_reason_t reason;
    /* field 2 (device_id, length-delimited) claims 100 bytes, has 3 */
    const uint8_t truncated[] = {0x12, 0x64, 'a', 'b', 'c'};
    assert_int_equal(rl_wire_decode(truncated, sizeof truncated, &out, &reason, &err), -1);
    assert_int_equal(reason, RL_REASON_MALFORMED);
    assert_non_null(strstr(err.msg, "not a decodable"));
    rl_msg_clear(&out);

    /* a valid envelope header but no body */
    const uint8_t nobody[] = {0x08, 0x01, 0x12, 0x01, 'd'};
    assert_int_equal(rl_wire_decode(nobody, sizeof nobody, &out, &reason, &err), -1);
    assert_int_equal(reason, RL_REASON_MISSING_FIELD);
    rl_msg_clear(&out);

    uint8_t random_bytes[256];
    unsigned seed = 12345;
    int refused = 0;
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof random_bytes; i++)
            random_bytes[i] = (uint8_t)(rand_r(&seed) & 0xff);
        if (rl_wire_decode(random_bytes, sizeof random_bytes, &out, &reason, &err) != 0)
            refused++;
        rl_msg_clear(&out);
    }
    assert_true(refused > 190);
}

static void
test_too_large(void **state)
{
    (void)state;
    size_t len = 10u * 1024u * 1024u;
    uint8_t *big = calloc(1, len);
    rl_msg_t out;
    rl_err_t err;
    rl_reason_t reason;
    assert_int_equal(rl_wire_decode(big, len, &out, &reason, &err), -1);
    assert_int_equal(reason, RL_REASON_TOO_LARGE);
    assert_non_null(strstr(err.msg, "exceeds the limit"));
    rl_msg_clear(&out);
    free(big);
}

/* The key of a message that cannot be decoded whole: an ack that carries
 * it tells the device which message to drop. */
static void
test_peek_key(void **state)
{
    (void)state;
    rl_msg_t in, out;
    s_header(&in);
    in.kind = RL_BODY_SAMPLE_BATCH;
    rl_msg_samples_alloc(&in, RL_SAMPLES_MAX + 1);
    in.u.sample_batch.direction = RL_DIR_EXTENSION;
    in.u.sample_batch.context = RL_CONTEXT_TEST_TRIAL;
    uint8_t *buf;
    size_t len;
    rl_err_t err;
    rl_reason_t reason;
    assert_int_equal(rl_wire_encode(&in, &buf, &len, &err), 0);
    /* 10,001 samples: out of range, with the key kept */
    assert_int_equal(rl_wire_decode(buf, len, &out, &reason, &err), -1);
    assert_int_equal(reason, RL_REASON_OUT_OF_RANGE);
    assert_non_null(strstr(err.msg, "more than 10000 samples"));
    assert_true(out.boot_id == in.boot_id && out.seq == in.seq);
    rl_msg_clear(&out);
    /* cut short: undecodable, and still its key */
    uint64_t boot, seq;
    char dev[RL_ID_MAX + 1];
    assert_int_equal(rl_wire_decode(buf, 60, &out, &reason, &err), -1);
    assert_int_equal(reason, RL_REASON_MALFORMED);
    rl_msg_clear(&out);
    assert_true(rl_wire_peek_key(buf, 60, &boot, &seq, dev));
    assert_true(boot == in.boot_id && seq == in.seq);
    assert_string_equal(dev, in.device_id);
    /* cut inside the key: not found, never read past the end */
    for (size_t cut = 0; cut < 12; cut++)
        (void)rl_wire_peek_key(buf, cut, &boot, &seq, dev);
    assert_false(rl_wire_peek_key(buf, 3, &boot, &seq, dev));
    /* bytes that are no Envelope at all */
    uint8_t junk[64];
    memset(junk, 0xff, sizeof junk);
    assert_false(rl_wire_peek_key(junk, sizeof junk, &boot, &seq, dev));
    free(buf);
    rl_msg_clear(&in);
}

static void
test_bad_identifier(void **state)
{
    (void)state;
    rl_msg_t in, out;
    s_header(&in);
    in.kind = RL_BODY_SESSION_END;
    strcpy(in.patient_token, "Jan Peeters"); /* a name where a token belongs */
    uint8_t *buf;
    size_t len;
    rl_err_t err;
    rl_reason_t reason;
    assert_int_equal(rl_wire_encode(&in, &buf, &len, &err), 0);
    assert_int_equal(rl_wire_decode(buf, len, &out, &reason, &err), -1);
    assert_int_equal(reason, RL_REASON_INVALID);
    assert_non_null(strstr(err.msg, "patient_token"));
    free(buf);
    rl_msg_clear(&out);
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(rl_reason_name(RL_REASON_OUT_OF_RANGE), "OUT_OF_RANGE");
    assert_string_equal(rl_direction_name((rl_direction_t)99), "unspecified");
    assert_int_equal(rl_body_kind_parse("sample_batch"), RL_BODY_SAMPLE_BATCH);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello),
        cmocka_unit_test(test_heartbeat),
        cmocka_unit_test(test_session_start_end),
        cmocka_unit_test(test_test_result),
        cmocka_unit_test(test_training_set),
        cmocka_unit_test(test_sample_batch),
        cmocka_unit_test(test_questionnaire),
        cmocka_unit_test(test_acks),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_peek_key),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_bad_identifier),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
