/* Unit tests of the CLI shell (cli.h): the global options before the
 * command, --help anywhere, the dispatch to the command table with the
 * parsed context, and the exit codes of a usage error. No database: the
 * commands here never connect. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ruglab/cli.h"
#include "ruglab/exitcode.h"

static int s_usage_calls;
static rl_cli_ctx_t s_seen;
static int s_seen_argc;
static const char *s_seen_arg1;

static void
s_usage(FILE *out)
{
    (void)out;
    s_usage_calls++;
}

static int
s_cmd_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    s_seen = *ctx;
    s_seen_argc = argc;
    s_seen_arg1 = argc > 1 ? argv[1] : NULL;
    return 42;
}

static const rl_cli_command_t s_commands[] = {
    {"list", "list things", s_cmd_list},
};

static const rl_cli_t s_cli = {
    .program = "ruglab-test",
    .role = "ruglab_test",
    .probe = "SELECT 1",
    .csv = true,
    .json = true,
    .usage = s_usage,
    .commands = s_commands,
    .n_commands = 1,
};

static const rl_cli_t s_cli_plain = {
    .program = "ruglab-plain",
    .role = "ruglab_test",
    .probe = "SELECT 1",
    .usage = s_usage,
};

static int
s_globals(const rl_cli_t *cli, int argc, char **argv, rl_cli_ctx_t *ctx, bool *check, int *next)
{
    *ctx = (rl_cli_ctx_t){0};
    *check = false;
    *next = -7;
    return rl_cli_parse_globals(cli, argc, argv, ctx, check, next);
}

static void
test_globals(void **state)
{
    (void)state;
    rl_cli_ctx_t ctx;
    bool check;
    int next;
    char *a1[] = {"p", "--db", "dbname=x", "--json", "list", "--csv", NULL};
    assert_int_equal(s_globals(&s_cli, 6, a1, &ctx, &check, &next), -1);
    assert_string_equal(ctx.db_flag, "dbname=x");
    assert_int_equal(ctx.format, RL_CLI_JSON);
    assert_int_equal(next, 4); /* options after the command are the command's */
    assert_false(check);

    char *a2[] = {"p", "--db=host=h", "--csv", "--check-config", NULL};
    assert_int_equal(s_globals(&s_cli, 4, a2, &ctx, &check, &next), -1);
    assert_string_equal(ctx.db_flag, "host=h");
    assert_int_equal(ctx.format, RL_CLI_CSV);
    assert_true(check);
    assert_int_equal(next, 4); /* no command */

    /* --db without its value, an unknown option, a format the program
     * does not offer: usage errors */
    char *a3[] = {"p", "--db", NULL};
    assert_int_equal(s_globals(&s_cli, 2, a3, &ctx, &check, &next), RL_EXIT_USAGE);
    char *a4[] = {"p", "--verbose", "list", NULL};
    assert_int_equal(s_globals(&s_cli, 3, a4, &ctx, &check, &next), RL_EXIT_USAGE);
    char *a5[] = {"p", "--csv", "list", NULL};
    assert_int_equal(s_globals(&s_cli_plain, 3, a5, &ctx, &check, &next), RL_EXIT_USAGE);
    char *a6[] = {"p", "--json", "list", NULL};
    assert_int_equal(s_globals(&s_cli_plain, 3, a6, &ctx, &check, &next), RL_EXIT_USAGE);

    /* --help prints the usage and ends the program well */
    s_usage_calls = 0;
    char *a7[] = {"p", "-h", "list", NULL};
    assert_int_equal(s_globals(&s_cli, 3, a7, &ctx, &check, &next), RL_EXIT_OK);
    assert_int_equal(s_usage_calls, 1);
    char *a8[] = {"p", "--version", NULL};
    assert_int_equal(s_globals(&s_cli, 2, a8, &ctx, &check, &next), RL_EXIT_OK);
}

static void
test_wants_help(void **state)
{
    (void)state;
    char *a[] = {"list", "--site", "--help", NULL};
    assert_true(rl_cli_wants_help(3, a));
    assert_false(rl_cli_wants_help(2, a));
    char *b[] = {"-h", "x", NULL}; /* argv[0] is the command's own name */
    assert_false(rl_cli_wants_help(2, b));
}

static void
test_main_dispatch(void **state)
{
    (void)state;
    char *a1[] = {"ruglab-test", "--csv", "list", "--site", NULL};
    assert_int_equal(rl_cli_main(&s_cli, 4, a1), 42);
    assert_int_equal(s_seen.format, RL_CLI_CSV);
    assert_string_equal(s_seen.role, "ruglab_test");
    assert_null(s_seen.conn);
    assert_int_equal(s_seen_argc, 2);
    assert_string_equal(s_seen_arg1, "--site");
    assert_string_equal(rl_cli_program(), "ruglab-test");

    char *a2[] = {"ruglab-test", "lsit", NULL};
    assert_int_equal(rl_cli_main(&s_cli, 2, a2), RL_EXIT_USAGE);
    s_usage_calls = 0;
    char *a3[] = {"ruglab-test", NULL};
    assert_int_equal(rl_cli_main(&s_cli, 1, a3), RL_EXIT_USAGE);
    assert_int_equal(s_usage_calls, 1);
    /* an argument that is not UTF-8 stops the program before anything runs */
    s_seen_argc = 0;
    char bad[] = "li\xffst";
    char *a4[] = {"ruglab-test", "list", bad, NULL};
    assert_int_equal(rl_cli_main(&s_cli, 3, a4), RL_EXIT_FAIL);
    assert_int_equal(s_seen_argc, 0);
}

static int s_example_calls;

static void
s_example(FILE *out)
{
    (void)out;
    s_example_calls++;
}

static void
test_daemon_options(void **state)
{
    (void)state;
    rl_cli_init("ruglab-test");
    char *argv[] = {"ruglab-test", "--bogus", "extra", NULL};
    s_usage_calls = s_example_calls = 0;
    assert_int_equal(rl_cli_daemon_option('E', argv, s_usage, s_example), RL_EXIT_OK);
    assert_int_equal(s_example_calls, 1);
    assert_int_equal(rl_cli_daemon_option('h', argv, s_usage, s_example), RL_EXIT_OK);
    assert_int_equal(s_usage_calls, 1);
    assert_int_equal(rl_cli_daemon_option('V', argv, s_usage, s_example), RL_EXIT_OK);
    optind = 2; /* getopt_long has just read argv[1] */
    assert_int_equal(rl_cli_daemon_option('?', argv, s_usage, s_example), RL_EXIT_USAGE);
    assert_int_equal(s_usage_calls + s_example_calls, 2);
    assert_int_equal(rl_cli_no_operands(3, argv, 2), RL_EXIT_USAGE);
    assert_int_equal(rl_cli_no_operands(3, argv, 3), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_globals),
        cmocka_unit_test(test_wants_help),
        cmocka_unit_test(test_main_dispatch),
        cmocka_unit_test(test_daemon_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
