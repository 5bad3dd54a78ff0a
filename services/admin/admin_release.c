/* `ruglab release`: the delivery of the final reports that ruglab-web
 * released into the site's outbox. The hospital's messaging (eHealthBox
 * gateway, print room) reports how far each recipient's copy got; the
 * physician's conclusion page shows it. */
#include "admin_util.h"

#include "ruglab/audit.h"
#include "ruglab/exitcode.h"

#include <stdio.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab release status RELEASE --recipient gp|patient_file|referring\n"
            "                             --status queued|sent|delivered|failed [--note TEXT]\n"
            "       ruglab release list [--json]\n\n"
            "status  what happened to one recipient's copy of a release (the number in the\n"
            "        outbox folder name release-RELEASE); --note e.g. the eHealthBox message\n"
            "        id or why it failed.\n"
            "list    the releases' deliveries, newest first.\n");
}

static int
s_status(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "release status";
    const char *release = NULL, *recipient = NULL, *status = NULL, *note = NULL;
    const admin_opt_t opts[] = {{"--recipient", &recipient, NULL},
                                {"--status", &status, NULL},
                                {"--note", &note, NULL},
                                {NULL, NULL, NULL}};
    if (admin_parse_arg(ctx, cmd, argc, argv, 2, opts, "RELEASE is required (a release id)",
                        &release) < 0 ||
        admin_require(cmd, "--recipient", recipient) < 0 ||
        admin_require(cmd, "--status", status) < 0)
        return RL_EXIT_USAGE;
    if (strspn(release, "0123456789") != strlen(release) || strlen(release) > 18) {
        rl_cli_fail("%s: '%s' is not a release id", cmd, release);
        return RL_EXIT_USAGE;
    }
    static const char *const statuses[] = {"queued", "sent", "delivered", "failed"};
    bool known = false;
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        known |= !strcmp(status, statuses[i]);
    if (!known) {
        rl_cli_fail("%s: --status: '%s' is not queued, sent, delivered or failed", cmd, status);
        return RL_EXIT_USAGE;
    }
    int rc = RL_EXIT_OK;
    const char *p[] = {release, recipient, status, note && *note ? note : NULL, rl_audit_reader()};
    char id[32];
    if (admin_need_id(ctx, cmd, &rc,
                      "UPDATE clinical.report_delivery SET status = $3, status_note = $4, "
                      "status_at = now(), status_by = $5 "
                      "WHERE release_id = $1::bigint AND recipient = $2 RETURNING delivery_id",
                      5, p, id, "no delivery to '%s' in release %s", recipient, release) < 0)
        return rc;
    printf("release %s, %s: %s\n", release, recipient, status);
    return RL_EXIT_OK;
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_list(
        ctx, "release list", argc, argv, NULL, "listing the deliveries",
        "SELECT r.release_id, r.enrolment_id, r.version, d.recipient, d.channel, d.status, "
        "to_char(d.status_at AT TIME ZONE 'Europe/Brussels', 'YYYY-MM-DD HH24:MI') AS status_at "
        "FROM clinical.report_release r "
        "JOIN clinical.report_delivery d ON d.release_id = r.release_id "
        "ORDER BY r.release_id DESC, d.delivery_id",
        0, NULL, "release_id,enrolment_id,version");
}

static const rl_cli_command_t s_subs[] = {
    {"status", "how far one recipient's copy got (the hospital's messaging)", s_status},
    {"list", "the deliveries of the releases", s_list},
};

static const admin_group_t s_group = {"release", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_release_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
