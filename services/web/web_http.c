/* The HTTP side of ruglab-web: libmicrohttpd's callbacks, the route table,
 * the per-request state, forms, cookies, the layout and the security
 * headers every response carries. Called on MHD's worker threads. */
#include "web.h"

#include "ruglab/audit.h"
#include "ruglab/mem.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A path ending in '/' matches every path below it (the rest is
 * req->param); any other path matches itself only. */
typedef struct {
    const char *method;
    const char *path;
    unsigned roles; /* WEB_PUBLIC or a set of WEB_* role bits */
    bool csrf;      /* a POST checked against the session's token first */
    web_handler_fn fn;
} s_route_t;

static const s_route_t s_routes[] = {
    {"GET", "/", WEB_SIGNED_IN, false, web_home},
    {"GET", "/signin", WEB_PUBLIC, false, web_signin_form},
    /* its CSRF token belongs to the pre-session: checked by the handler */
    {"POST", "/signin", WEB_PUBLIC, false, web_signin_post},
    {"POST", "/signout", WEB_SIGNED_IN, true, web_signout},
    {"GET", "/me", WEB_SIGNED_IN, false, web_me},
    {"GET", "/admin/users", WEB_ADMIN, false, web_admin_users},
    {"GET", "/admin/devices", WEB_ADMIN, false, web_admin_devices},
    {"POST", "/admin/devices/revoke", WEB_ADMIN, true, web_admin_device_revoke},
    {"GET", "/lang/", WEB_PUBLIC, false, web_lang},
    {"GET", "/conclusion/", WEB_PHYSICIAN, false, web_conclusion_form},
    {"POST", "/conclusion/", WEB_PHYSICIAN, true, web_conclusion_save},
    {"GET", "/preview/", WEB_PHYSICIAN, false, web_preview},
    {"POST", "/release/", WEB_PHYSICIAN, true, web_release},
    {"GET", "/letter/", WEB_PHYSICIAN, false, web_letter},
    /* the secretariat's pages (web_secretariat.c) */
    {"GET", "/secretariat", WEB_SECRETARIAT, false, web_sec_home},
    {"GET", "/patients/new", WEB_SECRETARIAT, false, web_sec_patient_form},
    {"POST", "/patients/new", WEB_SECRETARIAT, true, web_sec_patient_post},
    {"GET", "/enrol/", WEB_SECRETARIAT, false, web_sec_enrol_form},
    {"POST", "/enrol/", WEB_SECRETARIAT, true, web_sec_enrol_post},
    {"GET", "/attendance/", WEB_SECRETARIAT, false, web_sec_attendance},
    {"POST", "/attendance/", WEB_SECRETARIAT, true, web_sec_attendance_post},
    {"GET", "/questionnaire/", WEB_SECRETARIAT, false, web_sec_questionnaire},
    {"POST", "/questionnaire/", WEB_SECRETARIAT, true, web_sec_questionnaire_post},
    {"GET", "/workstatus/", WEB_SECRETARIAT, false, web_sec_workstatus},
    {"POST", "/workstatus/", WEB_SECRETARIAT, true, web_sec_workstatus_post},
    {"GET", "/worklist", WEB_PHYSICIAN, false, web_worklist},
    {"GET", "/programme/", WEB_PHYSICIAN, false, web_programme},
    /* the home programme (web_homeprog.c): the secretariat reads it; its
     * POST is refused by the handler with a message of its own */
    {"GET", "/homeprog/", WEB_PHYSICIAN | WEB_SECRETARIAT, false, web_homeprog},
    {"POST", "/homeprog/", WEB_PHYSICIAN | WEB_SECRETARIAT, true, web_homeprog_post},
    {"GET", "/quality", WEB_QUALITY, false, web_quality},
    {"GET", "/quality/completeness", WEB_QUALITY, false, web_quality_completeness},
    {"GET", "/quality/runchart", WEB_QUALITY, false, web_quality_runchart},
    {"GET", "/quality/boxplots", WEB_QUALITY, false, web_quality_boxplots},
    /* the quality pages (issue 15) */
    {"GET", "/quality/funnel", WEB_QUALITY, false, web_quality_funnel},
};
#define S_N_ROUTES (sizeof s_routes / sizeof s_routes[0])

pthread_mutex_t web_render_lock = PTHREAD_MUTEX_INITIALIZER;

long long
web_now(void)
{
    return (long long)time(NULL);
}

/* ------------------------------------------------------------ forms */

static int
s_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes n bytes of application/x-www-form-urlencoded text. */
static char *
s_urldecode(const char *s, size_t n)
{
    char *out = rl_malloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            *o++ = ' ';
        } else if (s[i] == '%' && i + 2 < n && s_hex(s[i + 1]) >= 0 && s_hex(s[i + 2]) >= 0) {
            *o++ = (char)(s_hex(s[i + 1]) * 16 + s_hex(s[i + 2]));
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

char *
web_form(const web_req_t *req, const char *key)
{
    const char *p = req->body.data;
    size_t klen = strlen(key);
    while (p && *p) {
        const char *end = strchr(p, '&');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        /* a decoded NUL ends the value (it reaches no query: it is cut there) */
        if (eq && (size_t)(eq - p) == klen && !memcmp(p, key, klen))
            return s_urldecode(eq + 1, n - klen - 1);
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

const char *
web_query(const web_req_t *req, const char *key)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

unsigned
web_role_bit(const char *role)
{
    static const struct {
        const char *name;
        unsigned bit;
    } roles[] = {{"physician", WEB_PHYSICIAN},
                 {"secretariat", WEB_SECRETARIAT},
                 {"quality", WEB_QUALITY},
                 {"admin", WEB_ADMIN}};
    for (size_t i = 0; role && i < sizeof roles / sizeof roles[0]; i++)
        if (!strcmp(roles[i].name, role))
            return roles[i].bit;
    return 0;
}

web_pool_t *
web_role_pool(web_app_t *app, const web_req_t *req)
{
    switch (web_role_bit(req->who.role)) {
    case WEB_PHYSICIAN:
        return app->pool_clinician;
    case WEB_SECRETARIAT:
        return app->pool_secretariat;
    case WEB_QUALITY:
        return app->pool_quality;
    case WEB_ADMIN:
        return app->pool_admin;
    default:
        return NULL;
    }
}

const char *
web_cookie(const web_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

void
web_set_cookie(const web_app_t *app, web_resp_t *resp, const char *name, const char *value,
               const char *path, long max_age_s)
{
    char *slot = resp->cookies[0];
    for (size_t i = 1; slot[0] && i < sizeof resp->cookies / sizeof resp->cookies[0]; i++)
        slot = resp->cookies[i];
    char age[32] = "";
    if (max_age_s >= 0)
        snprintf(age, sizeof age, "; Max-Age=%ld", max_age_s);
    snprintf(slot, sizeof resp->cookies[0], "%s=%s; Path=%s%s; HttpOnly; SameSite=Strict%s", name,
             value, path, age, app->set.cookie_secure || app->tls_cert_pem ? "; Secure" : "");
}

void
web_redirect(web_resp_t *resp, const char *location)
{
    resp->status = 303;
    snprintf(resp->location, sizeof resp->location, "%s", location);
}

void
web_csrf(const web_app_t *app, const web_req_t *req, char out[WEB_TOKEN_SIZE])
{
    web_sessions_token(app->sessions, req->who.id, web_now() + app->set.absolute_s, out);
}

/* ------------------------------------------------------------ pages */

int
web_fragment(web_app_t *app, const char *name, const web_tvar_t *vars, size_t n_vars,
             web_buf_t *out)
{
    rl_err_t err;
    pthread_rwlock_rdlock(&app->tpl_lock);
    int rc = web_templates_render(app->tpl, web_lang_page(app), name, vars, n_vars, out, &err);
    pthread_rwlock_unlock(&app->tpl_lock);
    if (rc != 0)
        rl_error("template", "%s", err.msg);
    web_buf_add(out, "", 0);
    return rc;
}

void
web_page(web_app_t *app, const web_req_t *req, web_resp_t *resp, unsigned status, const char *page,
         const web_tvar_t *vars, size_t n_vars)
{
    web_buf_t body = {0}, nav = {0};
    int rc = web_fragment(app, page, vars, n_vars, &body);
    if (req->signed_in) {
        char csrf[WEB_TOKEN_SIZE];
        web_csrf(app, req, csrf);
        web_buf_t admin = {0};
        if (web_role_bit(req->who.role) == WEB_ADMIN)
            rc |= web_fragment(app, "nav_admin", NULL, 0, &admin);
        web_buf_add(&admin, "", 0);
        web_tvar_t nv[] = {
            {"name", req->who.name, NULL}, {"csrf", csrf, NULL}, {"admin_links", NULL, &admin}};
        rc |= web_fragment(app, "nav", nv, 3, &nav);
        web_buf_clear(&admin);
    } else {
        rc |= web_fragment(app, "nav_lang", NULL, 0, &nav);
    }
    web_tvar_t lv[] = {{"body", NULL, &body},
                       {"nav", NULL, &nav},
                       {"lang", req->lang[0] ? req->lang : app->set.lang, NULL}};
    web_buf_clear(&resp->body);
    rc |= web_fragment(app, "layout", lv, 3, &resp->body);
    web_buf_clear(&body);
    web_buf_clear(&nav);
    resp->status = status;
    resp->content_type = "text/html; charset=utf-8";
    resp->cache = "no-store";
    if (rc != 0) { /* a template is broken: say so without one */
        web_buf_clear(&resp->body);
        web_buf_adds(&resp->body, "<!DOCTYPE html><title>ruglab</title><p>500</p>\n");
        resp->status = 500;
    }
}

void
web_error(web_app_t *app, const web_req_t *req, web_resp_t *resp, unsigned status, const char *msg)
{
    web_buf_t m = {0};
    (void)web_fragment(app, msg, NULL, 0, &m);
    web_tvar_t v[] = {{"message", NULL, &m}};
    web_page(app, req, resp, status, "error", v, 1);
    web_buf_clear(&m);
}

/* ------------------------------------------------------------ sending */

static void
s_header(struct MHD_Response *r, const char *name, const char *value)
{
    if (MHD_add_response_header(r, name, value) != MHD_YES)
        rl_error("http", "cannot add the header %s", name);
}

/* On every response, whatever it is; HSTS under the library's TLS. */
static void
s_secure_headers(const web_app_t *app, struct MHD_Response *r)
{
    if (app->tls_cert_pem)
        s_header(r, "Strict-Transport-Security", WEB_HSTS);
    s_header(r, "Content-Security-Policy",
             "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
             "frame-ancestors 'none'; base-uri 'none'");
    s_header(r, "X-Content-Type-Options", "nosniff");
    s_header(r, "Referrer-Policy", "no-referrer");
    s_header(r, "X-Frame-Options", "DENY");
}

static enum MHD_Result
s_send(const web_app_t *app, struct MHD_Connection *conn, web_resp_t *resp)
{
    size_t len = 0;
    char *data = web_buf_take(&resp->body, &len);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(data);
        return MHD_NO;
    }
    s_secure_headers(app, r);
    s_header(r, "Content-Type", resp->content_type ? resp->content_type : "text/plain");
    s_header(r, "Cache-Control", resp->cache ? resp->cache : "no-store");
    if (resp->location[0])
        s_header(r, "Location", resp->location);
    if (resp->disposition)
        s_header(r, "Content-Disposition", resp->disposition);
    for (size_t i = 0; i < sizeof resp->cookies / sizeof resp->cookies[0]; i++)
        if (resp->cookies[i][0])
            s_header(r, "Set-Cookie", resp->cookies[i]);
    enum MHD_Result rc = MHD_queue_response(conn, resp->status ? resp->status : 500, r);
    MHD_destroy_response(r);
    return rc;
}

/* ------------------------------------------------------------ requests */

bool
web_trusted_proxy(const web_app_t *app, const char *addr)
{
    const char *list = app->set.trusted_proxies;
    size_t n = strlen(addr);
    if (n == 0)
        return false;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, " ,\t");
        if (len == n && !strncmp(p, addr, n))
            return true;
        p += len;
        p += strspn(p, " ,\t");
    }
    return false;
}

/* The client's address: the peer, or the last address of X-Forwarded-For
 * when the peer is a trusted proxy. */
static void
s_client(const web_app_t *app, web_req_t *req)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    req->client[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, req->client,
                  sizeof req->client);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, req->client,
                  sizeof req->client);
    const char *xff = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-Forwarded-For");
    snprintf(req->peer, sizeof req->peer, "%s", req->client);
    if (!xff || !req->client[0] || !web_trusted_proxy(app, req->client))
        return;
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    last += strspn(last, " \t");
    char addr[INET6_ADDRSTRLEN];
    unsigned char bin[sizeof(struct in6_addr)];
    snprintf(addr, sizeof addr, "%.*s", (int)strcspn(last, " \t"), last);
    if (inet_pton(AF_INET, addr, bin) == 1 || inet_pton(AF_INET6, addr, bin) == 1)
        snprintf(req->client, sizeof req->client, "%s", addr);
}

/* Whether url matches path; *param: the rest below a path ending in '/'. */
static bool
s_path_match(const char *path, const char *url, const char **param)
{
    size_t n = strlen(path);
    if (n > 1 && path[n - 1] == '/') {
        if (strncmp(path, url, n) != 0 || !url[n] || strchr(url + n, '/'))
            return false;
        *param = url + n;
        return true;
    }
    *param = "";
    return !strcmp(path, url);
}

/* Finds the route; *path_known tells a wrong method from an unknown path. */
static const s_route_t *
s_route(const char *method, const char *url, bool *path_known, const char **param)
{
    *path_known = false;
    for (size_t i = 0; i < S_N_ROUTES; i++) {
        if (!s_path_match(s_routes[i].path, url, param))
            continue;
        *path_known = true;
        if (!strcmp(s_routes[i].method, method))
            return &s_routes[i];
    }
    return NULL;
}

static void
s_dispatch(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    const char *sid = web_cookie(req, WEB_COOKIE_SESSION);
    req->signed_in = sid && web_sessions_get(app->sessions, sid, web_now(), &req->who);
    web_lang_pick(app, req);
    web_lang_set_thread(req->lang);
    if (!strncmp(req->url, "/static/", 8)) {
        if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD"))
            web_error(app, req, resp, 405, "msg_method");
        else
            web_static(app, req, resp, req->url + 8);
        return;
    }
    bool known;
    const s_route_t *r = s_route(req->method, req->url, &known, &req->param);
    if (!r && !strcmp(req->method, "HEAD"))
        r = s_route("GET", req->url, &known, &req->param);
    if (!r) {
        web_error(app, req, resp, known ? 405 : 404, known ? "msg_method" : "msg_not_found");
        return;
    }
    if (req->too_large) {
        web_error(app, req, resp, 413, "msg_too_large");
        return;
    }
    if (web_signin_recheck(app, req) != 0) {
        web_error(app, req, resp, 503, "msg_unavailable");
        return;
    }
    int sso = web_signin_header(app, req, resp);
    if (sso != 0) {
        if (sso < 0)
            web_error(app, req, resp, 503, "msg_unavailable");
        return;
    }
    if (r->roles != WEB_PUBLIC && !req->signed_in) {
        web_redirect(resp, "/signin");
        return;
    }
    if (r->roles != WEB_PUBLIC && !(r->roles & web_role_bit(req->who.role))) {
        rl_warn(req->client, "%s %s refused: role %s", req->method, req->url, req->who.role);
        web_error(app, req, resp, 403, "msg_forbidden");
        return;
    }
    if (r->csrf) {
        char *token = web_form(req, "csrf");
        bool ok = web_sessions_token_ok(app->sessions, req->who.id, token, web_now());
        free(token);
        if (!ok) {
            rl_warn(req->client, "%s %s refused: no valid CSRF token", req->method, req->url);
            web_error(app, req, resp, 403, "msg_csrf");
            return;
        }
    }
    /* the access log and every "by" column name the signed-in person */
    rl_audit_act_as(req->signed_in ? req->who.name : NULL);
    if (r->fn(app, req, resp) != 0 && !resp->status)
        web_error(app, req, resp, 503, "msg_unavailable");
    rl_audit_act_as(NULL);
}

static enum MHD_Result
s_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
         const char *version, const char *upload, size_t *upload_size, void **state)
{
    (void)version;
    web_app_t *app = cls;
    web_req_t *req = *state;
    if (!req) { /* the headers are in: set up, then read the body */
        req = rl_calloc(1, sizeof *req);
        req->conn = conn;
        req->method = method;
        req->url = url;
        s_client(app, req);
        *state = req;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (req->body.len + *upload_size > WEB_BODY_MAX)
            req->too_large = true;
        else
            web_buf_add(&req->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    web_resp_t resp;
    memset(&resp, 0, sizeof resp);
    s_dispatch(app, req, &resp);
    web_lang_set_thread(NULL);
    rl_debug(req->client, "%s %s %u", method, url, resp.status);
    return s_send(app, conn, &resp);
}

static void
s_completed(void *cls, struct MHD_Connection *conn, void **state,
            enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)conn;
    (void)why;
    web_req_t *req = *state;
    if (!req)
        return;
    web_buf_clear(&req->body);
    explicit_bzero(&req->who, sizeof req->who);
    free(req);
    *state = NULL;
}

struct MHD_Daemon *
web_http_start(web_app_t *app, rl_err_t *err)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)app->set.port);
    if (inet_pton(AF_INET, app->set.listen_addr, &sa.sin_addr) != 1) {
        rl_err_set(err, "listen: '%s' is not an IPv4 address", app->set.listen_addr);
        return NULL;
    }
    unsigned int flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    /* without TLS the two options end the list (MHD_OPTION_END) */
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, app->tls_cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, app->tls_key_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    if (app->tls_cert_pem) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            rl_err_set(err, "[tls]: this libmicrohttpd is built without TLS");
            return NULL;
        }
        flags |= MHD_USE_TLS;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)app->set.port, NULL, NULL, s_access, app, MHD_OPTION_SOCK_ADDR, &sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)app->set.threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)30, MHD_OPTION_NOTIFY_COMPLETED, s_completed, app,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_ARRAY,
        app->tls_cert_pem ? tls : tls + 2, MHD_OPTION_END);
    if (!d)
        rl_err_set(err, "cannot listen on %s:%d (address in use, or not this machine's)",
                   app->set.listen_addr, app->set.port);
    return d;
}
