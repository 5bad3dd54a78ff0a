/* The Prometheus text exposition format, version 0.0.4: what
 * ruglab-collector serves on GET /metrics and what ruglab-agent writes to
 * a node_exporter textfile. Writes to a FILE (open_memstream for a
 * response, a temp file for a textfile). Names are the caller's constants
 * (checked with assert); label values and help texts are escaped here.
 * Pure functions, any thread. */
#ifndef RUGLAB_PROM_H
#define RUGLAB_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The Content-Type of a scrape's answer. */
#define RL_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct {
    const char *name;  /* [a-zA-Z_][a-zA-Z0-9_]* */
    const char *value; /* any UTF-8: escaped */
} rl_prom_label_t;

/* true when name is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*); with
 * label true, a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not "__..."). */
bool rl_prom_name_valid(const char *name, bool label);

/* Writes value with its label-value escapes (\\, \", \n). */
void rl_prom_escape_label(FILE *out, const char *value);

/* "# HELP name help" (help with \\ and \n escaped) and "# TYPE name type"
 * (counter, gauge, histogram). Once per metric family, before its samples. */
void rl_prom_family(FILE *out, const char *name, const char *type, const char *help);

/* A sample "name{labels} value": an exact integer, or a double (shortest
 * text that reads back the same; +Inf, -Inf, NaN). n may be 0. */
void rl_prom_sample_u64(FILE *out, const char *name, const rl_prom_label_t *labels, size_t n,
                        uint64_t value);
void rl_prom_sample(FILE *out, const char *name, const rl_prom_label_t *labels, size_t n,
                    double value);

/* A histogram's samples (after its family line): name_bucket{le="..."}
 * cumulative over bounds (ascending) then le="+Inf", name_sum, name_count.
 * counts[i] is the number of observations in bucket i alone (above
 * bounds[i-1], at most bounds[i]); counts[n_bounds] those above the last
 * bound. The count is their total. */
void rl_prom_histogram(FILE *out, const char *name, const double *bounds, size_t n_bounds,
                       const uint64_t *counts, double sum);

/* The bucket an observation falls in: the first i with v <= bounds[i], or
 * n_bounds. */
size_t rl_prom_bucket(const double *bounds, size_t n_bounds, double v);

#endif
