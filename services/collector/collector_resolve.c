/* The resolve step (see collector_resolve.h). */
#include "collector_resolve.h"

#include "ruglab/mem.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool
s_needs_enrolment(const collector_item_t *it)
{
    return it->verdict.reason == RL_REASON_NONE &&
           collector_validate_is_session_scoped(it->msg.kind);
}

size_t
collector_resolve_tokens(const collector_item_t *items, size_t n, const char **tokens)
{
    size_t nt = 0;
    for (size_t i = 0; i < n; i++)
        if (s_needs_enrolment(&items[i]))
            tokens[nt++] = items[i].msg.patient_token;
    return nt;
}

/* The local calendar day a measurement was taken on (the site's day). */
static rl_date_t
s_local_day(int64_t taken_at_us)
{
    time_t t = (time_t)(taken_at_us / 1000000);
    struct tm tm;
    localtime_r(&t, &tm);
    return (rl_date_t){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

/* The samples in tenths (validation checked that they fit). */
static int16_t *
s_tenths(const float *v, size_t n)
{
    int16_t *out = rl_calloc(n + 1, sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = (int16_t)collector_validate_tenths(v[i]);
    return out;
}

/* The values a measurement's statement takes beyond the message's own. */
static void
s_measurement(collector_item_t *it)
{
    collector_item_resolved_t *r = &it->resolved;
    if (it->msg.kind == RL_BODY_QUESTIONNAIRE) {
        const rl_questionnaire_t *q = &it->msg.u.questionnaire;
        r->instrument = collector_validate_instrument_code(q->instrument);
        r->has_score = collector_validate_questionnaire_score(q, &r->score);
    } else if (it->msg.kind == RL_BODY_SAMPLE_BATCH) {
        const rl_sample_batch_t *b = &it->msg.u.sample_batch;
        r->angle_ddeg = s_tenths(b->angle_deg, b->n_angle);
        r->torque_dnm = s_tenths(b->torque_nm, b->n_torque);
    }
}

/* scratch: room for n_rows, the rows of the item's token. */
static void
s_resolve(collector_item_t *it, const collector_validate_enrolment_t *rows, size_t n_rows,
          collector_validate_enrolment_t *scratch)
{
    collector_item_resolved_t *r = &it->resolved;
    free(r->angle_ddeg);
    free(r->torque_dnm);
    memset(r, 0, sizeof *r);
    r->rejection = it->verdict;
    if (it->verdict.reason != RL_REASON_NONE) {
        r->action = it->unkept ? COLLECTOR_ITEM_UNKEPT : COLLECTOR_ITEM_DEAD_LETTER;
        return;
    }
    if (!collector_validate_is_session_scoped(it->msg.kind)) {
        r->action = COLLECTOR_ITEM_STATUS;
        return;
    }
    size_t ne = 0;
    for (size_t k = 0; k < n_rows; k++)
        if (!strcmp(rows[k].token, it->msg.patient_token))
            scratch[ne++] = rows[k];
    if (!collector_validate_enrolment_pick(scratch, ne, s_local_day(it->msg.taken_at_us),
                                           &r->enrolment_id, &r->rejection)) {
        r->action = COLLECTOR_ITEM_DEAD_LETTER;
        return;
    }
    r->action = COLLECTOR_ITEM_MEASUREMENT;
    s_measurement(it);
}

void
collector_resolve_batch(collector_item_t *items, size_t n,
                        const collector_validate_enrolment_t *rows, size_t n_rows)
{
    collector_validate_enrolment_t *scratch = rl_calloc(n_rows + 1, sizeof *scratch);
    for (size_t i = 0; i < n; i++)
        s_resolve(&items[i], rows, n_rows, scratch);
    free(scratch);
}
