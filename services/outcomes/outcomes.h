/* ruglab-outcomes: the quality team's tool over the pseudonymised quality
 * schema (deploy/sql/400_quality_tables.sql). Private modules:
 *   outcomes_table.c     a result table of text cells, printed aligned, as CSV or JSON
 *   outcomes_suppress.c  small-cell suppression (primary and secondary), pure logic
 *   outcomes_fetch.c     grouped counts and change values from the database
 *   outcomes_summary.c   `summary`, `cohorts`, `compare`
 *   outcomes_chart.c     gnuplot charts: run chart, box plots, funnel plot
 * Single-threaded; one PGconn owned by main. */
#ifndef RUGLAB_OUTCOMES_H
#define RUGLAB_OUTCOMES_H

#include "ruglab/cli.h"
#include "ruglab/err.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Cells describing fewer patients than this are shown as "<5". */
#define OUTCOMES_MIN_CELL 5
#define OUTCOMES_SUPPRESSED "<5"

/* Commands run with the CLI shell's context (cli.h): --db, --csv/--json
 * and the connection as ruglab_quality, opened by rl_cli_connect. */

/* ------------------------------------------------------------ table */
typedef struct outcomes_table_t outcomes_table_t;

/* Columns named by ncols strings (copied). numeric[i]: the column holds
 * numbers (JSON prints them unquoted, the table right-aligns them). */
outcomes_table_t *outcomes_table_new(size_t ncols, const char *const *names, const bool *numeric);
void outcomes_table_destroy(outcomes_table_t **self_p);
/* Appends a row of ncols cells (copied; NULL = no value). */
void outcomes_table_add(outcomes_table_t *self, const char *const *cells);
size_t outcomes_table_rows(const outcomes_table_t *self);
void outcomes_table_print(const outcomes_table_t *self, rl_cli_format_t format, FILE *out);
/* {"<name_a>": [rows of a], "<name_b>": [rows of b]} */
void outcomes_table_print_json2(const char *name_a, const outcomes_table_t *a, const char *name_b,
                                const outcomes_table_t *b, FILE *out);

/* ------------------------------------------------------------ suppression */
typedef struct {
    long value;
    bool suppressed;
} outcomes_cell_t;

/* Primary suppression of one count: fewer than OUTCOMES_MIN_CELL. */
bool outcomes_suppress_primary(long value);

/* Secondary suppression down a column of group cells whose published total
 * is *total (total = sum of the groups): when exactly one group cell is
 * suppressed, the total would give it back, so the smallest other group
 * cell is suppressed too, or the total when there is no other group.
 * Returns true when it suppressed anything. */
bool outcomes_suppress_column(outcomes_cell_t *cells, size_t n, outcomes_cell_t *total);

/* Secondary suppression across a row whose published whole is split into
 * parts (enrolled = completed + dropped out + the rest): when exactly one
 * part is suppressed (hidden parts count as suppressed when they hold 1-4
 * patients), the smallest other shown part is suppressed too. Parts with
 * shown == false are never published. Returns true when it suppressed. */
bool outcomes_suppress_parts(outcomes_cell_t *parts, const bool *shown, size_t n);

/* ------------------------------------------------------------ fetching */
typedef struct {
    char **key; /* one string per grouping column */
    long enrolled, completed, dropped_out;
    /* per measure (index into outcomes_data_t.measures) */
    size_t *n_values;
    double **values;   /* the changes present */
    long *n_flagged;   /* important flag known (not NULL) */
    long *n_important; /* important flag true */
} outcomes_group_t;

typedef struct {
    size_t nkeys;
    char **key_names; /* "cohort", "site", ... */
    size_t nmeasures;
    char **measures; /* codes, in quality.measure.sort_order */
    char **labels;
    char **kinds; /* "questionnaire", "strength", "rom" */
    size_t ngroups;
    outcomes_group_t *groups;
} outcomes_data_t;

/* The SQL expression of a grouping name (cohort, site, year, programme,
 * indication, sex, age-band); NULL when unknown. */
const char *outcomes_group_expr(const char *name);

/* Fetches every group of `by` (comma-separated grouping names, or NULL for
 * one group of everything), optionally restricted by where_sql (an SQL
 * condition on quality.enrolment e with $1.. taking params) and to the
 * measures in `measures` (comma-separated codes, NULL = all). Caller owns
 * the result (outcomes_data_free). */
outcomes_data_t *outcomes_fetch(PGconn *conn, const char *by, const char *measures,
                                const char *where_sql, int nparams, const char *const *params,
                                rl_err_t *err) __attribute__((warn_unused_result));
void outcomes_data_free(outcomes_data_t **self_p);

/* ------------------------------------------------------------ commands */
int outcomes_summary_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int outcomes_cohorts_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int outcomes_compare_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int outcomes_chart_main(rl_cli_ctx_t *ctx, int argc, char **argv);

/* Connects as ruglab_quality (unless --db names a user); prints the error
 * and returns NULL on failure. */
PGconn *rl_cli_connect(rl_cli_ctx_t *ctx);

/* Formats a number with `decimals` decimals into buf ("" for NAN). */
const char *outcomes_fmt(char *buf, size_t size, double v, int decimals);

#endif
