/* INSZ/NISS and BIS number validation (see insz.h). */
#include "ruglab/insz.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

static int
s_num(const char *digits, int from, int len)
{
    int v = 0;
    for (int i = from; i < from + len; i++)
        v = v * 10 + (digits[i] - '0');
    return v;
}

int
rl_insz_validate(const char *input, rl_insz_t *out, rl_err_t *err)
{
    assert(input && out);
    char d[12];
    int n = 0;
    for (const char *p = input; *p; p++) {
        if (*p == '.' || *p == '-' || *p == ' ')
            continue;
        if (*p < '0' || *p > '9')
            return rl_err_set(err,
                              "INSZ contains '%c' at position %d: only digits, dots, dashes and "
                              "spaces are allowed",
                              (*p >= 0x20 && *p < 0x7f) ? *p : '?', (int)(p - input) + 1);
        if (n < 11)
            d[n] = *p;
        n++;
    }
    if (n != 11)
        return rl_err_set(err, "INSZ must have 11 digits (got %d)", n);
    d[11] = '\0';

    int yy = s_num(d, 0, 2), mm = s_num(d, 2, 2), dd = s_num(d, 4, 2);
    int serial = s_num(d, 6, 3), cc = s_num(d, 9, 2);

    int offset = mm >= 40 ? 40 : mm >= 20 ? 20 : 0;
    int month = mm - offset;
    /* Month 0 (also 20/40 for BIS) is what the register issues when the
     * month of birth is unknown. */
    if (mm > 52 || month > 12)
        return rl_err_set(
            err, "INSZ month %02d is not a valid month (1-12, or 21-32/41-52 for a BIS number)",
            mm);
    if (dd > 31)
        return rl_err_set(err, "INSZ day %02d is not a valid day (1-31, or 00 when unknown)", dd);
    if (month == 0 && dd != 0)
        return rl_err_set(
            err, "INSZ day %02d given with an unknown month (00): the day must then be 00 too", dd);
    if (serial == 0 || serial == 999)
        return rl_err_set(err, "INSZ serial number %03d is never issued (001-998)", serial);

    long first9 = (long)s_num(d, 0, 9);
    int cc_1900 = 97 - (int)(first9 % 97);
    int cc_2000 = 97 - (int)((2000000000L + first9) % 97);
    int year;
    if (cc == cc_1900)
        year = 1900 + yy;
    else if (cc == cc_2000)
        year = 2000 + yy;
    else
        return rl_err_set(err,
                          "INSZ check digits %02d do not match (expected %02d for a birth before "
                          "2000 or %02d for a birth "
                          "from 2000)",
                          cc, cc_1900, cc_2000);
    if (month != 0 && dd != 0 && dd > rl_date_days_in_month(year, month))
        return rl_err_set(err, "INSZ day %02d does not exist in month %02d of %d", dd, month, year);

    rl_insz_t r;
    memset(&r, 0, sizeof r);
    memcpy(r.digits, d, sizeof r.digits);
    r.birth.year = year;
    r.birth.month = month;
    r.birth.day = dd;
    r.is_bis = offset != 0;
    r.bis_offset = offset;
    r.serial = serial;
    /* A BIS number issued with the sex unknown (+20) says nothing by its
     * serial parity. */
    r.sex = offset == 20 ? '?' : (serial % 2 ? 'M' : 'F');
    *out = r;
    return 0;
}

char *
rl_insz_format(const rl_insz_t *insz, char buf[RL_INSZ_FORMATTED_SIZE])
{
    assert(insz && strlen(insz->digits) == 11);
    const char *d = insz->digits;
    snprintf(buf, RL_INSZ_FORMATTED_SIZE, "%.2s.%.2s.%.2s-%.3s.%.2s", d, d + 2, d + 4, d + 6,
             d + 9);
    return buf;
}

int
rl_insz_matches_birth(const rl_insz_t *insz, rl_date_t birth, char sex, rl_err_t *err)
{
    assert(insz);
    assert(sex == 'M' || sex == 'F' || sex == '?');
    const rl_date_t *b = &insz->birth;
    bool date_ok = b->year == birth.year && (b->month == 0 || b->month == birth.month) &&
                   (b->day == 0 || b->day == birth.day);
    if (!date_ok) {
        char entered[RL_DATE_STR_SIZE];
        rl_date_format(birth, entered);
        if (b->month == 0)
            return rl_err_set(
                err, "date of birth %s does not match the INSZ (born in %d, month and day unknown)",
                entered, b->year);
        if (b->day == 0)
            return rl_err_set(
                err, "date of birth %s does not match the INSZ (born in %04d-%02d, day unknown)",
                entered, b->year, b->month);
        char from_insz[RL_DATE_STR_SIZE];
        return rl_err_set(err, "date of birth %s does not match the INSZ (born %s)", entered,
                          rl_date_format(*b, from_insz));
    }
    if (sex != '?' && insz->sex != '?' && sex != insz->sex)
        return rl_err_set(err, "sex %c does not match the INSZ (serial number %03d is %s: sex %c)",
                          sex, insz->serial, insz->serial % 2 ? "odd" : "even", insz->sex);
    return 0;
}
