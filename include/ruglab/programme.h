/* Programme rules: templates of the rehabilitation programme variants, which
 * test is the start/mid/end measurement, attendance warnings, and who may
 * enrol. Pure functions; built-in templates are static constants. Results
 * are plain values, except warning arrays, which the caller frees. */
#ifndef RUGLAB_PROGRAMME_H
#define RUGLAB_PROGRAMME_H

#include <stdbool.h>
#include <stddef.h>

#include "ruglab/date.h"
#include "ruglab/domain.h"
#include "ruglab/err.h"

typedef struct {
    const char *code;
    const char *name;
    int total_sessions; /* exercise + information */
    int exercise_sessions;
    int information_sessions;
    int max_per_week; /* attended sessions in one ISO week */
    /* Maximum duration from the start: exactly one of the two is > 0.
     * Months are calendar months (RIZIV "6 months"), days for week-based
     * limits (18 weeks = 126 days). */
    int max_duration_days;
    int max_duration_months;
    int max_extra_sessions; /* allowed beyond total_sessions */
    int mid_test_session;   /* session number at which the mid test falls */
    /* the devices whose values count (domain.h; clinical.programme.body_region) */
    rl_body_region_t body_region;
} rl_programme_t;

/* The variants from the seeds:
 *   "mrr-36"      36 = 34 exercise + 2 information, <= 2/week, <= 6 months
 *   "rugschool-30"  30 exercise (15 weeks, twice a week) + up to 6 extra;
 *                     126 days = the 15 weeks plus 3 weeks for the extras
 *   "rugschool-36-18w"    36 group sessions, twice a week, <= 18 weeks
 *   "nekschool-12"  neck school (seed 003): 12 group sessions, <= 2/week,
 *                     <= 12 weeks (84 days); cervical devices
 * (the others lumbar)
 * Returns NULL for an unknown code. */
const rl_programme_t *rl_programme_builtin(const char *code);
/* All built-in templates; *n receives their count. */
const rl_programme_t *rl_programme_builtins(size_t *n);

/* ---- routes: who pays, and whether RIZIV 558994 applies ---- */

typedef enum {
    RL_ROUTE_RIZIV,      /* RIZIV/INAMI nomenclature 558994 (the default) */
    RL_ROUTE_FEDRIS,     /* Fedris prevention programme for low back pain: Fedris pays the
                          * co-payment, the sessions are still 558994's */
    RL_ROUTE_PREVENTIVE, /* a preventive participant without complaints (seed 003): no
                          * 558994 rule applies, nothing is reimbursed */
} rl_route_t;

/* "riziv", "fedris", "preventive" (clinical.enrolment.route) -> *out; -1
 * for anything else. */
int rl_route_parse(const char *s, rl_route_t *out) __attribute__((warn_unused_result));
const char *rl_route_name(rl_route_t route);
/* Whether the rules of RIZIV 558994 apply: R1 and R2 at the enrolment, and
 * the reimbursement cap on attendance (RL_WARN_TOO_MANY_SESSIONS,
 * RL_WARN_PAST_MAX_DURATION). The database's twin for the worklist is
 * clinical.route_under_riziv (deploy/sql/702). */
bool rl_route_under_riziv(rl_route_t route);

/* Checks a template (e.g. one read from the database) for consistency. */
int rl_programme_check_template(const rl_programme_t *t, rl_err_t *err)
    __attribute__((warn_unused_result));

/* ---- (a) time points of the device tests ---- */

/* rl_timepoint_t and its names: domain.h. */

typedef struct {
    long id;     /* the caller's identifier of the test occasion */
    int session; /* session number within the programme (1 = first) */
    rl_date_t date;
} rl_programme_test_t;

typedef struct {
    long test_id;
    rl_timepoint_t timepoint; /* RL_TP_NONE removes the test's time point */
} rl_programme_override_t;

/* Assigns out[i] for each of the n tests, which must be ordered by session
 * and date. Rules:
 *   start  the first test.
 *   end    the last test (not the first), when the programme has ended or
 *          the test is past the mid point (session > mid_test_session); while
 *          the programme runs, a later test takes the role over.
 *   mid    among the other tests, the one nearest mid_test_session (the
 *          earlier on a tie), provided it is nearer to the mid session than
 *          to session 1 and to the last scheduled session: a retest at
 *          session 3 is not a mid test.
 * Overrides are applied afterwards in order: a test given a time point takes
 * it from whichever test had it. Error for unordered tests or an override
 * naming an unknown test. */
int rl_programme_assign_timepoints(const rl_programme_t *t, const rl_programme_test_t *tests,
                                   size_t n, bool programme_ended,
                                   const rl_programme_override_t *overrides, size_t n_overrides,
                                   rl_timepoint_t *out, rl_err_t *err)
    __attribute__((warn_unused_result));

/* ---- (b) attendance ---- */

typedef enum {
    RL_ATT_ATTENDED,
    RL_ATT_NO_SHOW,
    RL_ATT_CANCELLED,
} rl_attendance_t;

typedef struct {
    rl_date_t date;
    rl_attendance_t kind;
} rl_programme_session_t;

typedef enum {
    RL_WARN_TOO_MANY_IN_WEEK,  /* one warning per offending ISO week */
    RL_WARN_PAST_MAX_DURATION, /* first session on or after the limit */
    RL_WARN_TOO_MANY_SESSIONS, /* more than total + extra */
    RL_WARN_BEFORE_START,      /* session dated before the programme start */
    /* Only the database knows these (clinical.h adds them): */
    RL_WARN_OUTSIDE_DATES, /* records stored outside the programme's dates: not counted */
    RL_WARN_SHORT_SESSION, /* sessions recorded shorter than the template's minimum */
    RL_WARN_OTHER_REGION,  /* records on devices of the other body region: not counted */
} rl_programme_warning_kind_t;

typedef struct {
    rl_programme_warning_kind_t kind;
    rl_date_t date; /* the session that triggered it */
    int iso_year;   /* RL_WARN_TOO_MANY_IN_WEEK: the week */
    int iso_week;
    int count;               /* sessions in the week / past the limit / attended / before start /
                              * records outside the dates / short sessions */
    rl_date_t last_date;     /* OUTSIDE_DATES, SHORT_SESSION, OTHER_REGION: the last one */
    char record[16];         /* OUTSIDE_DATES: session, test_trial, training_set, questionnaire;
                              * OTHER_REGION: test_trial, training_set */
    rl_body_region_t region; /* OTHER_REGION: the devices' region (the programme's is the other) */
    int limit;               /* SHORT_SESSION: the template's minimum in minutes */
    int minutes;             /* SHORT_SESSION: the shortest recorded */
    char msg[RL_ERR_MAX];
} rl_programme_warning_t;

/* Only attended sessions count towards the limits: no-shows and
 * cancellations are neither trained nor billed. The reimbursement cap (the
 * total with its extras, the maximum duration) applies only to a route
 * under RIZIV 558994 (rl_route_under_riziv); the week's limit and the
 * sessions before the start are the programme's own and apply to every
 * route. Sessions may come in any order; warnings are sorted by date.
 * Caller owns *warnings_p (free()); it is NULL when there are none. Error
 * only for an invalid template or date. */
int rl_programme_check_attendance(const rl_programme_t *t, rl_route_t route, rl_date_t start,
                                  const rl_programme_session_t *sessions, size_t n,
                                  rl_programme_warning_t **warnings_p, size_t *n_warnings,
                                  rl_err_t *err) __attribute__((warn_unused_result));

/* ---- (c) who may enrol ---- */

typedef enum {
    RL_IND_CHRONIC,      /* non-specific back pain lasting more than 6 weeks */
    RL_IND_POST_SURGERY, /* less than 3 months after spinal surgery */
} rl_indication_t;

typedef enum {
    RL_EXC_NONE,
    RL_EXC_NEW_SURGERY,   /* new spinal surgery after the previous programme started */
    RL_EXC_REINTEGRATION, /* socio-professional reintegration, advisory physician approved */
} rl_enrol_exception_t;

typedef struct {
    const char *code; /* template code or name, for the message */
    rl_date_t start;
    rl_route_t route; /* a preventive programme is no 558994 programme: R2 skips it */
} rl_programme_previous_t;

typedef struct {
    rl_route_t route; /* RL_ROUTE_PREVENTIVE: neither R1 nor R2 applies */
    rl_indication_t indication;
    rl_date_t start;                         /* start of the new programme */
    rl_date_t pain_since;                    /* RL_IND_CHRONIC */
    rl_date_t surgery_date;                  /* RL_IND_POST_SURGERY */
    const rl_programme_previous_t *previous; /* programmes already followed, anywhere */
    size_t n_previous;
    rl_enrol_exception_t exception;
    rl_date_t exception_surgery_date; /* RL_EXC_NEW_SURGERY */
    bool advisory_physician_approved; /* RL_EXC_REINTEGRATION */
} rl_programme_enrolment_t;

/* Rule R1 (indication): chronic needs pain lasting more than 42 days at the
 * start; post-surgery needs the start within 3 calendar months after the
 * surgery (surgery 2026-01-15: last possible start 2026-04-14).
 * Rule R2 (one programme per patient): any previous programme refuses the
 * enrolment unless a valid exception is recorded; a new-surgery exception
 * needs a surgery after the most recent previous programme started and not
 * after the new start; programmes followed on the preventive route do not
 * count. Both are rules of RIZIV 558994: a preventive enrolment
 * (rl_route_under_riziv false) is checked for its start date only.
 * Returns 0 when allowed; otherwise -1 and err names the rule and what to
 * do. */
int rl_programme_check_enrolment(const rl_programme_enrolment_t *e, rl_err_t *err)
    __attribute__((warn_unused_result));

#endif
