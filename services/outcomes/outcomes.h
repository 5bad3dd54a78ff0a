/* ruglab-outcomes: the quality team's tool over the pseudonymised quality
 * schema (deploy/sql/400_quality_tables.sql). Each command parses its
 * arguments into an options struct, fetches a model and renders it.
 * Private modules:
 *   outcomes_command.c   a command's arguments, and its steps run in order
 *   outcomes_table.c     a result table of text cells, printed aligned, as CSV or
 *                        JSON; a view of a command's tables in each output format
 *   outcomes_suppress.c  small-cell suppression (primary and secondary), pure logic
 *   outcomes_cells.c     the published text of counts, percentages and numbers
 *   outcomes_fetch.c     grouped counts and change values from the pre-aggregated
 *                        tables (migration 610)
 *   outcomes_summary.c   `summary`
 *   outcomes_compare.c   `compare`
 *   outcomes_chart.c     `chart`: gnuplot charts, a table of chart kinds
 *   outcomes_cohorts.c   `cohorts`
 *   outcomes_refresh.c   `refresh`
 *   outcomes_rtw.c       `rtw`: return to work (quality.work_status)
 *   outcomes_completeness.c  per site, the share of enrolments with start and
 *                        end questionnaires and device tests (ruglab-web)
 *   outcomes_adjusted.c  `adjusted` and `funnel`: case-mix adjusted sites
 *   main.c               the command table and the usage text
 * Single-threaded; one PGconn owned by the CLI shell's context. */
#ifndef RUGLAB_OUTCOMES_H
#define RUGLAB_OUTCOMES_H

#include "ruglab/cli.h"
#include "ruglab/err.h"
#include "ruglab/casemix.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Cells describing fewer patients than this are shown as "<5". */
#define OUTCOMES_MIN_CELL 5
#define OUTCOMES_SUPPRESSED "<5"

/* Room for one formatted number of a cell. */
#define OUTCOMES_NUM 32

/* Commands run with the CLI shell's context (cli.h): --db, --csv/--json
 * and the connection as ruglab_quality, opened by rl_cli_connect. */

/* ------------------------------------------------------------ commands */
/* A command as its steps (like the agent's driver table); each gets the
 * command's own state, self (zeroed by the caller). */
typedef struct {
    /* Reads the arguments (argv[0] is the command's name): -1 to go on,
     * or the exit code. */
    int (*parse)(void *self, int argc, char **argv);
    /* Reads the model from the database: -1 to go on, or the exit code. */
    int (*fetch)(void *self, PGconn *conn);
    /* Prints the model in the format; returns the exit code. */
    int (*render)(void *self, PGconn *conn, rl_cli_format_t format);
    /* Frees what the steps left in self. */
    void (*clear)(void *self);
} outcomes_command_t;

/* parse, connect as ruglab_quality (rl_cli_connect), fetch, render, and
 * clear once connected. Returns the exit code. */
int outcomes_command_run(const outcomes_command_t *cmd, void *self, rl_cli_ctx_t *ctx, int argc,
                         char **argv);

/* ------------------------------------------------------------ arguments */
/* An option with a value: "--by GROUPING" sets *value. */
typedef struct {
    const char *flag;
    const char **value;
} outcomes_opt_t;

typedef struct {
    const char *name;         /* "summary": the messages say "summary: ..." */
    void (*usage)(FILE *out); /* printed on stdout for -h/--help */
    outcomes_opt_t opts[5];   /* ended by a {NULL} entry */
    const char **operands;    /* arguments not starting with '-', up to max_operands */
    int max_operands;
    int n_operands; /* set by outcomes_args_parse */
} outcomes_args_t;

/* Reads argv[first..argc-1]: -h/--help prints the usage (RL_EXIT_OK); an
 * option of self->opts followed by a value sets it; an operand is kept;
 * anything else is "NAME: unexpected argument 'X' (see NAME --help)"
 * (RL_EXIT_USAGE). Returns -1 when the command goes on. */
int outcomes_args_parse(outcomes_args_t *self, int argc, char **argv, int first);

/* A command without arguments: -h/--help (as the first) prints help, any
 * other argument is "NAME: unexpected argument 'X'" (RL_EXIT_USAGE).
 * Returns -1 to go on. */
int outcomes_args_none(const char *name, const char *help, int argc, char **argv);

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

/* What `summary` and `compare` print: a table of groups and one of
 * measures. The tables belong to the view (outcomes_view_clear). */
typedef struct {
    const char *groups_name;    /* JSON: the key of the groups ("groups", "sides") */
    outcomes_table_t *groups;   /* one row per group */
    outcomes_table_t *measures; /* one row per group (or all groups) and measure */
    outcomes_table_t *csv;      /* --csv: one row per group and measure */
    bool skip_empty_measures;   /* table: no measure table when it has no row */
    const char *note;           /* table: the line after a blank line at the end */
} outcomes_view_t;

/* Table: groups, a blank line, measures, a blank line and the note; CSV:
 * the csv table; JSON: {"<groups_name>": [...], "measures": [...]}. */
void outcomes_view_print(const outcomes_view_t *view, rl_cli_format_t format, FILE *out);

/* Destroys the view's tables (csv may be one of the other two). */
void outcomes_view_clear(outcomes_view_t *view);

/* ------------------------------------------------------------ case-mix */
/* `adjusted`, `funnel` and `chart adjusted` (outcomes_adjusted.c): set
 * name, measure and indicator ("change" or "mcid"), the rest zeroed. */
typedef struct {
    const char *name; /* "adjusted", "funnel", "chart adjusted": the messages' prefix */
    const char *measure;
    const char *by;
    const char *indicator; /* "change" or "mcid" */
    bool csv;              /* --csv after the command */
    bool mcid;
    rl_casemix_t m; /* the model (casemix.h) */
} outcomes_adjusted_t;

/* Fits the model (rl_casemix_fit, sites under OUTCOMES_MIN_CELL not
 * tested): -1 to go on, or the exit code (the message printed, prefixed by
 * name). */
int outcomes_adjusted_fetch(outcomes_adjusted_t *a, PGconn *conn);
void outcomes_adjusted_clear(outcomes_adjusted_t *a);

/* The sites of the fitted model a->m (a->mcid set) as `adjusted` and
 * `funnel` print them: site, n, unadjusted, unadjusted_diff, adjusted,
 * observed, expected, o_minus_e, o_over_e (mcid), se, z, z_winsorised,
 * limit95, limit998 (the limits at the site's n), funnel95, funnel998
 * (inside, above, below); sites under OUTCOMES_MIN_CELL rows left out,
 * *shown the sites in it. Caller owns the table. */
outcomes_table_t *outcomes_adjusted_table(const outcomes_adjusted_t *a, int *shown);

/* ------------------------------------------------------------ suppression */
typedef struct {
    long value;
    bool suppressed;
} outcomes_cell_t;

/* Primary suppression of one count: fewer than OUTCOMES_MIN_CELL. */
bool outcomes_suppress_primary(long value);

/* A count with its primary suppression. */
outcomes_cell_t outcomes_cell_primary(long value);

/* The count of patients reaching the important change among the flagged
 * ones: both those reaching it and those not reaching it are cells. */
outcomes_cell_t outcomes_cell_important(long important, long flagged);

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

/* The enrolment counts of one group. */
typedef struct {
    outcomes_cell_t enrolled, completed, dropped;
    outcomes_cell_t rest; /* enrolled - completed - dropped: never published */
} outcomes_counts_t;

/* Counts with nothing suppressed yet. */
void outcomes_counts_init(outcomes_counts_t *self, long enrolled, long completed, long dropped);

/* outcomes_suppress_parts on completed, dropped out and the rest. */
bool outcomes_suppress_counts(outcomes_counts_t *self);

/* Counts published without a total beside them: primary suppression of
 * enrolled, and outcomes_suppress_counts. */
void outcomes_counts_alone(outcomes_counts_t *self, long enrolled, long completed, long dropped);

/* ------------------------------------------------------------ cell text */
/* Formats a number with `decimals` decimals into buf ("" for NAN). */
const char *outcomes_fmt(char *buf, size_t size, double v, int decimals);

/* "<5" when suppressed, else the count in buf. */
const char *outcomes_count_text(char *buf, outcomes_cell_t count);

/* NULL when nobody is flagged (no threshold), "<5" when suppressed, else
 * the percentage reaching the important change (one decimal) in buf. */
const char *outcomes_pct_text(char *buf, outcomes_cell_t important, long flagged);

/* The cells enrolled, completed, dropped_out and dropout_pct (dropped out
 * / ended, "<5" when either is suppressed, NULL when nobody ended). */
void outcomes_counts_cells(const outcomes_counts_t *counts, char bufs[4][OUTCOMES_NUM],
                           const char **cells);

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

/* The SQL expression on quality.enrolment e of a grouping name (cohort,
 * site, year, programme, route, indication, sex, age-band); NULL when
 * unknown. */
const char *outcomes_group_expr(const char *name);

/* Checks a --by list before connecting: "empty grouping in 'BY'" when it
 * is empty or ends in a comma, else the first unknown name between commas
 * (an empty name between two commas is left to outcomes_fetch). */
int outcomes_grouping_check(const char *by, rl_err_t *err) __attribute__((warn_unused_result));

/* Which enrolments a fetch reads: one site's (NULL: all), and of it one
 * cohort's (NULL: all; a cohort needs its site). */
typedef struct {
    const char *site;
    const char *cohort;
} outcomes_filter_t;

/* Fetches every group of `by` (comma-separated grouping names, or NULL for
 * one group of everything) of the enrolments of filter (NULL: all), of
 * the measures in `measures` (comma-separated codes, NULL = all), from the
 * pre-aggregated tables of 610 (the values of each group and measure in
 * no particular order: outcomes_data_sort). Caller owns the result
 * (outcomes_data_free). */
outcomes_data_t *outcomes_fetch(PGconn *conn, const char *by, const char *measures,
                                const outcomes_filter_t *filter, rl_err_t *err)
    __attribute__((warn_unused_result));

/* outcomes_fetch of the enrolments of one site (site NULL: of all). */
outcomes_data_t *outcomes_fetch_site(PGconn *conn, const char *by, const char *measures,
                                     const char *site, rl_err_t *err)
    __attribute__((warn_unused_result));

/* Says "WHAT: <err>" and returns the exit code of a failed outcomes_fetch:
 * RL_EXIT_FAIL for an unknown grouping or measure, else RL_EXIT_DB. */
int outcomes_fetch_failed(const char *what, const rl_err_t *err);

/* Sorts the values of every group and measure ascending. */
void outcomes_data_sort(outcomes_data_t *d);

void outcomes_data_free(outcomes_data_t **self_p);

/* ------------------------------------------------------------ models */
/* What `summary --by BY --measure MEASURES --site SITE` prints, as a view
 * (the caller clears it with outcomes_view_clear): the number of groups
 * (0: no enrolments, an empty view), or -1 with err set (an unknown
 * grouping or measure, or the database). Thread-safe (no static state). */
int outcomes_summary_view(PGconn *conn, const char *by, const char *measures, const char *site,
                          outcomes_view_t *view, rl_err_t *err);

/* ------------------------------------------------------------ charts */
/* The words of a chart, from its caller: plain UTF-8 text (not HTML; the
 * chart module quotes it for gnuplot, a newline becomes a space). NULL or
 * "" where a kind has none. */
typedef struct outcomes_chart_words_t {
    char *title;
    char *xlabel; /* run, box: none */
    char *ylabel;
    char *series;             /* the points' key: "cohort mean" (run), "site" */
    char *reference;          /* the reference line's key: "overall mean" (run, the
                                 mean follows), "overall" (funnel, the % follows),
                                 "expected" (adjusted); box: none */
    char *limit95, *limit998; /* the limits' keys (funnel, adjusted) */
} outcomes_chart_words_t;

/* The CLI's English words of chart KIND (run, box, funnel, adjusted) of the
 * measure named label; by: box's grouping, site: run's --site (or NULL),
 * mcid: the adjusted funnel of reaching the important change. Free with
 * outcomes_chart_words_clear. */
void outcomes_chart_words_en(const char *kind, const char *label, const char *by, const char *site,
                             bool mcid, outcomes_chart_words_t *w);
void outcomes_chart_words_clear(outcomes_chart_words_t *w);

/* Draws `chart KIND --measure MEASURE --by BY` (KIND run or box, BY site
 * or cohort for box) with the caller's words (NULL: the CLI's English
 * ones) into out_path (.svg, .png or .pdf), with *drawn the
 * numbers drawn (run: cohort, start_week as an ISO week "2025-W41", n, mean_change; box: the group
 * and each change), groups of fewer than 5 patients left out as in the
 * CLI. Returns 1 when drawn, 0 when there is nothing to draw (*drawn may
 * be empty), -1 with err set. Writes nothing on stdout or stderr except
 * a database error of the run chart's start weeks (the CLI's message).
 * Runs gnuplot: callers in threads serialise the calls. */
int outcomes_chart_draw(PGconn *conn, const char *kind, const char *measure, const char *by,
                        const outcomes_chart_words_t *words, const char *out_path,
                        outcomes_table_t **drawn, rl_err_t *err);

/* Draws the funnel of `chart adjusted` from a fitted model (a->m, a->mcid
 * as outcomes_adjusted_table's) with the caller's words into out_path: per site of 5 or more rows O
 * - E against n, with the 95 % and 99.8 % limits (v, tau^2 of the model); the numbers drawn are
 * outcomes_adjusted_table's n, o_minus_e, limit95 and limit998. Returns 1
 * when drawn, 0 when no site has 5 rows, -1 with err set. Runs gnuplot:
 * callers in threads serialise the calls. */
int outcomes_chart_adjusted_draw(const outcomes_adjusted_t *a, const outcomes_chart_words_t *words,
                                 const char *out_path, rl_err_t *err);

/* Per site: enrolled, % with a start questionnaire, % with a start device
 * test, completed, % of those with an end questionnaire, % with an end
 * device test (quality.* only; a count under 5 is "<5", and so is a share
 * of a whole under 5 or whose part or rest holds 1-4 enrolments; a share
 * is empty when its whole is 0). *table is the caller's: 0, or -1 with err. */
int outcomes_completeness_table(PGconn *conn, outcomes_table_t **table, rl_err_t *err);

/* A table's shape and cells (row-major; NULL cell = no value). */
size_t outcomes_table_cols(const outcomes_table_t *self);
const char *outcomes_table_name(const outcomes_table_t *self, size_t col);
const char *outcomes_table_cell(const outcomes_table_t *self, size_t row, size_t col);

/* ------------------------------------------------------------ the commands */
int outcomes_refresh_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int outcomes_summary_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int outcomes_cohorts_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int outcomes_compare_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int outcomes_chart_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int outcomes_rtw_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int outcomes_adjusted_main(rl_cli_ctx_t *ctx, int argc, char **argv);
int outcomes_funnel_main(rl_cli_ctx_t *ctx, int argc, char **argv);

#endif
