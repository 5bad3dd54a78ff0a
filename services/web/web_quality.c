/* The quality team's dashboard: /quality, the outcome summary of
 * `ruglab-outcomes summary --by GROUPING` (the same fetch, suppression and
 * cells: outcomes_summary_view), as a page and as CSV (?format=csv: the
 * CLI's --csv long form, the numbers the page shows). Reads only the
 * pseudonymised quality.* tables on the quality pool, so the page works
 * the same on a site's database and on the registry. */
#include "web.h"

#include "../outcomes/outcomes.h"

#include "ruglab/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The groupings offered (outcomes_group_expr names). */
static const char *const s_bys[] = {"site", "cohort", "year", "programme", "indication"};
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

/* The table as the CLI's CSV (RFC 4180). */
static void
s_csv(web_resp_t *resp, const outcomes_table_t *t, const char *disposition)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&data, &len);
    if (!f)
        abort();
    outcomes_table_print(t, RL_CLI_CSV, f);
    fclose(f);
    web_buf_clear(&resp->body);
    web_buf_add(&resp->body, data, len);
    free(data);
    resp->status = 200;
    resp->content_type = "text/csv; charset=utf-8";
    resp->cache = "no-store";
    resp->disposition = disposition;
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
    const char *format = web_query(req, "format");
    bool csv = format && !strcmp(format, "csv");

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
            "attachment; filename=\"quality-indication.csv\"",
        };
        if (n > 0) {
            s_csv(resp, view.csv, disp[b]);
        } else {
            resp->status = 200;
            resp->content_type = "text/csv; charset=utf-8";
            resp->cache = "no-store";
            resp->disposition = disp[b];
        }
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
        web_tvar_t v[] = {{"groups_head", NULL, &gh}, {"groups_rows", NULL, &gr},
                          {"measures_head", NULL, &mh}, {"measures_rows", NULL, &mr},
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
