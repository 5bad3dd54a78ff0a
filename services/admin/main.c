/* ruglab: the administration CLI of the secretariat, physiotherapists and
 * physician, and of the IT administrator (migrations). Parses the global
 * options and hands over to a command group. */
#include "admin.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const admin_group_t s_groups[] = {
    {"db", "database schema: migrate, status", admin_db_main},
    {"site", "sites: add, list", admin_site_main},
    {"gp", "general practitioners: add, list", admin_gp_main},
    {"patient", "patients: add, show, find", admin_patient_main},
    {"enrol", "enrol a patient in a programme (rules R1, R2)", admin_enrol_main},
    {"device", "training machines and their keys: add, list, revoke", admin_device_main},
    {"status", "collectors and devices: counters, last seen, spool depth, lag", admin_status_main},
    {"conclusion", "the physician's conclusion for the final report: set, show",
     admin_conclusion_main},
    {"programme", "programme templates: list, show, add", admin_programme_main},
    {"cohort", "groups that start together: add, list", admin_cohort_main},
    {"enrolment", "a patient's programme: status (attendance, warnings), end",
     admin_enrolment_main},
    {"session", "sessions by hand: add, no-show, cancel, list", admin_session_main},
    {"timepoint", "test time points: list, set (override)", admin_timepoint_main},
    {"questionnaire", "questionnaires by hand: add, list", admin_questionnaire_main},
    {"reference", "device reference values: load, list", admin_reference_main},
    {"audit", "the access log of identifiable data: list", admin_audit_main},
    {"registry", "cross-site quality registry: init, add-site, list", admin_registry_main},
};
#define S_NGROUPS (sizeof s_groups / sizeof s_groups[0])

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab [--db CONNINFO] [--json] COMMAND [ARGS...]\n\n"
                 "The ruglab administration tool.\n\ncommands:\n");
    for (size_t i = 0; i < S_NGROUPS; i++)
        fprintf(out, "  %-14s %s\n", s_groups[i].name, s_groups[i].summary);
    fprintf(out, "\noptions:\n"
                 "  --db CONNINFO  libpq connection string (default: $RUGLAB_DB, then the local\n"
                 "                 cluster of scripts/pg-local.sh); connects as ruglab_admin\n"
                 "                 unless the string names a user\n"
                 "  --json         machine-readable output where a command lists things\n"
                 "  --help, -h     this text; `ruglab COMMAND --help` for a command\n"
                 "  --version      print the version\n"
                 "  --check-config connect to the database as ruglab_admin, check the schema,\n"
                 "                 print \"configuration OK\" or what is wrong\n"
                 "\nexit codes: 0 done, 1 refused or failed, 2 usage error, 3 database error,\n"
                 "4 configuration error\n");
}

void
admin_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ruglab: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

bool
admin_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return true;
    return false;
}

PGconn *
admin_connect(admin_ctx_t *ctx)
{
    if (ctx->conn)
        return ctx->conn;
    rl_err_t err;
    ctx->conn = rl_db_open(ctx->db_flag, "ruglab_admin", &err);
    if (!ctx->conn)
        admin_fail("%s", err.msg);
    return ctx->conn;
}

int
main(int argc, char **argv)
{
    if (rl_text_check_args("ruglab", argc, argv))
        return RL_EXIT_FAIL;
    admin_ctx_t ctx = {0};
    bool check_config = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            ctx.db_flag = argv[++i];
        } else if (!strncmp(argv[i], "--db=", 5)) {
            ctx.db_flag = argv[i] + 5;
        } else if (!strcmp(argv[i], "--json")) {
            ctx.json = true;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            s_usage(stdout);
            return RL_EXIT_OK;
        } else if (!strcmp(argv[i], "--version")) {
            printf("ruglab %s\n", RL_VERSION);
            return RL_EXIT_OK;
        } else if (!strcmp(argv[i], "--check-config")) {
            check_config = true;
        } else {
            admin_fail("unknown option '%s' (see ruglab --help)", argv[i]);
            return RL_EXIT_USAGE;
        }
    }
    if (check_config) {
        /* ruglab's configuration is the database it finds. */
        rl_err_t err;
        char ok[512];
        if (rl_db_check(ctx.db_flag, "ruglab_admin",
                        "SELECT count(*) FROM ruglab_meta.schema_migration", ok, sizeof ok,
                        &err) < 0) {
            admin_fail("%s", err.msg);
            return RL_EXIT_DB;
        }
        printf("configuration OK: %s\n", ok);
        return RL_EXIT_OK;
    }
    if (i >= argc) {
        s_usage(stderr);
        return RL_EXIT_USAGE;
    }
    const admin_group_t *group = NULL;
    for (size_t g = 0; g < S_NGROUPS; g++)
        if (!strcmp(argv[i], s_groups[g].name))
            group = &s_groups[g];
    if (!group) {
        admin_fail("unknown command '%s' (see ruglab --help)", argv[i]);
        return RL_EXIT_USAGE;
    }
    int rc = group->fn(&ctx, argc - i, argv + i);
    if (ctx.conn)
        PQfinish(ctx.conn);
    return rc;
}
