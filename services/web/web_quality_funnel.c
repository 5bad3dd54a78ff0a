/* GET /quality/funnel (WEB_QUALITY): the sites after case-mix adjustment,
 * the numbers of `ruglab-outcomes funnel` from the same model
 * (rl_casemix_fit, services/common/casemix.c) on the quality pool: per site
 * n, unadjusted and adjusted figure, O, E, O-E, SE, z, Winsorised z, the
 * 95 % and 99.8 % limits at its n and where the site lies. Sites with fewer
 * than 5 rows are fitted but not shown. ?measure=odi (default),
 * ?indicator=change|mcid, ?csv=1: the same rows as a CSV download. */
#include "web.h"

#include "ruglab/casemix.h"
#include "ruglab/exitcode.h"
#include "ruglab/log.h"

#include <stdio.h>
#include <string.h>

#define S_MIN_CELL 5
#define S_COLS 14

static const char *const s_csv_head = "site,n,unadjusted,adjusted,observed,expected,o_minus_e,se,z,"
                                      "z_winsorised,limit95,limit998,funnel95,funnel998\n";

static const char *
s_side(double d, double lim)
{
    return d > lim ? "above" : d < -lim ? "below" : "inside";
}

/* The cells of site s, as text: the CSV's columns in order. */
static void
s_cells(const rl_casemix_t *m, int s, char cells[S_COLS][40])
{
    const rl_stats_group_t *g = &m->adj[s];
    int dec = m->mcid ? 4 : 3;
    double l95 = rl_stats_funnel_limit(m->v, (double)g->n, RL_STATS_Z95, m->tau2);
    double l998 = rl_stats_funnel_limit(m->v, (double)g->n, RL_STATS_Z998, m->tau2);
    double adjusted = m->mcid ? m->pooled * g->o_over_e : m->pooled + g->o_minus_e;
    snprintf(cells[0], 40, "%s", m->site[s]);
    snprintf(cells[1], 40, "%zu", g->n);
    double v[] = {g->observed, adjusted, g->observed, g->expected, g->o_minus_e, g->se};
    for (int i = 0; i < 6; i++)
        snprintf(cells[2 + i], 40, "%.*f", dec, v[i]);
    snprintf(cells[8], 40, "%.3f", g->z);
    snprintf(cells[9], 40, "%.3f", m->zw[s]);
    snprintf(cells[10], 40, "%.*f", dec, l95);
    snprintf(cells[11], 40, "%.*f", dec, l998);
    snprintf(cells[12], 40, "%s", s_side(g->o_minus_e, l95));
    snprintf(cells[13], 40, "%s", s_side(g->o_minus_e, l998));
}

static void
s_csv_field(web_buf_t *b, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        web_buf_adds(b, s);
        return;
    }
    web_buf_adds(b, "\"");
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            web_buf_adds(b, "\"");
        web_buf_add(b, p, 1);
    }
    web_buf_adds(b, "\"");
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
    bool mcid = strcmp(indicator, "mcid") == 0;
    web_pool_t *pool = web_role_pool(app, req);
    rl_err_t err = {{0}};
    PGconn *conn = web_pool_borrow(pool, &err);
    if (!conn) {
        rl_error("database", "%s", err.msg);
        return -1;
    }
    rl_casemix_t m;
    int rc = rl_casemix_fit(conn, measure, mcid, S_MIN_CELL, &m, &err);
    web_pool_return(pool, conn);
    if (rc == RL_EXIT_DB) {
        rl_error("database", "%s", err.msg);
        rl_casemix_free(&m);
        return -1;
    }
    if (rc != RL_EXIT_OK) { /* unknown measure, no threshold, no rows, no fit */
        rl_casemix_free(&m);
        web_error(app, req, resp, 404, "msg_not_found");
        return 0;
    }
    if (csv && strcmp(csv, "1") == 0) {
        web_buf_adds(&resp->body, s_csv_head);
        for (int s = 0; s < m.k; s++) {
            if (m.adj[s].n < S_MIN_CELL)
                continue;
            char cells[S_COLS][40];
            s_cells(&m, s, cells);
            for (int c = 0; c < S_COLS; c++) {
                if (c)
                    web_buf_adds(&resp->body, ",");
                s_csv_field(&resp->body, cells[c]);
            }
            web_buf_adds(&resp->body, "\n");
        }
        rl_casemix_free(&m);
        resp->status = 200;
        resp->content_type = "text/csv; charset=utf-8";
        resp->disposition = "attachment; filename=\"funnel.csv\"";
        resp->cache = "no-store";
        return 0;
    }
    static const char *const keys[S_COLS] = {
        "site", "n", "unadjusted",   "adjusted", "observed", "expected", "o_minus_e",
        "se",   "z", "z_winsorised", "limit95",  "limit998", "funnel95", "funnel998"};
    web_buf_t rows = {0};
    for (int s = 0; s < m.k; s++) {
        if (m.adj[s].n < S_MIN_CELL)
            continue;
        char cells[S_COLS][40];
        s_cells(&m, s, cells);
        web_terms_t t = {0};
        web_tvar_t v[S_COLS];
        for (int c = 0; c < S_COLS; c++)
            v[c] = (web_tvar_t){keys[c], cells[c], NULL};
        v[12] = (web_tvar_t){keys[12], NULL, web_terms_add(app, &t, "funnel", cells[12])};
        v[13] = (web_tvar_t){keys[13], NULL, web_terms_add(app, &t, "funnel", cells[13])};
        web_fragment(app, "quality_funnel_row", v, S_COLS, &rows);
        web_terms_clear(&t);
    }
    char n[32], tau2[32], phi[32], p[32];
    snprintf(n, sizeof n, "%zu", m.n);
    snprintf(tau2, sizeof tau2, "%.6g", m.tau2);
    snprintf(phi, sizeof phi, "%.4f", m.od_ok ? m.od.phi : 0.0);
    snprintf(p, sizeof p, "%.4f", m.od_ok ? m.od.p_value : 1.0);
    char csv_href[160];
    snprintf(csv_href, sizeof csv_href, "/quality/funnel?measure=%s&indicator=%s&csv=1", measure,
             indicator);
    web_tvar_t v[] = {
        {"measure", measure, NULL},
        {"indicator", indicator, NULL},
        {"rows", NULL, &rows},
        {"n", n, NULL},
        {"tau2", tau2, NULL},
        {"phi", phi, NULL},
        {"p", p, NULL},
        {"csv_href", csv_href, NULL},
    };
    web_page(app, req, resp, 200, "quality_funnel", v, sizeof v / sizeof v[0]);
    web_buf_clear(&rows);
    rl_casemix_free(&m);
    return 0;
}
