/* Calendar dates (see date.h). */
#include "ruglab/date.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool
rl_date_is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int
rl_date_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && rl_date_is_leap_year(year))
        return 29;
    return days[month - 1];
}

bool
rl_date_is_valid(rl_date_t d)
{
    /* The range keeps the day arithmetic far from overflow. */
    if (d.year < 1 || d.year > 9999)
        return false;
    return d.day >= 1 && d.day <= rl_date_days_in_month(d.year, d.month);
}

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian
 * calendar, no tables, no time zone. */
long
rl_date_to_days(rl_date_t d)
{
    assert(rl_date_is_valid(d));
    long y = d.year - (d.month <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long mp = (d.month + 9) % 12;
    long doy = (153 * mp + 2) / 5 + d.day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

rl_date_t
rl_date_from_days(long days)
{
    long z = days + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    rl_date_t d;
    d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    d.year = (int)(yoe + era * 400 + (d.month <= 2));
    return d;
}

rl_date_t
rl_date_add_days(rl_date_t d, long days)
{
    return rl_date_from_days(rl_date_to_days(d) + days);
}

rl_date_t
rl_date_add_months(rl_date_t d, int months)
{
    assert(rl_date_is_valid(d));
    long m = (long)d.year * 12 + (d.month - 1) + months;
    rl_date_t r;
    r.year = (int)(m >= 0 ? m / 12 : (m - 11) / 12);
    r.month = (int)(m - (long)r.year * 12) + 1;
    int dim = rl_date_days_in_month(r.year, r.month);
    r.day = d.day > dim ? dim : d.day;
    return r;
}

int
rl_date_compare(rl_date_t a, rl_date_t b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    return 0;
}

long
rl_date_diff_days(rl_date_t a, rl_date_t b)
{
    return rl_date_to_days(b) - rl_date_to_days(a);
}

int
rl_date_weekday(rl_date_t d)
{
    /* 1970-01-01 was a Thursday (4). */
    long w = (rl_date_to_days(d) + 3) % 7;
    if (w < 0)
        w += 7;
    return (int)w + 1;
}

void
rl_date_iso_week(rl_date_t d, int *iso_year, int *week)
{
    /* The ISO week belongs to the year that holds its Thursday. */
    long days = rl_date_to_days(d);
    long thursday = days - rl_date_weekday(d) + 4;
    rl_date_t th = rl_date_from_days(thursday);
    rl_date_t jan1 = {th.year, 1, 1};
    if (iso_year)
        *iso_year = th.year;
    if (week)
        *week = (int)((thursday - rl_date_to_days(jan1)) / 7) + 1;
}

int
rl_date_parse(const char *s, rl_date_t *out, rl_err_t *err)
{
    assert(s && out);
    static const char shape[] = "dddd-dd-dd";
    bool ok = strlen(s) == sizeof shape - 1;
    for (size_t i = 0; ok && i < sizeof shape - 1; i++)
        ok = shape[i] == 'd' ? isdigit((unsigned char)s[i]) != 0 : s[i] == '-';
    if (!ok)
        return rl_err_set(err, "date '%.40s' is not in the form YYYY-MM-DD", s);
    rl_date_t d;
    d.year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    d.month = (s[5] - '0') * 10 + (s[6] - '0');
    d.day = (s[8] - '0') * 10 + (s[9] - '0');
    if (!rl_date_is_valid(d))
        return rl_err_set(err, "date '%s' does not exist", s);
    *out = d;
    return 0;
}

char *
rl_date_format(rl_date_t d, char buf[RL_DATE_STR_SIZE])
{
    /* Clamp so that a corrupt date can never overflow the buffer. */
    unsigned y = d.year < 0 ? 0u : d.year > 9999 ? 9999u : (unsigned)d.year;
    unsigned m = d.month < 0 ? 0u : d.month > 99 ? 99u : (unsigned)d.month;
    unsigned dd = d.day < 0 ? 0u : d.day > 99 ? 99u : (unsigned)d.day;
    snprintf(buf, RL_DATE_STR_SIZE, "%04u-%02u-%02u", y % 10000u, m % 100u, dd % 100u);
    return buf;
}
