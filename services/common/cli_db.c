/* The CLIs' shared shell: the database connection, --check-config and the
 * whole life of a CLI (see cli.h). */
#include "ruglab/cli.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/text.h"

#include <libpq-fe.h>
#include <string.h>

PGconn *
rl_cli_connect(rl_cli_ctx_t *ctx)
{
    if (ctx->conn)
        return ctx->conn;
    rl_err_t err;
    ctx->conn = rl_db_open(ctx->db_flag, ctx->role, &err);
    if (!ctx->conn)
        rl_cli_fail("%s", err.msg);
    return ctx->conn;
}

int
rl_cli_check_db(const rl_cli_t *cli, const char *db_flag)
{
    rl_err_t err;
    char ok[512];
    if (rl_db_check(db_flag, cli->role, cli->probe, ok, sizeof ok, &err) < 0) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_DB;
    }
    printf("configuration OK: %s\n", ok);
    return RL_EXIT_OK;
}

static int
s_dispatch(const rl_cli_t *cli, rl_cli_ctx_t *ctx, int argc, char **argv)
{
    for (size_t c = 0; c < cli->n_commands; c++)
        if (!strcmp(argv[0], cli->commands[c].name))
            return cli->commands[c].run(ctx, argc, argv);
    rl_cli_fail("unknown command '%s' (see %s --help)", argv[0], cli->program);
    return RL_EXIT_USAGE;
}

int
rl_cli_main(const rl_cli_t *cli, int argc, char **argv)
{
    rl_cli_init(cli->program);
    if (rl_text_check_args(cli->program, argc, argv))
        return RL_EXIT_FAIL;
    rl_cli_ctx_t ctx = {.role = cli->role, .format = RL_CLI_TABLE};
    bool check_config = false;
    int next = argc;
    int rc = rl_cli_parse_globals(cli, argc, argv, &ctx, &check_config, &next);
    if (rc >= 0)
        return rc;
    if (check_config)
        return rl_cli_check_db(cli, ctx.db_flag);
    if (next >= argc) {
        cli->usage(stderr);
        return RL_EXIT_USAGE;
    }
    rc = s_dispatch(cli, &ctx, argc - next, argv + next);
    if (ctx.conn)
        PQfinish(ctx.conn);
    return rc;
}
