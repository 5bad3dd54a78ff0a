/* `chart KIND`: gnuplot charts of the quality tables. The data and a
 * generated gnuplot script go to a private temporary directory; gnuplot
 * runs as a child process (no shell) and its exit status and output file
 * are checked. Groups with fewer than 5 patients are left out of every
 * chart (and counted in the message), as in the tables.
 *
 * Each kind is a row of s_kinds (like the agent's driver table): what it
 * groups by, what it reads beyond the groups, the data file it writes and
 * its part of the gnuplot script.
 *   run     mean change per cohort by start week, with the overall mean
 *   box     box plots of the change per cohort or site
 *   funnel  % reaching the important change per site against the number of
 *           patients, with 95 % and 99.8 % control limits around the overall
 *           proportion (binomial, normal approximation).
 *   adjusted the mean change's O-E per site after case-mix adjustment against
 *           the number of patients, with Spiegelhalter's 95 % and 99.8 %
 *           limits (widened by tau^2 when overdispersed): `funnel`'s numbers. */
#include "outcomes.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/gnuplot.h"
#include "ruglab/measures.h"
#include "ruglab/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct s_kind_t s_kind_t;

/* The options of `chart KIND`. */
typedef struct {
    const s_kind_t *kind;
    const char *out_path; /* --out */
    const char *measure;  /* --measure: one code */
    const char *site;     /* --site */
    const char *by;       /* --by: cohort or site (box) */
    const char *term;     /* the gnuplot terminal for out_path */
} s_opts_t;

/* `chart`: its options and what it draws. */
typedef struct {
    s_opts_t o;
    outcomes_data_t *d;                  /* the measure's changes per group of the kind */
    PGresult *weeks;                     /* run: the first start week of each cohort */
    int *week_rows;                      /* run: the rows of weeks in strcmp order of the cohort */
    double mean;                         /* run: the mean change of every patient, drawn or not */
    double p0;                           /* funnel: the proportion reaching the important change */
    long max_n;                          /* funnel: the largest group drawn */
    size_t shown, hidden;                /* groups drawn; groups with fewer than 5 patients */
    outcomes_table_t *drawn;             /* outcomes_chart_draw: the numbers drawn, or NULL */
    outcomes_adjusted_t adj;             /* adjusted: the case-mix model */
    const char *label;                   /* the measure's name in the CLI's title */
    const outcomes_chart_words_t *words; /* the title, labels and keys */
    outcomes_chart_words_t words_en;     /* the CLI's (words points to them) */
} s_chart_t;

struct s_kind_t {
    const char *name;
    const char *synopsis; /* the options after "--out FILE" in the usage text */
    const char *help;     /* what it draws, for the usage text */
    const char *group_by; /* the grouping drawn, and what the message counts; NULL: --by */
    /* Reads what the kind needs beyond the groups: -1 to go on, or the exit code. */
    int (*prepare)(PGconn *conn, s_chart_t *c);
    /* Writes the data file; counts the groups shown and hidden. */
    void (*data)(s_chart_t *c, FILE *out);
    /* Writes the kind's part of the script, after the terminal and output. */
    void (*script)(const s_chart_t *c, FILE *gp, const char *data_path);
};

/* Whether a group is left out for having fewer than 5 patients (small);
 * counts it. */
static bool
s_left_out(s_chart_t *c, bool small)
{
    if (small)
        c->hidden++;
    return small;
}

/* ------------------------------------------------------------ words */

/* s as a gnuplot single-quoted string's inside: a quote doubled, a
 * newline as a space. Caller frees. */
static char *
s_gpq(const char *s)
{
    if (!s)
        s = "";
    char *out = rl_malloc(2 * strlen(s) + 1), *o = out;
    for (; *s; s++) {
        if (*s == '\'')
            *o++ = '\'';
        *o++ = *s == '\n' || *s == '\r' ? ' ' : *s;
    }
    *o = '\0';
    return out;
}

/* The words w quoted for gnuplot (s_gpq) into q (outcomes_chart_words_clear). */
static void
s_gpq_words(const outcomes_chart_words_t *w, outcomes_chart_words_t *q)
{
    *q = (outcomes_chart_words_t){s_gpq(w->title),   s_gpq(w->xlabel),    s_gpq(w->ylabel),
                                  s_gpq(w->series),  s_gpq(w->reference), s_gpq(w->limit95),
                                  s_gpq(w->limit998)};
}

/* "set xlabel '...'" and "set ylabel '...'" (none for an empty one). */
static void
s_axes(FILE *gp, const outcomes_chart_words_t *q)
{
    if (*q->xlabel)
        fprintf(gp, "set xlabel '%s'\n", q->xlabel);
    if (*q->ylabel)
        fprintf(gp, "set ylabel '%s'\n", q->ylabel);
}

void
outcomes_chart_words_en(const char *kind, const char *label, const char *by, const char *site,
                        bool mcid, outcomes_chart_words_t *w)
{
    *w = (outcomes_chart_words_t){0};
    if (!strcmp(kind, "run")) {
        w->title = rl_asprintf("Mean change of %s per cohort (start week)%s%s", label,
                               site ? ", site " : "", site ? site : "");
        w->ylabel = rl_strdup("mean change");
        w->series = rl_strdup("cohort mean");
        w->reference = rl_strdup("overall mean");
    } else if (!strcmp(kind, "box")) {
        w->title = rl_asprintf("Change of %s per %s", label, by ? by : "site");
        w->ylabel = rl_strdup("change (end - start)");
    } else if (!strcmp(kind, "funnel")) {
        w->title = rl_asprintf("%% reaching the important change of %s per site", label);
        w->xlabel = rl_strdup("patients with a start and end value");
        w->ylabel = rl_strdup("%");
        w->series = rl_strdup("site");
        w->reference = rl_strdup("overall");
    } else {
        w->title = rl_asprintf("%s of %s per site after case-mix adjustment (O - E)",
                               mcid ? "Reaching the important change" : "Mean change", label);
        w->xlabel = rl_strdup("patients with a start and end value");
        w->ylabel = rl_strdup("observed - expected");
        w->series = rl_strdup("site");
        w->reference = rl_strdup("expected");
    }
    if (strcmp(kind, "run") && strcmp(kind, "box")) {
        w->limit95 = rl_strdup("95 %");
        w->limit998 = rl_strdup("99.8 %");
    }
}

void
outcomes_chart_words_clear(outcomes_chart_words_t *w)
{
    char **all[] = {&w->title,     &w->xlabel,  &w->ylabel,  &w->series,
                    &w->reference, &w->limit95, &w->limit998};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        free(*all[i]);
        *all[i] = NULL;
    }
}

/* ------------------------------------------------------------ run */

static int
s_week_cmp(const void *a, const void *b, void *weeks)
{
    return strcmp(PQgetvalue(weeks, *(const int *)a, 0), PQgetvalue(weeks, *(const int *)b, 0));
}

static int
s_run_prepare(PGconn *conn, s_chart_t *c)
{
    rl_err_t err;
    c->weeks = rl_db_exec(conn, &err, "reading cohort start weeks",
                          "SELECT site_code || '/' || coalesce(cohort_code, '-'), "
                          "min(start_week)::text, to_char(min(start_week), 'IYYY-\"W\"IW') "
                          "FROM quality.enrolment GROUP BY 1",
                          0, NULL);
    if (!c->weeks) {
        rl_cli_fail("chart run: %s", err.msg);
        return RL_EXIT_DB;
    }
    int nweeks = PQntuples(c->weeks);
    c->week_rows = rl_malloc(((size_t)nweeks + 1) * sizeof *c->week_rows);
    for (int r = 0; r < nweeks; r++)
        c->week_rows[r] = r;
    qsort_r(c->week_rows, (size_t)nweeks, sizeof *c->week_rows, s_week_cmp, c->weeks);
    size_t total = 0;
    for (size_t g = 0; g < c->d->ngroups; g++)
        total += c->d->groups[g].n_values[0];
    double *all = rl_malloc((total + 1) * sizeof *all);
    size_t nall = 0;
    for (size_t g = 0; g < c->d->ngroups; g++) {
        const outcomes_group_t *grp = &c->d->groups[g];
        if (grp->n_values[0])
            memcpy(all + nall, grp->values[0], grp->n_values[0] * sizeof *all);
        nall += grp->n_values[0];
    }
    rl_measures_summary_t s;
    rl_measures_summary(all, nall, &s);
    free(all);
    c->mean = s.mean;
    return -1;
}

/* The first start week of a cohort: its Monday (col 1) or its ISO week
 * ("2025-W41", col 2); NULL when unknown. */
static const char *
s_week(const s_chart_t *c, const char *cohort, int col)
{
    size_t lo = 0, hi = (size_t)PQntuples(c->weeks);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int row = c->week_rows[mid];
        int cmp = strcmp(PQgetvalue(c->weeks, row, 0), cohort);
        if (cmp == 0)
            return PQgetvalue(c->weeks, row, col);
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void
s_run_data(s_chart_t *c, FILE *out)
{
    for (size_t g = 0; g < c->d->ngroups; g++) {
        const outcomes_group_t *grp = &c->d->groups[g];
        if (s_left_out(c, outcomes_suppress_primary((long)grp->n_values[0])))
            continue;
        const char *week = s_week(c, grp->key[0], 1);
        if (!week)
            continue;
        rl_measures_summary_t s;
        rl_measures_summary(grp->values[0], grp->n_values[0], &s);
        fprintf(out, "%s %.6f %zu\n", week, s.mean, s.n);
        if (c->drawn) {
            char mean[OUTCOMES_NUM], n[OUTCOMES_NUM];
            snprintf(n, sizeof n, "%zu", s.n);
            /* the ISO week: no exact date of anybody's start */
            const char *cells[] = {grp->key[0], s_week(c, grp->key[0], 2), n,
                                   outcomes_fmt(mean, sizeof mean, s.mean, 2)};
            outcomes_table_add(c->drawn, cells);
        }
        c->shown++;
    }
}

static void
s_run_script(const s_chart_t *c, FILE *gp, const char *data_path)
{
    outcomes_chart_words_t q;
    s_gpq_words(c->words, &q);
    fprintf(gp,
            "set title '%s'\n"
            "set xdata time\nset timefmt '%%Y-%%m-%%d'\nset format x '%%Y'\n",
            q.title);
    s_axes(gp, &q);
    /* sorted by date in the data file for the line */
    fprintf(gp,
            "plot '< sort %s' using 1:2 with linespoints pt 7 ps 0.6 title '%s', "
            "%.6f with lines lw 2 dt 2 title '%s %.2f'\n",
            data_path, q.series, c->mean, q.reference, c->mean);
    outcomes_chart_words_clear(&q);
}

/* ------------------------------------------------------------ box */

static void
s_box_data(s_chart_t *c, FILE *out)
{
    for (size_t g = 0; g < c->d->ngroups; g++) {
        const outcomes_group_t *grp = &c->d->groups[g];
        if (s_left_out(c, outcomes_suppress_primary((long)grp->n_values[0])))
            continue;
        for (size_t i = 0; i < grp->n_values[0]; i++) {
            fprintf(out, "\"%s\" %.6f\n", grp->key[0], grp->values[0][i]);
            if (c->drawn) {
                char v[OUTCOMES_NUM];
                const char *cells[] = {grp->key[0],
                                       outcomes_fmt(v, sizeof v, grp->values[0][i], 2)};
                outcomes_table_add(c->drawn, cells);
            }
        }
        c->shown++;
    }
}

static void
s_box_script(const s_chart_t *c, FILE *gp, const char *data_path)
{
    outcomes_chart_words_t q;
    s_gpq_words(c->words, &q);
    fprintf(gp, "set title '%s'\n", q.title);
    s_axes(gp, &q);
    fprintf(gp,
            "set style fill solid 0.25 border -1\nset style boxplot outliers pointtype 7\n"
            "set style data boxplot\nset xtics rotate by -45\nunset key\nset offsets 0, 0, 1, 1\n"
            "plot '%s' using (1.0):2:(0.5):1\n",
            data_path);
    outcomes_chart_words_clear(&q);
}

/* ------------------------------------------------------------ funnel */

static int
s_funnel_prepare(PGconn *conn, s_chart_t *c)
{
    (void)conn;
    long sum_k = 0, sum_n = 0;
    for (size_t g = 0; g < c->d->ngroups; g++) {
        sum_k += c->d->groups[g].n_important[0];
        sum_n += c->d->groups[g].n_flagged[0];
    }
    if (sum_n == 0) {
        printf("%s has no important-change threshold (or no changes): no funnel plot drawn\n",
               c->o.measure);
        return RL_EXIT_OK;
    }
    c->p0 = (double)sum_k / (double)sum_n;
    return -1;
}

static void
s_funnel_data(s_chart_t *c, FILE *out)
{
    for (size_t g = 0; g < c->d->ngroups; g++) {
        const outcomes_group_t *grp = &c->d->groups[g];
        long n = grp->n_flagged[0], k = grp->n_important[0];
        if (s_left_out(c, outcomes_suppress_primary(n) || outcomes_suppress_primary(k) ||
                              outcomes_suppress_primary(n - k)))
            continue;
        fprintf(out, "%ld %.6f \"%s\"\n", n, 100.0 * (double)k / (double)n, grp->key[0]);
        if (n > c->max_n)
            c->max_n = n;
        c->shown++;
    }
}

static void
s_funnel_script(const s_chart_t *c, FILE *gp, const char *data_path)
{
    outcomes_chart_words_t q;
    s_gpq_words(c->words, &q);
    fprintf(gp, "set title '%s'\n", q.title);
    s_axes(gp, &q);
    fprintf(gp,
            "p0 = %.8f\nlim(n, z) = 100 * (p0 + z * sqrt(p0 * (1 - p0) / n))\n"
            "set xrange [1:%ld]\nset yrange [0:100]\nset samples 400\n"
            "plot lim(x, 1.959964) lt 2 dt 2 title '%s', lim(x, -1.959964) lt 2 dt 2 notitle, "
            "lim(x, 3.090232) lt 1 dt 3 title '%s', lim(x, -3.090232) lt 1 dt 3 notitle, "
            "100 * p0 lt -1 title '%s %.1f %%', "
            "'%s' using 1:2 with points pt 7 ps 1 lc rgb 'black' title '%s', "
            "'' using 1:2:3 with labels offset 0,1 font ',8' notitle\n",
            c->p0, (long)(c->max_n * 1.2) + 5, q.limit95, q.limit998, q.reference, 100.0 * c->p0,
            data_path, q.series);
    outcomes_chart_words_clear(&q);
}

/* ------------------------------------------------------------ adjusted */

static int
s_adjusted_prepare(PGconn *conn, s_chart_t *c)
{
    c->adj.name = "chart adjusted";
    c->adj.measure = c->o.measure;
    c->adj.indicator = "change";
    return outcomes_adjusted_fetch(&c->adj, conn);
}

static void
s_adjusted_data(s_chart_t *c, FILE *out)
{
    for (int s = 0; s < c->adj.m.k; s++) {
        const rl_stats_group_t *g = &c->adj.m.adj[s];
        if (s_left_out(c, outcomes_suppress_primary((long)g->n)))
            continue;
        fprintf(out, "%zu %.6f \"%s\"\n", g->n, g->o_minus_e, c->adj.m.site[s]);
        if ((long)g->n > c->max_n)
            c->max_n = (long)g->n;
        c->shown++;
    }
}

static void
s_adjusted_script(const s_chart_t *c, FILE *gp, const char *data_path)
{
    outcomes_chart_words_t q;
    s_gpq_words(c->words, &q);
    fprintf(gp, "set title '%s'\n", q.title);
    s_axes(gp, &q);
    fprintf(gp,
            "v = %.10g\ntau2 = %.10g\nlim(n, z) = z * sqrt(v / n + tau2)\n"
            "set xrange [%d:%ld]\nset samples 400\n"
            "plot lim(x, %.6f) lt 2 dt 2 title '%s', lim(x, -%.6f) lt 2 dt 2 notitle, "
            "lim(x, %.6f) lt 1 dt 3 title '%s', lim(x, -%.6f) lt 1 dt 3 notitle, "
            "0 lt -1 title '%s', "
            "'%s' using 1:2 with points pt 7 ps 1 lc rgb 'black' title '%s', "
            "'' using 1:2:3 with labels offset 0,1 font ',8' notitle\n",
            c->adj.m.v, c->adj.m.tau2, OUTCOMES_MIN_CELL, (long)(c->max_n * 1.2) + 5, RL_STATS_Z95,
            q.limit95, RL_STATS_Z95, RL_STATS_Z998, q.limit998, RL_STATS_Z998, q.reference,
            data_path, q.series);
    outcomes_chart_words_clear(&q);
}

/* ------------------------------------------------------------ the kinds */

static const s_kind_t s_kinds[] = {
    {"run", " [--measure M] [--site CODE]",
     "mean change per cohort over time (start week), with the overall mean", "cohort",
     s_run_prepare, s_run_data, s_run_script},
    {"box", " [--measure M] [--by cohort|site]",
     "box plots of the change per cohort or site (default: site)", NULL, NULL, s_box_data,
     s_box_script},
    {"funnel", " [--measure M]",
     "% reaching the important change per site by number of patients, with\n"
     "        95 % and 99.8 % control limits around the overall %",
     "site", s_funnel_prepare, s_funnel_data, s_funnel_script},
    {"adjusted", " [--measure M]",
     "the mean change's O-E per site after case-mix adjustment by number of\n"
     "        patients, with 95 % and 99.8 % limits (the numbers of `funnel`)",
     "site", s_adjusted_prepare, s_adjusted_data, s_adjusted_script},
};
#define S_NKINDS (sizeof s_kinds / sizeof s_kinds[0])

static const s_kind_t *
s_kind(const char *name)
{
    for (size_t i = 0; i < S_NKINDS; i++)
        if (!strcmp(name, s_kinds[i].name))
            return &s_kinds[i];
    return NULL;
}

/* The grouping the chart draws (and the message counts). */
static const char *
s_group_by(const s_opts_t *o)
{
    return o->kind->group_by ? o->kind->group_by : o->by;
}

static void
s_usage(FILE *out)
{
    for (size_t i = 0; i < S_NKINDS; i++)
        fprintf(out, "%s ruglab-outcomes chart %-6s --out FILE%s\n",
                i ? "      " : "usage:", s_kinds[i].name, s_kinds[i].synopsis);
    fputc('\n', out);
    for (size_t i = 0; i < S_NKINDS; i++)
        fprintf(out, "%-7s %s\n", s_kinds[i].name, s_kinds[i].help);
    fprintf(out,
            "\nFILE ends in .svg, .png or .pdf. MEASURE defaults to nprs. Groups with fewer than\n"
            "5 patients are not drawn. Needs gnuplot.\n");
}

/* ------------------------------------------------------------ options */

static const char *
s_terminal(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return NULL;
    if (!strcmp(dot, ".svg"))
        return "svg size 900,560 dynamic background rgb 'white'";
    if (!strcmp(dot, ".png"))
        return "pngcairo size 900,560";
    if (!strcmp(dot, ".pdf"))
        return "pdfcairo size 9in,5.6in";
    return NULL;
}

/* "chart: unknown chart 'NAME' (run, box, ...)" */
static int
s_unknown_kind(const char *name)
{
    char names[128] = "";
    for (size_t i = 0; i < S_NKINDS; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                 s_kinds[i].name);
    rl_cli_fail("chart: unknown chart '%s' (%s)", name, names);
    return RL_EXIT_USAGE;
}

/* The checks of the options once parsed, before connecting. */
static int
s_check(s_opts_t *o)
{
    const char *kind = o->kind->name;
    if (!o->out_path) {
        rl_cli_fail("chart %s: --out FILE is required", kind);
        return RL_EXIT_USAGE;
    }
    o->term = s_terminal(o->out_path);
    if (!o->term) {
        rl_cli_fail("chart %s: %s: the file must end in .svg, .png or .pdf", kind, o->out_path);
        return RL_EXIT_USAGE;
    }
    if (strpbrk(o->out_path, "'\n")) {
        rl_cli_fail("chart %s: the file name must not contain a quote or a newline", kind);
        return RL_EXIT_USAGE;
    }
    if (strcmp(o->by, "cohort") && strcmp(o->by, "site")) {
        rl_cli_fail("chart box: unknown grouping '%s' (cohort, site)", o->by);
        return RL_EXIT_FAIL;
    }
    if (strchr(o->measure, ',')) {
        rl_cli_fail("chart %s: one measure only", kind);
        return RL_EXIT_USAGE;
    }
    return -1;
}

/* Returns -1 to go on, or the exit code. */
static int
s_parse(void *self, int argc, char **argv)
{
    s_opts_t *o = &((s_chart_t *)self)->o;
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        s_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? RL_EXIT_USAGE : RL_EXIT_OK;
    }
    *o = (s_opts_t){.measure = "nprs", .by = "site"};
    outcomes_args_t args = {
        .name = "chart",
        .usage = s_usage,
        .opts = {{"--out", &o->out_path},
                 {"--measure", &o->measure},
                 {"--site", &o->site},
                 {"--by", &o->by}},
    };
    int rc = outcomes_args_parse(&args, argc, argv, 2);
    if (rc >= 0)
        return rc;
    o->kind = s_kind(argv[1]);
    if (!o->kind)
        return s_unknown_kind(argv[1]);
    return s_check(o);
}

/* ------------------------------------------------------------ drawing */

/* Fetches the groups of the chart. Returns -1 to go on, or the exit code. */
static int
s_fetch(void *self, PGconn *conn)
{
    s_chart_t *c = self;
    const s_opts_t *o = &c->o;
    rl_err_t err;
    c->d = outcomes_fetch_site(conn, s_group_by(o), o->measure, o->site, &err);
    if (c->d)
        outcomes_data_sort(c->d);
    if (!c->d) {
        char what[64];
        snprintf(what, sizeof what, "chart %s", o->kind->name);
        return outcomes_fetch_failed(what, &err);
    }
    c->label = c->d->nmeasures ? c->d->labels[0] : o->measure;
    outcomes_chart_words_en(o->kind->name, c->label, o->by, o->site, false, &c->words_en);
    c->words = &c->words_en;
    size_t total_values = 0;
    for (size_t g = 0; g < c->d->ngroups; g++)
        total_values += c->d->groups[g].n_values[0];
    if (c->d->ngroups == 0 || total_values == 0) {
        printf("no %s changes in the quality tables: no chart drawn\n", o->measure);
        return RL_EXIT_OK;
    }
    return -1;
}

/* The private directory of one chart: its data file and script. */
typedef struct {
    char dir[sizeof "/tmp/ruglab-chart.XXXXXX"];
    bool made;
    char *data_path, *gp_path;
    FILE *data, *gp;
} s_work_t;

/* Opens the chart's private directory and files and starts the script
 * with the terminal and output of o: 0, or -1 with err set. */
static int
s_work_open(s_work_t *w, const s_opts_t *o, rl_err_t *err)
{
    memcpy(w->dir, "/tmp/ruglab-chart.XXXXXX", sizeof w->dir);
    if (!mkdtemp(w->dir))
        return rl_err_set(err, "cannot create a temporary directory: %s", strerror(errno));
    w->made = true;
    w->data_path = rl_asprintf("%s/data.txt", w->dir);
    w->gp_path = rl_asprintf("%s/chart.gp", w->dir);
    w->data = fopen(w->data_path, "w");
    w->gp = fopen(w->gp_path, "w");
    if (!w->data || !w->gp)
        return rl_err_set(err, "cannot write in %s: %s", w->dir, strerror(errno));
    fprintf(
        w->gp,
        "set terminal %s\nset output '%s'\nset grid\nset key outside bottom center horizontal\n",
        o->term, o->out_path);
    return 0;
}

/* Closes the files (when still open) and removes the directory. */
static void
s_work_close(s_work_t *w)
{
    static const char *const files[] = {"data.txt", "limits.txt", "chart.gp"};
    if (w->data)
        fclose(w->data);
    if (w->gp)
        fclose(w->gp);
    w->data = w->gp = NULL;
    if (w->made) {
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
            char *p = rl_asprintf("%s/%s", w->dir, files[i]);
            unlink(p);
            free(p);
        }
        rmdir(w->dir);
    }
    w->made = false;
    free(w->data_path);
    free(w->gp_path);
}

/* Runs gnuplot on the script; on failure err holds its first error line. */
static int
s_gnuplot(const char *script, const char *out_path, rl_err_t *err)
{
    if (rl_gnuplot_run("gnuplot", script, NULL, RL_GNUPLOT_TIMEOUT_MS, err) < 0)
        return -1;
    struct stat st;
    if (stat(out_path, &st) != 0 || st.st_size == 0)
        return rl_err_set(err, "gnuplot wrote no chart to %s", out_path);
    return 0;
}

/* Runs gnuplot on the written files and says what it drew. */
static int
s_plot(s_work_t *w, const s_chart_t *c)
{
    const s_opts_t *o = &c->o;
    fclose(w->data);
    fclose(w->gp);
    w->data = w->gp = NULL;
    rl_err_t err;
    if (s_gnuplot(w->gp_path, o->out_path, &err) < 0) {
        rl_cli_fail("chart %s: %s", o->kind->name, err.msg);
        return RL_EXIT_FAIL;
    }
    printf("chart written to %s: %zu %s%s%s", o->out_path, c->shown, s_group_by(o),
           c->shown == 1 ? "" : "s", c->hidden ? "" : "\n");
    if (c->hidden)
        printf(" (%zu with fewer than 5 patients not shown)\n", c->hidden);
    return RL_EXIT_OK;
}

/* Writes the data and the script in a private directory and runs gnuplot. */
static int
s_render(void *self, PGconn *conn, rl_cli_format_t format)
{
    (void)format;
    s_chart_t *c = self;
    const s_opts_t *o = &c->o;
    const s_kind_t *kind = o->kind;
    s_work_t w = {0};
    rl_err_t err;
    int rc;
    if (s_work_open(&w, o, &err) < 0) {
        rl_cli_fail("chart %s: %s", kind->name, err.msg);
        rc = RL_EXIT_FAIL;
        goto out;
    }
    if (kind->prepare && (rc = kind->prepare(conn, c)) >= 0)
        goto out;
    kind->data(c, w.data);
    if (c->shown == 0) {
        printf("every group has fewer than 5 patients: no chart drawn\n");
        rc = RL_EXIT_OK;
        goto out;
    }
    kind->script(c, w.gp, w.data_path);
    rc = s_plot(&w, c);
out:
    s_work_close(&w);
    return rc;
}

static void
s_clear(void *self)
{
    s_chart_t *c = self;
    PQclear(c->weeks);
    free(c->week_rows);
    c->week_rows = NULL;
    outcomes_adjusted_clear(&c->adj);
    outcomes_chart_words_clear(&c->words_en);
    c->weeks = NULL;
    outcomes_data_free(&c->d);
}

/* The columns of the numbers each kind draws. */
static outcomes_table_t *
s_drawn_table(const s_kind_t *kind, const char *by)
{
    if (!strcmp(kind->name, "run")) {
        static const char *const names[] = {"cohort", "start_week", "n", "mean_change"};
        static const bool numeric[] = {false, false, true, true};
        return outcomes_table_new(4, names, numeric);
    }
    const char *names[] = {by, "change"};
    static const bool numeric[] = {false, true};
    return outcomes_table_new(2, names, numeric);
}

/* Writes the data and the script of c's kind in a private directory (after
 * the kind's prepare when conn is given) and runs gnuplot: 1 when drawn, 0
 * when no group has 5 patients, -1 with err set. */
static int
s_draw(s_chart_t *c, PGconn *conn, rl_err_t *err)
{
    const s_kind_t *kind = c->o.kind;
    s_work_t w = {0};
    int rc = s_work_open(&w, &c->o, err);
    if (rc < 0)
        goto out;
    if (conn && kind->prepare && kind->prepare(conn, c) >= 0) {
        rc = rl_err_set(err, "chart %s: reading what it draws failed", kind->name);
        goto out;
    }
    kind->data(c, w.data);
    if (c->shown == 0)
        goto out;
    kind->script(c, w.gp, w.data_path);
    fclose(w.data);
    fclose(w.gp);
    w.data = w.gp = NULL;
    rc = s_gnuplot(w.gp_path, c->o.out_path, err) < 0 ? -1 : 1;
out:
    s_work_close(&w);
    return rc;
}

int
outcomes_chart_draw(PGconn *conn, const char *kind, const char *measure, const char *by,
                    const outcomes_chart_words_t *words, const char *out_path,
                    outcomes_table_t **drawn, rl_err_t *err)
{
    *drawn = NULL;
    s_chart_t c = {.o = {.kind = s_kind(kind),
                         .out_path = out_path,
                         .measure = measure,
                         .by = by ? by : "site"}};
    if (!c.o.kind || !strcmp(kind, "funnel"))
        return rl_err_set(err, "unknown chart '%s' (run, box)", kind);
    c.o.term = s_terminal(out_path);
    if (!c.o.term || strpbrk(out_path, "'\n"))
        return rl_err_set(err, "%s: the file must end in .svg, .png or .pdf", out_path);
    if (strcmp(c.o.by, "cohort") && strcmp(c.o.by, "site"))
        return rl_err_set(err, "unknown grouping '%s' (cohort, site)", c.o.by);
    c.d = outcomes_fetch_site(conn, s_group_by(&c.o), measure, NULL, err);
    if (c.d)
        outcomes_data_sort(c.d);
    if (!c.d)
        return -1;
    c.label = c.d->nmeasures ? c.d->labels[0] : measure;
    if (!words) {
        outcomes_chart_words_en(kind, c.label, c.o.by, NULL, false, &c.words_en);
        words = &c.words_en;
    }
    c.words = words;
    c.drawn = s_drawn_table(c.o.kind, s_group_by(&c.o));
    size_t total_values = 0;
    for (size_t g = 0; g < c.d->ngroups; g++)
        total_values += c.d->groups[g].n_values[0];
    int rc = total_values ? s_draw(&c, conn, err) : 0;
    if (rc < 0)
        outcomes_table_destroy(&c.drawn);
    *drawn = c.drawn;
    s_clear(&c);
    return rc;
}

int
outcomes_chart_adjusted_draw(const outcomes_adjusted_t *a, const outcomes_chart_words_t *words,
                             const char *out_path, rl_err_t *err)
{
    s_chart_t c = {.o = {.kind = s_kind("adjusted"), .out_path = out_path}, .words = words};
    c.o.term = s_terminal(out_path);
    if (!c.o.term || strpbrk(out_path, "'\n"))
        return rl_err_set(err, "%s: the file must end in .svg, .png or .pdf", out_path);
    c.adj = *a; /* the caller's model, read only: never cleared here */
    return s_draw(&c, NULL, err);
}

int
outcomes_chart_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    static const outcomes_command_t steps = {s_parse, s_fetch, s_render, s_clear};
    s_chart_t c = {0};
    return outcomes_command_run(&steps, &c, ctx, argc, argv);
}
