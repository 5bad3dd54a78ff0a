/* `ruglab workstatus`: the patient's work status at the start and the end
 * of the programme (ICHOM low-back-pain set; deploy/sql/604), recorded by
 * the secretariat through registration.h (shared with ruglab-web); `show`
 * prints every row, corrections included, the counting ones marked. */
#include "admin_util.h"

#include "ruglab/exitcode.h"
#include "ruglab/registration.h"

#include <stdio.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab workstatus set PATIENT --timepoint start|end --status CODE\n"
                 "                             [--date YYYY-MM-DD]\n"
                 "       ruglab workstatus show PATIENT\n\n"
                 "set   records the work status at the start or the end of the patient's\n"
                 "      programme (running, else the most recent); --date defaults to today.\n"
                 "      CODE (ICHOM low-back-pain set): working (own job, full time),\n"
                 "      working_restricted (restrictions / partial return), sick_leave\n"
                 "      (temporarily unable), unemployed, retired, homemaker_student, other.\n"
                 "      A correction is a new row: the latest per time point counts. An end\n"
                 "      status needs the start status first, dated no earlier. Who recorded\n"
                 "      it is kept (the OS user). Prints the new work_status_id\n"
                 "      (--json: {\"work_status_id\": N}).\n"
                 "show  every recorded row, oldest first; current is true for the rows that\n"
                 "      count.\n");
}

static int
s_set(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "workstatus set", *patient = NULL;
    rl_work_status_in_t in = {0};
    const admin_opt_t opts[] = {{"--timepoint", &in.timepoint, NULL},
                                {"--status", &in.status, NULL},
                                {"--date", &in.date, NULL},
                                {NULL, NULL, NULL}};
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    if (admin_require(cmd, "--timepoint", in.timepoint) < 0 ||
        admin_require(cmd, "--status", in.status) < 0)
        return RL_EXIT_USAGE;
    int rc;
    char enrolment[32], id[32];
    if (admin_find_enrolment(ctx, cmd, &rc, patient, true, enrolment) < 0)
        return rc;
    rl_reg_err_t err;
    if (rl_work_status_record(ctx->conn, &in, enrolment, id, &err) < 0)
        return admin_reg_fail(cmd, &err);
    if (rl_cli_json(ctx))
        admin_print_added(ctx, "work status", "work_status_id", id, NULL, NULL);
    else
        printf("work status recorded: work_status_id %s, enrolment %s, %s %s\n", id, enrolment,
               in.timepoint, in.status);
    return RL_EXIT_OK;
}

static int
s_show(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_list_enrolment(
        ctx, "workstatus show", argc, argv, "listing the work status",
        "SELECT w.timepoint, w.status, w.status_date, w.recorded_by, w.recorded_at, "
        "w.work_status_id, EXISTS (SELECT 1 FROM clinical.v_work_status v "
        "WHERE v.work_status_id = w.work_status_id) AS current "
        "FROM clinical.work_status w WHERE w.enrolment_id = $1::bigint "
        "ORDER BY w.recorded_at, w.work_status_id",
        "work_status_id");
}

static const rl_cli_command_t s_subs[] = {
    {"set", "record the work status at the start or the end", s_set},
    {"show", "the recorded work status, corrections included", s_show},
};

static const admin_group_t s_group = {"workstatus", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_workstatus_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
