/* `summary`, `cohorts` and `compare`: grouped outcomes with small-cell
 * suppression. The statistics are those of measures.h (mean, median,
 * Student t 95 % CI; Welch for a difference of two means). */
#include "outcomes.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/measures.h"
#include "ruglab/mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_NUM 32

/* Published cells of one group, after suppression. */
typedef struct {
    outcomes_cell_t enrolled, completed, dropped, rest;
    outcomes_cell_t *n;   /* per measure: changes present */
    outcomes_cell_t *pct; /* per measure: value = important count */
} s_pub_t;

static void
s_pub_init(s_pub_t *p, const outcomes_group_t *g, size_t nmeasures)
{
    p->enrolled = (outcomes_cell_t){g->enrolled, false};
    p->completed = (outcomes_cell_t){g->completed, false};
    p->dropped = (outcomes_cell_t){g->dropped_out, false};
    p->rest = (outcomes_cell_t){g->enrolled - g->completed - g->dropped_out, false};
    p->n = rl_calloc(nmeasures, sizeof *p->n);
    p->pct = rl_calloc(nmeasures, sizeof *p->pct);
    for (size_t m = 0; m < nmeasures; m++) {
        p->n[m] = (outcomes_cell_t){(long)g->n_values[m], false};
        long k = g->n_important[m], f = g->n_flagged[m];
        /* both the patients reaching it and those not reaching it are cells */
        p->pct[m] =
            (outcomes_cell_t){k, outcomes_suppress_primary(k) || outcomes_suppress_primary(f - k)};
    }
}

static bool
s_parts(s_pub_t *p)
{
    outcomes_cell_t parts[3] = {p->completed, p->dropped, p->rest};
    static const bool shown[3] = {true, true, false};
    bool changed = outcomes_suppress_parts(parts, shown, 3);
    p->completed = parts[0];
    p->dropped = parts[1];
    p->rest = parts[2];
    return changed;
}

/* Runs the rules until nothing changes: primary everywhere, the row
 * partition (enrolled = completed + dropped out + rest), and the columns
 * against the total row (when there is one). */
static void
s_suppress(s_pub_t *rows, size_t n, s_pub_t *total, size_t nmeasures)
{
    outcomes_cell_t *col = rl_calloc(n ? n : 1, sizeof *col);
    for (int round = 0; round < 50; round++) {
        bool changed = false;
        for (size_t i = 0; i < n; i++) {
            changed |= s_parts(&rows[i]);
            for (size_t m = 0; m < nmeasures; m++)
                if (!rows[i].n[m].suppressed && outcomes_suppress_primary(rows[i].n[m].value))
                    rows[i].n[m].suppressed = changed = true;
        }
        if (total) {
            changed |= s_parts(total);
#define S_COLUMN(field)                                                                            \
    do {                                                                                           \
        for (size_t i = 0; i < n; i++)                                                             \
            col[i] = rows[i].field;                                                                \
        changed |= outcomes_suppress_column(col, n, &total->field);                                \
        for (size_t i = 0; i < n; i++)                                                             \
            rows[i].field = col[i];                                                                \
    } while (0)
            S_COLUMN(enrolled);
            S_COLUMN(completed);
            S_COLUMN(dropped);
            for (size_t m = 0; m < nmeasures; m++) {
                S_COLUMN(n[m]);
                S_COLUMN(pct[m]);
            }
#undef S_COLUMN
        }
        for (size_t i = 0; i < n + (total ? 1 : 0); i++) {
            s_pub_t *p = i < n ? &rows[i] : total;
            for (size_t m = 0; m < nmeasures; m++)
                if (p->n[m].suppressed && !p->pct[m].suppressed)
                    p->pct[m].suppressed = changed = true;
        }
        if (!changed)
            break;
    }
    free(col);
}

static const char *
s_count(char *buf, outcomes_cell_t c)
{
    if (c.suppressed)
        return OUTCOMES_SUPPRESSED;
    snprintf(buf, S_NUM, "%ld", c.value);
    return buf;
}

/* Group-level cells of one row: enrolled, completed, dropped_out, dropout_pct. */
static void
s_group_cells(const s_pub_t *p, char bufs[4][S_NUM], const char **cells)
{
    cells[0] = s_count(bufs[0], p->enrolled);
    cells[1] = s_count(bufs[1], p->completed);
    cells[2] = s_count(bufs[2], p->dropped);
    long ended = p->completed.value + p->dropped.value;
    if (p->completed.suppressed || p->dropped.suppressed)
        cells[3] = OUTCOMES_SUPPRESSED;
    else if (ended == 0)
        cells[3] = NULL;
    else
        cells[3] =
            outcomes_fmt(bufs[3], S_NUM, 100.0 * (double)p->dropped.value / (double)ended, 1);
}

/* Measure cells: n, mean_change, ci95_low, ci95_high, median_change, pct_important. */
static void
s_measure_cells(const s_pub_t *p, size_t m, const double *values, size_t nvalues, long flagged,
                char bufs[6][S_NUM], const char **cells)
{
    if (p->n[m].suppressed) {
        for (int i = 0; i < 6; i++)
            cells[i] = OUTCOMES_SUPPRESSED;
        return;
    }
    rl_measures_summary_t s;
    rl_measures_summary(values, nvalues, &s);
    cells[0] = s_count(bufs[0], p->n[m]);
    cells[1] = outcomes_fmt(bufs[1], S_NUM, s.mean, 2);
    cells[2] = outcomes_fmt(bufs[2], S_NUM, s.ci95_low, 2);
    cells[3] = outcomes_fmt(bufs[3], S_NUM, s.ci95_high, 2);
    cells[4] = outcomes_fmt(bufs[4], S_NUM, s.median, 2);
    if (flagged == 0)
        cells[5] = NULL; /* no threshold (TSK-17) */
    else if (p->pct[m].suppressed)
        cells[5] = OUTCOMES_SUPPRESSED;
    else
        cells[5] =
            outcomes_fmt(bufs[5], S_NUM, 100.0 * (double)p->pct[m].value / (double)flagged, 1);
}

static const char *const s_group_cols[] = {"enrolled", "completed", "dropped_out", "dropout_pct"};
static const char *const s_measure_cols[] = {
    "measure", "n", "mean_change", "ci95_low", "ci95_high", "median_change", "pct_important"};

static void
s_usage_summary(FILE *out)
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
            "GROUPING: cohort, site, year, programme, indication, sex, age-band\n"
            "MEASURE: nprs, odi, rmdq, tsk, psfs, strength_<direction>, rom_<direction>\n");
}

int
outcomes_summary_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *by = NULL, *measures = NULL, *site = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            s_usage_summary(stdout);
            return RL_EXIT_OK;
        } else if (!strcmp(argv[i], "--by") && i + 1 < argc) {
            by = argv[++i];
        } else if (!strcmp(argv[i], "--measure") && i + 1 < argc) {
            measures = argv[++i];
        } else if (!strcmp(argv[i], "--site") && i + 1 < argc) {
            site = argv[++i];
        } else {
            rl_cli_fail("summary: unexpected argument '%s' (see summary --help)", argv[i]);
            return RL_EXIT_USAGE;
        }
    }
    /* an unknown grouping is refused before connecting */
    if (by) {
        char *copy = rl_strdup(by);
        char *save = NULL;
        int bad = 0;
        if (!*copy || copy[strlen(copy) - 1] == ',')
            bad = 1;
        for (char *t = strtok_r(copy, ",", &save); t && !bad; t = strtok_r(NULL, ",", &save))
            if (!outcomes_group_expr(t)) {
                rl_cli_fail("summary: unknown grouping '%s' (cohort, site, year, programme, "
                            "indication, sex, age-band)",
                            t);
                bad = 2;
            }
        if (bad == 1)
            rl_cli_fail("summary: empty grouping in '%s'", by);
        free(copy);
        if (bad)
            return RL_EXIT_FAIL;
    }
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    rl_err_t err;
    const char *params[1] = {site};
    outcomes_data_t *d = outcomes_fetch(conn, by, measures, site ? "e.site_code = $1" : NULL,
                                        site ? 1 : 0, params, &err);
    if (!d) {
        rl_cli_fail("summary: %s", err.msg);
        return strncmp(err.msg, "unknown", 7) == 0 ? RL_EXIT_FAIL : RL_EXIT_DB;
    }
    if (d->ngroups == 0) {
        printf("no enrolments%s%s%s in the quality tables (is the site's data refreshed? "
               "ruglab-outcomes refresh)\n",
               site ? " of site '" : "", site ? site : "", site ? "'" : "");
        outcomes_data_free(&d);
        return RL_EXIT_OK;
    }

    /* the total row: sums and all values together */
    outcomes_group_t tot = {0};
    tot.n_values = rl_calloc(d->nmeasures, sizeof *tot.n_values);
    tot.values = rl_calloc(d->nmeasures, sizeof *tot.values);
    tot.n_flagged = rl_calloc(d->nmeasures, sizeof *tot.n_flagged);
    tot.n_important = rl_calloc(d->nmeasures, sizeof *tot.n_important);
    for (size_t i = 0; i < d->ngroups; i++) {
        const outcomes_group_t *g = &d->groups[i];
        tot.enrolled += g->enrolled;
        tot.completed += g->completed;
        tot.dropped_out += g->dropped_out;
        for (size_t m = 0; m < d->nmeasures; m++) {
            tot.values[m] =
                rl_realloc(tot.values[m], (tot.n_values[m] + g->n_values[m] + 1) * sizeof(double));
            if (g->n_values[m])
                memcpy(tot.values[m] + tot.n_values[m], g->values[m],
                       g->n_values[m] * sizeof(double));
            tot.n_values[m] += g->n_values[m];
            tot.n_flagged[m] += g->n_flagged[m];
            tot.n_important[m] += g->n_important[m];
        }
    }
    bool with_total = d->nkeys > 0;
    s_pub_t *pub = rl_calloc(d->ngroups, sizeof *pub);
    s_pub_t ptot;
    for (size_t i = 0; i < d->ngroups; i++)
        s_pub_init(&pub[i], &d->groups[i], d->nmeasures);
    s_pub_init(&ptot, &tot, d->nmeasures);
    if (with_total)
        s_suppress(pub, d->ngroups, &ptot, d->nmeasures);
    else
        s_suppress(&ptot, 1, NULL, d->nmeasures);

    size_t nk = d->nkeys ? d->nkeys : 1;
    size_t ncol_g = nk + 4, ncol_m = nk + 7, ncol_l = nk + 4 + 7;
    const char **names = rl_calloc(ncol_l, sizeof *names);
    bool *numeric = rl_calloc(ncol_l, sizeof *numeric);
    for (size_t k = 0; k < nk; k++)
        names[k] = d->nkeys ? d->key_names[k] : "group";
    for (size_t c = 0; c < 4; c++) {
        names[nk + c] = s_group_cols[c];
        numeric[nk + c] = true;
    }
    outcomes_table_t *tg = outcomes_table_new(ncol_g, names, numeric);
    for (size_t c = 0; c < 7; c++) {
        names[nk + 4 + c] = s_measure_cols[c];
        numeric[nk + 4 + c] = c > 0;
    }
    outcomes_table_t *tl = outcomes_table_new(ncol_l, names, numeric);
    for (size_t c = 0; c < 7; c++) {
        names[nk + c] = s_measure_cols[c];
        numeric[nk + c] = c > 0;
    }
    outcomes_table_t *tm = outcomes_table_new(ncol_m, names, numeric);

    const char **cells = rl_calloc(ncol_l, sizeof *cells);
    char gb[4][S_NUM], mb[6][S_NUM];
    size_t nrows = d->ngroups + (with_total ? 1 : 0);
    for (size_t r = 0; r < nrows; r++) {
        bool is_total = with_total && r == d->ngroups;
        const outcomes_group_t *g = is_total ? &tot : &d->groups[r];
        const s_pub_t *p = is_total ? &ptot : (with_total ? &pub[r] : &ptot);
        for (size_t k = 0; k < nk; k++)
            cells[k] = is_total ? (k == 0 ? "all" : "") : (d->nkeys ? g->key[k] : "all");
        s_group_cells(p, gb, cells + nk);
        outcomes_table_add(tg, cells);
        const char *gcells[4] = {cells[nk], cells[nk + 1], cells[nk + 2], cells[nk + 3]};
        for (size_t m = 0; m < d->nmeasures; m++) {
            if (tot.n_values[m] == 0)
                continue; /* no change of this measure anywhere */
            const char **mc = cells + nk;
            mc[0] = d->measures[m];
            s_measure_cells(p, m, g->values[m], g->n_values[m], g->n_flagged[m], mb, mc + 1);
            outcomes_table_add(tm, cells);
            /* the long form: group cells then the measure's */
            const char *lc[64];
            for (size_t k = 0; k < nk; k++)
                lc[k] = cells[k];
            for (size_t c = 0; c < 4; c++)
                lc[nk + c] = gcells[c];
            for (size_t c = 0; c < 7; c++)
                lc[nk + 4 + c] = mc[c];
            outcomes_table_add(tl, lc);
        }
    }
    switch (ctx->format) {
    case RL_CLI_TABLE:
        outcomes_table_print(tg, RL_CLI_TABLE, stdout);
        if (outcomes_table_rows(tm)) {
            fputc('\n', stdout);
            outcomes_table_print(tm, RL_CLI_TABLE, stdout);
        }
        printf("\n\"<5\": fewer than 5 patients, or suppressed so that a total cannot give one "
               "back.\n");
        break;
    case RL_CLI_CSV:
        outcomes_table_print(tl, RL_CLI_CSV, stdout);
        break;
    case RL_CLI_JSON:
        outcomes_table_print_json2("groups", tg, "measures", tm, stdout);
        break;
    }
    outcomes_table_destroy(&tg);
    outcomes_table_destroy(&tm);
    outcomes_table_destroy(&tl);
    free(cells);
    free(names);
    free(numeric);
    for (size_t i = 0; i < d->ngroups; i++) {
        free(pub[i].n);
        free(pub[i].pct);
    }
    free(ptot.n);
    free(ptot.pct);
    free(pub);
    for (size_t m = 0; m < d->nmeasures; m++)
        free(tot.values[m]);
    free(tot.values);
    free(tot.n_values);
    free(tot.n_flagged);
    free(tot.n_important);
    outcomes_data_free(&d);
    return RL_EXIT_OK;
}
