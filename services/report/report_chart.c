/* Charts of the report, drawn by gnuplot from a generated script into SVG
 * files (placed as vectors in the PDF by report_pdf.c): strength and range
 * of motion per direction at start / mid / end, training load over the
 * training days, the exercise variants over the sessions, questionnaire
 * scores over the time points, and a raw
 * torque/angle curve of a test. Series differ by fill pattern, dash type
 * and point type as well as colour, so that a black-and-white print reads
 * the same. Missing values are gnuplot's missing marker "?", never 0. */
#include "report.h"

#include "ruglab/exercise.h"
#include "ruglab/gnuplot.h"
#include "ruglab/mem.h"
#include "ruglab/paths.h"
#include "ruglab/questionnaire.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Labels in the report language. */
typedef struct {
    const char *tp[RPT_NTP];
    const char *dir[RL_DIR_COUNT];
    const char *strength_title, *strength_y;
    const char *rom_title, *rom_y;
    const char *load_title, *load_x, *load_y;
    const char *quest_title, *quest_y;
    const char *curve_title, *curve_x, *curve_y, *curve_y2;
    const char *isometric_at, *dynamic;
    const char *variants_title, *variants_x;
} s_labels_t;

static const s_labels_t s_nl = {
    {"begin", "midden", "einde"},
    {NULL, "extensie", "flexie", "lateroflexie links", "lateroflexie rechts", "rotatie links",
     "rotatie rechts"},
    "Maximale isometrische kracht per richting",
    "kracht (N·m)",
    "Bewegingsuitslag per richting",
    "bewegingsuitslag (°)",
    "Trainingsbelasting (zwaarste reeks per trainingsdag)",
    "trainingsdag",
    "belasting (N·m)",
    "Vragenlijsten per meetmoment (elk op zijn eigen schaal)",
    "score",
    "Krachtcurve van de test",
    "tijd (s)",
    "kracht (N·m)",
    "hoek (°)",
    "isometrisch bij",
    "dynamisch: kracht tegenover hoek",
    "Oefenvarianten per sessie (hoger = moeilijker)",
    "sessie",
};

static const s_labels_t s_en = {
    {"start", "mid", "end"},
    {NULL, "extension", "flexion", "lateral flexion left", "lateral flexion right", "rotation left",
     "rotation right"},
    "Maximal isometric strength per direction",
    "torque (N·m)",
    "Range of motion per direction",
    "range of motion (°)",
    "Training load (heaviest set per training day)",
    "training day",
    "load (N·m)",
    "Questionnaires per time point (each on its own scale)",
    "score",
    "Torque curve of the test",
    "time (s)",
    "torque (N·m)",
    "angle (°)",
    "isometric at",
    "dynamic: torque against angle",
    "Exercise variants per session (higher = harder)",
    "session",
};

static const char *
s_val(double v)
{
    return rpt_num(v, 2, "?");
}

/* gnuplot string literal in single quotes (labels are ours, but a
 * programme name could hold a quote). */
static void
s_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* The start of a chart of height pixels (620 wide). */
static void
s_preamble_sized(FILE *f, const char *svg, int height, const char *title, const char *xlabel,
                 const char *ylabel)
{
    fprintf(f,
            "reset\nset encoding utf8\n"
            "set terminal svg size 620,%d fixed font 'DejaVu Sans,10' background '#ffffff'\n",
            height);
    fprintf(f, "set output ");
    s_quoted(f, svg);
    fprintf(f, "\nset title ");
    s_quoted(f, title);
    fprintf(f, "\nset ylabel ");
    s_quoted(f, ylabel);
    if (xlabel) {
        fprintf(f, "\nset xlabel ");
        s_quoted(f, xlabel);
    }
    fprintf(f, "\nset datafile missing '?'\nset datafile separator '\\t'\n"
               "set key outside right top vertical\nset grid ytics lc rgb '#bbbbbb' dt 3\n"
               "set border 3\nset tics nomirror\n");
}

static void
s_preamble(FILE *f, const char *svg, const char *title, const char *xlabel, const char *ylabel)
{
    s_preamble_sized(f, svg, 250, title, xlabel, ylabel);
}

/* The clustered bar chart of one quantity per direction. */
static void
s_bars(FILE *f, const rpt_model_t *m, const s_labels_t *L, const char *dir, const char *name,
       bool rom, const char *svg)
{
    char *dat = rl_asprintf("%s/%s.dat", dir, name);
    FILE *d = fopen(dat, "w");
    if (d) {
        for (int k = RL_DIR_FIRST; k < RL_DIR_COUNT; k++) {
            const rpt_direction_t *x = &m->dirs[k];
            if (!x->measured)
                continue;
            const rpt_tp3_t *v = rom ? &x->rom_deg : &x->torque_nm;
            fprintf(d, "%s\t%s\t%s\t%s\n", L->dir[k], s_val(v->v[0]), s_val(v->v[1]),
                    s_val(v->v[2]));
        }
        fclose(d);
    }
    s_preamble(f, svg, rom ? L->rom_title : L->strength_title, NULL,
               rom ? L->rom_y : L->strength_y);
    fprintf(f, "set style data histograms\nset style histogram clustered gap 1\n"
               "set boxwidth 0.9\nset yrange [0:*]\nset xtics rotate by -20 scale 0\n");
    fprintf(f, "plot ");
    s_quoted(f, dat);
    fprintf(f, " using 2:xtic(1) title ");
    s_quoted(f, L->tp[0]);
    fprintf(f, " fs pattern 0 border lc rgb '#000000' lc rgb '#9ecae1', '' using 3 title ");
    s_quoted(f, L->tp[1]);
    fprintf(f, " fs pattern 2 border lc rgb '#000000' lc rgb '#3182bd', '' using 4 title ");
    s_quoted(f, L->tp[2]);
    fprintf(f, " fs solid 1.0 border lc rgb '#000000' lc rgb '#08306b'\n");
    free(dat);
}

static void
s_load(FILE *f, const rpt_model_t *m, const s_labels_t *L, const char *dir, const char *svg)
{
    char *dat = rl_asprintf("%s/load.dat", dir);
    FILE *d = fopen(dat, "w");
    bool used[RL_DIR_COUNT] = {false};
    if (d) {
        /* one block per direction (gnuplot index), blank lines between */
        for (int k = RL_DIR_FIRST; k < RL_DIR_COUNT; k++) {
            bool any = false;
            for (int i = 0; i < m->n_load; i++)
                if ((int)m->load[i].dir == k && !isnan(m->load[i].max_load_nm)) {
                    fprintf(d, "%d\t%s\n", m->load[i].index, s_val(m->load[i].max_load_nm));
                    any = true;
                }
            if (any) {
                fprintf(d, "\n\n");
                used[k] = true;
            }
        }
        fclose(d);
    }
    s_preamble(f, svg, L->load_title, L->load_x, L->load_y);
    /* training days are whole numbers: ticks on days, never fractions */
    int days = m->n_load_sessions > 1 ? m->n_load_sessions : 1;
    fprintf(f, "set yrange [0:*]\nset xrange [0:%d]\nset xtics %d\nset format x '%%.0f'\nplot ",
            days + 1, days <= 12 ? 1 : (days + 9) / 10);
    int idx = 0;
    static const char *colours[RL_DIR_COUNT] = {NULL,      "#08306b", "#cb181d", "#238b45",
                                                "#6a51a3", "#d94801", "#525252"};
    for (int k = RL_DIR_FIRST; k < RL_DIR_COUNT; k++) {
        if (!used[k])
            continue;
        if (idx)
            fprintf(f, ", ");
        s_quoted(f, dat);
        fprintf(f,
                " index %d using 1:2 with linespoints lw 1.5 dt %d pt %d ps 0.6 lc rgb '%s' "
                "title ",
                idx, idx + 1, idx * 2 + 5, colours[k]);
        s_quoted(f, L->dir[k]);
        idx++;
    }
    fputc('\n', f);
    free(dat);
}

/* The exercise variants over the sessions: one lane per exercise (its
 * catalogue code), a point at every session it was done in, a step line
 * through them that rises with the level (harder higher, 0.12 of a lane
 * per level, so that the lanes never meet), and the variant named where
 * it changed. A level has its own point type, size and colour (easier: a
 * triangle down, as described: a circle, harder: a triangle up, larger
 * for a larger step), so that a black-and-white print reads the same. */
static void
s_variants(FILE *f, const rpt_model_t *m, const s_labels_t *L, const char *lang, const char *dir,
           const char *svg)
{
    char *dat = rl_asprintf("%s/variants.dat", dir);
    char *lab = rl_asprintf("%s/variants-labels.dat", dir);
    FILE *d = fopen(dat, "w"), *dl = fopen(lab, "w");
    bool level_used[2 * RL_EX_LEVEL_MAX + 1] = {false};
    int last = m->attended_total;
    for (int i = 0; i < m->n_variants; i++) {
        const rpt_variant_t *v = &m->variants[i];
        int *idx = rl_calloc((size_t)v->n_steps, sizeof *idx);
        int n = rpt_variant_changes(v, idx), c = 0;
        for (int k = 0; k < v->n_steps; k++) {
            const rpt_variant_step_t *st = &v->steps[k];
            double y = (i + 1) - 0.12 * st->level;
            if (st->level >= -RL_EX_LEVEL_MAX && st->level <= RL_EX_LEVEL_MAX)
                level_used[st->level + RL_EX_LEVEL_MAX] = true;
            last = st->session_number > last ? st->session_number : last;
            if (d)
                fprintf(d, "%d\t%.2f\t%d\n", st->session_number, y, st->level);
            if (dl && c < n && idx[c] == k) {
                fprintf(dl, "%d\t%.2f\t%s\n", st->session_number, y,
                        st->variant ? st->variant
                                    : (strcmp(lang, "en") ? "zoals beschreven" : "as described"));
                c++;
            }
        }
        if (d)
            fprintf(d, "\n\n");
        free(idx);
    }
    if (d)
        fclose(d);
    if (dl)
        fclose(dl);
    /* the height grows with the lanes (the letter scales to its width) */
    s_preamble_sized(f, svg, 120 + 34 * m->n_variants, L->variants_title, L->variants_x, "");
    fprintf(f, "unset ylabel\nset yrange [%.1f:0.4]\nset ytics (", m->n_variants + 0.6);
    for (int i = 0; i < m->n_variants; i++) {
        fprintf(f, "%s", i ? ", " : "");
        s_quoted(f, m->variants[i].exercise);
        fprintf(f, " %d", i + 1);
    }
    int sessions = last > 1 ? last : 1;
    fprintf(f, ")\nset xrange [0:%d]\nset xtics %d\nset format x '%%.0f'\nplot ", sessions + 1,
            sessions <= 12 ? 1 : (sessions + 9) / 10);
    for (int i = 0; i < m->n_variants; i++) {
        s_quoted(f, dat);
        fprintf(f, " index %d using 1:2 with steps lw 1.2 lc rgb '#969696' notitle, ", i);
    }
    static const char *colours[2 * RL_EX_LEVEL_MAX + 1] = {
        "#08306b", "#2171b5", "#6baed6", "#000000", "#fb6a4a", "#cb181d", "#67000d"};
    for (int k = 0; k <= 2 * RL_EX_LEVEL_MAX; k++) {
        if (!level_used[k])
            continue;
        int level = k - RL_EX_LEVEL_MAX;
        char words[64];
        s_quoted(f, dat);
        fprintf(f,
                " using 1:($3 == %d ? $2 : 1/0) with points pt %d ps %.1f lc rgb '%s' "
                "title ",
                level,
                level < 0   ? 11
                : level > 0 ? 9
                            : 7,
                0.8 + 0.2 * abs(level), colours[k]);
        s_quoted(f, rpt_variant_level_text(level, lang, words, sizeof words));
        fprintf(f, ", ");
    }
    s_quoted(f, lab);
    fprintf(f, " using 1:2:3 with labels left offset 0.4,0.55 font ',8' notitle\n");
    free(dat);
    free(lab);
}

/* The fixed scale of an instrument (its whole range, so that a change
 * looks as large as it is): ODI and NDI 0-100 %, NPRS 0-10, RMDQ 0-24, TSK-17
 * 17-68, PSFS 0-10. */
static void
s_quest_range(const char *instrument, int *lo, int *hi)
{
    static const struct {
        const char *code;
        int lo, hi;
    } r[] = {{"ODI", 0, 100}, {"NDI", 0, 100}, {"NPRS", 0, 10},
             {"RMDQ", 0, 24}, {"TSK", 17, 68}, {"PSFS", 0, 10}};
    *lo = 0;
    *hi = 100;
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (!strcmp(instrument, r[i].code)) {
            *lo = r[i].lo;
            *hi = r[i].hi;
        }
}

/* One small panel per instrument, each on its instrument's own fixed
 * scale; a missing time point is NaN, which gnuplot draws as a gap (a line
 * never joins the start to the end across a missing mid). */
static void
s_quest(FILE *f, const rpt_model_t *m, const s_labels_t *L, const char *dir, const char *svg)
{
    char *dat = rl_asprintf("%s/quest.dat", dir);
    FILE *d = fopen(dat, "w");
    if (d) {
        /* one block per instrument (gnuplot index) */
        for (int i = 0; i < m->n_quest; i++) {
            for (int tp = 0; tp < RPT_NTP; tp++) {
                const rpt_qpoint_t *a = &m->quest[i].at[tp];
                fprintf(d, "%d\t%s\t%s\n", tp, L->tp[tp],
                        a->present && !isnan(a->score) ? s_val(a->score) : "NaN");
            }
            fprintf(d, "\n\n");
        }
        fclose(d);
    }
    fprintf(f,
            "reset\nset encoding utf8\n"
            "set terminal svg size 620,%d fixed font 'DejaVu Sans,9' background '#ffffff'\n",
            m->n_quest > 3 ? 420 : 230);
    fprintf(f, "set output ");
    s_quoted(f, svg);
    fprintf(f,
            "\nset datafile separator '\\t'\nset border 3\nset tics nomirror\n"
            "set grid ytics lc rgb '#bbbbbb' dt 3\nunset key\n"
            "set xrange [-0.3:2.3]\nset xtics ('%s' 0, '%s' 1, '%s' 2)\n",
            L->tp[0], L->tp[1], L->tp[2]);
    int cols = m->n_quest > 3 ? 3 : m->n_quest;
    int rows = (m->n_quest + cols - 1) / cols;
    fprintf(f, "set multiplot layout %d,%d title ", rows, cols);
    s_quoted(f, L->quest_title);
    fputc('\n', f);
    for (int i = 0; i < m->n_quest; i++) {
        const char *unit = !strcmp(rpt_quest_unit(m->quest[i].instrument), "%") ? " (%)" : "";
        char *title = rl_asprintf("%s%s", rl_instrument_code_of_db(m->quest[i].instrument), unit);
        int lo, hi;
        s_quest_range(m->quest[i].instrument, &lo, &hi);
        fprintf(f, "set title ");
        s_quoted(f, title);
        fprintf(f, "\nset yrange [%d:%d]\nplot ", lo, hi);
        s_quoted(f, dat);
        fprintf(f, " index %d using 1:3 with linespoints lw 2 pt 7 ps 0.8 lc rgb '%s'\n", i,
                i % 2 ? "#cb181d" : "#08306b");
        free(title);
    }
    fprintf(f, "unset multiplot\n");
    free(dat);
}

/* A range of at least min_span around [lo, hi] (never autoscaled to make
 * noise look like a signal). */
static void
s_span(double lo, double hi, double min_span, double *a, double *b)
{
    double mid = (lo + hi) / 2, span = hi - lo;
    if (span < min_span)
        span = min_span;
    *a = floor((mid - span * 0.6) / 5) * 5;
    *b = ceil((mid + span * 0.6) / 5) * 5;
}

/* The raw curve of the best trial. An isometric test holds one angle: the
 * torque over time, with the test angle stated (an angle axis would only
 * magnify sensor noise). A dynamic test: torque against angle. Torque from
 * 0 to at least 50 N·m; angles over at least 30°. */
static void
s_curve(FILE *f, const rpt_model_t *m, const s_labels_t *L, const char *dir, const char *svg)
{
    const rpt_curve_t *c = &m->curve;
    char *dat = rl_asprintf("%s/curve.dat", dir);
    FILE *d = fopen(dat, "w");
    double rate = c->rate_hz > 0 ? c->rate_hz : 100;
    double tmax = 0, alo = c->n ? c->angle_deg[0] : 0, ahi = alo;
    if (d) {
        for (int i = 0; i < c->n; i++) {
            fprintf(d, "%.3f\t%.1f\t%.1f\n", i / rate, c->angle_deg[i], c->torque_nm[i]);
            tmax = c->torque_nm[i] > tmax ? c->torque_nm[i] : tmax;
            alo = c->angle_deg[i] < alo ? c->angle_deg[i] : alo;
            ahi = c->angle_deg[i] > ahi ? c->angle_deg[i] : ahi;
        }
        fclose(d);
    }
    double ymax = ceil(tmax * 1.15 / 10) * 10;
    if (ymax < 50)
        ymax = 50;
    char *title;
    if (c->isometric)
        title = rl_asprintf("%s: %s, %s (%s %.0f°)", L->curve_title, L->dir[c->dir], L->tp[c->tp],
                            L->isometric_at, c->angle_mean_deg);
    else
        title = rl_asprintf("%s: %s, %s (%s)", L->curve_title, L->dir[c->dir], L->tp[c->tp],
                            L->dynamic);
    s_preamble(f, svg, title, c->isometric ? L->curve_x : L->curve_y2, L->curve_y);
    fprintf(f, "\nunset key\nset yrange [0:%.0f]\n", ymax);
    if (c->isometric) {
        fprintf(f, "set xrange [0:%.2f]\nplot ", c->n / rate);
        s_quoted(f, dat);
        fprintf(f, " using 1:3 with lines lw 2 lc rgb '#08306b'\n");
    } else {
        double a, b;
        s_span(alo, ahi, 30, &a, &b);
        fprintf(f, "set xrange [%.0f:%.0f]\nplot ", a, b);
        s_quoted(f, dat);
        fprintf(f, " using 2:3 with lines lw 1.5 lc rgb '#08306b'\n");
    }
    free(title);
    free(dat);
}

int
rpt_charts_make(const rpt_model_t *m, const char *lang, const char *dir, rpt_charts_t *out,
                rl_err_t *err)
{
    memset(out, 0, sizeof *out);
    char *gnuplot = rl_paths_which("gnuplot");
    if (!gnuplot)
        return rl_err_set(err, "gnuplot not found in PATH (install gnuplot-nox); the charts "
                               "cannot be drawn");
    const s_labels_t *L = strcmp(lang, "en") ? &s_nl : &s_en;
    char *script = rl_asprintf("%s/charts.gp", dir);
    char *log = rl_asprintf("%s/gnuplot.log", dir);
    int rc = -1;
    FILE *f = fopen(script, "w");
    if (!f) {
        rl_err_set(err, "cannot write %s: %s", script, strerror(errno));
        goto out;
    }
    bool any_dir = false;
    for (int k = RL_DIR_FIRST; k < RL_DIR_COUNT; k++)
        any_dir |= m->dirs[k].measured;
    if (any_dir) {
        out->strength = rl_asprintf("%s/strength.svg", dir);
        s_bars(f, m, L, dir, "strength", false, out->strength);
        out->rom = rl_asprintf("%s/rom.svg", dir);
        s_bars(f, m, L, dir, "rom", true, out->rom);
    }
    if (m->n_load > 0) {
        out->load = rl_asprintf("%s/load.svg", dir);
        s_load(f, m, L, dir, out->load);
    }
    if (m->n_variants > 0) {
        out->variants = rl_asprintf("%s/variants.svg", dir);
        s_variants(f, m, L, lang, dir, out->variants);
    }
    if (m->n_quest > 0) {
        out->quest = rl_asprintf("%s/quest.svg", dir);
        s_quest(f, m, L, dir, out->quest);
    }
    if (m->curve.n > 1) {
        out->curve = rl_asprintf("%s/curve.svg", dir);
        s_curve(f, m, L, dir, out->curve);
    }
    fprintf(f, "set output\n");
    if (fclose(f) != 0) {
        rl_err_set(err, "writing %s: %s", script, strerror(errno));
        goto out;
    }
    rc = rl_gnuplot_run(gnuplot, script, log, RL_GNUPLOT_TIMEOUT_MS, err);
out:
    if (rc != 0)
        rpt_charts_free(out);
    free(gnuplot);
    free(script);
    free(log);
    return rc;
}

void
rpt_charts_free(rpt_charts_t *c)
{
    free(c->strength);
    free(c->rom);
    free(c->load);
    free(c->quest);
    free(c->curve);
    free(c->variants);
    memset(c, 0, sizeof *c);
}
