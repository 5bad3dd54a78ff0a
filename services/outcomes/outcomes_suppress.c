/* Small-cell suppression (see outcomes.h and the README section "Quality
 * views"). Primary: a count below OUTCOMES_MIN_CELL (including 0) is not
 * published. Secondary: a published total or whole must never give a
 * suppressed cell back by subtraction, so when exactly one cell of a sum
 * is suppressed a second one is suppressed with it (the smallest, which
 * loses the least information). Pure functions. */
#include "outcomes.h"

bool
outcomes_suppress_primary(long value)
{
    return value < OUTCOMES_MIN_CELL;
}

outcomes_cell_t
outcomes_cell_primary(long value)
{
    return (outcomes_cell_t){value, outcomes_suppress_primary(value)};
}

outcomes_cell_t
outcomes_cell_important(long important, long flagged)
{
    return (outcomes_cell_t){important, outcomes_suppress_primary(important) ||
                                            outcomes_suppress_primary(flagged - important)};
}

bool
outcomes_suppress_column(outcomes_cell_t *cells, size_t n, outcomes_cell_t *total)
{
    bool changed = false;
    if (!total->suppressed && outcomes_suppress_primary(total->value)) {
        total->suppressed = true;
        changed = true;
    }
    size_t n_sup = 0;
    for (size_t i = 0; i < n; i++) {
        if (!cells[i].suppressed && outcomes_suppress_primary(cells[i].value)) {
            cells[i].suppressed = true;
            changed = true;
        }
        n_sup += cells[i].suppressed;
    }
    if (n_sup != 1 || total->suppressed)
        return changed;
    size_t best = n;
    for (size_t i = 0; i < n; i++)
        if (!cells[i].suppressed && (best == n || cells[i].value < cells[best].value))
            best = i;
    if (best < n)
        cells[best].suppressed = true;
    else
        total->suppressed = true;
    return true;
}

bool
outcomes_suppress_parts(outcomes_cell_t *parts, const bool *shown, size_t n)
{
    bool changed = false;
    size_t n_sup = 0;
    for (size_t i = 0; i < n; i++) {
        if (shown[i] && !parts[i].suppressed && outcomes_suppress_primary(parts[i].value)) {
            parts[i].suppressed = true;
            changed = true;
        }
        /* A part that is never published needs protection only when it
         * holds 1-4 patients: "nobody is still running" discloses no one. */
        if (!shown[i] && parts[i].value > 0 && outcomes_suppress_primary(parts[i].value))
            parts[i].suppressed = true;
        n_sup += parts[i].suppressed;
    }
    if (n_sup != 1)
        return changed;
    size_t best = n;
    for (size_t i = 0; i < n; i++)
        if (shown[i] && !parts[i].suppressed && (best == n || parts[i].value < parts[best].value))
            best = i;
    if (best < n) {
        parts[best].suppressed = true;
        changed = true;
    }
    return changed;
}

void
outcomes_counts_init(outcomes_counts_t *self, long enrolled, long completed, long dropped)
{
    self->enrolled = (outcomes_cell_t){enrolled, false};
    self->completed = (outcomes_cell_t){completed, false};
    self->dropped = (outcomes_cell_t){dropped, false};
    self->rest = (outcomes_cell_t){enrolled - completed - dropped, false};
}

bool
outcomes_suppress_counts(outcomes_counts_t *self)
{
    outcomes_cell_t parts[3] = {self->completed, self->dropped, self->rest};
    static const bool shown[3] = {true, true, false};
    bool changed = outcomes_suppress_parts(parts, shown, 3);
    self->completed = parts[0];
    self->dropped = parts[1];
    self->rest = parts[2];
    return changed;
}

void
outcomes_counts_alone(outcomes_counts_t *self, long enrolled, long completed, long dropped)
{
    outcomes_counts_init(self, enrolled, completed, dropped);
    self->enrolled.suppressed = outcomes_suppress_primary(enrolled);
    (void)outcomes_suppress_counts(self);
}
