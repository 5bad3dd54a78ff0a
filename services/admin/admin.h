/* The ruglab administration CLI: shared context and the command groups.
 * Each group lives in its own admin_<group>.c and is listed in main.c's
 * table. A group's entry point returns an RL_EXIT_* code and prints its
 * own errors (one line, "ruglab: ..." on stderr). */
#ifndef RUGLAB_ADMIN_H
#define RUGLAB_ADMIN_H

#include "ruglab/err.h"

#include <libpq-fe.h>
#include <stdbool.h>

typedef struct {
    const char *db_flag; /* --db, or NULL */
    bool json;           /* --json: machine-readable output where listing */
    PGconn *conn;        /* opened lazily by admin_connect */
} admin_ctx_t;

typedef int (*admin_group_fn)(admin_ctx_t *ctx, int argc, char **argv);

typedef struct {
    const char *name;
    const char *summary;
    admin_group_fn fn;
} admin_group_t;

/* Connects as ruglab_admin (unless the connection string names a user).
 * Prints the error and returns NULL on failure. */
PGconn *admin_connect(admin_ctx_t *ctx);

/* Prints "ruglab: <msg>" to stderr. */
void admin_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* true when argv[i] is -h or --help. */
bool admin_wants_help(int argc, char **argv);

int admin_db_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_site_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_gp_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_patient_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_enrol_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_device_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_status_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_conclusion_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_programme_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_session_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_enrolment_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_timepoint_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_questionnaire_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_reference_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_audit_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_cohort_main(admin_ctx_t *ctx, int argc, char **argv);
int admin_registry_main(admin_ctx_t *ctx, int argc, char **argv);

#endif
