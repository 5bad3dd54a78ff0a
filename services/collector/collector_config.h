/* The collector's configuration schema (deploy/collector.conf.example is
 * written from it: `ruglab-collector --example-config`). */
#ifndef COLLECTOR_CONFIG_H
#define COLLECTOR_CONFIG_H

#include "ruglab/config.h"

extern const rl_cfg_key_t collector_config_schema[];

/* The default configuration file, read when --config is not given and it exists. */
#define COLLECTOR_CONFIG_DEFAULT_PATH RL_SYSCONFDIR "/collector.conf"

#endif
