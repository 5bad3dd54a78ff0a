/* Schema-checked ini configuration (see config.h). */
#include "ruglab/config.h"

#include "ruglab/mem.h"
#include "ruglab/text.h"

#include <assert.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct rl_config {
    const rl_cfg_key_t *schema;
    size_t n;
    char **values; /* one per schema entry */
    int *lines;    /* the file's line that set it (0: not in the file) */
};

typedef struct {
    rl_config_t *cfg;
    const char *path;
    rl_err_t *err;
    int failed;
    FILE *file;
    int lineno; /* line last read: Debian's inih does not pass it to handlers */
} s_load_t;

static int
s_find(const rl_config_t *self, const char *section, const char *key)
{
    for (size_t i = 0; i < self->n; i++)
        if (!strcmp(self->schema[i].section, section) && !strcmp(self->schema[i].key, key))
            return (int)i;
    return -1;
}

static int
s_parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i])) {
            *out = true;
            return 0;
        }
        if (!strcasecmp(v, no[i])) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

/* Checks value against the schema entry; on error fills why. */
static int
s_check(const rl_cfg_key_t *k, const char *value, char *why, size_t why_len)
{
    char *end;
    double d;
    bool b;
    size_t len = strlen(value);
    size_t bad = rl_text_utf8_error_at(value, len);
    if (bad < len) {
        snprintf(why, why_len, "the value is not valid UTF-8 (byte %zu)", bad + 1);
        return -1;
    }
    size_t ctl = rl_text_control_at(value, len);
    if (ctl < len) {
        snprintf(why, why_len, "the value holds a control character (byte %zu)", ctl + 1);
        return -1;
    }
    switch (k->type) {
    case RL_CFG_STRING:
        return 0;
    case RL_CFG_BOOL:
        if (s_parse_bool(value, &b) == 0)
            return 0;
        snprintf(why, why_len, "'%s' is not true or false", value);
        return -1;
    case RL_CFG_INT:
        errno = 0;
        d = (double)strtol(value, &end, 10);
        if (errno || end == value || *end) {
            snprintf(why, why_len, "'%s' is not a whole number", value);
            return -1;
        }
        break;
    case RL_CFG_DOUBLE:
        errno = 0;
        d = strtod(value, &end);
        if (errno || end == value || *end || !isfinite(d)) {
            snprintf(why, why_len, "'%s' is not a number", value);
            return -1;
        }
        break;
    default:
        return -1;
    }
    if ((k->min != 0 || k->max != 0) && (d < k->min || d > k->max)) {
        if (k->type == RL_CFG_INT)
            snprintf(why, why_len, "%s is out of range %.0f..%.0f", value, k->min, k->max);
        else
            snprintf(why, why_len, "%s is out of range %g..%g", value, k->min, k->max);
        return -1;
    }
    return 0;
}

static char *
s_reader(char *buf, int size, void *stream)
{
    s_load_t *ld = stream;
    char *line = fgets(buf, size, ld->file);
    if (line)
        ld->lineno++;
    return line;
}

static int
s_handler(void *user, const char *section, const char *name, const char *value)
{
    s_load_t *ld = user;
    int lineno = ld->lineno;
    if (ld->failed)
        return 0;
    int i = s_find(ld->cfg, section, name);
    if (i < 0) {
        rl_err_set(ld->err, "%s:%d: unknown key '%s' in [%s]", ld->path, lineno, name, section);
        ld->failed = 1;
        return 0;
    }
    if (ld->cfg->lines[i]) {
        rl_err_set(ld->err, "%s:%d: %s in [%s] is set twice (first on line %d)", ld->path, lineno,
                   name, section, ld->cfg->lines[i]);
        ld->failed = 1;
        return 0;
    }
    char why[256];
    if (s_check(&ld->cfg->schema[i], value, why, sizeof why)) {
        rl_err_set(ld->err, "%s:%d: %s in [%s]: %s", ld->path, lineno, name, section, why);
        ld->failed = 1;
        return 0;
    }
    free(ld->cfg->values[i]);
    ld->cfg->values[i] = rl_strdup(value);
    ld->cfg->lines[i] = lineno;
    return 1;
}

rl_config_t *
rl_config_load(const rl_cfg_key_t *schema, const char *path, rl_err_t *err)
{
    rl_config_t *self = rl_calloc(1, sizeof *self);
    self->schema = schema;
    while (schema[self->n].section)
        self->n++;
    self->values = rl_calloc(self->n, sizeof(char *));
    self->lines = rl_calloc(self->n + 1, sizeof(int));
    for (size_t i = 0; i < self->n; i++)
        self->values[i] = rl_strdup(schema[i].def ? schema[i].def : "");
    if (!path)
        return self;
    FILE *f = fopen(path, "r");
    if (!f) {
        rl_err_set(err, "cannot read configuration %s: %s", path, strerror(errno));
        rl_config_destroy(&self);
        return NULL;
    }
    s_load_t ld = {self, path, err, 0, f, 0};
    int rc = ini_parse_stream(s_reader, &ld, s_handler, &ld);
    fclose(f);
    if (ld.failed) {
        rl_config_destroy(&self);
        return NULL;
    }
    if (rc != 0) {
        rl_err_set(err, "%s:%d: not a 'key = value' line or [section]", path, rc);
        rl_config_destroy(&self);
        return NULL;
    }
    return self;
}

void
rl_config_destroy(rl_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    rl_config_t *self = *self_p;
    for (size_t i = 0; i < self->n; i++)
        free(self->values[i]);
    free(self->values);
    free(self->lines);
    free(self);
    *self_p = NULL;
}

int
rl_config_set(rl_config_t *self, const char *section, const char *key, const char *value,
              rl_err_t *err)
{
    int i = s_find(self, section, key);
    if (i < 0)
        return rl_err_set(err, "unknown setting %s.%s", section, key);
    char why[256];
    if (s_check(&self->schema[i], value, why, sizeof why))
        return rl_err_set(err, "%s in [%s]: %s", key, section, why);
    free(self->values[i]);
    self->values[i] = rl_strdup(value);
    return 0;
}

static const char *
s_value(const rl_config_t *self, const char *section, const char *key, rl_cfg_type_t type)
{
    int i = s_find(self, section, key);
    assert(i >= 0 && "configuration key not in schema");
    assert(self->schema[i].type == type);
    (void)type;
    return self->values[i];
}

const char *
rl_config_str(const rl_config_t *self, const char *section, const char *key)
{
    return s_value(self, section, key, RL_CFG_STRING);
}

long
rl_config_int(const rl_config_t *self, const char *section, const char *key)
{
    return strtol(s_value(self, section, key, RL_CFG_INT), NULL, 10);
}

bool
rl_config_bool(const rl_config_t *self, const char *section, const char *key)
{
    bool b = false;
    (void)s_parse_bool(s_value(self, section, key, RL_CFG_BOOL), &b);
    return b;
}

double
rl_config_double(const rl_config_t *self, const char *section, const char *key)
{
    return strtod(s_value(self, section, key, RL_CFG_DOUBLE), NULL);
}

void
rl_config_write_example(const rl_cfg_key_t *schema, const char *title, FILE *out)
{
    fprintf(out, "# %s\n# Every key with its default. Unknown keys are errors.\n", title);
    const char *section = NULL;
    for (const rl_cfg_key_t *k = schema; k->section; k++) {
        if (!section || strcmp(section, k->section)) {
            section = k->section;
            fprintf(out, "\n[%s]\n", section);
        }
        fprintf(out, "# %s\n%s = %s\n", k->help ? k->help : "", k->key, k->def ? k->def : "");
    }
}
