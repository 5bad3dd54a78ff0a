/* `ruglab enrol`: starts a patient's programme, after the enrolment rules
 * of programme.h: R1 (indication) and R2 (one programme per patient unless
 * an exception is recorded). */
#include "admin_util.h"

#include "ruglab/exitcode.h"
#include "ruglab/mem.h"
#include "ruglab/programme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab enrol PATIENT --programme CODE --start YYYY-MM-DD --route riziv|fedris\n"
            "                    --indication chronic --pain-since YYYY-MM-DD\n"
            "                  | --indication post-surgery --surgery-date YYYY-MM-DD\n"
            "                    [--cohort CODE] [--referring-physician TEXT] [--sick-leave]\n"
            "                    [--occupational-copy]\n"
            "                    [--exception new-surgery --exception-surgery-date YYYY-MM-DD\n"
            "                     | --exception reintegration --advisory-approved]\n"
            "                    [--exception-note TEXT]\n\n"
            "Enrols the patient (a subject id, badge token or INSZ) in a programme template\n"
            "(see ruglab programme list). Refused, naming the rule, when:\n"
            "  R1  the indication is outside the criteria: chronic non-specific back pain\n"
            "      for more than 6 weeks at the start, or a start within 3 months after\n"
            "      spinal surgery;\n"
            "  R2  the patient already followed a programme, unless an exception is\n"
            "      recorded: a new spinal surgery after that programme started, or\n"
            "      socio-professional reintegration approved by the advisory physician.\n"
            "A patient has at most one running programme (end it with ruglab enrolment end).\n"
            "Prints the new enrolment_id (--json: {\"enrolment_id\": N, \"subject_id\": N}).\n");
}

/* Reads the date option if given; -1 on a bad date. */
static int
s_opt_date(const char *cmd, const char *option, const char *s, rl_date_t *out)
{
    if (!s)
        return 0;
    return admin_parse_date(cmd, option, s, out);
}

int
admin_enrol_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "enrol";
    if (argc < 2 || rl_cli_wants_help(argc, argv)) {
        s_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? RL_EXIT_USAGE : RL_EXIT_OK;
    }
    const char *programme = NULL, *start_s = NULL, *route = NULL, *indication = NULL,
               *pain_s = NULL, *surgery_s = NULL, *cohort = NULL, *referring = NULL,
               *exception = NULL, *exc_surgery_s = NULL, *exc_note = NULL;
    bool sick = false, occ = false, approved = false;
    const admin_opt_t opts[] = {{"--programme", &programme, NULL},
                                {"--start", &start_s, NULL},
                                {"--route", &route, NULL},
                                {"--indication", &indication, NULL},
                                {"--pain-since", &pain_s, NULL},
                                {"--surgery-date", &surgery_s, NULL},
                                {"--cohort", &cohort, NULL},
                                {"--referring-physician", &referring, NULL},
                                {"--sick-leave", NULL, &sick},
                                {"--occupational-copy", NULL, &occ},
                                {"--exception", &exception, NULL},
                                {"--exception-surgery-date", &exc_surgery_s, NULL},
                                {"--advisory-approved", NULL, &approved},
                                {"--exception-note", &exc_note, NULL},
                                {NULL, NULL, NULL}};
    const char *patient = NULL;
    int npos = 0;
    if (admin_parse(ctx, cmd, argc, argv, 1, opts, &patient, 1, &npos) < 0)
        return RL_EXIT_USAGE;
    if (npos != 1) {
        rl_cli_fail("%s: give the patient (subject id, badge token or INSZ)", cmd);
        return RL_EXIT_USAGE;
    }
    if (admin_require(cmd, "--programme", programme) < 0 ||
        admin_require(cmd, "--start", start_s) < 0 || admin_require(cmd, "--route", route) < 0 ||
        admin_require(cmd, "--indication", indication) < 0)
        return RL_EXIT_USAGE;

    rl_programme_enrolment_t e = {0};
    const char *ind_db;
    if (!strcmp(indication, "chronic")) {
        e.indication = RL_IND_CHRONIC;
        ind_db = "chronic";
    } else if (!strcmp(indication, "post-surgery") || !strcmp(indication, "post_surgery")) {
        e.indication = RL_IND_POST_SURGERY;
        ind_db = "post_surgery";
    } else {
        rl_cli_fail("%s: --indication must be chronic or post-surgery", cmd);
        return RL_EXIT_FAIL;
    }
    if (strcmp(route, "riziv") && strcmp(route, "fedris")) {
        rl_cli_fail("%s: --route must be riziv or fedris", cmd);
        return RL_EXIT_FAIL;
    }
    const char *exc_db = "none";
    if (exception) {
        if (!strcmp(exception, "new-surgery") || !strcmp(exception, "new_surgery")) {
            e.exception = RL_EXC_NEW_SURGERY;
            exc_db = "new_surgery";
        } else if (!strcmp(exception, "reintegration")) {
            e.exception = RL_EXC_REINTEGRATION;
            exc_db = "reintegration";
        } else {
            rl_cli_fail("%s: --exception must be new-surgery or reintegration", cmd);
            return RL_EXIT_FAIL;
        }
    }
    e.advisory_physician_approved = approved;
    if (admin_parse_date(cmd, "--start", start_s, &e.start) < 0 ||
        s_opt_date(cmd, "--pain-since", pain_s, &e.pain_since) < 0 ||
        s_opt_date(cmd, "--surgery-date", surgery_s, &e.surgery_date) < 0 ||
        s_opt_date(cmd, "--exception-surgery-date", exc_surgery_s, &e.exception_surgery_date) < 0)
        return RL_EXIT_FAIL;

    int rc = RL_EXIT_OK;
    PGresult *res = NULL;
    rl_programme_previous_t *prev = NULL;
    char **prev_codes = NULL;
    int n_prev = 0;
    char subject[32], site_id[32], programme_id[32], cohort_id[32] = "";
    if (admin_find_subject(ctx, cmd, &rc, patient, subject) < 0)
        return rc;
    if (admin_begin(ctx, cmd, &rc) < 0)
        return rc;
    /* the lock serialises concurrent enrolments of one patient */
    const char *ps[1] = {subject};
    res = admin_exec(ctx, cmd, &rc, "locking the patient",
                     "SELECT s.site_id FROM clinical.subject s WHERE s.subject_id = $1::bigint "
                     "FOR UPDATE",
                     1, ps);
    if (!res)
        goto out;
    snprintf(site_id, sizeof site_id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    res = NULL;
    const char *pp[2] = {programme, site_id};
    if (admin_need_id(ctx, cmd, &rc,
                      "SELECT programme_id FROM clinical.programme WHERE code = $1 "
                      "AND (site_id IS NULL OR site_id = $2::integer)",
                      2, pp, programme_id, "unknown programme '%s' (see ruglab programme list)",
                      programme) < 0)
        goto out;
    const char *pc[2] = {cohort, site_id};
    if (cohort &&
        admin_need_id(ctx, cmd, &rc,
                      "SELECT cohort_id FROM clinical.cohort WHERE code = $1 "
                      "AND site_id = $2::integer",
                      2, pc, cohort_id, "unknown group '%s' at the patient's site", cohort) < 0)
        goto out;

    /* R2 looks at every programme the patient followed (cancelled
     * enrolments never started) */
    res = admin_exec(ctx, cmd, &rc, "reading earlier enrolments",
                     "SELECT p.code, e.start_date, e.status, e.enrolment_id "
                     "FROM clinical.enrolment e JOIN clinical.programme p USING (programme_id) "
                     "WHERE e.subject_id = $1::bigint AND e.status <> 'cancelled' "
                     "ORDER BY e.start_date",
                     1, ps);
    if (!res)
        goto out;
    n_prev = PQntuples(res);
    prev = rl_calloc((size_t)n_prev + 1, sizeof *prev);
    prev_codes = rl_calloc((size_t)n_prev + 1, sizeof *prev_codes);
    const char *active = NULL;
    for (int i = 0; i < n_prev; i++) {
        prev_codes[i] = rl_strdup(PQgetvalue(res, i, 0));
        prev[i].code = prev_codes[i];
        rl_err_t derr;
        if (rl_date_parse(PQgetvalue(res, i, 1), &prev[i].start, &derr) < 0) {
            rl_cli_fail("%s: earlier enrolment: %s", cmd, derr.msg);
            rc = RL_EXIT_DB;
            goto out;
        }
        if (!strcmp(PQgetvalue(res, i, 2), "active"))
            active = PQgetvalue(res, i, 3);
    }
    e.previous = prev;
    e.n_previous = (size_t)n_prev;
    rl_err_t err;
    if (rl_programme_check_enrolment(&e, &err) < 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        rc = RL_EXIT_FAIL;
        goto out;
    }
    if (active) {
        rl_cli_fail("%s: patient %s still has a running programme (enrolment %s); end it first "
                    "(ruglab enrolment end)",
                    cmd, subject, active);
        rc = RL_EXIT_FAIL;
        goto out;
    }
    PQclear(res);
    res = NULL;

    const char *p[16] = {subject,
                         site_id,
                         programme_id,
                         *cohort_id ? cohort_id : NULL,
                         ind_db,
                         pain_s,
                         surgery_s,
                         referring,
                         route,
                         sick ? "true" : "false",
                         occ ? "true" : "false",
                         exc_db,
                         exc_note,
                         start_s,
                         exc_surgery_s,
                         exception ? admin_os_user() : NULL};
    res = admin_exec(
        ctx, cmd, &rc, "inserting the enrolment",
        "INSERT INTO clinical.enrolment (subject_id, site_id, programme_id, cohort_id, indication, "
        "pain_since, surgery_date, referring_physician, route, on_sick_leave, occupational_copy, "
        "exception, exception_note, start_date, exception_surgery_date, exception_recorded_by, "
        "age_at_start) "
        "SELECT $1::bigint, $2::integer, $3::integer, $4::integer, $5, $6::date, $7::date, $8, $9, "
        "$10::boolean, $11::boolean, $12, $13, $14::date, $15::date, $16, "
        "extract(year FROM age($14::date, p.date_of_birth))::smallint "
        "FROM identity.patient p WHERE p.subject_id = $1::bigint "
        "RETURNING enrolment_id",
        16, p);
    if (!res)
        goto out;
    if (PQntuples(res) != 1) {
        rl_cli_fail("%s: subject %s has no identity record", cmd, subject);
        rc = RL_EXIT_FAIL;
        goto out;
    }
    char enrolment_id[32];
    snprintf(enrolment_id, sizeof enrolment_id, "%s", PQgetvalue(res, 0, 0));
    if (admin_commit(ctx, cmd, &rc) < 0)
        goto out;
    if (rl_cli_json(ctx)) {
        json_t *o = json_object();
        json_object_set_new(o, "enrolment_id", json_integer(strtoll(enrolment_id, NULL, 10)));
        json_object_set_new(o, "subject_id", json_integer(strtoll(subject, NULL, 10)));
        admin_json_print(o);
    } else {
        printf("enrolled: enrolment_id %s (subject %s, programme %s, start %s)\n", enrolment_id,
               subject, programme, start_s);
    }
    rc = RL_EXIT_OK;
out:
    PQclear(res);
    if (rc != RL_EXIT_OK)
        admin_rollback(ctx);
    for (int i = 0; i < n_prev; i++)
        free(prev_codes[i]);
    free(prev_codes);
    free(prev);
    return rc;
}
