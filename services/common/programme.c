/* Programme rules (see programme.h). */
#include "ruglab/programme.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruglab/mem.h"

/* Chronic back pain: more than 6 weeks. */
#define S_CHRONIC_MIN_DAYS 42
#define S_POST_SURGERY_MONTHS 3

static const rl_programme_t s_builtins[] = {
    /* seed 001: RIZIV programme as a hospital describes it. */
    {"mrr-36",
     "Multidisciplinair Rug Revalidatieprogramma: 34 oefensessies + 2 informatiesessies, max 6 "
     "maanden",
     36, 34, 2, 2, 0, 6, 0, 18, RL_REGION_LUMBAR},
    /* seed 000: 15 exercise weeks twice a week, up to 6 extra sessions; the
     * extras need 3 more weeks at the same pace, hence 18 weeks. */
    {"rugschool-30", "Rugschool: 15 oefenweken (30 sessies) + tot 6 bijkomende sessies", 30, 30, 0,
     2, 126, 0, 6, 15, RL_REGION_LUMBAR},
    /* seed 002: group programme, twice a week, at most 18 weeks. */
    {"rugschool-36-18w", "Groepsrugschool: 36 sessies van 2 uur, 2 keer per week, max 18 weken", 36,
     36, 0, 2, 126, 0, 0, 18, RL_REGION_LUMBAR},
    /* seed 003: the neck school, group sessions (curative and preventive);
     * the seed gives no numbers: 12 sessions, at most 2 a week, within 12
     * weeks; a site with other numbers adds its own template. */
    {"nekschool-12", "Nekschool: 12 groepssessies, max 2 per week, max 12 weken", 12, 12, 0, 2, 84,
     0, 0, 6, RL_REGION_CERVICAL},
};

static const char *const s_route_names[] = {"riziv", "fedris", "preventive"};

int
rl_route_parse(const char *s, rl_route_t *out)
{
    assert(s && out);
    for (size_t i = 0; i < sizeof s_route_names / sizeof s_route_names[0]; i++)
        if (!strcmp(s, s_route_names[i])) {
            *out = (rl_route_t)i;
            return 0;
        }
    return -1;
}

const char *
rl_route_name(rl_route_t route)
{
    return (int)route >= 0 && (size_t)route < sizeof s_route_names / sizeof s_route_names[0]
               ? s_route_names[route]
               : "?";
}

bool
rl_route_under_riziv(rl_route_t route)
{
    return route != RL_ROUTE_PREVENTIVE;
}

const rl_programme_t *
rl_programme_builtins(size_t *n)
{
    assert(n);
    *n = sizeof s_builtins / sizeof s_builtins[0];
    return s_builtins;
}

const rl_programme_t *
rl_programme_builtin(const char *code)
{
    assert(code);
    for (size_t i = 0; i < sizeof s_builtins / sizeof s_builtins[0]; i++)
        if (strcmp(s_builtins[i].code, code) == 0)
            return &s_builtins[i];
    return NULL;
}

int
rl_programme_check_template(const rl_programme_t *t, rl_err_t *err)
{
    assert(t);
    const char *code = t->code ? t->code : "(no code)";
    if (t->total_sessions < 1 || t->exercise_sessions < 0 || t->information_sessions < 0)
        return rl_err_set(err, "programme %s: session counts must be positive", code);
    if (t->exercise_sessions + t->information_sessions != t->total_sessions)
        return rl_err_set(
            err, "programme %s: %d exercise + %d information sessions is not the total of %d", code,
            t->exercise_sessions, t->information_sessions, t->total_sessions);
    if (t->max_per_week < 1)
        return rl_err_set(err, "programme %s: at most %d sessions per week leaves no room", code,
                          t->max_per_week);
    if ((t->max_duration_days > 0) == (t->max_duration_months > 0) || t->max_duration_days < 0 ||
        t->max_duration_months < 0)
        return rl_err_set(
            err, "programme %s: give the maximum duration in days or in months (exactly one)",
            code);
    if (t->max_extra_sessions < 0)
        return rl_err_set(err, "programme %s: extra sessions cannot be negative", code);
    if (t->mid_test_session < 2 || t->mid_test_session >= t->total_sessions)
        return rl_err_set(
            err, "programme %s: mid test at session %d is not between the first and the last (%d)",
            code, t->mid_test_session, t->total_sessions);
    return 0;
}

int
rl_programme_assign_timepoints(const rl_programme_t *t, const rl_programme_test_t *tests, size_t n,
                               bool programme_ended, const rl_programme_override_t *overrides,
                               size_t n_overrides, rl_timepoint_t *out, rl_err_t *err)
{
    assert(t && (tests || n == 0) && (out || n == 0) && (overrides || n_overrides == 0));
    if (rl_programme_check_template(t, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!rl_date_is_valid(tests[i].date))
            return rl_err_set(err, "test %ld has an invalid date", tests[i].id);
        if (i > 0 && (tests[i].session < tests[i - 1].session ||
                      rl_date_compare(tests[i].date, tests[i - 1].date) < 0)) {
            char a[RL_DATE_STR_SIZE], b[RL_DATE_STR_SIZE];
            return rl_err_set(
                err, "test occasions out of order: session %d on %s comes after session %d on %s",
                tests[i].session, rl_date_format(tests[i].date, a), tests[i - 1].session,
                rl_date_format(tests[i - 1].date, b));
        }
    }
    for (size_t i = 0; i < n; i++)
        out[i] = RL_TP_NONE;

    if (n > 0) {
        out[0] = RL_TP_START;
        size_t last = n - 1;
        bool has_end = last > 0 && (programme_ended || tests[last].session > t->mid_test_session);
        if (has_end)
            out[last] = RL_TP_END;
        size_t mid = 0; /* 0 = none: the first test is never mid */
        int best = 0;
        for (size_t i = 1; i < n; i++) {
            if (has_end && i == last)
                continue;
            int s = tests[i].session;
            int dist = abs(s - t->mid_test_session);
            if (dist > abs(s - 1) || dist > abs(s - t->total_sessions))
                continue;
            if (mid == 0 || dist < best) {
                mid = i;
                best = dist;
            }
        }
        if (mid != 0)
            out[mid] = RL_TP_MID;
    }

    for (size_t k = 0; k < n_overrides; k++) {
        const rl_programme_override_t *o = &overrides[k];
        size_t i = 0;
        while (i < n && tests[i].id != o->test_id)
            i++;
        if (i == n)
            return rl_err_set(
                err,
                "override of the %s test names test %ld, which is not a test of this enrolment",
                rl_timepoint_name(o->timepoint), o->test_id);
        if (o->timepoint != RL_TP_NONE)
            for (size_t j = 0; j < n; j++)
                if (out[j] == o->timepoint)
                    out[j] = RL_TP_NONE;
        out[i] = o->timepoint;
    }
    return 0;
}

static int
s_cmp_session(const void *a, const void *b)
{
    const rl_programme_session_t *x = a, *y = b;
    return rl_date_compare(x->date, y->date);
}

static int
s_cmp_warning(const void *a, const void *b)
{
    const rl_programme_warning_t *x = a, *y = b;
    int c = rl_date_compare(x->date, y->date);
    return c ? c : (int)x->kind - (int)y->kind;
}

static rl_programme_warning_t *
s_warn(rl_programme_warning_t **list, size_t *n, size_t *cap, rl_programme_warning_kind_t kind,
       rl_date_t date)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        *list = rl_realloc(*list, *cap * sizeof **list);
    }
    rl_programme_warning_t *w = &(*list)[(*n)++];
    memset(w, 0, sizeof *w);
    w->kind = kind;
    w->date = date;
    return w;
}

int
rl_programme_check_attendance(const rl_programme_t *t, rl_route_t route, rl_date_t start,
                              const rl_programme_session_t *sessions, size_t n,
                              rl_programme_warning_t **warnings_p, size_t *n_warnings,
                              rl_err_t *err)
{
    assert(t && (sessions || n == 0) && warnings_p && n_warnings);
    *warnings_p = NULL;
    *n_warnings = 0;
    if (rl_programme_check_template(t, err) < 0)
        return -1;
    if (!rl_date_is_valid(start))
        return rl_err_set(err, "programme start date is invalid");
    for (size_t i = 0; i < n; i++)
        if (!rl_date_is_valid(sessions[i].date))
            return rl_err_set(err, "session %zu has an invalid date", i + 1);

    /* Attended sessions only, in date order. */
    rl_programme_session_t *s = rl_malloc((n ? n : 1) * sizeof *s);
    size_t na = 0;
    for (size_t i = 0; i < n; i++)
        if (sessions[i].kind == RL_ATT_ATTENDED)
            s[na++] = sessions[i];
    qsort(s, na, sizeof *s, s_cmp_session);

    rl_programme_warning_t *w = NULL;
    size_t nw = 0, cap = 0;
    char d1[RL_DATE_STR_SIZE], d2[RL_DATE_STR_SIZE], d3[RL_DATE_STR_SIZE];

    /* Sessions before the start. */
    size_t before = 0;
    while (before < na && rl_date_compare(s[before].date, start) < 0)
        before++;
    if (before > 0) {
        rl_programme_warning_t *x = s_warn(&w, &nw, &cap, RL_WARN_BEFORE_START, s[0].date);
        x->count = (int)before;
        snprintf(x->msg, sizeof x->msg,
                 "%zu session%s attended before the programme start on %s (first on %s)", before,
                 before == 1 ? "" : "s", rl_date_format(start, d1), rl_date_format(s[0].date, d2));
    }

    /* Per ISO week: sorted by date, so a week's sessions are consecutive. */
    for (size_t i = 0; i < na;) {
        int y, wk;
        rl_date_iso_week(s[i].date, &y, &wk);
        size_t j = i + 1;
        for (; j < na; j++) {
            int y2, wk2;
            rl_date_iso_week(s[j].date, &y2, &wk2);
            if (y2 != y || wk2 != wk)
                break;
        }
        int count = (int)(j - i);
        if (count > t->max_per_week) {
            rl_date_t first_over = s[i + (size_t)t->max_per_week].date;
            rl_programme_warning_t *x = s_warn(&w, &nw, &cap, RL_WARN_TOO_MANY_IN_WEEK, first_over);
            x->iso_year = y;
            x->iso_week = wk;
            x->count = count;
            snprintf(x->msg, sizeof x->msg,
                     "%d sessions attended in ISO week %04d-W%02d (at most %d per week)", count, y,
                     wk, t->max_per_week);
        }
        i = j;
    }

    /* The reimbursement cap, from here to the total allowed: not for a
     * route outside RIZIV 558994. Maximum duration: the period is
     * [start, limit). */
    bool capped = rl_route_under_riziv(route);
    rl_date_t limit = t->max_duration_months > 0 ? rl_date_add_months(start, t->max_duration_months)
                                                 : rl_date_add_days(start, t->max_duration_days);
    size_t past = 0;
    while (capped && past < na && rl_date_compare(s[na - 1 - past].date, limit) >= 0)
        past++;
    if (past > 0) {
        rl_date_t first = s[na - past].date;
        rl_programme_warning_t *x = s_warn(&w, &nw, &cap, RL_WARN_PAST_MAX_DURATION, first);
        x->count = (int)past;
        char span[32];
        if (t->max_duration_months > 0)
            snprintf(span, sizeof span, "%d months", t->max_duration_months);
        else
            snprintf(span, sizeof span, "%d days", t->max_duration_days);
        snprintf(x->msg, sizeof x->msg,
                 "session on %s is past the maximum duration of %s from the start on %s (last day "
                 "%s); %zu session%s "
                 "past it",
                 rl_date_format(first, d1), span, rl_date_format(start, d2),
                 rl_date_format(rl_date_add_days(limit, -1), d3), past, past == 1 ? "" : "s");
    }

    /* Total allowed. */
    size_t allowed = (size_t)t->total_sessions + (size_t)t->max_extra_sessions;
    if (capped && na > allowed) {
        rl_programme_warning_t *x =
            s_warn(&w, &nw, &cap, RL_WARN_TOO_MANY_SESSIONS, s[allowed].date);
        x->count = (int)na;
        snprintf(x->msg, sizeof x->msg,
                 "%zu sessions attended, more than the %zu allowed (%d + %d extra); session %zu on "
                 "%s is the first over "
                 "the limit",
                 na, allowed, t->total_sessions, t->max_extra_sessions, allowed + 1,
                 rl_date_format(s[allowed].date, d1));
    }
    free(s);

    if (nw > 0)
        qsort(w, nw, sizeof *w, s_cmp_warning);
    *warnings_p = w;
    *n_warnings = nw;
    return 0;
}

int
rl_programme_check_enrolment(const rl_programme_enrolment_t *e, rl_err_t *err)
{
    assert(e && (e->previous || e->n_previous == 0));
    char d1[RL_DATE_STR_SIZE], d2[RL_DATE_STR_SIZE], d3[RL_DATE_STR_SIZE];
    if (!rl_date_is_valid(e->start))
        return rl_err_set(err, "enrolment start date is missing or invalid");
    if (!rl_route_under_riziv(e->route))
        return 0;

    switch (e->indication) {
    case RL_IND_CHRONIC: {
        static const char *rule = "refused by rule R1 (indication chronic back pain)";
        if (!rl_date_is_valid(e->pain_since))
            return rl_err_set(err, "%s: the date the pain started is missing", rule);
        long days = rl_date_diff_days(e->pain_since, e->start);
        if (days <= S_CHRONIC_MIN_DAYS)
            return rl_err_set(err,
                              "%s: pain since %s, %ld days at the start on %s; more than 6 weeks "
                              "(%d days) required",
                              rule, rl_date_format(e->pain_since, d1), days,
                              rl_date_format(e->start, d2), S_CHRONIC_MIN_DAYS);
        break;
    }
    case RL_IND_POST_SURGERY: {
        static const char *rule = "refused by rule R1 (indication after spinal surgery)";
        if (!rl_date_is_valid(e->surgery_date))
            return rl_err_set(err, "%s: the surgery date is missing", rule);
        if (rl_date_compare(e->surgery_date, e->start) > 0)
            return rl_err_set(err, "%s: the surgery on %s is after the start on %s", rule,
                              rl_date_format(e->surgery_date, d1), rl_date_format(e->start, d2));
        rl_date_t limit = rl_date_add_months(e->surgery_date, S_POST_SURGERY_MONTHS);
        if (rl_date_compare(e->start, limit) >= 0)
            return rl_err_set(
                err,
                "%s: the start on %s is not within 3 months after the surgery on %s (last possible "
                "start %s)",
                rule, rl_date_format(e->start, d1), rl_date_format(e->surgery_date, d2),
                rl_date_format(rl_date_add_days(limit, -1), d3));
        break;
    }
    }

    /* The most recent previous 558994 programme is the one an exception
     * must follow; preventive ones were no such programme. */
    const rl_programme_previous_t *prev = NULL;
    for (size_t i = 0; i < e->n_previous; i++)
        if (rl_route_under_riziv(e->previous[i].route) &&
            (!prev || rl_date_compare(e->previous[i].start, prev->start) > 0))
            prev = &e->previous[i];
    if (!prev)
        return 0;
    const char *prev_code = prev->code ? prev->code : "(unnamed)";
    static const char *rule = "refused by rule R2 (one programme per patient)";
    switch (e->exception) {
    case RL_EXC_NONE:
        return rl_err_set(
            err,
            "%s: patient already followed programme %s starting %s; record an exception (new "
            "spinal "
            "surgery or reintegration approved by the advisory physician) to enrol again",
            rule, prev_code, rl_date_format(prev->start, d1));
    case RL_EXC_NEW_SURGERY:
        if (!rl_date_is_valid(e->exception_surgery_date))
            return rl_err_set(
                err, "%s: exception 'new spinal surgery' needs the date of that surgery", rule);
        if (rl_date_compare(e->exception_surgery_date, prev->start) <= 0)
            return rl_err_set(err,
                              "%s: exception 'new spinal surgery' needs a surgery after programme "
                              "%s started on %s "
                              "(surgery date given: %s)",
                              rule, prev_code, rl_date_format(prev->start, d1),
                              rl_date_format(e->exception_surgery_date, d2));
        if (rl_date_compare(e->exception_surgery_date, e->start) > 0)
            return rl_err_set(
                err,
                "%s: exception 'new spinal surgery': the surgery on %s is after the start on %s",
                rule, rl_date_format(e->exception_surgery_date, d1), rl_date_format(e->start, d2));
        return 0;
    case RL_EXC_REINTEGRATION:
        if (!e->advisory_physician_approved)
            return rl_err_set(err,
                              "%s: exception 'reintegration' needs the approval of the insurer's "
                              "advisory physician",
                              rule);
        return 0;
    }
    return 0;
}
