/* The quality team's dashboard on ruglab-outcomes' own modules (the same
 * fetch, suppression and cells as the CLI):
 *   /quality               `summary --by GROUPING` (outcomes_summary_view;
 *                          site, cohort, year, programme, route, indication)
 *   /quality/completeness  per site the share of enrolments with start and
 *                          end questionnaires and device tests, beside the
 *                          outcomes by site
 *   /quality/runchart      `chart run`, /quality/boxplots `chart box --by site`
 *                          (outcomes_chart_draw; gnuplot, one at a time)
 * each with ?format=csv: the numbers the page shows (the summary's is the
 * CLI's --csv long form). Reads only the pseudonymised quality.* tables on
 * the quality pool, so the pages work the same on a site's database and on
 * the registry. */
#include "web.h"

#include "../outcomes/outcomes.h"

#include "ruglab/mem.h"
#include "ruglab/paths.h"

#include <pthread.h>

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The groupings offered (outcomes_group_expr names). */
static const char *const s_bys[] = {"site", "cohort", "year", "programme", "route", "indication"};
#define S_NBYS (sizeof s_bys / sizeof s_bys[0])

/* A column's word: the templates' names hold no digits. */
static void
s_col_term(web_app_t *app, const char *name, web_buf_t *out)
{
    if (!strcmp(name, "ci95_low"))
        name = "ci_low";
    else if (!strcmp(name, "ci95_high"))
        name = "ci_high";
    web_term(app, "qcol", name, out);
}

/* Whether a column's codes are shown as words (templates COLUMN_CODE:
 * indication_chronic, route_riziv, measure_nprs). */
static bool
s_worded(const char *column)
{
    return !strcmp(column, "indication") || !strcmp(column, "route") || !strcmp(column, "measure");
}

/* A table as rows of fragments: head into *head, body rows into *rows.
 * The total row's first key ("all") is a word. */
static int
s_table(web_app_t *app, const outcomes_table_t *t, web_buf_t *head, web_buf_t *rows)
{
    int rc = 0;
    size_t nc = outcomes_table_cols(t);
    for (size_t c = 0; c < nc; c++) {
        web_buf_t w = {0};
        s_col_term(app, outcomes_table_name(t, c), &w);
        web_tvar_t v[] = {{"label", NULL, &w}};
        rc |= web_fragment(app, "q_th", v, 1, head);
        web_buf_clear(&w);
    }
    for (size_t r = 0; r < outcomes_table_rows(t); r++) {
        web_buf_t cells = {0};
        for (size_t c = 0; c < nc; c++) {
            const char *cell = outcomes_table_cell(t, r, c);
            web_buf_t w = {0};
            if (c == 0 && cell && !strcmp(cell, "all"))
                web_term(app, "qval", "all", &w);
            else if (cell && cell[0] && s_worded(outcomes_table_name(t, c)))
                web_term(app, outcomes_table_name(t, c), cell, &w);
            else if (!cell || !cell[0])
                web_term(app, "qval", "none", &w);
            else
                web_html_text(&w, cell);
            web_buf_add(&w, "", 0);
            web_tvar_t v[] = {{"v", NULL, &w}};
            bool sup = cell && !strcmp(cell, OUTCOMES_SUPPRESSED);
            rc |= web_fragment(app, sup ? "q_td_sup" : "q_td", v, 1, &cells);
            web_buf_clear(&w);
        }
        web_tvar_t v[] = {{"cells", NULL, &cells}};
        rc |= web_fragment(app, "q_tr", v, 1, rows);
        web_buf_clear(&cells);
    }
    web_buf_add(head, "", 0);
    web_buf_add(rows, "", 0);
    return rc;
}

void
web_quality_csv(web_resp_t *resp, const outcomes_table_t *t, const char *disposition)
{
    web_buf_clear(&resp->body);
    resp->status = 200;
    resp->content_type = "text/csv; charset=utf-8";
    resp->cache = "no-store";
    resp->disposition = disposition;
    if (!t) {
        web_buf_add(&resp->body, "", 0);
        return;
    }
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    if (!f)
        abort();
    outcomes_table_print(t, RL_CLI_CSV, f);
    fclose(f);
    web_buf_add(&resp->body, data, len);
    free(data);
}

static bool
s_want_csv(const web_req_t *req)
{
    const char *format = web_query(req, "format");
    return format && !strcmp(format, "csv");
}

/* A table with its head, for a page: template q_table (head, rows). */
static int
s_table_html(web_app_t *app, const outcomes_table_t *t, web_buf_t *out)
{
    web_buf_t head = {0}, rows = {0};
    int rc = s_table(app, t, &head, &rows);
    web_tvar_t v[] = {{"head", NULL, &head}, {"rows", NULL, &rows}};
    rc |= web_fragment(app, "q_table", v, 2, out);
    web_buf_clear(&head);
    web_buf_clear(&rows);
    return rc;
}

int
web_quality(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    const char *by = web_query(req, "by");
    size_t b = 0;
    while (by && b < S_NBYS && strcmp(by, s_bys[b]))
        b++;
    if (b == S_NBYS)
        b = 0;
    by = s_bys[b];
    bool csv = s_want_csv(req);

    web_pool_t *pool = web_role_pool(app, req);
    rl_err_t err;
    PGconn *conn = web_pool_borrow(pool, &err);
    outcomes_view_t view = {0};
    int n = conn ? outcomes_summary_view(conn, by, NULL, NULL, &view, &err) : -1;
    web_pool_return(pool, conn);
    if (n < 0) {
        rl_error("database", "quality summary: %s", err.msg);
        return -1;
    }
    if (csv) {
        static const char *const disp[] = {
            "attachment; filename=\"quality-site.csv\"",
            "attachment; filename=\"quality-cohort.csv\"",
            "attachment; filename=\"quality-year.csv\"",
            "attachment; filename=\"quality-programme.csv\"",
            "attachment; filename=\"quality-route.csv\"",
            "attachment; filename=\"quality-indication.csv\"",
        };
        web_quality_csv(resp, n > 0 ? view.csv : NULL, disp[b]);
        outcomes_view_clear(&view);
        return 0;
    }

    int rc = 0;
    web_buf_t opts = {0}, gh = {0}, gr = {0}, mh = {0}, mr = {0}, tables = {0};
    for (size_t i = 0; i < S_NBYS; i++) {
        web_buf_t w = {0};
        web_term(app, "qby", s_bys[i], &w);
        web_tvar_t v[] = {{"value", s_bys[i], NULL}, {"label", NULL, &w}};
        rc |= web_fragment(app, i == b ? "option_selected" : "option", v, 2, &opts);
        web_buf_clear(&w);
    }
    web_buf_add(&opts, "", 0);
    if (n > 0) {
        rc |= s_table(app, view.groups, &gh, &gr);
        rc |= s_table(app, view.measures, &mh, &mr);
        char href[64];
        snprintf(href, sizeof href, "/quality?by=%s&format=csv", by);
        web_tvar_t v[] = {{"groups_head", NULL, &gh},
                          {"groups_rows", NULL, &gr},
                          {"measures_head", NULL, &mh},
                          {"measures_rows", NULL, &mr},
                          {"csv_href", href, NULL}};
        rc |= web_fragment(app, "q_tables", v, sizeof v / sizeof v[0], &tables);
    } else {
        rc |= web_fragment(app, "q_none", NULL, 0, &tables);
    }
    outcomes_view_clear(&view);
    web_tvar_t v[] = {{"by_options", NULL, &opts}, {"tables", NULL, &tables}};
    web_page(app, req, resp, 200, "quality", v, 2);
    web_buf_clear(&opts);
    web_buf_clear(&gh);
    web_buf_clear(&gr);
    web_buf_clear(&mh);
    web_buf_clear(&mr);
    web_buf_clear(&tables);
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------ completeness */

int
web_quality_completeness(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    web_pool_t *pool = web_role_pool(app, req);
    rl_err_t err;
    PGconn *conn = web_pool_borrow(pool, &err);
    outcomes_table_t *t = NULL;
    outcomes_view_t view = {0};
    int rc = conn ? outcomes_completeness_table(conn, &t, &err) : -1;
    int n = rc == 0 ? outcomes_summary_view(conn, "site", NULL, NULL, &view, &err) : -1;
    web_pool_return(pool, conn);
    if (rc < 0 || n < 0) {
        rl_error("database", "quality completeness: %s", err.msg);
        outcomes_table_destroy(&t);
        return -1;
    }
    if (s_want_csv(req)) {
        web_quality_csv(resp, t, "attachment; filename=\"quality-completeness.csv\"");
        outcomes_table_destroy(&t);
        outcomes_view_clear(&view);
        return 0;
    }
    web_buf_t comp = {0}, groups = {0}, measures = {0};
    rc = s_table_html(app, t, &comp);
    if (n > 0) {
        rc |= s_table_html(app, view.groups, &groups);
        rc |= s_table_html(app, view.measures, &measures);
    } else {
        rc |= web_fragment(app, "q_none", NULL, 0, &groups);
        web_buf_add(&measures, "", 0);
    }
    web_tvar_t v[] = {
        {"completeness", NULL, &comp}, {"groups", NULL, &groups}, {"measures", NULL, &measures}};
    web_page(app, req, resp, 200, "quality_completeness", v, 3);
    web_buf_clear(&comp);
    web_buf_clear(&groups);
    web_buf_clear(&measures);
    outcomes_table_destroy(&t);
    outcomes_view_clear(&view);
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------ charts */

/* The measures offered for the charts (quality.measure codes). */
static const char *const s_measures[] = {"nprs", "odi", "ndi", "rmdq", "psfs", "strength_extension",
                                         "strength_flexion", "rom_extension", "rom_flexion",
                                         /* the neck school's cervical devices (704) */
                                         "cervical_strength_extension", "cervical_strength_flexion",
                                         "cervical_rom_extension", "cervical_rom_flexion"};
#define S_NMEASURES (sizeof s_measures / sizeof s_measures[0])

int
web_quality_measure_options(web_app_t *app, const char *selected, web_buf_t *out)
{
    int rc = 0;
    for (size_t i = 0; i < S_NMEASURES; i++) {
        web_terms_t w = {0};
        web_tvar_t v[] = {{"value", s_measures[i], NULL},
                          {"label", NULL, web_terms_add(app, &w, "measure", s_measures[i])}};
        bool sel = selected && !strcmp(selected, s_measures[i]);
        rc |= web_fragment(app, sel ? "option_selected" : "option", v, 2, out);
        web_terms_clear(&w);
    }
    web_buf_add(out, "", 0);
    return rc;
}

/* The HTML text s as plain text, in place: the entities the escaper
 * writes (web_html.c) undone, trailing white space dropped. */
static void
s_plain(char *s)
{
    static const struct {
        const char *entity;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    char *o = s;
    for (const char *p = s; *p;) {
        size_t e = 0;
        while (e < sizeof ents / sizeof ents[0] &&
               strncmp(p, ents[e].entity, strlen(ents[e].entity)))
            e++;
        if (e < sizeof ents / sizeof ents[0]) {
            *o++ = ents[e].c;
            p += strlen(ents[e].entity);
        } else {
            *o++ = *p++;
        }
    }
    while (o > s && (o[-1] == '\n' || o[-1] == ' '))
        o--;
    *o = '\0';
}

/* Template name with {{measure}} the measure's word, as plain text in the
 * page's language; NULL for no name. Caller frees. */
static char *
s_chart_word(web_app_t *app, const char *name, const web_buf_t *measure)
{
    if (!name)
        return NULL;
    web_buf_t out = {0};
    web_tvar_t v[] = {{"measure", NULL, measure}};
    (void)web_fragment(app, name, v, 1, &out);
    web_buf_add(&out, "", 0);
    s_plain(out.data);
    return out.data; /* the buffer's own allocation */
}

void
web_quality_chart_words(web_app_t *app, const char *kind, const char *measure,
                        outcomes_chart_words_t *w)
{
    /* the templates of each kind's words (NULL: none) */
    static const struct {
        const char *kind;
        const char *t[7]; /* title, xlabel, ylabel, series, reference, limit95, limit998 */
    } kinds[] = {
        {"run",
         {"qchart_run_title", NULL, "qchart_run_ylabel", "qchart_run_series",
          "qchart_run_reference", NULL, NULL}},
        {"box", {"qchart_box_title", NULL, "qchart_box_ylabel", NULL, NULL, NULL, NULL}},
        {"change",
         {"qchart_change_title", "qchart_funnel_xlabel", "qchart_funnel_ylabel",
          "qchart_funnel_series", "qchart_funnel_reference", "qchart_limit95", "qchart_limit998"}},
        {"mcid",
         {"qchart_mcid_title", "qchart_funnel_xlabel", "qchart_funnel_ylabel",
          "qchart_funnel_series", "qchart_funnel_reference", "qchart_limit95", "qchart_limit998"}},
    };
    size_t k = 0;
    while (k < sizeof kinds / sizeof kinds[0] && strcmp(kinds[k].kind, kind))
        k++;
    assert(k < sizeof kinds / sizeof kinds[0]); /* a caller's bug */
    web_buf_t m = {0};
    web_term(app, "measure", measure, &m);
    char *words[7];
    for (size_t i = 0; i < 7; i++)
        words[i] = s_chart_word(app, kinds[k].t[i], &m);
    *w = (outcomes_chart_words_t){words[0], words[1], words[2], words[3],
                                  words[4], words[5], words[6]};
    web_buf_clear(&m);
}

int
web_quality_chart(web_app_t *app, web_quality_draw_fn draw, void *ctx, web_buf_t *img)
{
    rl_err_t err;
    char *dir = rl_paths_workdir("ruglab-web", &err);
    if (!dir) {
        rl_error("charts", "%s", err.msg);
        return -1;
    }
    char *svg = rl_asprintf("%s/chart.svg", dir);
    pthread_mutex_lock(&web_render_lock);
    int drew = draw(ctx, svg, &err);
    pthread_mutex_unlock(&web_render_lock);
    if (drew < 0)
        rl_error("charts", "%s", err.msg);
    else
        web_chart_img(app, drew == 1 ? svg : NULL, img);
    web_buf_add(img, "", 0);
    unlink(svg);
    free(svg);
    rl_paths_rmdir(dir);
    return drew < 0 ? -1 : 0;
}

/* What a chart page draws: `chart KIND --measure MEASURE --by site` on
 * conn, *drawn the numbers drawn. */
typedef struct {
    PGconn *conn;
    const char *kind, *measure;
    const outcomes_chart_words_t *words;
    outcomes_table_t *drawn;
} s_draw_t;

static int
s_draw(void *ctx, const char *svg, rl_err_t *err)
{
    s_draw_t *d = ctx;
    return outcomes_chart_draw(d->conn, d->kind, d->measure, "site", d->words, svg, &d->drawn, err);
}

/* A chart page: the chart KIND of `ruglab-outcomes chart` drawn into a
 * private directory and inlined, with the numbers it draws beside it and
 * as CSV. */
static int
s_chart_page(web_app_t *app, web_req_t *req, web_resp_t *resp, const char *kind, const char *page,
             const char *disposition)
{
    const char *measure = web_query(req, "measure");
    size_t m = 0;
    while (measure && m < S_NMEASURES && strcmp(measure, s_measures[m]))
        m++;
    if (m == S_NMEASURES)
        m = 0;
    measure = s_measures[m];

    rl_err_t err;
    web_pool_t *pool = web_role_pool(app, req);
    outcomes_chart_words_t words;
    web_quality_chart_words(app, kind, measure, &words);
    s_draw_t d = {
        .conn = web_pool_borrow(pool, &err), .kind = kind, .measure = measure, .words = &words};
    web_buf_t img = {0};
    int rc = -1;
    if (!d.conn)
        rl_error("database", "quality %s: %s", kind, err.msg);
    else
        rc = web_quality_chart(app, s_draw, &d, &img);
    web_pool_return(pool, d.conn);
    if (rc < 0) {
        /* the error is logged */
    } else if (s_want_csv(req)) {
        web_quality_csv(resp, d.drawn, disposition);
    } else {
        web_buf_t opts = {0}, table = {0};
        rc |= web_quality_measure_options(app, measure, &opts);
        /* the box plots' numbers are every change: in the CSV only */
        if (!strcmp(kind, "run"))
            rc |= s_table_html(app, d.drawn, &table);
        else
            web_buf_add(&table, "", 0);
        char href[96];
        snprintf(href, sizeof href, "/quality/%s?measure=%s&format=csv",
                 strcmp(kind, "run") ? "boxplots" : "runchart", measure);
        web_tvar_t v[] = {{"measure_options", NULL, &opts},
                          {"chart", NULL, &img},
                          {"table", NULL, &table},
                          {"csv_href", href, NULL}};
        web_page(app, req, resp, 200, page, v, 4);
        web_buf_clear(&opts);
        web_buf_clear(&table);
    }
    web_buf_clear(&img);
    outcomes_table_destroy(&d.drawn);
    outcomes_chart_words_clear(&words);
    return rc;
}

int
web_quality_runchart(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    return s_chart_page(app, req, resp, "run", "quality_runchart",
                        "attachment; filename=\"quality-runchart.csv\"");
}

int
web_quality_boxplots(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    return s_chart_page(app, req, resp, "box", "quality_boxplots",
                        "attachment; filename=\"quality-boxplots.csv\"");
}
