/* `ruglab group`: the groups (cohorts) a site starts every few weeks, in a
 * time block; `ruglab enrol --cohort CODE` puts a patient in one. */
#include "admin_util.h"

#include "ruglab/exitcode.h"

#include <stdio.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab group add CODE --site CODE --programme CODE --start YYYY-MM-DD\n"
                 "                        [--time-block HH-HH]\n"
                 "       ruglab group list\n\n"
                 "add   registers a group (cohort) of a site: the patients who start a programme\n"
                 "      together, e.g. group 2026-A starting 2026-01-05 in time block 08-10.\n"
                 "      CODE: 1-32 of [A-Za-z0-9._-], unique per site. Prints the new cohort_id\n"
                 "      (--json: {\"cohort_id\": N, \"code\": ...}).\n"
                 "list  the groups with their number of enrolments (--json: an array).\n");
}

static int
s_add(admin_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "group add";
    const char *site = NULL, *programme = NULL, *start = NULL, *block = NULL, *code = NULL;
    const admin_opt_t opts[] = {{"--site", &site, NULL},
                                {"--programme", &programme, NULL},
                                {"--start", &start, NULL},
                                {"--time-block", &block, NULL},
                                {NULL, NULL, NULL}};
    int n_pos = 0;
    if (admin_parse(ctx, cmd, argc, argv, 2, opts, &code, 1, &n_pos) < 0)
        return RL_EXIT_USAGE;
    if (n_pos != 1) {
        admin_fail("%s: give the group's CODE (see ruglab group --help)", cmd);
        return RL_EXIT_USAGE;
    }
    if (admin_require(cmd, "--site", site) < 0 || admin_require(cmd, "--programme", programme) < 0 ||
        admin_require(cmd, "--start", start) < 0)
        return RL_EXIT_USAGE;
    rl_date_t d;
    if (admin_parse_date(cmd, "--start", start, &d) < 0)
        return RL_EXIT_FAIL;
    if (block && (strlen(block) != 5 || strspn(block, "0123456789") != 2 || block[2] != '-' ||
                  strspn(block + 3, "0123456789") != 2)) {
        admin_fail("%s: --time-block: '%s' is not a time block like 08-10", cmd, block);
        return RL_EXIT_FAIL;
    }
    int rc = RL_EXIT_OK;
    char site_id[32], programme_id[32];
    const char *ps[1] = {site};
    const char *pp[1] = {programme};
    if (admin_need_id(ctx, cmd, &rc, "SELECT site_id FROM clinical.site WHERE code = $1", 1, ps,
                      site_id, "unknown site '%s' (see ruglab site list)", site) < 0 ||
        admin_need_id(ctx, cmd, &rc, "SELECT programme_id FROM clinical.programme WHERE code = $1",
                      1, pp, programme_id, "unknown programme '%s' (see ruglab programme list)",
                      programme) < 0)
        return rc;
    const char *p[5] = {site_id, code, programme_id, start, block};
    PGresult *res = admin_exec(ctx, cmd, &rc, "inserting the group",
                               "INSERT INTO clinical.cohort (site_id, code, programme_id, "
                               "start_date, time_block) VALUES ($1, $2, $3, $4, $5) "
                               "ON CONFLICT (site_id, code) DO NOTHING RETURNING cohort_id",
                               5, p);
    if (!res)
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        admin_fail("%s: site '%s' already has a group '%s'", cmd, site, code);
        return RL_EXIT_FAIL;
    }
    admin_print_added(ctx, "group", "cohort_id", PQgetvalue(res, 0, 0), "code", code);
    PQclear(res);
    return RL_EXIT_OK;
}

static int
s_list(admin_ctx_t *ctx, int argc, char **argv)
{
    return admin_list(ctx, "group list", argc, argv, "listing the groups",
                      "SELECT c.cohort_id, s.code AS site, c.code, p.code AS programme, "
                      "c.start_date, c.time_block, count(e.enrolment_id) AS enrolments "
                      "FROM clinical.cohort c JOIN clinical.site s USING (site_id) "
                      "JOIN clinical.programme p USING (programme_id) "
                      "LEFT JOIN clinical.enrolment e USING (cohort_id) "
                      "GROUP BY c.cohort_id, s.code, p.code ORDER BY s.code, c.start_date, c.code",
                      0, NULL, "cohort_id,enrolments");
}

int
admin_group_main(admin_ctx_t *ctx, int argc, char **argv)
{
    static const admin_sub_t subs[] = {{"add", s_add}, {"list", s_list}, {NULL, NULL}};
    return admin_dispatch(ctx, "group", argc, argv, s_usage, subs);
}
