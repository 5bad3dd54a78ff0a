/* The patient handout: the current home programme (m->homeprog) as an A4
 * PDF for the patient to take home, drawn with the letter's page and text
 * layout (report_draw.c). Large type (body 14 pt, headings 18 pt) for
 * readers with poor sight; the patient's name and the page number on
 * every page, since the pages may get separated. Per exercise: its name,
 * how to do it (numbered steps), the variant chosen ("as described" when
 * none), the dose and the points of attention; at the end the site's
 * contact: its name and address and the rehabilitation physician
 * (clinical.site records no phone number). The catalogue's texts are in
 * Dutch and English; the handout is in one of them. */
#include "report.h"

#include "ruglab/mem.h"

#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>

#define S_BODY 14.0  /* points: every text the patient reads */
#define S_TITLE 24.0 /* the handout's title */
#define S_HEAD 18.0  /* an exercise's name, the contact */
#define S_FOOT 10.0  /* the footer */

static void
s_decor(rpt_doc_t *d)
{
    const rpt_model_t *m = d->m;
    char *foot =
        g_markup_printf_escaped("%s — %s %s %s — %s %d", m->site_name ? m->site_name : "",
                                rpt_T(d, "thuisoefeningen van", "home exercises of"), m->given_name,
                                m->family_name, rpt_T(d, "pagina", "page"), d->page);
    PangoLayout *l = rpt_layout(d, foot, S_FOOT, RPT_WIDTH);
    cairo_set_source_rgb(d->cr, 0.3, 0.3, 0.3);
    cairo_move_to(d->cr, RPT_MARGIN_X, RPT_PAGE_H - RPT_MARGIN_BOTTOM + 16);
    pango_cairo_show_layout(d->cr, l);
    cairo_set_source_rgb(d->cr, 0, 0, 0);
    g_object_unref(l);
    g_free(foot);
    d->y = RPT_MARGIN_TOP;
    /* an exercise that runs over a page: its name again, said continued */
    if (d->running)
        rpt_para(d, S_BODY, 0, 8, "<b>%s</b> <i>(%s)</i>", d->running,
                 rpt_T(d, "vervolg", "continued"));
}

static void
s_top(rpt_doc_t *d)
{
    const rpt_model_t *m = d->m;
    if (m->site_name)
        rpt_para(d, S_BODY, 0, 6, "<b>%s</b>", m->site_name);
    rpt_para(d, S_TITLE, 0, 10, "<b>%s</b>",
             rpt_T(d, "Mijn oefeningen voor thuis", "My exercises at home"));
    rpt_para(d, S_BODY, 0, 2, "<b>%s</b> %s %s", rpt_T(d, "Voor:", "For:"), m->given_name,
             m->family_name);
    const char *pname = d->nl || !m->programme_name_en ? m->programme_name : m->programme_name_en;
    rpt_para(d, S_BODY, 0, 2, "<b>%s</b> %s", rpt_T(d, "Programma:", "Programme:"), pname);
    char *today = rpt_date(d, m->today);
    rpt_para(d, S_BODY, 0, 10, "<b>%s</b> %s", rpt_T(d, "Datum:", "Date:"), today);
    free(today);
    rpt_para(d, S_BODY, 0, 6, "%s",
             rpt_T(d,
                   "Doe deze oefeningen thuis, zoals je met je kinesitherapeut hebt afgesproken. "
                   "Heb je vragen, neem dan contact met ons op (zie het einde van dit blad).",
                   "Do these exercises at home, as agreed with your physiotherapist. If you have "
                   "questions, please contact us (see the end of this handout)."));
}

/* A label ("How to do it") kept with the first line of what follows. */
static void
s_label(rpt_doc_t *d, const char *text, double next)
{
    rpt_need(d, S_BODY * 1.6 + next);
    d->y += 4;
    rpt_para(d, S_BODY, 0, 3, "<b>%s</b>", text);
}

static void
s_exercise(rpt_doc_t *d, int number, const rpt_home_item_t *h)
{
    const char *lang = d->nl ? "nl" : "en";
    rl_ex_lang_t l = d->nl ? RL_EX_NL : RL_EX_EN;
    const rl_exercise_t *x = h->exercise;
    char *title = rl_asprintf("%d. %s", number, x->name[l]);
    /* the name stays with its first step */
    double first = rpt_para_height(d, S_BODY, S_BODY * 1.9, "%s", x->steps.item[l][0]);
    rpt_heading(d, S_HEAD, S_HEAD * 2.5 + S_BODY * 1.6 + first, title);
    d->running = title;
    s_label(d, rpt_T(d, "Zo doe je het", "How to do it"), first);
    for (size_t i = 0; i < x->steps.n; i++) {
        char num[24];
        snprintf(num, sizeof num, "%zu.", i + 1);
        rpt_item(d, S_BODY, 0, num, "%s", x->steps.item[l][i]);
    }
    d->y += 4;
    char vname[64], dose[160];
    if (h->variant)
        rpt_para(d, S_BODY, 0, 4, "<b>%s</b> %s — %s", rpt_T(d, "Variant:", "Variant:"),
                 rpt_homeprog_variant_name(h, lang, vname, sizeof vname), h->variant->text[l]);
    else
        rpt_para(d, S_BODY, 0, 4, "<b>%s</b> %s", rpt_T(d, "Variant:", "Variant:"),
                 rpt_T(d, "zoals beschreven", "as described"));
    rpt_para(d, S_BODY, 0, 4, "<b>%s</b> %s", rpt_T(d, "Hoeveel:", "How much:"),
             rpt_homeprog_dose(h, lang, dose, sizeof dose));
    if (x->attention.n > 0) {
        s_label(d, rpt_T(d, "Let op", "Pay attention to"), S_BODY * 1.5);
        for (size_t i = 0; i < x->attention.n; i++)
            rpt_item(d, S_BODY, 0, "•", "%s", x->attention.item[l][i]);
    }
    d->running = NULL;
    free(title);
    d->y += 8;
}

static void
s_contact(rpt_doc_t *d)
{
    const rpt_model_t *m = d->m;
    /* the contact block stays whole */
    rpt_need(d, S_HEAD * 2.5 + S_BODY * 1.4 * 4);
    rpt_heading(d, S_HEAD, 0, rpt_T(d, "Vragen? Neem contact op", "Questions? Contact us"));
    if (m->site_name)
        rpt_para(d, S_BODY, 0, 2, "<b>%s</b>", m->site_name);
    if (m->site_address)
        rpt_para(d, S_BODY, 0, 2, "%s", m->site_address);
    if (m->physician_name)
        rpt_para(d, S_BODY, 0, 2, "%s, %s", m->physician_name,
                 rpt_T(d, "revalidatiearts", "rehabilitation physician"));
}

int
rpt_handout_write(const rpt_model_t *m, const char *lang, const char *path, rl_err_t *err)
{
    rpt_doc_t d = {.m = m, .nl = strcmp(lang, "en") != 0, .decor = s_decor};
    char *title = rl_asprintf("%s %s %s", d.nl ? "Thuisoefeningen" : "Home exercises",
                              m->given_name, m->family_name);
    int rc = rpt_doc_open(&d, path, title, err);
    free(title);
    if (rc != 0)
        return rc;
    s_top(&d);
    for (int i = 0; i < m->homeprog.n; i++)
        s_exercise(&d, i + 1, &m->homeprog.items[i]);
    s_contact(&d);
    return rpt_doc_close(&d, path, 0, err);
}
