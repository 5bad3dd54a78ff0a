/* libFuzzer harness: the collector's whole path for untrusted bytes before
 * the database: decode, then validation (as the device the message claims
 * to be, so that the checks past DEVICE_MISMATCH run), then what the store
 * computes from a valid message (questionnaire score, samples in tenths).
 * None of it may crash, leak or read out of bounds; a valid message must
 * have values the database accepts. */
#include "../../services/collector/collector_validate.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-11-23T12:00:00Z */
#define S_NOW_US 1795435200000000ll

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rl_msg_t msg;
    rl_err_t err;
    rl_reason_t reason;
    if (rl_wire_decode(data, size, &msg, &reason, &err) == 0) {
        collector_validate_verdict_t v;
        if (collector_validate(&msg, msg.device_id, S_NOW_US, &v)) {
            double score;
            if (msg.kind == RL_BODY_QUESTIONNAIRE) {
                if (!collector_validate_instrument_code(msg.u.questionnaire.instrument))
                    abort(); /* validation let an unknown instrument through */
                (void)collector_validate_questionnaire_score(&msg.u.questionnaire, &score);
            }
            if (msg.kind == RL_BODY_SAMPLE_BATCH) {
                const rl_sample_batch_t *b = &msg.u.sample_batch;
                for (size_t i = 0; i < b->n_angle; i++) {
                    int a = collector_validate_tenths(b->angle_deg[i]),
                        t = collector_validate_tenths(b->torque_nm[i]);
                    if (a < -1800 || a > 1800 || t < -10000 || t > 10000)
                        abort(); /* would not fit the stored range */
                }
            }
        } else if (v.reason == RL_REASON_NONE) {
            abort(); /* a rejection always names its reason */
        }
        (void)collector_validate(&msg, "tergumed-01", S_NOW_US, &v);
    }
    rl_msg_clear(&msg);
    return 0;
}
