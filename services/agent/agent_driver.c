/* The table of device drivers (see agent_driver.h). */
#include "agent_driver.h"

#include <stddef.h>
#include <string.h>

static const agent_driver_t *const s_drivers[] = {
    &agent_driver_jsonl,
    &agent_driver_filedrop,
    &agent_driver_simulator,
};

const agent_driver_t *
agent_driver_find(const char *name)
{
    for (size_t i = 0; i < sizeof s_drivers / sizeof s_drivers[0]; i++)
        if (!strcmp(s_drivers[i]->name, name))
            return s_drivers[i];
    return NULL;
}
