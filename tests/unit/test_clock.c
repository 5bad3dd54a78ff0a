/* Unit tests of the clocks (clock.h): the wall clock is the system's time
 * in microseconds since 1970, the monotonic clock never goes back and
 * counts in milliseconds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "ruglab/clock.h"

static void
test_wall_is_unix_time_in_us(void **state)
{
    (void)state;
    time_t before = time(NULL);
    int64_t us = rl_clock_wall_us();
    time_t after = time(NULL);
    assert_true(us / 1000000 >= (int64_t)before);
    assert_true(us / 1000000 <= (int64_t)after);
    /* 2026 or later: microseconds, not milliseconds or seconds */
    assert_true(us > INT64_C(1767225600) * 1000000);
}

static void
test_mono_goes_forward_in_ms(void **state)
{
    (void)state;
    int64_t prev = rl_clock_mono_ms();
    for (int i = 0; i < 10000; i++) {
        int64_t now = rl_clock_mono_ms();
        assert_true(now >= prev);
        prev = now;
    }
    int64_t start = rl_clock_mono_ms();
    struct timespec ts = {0, 30 * 1000 * 1000};
    while (nanosleep(&ts, &ts) != 0) {
    }
    int64_t waited = rl_clock_mono_ms() - start;
    assert_true(waited >= 30);   /* at least the 30 ms slept: milliseconds */
    assert_true(waited < 60000); /* and not microseconds */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wall_is_unix_time_in_us),
        cmocka_unit_test(test_mono_goes_forward_in_ms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
