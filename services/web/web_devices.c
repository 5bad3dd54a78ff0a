/* The admin's devices: /admin/devices lists every device with what the
 * collectors recorded of it (last seen, spool depth, lag, collector) and a
 * revoke form per active device; POST /admin/devices/revoke does what
 * `ruglab device revoke` does (rl_device_revoke), a reason required. Read
 * and written through the ruglab_admin pool. No patient data: the list
 * reads clinical.device, clinical.site and meas.device_status only. */
#include "web.h"

#include "ruglab/db.h"
#include "ruglab/device.h"
#include "ruglab/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest reason taken (bytes). */
#define S_REASON_MAX 1000

/* A cell: the value, or the page's word for unknown. */
static void
s_cell(web_app_t *app, const PGresult *res, int r, int c, web_buf_t *out)
{
    if (PQgetisnull(res, r, c))
        (void)web_fragment(app, "unknown", NULL, 0, out);
    else
        web_html_text(out, PQgetvalue(res, r, c));
}

/* One row of RL_DEVICE_STATUS_SQL appended to rows. */
static void
s_row(web_app_t *app, const char *csrf, const PGresult *res, int r, web_buf_t *rows)
{
    enum { ID, SITE, MODEL, AGO, SPOOL, LAG, COLLECTOR, REVOKED, SEEN, REVOKED_AT, REASON, N };
    web_buf_t cell[N];
    memset(cell, 0, sizeof cell);
    const char *id = PQgetvalue(res, r, ID);
    bool revoked = PQgetvalue(res, r, REVOKED)[0] == 't';
    if (PQgetisnull(res, r, SEEN)) {
        (void)web_fragment(app, "unknown", NULL, 0, &cell[SEEN]);
    } else {
        web_tvar_t v[] = {{"at", PQgetvalue(res, r, SEEN), NULL},
                          {"ago", PQgetvalue(res, r, AGO), NULL}};
        (void)web_fragment(app, "admin_device_seen", v, 2, &cell[SEEN]);
    }
    s_cell(app, res, r, SPOOL, &cell[SPOOL]);
    s_cell(app, res, r, LAG, &cell[LAG]);
    s_cell(app, res, r, COLLECTOR, &cell[COLLECTOR]);
    web_term(app, "status", revoked ? "revoked" : "active", &cell[REVOKED]);
    if (revoked) {
        web_tvar_t v[] = {{"at", PQgetvalue(res, r, REVOKED_AT), NULL},
                          {"reason", web_or_dash(PQgetvalue(res, r, REASON)), NULL}};
        (void)web_fragment(app, "admin_device_revoked", v, 2, &cell[REASON]);
    } else {
        web_tvar_t v[] = {{"device", id, NULL}, {"csrf", csrf, NULL}};
        (void)web_fragment(app, "admin_device_revoke", v, 2, &cell[REASON]);
    }
    web_tvar_t v[] = {
        {"device", id, NULL},
        {"site", PQgetvalue(res, r, SITE), NULL},
        {"model", PQgetvalue(res, r, MODEL), NULL},
        {"last_seen", NULL, &cell[SEEN]},
        {"spool", NULL, &cell[SPOOL]},
        {"lag", NULL, &cell[LAG]},
        {"collector", NULL, &cell[COLLECTOR]},
        {"status", NULL, &cell[REVOKED]},
        {"action", NULL, &cell[REASON]},
    };
    (void)web_fragment(app, "admin_device_row", v, sizeof v / sizeof v[0], rows);
    for (int i = 0; i < N; i++)
        web_buf_clear(&cell[i]);
}

/* The list with a message (msg_none: none) about device. */
static int
s_page(web_app_t *app, web_req_t *req, web_resp_t *resp, unsigned status, const char *msg,
       const char *device)
{
    rl_err_t err;
    web_pool_t *pool = web_role_pool(app, req);
    PGconn *conn = web_pool_borrow(pool, &err);
    PGresult *res =
        conn ? rl_db_exec(conn, &err, "listing the devices", RL_DEVICE_STATUS_SQL, 0, NULL) : NULL;
    if (!res) {
        rl_error("database", "%s", err.msg);
        web_pool_return(pool, conn);
        return -1;
    }
    char csrf[WEB_TOKEN_SIZE];
    web_csrf(app, req, csrf);
    web_buf_t rows = {0}, m = {0};
    for (int i = 0; i < PQntuples(res); i++)
        s_row(app, csrf, res, i, &rows);
    PQclear(res);
    web_pool_return(pool, conn);
    web_buf_add(&rows, "", 0);
    web_tvar_t mv[] = {{"device", device ? device : "", NULL}};
    (void)web_fragment(app, msg, mv, 1, &m);
    /* the page's messages are all refusals (a revocation redirects) */
    web_tvar_t v[] = {
        {"rows", NULL, &rows}, {"message", NULL, &m}, {"message_kind", "error", NULL}};
    web_page(app, req, resp, status, "admin_devices", v, 3);
    web_buf_clear(&rows);
    web_buf_clear(&m);
    return 0;
}

int
web_admin_devices(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    return s_page(app, req, resp, 200, "msg_none", NULL);
}

/* Whether the reason holds a character other than white space. */
static bool
s_blank(const char *s)
{
    return !s || s[strspn(s, " \t\r\n")] == '\0';
}

int
web_admin_device_revoke(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    char *device = web_form(req, "device"), *reason = web_form(req, "reason");
    const char *id = device ? device : "";
    int rc;
    if (s_blank(reason)) {
        rc = s_page(app, req, resp, 400, "msg_device_reason_required", id);
    } else if (strlen(reason) > S_REASON_MAX || !rl_text_utf8_valid(reason, strlen(reason))) {
        rc = s_page(app, req, resp, 400, "msg_device_reason_invalid", id);
    } else {
        rl_err_t err;
        web_pool_t *pool = web_role_pool(app, req);
        PGconn *conn = web_pool_borrow(pool, &err);
        rl_device_revoke_t done = RL_DEVICE_UNKNOWN;
        rc = conn ? rl_device_revoke(conn, id, reason, &done, &err) : -1;
        web_pool_return(pool, conn);
        if (rc != 0) {
            rl_error("database", "device revoke: %s", err.msg);
        } else if (done == RL_DEVICE_REVOKED) {
            rl_info(req->client, "device %s revoked by %s", id, req->who.name);
            web_redirect(resp, "/admin/devices");
        } else {
            rc =
                s_page(app, req, resp, done == RL_DEVICE_UNKNOWN ? 404 : 409,
                       done == RL_DEVICE_UNKNOWN ? "msg_device_unknown" : "msg_device_revoked", id);
        }
    }
    free(device);
    free(reason);
    return rc;
}
