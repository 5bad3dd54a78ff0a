/* `ruglab programme`: programme templates. The seed variants come with
 * the schema; a site adds its own (checked by programme.h). */
#include "admin_util.h"

#include "ruglab/exitcode.h"
#include "ruglab/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab programme list\n"
            "       ruglab programme show CODE\n"
            "       ruglab programme add --site SITE --code CODE --name NAME\n"
            "                            --exercise N --information N --max-per-week N\n"
            "                            (--max-weeks N | --max-days N) --mid-test-session N\n"
            "                            [--extra N] [--min-minutes N] [--description TEXT]\n"
            "                            [--name-en NAME] [--region lumbar|cervical]\n\n"
            "list  every template: the seed variants (mrr-36, rugschool-30,\n"
            "      rugschool-36-18w, the neck school nekschool-12) and the sites' own.\n"
            "show  one template.\n"
            "add   a site's own template: total sessions = exercise + information;\n"
            "      at most --max-per-week attended sessions in a calendar week, within\n"
            "      --max-weeks/--max-days of the start, up to --extra sessions beyond\n"
            "      the total; the mid test falls at session --mid-test-session; a session\n"
            "      lasts at least --min-minutes (default 120, the RIZIV rule). --name-en:\n"
            "      the name in letters in English (without it they give --name and say\n"
            "      it is the programme's own name). --region: the body region whose\n"
            "      device values count (default lumbar; the neck school's is cervical):\n"
            "      tests and training on a device of the other region are kept but\n"
            "      never compared, charted or summarised with them.\n"
            "      Prints the new programme_id (--json: {\"programme_id\": N, \"code\": ...}).\n");
}

static const char *s_columns =
    "SELECT p.programme_id, p.code, p.name, s.code AS site, p.total_sessions, "
    "p.exercise_sessions, p.information_sessions, p.max_per_week, p.max_duration_days, "
    "p.max_extra_sessions, p.mid_test_session, p.min_session_minutes, p.body_region, p.name_en";

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    char *sql = rl_asprintf("%s FROM clinical.programme p LEFT JOIN clinical.site s USING "
                            "(site_id) ORDER BY p.site_id NULLS FIRST, p.code",
                            s_columns);
    int rc =
        admin_list(ctx, "programme list", argc, argv, NULL, "listing the programmes", sql, 0, NULL,
                   "programme_id,total_sessions,exercise_sessions,information_sessions,"
                   "max_per_week,max_duration_days,max_extra_sessions,mid_test_session,"
                   "min_session_minutes");
    free(sql);
    return rc;
}

static int
s_show(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "programme show";
    const admin_opt_t opts[] = {{NULL, NULL, NULL}};
    const char *code = NULL;
    if (admin_parse_arg(ctx, cmd, argc, argv, 2, opts, "give the programme code", &code) < 0)
        return RL_EXIT_USAGE;
    int rc = RL_EXIT_OK;
    char *sql = rl_asprintf("%s, p.description FROM clinical.programme p LEFT JOIN clinical.site s "
                            "USING (site_id) WHERE p.code = $1",
                            s_columns);
    PGresult *res = admin_exec(ctx, cmd, &rc, "reading the programme", sql, 1, &code);
    free(sql);
    if (!res)
        return rc;
    if (PQntuples(res) != 1) {
        PQclear(res);
        rl_cli_fail("%s: unknown programme '%s' (see ruglab programme list)", cmd, code);
        return RL_EXIT_FAIL;
    }
    if (rl_cli_json(ctx)) {
        json_t *o = json_object();
        for (int c = 0; c < PQnfields(res); c++)
            json_object_set_new(
                o, PQfname(res, c),
                admin_json_value(res, 0, c, c == 0 || (c >= 4 && c <= 11))); /* the counts */
        admin_json_print(o);
    } else {
        for (int c = 0; c < PQnfields(res); c++)
            printf("%-22s %s\n", PQfname(res, c),
                   PQgetisnull(res, 0, c) ? "-" : PQgetvalue(res, 0, c));
    }
    PQclear(res);
    return RL_EXIT_OK;
}

static int
s_int(const char *cmd, const char *option, const char *s, int min, int max, int *out)
{
    double v;
    if (admin_parse_number(cmd, option, s, min, max, &v) < 0)
        return -1;
    if (v != (int)v) {
        rl_cli_fail("%s: %s: '%s' is not a whole number", cmd, option, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int
s_add(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "programme add";
    const char *site = NULL, *code = NULL, *name = NULL, *ex = NULL, *info = NULL, *week = NULL,
               *weeks = NULL, *days = NULL, *mid = NULL, *extra = "0", *minutes = "120",
               *descr = NULL, *name_en = NULL, *region = "lumbar";
    const admin_opt_t opts[] = {{"--site", &site, NULL},
                                {"--code", &code, NULL},
                                {"--name", &name, NULL},
                                {"--name-en", &name_en, NULL},
                                {"--exercise", &ex, NULL},
                                {"--information", &info, NULL},
                                {"--max-per-week", &week, NULL},
                                {"--max-weeks", &weeks, NULL},
                                {"--max-days", &days, NULL},
                                {"--mid-test-session", &mid, NULL},
                                {"--extra", &extra, NULL},
                                {"--min-minutes", &minutes, NULL},
                                {"--description", &descr, NULL},
                                {"--region", &region, NULL},
                                {NULL, NULL, NULL}};
    if (admin_parse(ctx, cmd, argc, argv, 2, opts, NULL, 0, NULL) < 0 ||
        admin_require(cmd, "--site", site) < 0 || admin_require(cmd, "--code", code) < 0 ||
        admin_require(cmd, "--name", name) < 0 || admin_require(cmd, "--exercise", ex) < 0 ||
        admin_require(cmd, "--information", info) < 0 ||
        admin_require(cmd, "--max-per-week", week) < 0 ||
        admin_require(cmd, "--mid-test-session", mid) < 0)
        return RL_EXIT_USAGE;
    if (!weeks == !days) {
        rl_cli_fail("%s: give one of --max-weeks, --max-days", cmd);
        return RL_EXIT_USAGE;
    }
    size_t n = strlen(code);
    if (n < 2 || n > 32 || strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789-") != n ||
        code[0] == '-') {
        rl_cli_fail("%s: --code: '%s' is not a programme code (2-32 of a-z, 0-9 and '-')", cmd,
                    code);
        return RL_EXIT_FAIL;
    }
    rl_programme_t t = {.code = code, .name = name};
    int min_minutes, max_weeks = 0;
    if (s_int(cmd, "--exercise", ex, 0, 200, &t.exercise_sessions) < 0 ||
        s_int(cmd, "--information", info, 0, 200, &t.information_sessions) < 0 ||
        s_int(cmd, "--max-per-week", week, 1, 7, &t.max_per_week) < 0 ||
        (weeks && s_int(cmd, "--max-weeks", weeks, 1, 104, &max_weeks) < 0) ||
        (days && s_int(cmd, "--max-days", days, 7, 730, &t.max_duration_days) < 0) ||
        s_int(cmd, "--mid-test-session", mid, 1, 200, &t.mid_test_session) < 0 ||
        s_int(cmd, "--extra", extra, 0, 200, &t.max_extra_sessions) < 0 ||
        s_int(cmd, "--min-minutes", minutes, 10, 600, &min_minutes) < 0)
        return RL_EXIT_FAIL;
    rl_err_t err;
    if (rl_body_region_parse(region, &t.body_region, &err) < 0) {
        rl_cli_fail("%s: --region: %s", cmd, err.msg);
        return RL_EXIT_FAIL;
    }
    if (weeks)
        t.max_duration_days = max_weeks * 7;
    t.total_sessions = t.exercise_sessions + t.information_sessions;
    if (rl_programme_check_template(&t, &err) < 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        return RL_EXIT_FAIL;
    }
    int rc = RL_EXIT_OK;
    char site_id[32], id[32];
    if (admin_find_site(ctx, cmd, &rc, site, site_id) < 0)
        return rc;
    char total[16], days_s[16];
    snprintf(total, sizeof total, "%d", t.total_sessions);
    snprintf(days_s, sizeof days_s, "%d", t.max_duration_days);
    const char *p[14] = {
        code,   name,  site_id, total,   ex,    info,    week,
        days_s, extra, mid,     minutes, descr, name_en, rl_body_region_name(t.body_region)};
    if (admin_insert_id(
            ctx, cmd, &rc, "inserting the programme",
            "INSERT INTO clinical.programme (code, name, site_id, total_sessions, "
            "exercise_sessions, "
            "information_sessions, max_per_week, max_duration_days, max_extra_sessions, "
            "mid_test_session, min_session_minutes, description, name_en, body_region) VALUES ($1, "
            "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (code) DO "
            "NOTHING "
            "RETURNING programme_id",
            14, p, id, "a programme with code '%s' already exists", code) < 0)
        return rc;
    admin_print_added(ctx, "programme", "programme_id", id, "code", code);
    return RL_EXIT_OK;
}

static const rl_cli_command_t s_subs[] = {
    {"list", "every template: the seed variants and the sites' own", s_list},
    {"show", "one template", s_show},
    {"add", "a site's own template", s_add},
};

static const admin_group_t s_group = {"programme", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_programme_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
