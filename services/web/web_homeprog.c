/* The home programme page (issue 17): GET /homeprog/ENROLMENT_ID shows an
 * enrolment's current home programme (the exercise's name in the page's
 * language, the variant, the dose, how often a week), its history (every
 * assignment, change and stop, who and when) and the exercises done per
 * session; POST /homeprog/ENROLMENT_ID assigns, changes or stops an
 * exercise, or records the exercises done in a session.
 *
 * Every read and write is homeprog.h's, the functions `ruglab homeprog`
 * and `ruglab session exercises` call (the same checks and refusals, shown
 * beside the field the rl_reg_err_t names); the catalogue's names and
 * variants are exercise.h's rl_exercise_fetch. This file writes no SQL.
 *
 * Who (migration 703's grants): the physician's clinician pool reads and
 * writes; the secretariat reads (its pool has SELECT only) and sees the
 * page without its forms; a POST of the secretariat is refused here, 403
 * with a message saying so, before the database is asked. Own site only:
 * another site's enrolment is 404. The read is recorded in the access log
 * (web_enrolment_open). */
#include "web_form.h"

#include "ruglab/exercise.h"
#include "ruglab/exitcode.h"
#include "ruglab/homeprog.h"
#include "ruglab/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The fields of the page's forms: the assignment (action assign or change,
 * and the exercise alone for a stop) and the exercises done in a session. */
static const char *const s_fields[] = {"action", "exercise", "variant", "reps", "sets",
                                       "hold",   "per-week", "session", "done"};
#define S_N_FIELDS (sizeof s_fields / sizeof s_fields[0])

/* ------------------------------------------------------------ the catalogue */

static rl_ex_lang_t
s_lang(web_app_t *app)
{
    return !strcmp(web_lang_page(app), "en") ? RL_EX_EN : RL_EX_NL;
}

static const rl_exercise_t *
s_exercise(const rl_ex_catalogue_t *cat, const char *code)
{
    for (size_t i = 0; code && i < cat->n; i++)
        if (!strcmp(cat->items[i].code, code))
            return &cat->items[i];
    return NULL;
}

static const rl_ex_variant_t *
s_variant(const rl_exercise_t *e, const char *code)
{
    for (size_t i = 0; e && code && i < e->n_variants; i++)
        if (!strcmp(e->variants[i].code, code))
            return &e->variants[i];
    return NULL;
}

/* The exercise's name in the page's language, else its code. */
static const char *
s_exercise_name(web_app_t *app, const rl_ex_catalogue_t *cat, const char *code)
{
    const rl_exercise_t *e = s_exercise(cat, code);
    return e && e->name[s_lang(app)] ? e->name[s_lang(app)] : code;
}

/* A variant as the page shows it: "(harder) text" in the page's language;
 * none: "as described" (hp_as_described). */
static void
s_variant_words(web_app_t *app, const rl_ex_catalogue_t *cat, const char *exercise,
                const char *variant, web_buf_t *out)
{
    if (!variant || !*variant) {
        (void)web_fragment(app, "hp_as_described", NULL, 0, out);
        return;
    }
    const rl_ex_variant_t *v = s_variant(s_exercise(cat, exercise), variant);
    const char *text = v && v->text[s_lang(app)] ? v->text[s_lang(app)] : variant;
    web_tvar_t tv[] = {{"level", v ? rl_exercise_level_word(v->level, s_lang(app)) : "", NULL},
                       {"text", text, NULL},
                       {"code", variant, NULL}};
    (void)web_fragment(app, "hp_variant", tv, 3, out);
}

/* The dose of row r: reps × sets, or the hold time (hp_dose_*). */
static void
s_dose(web_app_t *app, const PGresult *res, int r, web_buf_t *out)
{
    const char *reps = PQgetvalue(res, r, PQfnumber(res, "repetitions"));
    const char *sets = PQgetvalue(res, r, PQfnumber(res, "sets"));
    const char *hold = PQgetvalue(res, r, PQfnumber(res, "hold_seconds"));
    if (*hold) {
        web_tvar_t v[] = {{"hold", hold, NULL}};
        (void)web_fragment(app, "hp_dose_hold", v, 1, out);
    } else if (*reps) {
        web_tvar_t v[] = {{"reps", reps, NULL}, {"sets", sets, NULL}};
        (void)web_fragment(app, "hp_dose_counted", v, 2, out);
    }
}

/* "YYYY-MM-DD HH:MM" in the process's zone (Europe/Brussels: main.c) of a
 * timestamptz as libpq gives it ("2026-12-02 13:22:05.123+00", the
 * session's zone); the text's first 16 bytes when it is of another form. */
static void
s_minute(const char *ts, char out[17])
{
    int y, mo, d, h, mi, sec, n = 0;
    snprintf(out, 17, "%s", ts);
    if (sscanf(ts, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
        return;
    const char *p = ts + n;
    p += *p == '.' ? 1 + strspn(p + 1, "0123456789") : 0;
    int oh = 0, om = 0;
    if ((*p != '+' && *p != '-') || sscanf(p + 1, "%2d:%2d", &oh, &om) < 1)
        return;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    time_t t = timegm(&tm) - (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    struct tm local;
    if (localtime_r(&t, &local))
        strftime(out, 17, "%Y-%m-%d %H:%M", &local);
}

/* ------------------------------------------------------------ the page */

/* Column name of row r; NULL when the value is NULL. */
static const char *
s_col(const PGresult *res, int r, const char *name)
{
    int c = PQfnumber(res, name);
    return c < 0 || PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
}

/* The rows of the current programme (with the stop and change buttons when
 * the person may write) or of the history (history: with the action). */
static void
s_rows(web_app_t *app, const rl_ex_catalogue_t *cat, const PGresult *res, bool history, bool write,
       const char *enrolment_id, const char *csrf, web_buf_t *out)
{
    for (int r = 0; r < PQntuples(res); r++) {
        const char *code = s_col(res, r, "exercise"), *variant = s_col(res, r, "variant");
        web_buf_t var = {0}, dose = {0}, actions = {0};
        web_terms_t w = {0};
        char at[17];
        s_minute(PQgetvalue(res, r, PQfnumber(res, "recorded_at")), at);
        bool stop = history && !strcmp(s_col(res, r, "action"), "stop");
        if (!stop) {
            s_variant_words(app, cat, code, variant, &var);
            s_dose(app, res, r, &dose);
        }
        if (!history && write) {
            web_tvar_t av[] = {
                {"enrolment_id", enrolment_id, NULL}, {"csrf", csrf, NULL}, {"code", code, NULL}};
            (void)web_fragment(app, "hp_row_actions", av, 3, &actions);
        }
        web_buf_add(&var, "", 0);
        web_buf_add(&dose, "", 0);
        web_buf_add(&actions, "", 0);
        const char *per_week = s_col(res, r, "per_week");
        web_tvar_t v[] = {
            {"code", code, NULL},
            {"name", s_exercise_name(app, cat, code), NULL},
            {"variant", NULL, &var},
            {"dose", NULL, &dose},
            {"per_week", per_week ? per_week : "", NULL},
            {"recorded_by", s_col(res, r, "recorded_by"), NULL},
            {"recorded_at", at, NULL},
            {"actions", NULL, &actions},
            {"action", NULL,
             history ? web_terms_add(app, &w, "hp_action", s_col(res, r, "action")) : &actions},
        };
        (void)web_fragment(app, history ? "hp_history_row" : "hp_row", v, sizeof v / sizeof v[0],
                           out);
        web_terms_clear(&w);
        web_buf_clear(&var);
        web_buf_clear(&dose);
        web_buf_clear(&actions);
    }
    if (PQntuples(res) == 0)
        (void)web_fragment(app, history ? "hp_history_none" : "hp_none", NULL, 0, out);
    web_buf_add(out, "", 0);
}

/* The exercises done per session (read only). */
static void
s_done_rows(web_app_t *app, const rl_ex_catalogue_t *cat, const PGresult *res, web_buf_t *out)
{
    for (int r = 0; r < PQntuples(res); r++) {
        const char *code = s_col(res, r, "exercise");
        web_buf_t var = {0};
        s_variant_words(app, cat, code, s_col(res, r, "variant"), &var);
        web_buf_add(&var, "", 0);
        const char *number = s_col(res, r, "session_number");
        char at[17];
        s_minute(PQgetvalue(res, r, PQfnumber(res, "recorded_at")), at);
        web_tvar_t v[] = {
            {"session", number ? number : "", NULL},
            {"date", s_col(res, r, "session_date"), NULL},
            {"code", code, NULL},
            {"name", s_exercise_name(app, cat, code), NULL},
            {"variant", NULL, &var},
            {"recorded_by", s_col(res, r, "recorded_by"), NULL},
            {"recorded_at", at, NULL},
        };
        (void)web_fragment(app, "hp_done_row", v, sizeof v / sizeof v[0], out);
        web_buf_clear(&var);
    }
    if (PQntuples(res) == 0)
        (void)web_fragment(app, "hp_done_none", NULL, 0, out);
    web_buf_add(out, "", 0);
}

/* The exercise select (the catalogue's exercises not retired, by name in
 * the page's language) and the variant select (as described, then each
 * exercise's variants as a group; a value is "EXERCISE:variant"). */
static void
s_selects(web_app_t *app, const rl_ex_catalogue_t *cat, const char *exercise, const char *variant,
          web_buf_t *ex_out, web_buf_t *var_out)
{
    rl_ex_lang_t lang = s_lang(app);
    web_buf_t none = {0};
    (void)web_fragment(app, "hp_choose", NULL, 0, &none);
    web_tvar_t nv[] = {{"value", "", NULL}, {"label", NULL, &none}};
    (void)web_fragment(app, exercise ? "option" : "option_selected", nv, 2, ex_out);
    web_buf_clear(&none);
    (void)web_fragment(app, "hp_as_described", NULL, 0, &none);
    (void)web_fragment(app, variant ? "option" : "option_selected", nv, 2, var_out);
    web_buf_clear(&none);
    for (size_t i = 0; i < cat->n; i++) {
        const rl_exercise_t *e = &cat->items[i];
        if (e->retired)
            continue;
        char label[RL_EX_NAME_MAX + RL_EX_CODE_MAX + 8];
        snprintf(label, sizeof label, "%s (%s)", e->name[lang], e->code);
        web_tvar_t ev[] = {{"value", e->code, NULL}, {"label", label, NULL}};
        bool sel = exercise && !strcmp(exercise, e->code);
        (void)web_fragment(app, sel ? "option_selected" : "option", ev, 2, ex_out);
        web_buf_t opts = {0};
        for (size_t k = 0; k < e->n_variants; k++) {
            const rl_ex_variant_t *v = &e->variants[k];
            if (v->retired)
                continue;
            char value[2 * RL_EX_CODE_MAX + 2];
            snprintf(value, sizeof value, "%s:%s", e->code, v->code);
            /* an option holds text only: "text (harder)" */
            char words[RL_EX_TEXT_MAX + 32];
            snprintf(words, sizeof words, "%s (%s)", v->text[lang] ? v->text[lang] : v->code,
                     rl_exercise_level_word(v->level, lang));
            web_tvar_t vv[] = {{"value", value, NULL}, {"label", words, NULL}};
            bool vsel = variant && !strcmp(variant, value);
            (void)web_fragment(app, vsel ? "option_selected" : "option", vv, 2, &opts);
        }
        web_buf_add(&opts, "", 0);
        if (opts.len) {
            web_tvar_t gv[] = {{"label", label, NULL}, {"options", NULL, &opts}};
            (void)web_fragment(app, "hp_optgroup", gv, 2, var_out);
        }
        web_buf_clear(&opts);
    }
    web_buf_add(ex_out, "", 0);
    web_buf_add(var_out, "", 0);
}

/* The current programme as a --done list ("CODE[:VARIANT],..."): what the
 * session form offers. */
static void
s_done_default(const PGresult *cur, web_buf_t *out)
{
    for (int r = 0; r < PQntuples(cur); r++) {
        const char *variant = s_col(cur, r, "variant");
        if (r)
            web_buf_adds(out, ",");
        web_buf_adds(out, s_col(cur, r, "exercise"));
        if (variant) {
            web_buf_adds(out, ":");
            web_buf_adds(out, variant);
        }
    }
    web_buf_add(out, "", 0);
}

/* Sets a field's value when none was typed (a page's defaults). */
static void
s_default(web_form_t *f, const char *name, const char *value)
{
    int i = web_form_index(f, name);
    if (i >= 0 && !f->values[i] && value) {
        f->values[i] = rl_strdup(value);
    }
}

/* GET ?exercise=CODE: the change form filled with that exercise's current
 * prescription. */
static void
s_prefill(const web_req_t *req, const PGresult *cur, web_form_t *f)
{
    const char *code = web_query(req, "exercise");
    for (int r = 0; code && r < PQntuples(cur); r++) {
        if (strcmp(s_col(cur, r, "exercise"), code))
            continue;
        s_default(f, "exercise", code);
        const char *variant = s_col(cur, r, "variant");
        if (variant) {
            char value[2 * RL_EX_CODE_MAX + 2];
            snprintf(value, sizeof value, "%s:%s", code, variant);
            s_default(f, "variant", value);
        }
        s_default(f, "reps", s_col(cur, r, "repetitions"));
        s_default(f, "sets", s_col(cur, r, "sets"));
        s_default(f, "hold", s_col(cur, r, "hold_seconds"));
        s_default(f, "per-week", s_col(cur, r, "per_week"));
    }
}

static int
s_page(web_app_t *app, const web_req_t *req, web_resp_t *resp, PGconn *conn, unsigned status,
       const char *enrolment_id, const PGresult *enr, web_form_t *f)
{
    bool write = web_role_bit(req->who.role) == WEB_PHYSICIAN;
    rl_ex_catalogue_t cat = {0};
    rl_err_t cerr;
    rl_reg_err_t err;
    PGresult *cur = NULL, *hist = NULL, *done = NULL;
    int rc = -1;
    if (rl_exercise_fetch(conn, NULL, true, &cat, &cerr) < 0) {
        rl_error("home programme", "%s", cerr.msg);
        goto out;
    }
    cur = rl_homeprog_fetch(conn, enrolment_id, false, &err);
    hist = cur ? rl_homeprog_fetch(conn, enrolment_id, true, &err) : NULL;
    done = hist ? rl_homeprog_fetch_done(conn, enrolment_id, &err) : NULL;
    if (!done) {
        rl_error("home programme", "enrolment %s: %s", enrolment_id, err.msg);
        goto out;
    }
    char csrf[WEB_TOKEN_SIZE];
    web_csrf(app, req, csrf);
    web_buf_t rows = {0}, history = {0}, done_rows = {0}, forms = {0};
    s_rows(app, &cat, cur, false, write, enrolment_id, csrf, &rows);
    s_rows(app, &cat, hist, true, false, enrolment_id, csrf, &history);
    s_done_rows(app, &cat, done, &done_rows);
    web_tvar_t v[WEB_FORM_MAX_VARS];
    size_t nv = 0;
    web_terms_t w = {0};
    web_enrolment_vars(app, &w, enr, enrolment_id, v, &nv);
    if (write) {
        web_buf_t ex = {0}, var = {0}, list = {0};
        s_prefill(req, cur, f);
        s_done_default(cur, &list);
        s_default(f, "done", list.data);
        s_selects(app, &cat, web_form_val(f, "exercise"), web_form_val(f, "variant"), &ex, &var);
        size_t fv = nv;
        v[fv++] = (web_tvar_t){"csrf", csrf, NULL};
        v[fv++] = (web_tvar_t){"exercise_options", NULL, &ex};
        v[fv++] = (web_tvar_t){"variant_options", NULL, &var};
        char limits[4][16];
        snprintf(limits[0], 16, "%d", RL_HP_REPS_MAX);
        snprintf(limits[1], 16, "%d", RL_HP_SETS_MAX);
        snprintf(limits[2], 16, "%d", RL_HP_HOLD_MAX);
        snprintf(limits[3], 16, "%d", RL_HP_PER_WEEK_MAX);
        v[fv++] = (web_tvar_t){"reps_max", limits[0], NULL};
        v[fv++] = (web_tvar_t){"sets_max", limits[1], NULL};
        v[fv++] = (web_tvar_t){"hold_max", limits[2], NULL};
        v[fv++] = (web_tvar_t){"per_week_max", limits[3], NULL};
        web_form_vars(f, v, &fv);
        (void)web_fragment(app, "hp_forms", v, fv, &forms);
        web_buf_clear(&ex);
        web_buf_clear(&var);
        web_buf_clear(&list);
    } else {
        (void)web_fragment(app, "hp_read_only", NULL, 0, &forms);
    }
    web_buf_add(&forms, "", 0);
    web_buf_t links = {0};
    web_tvar_t lv[] = {{"enrolment_id", enrolment_id, NULL}};
    (void)web_fragment(app, write ? "hp_links_physician" : "hp_links_secretariat", lv, 1, &links);
    v[nv++] = (web_tvar_t){"links", NULL, &links};
    v[nv++] = (web_tvar_t){"rows", NULL, &rows};
    v[nv++] = (web_tvar_t){"history", NULL, &history};
    v[nv++] = (web_tvar_t){"done_rows", NULL, &done_rows};
    v[nv++] = (web_tvar_t){"forms", NULL, &forms};
    web_page(app, req, resp, status, "hp_page", v, nv);
    web_terms_clear(&w);
    web_buf_t *all[] = {&rows, &history, &done_rows, &forms, &links};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        web_buf_clear(all[i]);
    rc = 0;
out:
    PQclear(cur);
    PQclear(hist);
    PQclear(done);
    rl_exercise_catalogue_free(&cat);
    return rc;
}

/* ------------------------------------------------------------ writes */

/* The variant typed: "EXERCISE:variant" of the select (the variant when
 * EXERCISE is the exercise chosen; otherwise the whole value, which the
 * module refuses as no variant code), or a bare variant code. */
static const char *
s_variant_of(const char *exercise, const char *value, char *buf, size_t len)
{
    const char *colon = value ? strchr(value, ':') : NULL;
    if (!colon || !exercise || strlen(exercise) != (size_t)(colon - value) ||
        strncmp(value, exercise, strlen(exercise)))
        return value;
    snprintf(buf, len, "%s", colon + 1);
    return buf;
}

static const char *const s_actions[] = {"assign", "change", "stop", "done", NULL};

/* The write the form asks for (web_enrolment_form_t's write). */
static int
s_write(web_app_t *app, const web_req_t *req, PGconn *conn, const char *enrolment_id, web_form_t *f,
        rl_reg_err_t *err)
{
    const char *action = web_form_val(f, "action");
    bool known = false;
    for (const char *const *a = s_actions; action && *a && !known; a++)
        known = !strcmp(*a, action);
    if (!known) {
        web_buf_t word = {0};
        web_term(app, "word", "choose_action", &word);
        web_form_error_html(app, f, NULL, &word);
        web_buf_clear(&word);
        return 1;
    }
    char id[32];
    int rc;
    if (!strcmp(action, "assign") || !strcmp(action, "change")) {
        char vbuf[2 * RL_EX_CODE_MAX + 2];
        const char *exercise = web_form_val(f, "exercise");
        rl_homeprog_in_t in = {
            .exercise = exercise,
            .variant = s_variant_of(exercise, web_form_val(f, "variant"), vbuf, sizeof vbuf),
            .reps = web_form_val(f, "reps"),
            .sets = web_form_val(f, "sets"),
            .hold = web_form_val(f, "hold"),
            .per_week = web_form_val(f, "per-week")};
        rl_homeprog_dose_t dose;
        rc = rl_homeprog_check(&in, &dose, err);
        if (rc == 0)
            rc = rl_homeprog_set(conn, enrolment_id,
                                 !strcmp(action, "assign") ? RL_HP_ASSIGN : RL_HP_CHANGE, &in, id,
                                 err);
    } else if (!strcmp(action, "stop")) {
        rc = rl_homeprog_stop(conn, enrolment_id, web_form_val(f, "exercise"), id, err);
        /* a stop's refusal above the forms: its button is in a row */
        err->field[0] = '\0';
    } else { /* the exercises done in a session */
        rl_homeprog_done_t items[RL_HP_DONE_MAX];
        size_t n;
        rc = rl_homeprog_parse_done(web_form_val(f, "done"), items, &n, err);
        if (rc == 0)
            rc = rl_homeprog_record_done(conn, enrolment_id, web_form_val(f, "session"), items, n,
                                         err);
        snprintf(id, sizeof id, "session");
    }
    if (rc == 0)
        rl_info(req->client, "%s home programme %s of enrolment %s: %s", req->who.name, action,
                enrolment_id, id);
    return rc;
}

static const web_enrolment_form_t s_form = {"home programme", s_fields, S_N_FIELDS,
                                            "/homeprog/",     s_write,  s_page};

int
web_homeprog(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    return web_enrolment_form(app, req, resp, &s_form, false);
}

int
web_homeprog_post(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    if (web_role_bit(req->who.role) != WEB_PHYSICIAN) {
        /* migration 703: the secretariat reads the home programme, never
         * writes it; said here rather than by the database's refusal */
        rl_warn(req->client, "POST %s refused: role %s reads the home programme only", req->url,
                req->who.role);
        web_error(app, req, resp, 403, "msg_homeprog_read_only");
        return 0;
    }
    return web_enrolment_form(app, req, resp, &s_form, true);
}
