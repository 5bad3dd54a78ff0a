/* `ruglab cohort`: groups ("groepen") of patients who start together in a
 * time block; `ruglab enrol --cohort CODE` puts a patient in one. */
#include "admin_util.h"

#include "ruglab/exitcode.h"

#include <stdio.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab cohort add --site SITE --code CODE --programme CODE --start "
                 "YYYY-MM-DD\n"
                 "                         [--time-block HH-HH]\n"
                 "       ruglab cohort list [--site SITE]\n\n"
                 "add   a group at a site: a programme template, a start date and a time\n"
                 "      block (e.g. 08-10, 13-15). CODE: 1-32 of A-Z, a-z, 0-9, '.', '_', '-',\n"
                 "      unique at the site. Prints the new cohort_id (--json).\n"
                 "list  the groups with their number of enrolled patients.\n");
}

static int
s_add(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "cohort add";
    const char *site = NULL, *code = NULL, *programme = NULL, *start = NULL, *block = NULL;
    const admin_opt_t opts[] = {{"--site", &site, NULL},           {"--code", &code, NULL},
                                {"--programme", &programme, NULL}, {"--start", &start, NULL},
                                {"--time-block", &block, NULL},    {NULL, NULL, NULL}};
    if (admin_parse(ctx, cmd, argc, argv, 2, opts, NULL, 0, NULL) < 0 ||
        admin_require(cmd, "--site", site) < 0 || admin_require(cmd, "--code", code) < 0 ||
        admin_require(cmd, "--programme", programme) < 0 ||
        admin_require(cmd, "--start", start) < 0)
        return RL_EXIT_USAGE;
    size_t n = strlen(code);
    if (n > 32 ||
        strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n) {
        rl_cli_fail("%s: --code: '%s' is not a group code (1-32 of A-Z, a-z, 0-9, '.', '_', '-')",
                    cmd, code);
        return RL_EXIT_FAIL;
    }
    if (block && (strlen(block) != 5 || strspn(block, "0123456789") != 2 || block[2] != '-' ||
                  strspn(block + 3, "0123456789") != 2)) {
        rl_cli_fail("%s: --time-block: '%s' is not HH-HH (e.g. 08-10)", cmd, block);
        return RL_EXIT_FAIL;
    }
    if (block) {
        int from = (block[0] - '0') * 10 + block[1] - '0',
            to = (block[3] - '0') * 10 + block[4] - '0';
        if (from > 23 || to > 24 || from >= to) {
            rl_cli_fail("%s: --time-block: '%s' is not a block of the day (hours 00-24, the first "
                        "before the second, e.g. 08-10)",
                        cmd, block);
            return RL_EXIT_FAIL;
        }
    }
    rl_date_t d;
    if (admin_parse_date(cmd, "--start", start, &d) < 0)
        return RL_EXIT_FAIL;
    int rc = RL_EXIT_OK;
    char site_id[32], programme_id[32], cohort_id[32];
    if (admin_find_site(ctx, cmd, &rc, site, site_id) < 0 ||
        admin_find_programme(ctx, cmd, &rc, programme, site_id, programme_id) < 0)
        return rc;
    const char *p[5] = {site_id, code, programme_id, start, block};
    if (admin_insert_id(ctx, cmd, &rc, "inserting the group",
                        "INSERT INTO clinical.cohort (site_id, code, programme_id, start_date, "
                        "time_block) VALUES ($1, $2, $3, $4, $5) "
                        "ON CONFLICT (site_id, code) DO NOTHING RETURNING cohort_id",
                        5, p, cohort_id, "a group '%s' already exists at site %s", code, site) < 0)
        return rc;
    admin_print_added(ctx, "group", "cohort_id", cohort_id, "code", code);
    return RL_EXIT_OK;
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *site = NULL;
    const admin_opt_t opts[] = {{"--site", &site, NULL}, {NULL, NULL, NULL}};
    return admin_list(
        ctx, "cohort list", argc, argv, opts, "listing the groups",
        "SELECT c.cohort_id, s.code AS site, c.code, p.code AS programme, c.start_date, "
        "c.time_block, (SELECT count(*) FROM clinical.enrolment e WHERE e.cohort_id = c.cohort_id "
        "AND e.status <> 'cancelled') AS patients "
        "FROM clinical.cohort c JOIN clinical.site s USING (site_id) "
        "JOIN clinical.programme p ON p.programme_id = c.programme_id "
        "WHERE $1::text IS NULL OR s.code = $1 ORDER BY s.code, c.start_date, c.code",
        1, &site, "cohort_id,patients");
}

static const rl_cli_command_t s_subs[] = {
    {"add", "a group at a site: programme, start date, time block", s_add},
    {"list", "the groups with their number of enrolled patients", s_list},
};

static const admin_group_t s_group = {"cohort", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_cohort_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
