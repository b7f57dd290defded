/*
 * clock.h - monotonic time for timeouts and timers, wall time for logs and
 * queue records. All interval arithmetic in the suite uses clock_ms().
 */
#ifndef UTIL_CLOCK_H
#define UTIL_CLOCK_H
#include <stdint.h>

/* clock_ms - CLOCK_MONOTONIC in milliseconds */
int64_t clock_ms(void);
/* clock_us - CLOCK_MONOTONIC in microseconds */
int64_t clock_us(void);
/* clock_wall_us - CLOCK_REALTIME in microseconds since the epoch */
int64_t clock_wall_us(void);

#endif /* UTIL_CLOCK_H */
