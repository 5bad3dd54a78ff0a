/* Unit tests of where a letter's table breaks across pages
 * (rpt_table_plan): a header never alone at a page's foot, at least two
 * rows on every page of a table, a direction's two rows never separated,
 * every page's part fits; checked on fixed cases and on 20,000 random
 * tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../services/report/report.h"

#define TOP 50.0
#define BOTTOM 780.0

static double s_h[64];
static bool s_keep[64], s_brk[64];

static void
s_rows(int n, double h)
{
    for (int i = 0; i < n; i++) {
        s_h[i] = h;
        s_keep[i] = false;
    }
}

static void
test_fits_whole(void **state)
{
    (void)state;
    s_rows(10, 12);
    assert_int_equal(rpt_table_plan(s_h, s_keep, 10, 14, 300, TOP, BOTTOM, s_brk), 1);
    for (int i = 0; i < 10; i++)
        assert_false(s_brk[i]);
}

static void
test_header_never_alone(void **state)
{
    (void)state;
    /* room for the header and one row: the table starts on the next page */
    s_rows(10, 12);
    assert_int_equal(rpt_table_plan(s_h, s_keep, 10, 14, BOTTOM - 14 - 20, TOP, BOTTOM, s_brk), 2);
    assert_true(s_brk[0]);
    for (int i = 1; i < 10; i++)
        assert_false(s_brk[i]);
}

static void
test_continuation_two_rows(void **state)
{
    (void)state;
    /* 15 rows of 12: the page holds the header and 14; the last would be
     * alone on the next page, so the one before it goes too */
    s_rows(15, 12);
    double y = BOTTOM - 14 - 14 * 12;
    assert_int_equal(rpt_table_plan(s_h, s_keep, 15, 14, y, TOP, BOTTOM, s_brk), 2);
    assert_false(s_brk[0]);
    assert_true(s_brk[13]);
    for (int i = 0; i < 15; i++)
        if (i != 13)
            assert_false(s_brk[i]);
}

static void
test_short_table_moves_whole(void **state)
{
    (void)state;
    /* three rows, room for two: no split leaves two on each side */
    s_rows(3, 12);
    assert_int_equal(rpt_table_plan(s_h, s_keep, 3, 14, BOTTOM - 14 - 24, TOP, BOTTOM, s_brk), 2);
    assert_true(s_brk[0]);
    assert_false(s_brk[1]);
    assert_false(s_brk[2]);
}

static void
test_direction_pairs(void **state)
{
    (void)state;
    /* 12 rows in pairs (torque, range) and 3 single rows; the page ends
     * after the 4th row and a half */
    s_rows(15, 12);
    for (int i = 1; i < 12; i += 2)
        s_keep[i] = true;
    double y = BOTTOM - 14 - 4.5 * 12;
    rpt_table_plan(s_h, s_keep, 15, 14, y, TOP, BOTTOM, s_brk);
    assert_false(s_brk[0]);
    assert_true(s_brk[4]);
    for (int i = 0; i < 15; i++)
        if (s_brk[i])
            assert_false(s_keep[i]);
}

static void
test_no_rows(void **state)
{
    (void)state;
    assert_int_equal(rpt_table_plan(NULL, NULL, 0, 14, 300, TOP, BOTTOM, NULL), 1);
}

/* Random tables: every rule holds whatever the heights and the start. */
static void
test_random_invariants(void **state)
{
    (void)state;
    srand(12345);
    for (int iter = 0; iter < 20000; iter++) {
        int n = 1 + rand() % 60;
        double header = 10 + rand() % 20;
        for (int i = 0; i < n; i++) {
            s_h[i] = 8 + rand() % 30;
            s_keep[i] = i > 0 && !s_keep[i - 1] && rand() % 3 == 0;
        }
        double y = TOP + (double)(rand() % (int)(BOTTOM - TOP));
        int pages = rpt_table_plan(s_h, s_keep, n, header, y, TOP, BOTTOM, s_brk);
        /* segments */
        int seg = 0, count = 1;
        double at = s_brk[0] ? TOP : y;
        for (int r = 0; r <= n; r++) {
            if (r == n || (r > 0 && s_brk[r])) {
                double need = header;
                for (int k = seg; k < r; k++)
                    need += s_h[k];
                /* the part fits (it started at the top or where the table did) */
                assert_true(at + need <= BOTTOM + 1e-9);
                /* two rows at least, unless the table has fewer */
                if (n >= 2)
                    assert_true(r - seg >= 2);
                if (r < n) {
                    assert_false(s_keep[r]);
                    seg = r;
                    at = TOP;
                    count++;
                }
            }
        }
        assert_int_equal(count + (s_brk[0] ? 1 : 0), pages);
        /* a table that fits where it is never breaks */
        double all = header;
        for (int k = 0; k < n; k++)
            all += s_h[k];
        if (y + all <= BOTTOM)
            assert_int_equal(pages, 1);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fits_whole),
        cmocka_unit_test(test_header_never_alone),
        cmocka_unit_test(test_continuation_two_rows),
        cmocka_unit_test(test_short_table_moves_whole),
        cmocka_unit_test(test_direction_pairs),
        cmocka_unit_test(test_no_rows),
        cmocka_unit_test(test_random_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
