/* The home programme in words (report.h, "homeprog"): the dose and the
 * variant as the patient handout and the letter say them, the letter's
 * one sentence naming the programme, and the compare JSON's array. The
 * model's programme is loaded by report_data.c. */
#include "report.h"

#include "ruglab/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
s_nl(const char *lang)
{
    return strcmp(lang, "en") != 0;
}

static rl_ex_lang_t
s_lang(const char *lang)
{
    return s_nl(lang) ? RL_EX_NL : RL_EX_EN;
}

const char *
rpt_homeprog_dose(const rpt_home_item_t *h, const char *lang, char *buf, size_t len)
{
    bool nl = s_nl(lang);
    char what[96];
    if (h->hold > 0)
        snprintf(what, sizeof what, nl ? "%d seconden volhouden" : "hold for %d seconds", h->hold);
    else if (nl)
        snprintf(what, sizeof what, "%d %s van %d %s", h->sets, h->sets == 1 ? "reeks" : "reeksen",
                 h->reps, h->reps == 1 ? "herhaling" : "herhalingen");
    else
        snprintf(what, sizeof what, "%d %s of %d %s", h->sets, h->sets == 1 ? "set" : "sets",
                 h->reps, h->reps == 1 ? "repetition" : "repetitions");
    char often[48];
    if (nl)
        snprintf(often, sizeof often, "%d keer per week", h->per_week);
    else if (h->per_week <= 2)
        snprintf(often, sizeof often, "%s a week", h->per_week == 1 ? "once" : "twice");
    else
        snprintf(often, sizeof often, "%d times a week", h->per_week);
    snprintf(buf, len, "%s, %s", what, often);
    return buf;
}

const char *
rpt_homeprog_variant_name(const rpt_home_item_t *h, const char *lang, char *buf, size_t len)
{
    if (!h->variant)
        return NULL;
    int level = h->variant->level;
    const char *word = rl_exercise_level_word(level, s_lang(lang));
    int step = abs(level);
    if (step > 1)
        snprintf(buf, len, "%s, %s %d", word, s_nl(lang) ? "niveau" : "level", step);
    else
        snprintf(buf, len, "%s", word);
    return buf;
}

/* The variant's text as part of a sentence: first letter small (ASCII),
 * no final full stop. Caller frees. */
static char *
s_inline(const char *text)
{
    char *s = rl_strdup(text);
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' '))
        s[--n] = '\0';
    if (isupper((unsigned char)s[0]))
        s[0] = (char)tolower((unsigned char)s[0]);
    return s;
}

char *
rpt_homeprog_text(const rpt_homeprog_t *hp, const char *lang)
{
    if (hp->n == 0)
        return NULL;
    bool nl = s_nl(lang);
    rl_ex_lang_t l = s_lang(lang);
    char *out = rl_strdup(nl ? "Thuisprogramma: " : "Home programme: ");
    for (int i = 0; i < hp->n; i++) {
        const rpt_home_item_t *h = &hp->items[i];
        char dose[160], vname[64];
        char *variant;
        if (h->variant) {
            char *vt = s_inline(h->variant->text[l]);
            variant = rl_asprintf("%s variant: %s",
                                  rpt_homeprog_variant_name(h, lang, vname, sizeof vname), vt);
            free(vt);
        } else {
            variant = rl_strdup(nl ? "zoals beschreven" : "as described");
        }
        char *next = rl_asprintf("%s%s%s (%s), %s", out, i ? "; " : "", h->exercise->name[l],
                                 variant, rpt_homeprog_dose(h, lang, dose, sizeof dose));
        free(variant);
        free(out);
        out = next;
    }
    char *done = rl_asprintf("%s.", out);
    free(out);
    return done;
}

json_t *
rpt_homeprog_json(const rpt_homeprog_t *hp)
{
    json_t *a = json_array();
    for (int i = 0; i < hp->n; i++) {
        const rpt_home_item_t *h = &hp->items[i];
        json_t *o = json_object();
        json_object_set_new(o, "exercise", json_string(h->exercise->code));
        json_object_set_new(o, "variant", h->variant ? json_string(h->variant->code) : json_null());
        json_object_set_new(o, "level", h->variant ? json_integer(h->variant->level) : json_null());
        json_object_set_new(o, "repetitions", h->hold ? json_null() : json_integer(h->reps));
        json_object_set_new(o, "sets", h->hold ? json_null() : json_integer(h->sets));
        json_object_set_new(o, "hold_seconds", h->hold ? json_integer(h->hold) : json_null());
        json_object_set_new(o, "per_week", json_integer(h->per_week));
        json_object_set_new(
            o, "retired",
            json_boolean(h->exercise->retired || (h->variant && h->variant->retired)));
        json_array_append_new(a, o);
    }
    return a;
}
