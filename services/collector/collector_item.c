/* Received messages (see collector_item.h). */
#include "collector_item.h"

#include <stdlib.h>
#include <string.h>

void
collector_item_clear(collector_item_t *item)
{
    free(item->raw);
    free(item->resolved.angle_ddeg);
    free(item->resolved.torque_dnm);
    rl_msg_clear(&item->msg);
    memset(item, 0, sizeof *item);
}
