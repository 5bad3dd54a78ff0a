/* The pieces the enrolment pages share (the secretariat's pages in
 * web_secretariat.c, the home programme in web_homeprog.c): a form's
 * fields as typed with the refusal shown beside the field it names (the
 * rl_reg_err_t of registration.h names it), a select of stored codes, the
 * enrolment of the path on the signed-in person's own site (another
 * site's is 404, as one that does not exist) with its read recorded in
 * the access log, and the connection of the person's role. Called on
 * MHD's worker threads; no state of their own. */
#ifndef WEB_FORM_H
#define WEB_FORM_H

#include "web.h"

#include "ruglab/registration.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* Fields of one form, and the variables of its page. The questionnaire
 * form (web_secretariat.c) has the most fields: 4 and one per item. */
#define WEB_FORM_MAX_FIELDS 32
#define WEB_FORM_MAX_VARS 80

/* A form's fields as typed, the refusal beside the field it names, and the
 * variables of its template: v_<field> (the value) and e_<field> (the
 * message), '-' in a field's name becoming '_'; e_form for a refusal that
 * names no field of the form. */
typedef struct {
    const char *const *names;
    size_t n;
    char *values[WEB_FORM_MAX_FIELDS];
    web_buf_t errs[WEB_FORM_MAX_FIELDS];
    web_buf_t general;
    char keys[2 * WEB_FORM_MAX_FIELDS][48];
    bool failed;
} web_form_t;

/* The fields names[0..n) of the request's body (req NULL: an empty form). */
void web_form_init(web_form_t *f, const web_req_t *req, const char *const *names, size_t n);
void web_form_free(web_form_t *f);
/* The index of field name, or -1. */
int web_form_index(const web_form_t *f, const char *name);
/* The value typed, or NULL when absent or empty (not given). */
const char *web_form_val(const web_form_t *f, const char *name);
/* Shows msg beside field (or above the form when no field of the form
 * has that name). */
void web_form_error(web_app_t *app, web_form_t *f, const char *field, const char *msg);
/* Shows the words msg (a rendered fragment) beside field. */
void web_form_error_html(web_app_t *app, web_form_t *f, const char *field, const web_buf_t *msg);
/* Appends the form's variables to v (at *nv): v_<field>, e_<field>, e_form. */
void web_form_vars(web_form_t *f, web_tvar_t *v, size_t *nv);

/* The <option>s of a select of kind's values t (NULL-terminated), the one
 * equal to selected marked; each value's words are the template
 * KIND_VALUE (web_term). */
void web_select(web_app_t *app, web_buf_t *out, const char *kind, const char *const *t,
                const char *selected);

/* An id in the path: 1-18 digits; NULL otherwise (404). */
const char *web_id_param(const web_req_t *req);
/* rl_db_exec, the error logged; NULL on error. */
PGresult *web_db_query(PGconn *conn, const char *what, const char *sql, int n,
                       const char *const *p);
/* res when it holds one row; otherwise NULL, res cleared, and *missing
 * (a result of another count; a NULL res, an error: not missing). */
PGresult *web_db_one(PGresult *res, bool *missing);
/* Records that the signed-in person sees this patient's identity; 0 or -1 (logged). */
int web_audit_subject(PGconn *conn, const char *command, const char *subject_id);
/* The enrolment of the person's site: subject_id, family name, given
 * name, programme code, status, start, end. NULL with *missing when there
 * is none there (NULL without it: a database error, logged). */
PGresult *web_enrolment_of_site(PGconn *conn, const web_req_t *req, const char *enrolment_id,
                                bool *missing);
/* The borrowed connection of the person's role; NULL: 503 (logged). */
PGconn *web_borrow(web_app_t *app, const web_req_t *req);
void web_return(web_app_t *app, const web_req_t *req, PGconn *conn);
/* The header variables of an enrolment page (enr: web_enrolment_of_site's
 * row) into v: enrolment_id, subject_id, family_name, given_name,
 * programme, status, start, end. */
void web_enrolment_vars(web_app_t *app, web_terms_t *w, const PGresult *enr,
                        const char *enrolment_id, web_tvar_t *v, size_t *nv);
/* The enrolment of the path on the person's site, its row in *enr and the
 * read audited as command; 1: answered already (404), -1: error. */
int web_enrolment_open(web_app_t *app, web_req_t *req, web_resp_t *resp, PGconn *conn,
                       const char *command, const char **enrolment_id, PGresult **enr);

/* A page of one enrolment with a form: GET shows it; POST asks write,
 * then on success redirects to back (ENROLMENT_ID appended), on a refusal
 * shows the page again (422) with err's message beside its field (a
 * refusal of the database is a 503, logged). The enrolment is the path's,
 * of the person's own site (web_enrolment_open; the read audited as
 * command). */
typedef struct {
    const char *command; /* the access log's word */
    const char *const *fields;
    size_t n_fields;
    const char *back; /* "/attendance/" */
    /* 0: written (and logged by it); -1: refused with err (field "": above
     * the form); 1: refused, the form's error already set by it */
    int (*write)(web_app_t *app, const web_req_t *req, PGconn *conn, const char *enrolment_id,
                 web_form_t *f, rl_reg_err_t *err);
    /* renders the page into resp; 0, or -1 (503) */
    int (*page)(web_app_t *app, const web_req_t *req, web_resp_t *resp, PGconn *conn,
                unsigned status, const char *enrolment_id, const PGresult *enr, web_form_t *f);
} web_enrolment_form_t;

int web_enrolment_form(web_app_t *app, web_req_t *req, web_resp_t *resp,
                       const web_enrolment_form_t *def, bool post);

#endif
