/* The physician's pages: the worklist (their home: the enrolments of their
 * site with what each needs, one set-based query on clinical.v_worklist)
 * and a patient's programme page (the report's own model, comparison,
 * warnings and charts: rpt_model_load, which records the read in the
 * signed-in person's name). Both through the clinician pool, both limited
 * to the person's own site: another site's enrolment is 404. Called on
 * MHD's worker threads; the chart cache below has its own mutex, and so
 * has the programme page's cache (keyed by the change stamps of migration
 * 506). */
#include "web.h"

#include "../report/report.h"

#include "ruglab/audit.h"
#include "ruglab/cli.h"
#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/mem.h"
#include "ruglab/paths.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ worklist */

/* The columns of a worklist row (S_W_* below), from clinical.v_worklist
 * w with the patient p, subject s and cohort c. */
#define S_WORKLIST_COLUMNS                                                                         \
    "w.enrolment_id, p.family_name, p.given_name, s.badge_token, p.insz, "                         \
    "coalesce(c.code, ''), w.status, w.start_date, coalesce(w.end_date::text, ''), "               \
    "coalesce(w.due_by::text, ''), w.days_late, w.report_due, w.conclusion_written, "              \
    "coalesce(w.sessions_left, -1), w.over_cap, w.attended_total, w.allowed_sessions, "            \
    "w.sessions_short, w.outside_records, array_to_string(w.tests_missing, ','), "                 \
    "array_to_string(w.quest_missing, ','), p.date_of_birth, w.planned_sessions, w.subject_id "
/* the column of S_WORKLIST_COLUMNS with the subject (the access log) */
#define S_COL_SUBJECT 23
/* Reports due first by deadline (the overdue ones have the earliest), then
 * the programmes ending soon ($2: the sessions left under which a running
 * one is), then those with a warning. */
#define S_WORKLIST_ORDER                                                                           \
    "ORDER BY w.report_due DESC, w.due_by, "                                                       \
    "         (w.status = 'active' AND w.sessions_left <= $2::int) DESC, w.sessions_left, "        \
    "         (w.over_cap OR w.sessions_short > 0 OR w.outside_records > 0 "                       \
    "          OR cardinality(w.tests_missing) > 0 OR cardinality(w.quest_missing) > 0) DESC, "    \
    "         p.family_name, p.given_name, w.enrolment_id "

/* The worklist of a site ($1 code): its running programmes and the
 * reports not yet sent. One set-based query over the whole site (the
 * views' rules computed for every enrolment: about a second for 2,000),
 * so its result is kept per site for worklist_max_age_s (below). */
static const char *s_sql_worklist =
    "SELECT " S_WORKLIST_COLUMNS "FROM clinical.v_worklist w "
    "JOIN clinical.site si ON si.site_id = w.site_id "
    "JOIN clinical.subject s ON s.subject_id = w.subject_id "
    "JOIN identity.patient p ON p.subject_id = w.subject_id "
    "LEFT JOIN clinical.cohort c ON c.cohort_id = w.cohort_id "
    "WHERE si.code = $1 AND (w.status = 'active' OR w.report_due) " S_WORKLIST_ORDER;

/* A search ($3: part of the name, the badge or the INSZ, any programme of
 * the site $1, $4 a cohort or ""): the matching enrolments first (at most
 * WEB_SEARCH_MAX), then the view for each of them (a filter on the
 * enrolment reaches the views' indexes). Never cached. */
static const char *s_sql_search =
    "WITH m AS (SELECT e.enrolment_id FROM clinical.enrolment e "
    "           JOIN clinical.site si ON si.site_id = e.site_id "
    "           JOIN clinical.subject s ON s.subject_id = e.subject_id "
    "           JOIN identity.patient p ON p.subject_id = e.subject_id "
    "           LEFT JOIN clinical.cohort c ON c.cohort_id = e.cohort_id "
    "           WHERE si.code = $1 AND ($4 = '' OR c.code = $4) "
    "             AND (strpos(lower(p.family_name || ' ' || p.given_name), lower($3)) > 0 "
    "               OR strpos(lower(p.given_name || ' ' || p.family_name), lower($3)) > 0 "
    "               OR s.badge_token = $3 OR p.insz = regexp_replace($3, '[^0-9]', '', 'g')) "
    "           ORDER BY e.enrolment_id DESC LIMIT " WEB_SEARCH_MAX_S ") "
    "SELECT " S_WORKLIST_COLUMNS "FROM m "
    "CROSS JOIN LATERAL (SELECT * FROM clinical.v_worklist x "
    "                    WHERE x.enrolment_id = m.enrolment_id) w "
    "JOIN clinical.subject s ON s.subject_id = w.subject_id "
    "JOIN identity.patient p ON p.subject_id = w.subject_id "
    "LEFT JOIN clinical.cohort c ON c.cohort_id = w.cohort_id " S_WORKLIST_ORDER;

enum {
    S_W_ID,
    S_W_FAMILY,
    S_W_GIVEN,
    S_W_BADGE,
    S_W_INSZ,
    S_W_COHORT,
    S_W_STATUS,
    S_W_START,
    S_W_END,
    S_W_DUE,
    S_W_LATE,
    S_W_REPORT_DUE,
    S_W_CONCLUSION,
    S_W_LEFT,
    S_W_OVER_CAP,
    S_W_ATTENDED,
    S_W_ALLOWED,
    S_W_SHORT,
    S_W_OUTSIDE,
    S_W_TESTS,
    S_W_QUEST,
    S_W_BIRTH,
    S_W_PLANNED,
};

static const char *s_sql_cohorts =
    "SELECT c.code FROM clinical.cohort c JOIN clinical.site s ON s.site_id = c.site_id "
    "WHERE s.code = $1 ORDER BY c.start_date DESC, c.code LIMIT 500";

static bool
s_true(const PGresult *res, int r, int c)
{
    return PQgetvalue(res, r, c)[0] == 't';
}

/* "start,mid" -> "begin, midden" in the page's language. */
static void
s_tp_labels(const char *codes, const char *lang, char *out, size_t len)
{
    out[0] = '\0';
    for (int tp = 0; tp < RPT_NTP; tp++) {
        const char *name = rpt_tp_name(tp);
        size_t n = strlen(name);
        for (const char *p = codes; *p; p += strcspn(p, ","), p += *p == ',')
            if (strcspn(p, ",") == n && !strncmp(p, name, n)) {
                size_t used = strlen(out);
                snprintf(out + used, len - used, "%s%s", used ? ", " : "", rpt_tp_label(tp, lang));
                break;
            }
    }
}

/* One need of a worklist row: template name with one or two values. */
static void
s_need(web_app_t *app, web_buf_t *out, const char *tpl, const char *k1, const char *v1,
       const char *k2, const char *v2)
{
    web_tvar_t v[] = {{k1, v1, NULL}, {k2, v2, NULL}};
    (void)web_fragment(app, tpl, v, k1 ? (k2 ? 2 : 1) : 0, out);
}

/* What row r needs, as fragments of the wl_need_* templates. */
static void
s_needs(web_app_t *app, const PGresult *res, int r, web_buf_t *out)
{
    const char *lang = web_lang_page(app);
    if (s_true(res, r, S_W_REPORT_DUE)) {
        if (atoi(PQgetvalue(res, r, S_W_LATE)) > 0)
            s_need(app, out, "wl_need_overdue", "days", PQgetvalue(res, r, S_W_LATE), "due",
                   PQgetvalue(res, r, S_W_DUE));
        else
            s_need(app, out, "wl_need_due", "due", PQgetvalue(res, r, S_W_DUE), NULL, NULL);
        if (!s_true(res, r, S_W_CONCLUSION))
            s_need(app, out, "wl_need_conclusion", NULL, NULL, NULL, NULL);
    }
    int left = atoi(PQgetvalue(res, r, S_W_LEFT));
    if (!strcmp(PQgetvalue(res, r, S_W_STATUS), "active") && left >= 0 &&
        left <= WEB_ENDING_SOON_SESSIONS)
        s_need(app, out, "wl_need_ending", "left", PQgetvalue(res, r, S_W_LEFT), NULL, NULL);
    if (s_true(res, r, S_W_OVER_CAP))
        s_need(app, out, "wl_need_cap", "attended", PQgetvalue(res, r, S_W_ATTENDED), "allowed",
               PQgetvalue(res, r, S_W_ALLOWED));
    if (atoi(PQgetvalue(res, r, S_W_SHORT)) > 0)
        s_need(app, out, "wl_need_short", "n", PQgetvalue(res, r, S_W_SHORT), NULL, NULL);
    if (atof(PQgetvalue(res, r, S_W_OUTSIDE)) > 0)
        s_need(app, out, "wl_need_outside", "n", PQgetvalue(res, r, S_W_OUTSIDE), NULL, NULL);
    char which[128];
    s_tp_labels(PQgetvalue(res, r, S_W_TESTS), lang, which, sizeof which);
    if (which[0])
        s_need(app, out, "wl_need_tests", "which", which, NULL, NULL);
    s_tp_labels(PQgetvalue(res, r, S_W_QUEST), lang, which, sizeof which);
    if (which[0])
        s_need(app, out, "wl_need_quest", "which", which, NULL, NULL);
    web_buf_add(out, "", 0);
}

/* The status of an enrolment in the page's language (st_<status>). */
static void
s_status(web_app_t *app, const char *status, web_buf_t *out)
{
    char name[64];
    snprintf(name, sizeof name, "st_%s", status);
    (void)web_fragment(app, name, NULL, 0, out);
}

static void
s_worklist_row(web_app_t *app, const PGresult *res, int r, web_buf_t *rows)
{
    web_buf_t needs = {0}, status = {0};
    s_needs(app, res, r, &needs);
    s_status(app, PQgetvalue(res, r, S_W_STATUS), &status);
    char sessions[64];
    snprintf(sessions, sizeof sessions, "%s/%s", PQgetvalue(res, r, S_W_ATTENDED),
             PQgetvalue(res, r, S_W_PLANNED));
    web_tvar_t v[] = {
        {"id", PQgetvalue(res, r, S_W_ID), NULL},
        {"family_name", PQgetvalue(res, r, S_W_FAMILY), NULL},
        {"given_name", PQgetvalue(res, r, S_W_GIVEN), NULL},
        {"badge", PQgetvalue(res, r, S_W_BADGE), NULL},
        {"insz", PQgetvalue(res, r, S_W_INSZ), NULL},
        {"birth", PQgetvalue(res, r, S_W_BIRTH), NULL},
        {"cohort", PQgetvalue(res, r, S_W_COHORT), NULL},
        {"status", NULL, &status},
        {"start", PQgetvalue(res, r, S_W_START), NULL},
        {"end", PQgetvalue(res, r, S_W_END), NULL},
        {"due", PQgetvalue(res, r, S_W_DUE), NULL},
        {"days_late", PQgetvalue(res, r, S_W_LATE), NULL},
        {"sessions", sessions, NULL},
        {"needs", NULL, &needs},
    };
    (void)web_fragment(app, "worklist_row", v, sizeof v / sizeof v[0], rows);
    web_buf_clear(&needs);
    web_buf_clear(&status);
}

/* A query argument of at most max bytes, "" when absent or longer. */
static const char *
s_arg(const web_req_t *req, const char *key, size_t max)
{
    const char *v = web_query(req, key);
    return v && strlen(v) <= max ? v : "";
}

/* ---- the site's list, kept for worklist_max_age_s
 *
 * A result is shared by the requests rendering it (counted references);
 * when it is older than the maximum age the next request reads it again
 * while the others keep showing the one they have (one reader per site at
 * a time). Each request still records its read in the audit log. */

typedef struct {
    PGresult *res; /* the rows */
    PGresult *coh; /* the site's cohorts (the filter's choices) */
    int refs;
    long long at; /* web_now() when read */
} s_list_t;

#define S_SITES 16

typedef struct {
    char site[sizeof((web_session_t *)0)->site];
    s_list_t *list;
    bool refreshing;
} s_site_list_t;

static pthread_mutex_t s_list_lock = PTHREAD_MUTEX_INITIALIZER;
/* signalled when a site's list has been read (or failed) */
static pthread_cond_t s_list_read = PTHREAD_COND_INITIALIZER;
static s_site_list_t s_lists[S_SITES];

/* Takes res and coh; NULL (and both cleared) when either is NULL. */
static s_list_t *
s_list_new(PGresult *res, PGresult *coh, int refs)
{
    if (!res || !coh) {
        PQclear(res);
        PQclear(coh);
        return NULL;
    }
    s_list_t *l = rl_calloc(1, sizeof *l);
    l->res = res;
    l->coh = coh;
    l->refs = refs;
    l->at = web_now();
    return l;
}

static void
s_list_release(s_list_t *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&s_list_lock);
    bool last = --l->refs == 0;
    pthread_mutex_unlock(&s_list_lock);
    if (last) {
        PQclear(l->res);
        PQclear(l->coh);
        free(l);
    }
}

/* The slot of site, a free one, or NULL when every slot holds another. */
static s_site_list_t *
s_slot(const char *site)
{
    s_site_list_t *free_slot = NULL;
    for (int i = 0; i < S_SITES; i++) {
        if (!strcmp(s_lists[i].site, site))
            return &s_lists[i];
        if (!s_lists[i].site[0] && !free_slot)
            free_slot = &s_lists[i];
    }
    if (free_slot)
        snprintf(free_slot->site, sizeof free_slot->site, "%s", site);
    return free_slot;
}

/* The worklist of site: a kept one younger than max_age_s (or one being
 * read again by another request), else read now; while the first one of
 * a site is being read, the others wait for it. Caller releases. */
static s_list_t *
s_site_list(PGconn *conn, const char *site, long max_age_s, rl_err_t *err)
{
    pthread_mutex_lock(&s_list_lock);
    s_site_list_t *slot = max_age_s > 0 ? s_slot(site) : NULL;
    /* the first read of a site: the others wait for it rather than all
     * running the same second-long query at once */
    while (slot && !slot->list && slot->refreshing)
        pthread_cond_wait(&s_list_read, &s_list_lock);
    if (slot && slot->list && (web_now() - slot->list->at < max_age_s || slot->refreshing)) {
        s_list_t *l = slot->list;
        l->refs++;
        pthread_mutex_unlock(&s_list_lock);
        return l;
    }
    if (slot)
        slot->refreshing = true;
    pthread_mutex_unlock(&s_list_lock);
    char soon[16];
    snprintf(soon, sizeof soon, "%d", WEB_ENDING_SOON_SESSIONS);
    const char *p[] = {site, soon};
    PGresult *res = rl_db_exec(conn, err, "reading the worklist", s_sql_worklist, 2, p);
    PGresult *coh = res ? rl_db_exec(conn, err, "reading the cohorts", s_sql_cohorts, 1, p) : NULL;
    s_list_t *old = NULL, *l = s_list_new(res, coh, slot ? 2 : 1);
    if (!slot)
        return l;
    pthread_mutex_lock(&s_list_lock);
    slot->refreshing = false;
    if (l) {
        old = slot->list;
        slot->list = l;
    }
    pthread_cond_broadcast(&s_list_read);
    pthread_mutex_unlock(&s_list_lock);
    s_list_release(old);
    return l;
}

/* The query string of a worklist link (cohort, search, page), encoded. */
static void
s_query(web_buf_t *out, const char *cohort, const char *q, int page)
{
    web_buf_adds(out, "cohort=");
    web_html_url(out, cohort);
    web_buf_adds(out, "&q=");
    web_html_url(out, q);
    char pg[32];
    snprintf(pg, sizeof pg, "&page=%d", page);
    web_buf_adds(out, pg);
}

/* The previous and next page links (wl_prev, wl_next) where there are. */
static void
s_pager(web_app_t *app, const char *cohort, const char *q, int page, int total, web_buf_t *out)
{
    int pages = (total + WEB_WORKLIST_PAGE - 1) / WEB_WORKLIST_PAGE;
    for (int k = 0; k < 2; k++) {
        int to = k == 0 ? page - 1 : page + 1;
        if (to < 1 || to > pages)
            continue;
        web_buf_t qs = {0};
        s_query(&qs, cohort, q, to);
        web_tvar_t v[] = {{"query", qs.data, NULL}};
        (void)web_fragment(app, k == 0 ? "wl_prev" : "wl_next", v, 1, out);
        web_buf_clear(&qs);
    }
    web_buf_add(out, "", 0);
}

/* Renders the rows of page (1..) of the list, those of cohort filter ("":
 * all; the search applies its cohort itself). */
static void
s_worklist_page(web_app_t *app, web_req_t *req, web_resp_t *resp, const s_list_t *l,
                const char *filter, const char *cohort, const char *q, int page)
{
    const PGresult *coh = l->coh;
    const PGresult *res = l->res;
    int total = 0, first = (page - 1) * WEB_WORKLIST_PAGE;
    web_buf_t rows = {0}, options = {0}, pager = {0};
    for (int r = 0; r < PQntuples(res); r++) {
        if (filter[0] && strcmp(PQgetvalue(res, r, S_W_COHORT), filter))
            continue;
        if (total >= first && total < first + WEB_WORKLIST_PAGE)
            s_worklist_row(app, res, r, &rows);
        total++;
    }
    web_buf_add(&rows, "", 0);
    for (int i = 0; i < PQntuples(coh); i++) {
        web_tvar_t v[] = {{"code", PQgetvalue(coh, i, 0), NULL}};
        (void)web_fragment(app, "wl_cohort_option", v, 1, &options);
    }
    web_buf_add(&options, "", 0);
    s_pager(app, cohort, q, page, total, &pager);
    char count[32], from[32], to[32], as_of[16];
    snprintf(count, sizeof count, "%d", total);
    snprintf(from, sizeof from, "%d", total ? first + 1 : 0);
    snprintf(to, sizeof to, "%d",
             first + WEB_WORKLIST_PAGE < total ? first + WEB_WORKLIST_PAGE : total);
    time_t at = (time_t)l->at;
    struct tm tm;
    strftime(as_of, sizeof as_of, "%H:%M:%S", localtime_r(&at, &tm));
    web_tvar_t v[] = {
        {"rows", NULL, &rows},    {"cohorts", NULL, &options},
        {"cohort", cohort, NULL}, {"q", q, NULL},
        {"count", count, NULL},   {"site", req->who.site, NULL},
        {"from", from, NULL},     {"to", to, NULL},
        {"pager", NULL, &pager},  {"as_of", as_of, NULL},
    };
    web_page(app, req, resp, 200, "worklist", v, sizeof v / sizeof v[0]);
    web_buf_clear(&rows);
    web_buf_clear(&options);
    web_buf_clear(&pager);
}

int
web_worklist(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    const char *cohort = s_arg(req, "cohort", 32);
    const char *q = s_arg(req, "q", 100);
    const char *pg = s_arg(req, "page", 6);
    int page = strspn(pg, "0123456789") == strlen(pg) && atoi(pg) > 0 ? atoi(pg) : 1;
    web_pool_t *pool = web_role_pool(app, req);
    rl_err_t err;
    PGconn *conn = web_pool_borrow(pool, &err);
    s_list_t *list = NULL;
    int rc = -1;
    if (!conn)
        goto out;
    /* the list shows names: the read is recorded first (no names in it) */
    char detail[96];
    snprintf(detail, sizeof detail, "site %s%s", req->who.site, q[0] ? ", search" : "");
    if (rl_audit_record(conn, WEB_PROG, "worklist", NULL, detail, &err) != 0)
        goto out;
    const char *p[] = {req->who.site, NULL, q, cohort};
    char soon[16];
    snprintf(soon, sizeof soon, "%d", WEB_ENDING_SOON_SESSIONS);
    p[1] = soon;
    if (q[0]) {
        PGresult *res = rl_db_exec(conn, &err, "searching the worklist", s_sql_search, 4, p);
        /* a search shows patients the person looked for: one access-log
         * row per patient shown (who looked up whom), before the page */
        for (int i = 0; res && i < PQntuples(res); i++)
            if (rl_audit_record(conn, WEB_PROG, "worklist search",
                                PQgetvalue(res, i, S_COL_SUBJECT), NULL, &err) != 0) {
                PQclear(res);
                res = NULL;
            }
        PGresult *coh =
            res ? rl_db_exec(conn, &err, "reading the cohorts", s_sql_cohorts, 1, p) : NULL;
        list = s_list_new(res, coh, 1);
    } else {
        list = s_site_list(conn, req->who.site, app->set.worklist_max_age_s, &err);
    }
    if (!list)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        rl_error("worklist", "%s", err.msg);
    web_pool_return(pool, conn);
    if (rc == 0)
        s_worklist_page(app, req, resp, list, q[0] ? "" : cohort, cohort, q, page);
    s_list_release(list);
    return rc;
}

/* ------------------------------------------------------------ charts */

/* The charts of a programme page, drawn by gnuplot (rpt_charts_make) and
 * inlined as data: images (an SVG in an <img> never runs script). Drawing
 * takes a gnuplot run per page, so the rendered fragment is kept per
 * enrolment, keyed by a hash of the comparison (every value the charts
 * draw: tests, questionnaires, training load) and the language: a new
 * measurement changes the key and the charts are drawn again. A small
 * table, replaced round-robin; one mutex for the table, one for drawing
 * (gnuplot forks: one at a time). */
#define S_CHART_SLOTS 64

typedef struct {
    long long enrolment_id;
    unsigned char key[crypto_generichash_BYTES];
    char *html; /* the charts fragment; NULL: slot unused */
} s_chart_slot_t;

static pthread_mutex_t s_chart_lock = PTHREAD_MUTEX_INITIALIZER;
static s_chart_slot_t s_chart_slots[S_CHART_SLOTS];
static unsigned s_chart_next;

static void
s_chart_key(const rpt_model_t *m, const char *lang, unsigned char key[crypto_generichash_BYTES])
{
    json_t *j = rpt_compare_json(m);
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES);
    crypto_generichash_update(&st, (const unsigned char *)lang, strlen(lang) + 1);
    if (text)
        crypto_generichash_update(&st, (const unsigned char *)text, strlen(text));
    /* the raw curve is not in the comparison: its size and ends stand for it */
    char curve[128];
    snprintf(curve, sizeof curve, "%d %.3f %.3f", m->curve.n,
             m->curve.n ? m->curve.torque_nm[0] : 0.0,
             m->curve.n ? m->curve.torque_nm[m->curve.n - 1] : 0.0);
    crypto_generichash_update(&st, (const unsigned char *)curve, strlen(curve));
    crypto_generichash_final(&st, key, crypto_generichash_BYTES);
    free(text);
}

static char *
s_chart_lookup(long long eid, const unsigned char *key)
{
    char *html = NULL;
    pthread_mutex_lock(&s_chart_lock);
    for (int i = 0; i < S_CHART_SLOTS && !html; i++)
        if (s_chart_slots[i].html && s_chart_slots[i].enrolment_id == eid &&
            !memcmp(s_chart_slots[i].key, key, crypto_generichash_BYTES))
            html = rl_strdup(s_chart_slots[i].html);
    pthread_mutex_unlock(&s_chart_lock);
    return html;
}

static void
s_chart_store(long long eid, const unsigned char *key, const char *html)
{
    pthread_mutex_lock(&s_chart_lock);
    s_chart_slot_t *slot = NULL;
    for (int i = 0; i < S_CHART_SLOTS && !slot; i++)
        if (s_chart_slots[i].html && s_chart_slots[i].enrolment_id == eid)
            slot = &s_chart_slots[i];
    if (!slot)
        slot = &s_chart_slots[s_chart_next++ % S_CHART_SLOTS];
    free(slot->html);
    slot->enrolment_id = eid;
    memcpy(slot->key, key, crypto_generichash_BYTES);
    slot->html = rl_strdup(html);
    pthread_mutex_unlock(&s_chart_lock);
}

/* One chart as the value of its placeholder: an <img> with the SVG file
 * as a data: URL, or the "no chart" text when there is none. */
void
web_chart_img(web_app_t *app, const char *path, web_buf_t *out)
{
    size_t len = 0;
    unsigned char *svg = path ? rl_paths_read_file(path, &len) : NULL;
    if (!svg || len == 0) {
        free(svg);
        (void)web_fragment(app, "chart_none", NULL, 0, out);
        return;
    }
    size_t b64_len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    static const char prefix[] = "data:image/svg+xml;base64,";
    char *src = rl_malloc(sizeof prefix + b64_len);
    memcpy(src, prefix, sizeof prefix - 1);
    sodium_bin2base64(src + sizeof prefix - 1, b64_len, svg, len, sodium_base64_VARIANT_ORIGINAL);
    web_tvar_t v[] = {{"src", src, NULL}};
    (void)web_fragment(app, "chart_img", v, 1, out);
    free(src);
    free(svg);
}

/* The charts fragment of the page (prog_charts with one value per chart). */
static char *
s_charts_draw(web_app_t *app, const rpt_model_t *m)
{
    rl_err_t err;
    rpt_charts_t c;
    memset(&c, 0, sizeof c);
    char *dir = rl_paths_workdir("ruglab-web", &err);
    int drawn = -1;
    if (dir) {
        pthread_mutex_lock(&web_render_lock);
        drawn = rpt_charts_make(m, web_lang_page(app), dir, &c, &err);
        pthread_mutex_unlock(&web_render_lock);
    }
    if (drawn != 0)
        rl_error("charts", "enrolment %lld: %s", m->enrolment_id, err.msg);
    web_buf_t b[5] = {{0}};
    const char *paths[5] = {c.strength, c.rom, c.load, c.quest, c.curve};
    for (int i = 0; i < 5; i++)
        web_chart_img(app, drawn == 0 ? paths[i] : NULL, &b[i]);
    web_tvar_t v[] = {{"strength", NULL, &b[0]},
                      {"rom", NULL, &b[1]},
                      {"load", NULL, &b[2]},
                      {"quest", NULL, &b[3]},
                      {"curve", NULL, &b[4]}};
    web_buf_t out = {0};
    (void)web_fragment(app, "prog_charts", v, 5, &out);
    for (int i = 0; i < 5; i++)
        web_buf_clear(&b[i]);
    if (drawn == 0)
        rpt_charts_free(&c);
    rl_paths_rmdir(dir);
    size_t len;
    return web_buf_take(&out, &len);
}

static char *
s_charts(web_app_t *app, const rpt_model_t *m)
{
    unsigned char key[crypto_generichash_BYTES];
    s_chart_key(m, web_lang_page(app), key);
    char *html = s_chart_lookup(m->enrolment_id, key);
    if (html)
        return html;
    html = s_charts_draw(app, m);
    s_chart_store(m->enrolment_id, key, html);
    return html;
}

/* ------------------------------------------------------------ programme page */

/* The enrolment of the person's own site: its subject id, its change
 * stamp and the global one (clinical.enrolment_change, migration 506:
 * kept by the database's triggers in the changing transaction) and the
 * day (the due and overdue texts and the time points' lights depend on
 * it); or 0 rows. One small read per view: what the page's cache is keyed
 * by. */
static const char *s_sql_own =
    "SELECT e.subject_id, coalesce(c.stamp, 0), coalesce(g.stamp, 0), "
    "       clinical.local_date(now())::text || ' ' || current_date::text "
    "FROM clinical.enrolment e JOIN clinical.site s ON s.site_id = e.site_id "
    "LEFT JOIN clinical.enrolment_change c ON c.enrolment_id = e.enrolment_id "
    "LEFT JOIN clinical.enrolment_change g ON g.enrolment_id = 0 "
    "WHERE e.enrolment_id = $1::bigint AND s.code = $2";

/* Attendance by ISO week, inside the programme's dates (v_session's rule). */
static const char *s_sql_weeks =
    "SELECT to_char(v.session_date, 'IYYY-\"W\"IW'), min(date_trunc('week', "
    "v.session_date))::date, "
    "       count(DISTINCT v.session_number), "
    "       count(*) FILTER (WHERE v.status = 'no_show' AND v.in_programme), "
    "       count(*) FILTER (WHERE v.status = 'cancelled' AND v.in_programme), "
    "       count(DISTINCT v.session_date) FILTER (WHERE v.status = 'attended' "
    "                                              AND NOT v.in_programme) "
    "FROM clinical.v_session v WHERE v.enrolment_id = $1::bigint "
    "GROUP BY 1 ORDER BY 1";

static const char *s_sql_due =
    "SELECT timepoint, passed, coalesce(anchor::text, '') FROM clinical.v_timepoint_due "
    "WHERE enrolment_id = $1::bigint";

/* What the page reads besides the model. */
typedef struct {
    PGresult *weeks;
    bool passed[RPT_NTP]; /* v_timepoint_due: the time point's window is over */
} s_extra_t;

/* A number cell: the value, or the "missing" text (never another time
 * point's value). */
static void
s_cell(web_app_t *app, web_buf_t *out, double v, int decimals)
{
    if (isnan(v)) {
        (void)web_fragment(app, "cell_missing", NULL, 0, out);
        return;
    }
    web_tvar_t t[] = {{"v", rpt_num(v, decimals, ""), NULL}};
    (void)web_fragment(app, "cell_num", t, 1, out);
}

/* The real-change mark of a device value (rpt_real_change). */
static void
s_mark_real(web_app_t *app, web_buf_t *out, const rpt_model_t *m, rl_direction_t d,
            const rpt_tp3_t *x)
{
    int r = rpt_real_change(m, d, x);
    (void)web_fragment(app, r < 0 ? "mark_none" : r ? "mark_real" : "mark_noise", NULL, 0, out);
}

/* The effort check: normal, or above normal at which time points. */
static void
s_mark_cv(web_app_t *app, web_buf_t *out, const rpt_tp3_t *cv)
{
    char high[128] = "";
    bool any = false;
    for (int tp = 0; tp < RPT_NTP; tp++) {
        if (isnan(cv->v[tp]))
            continue;
        any = true;
        if (cv->v[tp] > RL_MEASURES_CV_NORMAL_MAX_PCT) {
            size_t n = strlen(high);
            snprintf(high + n, sizeof high - n, "%s%s", n ? ", " : "",
                     rpt_tp_label(tp, web_lang_page(app)));
        }
    }
    web_tvar_t v[] = {{"which", high, NULL}};
    (void)web_fragment(app,
                       !any      ? "mark_none"
                       : high[0] ? "mark_cv_high"
                                 : "mark_cv_ok",
                       v, 1, out);
}

/* One row of the comparison: label template, three time points, change
 * and change in %, and a mark (already rendered). */
static void
s_cmp_row(web_app_t *app, web_buf_t *out, const char *label, const rpt_tp3_t *x, int decimals,
          bool change, web_buf_t *mark)
{
    web_buf_t c[6] = {{0}}, lab = {0};
    (void)web_fragment(app, label, NULL, 0, &lab);
    for (int tp = 0; tp < RPT_NTP; tp++)
        s_cell(app, &c[tp], x->v[tp], decimals);
    if (change) { /* a row without a change (per kg, CV) leaves the cells empty */
        rl_measures_change_t ch = rpt_change(x);
        s_cell(app, &c[3], ch.absolute, decimals);
        s_cell(app, &c[4], ch.pct, 1);
    } else {
        web_buf_add(&c[3], "", 0);
        web_buf_add(&c[4], "", 0);
    }
    if (!mark->data)
        web_buf_add(mark, "", 0);
    web_tvar_t v[] = {{"label", NULL, &lab}, {"start", NULL, &c[0]},  {"mid", NULL, &c[1]},
                      {"end", NULL, &c[2]},  {"change", NULL, &c[3]}, {"change_pct", NULL, &c[4]},
                      {"mark", NULL, mark}};
    (void)web_fragment(app, "prog_cmp_row", v, sizeof v / sizeof v[0], out);
    for (int i = 0; i < 6; i++)
        web_buf_clear(&c[i]);
    web_buf_clear(&lab);
    web_buf_clear(mark);
}

/* The comparison table: per measured direction its rows. */
static void
s_comparison(web_app_t *app, const rpt_model_t *m, web_buf_t *out)
{
    for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT; d++) {
        const rpt_direction_t *x = &m->dirs[d];
        if (!x->measured)
            continue;
        web_buf_t rows = {0}, name = {0}, mark = {0};
        char dn[64];
        snprintf(dn, sizeof dn, "dir_%s", rl_direction_name((rl_direction_t)d));
        (void)web_fragment(app, dn, NULL, 0, &name);
        s_mark_real(app, &mark, m, x->dir, &x->rom_deg);
        s_cmp_row(app, &rows, "row_rom", &x->rom_deg, 1, true, &mark);
        s_mark_real(app, &mark, m, x->dir, &x->torque_nm);
        s_cmp_row(app, &rows, "row_torque", &x->torque_nm, 1, true, &mark);
        if (!isnan(m->body_weight_kg))
            s_cmp_row(app, &rows, "row_torque_kg", &x->torque_per_kg, 2, false, &mark);
        if (m->has_reference && m->reference_validated) {
            s_cmp_row(app, &rows, "row_ref_torque", &x->pct_ref, 1, false, &mark);
            s_cmp_row(app, &rows, "row_ref_rom", &x->rom_pct_ref, 1, false, &mark);
        }
        s_mark_cv(app, &mark, &x->cv_pct);
        s_cmp_row(app, &rows, "row_cv", &x->cv_pct, 1, false, &mark);
        web_buf_add(&rows, "", 0);
        web_tvar_t v[] = {
            {"direction", NULL, &name}, {"rows", NULL, &rows}, {"code", dn + 4, NULL}};
        (void)web_fragment(app, "prog_dir", v, 3, out);
        web_buf_clear(&rows);
        web_buf_clear(&name);
    }
    web_buf_add(out, "", 0);
}

/* The traffic light of a questionnaire time point: done, due, missing. */
static void
s_light(web_app_t *app, web_buf_t *out, bool done, bool passed)
{
    (void)web_fragment(app,
                       done     ? "light_done"
                       : passed ? "light_missing"
                                : "light_due",
                       NULL, 0, out);
}

static void
s_questionnaires(web_app_t *app, const rpt_model_t *m, const s_extra_t *x, web_buf_t *out)
{
    for (int i = 0; i < m->n_quest; i++) {
        const rpt_questionnaire_t *q = &m->quest[i];
        web_buf_t s[RPT_NTP] = {{0}}, l[RPT_NTP] = {{0}}, change = {0}, mcid = {0};
        for (int tp = 0; tp < RPT_NTP; tp++) {
            s_cell(app, &s[tp], q->at[tp].present ? q->at[tp].score : NAN, 1);
            s_light(app, &l[tp], q->at[tp].present, x->passed[tp]);
        }
        s_cell(app, &change, q->has_change ? q->change : NAN, 1);
        (void)web_fragment(app,
                           !q->has_change || !q->has_mic ? "mark_none"
                           : q->important                ? "mark_mcid"
                                                         : "mark_no_mcid",
                           NULL, 0, &mcid);
        web_tvar_t v[] = {
            {"instrument", q->instrument, NULL},
            {"s_start", NULL, &s[0]},
            {"l_start", NULL, &l[0]},
            {"s_mid", NULL, &s[1]},
            {"l_mid", NULL, &l[1]},
            {"s_end", NULL, &s[2]},
            {"l_end", NULL, &l[2]},
            {"change", NULL, &change},
            {"mcid", NULL, &mcid},
        };
        (void)web_fragment(app, "prog_quest_row", v, sizeof v / sizeof v[0], out);
        for (int tp = 0; tp < RPT_NTP; tp++) {
            web_buf_clear(&s[tp]);
            web_buf_clear(&l[tp]);
        }
        web_buf_clear(&change);
        web_buf_clear(&mcid);
    }
    if (m->n_quest == 0) { /* none answered: the time points' lights alone */
        web_buf_t l[RPT_NTP] = {{0}};
        for (int tp = 0; tp < RPT_NTP; tp++)
            s_light(app, &l[tp], false, x->passed[tp]);
        web_tvar_t v[] = {{"l_start", NULL, &l[0]}, {"l_mid", NULL, &l[1]}, {"l_end", NULL, &l[2]}};
        (void)web_fragment(app, "prog_quest_none", v, 3, out);
        for (int tp = 0; tp < RPT_NTP; tp++)
            web_buf_clear(&l[tp]);
    }
    web_buf_add(out, "", 0);
}

static void
s_weeks(web_app_t *app, const PGresult *w, web_buf_t *out)
{
    for (int r = 0; w && r < PQntuples(w); r++) {
        web_tvar_t v[] = {
            {"week", PQgetvalue(w, r, 0), NULL},      {"monday", PQgetvalue(w, r, 1), NULL},
            {"attended", PQgetvalue(w, r, 2), NULL},  {"no_shows", PQgetvalue(w, r, 3), NULL},
            {"cancelled", PQgetvalue(w, r, 4), NULL}, {"outside", PQgetvalue(w, r, 5), NULL}};
        (void)web_fragment(app, "prog_week_row", v, sizeof v / sizeof v[0], out);
    }
    web_buf_add(out, "", 0);
}

/* Warnings (rpt_warning_text) and what is missing (rpt_model_missing) as
 * list items. */
static void
s_warnings(web_app_t *app, const rpt_model_t *m, web_buf_t *warn, web_buf_t *miss)
{
    for (int i = 0; i < m->n_warnings; i++) {
        char text[512];
        web_tvar_t v[] = {
            {"text", rpt_warning_text(m, i, web_lang_page(app), text, sizeof text), NULL}};
        (void)web_fragment(app, "prog_item", v, 1, warn);
    }
    char *lines[16];
    int n = rpt_model_missing(m, web_lang_page(app), lines, 16);
    for (int i = 0; i < n; i++) {
        web_tvar_t v[] = {{"text", lines[i], NULL}};
        (void)web_fragment(app, "prog_item", v, 1, miss);
        free(lines[i]);
    }
    if (!warn->data)
        (void)web_fragment(app, "prog_none", NULL, 0, warn);
    if (!miss->data)
        (void)web_fragment(app, "prog_none", NULL, 0, miss);
}

static void
s_load_rows(web_app_t *app, const rpt_model_t *m, web_buf_t *out)
{
    for (int i = 0; i < m->n_load; i++) {
        const rpt_load_t *l = &m->load[i];
        char idx[16], sets[16];
        snprintf(idx, sizeof idx, "%d", l->index);
        snprintf(sets, sizeof sets, "%d", l->sets);
        web_buf_t dir = {0}, load = {0}, pct = {0};
        char dn[64];
        snprintf(dn, sizeof dn, "dir_%s", rl_direction_name(l->dir));
        (void)web_fragment(app, dn, NULL, 0, &dir);
        s_cell(app, &load, l->max_load_nm, 1);
        s_cell(app, &pct, l->mean_pct_of_max, 0);
        web_tvar_t v[] = {{"day", idx, NULL},    {"date", l->date, NULL}, {"direction", NULL, &dir},
                          {"load", NULL, &load}, {"pct", NULL, &pct},     {"sets", sets, NULL}};
        (void)web_fragment(app, "prog_load_row", v, sizeof v / sizeof v[0], out);
        web_buf_clear(&dir);
        web_buf_clear(&load);
        web_buf_clear(&pct);
    }
    if (m->n_load == 0)
        (void)web_fragment(app, "prog_load_none", NULL, 0, out);
    web_buf_add(out, "", 0);
}

/* The reference note: the validated table's citation, or that none is loaded. */
static void
s_reference(web_app_t *app, const rpt_model_t *m, web_buf_t *out)
{
    if (m->has_reference && m->reference_validated) {
        web_tvar_t v[] = {
            {"citation", m->reference_citation ? m->reference_citation : "", NULL},
            {"population", m->reference_population ? m->reference_population : "", NULL}};
        (void)web_fragment(app, "prog_ref", v, 2, out);
    } else {
        (void)web_fragment(app, "prog_ref_none", NULL, 0, out);
    }
}

/* The final report's deadline line of the page. */
static void
s_deadline(web_app_t *app, const rpt_model_t *m, web_buf_t *out)
{
    char due[16], late[16], issued[16];
    const rl_clinical_report_t *r = &m->report;
    if (!r->has_due) {
        (void)web_fragment(app, "deadline_running", NULL, 0, out);
        return;
    }
    rl_date_format(r->due, due);
    snprintf(late, sizeof late, "%d", r->days_late);
    if (r->issued)
        rl_date_format(r->issued_on, issued);
    web_tvar_t v[] = {{"due", due, NULL}, {"days_late", late, NULL}, {"issued", issued, NULL}};
    const char *tpl = r->issued          ? "deadline_issued"
                      : r->days_late > 0 ? "deadline_overdue"
                                         : "deadline_due";
    (void)web_fragment(app, tpl, v, r->issued ? 3 : 2, out);
}

/* The page's body (template programme) into out: 0, or -1 (a template
 * error, logged). Depends on the data and the request's language only. */
static int
s_programme_render(web_app_t *app, web_buf_t *out, const rpt_model_t *m, const s_extra_t *x,
                   const char *charts)
{
    web_buf_t weeks = {0}, warn = {0}, miss = {0}, cmp = {0}, quest = {0}, load = {0}, ref = {0},
              status = {0}, deadline = {0}, ch = {0};
    s_weeks(app, x->weeks, &weeks);
    s_warnings(app, m, &warn, &miss);
    s_comparison(app, m, &cmp);
    s_questionnaires(app, m, x, &quest);
    s_load_rows(app, m, &load);
    s_reference(app, m, &ref);
    s_status(app, m->status, &status);
    s_deadline(app, m, &deadline);
    web_buf_adds(&ch, charts);
    char id[32], gp[512], attended[64];
    snprintf(id, sizeof id, "%lld", m->enrolment_id);
    snprintf(gp, sizeof gp, "%s %s%s%s%s", m->gp_given_name ? m->gp_given_name : "",
             m->gp_family_name ? m->gp_family_name : "", m->gp_riziv ? " (RIZIV " : "",
             m->gp_riziv ? m->gp_riziv : "", m->gp_riziv ? ")" : "");
    snprintf(attended, sizeof attended, "%d/%d", rpt_attended_of_planned(m), m->planned_sessions);
    char *completion = rpt_completion_text(m, web_lang_page(app));
    /* the programme's English name where it has one (as the letter does) */
    const char *programme =
        web_name_in(web_lang_page(app), m->programme_name, m->programme_name_en);
    web_tvar_t v[] = {
        {"id", id, NULL},
        {"family_name", m->family_name ? m->family_name : "", NULL},
        {"given_name", m->given_name ? m->given_name : "", NULL},
        {"birth", m->date_of_birth ? m->date_of_birth : "", NULL},
        {"insz", m->insz ? m->insz : "", NULL},
        {"badge", m->badge_token ? m->badge_token : "", NULL},
        {"gp", gp, NULL},
        {"programme", programme ? programme : "", NULL},
        {"status", NULL, &status},
        {"start", m->start_date ? m->start_date : "", NULL},
        {"end", m->end_date ? m->end_date : "", NULL},
        {"deadline", NULL, &deadline},
        {"attended", attended, NULL},
        {"completion", completion, NULL},
        {"weeks", NULL, &weeks},
        {"warnings", NULL, &warn},
        {"missing", NULL, &miss},
        {"comparison", NULL, &cmp},
        {"reference", NULL, &ref},
        {"questionnaires", NULL, &quest},
        {"load", NULL, &load},
        {"charts", NULL, &ch},
    };
    int rc = web_fragment(app, "programme", v, sizeof v / sizeof v[0], out);
    free(completion);
    web_buf_t *all[] = {&weeks, &warn, &miss, &cmp, &quest, &load, &ref, &status, &deadline, &ch};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        web_buf_clear(all[i]);
    return rc;
}

/* ------------------------------------------------------------ programme cache */

/* A programme page's data (the model, the weeks, the time points and the
 * charts fragment) costs some twenty statements and the charts' hash; the
 * page is read far more often than its data changes. So it is kept per
 * enrolment, keyed by the enrolment's change stamp, the global stamp and
 * the day (s_sql_own): any committed change to what the page shows moves
 * a stamp (the triggers of migration 506), and the next view loads the
 * data again. The stamps are read before the data, so a kept entry is
 * never older than its key. What is per request (the CSRF token, the nav,
 * the access-log row) is not kept: the page is rendered from the entry on
 * every view, and every view is audited in the person's name.
 *
 * At most S_PROG_SLOTS entries (least recently used replaced); an entry
 * is a model (tens of KB with the raw curve), the weeks' rows, the charts
 * fragment (five SVGs inlined, about 130 KB) and the rendered body per
 * language used (about 140 KB each): some 40-60 MB at most. Entries are
 * shared by the requests rendering them (refs), one mutex for the table. */
#define S_PROG_SLOTS 128
#define S_PROG_LANGS 4

typedef struct {
    long long enrolment_id, stamp, global;
    char day[32];
    rpt_model_t *m;
    s_extra_t x;
    struct {
        char lang[8];
        char *html; /* the rendered body in lang; NULL: not yet */
    } body[S_PROG_LANGS];
    int refs; /* one for the table's slot, one per request rendering it */
} s_prog_t;

typedef struct {
    s_prog_t *p;
    unsigned long used;
} s_prog_slot_t;

static pthread_mutex_t s_prog_lock = PTHREAD_MUTEX_INITIALIZER;
static s_prog_slot_t s_prog_slots[S_PROG_SLOTS];
static unsigned long s_prog_clock;

static void
s_prog_free(s_prog_t *p)
{
    PQclear(p->x.weeks);
    rpt_model_destroy(&p->m);
    for (int i = 0; i < S_PROG_LANGS; i++)
        free(p->body[i].html);
    free(p);
}

static void
s_prog_release(s_prog_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&s_prog_lock);
    bool last = --p->refs == 0;
    pthread_mutex_unlock(&s_prog_lock);
    if (last)
        s_prog_free(p);
}

/* The kept entry of this key (a reference the caller releases), or NULL. */
static s_prog_t *
s_prog_lookup(const s_prog_t *key)
{
    s_prog_t *hit = NULL;
    pthread_mutex_lock(&s_prog_lock);
    for (int i = 0; i < S_PROG_SLOTS && !hit; i++) {
        s_prog_t *p = s_prog_slots[i].p;
        if (p && p->enrolment_id == key->enrolment_id && p->stamp == key->stamp &&
            p->global == key->global && !strcmp(p->day, key->day)) {
            hit = p;
            hit->refs++;
            s_prog_slots[i].used = ++s_prog_clock;
        }
    }
    pthread_mutex_unlock(&s_prog_lock);
    return hit;
}

/* Keeps p: in its enrolment's slot (unless that holds newer stamps, read
 * by a request that loaded later), else an empty one, else the least
 * recently used. */
static void
s_prog_store(s_prog_t *p)
{
    s_prog_t *old = NULL;
    pthread_mutex_lock(&s_prog_lock);
    s_prog_slot_t *slot = NULL;
    for (int i = 0; i < S_PROG_SLOTS && !slot; i++)
        if (s_prog_slots[i].p && s_prog_slots[i].p->enrolment_id == p->enrolment_id)
            slot = &s_prog_slots[i];
    if (slot && (slot->p->stamp > p->stamp || slot->p->global > p->global)) {
        pthread_mutex_unlock(&s_prog_lock);
        return;
    }
    for (int i = 0; i < S_PROG_SLOTS && !slot; i++)
        if (!s_prog_slots[i].p)
            slot = &s_prog_slots[i];
    if (!slot) {
        slot = &s_prog_slots[0];
        for (int i = 1; i < S_PROG_SLOTS; i++)
            if (s_prog_slots[i].used < slot->used)
                slot = &s_prog_slots[i];
    }
    if (slot->p && --slot->p->refs == 0)
        old = slot->p;
    slot->p = p;
    slot->used = ++s_prog_clock;
    p->refs++;
    pthread_mutex_unlock(&s_prog_lock);
    if (old)
        s_prog_free(old);
}

/* Reads the page's data: its key (s_sql_own), then the kept entry (the
 * read recorded in the access log here) or the model (audited by
 * rpt_model_load) and the weeks and time points (*fresh: the caller draws
 * the charts and keeps the entry). Returns 0 with *p_out (a reference),
 * 404 (not this site's, or no such enrolment), or -1 (database). */
static int
s_programme_load(PGconn *conn, const char *eid, const char *site, s_prog_t **p_out, bool *fresh)
{
    rl_err_t err;
    const char *p[] = {eid, site};
    PGresult *own = rl_db_exec_prepared(conn, &err, "finding the enrolment", "web own enrolment",
                                        s_sql_own, 2, p);
    if (!own) {
        rl_error("programme", "%s", err.msg);
        return -1;
    }
    if (PQntuples(own) != 1) {
        PQclear(own);
        return 404;
    }
    s_prog_t key;
    memset(&key, 0, sizeof key);
    key.enrolment_id = strtoll(eid, NULL, 10);
    key.stamp = strtoll(PQgetvalue(own, 0, 1), NULL, 10);
    key.global = strtoll(PQgetvalue(own, 0, 2), NULL, 10);
    snprintf(key.day, sizeof key.day, "%s", PQgetvalue(own, 0, 3));
    char sid[32];
    snprintf(sid, sizeof sid, "%s", PQgetvalue(own, 0, 0));
    PQclear(own);
    s_prog_t *hit = s_prog_lookup(&key);
    if (hit) { /* the read is recorded as rpt_model_load records it */
        char detail[48];
        snprintf(detail, sizeof detail, "enrolment %s", eid);
        if (rl_audit_record(conn, rl_cli_program(), "programme page", sid, detail, &err) < 0) {
            rl_error("programme", "%s", err.msg);
            s_prog_release(hit);
            return -1;
        }
        rl_debug("programme", "enrolment %s: from the cache (stamps %lld, %lld)", eid, key.stamp,
                 key.global);
        *p_out = hit;
        *fresh = false;
        return 0;
    }
    rl_debug("programme", "enrolment %s: loaded (stamps %lld, %lld)", eid, key.stamp, key.global);
    s_prog_t *e = rl_calloc(1, sizeof *e);
    *e = key;
    e->refs = 1;
    *p_out = e;
    *fresh = true;
    int rc;
    e->m = rpt_model_load(conn, sid, key.enrolment_id, "programme page", &rc, &err);
    if (!e->m) {
        rl_error("programme", "enrolment %s: %s", eid, err.msg);
        return rc == RL_EXIT_FAIL ? 404 : -1;
    }
    e->x.weeks =
        rl_db_exec_prepared(conn, &err, "reading the weeks", "web weeks", s_sql_weeks, 1, p);
    PGresult *due = e->x.weeks ? rl_db_exec_prepared(conn, &err, "reading the time points",
                                                     "web time points", s_sql_due, 1, p)
                               : NULL;
    if (!due) {
        rl_error("programme", "%s", err.msg);
        return -1;
    }
    for (int r = 0; r < PQntuples(due); r++)
        for (int tp = 0; tp < RPT_NTP; tp++)
            if (!strcmp(PQgetvalue(due, r, 0), rpt_tp_name(tp)))
                e->x.passed[tp] = s_true(due, r, 1);
    PQclear(due);
    return 0;
}

/* The page's body in the request's language: kept with the entry once
 * rendered (the first of two requests rendering it at once keeps its
 * copy). Returns a copy, or NULL (a template error). */
static char *
s_prog_body(web_app_t *app, const web_req_t *req, s_prog_t *p)
{
    const char *lang = req->lang[0] ? req->lang : app->set.lang;
    char *html = NULL;
    pthread_mutex_lock(&s_prog_lock);
    for (int i = 0; i < S_PROG_LANGS && !html; i++)
        if (p->body[i].html && !strcmp(p->body[i].lang, lang))
            html = rl_strdup(p->body[i].html);
    pthread_mutex_unlock(&s_prog_lock);
    if (html)
        return html;
    /* the charts in this language (their labels): drawn or from the charts' cache */
    char *charts = s_charts(app, p->m);
    web_buf_t out = {0};
    int rc = s_programme_render(app, &out, p->m, &p->x, charts);
    free(charts);
    if (rc != 0) {
        web_buf_clear(&out);
        return NULL;
    }
    size_t len;
    html = web_buf_take(&out, &len);
    pthread_mutex_lock(&s_prog_lock);
    for (int i = 0; i < S_PROG_LANGS; i++) {
        if (p->body[i].html && !strcmp(p->body[i].lang, lang))
            break;
        if (!p->body[i].html) {
            snprintf(p->body[i].lang, sizeof p->body[i].lang, "%s", lang);
            p->body[i].html = rl_strdup(html);
            break;
        }
    }
    pthread_mutex_unlock(&s_prog_lock);
    return html;
}

int
web_programme(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    const char *eid = req->param;
    size_t n = strlen(eid);
    if (n == 0 || n > 18 || strspn(eid, "0123456789") != n || eid[0] == '0') {
        web_error(app, req, resp, 404, "msg_not_found");
        return 0;
    }
    web_pool_t *pool = web_role_pool(app, req);
    rl_err_t err;
    PGconn *conn = web_pool_borrow(pool, &err);
    if (!conn) {
        rl_error("programme", "%s", err.msg);
        return -1;
    }
    s_prog_t *p = NULL;
    bool fresh = false;
    int rc = s_programme_load(conn, eid, req->who.site, &p, &fresh);
    web_pool_return(pool, conn);
    if (rc == 404)
        web_error(app, req, resp, 404, "msg_not_found");
    if (rc == 0) {
        if (fresh)
            s_prog_store(p);
        char *body = s_prog_body(app, req, p);
        if (body) { /* the layout around the kept body: nav and CSRF token of this request */
            web_buf_t b = {body, strlen(body), strlen(body) + 1};
            web_tvar_t v[] = {{"body", NULL, &b}};
            web_page(app, req, resp, 200, "prog_page", v, 1);
            free(body);
        } else {
            rc = -1;
        }
    }
    s_prog_release(p);
    return rc == 404 ? 0 : rc;
}
