/* The command-line shell the ruglab CLIs share (ruglab, ruglab-report,
 * ruglab-outcomes): the program's name in messages, the fail helper,
 * --help detection, the global options before the command (--db, --json,
 * --csv, --help, --version, --check-config), the lazy database connection
 * and the dispatch to a table of commands. Exit codes: exitcode.h.
 *
 * Messages go to stderr as "PROGRAM: what is wrong". One process, one
 * program name (rl_cli_init); otherwise no global state.
 *
 * Two modules: cli.c (names, messages, options; no database, so the agent
 * uses it too) and cli_db.c (the connection, --check-config and
 * rl_cli_main; libpq). */
#ifndef RUGLAB_CLI_H
#define RUGLAB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    RL_CLI_TABLE, /* aligned text for a person (the default) */
    RL_CLI_CSV,   /* --csv */
    RL_CLI_JSON,  /* --json */
} rl_cli_format_t;

/* libpq's connection (libpq-fe.h's PGconn): declared here so that a
 * program without a database (the agent) can use the shell's messages. */
struct pg_conn;

/* What a program's command functions receive. */
typedef struct {
    const char *db_flag;    /* --db, or NULL ($RUGLAB_DB, then the local cluster) */
    rl_cli_format_t format; /* --csv / --json */
    const char *role;       /* database role when db_flag names no user */
    struct pg_conn *conn;   /* opened by rl_cli_connect, closed by rl_cli_main */
} rl_cli_ctx_t;

typedef struct {
    const char *name;
    const char *summary;                                  /* one line for the usage text */
    int (*run)(rl_cli_ctx_t *ctx, int argc, char **argv); /* argv[0] is the name */
} rl_cli_command_t;

typedef struct {
    const char *program; /* "ruglab-outcomes" */
    const char *role;    /* the role it connects as ("ruglab_quality") */
    const char *probe;   /* --check-config: a query that needs the program's tables */
    bool csv;            /* whether --csv is an option */
    bool json;           /* whether --json is an option */
    void (*usage)(FILE *out);
    const rl_cli_command_t *commands;
    size_t n_commands;
} rl_cli_t;

/* Names the program in every message; call first in main. */
void rl_cli_init(const char *program);
const char *rl_cli_program(void);

/* Prints "PROGRAM: <message>" and a newline on stderr. */
void rl_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Whether argv[1..argc-1] holds -h or --help. */
bool rl_cli_wants_help(int argc, char **argv);

/* The options every daemon (ruglab-collector, ruglab-web) shares, for the
 * default branch of its getopt_long loop (opterr = 0), given what
 * getopt_long returned: 'E' (--example-config) calls example(stdout), 'h'
 * (--help) usage(stdout), 'V' (--version) prints the version; anything else
 * is said to be an unknown option. Returns the exit code. */
int rl_cli_daemon_option(int c, char **argv, void (*usage)(FILE *out), void (*example)(FILE *out));

/* After the options (argv[first..]): an operand left over is a usage error,
 * said; returns RL_EXIT_USAGE then, else -1 to go on. */
int rl_cli_no_operands(int argc, char **argv, int first);

/* Whether the command's output is JSON (--json). */
static inline bool
rl_cli_json(const rl_cli_ctx_t *ctx)
{
    return ctx->format == RL_CLI_JSON;
}

/* Connects as ctx->role unless ctx->db_flag names a user, once; later calls
 * return the same connection. Prints the error and returns NULL. */
struct pg_conn *rl_cli_connect(rl_cli_ctx_t *ctx);

/* The command table's lines of a usage text: "  NAME   summary". */
void rl_cli_print_commands(const rl_cli_t *cli, FILE *out, int width);

/* The whole life of a CLI: checks argv is UTF-8, parses the global
 * options, answers --help, --version and --check-config (connects as
 * cli->role and runs cli->probe), runs the command named next and closes
 * the connection. Returns the exit code. */
int rl_cli_main(const rl_cli_t *cli, int argc, char **argv);

/* The global options alone, for a program with its own dispatch: returns
 * -1 to go on (*next: index of the command, argc when none), or an exit
 * code when the program is done (--help, --version printed: RL_EXIT_OK;
 * an unknown option said: RL_EXIT_USAGE). --check-config sets
 * *check_config. */
int rl_cli_parse_globals(const rl_cli_t *cli, int argc, char **argv, rl_cli_ctx_t *ctx,
                         bool *check_config, int *next);

/* --check-config of a program whose configuration is the database it finds:
 * prints "configuration OK: ..." (RL_EXIT_OK) or what is wrong (RL_EXIT_DB).
 * (ruglab-report checks gnuplot too, and has its own.) */
int rl_cli_check_db(const rl_cli_t *cli, const char *db_flag);

#endif
