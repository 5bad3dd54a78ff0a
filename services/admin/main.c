/* ruglab: the administration CLI of the secretariat, physiotherapists and
 * physician, and of the IT administrator (migrations, web users). Parses the global
 * options (the CLI shell of cli.h) and hands over to a command group. */
#include "admin.h"

#include <stdio.h>

static const rl_cli_command_t s_groups[] = {
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
    {"workstatus", "work status at start and end: set, show", admin_workstatus_main},
    {"timepoint", "test time points: list, set (override)", admin_timepoint_main},
    {"questionnaire", "questionnaires by hand: add, list", admin_questionnaire_main},
    {"reference", "device reference values: load, list", admin_reference_main},
    {"exercise", "the home exercise catalogue: list, show, load", admin_exercise_main},
    {"homeprog", "the home programme: assign, change, stop, show, done", admin_homeprog_main},
    {"audit", "the access log of identifiable data: list", admin_audit_main},
    {"registry", "cross-site quality registry: init, add-site, list", admin_registry_main},
    {"release", "delivery of the reports released in ruglab-web: status, list", admin_release_main},
    {"user", "people who sign in to ruglab-web: add, passwd, disable, enable, list",
     admin_user_main},
};
#define S_NGROUPS (sizeof s_groups / sizeof s_groups[0])

static void s_usage(FILE *out);

/* ruglab's configuration is the database it finds. */
static const rl_cli_t s_cli = {
    .program = "ruglab",
    .role = "ruglab_admin",
    .probe = "SELECT count(*) FROM ruglab_meta.schema_migration",
    .json = true,
    .usage = s_usage,
    .commands = s_groups,
    .n_commands = S_NGROUPS,
};

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab [--db CONNINFO] [--json] COMMAND [ARGS...]\n\n"
                 "The ruglab administration tool.\n\ncommands:\n");
    rl_cli_print_commands(&s_cli, out, 14);
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

int
main(int argc, char **argv)
{
    return rl_cli_main(&s_cli, argc, argv);
}
