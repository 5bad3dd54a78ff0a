/* `ruglab audit`: the access log of identifiable data (who read which
 * patient's identity, when, with which command). */
#include "admin_util.h"

#include "ruglab/exitcode.h"

#include <stdio.h>

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab audit list [--subject ID] [--limit N]\n\n"
                 "list  the most recent reads of identifiable data first: when, the database\n"
                 "      and OS user, the program and command, the subject (no identity).\n");
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *subject = NULL, *limit = "100";
    const admin_opt_t opts[] = {
        {"--subject", &subject, NULL}, {"--limit", &limit, NULL}, {NULL, NULL, NULL}};
    if (admin_parse(ctx, "audit list", argc, argv, 2, opts, NULL, 0, NULL) < 0)
        return RL_EXIT_USAGE;
    double n;
    if (admin_parse_number("audit list", "--limit", limit, 1, 100000, &n) < 0 ||
        (subject && admin_parse_number("audit list", "--subject", subject, 1, 1e15, &n) < 0))
        return RL_EXIT_FAIL;
    const char *p[2] = {subject, limit};
    return admin_print_query(ctx, "audit list", "reading the access log",
                             "SELECT access_id, at, db_user, os_user, program, command, "
                             "subject_id, detail FROM audit.access_log "
                             "WHERE $1::bigint IS NULL OR subject_id = $1::bigint "
                             "ORDER BY at DESC, access_id DESC LIMIT $2::integer",
                             2, p, "access_id,subject_id");
}

static const rl_cli_command_t s_subs[] = {
    {"list", "the most recent reads of identifiable data", s_list},
};

static const admin_group_t s_group = {"audit", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_audit_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
