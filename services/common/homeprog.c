/* The home programme: rules of a dose and a variant, and the rows of
 * migration 703 (see include/ruglab/homeprog.h). */
#include "ruglab/homeprog.h"

#include "ruglab/audit.h"
#include "ruglab/exitcode.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
s_given(const char *s)
{
    return s && *s;
}

/* [A-Z][A-Z0-9-]{0,31} (upper) or [a-z][a-z0-9-]{0,31}: the catalogue's codes. */
static bool
s_code_ok(const char *s, bool upper)
{
    size_t len = strlen(s);
    if (len < 1 || len > 32)
        return false;
    if (upper ? !(s[0] >= 'A' && s[0] <= 'Z') : !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        bool letter = upper ? (c >= 'A' && c <= 'Z') : (c >= 'a' && c <= 'z');
        if (!letter && !(c >= '0' && c <= '9') && c != '-')
            return false;
    }
    return true;
}

/* A whole number 1..max of option --name into *out. */
static int
s_count(const char *name, const char *s, int max, int *out, rl_reg_err_t *err)
{
    if (!s_given(s))
        return rl_reg_fail(err, RL_EXIT_USAGE, name, "--%s is required", name);
    long v = 0;
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p) || v > 100000)
            return rl_reg_fail(err, RL_EXIT_FAIL, name, "--%s: '%s' is not a whole number", name,
                               s);
        v = v * 10 + (*p - '0');
    }
    if (v < 1 || v > max)
        return rl_reg_fail(err, RL_EXIT_FAIL, name, "--%s: %s is outside 1-%d", name, s, max);
    *out = (int)v;
    return 0;
}

int
rl_homeprog_check(const rl_homeprog_in_t *in, rl_homeprog_dose_t *out, rl_reg_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!s_given(in->exercise))
        return rl_reg_fail(err, RL_EXIT_USAGE, "exercise", "--exercise is required");
    if (!s_code_ok(in->exercise, true))
        return rl_reg_fail(err, RL_EXIT_FAIL, "exercise",
                           "--exercise: '%.40s' is not an exercise code (e.g. BRIDGE)",
                           in->exercise);
    if (s_given(in->variant) && !s_code_ok(in->variant, false))
        return rl_reg_fail(err, RL_EXIT_FAIL, "variant",
                           "--variant: '%.40s' is not a variant code (e.g. one-leg)", in->variant);
    bool counted = s_given(in->reps) || s_given(in->sets), held = s_given(in->hold);
    if (counted && held)
        return rl_reg_fail(err, RL_EXIT_USAGE, "hold",
                           "give either --reps and --sets or --hold, not both");
    if (!counted && !held)
        return rl_reg_fail(err, RL_EXIT_USAGE, "reps",
                           "give the dose: --reps N --sets N, or --hold SECONDS");
    if (counted) {
        if (s_count("reps", in->reps, RL_HP_REPS_MAX, &out->reps, err) < 0 ||
            s_count("sets", in->sets, RL_HP_SETS_MAX, &out->sets, err) < 0)
            return -1;
    } else if (s_count("hold", in->hold, RL_HP_HOLD_MAX, &out->hold, err) < 0) {
        return -1;
    }
    return s_count("per-week", in->per_week, RL_HP_PER_WEEK_MAX, &out->per_week, err);
}

int
rl_homeprog_parse_done(const char *list, rl_homeprog_done_t *out, size_t *n, rl_reg_err_t *err)
{
    *n = 0;
    if (!s_given(list))
        return rl_reg_fail(err, RL_EXIT_USAGE, "done", "--done is required");
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        if (*n == RL_HP_DONE_MAX)
            return rl_reg_fail(err, RL_EXIT_FAIL, "done", "--done: more than %d exercises",
                               RL_HP_DONE_MAX);
        rl_homeprog_done_t *d = &out[*n];
        memset(d, 0, sizeof *d);
        const char *colon = memchr(p, ':', len);
        size_t elen = colon ? (size_t)(colon - p) : len;
        size_t vlen = colon ? len - elen - 1 : 0;
        if (elen == 0 || elen >= sizeof d->exercise || vlen >= sizeof d->variant ||
            (colon && vlen == 0))
            return rl_reg_fail(err, RL_EXIT_FAIL, "done",
                               "--done: item %zu is not CODE or CODE:VARIANT", *n + 1);
        memcpy(d->exercise, p, elen);
        if (colon)
            memcpy(d->variant, colon + 1, vlen);
        if (!s_code_ok(d->exercise, true))
            return rl_reg_fail(err, RL_EXIT_FAIL, "done",
                               "--done: item %zu: '%s' is not an exercise code", *n + 1,
                               d->exercise);
        if (colon && !s_code_ok(d->variant, false))
            return rl_reg_fail(err, RL_EXIT_FAIL, "done",
                               "--done: item %zu: '%s' is not a variant code", *n + 1, d->variant);
        for (size_t i = 0; i < *n; i++)
            if (!strcmp(out[i].exercise, d->exercise))
                return rl_reg_fail(err, RL_EXIT_FAIL, "done", "--done: %s is named twice",
                                   d->exercise);
        (*n)++;
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

/* ------------------------------------------------------------ the database */

static int
s_simple(PGconn *conn, rl_reg_err_t *err, const char *sql)
{
    PGresult *res = rl_reg_exec(conn, err, sql, sql, 0, NULL);
    PQclear(res);
    return res ? 0 : -1;
}

static void
s_rollback(PGconn *conn)
{
    PQclear(PQexec(conn, "ROLLBACK"));
}

/* BEGIN and one writer per enrolment (an advisory lock: the clinician may
 * not lock enrolment rows), so that "already in the programme" holds. */
static int
s_begin(PGconn *conn, const char *enrolment, rl_reg_err_t *err)
{
    if (s_simple(conn, err, "BEGIN") < 0)
        return -1;
    char id[32];
    int f = rl_reg_lookup(conn, err, "locking the enrolment",
                          "SELECT e.enrolment_id FROM clinical.enrolment e, "
                          "pg_advisory_xact_lock(hashtext('ruglab home programme ' || $1)) l "
                          "WHERE e.enrolment_id = $1::bigint",
                          1, (const char *const[]){enrolment}, id);
    if (f == 0)
        rl_reg_fail(err, RL_EXIT_FAIL, "", "unknown enrolment %s", enrolment);
    return f == 1 ? 0 : -1;
}

/* The exercise of code (not retired) into ex_id, its variant (NULL/"":
 * none; not retired) into var_id (""). A refusal names --done (done) or
 * --exercise and --variant. */
static int
s_find(PGconn *conn, const char *code, const char *variant, bool done, char ex_id[32],
       char var_id[32], rl_reg_err_t *err)
{
    const char *field = done ? "done" : "exercise";
    char retired[32];
    int f = rl_reg_lookup(conn, err, "finding the exercise",
                          "SELECT exercise_id || ' ' || retired FROM clinical.exercise "
                          "WHERE code = $1",
                          1, (const char *const[]){code}, retired);
    if (f < 0)
        return -1;
    if (f == 0)
        return rl_reg_fail(err, RL_EXIT_FAIL, field,
                           "%s: unknown exercise %s (see `ruglab exercise list`)",
                           done ? "--done" : "--exercise", code);
    char *sp = strchr(retired, ' ');
    *sp = '\0';
    snprintf(ex_id, 32, "%s", retired);
    if (!strcmp(sp + 1, "true"))
        return rl_reg_fail(err, RL_EXIT_FAIL, field,
                           "%s: the exercise %s is retired from the catalogue",
                           done ? "--done" : "--exercise", code);
    var_id[0] = '\0';
    if (!s_given(variant))
        return 0;
    const char *vfield = done ? "done" : "variant";
    const char *vopt = done ? "--done" : "--variant";
    f = rl_reg_lookup(conn, err, "finding the variant",
                      "SELECT variant_id || ' ' || retired FROM clinical.exercise_variant "
                      "WHERE exercise_id = $1::integer AND code = $2",
                      2, (const char *const[]){ex_id, variant}, retired);
    if (f < 0)
        return -1;
    if (f == 0)
        return rl_reg_fail(err, RL_EXIT_FAIL, vfield,
                           "%s: the exercise %s has no variant %s (see `ruglab exercise show %s`)",
                           vopt, code, variant, code);
    sp = strchr(retired, ' ');
    *sp = '\0';
    snprintf(var_id, 32, "%s", retired);
    if (!strcmp(sp + 1, "true"))
        return rl_reg_fail(err, RL_EXIT_FAIL, vfield,
                           "%s: the variant %s of %s is retired from the catalogue", vopt, variant,
                           code);
    return 0;
}

/* 1 when the exercise is in the enrolment's programme, 0 not, -1 err. */
static int
s_assigned(PGconn *conn, const char *enrolment, const char *ex_id, rl_reg_err_t *err)
{
    char id[32];
    return rl_reg_lookup(conn, err, "reading the home programme",
                         "SELECT home_exercise_id FROM clinical.v_home_programme "
                         "WHERE enrolment_id = $1::bigint AND exercise_id = $2::integer",
                         2, (const char *const[]){enrolment, ex_id}, id);
}

static int
s_commit(PGconn *conn, rl_reg_err_t *err)
{
    return s_simple(conn, err, "COMMIT");
}

/* The INSERT ... RETURNING id that ends the transaction s_begin opened,
 * then COMMIT; on error ROLLBACK. 0 or -1. */
static int
s_store(PGconn *conn, rl_reg_err_t *err, const char *what, const char *sql, int n,
        const char *const *p, char id[32])
{
    int f = rl_reg_lookup(conn, err, what, sql, n, p, id);
    if (f == 0)
        rl_reg_fail(err, RL_EXIT_FAIL, "", "%s: nothing stored", what);
    if (f != 1 || s_commit(conn, err) < 0) {
        s_rollback(conn);
        return -1;
    }
    return 0;
}

int
rl_homeprog_set(PGconn *conn, const char *enrolment, rl_hp_action_t action,
                const rl_homeprog_in_t *in, char id[32], rl_reg_err_t *err)
{
    rl_homeprog_dose_t dose;
    if (rl_homeprog_check(in, &dose, err) < 0)
        return -1;
    char ex_id[32], var_id[32];
    if (s_begin(conn, enrolment, err) < 0 ||
        s_find(conn, in->exercise, in->variant, false, ex_id, var_id, err) < 0)
        goto fail;
    int f = s_assigned(conn, enrolment, ex_id, err);
    if (f < 0)
        goto fail;
    if (action == RL_HP_ASSIGN && f == 1) {
        rl_reg_fail(err, RL_EXIT_FAIL, "exercise",
                    "--exercise: %s is already in the home programme (use `ruglab homeprog "
                    "change`)",
                    in->exercise);
        goto fail;
    }
    if (action == RL_HP_CHANGE && f == 0) {
        rl_reg_fail(err, RL_EXIT_FAIL, "exercise",
                    "--exercise: %s is not in the home programme (use `ruglab homeprog assign`)",
                    in->exercise);
        goto fail;
    }
    char reps[16], sets[16], hold[16], per_week[16];
    snprintf(reps, sizeof reps, "%d", dose.reps);
    snprintf(sets, sizeof sets, "%d", dose.sets);
    snprintf(hold, sizeof hold, "%d", dose.hold);
    snprintf(per_week, sizeof per_week, "%d", dose.per_week);
    const char *p[9] = {enrolment,
                        ex_id,
                        var_id[0] ? var_id : NULL,
                        action == RL_HP_ASSIGN ? "assign" : "change",
                        dose.reps ? reps : NULL,
                        dose.sets ? sets : NULL,
                        dose.hold ? hold : NULL,
                        per_week,
                        rl_audit_reader()};
    return s_store(conn, err, "recording the home programme",
                   "INSERT INTO clinical.home_exercise (enrolment_id, exercise_id, variant_id, "
                   "action, repetitions, sets, hold_seconds, per_week, recorded_by) VALUES "
                   "($1::bigint, $2::integer, $3::integer, $4, $5::smallint, $6::smallint, "
                   "$7::smallint, $8::smallint, $9) RETURNING home_exercise_id",
                   9, p, id);
fail:
    s_rollback(conn);
    return -1;
}

int
rl_homeprog_stop(PGconn *conn, const char *enrolment, const char *exercise, char id[32],
                 rl_reg_err_t *err)
{
    if (!s_given(exercise))
        return rl_reg_fail(err, RL_EXIT_USAGE, "exercise", "--exercise is required");
    if (!s_code_ok(exercise, true))
        return rl_reg_fail(err, RL_EXIT_FAIL, "exercise",
                           "--exercise: '%.40s' is not an exercise code (e.g. BRIDGE)", exercise);
    char ex_id[32];
    int f;
    if (s_begin(conn, enrolment, err) < 0)
        goto fail;
    f = rl_reg_lookup(conn, err, "finding the exercise",
                      "SELECT exercise_id FROM clinical.exercise WHERE code = $1", 1,
                      (const char *const[]){exercise}, ex_id);
    if (f == 0)
        rl_reg_fail(err, RL_EXIT_FAIL, "exercise",
                    "--exercise: unknown exercise %s (see `ruglab exercise list`)", exercise);
    if (f != 1)
        goto fail;
    f = s_assigned(conn, enrolment, ex_id, err);
    if (f == 0)
        rl_reg_fail(err, RL_EXIT_FAIL, "exercise", "--exercise: %s is not in the home programme",
                    exercise);
    if (f != 1)
        goto fail;
    const char *p[3] = {enrolment, ex_id, rl_audit_reader()};
    return s_store(conn, err, "stopping the exercise",
                   "INSERT INTO clinical.home_exercise (enrolment_id, exercise_id, action, "
                   "recorded_by) VALUES ($1::bigint, $2::integer, 'stop', $3) "
                   "RETURNING home_exercise_id",
                   3, p, id);
fail:
    s_rollback(conn);
    return -1;
}

int
rl_homeprog_record_done(PGconn *conn, const char *enrolment, const char *session,
                        const rl_homeprog_done_t *done, size_t n, rl_reg_err_t *err)
{
    int v = 0;
    if (!s_given(session))
        return rl_reg_fail(err, RL_EXIT_USAGE, "session", "--session is required");
    if (s_count("session", session, 100000, &v, err) < 0)
        return -1;
    if (n == 0)
        return rl_reg_fail(err, RL_EXIT_USAGE, "done", "--done: no exercise named");
    char date[32];
    if (s_begin(conn, enrolment, err) < 0)
        goto fail;
    int f = rl_reg_lookup(conn, err, "finding the session",
                          "SELECT session_date FROM clinical.v_session WHERE enrolment_id = "
                          "$1::bigint AND status = 'attended' AND session_number = $2::integer "
                          "LIMIT 1",
                          2, (const char *const[]){enrolment, session}, date);
    if (f == 0)
        rl_reg_fail(err, RL_EXIT_FAIL, "session",
                    "--session: the programme has no attended session %s (see `ruglab session "
                    "list`)",
                    session);
    if (f != 1)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        char ex_id[32], var_id[32], id[32];
        if (s_find(conn, done[i].exercise, done[i].variant, true, ex_id, var_id, err) < 0)
            goto fail;
        const char *p[5] = {enrolment, date, ex_id, var_id[0] ? var_id : NULL, rl_audit_reader()};
        f = rl_reg_lookup(conn, err, "recording the exercises done",
                          "INSERT INTO clinical.session_exercise (enrolment_id, session_date, "
                          "exercise_id, variant_id, recorded_by) VALUES ($1::bigint, $2::date, "
                          "$3::integer, $4::integer, $5) ON CONFLICT DO NOTHING "
                          "RETURNING session_exercise_id",
                          5, p, id);
        if (f == 0)
            rl_reg_fail(err, RL_EXIT_FAIL, "done", "--done: %s is already recorded for session %s",
                        done[i].exercise, session);
        if (f != 1)
            goto fail;
    }
    if (s_commit(conn, err) < 0)
        goto fail;
    return 0;
fail:
    s_rollback(conn);
    return -1;
}

/* ------------------------------------------------------------ reading */

/* The columns of a row of the programme (h: clinical.home_exercise or the view). */
#define S_COLUMNS                                                                                  \
    "x.code AS exercise, v.code AS variant, v.level, h.repetitions, h.sets, h.hold_seconds, "      \
    "h.per_week, h.recorded_by, h.recorded_at, h.home_exercise_id "
#define S_JOINS                                                                                    \
    "JOIN clinical.exercise x ON x.exercise_id = h.exercise_id "                                   \
    "LEFT JOIN clinical.exercise_variant v ON v.variant_id = h.variant_id "

PGresult *
rl_homeprog_fetch(PGconn *conn, const char *enrolment, bool history, rl_reg_err_t *err)
{
    const char *p[1] = {enrolment};
    if (history)
        return rl_reg_exec(conn, err, "reading the home programme's history",
                           "SELECT h.action, " S_COLUMNS "FROM clinical.home_exercise h " S_JOINS
                           "WHERE h.enrolment_id = $1::bigint "
                           "ORDER BY h.recorded_at, h.home_exercise_id",
                           1, p);
    return rl_reg_exec(conn, err, "reading the home programme",
                       "SELECT " S_COLUMNS "FROM clinical.v_home_programme h " S_JOINS
                       "WHERE h.enrolment_id = $1::bigint ORDER BY x.position",
                       1, p);
}

PGresult *
rl_homeprog_fetch_done(PGconn *conn, const char *enrolment, rl_reg_err_t *err)
{
    return rl_reg_exec(
        conn, err, "reading the exercises done",
        "SELECT (SELECT max(s.session_number) FROM clinical.v_session s "
        "WHERE s.enrolment_id = d.enrolment_id AND s.session_date = d.session_date "
        "AND s.status = 'attended') AS session_number, d.session_date, x.code AS exercise, "
        "v.code AS variant, v.level, d.recorded_by, d.recorded_at "
        "FROM clinical.session_exercise d JOIN clinical.exercise x ON x.exercise_id = "
        "d.exercise_id LEFT JOIN clinical.exercise_variant v ON v.variant_id = d.variant_id "
        "WHERE d.enrolment_id = $1::bigint ORDER BY d.session_date, x.position",
        1, (const char *const[]){enrolment});
}
