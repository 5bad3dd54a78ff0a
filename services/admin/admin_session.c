/* `ruglab session`: sessions the devices do not report (information
 * sessions, exercise sessions entered by hand), no-shows and
 * cancellations, into clinical.session; `list` shows clinical.v_session,
 * device sessions included. */
#include "admin_util.h"

#include "ruglab/audit.h"
#include "ruglab/exitcode.h"

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
        "       ruglab session list PATIENT\n\n"
        "add      an attended session entered by hand (default kind: information);\n"
        "         --minutes: how long it lasted (1-720), checked against the programme's\n"
        "         minimum session length (RIZIV: 120 minutes).\n"
        "no-show  the patient did not come without notice.\n"
        "cancel   the session was cancelled with notice; with --device and\n"
        "         --device-session, a session a device reported is marked cancelled\n"
        "         (e.g. a badge scanned by mistake) and no longer counts.\n"
        "list     every session of the patient's programme, device sessions included,\n"
        "         with the session numbers.\n"
        "The session belongs to the patient's programme whose dates contain the date,\n"
        "else to the running one (else the most recent). A session outside the\n"
        "programme's dates (after its end, before its start) is kept but counted\n"
        "nowhere: a warning says so, and `ruglab enrolment status`, the report and the\n"
        "quality tables show it. A date in the future is refused. Who entered it is\n"
        "recorded (the OS user). Prints the new session_id (--json: {\"session_id\": N}).\n");
}

/* A session recorded by hand, as the command line gives it. */
typedef struct {
    char cmd[32];       /* "session add" */
    const char *status; /* attended, no_show or cancelled */
    const char *patient, *date_s, *kind, *note, *device, *dev_session, *minutes_s;
    bool by_device; /* a device's session is cancelled */
    rl_date_t date;
    char minutes[16];
} s_opts_t;

/* --device/--device-session, --date and --minutes; an RL_EXIT_* code. */
static int
s_check_options(s_opts_t *o)
{
    const char *cmd = o->cmd;
    o->by_device = o->device || o->dev_session;
    if (o->by_device &&
        (strcmp(o->status, "cancelled") != 0 || !o->device || !o->dev_session || o->date_s)) {
        rl_cli_fail("%s: --device and --device-session go together, with cancel only, "
                    "without --date",
                    cmd);
        return RL_EXIT_USAGE;
    }
    if (!o->by_device && admin_require(cmd, "--date", o->date_s) < 0)
        return RL_EXIT_USAGE;
    if (o->minutes_s && strcmp(o->status, "attended") != 0) {
        rl_cli_fail("%s: --minutes goes with session add only", cmd);
        return RL_EXIT_USAGE;
    }
    double minutes = 0;
    if (o->minutes_s && admin_parse_number(cmd, "--minutes", o->minutes_s, 1, 720, &minutes) < 0)
        return RL_EXIT_FAIL;
    snprintf(o->minutes, sizeof o->minutes, "%d", (int)minutes);
    if (o->minutes_s && minutes != (int)minutes) {
        rl_cli_fail("%s: --minutes: '%s' is not a whole number of minutes", cmd, o->minutes_s);
        return RL_EXIT_FAIL;
    }
    return RL_EXIT_OK;
}

/* Fills o; an RL_EXIT_* code. */
static int
s_parse(rl_cli_ctx_t *ctx, int argc, char **argv, const char *status, s_opts_t *o)
{
    snprintf(o->cmd, sizeof o->cmd, "session %s", argv[1]);
    o->status = status;
    const admin_opt_t opts[] = {{"--date", &o->date_s, NULL},
                                {"--minutes", &o->minutes_s, NULL},
                                {"--kind", &o->kind, NULL},
                                {"--note", &o->note, NULL},
                                {"--device", &o->device, NULL},
                                {"--device-session", &o->dev_session, NULL},
                                {NULL, NULL, NULL}};
    if (admin_parse_patient(ctx, o->cmd, argc, argv, opts, &o->patient) < 0)
        return RL_EXIT_USAGE;
    int rc = s_check_options(o);
    if (rc != RL_EXIT_OK)
        return rc;
    if (!o->kind)
        o->kind = !strcmp(status, "attended") ? "information" : "exercise";
    if (strcmp(o->kind, "exercise") && strcmp(o->kind, "information") && strcmp(o->kind, "test")) {
        rl_cli_fail("%s: --kind must be exercise, information or test", o->cmd);
        return RL_EXIT_FAIL;
    }
    if (o->note && strlen(o->note) > 1000) {
        rl_cli_fail("%s: --note is longer than 1000 characters", o->cmd);
        return RL_EXIT_FAIL;
    }
    if (o->date_s && admin_parse_date(o->cmd, "--date", o->date_s, &o->date) < 0)
        return RL_EXIT_FAIL;
    return RL_EXIT_OK;
}

/* A device's session of this enrolment, marked cancelled; -1 with *rc
 * set. */
static int
s_cancel_device(rl_cli_ctx_t *ctx, int *rc, const s_opts_t *o, const char *enrolment,
                char session_id[32])
{
    const char *p[3] = {enrolment, o->device, o->dev_session};
    char date_buf[32];
    if (admin_need_id(ctx, o->cmd, rc,
                      "SELECT session_date FROM clinical.v_session WHERE enrolment_id = "
                      "$1::bigint AND device_id = $2 AND device_session_id = $3",
                      3, p, date_buf, "no session %s of device %s in enrolment %s", o->dev_session,
                      o->device, enrolment) < 0)
        return -1;
    const char *q[6] = {enrolment, date_buf, o->device, o->dev_session, o->note, rl_audit_reader()};
    int f = admin_lookup_id(
        ctx, o->cmd, rc, "recording the cancellation",
        "INSERT INTO clinical.session (enrolment_id, session_date, kind, status, source, "
        "device_id, device_session_id, note, entered_by) "
        "SELECT $1::bigint, $2::date, v.kind, 'cancelled', 'device', $3, $4, $5, $6 "
        "FROM clinical.v_session v WHERE v.enrolment_id = $1::bigint AND v.device_id = $3 "
        "AND v.device_session_id = $4 "
        "ON CONFLICT (device_id, device_session_id) WHERE source = 'device' "
        "DO UPDATE SET status = 'cancelled', note = EXCLUDED.note, "
        "entered_by = EXCLUDED.entered_by, entered_at = now() RETURNING session_id",
        6, q, session_id);
    if (f == 0)
        *rc = RL_EXIT_FAIL;
    return f > 0 ? 0 : -1;
}

/* A session entered by hand, once per enrolment, day and kind. */
static int
s_insert_manual(rl_cli_ctx_t *ctx, int *rc, const s_opts_t *o, const char *enrolment,
                char session_id[32])
{
    const char *p[4] = {enrolment, o->date_s, o->kind, o->status};
    char existing[32];
    int f = admin_lookup_id(ctx, o->cmd, rc, "checking for the same session",
                            "SELECT session_id FROM clinical.session WHERE enrolment_id = "
                            "$1::bigint AND session_date = $2::date AND kind = $3 "
                            "AND source = 'manual'",
                            3, p, existing);
    if (f < 0)
        return -1;
    if (f > 0) {
        rl_cli_fail("%s: a session of kind %s on %s is already recorded for enrolment %s "
                    "(session %s)",
                    o->cmd, o->kind, o->date_s, enrolment, existing);
        *rc = RL_EXIT_FAIL;
        return -1;
    }
    const char *q[7] = {enrolment,
                        o->date_s,
                        o->kind,
                        o->status,
                        o->note,
                        rl_audit_reader(),
                        o->minutes_s ? o->minutes : NULL};
    if (admin_lookup_id(ctx, o->cmd, rc, "recording the session",
                        "INSERT INTO clinical.session (enrolment_id, session_date, kind, "
                        "status, note, entered_by, minutes) VALUES ($1::bigint, $2::date, $3, "
                        "$4, $5, $6, $7::smallint) RETURNING session_id",
                        7, q, session_id) <= 0)
        return -1;
    admin_warn_outside(ctx, o->cmd, enrolment, o->date_s, "the session");
    return 0;
}

static int
s_record(rl_cli_ctx_t *ctx, int argc, char **argv, const char *status)
{
    s_opts_t o = {0};
    int rc = s_parse(ctx, argc, argv, status, &o);
    if (rc != RL_EXIT_OK)
        return rc;
    if (o.date_s && admin_refuse_future(ctx, o.cmd, &rc, "session", o.date_s, o.date) < 0)
        return rc;
    char enrolment[32], session_id[32];
    if ((o.by_device
             ? admin_find_enrolment(ctx, o.cmd, &rc, o.patient, true, enrolment)
             : admin_find_enrolment_on(ctx, o.cmd, &rc, o.patient, o.date_s, enrolment)) < 0)
        return rc;
    if ((o.by_device ? s_cancel_device(ctx, &rc, &o, enrolment, session_id)
                     : s_insert_manual(ctx, &rc, &o, enrolment, session_id)) < 0)
        return rc;
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
};

static const admin_group_t s_group = {"session", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_session_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
