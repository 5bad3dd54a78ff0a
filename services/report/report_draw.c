/* The page and text layout shared by the final report (report_pdf.c) and
 * the patient handout (report_handout.c): an A4 PDF surface, pango
 * paragraphs at a size in points, a flow down the page that starts a new
 * page (with the document's own decor: footer, banner) when the next
 * paragraph does not fit. */
#include "report.h"

#include "ruglab/date.h"
#include "ruglab/mem.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *
rpt_T(const rpt_doc_t *d, const char *nl, const char *en)
{
    return d->nl ? nl : en;
}

PangoLayout *
rpt_layout(rpt_doc_t *d, const char *markup, double size, double width)
{
    PangoLayout *l = pango_cairo_create_layout(d->cr);
    /* sizes in points: one user unit is one point (not pango's 96 dpi) */
    pango_cairo_context_set_resolution(pango_layout_get_context(l), 72);
    pango_layout_context_changed(l);
    char *fontname = rl_asprintf("%s %.1f", RPT_FONT, size);
    PangoFontDescription *fd = pango_font_description_from_string(fontname);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    free(fontname);
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_markup(l, markup, -1);
    return l;
}

double
rpt_height(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

void
rpt_new_page(rpt_doc_t *d)
{
    cairo_show_page(d->cr);
    d->page++;
    d->y = RPT_MARGIN_TOP;
    if (d->decor)
        d->decor(d);
}

void
rpt_need(rpt_doc_t *d, double h)
{
    if (d->y + h > RPT_PAGE_H - RPT_MARGIN_BOTTOM && d->y > RPT_MARGIN_TOP + 1)
        rpt_new_page(d);
}

/* Draws l at x offset indent (a new page first when it does not fit). */
static void
s_show(rpt_doc_t *d, PangoLayout *l, double indent, double space_after)
{
    double h = rpt_height(l);
    rpt_need(d, h);
    cairo_move_to(d->cr, RPT_MARGIN_X + indent, d->y);
    pango_cairo_show_layout(d->cr, l);
    d->y += h + space_after;
}

void
rpt_para(rpt_doc_t *d, double size, double indent, double space_after, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *markup = g_markup_vprintf_escaped(fmt, ap);
    va_end(ap);
    PangoLayout *l = rpt_layout(d, markup, size, RPT_WIDTH - indent);
    s_show(d, l, indent, space_after);
    g_object_unref(l);
    g_free(markup);
}

double
rpt_para_height(rpt_doc_t *d, double size, double indent, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *markup = g_markup_vprintf_escaped(fmt, ap);
    va_end(ap);
    PangoLayout *l = rpt_layout(d, markup, size, RPT_WIDTH - indent);
    double h = rpt_height(l);
    g_object_unref(l);
    g_free(markup);
    return h;
}

void
rpt_item(rpt_doc_t *d, double size, double indent, const char *label, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *markup = g_markup_vprintf_escaped(fmt, ap);
    va_end(ap);
    /* the label's column: as wide as "99." at this size */
    double col = size * 1.9;
    PangoLayout *text = rpt_layout(d, markup, size, RPT_WIDTH - indent - col);
    char *lmk = g_markup_printf_escaped("%s", label);
    PangoLayout *lab = rpt_layout(d, lmk, size, col);
    double h = rpt_height(text);
    rpt_need(d, h);
    cairo_move_to(d->cr, RPT_MARGIN_X + indent, d->y);
    pango_cairo_show_layout(d->cr, lab);
    cairo_move_to(d->cr, RPT_MARGIN_X + indent + col, d->y);
    pango_cairo_show_layout(d->cr, text);
    d->y += h + size * 0.25;
    g_object_unref(lab);
    g_object_unref(text);
    g_free(lmk);
    g_free(markup);
}

void
rpt_heading(rpt_doc_t *d, double size, double keep, const char *text)
{
    rpt_need(d, keep); /* keep a heading with what follows */
    d->y += 6;
    rpt_para(d, size, 0, 2, "<b>%s</b>", text);
    cairo_set_line_width(d->cr, 0.5);
    cairo_move_to(d->cr, RPT_MARGIN_X, d->y);
    cairo_line_to(d->cr, RPT_MARGIN_X + RPT_WIDTH, d->y);
    cairo_stroke(d->cr);
    d->y += 4;
}

char *
rpt_date(const rpt_doc_t *d, const char *iso)
{
    rl_date_t dt;
    rl_err_t e;
    if (!iso || rl_date_parse(iso, &dt, &e) != 0)
        return rl_strdup(iso ? iso : "?");
    static const char *mnl[] = {"januari",   "februari", "maart",    "april",
                                "mei",       "juni",     "juli",     "augustus",
                                "september", "oktober",  "november", "december"};
    static const char *men[] = {"January",   "February", "March",    "April",
                                "May",       "June",     "July",     "August",
                                "September", "October",  "November", "December"};
    return d->nl ? rl_asprintf("%d %s %d", dt.day, mnl[dt.month - 1], dt.year)
                 : rl_asprintf("%d %s %d", dt.day, men[dt.month - 1], dt.year);
}

int
rpt_doc_open(rpt_doc_t *d, const char *path, const char *title, rl_err_t *err)
{
    d->page = 1;
    d->y = RPT_MARGIN_TOP;
    d->surface = cairo_pdf_surface_create(path, RPT_PAGE_W, RPT_PAGE_H);
    if (cairo_surface_status(d->surface) != CAIRO_STATUS_SUCCESS) {
        int rc = rl_err_set(err, "cannot write %s: %s", path,
                            cairo_status_to_string(cairo_surface_status(d->surface)));
        cairo_surface_destroy(d->surface);
        d->surface = NULL;
        return rc;
    }
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR,
                                   "ruglab-report " RL_VERSION);
    d->cr = cairo_create(d->surface);
    if (d->decor)
        d->decor(d);
    return 0;
}

int
rpt_doc_close(rpt_doc_t *d, const char *path, int rc, rl_err_t *err)
{
    cairo_show_page(d->cr);
    cairo_destroy(d->cr);
    cairo_surface_finish(d->surface);
    cairo_status_t st = cairo_surface_status(d->surface);
    cairo_surface_destroy(d->surface);
    d->cr = NULL;
    d->surface = NULL;
    if (rc == 0 && st != CAIRO_STATUS_SUCCESS)
        rc = rl_err_set(err, "writing %s: %s", path, cairo_status_to_string(st));
    return rc;
}
