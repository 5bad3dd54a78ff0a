/* Schema migrations: the ordered files deploy/sql/NNN_name.sql, applied
 * each in its own transaction and recorded with its SHA-256 in
 * ruglab_meta.schema_migration. A file that changed after it was applied
 * is refused before anything runs; so is a recorded migration whose file
 * is gone. Concurrent runs serialise on an advisory lock. */
#ifndef RUGLAB_MIGRATE_H
#define RUGLAB_MIGRATE_H

#include "ruglab/err.h"

#include <libpq-fe.h>
#include <stdio.h>

/* Applies every pending migration of dir. Progress lines ("applied
 * 003_measurements.sql") go to out when not NULL. Returns the number
 * applied, or -1 with err naming the file or the database error. */
int rl_migrate_run(PGconn *conn, const char *dir, FILE *out, rl_err_t *err)
    __attribute__((warn_unused_result));

/* Writes one line per migration file and recorded version to out:
 * "applied  001_schemas.sql  2026-11-23 18:00" / "pending  ..." /
 * "CHANGED  ..." / "MISSING  ...". Returns the number of problems
 * (changed or missing), or -1 with err. */
int rl_migrate_status(PGconn *conn, const char *dir, FILE *out, rl_err_t *err)
    __attribute__((warn_unused_result));

#endif
