/* `ruglab db`: schema migrations (run by the IT administrator at install
 * and upgrade). */
#include "admin.h"

#include "ruglab/exitcode.h"
#include "ruglab/migrate.h"
#include "ruglab/paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab db migrate [--sql-dir DIR]\n"
            "       ruglab db status  [--sql-dir DIR]\n\n"
            "migrate  applies the pending migrations (deploy/sql/NNN_name.sql) in order, each in\n"
            "         its own transaction; records each with its SHA-256 and refuses to run when\n"
            "         an applied file has changed since. Safe to run again: it does nothing\n"
            "         when the schema is up to date.\n"
            "status   lists every migration as applied, pending, CHANGED or MISSING; exits 1\n"
            "         when any is changed or missing.\n\n"
            "--sql-dir DIR  where the migrations are (default: $RUGLAB_SQL_DIR, else the\n"
            "               checkout's deploy/sql, else the installed share/ruglab/sql)\n");
}

int
admin_db_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    if (argc < 2 || rl_cli_wants_help(argc, argv)) {
        s_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? RL_EXIT_USAGE : RL_EXIT_OK;
    }
    const char *sub = argv[1];
    const char *dir_flag = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--sql-dir") && i + 1 < argc) {
            dir_flag = argv[++i];
        } else {
            rl_cli_fail("db %s: unexpected argument '%s'", sub, argv[i]);
            return RL_EXIT_USAGE;
        }
    }
    if (strcmp(sub, "migrate") != 0 && strcmp(sub, "status") != 0) {
        rl_cli_fail("db: unknown subcommand '%s' (migrate, status)", sub);
        return RL_EXIT_USAGE;
    }
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    char *dir = rl_paths_sql_dir(dir_flag);
    rl_err_t err;
    int rc;
    if (!strcmp(sub, "migrate")) {
        int n = rl_migrate_run(conn, dir, stdout, &err);
        if (n < 0) {
            rl_cli_fail("db migrate: %s", err.msg);
            rc = PQstatus(conn) == CONNECTION_OK && strstr(err.msg, "migration ") ? RL_EXIT_FAIL
                                                                                  : RL_EXIT_DB;
        } else {
            if (n)
                printf("database migrated: %d migration%s applied\n", n, n == 1 ? "" : "s");
            else
                printf("database is up to date (nothing to apply)\n");
            rc = RL_EXIT_OK;
        }
    } else {
        int problems = rl_migrate_status(conn, dir, stdout, &err);
        if (problems < 0) {
            rl_cli_fail("db status: %s", err.msg);
            rc = RL_EXIT_DB;
        } else {
            rc = problems ? RL_EXIT_FAIL : RL_EXIT_OK;
        }
    }
    free(dir);
    return rc;
}
