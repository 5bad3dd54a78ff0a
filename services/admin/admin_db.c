/* `ruglab db`: schema migrations (run by the IT administrator at install
 * and upgrade). */
#include "admin_util.h"

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

/* The one option of both subcommands; -1 after printing. */
static int
s_parse(int argc, char **argv, const char **dir_flag)
{
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--sql-dir") && i + 1 < argc) {
            *dir_flag = argv[++i];
        } else {
            rl_cli_fail("db %s: unexpected argument '%s'", argv[1], argv[i]);
            return -1;
        }
    }
    return 0;
}

/* The migrations, then the default exercise catalogue into an empty one. */
static int
s_migrate_in(rl_cli_ctx_t *ctx, PGconn *conn, const char *dir)
{
    rl_err_t err;
    int n = rl_migrate_run(conn, dir, stdout, &err);
    if (n < 0) {
        rl_cli_fail("db migrate: %s", err.msg);
        return PQstatus(conn) == CONNECTION_OK && strstr(err.msg, "migration ") ? RL_EXIT_FAIL
                                                                                : RL_EXIT_DB;
    }
    if (n)
        printf("database migrated: %d migration%s applied\n", n, n == 1 ? "" : "s");
    else
        printf("database is up to date (nothing to apply)\n");
    return admin_exercise_default(ctx, conn, dir);
}

static int
s_status_in(rl_cli_ctx_t *ctx, PGconn *conn, const char *dir)
{
    (void)ctx;
    rl_err_t err;
    int problems = rl_migrate_status(conn, dir, stdout, &err);
    if (problems < 0) {
        rl_cli_fail("db status: %s", err.msg);
        return RL_EXIT_DB;
    }
    return problems ? RL_EXIT_FAIL : RL_EXIT_OK;
}

/* Runs op on the database with the migrations' directory. */
static int
s_with_dir(rl_cli_ctx_t *ctx, int argc, char **argv,
           int (*op)(rl_cli_ctx_t *ctx, PGconn *conn, const char *dir))
{
    const char *dir_flag = NULL;
    if (s_parse(argc, argv, &dir_flag) < 0)
        return RL_EXIT_USAGE;
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    char *dir = rl_paths_sql_dir(dir_flag);
    int rc = op(ctx, conn, dir);
    free(dir);
    return rc;
}

static int
s_migrate(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return s_with_dir(ctx, argc, argv, s_migrate_in);
}

static int
s_status(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return s_with_dir(ctx, argc, argv, s_status_in);
}

static const rl_cli_command_t s_subs[] = {
    {"migrate", "apply the pending migrations in order", s_migrate},
    {"status", "every migration: applied, pending, CHANGED or MISSING", s_status},
};

static const admin_group_t s_group = {"db", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_db_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *dir_flag = NULL;
    /* the arguments are checked before the subcommand's name */
    if (argc >= 2 && !rl_cli_wants_help(argc, argv) && s_parse(argc, argv, &dir_flag) < 0)
        return RL_EXIT_USAGE;
    return admin_dispatch(ctx, &s_group, argc, argv);
}
