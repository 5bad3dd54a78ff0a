/* Grouped counts and change values from quality.enrolment and
 * quality.outcome. The grouping columns come from a fixed table of SQL
 * expressions (never from the user's text); values are parameters. */
#include "outcomes.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/mem.h"

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
    {"route", "e.route"},
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

static int
s_unknown_grouping(rl_err_t *err, const char *name)
{
    return rl_err_set(err,
                      "unknown grouping '%s' (cohort, site, year, programme, route, indication, "
                      "sex, age-band)",
                      name);
}

int
outcomes_grouping_check(const char *by, rl_err_t *err)
{
    if (!*by || by[strlen(by) - 1] == ',')
        return rl_err_set(err, "empty grouping in '%s'", by);
    char *copy = rl_strdup(by);
    char *save = NULL;
    int rc = 0;
    for (char *t = strtok_r(copy, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save))
        if (!outcomes_group_expr(t))
            rc = s_unknown_grouping(err, t);
    free(copy);
    return rc;
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

/* The grouping columns of `by` into d->key_names and their SQL
 * "(expr) AS k0, (expr) AS k1, " into *keys_sql (caller frees). */
static int
s_keys(outcomes_data_t *d, const char *by, char **keys_sql, rl_err_t *err)
{
    *keys_sql = rl_strdup("");
    if (!by || !*by) {
        d->key_names = rl_calloc(1, sizeof *d->key_names);
        return 0;
    }
    d->key_names = s_split(by, &d->nkeys);
    for (size_t k = 0; k < d->nkeys; k++) {
        const char *expr = outcomes_group_expr(d->key_names[k]);
        if (!expr)
            return s_unknown_grouping(err, d->key_names[k]);
        char *next = rl_asprintf("%s(%s) AS k%zu, ", *keys_sql, expr, k);
        free(*keys_sql);
        *keys_sql = next;
    }
    return 0;
}

/* Whether name is one of the n strings of list. */
static bool
s_in(char **list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], name))
            return true;
    return false;
}

/* d->measures, labels and kinds: the rows of quality.measure (code, label,
 * kind) named in `measures` (NULL: all), in their order. */
static int
s_take_measures(outcomes_data_t *d, PGresult *res, const char *measures, rl_err_t *err)
{
    int rows = PQntuples(res);
    size_t nwanted = 0;
    char **wanted = measures ? s_split(measures, &nwanted) : NULL;
    d->measures = rl_calloc((size_t)rows + 1, sizeof *d->measures);
    d->labels = rl_calloc((size_t)rows + 1, sizeof *d->labels);
    d->kinds = rl_calloc((size_t)rows + 1, sizeof *d->kinds);
    int rc = 0;
    for (size_t w = 0; w < nwanted && rc == 0; w++) {
        bool known = false;
        for (int r = 0; r < rows; r++)
            known |= !strcmp(wanted[w], PQgetvalue(res, r, 0));
        if (!known)
            rc = rl_err_set(err, "unknown measure '%s' (see quality.measure: nprs, odi, ...)",
                            wanted[w]);
    }
    for (int r = 0; r < rows && rc == 0; r++) {
        if (wanted && !s_in(wanted, nwanted, PQgetvalue(res, r, 0)))
            continue;
        d->measures[d->nmeasures] = rl_strdup(PQgetvalue(res, r, 0));
        d->labels[d->nmeasures] = rl_strdup(PQgetvalue(res, r, 1));
        d->kinds[d->nmeasures++] = rl_strdup(PQgetvalue(res, r, 2));
    }
    if (wanted)
        s_free_list(wanted, nwanted);
    return rc;
}

static int
s_load_measures(PGconn *conn, outcomes_data_t *d, const char *measures, rl_err_t *err)
{
    PGresult *res =
        rl_db_exec(conn, err, "reading quality.measure",
                   "SELECT measure, label, kind FROM quality.measure ORDER BY sort_order", 0, NULL);
    if (!res)
        return -1;
    int rc = s_take_measures(d, res, measures, err);
    PQclear(res);
    return rc;
}

/* "<prefix><base>, <prefix><base + 1>, ..." for n grouping columns. */
static char *
s_list(size_t n, const char *prefix, size_t base)
{
    char *list = rl_strdup("");
    for (size_t k = 0; k < n; k++) {
        char *next = rl_asprintf("%s%s%zu, ", list, prefix, k + base);
        free(list);
        list = next;
    }
    return list;
}

/* One row per group and measure; groups without any outcome still get a
 * row (measure NULL) carrying the enrolment counts. k0, k1, ... are the
 * grouping columns. Caller frees. */
static char *
s_sql(size_t nkeys, const char *keys_sql, const char *where_sql)
{
    char *order = s_list(nkeys, "", 1);
    char *klist = s_list(nkeys, "k", 0);
    char *gklist = s_list(nkeys, "g.k", 0);
    char *sql = rl_asprintf(
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
    return sql;
}

/* The groups of the rows of s_sql's query. */
static void
s_take_groups(outcomes_data_t *d, PGresult *res)
{
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
}

outcomes_data_t *
outcomes_fetch(PGconn *conn, const char *by, const char *measures, const char *where_sql,
               int nparams, const char *const *params, rl_err_t *err)
{
    outcomes_data_t *d = rl_calloc(1, sizeof *d);
    char *keys_sql = NULL;
    char *sql = NULL;
    PGresult *res = NULL;
    bool ok = false;

    if (s_keys(d, by, &keys_sql, err) < 0 || s_load_measures(conn, d, measures, err) < 0)
        goto out;
    sql = s_sql(d->nkeys, keys_sql, where_sql);
    res = rl_db_exec(conn, err, "reading the quality tables", sql, nparams, params);
    if (!res)
        goto out;
    s_take_groups(d, res);
    ok = true;
out:
    PQclear(res);
    free(sql);
    free(keys_sql);
    if (!ok)
        outcomes_data_free(&d);
    return d;
}

outcomes_data_t *
outcomes_fetch_site(PGconn *conn, const char *by, const char *measures, const char *site,
                    rl_err_t *err)
{
    const char *params[1] = {site};
    return outcomes_fetch(conn, by, measures, site ? "e.site_code = $1" : NULL, site ? 1 : 0,
                          params, err);
}

int
outcomes_fetch_failed(const char *what, const rl_err_t *err)
{
    rl_cli_fail("%s: %s", what, err->msg);
    return strncmp(err->msg, "unknown", 7) == 0 ? RL_EXIT_FAIL : RL_EXIT_DB;
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
