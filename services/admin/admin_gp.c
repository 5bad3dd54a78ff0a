/* `ruglab gp`: general practitioners (huisartsen), the addressees of the
 * final report. Identity data: stored in the identity schema. */
#include "admin_util.h"

#include "ruglab/exitcode.h"

#include <stdio.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab gp add --riziv NUMBER --family-name NAME --given-name NAME\n"
                 "                     [--address TEXT] [--postal-code CODE] [--city CITY]\n"
                 "                     [--phone PHONE] [--email EMAIL]\n"
                 "       ruglab gp list\n\n"
                 "add   registers a GP by RIZIV/INAMI (NIHII) number (11 digits, unique).\n"
                 "      Prints the new gp_id (--json: {\"gp_id\": N, \"riziv\": ...}).\n"
                 "list  the GPs (--json: an array of objects).\n");
}

static int
s_add(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "gp add";
    const char *riziv = NULL, *family = NULL, *given = NULL, *address = NULL, *postal = NULL,
               *city = NULL, *phone = NULL, *email = NULL;
    const admin_opt_t opts[] = {{"--riziv", &riziv, NULL},
                                {"--family-name", &family, NULL},
                                {"--given-name", &given, NULL},
                                {"--address", &address, NULL},
                                {"--postal-code", &postal, NULL},
                                {"--city", &city, NULL},
                                {"--phone", &phone, NULL},
                                {"--email", &email, NULL},
                                {NULL, NULL, NULL}};
    if (admin_parse(ctx, cmd, argc, argv, 2, opts, NULL, 0, NULL) < 0 ||
        admin_require(cmd, "--riziv", riziv) < 0 ||
        admin_require(cmd, "--family-name", family) < 0 ||
        admin_require(cmd, "--given-name", given) < 0)
        return RL_EXIT_USAGE;
    if (strlen(riziv) != 11 || strspn(riziv, "0123456789") != 11) {
        rl_cli_fail("%s: --riziv: a RIZIV number has 11 digits", cmd);
        return RL_EXIT_FAIL;
    }
    if (strlen(family) > 100 || strlen(given) > 100) {
        rl_cli_fail("%s: a name is longer than 100 characters", cmd);
        return RL_EXIT_FAIL;
    }
    int rc = RL_EXIT_OK;
    const char *p[8] = {riziv, family, given, address, postal, city, phone, email};
    char id[32];
    if (admin_insert_id(
            ctx, cmd, &rc, "inserting the GP",
            "INSERT INTO identity.gp (riziv, family_name, given_name, address, postal_code, city, "
            "phone, email) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            "ON CONFLICT (riziv) DO NOTHING RETURNING gp_id",
            8, p, id, "a GP with RIZIV number %s already exists", riziv) < 0)
        return rc;
    admin_print_added(ctx, "GP", "gp_id", id, "riziv", riziv);
    return RL_EXIT_OK;
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_list(ctx, "gp list", argc, argv, NULL, "listing the GPs",
                      "SELECT gp_id, riziv, family_name, given_name, postal_code, city "
                      "FROM identity.gp ORDER BY family_name, given_name, gp_id",
                      0, NULL, "gp_id");
}

static const rl_cli_command_t s_subs[] = {
    {"add", "register a GP by RIZIV number", s_add},
    {"list", "the GPs", s_list},
};

static const admin_group_t s_group = {"gp", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_gp_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
