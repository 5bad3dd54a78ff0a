/* Grouped counts and change values from quality.enrolment and
 * quality.outcome. The grouping columns come from a fixed table of SQL
 * expressions (never from the user's text); values are parameters. */
#include "outcomes.h"

#include "ruglab/db.h"
#include "ruglab/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    const char *expr;
} s_groupings[] = {
    {"cohort", "e.site_code || '/' || coalesce(e.cohort_code, '-')"},
    {"site", "e.site_code"},
    {"year", "extract(isoyear FROM e.start_week)::int::text"},
    {"programme", "e.programme_code"},
    {"indication", "e.indication"},
    {"sex", "e.sex"},
    {"age-band", "e.age_band"},
};
#define S_NGROUPINGS (sizeof s_groupings / sizeof s_groupings[0])

const char *
outcomes_group_expr(const char *name)
{
    for (size_t i = 0; i < S_NGROUPINGS; i++)
        if (!strcmp(name, s_groupings[i].name))
            return s_groupings[i].expr;
    return NULL;
}

/* Splits "a,b,c" into a NULL-terminated array; caller frees each and it. */
static char **
s_split(const char *list, size_t *n)
{
    *n = 0;
    char **out = rl_calloc(strlen(list) + 2, sizeof *out);
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        out[(*n)++] = rl_strndup(p, len);
        p += len;
        if (*p == ',')
            p++;
    }
    return out;
}

static void
s_free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* Parses a PostgreSQL array of numerics "{1,-2.5,3}" (no NULLs in it). */
static double *
s_parse_array(const char *text, size_t *n)
{
    *n = 0;
    if (!text || text[0] != '{' || text[1] == '}')
        return NULL;
    size_t cap = 1;
    for (const char *p = text; *p; p++)
        cap += *p == ',';
    double *v = rl_malloc(cap * sizeof *v);
    const char *p = text + 1;
    while (*p && *p != '}') {
        char *end;
        v[(*n)++] = strtod(p, &end);
        p = end;
        if (*p == ',')
            p++;
        else if (*p != '}')
            break;
    }
    return v;
}

static outcomes_group_t *
s_group_for(outcomes_data_t *d, PGresult *res, int row)
{
    /* rows come ordered by key: the group is the last one or a new one */
    if (d->ngroups) {
        outcomes_group_t *g = &d->groups[d->ngroups - 1];
        bool same = true;
        for (size_t k = 0; k < d->nkeys && same; k++)
            same = !strcmp(g->key[k], PQgetvalue(res, row, (int)k));
        if (same)
            return g;
    }
    d->groups = rl_realloc(d->groups, (d->ngroups + 1) * sizeof *d->groups);
    outcomes_group_t *g = &d->groups[d->ngroups++];
    memset(g, 0, sizeof *g);
    g->key = rl_calloc(d->nkeys ? d->nkeys : 1, sizeof *g->key);
    for (size_t k = 0; k < d->nkeys; k++)
        g->key[k] = rl_strdup(PQgetvalue(res, row, (int)k));
    g->n_values = rl_calloc(d->nmeasures, sizeof *g->n_values);
    g->values = rl_calloc(d->nmeasures, sizeof *g->values);
    g->n_flagged = rl_calloc(d->nmeasures, sizeof *g->n_flagged);
    g->n_important = rl_calloc(d->nmeasures, sizeof *g->n_important);
    return g;
}

outcomes_data_t *
outcomes_fetch(PGconn *conn, const char *by, const char *measures, const char *where_sql,
               int nparams, const char *const *params, rl_err_t *err)
{
    outcomes_data_t *d = rl_calloc(1, sizeof *d);
    char *keys_sql = rl_strdup("");
    char *sql = NULL;
    PGresult *res = NULL;
    bool ok = false;

    if (by && *by) {
        d->key_names = s_split(by, &d->nkeys);
        for (size_t k = 0; k < d->nkeys; k++) {
            const char *expr = outcomes_group_expr(d->key_names[k]);
            if (!expr) {
                rl_err_set(err,
                           "unknown grouping '%s' (cohort, site, year, programme, indication, "
                           "sex, age-band)",
                           d->key_names[k]);
                goto out;
            }
            char *next = rl_asprintf("%s(%s) AS k%zu, ", keys_sql, expr, k);
            free(keys_sql);
            keys_sql = next;
        }
    } else {
        d->key_names = rl_calloc(1, sizeof *d->key_names);
    }

    /* the measures, in their order */
    res =
        rl_db_exec(conn, err, "reading quality.measure",
                   "SELECT measure, label, kind FROM quality.measure ORDER BY sort_order", 0, NULL);
    if (!res)
        goto out;
    size_t nwanted = 0;
    char **wanted = measures ? s_split(measures, &nwanted) : NULL;
    d->measures = rl_calloc((size_t)PQntuples(res) + 1, sizeof *d->measures);
    d->labels = rl_calloc((size_t)PQntuples(res) + 1, sizeof *d->labels);
    d->kinds = rl_calloc((size_t)PQntuples(res) + 1, sizeof *d->kinds);
    for (size_t w = 0; w < nwanted; w++) {
        bool known = false;
        for (int r = 0; r < PQntuples(res); r++)
            known |= !strcmp(wanted[w], PQgetvalue(res, r, 0));
        if (!known) {
            rl_err_set(err, "unknown measure '%s' (see quality.measure: nprs, odi, ...)",
                       wanted[w]);
            s_free_list(wanted, nwanted);
            goto out;
        }
    }
    for (int r = 0; r < PQntuples(res); r++) {
        bool take = !wanted;
        for (size_t w = 0; w < nwanted; w++)
            take |= !strcmp(wanted[w], PQgetvalue(res, r, 0));
        if (!take)
            continue;
        d->measures[d->nmeasures] = rl_strdup(PQgetvalue(res, r, 0));
        d->labels[d->nmeasures] = rl_strdup(PQgetvalue(res, r, 1));
        d->kinds[d->nmeasures++] = rl_strdup(PQgetvalue(res, r, 2));
    }
    if (wanted)
        s_free_list(wanted, nwanted);
    PQclear(res);
    res = NULL;

    char *order = rl_strdup("");
    for (size_t k = 0; k < d->nkeys; k++) {
        char *next = rl_asprintf("%s%zu, ", order, k + 1);
        free(order);
        order = next;
    }
    /* One row per group and measure; groups without any outcome still get
     * a row (measure NULL) carrying the enrolment counts. k0, k1, ... are
     * the grouping columns. */
    char *klist = rl_strdup("");
    for (size_t k = 0; k < d->nkeys; k++) {
        char *next = rl_asprintf("%sk%zu, ", klist, k);
        free(klist);
        klist = next;
    }
    char *gklist = rl_strdup("");
    for (size_t k = 0; k < d->nkeys; k++) {
        char *next = rl_asprintf("%sg.k%zu, ", gklist, k);
        free(gklist);
        gklist = next;
    }
    sql = rl_asprintf(
        "WITH e AS (SELECT %s 1 AS one, e.* FROM quality.enrolment e %s%s), "
        "g AS (SELECT %s one, count(*) AS enrolled, count(*) FILTER (WHERE completed) AS "
        "completed, "
        "      count(*) FILTER (WHERE dropped_out) AS dropped FROM e GROUP BY %s one) "
        "SELECT %s g.enrolled, g.completed, g.dropped, m.measure, "
        "       array_agg(o.change ORDER BY o.change) FILTER (WHERE o.change IS NOT NULL), "
        "       count(o.important), count(*) FILTER (WHERE o.important) "
        "FROM g JOIN e USING (%s one) "
        "LEFT JOIN quality.outcome o ON o.enrolment_key = e.enrolment_key "
        "LEFT JOIN quality.measure m ON m.measure = o.measure "
        "GROUP BY %s g.enrolled, g.completed, g.dropped, m.measure, m.sort_order "
        "ORDER BY %s m.sort_order NULLS FIRST",
        keys_sql, where_sql ? "WHERE " : "", where_sql ? where_sql : "", klist, klist, gklist,
        klist, gklist, order);
    free(order);
    free(klist);
    free(gklist);
    res = rl_db_exec(conn, err, "reading the quality tables", sql, nparams, params);
    if (!res)
        goto out;
    int base = (int)d->nkeys;
    for (int r = 0; r < PQntuples(res); r++) {
        outcomes_group_t *g = s_group_for(d, res, r);
        g->enrolled = atol(PQgetvalue(res, r, base));
        g->completed = atol(PQgetvalue(res, r, base + 1));
        g->dropped_out = atol(PQgetvalue(res, r, base + 2));
        if (PQgetisnull(res, r, base + 3))
            continue;
        const char *m = PQgetvalue(res, r, base + 3);
        for (size_t i = 0; i < d->nmeasures; i++) {
            if (strcmp(d->measures[i], m) != 0)
                continue;
            g->values[i] =
                s_parse_array(PQgetisnull(res, r, base + 4) ? NULL : PQgetvalue(res, r, base + 4),
                              &g->n_values[i]);
            g->n_flagged[i] = atol(PQgetvalue(res, r, base + 5));
            g->n_important[i] = atol(PQgetvalue(res, r, base + 6));
        }
    }
    ok = true;
out:
    PQclear(res);
    free(sql);
    free(keys_sql);
    if (!ok)
        outcomes_data_free(&d);
    return d;
}

void
outcomes_data_free(outcomes_data_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    outcomes_data_t *d = *self_p;
    for (size_t i = 0; i < d->ngroups; i++) {
        outcomes_group_t *g = &d->groups[i];
        for (size_t k = 0; k < d->nkeys; k++)
            free(g->key[k]);
        for (size_t m = 0; m < d->nmeasures; m++)
            free(g->values[m]);
        free(g->key);
        free(g->values);
        free(g->n_values);
        free(g->n_flagged);
        free(g->n_important);
    }
    free(d->groups);
    s_free_list(d->key_names, d->nkeys);
    s_free_list(d->measures, d->nmeasures);
    s_free_list(d->labels, d->nmeasures);
    s_free_list(d->kinds, d->nmeasures);
    free(d);
    *self_p = NULL;
}
