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

static int
s_record(rl_cli_ctx_t *ctx, int argc, char **argv, const char *status)
{
    char cmd[32];
    snprintf(cmd, sizeof cmd, "session %s", argv[1]);
    const char *date_s = NULL, *kind = NULL, *note = NULL, *device = NULL, *dev_session = NULL;
    const char *minutes_s = NULL;
    const admin_opt_t opts[] = {
        {"--date", &date_s, NULL},   {"--minutes", &minutes_s, NULL},
        {"--kind", &kind, NULL},     {"--note", &note, NULL},
        {"--device", &device, NULL}, {"--device-session", &dev_session, NULL},
        {NULL, NULL, NULL}};
    const char *patient = NULL;
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    bool by_device = device || dev_session;
    if (by_device && (strcmp(status, "cancelled") != 0 || !device || !dev_session || date_s)) {
        rl_cli_fail("%s: --device and --device-session go together, with cancel only, "
                    "without --date",
                    cmd);
        return RL_EXIT_USAGE;
    }
    if (!by_device && admin_require(cmd, "--date", date_s) < 0)
        return RL_EXIT_USAGE;
    if (minutes_s && strcmp(status, "attended") != 0) {
        rl_cli_fail("%s: --minutes goes with session add only", cmd);
        return RL_EXIT_USAGE;
    }
    double minutes = 0;
    if (minutes_s && admin_parse_number(cmd, "--minutes", minutes_s, 1, 720, &minutes) < 0)
        return RL_EXIT_FAIL;
    char minutes_buf[16];
    snprintf(minutes_buf, sizeof minutes_buf, "%d", (int)minutes);
    if (minutes_s && minutes != (int)minutes) {
        rl_cli_fail("%s: --minutes: '%s' is not a whole number of minutes", cmd, minutes_s);
        return RL_EXIT_FAIL;
    }
    if (!kind)
        kind = !strcmp(status, "attended") ? "information" : "exercise";
    if (strcmp(kind, "exercise") && strcmp(kind, "information") && strcmp(kind, "test")) {
        rl_cli_fail("%s: --kind must be exercise, information or test", cmd);
        return RL_EXIT_FAIL;
    }
    if (note && strlen(note) > 1000) {
        rl_cli_fail("%s: --note is longer than 1000 characters", cmd);
        return RL_EXIT_FAIL;
    }
    int rc = RL_EXIT_OK;
    rl_date_t date, today;
    if (date_s) {
        if (admin_parse_date(cmd, "--date", date_s, &date) < 0)
            return RL_EXIT_FAIL;
        if (admin_today(ctx, cmd, &rc, &today) < 0)
            return rc;
        if (rl_date_compare(date, today) > 0) {
            char buf[RL_DATE_STR_SIZE];
            rl_cli_fail("%s: the session date %s is in the future (today is %s)", cmd, date_s,
                        rl_date_format(today, buf));
            return RL_EXIT_FAIL;
        }
    }
    char enrolment[32];
    if ((by_device ? admin_find_enrolment(ctx, cmd, &rc, patient, true, enrolment)
                   : admin_find_enrolment_on(ctx, cmd, &rc, patient, date_s, enrolment)) < 0)
        return rc;
    char session_id[32];
    if (by_device) {
        /* the device session must be one of this enrolment's */
        const char *p[3] = {enrolment, device, dev_session};
        char date_buf[32];
        if (admin_need_id(ctx, cmd, &rc,
                          "SELECT session_date FROM clinical.v_session WHERE enrolment_id = "
                          "$1::bigint AND device_id = $2 AND device_session_id = $3",
                          3, p, date_buf, "no session %s of device %s in enrolment %s", dev_session,
                          device, enrolment) < 0)
            return rc;
        const char *q[6] = {enrolment, date_buf, device, dev_session, note, rl_audit_reader()};
        int f = admin_lookup_id(
            ctx, cmd, &rc, "recording the cancellation",
            "INSERT INTO clinical.session (enrolment_id, session_date, kind, status, source, "
            "device_id, device_session_id, note, entered_by) "
            "SELECT $1::bigint, $2::date, v.kind, 'cancelled', 'device', $3, $4, $5, $6 "
            "FROM clinical.v_session v WHERE v.enrolment_id = $1::bigint AND v.device_id = $3 "
            "AND v.device_session_id = $4 "
            "ON CONFLICT (device_id, device_session_id) WHERE source = 'device' "
            "DO UPDATE SET status = 'cancelled', note = EXCLUDED.note, "
            "entered_by = EXCLUDED.entered_by, entered_at = now() RETURNING session_id",
            6, q, session_id);
        if (f <= 0)
            return f < 0 ? rc : RL_EXIT_FAIL;
    } else {
        const char *p[4] = {enrolment, date_s, kind, status};
        char existing[32];
        int f = admin_lookup_id(ctx, cmd, &rc, "checking for the same session",
                                "SELECT session_id FROM clinical.session WHERE enrolment_id = "
                                "$1::bigint AND session_date = $2::date AND kind = $3 "
                                "AND source = 'manual'",
                                3, p, existing);
        if (f < 0)
            return rc;
        if (f > 0) {
            rl_cli_fail("%s: a session of kind %s on %s is already recorded for enrolment %s "
                        "(session %s)",
                        cmd, kind, date_s, enrolment, existing);
            return RL_EXIT_FAIL;
        }
        const char *q[7] = {enrolment,
                            date_s,
                            kind,
                            status,
                            note,
                            rl_audit_reader(),
                            minutes_s ? minutes_buf : NULL};
        if (admin_lookup_id(ctx, cmd, &rc, "recording the session",
                            "INSERT INTO clinical.session (enrolment_id, session_date, kind, "
                            "status, note, entered_by, minutes) VALUES ($1::bigint, $2::date, $3, "
                            "$4, $5, $6, $7::smallint) RETURNING session_id",
                            7, q, session_id) <= 0)
            return rc;
        admin_warn_outside(ctx, cmd, enrolment, date_s, "the session");
    }
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

int
admin_session_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    static const rl_cli_command_t subs[] = {
        {"add", "an attended session entered by hand", s_add},
        {"no-show", "the patient did not come without notice", s_no_show},
        {"cancel", "a session cancelled with notice, or a device's session", s_cancel},
        {"list", "every session of the patient's programme", s_list},
    };
    static const admin_group_t group = {"session", s_usage, subs, ADMIN_N_SUBS(subs)};
    return admin_dispatch(ctx, &group, argc, argv);
}
