/* The ruglab administration CLI: shared context and the command groups.
 * Each group lives in its own admin_<group>.c (`enrol` in
 * admin_enrolment_create.c, `enrolment` in admin_enrolment_progress.c)
 * and is listed in main.c's table; it dispatches its subcommands from a
 * table of its own (admin_util.h). A group's entry point returns an
 * RL_EXIT_* code and prints its own errors (one line, "ruglab: ..." on
 * stderr, by rl_cli_fail). */
#ifndef RUGLAB_ADMIN_H
#define RUGLAB_ADMIN_H

#include "ruglab/cli.h"
#include "ruglab/err.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* Every group runs with the CLI shell's context (cli.h): --db, --json and
 * the connection as ruglab_admin, opened by rl_cli_connect. */

int admin_db_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_site_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_gp_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_patient_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_enrol_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_device_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_status_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_conclusion_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_programme_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_session_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_workstatus_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_enrolment_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_timepoint_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_questionnaire_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_reference_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_audit_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_cohort_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_registry_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_user_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_release_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_exercise_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int admin_homeprog_main(rl_cli_ctx_t *ctx, int argc, char **argv);

/* After `db migrate`: loads the default exercise catalogue (beside
 * sql_dir, else the data directory) when the catalogue is empty; a missing
 * file is a warning. An RL_EXIT_* code (admin_exercise.c). */
int admin_exercise_default(rl_cli_ctx_t *ctx, PGconn *conn, const char *sql_dir);

#endif
