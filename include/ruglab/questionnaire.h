/* Scoring of the patient-reported outcome questionnaires (NPRS, ODI 2.1a,
 * RMDQ-24, TSK-17, PSFS, NDI) exactly as DOMAIN.md gives them, bands, and the
 * minimal important change between two scores. Pure functions on caller-
 * owned values; thread-safe.
 *
 * Missing answers (an item absent from the input) per instrument:
 *   NPRS     its one item must be present, otherwise not scorable.
 *   ODI      each missing section lowers the denominator by 5; more than 2
 *            missing sections (fewer than 8 answered) is not scorable
 *            (published ODI guidance).
 *   NDI      scored like the ODI (Vernon 1991: total / (5 x sections
 *            answered) x 100 %): each missing section lowers the
 *            denominator by 5; more than 2 missing sections (fewer than 8
 *            of 10 answered) is not scorable, the ODI's limit.
 *   RMDQ-24  no standard rule: any missing item makes it not scorable (we
 *            never rescale; a rescaled count would look like a real one).
 *   TSK-17   any missing item makes it not scorable.
 *   PSFS     3 to 5 rated activities (numbered 1-5); fewer is not scorable.
 * "Not scorable" is a result (return 0, scorable false, reason filled): the
 * response is still worth storing. Invalid input (unknown instrument or
 * version, unknown item, answer out of range, item given twice) is an error
 * (return -1). */
#ifndef RUGLAB_QUESTIONNAIRE_H
#define RUGLAB_QUESTIONNAIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "ruglab/domain.h"
#include "ruglab/err.h"

typedef enum {
    RL_Q_BAND_NONE,      /* instrument without bands (NPRS, RMDQ, PSFS, NDI) or not scorable */
    RL_Q_BAND_MINIMAL,   /* ODI 0-20 */
    RL_Q_BAND_MODERATE,  /* ODI 21-40 */
    RL_Q_BAND_SEVERE,    /* ODI 41-60 */
    RL_Q_BAND_CRIPPLED,  /* ODI 61-80 */
    RL_Q_BAND_BED_BOUND, /* ODI 81-100 */
    RL_Q_BAND_TSK_HIGH,  /* TSK-17 > 37 */
    RL_Q_BAND_TSK_NOT_HIGH,
} rl_q_band_t;

typedef struct {
    int item;  /* 1-based item, section or activity number */
    int value; /* the answer as coded on the form (RMDQ: yes = 1, no = 0) */
} rl_q_answer_t;

typedef struct {
    rl_instrument_t instrument;
    const char *code; /* canonical code: "NPRS", "ODI", "RMDQ", "TSK-17", "PSFS", "NDI" */
    bool scorable;
    /* NAN when not scorable. ODI, NDI: % rounded to one decimal place as the
     * published scoring reports it (the band is taken from that value);
     * PSFS: the exact mean; others: integer points. */
    double score;
    int n_answered;
    int n_items; /* items on the form (PSFS: 5, of which 3-5 are used) */
    rl_q_band_t band;
    const char *unit; /* "%" or "points" */
    double range_min; /* range of the score */
    double range_max;
    char reason[RL_ERR_MAX]; /* why not scorable; empty when scorable */
} rl_q_score_t;

/* Scores one response. version: ODI must be "2.1a" (the licensed version we
 * score); the other instruments (the NDI included: one version, Vernon
 * 1991) accept any version string or NULL. Answers may come in any order. */
int rl_questionnaire_score(const char *instrument, const char *version,
                           const rl_q_answer_t *answers, size_t n_answers, rl_q_score_t *out,
                           rl_err_t *err) __attribute__((warn_unused_result));

/* The form of an instrument: how many items (sections, activities) it has
 * and the range of one answer as coded on the form (RMDQ: 0 no, 1 yes).
 * The item texts are not here (ODI is licensed; the paper form has them). */
void rl_questionnaire_items(rl_instrument_t instrument, int *n_items, int *min_value,
                            int *max_value);

/* Whether the instrument has a minimal important change (all but TSK-17,
 * for which DOMAIN.md gives only a cut-off, so we report the change only). */
bool rl_questionnaire_has_mic(rl_instrument_t instrument);

/* Compares two scores of the same instrument. improved: moved strictly in
 * the better direction (lower for NPRS, ODI, RMDQ, TSK-17, NDI; higher for PSFS).
 * important: improved by at least the minimal important change, where either
 * threshold suffices (Ostelo 2008: absolute OR 30 % of baseline): NPRS 2
 * points or 30 %, ODI 10 points or 30 %, RMDQ 5 points or 30 %, PSFS 2
 * points (absolute only), NDI 15 percentage points (7.5 of 50; Young et
 * al., Spine J 2009; absolute only). Thresholds are inclusive. TSK-17: important is
 * always false (no MIC). Scores outside the instrument's range or NAN are
 * errors. */
int rl_questionnaire_important_change(const char *instrument, double baseline, double followup,
                                      bool *improved, bool *important, rl_err_t *err)
    __attribute__((warn_unused_result));

/* The unit of the instrument's score: "%" (ODI, NDI) or "points". */
const char *rl_questionnaire_unit(rl_instrument_t instrument);

/* The minimal detectable change of an instrument in its score's unit, 0
 * when none is defined: NDI 10 percentage points (5 of 50; Young et al.,
 * Spine J 2009). A change smaller than it is within measurement error. The
 * quality side reads its thresholds from quality.measure (a site may
 * change them there). */
double rl_questionnaire_mdc(rl_instrument_t instrument);

/* "minimal", "moderate", "severe", "crippled", "bed_bound", "high",
 * "not_high", "none". */
const char *rl_questionnaire_band_code(rl_q_band_t band);

/* Label for reports; lang "nl" or "en". NULL for another language. "" for
 * RL_Q_BAND_NONE. */
const char *rl_questionnaire_band_label(rl_q_band_t band, const char *lang);

#endif
