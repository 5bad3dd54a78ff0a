/* ruglab-web's configuration schema (deploy/web.conf.example is written
 * from it: `ruglab-web --example-config`). */
#ifndef WEB_CONFIG_H
#define WEB_CONFIG_H

#include "ruglab/config.h"

extern const rl_cfg_key_t web_config_schema[];

/* The default configuration file, read when --config is not given and it exists. */
#define WEB_CONFIG_DEFAULT_PATH RL_SYSCONFDIR "/web.conf"

#endif
