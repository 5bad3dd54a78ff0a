/* The completeness of the quality tables per site: of the enrolments, the
 * share with a start questionnaire and a start device test; of the
 * completed ones, the share with an end questionnaire and an end device
 * test. From quality.* only (no identity, no clinical table), so it runs
 * on a site's database and on the registry alike. A count under 5 is
 * "<5", and so is a share of a whole under 5, or whose part or rest holds
 * 1-4 enrolments (0 is nobody: 100 % and 0 % are shown). */
#include "outcomes.h"

#include "ruglab/db.h"
#include "ruglab/mem.h"

#include <stdlib.h>

/* Per site: enrolled, with a start questionnaire, with a start device
 * test, completed, and of those with an end questionnaire and an end
 * device test. */
static const char s_sql[] = "SELECT e.site_code, count(*),"
                            " count(*) FILTER (WHERE q.start_q), count(*) FILTER (WHERE q.start_d),"
                            " count(*) FILTER (WHERE e.completed),"
                            " count(*) FILTER (WHERE e.completed AND q.end_q),"
                            " count(*) FILTER (WHERE e.completed AND q.end_d)"
                            " FROM quality.enrolment e"
                            " LEFT JOIN LATERAL ("
                            "  SELECT coalesce(bool_or(m.kind = 'questionnaire' AND o.start_value "
                            "IS NOT NULL), false) AS start_q,"
                            "         coalesce(bool_or(m.kind <> 'questionnaire' AND o.start_value "
                            "IS NOT NULL), false) AS start_d,"
                            "         coalesce(bool_or(m.kind = 'questionnaire' AND o.end_value IS "
                            "NOT NULL), false) AS end_q,"
                            "         coalesce(bool_or(m.kind <> 'questionnaire' AND o.end_value "
                            "IS NOT NULL), false) AS end_d"
                            "  FROM quality.outcome o JOIN quality.measure m USING (measure)"
                            "  WHERE o.enrolment_key = e.enrolment_key) q ON true"
                            " GROUP BY e.site_code ORDER BY e.site_code";

int
outcomes_completeness_table(PGconn *conn, outcomes_table_t **table, rl_err_t *err)
{
    static const char *const names[] = {"site",           "enrolled",  "start_questionnaire_pct",
                                        "start_test_pct", "completed", "end_questionnaire_pct",
                                        "end_test_pct"};
    static const bool numeric[] = {false, true, true, true, true, true, true};
    *table = NULL;
    PGresult *res = rl_db_exec(conn, err, "reading the completeness", s_sql, 0, NULL);
    if (!res)
        return -1;
    *table = outcomes_table_new(7, names, numeric);
    for (int r = 0; r < PQntuples(res); r++) {
        long v[6];
        for (int c = 0; c < 6; c++)
            v[c] = atol(PQgetvalue(res, r, c + 1));
        char b[6][OUTCOMES_NUM];
        const char *cells[7] = {PQgetvalue(res, r, 0)};
        /* the counts, and each share of its whole (enrolled or completed) */
        cells[1] = outcomes_count_text(b[0], outcomes_cell_primary(v[0]));
        cells[4] = outcomes_count_text(b[3], outcomes_cell_primary(v[3]));
        static const int part[4] = {1, 2, 4, 5}, whole[4] = {0, 0, 3, 3}, col[4] = {2, 3, 5, 6};
        for (int i = 0; i < 4; i++) {
            long n = v[whole[i]];
            long k_n = v[part[i]], rest = n - k_n;
            outcomes_cell_t k = {k_n, outcomes_suppress_primary(n) ||
                                          (k_n > 0 && outcomes_suppress_primary(k_n)) ||
                                          (rest > 0 && outcomes_suppress_primary(rest))};
            cells[col[i]] = outcomes_pct_text(b[part[i]], k, n);
        }
        outcomes_table_add(*table, cells);
    }
    PQclear(res);
    return 0;
}
