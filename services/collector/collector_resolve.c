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

/* Orders token pointers by their text, then by where they are. */
static int
s_by_token(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    int c = strcmp(*x, *y);
    return c ? c : (*x < *y ? -1 : *x > *y);
}

static int
s_by_address(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    return *x < *y ? -1 : *x > *y;
}

size_t
collector_resolve_tokens(const collector_item_t *items, size_t n, const char **tokens)
{
    size_t nt = 0;
    for (size_t i = 0; i < n; i++)
        if (s_needs_enrolment(&items[i]))
            tokens[nt++] = items[i].msg.patient_token;
    /* each token once, at its first item: sorted by text (then place),
     * the first of each run kept, put back in batch order (the items lie
     * in one array, so the address is the order) */
    qsort(tokens, nt, sizeof *tokens, s_by_token);
    size_t nu = 0;
    for (size_t i = 0; i < nt; i++)
        if (nu == 0 || strcmp(tokens[nu - 1], tokens[i]) != 0)
            tokens[nu++] = tokens[i];
    qsort(tokens, nu, sizeof *tokens, s_by_address);
    return nu;
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

static int
s_row_by_token(const void *a, const void *b)
{
    return strcmp(((const collector_validate_enrolment_t *)a)->token,
                  ((const collector_validate_enrolment_t *)b)->token);
}

/* rows: sorted by token. */
static void
s_resolve(collector_item_t *it, const collector_validate_enrolment_t *rows, size_t n_rows)
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
    /* the token's rows: the run of equal tokens from the first one */
    size_t lo = 0, hi = n_rows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(rows[mid].token, it->msg.patient_token) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t ne = 0;
    while (lo + ne < n_rows && !strcmp(rows[lo + ne].token, it->msg.patient_token))
        ne++;
    if (!collector_validate_enrolment_pick(rows + lo, ne, s_local_day(it->msg.taken_at_us),
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
    collector_validate_enrolment_t *sorted = rl_calloc(n_rows + 1, sizeof *sorted);
    if (n_rows)
        memcpy(sorted, rows, n_rows * sizeof *rows);
    qsort(sorted, n_rows, sizeof *sorted, s_row_by_token);
    for (size_t i = 0; i < n; i++)
        s_resolve(&items[i], sorted, n_rows);
    free(sorted);
}
