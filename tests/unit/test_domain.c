/* Unit tests of the domain vocabulary (domain.h): every direction, time
 * point and instrument reads back from its text form; the direction numbers
 * are the proto's; unknown names and identifiers are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ruglab/domain.h"

static void
test_identifiers(void **state)
{
    (void)state;
    assert_true(rl_id_valid("tergumed-01"));
    assert_true(rl_id_valid("A.b_c-9"));
    assert_false(rl_id_valid(""));
    assert_false(rl_id_valid("a/b"));
    assert_false(rl_id_valid("Jan Peeters"));
    assert_false(rl_id_valid("caf\xc3\xa9"));
    char longid[80];
    memset(longid, 'x', 65);
    longid[65] = '\0';
    assert_false(rl_id_valid(longid));
    longid[64] = '\0';
    assert_true(rl_id_valid(longid));
}

static void
test_directions(void **state)
{
    (void)state;
    /* the numbers of proto/ruglab.proto's Direction */
    assert_int_equal(RL_DIR_UNSPECIFIED, 0);
    assert_int_equal(RL_DIR_EXTENSION, 1);
    assert_int_equal(RL_DIR_ROTATION_RIGHT, 6);
    assert_int_equal(RL_DIR_COUNT, 7);
    rl_err_t err;
    for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT; d++) {
        rl_direction_t back = RL_DIR_UNSPECIFIED;
        assert_int_equal(rl_direction_parse(rl_direction_name((rl_direction_t)d), &back, &err), 0);
        assert_int_equal(back, d);
    }
    assert_string_equal(rl_direction_name(RL_DIR_EXTENSION), "extension");
    assert_string_equal(rl_direction_name(RL_DIR_LATERAL_FLEXION_RIGHT), "lateral_flexion_right");
    assert_string_equal(rl_direction_name((rl_direction_t)99), "unspecified");
    assert_string_equal(rl_direction_name((rl_direction_t)-1), "unspecified");
    rl_direction_t d = RL_DIR_FLEXION;
    assert_int_equal(rl_direction_parse("sideways", &d, &err), -1);
    assert_string_equal(err.msg, "unknown movement direction 'sideways'");
    assert_int_equal(d, RL_DIR_FLEXION); /* untouched on error */
    assert_int_equal(rl_direction_parse("unspecified", &d, &err), -1);
    assert_int_equal(rl_direction_parse("Extension", &d, &err), -1);
    assert_int_equal(rl_direction_parse(NULL, &d, &err), -1);
}

static void
test_body_regions(void **state)
{
    (void)state;
    rl_err_t err;
    rl_body_region_t r = RL_REGION_LUMBAR;
    assert_string_equal(rl_body_region_name(RL_REGION_LUMBAR), "lumbar");
    assert_string_equal(rl_body_region_name(RL_REGION_CERVICAL), "cervical");
    assert_string_equal(rl_body_region_name((rl_body_region_t)5), "lumbar");
    assert_int_equal(rl_body_region_parse("cervical", &r, &err), 0);
    assert_int_equal(r, RL_REGION_CERVICAL);
    assert_int_equal(rl_body_region_parse("lumbar", &r, &err), 0);
    assert_int_equal(r, RL_REGION_LUMBAR);
    assert_int_equal(rl_body_region_parse("neck", &r, &err), -1);
    assert_string_equal(err.msg, "unknown body region 'neck' (lumbar or cervical)");
    assert_int_equal(r, RL_REGION_LUMBAR); /* untouched on error */
    assert_int_equal(rl_body_region_parse("Cervical", &r, &err), -1);
    assert_int_equal(rl_body_region_parse(NULL, &r, &err), -1);
}

static void
test_timepoints(void **state)
{
    (void)state;
    rl_err_t err;
    rl_timepoint_t tp;
    assert_string_equal(rl_timepoint_name(RL_TP_NONE), "none");
    assert_string_equal(rl_timepoint_name(RL_TP_END), "end");
    assert_string_equal(rl_timepoint_name((rl_timepoint_t)7), "none");
    for (int i = RL_TP_START; i < RL_TP_COUNT; i++) {
        assert_int_equal(rl_timepoint_parse(rl_timepoint_name((rl_timepoint_t)i), &tp, &err), 0);
        assert_int_equal(tp, i);
    }
    assert_int_equal(rl_timepoint_parse("none", &tp, &err), -1);
    assert_int_equal(rl_timepoint_parse("midway", &tp, &err), -1);
    assert_string_equal(err.msg, "unknown time point 'midway' (start, mid or end)");
}

static void
test_instruments(void **state)
{
    (void)state;
    rl_err_t err;
    rl_instrument_t in;
    for (int i = 0; i < RL_INSTRUMENT_COUNT; i++) {
        assert_int_equal(rl_instrument_parse(rl_instrument_code((rl_instrument_t)i), &in, &err), 0);
        assert_int_equal(in, i);
    }
    assert_string_equal(rl_instrument_code(RL_INSTRUMENT_TSK17), "TSK-17");
    assert_int_equal(rl_instrument_parse("odi", &in, &err), 0);
    assert_int_equal(in, RL_INSTRUMENT_ODI);
    assert_int_equal(rl_instrument_parse("RMDQ-24", &in, &err), 0);
    assert_int_equal(in, RL_INSTRUMENT_RMDQ);
    assert_int_equal(rl_instrument_parse("tsk17", &in, &err), 0);
    assert_int_equal(in, RL_INSTRUMENT_TSK17);
    for (int i = 0; i < RL_INSTRUMENT_COUNT; i++) {
        assert_int_equal(
            rl_instrument_from_db(rl_instrument_db_code((rl_instrument_t)i), &in, &err), 0);
        assert_int_equal(in, i);
    }
    assert_string_equal(rl_instrument_db_code(RL_INSTRUMENT_TSK17), "TSK");
    assert_int_equal(rl_instrument_from_db("TSK-17", &in, &err), -1); /* stored codes are exact */
    assert_string_equal(rl_instrument_code_of_db("TSK"), "TSK-17");
    assert_string_equal(rl_instrument_code_of_db("ODI"), "ODI");
    assert_string_equal(rl_instrument_code_of_db("SF-36"), "SF-36");
    assert_int_equal(rl_instrument_from_db("odi", &in, &err), -1);
    assert_int_equal(rl_instrument_parse("TSK", &in, &err), -1); /* a person types TSK-17 */
    assert_int_equal(rl_instrument_parse("SF-36", &in, &err), -1);
    assert_string_equal(err.msg,
                        "unknown instrument 'SF-36' (known: NPRS, ODI, RMDQ, TSK-17, PSFS, NDI)");
    assert_int_equal(rl_instrument_parse(NULL, &in, &err), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identifiers),  cmocka_unit_test(test_directions),
        cmocka_unit_test(test_body_regions), cmocka_unit_test(test_timepoints),
        cmocka_unit_test(test_instruments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
