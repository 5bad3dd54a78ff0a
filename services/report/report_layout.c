/* Where a table of the letter breaks across pages (see report.h,
 * rpt_table_plan). Pure: heights in, breaks out; the PDF code draws. */
#include "report.h"

#include <assert.h>
#include <string.h>

/* The rows a segment [from, to) holds. */
static int
s_rows(int from, int to)
{
    return to - from;
}

/* Whether rows [from, to) fit below y with the header (page bottom). */
static bool
s_fits(const double *h, int from, int to, double header, double y, double bottom)
{
    double need = header;
    for (int r = from; r < to; r++)
        need += h[r];
    return y + need <= bottom;
}

int
rpt_table_plan(const double *h, const bool *keep, int n, double header, double y, double top,
               double bottom, bool *brk)
{
    assert(n >= 0 && (n == 0 || (h && keep && brk)) && top < bottom);
    int pages = 1;
    if (n > 0)
        memset(brk, 0, (size_t)n * sizeof *brk);
    /* the table starts where it is when its header fits with its first two
     * rows (or all of them, when it has fewer) and their groups */
    int first = n < 2 ? n : 2;
    while (first < n && keep[first])
        first++;
    bool start_here = s_fits(h, 0, first, header, y, bottom);
    if (start_here && !s_fits(h, 0, n, header, y, bottom)) {
        /* it will break: is there a split with two rows on each side? if
         * not (a short table), it moves to the next page whole */
        bool splittable = false;
        for (int b = 2; b <= n - 2 && !splittable; b++)
            splittable = !keep[b] && s_fits(h, 0, b, header, y, bottom);
        start_here = splittable;
    }
    if (!start_here && y > top) {
        pages++;
        y = top;
        if (n > 0)
            brk[0] = true;
    }
    /* greedy: each row goes on the current page unless it does not fit
     * there; a break never falls before a row kept with the one above */
    int seg = 0; /* first row of the current page's segment */
    double used = header;
    for (int r = 0; r < n; r++) {
        if (r > seg && y + used + h[r] > bottom) {
            int b = r;
            while (b > seg && keep[b])
                b--; /* the whole group moves */
            /* the rows left for the next page(s): at least two */
            if (s_rows(b, n) < 2) {
                int b2 = b - 1;
                while (b2 > seg && keep[b2])
                    b2--;
                if (b2 > seg && s_rows(seg, b2) >= 2)
                    b = b2;
            }
            if (b > seg) {
                brk[b] = true;
                pages++;
                seg = b;
                y = top;
                used = header;
                for (int k = b; k < r; k++)
                    used += h[k];
            }
        }
        used += h[r];
    }
    return pages;
}
