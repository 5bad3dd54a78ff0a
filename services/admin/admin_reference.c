/* `ruglab reference`: reference values of the device tests per device
 * model, sex, age band, direction and measure (clinical.reference_value),
 * loaded from a CSV file. A file replaces every reference value of the
 * device models it names, in one transaction. */
#include "admin_util.h"

#include "ruglab/audit.h"
#include "ruglab/exitcode.h"
#include "ruglab/measures.h"
#include "ruglab/mem.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_HEADER "device_model,sex,age_min,age_max,direction,measure,value"

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab reference load FILE [--citation TEXT] [--population TEXT] "
                 "[--validated]\n"
                 "       ruglab reference list [--model MODEL]\n"
                 "       ruglab reference srd --model MODEL --direction DIRECTION --pct PCT\n"
                 "                            [--source TEXT]\n"
                 "       ruglab reference srd-list\n\n"
                 "load  reads a CSV file with the header\n"
                 "        " S_HEADER "\n"
                 "      (lines starting with # are comments; the first one is stored with the\n"
                 "      values as their source, e.g. \"ILLUSTRATIVE, NOT CLINICAL\"). sex is M or\n"
                 "      F; the age band (age at the start, both ends included) must not overlap\n"
                 "      another of the same model, sex, direction and measure; measure is\n"
                 "      max_torque_nm_per_kg, max_torque_nm or rom_deg; value > 0. The file\n"
                 "      replaces all reference values of the device models it names.\n"
                 "      The source is required: --citation (the publication or the\n"
                 "      manufacturer's document the values come from) and --population (who\n"
                 "      was measured), or lines '# citation: ...' and '# population: ...' in\n"
                 "      the file (the options win). --validated: the site has checked that the\n"
                 "      table fits its device model and patients; only then does a final\n"
                 "      letter show %% of reference (a draft shows any table, marked). The\n"
                 "      letter cites the table under the device results.\n"
                 "      deploy/reference/example-reference.csv shows the format (its numbers\n"
                 "      are illustrative, not clinical: never load it --validated).\n"
                 "list  the loaded reference values.\n"
                 "srd   sets the smallest real difference (in %% of the start value) of a device\n"
                 "      model and direction, from the site's own test-retest data; a change\n"
                 "      smaller than it is noise. Without a setting: 33 %%.\n"
                 "srd-list  the settings.\n");
}

typedef struct {
    int line;
    char model[65];
    char sex[2];
    int age_min, age_max;
    char direction[32];
    char measure[32];
    double value;
} s_row_t;

static int
s_int_field(const char *s, int min, int max, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

/* Parses one data line into row; -1 with why filled. */
static int
s_parse_row(char *line, s_row_t *row, char *why, size_t why_size)
{
    char *f[8];
    int n = 0;
    for (char *p = line; n < 8;) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    if (n != 7) {
        snprintf(why, why_size, "expected 7 fields (%s), found %d", S_HEADER, n);
        return -1;
    }
    size_t ml = strlen(f[0]);
    if (ml < 1 || ml > 64 ||
        strspn(f[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != ml) {
        snprintf(why, why_size, "device model '%.64s' is not valid (A-Z, a-z, 0-9, '.', '_', '-')",
                 f[0]);
        return -1;
    }
    snprintf(row->model, sizeof row->model, "%s", f[0]);
    if (strcmp(f[1], "M") && strcmp(f[1], "F")) {
        snprintf(why, why_size, "sex '%.8s' must be M or F", f[1]);
        return -1;
    }
    snprintf(row->sex, sizeof row->sex, "%s", f[1]);
    if (s_int_field(f[2], 0, 130, &row->age_min) < 0 ||
        s_int_field(f[3], 0, 130, &row->age_max) < 0 || row->age_min > row->age_max) {
        snprintf(why, why_size, "age band '%.8s'-'%.8s' is not two ages 0-130, low to high", f[2],
                 f[3]);
        return -1;
    }
    rl_direction_t dir;
    rl_err_t err;
    if (rl_direction_parse(f[4], &dir, &err) < 0) {
        snprintf(why, why_size, "%.200s", err.msg);
        return -1;
    }
    snprintf(row->direction, sizeof row->direction, "%s", rl_direction_name(dir));
    if (strcmp(f[5], "max_torque_nm_per_kg") && strcmp(f[5], "max_torque_nm") &&
        strcmp(f[5], "rom_deg")) {
        snprintf(why, why_size,
                 "measure '%.32s' must be max_torque_nm_per_kg, max_torque_nm or rom_deg", f[5]);
        return -1;
    }
    snprintf(row->measure, sizeof row->measure, "%s", f[5]);
    char *end = NULL;
    errno = 0;
    row->value = strtod(f[6], &end);
    if (errno || end == f[6] || *end || !(row->value > 0) || row->value > 100000) {
        snprintf(why, why_size, "value '%.16s' is not a positive number", f[6]);
        return -1;
    }
    return 0;
}

/* Keeps a header field (trimmed, 1-500 characters) in *dst. */
static void
s_keep_field(char **dst, const char *value)
{
    while (*value == ' ' || *value == '\t')
        value++;
    size_t n = strlen(value);
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        n--;
    if (n == 0)
        return;
    free(*dst);
    *dst = rl_strndup(value, n);
}

/* The file as read: its rows and what its comment lines say. */
typedef struct {
    s_row_t *rows;
    size_t n, cap;
    char *note;            /* the first comment, or NULL */
    char *citation;        /* '# citation:', then --citation */
    char *population;      /* '# population:', then --population */
    int illustrative_line; /* the line saying "ILLUSTRATIVE" or "NOT CLINICAL", or 0 */
    char *source;          /* "FILE: note", stored with the values */
} s_table_t;

typedef struct {
    const char *path, *citation, *population;
    bool validated;
} s_load_opts_t;

static void
s_comment(s_table_t *t, const char *line, int lineno)
{
    const char *c = line + 1;
    while (*c == ' ')
        c++;
    if (!t->illustrative_line && (strcasestr(c, "ILLUSTRATIVE") || strcasestr(c, "NOT CLINICAL")))
        t->illustrative_line = lineno;
    if (!strncasecmp(c, "citation:", 9))
        s_keep_field(&t->citation, c + 9);
    else if (!strncasecmp(c, "population:", 11))
        s_keep_field(&t->population, c + 11);
    else if (!t->note)
        t->note = rl_strndup(c, 200);
}

/* Parses a data line into a new row, whose age band must not overlap
 * another of the same model, sex, direction and measure. */
static int
s_add_row(const char *cmd, const char *path, s_table_t *t, char *line, int lineno)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->rows = rl_realloc(t->rows, t->cap * sizeof *t->rows);
    }
    char why[256];
    s_row_t *r = &t->rows[t->n];
    r->line = lineno;
    if (s_parse_row(line, r, why, sizeof why) < 0) {
        rl_cli_fail("%s: %s:%d: %s", cmd, path, lineno, why);
        return -1;
    }
    for (size_t i = 0; i < t->n; i++) {
        const s_row_t *o = &t->rows[i];
        if (!strcmp(o->model, r->model) && !strcmp(o->sex, r->sex) &&
            !strcmp(o->direction, r->direction) && !strcmp(o->measure, r->measure) &&
            o->age_min <= r->age_max && r->age_min <= o->age_max) {
            rl_cli_fail("%s: %s:%d: age band %d-%d overlaps %d-%d of line %d", cmd, path, lineno,
                        r->age_min, r->age_max, o->age_min, o->age_max, o->line);
            return -1;
        }
    }
    t->n++;
    return 0;
}

/* Reads the comments, the header and the rows of f. */
static int
s_read(const char *cmd, const char *path, FILE *f, s_table_t *t)
{
    char *line = NULL;
    size_t line_cap = 0;
    int lineno = 0, r = 0;
    bool header = false;
    while (r == 0 && getline(&line, &line_cap, f) > 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#') {
            s_comment(t, line, lineno);
        } else if (!line[strspn(line, " \t")]) {
            continue;
        } else if (header) {
            r = s_add_row(cmd, path, t, line, lineno);
        } else if (strcmp(line, S_HEADER) != 0) {
            rl_cli_fail("%s: %s:%d: the header must be '%s'", cmd, path, lineno, S_HEADER);
            r = -1;
        } else {
            header = true;
        }
    }
    if (r == 0 && ferror(f)) {
        rl_cli_fail("%s: reading %s: %s", cmd, path, strerror(errno));
        r = -1;
    }
    free(line);
    if (r == 0 && t->n == 0) {
        rl_cli_fail("%s: %s: no reference values in the file", cmd, path);
        r = -1;
    }
    return r;
}

/* The source of the values (options over comments) is required; a file
 * that says it is illustrative is never validated. Fills t->source. */
static int
s_check_source(const char *cmd, const s_load_opts_t *o, s_table_t *t)
{
    if (o->citation)
        s_keep_field(&t->citation, o->citation);
    if (o->population)
        s_keep_field(&t->population, o->population);
    if (!t->citation || !t->population) {
        rl_cli_fail("%s: %s: the source of the values is required: --citation (the publication or "
                    "the manufacturer's document they come from) and --population (who was "
                    "measured), or '# citation:' and '# population:' lines in the file; missing: "
                    "%s%s%s",
                    cmd, o->path, t->citation ? "" : "citation",
                    !t->citation && !t->population ? ", " : "", t->population ? "" : "population");
        return -1;
    }
    if (o->validated && t->illustrative_line) {
        rl_cli_fail(
            "%s: %s:%d: the file says it is illustrative, not clinical: it cannot be loaded "
            "--validated (load it without --validated to see the format in a draft)",
            cmd, o->path, t->illustrative_line);
        return -1;
    }
    if (strlen(t->citation) > 500 || strlen(t->population) > 500) {
        rl_cli_fail("%s: the citation and the population are at most 500 characters", cmd);
        return -1;
    }
    char *pathcopy = rl_strdup(o->path);
    t->source =
        rl_asprintf("%s%s%s", basename(pathcopy), t->note ? ": " : "", t->note ? t->note : "");
    free(pathcopy);
    return 0;
}

/* Opens, reads and checks the file; an RL_EXIT_* code. */
static int
s_load_file(const char *cmd, const s_load_opts_t *o, s_table_t *t)
{
    FILE *f = fopen(o->path, "r");
    if (!f) {
        rl_cli_fail("%s: cannot open %s: %s", cmd, o->path, strerror(errno));
        return RL_EXIT_FAIL;
    }
    int r = s_read(cmd, o->path, f, t);
    fclose(f);
    if (r < 0 || s_check_source(cmd, o, t) < 0)
        return RL_EXIT_FAIL;
    return RL_EXIT_OK;
}

/* The values replace those of the device models the file names, in one
 * transaction. */
static int
s_store(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const s_load_opts_t *o, const s_table_t *t)
{
    if (admin_begin(ctx, cmd, rc) < 0)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        bool first = true;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(t->rows[j].model, t->rows[i].model) != 0;
        if (!first)
            continue;
        const char *p[1] = {t->rows[i].model};
        PGresult *res =
            admin_exec(ctx, cmd, rc, "replacing the model's reference values",
                       "DELETE FROM clinical.reference_value WHERE device_model = $1", 1, p);
        if (!res)
            return -1;
        PQclear(res);
    }
    for (size_t i = 0; i < t->n; i++) {
        const s_row_t *r = &t->rows[i];
        char amin[16], amax[16], val[32];
        snprintf(amin, sizeof amin, "%d", r->age_min);
        snprintf(amax, sizeof amax, "%d", r->age_max);
        snprintf(val, sizeof val, "%.17g", r->value);
        const char *p[12] = {r->model,    r->sex,        amin,
                             amax,        r->direction,  r->measure,
                             val,         t->source,     rl_audit_reader(),
                             t->citation, t->population, o->validated ? "true" : "false"};
        PGresult *res = admin_exec(
            ctx, cmd, rc, "storing a reference value",
            "INSERT INTO clinical.reference_value (device_model, sex, age_min, age_max, "
            "direction, measure, value, source, loaded_by, citation, population, validated) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::boolean)",
            12, p);
        if (!res)
            return -1;
        PQclear(res);
    }
    return admin_commit(ctx, cmd, rc);
}

static void
s_load_render(rl_cli_ctx_t *ctx, const s_load_opts_t *o, const s_table_t *t)
{
    if (rl_cli_json(ctx)) {
        json_t *j = json_object();
        json_object_set_new(j, "loaded", json_integer((json_int_t)t->n));
        json_object_set_new(j, "source", json_string(t->source));
        json_object_set_new(j, "citation", json_string(t->citation));
        json_object_set_new(j, "population", json_string(t->population));
        json_object_set_new(j, "validated", json_boolean(o->validated));
        admin_json_print(j);
    } else {
        printf("reference values loaded: %zu from %s (%s; %s)\n", t->n, t->source,
               o->validated ? "validated" : "NOT validated: final letters will not use them",
               t->citation);
    }
}

static int
s_load(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "reference load";
    s_load_opts_t o = {0};
    const admin_opt_t opts[] = {{"--citation", &o.citation, NULL},
                                {"--population", &o.population, NULL},
                                {"--validated", NULL, &o.validated},
                                {NULL, NULL, NULL}};
    if (admin_parse_arg(ctx, cmd, argc, argv, 2, opts, "give the CSV file", &o.path) < 0)
        return RL_EXIT_USAGE;
    s_table_t t = {0};
    int rc = s_load_file(cmd, &o, &t);
    if (rc == RL_EXIT_OK) {
        if (s_store(ctx, cmd, &rc, &o, &t) == 0)
            s_load_render(ctx, &o, &t);
        else
            admin_rollback(ctx);
    }
    free(t.rows);
    free(t.note);
    free(t.source);
    free(t.citation);
    free(t.population);
    return rc;
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *model = NULL;
    const admin_opt_t opts[] = {{"--model", &model, NULL}, {NULL, NULL, NULL}};
    return admin_list(ctx, "reference list", argc, argv, opts, "listing the reference values",
                      "SELECT device_model, sex, age_min, age_max, direction, measure, "
                      "value, validated, citation, population, source "
                      "FROM clinical.reference_value "
                      "WHERE $1::text IS NULL OR device_model = $1 "
                      "ORDER BY device_model, sex, direction, measure, age_min",
                      1, &model, "age_min,age_max,value");
}

static int
s_srd(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "reference srd";
    const char *model = NULL, *direction = NULL, *pct = NULL, *source = NULL;
    const admin_opt_t opts[] = {{"--model", &model, NULL},
                                {"--direction", &direction, NULL},
                                {"--pct", &pct, NULL},
                                {"--source", &source, NULL},
                                {NULL, NULL, NULL}};
    if (admin_parse(ctx, cmd, argc, argv, 2, opts, NULL, 0, NULL) < 0 ||
        admin_require(cmd, "--model", model) < 0 ||
        admin_require(cmd, "--direction", direction) < 0 || admin_require(cmd, "--pct", pct) < 0)
        return RL_EXIT_USAGE;
    rl_direction_t dir;
    rl_err_t err;
    double v;
    if (rl_direction_parse(direction, &dir, &err) < 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        return RL_EXIT_FAIL;
    }
    if (admin_parse_number(cmd, "--pct", pct, 1, 200, &v) < 0)
        return RL_EXIT_FAIL;
    int rc = RL_EXIT_OK;
    const char *p[5] = {model, rl_direction_name(dir), pct, source, rl_audit_reader()};
    PGresult *res =
        admin_exec(ctx, cmd, &rc, "storing the setting",
                   "INSERT INTO clinical.srd_setting (device_model, direction, srd_pct, "
                   "source, set_by) VALUES ($1, $2, $3, $4, $5) "
                   "ON CONFLICT (device_model, direction) DO UPDATE SET "
                   "srd_pct = EXCLUDED.srd_pct, source = EXCLUDED.source, "
                   "set_by = EXCLUDED.set_by, set_at = now()",
                   5, p);
    if (!res)
        return rc;
    PQclear(res);
    printf("smallest real difference of %s %s: %g %%\n", model, p[1], v);
    return RL_EXIT_OK;
}

static int
s_srd_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_list(ctx, "reference srd-list", argc, argv, NULL, "listing the settings",
                      "SELECT device_model, direction, srd_pct, source, set_by, set_at "
                      "FROM clinical.srd_setting ORDER BY device_model, direction",
                      0, NULL, "srd_pct");
}

static const rl_cli_command_t s_subs[] = {
    {"load", "replace the reference values of the models a CSV file names", s_load},
    {"list", "the loaded reference values", s_list},
    {"srd", "set the smallest real difference of a model and direction", s_srd},
    {"srd-list", "the smallest real difference settings", s_srd_list},
};

static const admin_group_t s_group = {"reference", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_reference_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
