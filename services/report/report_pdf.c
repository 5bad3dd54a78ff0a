/* The final report (eindverslag) as an A4 PDF: cairo for the page, pango
 * for text (real, selectable text; DejaVu fonts, embedded as subsets by
 * cairo), librsvg to place gnuplot's SVG charts as vectors. A small flow
 * layout: paragraphs (report_draw.c, shared with the patient handout) and
 * tables go down the page and continue on the next one. Dutch by default,
 * English on request. */
#include "report.h"

#include "ruglab/date.h"
#include "ruglab/insz.h"
#include "ruglab/mem.h"
#include "ruglab/programme.h"
#include "ruglab/questionnaire.h"

#include <assert.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <librsvg/rsvg.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ text */

static void
s_page_decor(rpt_doc_t *d)
{
    cairo_t *cr = d->cr;
    /* footer */
    char *foot = rl_asprintf("%s — %s %s, %s — %s %d", d->m->site_name ? d->m->site_name : "",
                             rpt_T(d, "eindverslag", "final report"), d->m->family_name,
                             d->m->given_name, rpt_T(d, "pagina", "page"), d->page);
    char *esc = g_markup_escape_text(foot, -1);
    PangoLayout *l = rpt_layout(d, esc, 8, RPT_WIDTH);
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    cairo_move_to(cr, RPT_MARGIN_X, RPT_PAGE_H - RPT_MARGIN_BOTTOM + 20);
    pango_cairo_show_layout(cr, l);
    g_object_unref(l);
    g_free(esc);
    free(foot);
    if (d->draft) {
        /* a banner at the top and a watermark across the page */
        const char *banner = rpt_T(d, "ONTWERP — niet verzenden", "DRAFT — do not send");
        char *mk = rl_asprintf("<b>%s</b>", banner);
        l = rpt_layout(d, mk, 10, RPT_WIDTH);
        pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
        cairo_set_source_rgb(cr, 0.7, 0.0, 0.0);
        cairo_move_to(cr, RPT_MARGIN_X, 22);
        pango_cairo_show_layout(cr, l);
        g_object_unref(l);
        free(mk);
        cairo_save(cr);
        cairo_translate(cr, RPT_PAGE_W / 2, RPT_PAGE_H / 2);
        cairo_rotate(cr, -M_PI / 4);
        l = rpt_layout(d, rpt_T(d, "ONTWERP", "DRAFT"), 120, 600);
        pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
        cairo_set_source_rgba(cr, 0.85, 0.1, 0.1, 0.12);
        /* outlines, not text: the watermark must not mix into the
         * letter's searchable text */
        cairo_move_to(cr, -300, -rpt_height(l) / 2);
        pango_cairo_layout_path(cr, l);
        cairo_fill(cr);
        g_object_unref(l);
        cairo_restore(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    d->y = RPT_MARGIN_TOP;
}

static void
s_heading(rpt_doc_t *d, const char *text)
{
    rpt_heading(d, 11.5, 60, text);
}

/* A table: cells are plain text (escaped here); row 0 is the header. */
typedef struct {
    int ncols;
    const double *widths; /* fractions of the width */
    char **cells;         /* nrows x ncols, owned */
    int nrows;
    int num_from; /* columns from here on are numbers: right-aligned */
} s_table_t;

static void
s_table_row(s_table_t *t, ...)
{
    t->cells = rl_realloc(t->cells, (size_t)(t->nrows + 1) * (size_t)t->ncols * sizeof(char *));
    va_list ap;
    va_start(ap, t);
    for (int c = 0; c < t->ncols; c++) {
        const char *s = va_arg(ap, const char *);
        t->cells[t->nrows * t->ncols + c] = rl_strdup(s ? s : "");
    }
    va_end(ap);
    t->nrows++;
}

/* The layouts of one row of a table; the header (row 0) in bold, never
 * hyphenated and wrapped at word boundaries only. Returns the height. */
static double
s_table_layout_row(rpt_doc_t *d, const s_table_t *t, int r, double size, PangoLayout **out)
{
    double h = 0;
    for (int c = 0; c < t->ncols; c++) {
        char *esc = g_markup_escape_text(t->cells[r * t->ncols + c], -1);
        char *mk = r == 0 ? rl_asprintf("<span insert_hyphens=\"false\"><b>%s</b></span>", esc)
                          : rl_asprintf("<span insert_hyphens=\"false\">%s</span>", esc);
        out[c] = rpt_layout(d, mk, size, t->widths[c] * RPT_WIDTH - 4);
        if (r == 0)
            pango_layout_set_wrap(out[c], PANGO_WRAP_WORD);
        if (c >= t->num_from)
            pango_layout_set_alignment(out[c], PANGO_ALIGN_RIGHT);
        double ch = rpt_height(out[c]);
        h = ch > h ? ch : h;
        free(mk);
        g_free(esc);
    }
    return h;
}

static void
s_table_show_row(rpt_doc_t *d, const s_table_t *t, int r, PangoLayout **cells, double h)
{
    if (r % 2 == 1) { /* every other data row shaded */
        cairo_set_source_rgb(d->cr, 0.94, 0.94, 0.94);
        cairo_rectangle(d->cr, RPT_MARGIN_X, d->y - 1, RPT_WIDTH, h + 2);
        cairo_fill(d->cr);
        cairo_set_source_rgb(d->cr, 0, 0, 0);
    }
    double x = RPT_MARGIN_X;
    for (int c = 0; c < t->ncols; c++) {
        cairo_move_to(d->cr, x + (c >= t->num_from ? -2 : 2), d->y);
        pango_cairo_show_layout(d->cr, cells[c]);
        x += t->widths[c] * RPT_WIDTH;
    }
    d->y += h + 2;
    if (r == 0) {
        cairo_set_line_width(d->cr, 0.4);
        cairo_move_to(d->cr, RPT_MARGIN_X, d->y);
        cairo_line_to(d->cr, RPT_MARGIN_X + RPT_WIDTH, d->y);
        cairo_stroke(d->cr);
        d->y += 1;
    }
}

/* Draws the table and frees its cells. Page breaks by rpt_table_plan: no
 * header alone at a page's foot, two rows at least on every page of the
 * table, the header repeated on each, and the second row of a direction
 * (first cell empty) never separated from the first. */
static void
s_table_draw(rpt_doc_t *d, s_table_t *t, double size)
{
    int nr = t->nrows, nc = t->ncols;
    assert(nc <= 16 && nr >= 1);
    PangoLayout **cells = rl_calloc((size_t)nr * (size_t)nc, sizeof *cells);
    double *h = rl_calloc((size_t)nr, sizeof *h);
    double *rows_h = rl_calloc((size_t)nr, sizeof *rows_h);
    bool *keep = rl_calloc((size_t)nr, sizeof *keep);
    bool *brk = rl_calloc((size_t)nr, sizeof *brk);
    for (int r = 0; r < nr; r++) {
        h[r] = s_table_layout_row(d, t, r, size, cells + r * nc);
        if (r > 0) {
            rows_h[r - 1] = h[r] + 2;
            keep[r - 1] = r > 1 && t->cells[r * nc][0] == '\0';
        }
    }
    rpt_table_plan(rows_h, keep, nr - 1, h[0] + 3, d->y, RPT_MARGIN_TOP,
                   RPT_PAGE_H - RPT_MARGIN_BOTTOM, brk);
    if (nr > 1 && brk[0])
        rpt_new_page(d);
    s_table_show_row(d, t, 0, cells, h[0]);
    for (int r = 1; r < nr; r++) {
        if (r > 1 && brk[r - 1]) {
            rpt_new_page(d);
            s_table_show_row(d, t, 0, cells, h[0]);
        }
        s_table_show_row(d, t, r, cells + r * nc, h[r]);
    }
    d->y += 6;
    for (int i = 0; i < nr * nc; i++) {
        g_object_unref(cells[i]);
        free(t->cells[i]);
    }
    free(cells);
    free(h);
    free(rows_h);
    free(keep);
    free(brk);
    free(t->cells);
    t->cells = NULL;
    t->nrows = 0;
}

/* An SVG chart and its height across the text width; NULL with err. */
static RsvgHandle *
s_svg_open(const char *path, double *height, rl_err_t *err)
{
    GError *gerr = NULL;
    RsvgHandle *h = rsvg_handle_new_from_file(path, &gerr);
    if (!h) {
        rl_err_set(err, "reading chart %s: %s", path, gerr ? gerr->message : "?");
        g_clear_error(&gerr);
        return NULL;
    }
    gdouble w = 0, hh = 0;
    if (!rsvg_handle_get_intrinsic_size_in_pixels(h, &w, &hh) || w <= 0 || hh <= 0) {
        w = 620;
        hh = 250;
    }
    *height = hh * (RPT_WIDTH / w);
    return h;
}

/* An SVG chart across the text width; with keep_with (NULL: none), on a
 * page where that chart fits below it too. */
static int
s_svg(rpt_doc_t *d, const char *path, const char *keep_with, rl_err_t *err)
{
    double height, next = 0;
    RsvgHandle *h = s_svg_open(path, &height, err);
    if (!h)
        return -1;
    if (keep_with) {
        RsvgHandle *k = s_svg_open(keep_with, &next, err);
        if (!k) {
            g_object_unref(h);
            return -1;
        }
        g_object_unref(k);
        next += 8;
    }
    rpt_need(d, height + 6 + next);
    GError *gerr = NULL;
    RsvgRectangle vp = {RPT_MARGIN_X, d->y, RPT_WIDTH, height};
    gboolean ok = rsvg_handle_render_document(h, d->cr, &vp, &gerr);
    g_object_unref(h);
    if (!ok) {
        rl_err_set(err, "drawing chart %s: %s", path, gerr ? gerr->message : "?");
        g_clear_error(&gerr);
        return -1;
    }
    d->y += height + 8;
    return 0;
}

/* ------------------------------------------------------------ content */

static const char *s_dir_nl[RL_DIR_COUNT] = {NULL,
                                             "extensie",
                                             "flexie",
                                             "lateroflexie links",
                                             "lateroflexie rechts",
                                             "rotatie links",
                                             "rotatie rechts"};
static const char *s_dir_en[RL_DIR_COUNT] = {NULL,
                                             "extension",
                                             "flexion",
                                             "lateral flexion left",
                                             "lateral flexion right",
                                             "rotation left",
                                             "rotation right"};

static const char *
s_dir(const rpt_doc_t *d, int k)
{
    return d->nl ? s_dir_nl[k] : s_dir_en[k];
}

static const char *
s_missing(const rpt_doc_t *d)
{
    return rpt_T(d, "ontbreekt", "missing");
}

static const char *
s_signed(double v, int decimals, const char *missing_text)
{
    static _Thread_local char bufs[8][48];
    static _Thread_local int next;
    if (isnan(v))
        return missing_text;
    char *b = bufs[next++ % 8];
    const char *s = rpt_num(v, decimals, missing_text);
    snprintf(b, sizeof bufs[0], "%s%s", s[0] == '-' || !strcmp(s, "0.0") ? "" : "+", s);
    return b;
}

static const char *
s_pct(double v, const char *missing_text)
{
    static _Thread_local char bufs[8][48];
    static _Thread_local int next;
    if (isnan(v))
        return missing_text;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s %%", s_signed(v, 1, missing_text));
    return b;
}

static const char *
s_pct_plain(double v, const char *missing_text)
{
    static _Thread_local char bufs[8][48];
    static _Thread_local int next;
    if (isnan(v))
        return missing_text;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s %%", rpt_num(v, 0, missing_text));
    return b;
}

static void
s_header(rpt_doc_t *d)
{
    const rpt_model_t *m = d->m;
    rpt_para(d, 15, 0, 1, "<b>%s</b>", m->site_name ? m->site_name : "");
    if (m->site_address)
        rpt_para(d, 8.5, 0, 1, "%s", m->site_address);
    if (m->physician_name)
        rpt_para(d, 8.5, 0, 1, "%s, %s%s%s", m->physician_name,
                 rpt_T(d, "revalidatiearts", "rehabilitation physician"),
                 m->physician_riziv ? rpt_T(d, ", RIZIV ", ", RIZIV/INAMI ") : "",
                 m->physician_riziv ? m->physician_riziv : "");
    d->y += 10;

    /* the GP as recipient, on the right */
    double y0 = d->y;
    char *addr;
    if (m->gp_family_name)
        addr = g_markup_printf_escaped(
            "<b>%s</b>\nDr. %s %s\n%s\n%s %s\nRIZIV %s", rpt_T(d, "Aan de huisarts", "To the GP"),
            m->gp_given_name, m->gp_family_name, m->gp_address ? m->gp_address : "",
            m->gp_postal_code ? m->gp_postal_code : "", m->gp_city ? m->gp_city : "",
            m->gp_riziv ? m->gp_riziv : "");
    else
        addr =
            g_markup_printf_escaped("<b>%s</b>\n%s", rpt_T(d, "Aan de huisarts", "To the GP"),
                                    rpt_T(d, "(geen huisarts geregistreerd)", "(no GP recorded)"));
    PangoLayout *l = rpt_layout(d, addr, 10, RPT_WIDTH * 0.45);
    cairo_move_to(d->cr, RPT_MARGIN_X + RPT_WIDTH * 0.55, y0);
    pango_cairo_show_layout(d->cr, l);
    double h = rpt_height(l);
    g_object_unref(l);
    g_free(addr);
    char *today = rpt_date(d, m->today);
    char *when = g_markup_printf_escaped("%s %s", rpt_T(d, "Datum:", "Date:"), today);
    l = rpt_layout(d, when, 10, RPT_WIDTH * 0.5);
    cairo_move_to(d->cr, RPT_MARGIN_X, y0);
    pango_cairo_show_layout(d->cr, l);
    g_object_unref(l);
    g_free(when);
    free(today);
    d->y = y0 + h + 14;

    /* the title follows the programme's body region (clinical.programme.
     * body_region, deploy/sql/704; the rule the device results and the
     * indication below follow too): a cervical programme is a neck school
     * (the built-in nekschool-12, a site's own added with --region
     * cervical), every lumbar one a back rehabilitation */
    if (m->body_region == RL_REGION_CERVICAL)
        rpt_para(d, 14, 0, 8, "<b>%s</b>",
                 rpt_T(d, "Eindverslag nekschool", "Final report: neck school"));
    else
        rpt_para(d, 14, 0, 8, "<b>%s</b>",
                 rpt_T(d, "Eindverslag multidisciplinaire rugrevalidatie",
                       "Final report: multidisciplinary back rehabilitation"));

    rl_insz_t insz;
    rl_err_t e;
    char ibuf[RL_INSZ_FORMATTED_SIZE];
    const char *insz_text = m->insz;
    if (m->insz && rl_insz_validate(m->insz, &insz, &e) == 0)
        insz_text = rl_insz_format(&insz, ibuf);
    char *dob = rpt_date(d, m->date_of_birth);
    rpt_para(d, 10, 0, 1, "<b>%s:</b> %s %s, %s %s", rpt_T(d, "Patiënt", "Patient"), m->given_name,
             m->family_name, rpt_T(d, "geboren op", "born"), dob);
    free(dob);
    rpt_para(d, 10, 0, 1, "<b>INSZ:</b> %s", insz_text ? insz_text : "?");
    if (m->address)
        rpt_para(d, 10, 0, 1, "<b>%s:</b> %s, %s %s", rpt_T(d, "Adres", "Address"), m->address,
                 m->postal_code ? m->postal_code : "", m->city ? m->city : "");
    d->y += 8;
}

static void
s_programme(rpt_doc_t *d)
{
    const rpt_model_t *m = d->m;
    rpt_para(d, 10, 0, 6, "%s", rpt_T(d, "Geachte collega,", "Dear colleague,"));
    char *start = rpt_date(d, m->start_date);
    char *end =
        m->end_date ? rpt_date(d, m->end_date) : rl_strdup(rpt_T(d, "(loopt nog)", "(running)"));
    bool fedris = m->route && !strcmp(m->route, "fedris");
    /* a preventive participant: no rule of 558994 applies (programme.h) */
    rl_route_t route = RL_ROUTE_RIZIV;
    bool outside_riziv =
        m->route && rl_route_parse(m->route, &route) == 0 && !rl_route_under_riziv(route);
    /* the programme's name in the letter's language; a name that exists in
     * Dutch only is given as it is and said to be the programme's own */
    const char *pname = d->nl || !m->programme_name_en ? m->programme_name : m->programme_name_en;
    rpt_para(d, 10, 0, 4,
             d->nl ? "Uw patiënt(e) volgde van %s tot %s het programma «%s» (%s)."
                   : "Your patient followed the programme “%s” from %s to %s (%s).",
             d->nl ? start : pname, d->nl ? end : start, d->nl ? pname : end,
             fedris ? rpt_T(d, "Fedris-preventieprogramma lage rugpijn",
                            "Fedris low back pain prevention programme")
             : outside_riziv
                 ? rpt_T(d, "preventieve deelname", "preventive participation")
                 : rpt_T(d, "RIZIV-nomenclatuur 558994", "RIZIV/INAMI nomenclature 558994"));
    if (outside_riziv)
        rpt_para(
            d, 10, 0, 4, "%s",
            rpt_T(d,
                  "Preventieve deelname zonder klachten: de regels van RIZIV-nomenclatuur 558994 "
                  "zijn niet van toepassing en de sessies worden niet terugbetaald.",
                  "Preventive participation without complaints: the rules of RIZIV/INAMI "
                  "nomenclature 558994 do not apply and the sessions are not reimbursed."));
    if (!d->nl && !m->programme_name_en)
        rpt_para(d, 8.5, 0, 4, "%s",
                 "(The programme's name is given as the hospital registered it, in Dutch.)");
    free(start);
    free(end);
    if (outside_riziv) {
        rpt_para(d, 10, 0, 4, "<b>%s:</b> %s.", rpt_T(d, "Indicatie", "Indication"),
                 rpt_T(d, "niet vereist (preventieve deelname)",
                       "not required (preventive participation)"));
    } else if (m->indication && !strcmp(m->indication, "post_surgery")) {
        char *op = rpt_date(d, m->surgery_date);
        rpt_para(d, 10, 0, 4, "<b>%s:</b> %s %s.", rpt_T(d, "Indicatie", "Indication"),
                 m->body_region == RL_REGION_CERVICAL
                     ? rpt_T(d, "revalidatie binnen 3 maanden na een nekoperatie op",
                             "rehabilitation within 3 months of neck surgery on")
                     : rpt_T(d, "revalidatie binnen 3 maanden na een rugoperatie op",
                             "rehabilitation within 3 months of spinal surgery on"),
                 op);
        free(op);
    } else {
        char *since = m->pain_since ? rpt_date(d, m->pain_since) : NULL;
        /* the pain of the programme's body region: a neck school's
         * patient has neck pain, not back pain */
        bool neck = m->body_region == RL_REGION_CERVICAL;
        rpt_para(
            d, 10, 0, 4, "<b>%s:</b> %s%s%s.", rpt_T(d, "Indicatie", "Indication"),
            neck ? rpt_T(d, "chronische niet-specifieke mechanische nekpijn (langer dan 6 weken)",
                         "chronic non-specific mechanical neck pain (longer than 6 weeks)")
                 : rpt_T(d, "chronische niet-specifieke mechanische rugpijn (langer dan 6 weken)",
                         "chronic non-specific mechanical back pain (longer than 6 weeks)"),
            since ? rpt_T(d, ", pijn sinds ", ", pain since ") : "", since ? since : "");
        free(since);
    }
    rpt_para(d, 10, 0, 4,
             d->nl ? "<b>Aanwezigheid:</b> %d van de %d geplande sessies bijgewoond (%d van de %d "
                     "oefensessies, %d van de %d informatiesessies); %d keer%s afwezig zonder "
                     "verwittiging, %d sessie%s geannuleerd."
                   : "<b>Attendance:</b> %d of %d planned sessions attended (%d of %d exercise "
                     "sessions, %d of %d information sessions); %d no-show%s without notice, %d "
                     "session%s cancelled.",
             rpt_attended_of_planned(m), m->planned_sessions, m->attended_exercise,
             m->planned_exercise, m->attended_information, m->planned_information, m->no_shows,
             d->nl ? "" : (m->no_shows == 1 ? "" : "s"), m->cancellations,
             m->cancellations == 1 ? "" : "s");
    int extra_ex =
        m->attended_exercise > m->planned_exercise ? m->attended_exercise - m->planned_exercise : 0;
    int extra_info = m->attended_information > m->planned_information
                         ? m->attended_information - m->planned_information
                         : 0;
    if (extra_ex > 0 || extra_info > 0) {
        char a[96] = "", b[96] = "";
        if (extra_ex > 0)
            snprintf(a, sizeof a, d->nl ? "%d oefensessie%s" : "%d exercise session%s", extra_ex,
                     extra_ex == 1 ? "" : "s");
        if (extra_info > 0)
            snprintf(b, sizeof b, d->nl ? "%d informatiesessie%s" : "%d information session%s",
                     extra_info, extra_info == 1 ? "" : "s");
        rpt_para(d, 10, 0, 4, "%s %s%s%s %s",
                 rpt_T(d, extra_ex + extra_info == 1 ? "Daarnaast werd" : "Daarnaast werden",
                       "Besides, the patient attended"),
                 a, a[0] && b[0] ? rpt_T(d, " en ", " and ") : "", b,
                 rpt_T(d, "meer dan gepland bijgewoond.", "more than planned."));
    }
    for (int i = 0; i < m->n_warnings; i++) {
        char text[320];
        rpt_para(d, 10, 12, 2, "%s %s",
                 rpt_T(d, "Opmerking bij de aanwezigheid:", "Attendance note:"),
                 rpt_warning_text(m, i, d->nl ? "nl" : "en", text, sizeof text));
    }
    char *done = rpt_completion_text(m, d->nl ? "nl" : "en");
    rpt_para(d, 10, 0, 4, "%s", done);
    free(done);
    char *work = rpt_work_status_text(m, d->nl ? "nl" : "en");
    if (work) /* only when recorded: letters without it stay as they were */
        rpt_para(d, 10, 0, 4, "%s", work);
    free(work);
}

/* "+24.0 % *": a change in % with the real-change mark of the letter's
 * legend (* real change, ~ within the test noise). */
static const char *
s_pct_marked(const rpt_doc_t *d, rl_direction_t dir, const rpt_tp3_t *x, const char *missing_text)
{
    static _Thread_local char bufs[8][64];
    static _Thread_local int next;
    rl_measures_change_t c = rpt_change(x);
    if (isnan(c.pct))
        return missing_text;
    char *b = bufs[next++ % 8];
    int real = rpt_real_change(d->m, dir, x);
    snprintf(b, sizeof bufs[0], "%s%s", s_pct(c.pct, missing_text),
             real == 1   ? " *"
             : real == 0 ? " ~"
                         : "");
    return b;
}

/* The legend of the marks, with the smallest real difference used per
 * direction and where it comes from (the centre's own test-retest data,
 * else the default). */
static void
s_real_change_legend(rpt_doc_t *d)
{
    const rpt_model_t *m = d->m;
    char srd[512] = "";
    bool any_site = false, any_default = false;
    for (int k = RL_DIR_FIRST; k < RL_DIR_COUNT; k++) {
        any_site |= m->srd_site[k];
        any_default |= !m->srd_site[k];
    }
    if (!any_site) {
        snprintf(srd, sizeof srd, "%s %% %s", rpt_num(m->srd.pct[RL_DIR_FIRST], 0, "?"),
                 rpt_T(d, "(standaardwaarde)", "(default)"));
    } else {
        for (int k = RL_DIR_FIRST; k < RL_DIR_COUNT; k++)
            if (m->srd_site[k])
                snprintf(srd + strlen(srd), sizeof srd - strlen(srd), "%s%s %s %%",
                         srd[0] ? ", " : "", s_dir(d, k), rpt_num(m->srd.pct[k], 0, "?"));
        snprintf(srd + strlen(srd), sizeof srd - strlen(srd), " %s",
                 rpt_T(d, "(test-hertestgegevens van het centrum)",
                       "(the centre's own test-retest data)"));
        if (any_default)
            snprintf(srd + strlen(srd), sizeof srd - strlen(srd), "; %s %s %% %s",
                     rpt_T(d, "de andere richtingen", "the other directions"),
                     rpt_num(RL_MEASURES_SRD_DEFAULT_PCT, 0, "?"),
                     rpt_T(d, "(standaardwaarde)", "(default)"));
    }
    rpt_para(
        d, 8.5, 0, 3, "%s %s.",
        rpt_T(d,
              "* echte verandering: het verschil tussen begin en einde is minstens het kleinste "
              "reële verschil van de test; ~ binnen de meetfout van de test: geen echte "
              "verandering. Kleinste reële verschil:",
              "* real change: the change from start to end is at least the test's smallest real "
              "difference; ~ within the test's measurement error: not a real change. Smallest "
              "real difference:"),
        srd);
}

/* "Tests: start DATE; mid DATE; end DATE." */
static void
s_device_dates(rpt_doc_t *d)
{
    char occ[3][96];
    for (int tp = 0; tp < RPT_NTP; tp++) {
        const rpt_occasion_t *o = &d->m->occasion[tp];
        snprintf(occ[tp], sizeof occ[tp], "%s", o->present ? o->date : s_missing(d));
    }
    rpt_para(d, 8.5, 0, 4, "%s: %s %s; %s %s; %s %s.", rpt_T(d, "Testen", "Tests"),
             rpt_T(d, "begin", "start"), occ[0], rpt_T(d, "midden", "mid"), occ[1],
             rpt_T(d, "einde", "end"), occ[2]);
}

/* The two rows of one direction: torque, then range of motion (first
 * cell empty: kept with the row above), with % of reference at the last
 * test done. */
static void
s_device_rows(rpt_doc_t *d, s_table_t *t, int k)
{
    const rpt_direction_t *x = &d->m->dirs[k];
    const char *miss = "—";
    rl_measures_change_t c = rpt_change(&x->torque_nm);
    int last = !isnan(x->torque_nm.v[RPT_END])   ? RPT_END
               : !isnan(x->torque_nm.v[RPT_MID]) ? RPT_MID
                                                 : RPT_START;
    char ref[32], rref[32];
    snprintf(ref, sizeof ref, "%s", s_pct_plain(x->pct_ref.v[last], miss));
    snprintf(rref, sizeof rref, "%s", s_pct_plain(x->rom_pct_ref.v[last], miss));
    s_table_row(t, s_dir(d, k), rpt_T(d, "kracht (N·m)", "torque (N·m)"),
                rpt_num(x->torque_nm.v[0], 1, miss), rpt_num(x->torque_nm.v[1], 1, miss),
                rpt_num(x->torque_nm.v[2], 1, miss), s_signed(c.absolute, 1, miss),
                s_pct_marked(d, x->dir, &x->torque_nm, miss), ref);
    c = rpt_change(&x->rom_deg);
    s_table_row(t, "", rpt_T(d, "uitslag (°)", "range (°)"), rpt_num(x->rom_deg.v[0], 1, miss),
                rpt_num(x->rom_deg.v[1], 1, miss), rpt_num(x->rom_deg.v[2], 1, miss),
                s_signed(c.absolute, 1, miss), s_pct_marked(d, x->dir, &x->rom_deg, miss), rref);
}

/* The flexion/extension ratio and the left/right asymmetries. */
static void
s_device_balance_rows(rpt_doc_t *d, s_table_t *t)
{
    const char *miss = "—";
    rpt_tp3_t ratio, asym_lf, asym_rot;
    rpt_balance(d->m, &ratio, &asym_lf, &asym_rot);
    s_table_row(t, rpt_T(d, "flexie/extensie", "flexion/extension"),
                rpt_T(d, "krachtratio", "ratio"), rpt_num(ratio.v[0], 2, miss),
                rpt_num(ratio.v[1], 2, miss), rpt_num(ratio.v[2], 2, miss), "", "", "");
    s_table_row(t, rpt_T(d, "lateroflexie L/R", "lateral flexion L/R"),
                rpt_T(d, "asymmetrie (%)", "asymmetry (%)"), rpt_num(asym_lf.v[0], 1, miss),
                rpt_num(asym_lf.v[1], 1, miss), rpt_num(asym_lf.v[2], 1, miss), "", "", "");
    s_table_row(t, rpt_T(d, "rotatie L/R", "rotation L/R"),
                rpt_T(d, "asymmetrie (%)", "asymmetry (%)"), rpt_num(asym_rot.v[0], 1, miss),
                rpt_num(asym_rot.v[1], 1, miss), rpt_num(asym_rot.v[2], 1, miss), "", "", "");
}

static void
s_device_table(rpt_doc_t *d)
{
    const rpt_model_t *m = d->m;
    /* the % of reference column only when a reference exists */
    static const double w8[] = {0.2, 0.15, 0.095, 0.095, 0.095, 0.105, 0.125, 0.135};
    static const double w7[] = {0.22, 0.17, 0.1, 0.1, 0.1, 0.14, 0.16};
    s_table_t t = {m->has_reference ? 8 : 7, m->has_reference ? w8 : w7, NULL, 0, 2};
    s_table_row(&t, rpt_T(d, "richting", "direction"), rpt_T(d, "meting", "measure"),
                rpt_T(d, "begin", "start"), rpt_T(d, "midden", "mid"), rpt_T(d, "einde", "end"),
                rpt_T(d, "verschil", "change"), rpt_T(d, "verschil %", "change %"),
                rpt_T(d, "% referentie", "% reference"));
    for (int k = RL_DIR_FIRST; k < RL_DIR_COUNT; k++)
        if (m->dirs[k].measured)
            s_device_rows(d, &t, k);
    s_device_balance_rows(d, &t);
    s_table_draw(d, &t, 8.5);
}

/* where the reference values come from, under the table */
static void
s_reference_note(rpt_doc_t *d)
{
    const rpt_model_t *m = d->m;
    if (!m->has_reference) {
        rpt_para(d, 8.5, 0, 3, "%s",
                 rpt_T(d, "% referentie: geen referentietabel beschikbaar voor dit toestel.",
                       "% of reference: no reference table is available for this device."));
        return;
    }
    if (!m->reference_validated)
        rpt_para(d, 9, 0, 3, "<b>%s</b>",
                 rpt_T(d,
                       "Let op: de referentiewaarden komen uit een tabel die niet als gevalideerd "
                       "is aangemerkt. Alleen een ontwerp toont ze; een definitief verslag niet.",
                       "Caution: the reference values come from a table that is not marked "
                       "validated. Only a draft shows them; a final report does not."));
    rpt_para(d, 8.5, 0, 3, "%s %s; %s %s; %s %s. %s",
             rpt_T(d,
                   "% referentie: bij de laatste test, tegenover de referentiewaarden voor "
                   "geslacht en leeftijd. Bron:",
                   "% of reference: at the last test, against the reference values for sex and "
                   "age. Source:"),
             m->reference_citation ? m->reference_citation : "?",
             rpt_T(d, "toestel", "device model"), m->reference_model ? m->reference_model : "?",
             rpt_T(d, "populatie:", "population:"),
             m->reference_population ? m->reference_population : "?",
             rpt_T(d, "Referentiewaarden gelden alleen voor het toestel waarop ze gemeten zijn.",
                   "Reference values hold only for the device model they were measured on."));
}

/* the effort check: the tests whose coefficient of variation is high */
static void
s_effort_note(rpt_doc_t *d)
{
    const rpt_model_t *m = d->m;
    char high[512] = "";
    for (int k = RL_DIR_FIRST; k < RL_DIR_COUNT; k++)
        for (int tp = 0; tp < RPT_NTP; tp++) {
            double cv = m->dirs[k].cv_pct.v[tp];
            if (!isnan(cv) && cv > RL_MEASURES_CV_NORMAL_MAX_PCT)
                snprintf(high + strlen(high), sizeof high - strlen(high), "%s%s %s (%.1f %%)",
                         high[0] ? ", " : "", s_dir(d, k), rpt_tp_label(tp, d->nl ? "nl" : "en"),
                         cv);
        }
    if (high[0])
        rpt_para(d, 8.5, 0, 3, "%s %s.",
                 rpt_T(d, "Inspanningscontrole: variatiecoëfficiënt boven 15 % bij",
                       "Effort check: coefficient of variation above 15 % for"),
                 high);
    else
        rpt_para(d, 8.5, 0, 3, "%s",
                 rpt_T(d,
                       "Inspanningscontrole: variatiecoëfficiënt over de pogingen ≤ 15 % bij elke "
                       "test (normale inspanning).",
                       "Effort check: coefficient of variation across trials ≤ 15 % in every test "
                       "(normal effort)."));
}

/* training load progression: heaviest set, first and last training day */
static void
s_load_notes(rpt_doc_t *d)
{
    const rpt_model_t *m = d->m;
    for (int k = RL_DIR_FIRST; k < RL_DIR_COUNT; k++) {
        const rpt_load_t *first = NULL, *last = NULL;
        for (int i = 0; i < m->n_load; i++)
            if ((int)m->load[i].dir == k) {
                if (!first)
                    first = &m->load[i];
                last = &m->load[i];
            }
        if (!first || first == last)
            continue;
        rl_measures_change_t c = rl_measures_change(first->max_load_nm, last->max_load_nm);
        rpt_para(d, 8.5, 0, 2, "%s %s: %s → %s N·m (%s, %s %d → %d).",
                 rpt_T(d, "Trainingsbelasting (zwaarste reeks)", "Training load (heaviest set)"),
                 s_dir(d, k), rpt_num(first->max_load_nm, 1, "?"),
                 rpt_num(last->max_load_nm, 1, "?"), s_pct(c.pct, "?"),
                 rpt_T(d, "trainingsdag", "training day"), first->index, last->index);
    }
}

/* The exercise variants beside the training load: per exercise done in
 * the sessions its name, in how many sessions, and its variant at the
 * first session and wherever it changed ("makkelijker -1 'knees' (sessie
 * 1) -> zoals beschreven (sessie 12) -> ..."). Nothing when no exercise
 * was recorded. */
static void
s_variant_notes(rpt_doc_t *d)
{
    const rpt_model_t *m = d->m;
    if (m->n_variants == 0)
        return;
    rpt_para(
        d, 8.5, 0, 2, "%s",
        rpt_T(d,
              "Oefenvarianten in de sessies (de variant bij de eerste sessie en waar ze "
              "veranderde):",
              "Exercise variants in the sessions (the variant at the first session and where it "
              "changed):"));
    for (int i = 0; i < m->n_variants; i++) {
        const rpt_variant_t *v = &m->variants[i];
        const char *name = d->nl ? v->name_nl : v->name_en;
        int *idx = rl_calloc((size_t)v->n_steps, sizeof *idx);
        int n = rpt_variant_changes(v, idx);
        char *line = rl_asprintf("• %s (%d %s): ", name ? name : v->exercise, v->n_steps,
                                 v->n_steps == 1 ? rpt_T(d, "sessie", "session")
                                                 : rpt_T(d, "sessies", "sessions"));
        for (int k = 0; k < n; k++) {
            const rpt_variant_step_t *st = &v->steps[idx[k]];
            char level[64], *named = NULL;
            rpt_variant_level_text(st->level, d->nl ? "nl" : "en", level, sizeof level);
            if (st->variant)
                named = rl_asprintf(" ‘%s’", st->variant);
            char *next =
                rl_asprintf("%s%s%s%s (%s %d)", line, k ? " → " : "", level, named ? named : "",
                            rpt_T(d, "sessie", "session"), st->session_number);
            free(named);
            free(line);
            line = next;
        }
        rpt_para(d, 8.5, 8, 2, "%s.", line);
        free(line);
        free(idx);
    }
}

static void
s_device(rpt_doc_t *d)
{
    /* the programme's body region: a neck school's results are of its
     * cervical device, and the heading says so (deploy/sql/704) */
    if (d->m->body_region == RL_REGION_CERVICAL)
        s_heading(d, rpt_T(d, "1. Toestelresultaten nek, cervicaal toestel (beste van de pogingen)",
                           "1. Device results, neck: cervical device (best of trials)"));
    else
        s_heading(d, rpt_T(d, "1. Toestelresultaten (beste van de pogingen)",
                           "1. Device results (best of trials)"));
    s_device_dates(d);
    bool any = false;
    for (int k = RL_DIR_FIRST; k < RL_DIR_COUNT; k++)
        any |= d->m->dirs[k].measured;
    if (!any) {
        rpt_para(d, 9, 0, 6, "%s",
                 rpt_T(d, "Er werden geen toesteltesten geregistreerd.",
                       "No device tests were recorded."));
        s_variant_notes(d);
        return;
    }
    s_device_table(d);
    s_real_change_legend(d);
    s_reference_note(d);
    s_effort_note(d);
    s_load_notes(d);
    s_variant_notes(d);
    d->y += 4;
}

static const char *
s_band(const rpt_doc_t *d, int band)
{
    const char *s = rl_questionnaire_band_label((rl_q_band_t)band, d->nl ? "nl" : "en");
    return s ? s : "";
}

/* The NDI's change against its minimal detectable change (10 percentage
 * points) and its MCID (15; Young et al., Spine J 2009). */
static void
s_ndi_paragraph(rpt_doc_t *d, const rpt_questionnaire_t *q)
{
    const rpt_qpoint_t *a = &q->at[RPT_START], *b = &q->at[RPT_END];
    const char *name = "Neck Disability Index";
    if (!a->present)
        return;
    if (!b->present || !q->has_change) {
        rpt_para(d, 9, 0, 3, "%s %s %s %%; %s", name, rpt_T(d, "bij de start", "at the start"),
                 rpt_num(a->score, 1, "?"), rpt_T(d, "geen eindmeting.", "no end measurement."));
        return;
    }
    const char *verdict =
        q->important ? rpt_T(d, "klinisch relevante verbetering (minstens 15 procentpunten)",
                             "clinically important improvement (at least 15 percentage points)")
        : q->detectable
            ? rpt_T(d,
                    "verbetering groter dan de meetfout (minstens 10 procentpunten) maar "
                    "niet klinisch relevant (minder dan 15 procentpunten)",
                    "improvement beyond measurement error (at least 10 percentage "
                    "points) but not clinically important (less than 15)")
        : q->improved ? rpt_T(d, "verbetering binnen de meetfout (minder dan 10 procentpunten)",
                              "improvement within measurement error (less than 10 percentage "
                              "points)")
                      : rpt_T(d, "geen verbetering", "no improvement");
    rpt_para(d, 9, 0, 3, "%s %s %s %%, %s %s %%: %s %s %s, %s.", name,
             rpt_T(d, "bij de start", "at the start"), rpt_num(a->score, 1, "?"),
             rpt_T(d, "bij de eindmeting", "at the end"), rpt_num(b->score, 1, "?"),
             rpt_T(d, "verschil", "change"), s_signed(q->change, 1, "?"),
             rpt_T(d, "procentpunten", "percentage points"), verdict);
}

static void
s_questionnaires(rpt_doc_t *d)
{
    const rpt_model_t *m = d->m;
    s_heading(d, rpt_T(d, "2. Vragenlijsten", "2. Questionnaires"));
    if (m->n_quest == 0) {
        rpt_para(
            d, 9, 0, 6, "%s",
            rpt_T(d,
                  "Er werden geen vragenlijsten ingevuld: pijn en beperking kunnen niet worden "
                  "beoordeeld.",
                  "No questionnaires were completed: pain and disability cannot be assessed."));
        return;
    }
    static const double w[] = {0.17, 0.09, 0.09, 0.09, 0.12, 0.14, 0.3};
    s_table_t t = {7, w, NULL, 0, 1};
    s_table_row(&t, rpt_T(d, "vragenlijst", "questionnaire"), rpt_T(d, "begin", "start"),
                rpt_T(d, "midden", "mid"), rpt_T(d, "einde", "end"), rpt_T(d, "verschil", "change"),
                rpt_T(d, "verschil %", "change %"),
                rpt_T(d, "klinisch relevant (MIC)", "clinically important (MIC)"));
    const char *miss = "—";
    for (int i = 0; i < m->n_quest; i++) {
        const rpt_questionnaire_t *q = &m->quest[i];
        char name[48];
        snprintf(name, sizeof name, "%s%s", q->instrument,
                 !strcmp(rpt_quest_unit(q->instrument), "%") ? " (%)" : "");
        const char *imp = !q->has_change ? miss
                          : !q->has_mic  ? rpt_T(d, "geen MIC", "no MIC")
                          : q->important ? rpt_T(d, "ja", "yes")
                                         : rpt_T(d, "nee", "no");
        int dec = !strcmp(q->instrument, "PSFS") ? 2 : 1;
        s_table_row(&t, name, q->at[0].present ? rpt_num(q->at[0].score, dec, miss) : miss,
                    q->at[1].present ? rpt_num(q->at[1].score, dec, miss) : miss,
                    q->at[2].present ? rpt_num(q->at[2].score, dec, miss) : miss,
                    q->has_change ? s_signed(q->change, dec, miss) : miss,
                    q->has_change ? s_pct(q->change_pct, miss) : miss, imp);
    }
    s_table_draw(d, &t, 8.5);
    /* interpretation */
    for (int i = 0; i < m->n_quest; i++) {
        const rpt_questionnaire_t *q = &m->quest[i];
        if (!strcmp(q->instrument, "ODI")) {
            const rpt_qpoint_t *a = &q->at[RPT_START], *b = &q->at[RPT_END];
            if (b->present && a->present)
                rpt_para(d, 9, 0, 3, "%s %s %%: %s (%s %s %%: %s).",
                         rpt_T(d, "Oswestry Disability Index bij de eindmeting",
                               "Oswestry Disability Index at the end"),
                         rpt_num(b->score, 1, "?"), s_band(d, b->band),
                         rpt_T(d, "bij de start", "at the start"), rpt_num(a->score, 1, "?"),
                         s_band(d, a->band));
            else if (a->present)
                rpt_para(d, 9, 0, 3, "%s %s %%: %s; %s",
                         rpt_T(d, "Oswestry Disability Index bij de start",
                               "Oswestry Disability Index at the start"),
                         rpt_num(a->score, 1, "?"), s_band(d, a->band),
                         rpt_T(d, "geen eindmeting.", "no end measurement."));
        } else if (!strcmp(q->instrument, "NDI")) {
            s_ndi_paragraph(d, q);
        } else if (!strcmp(q->instrument, "TSK")) {
            int last = q->at[RPT_END].present ? RPT_END : RPT_START;
            if (q->at[last].present)
                rpt_para(d, 9, 0, 3, "TSK-17 (%s): %s.",
                         last == RPT_END ? rpt_T(d, "eindmeting", "end")
                                         : rpt_T(d, "beginmeting", "start"),
                         s_band(d, q->at[last].band));
        }
    }
    rpt_para(
        d, 8.5, 0, 6, "%s",
        rpt_T(d,
              "Klinisch relevant: verbetering van minstens de minimale klinisch belangrijke "
              "verandering (Ostelo 2008: ODI 10 punten, NPRS 2 punten, RMDQ 5 punten, of 30 % "
              "van de beginwaarde; NDI 15 procentpunten, Young 2009).",
              "Clinically important: improvement by at least the minimal important change "
              "(Ostelo 2008: ODI 10 points, NPRS 2 points, RMDQ 5 points, or 30 % of baseline; "
              "NDI 15 percentage points, Young 2009)."));
}

static void
s_side_by_side(rpt_doc_t *d)
{
    const rpt_model_t *m = d->m;
    s_heading(d, rpt_T(d, "3. Toestelresultaten en vragenlijsten naast elkaar",
                       "3. Device results and questionnaire outcomes side by side"));
    static const double w[] = {0.5, 0.5};
    s_table_t t = {2, w, NULL, 0, 2};
    s_table_row(&t, rpt_T(d, "toestel (kracht begin → einde)", "device (strength start → end)"),
                rpt_T(d, "vragenlijsten (begin → einde)", "questionnaires (start → end)"));
    int rows = 0;
    int dirs[RL_DIR_COUNT], nd = 0;
    for (int k = RL_DIR_FIRST; k < RL_DIR_COUNT; k++)
        if (m->dirs[k].measured)
            dirs[nd++] = k;
    rows = nd > m->n_quest ? nd : m->n_quest;
    if (rows == 0)
        rows = 1;
    for (int r = 0; r < rows; r++) {
        char left[160] = "", right[200] = "";
        if (r < nd) {
            const rpt_direction_t *x = &m->dirs[dirs[r]];
            rl_measures_change_t c = rpt_change(&x->torque_nm);
            snprintf(left, sizeof left, "%s: %s → %s N·m (%s)", s_dir(d, dirs[r]),
                     rpt_num(x->torque_nm.v[0], 1, s_missing(d)),
                     rpt_num(x->torque_nm.v[2], 1, s_missing(d)), s_pct(c.pct, s_missing(d)));
        } else if (r == 0) {
            snprintf(left, sizeof left, "%s", rpt_T(d, "geen testen", "no tests"));
        }
        if (r < m->n_quest) {
            const rpt_questionnaire_t *q = &m->quest[r];
            snprintf(right, sizeof right, "%s: %s → %s%s%s", q->instrument,
                     q->at[0].present ? rpt_num(q->at[0].score, 1, "?") : s_missing(d),
                     q->at[2].present ? rpt_num(q->at[2].score, 1, "?") : s_missing(d),
                     q->has_change && q->important
                         ? rpt_T(d, " (klinisch relevant)", " (clinically important)")
                         : "",
                     q->has_change && q->has_mic && !q->important
                         ? rpt_T(d, " (niet klinisch relevant)", " (not clinically important)")
                         : "");
        } else if (r == 0) {
            snprintf(right, sizeof right, "%s",
                     rpt_T(d, "geen vragenlijsten", "no questionnaires"));
        }
        s_table_row(&t, left, right);
    }
    s_table_draw(d, &t, 9);
    rpt_para(
        d, 9, 0, 6, "<i>%s</i>",
        rpt_T(d,
              "Let op: krachtwinst op het toestel is geen maat voor pijn of beperking. "
              "Toestelresultaten en vragenlijsten worden daarom naast elkaar getoond en niet "
              "samengevoegd.",
              "Note: strength gains on the device are not a proxy for pain or disability. Device "
              "results and questionnaire outcomes are therefore shown side by side, not merged."));
}

static void
s_missing_section(rpt_doc_t *d, int *section)
{
    char *lines[16];
    int n = rpt_model_missing(d->m, d->nl ? "nl" : "en", lines, 16);
    if (n == 0)
        return;
    char title[96];
    snprintf(title, sizeof title, "%d. %s", (*section)++,
             rpt_T(d, "Ontbrekende gegevens", "Missing data"));
    s_heading(d, title);
    for (int i = 0; i < n; i++) {
        rpt_para(d, 9, 8, 2, "• %s", lines[i]);
        free(lines[i]);
    }
    d->y += 4;
}

static int
s_charts(rpt_doc_t *d, const rpt_charts_t *c, rl_err_t *err)
{
    /* the exercise variants right after the training load, on its page */
    const char *files[] = {c->strength, c->rom, c->quest, c->load, c->variants, c->curve};
    bool any = false;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        any |= files[i] != NULL;
    if (!any)
        return 0;
    char title[64];
    snprintf(title, sizeof title, "%s", rpt_T(d, "Bijlage: grafieken", "Annex: charts"));
    /* the heading stays with its first chart (about 195 points high) */
    rpt_need(d, 30 + 200);
    s_heading(d, title);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (files[i] && s_svg(d, files[i], files[i] == c->load ? c->variants : NULL, err) != 0)
            return -1;
    return 0;
}

/* Text as written: one paragraph per non-empty line. */
static void
s_paragraphs(rpt_doc_t *d, const char *text)
{
    char *copy = rl_strdup(text);
    char *save = NULL;
    for (char *p = strtok_r(copy, "\n", &save); p; p = strtok_r(NULL, "\n", &save))
        if (*p)
            rpt_para(d, 10, 0, 3, "%s", p);
    free(copy);
}

static void
s_conclusion(rpt_doc_t *d, int *section)
{
    const rpt_model_t *m = d->m;
    char title[64];
    snprintf(title, sizeof title, "%d. %s", (*section)++,
             rpt_T(d, "Besluit en advies", "Conclusion and advice"));
    s_heading(d, title);
    if (m->conclusion && m->conclusion_lang && strcmp(m->conclusion_lang, d->nl ? "nl" : "en")) {
        static const char *names_nl[][2] = {
            {"nl", "het Nederlands"}, {"en", "het Engels"}, {"fr", "het Frans"}};
        static const char *names_en[][2] = {{"nl", "Dutch"}, {"en", "English"}, {"fr", "French"}};
        const char *lname = m->conclusion_lang;
        for (size_t k = 0; k < 3; k++)
            if (!strcmp(m->conclusion_lang, names_nl[k][0]))
                lname = d->nl ? names_nl[k][1] : names_en[k][1];
        rpt_para(
            d, 9, 0, 3, "<i>%s %s%s</i>",
            rpt_T(d, "Het besluit van de arts werd in", "The physician wrote this conclusion in"),
            lname, rpt_T(d, " opgesteld, zoals hieronder.", ", as follows."));
    }
    if (m->conclusion) {
        s_paragraphs(d, m->conclusion);
        /* the advice, when written apart (clinical.conclusion.advice) */
        if (m->advice) {
            d->y += 3;
            rpt_para(d, 10, 0, 2, "<b>%s</b>", rpt_T(d, "Advies", "Advice"));
            s_paragraphs(d, m->advice);
        }
    } else {
        rpt_para(d, 10, 0, 3, "<i>%s</i>",
                 rpt_T(d, "(nog geen besluit van de arts ingevoerd)",
                       "(no conclusion written by the physician yet)"));
    }
    /* the current home programme, in one sentence (nothing when none) */
    char *home = rpt_homeprog_text(&m->homeprog, d->nl ? "nl" : "en");
    if (home) {
        d->y += 3;
        rpt_para(d, 10, 0, 3, "%s", home);
        free(home);
    }
    d->y += 4;
}

static void
s_recipients(rpt_doc_t *d, int *section)
{
    const rpt_model_t *m = d->m;
    bool fedris = m->route && !strcmp(m->route, "fedris");
    char title[64];
    snprintf(title, sizeof title, "%d. %s", (*section)++,
             rpt_T(d, "Bestemmelingen en termijn", "Recipients and deadline"));
    s_heading(d, title);
    char *deadline = NULL;
    if (m->report.has_due) {
        char buf[RL_DATE_STR_SIZE];
        deadline = rpt_date(d, rl_date_format(m->report.due, buf));
    }
    char late[320];
    const char *within = fedris ? rpt_T(d, "1 maand", "1 month") : rpt_T(d, "2 weken", "2 weeks");
    if (deadline && rpt_late_text(m, d->nl ? "nl" : "en", late, sizeof late)[0]) {
        rpt_para(d, 10, 0, 3,
                 d->nl ? "Dit verslag moest binnen %s na het einde van de behandeling bezorgd "
                         "worden, uiterlijk op %s."
                       : "This report was due within %s of the end of treatment, at the latest "
                         "on %s.",
                 within, deadline);
        rpt_para(d, 10, 0, 3, "<b>%s</b> %s", late, rpt_T(d, "Bestemmelingen:", "Recipients:"));
    } else if (deadline) {
        rpt_para(d, 10, 0, 3,
                 d->nl ? "Dit verslag wordt binnen %s na het einde van de behandeling bezorgd, "
                         "uiterlijk op %s, aan:"
                       : "This report is sent within %s of the end of treatment, at the latest "
                         "on %s, to:",
                 within, deadline);
    } else {
        rpt_para(d, 10, 0, 3, "%s %s %s", rpt_T(d, "Termijn: binnen", "Deadline: within"), within,
                 rpt_T(d, "na het einde van de behandeling. Bestemmelingen:",
                       "of the end of treatment. Recipients:"));
    }
    free(deadline);
    char *gp = m->gp_family_name ? rl_asprintf("Dr. %s %s", m->gp_given_name, m->gp_family_name)
                                 : rl_strdup(rpt_T(d, "(niet geregistreerd)", "(not recorded)"));
    rpt_para(d, 10, 8, 2, "• %s: %s",
             rpt_T(d, "de behandelend arts (huisarts)", "the treating physician (GP)"), gp);
    free(gp);
    if (fedris || m->on_sick_leave)
        rpt_para(d, 10, 8, 2, "• %s%s",
                 rpt_T(d, "de adviserend arts van het ziekenfonds",
                       "the advisory physician of the health insurer"),
                 fedris ? ""
                        : rpt_T(d, " (patiënt is arbeidsongeschikt)", " (patient on sick leave)"));
    if (fedris || m->occupational_copy)
        rpt_para(d, 10, 8, 2, "• %s%s", rpt_T(d, "de arbeidsarts", "the occupational physician"),
                 fedris ? ""
                        : rpt_T(d, " (op vraag van de patiënt)", " (at the patient's request)"));
    if (fedris)
        rpt_para(d, 10, 8, 2, "• Fedris (%s)",
                 rpt_T(d, "Federaal agentschap voor beroepsrisico's",
                       "Federal agency for occupational risks"));
    d->y += 10;
    rpt_need(d, 70); /* the greeting stays with the signature */
    rpt_para(d, 10, 0, 2, "%s", rpt_T(d, "Met collegiale groeten,", "Kind regards,"));
    d->y += 18;
    rpt_para(d, 10, 0, 1, "%s", m->physician_name ? m->physician_name : "");
    rpt_para(d, 8.5, 0, 1, "%s", rpt_T(d, "revalidatiearts", "rehabilitation physician"));
}

void
rpt_letter_cleanup(void)
{
    /* pango and fontconfig keep process-wide caches. The font map is let
     * go always; cairo's and fontconfig's static data only when a leak
     * checker asks (RUGLAB_LEAK_CHECK=1, e.g. under valgrind): both abort
     * on an assertion when a font is still referenced by a cache its
     * library frees in its own time, which happened now and then at the
     * exit of a letter that was written well (a crash after a good PDF). */
    pango_cairo_font_map_set_default(NULL);
    const char *check = getenv("RUGLAB_LEAK_CHECK");
    if (check && !strcmp(check, "1")) {
        cairo_debug_reset_static_data();
        FcFini();
    }
}

int
rpt_letter_write(const rpt_model_t *m, const rpt_charts_t *charts, const char *lang, bool draft,
                 const char *path, rl_err_t *err)
{
    rpt_doc_t d = {.m = m, .draft = draft, .nl = strcmp(lang, "en") != 0, .decor = s_page_decor};
    char *title = rl_asprintf("%s %s %s", d.nl ? "Eindverslag" : "Final report", m->given_name,
                              m->family_name);
    int rc = rpt_doc_open(&d, path, title, err);
    free(title);
    if (rc != 0)
        return rc;
    s_header(&d);
    s_programme(&d);
    s_device(&d);
    s_questionnaires(&d);
    s_side_by_side(&d);
    int section = 4;
    s_missing_section(&d, &section);
    s_conclusion(&d, &section);
    s_recipients(&d, &section);
    if (charts)
        rc = s_charts(&d, charts, err);
    return rpt_doc_close(&d, path, rc, err);
}
