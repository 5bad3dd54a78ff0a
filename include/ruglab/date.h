/* Calendar dates without time of day, locale or time zone: what the clinical
 * rules (INSZ birth dates, programme periods, ISO weeks) need. Plain values,
 * no allocation; every function is pure and thread-safe.
 * Days are counted from 1970-01-01 in the proleptic Gregorian calendar. */
#ifndef RUGLAB_DATE_H
#define RUGLAB_DATE_H

#include <stdbool.h>

#include "ruglab/err.h"

typedef struct {
    int year;
    int month; /* 1-12 */
    int day;   /* 1-31 */
} rl_date_t;

/* "YYYY-MM-DD" plus the terminating NUL. */
#define RL_DATE_STR_SIZE 11

bool rl_date_is_leap_year(int year);
/* 0 when month is not 1-12. */
int rl_date_days_in_month(int year, int month);
bool rl_date_is_valid(rl_date_t d);

/* Days since 1970-01-01 (negative before). d must be valid. */
long rl_date_to_days(rl_date_t d);
rl_date_t rl_date_from_days(long days);
rl_date_t rl_date_add_days(rl_date_t d, long days);
/* Calendar months; the day is clamped to the end of a shorter month
 * (2026-01-31 + 1 month = 2026-02-28). */
rl_date_t rl_date_add_months(rl_date_t d, int months);
/* <0, 0, >0 like strcmp. */
int rl_date_compare(rl_date_t a, rl_date_t b);
/* b - a in days. */
long rl_date_diff_days(rl_date_t a, rl_date_t b);

/* 1 = Monday ... 7 = Sunday. */
int rl_date_weekday(rl_date_t d);
/* ISO 8601 week: the week-numbering year may differ from d.year around
 * New Year (2027-01-01 is in 2026-W53). */
void rl_date_iso_week(rl_date_t d, int *iso_year, int *week);

/* Strict "YYYY-MM-DD". */
int rl_date_parse(const char *s, rl_date_t *out, rl_err_t *err) __attribute__((warn_unused_result));
/* Writes "YYYY-MM-DD" into buf and returns buf. */
char *rl_date_format(rl_date_t d, char buf[RL_DATE_STR_SIZE]);

#endif
