/* Unit tests for the checks of registration.h that need no database: the
 * field a refusal names, its exit status and the CLI's words, and what
 * the checks fill in (defaults). The stores are tested against a real
 * cluster: test_clinical_cli (the CLI), test_web_secretariat (the web as
 * ruglab_secretariat). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ruglab/exitcode.h"
#include "ruglab/registration.h"

#include <string.h>

/* patient 1 of the integration tests: born 1970-01-01, a man, serial 001 */
#define S_INSZ "70010100188"

static rl_patient_in_t
s_patient(void)
{
    rl_patient_in_t in = {.site = "az-oost",
                          .family_name = "Janssens",
                          .given_name = "Els",
                          .birth_date = "1970-01-01",
                          .sex = "M",
                          .insz = S_INSZ};
    return in;
}

static void
s_refused(int rc, const rl_reg_err_t *err, int status, const char *field, const char *msg)
{
    assert_int_equal(rc, -1);
    assert_int_equal(err->status, status);
    assert_string_equal(err->field, field);
    assert_string_equal(err->msg, msg);
}

static void
test_patient_ok(void **state)
{
    (void)state;
    rl_patient_in_t in = s_patient();
    rl_reg_err_t err;
    assert_int_equal(rl_patient_check(&in, &err), 0);
    in.insz = "70.01.01-001.88";
    in.weight = "81.5";
    in.gp = "12345678901";
    assert_int_equal(rl_patient_check(&in, &err), 0);
}

static void
test_patient_fields(void **state)
{
    (void)state;
    rl_reg_err_t err;
    rl_patient_in_t in = s_patient();
    in.family_name = NULL;
    s_refused(rl_patient_check(&in, &err), &err, RL_EXIT_USAGE, "family-name",
              "--family-name is required");
    in = s_patient();
    in.sex = "Q";
    s_refused(rl_patient_check(&in, &err), &err, RL_EXIT_FAIL, "sex", "--sex must be M, F or X");
    in = s_patient();
    in.weight = "heavy";
    s_refused(rl_patient_check(&in, &err), &err, RL_EXIT_FAIL, "weight",
              "--weight: 'heavy' is not a number");
    in = s_patient();
    in.height = "300";
    s_refused(rl_patient_check(&in, &err), &err, RL_EXIT_FAIL, "height",
              "--height: 300 is outside 80-250");
    in = s_patient();
    in.gp = "123";
    s_refused(rl_patient_check(&in, &err), &err, RL_EXIT_FAIL, "gp",
              "--gp: give the GP's RIZIV number (11 digits)");
    in = s_patient();
    in.given_name = "";
    s_refused(rl_patient_check(&in, &err), &err, RL_EXIT_USAGE, "given-name",
              "--given-name is required");
    in = s_patient();
    in.family_name = "Jans\x01sens";
    s_refused(rl_patient_check(&in, &err), &err, RL_EXIT_FAIL, "family-name",
              "--family-name contains a control character");
}

static void
test_patient_insz(void **state)
{
    (void)state;
    rl_reg_err_t err;
    rl_patient_in_t in = s_patient();
    in.insz = "70010100199";
    assert_int_equal(rl_patient_check(&in, &err), -1);
    assert_string_equal(err.field, "insz");
    assert_int_equal(err.status, RL_EXIT_FAIL);
    assert_non_null(strstr(err.msg, "INSZ"));
    /* a valid number that is not this person's: another birth date */
    in = s_patient();
    in.birth_date = "1970-01-02";
    assert_int_equal(rl_patient_check(&in, &err), -1);
    assert_string_equal(err.field, "insz");
    in = s_patient();
    in.birth_date = "1970-02-30";
    assert_int_equal(rl_patient_check(&in, &err), -1);
    assert_string_equal(err.field, "birth-date");
    assert_memory_equal(err.msg, "--birth-date: ", 14);
}

static void
test_enrol_fields(void **state)
{
    (void)state;
    rl_reg_err_t err;
    rl_enrol_in_t in = {.subject_id = "1",
                        .programme = "mrr-36",
                        .start = "2026-01-05",
                        .route = "riziv",
                        .indication = "chronic",
                        .pain_since = "2025-09-01"};
    assert_int_equal(rl_enrol_check(&in, &err), 0);
    in.route = "ziekenfonds";
    s_refused(rl_enrol_check(&in, &err), &err, RL_EXIT_FAIL, "route",
              "--route must be riziv, fedris or preventive");
    in.route = "preventive";
    assert_int_equal(rl_enrol_check(&in, &err), 0);
    in.route = "fedris";
    in.indication = "acute";
    s_refused(rl_enrol_check(&in, &err), &err, RL_EXIT_FAIL, "indication",
              "--indication must be chronic or post-surgery");
    in.indication = "post-surgery";
    in.exception = "later";
    s_refused(rl_enrol_check(&in, &err), &err, RL_EXIT_FAIL, "exception",
              "--exception must be new-surgery or reintegration");
    in.exception = "new-surgery";
    in.surgery_date = "2025-13-01";
    assert_int_equal(rl_enrol_check(&in, &err), -1);
    assert_string_equal(err.field, "surgery-date");
    in.surgery_date = NULL;
    in.programme = NULL;
    s_refused(rl_enrol_check(&in, &err), &err, RL_EXIT_USAGE, "programme",
              "--programme is required");
}

static void
test_session(void **state)
{
    (void)state;
    rl_reg_err_t err;
    rl_session_in_t in = {.status = "attended", .date = "2026-01-06", .minutes = "90"};
    assert_int_equal(rl_session_check(&in, &err), 0);
    assert_string_equal(in.kind_v, "information");
    assert_string_equal(in.minutes_v, "90");
    assert_false(in.by_device);
    rl_session_in_t ns = {.status = "no_show", .date = "2026-01-06"};
    assert_int_equal(rl_session_check(&ns, &err), 0);
    assert_string_equal(ns.kind_v, "exercise");
    ns.minutes = "30";
    s_refused(rl_session_check(&ns, &err), &err, RL_EXIT_USAGE, "minutes",
              "--minutes goes with session add only");
    rl_session_in_t k = {.status = "cancelled", .date = "2026-01-06", .kind = "yoga"};
    s_refused(rl_session_check(&k, &err), &err, RL_EXIT_FAIL, "kind",
              "--kind must be exercise, information or test");
    rl_session_in_t m = {.status = "attended", .date = "2026-01-06", .minutes = "1.5"};
    s_refused(rl_session_check(&m, &err), &err, RL_EXIT_FAIL, "minutes",
              "--minutes: '1.5' is not a whole number of minutes");
    rl_session_in_t d = {.status = "cancelled", .device = "dev-1"};
    s_refused(rl_session_check(&d, &err), &err, RL_EXIT_USAGE, "",
              "--device and --device-session go together, with cancel only, without --date");
    rl_session_in_t nd = {.status = "attended"};
    s_refused(rl_session_check(&nd, &err), &err, RL_EXIT_USAGE, "date", "--date is required");
}

static void
test_questionnaire(void **state)
{
    (void)state;
    rl_reg_err_t err;
    rl_q_answer_t a[10];
    for (int i = 0; i < 10; i++)
        a[i] = (rl_q_answer_t){i + 1, (i * 7) % 6};
    rl_questionnaire_in_t in = {
        .instrument = "ODI", .date = "2026-01-05", .answers = a, .n_answers = 10};
    assert_int_equal(rl_questionnaire_check(&in, &err), 0);
    assert_string_equal(in.version_v, "2.1a");
    rl_q_score_t score;
    assert_int_equal(rl_questionnaire_score_entry(&in, &score, &err), 0);
    assert_true(score.scorable);
    a[2].value = 7;
    s_refused(rl_questionnaire_score_entry(&in, &score, &err), &err, RL_EXIT_FAIL, "answers",
              "ODI item 3: answer 7 out of range 0-5");
    rl_questionnaire_in_t tsk = {
        .instrument = "TSK-17", .date = "2026-01-05", .answers = a, .n_answers = 2};
    a[0].value = 1;
    a[1].value = 2;
    assert_int_equal(rl_questionnaire_check(&tsk, &err), 0);
    assert_int_equal(rl_questionnaire_score_entry(&tsk, &score, &err), -1);
    assert_string_equal(err.field, "answers");
    assert_memory_equal(err.msg, "refused: ", 9);
    rl_questionnaire_in_t bad = {.instrument = "ODI", .date = "2026-01-05", .language = "it"};
    s_refused(rl_questionnaire_check(&bad, &err), &err, RL_EXIT_FAIL, "language",
              "--language must be nl, fr, de or en");
    bad.language = NULL;
    bad.instrument = "SF-36";
    assert_int_equal(rl_questionnaire_check(&bad, &err), -1);
    assert_string_equal(err.field, "instrument");
}

static void
test_items(void **state)
{
    (void)state;
    int n, lo, hi;
    rl_questionnaire_items(RL_INSTRUMENT_ODI, &n, &lo, &hi);
    assert_int_equal(n * 100 + lo * 10 + hi, 1005);
    rl_questionnaire_items(RL_INSTRUMENT_RMDQ, &n, &lo, &hi);
    assert_int_equal(n * 100 + lo * 10 + hi, 2401);
    rl_questionnaire_items(RL_INSTRUMENT_TSK17, &n, &lo, &hi);
    assert_int_equal(n * 100 + lo * 10 + hi, 1714);
    assert_string_equal(rl_questionnaire_default_version(RL_INSTRUMENT_TSK17), "17");
}

static void
test_future(void **state)
{
    (void)state;
    rl_reg_err_t err;
    rl_date_t today = {2026, 1, 10}, d = {2026, 1, 11};
    s_refused(rl_reg_refuse_after("session", "2026-01-11", d, today, &err), &err, RL_EXIT_FAIL,
              "date", "the session date 2026-01-11 is in the future (today is 2026-01-10)");
    assert_int_equal(rl_reg_refuse_after("session", "2026-01-10", today, today, &err), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patient_ok),   cmocka_unit_test(test_patient_fields),
        cmocka_unit_test(test_patient_insz), cmocka_unit_test(test_enrol_fields),
        cmocka_unit_test(test_session),      cmocka_unit_test(test_questionnaire),
        cmocka_unit_test(test_items),        cmocka_unit_test(test_future),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
