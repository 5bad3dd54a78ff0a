/* Helpers shared by the clinical command groups of the admin CLI: option
 * parsing, database calls that print their one-line error, transactions,
 * finding a patient, the person at the keyboard, the access log, JSON
 * output. Everything here prints errors as "ruglab: <cmd>: ..." itself. */
#ifndef RUGLAB_ADMIN_UTIL_H
#define RUGLAB_ADMIN_UTIL_H

#include "admin.h"

#include "ruglab/clinical.h"
#include "ruglab/date.h"
#include "ruglab/programme.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* One option of a subcommand: "--name VALUE" / "--name=VALUE" stores VALUE
 * in *value; a flag (value NULL) sets *flag. */
typedef struct {
    const char *name;
    const char **value;
    bool *flag;
} admin_opt_t;

/* Parses argv[first..] against opts (terminated by {NULL}); "--json" sets
 * rl_cli_json(ctx). Arguments not starting with "--" go to pos[] (at most
 * max_pos; *n_pos receives the count). Returns 0, or -1 after printing
 * the usage error. */
int admin_parse(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, int first,
                const admin_opt_t *opts, const char **pos, int max_pos, int *n_pos);

/* -1 (after printing "<cmd>: OPTION is required") when value is NULL/empty. */
int admin_require(const char *cmd, const char *option, const char *value);

/* Parses "YYYY-MM-DD"; prints "<cmd>: OPTION: <why>" and returns -1 on error. */
int admin_parse_date(const char *cmd, const char *option, const char *s, rl_date_t *out);

/* Parses a decimal number in [min, max]; prints and returns -1 otherwise. */
int admin_parse_number(const char *cmd, const char *option, const char *s, double min, double max,
                       double *out);

/* Today in Europe/Brussels (the clinical calendar day), as the database
 * sees it (clinical.local_date(now())). */
int admin_today(rl_cli_ctx_t *ctx, const char *cmd, int *rc, rl_date_t *out);

/* Runs one parameterised statement. On failure prints "<cmd>: <what>:
 * <server message>" and returns NULL with *rc set: RL_EXIT_FAIL when the
 * server refused the data (constraint, invalid value), RL_EXIT_DB
 * otherwise. Caller PQclear()s. */
PGresult *admin_exec(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *what, const char *sql,
                     int nparams, const char *const *params);

/* BEGIN / COMMIT / ROLLBACK (rollback never fails loudly). */
int admin_begin(rl_cli_ctx_t *ctx, const char *cmd, int *rc);
int admin_commit(rl_cli_ctx_t *ctx, const char *cmd, int *rc);
void admin_rollback(rl_cli_ctx_t *ctx);

/* The person at the keyboard: rl_audit_reader() (audit.h). */
const char *admin_os_user(void);

/* Records a read of identifiable data in audit.access_log with
 * rl_audit_record() (program 'ruglab', the OS user, command, subject,
 * detail without identity); prints the error and sets *rc (RL_EXIT_DB). */
int admin_audit(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *command,
                const char *subject_id, const char *detail);

/* Finds a subject by badge token ("RB-..."), INSZ (11 digits, formatting
 * allowed) or subject id (digits). Writes the subject id (decimal) into
 * id[32]. Prints "<cmd>: no patient ..." and returns -1 (rc FAIL) when
 * there is none. */
int admin_find_subject(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *key, char id[32]);

/* The enrolment a command is about: the patient's active one, else (when
 * any_status) the most recent. Writes enrolment_id into id[32]. */
int admin_find_enrolment(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *patient,
                         bool any_status, char id[32]);

/* The enrolment a dated record belongs to: the patient's enrolment (not
 * cancelled) whose dates contain date (YYYY-MM-DD), else as
 * admin_find_enrolment with any_status. */
int admin_find_enrolment_on(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *patient,
                            const char *date, char id[32]);

/* Prints a warning on stderr when date lies outside the enrolment's dates:
 * the record (what, e.g. "the session") is kept but counted nowhere. */
void admin_warn_outside(rl_cli_ctx_t *ctx, const char *cmd, const char *enrolment_id,
                        const char *date, const char *what);

/* Prints obj as one line of JSON on stdout and releases it. */
void admin_json_print(json_t *obj);

/* A column of a result as a JSON value: NULL -> null, else the text; with
 * as_number true, a JSON number (integer when it has no fraction). */
json_t *admin_json_value(const PGresult *res, int row, int col, bool as_number);

/* Prints a result as JSON (an array of objects, one per row; columns
 * named in numeric_cols, comma-separated, become numbers) or as aligned
 * text with a header. */
void admin_print_rows(rl_cli_ctx_t *ctx, const PGresult *res, const char *numeric_cols);

/* Fills buf with n random characters of Crockford's base32 (libsodium
 * randombytes). */
void admin_random_base32(char *buf, size_t n);

#endif

/* Runs a query returning one id column: 1 and id[32] filled when a row was
 * found, 0 when none, -1 on a database error (printed, *rc set). */
int admin_lookup_id(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *what, const char *sql,
                    int nparams, const char *const *params, char id[32]);

/* A listing subcommand: no options but --json; runs sql and prints the rows
 * (see admin_print_rows). Returns an RL_EXIT_* code. */
int admin_list(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, const char *what,
               const char *sql, int nparams, const char *const *params, const char *numeric_cols);

/* Prints what an add command created: "<what> added: <key> <id>[, <key2>
 * <val2>]" or, with --json, {"<key>": id, "<key2>": "val2"}. */
void admin_print_added(rl_cli_ctx_t *ctx, const char *what, const char *key, const char *id,
                       const char *key2, const char *val2);

/* A subcommand of a group: fn gets the group's argc/argv (argv[1] is the
 * subcommand's name). */
typedef struct {
    const char *name;
    int (*fn)(rl_cli_ctx_t *ctx, int argc, char **argv);
} admin_sub_t;

/* Shows usage (for --help or no subcommand) or runs the named subcommand
 * of subs (terminated by {NULL}). */
int admin_dispatch(rl_cli_ctx_t *ctx, const char *group, int argc, char **argv,
                   void (*usage)(FILE *out), const admin_sub_t *subs);

/* admin_lookup_id that must find a row: otherwise prints "<cmd>: " and the
 * formatted message, sets *rc to RL_EXIT_FAIL and returns -1. */
int admin_need_id(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *sql, int nparams,
                  const char *const *params, char id[32], const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* An enrolment with its template (clinical.h). */
typedef rl_clinical_enrolment_t admin_enrolment_t;

/* `ruglab patient results` (admin_results.c). */
int admin_patient_results(rl_cli_ctx_t *ctx, int argc, char **argv);

/* rl_clinical_enrolment_load with the error printed and *rc set. */
int admin_load_enrolment(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *enrolment_id,
                         admin_enrolment_t *out);

/* admin_parse for a subcommand taking exactly one PATIENT argument (a
 * subject id, badge token or INSZ) and options. -1 after printing. */
int admin_parse_patient(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv,
                        const admin_opt_t *opts, const char **patient);

/* A listing of the patient's programme: parses PATIENT (no options), finds
 * the enrolment (running, else the most recent) and prints the rows of sql
 * run with $1 = enrolment_id. Returns an RL_EXIT_* code. */
int admin_list_enrolment(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv,
                         const char *what, const char *sql, const char *numeric_cols);
