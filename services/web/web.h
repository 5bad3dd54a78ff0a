/* ruglab-web: the people's side of ruglab in a browser. This slice is the
 * service core: sign-in, sessions, CSRF, roles, the security headers, and
 * one page per role (/me) plus the admin's /admin/users to prove the role
 * gating. The clinical pages come next, on the same core.
 *
 * Decisions:
 * - HTTP: libmicrohttpd with its own thread pool (epoll); a request is
 *   answered by one worker thread from start to end. Handlers are a table
 *   (web_route_t): path, method, who may call it, function.
 * - Every byte of data reaches a page through an escaper for its context
 *   (web_html.h) by way of the templates (web_template.h): one folder per
 *   language, {{key}} placeholders only, a missing key is an error.
 * - Sessions live in memory (web_session.h): a restart signs everyone out.
 *   The id is 256 random bits in a cookie `ruglab_session` (HttpOnly,
 *   SameSite=Strict, Path=/, Secure when configured); it is new at every
 *   sign-in and ends after the idle or the absolute timeout, or sign-out.
 * - CSRF: every form carries an HMAC of the session id and an expiry under
 *   a per-process key; the sign-in form uses a pre-session (cookie
 *   `ruglab_presession`, random, nothing else). A POST without a valid
 *   token is answered 403 before anything is read or written.
 * - Sign-in: rl_password_verify against web.user_account, read through the
 *   ruglab_web pool. An unknown name is checked against a dummy hash, so it
 *   takes the time of a wrong password; unknown name, wrong password and a
 *   disabled account get one message. Every attempt is a row of
 *   web.sign_in_attempt; 5 failures in 15 minutes per typed name or per
 *   client address refuse further attempts (429, recorded too) until the
 *   failures are older than 15 minutes: counted in the database, so the
 *   limit holds across restarts and between several web processes.
 * - Database: one pool per role (web_pool.h): ruglab_web for sign-in,
 *   ruglab_admin for the admin pages; the clinician, secretariat and
 *   quality pools come with their pages. Never one all-powerful connection.
 * - Security headers on every response (pages, errors, static files):
 *   web_http.c, s_secure_headers. HSTS (max-age one year) only under the
 *   library's own TLS ([tls] certificate and key: libmicrohttpd with
 *   GnuTLS); cookies are then Secure whatever cookie_secure says. Behind a
 *   reverse proxy that speaks TLS, the proxy sends HSTS (README).
 * - Trusted-header sign-in ([proxy] trust_header, web_signin.c): from a
 *   peer in trusted_proxies the header names the person; a session is
 *   made as at sign-in and the attempt recorded. From any other peer the
 *   header is ignored (and logged).
 * - Language per request (req->lang): the cookie ruglab_lang (nl or en, set
 *   by /lang/nl or /lang/en from the nav), else Accept-Language's first
 *   supported language, else [web] language. The thread answering a
 *   request renders every template in it (web_fragment reads it from the
 *   thread, as the audit's acting person), so the handlers pass nothing.
 *   Words the database stores as codes (roles, statuses, channels, a
 *   select's choices) are shown through per-language templates
 *   KIND_<code> (web_term, web_terms_add), never C tables per language;
 *   app->set.lang is only the fallback when nothing else chooses.
 * - Signals: TERM and INT are blocked in every thread and taken by the main
 *   thread (sigtimedwait), so no handler runs at all; HUP reloads the
 *   templates (the old set stays on error).
 */
#ifndef WEB_H
#define WEB_H

#include "web_html.h"
#include "web_pool.h"
#include "web_session.h"
#include "web_template.h"

#include "ruglab/log.h"
#include "ruglab/password.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>

#define WEB_PROG "ruglab-web"
#define WEB_COOKIE_SESSION "ruglab_session"
#define WEB_COOKIE_PRESESSION "ruglab_presession"
#define WEB_COOKIE_LANG "ruglab_lang"
#define WEB_HSTS "max-age=31536000"
/* The sign-in rate limit: failures per name or address in the window. */
#define WEB_SIGNIN_MAX_FAILURES 5
#define WEB_SIGNIN_WINDOW "15 minutes"
/* Largest request body (a form) read. */
#define WEB_BODY_MAX 16384

typedef struct {
    char listen_addr[64];
    int port;
    long threads;
    char templates_dir[1024];
    char static_dir[1024];
    char lang[8];
    rl_log_level_t level;
    long shutdown_timeout_s;
    long idle_s;
    long recheck_s; /* [session] account_recheck_s */
    long absolute_s;
    bool cookie_secure;
    char trusted_proxies[1024];
    char trust_header[128];     /* "" = off */
    char tls_certificate[1024]; /* PEM paths; both "" = plain HTTP */
    char tls_key[1024];
    char conninfo[2048];
    long pool_size;
    char outbox_dir[1024];   /* [outbox] dir: released reports (web_signoff.c) */
    long worklist_max_age_s; /* how long a site's worklist is kept (0: never) */
} web_settings_t;

typedef struct {
    web_settings_t set;
    pthread_rwlock_t tpl_lock; /* guards tpl: read while rendering, write to swap */
    web_templates_t *tpl;
    web_sessions_t *sessions;
    web_pool_t *pool_web;         /* ruglab_web: sign-in */
    web_pool_t *pool_admin;       /* ruglab_admin: the admin's user and device pages */
    web_pool_t *pool_clinician;   /* ruglab_clinician: the physician's pages */
    web_pool_t *pool_secretariat; /* ruglab_secretariat: registration and attendance */
    web_pool_t *pool_quality;     /* ruglab_quality: the quality pages (no identity) */
    char dummy_hash[RL_PASSWORD_HASH_SIZE];
    char *tls_cert_pem; /* the files' contents under TLS, else NULL */
    char *tls_key_pem;
} web_app_t;

/* One request, owned by the worker thread answering it. */
typedef struct {
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    /* the part of the path after a route ending in '/' (e.g. the badge of
     * /patient/BADGE), as sent (percent-decoded by the library); "" when
     * the route has none. Handlers validate it. */
    const char *param;
    web_buf_t body;
    bool too_large;
    char client[INET6_ADDRSTRLEN]; /* "" when unknown */
    char peer[INET6_ADDRSTRLEN];   /* the connection's own peer (a proxy, maybe) */
    char lang[8];                  /* the pages' language: nl or en */
    bool signed_in;
    web_session_t who;
} web_req_t;

/* The answer being built; web_http.c sends it with the security headers. */
typedef struct {
    unsigned status;
    web_buf_t body;
    const char *content_type;
    const char *cache;       /* Cache-Control */
    const char *disposition; /* Content-Disposition, NULL: none */
    char location[256];      /* a redirect's target, or "" */
    char cookies[3][256];    /* Set-Cookie values, "" when unused */
} web_resp_t;

typedef int (*web_handler_fn)(web_app_t *app, web_req_t *req, web_resp_t *resp);

/* Who may call a route: a set of roles (web_http.c's table). */
enum {
    WEB_PUBLIC = 0,
    WEB_PHYSICIAN = 1 << 0,
    WEB_SECRETARIAT = 1 << 1,
    WEB_QUALITY = 1 << 2,
    WEB_ADMIN = 1 << 3,
    WEB_SIGNED_IN = WEB_PHYSICIAN | WEB_SECRETARIAT | WEB_QUALITY | WEB_ADMIN,
};
/* The WEB_* bit of a role name ("physician"); 0 for an unknown one. */
unsigned web_role_bit(const char *role);

/* The pool of the signed-in person's role (physician: clinician, ...). */
web_pool_t *web_role_pool(web_app_t *app, const web_req_t *req);

/* One process-wide lock for the report's rendering, which is not for
 * threads: the letter (pango, fontconfig, cairo's font caches) and the
 * charts (rpt_charts_make, the outcomes charts: gnuplot runs). Every page
 * that renders a letter or draws a chart holds it (web_http.c). */
extern pthread_mutex_t web_render_lock;

/* ---- web_http.c: the HTTP side */

/* Starts the daemon; NULL with err. */
struct MHD_Daemon *web_http_start(web_app_t *app, rl_err_t *err);
/* The form field key of a urlencoded body, decoded; caller frees; NULL
 * when absent. */
char *web_form(const web_req_t *req, const char *key);
const char *web_cookie(const web_req_t *req, const char *name);
/* A query-string argument (?key=value), decoded; NULL when absent. */
const char *web_query(const web_req_t *req, const char *key);
/* Sets a cookie (HttpOnly, SameSite=Strict; Secure when configured). */
void web_set_cookie(const web_app_t *app, web_resp_t *resp, const char *name, const char *value,
                    const char *path, long max_age_s);
void web_redirect(web_resp_t *resp, const char *location);
/* Renders template page (with vars) inside the layout into resp. */
void web_page(web_app_t *app, const web_req_t *req, web_resp_t *resp, unsigned status,
              const char *page, const web_tvar_t *vars, size_t n_vars);
/* An error page: status and the message template msg. */
void web_error(web_app_t *app, const web_req_t *req, web_resp_t *resp, unsigned status,
               const char *msg);
/* Renders one template as a fragment (for a web_tvar_t html value), in the
 * language of the request this thread answers; a template error is logged
 * and leaves the fragment empty (-1). */
int web_fragment(web_app_t *app, const char *name, const web_tvar_t *vars, size_t n_vars,
                 web_buf_t *out);
/* A stored code shown in the page's language: template KIND_CODE (e.g.
 * role_physician, status_active) appended to out; a code without a
 * template is shown as it is (escaped). */
void web_term(web_app_t *app, const char *kind, const char *code, web_buf_t *out);
/* The words of a row or a page: web_terms_add renders web_term(kind, code)
 * into one of t's buffers, for a web_tvar_t html value; web_terms_clear
 * frees them all once the fragment is rendered. A code's template name:
 * letters lowered, '-' as '_', the empty code as "none" (KIND_none). */
#define WEB_TERMS_MAX 16
typedef struct {
    web_buf_t b[WEB_TERMS_MAX];
    size_t n;
} web_terms_t;
const web_buf_t *web_terms_add(web_app_t *app, web_terms_t *t, const char *kind, const char *code);
void web_terms_clear(web_terms_t *t);
/* The language of the page this thread renders (the request's, req->lang;
 * the configured one outside a request). */
const char *web_lang_page(const web_app_t *app);
/* A name stored in Dutch with an optional English one, in lang: the
 * English name on an English page when there is one, else the Dutch. */
const char *web_name_in(const char *lang, const char *name, const char *name_en);
/* value, or "-" when it is NULL or empty (an empty cell shows a dash). */
const char *web_or_dash(const char *value);
/* Whether addr is one of the space- or comma-separated trusted proxies. */
bool web_trusted_proxy(const web_app_t *app, const char *addr);
/* The CSRF token of the signed-in session. */
void web_csrf(const web_app_t *app, const web_req_t *req, char out[WEB_TOKEN_SIZE]);
long long web_now(void);

/* ---- web_signin.c */
int web_signin_form(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_signin_post(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_signout(web_app_t *app, web_req_t *req, web_resp_t *resp);
/* The signed-in person's account, read again every [session]
 * account_recheck_s (default 10 s, 0: every request):
 * a session whose account is gone or disabled, whose password changed
 * after the sign-in, or whose role or site changed, ends here (the request
 * goes on signed out). -1: the database cannot be read (the session
 * stays). */
int web_signin_recheck(web_app_t *app, web_req_t *req);
/* The trusted header ([proxy] trust_header) of a request from a trusted
 * proxy: signs the named person in (req->who, a new session cookie in
 * resp) unless the request's session is already theirs. 0: go on (signed
 * in, or no header to trust); 1: resp holds the refusal (403); -1: a
 * database error. */
int web_signin_header(web_app_t *app, web_req_t *req, web_resp_t *resp);

/* ---- web_lang.c: the language of a request */
/* Fills req->lang: the cookie ruglab_lang, else Accept-Language's first
 * supported language, else the configuration's. */
void web_lang_pick(const web_app_t *app, web_req_t *req);
/* The language this thread renders in (set by dispatch; NULL: none; read
 * through web_lang_page). */
void web_lang_set_thread(const char *lang);
/* GET /lang/nl, /lang/en: the language cookie, then home. */
int web_lang(web_app_t *app, web_req_t *req, web_resp_t *resp);

/* ---- web_pages.c */
int web_home(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_me(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_admin_users(web_app_t *app, web_req_t *req, web_resp_t *resp);
/* ---- web_tls.c: TLS by the library */
/* Reads [tls] certificate and key into app (nothing when they are unset)
 * and checks that they are a PEM certificate and its key; -1 with err. */
int web_tls_load(web_app_t *app, rl_err_t *err);
void web_tls_free(web_app_t *app);

/* ---- web_devices.c: the admin's devices (ruglab_admin pool) */
int web_admin_devices(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_admin_device_revoke(web_app_t *app, web_req_t *req, web_resp_t *resp);

/* ---- web_quality_funnel.c: the case-mix adjusted funnel (quality pool) */
int web_quality_funnel(web_app_t *app, web_req_t *req, web_resp_t *resp);

/* GET /static/NAME from the static folder. */
void web_static(web_app_t *app, web_req_t *req, web_resp_t *resp, const char *name);

/* ---- web_signoff.c: the physician's conclusion and sign-off (own site).
 * GET/POST /conclusion/ENROLMENT: the form (conclusion, advice, language)
 * and the release history with a status per recipient; GET
 * /preview/ENROLMENT: the letter as a DRAFT PDF; POST /release/ENROLMENT:
 * sign and release (final PDF, FHIR, KMEHR into the site's outbox);
 * GET /letter/RELEASE: a released letter. */
int web_conclusion_form(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_conclusion_save(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_preview(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_release(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_letter(web_app_t *app, web_req_t *req, web_resp_t *resp);
/* Releases the letter's font caches (once, at exit). */
void web_signoff_cleanup(void);

/* ---- web_secretariat.c: the secretariat's pages (own site only) */
/* GET /secretariat: questionnaires due or missing per time point, search */
int web_sec_home(web_app_t *app, web_req_t *req, web_resp_t *resp);
/* GET, POST /patients/new: register a patient (registration.h) */
int web_sec_patient_form(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_sec_patient_post(web_app_t *app, web_req_t *req, web_resp_t *resp);
/* GET, POST /enrol/SUBJECT_ID */
int web_sec_enrol_form(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_sec_enrol_post(web_app_t *app, web_req_t *req, web_resp_t *resp);
/* GET, POST /attendance/ENROLMENT_ID: sessions, no-shows, cancellations */
int web_sec_attendance(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_sec_attendance_post(web_app_t *app, web_req_t *req, web_resp_t *resp);
/* GET, POST /questionnaire/ENROLMENT_ID?instrument=ODI */
int web_sec_questionnaire(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_sec_questionnaire_post(web_app_t *app, web_req_t *req, web_resp_t *resp);
/* GET, POST /workstatus/ENROLMENT_ID: work status at start and end */
int web_sec_workstatus(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_sec_workstatus_post(web_app_t *app, web_req_t *req, web_resp_t *resp);
/* ---- web_clinical.c: the physician's pages (clinician pool, own site) */

/* Rows of one worklist page, and the enrolments a search finds at most. */
#define WEB_WORKLIST_PAGE 100
#define WEB_SEARCH_MAX_S "50"
/* A running programme with at most this many planned sessions left is
 * "ending soon" (two weeks at twice a week). */
#define WEB_ENDING_SOON_SESSIONS 4
/* GET /worklist[?cohort=CODE][&q=TEXT]: the physician's home. */
int web_worklist(web_app_t *app, web_req_t *req, web_resp_t *resp);
/* GET /programme/ENROLMENT_ID: a patient's programme (404: not this site's). */
int web_programme(web_app_t *app, web_req_t *req, web_resp_t *resp);

/* ---- web_homeprog.c: the home programme of an enrolment (own site).
 * GET /homeprog/ENROLMENT_ID: the current programme, its history, the
 * exercises done per session (physician and secretariat); POST: assign,
 * change or stop an exercise, record the exercises done in a session
 * (physician only: the secretariat's POST is 403). */
int web_homeprog(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_homeprog_post(web_app_t *app, web_req_t *req, web_resp_t *resp);

/* ------------------------------------------------------------ web_quality.c */
/* The quality dashboard, quality role only, each page with ?format=csv
 * (the numbers it shows): /quality the outcome summary of ruglab-outcomes
 * (?by=GROUPING); /quality/completeness per site the share of enrolments
 * with start and end questionnaires and device tests, beside the outcomes
 * by site; /quality/runchart and /quality/boxplots the charts of
 * `ruglab-outcomes chart run|box` (?measure=CODE). */
int web_quality(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_quality_completeness(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_quality_runchart(web_app_t *app, web_req_t *req, web_resp_t *resp);
int web_quality_boxplots(web_app_t *app, web_req_t *req, web_resp_t *resp);

/* The CLI's CSV of a table of ruglab-outcomes (RFC 4180, byte for byte
 * `ruglab-outcomes --csv ...`) as a download named in disposition; an
 * empty body for no table. */
struct outcomes_table_t;
void web_quality_csv(web_resp_t *resp, const struct outcomes_table_t *t, const char *disposition);
/* A chart drawn by draw(ctx, svg_path, err) (1 drawn, 0 nothing to draw,
 * -1 with err) into a private directory under web_render_lock, appended to
 * img as a data: image (chart_none when nothing was drawn). 0, or -1
 * (logged). */
typedef int (*web_quality_draw_fn)(void *ctx, const char *svg_path, rl_err_t *err);
int web_quality_chart(web_app_t *app, web_quality_draw_fn draw, void *ctx, web_buf_t *img);

/* The options of a measure select (template option/option_selected): the
 * measures the chart pages offer, in the page's words (measure_CODE). */
int web_quality_measure_options(web_app_t *app, const char *selected, web_buf_t *out);
/* A chart's words in the page's language (templates qchart_*, the measure
 * as measure_CODE), plain text: kind run, box, change or mcid (the adjusted
 * funnel of the change or of reaching the important change). Free with
 * outcomes_chart_words_clear. */
struct outcomes_chart_words_t;
void web_quality_chart_words(web_app_t *app, const char *kind, const char *measure,
                             struct outcomes_chart_words_t *w);

/* web_clinical.c: one chart as an <img> with the SVG file at path as a
 * data: URL (template chart_img), or chart_none when there is none. */
void web_chart_img(web_app_t *app, const char *path, web_buf_t *out);

#endif
