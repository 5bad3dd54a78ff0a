/* `chart`: gnuplot charts of the quality tables. The data and a generated
 * gnuplot script go to a private temporary directory; gnuplot runs as a
 * child process (no shell) and its exit status and output file are
 * checked. Groups with fewer than 5 patients are left out of every chart
 * (and counted in the message), as in the tables.
 *   run     mean change per cohort by start week, with the overall mean
 *   box     box plots of the change per cohort or site
 *   funnel  % reaching the important change per site against the number of
 *           patients, with 95 % and 99.8 % control limits around the overall
 *           proportion (binomial, normal approximation). */
#include "outcomes.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/gnuplot.h"
#include "ruglab/measures.h"
#include "ruglab/mem.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab-outcomes chart run    --out FILE [--measure M] [--site CODE]\n"
            "       ruglab-outcomes chart box    --out FILE [--measure M] [--by cohort|site]\n"
            "       ruglab-outcomes chart funnel --out FILE [--measure M]\n\n"
            "run     mean change per cohort over time (start week), with the overall mean\n"
            "box     box plots of the change per cohort or site (default: site)\n"
            "funnel  %% reaching the important change per site by number of patients, with\n"
            "        95 %% and 99.8 %% control limits around the overall %%\n\n"
            "FILE ends in .svg, .png or .pdf. MEASURE defaults to nprs. Groups with fewer than\n"
            "5 patients are not drawn. Needs gnuplot.\n");
}

static const char *
s_terminal(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return NULL;
    if (!strcmp(dot, ".svg"))
        return "svg size 900,560 dynamic background rgb 'white'";
    if (!strcmp(dot, ".png"))
        return "pngcairo size 900,560";
    if (!strcmp(dot, ".pdf"))
        return "pdfcairo size 9in,5.6in";
    return NULL;
}

/* Runs gnuplot on the script; on failure err holds its first error line. */
static int
s_gnuplot(const char *script, const char *out_path, rl_err_t *err)
{
    if (rl_gnuplot_run("gnuplot", script, NULL, RL_GNUPLOT_TIMEOUT_MS, err) < 0)
        return -1;
    struct stat st;
    if (stat(out_path, &st) != 0 || st.st_size == 0)
        return rl_err_set(err, "gnuplot wrote no chart to %s", out_path);
    return 0;
}

static void
s_rmdir(const char *dir)
{
    static const char *const files[] = {"data.txt", "limits.txt", "chart.gp"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *p = rl_asprintf("%s/%s", dir, files[i]);
        unlink(p);
        free(p);
    }
    rmdir(dir);
}

int
outcomes_chart_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        s_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? RL_EXIT_USAGE : RL_EXIT_OK;
    }
    const char *kind = argv[1], *out_path = NULL, *measure = "nprs", *site = NULL, *by = "site";
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            s_usage(stdout);
            return RL_EXIT_OK;
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
            out_path = argv[++i];
        } else if (!strcmp(argv[i], "--measure") && i + 1 < argc) {
            measure = argv[++i];
        } else if (!strcmp(argv[i], "--site") && i + 1 < argc) {
            site = argv[++i];
        } else if (!strcmp(argv[i], "--by") && i + 1 < argc) {
            by = argv[++i];
        } else {
            rl_cli_fail("chart: unexpected argument '%s' (see chart --help)", argv[i]);
            return RL_EXIT_USAGE;
        }
    }
    if (strcmp(kind, "run") && strcmp(kind, "box") && strcmp(kind, "funnel")) {
        rl_cli_fail("chart: unknown chart '%s' (run, box, funnel)", kind);
        return RL_EXIT_USAGE;
    }
    if (!out_path) {
        rl_cli_fail("chart %s: --out FILE is required", kind);
        return RL_EXIT_USAGE;
    }
    const char *term = s_terminal(out_path);
    if (!term) {
        rl_cli_fail("chart %s: %s: the file must end in .svg, .png or .pdf", kind, out_path);
        return RL_EXIT_USAGE;
    }
    if (strpbrk(out_path, "'\n")) {
        rl_cli_fail("chart %s: the file name must not contain a quote or a newline", kind);
        return RL_EXIT_USAGE;
    }
    if (strcmp(by, "cohort") && strcmp(by, "site")) {
        rl_cli_fail("chart box: unknown grouping '%s' (cohort, site)", by);
        return RL_EXIT_FAIL;
    }
    if (strchr(measure, ',')) {
        rl_cli_fail("chart %s: one measure only", kind);
        return RL_EXIT_USAGE;
    }
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;

    int rc = RL_EXIT_OK;
    rl_err_t err;
    outcomes_data_t *d = NULL;
    PGresult *weeks = NULL;
    FILE *data = NULL, *gp = NULL;
    char *data_path = NULL, *gp_path = NULL, *lim_path = NULL;
    char dir[] = "/tmp/ruglab-chart.XXXXXX";
    bool have_dir = false;
    const char *group_by = !strcmp(kind, "run") ? "cohort" : !strcmp(kind, "box") ? by : "site";
    const char *params[1] = {site};
    d = outcomes_fetch(conn, group_by, measure, site ? "e.site_code = $1" : NULL, site ? 1 : 0,
                       params, &err);
    if (!d) {
        rl_cli_fail("chart %s: %s", kind, err.msg);
        rc = strncmp(err.msg, "unknown", 7) == 0 ? RL_EXIT_FAIL : RL_EXIT_DB;
        goto out;
    }
    size_t total_values = 0;
    for (size_t g = 0; g < d->ngroups; g++)
        total_values += d->groups[g].n_values[0];
    if (d->ngroups == 0 || total_values == 0) {
        printf("no %s changes in the quality tables: no chart drawn\n", measure);
        goto out;
    }
    if (!mkdtemp(dir)) {
        rl_cli_fail("chart %s: cannot create a temporary directory: %s", kind, strerror(errno));
        rc = RL_EXIT_FAIL;
        goto out;
    }
    have_dir = true;
    data_path = rl_asprintf("%s/data.txt", dir);
    gp_path = rl_asprintf("%s/chart.gp", dir);
    lim_path = rl_asprintf("%s/limits.txt", dir);
    data = fopen(data_path, "w");
    gp = fopen(gp_path, "w");
    if (!data || !gp) {
        rl_cli_fail("chart %s: cannot write in %s: %s", kind, dir, strerror(errno));
        rc = RL_EXIT_FAIL;
        goto out;
    }
    fprintf(
        gp,
        "set terminal %s\nset output '%s'\nset grid\nset key outside bottom center horizontal\n",
        term, out_path);
    size_t shown = 0, hidden = 0;
    const char *label = d->labels[0];

    if (!strcmp(kind, "run")) {
        weeks = rl_db_exec(
            conn, &err, "reading cohort start weeks",
            "SELECT site_code || '/' || coalesce(cohort_code, '-'), min(start_week)::text "
            "FROM quality.enrolment GROUP BY 1",
            0, NULL);
        if (!weeks) {
            rl_cli_fail("chart run: %s", err.msg);
            rc = RL_EXIT_DB;
            goto out;
        }
        double *all = rl_malloc((total_values + 1) * sizeof *all);
        size_t nall = 0;
        for (size_t g = 0; g < d->ngroups; g++) {
            const outcomes_group_t *grp = &d->groups[g];
            if (grp->n_values[0])
                memcpy(all + nall, grp->values[0], grp->n_values[0] * sizeof *all);
            nall += grp->n_values[0];
            if (outcomes_suppress_primary((long)grp->n_values[0])) {
                hidden++;
                continue;
            }
            const char *week = NULL;
            for (int r = 0; r < PQntuples(weeks); r++)
                if (!strcmp(PQgetvalue(weeks, r, 0), grp->key[0]))
                    week = PQgetvalue(weeks, r, 1);
            if (!week)
                continue;
            rl_measures_summary_t s;
            rl_measures_summary(grp->values[0], grp->n_values[0], &s);
            fprintf(data, "%s %.6f %zu\n", week, s.mean, s.n);
            shown++;
        }
        rl_measures_summary_t s;
        rl_measures_summary(all, nall, &s);
        free(all);
        fprintf(gp,
                "set title 'Mean change of %s per cohort (start week)%s%s'\n"
                "set xdata time\nset timefmt '%%Y-%%m-%%d'\nset format x '%%Y'\n"
                "set ylabel 'mean change'\n",
                label, site ? ", site " : "", site ? site : "");
        /* sorted by date in the data file for the line */
        fclose(data);
        data = NULL;
        fprintf(gp,
                "plot '< sort %s' using 1:2 with linespoints pt 7 ps 0.6 title 'cohort mean', "
                "%.6f with lines lw 2 dt 2 title 'overall mean %.2f'\n",
                data_path, s.mean, s.mean);
    } else if (!strcmp(kind, "box")) {
        for (size_t g = 0; g < d->ngroups; g++) {
            const outcomes_group_t *grp = &d->groups[g];
            if (outcomes_suppress_primary((long)grp->n_values[0])) {
                hidden++;
                continue;
            }
            for (size_t i = 0; i < grp->n_values[0]; i++)
                fprintf(data, "\"%s\" %.6f\n", grp->key[0], grp->values[0][i]);
            shown++;
        }
        fprintf(
            gp,
            "set title 'Change of %s per %s'\nset ylabel 'change (end - start)'\n"
            "set style fill solid 0.25 border -1\nset style boxplot outliers pointtype 7\n"
            "set style data boxplot\nset xtics rotate by -45\nunset key\nset offsets 0, 0, 1, 1\n"
            "plot '%s' using (1.0):2:(0.5):1\n",
            label, by, data_path);
    } else {
        long sum_k = 0, sum_n = 0, max_n = 0;
        for (size_t g = 0; g < d->ngroups; g++) {
            sum_k += d->groups[g].n_important[0];
            sum_n += d->groups[g].n_flagged[0];
        }
        if (sum_n == 0) {
            printf("%s has no important-change threshold (or no changes): no funnel plot drawn\n",
                   measure);
            goto out;
        }
        double p0 = (double)sum_k / (double)sum_n;
        for (size_t g = 0; g < d->ngroups; g++) {
            const outcomes_group_t *grp = &d->groups[g];
            long n = grp->n_flagged[0], k = grp->n_important[0];
            if (outcomes_suppress_primary(n) || outcomes_suppress_primary(k) ||
                outcomes_suppress_primary(n - k)) {
                hidden++;
                continue;
            }
            fprintf(data, "%ld %.6f \"%s\"\n", n, 100.0 * (double)k / (double)n, grp->key[0]);
            if (n > max_n)
                max_n = n;
            shown++;
        }
        fprintf(
            gp,
            "set title '%% reaching the important change of %s per site'\n"
            "set xlabel 'patients with a start and end value'\nset ylabel '%%'\n"
            "p0 = %.8f\nlim(n, z) = 100 * (p0 + z * sqrt(p0 * (1 - p0) / n))\n"
            "set xrange [1:%ld]\nset yrange [0:100]\nset samples 400\n"
            "plot lim(x, 1.959964) lt 2 dt 2 title '95 %%', lim(x, -1.959964) lt 2 dt 2 notitle, "
            "lim(x, 3.090232) lt 1 dt 3 title '99.8 %%', lim(x, -3.090232) lt 1 dt 3 notitle, "
            "100 * p0 lt -1 title 'overall %.1f %%', "
            "'%s' using 1:2 with points pt 7 ps 1 lc rgb 'black' title 'site', "
            "'' using 1:2:3 with labels offset 0,1 font ',8' notitle\n",
            label, p0, (long)(max_n * 1.2) + 5, 100.0 * p0, data_path);
    }
    if (shown == 0) {
        printf("every group has fewer than 5 patients: no chart drawn\n");
        goto out;
    }
    if (data) {
        fclose(data);
        data = NULL;
    }
    fclose(gp);
    gp = NULL;
    if (s_gnuplot(gp_path, out_path, &err) < 0) {
        rl_cli_fail("chart %s: %s", kind, err.msg);
        rc = RL_EXIT_FAIL;
        goto out;
    }
    printf("chart written to %s: %zu %s%s%s", out_path, shown,
           !strcmp(kind, "run")   ? "cohort"
           : !strcmp(kind, "box") ? by
                                  : "site",
           shown == 1 ? "" : "s", hidden ? "" : "\n");
    if (hidden)
        printf(" (%zu with fewer than 5 patients not shown)\n", hidden);
out:
    if (data)
        fclose(data);
    if (gp)
        fclose(gp);
    if (have_dir)
        s_rmdir(dir);
    free(data_path);
    free(gp_path);
    free(lim_path);
    PQclear(weeks);
    outcomes_data_free(&d);
    return rc;
}
