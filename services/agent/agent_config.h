/* The agent's configuration schema: every key with its default and help.
 * deploy/agent.conf.example is written from it (`ruglab-agent
 * --example-config`) and a test keeps the two in sync. */
#ifndef AGENT_CONFIG_H
#define AGENT_CONFIG_H

#include "ruglab/config.h"

extern const rl_cfg_key_t agent_config_schema[];

#endif
