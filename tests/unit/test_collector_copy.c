/* The collector's binary COPY rows: the format PostgreSQL reads (signature,
 * header, field counts and lengths in network order, NULLs, the trailer),
 * the values as the per-message statement stores them, which items go by
 * COPY, and the refusal of a value the statement's cast would refuse. */
#include "../../services/collector/collector_copy.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static uint32_t
s_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
s_be64(const uint8_t *p)
{
    return (uint64_t)s_be32(p) << 32 | s_be32(p + 4);
}

static void
s_item(collector_item_t *it, rl_body_kind_t kind)
{
    memset(it, 0, sizeof *it);
    rl_msg_init(&it->msg);
    strcpy(it->msg.device_id, "dev-1");
    it->msg.boot_id = 3;
    it->msg.seq = 17;
    it->msg.taken_at_us = 946684800000000LL + 5; /* 2000-01-01 + 5 us */
    strcpy(it->msg.session_id, "s-1");
    it->msg.kind = kind;
    it->resolved.action = COLLECTOR_ITEM_MEASUREMENT;
    it->resolved.enrolment_id = 9;
}

/* The key row: signature, header, then device, boot, seq, stored_in. */
static void
test_key_and_trailer(void **state)
{
    (void)state;
    collector_item_t it;
    s_item(&it, RL_BODY_TEST_RESULT);
    it.msg.u.test_result.direction = RL_DIR_EXTENSION;
    it.msg.u.test_result.trial = 2;
    it.msg.u.test_result.rom_deg = 42.5f;
    collector_copy_t c;
    memset(&c, 0, sizeof c);
    assert_true(collector_copy_takes(&it));
    assert_true(collector_copy_add(&c, &it));
    collector_copy_finish(&c);
    const collector_copy_buf_t *k = &c.t[COLLECTOR_COPY_KEY];
    assert_int_equal(k->rows, 1);
    assert_memory_equal(k->data, "PGCOPY\n\377\r\n\0", 11);
    const uint8_t *p = k->data + 19; /* flags and header extension: 0 */
    assert_int_equal(p[0] << 8 | p[1], 4);
    assert_int_equal(s_be32(p + 2), 5);
    assert_memory_equal(p + 6, "dev-1", 5);
    assert_int_equal(s_be32(p + 11), 8);
    assert_int_equal(s_be64(p + 15), 3);
    assert_int_equal(s_be64(p + 27), 17);
    assert_int_equal(s_be32(p + 35), 10);
    assert_memory_equal(p + 39, "test_trial", 10);
    assert_int_equal(k->len, 19 + 49 + 2);
    assert_int_equal(k->data[k->len - 2], 0xff); /* -1: the end */
    assert_int_equal(k->data[k->len - 1], 0xff);
    const collector_copy_buf_t *t = &c.t[COLLECTOR_COPY_TEST_TRIAL];
    assert_int_equal(t->rows, 1);
    /* taken_at: microseconds since 2000-01-01 */
    const uint8_t *r = t->data + 19 + 2 + 4 + 5 + 4 + 8 + 4 + 8;
    assert_int_equal(s_be32(r), 8);
    assert_int_equal(s_be64(r + 4), 5);
    assert_int_equal(c.t[COLLECTOR_COPY_SAMPLE_BATCH].rows, 0);
    assert_int_equal(c.t[COLLECTOR_COPY_SAMPLE_BATCH].len, 0);
    collector_copy_reset(&c);
    assert_int_equal(c.t[COLLECTOR_COPY_KEY].len, 0);
    collector_copy_free(&c);
}

/* A training set without its percentage: a NULL (length -1). */
static void
test_null_and_real(void **state)
{
    (void)state;
    collector_item_t it;
    s_item(&it, RL_BODY_TRAINING_SET);
    rl_training_set_t *ts = &it.msg.u.training_set;
    ts->direction = RL_DIR_FLEXION;
    ts->set_number = 1;
    ts->load_nm = 60.25f;
    ts->repetitions = 12;
    collector_copy_t c;
    memset(&c, 0, sizeof c);
    assert_true(collector_copy_add(&c, &it));
    const collector_copy_buf_t *b = &c.t[COLLECTOR_COPY_TRAINING_SET];
    /* after the header fields (device 5, boot, seq, taken_at, session 3,
     * enrolment) and direction "flexion", set_number, load_nm: */
    const uint8_t *p = b->data + 19 + 2 + (4 + 5) + 12 + 12 + 12 + (4 + 3) + 12 + (4 + 7) + 6;
    float f;
    uint32_t bits = s_be32(p + 4);
    memcpy(&f, &bits, 4);
    assert_int_equal(s_be32(p), 4);
    assert_true(f == 60.25f);
    assert_int_equal(s_be32(p + 8), UINT32_MAX); /* load_pct_of_max: NULL */
    collector_copy_free(&c);
}

/* Values the statement's cast refuses are refused, not wrapped; items
 * that are not COPY's are not taken. */
static void
test_refusals(void **state)
{
    (void)state;
    collector_item_t it;
    collector_copy_t c;
    memset(&c, 0, sizeof c);
    s_item(&it, RL_BODY_TEST_RESULT);
    it.msg.u.test_result.direction = RL_DIR_EXTENSION;
    it.msg.u.test_result.trial = 40000; /* above smallint */
    assert_false(collector_copy_add(&c, &it));
    s_item(&it, RL_BODY_SESSION_END);
    it.msg.u.session_end.duration_s = 3000000000u; /* above integer */
    assert_false(collector_copy_add(&c, &it));
    s_item(&it, RL_BODY_SESSION_END);
    it.msg.seq = (uint64_t)INT64_MAX + 1; /* above bigint */
    assert_false(collector_copy_add(&c, &it));
    s_item(&it, RL_BODY_QUESTIONNAIRE);
    assert_false(collector_copy_takes(&it));
    s_item(&it, RL_BODY_SESSION_START);
    it.resolved.action = COLLECTOR_ITEM_DEAD_LETTER;
    assert_false(collector_copy_takes(&it));
    assert_int_equal(c.t[COLLECTOR_COPY_KEY].rows, 0);
    collector_copy_free(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_and_trailer),
        cmocka_unit_test(test_null_and_real),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
