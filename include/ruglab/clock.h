/* Clocks: wall-clock time for timestamps that leave the process (taken_at,
 * spool records) and a monotonic clock for timers and timeouts, which
 * must not jump when the system time is set. Thread-safe. */
#ifndef RUGLAB_CLOCK_H
#define RUGLAB_CLOCK_H

#include <stdint.h>

/* Microseconds since 1970-01-01T00:00:00Z (CLOCK_REALTIME). */
int64_t rl_clock_wall_us(void);
/* Milliseconds of CLOCK_MONOTONIC (an arbitrary origin). */
int64_t rl_clock_mono_ms(void);

#endif
