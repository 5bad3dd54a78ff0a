/* The shape of a ruglab-outcomes command: its arguments after its name
 * (options with a value, operands, -h/--help, one message for anything
 * else) and its steps, run in order: parse, connect, fetch, render. */
#include "outcomes.h"

#include "ruglab/exitcode.h"

#include <string.h>

/* The option arg names when a value follows it; NULL otherwise. */
static const outcomes_opt_t *
s_option(const outcomes_args_t *self, const char *arg, bool has_value)
{
    if (!has_value)
        return NULL;
    for (const outcomes_opt_t *o = self->opts; o->flag; o++)
        if (!strcmp(arg, o->flag))
            return o;
    return NULL;
}

int
outcomes_args_parse(outcomes_args_t *self, int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++) {
        const outcomes_opt_t *o = s_option(self, argv[i], i + 1 < argc);
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            self->usage(stdout);
            return RL_EXIT_OK;
        } else if (o) {
            *o->value = argv[++i];
        } else if (argv[i][0] != '-' && self->n_operands < self->max_operands) {
            self->operands[self->n_operands++] = argv[i];
        } else {
            rl_cli_fail("%s: unexpected argument '%s' (see %s --help)", self->name, argv[i],
                        self->name);
            return RL_EXIT_USAGE;
        }
    }
    return -1;
}

int
outcomes_args_none(const char *name, const char *help, int argc, char **argv)
{
    if (argc <= 1)
        return -1;
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(help, stdout);
        return RL_EXIT_OK;
    }
    rl_cli_fail("%s: unexpected argument '%s'", name, argv[1]);
    return RL_EXIT_USAGE;
}

int
outcomes_command_run(const outcomes_command_t *cmd, void *self, rl_cli_ctx_t *ctx, int argc,
                     char **argv)
{
    int rc = cmd->parse(self, argc, argv);
    if (rc >= 0)
        return rc;
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    rc = cmd->fetch(self, conn);
    if (rc < 0)
        rc = cmd->render(self, conn, ctx->format);
    cmd->clear(self);
    return rc;
}
