/* The home programme (issue 17): the catalogue's exercises (exercise.h)
 * the physiotherapist gives an enrolment to do at home, with the variant
 * chosen and the dose, changed as the patient progresses, and the
 * exercises done in a session (migration 703). Every assignment, change
 * and stop is a new row: the history is kept, who recorded it is
 * rl_audit_reader(). Shared by `ruglab homeprog`, `ruglab session
 * exercises`, and later the web and the handout. Library code: never
 * prints, fills err (registration.h's, with the field at fault). The
 * functions keep no state; one thread per connection. */
#ifndef RUGLAB_HOMEPROG_H
#define RUGLAB_HOMEPROG_H

#include "ruglab/registration.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* Limits of a dose (and the database's CHECKs). */
#define RL_HP_REPS_MAX 100    /* repetitions per set */
#define RL_HP_SETS_MAX 20     /* sets */
#define RL_HP_HOLD_MAX 600    /* hold time, seconds */
#define RL_HP_PER_WEEK_MAX 21 /* times per week (three a day) */
#define RL_HP_DONE_MAX 50     /* exercises in one --done list */

/* An assignment or a change as given (text of the command line or a form;
 * NULL or "" when not given). */
typedef struct {
    const char *exercise; /* the catalogue code (required) */
    const char *variant;  /* a variant code of that exercise; NULL: as described */
    const char *reps, *sets, *hold, *per_week;
} rl_homeprog_in_t;

/* A checked dose: reps and sets (hold 0), or hold (reps, sets 0). */
typedef struct {
    int reps, sets, hold, per_week;
} rl_homeprog_dose_t;

/* The rules that need no database: an exercise code, a variant code of
 * the right form, and either --reps and --sets or --hold (not both), each
 * a whole number within its limit, and --per-week. -1 with err naming the
 * field ("reps", "hold", ...; status RL_EXIT_USAGE for a missing or wrong
 * combination of options, RL_EXIT_FAIL for a bad value). */
int rl_homeprog_check(const rl_homeprog_in_t *in, rl_homeprog_dose_t *out, rl_reg_err_t *err)
    __attribute__((warn_unused_result));

/* Whether a change assigns (the exercise must not be in the programme) or
 * changes (it must be). */
typedef enum { RL_HP_ASSIGN, RL_HP_CHANGE } rl_hp_action_t;

/* rl_homeprog_check, then in one transaction (the caller is outside one):
 * the exercise must be in the catalogue and not retired, the variant one
 * of its own and not retired; RL_HP_ASSIGN refuses an exercise already in
 * the enrolment's programme, RL_HP_CHANGE one that is not. Stores a new
 * row; id[32] receives its home_exercise_id. On error nothing is written. */
int rl_homeprog_set(PGconn *conn, const char *enrolment_id, rl_hp_action_t action,
                    const rl_homeprog_in_t *in, char id[32], rl_reg_err_t *err)
    __attribute__((warn_unused_result));

/* Takes the exercise out of the enrolment's programme (a new 'stop' row);
 * refused when it is not in it. */
int rl_homeprog_stop(PGconn *conn, const char *enrolment_id, const char *exercise, char id[32],
                     rl_reg_err_t *err) __attribute__((warn_unused_result));

/* The enrolment's home programme, in catalogue order: the current one
 * (history false: the latest row per exercise, stopped ones left out), or
 * every row oldest first (history true: with the column action, "assign",
 * "change" or "stop"). Columns by name: exercise (code), variant (code;
 * NULL: as described), level (the variant's; NULL), repetitions, sets,
 * hold_seconds (NULL where the dose has none), per_week, recorded_by,
 * recorded_at, home_exercise_id. For the CLI, the web and the handout; works
 * for every role that may read it (admin, clinician, secretariat). NULL
 * with err on error; caller PQclear()s. */
PGresult *rl_homeprog_fetch(PGconn *conn, const char *enrolment_id, bool history, rl_reg_err_t *err)
    __attribute__((warn_unused_result));

/* The exercises done per session, in session order: session_number (of
 * the attended session that day), session_date, exercise, variant, level,
 * recorded_by, recorded_at. NULL with err; caller PQclear()s. */
PGresult *rl_homeprog_fetch_done(PGconn *conn, const char *enrolment_id, rl_reg_err_t *err)
    __attribute__((warn_unused_result));

/* One exercise done in a session: the codes as given, copied. */
typedef struct {
    char exercise[33];
    char variant[33]; /* "" : as described */
} rl_homeprog_done_t;

/* Parses "CODE[:VARIANT],..." (at most RL_HP_DONE_MAX, no exercise twice)
 * into out[] (RL_HP_DONE_MAX entries); *n receives the count. -1 with err
 * (field "done") otherwise. */
int rl_homeprog_parse_done(const char *list, rl_homeprog_done_t *out, size_t *n, rl_reg_err_t *err)
    __attribute__((warn_unused_result));

/* Records, in one transaction, the exercises done on the day of the
 * enrolment's attended session number session (clinical.v_session): each
 * exercise and variant known and not retired, none recorded for that day
 * already. On error nothing is written. */
int rl_homeprog_record_done(PGconn *conn, const char *enrolment_id, const char *session,
                            const rl_homeprog_done_t *done, size_t n, rl_reg_err_t *err)
    __attribute__((warn_unused_result));

#endif
