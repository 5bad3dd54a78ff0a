/* Registration and attendance, the writes the secretariat makes: a patient
 * registered (`ruglab patient add`), enrolled (`ruglab enrol`, rules R1 and
 * R2 of programme.h), a session entered by hand, a no-show or a
 * cancellation (`ruglab session add|no-show|cancel`), a paper questionnaire
 * scored by questionnaire.h and stored (`ruglab questionnaire add`). One
 * implementation for the admin CLI (as ruglab_admin) and ruglab-web (as
 * ruglab_secretariat): the SQL here needs no more than the grants of
 * ruglab_secretariat (deploy/sql/500, 504).
 *
 * A refusal says which field is at fault (the CLI's option without its
 * dashes: "insz", "birth-date") and gives the CLI's message without the
 * "ruglab: <command>: " prefix, so the CLI prints it as before and the web
 * shows it beside the field. Functions writing to the database run in a
 * transaction of their own (BEGIN ... COMMIT; ROLLBACK on any refusal), so
 * nothing is written when they fail. The person recorded in the "entered
 * by" columns is rl_audit_reader() (audit.h). Any thread, one connection
 * per thread. */
#ifndef RUGLAB_REGISTRATION_H
#define RUGLAB_REGISTRATION_H

#include "ruglab/date.h"
#include "ruglab/err.h"
#include "ruglab/questionnaire.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* Why a registration was refused. */
typedef struct {
    int status;           /* RL_EXIT_FAIL: the data; RL_EXIT_USAGE: a combination of
                           * options; RL_EXIT_DB: the database */
    char field[32];       /* the field at fault ("insz"), "" when none */
    char msg[RL_ERR_MAX]; /* the CLI's message, without "ruglab: <command>: " */
} rl_reg_err_t;

/* Fills err (status, the field at fault, the message); always -1. For the
 * modules that refuse with the same error as registration (homeprog.h). */
int rl_reg_fail(rl_reg_err_t *err, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Today in Europe/Brussels (the clinical calendar day) as the database
 * sees it (clinical.local_date(now())). */
int rl_reg_today(PGconn *conn, rl_date_t *out, rl_reg_err_t *err)
    __attribute__((warn_unused_result));

/* "the <what> date <date_s> is in the future (today is ...)" when date lies
 * after today (field: "date"); 0 otherwise. */
int rl_reg_refuse_after(const char *what, const char *date_s, rl_date_t date, rl_date_t today,
                        rl_reg_err_t *err);

/* ---- patient add */

/* Optional values are NULL when not given (an empty string is a value,
 * and is refused where the CLI refuses it). */
typedef struct {
    const char *site, *family_name, *given_name, *birth_date, *sex, *insz; /* required */
    const char *weight, *height, *gp, *address, *postal_code, *city, *phone;
} rl_patient_in_t;

typedef struct {
    char subject_id[32], badge[16], pseudonym[16];
} rl_patient_added_t;

/* Everything checked without the database: names, date of birth, sex, the
 * INSZ (and against the date of birth and sex), weight, height, GP. */
int rl_patient_check(const rl_patient_in_t *in, rl_reg_err_t *err)
    __attribute__((warn_unused_result));
/* rl_patient_check, then the site, the GP, no patient with this INSZ yet,
 * and the subject with a new badge token and pseudonym plus its identity,
 * in one transaction. */
int rl_patient_add(PGconn *conn, const rl_patient_in_t *in, rl_patient_added_t *out,
                   rl_reg_err_t *err) __attribute__((warn_unused_result));

/* ---- enrol */

typedef struct {
    const char *subject_id; /* decimal */
    const char *programme, *start, *route, *indication;
    const char *pain_since, *surgery_date, *cohort, *referring_physician;
    const char *exception, *exception_surgery_date, *exception_note;
    bool sick_leave, occupational_copy, advisory_approved;
} rl_enrol_in_t;

/* Indication, route, exception and dates, without the database. */
int rl_enrol_check(const rl_enrol_in_t *in, rl_reg_err_t *err) __attribute__((warn_unused_result));
/* rl_enrol_check, then locks the patient, finds the programme (a seed or
 * the patient's site's own) and the group, applies R1 and R2 to the
 * patient's earlier programmes, refuses a second running programme and
 * inserts the enrolment; enrolment_id[32] filled. */
int rl_enrol(PGconn *conn, const rl_enrol_in_t *in, char enrolment_id[32], rl_reg_err_t *err)
    __attribute__((warn_unused_result));

/* ---- sessions by hand */

typedef struct {
    const char *status; /* "attended" (session add), "no_show" or "cancelled" */
    const char *date, *kind, *note, *minutes;
    const char *device, *device_session; /* cancel a device's session (CLI only) */
    /* filled by rl_session_check */
    bool by_device;
    rl_date_t date_v;
    char minutes_v[16];
    const char *kind_v; /* the kind, defaulted */
} rl_session_in_t;

/* The options and their combinations; fills the filled fields. A missing
 * --date is "--date is required" (status RL_EXIT_USAGE). */
int rl_session_check(rl_session_in_t *in, rl_reg_err_t *err) __attribute__((warn_unused_result));
/* After rl_session_check: refuses a date in the future, then records the
 * session in enrolment_id (once per day and kind), or marks the device's
 * session of that enrolment cancelled. session_id[32] filled. */
int rl_session_record(PGconn *conn, const rl_session_in_t *in, const char *enrolment_id,
                      char session_id[32], rl_reg_err_t *err) __attribute__((warn_unused_result));

/* ---- questionnaires on paper */

typedef struct {
    const char *instrument, *date, *version, *language;
    const rl_q_answer_t *answers;
    size_t n_answers;
    /* filled by rl_questionnaire_check */
    rl_instrument_t inst;
    rl_date_t date_v;
    const char *version_v; /* the version, defaulted */
} rl_questionnaire_in_t;

/* The instrument's version when none is given ("2.1a" for ODI). */
const char *rl_questionnaire_default_version(rl_instrument_t instrument);
/* Language, instrument, version and date (not the answers). */
int rl_questionnaire_check(rl_questionnaire_in_t *in, rl_reg_err_t *err)
    __attribute__((warn_unused_result));
/* Scores the answers (questionnaire.h); an incomplete TSK-17 typed in by
 * hand is refused (field "answers"). */
int rl_questionnaire_score_entry(const rl_questionnaire_in_t *in, rl_q_score_t *score,
                                 rl_reg_err_t *err) __attribute__((warn_unused_result));
/* After both: refuses a date in the future, then stores the response
 * (source 'manual', noon in Brussels of its day) in enrolment_id;
 * response_id[32] filled. */
int rl_questionnaire_store(PGconn *conn, const rl_questionnaire_in_t *in, const char *enrolment_id,
                           const rl_q_score_t *score, char response_id[32], rl_reg_err_t *err)
    __attribute__((warn_unused_result));

/* ---- work status (ICHOM low-back-pain set; deploy/sql/604) */

typedef struct {
    const char *timepoint; /* "start" or "end" */
    const char *status;    /* a code of rl_work_status_codes */
    const char *date;      /* YYYY-MM-DD; NULL: today in Brussels */
} rl_work_status_in_t;

/* The codes, in the order forms show them, ended by NULL. */
extern const char *const rl_work_status_codes[];

/* Checks timepoint, status and date, refuses a date in the future, an end
 * status without a start status recorded, an end dated before the start;
 * then stores a new row in enrolment_id (a correction is a new row),
 * recorded_by rl_audit_reader(). work_status_id[32] filled. */
int rl_work_status_record(PGconn *conn, const rl_work_status_in_t *in, const char *enrolment_id,
                          char work_status_id[32], rl_reg_err_t *err)
    __attribute__((warn_unused_result));

/* One parameterised statement; NULL with err "<what>: <server's message>":
 * status RL_EXIT_FAIL when the server refused the data (a data exception
 * or a constraint), RL_EXIT_DB otherwise. Caller PQclear()s. */
PGresult *rl_reg_exec(PGconn *conn, rl_reg_err_t *err, const char *what, const char *sql, int n,
                      const char *const *params) __attribute__((warn_unused_result));
/* rl_reg_exec of a query returning one id: 1 (id[32] filled), 0 (no
 * row), -1 (err). */
int rl_reg_lookup(PGconn *conn, rl_reg_err_t *err, const char *what, const char *sql, int n,
                  const char *const *params, char id[32]) __attribute__((warn_unused_result));

/* n random characters of Crockford's base32 (libsodium randombytes). */
void rl_reg_random_base32(char *buf, size_t n);

#endif
