/* The physician's conclusion and sign-off (issue 14): the form for the
 * conclusion and advice, the letter as a DRAFT preview, "sign and release"
 * (final PDF, FHIR Bundle and KMEHR message into the site's outbox, one
 * delivery per recipient) and the released letters. Physicians only,
 * through the ruglab_clinician pool, and only their own site's enrolments
 * (another site's is 404, as if it did not exist).
 *
 * Decisions:
 * - The rules are the shared ones: the conclusion is stored by
 *   rl_conclusion_store (as `ruglab conclusion set`), the letter is checked
 *   and rendered by report_issue.c (as `ruglab-report letter`): the same
 *   refusals, the same PDF.
 * - pango/fontconfig are not thread-safe: every letter is rendered under
 *   one process-wide mutex, in a working directory of its own that is
 *   removed afterwards.
 * - A release is a row of clinical.report_release (enrolment, version)
 *   with a unique (enrolment, version): the release form carries the
 *   version it makes, so a resubmitted or double-clicked form finds its
 *   version taken and gets "already released" instead of a second one.
 *   Version 2 and later need a reason; earlier versions stay (rows and
 *   files).
 * - Without the GP's or the physician's RIZIV number no KMEHR message can
 *   be made: the release goes ahead with the PDF and the FHIR Bundle, the
 *   page names the missing number, and the GP's copy is queued for print.
 * - The outbox: <dir>/<site code>/release-<id>/ holding letter.pdf,
 *   fhir.json and kmehr.xml (no patient identity in any name), written as
 *   .release-<id>.tmp, each file synced, then renamed; the rows are
 *   committed after the rename (a failed commit removes the folder). */
#include "web.h"

#include "../report/report.h"

#include "ruglab/audit.h"
#include "ruglab/conclusion.h"
#include "ruglab/db.h"
#include "ruglab/mem.h"
#include "ruglab/paths.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
web_signoff_cleanup(void)
{
    pthread_mutex_lock(&web_render_lock);
    rpt_letter_cleanup();
    pthread_mutex_unlock(&web_render_lock);
}

/* ------------------------------------------------------------ lookups */

/* The enrolment named by the route's parameter, of the person's own site:
 * *eid and its subject id. 0 found; 404 not a number, not there or of
 * another site; -1 database error (logged). */
static int
s_enrolment(PGconn *conn, const web_req_t *req, long long *eid, char subject[32])
{
    size_t n = strlen(req->param);
    if (n == 0 || n > 18 || strspn(req->param, "0123456789") != n)
        return 404;
    const char *p[] = {req->param, req->who.site};
    rl_err_t err;
    PGresult *res = rl_db_exec(conn, &err, "finding the enrolment",
                               "SELECT e.enrolment_id, e.subject_id FROM clinical.enrolment e "
                               "JOIN clinical.site s ON s.site_id = e.site_id "
                               "WHERE e.enrolment_id = $1::bigint AND s.code = $2",
                               2, p);
    if (!res) {
        rl_error("database", "%s", err.msg);
        return -1;
    }
    int rc = 404;
    if (PQntuples(res) == 1) {
        *eid = atoll(PQgetvalue(res, 0, 0));
        snprintf(subject, 32, "%s", PQgetvalue(res, 0, 1));
        rc = 0;
    }
    PQclear(res);
    return rc;
}

/* The report model of the enrolment (the read is audited by the model). */
static rpt_model_t *
s_model(PGconn *conn, const char *subject, long long eid, const char *command)
{
    int rc;
    rl_err_t err;
    rpt_model_t *m = rpt_model_load(conn, subject, eid, command, &rc, &err);
    if (!m)
        rl_error("report", "enrolment %lld: %s", eid, err.msg);
    return m;
}

/* The letter's language: lang when it is nl or en, else the page's (the
 * request's language). */
static const char *
s_letter_lang(const web_req_t *req, const char *lang)
{
    if (lang && (!strcmp(lang, "nl") || !strcmp(lang, "en")))
        return lang;
    return req->lang;
}

/* Renders the letter under the lock, in a working directory of its own. */
static unsigned char *
s_render(const rpt_model_t *m, const char *lang, bool draft, size_t *len, rl_err_t *err)
{
    pthread_mutex_lock(&web_render_lock);
    char *dir = rl_paths_workdir("ruglab-web", err);
    unsigned char *bytes = dir ? rpt_render(m, lang, draft, dir, NULL, len, err) : NULL;
    rl_paths_rmdir(dir);
    pthread_mutex_unlock(&web_render_lock);
    return bytes;
}

/* ------------------------------------------------------------ the page */

/* The options of a language select, the one chosen marked. */
static void
s_lang_options(web_app_t *app, const char *chosen, bool with_fr, web_buf_t *out)
{
    static const char *langs[] = {"nl", "en", "fr"};
    for (size_t i = 0; i < (with_fr ? 3u : 2u); i++) {
        web_terms_t t = {0};
        web_tvar_t v[] = {{"value", langs[i], NULL},
                          {"label", NULL, web_terms_add(app, &t, "lang", langs[i])}};
        (void)web_fragment(
            app, chosen && !strcmp(chosen, langs[i]) ? "signoff_option_selected" : "signoff_option",
            v, 2, out);
        web_terms_clear(&t);
    }
    web_buf_add(out, "", 0);
}

/* The deliveries of one release as rows. */
static int
s_deliveries(web_app_t *app, PGconn *conn, const char *release_id, web_buf_t *out)
{
    const char *p[] = {release_id};
    rl_err_t err;
    PGresult *res = rl_db_exec(conn, &err, "reading the deliveries",
                               "SELECT recipient, channel, status, coalesce(status_note, ''), "
                               "to_char(status_at AT TIME ZONE 'Europe/Brussels', "
                               "'YYYY-MM-DD HH24:MI'), status_by "
                               "FROM clinical.report_delivery WHERE release_id = $1::bigint "
                               "ORDER BY delivery_id",
                               1, p);
    if (!res) {
        rl_error("database", "%s", err.msg);
        return -1;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        web_terms_t t = {0};
        web_tvar_t v[] = {
            {"recipient", NULL, web_terms_add(app, &t, "recipient", PQgetvalue(res, i, 0))},
            {"channel", NULL, web_terms_add(app, &t, "channel", PQgetvalue(res, i, 1))},
            {"status", NULL, web_terms_add(app, &t, "delivery", PQgetvalue(res, i, 2))},
            {"status_code", PQgetvalue(res, i, 2), NULL},
            {"note", PQgetvalue(res, i, 3), NULL},
            {"at", PQgetvalue(res, i, 4), NULL},
            {"by", PQgetvalue(res, i, 5), NULL},
        };
        (void)web_fragment(app, "signoff_delivery_row", v, sizeof v / sizeof v[0], out);
        web_terms_clear(&t);
    }
    PQclear(res);
    web_buf_add(out, "", 0);
    return 0;
}

/* The release history: rows into out; *next: the version a release would
 * make now. */
static int
s_history(web_app_t *app, PGconn *conn, long long eid, web_buf_t *out, int *next)
{
    char e[32];
    snprintf(e, sizeof e, "%lld", eid);
    const char *p[] = {e};
    rl_err_t err;
    PGresult *res = rl_db_exec(
        conn, &err, "reading the releases",
        "SELECT release_id, version, released_by, to_char(released_at AT TIME ZONE "
        "'Europe/Brussels', 'YYYY-MM-DD HH24:MI'), coalesce(reason, ''), lang, "
        "coalesce(kmehr_missing, '') FROM clinical.report_release WHERE enrolment_id = $1::bigint "
        "ORDER BY version DESC",
        1, p);
    if (!res) {
        rl_error("database", "%s", err.msg);
        return -1;
    }
    *next = PQntuples(res) ? atoi(PQgetvalue(res, 0, 1)) + 1 : 1;
    int rc = 0;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
        web_buf_t deliveries = {0}, missing = {0};
        rc = s_deliveries(app, conn, PQgetvalue(res, i, 0), &deliveries);
        const char *km = PQgetvalue(res, i, 6);
        if (*km)
            (void)web_fragment(app,
                               !strcmp(km, "gp_riziv") ? "msg_signoff_no_gp_riziv"
                                                       : "msg_signoff_no_physician_riziv",
                               NULL, 0, &missing);
        web_buf_add(&missing, "", 0);
        web_terms_t t = {0};
        web_tvar_t v[] = {
            {"release_id", PQgetvalue(res, i, 0), NULL},
            {"version", PQgetvalue(res, i, 1), NULL},
            {"by", PQgetvalue(res, i, 2), NULL},
            {"at", PQgetvalue(res, i, 3), NULL},
            {"reason", PQgetvalue(res, i, 4), NULL},
            {"lang", NULL, web_terms_add(app, &t, "lang", PQgetvalue(res, i, 5))},
            {"kmehr", NULL, &missing},
            {"deliveries", NULL, &deliveries},
        };
        if (rc == 0)
            (void)web_fragment(app, "signoff_release_row", v, sizeof v / sizeof v[0], out);
        web_buf_clear(&deliveries);
        web_buf_clear(&missing);
        web_terms_clear(&t);
    }
    PQclear(res);
    web_buf_add(out, "", 0);
    return rc;
}

/* What the form shows when it is not the stored conclusion (a refused
 * save keeps what was typed). */
typedef struct {
    const char *body, *advice, *lang;
    const char *message; /* a msg_ template, or NULL */
    bool ok;             /* the message says a thing was done, not refused */
    unsigned status;
} s_form_t;

/* The page of enrolment eid: the patient, the form, the history. */
static int
s_page(web_app_t *app, web_req_t *req, web_resp_t *resp, PGconn *conn, const rpt_model_t *m,
       const s_form_t *f)
{
    web_buf_t history = {0}, msg = {0}, langs = {0}, letter_langs = {0}, letter_langs2 = {0},
              reason = {0};
    int next = 1;
    if (s_history(app, conn, m->enrolment_id, &history, &next) != 0) {
        web_buf_clear(&history);
        return -1;
    }
    if (f->message)
        (void)web_fragment(app, f->message, NULL, 0, &msg);
    web_buf_add(&msg, "", 0);
    const char *clang = f->lang ? f->lang : m->conclusion_lang ? m->conclusion_lang : req->lang;
    s_lang_options(app, clang, true, &langs);
    const char *llang = s_letter_lang(req, clang);
    s_lang_options(app, llang, false, &letter_langs);
    s_lang_options(app, llang, false, &letter_langs2);
    if (next > 1)
        (void)web_fragment(app, "signoff_reason", NULL, 0, &reason);
    web_buf_add(&reason, "", 0);
    char csrf[WEB_TOKEN_SIZE], eid[32], version[16];
    web_csrf(app, req, csrf);
    snprintf(eid, sizeof eid, "%lld", m->enrolment_id);
    snprintf(version, sizeof version, "%d", next);
    const char *programme = web_name_in(req->lang, m->programme_name, m->programme_name_en);
    web_terms_t t = {0};
    web_tvar_t v[] = {
        {"enrolment", eid, NULL},
        {"family_name", m->family_name ? m->family_name : "", NULL},
        {"given_name", m->given_name ? m->given_name : "", NULL},
        {"programme", programme ? programme : "", NULL},
        {"status", NULL, web_terms_add(app, &t, "st", m->status)},
        {"body",
         f->body         ? f->body
         : m->conclusion ? m->conclusion
                         : "",
         NULL},
        {"advice",
         f->advice   ? f->advice
         : m->advice ? m->advice
                     : "",
         NULL},
        {"written_by", m->conclusion_by ? m->conclusion_by : "-", NULL},
        {"written_at", m->conclusion_at ? m->conclusion_at : "-", NULL},
        {"langs", NULL, &langs},
        {"letter_langs", NULL, &letter_langs},
        {"letter_langs2", NULL, &letter_langs2},
        {"csrf", csrf, NULL},
        {"version", version, NULL},
        {"reason_field", NULL, &reason},
        {"message", NULL, &msg},
        {"message_kind", f->ok ? "ok" : "error", NULL},
        {"history", NULL, &history},
    };
    web_page(app, req, resp, f->status ? f->status : 200, "signoff", v, sizeof v / sizeof v[0]);
    web_buf_clear(&history);
    web_buf_clear(&msg);
    web_buf_clear(&langs);
    web_buf_clear(&letter_langs);
    web_buf_clear(&letter_langs2);
    web_buf_clear(&reason);
    web_terms_clear(&t);
    return 0;
}

/* The enrolment a handler works on and a connection of the person's pool. */
typedef struct {
    PGconn *conn;
    long long eid;
    char subject[32];
} s_target_t;

/* The common start of every handler: a connection of the person's pool
 * and the enrolment of the route, of their own site. Returns 1 with *t
 * filled; else what the handler returns (0: answered 404, -1: error). */
static int
s_open(web_app_t *app, web_req_t *req, web_resp_t *resp, s_target_t *t)
{
    rl_err_t err;
    web_pool_t *pool = web_role_pool(app, req);
    t->conn = web_pool_borrow(pool, &err);
    if (!t->conn) {
        rl_error("database", "%s", err.msg);
        return -1;
    }
    int found = s_enrolment(t->conn, req, &t->eid, t->subject);
    if (found == 0)
        return 1;
    web_pool_return(pool, t->conn);
    t->conn = NULL;
    if (found != 404)
        return -1;
    web_error(app, req, resp, 404, "msg_not_found");
    return 0;
}

/* A PDF answer, shown in the browser, never stored. */
static void
s_pdf(web_resp_t *resp, unsigned char *pdf, size_t len, const char *disposition)
{
    web_buf_add(&resp->body, (const char *)pdf, len);
    free(pdf);
    resp->status = 200;
    resp->content_type = "application/pdf";
    resp->disposition = disposition;
    resp->cache = "no-store";
}

/* Shows the page with the stored values and an optional message of what
 * was done (after the redirect of a save or a release). */
static int
s_show(web_app_t *app, web_req_t *req, web_resp_t *resp, PGconn *conn, const char *subject,
       long long eid, const char *done_message)
{
    rpt_model_t *m = s_model(conn, subject, eid, "conclusion");
    if (!m)
        return -1;
    s_form_t f = {.message = done_message, .ok = true, .status = 200};
    int rc = s_page(app, req, resp, conn, m, &f);
    rpt_model_destroy(&m);
    return rc;
}

int
web_conclusion_form(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    s_target_t t;
    int rc = s_open(app, req, resp, &t);
    if (rc <= 0)
        return rc;
    const char *done = web_query(req, "done");
    const char *message = NULL;
    if (done && !strcmp(done, "saved"))
        message = "msg_signoff_saved";
    else if (done && !strcmp(done, "released"))
        message = "msg_signoff_released";
    rc = s_show(app, req, resp, t.conn, t.subject, t.eid, message);
    web_pool_return(web_role_pool(app, req), t.conn);
    return rc;
}

int
web_conclusion_save(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    s_target_t t;
    int rc = s_open(app, req, resp, &t);
    if (rc <= 0)
        return rc;
    rc = 0;
    char *body = web_form(req, "body"), *advice = web_form(req, "advice"),
         *lang = web_form(req, "lang");
    char e[32], id[32];
    snprintf(e, sizeof e, "%lld", t.eid);
    rl_conclusion_t in = {.enrolment_id = e, .body = body, .advice = advice, .lang = lang};
    const char *field = NULL;
    rl_err_t err;
    int st = rl_conclusion_store(t.conn, &in, id, &field, &err);
    if (st == 0) {
        rl_info(req->client, "%s saved conclusion %s of enrolment %lld", req->who.name, id, t.eid);
        char where[96];
        snprintf(where, sizeof where, "/conclusion/%lld?done=saved", t.eid);
        web_redirect(resp, where);
    } else if (st == -1) {
        /* refused: the page again with what was typed and why */
        rpt_model_t *m = s_model(t.conn, t.subject, t.eid, "conclusion");
        const char *msg = !strcmp(field, "lang")     ? "msg_signoff_bad_lang"
                          : !strcmp(field, "advice") ? "msg_signoff_bad_advice"
                                                     : "msg_signoff_bad_body";
        s_form_t f = {.body = body ? body : "",
                      .advice = advice ? advice : "",
                      .lang = rl_conclusion_lang_ok(lang) ? lang : NULL,
                      .message = msg,
                      .status = 422};
        rc = m ? s_page(app, req, resp, t.conn, m, &f) : -1;
        rpt_model_destroy(&m);
    } else {
        rl_error("database", "%s", err.msg);
        rc = -1;
    }
    free(body);
    free(advice);
    free(lang);
    web_pool_return(web_role_pool(app, req), t.conn);
    return rc;
}

int
web_preview(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    s_target_t t;
    int rc = s_open(app, req, resp, &t);
    if (rc <= 0)
        return rc;
    rpt_model_t *m = s_model(t.conn, t.subject, t.eid, "preview");
    web_pool_return(web_role_pool(app, req), t.conn);
    if (!m)
        return -1;
    /* a draft, as `ruglab-report letter --draft`: also while the
     * programme runs or before the conclusion is written */
    const char *lang = s_letter_lang(req, web_query(req, "lang"));
    size_t len = 0;
    rl_err_t err;
    unsigned char *pdf = s_render(m, lang, true, &len, &err);
    rpt_model_destroy(&m);
    if (!pdf) {
        rl_error("report", "preview of enrolment %lld: %s", t.eid, err.msg);
        return -1;
    }
    s_pdf(resp, pdf, len, "inline; filename=\"draft.pdf\"");
    return 0;
}

/* ------------------------------------------------------------ release */

/* One file of a release, in the outbox. */
typedef struct {
    const char *kind; /* report_issued.kind */
    const char *name; /* file name in the release folder */
    const unsigned char *data;
    size_t len;
} s_file_t;

/* Writes the files into <outbox>/<site>/.release-ID.tmp, each synced,
 * then renames the folder to release-ID. Returns the final folder
 * (caller frees) or NULL with err. */
static char *
s_outbox_write(const web_app_t *app, const char *site, long long release_id, const s_file_t *files,
               int n, rl_err_t *err)
{
    char *site_dir = rl_asprintf("%s/%s", app->set.outbox_dir, site);
    char *tmp = rl_asprintf("%s/.release-%lld.tmp", site_dir, release_id);
    char *dir = rl_asprintf("%s/release-%lld", site_dir, release_id);
    int rc = -1;
    if (mkdir(app->set.outbox_dir, 0750) != 0 && errno != EEXIST) {
        rl_err_set(err, "cannot create the outbox %s: %s", app->set.outbox_dir, strerror(errno));
        goto out;
    }
    if (mkdir(site_dir, 0750) != 0 && errno != EEXIST) {
        rl_err_set(err, "cannot create %s: %s", site_dir, strerror(errno));
        goto out;
    }
    /* the folders group-readable whatever the umask: the hospital's
     * messaging (in the service's group) takes the files */
    if (mkdir(tmp, 0750) != 0 || chmod(tmp, 0750) != 0 || chmod(site_dir, 0750) != 0) {
        rl_err_set(err, "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    for (int i = 0; i < n; i++) {
        char *path = rl_asprintf("%s/%s", tmp, files[i].name);
        int w = rpt_write_durable(path, files[i].data, files[i].len, err);
        free(path);
        if (w != 0)
            goto out;
    }
    if (rpt_fsync_dir(tmp, err) != 0)
        goto out;
    if (rename(tmp, dir) != 0) {
        rl_err_set(err, "cannot rename %s: %s", tmp, strerror(errno));
        goto out;
    }
    rc = rpt_fsync_dir(site_dir, err);
out:
    if (rc != 0) {
        rl_paths_rmdir(tmp); /* frees tmp */
        tmp = NULL;
    }
    free(tmp);
    free(site_dir);
    if (rc != 0) {
        free(dir);
        return NULL;
    }
    return dir;
}

/* The release's rows: the letter and its exports in report_issued, a
 * delivery per recipient. */
static int
s_release_rows(PGconn *conn, const rpt_model_t *m, long long release_id, const char *lang,
               const char *dir, const s_file_t *files, int n, bool kmehr)
{
    rl_err_t err;
    for (int i = 0; i < n; i++) {
        char hex[65];
        rpt_sha256_hex(files[i].data, files[i].len, hex);
        char *path = rl_asprintf("%s/%s", dir, files[i].name);
        rpt_record_t r = {.kind = files[i].kind,
                          .lang = lang,
                          .sha256 = hex,
                          .path = path,
                          .via = "web",
                          .release_id = release_id};
        int rc = rpt_record(conn, m, &r, NULL, &err);
        free(path);
        if (rc != 0) {
            rl_error("database", "%s", err.msg);
            return -1;
        }
    }
    /* who receives it: the GP (KMEHR by the eHealthBox, else on paper),
     * the patient's file, the referring physician when known */
    struct {
        const char *recipient, *channel, *file;
        bool when;
    } to[] = {
        {"gp", kmehr ? "ehealthbox" : "print", kmehr ? "kmehr.xml" : "letter.pdf",
         m->gp_family_name != NULL},
        {"patient_file", "print", "letter.pdf", true},
        {"referring", "print", "letter.pdf", m->referring_physician && *m->referring_physician},
    };
    char rid[32];
    snprintf(rid, sizeof rid, "%lld", release_id);
    for (size_t i = 0; i < sizeof to / sizeof to[0]; i++) {
        if (!to[i].when)
            continue;
        const char *p[] = {rid, to[i].recipient, to[i].channel, to[i].file, rl_audit_reader()};
        PGresult *res = rl_db_exec(conn, &err, "queueing the delivery",
                                   "INSERT INTO clinical.report_delivery (release_id, recipient, "
                                   "channel, file, status_by) VALUES ($1::bigint, $2, $3, $4, $5)",
                                   5, p);
        if (!res) {
            rl_error("database", "%s", err.msg);
            return -1;
        }
        PQclear(res);
    }
    return 0;
}

/* The release row; *release_id. It names the latest conclusion, which
 * must be the text the letter printed (m's; a save in between makes the
 * release stale). 0 made, 1 that version exists already (another release
 * took it), 2 the conclusion changed meanwhile, -1 database error. */
static int
s_release_row(PGconn *conn, const rpt_model_t *m, int version, const char *lang, const char *reason,
              const char *kmehr_missing, long long *release_id)
{
    char e[32], v[16];
    snprintf(e, sizeof e, "%lld", m->enrolment_id);
    snprintf(v, sizeof v, "%d", version);
    const char *p[] = {e,        v, lang, reason, kmehr_missing, rl_audit_reader(), m->conclusion,
                       m->advice};
    PGresult *res = PQexecParams(
        conn,
        "INSERT INTO clinical.report_release (enrolment_id, version, conclusion_id, lang, reason, "
        "kmehr_missing, released_by) "
        "SELECT $1::bigint, $2::integer, c.conclusion_id, $3, $4, $5, $6 FROM "
        "(SELECT conclusion_id, body, advice FROM clinical.conclusion "
        " WHERE enrolment_id = $1::bigint "
        " ORDER BY written_at DESC, conclusion_id DESC LIMIT 1) c "
        "WHERE c.body = $7 AND c.advice IS NOT DISTINCT FROM $8 RETURNING release_id",
        8, NULL, p, NULL, NULL, 0);
    int rc = -1;
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        rc = PQntuples(res) == 1 ? 0 : 2;
        if (rc == 0)
            *release_id = atoll(PQgetvalue(res, 0, 0));
    } else if (!strcmp(rl_db_sqlstate(res), "23505")) {
        rc = 1;
    } else {
        rl_error("database", "recording the release: %s", PQerrorMessage(conn));
    }
    PQclear(res);
    return rc;
}

/* The version the form asks for: a number >= 1, else 0. */
static int
s_version(const char *text)
{
    if (!text || !*text || strlen(text) > 6 || strspn(text, "0123456789") != strlen(text))
        return 0;
    return atoi(text);
}

/* The highest version released so far (0: none); -1 on error. */
static int
s_released(PGconn *conn, long long eid)
{
    char e[32];
    snprintf(e, sizeof e, "%lld", eid);
    const char *p[] = {e};
    rl_err_t err;
    PGresult *res = rl_db_exec(conn, &err, "reading the releases",
                               "SELECT coalesce(max(version), 0) FROM clinical.report_release "
                               "WHERE enrolment_id = $1::bigint",
                               1, p);
    if (!res) {
        rl_error("database", "%s", err.msg);
        return -1;
    }
    int v = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

/* The message template of a refusal of the report's rules. */
static const char *
s_refusal_msg(rpt_refusal_t r)
{
    switch (r) {
    case RPT_REFUSE_REFERENCE:
        return "msg_signoff_reference";
    case RPT_REFUSE_RUNNING:
        return "msg_signoff_running";
    case RPT_REFUSE_NO_CONCLUSION:
        return "msg_signoff_no_conclusion";
    default:
        return NULL;
    }
}

/* Renders and writes the release and records it, in one transaction.
 * Returns NULL when released, else the message template of the refusal;
 * *failed on an error (logged). */
static const char *
s_do_release(web_app_t *app, web_req_t *req, PGconn *conn, const rpt_model_t *m, int version,
             const char *lang, const char *reason, bool *failed)
{
    *failed = false;
    const char *kmehr_missing = rpt_kmehr_missing(m);
    rl_err_t err;
    if (rl_db_begin(conn, &err) != 0) {
        rl_error("database", "%s", err.msg);
        *failed = true;
        return NULL;
    }
    long long release_id = 0;
    int made = s_release_row(conn, m, version, lang, reason, kmehr_missing, &release_id);
    if (made != 0) {
        rl_db_rollback(conn);
        *failed = made < 0;
        return made == 1 ? "msg_signoff_already" : made == 2 ? "msg_signoff_stale" : NULL;
    }
    size_t len = 0;
    char *fhir = NULL, *kmehr = NULL, *dir = NULL;
    unsigned char *pdf = s_render(m, lang, false, &len, &err);
    if (pdf)
        fhir = rpt_export_text(m, false, pdf, len, lang, false, &err);
    if (fhir && !kmehr_missing)
        kmehr = rpt_export_text(m, true, pdf, len, lang, false, &err);
    if (!pdf || !fhir || (!kmehr_missing && !kmehr)) {
        rl_error("report", "release of enrolment %lld: %s", m->enrolment_id, err.msg);
        goto fail;
    }
    s_file_t files[] = {
        {"letter", "letter.pdf", pdf, len},
        {"fhir", "fhir.json", (const unsigned char *)fhir, strlen(fhir)},
        {"kmehr", "kmehr.xml", (const unsigned char *)kmehr, kmehr ? strlen(kmehr) : 0},
    };
    int n = kmehr ? 3 : 2;
    dir = s_outbox_write(app, req->who.site, release_id, files, n, &err);
    if (!dir) {
        rl_error("outbox", "release %lld: %s", release_id, err.msg);
        goto fail;
    }
    if (s_release_rows(conn, m, release_id, lang, dir, files, n, kmehr != NULL) != 0)
        goto fail;
    if (rl_db_commit(conn, &err) != 0) {
        rl_error("database", "%s", err.msg);
        goto fail;
    }
    rl_info(req->client, "%s released enrolment %lld version %d (release %lld) into %s",
            req->who.name, m->enrolment_id, version, release_id, dir);
    free(dir);
    free(pdf);
    free(fhir);
    free(kmehr);
    return NULL;
fail:
    rl_db_rollback(conn);
    if (dir) /* the folder whose rows were not committed */
        rl_paths_rmdir(dir);
    free(pdf);
    free(fhir);
    free(kmehr);
    *failed = true;
    return NULL;
}

int
web_release(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    s_target_t t;
    int rc = s_open(app, req, resp, &t);
    if (rc <= 0)
        return rc;
    rc = 0;
    rpt_model_t *m = s_model(t.conn, t.subject, t.eid, "release");
    char *version_s = web_form(req, "version"), *lang_s = web_form(req, "lang"),
         *reason_raw = web_form(req, "reason");
    char *reason = reason_raw ? rl_conclusion_clean(reason_raw) : NULL;
    int version = s_version(version_s);
    const char *lang = s_letter_lang(req, lang_s);
    const char *message = NULL;
    unsigned status = 409;
    rl_err_t err;
    int released = m ? s_released(t.conn, t.eid) : -1;
    if (!m || released < 0) {
        rc = -1;
        goto out;
    }
    rpt_refusal_t why = rpt_may_issue(m, t.subject, &err);
    if (version < 1 || version > released + 1) {
        message = "msg_signoff_stale";
    } else if (version <= released) {
        message = "msg_signoff_already";
    } else if (why != RPT_MAY_ISSUE) {
        message = s_refusal_msg(why);
    } else if (version > 1 && (!reason || !*reason || strlen(reason) > 2000)) {
        message = "msg_signoff_reason";
        status = 422;
    } else {
        bool failed;
        message =
            s_do_release(app, req, t.conn, m, version, lang, version > 1 ? reason : NULL, &failed);
        if (failed) {
            rc = -1;
            goto out;
        }
    }
    if (message) {
        s_form_t f = {.message = message, .status = status};
        rc = s_page(app, req, resp, t.conn, m, &f);
    } else {
        char where[96];
        snprintf(where, sizeof where, "/conclusion/%lld?done=released", t.eid);
        web_redirect(resp, where);
    }
out:
    rpt_model_destroy(&m);
    free(version_s);
    free(lang_s);
    free(reason_raw);
    free(reason);
    web_pool_return(web_role_pool(app, req), t.conn);
    return rc;
}

/* GET /letter/RELEASE: the released letter as it was recorded (its
 * SHA-256 checked against clinical.report_issued). */
int
web_letter(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    size_t n = strlen(req->param);
    if (n == 0 || n > 18 || strspn(req->param, "0123456789") != n) {
        web_error(app, req, resp, 404, "msg_not_found");
        return 0;
    }
    rl_err_t err;
    web_pool_t *pool = web_role_pool(app, req);
    PGconn *conn = web_pool_borrow(pool, &err);
    if (!conn) {
        rl_error("database", "%s", err.msg);
        return -1;
    }
    const char *p[] = {req->param, req->who.site};
    PGresult *res = rl_db_exec(
        conn, &err, "finding the released letter",
        "SELECT i.path, i.sha256, e.subject_id FROM clinical.report_release r "
        "JOIN clinical.enrolment e ON e.enrolment_id = r.enrolment_id "
        "JOIN clinical.site s ON s.site_id = e.site_id "
        "JOIN clinical.report_issued i ON i.release_id = r.release_id AND i.kind = 'letter' "
        "WHERE r.release_id = $1::bigint AND s.code = $2",
        2, p);
    if (!res) {
        rl_error("database", "%s", err.msg);
        web_pool_return(pool, conn);
        return -1;
    }
    if (PQntuples(res) != 1) {
        PQclear(res);
        web_pool_return(pool, conn);
        web_error(app, req, resp, 404, "msg_not_found");
        return 0;
    }
    char detail[64];
    snprintf(detail, sizeof detail, "release %s", req->param);
    int rc = rl_audit_record(conn, "ruglab-web", "letter", PQgetvalue(res, 0, 2), detail, &err);
    web_pool_return(pool, conn);
    if (rc != 0) {
        rl_error("audit", "%s", err.msg);
        PQclear(res);
        return -1;
    }
    size_t len = 0;
    unsigned char *pdf = rl_paths_read_file(PQgetvalue(res, 0, 0), &len);
    char hex[65] = "";
    if (pdf)
        rpt_sha256_hex(pdf, len, hex);
    if (!pdf || strcmp(hex, PQgetvalue(res, 0, 1)) != 0) {
        rl_error("outbox", "release %s: the letter %s is %s", req->param, PQgetvalue(res, 0, 0),
                 pdf ? "not the one recorded (SHA-256 differs)" : "gone");
        free(pdf);
        PQclear(res);
        web_error(app, req, resp, 410, "msg_signoff_letter_gone");
        return 0;
    }
    PQclear(res);
    s_pdf(resp, pdf, len, "inline; filename=\"letter.pdf\"");
    return 0;
}
