/* The CLIs' shared shell: names, messages and options (see cli.h). */
#include "ruglab/cli.h"

#include "ruglab/exitcode.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

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
rl_cli_daemon_option(int c, char **argv, void (*usage)(FILE *out), void (*example)(FILE *out))
{
    switch (c) {
    case 'E':
        example(stdout);
        return RL_EXIT_OK;
    case 'h':
        usage(stdout);
        return RL_EXIT_OK;
    case 'V':
        printf("%s %s\n", s_program, RL_VERSION);
        return RL_EXIT_OK;
    default:
        rl_cli_fail("unknown option '%s' (see %s --help)", argv[optind - 1], s_program);
        return RL_EXIT_USAGE;
    }
}

int
rl_cli_no_operands(int argc, char **argv, int first)
{
    if (first >= argc)
        return -1;
    rl_cli_fail("unexpected argument '%s' (see %s --help)", argv[first], s_program);
    return RL_EXIT_USAGE;
}
