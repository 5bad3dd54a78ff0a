/* `ruglab timepoint`: which test occasion is the start, mid and end test
 * (clinical.v_test_occasion), and the physiotherapist's override of the
 * rule, recorded with who and why (clinical.timepoint_override). */
#include "admin_util.h"

#include "ruglab/domain.h"

#include "ruglab/audit.h"
#include "ruglab/exitcode.h"

#include <stdio.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab timepoint list PATIENT\n"
                 "       ruglab timepoint set PATIENT --device DEVICE --session ID\n"
                 "                            --timepoint start|mid|end|none --reason TEXT\n\n"
                 "list  the test occasions of the patient's programme with their time point:\n"
                 "      start = the first test; end = the last one once the programme is\n"
                 "      completed or dropped out; mid = the one nearest the template's mid\n"
                 "      test session; overrides win.\n"
                 "set   overrides the rule for one test occasion (the device and its session\n"
                 "      id, see list); the time point moves from any other occasion that had\n"
                 "      it; 'none' removes it. Who (OS user), when and why are recorded.\n");
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_list_enrolment(
        ctx, "timepoint list", argc, argv, "listing the test occasions",
        "SELECT t.test_index, t.test_date, t.session_number, t.device_id, t.session_id, "
        "t.timepoint, t.overridden, o.set_by, o.reason "
        "FROM clinical.v_test_occasion t LEFT JOIN LATERAL (SELECT x.set_by, x.reason "
        " FROM clinical.timepoint_override x WHERE x.enrolment_id = t.enrolment_id "
        " AND x.device_id = t.device_id AND x.session_id = t.session_id "
        " ORDER BY x.set_at DESC, x.override_id DESC LIMIT 1) o ON true "
        "WHERE t.enrolment_id = $1::bigint ORDER BY t.test_index",
        "test_index,session_number");
}

static int
s_set(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "timepoint set";
    const char *device = NULL, *session = NULL, *tp = NULL, *reason = NULL;
    const admin_opt_t opts[] = {{"--device", &device, NULL},
                                {"--session", &session, NULL},
                                {"--timepoint", &tp, NULL},
                                {"--reason", &reason, NULL},
                                {NULL, NULL, NULL}};
    const char *patient = NULL;
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    if (admin_require(cmd, "--device", device) < 0 ||
        admin_require(cmd, "--session", session) < 0 || admin_require(cmd, "--timepoint", tp) < 0 ||
        admin_require(cmd, "--reason", reason) < 0)
        return RL_EXIT_USAGE;
    rl_timepoint_t parsed;
    if (strcmp(tp, rl_timepoint_name(RL_TP_NONE)) && rl_timepoint_parse(tp, &parsed, NULL) < 0) {
        rl_cli_fail("%s: --timepoint must be start, mid, end or none", cmd);
        return RL_EXIT_FAIL;
    }
    if (strlen(reason) > 1000) {
        rl_cli_fail("%s: --reason is longer than 1000 characters", cmd);
        return RL_EXIT_FAIL;
    }
    int rc = RL_EXIT_OK;
    char enrolment[32], found[32], override_id[32];
    if (admin_find_enrolment(ctx, cmd, &rc, patient, true, enrolment) < 0)
        return rc;
    const char *p[6] = {enrolment, device, session, tp, rl_audit_reader(), reason};
    if (admin_need_id(ctx, cmd, &rc,
                      "SELECT test_index FROM clinical.v_test_occasion WHERE enrolment_id = "
                      "$1::bigint AND device_id = $2 AND session_id = $3",
                      3, p, found, "no test occasion of device %s, session %s in enrolment %s",
                      device, session, enrolment) < 0)
        return rc;
    if (admin_lookup_id(ctx, cmd, &rc, "recording the override",
                        "INSERT INTO clinical.timepoint_override (enrolment_id, device_id, "
                        "session_id, timepoint, set_by, reason) VALUES ($1::bigint, $2, $3, $4, "
                        "$5, $6) RETURNING override_id",
                        6, p, override_id) <= 0)
        return rc;
    if (rl_cli_json(ctx))
        admin_print_added(ctx, "override", "override_id", override_id, "timepoint", tp);
    else
        printf("time point set: test occasion %s (device %s, session %s) is now %s\n", found,
               device, session, tp);
    return RL_EXIT_OK;
}

static const rl_cli_command_t s_subs[] = {
    {"list", "the test occasions with their time point", s_list},
    {"set", "override the time point of one test occasion", s_set},
};

static const admin_group_t s_group = {"timepoint", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_timepoint_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
