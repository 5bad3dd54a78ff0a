/* `ruglab site`: the hospitals and practices running the programme. */
#include "admin_util.h"

#include "ruglab/exitcode.h"

#include <stdio.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab site add --code CODE --name NAME [--address TEXT]\n"
                 "                       [--physician-name NAME] [--physician-riziv NUMBER]\n"
                 "       ruglab site list\n\n"
                 "add   registers a site. CODE: 2-32 of a-z, 0-9 and '-', unique across the\n"
                 "      registry (e.g. az-groeninge). The physician is the responsible\n"
                 "      rehabilitation physician named in the final report; RIZIV: 11 digits.\n"
                 "      Prints the new site_id (--json: {\"site_id\": N, \"code\": ...}).\n"
                 "list  the sites (--json: an array of objects).\n");
}

static int
s_add(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "site add";
    const char *code = NULL, *name = NULL, *address = NULL, *phys = NULL, *riziv = NULL;
    const admin_opt_t opts[] = {{"--code", &code, NULL},
                                {"--name", &name, NULL},
                                {"--address", &address, NULL},
                                {"--physician-name", &phys, NULL},
                                {"--physician-riziv", &riziv, NULL},
                                {NULL, NULL, NULL}};
    if (admin_parse(ctx, cmd, argc, argv, 2, opts, NULL, 0, NULL) < 0 ||
        admin_require(cmd, "--code", code) < 0 || admin_require(cmd, "--name", name) < 0)
        return RL_EXIT_USAGE;
    size_t n = strlen(code);
    if (n < 2 || n > 32 || strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789-") != n ||
        code[0] == '-') {
        rl_cli_fail("%s: --code: '%s' is not a site code (2-32 of a-z, 0-9 and '-')", cmd, code);
        return RL_EXIT_FAIL;
    }
    if (riziv && (strlen(riziv) != 11 || strspn(riziv, "0123456789") != 11)) {
        rl_cli_fail("%s: --physician-riziv: a RIZIV number has 11 digits", cmd);
        return RL_EXIT_FAIL;
    }
    int rc = RL_EXIT_OK;
    const char *p[5] = {code, name, address, phys, riziv};
    char id[32];
    if (admin_insert_id(ctx, cmd, &rc, "inserting the site",
                        "INSERT INTO clinical.site (code, name, address, physician_name, "
                        "physician_riziv) VALUES ($1, $2, $3, $4, $5) "
                        "ON CONFLICT (code) DO NOTHING RETURNING site_id",
                        5, p, id, "a site with code '%s' already exists", code) < 0)
        return rc;
    admin_print_added(ctx, "site", "site_id", id, "code", code);
    return RL_EXIT_OK;
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_list(ctx, "site list", argc, argv, NULL, "listing the sites",
                      "SELECT site_id, code, name, physician_name, physician_riziv "
                      "FROM clinical.site ORDER BY code",
                      0, NULL, "site_id");
}

static const rl_cli_command_t s_subs[] = {
    {"add", "register a site", s_add},
    {"list", "the sites", s_list},
};

static const admin_group_t s_group = {"site", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_site_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
