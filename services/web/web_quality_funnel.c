/* GET /quality/funnel (WEB_QUALITY): the sites after case-mix adjustment,
 * the numbers of `ruglab-outcomes funnel` from the same model
 * (rl_casemix_fit, services/common/casemix.c) and the same table
 * (outcomes_adjusted_table) on the quality pool: per site n, unadjusted and
 * adjusted figure, O, E, O-E, SE, z, Winsorised z, the 95 % and 99.8 %
 * limits at its n and where the site lies; and the funnel drawn (`chart
 * adjusted`: O-E against n between the limits, outcomes_chart_adjusted_draw)
 * inlined as a data: SVG. Sites with fewer than 5 rows are fitted but
 * neither shown nor drawn. ?measure=odi (default), ?indicator=change|mcid,
 * ?csv=1: the table as a CSV download, byte for byte `ruglab-outcomes
 * funnel --csv` (its n, o_minus_e, limit95 and limit998 are what the chart
 * draws). The measure, the indicator and the chart's words are the page's
 * language's (templates measure_*, qind_*, qchart_*). */
#include "web.h"

#include "../outcomes/outcomes.h"

#include "ruglab/casemix.h"
#include "ruglab/exitcode.h"
#include "ruglab/log.h"

#include <stdio.h>
#include <string.h>

/* The page's row (template quality_funnel_row): the table's columns by
 * name, the positions as words. */
static int
s_rows(web_app_t *app, const outcomes_table_t *t, web_buf_t *rows)
{
    int rc = 0;
    size_t nc = outcomes_table_cols(t);
    for (size_t r = 0; r < outcomes_table_rows(t); r++) {
        web_terms_t w = {0};
        web_tvar_t v[WEB_TERMS_MAX];
        size_t n = 0;
        for (size_t c = 0; c < nc && n < WEB_TERMS_MAX; c++) {
            const char *name = outcomes_table_name(t, c);
            const char *cell = outcomes_table_cell(t, r, c);
            if (!strcmp(name, "funnel95") || !strcmp(name, "funnel998"))
                v[n++] = (web_tvar_t){name, NULL, web_terms_add(app, &w, "funnel", cell)};
            else
                v[n++] = (web_tvar_t){name, cell ? cell : "", NULL};
        }
        rc |= web_fragment(app, "quality_funnel_row", v, n, rows);
        web_terms_clear(&w);
    }
    web_buf_add(rows, "", 0);
    return rc;
}

/* What the page draws: the fitted model, in the page's words. */
typedef struct {
    const outcomes_adjusted_t *a;
    const outcomes_chart_words_t *words;
} s_draw_t;

static int
s_draw(void *ctx, const char *svg, rl_err_t *err)
{
    const s_draw_t *d = ctx;
    return outcomes_chart_adjusted_draw(d->a, d->words, svg, err);
}

/* The indicator select: change, mcid in the page's words (qind_*). */
static int
s_indicator_options(web_app_t *app, const char *selected, web_buf_t *out)
{
    static const char *const inds[] = {"change", "mcid"};
    int rc = 0;
    for (size_t i = 0; i < 2; i++) {
        web_terms_t w = {0};
        web_tvar_t v[] = {{"value", inds[i], NULL},
                          {"label", NULL, web_terms_add(app, &w, "qind", inds[i])}};
        rc |=
            web_fragment(app, strcmp(selected, inds[i]) ? "option" : "option_selected", v, 2, out);
        web_terms_clear(&w);
    }
    web_buf_add(out, "", 0);
    return rc;
}

int
web_quality_funnel(web_app_t *app, web_req_t *req, web_resp_t *resp)
{
    const char *measure = web_query(req, "measure");
    const char *indicator = web_query(req, "indicator");
    const char *csv = web_query(req, "csv");
    if (!measure || !*measure)
        measure = "odi";
    if (!indicator || !*indicator)
        indicator = "change";
    if (strcmp(indicator, "change") != 0 && strcmp(indicator, "mcid") != 0) {
        web_error(app, req, resp, 404, "msg_not_found");
        return 0;
    }
    outcomes_adjusted_t a = {.name = "funnel",
                             .measure = measure,
                             .indicator = indicator,
                             .mcid = strcmp(indicator, "mcid") == 0};
    web_pool_t *pool = web_role_pool(app, req);
    rl_err_t err = {{0}};
    PGconn *conn = web_pool_borrow(pool, &err);
    if (!conn) {
        rl_error("database", "%s", err.msg);
        return -1;
    }
    int rc = rl_casemix_fit(conn, measure, a.mcid, OUTCOMES_MIN_CELL, &a.m, &err);
    web_pool_return(pool, conn);
    if (rc == RL_EXIT_DB) {
        rl_error("database", "%s", err.msg);
        rl_casemix_free(&a.m);
        return -1;
    }
    if (rc != RL_EXIT_OK) { /* unknown measure, no threshold, no rows, no fit */
        rl_casemix_free(&a.m);
        web_error(app, req, resp, 404, "msg_not_found");
        return 0;
    }
    int shown;
    outcomes_table_t *t = outcomes_adjusted_table(&a, &shown);
    if (csv && strcmp(csv, "1") == 0) {
        web_quality_csv(resp, t, "attachment; filename=\"quality-funnel.csv\"");
        outcomes_table_destroy(&t);
        rl_casemix_free(&a.m);
        return 0;
    }
    web_buf_t rows = {0}, img = {0}, mopts = {0}, iopts = {0};
    rc = s_rows(app, t, &rows);
    outcomes_chart_words_t words;
    web_quality_chart_words(app, indicator, measure, &words);
    s_draw_t d = {&a, &words};
    rc |= web_quality_chart(app, s_draw, &d, &img);
    outcomes_chart_words_clear(&words);
    rc |= web_quality_measure_options(app, measure, &mopts);
    rc |= s_indicator_options(app, indicator, &iopts);
    web_terms_t w = {0};
    char n[32], tau2[32], phi[32], p[32];
    snprintf(n, sizeof n, "%zu", a.m.n);
    snprintf(tau2, sizeof tau2, "%.6g", a.m.tau2);
    snprintf(phi, sizeof phi, "%.4f", a.m.od_ok ? a.m.od.phi : 0.0);
    snprintf(p, sizeof p, "%.4f", a.m.od_ok ? a.m.od.p_value : 1.0);
    char csv_href[160];
    snprintf(csv_href, sizeof csv_href, "/quality/funnel?measure=%s&indicator=%s&csv=1", measure,
             indicator);
    web_tvar_t v[] = {
        {"measure", NULL, web_terms_add(app, &w, "measure", measure)},
        {"indicator", NULL, web_terms_add(app, &w, "qind", indicator)},
        {"rows", NULL, &rows},
        {"n", n, NULL},
        {"tau2", tau2, NULL},
        {"phi", phi, NULL},
        {"p", p, NULL},
        {"csv_href", csv_href, NULL},
        {"chart", NULL, &img},
        {"measure_options", NULL, &mopts},
        {"indicator_options", NULL, &iopts},
    };
    if (rc == 0)
        web_page(app, req, resp, 200, "quality_funnel", v, sizeof v / sizeof v[0]);
    web_terms_clear(&w);
    web_buf_clear(&rows);
    web_buf_clear(&img);
    web_buf_clear(&mopts);
    web_buf_clear(&iopts);
    outcomes_table_destroy(&t);
    rl_casemix_free(&a.m);
    return rc ? -1 : 0;
}
