/* `ruglab enrolment`: the progress of a patient's programme once it has
 * started (its start, `ruglab enrol`, is admin_enrolment_create.c): status
 * (attendance, the final report's deadline and the warnings of
 * programme.h: more sessions in a week than allowed, past the maximum
 * duration, more sessions than allowed), its end (completed or dropped
 * out) and the list of enrolments. */
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
                 "        a session past the maximum duration; more sessions than total + extra\n"
                 "        (these two are RIZIV 558994's cap: not on the preventive route);\n"
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

/* ---- status ---- */

/* What `enrolment status` shows: read first, then printed. */
typedef struct {
    char id[32];
    admin_enrolment_t e;
    rl_programme_warning_t *w;
    size_t nw;
    PGresult *att;   /* clinical.v_attendance: one row */
    PGresult *other; /* overdue final reports of the patient's other programmes */
    PGresult *occ;   /* the test occasions */
} s_status_t;

static int
s_status_fetch(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *patient, const char *which,
               s_status_t *m)
{
    if (admin_find_enrolment_of(ctx, cmd, rc, patient, which, true, m->id) < 0 ||
        admin_load_enrolment(ctx, cmd, rc, m->id, &m->e) < 0)
        return -1;
    rl_err_t err;
    int wr = rl_clinical_attendance_warnings(ctx->conn, &m->e, &m->w, &m->nw, &err);
    if (wr < 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        *rc = wr == -1 ? RL_EXIT_DB : RL_EXIT_FAIL;
        return -1;
    }
    const char *p[1] = {m->id};
    m->att = admin_exec(ctx, cmd, rc, "reading the attendance",
                        "SELECT planned_sessions, attended_total, attended_exercise, "
                        "attended_information, no_shows, cancellations, first_date, last_date, "
                        "allowed_sessions, planned_exercise, planned_information, complete, "
                        "sessions_outside_dates, min_session_minutes, sessions_short, "
                        "sessions_length_unknown "
                        "FROM clinical.v_attendance WHERE enrolment_id = $1::bigint",
                        1, p);
    if (!m->att)
        return -1;
    m->other = admin_exec(
        ctx, cmd, rc, "reading the other programmes' reports",
        "SELECT o.enrolment_id, o.end_date, o.due, clinical.report_days_late(o.due, NULL) "
        "FROM (SELECT x.enrolment_id, x.end_date, "
        "             clinical.report_due_date(x.route, x.end_date) AS due "
        "      FROM clinical.enrolment x JOIN clinical.enrolment e "
        "        ON e.subject_id = x.subject_id AND e.enrolment_id = $1::bigint "
        "      WHERE x.enrolment_id <> e.enrolment_id "
        "        AND x.status IN ('completed', 'dropped_out') "
        "        AND NOT EXISTS (SELECT 1 FROM clinical.report_issued r "
        "                        WHERE r.enrolment_id = x.enrolment_id "
        "                          AND r.kind = 'letter')) o "
        "WHERE clinical.report_days_late(o.due, NULL) > 0 ORDER BY o.due",
        1, p);
    if (!m->other)
        return -1;
    m->occ = admin_exec(ctx, cmd, rc, "reading the test occasions",
                        "SELECT test_index, test_date, session_number, device_id, session_id, "
                        "timepoint, overridden FROM clinical.v_test_occasion "
                        "WHERE enrolment_id = $1::bigint ORDER BY test_index",
                        1, p);
    return m->occ ? 0 : -1;
}

static json_t *
s_report_json(const rl_clinical_report_t *due)
{
    char d1[RL_DATE_STR_SIZE], d2[RL_DATE_STR_SIZE];
    json_t *rep = json_object();
    json_object_set_new(rep, "due_by",
                        due->has_due ? json_string(rl_date_format(due->due, d1)) : json_null());
    json_object_set_new(rep, "issued", json_boolean(due->issued));
    json_object_set_new(rep, "issued_on",
                        due->issued ? json_string(rl_date_format(due->issued_on, d2))
                                    : json_null());
    json_object_set_new(rep, "overdue", json_boolean(due->has_due && due->days_late > 0));
    json_object_set_new(rep, "days_late", json_integer(due->days_late));
    return rep;
}

static json_t *
s_others_json(const PGresult *other)
{
    json_t *ov = json_array();
    for (int r = 0; r < PQntuples(other); r++)
        json_array_append_new(
            ov, json_pack("{s:I, s:s, s:s, s:I}", "enrolment_id",
                          (json_int_t)strtoll(PQgetvalue(other, r, 0), NULL, 10), "end_date",
                          PQgetvalue(other, r, 1), "due_by", PQgetvalue(other, r, 2), "days_late",
                          (json_int_t)strtoll(PQgetvalue(other, r, 3), NULL, 10)));
    return ov;
}

static json_t *
s_warnings_json(const rl_programme_warning_t *w, size_t nw)
{
    char d[RL_DATE_STR_SIZE];
    json_t *arr = json_array();
    for (size_t i = 0; i < nw; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "kind", json_string(rl_clinical_warning_code(w[i].kind)));
        json_object_set_new(x, "date", json_string(rl_date_format(w[i].date, d)));
        json_object_set_new(x, "message", json_string(w[i].msg));
        json_array_append_new(arr, x);
    }
    return arr;
}

static void
s_status_json(const s_status_t *m)
{
    const admin_enrolment_t *e = &m->e;
    char d1[RL_DATE_STR_SIZE], d2[RL_DATE_STR_SIZE];
    json_t *o = json_object();
    json_object_set_new(o, "enrolment_id", json_integer(strtoll(m->id, NULL, 10)));
    json_object_set_new(o, "subject_id", json_integer(strtoll(e->subject_id, NULL, 10)));
    json_object_set_new(o, "programme", json_string(e->code));
    json_object_set_new(o, "status", json_string(e->status));
    json_object_set_new(o, "start_date", json_string(rl_date_format(e->start, d1)));
    json_object_set_new(o, "end_date",
                        e->has_end ? json_string(rl_date_format(e->end, d2)) : json_null());
    for (int c = 0; c < PQnfields(m->att); c++)
        json_object_set_new(o, PQfname(m->att, c),
                            admin_json_value(m->att, 0, c, c != 6 && c != 7));
    json_object_set_new(o, "final_report", s_report_json(&e->report));
    json_object_set_new(o, "other_overdue_reports", s_others_json(m->other));
    json_object_set_new(o, "warnings", s_warnings_json(m->w, m->nw));
    json_object_set_new(o, "test_occasions", admin_json_rows(m->occ, "test_index,session_number"));
    admin_json_print(o);
}

/* The deadlines first: an overdue report is what needs doing, also one of
 * the patient's earlier programme. */
static void
s_reports_text(const PGresult *other, const rl_clinical_report_t *due)
{
    char d1[RL_DATE_STR_SIZE], d2[RL_DATE_STR_SIZE];
    for (int r = 0; r < PQntuples(other); r++)
        printf("final report of enrolment %s (ended %s): OVERDUE by %s days (due by %s), not "
               "sent yet\n",
               PQgetvalue(other, r, 0), PQgetvalue(other, r, 1), PQgetvalue(other, r, 3),
               PQgetvalue(other, r, 2));
    if (due->has_due && !due->issued && due->days_late > 0)
        printf("final report: OVERDUE by %d day%s (due by %s), not sent yet\n", due->days_late,
               due->days_late == 1 ? "" : "s", rl_date_format(due->due, d1));
    else if (due->has_due && !due->issued)
        printf("final report: due by %s, not sent yet\n", rl_date_format(due->due, d1));
    else if (due->has_due && due->days_late > 0)
        printf("final report: sent on %s, %d day%s after the deadline of %s\n",
               rl_date_format(due->issued_on, d2), due->days_late, due->days_late == 1 ? "" : "s",
               rl_date_format(due->due, d1));
    else if (due->has_due)
        printf("final report: sent on %s (due by %s)\n", rl_date_format(due->issued_on, d2),
               rl_date_format(due->due, d1));
}

static void
s_attendance_text(const PGresult *att)
{
    int planned_ex = atoi(PQgetvalue(att, 0, 9)), planned_info = atoi(PQgetvalue(att, 0, 10));
    int att_ex = atoi(PQgetvalue(att, 0, 2)), att_info = atoi(PQgetvalue(att, 0, 3));
    printf("attended %s of %s planned sessions (%d of %d exercise, %d of %d information; at "
           "most %s), %s no-show(s), %s cancellation(s)\n",
           PQgetvalue(att, 0, 1), PQgetvalue(att, 0, 0), att_ex, planned_ex, att_info, planned_info,
           PQgetvalue(att, 0, 8), PQgetvalue(att, 0, 4), PQgetvalue(att, 0, 5));
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
}

static void
s_status_text(rl_cli_ctx_t *ctx, const s_status_t *m)
{
    const admin_enrolment_t *e = &m->e;
    char d1[RL_DATE_STR_SIZE], d2[RL_DATE_STR_SIZE];
    printf("enrolment %s: programme %s, %s, start %s%s%s\n", m->id, e->code, e->status,
           rl_date_format(e->start, d1), e->has_end ? ", end " : "",
           e->has_end ? rl_date_format(e->end, d2) : "");
    s_reports_text(m->other, &e->report);
    s_attendance_text(m->att);
    if (m->nw == 0)
        printf("warnings: none\n");
    for (size_t i = 0; i < m->nw; i++)
        printf("warning: %s\n", m->w[i].msg);
    if (PQntuples(m->occ) > 0) {
        printf("test occasions:\n");
        admin_print_rows(ctx, m->occ, NULL);
    }
}

static int
s_status(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "enrolment status";
    const char *which = NULL, *patient = NULL;
    const admin_opt_t opts[] = {{"--enrolment", &which, NULL}, {NULL, NULL, NULL}};
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    int rc = RL_EXIT_OK;
    s_status_t m = {0};
    if (s_status_fetch(ctx, cmd, &rc, patient, which, &m) == 0) {
        if (rl_cli_json(ctx))
            s_status_json(&m);
        else
            s_status_text(ctx, &m);
        rc = RL_EXIT_OK;
    }
    PQclear(m.att);
    PQclear(m.occ);
    PQclear(m.other);
    free(m.w);
    return rc;
}

/* ---- end ---- */

typedef struct {
    const char *patient, *reason, *date_s;
    bool completed, force;
    rl_date_t date;
} s_end_opts_t;

/* The programme to end and what was recorded after the end date. */
typedef struct {
    char id[32];
    admin_enrolment_t e;
    char *after; /* the last activity after the end date, or NULL */
} s_end_t;

/* An RL_EXIT_* code. */
static int
s_end_parse(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, s_end_opts_t *o)
{
    const admin_opt_t opts[] = {{"--completed", NULL, &o->completed},
                                {"--dropout", &o->reason, NULL},
                                {"--date", &o->date_s, NULL},
                                {"--force", NULL, &o->force},
                                {NULL, NULL, NULL}};
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &o->patient) < 0)
        return RL_EXIT_USAGE;
    if (o->completed == !!o->reason) {
        rl_cli_fail("%s: give one of --completed, --dropout REASON", cmd);
        return RL_EXIT_USAGE;
    }
    if (admin_require(cmd, "--date", o->date_s) < 0)
        return RL_EXIT_USAGE;
    if (o->reason && (strlen(o->reason) < 1 || strlen(o->reason) > 500)) {
        rl_cli_fail("%s: --dropout: the reason must be 1-500 characters", cmd);
        return RL_EXIT_FAIL;
    }
    if (admin_parse_date(cmd, "--date", o->date_s, &o->date) < 0)
        return RL_EXIT_FAIL;
    return RL_EXIT_OK;
}

/* The running programme, and an end date neither in the future nor before
 * its start. */
static int
s_end_find(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const s_end_opts_t *o, s_end_t *m)
{
    rl_date_t today;
    if (admin_today(ctx, cmd, rc, &today) < 0 ||
        admin_find_enrolment(ctx, cmd, rc, o->patient, false, m->id) < 0 ||
        admin_load_enrolment(ctx, cmd, rc, m->id, &m->e) < 0)
        return -1;
    if (admin_refuse_after(cmd, rc, "end", o->date_s, o->date, today) < 0)
        return -1;
    if (rl_date_compare(o->date, m->e.start) < 0) {
        char buf[RL_DATE_STR_SIZE];
        rl_cli_fail("%s: the end date %s is before the start on %s", cmd, o->date_s,
                    rl_date_format(m->e.start, buf));
        *rc = RL_EXIT_FAIL;
        return -1;
    }
    return 0;
}

/* Nothing recorded may lie after the end: the letter would say the
 * programme ended while it shows tests of later days. Fills m->after
 * with what does. */
static int
s_end_after(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const s_end_opts_t *o, s_end_t *m)
{
    const char *pa[2] = {m->id, o->date_s};
    PGresult *last = admin_exec(ctx, cmd, rc, "reading the last recorded activity",
                                "SELECT to_char(last_date, 'YYYY-MM-DD'), last_record, "
                                "last_device_id, last_session_id, "
                                "(SELECT count(DISTINCT v.session_date) FROM clinical.v_session v "
                                " WHERE v.enrolment_id = a.enrolment_id AND v.status = 'attended' "
                                "   AND v.session_date > $2::date) "
                                "FROM clinical.v_last_activity a "
                                "WHERE a.enrolment_id = $1::bigint AND a.last_date > $2::date",
                                2, pa);
    if (!last)
        return -1;
    if (PQntuples(last) == 1) {
        const char *rec = PQgetvalue(last, 0, 1);
        bool manual = PQgetisnull(last, 0, 2);
        m->after = rl_asprintf(
            "the last recorded %s is on %s%s%s%s%s%s (%s attended session%s after %s)",
            !strcmp(rec, "questionnaire") ? "activity, a questionnaire," : "session",
            PQgetvalue(last, 0, 0), manual ? "" : " (device ", manual ? "" : PQgetvalue(last, 0, 2),
            manual ? "" : ", session ", manual ? "" : PQgetvalue(last, 0, 3), manual ? "" : ")",
            PQgetvalue(last, 0, 4), strcmp(PQgetvalue(last, 0, 4), "1") ? "s" : "", o->date_s);
    }
    PQclear(last);
    if (m->after && !o->force) {
        rl_cli_fail("%s: the end date %s is before recorded activity: %s. End the programme on "
                    "the day of its last session or later; or, if what came after %s does not "
                    "belong to this programme, add --force: it then stays stored but counts "
                    "nowhere, and the forced end is audited",
                    cmd, o->date_s, m->after, o->date_s);
        *rc = RL_EXIT_FAIL;
        return -1;
    }
    return 0;
}

static const char *
s_end_status(const s_end_opts_t *o)
{
    return o->completed ? "completed" : "dropped_out";
}

/* Ends the programme in one transaction with the audit of a forced end. */
static int
s_end_store(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const s_end_opts_t *o, const s_end_t *m)
{
    if (admin_begin(ctx, cmd, rc) < 0)
        return -1;
    const char *p[4] = {m->id, s_end_status(o), o->date_s, o->reason};
    PGresult *res = admin_exec(ctx, cmd, rc, "ending the programme",
                               "UPDATE clinical.enrolment SET status = $2, end_date = $3::date, "
                               "dropout_reason = $4 WHERE enrolment_id = $1::bigint "
                               "AND status = 'active'",
                               4, p);
    if (!res)
        return -1;
    bool done = !strcmp(PQcmdTuples(res), "1");
    PQclear(res);
    if (!done) {
        rl_cli_fail("%s: enrolment %s is no longer running", cmd, m->id);
        *rc = RL_EXIT_FAIL;
        return -1;
    }
    if (m->after) {
        char *detail = rl_asprintf("enrolment %s ended on %s with --force although %s", m->id,
                                   o->date_s, m->after);
        int a = admin_audit(ctx, cmd, rc, "enrolment end --force", m->e.subject_id, detail);
        free(detail);
        if (a < 0)
            return -1;
    }
    return admin_commit(ctx, cmd, rc);
}

static void
s_end_render(rl_cli_ctx_t *ctx, const char *cmd, const s_end_opts_t *o, const s_end_t *m)
{
    if (m->after)
        fprintf(stderr,
                "ruglab: %s: warning: ended with --force: %s; what lies after %s is kept but "
                "counted nowhere (audited)\n",
                cmd, m->after, o->date_s);
    if (rl_cli_json(ctx)) {
        json_t *j = json_object();
        json_object_set_new(j, "enrolment_id", json_integer(strtoll(m->id, NULL, 10)));
        json_object_set_new(j, "status", json_string(s_end_status(o)));
        json_object_set_new(j, "end_date", json_string(o->date_s));
        admin_json_print(j);
    } else {
        printf("enrolment %s ended: %s on %s\n", m->id, s_end_status(o), o->date_s);
    }
}

static int
s_end(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "enrolment end";
    s_end_opts_t o = {0};
    int rc = s_end_parse(ctx, cmd, argc, argv, &o);
    if (rc != RL_EXIT_OK)
        return rc;
    s_end_t m = {0};
    if (s_end_find(ctx, cmd, &rc, &o, &m) == 0 && s_end_after(ctx, cmd, &rc, &o, &m) == 0) {
        if (s_end_store(ctx, cmd, &rc, &o, &m) == 0) {
            s_end_render(ctx, cmd, &o, &m);
            rc = RL_EXIT_OK;
        } else {
            admin_rollback(ctx);
        }
    }
    free(m.after);
    return rc;
}

/* ---- list ---- */

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    bool active = false;
    const admin_opt_t opts[] = {{"--active", NULL, &active}, {NULL, NULL, NULL}};
    if (admin_parse(ctx, "enrolment list", argc, argv, 2, opts, NULL, 0, NULL) < 0)
        return RL_EXIT_USAGE;
    const char *p[1] = {active ? "t" : "f"};
    return admin_print_query(
        ctx, "enrolment list", "listing the enrolments",
        "SELECT e.enrolment_id, e.subject_id, s.badge_token, st.code AS site, p.code AS "
        "programme, e.status, e.start_date, e.end_date, a.attended_total, a.planned_sessions "
        "FROM clinical.enrolment e JOIN clinical.subject s USING (subject_id) "
        "JOIN clinical.site st ON st.site_id = e.site_id "
        "JOIN clinical.programme p ON p.programme_id = e.programme_id "
        "JOIN clinical.v_attendance a ON a.enrolment_id = e.enrolment_id "
        "WHERE NOT $1::boolean OR e.status = 'active' ORDER BY e.start_date, e.enrolment_id",
        1, p, "enrolment_id,subject_id,attended_total,planned_sessions");
}

static const rl_cli_command_t s_subs[] = {
    {"status", "attendance, final report, warnings and test occasions", s_status},
    {"end", "end the running programme: completed or dropped out", s_end},
    {"list", "every enrolment (pseudonymous)", s_list},
};

static const admin_group_t s_group = {"enrolment", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_enrolment_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
