/* `ruglab session`: sessions the devices do not report (information
 * sessions, exercise sessions entered by hand), no-shows and
 * cancellations, into clinical.session; `list` shows clinical.v_session,
 * device sessions included. */
#include "admin_util.h"

#include "ruglab/exitcode.h"
#include "ruglab/registration.h"

#include <stdio.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(
        out,
        "usage: ruglab session add PATIENT --date YYYY-MM-DD [--kind exercise|information|test]\n"
        "                          [--minutes N] [--note TEXT]\n"
        "       ruglab session no-show PATIENT --date YYYY-MM-DD [--kind KIND] [--note TEXT]\n"
        "       ruglab session cancel PATIENT --date YYYY-MM-DD [--kind KIND] [--note TEXT]\n"
        "       ruglab session cancel PATIENT --device DEVICE --device-session ID [--note TEXT]\n"
        "       ruglab session list PATIENT\n"
        "       ruglab session exercises PATIENT --session N --done CODE[:VARIANT],...\n\n"
        "add      an attended session entered by hand (default kind: information);\n"
        "         --minutes: how long it lasted (1-720), checked against the programme's\n"
        "         minimum session length (RIZIV: 120 minutes).\n"
        "no-show  the patient did not come without notice.\n"
        "cancel   the session was cancelled with notice; with --device and\n"
        "         --device-session, a session a device reported is marked cancelled\n"
        "         (e.g. a badge scanned by mistake) and no longer counts.\n"
        "list     every session of the patient's programme, device sessions included,\n"
        "         with the session numbers.\n"
        "exercises the catalogue's exercises done in attended session N (`list`), at\n"
        "         the variant named (none: as described); `ruglab homeprog done` lists\n"
        "         them.\n"
        "The session belongs to the patient's programme whose dates contain the date,\n"
        "else to the running one (else the most recent). A session outside the\n"
        "programme's dates (after its end, before its start) is kept but counted\n"
        "nowhere: a warning says so, and `ruglab enrolment status`, the report and the\n"
        "quality tables show it. A date in the future is refused. Who entered it is\n"
        "recorded (the OS user). Prints the new session_id (--json: {\"session_id\": N}).\n");
}

/* A session recorded by hand, as the command line gives it. */
typedef struct {
    char cmd[32]; /* "session add" */
    const char *patient;
    rl_session_in_t in; /* checked by registration.h, shared with the web */
} s_opts_t;

/* Fills o; an RL_EXIT_* code. */
static int
s_parse(rl_cli_ctx_t *ctx, int argc, char **argv, const char *status, s_opts_t *o)
{
    rl_session_in_t *in = &o->in;
    snprintf(o->cmd, sizeof o->cmd, "session %s", argv[1]);
    in->status = status;
    const admin_opt_t opts[] = {{"--date", &in->date, NULL},
                                {"--minutes", &in->minutes, NULL},
                                {"--kind", &in->kind, NULL},
                                {"--note", &in->note, NULL},
                                {"--device", &in->device, NULL},
                                {"--device-session", &in->device_session, NULL},
                                {NULL, NULL, NULL}};
    if (admin_parse_patient(ctx, o->cmd, argc, argv, opts, &o->patient) < 0)
        return RL_EXIT_USAGE;
    /* without the device's options --date is required (the CLI's usage
     * message; the combinations are checked first) */
    bool combination = in->device || in->device_session;
    if (!combination && admin_require(o->cmd, "--date", in->date) < 0)
        return RL_EXIT_USAGE;
    rl_reg_err_t err;
    if (rl_session_check(in, &err) < 0)
        return admin_reg_fail(o->cmd, &err);
    return RL_EXIT_OK;
}

static int
s_record(rl_cli_ctx_t *ctx, int argc, char **argv, const char *status)
{
    s_opts_t o;
    memset(&o, 0, sizeof o);
    int rc = s_parse(ctx, argc, argv, status, &o);
    if (rc != RL_EXIT_OK)
        return rc;
    char enrolment[32], session_id[32];
    if ((o.in.by_device
             ? admin_find_enrolment(ctx, o.cmd, &rc, o.patient, true, enrolment)
             : admin_find_enrolment_on(ctx, o.cmd, &rc, o.patient, o.in.date, enrolment)) < 0)
        return rc;
    rl_reg_err_t err;
    if (rl_session_record(ctx->conn, &o.in, enrolment, session_id, &err) < 0)
        return admin_reg_fail(o.cmd, &err);
    if (!o.in.by_device)
        admin_warn_outside(ctx, o.cmd, enrolment, o.in.date, "the session");
    if (rl_cli_json(ctx))
        admin_print_added(ctx, "session", "session_id", session_id, NULL, NULL);
    else
        printf("session recorded: session_id %s, enrolment %s, %s\n", session_id, enrolment,
               status);
    return RL_EXIT_OK;
}

static int
s_add(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return s_record(ctx, argc, argv, "attended");
}

static int
s_no_show(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return s_record(ctx, argc, argv, "no_show");
}

static int
s_cancel(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return s_record(ctx, argc, argv, "cancelled");
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_list_enrolment(
        ctx, "session list", argc, argv, "listing the sessions",
        "SELECT session_number, session_date, kind, status, source, device_id, device_session_id, "
        "session_id, minutes, in_programme, note FROM clinical.v_session "
        "WHERE enrolment_id = $1::bigint "
        "ORDER BY session_date, session_number NULLS LAST, device_id, device_session_id",
        "session_number,session_id,minutes");
}

static const rl_cli_command_t s_subs[] = {
    {"add", "an attended session entered by hand", s_add},
    {"no-show", "the patient did not come without notice", s_no_show},
    {"cancel", "a session cancelled with notice, or a device's session", s_cancel},
    {"list", "every session of the patient's programme", s_list},
    {"exercises", "the home exercises done in a session", admin_session_exercises},
};

static const admin_group_t s_group = {"session", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_session_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
