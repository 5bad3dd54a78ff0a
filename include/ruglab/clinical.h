/* An enrolment read from the database with its programme template as
 * programme.h wants it, and its attendance warnings (programme.h's rules
 * applied to clinical.v_session). Shared by `ruglab enrolment status` and
 * the report; works for any role that reads the clinical schema (admin,
 * clinician). Library code: never prints, fills err. */
#ifndef RUGLAB_CLINICAL_H
#define RUGLAB_CLINICAL_H

#include "ruglab/date.h"
#include "ruglab/err.h"
#include "ruglab/programme.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* The final report's deadline (clinical.report_due_date: the end + 2
 * weeks, under Fedris + 1 month) and whether it is late. */
typedef struct {
    bool ended;      /* completed or dropped out */
    bool has_due;    /* ended with an end date */
    rl_date_t due;   /* the deadline */
    rl_date_t today; /* Europe/Brussels, as the database sees it */
    bool issued;     /* a final letter is recorded (clinical.report_issued) */
    rl_date_t issued_on;
    int days_late; /* sent (or, not yet sent, today) after the deadline; 0 when in time
                    * (clinical.report_days_late) */
} rl_clinical_report_t;

typedef struct {
    char enrolment_id[32];
    char subject_id[32];
    char code[64];  /* template code */
    char name[256]; /* template name */
    char status[16];
    rl_route_t route; /* the reimbursement cap applies under RIZIV 558994 only */
    rl_date_t start;
    rl_date_t end; /* valid only when has_end */
    bool has_end;
    /* The seed templates use programme.h's built-in definitions (calendar
     * months where the rule says months); a site's own template is read
     * from clinical.programme. code/name point into this struct: do not
     * copy it. */
    rl_programme_t programme;
    rl_clinical_report_t report; /* the final report's deadline */
} rl_clinical_enrolment_t;

/* Loads enrolment_id (decimal) with its template and its final report's
 * deadline. Returns 0; -1 on a database error; -2 when
 * there is no such enrolment or its row cannot be used. err says why. */
int rl_clinical_enrolment_load(PGconn *conn, const char *enrolment_id, rl_clinical_enrolment_t *out,
                               rl_err_t *err) __attribute__((warn_unused_result));

/* The warnings of the enrolment's record, in this order: what is stored
 * outside the programme's dates (RL_WARN_OUTSIDE_DATES, one per kind of
 * record, clinical.v_outside_programme); the rules of
 * rl_programme_check_attendance over the sessions inside the dates (each
 * attended programme session of clinical.v_session, one per
 * session_number, each no-show and each cancellation); and the sessions
 * recorded shorter than the template's minimum (RL_WARN_SHORT_SESSION, one
 * warning for all, clinical.v_session_day); what is stored on devices of
 * the other body region than the programme's (RL_WARN_OTHER_REGION, one
 * per kind of record, clinical.v_other_region: never counted with the
 * programme's own region). msg is an English sentence.
 * Caller frees *warnings_p (NULL when there are none). Returns 0, -1 on a
 * database error, -2 when the template or a date is unusable. */
int rl_clinical_attendance_warnings(PGconn *conn, const rl_clinical_enrolment_t *e,
                                    rl_programme_warning_t **warnings_p, size_t *n_warnings,
                                    rl_err_t *err) __attribute__((warn_unused_result));

/* "too_many_in_week", "past_max_duration", "too_many_sessions",
 * "before_start", "outside_programme_dates", "short_sessions",
 * "other_body_region": stable codes
 * for JSON and reports. */
const char *rl_clinical_warning_code(rl_programme_warning_kind_t kind);

#endif
