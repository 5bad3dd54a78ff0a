/* Running gnuplot for the charts of the command-line tools: one child
 * process (no shell) on a script file, with stdin from /dev/null, its
 * output (stdout and stderr) captured, a time limit, and one line saying
 * why it failed. The caller owns the script and the log file; the child is
 * always waited for before returning. Not for threads: it forks. */
#ifndef RUGLAB_GNUPLOT_H
#define RUGLAB_GNUPLOT_H

#include "ruglab/err.h"

#include <stddef.h>

/* How long one gnuplot run may take before it is killed: far above what
 * a chart needs, so that only a hung gnuplot is stopped. */
#define RL_GNUPLOT_TIMEOUT_MS 120000

/* Runs `gnuplot SCRIPT`. gnuplot is a path, or a name looked up in PATH.
 * When log is not NULL, gnuplot's output is written there (created 0600,
 * truncated). Returns 0 when gnuplot exits with status 0; otherwise -1 with
 * err one of:
 *   "gnuplot not found (install gnuplot-nox)"
 *   "cannot start gnuplot: <why>"
 *   "gnuplot failed (status N): <the line it complained with>"
 *   "gnuplot was killed by signal N"
 *   "gnuplot did not finish within N s and was stopped" (SIGKILL) */
int rl_gnuplot_run(const char *gnuplot, const char *script, const char *log, int timeout_ms,
                   rl_err_t *err) __attribute__((warn_unused_result));

/* The line of gnuplot's output that says what went wrong: the first one
 * naming a script line or an error ("... line 12: ...", "...rror..."),
 * else the last line that is neither blank nor a caret marker ("   ^").
 * Copied into line (size bytes, cut to fit); "" when there is none. */
void rl_gnuplot_error_line(const char *output, char *line, size_t size);

#endif
