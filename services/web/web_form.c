/* The pieces the enrolment pages share (web_form.h): forms, selects, the
 * enrolment of the person's own site. Moved out of web_secretariat.c for
 * the home programme's page (web_homeprog.c). */
#include "web_form.h"

#include "ruglab/audit.h"
#include "ruglab/db.h"
#include "ruglab/exitcode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The <option>s of a select of kind's values, the one equal to selected
 * marked. */
void
web_select(web_app_t *app, web_buf_t *out, const char *kind, const char *const *t,
           const char *selected)
{
    for (; *t; t++) {
        web_terms_t w = {0};
        web_tvar_t v[] = {{"value", *t, NULL}, {"label", NULL, web_terms_add(app, &w, kind, *t)}};
        bool sel = selected && !strcmp(selected, *t);
        (void)web_fragment(app, sel ? "option_selected" : "option", v, 2, out);
        web_terms_clear(&w);
    }
}

/* ------------------------------------------------------------ forms */

void
web_form_init(web_form_t *f, const web_req_t *req, const char *const *names, size_t n)
{
    memset(f, 0, sizeof *f);
    f->names = names;
    f->n = n < WEB_FORM_MAX_FIELDS ? n : WEB_FORM_MAX_FIELDS;
    for (size_t i = 0; i < f->n; i++)
        f->values[i] = req ? web_form(req, names[i]) : NULL;
}

void
web_form_free(web_form_t *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->values[i]);
        web_buf_clear(&f->errs[i]);
    }
    web_buf_clear(&f->general);
}

int
web_form_index(const web_form_t *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->names[i], name))
            return (int)i;
    return -1;
}

/* The value typed, or NULL when absent or empty (not given). */
const char *
web_form_val(const web_form_t *f, const char *name)
{
    int i = web_form_index(f, name);
    return i >= 0 && f->values[i] && f->values[i][0] ? f->values[i] : NULL;
}

/* Shows the message v beside field (or above the form). */
static void
s_form_error_var(web_app_t *app, web_form_t *f, const char *field, web_tvar_t v)
{
    int i = field ? web_form_index(f, field) : -1;
    (void)web_fragment(app, "field_error", &v, 1, i >= 0 ? &f->errs[i] : &f->general);
    f->failed = true;
}

/* Shows msg beside field (or above the form). */
void
web_form_error(web_app_t *app, web_form_t *f, const char *field, const char *msg)
{
    s_form_error_var(app, f, field, (web_tvar_t){"message", msg, NULL});
}

/* Shows the words msg (a rendered fragment) beside field. */
void
web_form_error_html(web_app_t *app, web_form_t *f, const char *field, const web_buf_t *msg)
{
    s_form_error_var(app, f, field, (web_tvar_t){"message", NULL, msg});
}

/* Appends the form's variables to v (at *nv). */
void
web_form_vars(web_form_t *f, web_tvar_t *v, size_t *nv)
{
    for (size_t i = 0; i < f->n && *nv + 2 < WEB_FORM_MAX_VARS; i++) {
        char *vk = f->keys[2 * i], *ek = f->keys[2 * i + 1];
        snprintf(vk, 48, "v_%s", f->names[i]);
        snprintf(ek, 48, "e_%s", f->names[i]);
        for (char *c = vk; *c; c++)
            *c = *c == '-' ? '_' : *c;
        for (char *c = ek; *c; c++)
            *c = *c == '-' ? '_' : *c;
        web_buf_add(&f->errs[i], "", 0);
        v[(*nv)++] = (web_tvar_t){vk, f->values[i] ? f->values[i] : "", NULL};
        v[(*nv)++] = (web_tvar_t){ek, NULL, &f->errs[i]};
    }
    web_buf_add(&f->general, "", 0);
    v[(*nv)++] = (web_tvar_t){"e_form", NULL, &f->general};
}

/* ------------------------------------------------------------ the database */

/* An id in the path: 1-18 digits; NULL otherwise (404). */
const char *
web_id_param(const web_req_t *req)
{
    size_t n = strlen(req->param);
    return n >= 1 && n <= 18 && strspn(req->param, "0123456789") == n ? req->param : NULL;
}

PGresult *
web_db_query(PGconn *conn, const char *what, const char *sql, int n, const char *const *p)
{
    rl_err_t err;
    PGresult *res = rl_db_exec(conn, &err, what, sql, n, p);
    if (!res)
        rl_error("database", "%s", err.msg);
    return res;
}

PGresult *
web_db_one(PGresult *res, bool *missing)
{
    *missing = res && PQntuples(res) != 1;
    if (*missing) {
        PQclear(res);
        return NULL;
    }
    return res;
}

/* Records that the signed-in person sees this patient's identity. */
int
web_audit_subject(PGconn *conn, const char *command, const char *subject_id)
{
    rl_err_t err;
    if (rl_audit_record(conn, WEB_PROG, command, subject_id, NULL, &err) == 0)
        return 0;
    rl_error("audit", "%s", err.msg);
    return -1;
}

/* The enrolment of the person's site: subject_id, family name, given
 * name, programme code, status, start, end. NULL with *missing when there
 * is none there. */
PGresult *
web_enrolment_of_site(PGconn *conn, const web_req_t *req, const char *enrolment_id, bool *missing)
{
    const char *p[2] = {enrolment_id, req->who.site};
    PGresult *res =
        web_db_query(conn, "reading the enrolment",
                     "SELECT e.subject_id, p.family_name, p.given_name, pr.code, e.status, "
                     "to_char(e.start_date, 'YYYY-MM-DD'), coalesce(to_char(e.end_date, "
                     "'YYYY-MM-DD'), '') "
                     "FROM clinical.enrolment e JOIN identity.patient p USING (subject_id) "
                     "JOIN clinical.programme pr ON pr.programme_id = e.programme_id "
                     "JOIN clinical.site st ON st.site_id = e.site_id "
                     "WHERE e.enrolment_id = $1::bigint AND st.code = $2",
                     2, p);
    return web_db_one(res, missing);
}

/* The borrowed connection of the person's role; NULL: 503 (logged). */
PGconn *
web_borrow(web_app_t *app, const web_req_t *req)
{
    rl_err_t err;
    web_pool_t *pool = web_role_pool(app, req);
    PGconn *conn = pool ? web_pool_borrow(pool, &err) : NULL;
    if (!conn)
        rl_error("database", "%s", pool ? err.msg : "no pool for this role");
    return conn;
}

void
web_return(web_app_t *app, const web_req_t *req, PGconn *conn)
{
    web_pool_return(web_role_pool(app, req), conn);
}

/* The header variables of an enrolment page (enr: web_enrolment_of_site's
 * row) into v. */
void
web_enrolment_vars(web_app_t *app, web_terms_t *w, const PGresult *enr, const char *enrolment_id,
                   web_tvar_t *v, size_t *nv)
{
    v[(*nv)++] = (web_tvar_t){"enrolment_id", enrolment_id, NULL};
    v[(*nv)++] = (web_tvar_t){"subject_id", PQgetvalue(enr, 0, 0), NULL};
    v[(*nv)++] = (web_tvar_t){"family_name", PQgetvalue(enr, 0, 1), NULL};
    v[(*nv)++] = (web_tvar_t){"given_name", PQgetvalue(enr, 0, 2), NULL};
    v[(*nv)++] = (web_tvar_t){"programme", PQgetvalue(enr, 0, 3), NULL};
    v[(*nv)++] = (web_tvar_t){"status", NULL, web_terms_add(app, w, "st", PQgetvalue(enr, 0, 4))};
    v[(*nv)++] = (web_tvar_t){"start", PQgetvalue(enr, 0, 5), NULL};
    const char *end = PQgetvalue(enr, 0, 6);
    v[(*nv)++] = (web_tvar_t){"end", *end ? end : "–", NULL};
}

/* The enrolment of the path on the person's site, its row in *enr and the
 * read audited; 1: answered already (404), -1: error. */
int
web_enrolment_open(web_app_t *app, web_req_t *req, web_resp_t *resp, PGconn *conn,
                   const char *command, const char **enrolment_id, PGresult **enr)
{
    bool missing = false;
    *enrolment_id = web_id_param(req);
    *enr = *enrolment_id ? web_enrolment_of_site(conn, req, *enrolment_id, &missing) : NULL;
    if (!*enrolment_id || missing) {
        web_error(app, req, resp, 404, "msg_not_found");
        return 1;
    }
    if (!*enr || web_audit_subject(conn, command, PQgetvalue(*enr, 0, 0)) < 0)
        return -1;
    return 0;
}

int
web_enrolment_form(web_app_t *app, web_req_t *req, web_resp_t *resp,
                   const web_enrolment_form_t *def, bool post)
{
    PGconn *conn = web_borrow(app, req);
    if (!conn)
        return -1;
    const char *enrolment_id;
    PGresult *enr = NULL;
    web_form_t f;
    web_form_init(&f, post ? req : NULL, def->fields, def->n_fields);
    int r = web_enrolment_open(app, req, resp, conn, def->command, &enrolment_id, &enr);
    if (r != 0) {
        r = r > 0 ? 0 : -1;
        goto out;
    }
    if (post) {
        rl_reg_err_t err;
        int w = def->write(app, req, conn, enrolment_id, &f, &err);
        if (w == 0) {
            char to[64];
            snprintf(to, sizeof to, "%s%s", def->back, enrolment_id);
            web_redirect(resp, to);
            goto out;
        }
        if (w < 0 && err.status == RL_EXIT_DB) {
            rl_error("database", "%s: %s", def->command, err.msg);
            r = -1;
            goto out;
        }
        if (w < 0)
            web_form_error(app, &f, err.field, err.msg);
    }
    r = def->page(app, req, resp, conn, f.failed ? 422 : 200, enrolment_id, enr, &f);
out:
    PQclear(enr);
    web_form_free(&f);
    web_return(app, req, conn);
    return r;
}
