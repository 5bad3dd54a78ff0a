/* libFuzzer harness: the collector's first steps on untrusted bytes from
 * the network, decode and (when decodable) validation. Neither may crash,
 * leak or read out of bounds, whatever the input. */
#include "ruglab/wire.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rl_msg_t msg;
    rl_err_t err;
    rl_reason_t reason;
    if (rl_wire_decode(data, size, &msg, &reason, &err) == 0) {
        /* A decoded message must encode again. */
        uint8_t *buf = NULL;
        size_t len = 0;
        if (msg.kind != RL_BODY_NONE && rl_wire_encode(&msg, &buf, &len, &err) == 0)
            free(buf);
    }
    rl_msg_clear(&msg);
    return 0;
}
