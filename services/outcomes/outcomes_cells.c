/* The published text of a cell: a count, a percentage or a number, and
 * "<5" for a suppressed one. */
#include "outcomes.h"

#include <math.h>
#include <string.h>

/* v with `decimals` decimals, rounded half away from zero on the decimal
 * number v stands for (its first decimals + 9 decimals), as PostgreSQL's
 * round(numeric) does: a mean of exactly 1.775 is held as the double
 * 1.77499999999999991, which printf would round to 1.77; the quality team
 * checks the figures against SQL, which says 1.78. */
static void
s_round_decimal(char *buf, size_t size, double v, int decimals)
{
    /* the common case without printf's floating point: v x 10^decimals
     * clearly away from a tie (by far more than the double's error) is
     * rounded on the integer */
    static const double pow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
    if (decimals >= 0 && decimals < (int)(sizeof pow10 / sizeof pow10[0]) && fabs(v) < 1e9) {
        double r = fabs(v) * pow10[decimals], whole = floor(r), frac = r - whole;
        if (fabs(frac - 0.5) > 1e-6) {
            long long n = (long long)whole + (frac > 0.5);
            long long unit = (long long)pow10[decimals];
            if (decimals)
                snprintf(buf, size, "%s%lld.%0*lld", v < 0 ? "-" : "", n / unit, decimals,
                         n % unit);
            else
                snprintf(buf, size, "%s%lld", v < 0 ? "-" : "", n);
            return;
        }
    }
    char wide[400];
    int n = snprintf(wide, sizeof wide, "%.*f", decimals + 9, fabs(v));
    if (n < 0 || (size_t)n >= sizeof wide || decimals < 0 || decimals > 20) {
        snprintf(buf, size, "%.*f", decimals, v);
        return;
    }
    char *dot = strchr(wide, '.');
    /* the digits kept: up to the dot and decimals after it */
    size_t keep = (size_t)(dot - wide) + (decimals ? 1 + (size_t)decimals : 0);
    bool up = dot[1 + decimals] >= '5';
    wide[keep] = '\0';
    for (size_t i = keep; up && i-- > 0;) {
        if (wide[i] == '.')
            continue;
        if (wide[i] == '9') {
            wide[i] = '0';
        } else {
            wide[i]++;
            up = false;
        }
    }
    snprintf(buf, size, "%s%s%s", v < 0 ? "-" : "", up ? "1" : "", wide);
}

const char *
outcomes_fmt(char *buf, size_t size, double v, int decimals)
{
    if (v != v) {
        buf[0] = '\0';
        return buf;
    }
    s_round_decimal(buf, size, v, decimals);
    if (!strcmp(buf, "-0") || !strncmp(buf, "-0.", 3)) {
        /* "-0.00" reads as a change that is not there */
        bool zero = true;
        for (const char *p = buf + 1; *p; p++)
            if (*p != '0' && *p != '.')
                zero = false;
        if (zero)
            memmove(buf, buf + 1, strlen(buf));
    }
    return buf;
}

const char *
outcomes_count_text(char *buf, outcomes_cell_t count)
{
    if (count.suppressed)
        return OUTCOMES_SUPPRESSED;
    snprintf(buf, OUTCOMES_NUM, "%ld", count.value);
    return buf;
}

const char *
outcomes_pct_text(char *buf, outcomes_cell_t important, long flagged)
{
    if (flagged == 0)
        return NULL; /* no threshold (TSK-17) */
    if (important.suppressed)
        return OUTCOMES_SUPPRESSED;
    return outcomes_fmt(buf, OUTCOMES_NUM, 100.0 * (double)important.value / (double)flagged, 1);
}

void
outcomes_counts_cells(const outcomes_counts_t *counts, char bufs[4][OUTCOMES_NUM],
                      const char **cells)
{
    cells[0] = outcomes_count_text(bufs[0], counts->enrolled);
    cells[1] = outcomes_count_text(bufs[1], counts->completed);
    cells[2] = outcomes_count_text(bufs[2], counts->dropped);
    long ended = counts->completed.value + counts->dropped.value;
    if (counts->completed.suppressed || counts->dropped.suppressed)
        cells[3] = OUTCOMES_SUPPRESSED;
    else if (ended == 0)
        cells[3] = NULL;
    else
        cells[3] = outcomes_fmt(bufs[3], OUTCOMES_NUM,
                                100.0 * (double)counts->dropped.value / (double)ended, 1);
}
