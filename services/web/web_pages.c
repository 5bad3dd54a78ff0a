/* The pages of this slice: home (a redirect by role), /me for every role,
 * /admin/users for the admin role (through the ruglab_admin pool), and the
 * static files. The clinical pages come next. */
#include "web.h"

#include "ruglab/db.h"
#include "ruglab/mem.h"
#include "ruglab/user_sql.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The home page of each role; the worklist and the other clinical homes
 * come with their pages, until then /me. */
static const struct {
    const char *role;
    const char *home;
} s_homes[] = {
    {"admin", "/admin/users"},
    {"physician", "/worklist"},
    {"secretariat", "/secretariat"},
    {"quality", "/quality"},
};

int
web_home(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    (void)app;
    for (size_t i = 0; i < sizeof s_homes / sizeof s_homes[0]; i++)
        if (!strcmp(s_homes[i].role, req->who.role)) {
            web_redirect(resp, s_homes[i].home);
            return 0;
        }
    web_redirect(resp, "/me");
    return 0;
}

int
web_me(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    char csrf[WEB_TOKEN_SIZE];
    web_csrf(app, req, csrf);
    web_buf_t role = {0};
    web_term(app, "role", req->who.role, &role);
    web_tvar_t v[] = {
        {"name", req->who.name, NULL}, {"display_name", web_or_dash(req->who.display_name), NULL},
        {"role", NULL, &role},         {"site", web_or_dash(req->who.site), NULL},
        {"csrf", csrf, NULL},
    };
    web_page(app, req, resp, 200, "me", v, sizeof v / sizeof v[0]);
    web_buf_clear(&role);
    return 0;
}

int
web_admin_users(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    rl_err_t err;
    PGconn *conn = web_pool_borrow(app->pool_admin, &err);
    PGresult *res =
        conn ? rl_db_exec(conn, &err, "listing the users", RL_USER_LIST_SQL, 0, NULL) : NULL;
    if (!res) {
        rl_error("database", "%s", err.msg);
        web_pool_return(app->pool_admin, conn);
        return -1;
    }
    web_buf_t rows = {0};
    for (int i = 0; i < PQntuples(res); i++) {
        /* columns of RL_USER_LIST_SQL: name, display_name, role, site, status */
        web_buf_t role = {0}, status = {0};
        web_term(app, "role", PQgetvalue(res, i, 2), &role);
        web_term(app, "status", PQgetvalue(res, i, 4), &status);
        web_tvar_t v[] = {
            {"name", PQgetvalue(res, i, 0), NULL},
            {"display_name", web_or_dash(PQgetvalue(res, i, 1)), NULL},
            {"role", NULL, &role},
            {"site", web_or_dash(PQgetvalue(res, i, 3)), NULL},
            {"status", NULL, &status},
        };
        (void)web_fragment(app, "admin_user_row", v, sizeof v / sizeof v[0], &rows);
        web_buf_clear(&role);
        web_buf_clear(&status);
    }
    PQclear(res);
    web_pool_return(app->pool_admin, conn);
    web_buf_add(&rows, "", 0);
    web_tvar_t v[] = {{"rows", NULL, &rows}};
    web_page(app, req, resp, 200, "admin_users", v, 1);
    web_buf_clear(&rows);
    return 0;
}

/* A static file's type by its name; NULL: not served. */
static const char *
s_type(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64 || name[0] == '.' ||
        strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
        return NULL;
    if (n > 4 && !strcmp(name + n - 4, ".css"))
        return "text/css; charset=utf-8";
    if (n > 4 && !strcmp(name + n - 4, ".png"))
        return "image/png";
    return NULL;
}

void
web_static(web_app_t *app, web_req_t *req, web_resp_t *resp, const char *name)
{
    const char *type = s_type(name);
    char *path = type ? rl_asprintf("%s/%s", app->set.static_dir, name) : NULL;
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) {
        if (path && errno != ENOENT)
            rl_error("static", "cannot read %s: %s", path, strerror(errno));
        free(path);
        web_error(app, req, resp, 404, "msg_not_found");
        return;
    }
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        web_buf_add(&resp->body, chunk, n);
    web_buf_add(&resp->body, "", 0);
    fclose(f);
    free(path);
    resp->status = 200;
    resp->content_type = type;
    resp->cache = "max-age=3600";
}
