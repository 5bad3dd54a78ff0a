/* Connection string resolution and small libpq helpers (see db.h). */
#include "ruglab/db.h"

#include "ruglab/mem.h"
#include "ruglab/paths.h"

#include <errno.h>
#include <libpq-events.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
s_read_first_line(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char line[4096];
    char *out = NULL;
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (*line)
            out = rl_strdup(line);
    }
    fclose(f);
    return out;
}

char *
rl_db_conninfo(const char *flag, rl_err_t *err)
{
    if (flag && *flag)
        return rl_strdup(flag);
    const char *env = getenv("RUGLAB_DB");
    if (env && *env)
        return rl_strdup(env);
    char *path = rl_paths_local_conninfo();
    if (path) {
        char *c = s_read_first_line(path);
        if (c) {
            free(path);
            return c;
        }
    }
    rl_err_set(err,
               "no database configured: give --db or RUGLAB_DB (a libpq connection string), "
               "or start the local cluster with scripts/pg-local.sh start%s%s%s",
               path ? " (" : "", path ? path : "", path ? " not found)" : "");
    free(path);
    return NULL;
}

/* keywords: user first so that a user inside conninfo (expanded later) wins. */
static void
s_params(const char *conninfo, const char *default_user, const char **kw, const char **val)
{
    int i = 0;
    if (default_user) {
        kw[i] = "user";
        val[i++] = default_user;
    }
    kw[i] = "dbname";
    val[i++] = conninfo;
    kw[i] = "application_name";
    val[i++] = program_invocation_short_name;
    kw[i] = NULL;
    val[i] = NULL;
}

char *
rl_db_describe(const char *conninfo, const char *default_user)
{
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &errmsg);
    if (!opts) {
        PQfreemem(errmsg);
        return rl_strdup("(unparsable connection string)");
    }
    const char *host = NULL, *port = NULL, *dbname = NULL, *user = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val)
            continue;
        if (!strcmp(o->keyword, "host") || (!strcmp(o->keyword, "hostaddr") && !host))
            host = o->val;
        else if (!strcmp(o->keyword, "port"))
            port = o->val;
        else if (!strcmp(o->keyword, "dbname"))
            dbname = o->val;
        else if (!strcmp(o->keyword, "user"))
            user = o->val;
    }
    if (!user)
        user = default_user;
    char *out = rl_asprintf("host=%s port=%s dbname=%s user=%s", host ? host : "(default)",
                            port ? port : "(default)", dbname ? dbname : "(default)",
                            user ? user : "(default)");
    PQconninfoFree(opts);
    return out;
}

static const char *
s_first_line(const char *msg)
{
    static __thread char buf[512];
    snprintf(buf, sizeof buf, "%s", msg ? msg : "");
    /* libpq messages may start with "ERROR:  " and span lines */
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

const char *
rl_db_error(PGconn *conn)
{
    return s_first_line(PQerrorMessage(conn));
}

const char *
rl_db_result_error(const PGresult *res)
{
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    return s_first_line(primary ? primary : PQresultErrorMessage(res));
}

const char *
rl_db_sqlstate(const PGresult *res)
{
    const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return s ? s : "";
}

/* Server NOTICEs ("already exists, skipping") are noise for our users;
 * warnings still reach stderr. */
static void
s_notice(void *arg, const char *message)
{
    (void)arg;
    if (strncmp(message, "NOTICE:", 7) != 0)
        fputs(message, stderr);
}

PGconn *
rl_db_connect(const char *conninfo, const char *default_user, rl_err_t *err)
{
    const char *kw[4], *val[4];
    s_params(conninfo, default_user, kw, val);
    PGconn *conn = PQconnectdbParams(kw, val, 1);
    if (PQstatus(conn) != CONNECTION_OK) {
        char *target = rl_db_describe(conninfo, default_user);
        rl_err_set(err, "cannot connect to %s: %s", target, rl_db_error(conn));
        free(target);
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, s_notice, NULL);
    return conn;
}

PGconn *
rl_db_open(const char *flag, const char *default_user, rl_err_t *err)
{
    char *conninfo = rl_db_conninfo(flag, err);
    if (!conninfo)
        return NULL;
    PGconn *conn = rl_db_connect(conninfo, default_user, err);
    free(conninfo);
    return conn;
}

static PGresult *
s_exec(PGconn *conn, rl_err_t *err, const char *what, const char *sql, int nparams,
       const char *const *params, int result_format)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, result_format);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    rl_err_set(err, "%s: %s", what,
               PQstatus(conn) == CONNECTION_OK ? rl_db_result_error(res) : rl_db_error(conn));
    PQclear(res);
    return NULL;
}

PGresult *
rl_db_exec(PGconn *conn, rl_err_t *err, const char *what, const char *sql, int nparams,
           const char *const *params)
{
    return s_exec(conn, err, what, sql, nparams, params, 0);
}

PGresult *
rl_db_exec_binary(PGconn *conn, rl_err_t *err, const char *what, const char *sql, int nparams,
                  const char *const *params)
{
    return s_exec(conn, err, what, sql, nparams, params, 1);
}

static int
s_simple(PGconn *conn, rl_err_t *err, const char *what, const char *sql)
{
    PGresult *res = rl_db_exec(conn, err, what, sql, 0, NULL);
    PQclear(res);
    return res ? 0 : -1;
}

int
rl_db_begin(PGconn *conn, rl_err_t *err)
{
    return s_simple(conn, err, "starting the transaction", "BEGIN");
}

int
rl_db_commit(PGconn *conn, rl_err_t *err)
{
    return s_simple(conn, err, "committing the transaction", "COMMIT");
}

void
rl_db_rollback(PGconn *conn)
{
    PQclear(PQexec(conn, "ROLLBACK"));
}

/* The names prepared on one connection (its libpq instance data). */
typedef struct {
    char **names;
    size_t n;
} s_prepared_t;

static void
s_prepared_free(s_prepared_t *p)
{
    for (size_t i = 0; p && i < p->n; i++)
        free(p->names[i]);
    if (p)
        free(p->names);
    free(p);
}

static int
s_prepared_event(PGEventId id, void *info, void *pass)
{
    (void)pass;
    if (id == PGEVT_CONNRESET) { /* a new session: nothing prepared in it */
        PGconn *conn = ((PGEventConnReset *)info)->conn;
        s_prepared_free(PQinstanceData(conn, s_prepared_event));
        PQsetInstanceData(conn, s_prepared_event, NULL);
    } else if (id == PGEVT_CONNDESTROY) {
        PGconn *conn = ((PGEventConnDestroy *)info)->conn;
        s_prepared_free(PQinstanceData(conn, s_prepared_event));
    }
    return 1;
}

/* Whether name is prepared on conn; registers the event procedure. */
static s_prepared_t *
s_prepared(PGconn *conn)
{
    s_prepared_t *p = PQinstanceData(conn, s_prepared_event);
    if (p)
        return p;
    /* registering twice fails harmlessly (the procedure is there already) */
    (void)PQregisterEventProc(conn, s_prepared_event, "ruglab prepared statements", NULL);
    p = rl_calloc(1, sizeof *p);
    if (!PQsetInstanceData(conn, s_prepared_event, p)) {
        free(p);
        return NULL;
    }
    return p;
}

PGresult *
rl_db_exec_prepared(PGconn *conn, rl_err_t *err, const char *what, const char *name,
                    const char *sql, int nparams, const char *const *params)
{
    s_prepared_t *p = s_prepared(conn);
    if (!p) /* no place to remember it: unprepared */
        return rl_db_exec(conn, err, what, sql, nparams, params);
    bool known = false;
    for (size_t i = 0; i < p->n && !known; i++)
        known = !strcmp(p->names[i], name);
    if (!known) {
        PGresult *prep = PQprepare(conn, name, sql, nparams, NULL);
        if (PQresultStatus(prep) != PGRES_COMMAND_OK) {
            rl_err_set(err, "%s: %s", what,
                       PQstatus(conn) == CONNECTION_OK ? rl_db_result_error(prep)
                                                       : rl_db_error(conn));
            PQclear(prep);
            return NULL;
        }
        PQclear(prep);
        p->names = rl_realloc(p->names, (p->n + 1) * sizeof *p->names);
        p->names[p->n++] = rl_strdup(name);
    }
    PGresult *res = PQexecPrepared(conn, name, nparams, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    rl_err_set(err, "%s: %s", what,
               PQstatus(conn) == CONNECTION_OK ? rl_db_result_error(res) : rl_db_error(conn));
    PQclear(res);
    return NULL;
}

int
rl_db_check(const char *flag, const char *default_user, const char *probe_sql, char *ok,
            size_t ok_len, rl_err_t *err)
{
    char *conninfo = rl_db_conninfo(flag, err);
    if (!conninfo)
        return -1;
    int rc = -1;
    char *target = rl_db_describe(conninfo, default_user);
    PGconn *conn = rl_db_connect(conninfo, default_user, err);
    if (!conn)
        goto out;
    PGresult *res = PQexec(conn, probe_sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
        rl_err_set(err,
                   "connected to %s, but the schema is not usable by this role: %s "
                   "(is the database migrated? ruglab db migrate)",
                   target, rl_db_result_error(res));
    } else {
        snprintf(ok, ok_len, "database %s", target);
        rc = 0;
    }
    PQclear(res);
    PQfinish(conn);
out:
    free(target);
    free(conninfo);
    return rc;
}
