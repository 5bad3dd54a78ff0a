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
#include "admin_util.h"

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

/* Checks the arguments from argv[first] on and connects to --registry-db
 * as role (unless it names a user); an RL_EXIT_* code. */
static int
s_connect_registry(int argc, char **argv, int first, const char *const *allowed, const char *role,
                   PGconn **conn)
{
    if (s_check_args(argc, argv, first, allowed) < 0)
        return RL_EXIT_USAGE;
    const char *reg = s_opt(argc, argv, "--registry-db");
    if (!reg) {
        rl_cli_fail("registry %s: --registry-db CONNINFO is required", argv[1]);
        return RL_EXIT_USAGE;
    }
    rl_err_t err;
    *conn = rl_db_connect(reg, role, &err);
    if (!*conn) {
        rl_cli_fail("registry %s: %s", argv[1], err.msg);
        return RL_EXIT_DB;
    }
    return RL_EXIT_OK;
}

/* Runs one statement whose result is not needed; prints "registry init:
 * <error>". */
static int
s_init_exec(PGconn *conn, const char *what, const char *sql)
{
    rl_err_t err;
    PGresult *res = rl_db_exec(conn, &err, what, sql, 0, NULL);
    if (!res) {
        rl_cli_fail("registry init: %s", err.msg);
        return -1;
    }
    PQclear(res);
    return 0;
}

static int
s_init(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    (void)ctx;
    static const char *const allowed[] = {"--registry-db", "--sql-dir", NULL};
    PGconn *conn = NULL;
    int rc = s_connect_registry(argc, argv, 2, allowed, "ruglab_admin", &conn);
    if (rc != RL_EXIT_OK)
        return rc;
    rl_err_t err;
    char *dir = rl_paths_sql_dir(s_opt(argc, argv, "--sql-dir"));
    FILE *devnull = fopen("/dev/null", "w");
    if (rl_migrate_run(conn, dir, devnull ? devnull : stderr, &err) < 0) {
        rl_cli_fail("registry init: %s", err.msg);
        rc = RL_EXIT_DB;
    } else if (s_init_exec(conn, "marking the database as a registry",
                           "INSERT INTO quality.node (is_registry) VALUES (true) "
                           "ON CONFLICT (only_row) DO NOTHING") < 0 ||
               /* a registry has no clinical data of its own to publish */
               s_init_exec(conn, "dropping the registry's own publication",
                           "DROP PUBLICATION IF EXISTS ruglab_quality") < 0) {
        rc = RL_EXIT_DB;
    } else {
        char *target = rl_db_describe(s_opt(argc, argv, "--registry-db"), "ruglab_admin");
        printf("registry ready: %s\n", target);
        free(target);
    }
    if (devnull)
        fclose(devnull);
    free(dir);
    PQfinish(conn);
    return rc;
}

/* ---- add-site ---- */

typedef struct {
    const char *name, *site, *reg;
} s_add_site_opts_t;

/* The two databases of add-site and what it makes. */
typedef struct {
    PGconn *sconn, *rconn;
    char *sub;    /* the subscription's name */
    char *target; /* the site as the registry records it */
} s_add_site_t;

/* An RL_EXIT_* code. */
static int
s_add_site_parse(int argc, char **argv, s_add_site_opts_t *o)
{
    if (argc < 3 || argv[2][0] == '-') {
        rl_cli_fail("registry add-site: NAME is required (ruglab registry add-site NAME "
                    "--site-db CONNINFO --registry-db CONNINFO)");
        return RL_EXIT_USAGE;
    }
    static const char *const allowed[] = {"--site-db", "--registry-db", NULL};
    if (s_check_args(argc, argv, 3, allowed) < 0)
        return RL_EXIT_USAGE;
    o->name = argv[2];
    o->site = s_opt(argc, argv, "--site-db");
    o->reg = s_opt(argc, argv, "--registry-db");
    if (!o->site || !o->reg) {
        rl_cli_fail("registry add-site: --site-db and --registry-db are required");
        return RL_EXIT_USAGE;
    }
    regex_t re;
    if (regcomp(&re, "^[a-z0-9][a-z0-9_-]{0,39}$", REG_EXTENDED | REG_NOSUB) != 0)
        abort();
    int bad = regexec(&re, o->name, 0, NULL, 0);
    regfree(&re);
    if (bad) {
        rl_cli_fail("registry add-site: invalid site name '%s' (lower-case letters, digits, '-', "
                    "'_', at most 40)",
                    o->name);
        return RL_EXIT_FAIL;
    }
    return RL_EXIT_OK;
}

/* "registry add-site NAME: [where: ]<err>" for a database error. */
static int
s_db_failed(const char *name, const char *where, const rl_err_t *err)
{
    rl_cli_fail("registry add-site %s: %s%s%s", name, where ? where : "", where ? ": " : "",
                err->msg);
    return RL_EXIT_DB;
}

/* The site: reachable, and publishing. */
static int
s_check_site(const s_add_site_opts_t *o, s_add_site_t *m)
{
    rl_err_t err;
    m->sconn = rl_db_connect(o->site, NULL, &err);
    if (!m->sconn)
        return s_db_failed(o->name, "site", &err);
    PGresult *res =
        rl_db_exec(m->sconn, &err, "reading the site's publication",
                   "SELECT count(*) FROM pg_publication WHERE pubname = 'ruglab_quality'", 0, NULL);
    if (!res)
        return s_db_failed(o->name, "site", &err);
    bool publishing = strcmp(PQgetvalue(res, 0, 0), "1") == 0;
    PQclear(res);
    if (!publishing) {
        rl_cli_fail("registry add-site %s: the site database has no publication ruglab_quality "
                    "(run ruglab db migrate there)",
                    o->name);
        return RL_EXIT_FAIL;
    }
    return RL_EXIT_OK;
}

/* The registry: reachable as a superuser, a registry, without this site. */
static int
s_check_registry(const s_add_site_opts_t *o, s_add_site_t *m)
{
    rl_err_t err;
    m->rconn = rl_db_connect(o->reg, "postgres", &err);
    if (!m->rconn)
        return s_db_failed(o->name, "registry", &err);
    PGresult *res = rl_db_exec(m->rconn, &err, "checking the registry",
                               "SELECT EXISTS (SELECT 1 FROM quality.node WHERE is_registry), "
                               "EXISTS (SELECT 1 FROM quality.registry_site WHERE name = $1)",
                               1, (const char *const[]){o->name});
    if (!res) {
        rl_cli_fail("registry add-site %s: registry: %s (run ruglab registry init)", o->name,
                    err.msg);
        return RL_EXIT_DB;
    }
    bool registry = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    bool known = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    PQclear(res);
    if (!registry) {
        rl_cli_fail("registry add-site %s: the registry database is not a registry (run ruglab "
                    "registry init --registry-db ...)",
                    o->name);
        return RL_EXIT_FAIL;
    }
    if (known) {
        rl_cli_fail("registry add-site %s: a site of that name is already subscribed", o->name);
        return RL_EXIT_FAIL;
    }
    return RL_EXIT_OK;
}

/* Keys are SITE:ID: a site code that already comes from another
 * subscription would collide (the same site added twice under two names,
 * or two sites sharing a code). */
static int
s_check_codes(const s_add_site_opts_t *o, s_add_site_t *m)
{
    rl_err_t err;
    PGresult *res = rl_db_exec(
        m->sconn, &err, "reading the site's site codes",
        "SELECT coalesce(array_agg(DISTINCT site_code), '{}')::text FROM quality.enrolment", 0,
        NULL);
    if (!res)
        return s_db_failed(o->name, "site", &err);
    char *codes = rl_strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    res = rl_db_exec(m->rconn, &err, "comparing site codes",
                     "SELECT string_agg(DISTINCT site_code, ', ') FROM quality.enrolment "
                     "WHERE site_code = ANY ($1::text[])",
                     1, (const char *const[]){codes});
    free(codes);
    if (!res)
        return s_db_failed(o->name, "registry", &err);
    int rc = RL_EXIT_OK;
    if (!PQgetisnull(res, 0, 0)) {
        rl_cli_fail("registry add-site %s: site code(s) %s already in the registry from another "
                    "site; site codes must be unique across the registry",
                    o->name, PQgetvalue(res, 0, 0));
        rc = RL_EXIT_FAIL;
    }
    PQclear(res);
    return rc;
}

/* CREATE SUBSCRIPTION takes no parameters and cannot run in a function (it
 * must not be inside a transaction): the name and the connection string
 * are quoted by libpq. Then the site is recorded. */
static int
s_subscribe(const s_add_site_opts_t *o, s_add_site_t *m)
{
    rl_err_t err;
    m->sub = rl_asprintf("ruglab_site_%s", o->name);
    for (char *p = m->sub; *p; p++)
        if (*p == '-')
            *p = '_';
    char *sub_id = PQescapeIdentifier(m->rconn, m->sub, strlen(m->sub));
    char *lit = PQescapeLiteral(m->rconn, o->site, strlen(o->site));
    char *sql = NULL;
    PGresult *res = NULL;
    int rc = RL_EXIT_OK;
    if (!sub_id || !lit) {
        rl_cli_fail("registry add-site %s: %s", o->name, rl_db_error(m->rconn));
        rc = RL_EXIT_DB;
        goto out;
    }
    sql =
        rl_asprintf("CREATE SUBSCRIPTION %s CONNECTION %s PUBLICATION ruglab_quality", sub_id, lit);
    res = rl_db_exec(m->rconn, &err, "creating the subscription", sql, 0, NULL);
    if (!res) {
        rc = s_db_failed(o->name, NULL, &err);
        goto out;
    }
    PQclear(res);
    m->target = rl_db_describe(o->site, NULL);
    res = rl_db_exec(m->rconn, &err, "recording the site",
                     "INSERT INTO quality.registry_site (name, subscription, site_target) "
                     "VALUES ($1, $2, $3)",
                     3, (const char *const[]){o->name, m->sub, m->target});
    if (!res)
        rc = s_db_failed(o->name, NULL, &err);
out:
    PQclear(res);
    if (sub_id)
        PQfreemem(sub_id);
    if (lit)
        PQfreemem(lit);
    free(sql);
    return rc;
}

static int
s_add_site(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    (void)ctx;
    s_add_site_opts_t o = {0};
    int rc = s_add_site_parse(argc, argv, &o);
    if (rc != RL_EXIT_OK)
        return rc;
    s_add_site_t m = {0};
    if ((rc = s_check_site(&o, &m)) == RL_EXIT_OK &&
        (rc = s_check_registry(&o, &m)) == RL_EXIT_OK &&
        (rc = s_check_codes(&o, &m)) == RL_EXIT_OK && (rc = s_subscribe(&o, &m)) == RL_EXIT_OK)
        printf("site %s added: subscription %s to %s\n", o.name, m.sub, m.target);
    free(m.sub);
    free(m.target);
    if (m.sconn)
        PQfinish(m.sconn);
    if (m.rconn)
        PQfinish(m.rconn);
    return rc;
}

/* ---- list ---- */

static void
s_list_render(rl_cli_ctx_t *ctx, const PGresult *res)
{
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
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    static const char *const allowed[] = {"--registry-db", NULL};
    PGconn *conn = NULL;
    int rc = s_connect_registry(argc, argv, 2, allowed, "postgres", &conn);
    if (rc != RL_EXIT_OK)
        return rc;
    rl_err_t err;
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
        rc = RL_EXIT_DB;
    } else {
        s_list_render(ctx, res);
        PQclear(res);
    }
    PQfinish(conn);
    return rc;
}

static const rl_cli_command_t s_subs[] = {
    {"init", "migrate a registry database and mark it as a registry", s_init},
    {"add-site", "subscribe the registry to a site's publication", s_add_site},
    {"list", "the subscribed sites and their replication", s_list},
};

static const admin_group_t s_group = {"registry", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_registry_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
