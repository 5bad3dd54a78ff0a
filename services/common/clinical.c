/* An enrolment's template and attendance warnings from the database (see
 * clinical.h). */
#include "ruglab/clinical.h"

#include "ruglab/db.h"
#include "ruglab/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
rl_clinical_enrolment_load(PGconn *conn, const char *enrolment_id, rl_clinical_enrolment_t *out,
                           rl_err_t *err)
{
    const char *p[1] = {enrolment_id};
    PGresult *res = rl_db_exec_prepared(
        conn, err, "reading the enrolment", "clinical enrolment",
        "SELECT e.enrolment_id, e.subject_id, p.code, e.status, e.start_date, e.end_date, p.name, "
        "p.total_sessions, p.exercise_sessions, p.information_sessions, p.max_per_week, "
        "p.max_duration_days, p.max_extra_sessions, p.mid_test_session, "
        "d.due, clinical.local_date(now()), i.issued_on, "
        "clinical.report_days_late(d.due, i.issued_on), e.route, p.body_region "
        "FROM clinical.enrolment e JOIN clinical.programme p USING (programme_id) "
        "CROSS JOIN LATERAL (SELECT CASE WHEN e.status IN ('completed', 'dropped_out') "
        "                    THEN clinical.report_due_date(e.route, e.end_date) END AS due) d "
        "CROSS JOIN LATERAL (SELECT min(clinical.local_date(r.generated_at)) AS issued_on "
        "                    FROM clinical.report_issued r "
        "                    WHERE r.enrolment_id = e.enrolment_id AND r.kind = 'letter') i "
        "WHERE e.enrolment_id = $1::bigint",
        1, p);
    if (!res)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        rl_err_set(err, "no enrolment %s", enrolment_id);
        return -2;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->enrolment_id, sizeof out->enrolment_id, "%s", PQgetvalue(res, 0, 0));
    snprintf(out->subject_id, sizeof out->subject_id, "%s", PQgetvalue(res, 0, 1));
    snprintf(out->code, sizeof out->code, "%s", PQgetvalue(res, 0, 2));
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(res, 0, 3));
    snprintf(out->name, sizeof out->name, "%s", PQgetvalue(res, 0, 6));
    int r = rl_date_parse(PQgetvalue(res, 0, 4), &out->start, err);
    if (r == 0 && rl_route_parse(PQgetvalue(res, 0, 18), &out->route) < 0)
        r = rl_err_set(err, "unknown route '%s'", PQgetvalue(res, 0, 18));
    out->has_end = !PQgetisnull(res, 0, 5);
    if (r == 0 && out->has_end)
        r = rl_date_parse(PQgetvalue(res, 0, 5), &out->end, err);
    const rl_programme_t *builtin = rl_programme_builtin(out->code);
    if (builtin) {
        out->programme = *builtin;
    } else {
        rl_programme_t *t = &out->programme;
        t->total_sessions = atoi(PQgetvalue(res, 0, 7));
        t->exercise_sessions = atoi(PQgetvalue(res, 0, 8));
        t->information_sessions = atoi(PQgetvalue(res, 0, 9));
        t->max_per_week = atoi(PQgetvalue(res, 0, 10));
        t->max_duration_days = atoi(PQgetvalue(res, 0, 11));
        t->max_extra_sessions = atoi(PQgetvalue(res, 0, 12));
        t->mid_test_session = atoi(PQgetvalue(res, 0, 13));
    }
    out->programme.code = out->code;
    out->programme.name = out->name;
    /* the region is the database's (a site may keep a seed code's numbers
     * but not change what its devices measure) */
    if (r == 0 &&
        rl_body_region_parse(PQgetvalue(res, 0, 19), &out->programme.body_region, err) < 0)
        r = -1;
    rl_clinical_report_t *rep = &out->report;
    if (r == 0)
        r = rl_date_parse(PQgetvalue(res, 0, 15), &rep->today, err);
    rep->ended = !strcmp(out->status, "completed") || !strcmp(out->status, "dropped_out");
    rep->has_due = rep->ended && !PQgetisnull(res, 0, 14);
    if (r == 0 && rep->has_due)
        r = rl_date_parse(PQgetvalue(res, 0, 14), &rep->due, err);
    rep->issued = !PQgetisnull(res, 0, 16);
    if (r == 0 && rep->issued)
        r = rl_date_parse(PQgetvalue(res, 0, 16), &rep->issued_on, err);
    /* late: sent, or (not yet sent) today, after the deadline
     * (clinical.report_days_late) */
    if (r == 0 && rep->has_due)
        rep->days_late = atoi(PQgetvalue(res, 0, 17));
    PQclear(res);
    if (r < 0) {
        rl_err_prefix(err, "enrolment %s", enrolment_id);
        return -2;
    }
    return 0;
}

/* Appends one warning to *list (grown as needed). */
static rl_programme_warning_t *
s_append(rl_programme_warning_t **list, size_t *n, rl_programme_warning_kind_t kind)
{
    *list = rl_realloc(*list, (*n + 1) * sizeof **list);
    rl_programme_warning_t *w = &(*list)[(*n)++];
    memset(w, 0, sizeof *w);
    w->kind = kind;
    return w;
}

static const char *
s_record_plural(const char *record, int n)
{
    bool one = n == 1;
    if (!strcmp(record, "session"))
        return one ? "session" : "sessions";
    if (!strcmp(record, "test_trial"))
        return one ? "test trial" : "test trials";
    if (!strcmp(record, "training_set"))
        return one ? "training set" : "training sets";
    return one ? "questionnaire" : "questionnaires";
}

/* What is stored for the enrolment outside its dates, one warning per kind
 * of record (clinical.v_outside_programme). */
static int
s_outside_warnings(PGconn *conn, const rl_clinical_enrolment_t *e, rl_programme_warning_t **w,
                   size_t *n, rl_err_t *err)
{
    const char *p[1] = {e->enrolment_id};
    PGresult *res = rl_db_exec_prepared(
        conn, err, "reading the records outside the programme's dates", "clinical outside",
        "SELECT record, min(first_date), max(last_date), "
        "       CASE WHEN record = 'session' THEN count(DISTINCT first_date) ELSE sum(records) END "
        "FROM clinical.v_outside_programme WHERE enrolment_id = $1::bigint GROUP BY record "
        "ORDER BY array_position(ARRAY['session','test_trial','training_set','questionnaire'], "
        "record)",
        1, p);
    if (!res)
        return -1;
    int r = 0;
    for (int i = 0; i < PQntuples(res) && r == 0; i++) {
        rl_programme_warning_t *x = s_append(w, n, RL_WARN_OUTSIDE_DATES);
        snprintf(x->record, sizeof x->record, "%s", PQgetvalue(res, i, 0));
        x->count = atoi(PQgetvalue(res, i, 3));
        r = rl_date_parse(PQgetvalue(res, i, 1), &x->date, err);
        if (r == 0)
            r = rl_date_parse(PQgetvalue(res, i, 2), &x->last_date, err);
        char a[RL_DATE_STR_SIZE], b[RL_DATE_STR_SIZE], range[64];
        rl_date_format(x->date, a);
        rl_date_format(x->last_date, b);
        if (strcmp(a, b) != 0)
            snprintf(range, sizeof range, "%s to %s", a, b);
        else
            snprintf(range, sizeof range, "on %s", a);
        snprintf(
            x->msg, sizeof x->msg,
            "%d %s recorded outside the programme's dates (%s; the programme runs from %s%s%s): "
            "kept, but not counted",
            x->count, s_record_plural(x->record, x->count), range, rl_date_format(e->start, a),
            e->has_end ? " to " : ", still running", e->has_end ? rl_date_format(e->end, b) : "");
    }
    PQclear(res);
    return r;
}

/* The sessions recorded shorter than the template's minimum, as one
 * warning (clinical.v_session_day). */
static int
s_short_warning(PGconn *conn, const rl_clinical_enrolment_t *e, rl_programme_warning_t **w,
                size_t *n, rl_err_t *err)
{
    const char *p[1] = {e->enrolment_id};
    PGresult *res = rl_db_exec_prepared(
        conn, err, "reading the session lengths", "clinical short sessions",
        "SELECT count(*), min(session_date), max(session_date), min(minutes_recorded), "
        "min(min_session_minutes) FROM clinical.v_session_day "
        "WHERE enrolment_id = $1::bigint AND short",
        1, p);
    if (!res)
        return -1;
    int r = 0;
    int count = atoi(PQgetvalue(res, 0, 0));
    if (count > 0) {
        rl_programme_warning_t *x = s_append(w, n, RL_WARN_SHORT_SESSION);
        x->count = count;
        x->minutes = atoi(PQgetvalue(res, 0, 3));
        x->limit = atoi(PQgetvalue(res, 0, 4));
        r = rl_date_parse(PQgetvalue(res, 0, 1), &x->date, err);
        if (r == 0)
            r = rl_date_parse(PQgetvalue(res, 0, 2), &x->last_date, err);
        char a[RL_DATE_STR_SIZE];
        snprintf(x->msg, sizeof x->msg,
                 "%d session%s recorded shorter than the programme's minimum of %d minutes "
                 "(from %s; the shortest %d minutes)",
                 count, count == 1 ? "" : "s", x->limit, rl_date_format(x->date, a), x->minutes);
    }
    PQclear(res);
    return r;
}

/* What is stored for the enrolment on devices of the other body region,
 * one warning per kind of record (clinical.v_other_region). */
static int
s_region_warnings(PGconn *conn, const rl_clinical_enrolment_t *e, rl_programme_warning_t **w,
                  size_t *n, rl_err_t *err)
{
    const char *p[1] = {e->enrolment_id};
    PGresult *res = rl_db_exec_prepared(
        conn, err, "reading the records of the other body region", "clinical other region",
        "SELECT k.record, min(o.first_date), max(o.last_date), sum(k.n), min(o.body_region) "
        "FROM clinical.v_other_region o "
        "CROSS JOIN LATERAL (VALUES ('test_trial', o.test_trials), "
        "                           ('training_set', o.training_sets)) AS k(record, n) "
        "WHERE o.enrolment_id = $1::bigint AND k.n > 0 GROUP BY k.record ORDER BY k.record",
        1, p);
    if (!res)
        return -1;
    int r = 0;
    for (int i = 0; i < PQntuples(res) && r == 0; i++) {
        rl_programme_warning_t *x = s_append(w, n, RL_WARN_OTHER_REGION);
        snprintf(x->record, sizeof x->record, "%s", PQgetvalue(res, i, 0));
        x->count = atoi(PQgetvalue(res, i, 3));
        r = rl_date_parse(PQgetvalue(res, i, 1), &x->date, err);
        if (r == 0)
            r = rl_date_parse(PQgetvalue(res, i, 2), &x->last_date, err);
        if (r == 0)
            r = rl_body_region_parse(PQgetvalue(res, i, 4), &x->region, err);
        char a[RL_DATE_STR_SIZE];
        snprintf(x->msg, sizeof x->msg,
                 "%d %s on %s devices (from %s), the programme counts %s devices: kept, but not "
                 "counted",
                 x->count, s_record_plural(x->record, x->count), rl_body_region_name(x->region),
                 rl_date_format(x->date, a), rl_body_region_name(e->programme.body_region));
    }
    PQclear(res);
    return r;
}

int
rl_clinical_attendance_warnings(PGconn *conn, const rl_clinical_enrolment_t *e,
                                rl_programme_warning_t **warnings_p, size_t *n_warnings,
                                rl_err_t *err)
{
    *warnings_p = NULL;
    *n_warnings = 0;
    rl_programme_warning_t *all = NULL;
    size_t n_all = 0;
    int r = s_outside_warnings(conn, e, &all, &n_all, err);
    if (r == -1)
        goto out;
    if (r < 0) {
        r = -2;
        goto out;
    }
    const char *p[1] = {e->enrolment_id};
    PGresult *res =
        rl_db_exec_prepared(conn, err, "reading the sessions", "clinical sessions",
                            "SELECT min(session_date), 'attended' FROM clinical.v_session "
                            "WHERE enrolment_id = $1::bigint AND session_number IS NOT NULL "
                            "GROUP BY session_number UNION ALL "
                            "SELECT session_date, status FROM clinical.v_session "
                            "WHERE enrolment_id = $1::bigint AND status <> 'attended' "
                            "AND in_programme",
                            1, p);
    if (!res) {
        r = -1;
        goto out;
    }
    int n = PQntuples(res);
    rl_programme_session_t *s = rl_calloc((size_t)n + 1, sizeof *s);
    for (int i = 0; i < n && r == 0; i++) {
        r = rl_date_parse(PQgetvalue(res, i, 0), &s[i].date, err);
        const char *st = PQgetvalue(res, i, 1);
        s[i].kind = !strcmp(st, "attended")  ? RL_ATT_ATTENDED
                    : !strcmp(st, "no_show") ? RL_ATT_NO_SHOW
                                             : RL_ATT_CANCELLED;
    }
    PQclear(res);
    rl_programme_warning_t *rules = NULL;
    size_t n_rules = 0;
    if (r == 0)
        r = rl_programme_check_attendance(&e->programme, e->route, e->start, s, (size_t)n, &rules,
                                          &n_rules, err);
    free(s);
    if (r < 0) {
        r = -2;
        goto out;
    }
    if (n_rules > 0) {
        all = rl_realloc(all, (n_all + n_rules) * sizeof *all);
        memcpy(all + n_all, rules, n_rules * sizeof *rules);
        n_all += n_rules;
    }
    free(rules);
    r = s_short_warning(conn, e, &all, &n_all, err);
    if (r == 0)
        r = s_region_warnings(conn, e, &all, &n_all, err);
    if (r < -1)
        r = -2;
out:
    if (r < 0) {
        free(all);
        return r;
    }
    *warnings_p = all;
    *n_warnings = n_all;
    return 0;
}

const char *
rl_clinical_warning_code(rl_programme_warning_kind_t kind)
{
    switch (kind) {
    case RL_WARN_TOO_MANY_IN_WEEK:
        return "too_many_in_week";
    case RL_WARN_PAST_MAX_DURATION:
        return "past_max_duration";
    case RL_WARN_TOO_MANY_SESSIONS:
        return "too_many_sessions";
    case RL_WARN_BEFORE_START:
        return "before_start";
    case RL_WARN_OUTSIDE_DATES:
        return "outside_programme_dates";
    case RL_WARN_SHORT_SESSION:
        return "short_sessions";
    case RL_WARN_OTHER_REGION:
        return "other_body_region";
    }
    return "unknown";
}
