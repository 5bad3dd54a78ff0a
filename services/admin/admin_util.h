/* Helpers shared by the command groups of the admin CLI: the subcommand
 * tables and their dispatch, option parsing, database calls that print
 * their one-line error, transactions, finding a patient and an enrolment,
 * the access log, JSON and table output. Everything here prints errors as
 * "ruglab: <cmd>: ..." itself (rl_cli_fail) and sets *rc to the exit code
 * the command returns. One thread. */
#ifndef RUGLAB_ADMIN_UTIL_H
#define RUGLAB_ADMIN_UTIL_H

#include "admin.h"

#include "ruglab/clinical.h"
#include "ruglab/date.h"
#include "ruglab/programme.h"
#include "ruglab/registration.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* ---- command groups ---- */

/* A group's subcommands as a table of rl_cli_command_t (cli.h): run gets
 * the group's argc/argv, so argv[1] is the subcommand's name. */
typedef struct {
    const char *name;         /* "enrolment": the prefix of its messages */
    void (*usage)(FILE *out); /* the group's --help text */
    const rl_cli_command_t *subs;
    size_t n_subs;
} admin_group_t;

/* The number of elements of an array (a table of subcommands, fields). */
#define ADMIN_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Shows the usage (on stdout for --help; on stderr, exit code
 * RL_EXIT_USAGE, without a subcommand) or runs the named subcommand;
 * an unknown one is "<group>: unknown subcommand 'X' (a, b, c)". */
int admin_dispatch(rl_cli_ctx_t *ctx, const admin_group_t *group, int argc, char **argv);

/* ---- options ---- */

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

/* admin_parse for a subcommand taking exactly one argument (*arg) and
 * options; without it prints "<cmd>: <missing>". -1 after printing. */
int admin_parse_arg(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, int first,
                    const admin_opt_t *opts, const char *missing, const char **arg);

/* What a command says when PATIENT is missing. */
#define ADMIN_PATIENT_MISSING "give the patient (subject id, badge token or INSZ)"

/* admin_parse_arg for a subcommand taking one PATIENT argument (a subject
 * id, badge token or INSZ) and options. -1 after printing. */
int admin_parse_patient(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv,
                        const admin_opt_t *opts, const char **patient);

/* For a command whose only option is --json (from argv[first] on): sets
 * the context's format, or prints "<cmd>: unexpected argument 'X'" and
 * returns -1. */
int admin_parse_json_only(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, int first);

/* -1 (after printing "<cmd>: OPTION is required") when value is NULL/empty. */
int admin_require(const char *cmd, const char *option, const char *value);

/* Parses "YYYY-MM-DD"; prints "<cmd>: OPTION: <why>" and returns -1 on error. */
int admin_parse_date(const char *cmd, const char *option, const char *s, rl_date_t *out);

/* Parses a decimal number in [min, max]; prints and returns -1 otherwise. */
int admin_parse_number(const char *cmd, const char *option, const char *s, double min, double max,
                       double *out);

/* ---- the database ---- */

/* Runs one parameterised statement. On failure prints "<cmd>: <what>:
 * <server message>" and returns NULL with *rc set: RL_EXIT_FAIL when the
 * server refused the data (constraint, invalid value), RL_EXIT_DB
 * otherwise. Caller PQclear()s. */
PGresult *admin_exec(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *what, const char *sql,
                     int nparams, const char *const *params);

/* Prints a refusal of registration.h ("<cmd>: <message>"); returns its
 * exit code. */
int admin_reg_fail(const char *cmd, const rl_reg_err_t *err);

/* BEGIN / COMMIT / ROLLBACK (rollback never fails loudly, and does
 * nothing outside a transaction). */
int admin_begin(rl_cli_ctx_t *ctx, const char *cmd, int *rc);
int admin_commit(rl_cli_ctx_t *ctx, const char *cmd, int *rc);
void admin_rollback(rl_cli_ctx_t *ctx);

/* Runs a query returning one id column: 1 and id[32] filled when a row was
 * found, 0 when none, -1 on a database error (printed, *rc set). */
int admin_lookup_id(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *what, const char *sql,
                    int nparams, const char *const *params, char id[32]);

/* admin_lookup_id that must find a row: otherwise prints "<cmd>: " and the
 * formatted message, sets *rc to RL_EXIT_FAIL and returns -1. */
int admin_need_id(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *sql, int nparams,
                  const char *const *params, char id[32], const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* An INSERT ... ON CONFLICT DO NOTHING RETURNING id: fills id[32], or
 * (nothing inserted: it exists) prints "<cmd>: " and the formatted
 * message, sets *rc to RL_EXIT_FAIL and returns -1. */
int admin_insert_id(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *what, const char *sql,
                    int nparams, const char *const *params, char id[32], const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

/* The site of that code, into id[32]; "unknown site" otherwise. */
int admin_find_site(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *code, char id[32]);

/* The programme template of that code that the site may use (a seed or
 * its own), into id[32]; "unknown programme" otherwise. */
int admin_find_programme(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *code,
                         const char *site_id, char id[32]);

/* Today in Europe/Brussels (the clinical calendar day), as the database
 * sees it (clinical.local_date(now())). */
int admin_today(rl_cli_ctx_t *ctx, const char *cmd, int *rc, rl_date_t *out);

/* When date lies after today: prints "<cmd>: the <what> date <date_s> is
 * in the future (today is ...)", sets *rc to RL_EXIT_FAIL, returns -1. */
int admin_refuse_after(const char *cmd, int *rc, const char *what, const char *date_s,
                       rl_date_t date, rl_date_t today);

/* Records a read of identifiable data in audit.access_log with
 * rl_audit_record() (program 'ruglab', the OS user, command, subject,
 * detail without identity); prints the error and sets *rc (RL_EXIT_DB). */
int admin_audit(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *command,
                const char *subject_id, const char *detail);

/* ---- patients and enrolments ---- */

/* Finds a subject by badge token ("RB-..."), INSZ (11 digits, formatting
 * allowed) or subject id (digits). Writes the subject id (decimal) into
 * id[32]. Prints "<cmd>: no patient ..." and returns -1 (rc FAIL) when
 * there is none. */
int admin_find_subject(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *key, char id[32]);

/* The enrolment a command is about: the patient's active one, else (when
 * any_status) the most recent. Writes enrolment_id into id[32]. */
int admin_find_enrolment(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *patient,
                         bool any_status, char id[32]);

/* The enrolment a command names with --enrolment ID (enrolment; NULL:
 * as admin_find_enrolment with any_status), which must be the patient's.
 * With check_id, an ID that is not 1-18 digits is a usage error. */
int admin_find_enrolment_of(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *patient,
                            const char *enrolment, bool check_id, char id[32]);

/* The enrolment a dated record belongs to: the patient's enrolment (not
 * cancelled) whose dates contain date (YYYY-MM-DD), else as
 * admin_find_enrolment with any_status. */
int admin_find_enrolment_on(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *patient,
                            const char *date, char id[32]);

/* admin_parse_patient, then admin_find_enrolment with any_status (the
 * running enrolment, else the most recent) into id[32]. -1 after
 * printing, *rc set. */
int admin_parse_enrolment(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv,
                          const admin_opt_t *opts, int *rc, char id[32]);

/* An enrolment with its template (clinical.h). */
typedef rl_clinical_enrolment_t admin_enrolment_t;

/* rl_clinical_enrolment_load with the error printed and *rc set. */
int admin_load_enrolment(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *enrolment_id,
                         admin_enrolment_t *out);

/* Prints a warning on stderr when date lies outside the enrolment's dates:
 * the record (what, e.g. "the session") is kept but counted nowhere. */
void admin_warn_outside(rl_cli_ctx_t *ctx, const char *cmd, const char *enrolment_id,
                        const char *date, const char *what);

/* `ruglab session exercises` (admin_homeprog.c). */
int admin_session_exercises(rl_cli_ctx_t *ctx, int argc, char **argv);

/* `ruglab patient results` (admin_results.c). */
int admin_patient_results(rl_cli_ctx_t *ctx, int argc, char **argv);

/* ---- output ---- */

/* Prints obj as one line of JSON on stdout and releases it. */
void admin_json_print(json_t *obj);

/* A column of a result as a JSON value: NULL -> null, else the text; with
 * as_number true, a JSON number (integer when it has no fraction). */
json_t *admin_json_value(const PGresult *res, int row, int col, bool as_number);

/* The rows of a result as a JSON array of objects; the columns named in
 * numeric_cols (comma-separated) become numbers. Caller owns it. */
json_t *admin_json_rows(const PGresult *res, const char *numeric_cols);

/* Prints a result as JSON (admin_json_rows) or as aligned text with a
 * header. */
void admin_print_rows(rl_cli_ctx_t *ctx, const PGresult *res, const char *numeric_cols);

/* Runs sql and prints its rows (admin_print_rows). Returns an RL_EXIT_*
 * code. */
int admin_print_query(rl_cli_ctx_t *ctx, const char *cmd, const char *what, const char *sql,
                      int nparams, const char *const *params, const char *numeric_cols);

/* A listing subcommand: the options opts (NULL: none but --json), then
 * admin_print_query; params may point at the options' values. */
int admin_list(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, const admin_opt_t *opts,
               const char *what, const char *sql, int nparams, const char *const *params,
               const char *numeric_cols);

/* A listing of the patient's programme: parses PATIENT (no options), finds
 * the enrolment (running, else the most recent) and prints the rows of sql
 * run with $1 = enrolment_id. Returns an RL_EXIT_* code. */
int admin_list_enrolment(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv,
                         const char *what, const char *sql, const char *numeric_cols);

/* Prints what an add command created: "<what> added: <key> <id>[, <key2>
 * <val2>]" or, with --json, {"<key>": id, "<key2>": "val2"}. */
void admin_print_added(rl_cli_ctx_t *ctx, const char *what, const char *key, const char *id,
                       const char *key2, const char *val2);

#endif
