/* The secretariat's pages (role secretariat, pool ruglab_secretariat, the
 * person's own site only): the questionnaires due or missing per time
 * point and a patient search (/secretariat, the role's home), register a
 * patient (/patients/new), enrol (/enrol/SUBJECT_ID), sessions, no-shows
 * and cancellations (/attendance/ENROLMENT_ID), a paper questionnaire
 * (/questionnaire/ENROLMENT_ID?instrument=ODI), the work status at the
 * start and the end (/workstatus/ENROLMENT_ID).
 *
 * Every write is registration.h's, the same function `ruglab patient add`,
 * `enrol`, `session` and `questionnaire add` call: the same checks, the
 * same refusals, shown beside the field they name. This file writes no SQL
 * of its own but the reads that show what is there. Another site's patient
 * or enrolment is 404, as one that does not exist. Every page that shows a
 * patient's name records the read in the access log first. */
#include "web_form.h"

#include "ruglab/audit.h"
#include "ruglab/clinical.h"
#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/insz.h"
#include "ruglab/mem.h"
#include "ruglab/questionnaire.h"
#include "ruglab/registration.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long an ended programme stays on the list of questionnaires due
 * (its end time point is missing 14 days after its anchor). */
#define S_RECENT_DAYS "60"
/* The questionnaire form: 4 fixed fields and one per item; the RMDQ (24
 * items) is the longest instrument. */
_Static_assert(WEB_FORM_MAX_FIELDS >= 4 + 24, "room for the longest questionnaire's items");

/* ------------------------------------------------------------ labels */

/* The values of a select; their words are the templates KIND_VALUE of
 * both languages (web_term: '-' as '_', the empty value as KIND_none). The
 * choices a CLI option requires start empty: nothing chosen by default. */
static const char *const s_sex[] = {"", "F", "M", "X", NULL};
static const char *const s_route[] = {"", "riziv", "fedris", "preventive", NULL};
static const char *const s_indication[] = {"", "chronic", "post-surgery", NULL};
static const char *const s_exception[] = {"", "new-surgery", "reintegration", NULL};
static const char *const s_kind[] = {"", "information", "exercise", "test", NULL};
static const char *const s_language[] = {"nl", "fr", "de", "en", NULL};
static const char *const s_session_status[] = {"attended", "no_show", "cancelled", NULL};

static bool
s_known(const char *const *t, const char *value)
{
    for (; *t; t++)
        if (!strcmp(*t, value))
            return true;
    return false;
}

/* The patient subject_id of the person's site: family name, given name,
 * date of birth, badge token. NULL with *missing when there is none there. */
static PGresult *
s_patient_of_site(PGconn *conn, const web_req_t *req, const char *subject_id, bool *missing)
{
    const char *p[2] = {subject_id, req->who.site};
    PGresult *res =
        web_db_query(conn, "reading the patient",
                     "SELECT p.family_name, p.given_name, "
                     "to_char(p.date_of_birth, 'YYYY-MM-DD'), s.badge_token "
                     "FROM clinical.subject s JOIN identity.patient p USING (subject_id) "
                     "JOIN clinical.site st ON st.site_id = s.site_id "
                     "WHERE s.subject_id = $1::bigint AND st.code = $2",
                     2, p);
    return web_db_one(res, missing);
}

/* ------------------------------------------------------------ /secretariat */

/* Patients of the site by name, INSZ or badge token, with their latest
 * enrolment; one access-log row per patient shown. */
static int
s_search(web_app_t *app, const web_req_t *req, PGconn *conn, const char *q, web_buf_t *out)
{
    rl_insz_t insz;
    rl_err_t ierr;
    const char *p[3] = {req->who.site, q,
                        rl_insz_validate(q, &insz, &ierr) == 0 ? insz.digits : NULL};
    PGresult *res = web_db_query(
        conn, "finding patients",
        "SELECT s.subject_id, s.badge_token, p.family_name, p.given_name, "
        "to_char(p.date_of_birth, 'YYYY-MM-DD'), coalesce((SELECT e.enrolment_id::text "
        " FROM clinical.enrolment e WHERE e.subject_id = s.subject_id "
        " AND e.site_id = s.site_id AND e.status <> "
        " 'cancelled' ORDER BY e.status = 'active' DESC, e.start_date DESC, e.enrolment_id DESC "
        " LIMIT 1), '') "
        "FROM clinical.subject s JOIN identity.patient p USING (subject_id) "
        "JOIN clinical.site st ON st.site_id = s.site_id "
        "WHERE st.code = $1 AND (strpos(lower(p.family_name || ' ' || p.given_name), lower($2)) > "
        "0 "
        "OR strpos(lower(p.given_name || ' ' || p.family_name), lower($2)) > 0 OR p.insz = $3 "
        "OR upper(s.badge_token) = upper($2)) "
        "ORDER BY p.family_name, p.given_name, s.subject_id LIMIT 100",
        3, p);
    if (!res)
        return -1;
    int r = 0;
    for (int i = 0; i < PQntuples(res) && r == 0; i++) {
        r = web_audit_subject(conn, "secretariat search", PQgetvalue(res, i, 0));
        const char *enrolment = PQgetvalue(res, i, 5);
        web_tvar_t v[] = {
            {"subject_id", PQgetvalue(res, i, 0), NULL},
            {"badge", PQgetvalue(res, i, 1), NULL},
            {"family_name", PQgetvalue(res, i, 2), NULL},
            {"given_name", PQgetvalue(res, i, 3), NULL},
            {"birth_date", PQgetvalue(res, i, 4), NULL},
            {"enrolment_id", enrolment, NULL},
        };
        if (r == 0)
            (void)web_fragment(app, *enrolment ? "sec_patient_row" : "sec_patient_row_new", v,
                               sizeof v / sizeof v[0], out);
    }
    if (PQntuples(res) == 0)
        (void)web_fragment(app, "sec_no_patient", NULL, 0, out);
    PQclear(res);
    return r;
}

/* Per running or recently ended enrolment of the site and per instrument,
 * the start, mid and end time points: done (the response the report takes
 * for it, clinical.v_questionnaire), due (its anchor known and the window
 * still open, or the anchor ahead), missing (the window closed without
 * one), later (the anchor not known yet: clinical.v_timepoint_anchor).
 * The instruments: those answered in these enrolments, else all. Only rows
 * with something due or missing, the missing ones first. */
static const char s_sql_due[] =
    "WITH d AS (SELECT clinical.local_date(now()) AS today), "
    "e AS (SELECT e.enrolment_id, e.subject_id, e.status, pr.code AS programme "
    "      FROM clinical.enrolment e JOIN clinical.site st ON st.site_id = e.site_id "
    "      JOIN clinical.programme pr ON pr.programme_id = e.programme_id, d "
    "      WHERE st.code = $1 AND (e.status = 'active' OR (e.status IN ('completed', "
    "      'dropped_out') AND e.end_date >= d.today - " S_RECENT_DAYS ")) ), "
    /* the time points the report takes, per enrolment and instrument: the
     * view once, not once per row */
    "q AS (SELECT q.enrolment_id, q.instrument, "
    "      bool_or(q.timepoint = 'start') AS has_start, bool_or(q.timepoint = 'mid') AS has_mid, "
    "      bool_or(q.timepoint = 'end') AS has_end "
    "      FROM clinical.v_questionnaire q JOIN e ON e.enrolment_id = q.enrolment_id "
    "      GROUP BY 1, 2), "
    "i0 AS (SELECT DISTINCT instrument FROM q), "
    "i AS (SELECT instrument FROM i0 UNION ALL "
    "      SELECT unnest($2::text[]) WHERE NOT EXISTS (SELECT 1 FROM i0)), "
    "r AS (SELECT e.enrolment_id, e.subject_id, e.status, e.programme, i.instrument, "
    "        CASE WHEN q.has_start THEN 'done' WHEN a.start_anchor IS NULL THEN 'later' "
    "          WHEN d.today > a.start_anchor + a.window_days THEN 'missing' "
    "          ELSE 'due' END AS tp_start, "
    "        CASE WHEN q.has_mid THEN 'done' WHEN a.mid_anchor IS NULL THEN 'later' "
    "          WHEN d.today > a.mid_anchor + a.window_days THEN 'missing' "
    "          ELSE 'due' END AS tp_mid, "
    "        CASE WHEN q.has_end THEN 'done' WHEN a.end_anchor IS NULL THEN 'later' "
    "          WHEN d.today > a.end_anchor + a.window_days THEN 'missing' "
    "          ELSE 'due' END AS tp_end "
    "      FROM e CROSS JOIN i CROSS JOIN d "
    "      JOIN clinical.v_timepoint_anchor a ON a.enrolment_id = e.enrolment_id "
    "      LEFT JOIN q ON q.enrolment_id = e.enrolment_id AND q.instrument = i.instrument) "
    "SELECT r.enrolment_id, r.subject_id, p.family_name, p.given_name, r.programme, r.status, "
    "r.instrument, r.tp_start, r.tp_mid, r.tp_end "
    "FROM r JOIN identity.patient p ON p.subject_id = r.subject_id "
    "WHERE 'due' IN (r.tp_start, r.tp_mid, r.tp_end) "
    "OR 'missing' IN (r.tp_start, r.tp_mid, r.tp_end) "
    "ORDER BY 'missing' IN (r.tp_start, r.tp_mid, r.tp_end) DESC, p.family_name, p.given_name, "
    "r.enrolment_id, r.instrument";

static int
s_due(web_app_t *app, const web_req_t *req, PGconn *conn, web_buf_t *out)
{
    char all[128] = "{";
    for (int i = 0; i < RL_INSTRUMENT_COUNT; i++)
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", i ? "," : "",
                 rl_instrument_db_code((rl_instrument_t)i));
    snprintf(all + strlen(all), sizeof all - strlen(all), "}");
    const char *p[2] = {req->who.site, all};
    PGresult *res = web_db_query(conn, "listing the questionnaires due", s_sql_due, 2, p);
    if (!res)
        return -1;
    int r = 0;
    for (int i = 0; i < PQntuples(res) && r == 0; i++) {
        /* one access-log row per patient shown */
        if (i == 0 || strcmp(PQgetvalue(res, i, 0), PQgetvalue(res, i - 1, 0)))
            r = web_audit_subject(conn, "secretariat questionnaires due", PQgetvalue(res, i, 1));
        const char *db = PQgetvalue(res, i, 6);
        web_terms_t w = {0};
        web_tvar_t v[] = {
            {"enrolment_id", PQgetvalue(res, i, 0), NULL},
            {"subject_id", PQgetvalue(res, i, 1), NULL},
            {"family_name", PQgetvalue(res, i, 2), NULL},
            {"given_name", PQgetvalue(res, i, 3), NULL},
            {"programme", PQgetvalue(res, i, 4), NULL},
            {"status", NULL, web_terms_add(app, &w, "st", PQgetvalue(res, i, 5))},
            {"instrument", rl_instrument_code_of_db(db), NULL},
            {"start", PQgetvalue(res, i, 7), NULL},
            {"start_label", NULL, web_terms_add(app, &w, "tp", PQgetvalue(res, i, 7))},
            {"mid", PQgetvalue(res, i, 8), NULL},
            {"mid_label", NULL, web_terms_add(app, &w, "tp", PQgetvalue(res, i, 8))},
            {"end", PQgetvalue(res, i, 9), NULL},
            {"end_label", NULL, web_terms_add(app, &w, "tp", PQgetvalue(res, i, 9))},
        };
        if (r == 0)
            (void)web_fragment(app, "sec_due_row", v, sizeof v / sizeof v[0], out);
        web_terms_clear(&w);
    }
    if (PQntuples(res) == 0)
        (void)web_fragment(app, "sec_nothing_due", NULL, 0, out);
    PQclear(res);
    return r;
}

int
web_sec_home(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    PGconn *conn = web_borrow(app, req);
    if (!conn)
        return -1;
    const char *q = web_query(req, "q");
    web_buf_t results = {0}, due = {0};
    int r = 0;
    if (q && strlen(q) >= 2 && strlen(q) <= 200)
        r = s_search(app, req, conn, q, &results);
    if (r == 0)
        r = s_due(app, req, conn, &due);
    web_return(app, req, conn);
    if (r == 0) {
        web_buf_add(&results, "", 0);
        web_buf_add(&due, "", 0);
        web_tvar_t v[] = {{"q", q ? q : "", NULL},
                          {"site", req->who.site, NULL},
                          {"results", NULL, &results},
                          {"due", NULL, &due}};
        web_page(app, req, resp, 200, "sec_home", v, sizeof v / sizeof v[0]);
    }
    web_buf_clear(&results);
    web_buf_clear(&due);
    return r;
}

/* ------------------------------------------------------------ /patients/new */

static const char *const s_patient_fields[] = {"family-name", "given-name",  "birth-date", "sex",
                                               "insz",        "weight",      "height",     "gp",
                                               "address",     "postal-code", "city",       "phone"};
#define S_N_PATIENT_FIELDS (sizeof s_patient_fields / sizeof s_patient_fields[0])

static void
s_patient_page(web_app_t *app, const web_req_t *req, web_resp_t *resp, unsigned status,
               web_form_t *f)
{
    web_tvar_t v[WEB_FORM_MAX_VARS];
    size_t nv = 0;
    web_buf_t sex = {0};
    web_select(app, &sex, "sex", s_sex, web_form_val(f, "sex") ? web_form_val(f, "sex") : "");
    web_buf_add(&sex, "", 0);
    char csrf[WEB_TOKEN_SIZE];
    web_csrf(app, req, csrf);
    v[nv++] = (web_tvar_t){"csrf", csrf, NULL};
    v[nv++] = (web_tvar_t){"site", req->who.site, NULL};
    v[nv++] = (web_tvar_t){"sex_options", NULL, &sex};
    web_form_vars(f, v, &nv);
    web_page(app, req, resp, status, "sec_patient_new", v, nv);
    web_buf_clear(&sex);
}

int
web_sec_patient_form(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    web_form_t f;
    web_form_init(&f, NULL, s_patient_fields, S_N_PATIENT_FIELDS);
    s_patient_page(app, req, resp, 200, &f);
    web_form_free(&f);
    return 0;
}

int
web_sec_patient_post(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    web_form_t f;
    web_form_init(&f, req, s_patient_fields, S_N_PATIENT_FIELDS);
    /* the site is the person's own; the rest as the CLI takes it */
    const rl_patient_in_t in = {.site = req->who.site,
                                .family_name = web_form_val(&f, "family-name"),
                                .given_name = web_form_val(&f, "given-name"),
                                .birth_date = web_form_val(&f, "birth-date"),
                                .sex = web_form_val(&f, "sex"),
                                .insz = web_form_val(&f, "insz"),
                                .weight = web_form_val(&f, "weight"),
                                .height = web_form_val(&f, "height"),
                                .gp = web_form_val(&f, "gp"),
                                .address = web_form_val(&f, "address"),
                                .postal_code = web_form_val(&f, "postal-code"),
                                .city = web_form_val(&f, "city"),
                                .phone = web_form_val(&f, "phone")};
    rl_reg_err_t err;
    rl_patient_added_t added;
    int r = 0;
    if (rl_patient_check(&in, &err) == 0) {
        PGconn *conn = web_borrow(app, req);
        if (!conn) {
            web_form_free(&f);
            return -1;
        }
        r = rl_patient_add(conn, &in, &added, &err);
        web_return(app, req, conn);
    } else {
        r = -1;
    }
    if (r == 0) {
        rl_info(req->client, "%s registered patient %s", req->who.name, added.subject_id);
        char to[64];
        snprintf(to, sizeof to, "/enrol/%s", added.subject_id);
        web_redirect(resp, to);
    } else if (err.status == RL_EXIT_DB) {
        rl_error("database", "patient add: %s", err.msg);
        web_form_free(&f);
        return -1;
    } else {
        web_form_error(app, &f, err.field, err.msg);
        s_patient_page(app, req, resp, 422, &f);
    }
    web_form_free(&f);
    return 0;
}

/* ------------------------------------------------------------ /enrol/SUBJECT_ID */

static const char *const s_enrol_fields[] = {"programme",
                                             "cohort",
                                             "start",
                                             "route",
                                             "indication",
                                             "pain-since",
                                             "surgery-date",
                                             "referring-physician",
                                             "sick-leave",
                                             "occupational-copy",
                                             "exception",
                                             "exception-surgery-date",
                                             "advisory-approved",
                                             "exception-note"};
#define S_N_ENROL_FIELDS (sizeof s_enrol_fields / sizeof s_enrol_fields[0])

/* A checkbox, ticked when the form said so. */
static void
s_checkbox(web_app_t *app, web_buf_t *out, const web_form_t *f, const char *name)
{
    web_tvar_t v[] = {{"name", name, NULL}};
    (void)web_fragment(app, web_form_val(f, name) ? "checkbox_checked" : "checkbox", v, 1, out);
    web_buf_add(out, "", 0);
}

/* The options of a select read from the database (column 0 the value,
 * column 1 the label; column 2, when there is one, the English label shown
 * instead on an English page when not NULL), with a first empty option when
 * empty_label. */
static void
s_select_rows(web_app_t *app, web_buf_t *out, const PGresult *res, const char *empty_label,
              const char *selected)
{
    if (empty_label) {
        web_tvar_t v[] = {{"value", "", NULL}, {"label", empty_label, NULL}};
        (void)web_fragment(app, !selected ? "option_selected" : "option", v, 2, out);
    }
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *value = PQgetvalue(res, i, 0);
        const char *label = PQgetvalue(res, i, 1);
        if (PQnfields(res) > 2)
            label = web_name_in(web_lang_page(app), label, PQgetvalue(res, i, 2));
        web_tvar_t v[] = {{"value", value, NULL}, {"label", label, NULL}};
        bool sel = selected && !strcmp(selected, value);
        (void)web_fragment(app, sel ? "option_selected" : "option", v, 2, out);
    }
    web_buf_add(out, "", 0);
}

/* The enrolment form of the patient (pat: s_patient_of_site's row). */
static int
s_enrol_page(web_app_t *app, const web_req_t *req, web_resp_t *resp, PGconn *conn, unsigned status,
             const char *subject_id, const PGresult *pat, web_form_t *f)
{
    const char *site[1] = {req->who.site};
    const char *ps_site[2] = {subject_id, req->who.site};
    PGresult *prog = web_db_query(conn, "reading the programmes",
                                  "SELECT code, code || ' – ' || name, code || ' – ' || name_en "
                                  "FROM clinical.programme "
                                  "WHERE site_id IS NULL OR site_id = (SELECT site_id FROM "
                                  "clinical.site WHERE code = $1) ORDER BY code",
                                  1, site);
    PGresult *coh = prog ? web_db_query(conn, "reading the groups",
                                        "SELECT c.code, c.code || ' (' || to_char(c.start_date, "
                                        "'YYYY-MM-DD') || ')' FROM clinical.cohort c "
                                        "JOIN clinical.site s USING (site_id) WHERE s.code = $1 "
                                        "ORDER BY c.start_date DESC, c.code",
                                        1, site)
                         : NULL;
    PGresult *enr = coh ? web_db_query(conn, "reading the enrolments",
                                       "SELECT e.enrolment_id, pr.code, e.status, "
                                       "to_char(e.start_date, 'YYYY-MM-DD'), "
                                       "coalesce(to_char(e.end_date, 'YYYY-MM-DD'), '') "
                                       "FROM clinical.enrolment e JOIN clinical.programme pr "
                                       "USING (programme_id) WHERE e.subject_id = $1::bigint "
                                       "AND e.site_id = (SELECT site_id FROM clinical.site "
                                       "WHERE code = $2) "
                                       "ORDER BY e.start_date, e.enrolment_id",
                                       2, ps_site)
                        : NULL;
    if (!enr) {
        PQclear(prog);
        PQclear(coh);
        return -1;
    }
    web_buf_t b_prog = {0}, b_coh = {0}, b_route = {0}, b_ind = {0}, b_exc = {0}, b_sick = {0},
              b_occ = {0}, b_adv = {0}, b_enr = {0};
    s_select_rows(app, &b_prog, prog, "–", web_form_val(f, "programme"));
    web_buf_t none = {0};
    web_term(app, "word", "no_cohort", &none);
    s_select_rows(app, &b_coh, coh, none.data, web_form_val(f, "cohort"));
    web_buf_clear(&none);
    web_select(app, &b_route, "route", s_route,
               web_form_val(f, "route") ? web_form_val(f, "route") : "");
    web_select(app, &b_ind, "indication", s_indication,
               web_form_val(f, "indication") ? web_form_val(f, "indication") : "");
    web_select(app, &b_exc, "exception", s_exception,
               web_form_val(f, "exception") ? web_form_val(f, "exception") : "");
    s_checkbox(app, &b_sick, f, "sick-leave");
    s_checkbox(app, &b_occ, f, "occupational-copy");
    s_checkbox(app, &b_adv, f, "advisory-approved");
    for (int i = 0; i < PQntuples(enr); i++) {
        web_terms_t w = {0};
        web_tvar_t v[] = {{"enrolment_id", PQgetvalue(enr, i, 0), NULL},
                          {"programme", PQgetvalue(enr, i, 1), NULL},
                          {"status", NULL, web_terms_add(app, &w, "st", PQgetvalue(enr, i, 2))},
                          {"start", PQgetvalue(enr, i, 3), NULL},
                          {"end", PQgetvalue(enr, i, 4), NULL}};
        (void)web_fragment(app, "sec_enrolment_row", v, sizeof v / sizeof v[0], &b_enr);
        web_terms_clear(&w);
    }
    web_buf_add(&b_route, "", 0);
    web_buf_add(&b_ind, "", 0);
    web_buf_add(&b_exc, "", 0);
    web_buf_add(&b_enr, "", 0);
    char csrf[WEB_TOKEN_SIZE];
    web_csrf(app, req, csrf);
    web_tvar_t v[WEB_FORM_MAX_VARS];
    size_t nv = 0;
    v[nv++] = (web_tvar_t){"csrf", csrf, NULL};
    v[nv++] = (web_tvar_t){"subject_id", subject_id, NULL};
    v[nv++] = (web_tvar_t){"family_name", PQgetvalue(pat, 0, 0), NULL};
    v[nv++] = (web_tvar_t){"given_name", PQgetvalue(pat, 0, 1), NULL};
    v[nv++] = (web_tvar_t){"birth_date", PQgetvalue(pat, 0, 2), NULL};
    v[nv++] = (web_tvar_t){"badge", PQgetvalue(pat, 0, 3), NULL};
    v[nv++] = (web_tvar_t){"programme_options", NULL, &b_prog};
    v[nv++] = (web_tvar_t){"cohort_options", NULL, &b_coh};
    v[nv++] = (web_tvar_t){"route_options", NULL, &b_route};
    v[nv++] = (web_tvar_t){"indication_options", NULL, &b_ind};
    v[nv++] = (web_tvar_t){"exception_options", NULL, &b_exc};
    v[nv++] = (web_tvar_t){"sick_leave_box", NULL, &b_sick};
    v[nv++] = (web_tvar_t){"occupational_copy_box", NULL, &b_occ};
    v[nv++] = (web_tvar_t){"advisory_approved_box", NULL, &b_adv};
    v[nv++] = (web_tvar_t){"enrolments", NULL, &b_enr};
    web_form_vars(f, v, &nv);
    web_page(app, req, resp, status, "sec_enrol", v, nv);
    web_buf_t *all[] = {&b_prog, &b_coh, &b_route, &b_ind, &b_exc, &b_sick, &b_occ, &b_adv, &b_enr};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        web_buf_clear(all[i]);
    PQclear(prog);
    PQclear(coh);
    PQclear(enr);
    return 0;
}

/* GET and POST of /enrol/SUBJECT_ID. */
static int
s_enrol(web_app_t *app, web_req_t *req, web_resp_t *resp, bool post)
{
    const char *subject = web_id_param(req);
    if (!subject) {
        web_error(app, req, resp, 404, "msg_not_found");
        return 0;
    }
    PGconn *conn = web_borrow(app, req);
    if (!conn)
        return -1;
    bool missing = false;
    PGresult *pat = s_patient_of_site(conn, req, subject, &missing);
    int r = -1;
    web_form_t f;
    web_form_init(&f, post ? req : NULL, s_enrol_fields, S_N_ENROL_FIELDS);
    if (missing) {
        web_error(app, req, resp, 404, "msg_not_found");
        r = 0;
        goto out;
    }
    if (!pat || web_audit_subject(conn, "secretariat enrol", subject) < 0)
        goto out;
    if (post) {
        const rl_enrol_in_t in = {
            .subject_id = subject,
            .programme = web_form_val(&f, "programme"),
            .start = web_form_val(&f, "start"),
            .route = web_form_val(&f, "route"),
            .indication = web_form_val(&f, "indication"),
            .pain_since = web_form_val(&f, "pain-since"),
            .surgery_date = web_form_val(&f, "surgery-date"),
            .cohort = web_form_val(&f, "cohort"),
            .referring_physician = web_form_val(&f, "referring-physician"),
            .exception = web_form_val(&f, "exception"),
            .exception_surgery_date = web_form_val(&f, "exception-surgery-date"),
            .exception_note = web_form_val(&f, "exception-note"),
            .sick_leave = web_form_val(&f, "sick-leave") != NULL,
            .occupational_copy = web_form_val(&f, "occupational-copy") != NULL,
            .advisory_approved = web_form_val(&f, "advisory-approved") != NULL};
        rl_reg_err_t err;
        char enrolment_id[32];
        if (rl_enrol(conn, &in, enrolment_id, &err) == 0) {
            rl_info(req->client, "%s enrolled patient %s: enrolment %s", req->who.name, subject,
                    enrolment_id);
            char to[64];
            snprintf(to, sizeof to, "/attendance/%s", enrolment_id);
            web_redirect(resp, to);
            r = 0;
            goto out;
        }
        if (err.status == RL_EXIT_DB) {
            rl_error("database", "enrol: %s", err.msg);
            goto out;
        }
        web_form_error(app, &f, err.field, err.msg);
    }
    r = s_enrol_page(app, req, resp, conn, f.failed ? 422 : 200, subject, pat, &f);
out:
    PQclear(pat);
    web_form_free(&f);
    web_return(app, req, conn);
    return r;
}

int
web_sec_enrol_form(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    return s_enrol(app, req, resp, false);
}

int
web_sec_enrol_post(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    return s_enrol(app, req, resp, true);
}

/* ------------------------------------------------------------ /attendance/ENROLMENT_ID */

static const char *const s_session_fields[] = {"status", "date", "kind", "minutes", "note"};
#define S_N_SESSION_FIELDS (sizeof s_session_fields / sizeof s_session_fields[0])

/* The attendance warnings of the enrolment (the programme's caps: sessions
 * per week, duration, number; records outside the dates; short sessions),
 * as `ruglab enrolment status` gives them (clinical.h). */
static int
s_warnings(web_app_t *app, PGconn *conn, const char *enrolment_id, web_buf_t *out)
{
    rl_clinical_enrolment_t e;
    rl_programme_warning_t *w = NULL;
    size_t nw = 0;
    rl_err_t err;
    int r = rl_clinical_enrolment_load(conn, enrolment_id, &e, &err);
    if (r == 0)
        r = rl_clinical_attendance_warnings(conn, &e, &w, &nw, &err);
    if (r == -2) /* a template or a date the rules cannot use: said in the log */
        rl_warn("attendance", "enrolment %s: %s", enrolment_id, err.msg);
    else if (r < 0)
        rl_error("database", "%s", err.msg);
    for (size_t i = 0; i < nw; i++) {
        web_tvar_t v[] = {{"kind", rl_clinical_warning_code(w[i].kind), NULL},
                          {"message", w[i].msg, NULL}};
        (void)web_fragment(app, "sec_warning", v, 2, out);
    }
    free(w);
    web_buf_add(out, "", 0);
    return r == -1 ? -1 : 0;
}

static int
s_attendance_page(web_app_t *app, const web_req_t *req, web_resp_t *resp, PGconn *conn,
                  unsigned status, const char *enrolment_id, const PGresult *enr, web_form_t *f)
{
    const char *p[1] = {enrolment_id};
    PGresult *res = web_db_query(
        conn, "listing the sessions",
        "SELECT coalesce(session_number::text, ''), to_char(session_date, 'YYYY-MM-DD'), "
        "kind, status, source, coalesce(minutes::text, ''), coalesce(note, ''), "
        "in_programme FROM clinical.v_session WHERE enrolment_id = $1::bigint "
        "ORDER BY session_date, session_number NULLS LAST, device_id, device_session_id",
        1, p);
    if (!res)
        return -1;
    web_buf_t rows = {0}, kind = {0}, warnings = {0};
    if (s_warnings(app, conn, enrolment_id, &warnings) < 0) {
        PQclear(res);
        web_buf_clear(&warnings);
        return -1;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        web_terms_t w = {0};
        web_tvar_t v[] = {
            {"number", PQgetvalue(res, i, 0), NULL},
            {"date", PQgetvalue(res, i, 1), NULL},
            {"kind", NULL, web_terms_add(app, &w, "session_kind", PQgetvalue(res, i, 2))},
            {"status", PQgetvalue(res, i, 3), NULL},
            {"status_label", NULL, web_terms_add(app, &w, "session", PQgetvalue(res, i, 3))},
            {"source", NULL, web_terms_add(app, &w, "source", PQgetvalue(res, i, 4))},
            {"minutes", PQgetvalue(res, i, 5), NULL},
            {"note", PQgetvalue(res, i, 6), NULL},
            {"counted", NULL, web_terms_add(app, &w, "yesno", PQgetvalue(res, i, 7))},
        };
        (void)web_fragment(app, "sec_session_row", v, sizeof v / sizeof v[0], &rows);
        web_terms_clear(&w);
    }
    PQclear(res);
    web_buf_add(&rows, "", 0);
    web_select(app, &kind, "session_kind", s_kind,
               web_form_val(f, "kind") ? web_form_val(f, "kind") : "");
    web_buf_add(&kind, "", 0);
    char csrf[WEB_TOKEN_SIZE];
    web_csrf(app, req, csrf);
    web_tvar_t v[WEB_FORM_MAX_VARS];
    size_t nv = 0;
    v[nv++] = (web_tvar_t){"csrf", csrf, NULL};
    v[nv++] = (web_tvar_t){"sessions", NULL, &rows};
    v[nv++] = (web_tvar_t){"kind_options", NULL, &kind};
    v[nv++] = (web_tvar_t){"warnings", NULL, &warnings};
    web_terms_t w = {0};
    web_enrolment_vars(app, &w, enr, enrolment_id, v, &nv);
    web_form_vars(f, v, &nv);
    web_page(app, req, resp, status, "sec_attendance", v, nv);
    web_terms_clear(&w);
    web_buf_clear(&rows);
    web_buf_clear(&kind);
    web_buf_clear(&warnings);
    return 0;
}

/* A session, a no-show or a cancellation (web_enrolment_form_t's write). */
static int
s_attendance_write(web_app_t *app, const web_req_t *req, PGconn *conn, const char *enrolment_id,
                   web_form_t *f, rl_reg_err_t *err)
{
    const char *status = web_form_val(f, "status");
    if (!status || !s_known(s_session_status, status)) {
        web_buf_t word = {0};
        web_term(app, "word", "choose_status", &word);
        web_form_error_html(app, f, "status", &word);
        web_buf_clear(&word);
        return 1;
    }
    rl_session_in_t in = {.status = status,
                          .date = web_form_val(f, "date"),
                          .kind = web_form_val(f, "kind"),
                          .note = web_form_val(f, "note"),
                          .minutes = web_form_val(f, "minutes")};
    char session_id[32];
    if (rl_session_check(&in, err) < 0 ||
        rl_session_record(conn, &in, enrolment_id, session_id, err) < 0)
        return -1;
    rl_info(req->client, "%s recorded session %s (%s) of enrolment %s", req->who.name, session_id,
            status, enrolment_id);
    return 0;
}

static const web_enrolment_form_t s_attendance_form = {"secretariat attendance", s_session_fields,
                                                       S_N_SESSION_FIELDS,       "/attendance/",
                                                       s_attendance_write,       s_attendance_page};

int
web_sec_attendance(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    return web_enrolment_form(app, req, resp, &s_attendance_form, false);
}

int
web_sec_attendance_post(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    return web_enrolment_form(app, req, resp, &s_attendance_form, true);
}

/* ------------------------------------------------------------ /questionnaire/ENROLMENT_ID */

/* The form's fields: the instrument, date, version, language and one per
 * item ("item1".."item24"). */
typedef struct {
    const char *names[WEB_FORM_MAX_FIELDS];
    char items[WEB_FORM_MAX_FIELDS][16];
    size_t n;
} s_q_fields_t;

static void
s_q_fields(s_q_fields_t *q, int n_items)
{
    static const char *const fixed[] = {"instrument", "date", "version", "language"};
    q->n = 0;
    for (size_t i = 0; i < 4; i++)
        q->names[q->n++] = fixed[i];
    for (int i = 1; i <= n_items && q->n < WEB_FORM_MAX_FIELDS; i++) {
        snprintf(q->items[q->n], sizeof q->items[0], "item%d", i);
        q->names[q->n] = q->items[q->n];
        q->n++;
    }
}

/* What one item is called on the form (the code of its word_ template). */
static const char *
s_item_word(rl_instrument_t inst)
{
    switch (inst) {
    case RL_INSTRUMENT_ODI:
    case RL_INSTRUMENT_NDI:
        return "section";
    case RL_INSTRUMENT_PSFS:
        return "activity";
    default:
        return "item";
    }
}

static int
s_questionnaire_page(web_app_t *app, const web_req_t *req, web_resp_t *resp, PGconn *conn,
                     unsigned status, const char *enrolment_id, const PGresult *enr,
                     rl_instrument_t inst, web_form_t *f)
{
    const char *p[1] = {enrolment_id};
    PGresult *res = web_db_query(conn, "listing the questionnaires",
                                 "SELECT to_char(taken_date, 'YYYY-MM-DD'), instrument, version, "
                                 "coalesce(score::text, ''), coalesce(timepoint, ''), source "
                                 "FROM clinical.v_questionnaire WHERE enrolment_id = $1::bigint "
                                 "ORDER BY instrument, taken_at, response_id",
                                 1, p);
    if (!res)
        return -1;
    web_buf_t rows = {0}, items = {0}, links = {0}, lang = {0};
    for (int i = 0; i < PQntuples(res); i++) {
        web_terms_t w = {0};
        web_tvar_t v[] = {
            {"date", PQgetvalue(res, i, 0), NULL},
            {"instrument", rl_instrument_code_of_db(PQgetvalue(res, i, 1)), NULL},
            {"version", PQgetvalue(res, i, 2), NULL},
            {"score", PQgetvalue(res, i, 3), NULL},
            {"timepoint", NULL, web_terms_add(app, &w, "timepoint", PQgetvalue(res, i, 4))},
            {"source", NULL, web_terms_add(app, &w, "source", PQgetvalue(res, i, 5))}};
        (void)web_fragment(app, "sec_response_row", v, sizeof v / sizeof v[0], &rows);
        web_terms_clear(&w);
    }
    PQclear(res);
    for (int i = 0; i < RL_INSTRUMENT_COUNT; i++) {
        web_tvar_t v[] = {{"enrolment_id", enrolment_id, NULL},
                          {"instrument", rl_instrument_code((rl_instrument_t)i), NULL}};
        (void)web_fragment(app, "sec_q_link", v, 2, &links);
    }
    int n_items, lo, hi;
    rl_questionnaire_items(inst, &n_items, &lo, &hi);
    char range[32];
    snprintf(range, sizeof range, "%d-%d", lo, hi);
    char los[16], his[16];
    snprintf(los, sizeof los, "%d", lo);
    snprintf(his, sizeof his, "%d", hi);
    web_buf_t word = {0};
    web_term(app, "word", s_item_word(inst), &word);
    for (int i = 1; i <= n_items; i++) {
        char name[16], num[16];
        snprintf(name, sizeof name, "item%d", i);
        snprintf(num, sizeof num, "%d", i);
        int k = web_form_index(f, name);
        if (k < 0) /* the form was made with fewer fields than the instrument's items */
            break;
        web_buf_add(&f->errs[k], "", 0);
        web_tvar_t v[] = {{"name", name, NULL},
                          {"word", NULL, &word},
                          {"number", num, NULL},
                          {"min", los, NULL},
                          {"max", his, NULL},
                          {"range", range, NULL},
                          {"value", f->values[k] ? f->values[k] : "", NULL},
                          {"error", NULL, &f->errs[k]}};
        (void)web_fragment(app, "sec_q_item", v, sizeof v / sizeof v[0], &items);
    }
    web_buf_clear(&word);
    /* the questionnaire's language: by default the configured one (the
     * language of the site's paper forms), not the page's */
    web_select(app, &lang, "lang", s_language,
               web_form_val(f, "language") ? web_form_val(f, "language") : app->set.lang);
    web_buf_add(&rows, "", 0);
    web_buf_add(&items, "", 0);
    web_buf_add(&links, "", 0);
    web_buf_add(&lang, "", 0);
    char csrf[WEB_TOKEN_SIZE];
    web_csrf(app, req, csrf);
    char n_s[16];
    snprintf(n_s, sizeof n_s, "%d", n_items);
    web_tvar_t v[WEB_FORM_MAX_VARS];
    size_t nv = 0;
    v[nv++] = (web_tvar_t){"csrf", csrf, NULL};
    v[nv++] = (web_tvar_t){"code", rl_instrument_code(inst), NULL};
    v[nv++] = (web_tvar_t){"n_items", n_s, NULL};
    v[nv++] = (web_tvar_t){"range", range, NULL};
    v[nv++] = (web_tvar_t){"default_version", rl_questionnaire_default_version(inst), NULL};
    v[nv++] = (web_tvar_t){"responses", NULL, &rows};
    v[nv++] = (web_tvar_t){"items", NULL, &items};
    v[nv++] = (web_tvar_t){"instrument_links", NULL, &links};
    v[nv++] = (web_tvar_t){"language_options", NULL, &lang};
    web_terms_t w = {0};
    web_enrolment_vars(app, &w, enr, enrolment_id, v, &nv);
    /* the item fields are rendered above; the fixed ones through v_/e_ */
    size_t n_all = f->n;
    f->n = 4;
    web_form_vars(f, v, &nv);
    f->n = n_all;
    web_page(app, req, resp, status, "sec_questionnaire", v, nv);
    web_terms_clear(&w);
    web_buf_clear(&rows);
    web_buf_clear(&items);
    web_buf_clear(&links);
    web_buf_clear(&lang);
    return 0;
}

/* The answers typed: an empty item is not answered; anything else must be
 * a whole number (the scoring then checks its range). -1 after showing the
 * refusal beside the item. */
static int
s_q_answers(web_app_t *app, web_form_t *f, int n_items, rl_q_answer_t *a, size_t *n)
{
    *n = 0;
    for (int i = 1; i <= n_items; i++) {
        char name[16];
        snprintf(name, sizeof name, "item%d", i);
        const char *s = web_form_val(f, name);
        if (!s)
            continue;
        char *end = NULL;
        long v = strtol(s, &end, 10);
        if (end == s || *end || v < -1000 || v > 1000) {
            /* the CLI's words for an answer that is not a number */
            char msg[RL_ERR_MAX];
            snprintf(msg, sizeof msg, "--answers: '%d=%.40s' is not ITEM=VALUE (e.g. 3=2)", i, s);
            web_form_error(app, f, name, msg);
            return -1;
        }
        a[*n].item = i;
        a[(*n)++].value = (int)v;
    }
    if (*n == 0) {
        web_form_error(app, f, NULL, "--answers: no answers given");
        return -1;
    }
    return 0;
}

/* Scores and stores the form; 0 with the score page shown, 1 with the
 * refusal shown in the form, -1 on a database error. */
static int
s_q_submit(web_app_t *app, web_req_t *req, web_resp_t *resp, PGconn *conn, const char *enrolment_id,
           const PGresult *enr, rl_instrument_t inst, web_form_t *f)
{
    int n_items, lo, hi;
    rl_questionnaire_items(inst, &n_items, &lo, &hi);
    rl_q_answer_t answers[WEB_FORM_MAX_FIELDS];
    size_t n = 0;
    if (s_q_answers(app, f, n_items, answers, &n) < 0)
        return 1;
    rl_questionnaire_in_t in = {.instrument = rl_instrument_code(inst),
                                .date = web_form_val(f, "date"),
                                .version = web_form_val(f, "version"),
                                .language = web_form_val(f, "language"),
                                .answers = answers,
                                .n_answers = n};
    rl_reg_err_t err;
    rl_q_score_t score;
    char response_id[32];
    if (rl_questionnaire_check(&in, &err) < 0 ||
        rl_questionnaire_score_entry(&in, &score, &err) < 0 ||
        rl_questionnaire_store(conn, &in, enrolment_id, &score, response_id, &err) < 0) {
        if (err.status == RL_EXIT_DB) {
            rl_error("database", "questionnaire: %s", err.msg);
            return -1;
        }
        web_form_error(app, f, err.field, err.msg);
        return 1;
    }
    rl_info(req->client, "%s stored questionnaire %s of enrolment %s", req->who.name, response_id,
            enrolment_id);
    /* stored in the enrolment of the page: a day outside its dates is kept
     * but counted nowhere (the CLI warns so too) */
    const char *pr[1] = {response_id};
    PGresult *res = web_db_query(conn, "reading the response",
                                 "SELECT in_programme FROM clinical.v_questionnaire "
                                 "WHERE response_id = $1::bigint",
                                 1, pr);
    if (!res)
        return -1;
    web_buf_t outside = {0};
    if (PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "f"))
        (void)web_fragment(app, "sec_outside", NULL, 0, &outside);
    PQclear(res);
    web_buf_add(&outside, "", 0);
    char score_s[32] = "";
    if (score.scorable)
        snprintf(score_s, sizeof score_s, "%g", score.score);
    const char *band = score.scorable ? rl_questionnaire_band_label(score.band, req->lang) : "";
    web_tvar_t v[WEB_FORM_MAX_VARS];
    size_t nv = 0;
    v[nv++] = (web_tvar_t){"response_id", response_id, NULL};
    v[nv++] = (web_tvar_t){"code", score.code, NULL};
    v[nv++] = (web_tvar_t){"version", in.version_v, NULL};
    v[nv++] = (web_tvar_t){"date", in.date, NULL};
    v[nv++] = (web_tvar_t){"score", score.scorable ? score_s : "–", NULL};
    v[nv++] = (web_tvar_t){"unit", score.scorable ? score.unit : "", NULL};
    v[nv++] = (web_tvar_t){"band", band ? band : "", NULL};
    v[nv++] = (web_tvar_t){"reason", score.scorable ? "" : score.reason, NULL};
    v[nv++] = (web_tvar_t){"outside", NULL, &outside};
    web_terms_t w = {0};
    web_enrolment_vars(app, &w, enr, enrolment_id, v, &nv);
    web_page(app, req, resp, 200, "sec_q_done", v, nv);
    web_terms_clear(&w);
    web_buf_clear(&outside);
    return 0;
}

static int
s_questionnaire(web_app_t *app, web_req_t *req, web_resp_t *resp, bool post)
{
    char *form_inst = post ? web_form(req, "instrument") : NULL;
    const char *code = post ? form_inst : web_query(req, "instrument");
    rl_instrument_t inst = RL_INSTRUMENT_NPRS;
    rl_err_t ierr;
    if (code && rl_instrument_parse(code, &inst, &ierr) < 0) {
        free(form_inst);
        web_error(app, req, resp, 404, "msg_not_found");
        return 0;
    }
    free(form_inst);
    PGconn *conn = web_borrow(app, req);
    if (!conn)
        return -1;
    const char *enrolment_id;
    PGresult *enr = NULL;
    s_q_fields_t qf;
    int n_items, lo, hi;
    rl_questionnaire_items(inst, &n_items, &lo, &hi);
    s_q_fields(&qf, n_items);
    web_form_t f;
    web_form_init(&f, post ? req : NULL, qf.names, qf.n);
    int r =
        web_enrolment_open(app, req, resp, conn, "secretariat questionnaire", &enrolment_id, &enr);
    if (r != 0) {
        r = r > 0 ? 0 : -1;
        goto out;
    }
    if (post) {
        r = s_q_submit(app, req, resp, conn, enrolment_id, enr, inst, &f);
        if (r <= 0)
            goto out;
    }
    r = s_questionnaire_page(app, req, resp, conn, f.failed ? 422 : 200, enrolment_id, enr, inst,
                             &f);
out:
    PQclear(enr);
    web_form_free(&f);
    web_return(app, req, conn);
    return r;
}

int
web_sec_questionnaire(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    return s_questionnaire(app, req, resp, false);
}

int
web_sec_questionnaire_post(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    return s_questionnaire(app, req, resp, true);
}

/* ------------------------------------------------------------ /workstatus/ENROLMENT_ID */

/* The work status at the start and the end (ICHOM low-back-pain set;
 * registration.h's rl_work_status_record, as `ruglab workstatus set`):
 * every recorded row, the ones that count marked, and the form. */

static const char *const s_ws_fields[] = {"timepoint", "status", "date"};
#define S_N_WS_FIELDS (sizeof s_ws_fields / sizeof s_ws_fields[0])
static const char *const s_ws_timepoint[] = {"", "start", "end", NULL};

static int
s_workstatus_page(web_app_t *app, const web_req_t *req, web_resp_t *resp, PGconn *conn,
                  unsigned status, const char *enrolment_id, const PGresult *enr, web_form_t *f)
{
    const char *p[1] = {enrolment_id};
    PGresult *res = web_db_query(
        conn, "listing the work status",
        "SELECT w.timepoint, w.status, to_char(w.status_date, 'YYYY-MM-DD'), w.recorded_by, "
        "to_char(w.recorded_at AT TIME ZONE 'Europe/Brussels', 'YYYY-MM-DD HH24:MI'), "
        "EXISTS (SELECT 1 FROM clinical.v_work_status v WHERE v.work_status_id = "
        "w.work_status_id) "
        "FROM clinical.work_status w WHERE w.enrolment_id = $1::bigint "
        "ORDER BY w.recorded_at, w.work_status_id",
        1, p);
    if (!res)
        return -1;
    web_buf_t rows = {0}, tp = {0}, codes = {0};
    for (int i = 0; i < PQntuples(res); i++) {
        web_terms_t w = {0};
        web_tvar_t v[] = {
            {"timepoint", NULL, web_terms_add(app, &w, "timepoint", PQgetvalue(res, i, 0))},
            {"code", PQgetvalue(res, i, 1), NULL},
            {"status", NULL, web_terms_add(app, &w, "ws", PQgetvalue(res, i, 1))},
            {"date", PQgetvalue(res, i, 2), NULL},
            {"recorded_by", PQgetvalue(res, i, 3), NULL},
            {"recorded_at", PQgetvalue(res, i, 4), NULL},
            {"current", NULL, web_terms_add(app, &w, "yesno", PQgetvalue(res, i, 5))},
        };
        (void)web_fragment(app, "sec_ws_row", v, sizeof v / sizeof v[0], &rows);
        web_terms_clear(&w);
    }
    PQclear(res);
    web_buf_add(&rows, "", 0);
    web_select(app, &tp, "timepoint", s_ws_timepoint,
               web_form_val(f, "timepoint") ? web_form_val(f, "timepoint") : "");
    web_buf_add(&tp, "", 0);
    /* the empty choice first: nothing chosen by default */
    static const char *const none[] = {"", NULL};
    const char *chosen = web_form_val(f, "status") ? web_form_val(f, "status") : "";
    web_select(app, &codes, "ws", none, chosen);
    web_select(app, &codes, "ws", rl_work_status_codes, chosen);
    web_buf_add(&codes, "", 0);
    char csrf[WEB_TOKEN_SIZE];
    web_csrf(app, req, csrf);
    web_tvar_t v[WEB_FORM_MAX_VARS];
    size_t nv = 0;
    v[nv++] = (web_tvar_t){"csrf", csrf, NULL};
    v[nv++] = (web_tvar_t){"rows", NULL, &rows};
    v[nv++] = (web_tvar_t){"timepoint_options", NULL, &tp};
    v[nv++] = (web_tvar_t){"status_options", NULL, &codes};
    web_terms_t w = {0};
    web_enrolment_vars(app, &w, enr, enrolment_id, v, &nv);
    web_form_vars(f, v, &nv);
    web_page(app, req, resp, status, "sec_workstatus", v, nv);
    web_terms_clear(&w);
    web_buf_clear(&rows);
    web_buf_clear(&tp);
    web_buf_clear(&codes);
    return 0;
}

/* A work status (web_enrolment_form_t's write). */
static int
s_workstatus_write(web_app_t *app, const web_req_t *req, PGconn *conn, const char *enrolment_id,
                   web_form_t *f, rl_reg_err_t *err)
{
    (void)app;
    rl_work_status_in_t in = {.timepoint = web_form_val(f, "timepoint"),
                              .status = web_form_val(f, "status"),
                              .date = web_form_val(f, "date")};
    char id[32];
    if (rl_work_status_record(conn, &in, enrolment_id, id, err) < 0)
        return -1;
    rl_info(req->client, "%s recorded work status %s (%s %s) of enrolment %s", req->who.name, id,
            in.timepoint, in.status, enrolment_id);
    return 0;
}

static const web_enrolment_form_t s_workstatus_form = {
    "secretariat work status", s_ws_fields,      S_N_WS_FIELDS, "/workstatus/",
    s_workstatus_write,        s_workstatus_page};

int
web_sec_workstatus(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    return web_enrolment_form(app, req, resp, &s_workstatus_form, false);
}

int
web_sec_workstatus_post(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    return web_enrolment_form(app, req, resp, &s_workstatus_form, true);
}
