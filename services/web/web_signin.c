/* Sign-in and sign-out of ruglab-web (the decisions: web.h). The SQL runs
 * as ruglab_web, which reads the accounts and records attempts only. */
#include "web.h"

#include "ruglab/db.h"
#include "ruglab/mem.h"
#include "ruglab/text.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One attempt at a time per typed name and per address (advisory locks
 * of the transaction, class 1 names, class 2 addresses, always in that
 * order): parallel attempts cannot check more passwords than the limit. */
static const char s_sql_serialise[] = "SELECT pg_advisory_xact_lock(1, hashtext($1)), "
                                      "pg_advisory_xact_lock(2, hashtext(coalesce($2, '')))";
/* Refused when either count of recent failures reached the limit; an
 * attempt refused because of the limit is no failure (migration 507). */
static const char s_sql_locked[] = "SELECT count(*) FILTER (WHERE user_name = $1) >= $3::int "
                                   "OR count(*) FILTER (WHERE client_addr = $2::inet) >= $3::int "
                                   "FROM web.sign_in_attempt "
                                   "WHERE NOT ok AND NOT refused_locked "
                                   "AND at > now() - interval '" WEB_SIGNIN_WINDOW "' "
                                   "AND (user_name = $1 OR client_addr = $2::inet)";
static const char s_sql_record[] = "INSERT INTO web.sign_in_attempt "
                                   "(user_name, client_addr, ok, refused_locked) "
                                   "VALUES ($1, $2::inet, $3, $4)";
static const char s_sql_account[] =
    "SELECT u.user_id, u.password_hash, coalesce(u.display_name, ''), u.role, "
    "coalesce(s.code, ''), u.disabled_at IS NOT NULL "
    "FROM web.user_account u LEFT JOIN clinical.site s ON s.site_id = u.site_id "
    "WHERE u.name = $1";

static const char s_sql_recheck[] =
    "SELECT u.role, coalesce(s.code, ''), u.disabled_at IS NULL, "
    "u.password_changed_at >= to_timestamp($2::bigint) "
    "FROM web.user_account u LEFT JOIN clinical.site s ON s.site_id = u.site_id "
    "WHERE u.user_id = $1";

/* What the sign-in form's CSRF token is made for: the pre-session id with
 * a label, so that a sign-in token is never a session's token (both are
 * MACs under one key) however the ids were chosen. */
static void
s_pre_id(const char *pre, char out[WEB_ID_HEX + 8])
{
    snprintf(out, WEB_ID_HEX + 8, "pre|%s", pre ? pre : "");
}

/* The pre-session of the sign-in form: the browser's, when it has a
 * well-formed one, else a new one (set as a cookie). */
static void
s_presession(web_app_t *app, web_req_t *req, web_resp_t *resp, char id[WEB_ID_HEX])
{
    const char *c = web_cookie(req, WEB_COOKIE_PRESESSION);
    if (c && strlen(c) == WEB_ID_HEX - 1 && strspn(c, "0123456789abcdef") == WEB_ID_HEX - 1) {
        snprintf(id, WEB_ID_HEX, "%s", c);
        return;
    }
    web_random_id(id);
    web_set_cookie(app, resp, WEB_COOKIE_PRESESSION, id, "/signin", 3600);
}

/* The sign-in page with a message template (msg_none: none). */
static void
s_form(web_app_t *app, web_req_t *req, web_resp_t *resp, unsigned status, const char *msg,
       const char *name)
{
    char pre[WEB_ID_HEX], token[WEB_TOKEN_SIZE];
    s_presession(app, req, resp, pre);
    char pid[WEB_ID_HEX + 8];
    s_pre_id(pre, pid);
    web_sessions_token(app->sessions, pid, web_now() + 3600, token);
    web_buf_t m = {0};
    (void)web_fragment(app, msg, NULL, 0, &m);
    /* the sign-in page's messages are all refusals */
    web_tvar_t v[] = {{"message", NULL, &m},
                      {"message_kind", "error", NULL},
                      {"csrf", token, NULL},
                      {"name", name, NULL}};
    web_page(app, req, resp, status, "signin", v, 4);
    web_buf_clear(&m);
}

int
web_signin_form(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    s_form(app, req, resp, 200, "msg_none", "");
    return 0;
}

/* The account behind a sign-in, read as ruglab_web. */
typedef struct {
    bool found;
    bool disabled;
    char hash[RL_PASSWORD_HASH_SIZE];
    web_session_t who;
} s_account_t;

static int
s_account(PGconn *conn, const char *name, s_account_t *a, rl_err_t *err)
{
    memset(a, 0, sizeof *a);
    if (!rl_text_utf8_valid(name, strlen(name)) || strlen(name) > 64)
        return 0; /* no such account can exist */
    PGresult *res = rl_db_exec(conn, err, "reading the account", s_sql_account, 1, &name);
    if (!res)
        return -1;
    if (PQntuples(res) == 1) {
        a->found = true;
        a->who.user_id = atoi(PQgetvalue(res, 0, 0));
        snprintf(a->hash, sizeof a->hash, "%s", PQgetvalue(res, 0, 1));
        snprintf(a->who.name, sizeof a->who.name, "%s", name);
        snprintf(a->who.display_name, sizeof a->who.display_name, "%s", PQgetvalue(res, 0, 2));
        snprintf(a->who.role, sizeof a->who.role, "%s", PQgetvalue(res, 0, 3));
        snprintf(a->who.site, sizeof a->who.site, "%s", PQgetvalue(res, 0, 4));
        a->disabled = PQgetvalue(res, 0, 5)[0] == 't';
    }
    PQclear(res);
    return 0;
}

/* Whether the name or the address is locked out; records the attempt
 * when ok is given (-1: check only). */
static int
s_locked(PGconn *conn, const char *name, const char *client, bool *locked, rl_err_t *err)
{
    char limit[16];
    snprintf(limit, sizeof limit, "%d", WEB_SIGNIN_MAX_FAILURES);
    const char *p[] = {name, client[0] ? client : NULL, limit};
    PGresult *res = rl_db_exec(conn, err, "counting failed sign-ins", s_sql_locked, 3, p);
    if (!res)
        return -1;
    *locked = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return 0;
}

/* Records an attempt: ok, a failure, or (locked) refused by the limit. */
static int
s_record_as(PGconn *conn, const char *name, const char *client, bool ok, bool locked, rl_err_t *err)
{
    const char *p[] = {name, client[0] ? client : NULL, ok ? "true" : "false",
                       locked ? "true" : "false"};
    PGresult *res = rl_db_exec(conn, err, "recording the sign-in", s_sql_record, 4, p);
    PQclear(res);
    return res ? 0 : -1;
}

static int
s_record(PGconn *conn, const char *name, const char *client, bool ok, rl_err_t *err)
{
    return s_record_as(conn, name, client, ok, false, err);
}

/* BEGIN and the per-name and per-address locks. */
static int
s_serialise(PGconn *conn, const char *name, const char *client, rl_err_t *err)
{
    if (rl_db_begin(conn, err) != 0)
        return -1;
    const char *p[] = {name, client[0] ? client : NULL};
    PGresult *res = rl_db_exec(conn, err, "waiting for the sign-in lock", s_sql_serialise, 2, p);
    PQclear(res);
    return res ? 0 : -1;
}

/* The typed name as the attempt records it: valid UTF-8, at most 256 bytes. */
static char *
s_name_for_record(const char *name)
{
    return rl_text_utf8_sanitize(name, 256);
}

/* Checks the password (a dummy hash for an unknown name: the same time)
 * and records the attempt. *ok: the account may sign in. */
static int
s_check(web_app_t *app, PGconn *conn, const char *name, const char *pw, const char *client,
        s_account_t *a, bool *ok, rl_err_t *err)
{
    if (s_account(conn, name, a, err) != 0)
        return -1;
    bool match = rl_password_verify(a->found ? a->hash : app->dummy_hash, pw, strlen(pw));
    *ok = a->found && match && !a->disabled;
    char *rec = s_name_for_record(name);
    int rc = s_record(conn, rec, client, *ok, err);
    free(rec);
    return rc;
}

int
web_signin_post(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    const char *pre = web_cookie(req, WEB_COOKIE_PRESESSION);
    char *token = web_form(req, "csrf"), *name = web_form(req, "name"),
         *pw = web_form(req, "password");
    int rc = -1;
    PGconn *conn = NULL;
    rl_err_t err;
    char pid[WEB_ID_HEX + 8];
    s_pre_id(pre, pid);
    if (!pre || !web_sessions_token_ok(app->sessions, pid, token, web_now())) {
        rl_warn(req->client, "sign-in refused: no valid CSRF token");
        web_error(app, req, resp, 403, "msg_csrf");
        rc = 0;
        goto out;
    }
    if (!name)
        name = rl_strdup("");
    if (!pw)
        pw = rl_strdup("");
    conn = web_pool_borrow(app->pool_web, &err);
    char *rec = s_name_for_record(name);
    bool locked = false, ok = false;
    s_account_t a;
    memset(&a, 0, sizeof a);
    if (!conn || s_serialise(conn, rec, req->client, &err) != 0 ||
        s_locked(conn, rec, req->client, &locked, &err) != 0 ||
        (locked && s_record_as(conn, rec, req->client, false, true, &err) != 0) ||
        (!locked && s_check(app, conn, name, pw, req->client, &a, &ok, &err) != 0) ||
        rl_db_commit(conn, &err) != 0) {
        free(rec);
        rl_error("database", "sign-in: %s", err.msg);
        if (conn)
            rl_db_rollback(conn);
        goto out;
    }
    free(rec);
    rc = 0;
    if (locked) {
        rl_warn(req->client, "sign-in refused: too many failures for this name or address");
        s_form(app, req, resp, 429, "msg_locked", name);
    } else if (!ok) {
        rl_info(req->client, "sign-in refused");
        s_form(app, req, resp, 200, "msg_wrong", name);
    } else {
        web_sessions_create(app->sessions, &a.who, web_now());
        rl_info(req->client, "sign-in of %s (%s)", a.who.name, a.who.role);
        web_set_cookie(app, resp, WEB_COOKIE_SESSION, a.who.id, "/", -1);
        web_set_cookie(app, resp, WEB_COOKIE_PRESESSION, "", "/signin", 0);
        web_redirect(resp, "/");
    }
    explicit_bzero(&a, sizeof a);
out:
    web_pool_return(app->pool_web, conn);
    if (pw)
        explicit_bzero(pw, strlen(pw));
    free(pw);
    free(name);
    free(token);
    return rc;
}

int
web_signout(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    web_sessions_end(app->sessions, req->who.id);
    rl_info(req->client, "sign-out of %s", req->who.name);
    web_set_cookie(app, resp, WEB_COOKIE_SESSION, "", "/", 0);
    web_redirect(resp, "/signin");
    return 0;
}

int
web_signin_header(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    if (!app->set.trust_header[0])
        return 0;
    const char *name =
        MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, app->set.trust_header);
    if (!name || !*name) /* the proxy authenticated no one: the sign-in form */
        return 0;
    if (!web_trusted_proxy(app, req->peer)) {
        rl_warn(req->client, "%s from %s ignored: not a trusted proxy", app->set.trust_header,
                req->peer[0] ? req->peer : "an unknown address");
        return 0;
    }
    if (req->signed_in && !strcmp(req->who.name, name))
        return 0; /* this person's session already */
    rl_err_t err;
    PGconn *conn = web_pool_borrow(app->pool_web, &err);
    s_account_t a;
    memset(&a, 0, sizeof a);
    char *rec = s_name_for_record(name);
    int rc = -1;
    if (!conn || s_account(conn, name, &a, &err) != 0 ||
        s_record(conn, rec, req->client, a.found && !a.disabled, &err) != 0) {
        rl_error("database", "sign-in by %s: %s", app->set.trust_header, err.msg);
        goto out;
    }
    rc = 1;
    if (!a.found || a.disabled) {
        rl_info(req->client, "sign-in by %s refused", app->set.trust_header);
        req->signed_in = false;
        web_error(app, req, resp, 403, "msg_wrong");
        goto out;
    }
    if (req->signed_in)
        web_sessions_end(app->sessions, req->who.id);
    web_sessions_create(app->sessions, &a.who, web_now());
    rl_info(req->client, "sign-in of %s (%s) by %s", a.who.name, a.who.role, app->set.trust_header);
    web_set_cookie(app, resp, WEB_COOKIE_SESSION, a.who.id, "/", -1);
    req->who = a.who;
    req->signed_in = true;
    rc = 0;
out:
    explicit_bzero(&a, sizeof a);
    free(rec);
    web_pool_return(app->pool_web, conn);
    return rc;
}

int
web_signin_recheck(web_app_t *app, web_req_t *req)
{
    long long now = web_now();
    if (!req->signed_in || now - req->who.checked_s < app->set.recheck_s)
        return 0;
    rl_err_t err;
    char uid[24], created[24];
    snprintf(uid, sizeof uid, "%d", req->who.user_id);
    /* a password changed in the second of the sign-in counts as after it:
     * the person signs in again rather than keep a session of the old one */
    snprintf(created, sizeof created, "%lld", (long long)req->who.created_s);
    const char *p[] = {uid, created};
    PGconn *conn = web_pool_borrow(app->pool_web, &err);
    PGresult *res =
        conn ? rl_db_exec(conn, &err, "reading the account again", s_sql_recheck, 2, p) : NULL;
    web_pool_return(app->pool_web, conn);
    if (!res) {
        rl_error("database", "%s", err.msg);
        return -1;
    }
    const char *why = NULL;
    if (PQntuples(res) != 1)
        why = "the account is gone";
    else if (PQgetvalue(res, 0, 2)[0] != 't')
        why = "the account is disabled";
    else if (PQgetvalue(res, 0, 3)[0] == 't')
        why = "the password changed";
    else if (strcmp(PQgetvalue(res, 0, 0), req->who.role) ||
             strcmp(PQgetvalue(res, 0, 1), req->who.site))
        why = "the role or site changed";
    PQclear(res);
    if (why) {
        rl_info(req->client, "session of %s ended: %s", req->who.name, why);
        char id[WEB_ID_HEX];
        memcpy(id, req->who.id, sizeof id);
        web_sessions_end(app->sessions, id);
        explicit_bzero(id, sizeof id);
        static const web_session_t nobody;
        req->who = nobody;
        req->signed_in = false;
    } else {
        web_sessions_checked(app->sessions, req->who.id, now);
    }
    return 0;
}
