/* `ruglab enrolment`: a patient's programme after enrolment: status
 * (attendance and the warnings of programme.h: more sessions in a week
 * than allowed, past the maximum duration, more sessions than allowed)
 * and its end (completed or dropped out). */
#include "admin_util.h"

#include "ruglab/exitcode.h"
#include "ruglab/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab enrolment status PATIENT\n"
                 "       ruglab enrolment end PATIENT (--completed | --dropout REASON) --date "
                 "YYYY-MM-DD\n"
                 "       ruglab enrolment list [--active]\n\n"
                 "status  the programme, attendance (attended of planned, no-shows,\n"
                 "        cancellations), the warnings (more sessions in a week than the\n"
                 "        template allows, a session past the maximum duration, more sessions\n"
                 "        than total + extra, a session before the start) and the test\n"
                 "        occasions with their time points. Warnings do not refuse anything.\n"
                 "end     ends the running programme: completed, or dropped out with the\n"
                 "        reason; the last test then becomes the end test.\n"
                 "list    every enrolment (pseudonymous: badge token, no names).\n");
}

static int
s_status(admin_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "enrolment status";
    const admin_opt_t opts[] = {{NULL, NULL, NULL}};
    const char *patient = NULL;
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    int rc = RL_EXIT_OK;
    char id[32];
    admin_enrolment_t e;
    if (admin_find_enrolment(ctx, cmd, &rc, patient, true, id) < 0 ||
        admin_load_enrolment(ctx, cmd, &rc, id, &e) < 0)
        return rc;
    rl_programme_warning_t *w = NULL;
    size_t nw = 0;
    PGresult *att = NULL, *occ = NULL;
    rl_err_t err;
    int wr = rl_clinical_attendance_warnings(ctx->conn, &e, &w, &nw, &err);
    if (wr < 0) {
        admin_fail("%s: %s", cmd, err.msg);
        rc = wr == -1 ? RL_EXIT_DB : RL_EXIT_FAIL;
        goto out;
    }
    const char *p[1] = {id};
    att = admin_exec(ctx, cmd, &rc, "reading the attendance",
                     "SELECT planned_sessions, attended_total, attended_exercise, "
                     "attended_information, no_shows, cancellations, first_date, last_date, "
                     "allowed_sessions FROM clinical.v_attendance WHERE enrolment_id = $1::bigint",
                     1, p);
    if (!att)
        goto out;
    occ = admin_exec(ctx, cmd, &rc, "reading the test occasions",
                     "SELECT test_index, test_date, session_number, device_id, session_id, "
                     "timepoint, overridden FROM clinical.v_test_occasion "
                     "WHERE enrolment_id = $1::bigint ORDER BY test_index",
                     1, p);
    if (!occ)
        goto out;
    char d1[RL_DATE_STR_SIZE], d2[RL_DATE_STR_SIZE];
    if (ctx->json) {
        json_t *o = json_object();
        json_object_set_new(o, "enrolment_id", json_integer(strtoll(id, NULL, 10)));
        json_object_set_new(o, "subject_id", json_integer(strtoll(e.subject_id, NULL, 10)));
        json_object_set_new(o, "programme", json_string(e.code));
        json_object_set_new(o, "status", json_string(e.status));
        json_object_set_new(o, "start_date", json_string(rl_date_format(e.start, d1)));
        json_object_set_new(o, "end_date",
                            e.has_end ? json_string(rl_date_format(e.end, d2)) : json_null());
        for (int c = 0; c < PQnfields(att); c++)
            json_object_set_new(o, PQfname(att, c), admin_json_value(att, 0, c, c != 6 && c != 7));
        json_t *arr = json_array();
        for (size_t i = 0; i < nw; i++) {
            json_t *x = json_object();
            json_object_set_new(x, "kind", json_string(rl_clinical_warning_code(w[i].kind)));
            json_object_set_new(x, "date", json_string(rl_date_format(w[i].date, d1)));
            json_object_set_new(x, "message", json_string(w[i].msg));
            json_array_append_new(arr, x);
        }
        json_object_set_new(o, "warnings", arr);
        arr = json_array();
        for (int r = 0; r < PQntuples(occ); r++) {
            json_t *x = json_object();
            for (int c = 0; c < PQnfields(occ); c++)
                json_object_set_new(x, PQfname(occ, c),
                                    admin_json_value(occ, r, c, c == 0 || c == 2));
            json_array_append_new(arr, x);
        }
        json_object_set_new(o, "test_occasions", arr);
        admin_json_print(o);
    } else {
        printf("enrolment %s: programme %s, %s, start %s%s%s\n", id, e.code, e.status,
               rl_date_format(e.start, d1), e.has_end ? ", end " : "",
               e.has_end ? rl_date_format(e.end, d2) : "");
        printf("attended %s of %s planned sessions (%s exercise, %s information; at most %s), "
               "%s no-show(s), %s cancellation(s)\n",
               PQgetvalue(att, 0, 1), PQgetvalue(att, 0, 0), PQgetvalue(att, 0, 2),
               PQgetvalue(att, 0, 3), PQgetvalue(att, 0, 8), PQgetvalue(att, 0, 4),
               PQgetvalue(att, 0, 5));
        if (nw == 0)
            printf("warnings: none\n");
        for (size_t i = 0; i < nw; i++)
            printf("warning: %s\n", w[i].msg);
        if (PQntuples(occ) > 0) {
            printf("test occasions:\n");
            admin_print_rows(ctx, occ, NULL);
        }
    }
    rc = RL_EXIT_OK;
out:
    PQclear(att);
    PQclear(occ);
    free(w);
    return rc;
}

static int
s_end(admin_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "enrolment end";
    const char *reason = NULL, *date_s = NULL;
    bool completed = false;
    const admin_opt_t opts[] = {{"--completed", NULL, &completed},
                                {"--dropout", &reason, NULL},
                                {"--date", &date_s, NULL},
                                {NULL, NULL, NULL}};
    const char *patient = NULL;
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    if (completed == !!reason) {
        admin_fail("%s: give one of --completed, --dropout REASON", cmd);
        return RL_EXIT_USAGE;
    }
    if (admin_require(cmd, "--date", date_s) < 0)
        return RL_EXIT_USAGE;
    if (reason && (strlen(reason) < 1 || strlen(reason) > 500)) {
        admin_fail("%s: --dropout: the reason must be 1-500 characters", cmd);
        return RL_EXIT_FAIL;
    }
    int rc = RL_EXIT_OK;
    rl_date_t date, today;
    char id[32];
    admin_enrolment_t e;
    if (admin_parse_date(cmd, "--date", date_s, &date) < 0)
        return RL_EXIT_FAIL;
    if (admin_today(ctx, cmd, &rc, &today) < 0 ||
        admin_find_enrolment(ctx, cmd, &rc, patient, false, id) < 0 ||
        admin_load_enrolment(ctx, cmd, &rc, id, &e) < 0)
        return rc;
    char buf[RL_DATE_STR_SIZE];
    if (rl_date_compare(date, today) > 0) {
        admin_fail("%s: the end date %s is in the future (today is %s)", cmd, date_s,
                   rl_date_format(today, buf));
        return RL_EXIT_FAIL;
    }
    if (rl_date_compare(date, e.start) < 0) {
        admin_fail("%s: the end date %s is before the start on %s", cmd, date_s,
                   rl_date_format(e.start, buf));
        return RL_EXIT_FAIL;
    }
    const char *p[4] = {id, completed ? "completed" : "dropped_out", date_s, reason};
    PGresult *res = admin_exec(ctx, cmd, &rc, "ending the programme",
                               "UPDATE clinical.enrolment SET status = $2, end_date = $3::date, "
                               "dropout_reason = $4 WHERE enrolment_id = $1::bigint "
                               "AND status = 'active'",
                               4, p);
    if (!res)
        return rc;
    bool done = !strcmp(PQcmdTuples(res), "1");
    PQclear(res);
    if (!done) {
        admin_fail("%s: enrolment %s is no longer running", cmd, id);
        return RL_EXIT_FAIL;
    }
    if (ctx->json) {
        json_t *o = json_object();
        json_object_set_new(o, "enrolment_id", json_integer(strtoll(id, NULL, 10)));
        json_object_set_new(o, "status", json_string(p[1]));
        json_object_set_new(o, "end_date", json_string(date_s));
        admin_json_print(o);
    } else {
        printf("enrolment %s ended: %s on %s\n", id, p[1], date_s);
    }
    return RL_EXIT_OK;
}

static int
s_list(admin_ctx_t *ctx, int argc, char **argv)
{
    bool active = false;
    const admin_opt_t opts[] = {{"--active", NULL, &active}, {NULL, NULL, NULL}};
    if (admin_parse(ctx, "enrolment list", argc, argv, 2, opts, NULL, 0, NULL) < 0)
        return RL_EXIT_USAGE;
    int rc = RL_EXIT_OK;
    const char *p[1] = {active ? "t" : "f"};
    PGresult *res = admin_exec(
        ctx, "enrolment list", &rc, "listing the enrolments",
        "SELECT e.enrolment_id, e.subject_id, s.badge_token, st.code AS site, p.code AS "
        "programme, e.status, e.start_date, e.end_date, a.attended_total, a.planned_sessions "
        "FROM clinical.enrolment e JOIN clinical.subject s USING (subject_id) "
        "JOIN clinical.site st ON st.site_id = e.site_id "
        "JOIN clinical.programme p ON p.programme_id = e.programme_id "
        "JOIN clinical.v_attendance a ON a.enrolment_id = e.enrolment_id "
        "WHERE NOT $1::boolean OR e.status = 'active' ORDER BY e.start_date, e.enrolment_id",
        1, p);
    if (!res)
        return rc;
    admin_print_rows(ctx, res, "enrolment_id,subject_id,attended_total,planned_sessions");
    PQclear(res);
    return RL_EXIT_OK;
}

int
admin_enrolment_main(admin_ctx_t *ctx, int argc, char **argv)
{
    static const admin_sub_t subs[] = {
        {"status", s_status}, {"end", s_end}, {"list", s_list}, {NULL, NULL}};
    return admin_dispatch(ctx, "enrolment", argc, argv, s_usage, subs);
}
