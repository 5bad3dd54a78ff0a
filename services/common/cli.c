/* The CLIs' shared shell (see cli.h). */
#include "ruglab/cli.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/text.h"

#include <stdarg.h>
#include <string.h>

static const char *s_program = "ruglab";

void
rl_cli_init(const char *program)
{
    s_program = program;
}

const char *
rl_cli_program(void)
{
    return s_program;
}

void
rl_cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", s_program);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

bool
rl_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return true;
    return false;
}

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

void
rl_cli_print_commands(const rl_cli_t *cli, FILE *out, int width)
{
    for (size_t i = 0; i < cli->n_commands; i++)
        fprintf(out, "  %-*s %s\n", width, cli->commands[i].name, cli->commands[i].summary);
}

int
rl_cli_parse_globals(const rl_cli_t *cli, int argc, char **argv, rl_cli_ctx_t *ctx,
                     bool *check_config, int *next)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--db") && i + 1 < argc) {
            ctx->db_flag = argv[++i];
        } else if (!strncmp(a, "--db=", 5)) {
            ctx->db_flag = a + 5;
        } else if (cli->json && !strcmp(a, "--json")) {
            ctx->format = RL_CLI_JSON;
        } else if (cli->csv && !strcmp(a, "--csv")) {
            ctx->format = RL_CLI_CSV;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            cli->usage(stdout);
            return RL_EXIT_OK;
        } else if (!strcmp(a, "--version")) {
            printf("%s %s\n", cli->program, RL_VERSION);
            return RL_EXIT_OK;
        } else if (!strcmp(a, "--check-config")) {
            *check_config = true;
        } else {
            rl_cli_fail("unknown option '%s' (see %s --help)", a, cli->program);
            return RL_EXIT_USAGE;
        }
    }
    *next = i;
    return -1;
}

int
rl_cli_check_db(const rl_cli_t *cli, const char *db_flag, const char *extra)
{
    rl_err_t err;
    char ok[512];
    if (rl_db_check(db_flag, cli->role, cli->probe, ok, sizeof ok, &err) < 0) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_DB;
    }
    printf("configuration OK: %s%s\n", ok, extra ? extra : "");
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
        return rl_cli_check_db(cli, ctx.db_flag, NULL);
    if (next >= argc) {
        cli->usage(stderr);
        return RL_EXIT_USAGE;
    }
    rc = s_dispatch(cli, &ctx, argc - next, argv + next);
    if (ctx.conn)
        PQfinish(ctx.conn);
    return rc;
}
