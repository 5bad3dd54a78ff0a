/* `ruglab registry`: the cross-site quality registry. Each site's
 * database publishes quality.enrolment and quality.outcome (publication
 * ruglab_quality, migration 400); a registry database carries the same
 * schema (`registry init` migrates it and marks it as a registry, so that a
 * refresh there is refused) and subscribes to each site (`registry
 * add-site`). Keys are SITE:ID, unique across sites.
 *
 * Roles: in PostgreSQL 15 only a superuser may CREATE SUBSCRIPTION, so
 * add-site connects to the registry as `postgres` unless --registry-db
 * names another (superuser) user. The subscription connects to the site
 * with the connection string given as --site-db, as the user it names: a
 * role with the REPLICATION attribute and SELECT on the two quality
 * tables (a site's DBA creates it; the local test clusters use postgres). */
#include "admin.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/mem.h"
#include "ruglab/migrate.h"
#include "ruglab/paths.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab registry init --registry-db CONNINFO [--sql-dir DIR]\n"
            "       ruglab registry add-site NAME --site-db CONNINFO --registry-db CONNINFO\n"
            "       ruglab registry list --registry-db CONNINFO\n\n"
            "init      migrates the registry database (as ruglab_admin unless CONNINFO names a\n"
            "          user) and marks it as a registry: its quality tables are filled by\n"
            "          replication from the sites, never by a refresh.\n"
            "add-site  subscribes the registry to the site's publication ruglab_quality\n"
            "          (quality.enrolment, quality.outcome), copying what is there and\n"
            "          following every change. Needs a superuser on the registry (PostgreSQL\n"
            "          15): --registry-db connects as postgres unless it names a user. The\n"
            "          site is reached with --site-db as given, by the user it names (a role\n"
            "          with REPLICATION and SELECT on the quality tables).\n"
            "list      the subscribed sites and the state of their replication.\n\n"
            "Then: ruglab-outcomes --db REGISTRY-CONNINFO summary --by site\n");
}

static const char *
s_opt(int argc, char **argv, const char *name)
{
    for (int i = 2; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return argv[i + 1];
    return NULL;
}

static int
s_check_args(int argc, char **argv, int first, const char *const *allowed)
{
    for (int i = first; i < argc; i++) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (!strcmp(argv[i], *a) && i + 1 < argc) {
                ok = true;
                i++;
                break;
            }
        if (!ok) {
            rl_cli_fail("registry %s: unexpected argument '%s' (see ruglab registry --help)",
                        argv[1], argv[i]);
            return -1;
        }
    }
    return 0;
}

static int
s_init(int argc, char **argv)
{
    static const char *const allowed[] = {"--registry-db", "--sql-dir", NULL};
    if (s_check_args(argc, argv, 2, allowed) < 0)
        return RL_EXIT_USAGE;
    const char *reg = s_opt(argc, argv, "--registry-db");
    if (!reg) {
        rl_cli_fail("registry init: --registry-db CONNINFO is required");
        return RL_EXIT_USAGE;
    }
    rl_err_t err;
    PGconn *conn = rl_db_connect(reg, "ruglab_admin", &err);
    if (!conn) {
        rl_cli_fail("registry init: %s", err.msg);
        return RL_EXIT_DB;
    }
    int rc = RL_EXIT_OK;
    char *dir = rl_paths_sql_dir(s_opt(argc, argv, "--sql-dir"));
    FILE *devnull = fopen("/dev/null", "w");
    if (rl_migrate_run(conn, dir, devnull ? devnull : stderr, &err) < 0) {
        rl_cli_fail("registry init: %s", err.msg);
        rc = RL_EXIT_DB;
        goto out;
    }
    PGresult *res = rl_db_exec(conn, &err, "marking the database as a registry",
                               "INSERT INTO quality.node (is_registry) VALUES (true) "
                               "ON CONFLICT (only_row) DO NOTHING",
                               0, NULL);
    if (!res) {
        rl_cli_fail("registry init: %s", err.msg);
        rc = RL_EXIT_DB;
        goto out;
    }
    PQclear(res);
    /* a registry has no clinical data of its own to publish */
    res = rl_db_exec(conn, &err, "dropping the registry's own publication",
                     "DROP PUBLICATION IF EXISTS ruglab_quality", 0, NULL);
    if (!res) {
        rl_cli_fail("registry init: %s", err.msg);
        rc = RL_EXIT_DB;
        goto out;
    }
    PQclear(res);
    char *target = rl_db_describe(reg, "ruglab_admin");
    printf("registry ready: %s\n", target);
    free(target);
out:
    if (devnull)
        fclose(devnull);
    free(dir);
    PQfinish(conn);
    return rc;
}

static int
s_add_site(int argc, char **argv)
{
    if (argc < 3 || argv[2][0] == '-') {
        rl_cli_fail("registry add-site: NAME is required (ruglab registry add-site NAME "
                    "--site-db CONNINFO --registry-db CONNINFO)");
        return RL_EXIT_USAGE;
    }
    static const char *const allowed[] = {"--site-db", "--registry-db", NULL};
    if (s_check_args(argc, argv, 3, allowed) < 0)
        return RL_EXIT_USAGE;
    const char *name = argv[2];
    const char *site = s_opt(argc, argv, "--site-db");
    const char *reg = s_opt(argc, argv, "--registry-db");
    if (!site || !reg) {
        rl_cli_fail("registry add-site: --site-db and --registry-db are required");
        return RL_EXIT_USAGE;
    }
    regex_t re;
    if (regcomp(&re, "^[a-z0-9][a-z0-9_-]{0,39}$", REG_EXTENDED | REG_NOSUB) != 0)
        abort();
    int bad = regexec(&re, name, 0, NULL, 0);
    regfree(&re);
    if (bad) {
        rl_cli_fail("registry add-site: invalid site name '%s' (lower-case letters, digits, '-', "
                    "'_', at most 40)",
                    name);
        return RL_EXIT_FAIL;
    }

    int rc = RL_EXIT_OK;
    rl_err_t err;
    PGconn *sconn = NULL, *rconn = NULL;
    PGresult *res = NULL;
    char *sub = NULL, *sub_id = NULL, *lit = NULL, *sql = NULL, *target = NULL;

    /* the site: reachable, and publishing */
    sconn = rl_db_connect(site, NULL, &err);
    if (!sconn) {
        rl_cli_fail("registry add-site %s: site: %s", name, err.msg);
        rc = RL_EXIT_DB;
        goto out;
    }
    res =
        rl_db_exec(sconn, &err, "reading the site's publication",
                   "SELECT count(*) FROM pg_publication WHERE pubname = 'ruglab_quality'", 0, NULL);
    if (!res) {
        rl_cli_fail("registry add-site %s: site: %s", name, err.msg);
        rc = RL_EXIT_DB;
        goto out;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "1") != 0) {
        rl_cli_fail("registry add-site %s: the site database has no publication ruglab_quality "
                    "(run ruglab db migrate there)",
                    name);
        rc = RL_EXIT_FAIL;
        goto out;
    }
    PQclear(res);
    res = NULL;

    /* the registry */
    rconn = rl_db_connect(reg, "postgres", &err);
    if (!rconn) {
        rl_cli_fail("registry add-site %s: registry: %s", name, err.msg);
        rc = RL_EXIT_DB;
        goto out;
    }
    res = rl_db_exec(rconn, &err, "checking the registry",
                     "SELECT EXISTS (SELECT 1 FROM quality.node WHERE is_registry), "
                     "EXISTS (SELECT 1 FROM quality.registry_site WHERE name = $1)",
                     1, (const char *const[]){name});
    if (!res) {
        rl_cli_fail("registry add-site %s: registry: %s (run ruglab registry init)", name, err.msg);
        rc = RL_EXIT_DB;
        goto out;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        rl_cli_fail("registry add-site %s: the registry database is not a registry (run ruglab "
                    "registry init --registry-db ...)",
                    name);
        rc = RL_EXIT_FAIL;
        goto out;
    }
    if (strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
        rl_cli_fail("registry add-site %s: a site of that name is already subscribed", name);
        rc = RL_EXIT_FAIL;
        goto out;
    }
    PQclear(res);
    res = NULL;

    /* Keys are SITE:ID: a site code that already comes from another
     * subscription would collide (the same site added twice under two
     * names, or two sites sharing a code). */
    res = rl_db_exec(
        sconn, &err, "reading the site's site codes",
        "SELECT coalesce(array_agg(DISTINCT site_code), '{}')::text FROM quality.enrolment", 0,
        NULL);
    if (!res) {
        rl_cli_fail("registry add-site %s: site: %s", name, err.msg);
        rc = RL_EXIT_DB;
        goto out;
    }
    char *codes = rl_strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    res = rl_db_exec(rconn, &err, "comparing site codes",
                     "SELECT string_agg(DISTINCT site_code, ', ') FROM quality.enrolment "
                     "WHERE site_code = ANY ($1::text[])",
                     1, (const char *const[]){codes});
    free(codes);
    if (!res) {
        rl_cli_fail("registry add-site %s: registry: %s", name, err.msg);
        rc = RL_EXIT_DB;
        goto out;
    }
    if (!PQgetisnull(res, 0, 0)) {
        rl_cli_fail("registry add-site %s: site code(s) %s already in the registry from another "
                    "site; site codes must be unique across the registry",
                    name, PQgetvalue(res, 0, 0));
        rc = RL_EXIT_FAIL;
        goto out;
    }
    PQclear(res);
    res = NULL;

    /* CREATE SUBSCRIPTION takes no parameters and cannot run in a function
     * (it must not be inside a transaction): the name and the connection
     * string are quoted by libpq. */
    sub = rl_asprintf("ruglab_site_%s", name);
    for (char *p = sub; *p; p++)
        if (*p == '-')
            *p = '_';
    sub_id = PQescapeIdentifier(rconn, sub, strlen(sub));
    lit = PQescapeLiteral(rconn, site, strlen(site));
    if (!sub_id || !lit) {
        rl_cli_fail("registry add-site %s: %s", name, rl_db_error(rconn));
        rc = RL_EXIT_DB;
        goto out;
    }
    sql =
        rl_asprintf("CREATE SUBSCRIPTION %s CONNECTION %s PUBLICATION ruglab_quality", sub_id, lit);
    res = rl_db_exec(rconn, &err, "creating the subscription", sql, 0, NULL);
    if (!res) {
        rl_cli_fail("registry add-site %s: %s", name, err.msg);
        rc = RL_EXIT_DB;
        goto out;
    }
    PQclear(res);
    target = rl_db_describe(site, NULL);
    res = rl_db_exec(rconn, &err, "recording the site",
                     "INSERT INTO quality.registry_site (name, subscription, site_target) "
                     "VALUES ($1, $2, $3)",
                     3, (const char *const[]){name, sub, target});
    if (!res) {
        rl_cli_fail("registry add-site %s: %s", name, err.msg);
        rc = RL_EXIT_DB;
        goto out;
    }
    printf("site %s added: subscription %s to %s\n", name, sub, target);
out:
    PQclear(res);
    if (sub_id)
        PQfreemem(sub_id);
    if (lit)
        PQfreemem(lit);
    free(sub);
    free(sql);
    free(target);
    if (sconn)
        PQfinish(sconn);
    if (rconn)
        PQfinish(rconn);
    return rc;
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    static const char *const allowed[] = {"--registry-db", NULL};
    if (s_check_args(argc, argv, 2, allowed) < 0)
        return RL_EXIT_USAGE;
    const char *reg = s_opt(argc, argv, "--registry-db");
    if (!reg) {
        rl_cli_fail("registry list: --registry-db CONNINFO is required");
        return RL_EXIT_USAGE;
    }
    rl_err_t err;
    PGconn *conn = rl_db_connect(reg, "postgres", &err);
    if (!conn) {
        rl_cli_fail("registry list: %s", err.msg);
        return RL_EXIT_DB;
    }
    PGresult *res = rl_db_exec(
        conn, &err, "listing the sites",
        "SELECT r.name, r.subscription, r.site_target, s.subenabled, "
        "       (SELECT max(st.last_msg_receipt_time)::text FROM pg_stat_subscription st "
        "        WHERE st.subname = r.subscription), "
        "       (SELECT count(*) FROM quality.enrolment) "
        "FROM quality.registry_site r LEFT JOIN pg_subscription s ON s.subname = r.subscription "
        "ORDER BY r.name",
        0, NULL);
    if (!res) {
        rl_cli_fail("registry list: %s", err.msg);
        PQfinish(conn);
        return RL_EXIT_DB;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        if (rl_cli_json(ctx))
            printf("{\"name\":\"%s\",\"subscription\":\"%s\",\"enabled\":%s,\"last_message\":%s%s%"
                   "s}\n",
                   PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
                   strcmp(PQgetvalue(res, r, 3), "t") ? "false" : "true",
                   PQgetisnull(res, r, 4) ? "" : "\"",
                   PQgetisnull(res, r, 4) ? "null" : PQgetvalue(res, r, 4),
                   PQgetisnull(res, r, 4) ? "" : "\"");
        else
            printf("%-20s %-28s %s  last message: %s\n", PQgetvalue(res, r, 0),
                   PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
                   PQgetisnull(res, r, 4) ? "none" : PQgetvalue(res, r, 4));
    }
    if (PQntuples(res) == 0 && !rl_cli_json(ctx))
        printf("no sites in this registry (ruglab registry add-site)\n");
    PQclear(res);
    PQfinish(conn);
    return RL_EXIT_OK;
}

int
admin_registry_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    if (argc < 2 || rl_cli_wants_help(argc, argv)) {
        s_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? RL_EXIT_USAGE : RL_EXIT_OK;
    }
    if (!strcmp(argv[1], "init"))
        return s_init(argc, argv);
    if (!strcmp(argv[1], "add-site"))
        return s_add_site(argc, argv);
    if (!strcmp(argv[1], "list"))
        return s_list(ctx, argc, argv);
    rl_cli_fail("registry: unknown subcommand '%s' (init, add-site, list)", argv[1]);
    return RL_EXIT_USAGE;
}
