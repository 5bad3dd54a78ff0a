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
    PGresult *res = rl_db_exec(
        conn, err, "reading the enrolment",
        "SELECT e.enrolment_id, e.subject_id, p.code, e.status, e.start_date, e.end_date, p.name, "
        "p.total_sessions, p.exercise_sessions, p.information_sessions, p.max_per_week, "
        "p.max_duration_days, p.max_extra_sessions, p.mid_test_session "
        "FROM clinical.enrolment e JOIN clinical.programme p USING (programme_id) "
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
    PQclear(res);
    if (r < 0) {
        rl_err_prefix(err, "enrolment %s", enrolment_id);
        return -2;
    }
    return 0;
}

int
rl_clinical_attendance_warnings(PGconn *conn, const rl_clinical_enrolment_t *e,
                                rl_programme_warning_t **warnings_p, size_t *n_warnings,
                                rl_err_t *err)
{
    *warnings_p = NULL;
    *n_warnings = 0;
    const char *p[1] = {e->enrolment_id};
    PGresult *res = rl_db_exec(conn, err, "reading the sessions",
                               "SELECT min(session_date), 'attended' FROM clinical.v_session "
                               "WHERE enrolment_id = $1::bigint AND status = 'attended' "
                               "GROUP BY session_number UNION ALL "
                               "SELECT session_date, status FROM clinical.v_session "
                               "WHERE enrolment_id = $1::bigint AND status <> 'attended'",
                               1, p);
    if (!res)
        return -1;
    int n = PQntuples(res);
    rl_programme_session_t *s = rl_calloc((size_t)n + 1, sizeof *s);
    int r = 0;
    for (int i = 0; i < n && r == 0; i++) {
        r = rl_date_parse(PQgetvalue(res, i, 0), &s[i].date, err);
        const char *st = PQgetvalue(res, i, 1);
        s[i].kind = !strcmp(st, "attended")  ? RL_ATT_ATTENDED
                    : !strcmp(st, "no_show") ? RL_ATT_NO_SHOW
                                             : RL_ATT_CANCELLED;
    }
    PQclear(res);
    if (r == 0)
        r = rl_programme_check_attendance(&e->programme, e->start, s, (size_t)n, warnings_p,
                                          n_warnings, err);
    free(s);
    return r < 0 ? -2 : 0;
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
    }
    return "unknown";
}
