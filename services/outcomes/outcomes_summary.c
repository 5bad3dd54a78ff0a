/* `summary`: outcomes per group with small-cell suppression. The
 * statistics are those of measures.h (mean, median, Student t 95 % CI).
 * Parse the options, fetch the groups and publish their cells (suppressed
 * until no total gives one back), render the tables. */
#include "outcomes.h"

#include "ruglab/exitcode.h"
#include "ruglab/measures.h"
#include "ruglab/mem.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *by;       /* --by: grouping names, comma-separated (NULL: one group) */
    const char *measures; /* --measure: codes, comma-separated (NULL: all) */
    const char *site;     /* --site */
} s_opts_t;

/* Published cells of one group, after suppression. */
typedef struct {
    outcomes_counts_t counts;
    outcomes_cell_t *n;   /* per measure: changes present */
    outcomes_cell_t *pct; /* per measure: value = important count */
} s_pub_t;

/* `summary`: its options and what it shows. */
typedef struct {
    s_opts_t o;
    outcomes_data_t *d;
    outcomes_group_t total; /* the sums and every value together */
    bool with_total;        /* grouped: the total row "all" follows the groups */
    s_pub_t *pub;           /* per group */
    s_pub_t pub_total;
} s_summary_t;

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab-outcomes summary [--by GROUPING[,GROUPING...]] [--measure M[,M...]]\n"
            "                               [--site CODE]\n\n"
            "Per group: enrolled, completed, dropped out, dropout rate (dropped out / ended),\n"
            "and per measure the change from start to end: n, mean with its 95 %% CI (Student t),\n"
            "median, and %% reaching the important change (questionnaires: the minimal\n"
            "important change; strength and ROM: an increase of at least the smallest real\n"
            "difference). The last row (\"all\") is the total. Cells describing fewer than 5\n"
            "patients are shown as \"<5\", and so is a second cell wherever a total would\n"
            "give a suppressed one back.\n\n"
            "GROUPING: cohort, site, year, programme, route, indication, sex, age-band\n"
            "(route: riziv, sick-leave benefit through the health insurer; fedris,\n"
            "occupational disease; preventive, participants without complaints outside\n"
            "RIZIV 558994)\n"
            "MEASURE: nprs, odi, rmdq, tsk, psfs, ndi, strength_<direction>, rom_<direction>\n");
}

/* Returns -1 to go on, or the exit code. An unknown grouping is refused
 * before connecting. */
static int
s_parse(void *self, int argc, char **argv)
{
    s_opts_t *o = &((s_summary_t *)self)->o;
    outcomes_args_t args = {
        .name = "summary",
        .usage = s_usage,
        .opts = {{"--by", &o->by}, {"--measure", &o->measures}, {"--site", &o->site}},
    };
    int rc = outcomes_args_parse(&args, argc, argv, 1);
    if (rc >= 0)
        return rc;
    rl_err_t err;
    if (o->by && outcomes_grouping_check(o->by, &err) < 0) {
        rl_cli_fail("summary: %s", err.msg);
        return RL_EXIT_FAIL;
    }
    return -1;
}

/* ------------------------------------------------------------ the model */

static void
s_pub_init(s_pub_t *p, const outcomes_group_t *g, size_t nmeasures)
{
    outcomes_counts_init(&p->counts, g->enrolled, g->completed, g->dropped_out);
    p->n = rl_calloc(nmeasures, sizeof *p->n);
    p->pct = rl_calloc(nmeasures, sizeof *p->pct);
    for (size_t m = 0; m < nmeasures; m++) {
        p->n[m] = (outcomes_cell_t){(long)g->n_values[m], false};
        p->pct[m] = outcomes_cell_important(g->n_important[m], g->n_flagged[m]);
    }
}

/* The columns checked against the total row. */
typedef enum { S_ENROLLED, S_COMPLETED, S_DROPPED, S_N, S_PCT } s_field_t;

static outcomes_cell_t *
s_field(s_pub_t *p, s_field_t field, size_t m)
{
    switch (field) {
    case S_ENROLLED:
        return &p->counts.enrolled;
    case S_COMPLETED:
        return &p->counts.completed;
    case S_DROPPED:
        return &p->counts.dropped;
    case S_N:
        return &p->n[m];
    case S_PCT:
        break;
    }
    return &p->pct[m];
}

/* outcomes_suppress_column on one column of the n rows (col: room for n). */
static bool
s_column(s_pub_t *rows, size_t n, s_pub_t *total, outcomes_cell_t *col, s_field_t field, size_t m)
{
    for (size_t i = 0; i < n; i++)
        col[i] = *s_field(&rows[i], field, m);
    bool changed = outcomes_suppress_column(col, n, s_field(total, field, m));
    for (size_t i = 0; i < n; i++)
        *s_field(&rows[i], field, m) = col[i];
    return changed;
}

/* One round of the rules: primary everywhere, the row partition
 * (enrolled = completed + dropped out + rest), the columns against the
 * total row (when there is one), and no % important beside a hidden n. */
static bool
s_round(s_pub_t *rows, size_t n, s_pub_t *total, size_t nmeasures, outcomes_cell_t *col)
{
    bool changed = false;
    for (size_t i = 0; i < n; i++) {
        changed |= outcomes_suppress_counts(&rows[i].counts);
        for (size_t m = 0; m < nmeasures; m++)
            if (!rows[i].n[m].suppressed && outcomes_suppress_primary(rows[i].n[m].value))
                rows[i].n[m].suppressed = changed = true;
    }
    if (total) {
        changed |= outcomes_suppress_counts(&total->counts);
        for (s_field_t f = S_ENROLLED; f <= S_DROPPED; f++)
            changed |= s_column(rows, n, total, col, f, 0);
        for (size_t m = 0; m < nmeasures; m++) {
            changed |= s_column(rows, n, total, col, S_N, m);
            changed |= s_column(rows, n, total, col, S_PCT, m);
        }
    }
    for (size_t i = 0; i < n + (total ? 1 : 0); i++) {
        s_pub_t *p = i < n ? &rows[i] : total;
        for (size_t m = 0; m < nmeasures; m++)
            if (p->n[m].suppressed && !p->pct[m].suppressed)
                p->pct[m].suppressed = changed = true;
    }
    return changed;
}

/* Runs the rules until nothing changes. */
static void
s_suppress(s_pub_t *rows, size_t n, s_pub_t *total, size_t nmeasures)
{
    outcomes_cell_t *col = rl_calloc(n ? n : 1, sizeof *col);
    for (int round = 0; round < 50; round++)
        if (!s_round(rows, n, total, nmeasures, col))
            break;
    free(col);
}

/* The total group: sums and all values together. */
static void
s_total(const outcomes_data_t *d, outcomes_group_t *tot)
{
    *tot = (outcomes_group_t){0};
    tot->n_values = rl_calloc(d->nmeasures, sizeof *tot->n_values);
    tot->values = rl_calloc(d->nmeasures, sizeof *tot->values);
    tot->n_flagged = rl_calloc(d->nmeasures, sizeof *tot->n_flagged);
    tot->n_important = rl_calloc(d->nmeasures, sizeof *tot->n_important);
    for (size_t m = 0; m < d->nmeasures; m++) {
        size_t n = 0;
        for (size_t i = 0; i < d->ngroups; i++)
            n += d->groups[i].n_values[m];
        tot->values[m] = rl_malloc((n + 1) * sizeof(double));
    }
    for (size_t i = 0; i < d->ngroups; i++) {
        const outcomes_group_t *g = &d->groups[i];
        tot->enrolled += g->enrolled;
        tot->completed += g->completed;
        tot->dropped_out += g->dropped_out;
        for (size_t m = 0; m < d->nmeasures; m++) {
            if (g->n_values[m])
                memcpy(tot->values[m] + tot->n_values[m], g->values[m],
                       g->n_values[m] * sizeof(double));
            tot->n_values[m] += g->n_values[m];
            tot->n_flagged[m] += g->n_flagged[m];
            tot->n_important[m] += g->n_important[m];
        }
    }
}

/* Fetches the groups and publishes their cells: 0, or -1 with err set. */
static int
s_model(s_summary_t *s, PGconn *conn, rl_err_t *err)
{
    const s_opts_t *o = &s->o;
    s->d = outcomes_fetch_site(conn, o->by, o->measures, o->site, err);
    if (!s->d)
        return -1;
    const outcomes_data_t *d = s->d;
    if (d->ngroups == 0)
        return 0;
    s_total(d, &s->total);
    s->with_total = d->nkeys > 0;
    s->pub = rl_calloc(d->ngroups, sizeof *s->pub);
    for (size_t i = 0; i < d->ngroups; i++)
        s_pub_init(&s->pub[i], &d->groups[i], d->nmeasures);
    s_pub_init(&s->pub_total, &s->total, d->nmeasures);
    if (s->with_total)
        s_suppress(s->pub, d->ngroups, &s->pub_total, d->nmeasures);
    else
        s_suppress(&s->pub_total, 1, NULL, d->nmeasures);
    return 0;
}

/* Returns -1 to go on, or the exit code. */
static int
s_fetch(void *self, PGconn *conn)
{
    rl_err_t err;
    if (s_model(self, conn, &err) < 0)
        return outcomes_fetch_failed("summary", &err);
    return -1;
}

static void
s_clear(void *self)
{
    s_summary_t *s = self;
    size_t ngroups = s->d ? s->d->ngroups : 0;
    if (s->pub)
        for (size_t i = 0; i < ngroups; i++) {
            free(s->pub[i].n);
            free(s->pub[i].pct);
        }
    free(s->pub);
    free(s->pub_total.n);
    free(s->pub_total.pct);
    if (s->total.values)
        for (size_t m = 0; m < s->d->nmeasures; m++)
            free(s->total.values[m]);
    free(s->total.values);
    free(s->total.n_values);
    free(s->total.n_flagged);
    free(s->total.n_important);
    outcomes_data_free(&s->d);
}

/* ------------------------------------------------------------ rendering */

static const char *const s_group_cols[] = {"enrolled", "completed", "dropped_out", "dropout_pct"};
static const char *const s_measure_cols[] = {
    "measure", "n", "mean_change", "ci95_low", "ci95_high", "median_change", "pct_important"};

/* Measure cells: n, mean_change, ci95_low, ci95_high, median_change, pct_important. */
static void
s_measure_cells(const s_pub_t *p, size_t m, const outcomes_group_t *g, char bufs[6][OUTCOMES_NUM],
                const char **cells)
{
    if (p->n[m].suppressed) {
        for (int i = 0; i < 6; i++)
            cells[i] = OUTCOMES_SUPPRESSED;
        return;
    }
    rl_measures_summary_t s;
    rl_measures_summary(g->values[m], g->n_values[m], &s);
    cells[0] = outcomes_count_text(bufs[0], p->n[m]);
    cells[1] = outcomes_fmt(bufs[1], OUTCOMES_NUM, s.mean, 2);
    cells[2] = outcomes_fmt(bufs[2], OUTCOMES_NUM, s.ci95_low, 2);
    cells[3] = outcomes_fmt(bufs[3], OUTCOMES_NUM, s.ci95_high, 2);
    cells[4] = outcomes_fmt(bufs[4], OUTCOMES_NUM, s.median, 2);
    cells[5] = outcomes_pct_text(bufs[5], p->pct[m], g->n_flagged[m]);
}

/* The tables: per group, per group and measure, and for --csv the long
 * form (the group's cells, then the measure's). */
static void
s_tables_new(const outcomes_data_t *d, outcomes_view_t *v)
{
    size_t nk = d->nkeys ? d->nkeys : 1;
    const char **names = rl_calloc(nk + 11, sizeof *names);
    bool *numeric = rl_calloc(nk + 11, sizeof *numeric);
    for (size_t k = 0; k < nk; k++)
        names[k] = d->nkeys ? d->key_names[k] : "group";
    for (size_t c = 0; c < 4; c++) {
        names[nk + c] = s_group_cols[c];
        numeric[nk + c] = true;
    }
    v->groups = outcomes_table_new(nk + 4, names, numeric);
    for (size_t c = 0; c < 7; c++) {
        names[nk + 4 + c] = s_measure_cols[c];
        numeric[nk + 4 + c] = c > 0;
    }
    v->csv = outcomes_table_new(nk + 11, names, numeric);
    for (size_t c = 0; c < 7; c++) {
        names[nk + c] = s_measure_cols[c];
        numeric[nk + c] = c > 0;
    }
    v->measures = outcomes_table_new(nk + 7, names, numeric);
    free(names);
    free(numeric);
}

/* The rows of group r (the total row when r == ngroups). cells: room for
 * the key cells and 11 more. */
static void
s_add_rows(const s_summary_t *s, size_t r, const outcomes_view_t *v, const char **cells)
{
    const outcomes_data_t *d = s->d;
    bool is_total = s->with_total && r == d->ngroups;
    const outcomes_group_t *g = is_total ? &s->total : &d->groups[r];
    const s_pub_t *p = s->with_total && !is_total ? &s->pub[r] : &s->pub_total;
    size_t nk = d->nkeys ? d->nkeys : 1;
    for (size_t k = 0; k < nk; k++)
        cells[k] = is_total ? (k == 0 ? "all" : "") : (d->nkeys ? g->key[k] : "all");
    char gb[4][OUTCOMES_NUM], mb[6][OUTCOMES_NUM];
    outcomes_counts_cells(&p->counts, gb, cells + nk);
    outcomes_table_add(v->groups, cells);
    /* the long form: group cells then the measure's */
    const char **lc = rl_calloc(nk + 11, sizeof *lc);
    memcpy(lc, cells, (nk + 4) * sizeof *lc);
    for (size_t m = 0; m < d->nmeasures; m++) {
        if (s->total.n_values[m] == 0)
            continue; /* no change of this measure anywhere */
        const char **mc = cells + nk;
        mc[0] = d->measures[m];
        s_measure_cells(p, m, g, mb, mc + 1);
        outcomes_table_add(v->measures, cells);
        memcpy(lc + nk + 4, mc, 7 * sizeof *lc);
        outcomes_table_add(v->csv, lc);
    }
    free(lc);
}

static const char s_note[] =
    "\"<5\": fewer than 5 patients, or suppressed so that a total cannot give one back.";

/* The view of a fetched model with groups. */
static void
s_view(const s_summary_t *s, outcomes_view_t *v)
{
    const outcomes_data_t *d = s->d;
    *v = (outcomes_view_t){
        .groups_name = "groups",
        .skip_empty_measures = true,
        .note = s_note,
    };
    s_tables_new(d, v);
    const char **cells = rl_calloc((d->nkeys ? d->nkeys : 1) + 11, sizeof *cells);
    for (size_t r = 0; r < d->ngroups + (s->with_total ? 1 : 0); r++)
        s_add_rows(s, r, v, cells);
    free(cells);
}

static int
s_render(void *self, PGconn *conn, rl_cli_format_t format)
{
    (void)conn;
    const s_summary_t *s = self;
    const outcomes_data_t *d = s->d;
    const char *site = s->o.site;
    if (d->ngroups == 0) {
        printf("no enrolments%s%s%s in the quality tables (is the site's data refreshed? "
               "ruglab-outcomes refresh)\n",
               site ? " of site '" : "", site ? site : "", site ? "'" : "");
        return RL_EXIT_OK;
    }
    outcomes_view_t v;
    s_view(s, &v);
    outcomes_view_print(&v, format, stdout);
    outcomes_view_clear(&v);
    return RL_EXIT_OK;
}

int
outcomes_summary_view(PGconn *conn, const char *by, const char *measures, const char *site,
                      outcomes_view_t *view, rl_err_t *err)
{
    *view = (outcomes_view_t){0};
    s_summary_t s = {.o = {.by = by, .measures = measures, .site = site}};
    if (by && outcomes_grouping_check(by, err) < 0)
        return -1;
    if (s_model(&s, conn, err) < 0) {
        s_clear(&s);
        return -1;
    }
    size_t n = s.d->ngroups;
    if (n)
        s_view(&s, view);
    s_clear(&s);
    return (int)n;
}

int
outcomes_summary_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    static const outcomes_command_t steps = {s_parse, s_fetch, s_render, s_clear};
    s_summary_t s = {0};
    return outcomes_command_run(&steps, &s, ctx, argc, argv);
}
