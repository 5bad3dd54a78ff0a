/* Unit tests for programme rules: templates, test time points, attendance
 * warnings and enrolment rules R1/R2. ISO weeks checked once with Python's
 * date.isocalendar() (2026-01-05 is Monday of 2026-W02, 2026-02-16 Monday of
 * 2026-W08). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ruglab/programme.h"

static rl_date_t
s_d(int y, int m, int d)
{
    rl_date_t r = {y, m, d};
    return r;
}

static void
test_builtin_templates(void **state)
{
    (void)state;
    rl_err_t err = {{0}};
    size_t n;
    const rl_programme_t *all = rl_programme_builtins(&n);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++)
        if (rl_programme_check_template(&all[i], &err) != 0)
            fail_msg("%s", err.msg);
    const rl_programme_t *p = rl_programme_builtin("mrr-36");
    assert_non_null(p);
    assert_int_equal(p->total_sessions, 36);
    assert_int_equal(p->exercise_sessions, 34);
    assert_int_equal(p->information_sessions, 2);
    assert_int_equal(p->max_per_week, 2);
    assert_int_equal(p->max_duration_months, 6);
    p = rl_programme_builtin("rugschool-30");
    assert_non_null(p);
    assert_int_equal(p->total_sessions + p->max_extra_sessions, 36);
    p = rl_programme_builtin("rugschool-36-18w");
    assert_non_null(p);
    assert_int_equal(p->max_duration_days, 18 * 7);
    p = rl_programme_builtin("nekschool-12");
    assert_non_null(p);
    assert_int_equal(p->total_sessions, 12);
    assert_int_equal(p->max_duration_days, 12 * 7);
    p = rl_programme_builtin("rugschool-36-18w");
    assert_null(rl_programme_builtin("nope"));

    rl_programme_t bad = *p;
    bad.exercise_sessions = 30;
    assert_int_equal(rl_programme_check_template(&bad, &err), -1);
    assert_string_equal(
        err.msg,
        "programme rugschool-36-18w: 30 exercise + 0 information sessions is not the total of 36");
}

static void
s_assign(const rl_programme_test_t *tests, size_t n, bool ended, const rl_programme_override_t *ov,
         size_t n_ov, const rl_timepoint_t *expected)
{
    rl_timepoint_t out[8];
    rl_err_t err = {{0}};
    if (rl_programme_assign_timepoints(rl_programme_builtin("mrr-36"), tests, n, ended, ov, n_ov,
                                       out, &err) != 0)
        fail_msg("%s", err.msg);
    for (size_t i = 0; i < n; i++)
        if (out[i] != expected[i])
            fail_msg("test %zu (session %d): %s, expected %s", i, tests[i].session,
                     rl_timepoint_name(out[i]), rl_timepoint_name(expected[i]));
}

static void
test_timepoints(void **state)
{
    (void)state;
    /* The protocol: first session, mid-way (18 of 36), end. */
    rl_programme_test_t t1[] = {
        {1, 1, {2026, 1, 5}}, {2, 18, {2026, 3, 9}}, {3, 36, {2026, 5, 28}}};
    rl_timepoint_t e1[] = {RL_TP_START, RL_TP_MID, RL_TP_END};
    s_assign(t1, 3, true, NULL, 0, e1);
    /* Still running, mid test done: it is not an end test. */
    rl_timepoint_t e2[] = {RL_TP_START, RL_TP_MID};
    s_assign(t1, 2, false, NULL, 0, e2);
    /* A retest at session 3 is not the mid test; 17 is nearer 18 than 20;
     * 35 is past the mid point, so a provisional end. */
    rl_programme_test_t t3[] = {{1, 1, {2026, 1, 5}},
                                {2, 3, {2026, 1, 12}},
                                {3, 17, {2026, 3, 5}},
                                {4, 20, {2026, 3, 16}},
                                {5, 35, {2026, 5, 25}}};
    rl_timepoint_t e3[] = {RL_TP_START, RL_TP_NONE, RL_TP_MID, RL_TP_NONE, RL_TP_END};
    s_assign(t3, 5, false, NULL, 0, e3);
    /* Tie between 17 and 19: the earlier. */
    rl_programme_test_t t4[] = {{1, 1, {2026, 1, 5}},
                                {2, 17, {2026, 3, 5}},
                                {3, 19, {2026, 3, 12}},
                                {4, 36, {2026, 5, 28}}};
    rl_timepoint_t e4[] = {RL_TP_START, RL_TP_MID, RL_TP_NONE, RL_TP_END};
    s_assign(t4, 4, true, NULL, 0, e4);
    /* Dropped out after session 10, programme closed: the last test is the end. */
    rl_programme_test_t t5[] = {{1, 1, {2026, 1, 5}}, {2, 10, {2026, 2, 9}}};
    rl_timepoint_t e5[] = {RL_TP_START, RL_TP_END};
    s_assign(t5, 2, true, NULL, 0, e5);
    /* A single test is only the start. */
    rl_timepoint_t e6[] = {RL_TP_START};
    s_assign(t1, 1, true, NULL, 0, e6);
}

static void
test_timepoint_overrides(void **state)
{
    (void)state;
    rl_programme_test_t t[] = {
        {11, 1, {2026, 1, 5}}, {12, 18, {2026, 3, 9}}, {13, 36, {2026, 5, 28}}};
    /* The physiotherapist declares the session-36 test invalid and the mid
     * test the end measurement. */
    rl_programme_override_t ov[] = {{12, RL_TP_END}};
    rl_timepoint_t e[] = {RL_TP_START, RL_TP_END, RL_TP_NONE};
    s_assign(t, 3, true, ov, 1, e);
    rl_programme_override_t ov2[] = {{13, RL_TP_NONE}};
    rl_timepoint_t e2[] = {RL_TP_START, RL_TP_MID, RL_TP_NONE};
    s_assign(t, 3, true, ov2, 1, e2);

    rl_timepoint_t out[3];
    rl_err_t err = {{0}};
    rl_programme_override_t ov3[] = {{99, RL_TP_MID}};
    const rl_programme_t *p = rl_programme_builtin("mrr-36");
    assert_int_equal(rl_programme_assign_timepoints(p, t, 3, true, ov3, 1, out, &err), -1);
    assert_string_equal(
        err.msg, "override of the mid test names test 99, which is not a test of this enrolment");
    rl_programme_test_t unordered[] = {
        {1, 1, {2026, 1, 5}}, {2, 14, {2026, 2, 23}}, {3, 12, {2026, 2, 16}}};
    assert_int_equal(rl_programme_assign_timepoints(p, unordered, 3, true, NULL, 0, out, &err), -1);
    assert_string_equal(err.msg, "test occasions out of order: session 12 on 2026-02-16 comes "
                                 "after session 14 on 2026-02-23");
}

/* Twice a week (Monday and Thursday) for `weeks` weeks from Monday `start`. */
static size_t
s_schedule(rl_programme_session_t *s, rl_date_t start, int weeks)
{
    size_t n = 0;
    for (int w = 0; w < weeks; w++) {
        s[n].date = rl_date_add_days(start, 7L * w);
        s[n++].kind = RL_ATT_ATTENDED;
        s[n].date = rl_date_add_days(start, 7L * w + 3);
        s[n++].kind = RL_ATT_ATTENDED;
    }
    return n;
}

static void
test_attendance_clean_schedule(void **state)
{
    (void)state;
    rl_programme_session_t s[64];
    rl_date_t start = s_d(2026, 1, 5);
    size_t n = s_schedule(s, start, 18);
    assert_int_equal(n, 36);
    rl_programme_warning_t *w = (void *)1;
    size_t nw = 99;
    rl_err_t err = {{0}};
    assert_int_equal(rl_programme_check_attendance(rl_programme_builtin("rugschool-36-18w"),
                                                   RL_ROUTE_RIZIV, start, s, n, &w, &nw, &err),
                     0);
    assert_int_equal(nw, 0);
    assert_null(w);
}

/* 18 weeks twice a week from start (2026-01-05), plus a third session on
 * Wednesday of week 8, a no-show and a cancellation the same week (these
 * never count), and one session on 2026-05-11, the first day past the 18
 * weeks. */
static size_t
s_overfull(rl_programme_session_t *s, rl_date_t start)
{
    size_t n = s_schedule(s, start, 18);
    s[n].date = s_d(2026, 2, 18);
    s[n++].kind = RL_ATT_ATTENDED;
    s[n].date = s_d(2026, 2, 17);
    s[n++].kind = RL_ATT_NO_SHOW;
    s[n].date = s_d(2026, 2, 20);
    s[n++].kind = RL_ATT_CANCELLED;
    s[n].date = s_d(2026, 5, 11);
    s[n++].kind = RL_ATT_ATTENDED;
    return n;
}

static void
test_attendance_warnings(void **state)
{
    (void)state;
    rl_programme_session_t s[64];
    rl_date_t start = s_d(2026, 1, 5);
    size_t n = s_overfull(s, start);
    rl_programme_warning_t *w = NULL;
    size_t nw = 0;
    rl_err_t err = {{0}};
    assert_int_equal(rl_programme_check_attendance(rl_programme_builtin("rugschool-36-18w"),
                                                   RL_ROUTE_RIZIV, start, s, n, &w, &nw, &err),
                     0);
    assert_int_equal(nw, 3);
    assert_int_equal(w[0].kind, RL_WARN_TOO_MANY_IN_WEEK);
    assert_int_equal(w[0].iso_year, 2026);
    assert_int_equal(w[0].iso_week, 8);
    assert_int_equal(w[0].count, 3);
    assert_int_equal(rl_date_compare(w[0].date, s_d(2026, 2, 19)), 0);
    assert_string_equal(w[0].msg, "3 sessions attended in ISO week 2026-W08 (at most 2 per week)");
    /* 38 attended: the 37th (first over the limit) is Thursday of week 18. */
    assert_int_equal(w[1].kind, RL_WARN_TOO_MANY_SESSIONS);
    assert_int_equal(w[1].count, 38);
    assert_string_equal(
        w[1].msg, "38 sessions attended, more than the 36 allowed (36 + 0 extra); session 37 on "
                  "2026-05-07 is the first over the limit");
    assert_int_equal(w[2].kind, RL_WARN_PAST_MAX_DURATION);
    assert_string_equal(
        w[2].msg,
        "session on 2026-05-11 is past the maximum duration of 126 days from the start on "
        "2026-01-05 (last day 2026-05-10); 1 session past it");
    free(w);
}

static void
test_attendance_six_calendar_months(void **state)
{
    (void)state;
    rl_date_t start = s_d(2026, 1, 5);
    rl_programme_session_t s[] = {{{2026, 1, 5}, RL_ATT_ATTENDED},
                                  {{2026, 7, 4}, RL_ATT_ATTENDED},
                                  {{2026, 7, 5}, RL_ATT_NO_SHOW},
                                  {{2026, 1, 2}, RL_ATT_ATTENDED}};
    rl_programme_warning_t *w = NULL;
    size_t nw = 0;
    rl_err_t err = {{0}};
    const rl_programme_t *p = rl_programme_builtin("mrr-36");
    /* 2026-07-04 is the last day of the 6 months; the no-show on 07-05 does
     * not count; the session before the start does. */
    assert_int_equal(rl_programme_check_attendance(p, RL_ROUTE_RIZIV, start, s, 4, &w, &nw, &err),
                     0);
    assert_int_equal(nw, 1);
    assert_int_equal(w[0].kind, RL_WARN_BEFORE_START);
    assert_string_equal(
        w[0].msg,
        "1 session attended before the programme start on 2026-01-05 (first on 2026-01-02)");
    free(w);
    s[2].kind = RL_ATT_ATTENDED;
    assert_int_equal(rl_programme_check_attendance(p, RL_ROUTE_RIZIV, start, s, 3, &w, &nw, &err),
                     0);
    assert_int_equal(nw, 1);
    assert_int_equal(w[0].kind, RL_WARN_PAST_MAX_DURATION);
    assert_string_equal(
        w[0].msg,
        "session on 2026-07-05 is past the maximum duration of 6 months from the start on "
        "2026-01-05 (last day 2026-07-04); 1 session past it");
    free(w);
}

static void
s_refused(const rl_programme_enrolment_t *e, const char *msg)
{
    rl_err_t err = {{0}};
    assert_int_equal(rl_programme_check_enrolment(e, &err), -1);
    assert_string_equal(err.msg, msg);
}

static void
s_allowed(const rl_programme_enrolment_t *e)
{
    rl_err_t err = {{0}};
    if (rl_programme_check_enrolment(e, &err) != 0)
        fail_msg("refused: %s", err.msg);
}

static void
test_enrolment_indication(void **state)
{
    (void)state;
    rl_programme_enrolment_t e = {0};
    e.indication = RL_IND_CHRONIC;
    e.start = s_d(2026, 2, 16);
    e.pain_since = s_d(2026, 1, 5); /* 42 days: exactly 6 weeks is not more */
    s_refused(&e, "refused by rule R1 (indication chronic back pain): pain since 2026-01-05, 42 "
                  "days at the start on "
                  "2026-02-16; more than 6 weeks (42 days) required");
    e.pain_since = s_d(2026, 1, 4);
    s_allowed(&e);
    e.pain_since = s_d(0, 0, 0);
    s_refused(
        &e,
        "refused by rule R1 (indication chronic back pain): the date the pain started is missing");

    e.indication = RL_IND_POST_SURGERY;
    e.surgery_date = s_d(2026, 1, 15);
    e.start = s_d(2026, 4, 14); /* last day within 3 calendar months */
    s_allowed(&e);
    e.start = s_d(2026, 4, 15);
    s_refused(&e, "refused by rule R1 (indication after spinal surgery): the start on 2026-04-15 "
                  "is not within 3 months "
                  "after the surgery on 2026-01-15 (last possible start 2026-04-14)");
    /* End of month: 30 November + 3 months = 28 February. */
    e.surgery_date = s_d(2025, 11, 30);
    e.start = s_d(2026, 2, 27);
    s_allowed(&e);
    e.start = s_d(2026, 2, 28);
    s_refused(&e, "refused by rule R1 (indication after spinal surgery): the start on 2026-02-28 "
                  "is not within 3 months "
                  "after the surgery on 2025-11-30 (last possible start 2026-02-27)");
}

static void
test_enrolment_one_programme_per_patient(void **state)
{
    (void)state;
    rl_programme_previous_t prev[] = {{"rugschool-36-18w", {2024, 3, 4}, RL_ROUTE_RIZIV},
                                      {"mrr-36", {2026, 1, 5}, RL_ROUTE_RIZIV}};
    rl_programme_enrolment_t e = {0};
    e.indication = RL_IND_CHRONIC;
    e.start = s_d(2026, 9, 7);
    e.pain_since = s_d(2025, 6, 1);
    e.previous = prev;
    e.n_previous = 2;
    s_refused(&e, "refused by rule R2 (one programme per patient): patient already followed "
                  "programme mrr-36 "
                  "starting 2026-01-05; record an exception (new spinal surgery or reintegration "
                  "approved by the "
                  "advisory physician) to enrol again");
    /* A surgery before the last programme does not open a new one. */
    e.exception = RL_EXC_NEW_SURGERY;
    e.exception_surgery_date = s_d(2025, 12, 1);
    s_refused(&e, "refused by rule R2 (one programme per patient): exception 'new spinal surgery' "
                  "needs a surgery after "
                  "programme mrr-36 started on 2026-01-05 (surgery date given: 2025-12-01)");
    e.exception_surgery_date = s_d(2026, 7, 20);
    s_allowed(&e);
    e.exception = RL_EXC_REINTEGRATION;
    s_refused(&e, "refused by rule R2 (one programme per patient): exception 'reintegration' needs "
                  "the approval of the "
                  "insurer's advisory physician");
    e.advisory_physician_approved = true;
    s_allowed(&e);
    /* R1 is checked before R2: an exception does not excuse the indication. */
    e.pain_since = s_d(2026, 8, 20);
    s_refused(&e, "refused by rule R1 (indication chronic back pain): pain since 2026-08-20, 18 "
                  "days at the start on "
                  "2026-09-07; more than 6 weeks (42 days) required");
}

static void
test_routes(void **state)
{
    (void)state;
    rl_route_t r = RL_ROUTE_RIZIV;
    assert_int_equal(rl_route_parse("preventive", &r), 0);
    assert_int_equal(r, RL_ROUTE_PREVENTIVE);
    assert_string_equal(rl_route_name(r), "preventive");
    assert_int_equal(rl_route_parse("fedris", &r), 0);
    assert_string_equal(rl_route_name(r), "fedris");
    assert_int_equal(rl_route_parse("Preventive", &r), -1);
    assert_int_equal(rl_route_parse("", &r), -1);
    assert_true(rl_route_under_riziv(RL_ROUTE_RIZIV));
    assert_true(rl_route_under_riziv(RL_ROUTE_FEDRIS));
    assert_false(rl_route_under_riziv(RL_ROUTE_PREVENTIVE));
}

/* The schedule of test_attendance_warnings on the preventive route: the
 * week's limit stays (the programme's own), the reimbursement cap (38 of
 * 36 sessions, a session past the 18 weeks) is not RIZIV's to apply. */
static void
test_attendance_preventive_no_cap(void **state)
{
    (void)state;
    rl_programme_session_t s[64];
    rl_date_t start = s_d(2026, 1, 5);
    size_t n = s_overfull(s, start);
    const rl_programme_t *p = rl_programme_builtin("rugschool-36-18w");
    rl_programme_warning_t *w = NULL;
    size_t nw = 0;
    rl_err_t err = {{0}};
    assert_int_equal(rl_programme_check_attendance(p, RL_ROUTE_RIZIV, start, s, n, &w, &nw, &err),
                     0);
    assert_int_equal(nw, 3);
    free(w);
    assert_int_equal(
        rl_programme_check_attendance(p, RL_ROUTE_PREVENTIVE, start, s, n, &w, &nw, &err), 0);
    assert_int_equal(nw, 1);
    assert_int_equal(w[0].kind, RL_WARN_TOO_MANY_IN_WEEK);
    free(w);
}

/* Neither R1 nor R2 for a preventive participant; a preventive programme
 * followed earlier is no 558994 programme for R2. */
static void
test_enrolment_preventive(void **state)
{
    (void)state;
    rl_programme_previous_t prev[] = {{"mrr-36", {2026, 1, 5}, RL_ROUTE_RIZIV}};
    rl_programme_enrolment_t e = {0};
    e.indication = RL_IND_CHRONIC;
    e.start = s_d(2026, 9, 7);
    e.pain_since = s_d(2026, 8, 20); /* 18 days: R1 refuses under RIZIV */
    e.previous = prev;
    e.n_previous = 1;
    s_refused(&e, "refused by rule R1 (indication chronic back pain): pain since 2026-08-20, 18 "
                  "days at the start on 2026-09-07; more than 6 weeks (42 days) required");
    e.route = RL_ROUTE_PREVENTIVE;
    s_allowed(&e);
    e.pain_since = s_d(0, 0, 0); /* no complaints: no pain date */
    s_allowed(&e);
    e.start = s_d(0, 0, 0);
    s_refused(&e, "enrolment start date is missing or invalid");

    /* After a preventive neck school, a RIZIV programme is the first one. */
    prev[0].route = RL_ROUTE_PREVENTIVE;
    e.route = RL_ROUTE_RIZIV;
    e.start = s_d(2026, 9, 7);
    e.pain_since = s_d(2026, 5, 1);
    s_allowed(&e);
    prev[0].route = RL_ROUTE_FEDRIS;
    s_refused(&e, "refused by rule R2 (one programme per patient): patient already followed "
                  "programme mrr-36 starting 2026-01-05; record an exception (new spinal surgery "
                  "or reintegration approved by the advisory physician) to enrol again");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_templates),
        cmocka_unit_test(test_timepoints),
        cmocka_unit_test(test_timepoint_overrides),
        cmocka_unit_test(test_attendance_clean_schedule),
        cmocka_unit_test(test_attendance_warnings),
        cmocka_unit_test(test_attendance_six_calendar_months),
        cmocka_unit_test(test_enrolment_indication),
        cmocka_unit_test(test_enrolment_one_programme_per_patient),
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_attendance_preventive_no_cap),
        cmocka_unit_test(test_enrolment_preventive),
    };
    return cmocka_run_group_tests_name("programme", tests, NULL, NULL);
}
