/* Questionnaire scoring (see questionnaire.h for the missing-item rules). */
#include "ruglab/questionnaire.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define S_MAX_ITEMS 24

typedef struct {
    rl_instrument_t instrument;
    int n_items;
    int min_value, max_value; /* per item */
    const char *unit;
    double range_min, range_max; /* of the score */
    const char *version;         /* required version, NULL when not versioned */
    double mic_points;           /* 0: no MIC */
    double mic_pct;              /* 0: no relative MIC */
    bool lower_is_better;
    double mdc_points; /* minimal detectable change; 0: none published here */
} s_instrument_t;

static const s_instrument_t s_instruments[] = {
    {RL_INSTRUMENT_NPRS, 1, 0, 10, "points", 0, 10, NULL, 2, 30, true, 0},
    {RL_INSTRUMENT_ODI, 10, 0, 5, "%", 0, 100, "2.1a", 10, 30, true, 0},
    {RL_INSTRUMENT_RMDQ, 24, 0, 1, "points", 0, 24, NULL, 5, 30, true, 0},
    {RL_INSTRUMENT_TSK17, 17, 1, 4, "points", 17, 68, NULL, 0, 0, true, 0},
    {RL_INSTRUMENT_PSFS, 5, 0, 10, "points", 0, 10, NULL, 2, 0, false, 0},
    /* Vernon 1991 scored as a %; MDC 5 and MCID 7.5 of 50 points (Young et
     * al., Spine J 2009) are 10 and 15 percentage points, absolute only. */
    {RL_INSTRUMENT_NDI, 10, 0, 5, "%", 0, 100, NULL, 15, 0, true, 10},
};

#define S_CODE(in) rl_instrument_code((in)->instrument)

/* Fewest ODI or NDI sections answered that still give a score. */
#define S_SECTIONS_MIN_ANSWERED 8
#define S_PSFS_MIN_ACTIVITIES 3
/* TSK-17 sum above this is high kinesiophobia. */
#define S_TSK_HIGH_ABOVE 37
/* Tolerance for comparing differences of scores to thresholds: 35.6 - 25.6
 * must count as 10 points. */
#define S_EPS 1e-9

/* s_instruments is in rl_instrument_t order. */
static const s_instrument_t *
s_find_checked(const char *code, rl_err_t *err)
{
    rl_instrument_t i;
    if (rl_instrument_parse(code, &i, err) < 0)
        return NULL;
    assert(s_instruments[i].instrument == i);
    return &s_instruments[i];
}

static rl_q_band_t
s_odi_band(double pct)
{
    /* Bands are published as integer ranges (0-20, 21-40, ...); with 8-10
     * sections answered no score falls strictly between 20 and 21 etc., so
     * an inclusive upper bound is exact. */
    if (pct <= 20)
        return RL_Q_BAND_MINIMAL;
    if (pct <= 40)
        return RL_Q_BAND_MODERATE;
    if (pct <= 60)
        return RL_Q_BAND_SEVERE;
    if (pct <= 80)
        return RL_Q_BAND_CRIPPLED;
    return RL_Q_BAND_BED_BOUND;
}

/* "items 5, 9 missing" into reason, after the given prefix. */
static void
s_missing_reason(char *reason, size_t size, const char *prefix, const bool *seen, int n_items)
{
    int n_missing = 0;
    for (int i = 0; i < n_items; i++)
        n_missing += !seen[i];
    size_t len = (size_t)snprintf(reason, size, "%s: item%s", prefix, n_missing == 1 ? "" : "s");
    int listed = 0;
    for (int i = 0; i < n_items && len < size; i++) {
        if (seen[i])
            continue;
        len += (size_t)snprintf(reason + len, size - len, "%s %d", listed ? "," : "", i + 1);
        listed++;
    }
    if (len < size)
        snprintf(reason + len, size - len, " missing");
}

void
rl_questionnaire_items(rl_instrument_t instrument, int *n_items, int *min_value, int *max_value)
{
    assert((int)instrument >= 0 && instrument < RL_INSTRUMENT_COUNT);
    const s_instrument_t *in = &s_instruments[instrument];
    *n_items = in->n_items;
    *min_value = in->min_value;
    *max_value = in->max_value;
}

int
rl_questionnaire_score(const char *instrument, const char *version, const rl_q_answer_t *answers,
                       size_t n_answers, rl_q_score_t *out, rl_err_t *err)
{
    assert(out && (answers || n_answers == 0));
    const s_instrument_t *in = s_find_checked(instrument, err);
    if (!in)
        return -1;
    if (in->version && (!version || strcmp(version, in->version) != 0))
        return rl_err_set(err, "%s version '%.20s' not supported (supported: %s)", S_CODE(in),
                          version ? version : "(none)", in->version);

    bool seen[S_MAX_ITEMS] = {false};
    int value[S_MAX_ITEMS] = {0};
    for (size_t i = 0; i < n_answers; i++) {
        const rl_q_answer_t *a = &answers[i];
        if (a->item < 1 || a->item > in->n_items)
            return rl_err_set(err, "%s item %d does not exist (items 1-%d)", S_CODE(in), a->item,
                              in->n_items);
        if (seen[a->item - 1])
            return rl_err_set(err, "%s item %d answered twice", S_CODE(in), a->item);
        if (a->value < in->min_value || a->value > in->max_value)
            return rl_err_set(err, "%s item %d: answer %d out of range %d-%d", S_CODE(in), a->item,
                              a->value, in->min_value, in->max_value);
        seen[a->item - 1] = true;
        value[a->item - 1] = a->value;
    }

    rl_q_score_t r;
    memset(&r, 0, sizeof r);
    r.instrument = in->instrument;
    r.code = S_CODE(in);
    r.score = NAN;
    r.band = RL_Q_BAND_NONE;
    r.unit = in->unit;
    r.range_min = in->range_min;
    r.range_max = in->range_max;
    r.n_items = in->n_items;
    r.n_answered = (int)n_answers;

    int sum = 0;
    for (int i = 0; i < in->n_items; i++)
        sum += value[i];

    switch (in->instrument) {
    case RL_INSTRUMENT_NPRS:
    case RL_INSTRUMENT_RMDQ:
    case RL_INSTRUMENT_TSK17:
        if (r.n_answered < in->n_items) {
            char prefix[64];
            snprintf(prefix, sizeof prefix, "%s is incomplete",
                     in->instrument == RL_INSTRUMENT_RMDQ ? "RMDQ-24" : S_CODE(in));
            s_missing_reason(r.reason, sizeof r.reason, prefix, seen, in->n_items);
            break;
        }
        if (in->instrument == RL_INSTRUMENT_TSK17) {
            /* Items 4, 8, 12 and 16 are worded the other way round. */
            static const int reversed[] = {4, 8, 12, 16};
            for (size_t k = 0; k < sizeof reversed / sizeof reversed[0]; k++)
                sum += (5 - value[reversed[k] - 1]) - value[reversed[k] - 1];
            r.band = sum > S_TSK_HIGH_ABOVE ? RL_Q_BAND_TSK_HIGH : RL_Q_BAND_TSK_NOT_HIGH;
        }
        r.score = sum;
        r.scorable = true;
        break;
    case RL_INSTRUMENT_ODI:
    case RL_INSTRUMENT_NDI:
        /* The NDI is scored like the ODI (Vernon 1991: out of the sections
         * answered), with the same limit of 2 missing sections. */
        if (r.n_answered < S_SECTIONS_MIN_ANSWERED) {
            snprintf(r.reason, sizeof r.reason,
                     "%s has %d of 10 sections answered: at least %d are needed (at most 2 "
                     "missing)",
                     S_CODE(in), r.n_answered, S_SECTIONS_MIN_ANSWERED);
            break;
        }
        /* sum / (5 x answered) x 100 = 20 x sum / answered, in tenths and
         * rounded half up with integers so 35.55... reports as 35.6. */
        r.score = (double)((400 * sum + r.n_answered) / (2 * r.n_answered)) / 10.0;
        /* NDI: no bands; Vernon's are in points of 50, not part of the %
         * score we report. */
        if (in->instrument == RL_INSTRUMENT_ODI)
            r.band = s_odi_band(r.score);
        r.scorable = true;
        break;
    case RL_INSTRUMENT_PSFS:
        if (r.n_answered < S_PSFS_MIN_ACTIVITIES) {
            snprintf(r.reason, sizeof r.reason, "PSFS needs 3 to 5 rated activities (got %d)",
                     r.n_answered);
            break;
        }
        r.score = (double)sum / r.n_answered;
        r.scorable = true;
        break;
    }
    *out = r;
    return 0;
}

bool
rl_questionnaire_has_mic(rl_instrument_t instrument)
{
    for (size_t i = 0; i < sizeof s_instruments / sizeof s_instruments[0]; i++)
        if (s_instruments[i].instrument == instrument)
            return s_instruments[i].mic_points > 0;
    return false;
}

const char *
rl_questionnaire_unit(rl_instrument_t instrument)
{
    assert((int)instrument >= 0 && instrument < RL_INSTRUMENT_COUNT);
    return s_instruments[instrument].unit;
}

double
rl_questionnaire_mdc(rl_instrument_t instrument)
{
    assert((int)instrument >= 0 && instrument < RL_INSTRUMENT_COUNT);
    return s_instruments[instrument].mdc_points;
}

static int
s_check_score(const s_instrument_t *in, const char *what, double v, rl_err_t *err)
{
    if (isnan(v))
        return rl_err_set(err, "%s %s score is missing", S_CODE(in), what);
    if (v < in->range_min || v > in->range_max)
        return rl_err_set(err, "%s %s score %g out of range %g-%g", S_CODE(in), what, v,
                          in->range_min, in->range_max);
    return 0;
}

int
rl_questionnaire_important_change(const char *instrument, double baseline, double followup,
                                  bool *improved, bool *important, rl_err_t *err)
{
    assert(improved && important);
    const s_instrument_t *in = s_find_checked(instrument, err);
    if (!in)
        return -1;
    if (s_check_score(in, "baseline", baseline, err) < 0 ||
        s_check_score(in, "follow-up", followup, err) < 0)
        return -1;
    /* gain > 0 means better, whatever the instrument's direction. */
    double gain = in->lower_is_better ? baseline - followup : followup - baseline;
    *improved = gain > S_EPS;
    *important = false;
    if (!*improved || in->mic_points <= 0)
        return 0;
    if (gain >= in->mic_points - S_EPS)
        *important = true;
    /* Relative threshold only when the baseline leaves room: 30 % of 0 is
     * meaningless. */
    if (in->mic_pct > 0 && baseline > 0 && gain / baseline * 100.0 >= in->mic_pct - S_EPS)
        *important = true;
    return 0;
}

const char *
rl_questionnaire_band_code(rl_q_band_t band)
{
    switch (band) {
    case RL_Q_BAND_NONE:
        return "none";
    case RL_Q_BAND_MINIMAL:
        return "minimal";
    case RL_Q_BAND_MODERATE:
        return "moderate";
    case RL_Q_BAND_SEVERE:
        return "severe";
    case RL_Q_BAND_CRIPPLED:
        return "crippled";
    case RL_Q_BAND_BED_BOUND:
        return "bed_bound";
    case RL_Q_BAND_TSK_HIGH:
        return "high";
    case RL_Q_BAND_TSK_NOT_HIGH:
        return "not_high";
    }
    return "none";
}

const char *
rl_questionnaire_band_label(rl_q_band_t band, const char *lang)
{
    assert(lang);
    bool nl = strcmp(lang, "nl") == 0;
    if (!nl && strcmp(lang, "en") != 0)
        return NULL;
    /* Dutch wording as used in Dutch-language ODI interpretation tables. */
    switch (band) {
    case RL_Q_BAND_NONE:
        return "";
    case RL_Q_BAND_MINIMAL:
        return nl ? "minimale beperking" : "minimal disability";
    case RL_Q_BAND_MODERATE:
        return nl ? "matige beperking" : "moderate disability";
    case RL_Q_BAND_SEVERE:
        return nl ? "ernstige beperking" : "severe disability";
    case RL_Q_BAND_CRIPPLED:
        return nl ? "invaliderende rugpijn" : "crippled";
    case RL_Q_BAND_BED_BOUND:
        return nl ? "bedlegerig" : "bed-bound";
    case RL_Q_BAND_TSK_HIGH:
        return nl ? "verhoogde bewegingsangst" : "high kinesiophobia";
    case RL_Q_BAND_TSK_NOT_HIGH:
        return nl ? "geen verhoogde bewegingsangst" : "no high kinesiophobia";
    }
    return "";
}
