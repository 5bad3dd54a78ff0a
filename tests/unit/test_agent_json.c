/* Measurements as JSON (the jsonl and file-drop formats): every body type,
 * times, and errors that name the field a device integrator has to fix. */
#include "../../services/agent/agent_json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define C                                                                                          \
    "\"session_id\": \"s1\", \"patient_token\": \"RB-0001\", \"taken_at\": "                       \
    "\"2026-11-23T10:00:00Z\""

static void
s_ok(const char *line, rl_msg_t *m)
{
    rl_err_t err = {{0}};
    if (agent_json_parse_line(line, strlen(line), m, &err))
        fail_msg("'%s': %s", line, err.msg);
}

static void
s_err(const char *line, const char *expected)
{
    rl_err_t err = {{0}};
    rl_msg_t m;
    assert_int_equal(agent_json_parse_line(line, strlen(line), &m, &err), -1);
    rl_msg_clear(&m);
    if (!strstr(err.msg, expected))
        fail_msg("error '%s' does not contain '%s'", err.msg, expected);
}

static void
test_times(void **state)
{
    (void)state;
    int64_t us;
    rl_err_t err;
    assert_int_equal(agent_json_parse_time("1970-01-01T00:00:00Z", &us, &err), 0);
    assert_int_equal(us, 0);
    assert_int_equal(agent_json_parse_time("2026-11-23T10:00:00Z", &us, &err), 0);
    assert_int_equal(us, 1795428000000000ll);
    assert_int_equal(agent_json_parse_time("2026-11-23T11:00:00.25+01:00", &us, &err), 0);
    assert_int_equal(us, 1795428000250000ll);
    assert_int_equal(agent_json_parse_time("2026-11-23T09:30:00-00:30", &us, &err), 0);
    assert_int_equal(us, 1795428000000000ll);
    char buf[32];
    agent_json_format_time(1795428000250000ll, buf);
    assert_string_equal(buf, "2026-11-23T10:00:00.250000Z");
    assert_int_equal(agent_json_parse_time("2026-11-23 10:00:00Z", &us, &err), -1);
    assert_int_equal(agent_json_parse_time("2026-02-30T10:00:00Z", &us, &err), -1);
    assert_int_equal(agent_json_parse_time("2026-11-23T10:00:00", &us, &err), -1);
    assert_int_equal(agent_json_parse_time("2026-11-23T25:00:00Z", &us, &err), -1);
}

static void
test_every_body_type(void **state)
{
    (void)state;
    rl_msg_t m;
    s_ok("{\"type\": \"session_start\", " C
         ", \"kind\": \"training\", \"operator_code\": \"PT-1\"}",
         &m);
    assert_int_equal(m.kind, RL_BODY_SESSION_START);
    assert_int_equal(m.u.session_start.kind, RL_SESSION_TRAINING);
    assert_string_equal(m.u.session_start.operator_code, "PT-1");
    assert_string_equal(m.session_id, "s1");
    assert_string_equal(m.patient_token, "RB-0001");
    assert_int_equal(m.taken_at_us, 1795428000000000ll);
    rl_msg_clear(&m);

    s_ok("{\"type\": \"session_end\", " C ", \"duration_s\": 7200, \"aborted\": true}", &m);
    assert_int_equal(m.u.session_end.duration_s, 7200);
    assert_true(m.u.session_end.aborted);
    rl_msg_clear(&m);

    s_ok("{\"type\": \"test_result\", " C
         ", \"direction\": \"lateral_flexion_left\", \"trial\": 2, "
         "\"rom_deg\": 25.5, \"max_torque_nm\": 80, \"angle_at_max_deg\": -3}",
         &m);
    assert_int_equal(m.u.test_result.direction, RL_DIR_LATERAL_FLEXION_LEFT);
    assert_int_equal(m.u.test_result.trial, 2);
    assert_true(m.u.test_result.rom_deg == 25.5f);
    assert_true(m.u.test_result.angle_at_max_deg == -3.0f);
    rl_msg_clear(&m);

    s_ok("{\"type\": \"training_set\", \"session_id\": \"s1\", \"patient_token\": \"RB-0001\", "
         "\"taken_at_us\": 1795428000000000, \"direction\": \"rotation_right\", \"set_number\": 3, "
         "\"load_nm\": 40, \"load_pct_of_max\": 55, \"repetitions\": 12, \"range_min_deg\": -10, "
         "\"range_max_deg\": 30, \"time_under_tension_s\": 36.5}",
         &m);
    assert_int_equal(m.u.training_set.direction, RL_DIR_ROTATION_RIGHT);
    assert_int_equal(m.u.training_set.repetitions, 12);
    assert_true(m.u.training_set.time_under_tension_s == 36.5f);
    rl_msg_clear(&m);

    s_ok("{\"type\": \"sample_batch\", " C ", \"direction\": \"flexion\", \"context\": "
         "\"test_trial\", \"context_number\": 1, \"sample_rate_hz\": 100, \"first_index\": 200, "
         "\"angle_deg\": [1, 2.5, 3], \"torque_nm\": [10, 20, -5]}",
         &m);
    assert_int_equal(m.u.sample_batch.n_angle, 3);
    assert_int_equal(m.u.sample_batch.n_torque, 3);
    assert_int_equal(m.u.sample_batch.first_index, 200);
    assert_true(m.u.sample_batch.torque_nm[2] == -5.0f);
    /* the inverse gives back the same measurement */
    json_t *o = agent_json_from_msg(&m);
    rl_msg_t back;
    rl_err_t err;
    assert_int_equal(agent_json_to_msg(o, &back, &err), 0);
    json_decref(o);
    assert_int_equal(back.taken_at_us, m.taken_at_us);
    assert_true(back.u.sample_batch.angle_deg[1] == 2.5f);
    rl_msg_clear(&back);
    rl_msg_clear(&m);

    s_ok("{\"type\": \"questionnaire\", " C ", \"instrument\": \"PSFS\", \"version\": \"1\", "
         "\"language\": \"nl-BE\", \"answers\": [{\"item\": 1, \"value\": 4, \"label\": "
         "\"fietsen\"}, "
         "{\"item\": 2, \"value\": 7}]}",
         &m);
    assert_int_equal(m.u.questionnaire.n_answers, 2);
    assert_string_equal(m.u.questionnaire.answers[0].label, "fietsen");
    assert_int_equal(m.u.questionnaire.answers[1].value, 7);
    rl_msg_clear(&m);
}

static void
test_errors_name_the_field(void **state)
{
    (void)state;
    s_err("[1, 2]", "expected a JSON object");
    s_err("{\"type\": \"test_result\"", "not valid JSON");
    s_err("{\"type\": \"blood_pressure\", " C "}", "field 'type': 'blood_pressure'");
    s_err("{" C "}", "field 'type' is missing");
    s_err("{\"type\": \"test_result\", " C ", \"direction\": \"extension\", \"trial\": 1, "
          "\"rom_dg\": 40}",
          "unknown field 'rom_dg' for test_result");
    s_err("{\"type\": \"test_result\", " C ", \"direction\": \"up\", \"trial\": 1}",
          "field 'direction'");
    s_err("{\"type\": \"test_result\", " C ", \"direction\": \"extension\"}",
          "field 'trial' is missing");
    s_err("{\"type\": \"test_result\", " C ", \"direction\": \"extension\", \"trial\": -1}",
          "field 'trial': expected a whole number >= 0");
    s_err("{\"type\": \"test_result\", \"session_id\": \"s 1\", \"patient_token\": \"RB-1\", "
          "\"taken_at\": \"2026-11-23T10:00:00Z\", \"direction\": \"extension\", \"trial\": 1}",
          "field 'session_id'");
    s_err("{\"type\": \"session_end\", \"session_id\": \"s1\", \"patient_token\": \"RB-1\"}",
          "field 'taken_at' is missing");
    s_err("{\"type\": \"session_end\", \"session_id\": \"s1\", \"patient_token\": \"RB-1\", "
          "\"taken_at\": \"yesterday\"}",
          "field 'taken_at': 'yesterday' is not an RFC 3339 time");
    s_err("{\"type\": \"sample_batch\", " C ", \"direction\": \"flexion\", \"context\": "
          "\"test_trial\", \"sample_rate_hz\": 100, \"angle_deg\": [1, 2], \"torque_nm\": [1]}",
          "field 'torque_nm': 1 samples, but angle_deg has 2");
    s_err("{\"type\": \"sample_batch\", " C ", \"direction\": \"flexion\", \"context\": "
          "\"test_trial\", \"sample_rate_hz\": 100, \"angle_deg\": [], \"torque_nm\": []}",
          "field 'angle_deg': 0 samples");
    s_err("{\"type\": \"questionnaire\", " C ", \"instrument\": \"ODI\", \"version\": \"2.1a\", "
          "\"answers\": [{\"item\": 1, \"value\": 1.5}]}",
          "answers element 1: field 'value': expected a whole number");
    s_err("{\"type\": \"session_start\", " C ", \"kind\": \"party\"}", "field 'kind'");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_every_body_type),
        cmocka_unit_test(test_errors_name_the_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
