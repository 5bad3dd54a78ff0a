/* Configuration files for the daemons: `key = value` lines in [sections]
 * (libinih), checked against a schema that lists every key with its type,
 * default and help. Unknown keys and bad values are errors naming
 * file:line. The same schema writes the example files in deploy/, so
 * the examples list every key with its default.
 * A loaded rl_config_t is immutable and owned by the caller; SIGHUP reload
 * loads a new one and swaps it in only when it loaded without error. */
#ifndef RUGLAB_CONFIG_H
#define RUGLAB_CONFIG_H

#include "ruglab/err.h"

#include <stdbool.h>
#include <stdio.h>

typedef enum {
    RL_CFG_STRING,
    RL_CFG_INT,
    RL_CFG_BOOL, /* true/false, yes/no, on/off, 1/0 */
    RL_CFG_DOUBLE,
} rl_cfg_type_t;

typedef struct {
    const char *section;
    const char *key;
    rl_cfg_type_t type;
    const char *def;  /* default as text; NULL = empty string */
    double min, max;  /* for INT and DOUBLE; min == max == 0: any value */
    const char *help; /* one line, written above the key in the example */
} rl_cfg_key_t;

/* A schema is an array ended by an entry with section == NULL. */

typedef struct rl_config rl_config_t;

/* Loads path over the schema's defaults; path NULL = defaults only.
 * Returns NULL with err set ("FILE:LINE: unknown key 'x' in [s]"). */
rl_config_t *rl_config_load(const rl_cfg_key_t *schema, const char *path, rl_err_t *err)
    __attribute__((warn_unused_result));
void rl_config_destroy(rl_config_t **self_p);

/* Overrides one value (command-line flags); checked like a file value. */
int rl_config_set(rl_config_t *self, const char *section, const char *key, const char *value,
                  rl_err_t *err) __attribute__((warn_unused_result));

/* Getters: the key must be in the schema (asserted) and of that type. */
const char *rl_config_str(const rl_config_t *self, const char *section, const char *key);
long rl_config_int(const rl_config_t *self, const char *section, const char *key);
bool rl_config_bool(const rl_config_t *self, const char *section, const char *key);
double rl_config_double(const rl_config_t *self, const char *section, const char *key);

/* Writes an example file: every key with its help and default. */
void rl_config_write_example(const rl_cfg_key_t *schema, const char *title, FILE *out);

#endif
