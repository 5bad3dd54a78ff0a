/* Grouped counts and change values from the pre-aggregated quality
 * tables (deploy/sql/610_quality_aggregates.sql): the partitions of the
 * enrolments by site x year x programme x route with, per measure, the
 * partition's changes sorted. A grouping made of partition columns only
 * (site, year, programme, route) adds whole partitions; the others
 * (cohort, indication, sex, age band) and a cohort filter place each
 * change by its enrolment. A group's changes are the sorted runs of its
 * partitions one after the other; the statistics need no order (the
 * median is found by selection), a chart sorts them (outcomes_data_sort:
 * a merge of the runs). Every statistic is computed from the same doubles
 * as from quality.outcome itself. Two
 * statements read everything (binary results: no text to parse), whatever
 * the grouping; a third orders the groups by the database's collation.
 * The grouping names come from a fixed table (never the user's text);
 * values are parameters. */
#include "outcomes.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/measures.h"
#include "ruglab/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Where a grouping's value comes from. */
typedef enum {
    S_F_COHORT, /* "SITE/CODE" ("SITE/-" without a cohort) */
    S_F_SITE,
    S_F_YEAR, /* the ISO year of the start week */
    S_F_PROGRAMME,
    S_F_ROUTE,
    S_F_INDICATION,
    S_F_SEX,
    S_F_AGE,
} s_field_t;

static const struct {
    const char *name;
    const char *expr; /* on quality.enrolment e (ruglab-outcomes rtw) */
    s_field_t field;
} s_groupings[] = {
    {"cohort", "e.site_code || '/' || coalesce(e.cohort_code, '-')", S_F_COHORT},
    {"site", "e.site_code", S_F_SITE},
    {"year", "extract(isoyear FROM e.start_week)::int::text", S_F_YEAR},
    {"programme", "e.programme_code", S_F_PROGRAMME},
    {"route", "e.route", S_F_ROUTE},
    {"indication", "e.indication", S_F_INDICATION},
    {"sex", "e.sex", S_F_SEX},
    {"age-band", "e.age_band", S_F_AGE},
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

/* The grouping columns of `by` into d->key_names and where each comes
 * from into *fields (caller frees). */
static int
s_keys(outcomes_data_t *d, const char *by, s_field_t **fields, rl_err_t *err)
{
    if (!by || !*by) {
        d->key_names = rl_calloc(1, sizeof *d->key_names);
        *fields = rl_calloc(1, sizeof **fields);
        return 0;
    }
    d->key_names = s_split(by, &d->nkeys);
    *fields = rl_calloc(d->nkeys + 1, sizeof **fields);
    for (size_t k = 0; k < d->nkeys; k++) {
        size_t i = 0;
        while (i < S_NGROUPINGS && strcmp(d->key_names[k], s_groupings[i].name) != 0)
            i++;
        if (i == S_NGROUPINGS)
            return s_unknown_grouping(err, d->key_names[k]);
        (*fields)[k] = s_groupings[i].field;
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

/* ------------------------------------------------------------ binary */
/* Values of rl_db_exec_binary's results: big-endian integers and floats,
 * one-dimensional arrays as ndim, flags, element type, size, lower bound,
 * then per element its length (-1: NULL) and bytes. */

static uint32_t
s_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static double
s_float8(const unsigned char *p)
{
    uint64_t u = (uint64_t)s_be32(p) << 32 | s_be32(p + 4);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static long
s_int4(const PGresult *res, int row, int col)
{
    return (long)(int32_t)s_be32((const unsigned char *)PQgetvalue(res, row, col));
}

typedef struct {
    const unsigned char *p, *end;
    long n; /* elements */
} s_array_t;

/* Opens the array of a cell: 0, or -1 when it is not a one-dimensional
 * array (or is cut short). */
static int
s_array_open(s_array_t *a, const PGresult *res, int row, int col)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(res, row, col);
    int len = PQgetlength(res, row, col);
    a->end = p + len;
    if (len < 12)
        return -1;
    uint32_t ndim = s_be32(p);
    if (ndim == 0) {
        a->n = 0;
        a->p = p + 12;
        return 0;
    }
    if (ndim != 1 || len < 20)
        return -1;
    a->n = (long)(int32_t)s_be32(p + 12);
    a->p = p + 20;
    return a->n < 0 ? -1 : 0;
}

/* The next element: its bytes and *len (-1 and NULL for SQL NULL); *bad
 * set when the array is cut short. */
static const char *
s_array_next(s_array_t *a, int *len, bool *bad)
{
    if (a->end - a->p < 4) {
        *bad = true;
        *len = -1;
        return NULL;
    }
    int32_t l = (int32_t)s_be32(a->p);
    a->p += 4;
    if (l < 0) {
        *len = -1;
        return NULL;
    }
    if (a->end - a->p < l) {
        *bad = true;
        *len = -1;
        return NULL;
    }
    const char *v = (const char *)a->p;
    a->p += l;
    *len = l;
    return v;
}

/* ------------------------------------------------------------ keys */
/* Composite keys are their parts joined by S_SEP (a control character no
 * code or word of the quality tables holds). */
#define S_SEP '\x1f'

typedef struct {
    char *text;
    size_t len, cap;
} s_str_t;

static void
s_str_add(s_str_t *s, const char *p, size_t len)
{
    if (s->len + len + 2 > s->cap) {
        s->cap = (s->len + len + 2) * 2;
        s->text = rl_realloc(s->text, s->cap);
    }
    memcpy(s->text + s->len, p, len);
    s->len += len;
    s->text[s->len] = '\0';
}

static void
s_str_part(s_str_t *s, const char *p, size_t len)
{
    if (s->len) {
        char sep = S_SEP;
        s_str_add(s, &sep, 1);
    }
    s_str_add(s, p, len);
}

/* A map of strings to their index in order of arrival (open addressing). */
typedef struct {
    char **keys;
    size_t *index;
    size_t cap, n;
} s_map_t;

static size_t
s_hash(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The index of key, added as the next one (*added) when new. */
static size_t
s_map_get(s_map_t *m, const char *key, bool *added)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        char **keys = rl_calloc(cap, sizeof *keys);
        size_t *index = rl_calloc(cap, sizeof *index);
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i])
                continue;
            size_t h = s_hash(m->keys[i]) & (cap - 1);
            while (keys[h])
                h = (h + 1) & (cap - 1);
            keys[h] = m->keys[i];
            index[h] = m->index[i];
        }
        free(m->keys);
        free(m->index);
        m->keys = keys;
        m->index = index;
        m->cap = cap;
    }
    size_t h = s_hash(key) & (m->cap - 1);
    while (m->keys[h]) {
        if (!strcmp(m->keys[h], key)) {
            *added = false;
            return m->index[h];
        }
        h = (h + 1) & (m->cap - 1);
    }
    m->keys[h] = rl_strdup(key);
    m->index[h] = m->n++;
    *added = true;
    return m->index[h];
}

/* The index of key, or (size_t)-1. */
static size_t
s_map_find(const s_map_t *m, const char *key)
{
    if (!m->cap)
        return (size_t)-1;
    size_t h = s_hash(key) & (m->cap - 1);
    for (; m->keys[h]; h = (h + 1) & (m->cap - 1))
        if (!strcmp(m->keys[h], key))
            return m->index[h];
    return (size_t)-1;
}

static void
s_map_free(s_map_t *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->index);
}

/* ------------------------------------------------------------ reading */
/* The columns of quality.agg_enrolment and agg_outcome read (610). */
enum { S_P_SITE, S_P_YEAR, S_P_PROGRAMME, S_P_ROUTE, S_P_NKEY };
enum {
    S_E_ENROLLED = S_P_NKEY,
    S_E_COMPLETED,
    S_E_DROPPED,
    S_E_COHORT,
    S_E_INDICATION,
    S_E_SEX,
    S_E_AGE,
    S_E_IS_COMPLETED,
    S_E_IS_DROPPED
};
enum { S_O_MEASURE = S_P_NKEY, S_O_FLAGGED, S_O_IMPORTANT, S_O_CHANGES, S_O_WHO, S_O_FLAGS };

/* One fetch: the groups as they are found, the partitions read. */
typedef struct {
    outcomes_data_t *d;
    const s_field_t *fields;
    const char *cohort; /* only this cohort (with the site), or NULL */
    bool whole;         /* every grouping column is one of the partition's */
    s_map_t groups;     /* joined key -> index into d->groups */
    size_t *count;      /* per group x measure: the values it gets (s_read_changes) */
    s_map_t parts;      /* partition key -> index */
    long *part_group;   /* whole: the group of each partition */
    long **enr_group;   /* else: per partition, the group of each enrolment (-1: filtered out) */
    long *part_n;       /* enrolments per partition */
} s_fetch_t;

/* The partition's key joined, from the first S_P_NKEY columns of row. */
static void
s_part_key(const PGresult *res, int row, s_str_t *key)
{
    key->len = 0;
    for (int c = 0; c < S_P_NKEY; c++)
        s_str_part(key, PQgetvalue(res, row, c), (size_t)PQgetlength(res, row, c));
}

/* The group of the joined key, created on first sight. */
static long
s_group(s_fetch_t *f, const char *joined)
{
    bool added;
    size_t g = s_map_get(&f->groups, joined, &added);
    if (added) {
        outcomes_data_t *d = f->d;
        d->groups = rl_realloc(d->groups, (d->ngroups + 1) * sizeof *d->groups);
        f->count = rl_realloc(f->count, (d->ngroups + 1) * d->nmeasures * sizeof *f->count);
        memset(f->count + d->ngroups * d->nmeasures, 0, d->nmeasures * sizeof *f->count);
        outcomes_group_t *grp = &d->groups[d->ngroups++];
        memset(grp, 0, sizeof *grp);
        grp->n_values = rl_calloc(d->nmeasures ? d->nmeasures : 1, sizeof *grp->n_values);
        grp->values = rl_calloc(d->nmeasures ? d->nmeasures : 1, sizeof *grp->values);
        grp->n_flagged = rl_calloc(d->nmeasures ? d->nmeasures : 1, sizeof *grp->n_flagged);
        grp->n_important = rl_calloc(d->nmeasures ? d->nmeasures : 1, sizeof *grp->n_important);
    }
    return (long)g;
}

/* The value of a grouping column for an enrolment of a partition row
 * (elements: the enrolment's cohort, indication, sex and age band). */
static void
s_group_key(const s_fetch_t *f, const PGresult *res, int row, const char *const *el,
            const int *el_len, s_str_t *key)
{
    key->len = 0;
    if (!f->d->nkeys)
        s_str_add(key, "", 0);
    for (size_t k = 0; k < f->d->nkeys; k++) {
        int col = -1, e = -1;
        switch (f->fields[k]) {
        case S_F_COHORT: {
            s_str_part(key, PQgetvalue(res, row, S_P_SITE),
                       (size_t)PQgetlength(res, row, S_P_SITE));
            s_str_add(key, "/", 1);
            if (el[0])
                s_str_add(key, el[0], (size_t)el_len[0]);
            else
                s_str_add(key, "-", 1);
            continue;
        }
        case S_F_SITE:
            col = S_P_SITE;
            break;
        case S_F_YEAR:
            col = S_P_YEAR;
            break;
        case S_F_PROGRAMME:
            col = S_P_PROGRAMME;
            break;
        case S_F_ROUTE:
            col = S_P_ROUTE;
            break;
        case S_F_INDICATION:
            e = 1;
            break;
        case S_F_SEX:
            e = 2;
            break;
        case S_F_AGE:
            e = 3;
            break;
        }
        if (col >= 0)
            s_str_part(key, PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
        else
            s_str_part(key, el[e] ? el[e] : "", el[e] ? (size_t)el_len[e] : 0);
    }
}

static int
s_corrupt(rl_err_t *err, const char *table)
{
    return rl_err_set(err,
                      "reading the quality tables: %s holds a row this program cannot read "
                      "(run ruglab-outcomes refresh --full)",
                      table);
}

/* Per enrolment of a partition row: its group (or -1), and the counts. */
static int
s_take_enrolments(s_fetch_t *f, const PGresult *res, int row, size_t p, rl_err_t *err)
{
    s_array_t a[6];
    for (int c = 0; c < 6; c++)
        if (s_array_open(&a[c], res, row, S_E_COHORT + c) < 0 || a[c].n != a[0].n)
            return s_corrupt(err, "quality.agg_enrolment");
    f->part_n[p] = a[0].n;
    f->enr_group[p] = rl_malloc((size_t)(a[0].n ? a[0].n : 1) * sizeof **f->enr_group);
    s_str_t key = {0};
    bool bad = false;
    for (long i = 0; i < a[0].n && !bad; i++) {
        const char *el[6];
        int len[6];
        for (int c = 0; c < 6; c++)
            el[c] = s_array_next(&a[c], &len[c], &bad);
        if (bad)
            break;
        if (f->cohort && !(el[0] && strlen(f->cohort) == (size_t)len[0] &&
                           !memcmp(f->cohort, el[0], (size_t)len[0]))) {
            f->enr_group[p][i] = -1;
            continue;
        }
        s_group_key(f, res, row, el, len, &key);
        long g = s_group(f, key.text);
        f->enr_group[p][i] = g;
        outcomes_group_t *grp = &f->d->groups[g];
        grp->enrolled++;
        grp->completed += el[4] && len[4] == 1 && el[4][0];
        grp->dropped_out += el[5] && len[5] == 1 && el[5][0];
    }
    free(key.text);
    return bad ? s_corrupt(err, "quality.agg_enrolment") : 0;
}

/* No partition read: 0 when quality.enrolment has none either (of the
 * site), else -1 with err saying what brings the tables up to date (a
 * database migrated to 610 whose refresh has not run yet, or a registry
 * whose subscriptions do not take the new tables yet): never a summary
 * of nothing over enrolments that exist. */
static int
s_not_aggregated(PGconn *conn, const char *site, rl_err_t *err)
{
    const char *params[1] = {site};
    PGresult *res = rl_db_exec(conn, err, "reading the quality tables",
                               site ? "SELECT EXISTS (SELECT 1 FROM quality.enrolment "
                                      "WHERE site_code = $1)"
                                    : "SELECT EXISTS (SELECT 1 FROM quality.enrolment)",
                               site ? 1 : 0, params);
    if (!res)
        return -1;
    bool some = !strcmp(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    if (!some)
        return 0;
    return rl_err_set(err, "reading the quality tables: quality.agg_enrolment is empty while "
                           "quality.enrolment is not: run ruglab-outcomes refresh (at a site) or, "
                           "on a registry, ALTER SUBSCRIPTION ... REFRESH PUBLICATION");
}

static int
s_read_partitions(s_fetch_t *f, PGconn *conn, const char *site, rl_err_t *err)
{
    char *sql = rl_asprintf(
        "SELECT site_code, year::text, programme_code, route, enrolled, completed, dropped_out%s "
        "FROM quality.agg_enrolment%s",
        f->whole ? "" : ", cohort_code, indication, sex, age_band, is_completed, is_dropped_out",
        site ? " WHERE site_code = $1" : "");
    const char *params[1] = {site};
    PGresult *res =
        rl_db_exec_binary(conn, err, "reading the quality tables", sql, site ? 1 : 0, params);
    free(sql);
    if (!res)
        return -1;
    size_t rows = (size_t)PQntuples(res);
    if (rows == 0 && s_not_aggregated(conn, site, err) != 0) {
        PQclear(res);
        return -1;
    }
    f->part_group = rl_calloc(rows + 1, sizeof *f->part_group);
    f->enr_group = rl_calloc(rows + 1, sizeof *f->enr_group);
    f->part_n = rl_calloc(rows + 1, sizeof *f->part_n);
    s_str_t key = {0};
    int rc = 0;
    for (size_t r = 0; r < rows && rc == 0; r++) {
        s_part_key(res, (int)r, &key);
        bool added;
        size_t p = s_map_get(&f->parts, key.text, &added);
        if (!added) {
            rc = s_corrupt(err, "quality.agg_enrolment");
            break;
        }
        if (!f->whole) {
            rc = s_take_enrolments(f, res, (int)r, p, err);
            continue;
        }
        const char *none[6] = {0};
        int none_len[6] = {0};
        s_group_key(f, res, (int)r, none, none_len, &key);
        long g = s_group(f, key.text);
        f->part_group[p] = g;
        outcomes_group_t *grp = &f->d->groups[g];
        grp->enrolled += s_int4(res, (int)r, S_E_ENROLLED);
        grp->completed += s_int4(res, (int)r, S_E_COMPLETED);
        grp->dropped_out += s_int4(res, (int)r, S_E_DROPPED);
    }
    free(key.text);
    PQclear(res);
    return rc;
}

/* The changes of one row of quality.agg_outcome into their groups: with
 * count, only how many each group's measure gets (into f->count); else the
 * values themselves (into the room counted). */
static int
s_take_changes(s_fetch_t *f, const PGresult *res, int row, size_t p, size_t m, bool count,
               rl_err_t *err)
{
    const unsigned char *changes = (const unsigned char *)PQgetvalue(res, row, S_O_CHANGES);
    size_t n = (size_t)PQgetlength(res, row, S_O_CHANGES) / 8, nm = f->d->nmeasures;
    if (f->whole) {
        long g = f->part_group[p];
        outcomes_group_t *grp = &f->d->groups[g];
        if (count) {
            f->count[(size_t)g * nm + m] += n;
            return 0;
        }
        double *v = grp->values[m] + grp->n_values[m];
        for (size_t j = 0; j < n; j++)
            v[j] = s_float8(changes + 8 * j);
        grp->n_values[m] += n;
        grp->n_flagged[m] += s_int4(res, row, S_O_FLAGGED);
        grp->n_important[m] += s_int4(res, row, S_O_IMPORTANT);
        return 0;
    }
    const unsigned char *who = (const unsigned char *)PQgetvalue(res, row, S_O_WHO);
    const unsigned char *flags = (const unsigned char *)PQgetvalue(res, row, S_O_FLAGS);
    if ((size_t)PQgetlength(res, row, S_O_WHO) != 4 * n ||
        (size_t)PQgetlength(res, row, S_O_FLAGS) != n)
        return s_corrupt(err, "quality.agg_outcome");
    for (size_t j = 0; j < n; j++) {
        uint32_t place = s_be32(who + 4 * j);
        if (place < 1 || place > (uint32_t)f->part_n[p])
            return s_corrupt(err, "quality.agg_outcome");
        long g = f->enr_group[p][place - 1];
        if (g < 0)
            continue;
        if (count) {
            f->count[(size_t)g * nm + m]++;
            continue;
        }
        outcomes_group_t *grp = &f->d->groups[g];
        grp->values[m][grp->n_values[m]++] = s_float8(changes + 8 * j);
        grp->n_flagged[m] += flags[j] != 2;
        grp->n_important[m] += flags[j] == 1;
    }
    return 0;
}

/* The measures of d as an array literal {"a","b"} (codes hold no quote). */
static char *
s_measure_array(const outcomes_data_t *d)
{
    s_str_t s = {0};
    s_str_add(&s, "{", 1);
    for (size_t m = 0; m < d->nmeasures; m++) {
        if (m)
            s_str_add(&s, ",", 1);
        s_str_add(&s, "\"", 1);
        for (const char *c = d->measures[m]; *c; c++) {
            if (*c == '"' || *c == '\\')
                s_str_add(&s, "\\", 1);
            s_str_add(&s, c, 1);
        }
        s_str_add(&s, "\"", 1);
    }
    s_str_add(&s, "}", 1);
    return s.text;
}

static int
s_read_changes(s_fetch_t *f, PGconn *conn, const char *site, rl_err_t *err)
{
    char *measures = s_measure_array(f->d);
    char *sql =
        rl_asprintf("SELECT site_code, year::text, programme_code, route, measure, flagged, "
                    "important, changes%s FROM quality.agg_outcome "
                    "WHERE measure = ANY ($1::text[])%s",
                    f->whole ? "" : ", who, flags", site ? " AND site_code = $2" : "");
    const char *params[2] = {measures, site};
    PGresult *res =
        rl_db_exec_binary(conn, err, "reading the quality tables", sql, site ? 2 : 1, params);
    free(sql);
    free(measures);
    if (!res)
        return -1;
    /* each row's partition and measure (nm: a measure not asked for) */
    size_t rows = (size_t)PQntuples(res), nm = f->d->nmeasures;
    size_t *row_p = rl_malloc((rows + 1) * sizeof *row_p);
    size_t *row_m = rl_malloc((rows + 1) * sizeof *row_m);
    s_str_t key = {0};
    int rc = 0;
    for (size_t r = 0; r < rows && rc == 0; r++) {
        s_part_key(res, (int)r, &key);
        row_p[r] = s_map_find(&f->parts, key.text);
        if (row_p[r] == (size_t)-1) {
            rc = rl_err_set(err,
                            "reading the quality tables: quality.agg_outcome has a partition "
                            "that quality.agg_enrolment does not (run ruglab-outcomes refresh)");
            break;
        }
        const char *code = PQgetvalue(res, (int)r, S_O_MEASURE);
        row_m[r] = 0;
        while (row_m[r] < nm && strcmp(f->d->measures[row_m[r]], code) != 0)
            row_m[r]++;
    }
    /* two passes: how many values each group's measure gets, then the
     * values into arrays of that size (no growing arrays) */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        if (pass == 1)
            for (size_t g = 0; g < f->d->ngroups; g++)
                for (size_t m = 0; m < nm; m++)
                    f->d->groups[g].values[m] = rl_malloc(
                        (f->count[g * nm + m] ? f->count[g * nm + m] : 1) * sizeof(double));
        for (size_t r = 0; r < rows && rc == 0; r++)
            if (row_m[r] < nm)
                rc = s_take_changes(f, res, (int)r, row_p[r], row_m[r], pass == 0, err);
    }
    free(row_p);
    free(row_m);
    free(key.text);
    PQclear(res);
    return rc;
}

/* Puts the groups in the order of their keys as the database orders text
 * (its collation, as the CLI has always printed them), and splits the
 * joined keys into each group's key strings. */
static int
s_order_groups(s_fetch_t *f, PGconn *conn, rl_err_t *err)
{
    outcomes_data_t *d = f->d;
    char **joined = rl_calloc(d->ngroups + 1, sizeof *joined);
    for (size_t i = 0; i < f->groups.cap; i++)
        if (f->groups.keys[i])
            joined[f->groups.index[i]] = f->groups.keys[i];
    for (size_t g = 0; g < d->ngroups; g++) {
        d->groups[g].key = rl_calloc(d->nkeys ? d->nkeys : 1, sizeof *d->groups[g].key);
        const char *p = joined[g];
        for (size_t k = 0; k < d->nkeys; k++) {
            size_t len = strcspn(p, (char[]){S_SEP, 0});
            d->groups[g].key[k] = rl_strndup(p, len);
            p += len + (p[len] == S_SEP);
        }
    }
    free(joined);
    if (d->ngroups < 2 || !d->nkeys)
        return 0;
    /* per grouping column, the keys of every group joined */
    s_str_t *lists = rl_calloc(d->nkeys, sizeof *lists);
    s_str_t sql = {0}, cols = {0};
    for (size_t k = 0; k < d->nkeys; k++) {
        for (size_t g = 0; g < d->ngroups; g++) {
            if (g) {
                char sep = S_SEP;
                s_str_add(&lists[k], &sep, 1);
            }
            s_str_add(&lists[k], d->groups[g].key[k], strlen(d->groups[g].key[k]));
        }
        char *part = rl_asprintf("%sstring_to_array($%zu, E'\\x1f')", k ? ", " : "", k + 1);
        s_str_add(&sql, part, strlen(part));
        free(part);
        part = rl_asprintf("k%zu, ", k);
        s_str_add(&cols, part, strlen(part));
        free(part);
    }
    char *query = rl_asprintf("SELECT i - 1 FROM unnest(%s) WITH ORDINALITY AS u(%si) ORDER BY %si",
                              sql.text, cols.text, cols.text);
    const char **params = rl_calloc(d->nkeys, sizeof *params);
    for (size_t k = 0; k < d->nkeys; k++)
        params[k] = lists[k].text;
    PGresult *res = rl_db_exec(conn, err, "ordering the groups", query, (int)d->nkeys, params);
    int rc = -1;
    if (res && (size_t)PQntuples(res) == d->ngroups) {
        outcomes_group_t *ordered = rl_malloc(d->ngroups * sizeof *ordered);
        for (size_t r = 0; r < d->ngroups; r++)
            ordered[r] = d->groups[atol(PQgetvalue(res, (int)r, 0))];
        free(d->groups);
        d->groups = ordered;
        rc = 0;
    } else if (res) {
        rc = rl_err_set(err, "ordering the groups: %d rows for %zu groups", PQntuples(res),
                        d->ngroups);
    }
    PQclear(res);
    free(params);
    free(query);
    for (size_t k = 0; k < d->nkeys; k++)
        free(lists[k].text);
    free(lists);
    free(sql.text);
    free(cols.text);
    return rc;
}

static void
s_fetch_clear(s_fetch_t *f)
{
    s_map_free(&f->groups);
    s_map_free(&f->parts);
    for (size_t p = 0; p < f->parts.n; p++)
        free(f->enr_group[p]);
    free(f->enr_group);
    free(f->part_group);
    free(f->part_n);
    free(f->count);
}

outcomes_data_t *
outcomes_fetch(PGconn *conn, const char *by, const char *measures, const outcomes_filter_t *filter,
               rl_err_t *err)
{
    outcomes_data_t *d = rl_calloc(1, sizeof *d);
    s_field_t *fields = NULL;
    s_fetch_t f = {.d = d};
    const char *site = filter ? filter->site : NULL;
    f.cohort = filter ? filter->cohort : NULL;
    bool ok = false;
    if (s_keys(d, by, &fields, err) < 0 || s_load_measures(conn, d, measures, err) < 0)
        goto out;
    f.fields = fields;
    f.whole = !f.cohort;
    for (size_t k = 0; k < d->nkeys; k++)
        f.whole &= fields[k] == S_F_SITE || fields[k] == S_F_YEAR || fields[k] == S_F_PROGRAMME ||
                   fields[k] == S_F_ROUTE;
    if (s_read_partitions(&f, conn, site, err) < 0 || s_read_changes(&f, conn, site, err) < 0)
        goto out;
    ok = s_order_groups(&f, conn, err) == 0;
out:
    s_fetch_clear(&f);
    free(fields);
    if (!ok)
        outcomes_data_free(&d);
    return d;
}

void
outcomes_data_sort(outcomes_data_t *d)
{
    for (size_t g = 0; g < d->ngroups; g++)
        for (size_t m = 0; m < d->nmeasures; m++)
            rl_measures_sort(d->groups[g].values[m], d->groups[g].n_values[m]);
}

outcomes_data_t *
outcomes_fetch_site(PGconn *conn, const char *by, const char *measures, const char *site,
                    rl_err_t *err)
{
    outcomes_filter_t filter = {.site = site};
    return outcomes_fetch(conn, by, measures, &filter, err);
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
