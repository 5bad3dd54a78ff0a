/* INSZ/NISS (Belgian national number) and BIS numbers: validation with the
 * rule that failed named, birth date and sex derived from the number, and a
 * cross-check against separately entered identity data. Pure functions on
 * caller-owned values; thread-safe. Never log an INSZ (personal data). */
#ifndef RUGLAB_INSZ_H
#define RUGLAB_INSZ_H

#include <stdbool.h>

#include "ruglab/date.h"
#include "ruglab/err.h"

/* "YY.MM.DD-SSS.CC" plus the terminating NUL. */
#define RL_INSZ_FORMATTED_SIZE 16

typedef struct {
    char digits[12]; /* normalized: the 11 digits, NUL-terminated */
    /* Year resolved by the check digits (19YY or 20YY). month and day are
     * 0 when the register does not know them (as in real numbers); for a
     * BIS number month is the real month (the +20/+40 removed). */
    rl_date_t birth;
    char sex;       /* 'M', 'F', or '?' (BIS number issued with sex unknown) */
    bool is_bis;    /* month + 20 or month + 40 */
    int bis_offset; /* 0, 20 or 40 */
    int serial;     /* SSS, 1-998 */
} rl_insz_t;

/* Accepts the 11 digits, optionally formatted "YY.MM.DD-SSS.CC": dots,
 * dashes and spaces are ignored, anything else is refused. Checks, in this
 * order: digit count, month (0-12, BIS 20-32 / 40-52), day range, serial
 * (000 and 999 are never issued), check digits (both centuries), then the
 * day against the month length of the resolved year (29 February).
 * On error *out is left untouched and err names the rule. */
int rl_insz_validate(const char *input, rl_insz_t *out, rl_err_t *err)
    __attribute__((warn_unused_result));

/* Writes "YY.MM.DD-SSS.CC" into buf and returns buf. */
char *rl_insz_format(const rl_insz_t *insz, char buf[RL_INSZ_FORMATTED_SIZE]);

/* Cross-checks the number against a date of birth and sex entered
 * separately. sex is 'M', 'F' or '?' (not entered: not checked). Parts the
 * number does not know (month/day 0, BIS sex unknown) are not checked.
 * Returns 0 when consistent; otherwise -1 and err says which part differs. */
int rl_insz_matches_birth(const rl_insz_t *insz, rl_date_t birth, char sex, rl_err_t *err)
    __attribute__((warn_unused_result));

#endif
