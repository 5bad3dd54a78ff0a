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
    fprintf(out, "usage: ruglab enrolment status PATIENT [--enrolment ID]\n"
                 "       ruglab enrolment end PATIENT (--completed | --dropout REASON) --date "
                 "YYYY-MM-DD [--force]\n"
                 "       ruglab enrolment list [--active]\n\n"
                 "status  the programme (the running one, else the most recent; --enrolment:\n"
                 "        another of the patient's); first the final reports: an overdue one of\n"
                 "        the patient's other programmes, then this one's when it has ended: due\n"
                 "        by (end + 2 weeks, Fedris: + 1 month), sent or not, OVERDUE by how\n"
                 "        many days; attendance (attended of planned, per kind, whether every\n"
                 "        planned session was attended, no-shows, cancellations, session\n"
                 "        lengths); the warnings (records stored outside the programme's dates,\n"
                 "        which count nowhere; more sessions in a week than the template allows;\n"
                 "        a session past the maximum duration; more sessions than total + extra;\n"
                 "        sessions shorter than the template's minimum) and the test occasions\n"
                 "        with their time points. Warnings do not refuse anything.\n"
                 "end     ends the running programme: completed, or dropped out with the\n"
                 "        reason; the last test then becomes the end test. An end date before\n"
                 "        recorded activity (a session, test, training set or questionnaire)\n"
                 "        is refused, naming the last recorded session; --force ends it all\n"
                 "        the same: what lies after the end date stays stored but counts\n"
                 "        nowhere (letter, exports, quality), and the forced end is written to\n"
                 "        the audit log (ruglab audit list).\n"
                 "list    every enrolment (pseudonymous: badge token, no names).\n");
}

static int
s_status(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "enrolment status";
    const char *which = NULL;
    const admin_opt_t opts[] = {{"--enrolment", &which, NULL}, {NULL, NULL, NULL}};
    const char *patient = NULL;
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    int rc = RL_EXIT_OK;
    char id[32], subject[32];
    admin_enrolment_t e;
    if (which) {
        if (admin_find_subject(ctx, cmd, &rc, patient, subject) < 0)
            return rc;
        const char *pw[2] = {which, subject};
        if (strspn(which, "0123456789") != strlen(which) || strlen(which) > 18) {
            rl_cli_fail("%s: --enrolment: '%s' is not an enrolment id", cmd, which);
            return RL_EXIT_USAGE;
        }
        if (admin_need_id(ctx, cmd, &rc,
                          "SELECT enrolment_id FROM clinical.enrolment "
                          "WHERE enrolment_id = $1::bigint AND subject_id = $2::bigint",
                          2, pw, id, "patient %s has no enrolment %s", subject, which) < 0)
            return rc;
    } else if (admin_find_enrolment(ctx, cmd, &rc, patient, true, id) < 0) {
        return rc;
    }
    if (admin_load_enrolment(ctx, cmd, &rc, id, &e) < 0)
        return rc;
    rl_programme_warning_t *w = NULL;
    size_t nw = 0;
    PGresult *att = NULL, *occ = NULL, *other = NULL;
    rl_err_t err;
    int wr = rl_clinical_attendance_warnings(ctx->conn, &e, &w, &nw, &err);
    const rl_clinical_report_t due = e.report;
    if (wr < 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        rc = wr == -1 ? RL_EXIT_DB : RL_EXIT_FAIL;
        goto out;
    }
    const char *p[1] = {id};
    att = admin_exec(ctx, cmd, &rc, "reading the attendance",
                     "SELECT planned_sessions, attended_total, attended_exercise, "
                     "attended_information, no_shows, cancellations, first_date, last_date, "
                     "allowed_sessions, planned_exercise, planned_information, complete, "
                     "sessions_outside_dates, min_session_minutes, sessions_short, "
                     "sessions_length_unknown "
                     "FROM clinical.v_attendance WHERE enrolment_id = $1::bigint",
                     1, p);
    if (!att)
        goto out;
    other =
        admin_exec(ctx, cmd, &rc, "reading the other programmes' reports",
                   "SELECT o.enrolment_id, o.end_date, o.due, clinical.local_date(now()) - o.due "
                   "FROM (SELECT x.enrolment_id, x.end_date, "
                   "             clinical.report_due_date(x.route, x.end_date) AS due "
                   "      FROM clinical.enrolment x JOIN clinical.enrolment e "
                   "        ON e.subject_id = x.subject_id AND e.enrolment_id = $1::bigint "
                   "      WHERE x.enrolment_id <> e.enrolment_id "
                   "        AND x.status IN ('completed', 'dropped_out') "
                   "        AND NOT EXISTS (SELECT 1 FROM clinical.report_issued r "
                   "                        WHERE r.enrolment_id = x.enrolment_id "
                   "                          AND r.kind = 'letter')) o "
                   "WHERE o.due < clinical.local_date(now()) ORDER BY o.due",
                   1, p);
    if (!other)
        goto out;
    occ = admin_exec(ctx, cmd, &rc, "reading the test occasions",
                     "SELECT test_index, test_date, session_number, device_id, session_id, "
                     "timepoint, overridden FROM clinical.v_test_occasion "
                     "WHERE enrolment_id = $1::bigint ORDER BY test_index",
                     1, p);
    if (!occ)
        goto out;
    char d1[RL_DATE_STR_SIZE], d2[RL_DATE_STR_SIZE];
    if (rl_cli_json(ctx)) {
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
        json_t *rep = json_object();
        json_object_set_new(rep, "due_by",
                            due.has_due ? json_string(rl_date_format(due.due, d1)) : json_null());
        json_object_set_new(rep, "issued", json_boolean(due.issued));
        json_object_set_new(rep, "issued_on",
                            due.issued ? json_string(rl_date_format(due.issued_on, d2))
                                       : json_null());
        json_object_set_new(rep, "overdue", json_boolean(due.has_due && due.days_late > 0));
        json_object_set_new(rep, "days_late", json_integer(due.days_late));
        json_object_set_new(o, "final_report", rep);
        json_t *ov = json_array();
        for (int r = 0; r < PQntuples(other); r++)
            json_array_append_new(
                ov, json_pack("{s:I, s:s, s:s, s:I}", "enrolment_id",
                              (json_int_t)strtoll(PQgetvalue(other, r, 0), NULL, 10), "end_date",
                              PQgetvalue(other, r, 1), "due_by", PQgetvalue(other, r, 2),
                              "days_late", (json_int_t)strtoll(PQgetvalue(other, r, 3), NULL, 10)));
        json_object_set_new(o, "other_overdue_reports", ov);
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
        /* the deadlines first: an overdue report is what needs doing, also
         * one of the patient's earlier programme */
        for (int r = 0; r < PQntuples(other); r++)
            printf("final report of enrolment %s (ended %s): OVERDUE by %s days (due by %s), not "
                   "sent yet\n",
                   PQgetvalue(other, r, 0), PQgetvalue(other, r, 1), PQgetvalue(other, r, 3),
                   PQgetvalue(other, r, 2));
        if (due.has_due && !due.issued && due.days_late > 0)
            printf("final report: OVERDUE by %d day%s (due by %s), not sent yet\n", due.days_late,
                   due.days_late == 1 ? "" : "s", rl_date_format(due.due, d1));
        else if (due.has_due && !due.issued)
            printf("final report: due by %s, not sent yet\n", rl_date_format(due.due, d1));
        else if (due.has_due && due.days_late > 0)
            printf("final report: sent on %s, %d day%s after the deadline of %s\n",
                   rl_date_format(due.issued_on, d2), due.days_late, due.days_late == 1 ? "" : "s",
                   rl_date_format(due.due, d1));
        else if (due.has_due)
            printf("final report: sent on %s (due by %s)\n", rl_date_format(due.issued_on, d2),
                   rl_date_format(due.due, d1));
        int planned_ex = atoi(PQgetvalue(att, 0, 9)), planned_info = atoi(PQgetvalue(att, 0, 10));
        int att_ex = atoi(PQgetvalue(att, 0, 2)), att_info = atoi(PQgetvalue(att, 0, 3));
        printf("attended %s of %s planned sessions (%d of %d exercise, %d of %d information; at "
               "most %s), %s no-show(s), %s cancellation(s)\n",
               PQgetvalue(att, 0, 1), PQgetvalue(att, 0, 0), att_ex, planned_ex, att_info,
               planned_info, PQgetvalue(att, 0, 8), PQgetvalue(att, 0, 4), PQgetvalue(att, 0, 5));
        if (PQgetvalue(att, 0, 11)[0] == 't')
            printf("every planned session attended\n");
        else
            printf("not every planned session attended: %d exercise and %d information "
                   "session(s) missing\n",
                   planned_ex > att_ex ? planned_ex - att_ex : 0,
                   planned_info > att_info ? planned_info - att_info : 0);
        printf("session length: minimum %s minutes; %s session(s) shorter, %s without a recorded "
               "length\n",
               PQgetvalue(att, 0, 13), PQgetvalue(att, 0, 14), PQgetvalue(att, 0, 15));
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
    PQclear(other);
    free(w);
    return rc;
}

static int
s_end(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "enrolment end";
    const char *reason = NULL, *date_s = NULL;
    bool completed = false, force = false;
    const admin_opt_t opts[] = {{"--completed", NULL, &completed},
                                {"--dropout", &reason, NULL},
                                {"--date", &date_s, NULL},
                                {"--force", NULL, &force},
                                {NULL, NULL, NULL}};
    const char *patient = NULL;
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    if (completed == !!reason) {
        rl_cli_fail("%s: give one of --completed, --dropout REASON", cmd);
        return RL_EXIT_USAGE;
    }
    if (admin_require(cmd, "--date", date_s) < 0)
        return RL_EXIT_USAGE;
    if (reason && (strlen(reason) < 1 || strlen(reason) > 500)) {
        rl_cli_fail("%s: --dropout: the reason must be 1-500 characters", cmd);
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
        rl_cli_fail("%s: the end date %s is in the future (today is %s)", cmd, date_s,
                    rl_date_format(today, buf));
        return RL_EXIT_FAIL;
    }
    if (rl_date_compare(date, e.start) < 0) {
        rl_cli_fail("%s: the end date %s is before the start on %s", cmd, date_s,
                    rl_date_format(e.start, buf));
        return RL_EXIT_FAIL;
    }
    /* Nothing recorded may lie after the end: the letter would say the
     * programme ended while it shows tests of later days. */
    const char *pa[2] = {id, date_s};
    PGresult *last = admin_exec(ctx, cmd, &rc, "reading the last recorded activity",
                                "SELECT to_char(last_date, 'YYYY-MM-DD'), last_record, "
                                "last_device_id, last_session_id, "
                                "(SELECT count(DISTINCT v.session_date) FROM clinical.v_session v "
                                " WHERE v.enrolment_id = a.enrolment_id AND v.status = 'attended' "
                                "   AND v.session_date > $2::date) "
                                "FROM clinical.v_last_activity a "
                                "WHERE a.enrolment_id = $1::bigint AND a.last_date > $2::date",
                                2, pa);
    if (!last)
        return rc;
    char *after = NULL;
    if (PQntuples(last) == 1) {
        const char *rec = PQgetvalue(last, 0, 1);
        bool manual = PQgetisnull(last, 0, 2);
        after = rl_asprintf(
            "the last recorded %s is on %s%s%s%s%s%s (%s attended session%s after %s)",
            !strcmp(rec, "questionnaire") ? "activity, a questionnaire," : "session",
            PQgetvalue(last, 0, 0), manual ? "" : " (device ", manual ? "" : PQgetvalue(last, 0, 2),
            manual ? "" : ", session ", manual ? "" : PQgetvalue(last, 0, 3), manual ? "" : ")",
            PQgetvalue(last, 0, 4), strcmp(PQgetvalue(last, 0, 4), "1") ? "s" : "", date_s);
    }
    PQclear(last);
    if (after && !force) {
        rl_cli_fail("%s: the end date %s is before recorded activity: %s. End the programme on "
                    "the day of its last session or later; or, if what came after %s does not "
                    "belong to this programme, add --force: it then stays stored but counts "
                    "nowhere, and the forced end is audited",
                    cmd, date_s, after, date_s);
        free(after);
        return RL_EXIT_FAIL;
    }
    if (admin_begin(ctx, cmd, &rc) < 0) {
        free(after);
        return rc;
    }
    const char *p[4] = {id, completed ? "completed" : "dropped_out", date_s, reason};
    PGresult *res = admin_exec(ctx, cmd, &rc, "ending the programme",
                               "UPDATE clinical.enrolment SET status = $2, end_date = $3::date, "
                               "dropout_reason = $4 WHERE enrolment_id = $1::bigint "
                               "AND status = 'active'",
                               4, p);
    if (!res)
        goto fail;
    bool done = !strcmp(PQcmdTuples(res), "1");
    PQclear(res);
    if (!done) {
        rl_cli_fail("%s: enrolment %s is no longer running", cmd, id);
        rc = RL_EXIT_FAIL;
        goto fail;
    }
    if (after) {
        char *detail =
            rl_asprintf("enrolment %s ended on %s with --force although %s", id, date_s, after);
        int a = admin_audit(ctx, cmd, &rc, "enrolment end --force", e.subject_id, detail);
        free(detail);
        if (a < 0)
            goto fail;
    }
    if (admin_commit(ctx, cmd, &rc) < 0)
        goto fail;
    if (after)
        fprintf(stderr,
                "ruglab: %s: warning: ended with --force: %s; what lies after %s is kept but "
                "counted nowhere (audited)\n",
                cmd, after, date_s);
    free(after);
    if (rl_cli_json(ctx)) {
        json_t *o = json_object();
        json_object_set_new(o, "enrolment_id", json_integer(strtoll(id, NULL, 10)));
        json_object_set_new(o, "status", json_string(p[1]));
        json_object_set_new(o, "end_date", json_string(date_s));
        admin_json_print(o);
    } else {
        printf("enrolment %s ended: %s on %s\n", id, p[1], date_s);
    }
    return RL_EXIT_OK;
fail:
    admin_rollback(ctx);
    free(after);
    return rc;
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
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
admin_enrolment_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    static const admin_sub_t subs[] = {
        {"status", s_status}, {"end", s_end}, {"list", s_list}, {NULL, NULL}};
    return admin_dispatch(ctx, "enrolment", argc, argv, s_usage, subs);
}
