/* libFuzzer harness: the file-drop driver's parser, which reads whatever
 * the device software (or anyone with access to the folder) writes. It may
 * reject a file, never crash, leak or read out of bounds; what it accepts
 * must encode as an Envelope. */
#include "../../services/agent/agent_json.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rl_msg_t *msgs = NULL;
    size_t n = 0;
    char why[600];
    if (agent_json_parse_document((const char *)data, size, &msgs, &n, why, sizeof why) == 0) {
        for (size_t i = 0; i < n; i++) {
            uint8_t *buf = NULL;
            size_t len = 0;
            rl_err_t err;
            snprintf(msgs[i].device_id, sizeof msgs[i].device_id, "fuzz-1");
            msgs[i].boot_id = 1;
            msgs[i].seq = i + 1;
            if (rl_wire_encode(&msgs[i], &buf, &len, &err) == 0)
                free(buf);
            rl_msg_clear(&msgs[i]);
        }
        free(msgs);
    }
    return 0;
}
