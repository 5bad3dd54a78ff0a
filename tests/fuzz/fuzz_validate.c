/* libFuzzer harness: the collector's whole path for untrusted bytes before
 * the database: decode, then validation (as the device the message claims
 * to be, so that the checks past DEVICE_MISMATCH run), then the resolve
 * step with the patient enrolled (questionnaire score, samples in tenths).
 * None of it may crash, leak or read out of bounds; a valid message must
 * have values the database accepts. */
#include "../../services/collector/collector_resolve.h"
#include "../../services/collector/collector_validate.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-11-23T12:00:00Z */
#define S_NOW_US 1795435200000000ll

/* The resolved values of a valid message, as the store will write them. */
static void
s_check_resolved(const collector_item_t *it)
{
    const collector_item_resolved_t *r = &it->resolved;
    if (r->action == COLLECTOR_ITEM_UNRESOLVED || r->action == COLLECTOR_ITEM_UNKEPT)
        abort();
    if (r->action != COLLECTOR_ITEM_MEASUREMENT)
        return;
    if (it->msg.kind == RL_BODY_QUESTIONNAIRE && !r->instrument)
        abort(); /* validation let an unknown instrument through */
    if (it->msg.kind == RL_BODY_SAMPLE_BATCH) {
        const rl_sample_batch_t *b = &it->msg.u.sample_batch;
        for (size_t i = 0; i < b->n_angle; i++) {
            int a = r->angle_ddeg[i], t = r->torque_dnm[i];
            if (a < -1800 || a > 1800 || t < -10000 || t > 10000)
                abort(); /* would not fit the stored range */
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    collector_item_t it;
    memset(&it, 0, sizeof it);
    rl_err_t err;
    rl_reason_t reason;
    if (rl_wire_decode(data, size, &it.msg, &reason, &err) == 0) {
        collector_validate_verdict_t v;
        snprintf(it.auth_device, sizeof it.auth_device, "%s", it.msg.device_id);
        if (collector_validate(&it.msg, it.auth_device, S_NOW_US, &it.verdict)) {
            /* the patient enrolled since 1970, so that every valid
             * measurement is resolved with its values */
            collector_validate_enrolment_t row = {.has_enrolment = true,
                                                  .enrolment_id = 1,
                                                  .status = "active",
                                                  .start_date = {1970, 1, 1}};
            snprintf(row.token, sizeof row.token, "%s", it.msg.patient_token);
            collector_resolve_batch(&it, 1, &row, 1);
            s_check_resolved(&it);
        } else if (it.verdict.reason == RL_REASON_NONE) {
            abort(); /* a rejection always names its reason */
        }
        (void)collector_validate(&it.msg, "tergumed-01", S_NOW_US, &v);
    }
    collector_item_clear(&it);
    return 0;
}
