/* Finding and connecting to the database. Every program takes a libpq
 * connection string from --db, then $RUGLAB_DB, then the local cluster of
 * the checkout (scripts/pg-local.sh), so a site points the same programs
 * at its own server. Each program connects as its own least-privilege role
 * (ruglab_collector, ruglab_clinician, ...) unless the string names a user.
 * A PGconn belongs to the thread that made it. */
#ifndef RUGLAB_DB_H
#define RUGLAB_DB_H

#include "ruglab/err.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* The connection string to use. Caller owns the result; NULL (err set)
 * when none is configured. */
char *rl_db_conninfo(const char *flag, rl_err_t *err) __attribute__((warn_unused_result));

/* Connects; default_user is used unless conninfo names a user. On failure
 * returns NULL with err "cannot connect to <target>: <libpq's reason>". */
PGconn *rl_db_connect(const char *conninfo, const char *default_user, rl_err_t *err)
    __attribute__((warn_unused_result));

/* rl_db_conninfo(flag) then rl_db_connect(.., default_user): what every
 * command-line tool does first. NULL with err set on failure. */
PGconn *rl_db_open(const char *flag, const char *default_user, rl_err_t *err)
    __attribute__((warn_unused_result));

/* "host=... port=... dbname=... user=..." of conninfo with default_user
 * applied, without the password, for messages. Caller owns. */
char *rl_db_describe(const char *conninfo, const char *default_user);

/* The first line of PQerrorMessage / PQresultErrorMessage, trimmed, in a
 * static per-thread buffer. */
const char *rl_db_error(PGconn *conn);
const char *rl_db_result_error(const PGresult *res);

/* Runs one parameterised command (text parameters, NULL = SQL NULL) and
 * returns its result when the status is COMMAND_OK or TUPLES_OK; otherwise
 * NULL with err "<what>: <server's message>". Caller PQclear()s. */
PGresult *rl_db_exec(PGconn *conn, rl_err_t *err, const char *what, const char *sql, int nparams,
                     const char *const *params) __attribute__((warn_unused_result));

/* As rl_db_exec, with every column of the result in PostgreSQL's binary
 * format (big-endian integers and floats, arrays as their binary form;
 * libpq still ends each value with a zero byte). */
PGresult *rl_db_exec_binary(PGconn *conn, rl_err_t *err, const char *what, const char *sql,
                            int nparams, const char *const *params)
    __attribute__((warn_unused_result));

/* A transaction: BEGIN and COMMIT (0, or -1 with err "starting|committing
 * the transaction: <server's message>"); ROLLBACK ignores its result (a
 * broken connection has nothing left to roll back). */
int rl_db_begin(PGconn *conn, rl_err_t *err) __attribute__((warn_unused_result));
int rl_db_commit(PGconn *conn, rl_err_t *err) __attribute__((warn_unused_result));
void rl_db_rollback(PGconn *conn);

/* As rl_db_exec, through a statement prepared on this connection under
 * name (prepared from sql at its first use on the connection, then
 * reused): a long-lived connection (ruglab-web's pools) plans a query on
 * the clinical views once instead of at every call, where planning costs
 * far more than running it. The names prepared are remembered with the
 * connection (a libpq event procedure) and forgotten when it is reset or
 * finished. The same name must always come with the same sql. */
PGresult *rl_db_exec_prepared(PGconn *conn, rl_err_t *err, const char *what, const char *name,
                              const char *sql, int nparams, const char *const *params)
    __attribute__((warn_unused_result));

/* --check-config of the command-line tools, whose configuration is the
 * database they find: resolves the connection string (flag, $RUGLAB_DB,
 * the local cluster), connects as default_user and runs probe_sql (a
 * query the tool's role must be allowed to run, e.g. on a table of the
 * latest migration it needs). On success fills ok[] with "database
 * host=... port=... dbname=... user=..." and returns 0; otherwise -1 with
 * err saying which step failed. */
int rl_db_check(const char *flag, const char *default_user, const char *probe_sql, char *ok,
                size_t ok_len, rl_err_t *err) __attribute__((warn_unused_result));

/* The SQLSTATE of a failed result ("23505"), or "" */
const char *rl_db_sqlstate(const PGresult *res);

#endif
