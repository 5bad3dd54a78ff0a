/* `ruglab enrol`: creates an enrolment, the start of a patient's
 * programme, after the enrolment rules of programme.h: R1 (indication) and
 * R2 (one programme per patient unless an exception is recorded). What
 * follows the start (`ruglab enrolment status|end|list`) is in
 * admin_enrolment_progress.c. */
#include "admin_util.h"

#include "ruglab/exitcode.h"
#include "ruglab/registration.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab enrol PATIENT --programme CODE --start YYYY-MM-DD\n"
            "                    --route riziv|fedris|preventive\n"
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
            "R1 and R2 are rules of RIZIV 558994: a preventive participant without\n"
            "complaints (--route preventive, seed 003's neck school) is not refused by\n"
            "them, and the reimbursement cap of the attendance does not apply; a\n"
            "preventive programme followed earlier does not count for R2.\n"
            "A patient has at most one running programme (end it with ruglab enrolment end).\n"
            "Prints the new enrolment_id (--json: {\"enrolment_id\": N, \"subject_id\": N}).\n");
}

#define S_CMD "enrol"

/* The command line. */
typedef struct {
    const char *patient, *programme, *start_s, *route, *indication, *pain_s, *surgery_s, *cohort,
        *referring, *exception, *exc_surgery_s, *exc_note;
    bool sick, occ, approved;
} s_opts_t;

/* Fills o from the command line; an RL_EXIT_* code. */
static int
s_parse(rl_cli_ctx_t *ctx, int argc, char **argv, s_opts_t *o)
{
    const admin_opt_t opts[] = {{"--programme", &o->programme, NULL},
                                {"--start", &o->start_s, NULL},
                                {"--route", &o->route, NULL},
                                {"--indication", &o->indication, NULL},
                                {"--pain-since", &o->pain_s, NULL},
                                {"--surgery-date", &o->surgery_s, NULL},
                                {"--cohort", &o->cohort, NULL},
                                {"--referring-physician", &o->referring, NULL},
                                {"--sick-leave", NULL, &o->sick},
                                {"--occupational-copy", NULL, &o->occ},
                                {"--exception", &o->exception, NULL},
                                {"--exception-surgery-date", &o->exc_surgery_s, NULL},
                                {"--advisory-approved", NULL, &o->approved},
                                {"--exception-note", &o->exc_note, NULL},
                                {NULL, NULL, NULL}};
    if (admin_parse_arg(ctx, S_CMD, argc, argv, 1, opts, ADMIN_PATIENT_MISSING, &o->patient) < 0 ||
        admin_require(S_CMD, "--programme", o->programme) < 0 ||
        admin_require(S_CMD, "--start", o->start_s) < 0 ||
        admin_require(S_CMD, "--route", o->route) < 0 ||
        admin_require(S_CMD, "--indication", o->indication) < 0)
        return RL_EXIT_USAGE;
    return RL_EXIT_OK;
}

static void
s_render(rl_cli_ctx_t *ctx, const s_opts_t *o, const char *subject, const char *enrolment_id)
{
    if (rl_cli_json(ctx)) {
        json_t *j = json_object();
        json_object_set_new(j, "enrolment_id", json_integer(strtoll(enrolment_id, NULL, 10)));
        json_object_set_new(j, "subject_id", json_integer(strtoll(subject, NULL, 10)));
        admin_json_print(j);
    } else {
        printf("enrolled: enrolment_id %s (subject %s, programme %s, start %s)\n", enrolment_id,
               subject, o->programme, o->start_s);
    }
}

int
admin_enrol_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    if (argc < 2 || rl_cli_wants_help(argc, argv)) {
        s_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? RL_EXIT_USAGE : RL_EXIT_OK;
    }
    s_opts_t o = {0};
    int rc = s_parse(ctx, argc, argv, &o);
    if (rc != RL_EXIT_OK)
        return rc;
    char subject[32], enrolment_id[32];
    rl_enrol_in_t in = {.subject_id = subject,
                        .programme = o.programme,
                        .start = o.start_s,
                        .route = o.route,
                        .indication = o.indication,
                        .pain_since = o.pain_s,
                        .surgery_date = o.surgery_s,
                        .cohort = o.cohort,
                        .referring_physician = o.referring,
                        .exception = o.exception,
                        .exception_surgery_date = o.exc_surgery_s,
                        .exception_note = o.exc_note,
                        .sick_leave = o.sick,
                        .occupational_copy = o.occ,
                        .advisory_approved = o.approved};
    /* the checks and the store are registration.h's, shared with the web */
    rl_reg_err_t err;
    if (rl_enrol_check(&in, &err) < 0)
        return admin_reg_fail(S_CMD, &err);
    if (admin_find_subject(ctx, S_CMD, &rc, o.patient, subject) < 0)
        return rc;
    if (rl_enrol(ctx->conn, &in, enrolment_id, &err) < 0)
        return admin_reg_fail(S_CMD, &err);
    s_render(ctx, &o, subject, enrolment_id);
    return RL_EXIT_OK;
}
