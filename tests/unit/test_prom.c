/* Unit tests of the Prometheus text exposition (prom.h): label values
 * escaped (backslash, quote, newline; UTF-8 as it is), help text escaped,
 * numbers exact (integers) or shortest round-trip (doubles, +Inf, NaN),
 * histogram buckets cumulative with +Inf equal to the count, and names
 * checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ruglab/prom.h"

typedef struct {
    char *buf;
    size_t len;
    FILE *f;
} s_out_t;

static void
s_open(s_out_t *o)
{
    o->buf = NULL;
    o->len = 0;
    o->f = open_memstream(&o->buf, &o->len);
    assert_non_null(o->f);
}

/* Closes o and compares what was written with want; frees. */
static void
s_is(s_out_t *o, const char *want)
{
    assert_int_equal(fclose(o->f), 0);
    assert_string_equal(o->buf, want);
    free(o->buf);
}

static void
test_label_escapes(void **state)
{
    (void)state;
    s_out_t o;
    s_open(&o);
    rl_prom_escape_label(o.f, "plain dev-01.a_b");
    fputc('|', o.f);
    rl_prom_escape_label(o.f, "back\\slash \"quoted\"\nnext line");
    fputc('|', o.f);
    rl_prom_escape_label(o.f, "Patiënt\ttab");
    fputc('|', o.f);
    rl_prom_escape_label(o.f, "");
    s_is(&o, "plain dev-01.a_b|back\\\\slash \\\"quoted\\\"\\nnext line|Patiënt\ttab|");
}

static void
test_sample_with_labels(void **state)
{
    (void)state;
    s_out_t o;
    s_open(&o);
    rl_prom_label_t l[2] = {{"reason", "OUT_OF_RANGE"}, {"device", "a\"b\\c\nd"}};
    rl_prom_sample_u64(o.f, "ruglab_x_total", l, 1, 42);
    rl_prom_sample_u64(o.f, "ruglab_x_total", l, 2, UINT64_MAX);
    rl_prom_sample_u64(o.f, "ruglab_up", NULL, 0, 0);
    s_is(&o, "ruglab_x_total{reason=\"OUT_OF_RANGE\"} 42\n"
             "ruglab_x_total{reason=\"OUT_OF_RANGE\",device=\"a\\\"b\\\\c\\nd\"} "
             "18446744073709551615\n"
             "ruglab_up 0\n");
}

static void
test_doubles(void **state)
{
    (void)state;
    s_out_t o;
    s_open(&o);
    rl_prom_sample(o.f, "a", NULL, 0, 0.1);
    rl_prom_sample(o.f, "a", NULL, 0, 1764633600.123456);
    rl_prom_sample(o.f, "a", NULL, 0, 1.0 / 3.0);
    rl_prom_sample(o.f, "a", NULL, 0, 2.0);
    rl_prom_sample(o.f, "a", NULL, 0, 1e300 * 1e300);
    rl_prom_sample(o.f, "a", NULL, 0, -1e300 * 1e300);
    rl_prom_sample(o.f, "a", NULL, 0, 0.0 / 0.0 * 0.0);
    s_is(&o, "a 0.1\na 1764633600.123456\na 0.3333333333333333\na 2\na +Inf\na -Inf\na NaN\n");
}

static void
test_family(void **state)
{
    (void)state;
    s_out_t o;
    s_open(&o);
    rl_prom_family(o.f, "ruglab_collector_received_total", "counter",
                   "Messages received\nfrom agents (a \\ b)");
    s_is(&o, "# HELP ruglab_collector_received_total Messages received\\nfrom agents (a \\\\ b)\n"
             "# TYPE ruglab_collector_received_total counter\n");
}

static void
test_histogram(void **state)
{
    (void)state;
    static const double bounds[] = {0.001, 0.0025, 0.5, 10};
    uint64_t counts[5] = {0};
    double obs[] = {0.0001, 0.001, 0.002, 0.3, 0.5, 0.5000001, 11, 1e9};
    double sum = 0;
    for (size_t i = 0; i < sizeof obs / sizeof obs[0]; i++) {
        counts[rl_prom_bucket(bounds, 4, obs[i])]++;
        sum += obs[i];
    }
    assert_int_equal(counts[0], 2); /* at most 0.001, the bound included */
    assert_int_equal(counts[1], 1);
    assert_int_equal(counts[2], 2);
    assert_int_equal(counts[3], 1);
    assert_int_equal(counts[4], 2);
    s_out_t o;
    s_open(&o);
    rl_prom_histogram(o.f, "lat_seconds", bounds, 4, counts, 2.5);
    s_is(&o, "lat_seconds_bucket{le=\"0.001\"} 2\n"
             "lat_seconds_bucket{le=\"0.0025\"} 3\n"
             "lat_seconds_bucket{le=\"0.5\"} 5\n"
             "lat_seconds_bucket{le=\"10\"} 6\n"
             "lat_seconds_bucket{le=\"+Inf\"} 8\n"
             "lat_seconds_sum 2.5\n"
             "lat_seconds_count 8\n");
}

static void
test_empty_histogram(void **state)
{
    (void)state;
    static const double bounds[] = {1, 2};
    uint64_t counts[3] = {0};
    s_out_t o;
    s_open(&o);
    rl_prom_histogram(o.f, "b", bounds, 2, counts, 0);
    s_is(&o, "b_bucket{le=\"1\"} 0\nb_bucket{le=\"2\"} 0\nb_bucket{le=\"+Inf\"} 0\nb_sum 0\n"
             "b_count 0\n");
    assert_int_equal(rl_prom_bucket(bounds, 2, 0.0 / 0.0 * 0.0), 2); /* NaN: above all */
}

static void
test_names(void **state)
{
    (void)state;
    assert_true(rl_prom_name_valid("ruglab_collector_rejected_total", false));
    assert_true(rl_prom_name_valid("job:rate5m", false));
    assert_true(rl_prom_name_valid("_x", true));
    assert_false(rl_prom_name_valid("job:rate5m", true));
    assert_false(rl_prom_name_valid("__name__", true));
    assert_false(rl_prom_name_valid("0abc", false));
    assert_false(rl_prom_name_valid("a-b", false));
    assert_false(rl_prom_name_valid("a b", true));
    assert_false(rl_prom_name_valid("", false));
    assert_false(rl_prom_name_valid(NULL, false));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_escapes), cmocka_unit_test(test_sample_with_labels),
        cmocka_unit_test(test_doubles),       cmocka_unit_test(test_family),
        cmocka_unit_test(test_histogram),     cmocka_unit_test(test_empty_histogram),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
