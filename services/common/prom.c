/* The Prometheus text exposition format (see ruglab/prom.h). */
#include "ruglab/prom.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool
rl_prom_name_valid(const char *name, bool label)
{
    if (!name || !*name)
        return false;
    if (label && name[0] == '_' && name[1] == '_')
        return false; /* reserved for Prometheus itself */
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (!label && c == ':') || (p != name && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

void
rl_prom_escape_label(FILE *out, const char *value)
{
    for (const char *p = value; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", out);
        else if (*p == '"')
            fputs("\\\"", out);
        else if (*p == '\n')
            fputs("\\n", out);
        else
            fputc(*p, out);
    }
}

void
rl_prom_family(FILE *out, const char *name, const char *type, const char *help)
{
    assert(rl_prom_name_valid(name, false));
    assert(!strcmp(type, "counter") || !strcmp(type, "gauge") || !strcmp(type, "histogram"));
    fprintf(out, "# HELP %s ", name);
    for (const char *p = help; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", out);
        else if (*p == '\n')
            fputs("\\n", out);
        else
            fputc(*p, out);
    }
    fprintf(out, "\n# TYPE %s %s\n", name, type);
}

static void
s_head(FILE *out, const char *name, const rl_prom_label_t *labels, size_t n)
{
    assert(rl_prom_name_valid(name, false));
    fputs(name, out);
    if (n == 0)
        return;
    fputc('{', out);
    for (size_t i = 0; i < n; i++) {
        assert(rl_prom_name_valid(labels[i].name, true));
        fprintf(out, "%s%s=\"", i ? "," : "", labels[i].name);
        rl_prom_escape_label(out, labels[i].value);
        fputc('"', out);
    }
    fputc('}', out);
}

/* The shortest of %.15g..%.17g that reads back as v. */
static void
s_double(FILE *out, double v)
{
    if (isnan(v)) {
        fputs("NaN", out);
        return;
    }
    if (isinf(v)) {
        fputs(v > 0 ? "+Inf" : "-Inf", out);
        return;
    }
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, out);
}

void
rl_prom_sample_u64(FILE *out, const char *name, const rl_prom_label_t *labels, size_t n,
                   uint64_t value)
{
    s_head(out, name, labels, n);
    fprintf(out, " %" PRIu64 "\n", value);
}

void
rl_prom_sample(FILE *out, const char *name, const rl_prom_label_t *labels, size_t n, double value)
{
    s_head(out, name, labels, n);
    fputc(' ', out);
    s_double(out, value);
    fputc('\n', out);
}

void
rl_prom_histogram(FILE *out, const char *name, const double *bounds, size_t n_bounds,
                  const uint64_t *counts, double sum)
{
    assert(rl_prom_name_valid(name, false));
    uint64_t total = 0;
    for (size_t i = 0; i <= n_bounds; i++) {
        assert(i == 0 || i == n_bounds || bounds[i] > bounds[i - 1]);
        total += counts[i];
        fprintf(out, "%s_bucket{le=\"", name);
        if (i < n_bounds)
            s_double(out, bounds[i]);
        else
            fputs("+Inf", out);
        fprintf(out, "\"} %" PRIu64 "\n", total);
    }
    fprintf(out, "%s_sum ", name);
    s_double(out, sum);
    fprintf(out, "\n%s_count %" PRIu64 "\n", name, total);
}

size_t
rl_prom_bucket(const double *bounds, size_t n_bounds, double v)
{
    size_t i = 0;
    while (i < n_bounds && !(v <= bounds[i]))
        i++;
    return i;
}
