/* Registration and attendance (registration.h): the checks and the stores
 * of `ruglab patient add`, `enrol`, `session add|no-show|cancel` and
 * `questionnaire add`, shared with ruglab-web. */
#include "ruglab/registration.h"

#include "ruglab/audit.h"
#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/insz.h"
#include "ruglab/mem.h"
#include "ruglab/programme.h"
#include "ruglab/text.h"

#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ errors */

static int s_fail(rl_reg_err_t *err, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int s_vfail(rl_reg_err_t *err, int status, const char *field, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static int
s_vfail(rl_reg_err_t *err, int status, const char *field, const char *fmt, va_list ap)
{
    err->status = status;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return -1;
}

/* Fills err; always -1. */
static int
s_fail(rl_reg_err_t *err, int status, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vfail(err, status, field, fmt, ap);
    va_end(ap);
    return -1;
}

int
rl_reg_fail(rl_reg_err_t *err, int status, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vfail(err, status, field, fmt, ap);
    va_end(ap);
    return -1;
}

/* An option's field: "--insz" -> "insz". */
static const char *
s_field(const char *option)
{
    return option[0] == '-' && option[1] == '-' ? option + 2 : option;
}

static int
s_require(const char *option, const char *value, rl_reg_err_t *err)
{
    if (value && *value)
        return 0;
    return s_fail(err, RL_EXIT_USAGE, s_field(option), "%s is required", option);
}

static int
s_date(const char *option, const char *s, rl_date_t *out, rl_reg_err_t *err)
{
    rl_err_t e;
    if (rl_date_parse(s, out, &e) == 0)
        return 0;
    return s_fail(err, RL_EXIT_FAIL, s_field(option), "%s: %s", option, e.msg);
}

/* A date option when given. */
static int
s_opt_date(const char *option, const char *s, rl_date_t *out, rl_reg_err_t *err)
{
    return s ? s_date(option, s, out, err) : 0;
}

static int
s_number(const char *option, const char *s, double min, double max, double *out, rl_reg_err_t *err)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return s_fail(err, RL_EXIT_FAIL, s_field(option), "%s: '%s' is not a number", option, s);
    if (v < min || v > max)
        return s_fail(err, RL_EXIT_FAIL, s_field(option), "%s: %s is outside %g-%g", option, s, min,
                      max);
    *out = v;
    return 0;
}

int
rl_reg_refuse_after(const char *what, const char *date_s, rl_date_t date, rl_date_t today,
                    rl_reg_err_t *err)
{
    if (rl_date_compare(date, today) <= 0)
        return 0;
    char buf[RL_DATE_STR_SIZE];
    return s_fail(err, RL_EXIT_FAIL, "date", "the %s date %s is in the future (today is %s)", what,
                  date_s, rl_date_format(today, buf));
}

/* ------------------------------------------------------------ the database */

PGresult *
rl_reg_exec(PGconn *conn, rl_reg_err_t *err, const char *what, const char *sql, int n,
            const char *const *params)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    const char *state = rl_db_sqlstate(res);
    /* class 22 (data exception) and 23 (integrity constraint): the input */
    bool data = !strncmp(state, "22", 2) || !strncmp(state, "23", 2);
    s_fail(err, data ? RL_EXIT_FAIL : RL_EXIT_DB, "", "%s: %s", what,
           res ? rl_db_result_error(res) : rl_db_error(conn));
    PQclear(res);
    return NULL;
}

int
rl_reg_lookup(PGconn *conn, rl_reg_err_t *err, const char *what, const char *sql, int n,
              const char *const *params, char id[32])
{
    PGresult *res = rl_reg_exec(conn, err, what, sql, n, params);
    if (!res)
        return -1;
    int found = PQntuples(res) > 0;
    if (found)
        snprintf(id, 32, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return found;
}

static int
s_simple(PGconn *conn, rl_reg_err_t *err, const char *sql)
{
    PGresult *res = rl_reg_exec(conn, err, sql, sql, 0, NULL);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

static void
s_rollback(PGconn *conn)
{
    if (PQtransactionStatus(conn) != PQTRANS_IDLE)
        PQclear(PQexec(conn, "ROLLBACK"));
}

int
rl_reg_today(PGconn *conn, rl_date_t *out, rl_reg_err_t *err)
{
    PGresult *res = rl_reg_exec(conn, err, "reading today's date",
                                "SELECT clinical.local_date(now())", 0, NULL);
    if (!res)
        return -1;
    rl_err_t e;
    int r = rl_date_parse(PQgetvalue(res, 0, 0), out, &e);
    PQclear(res);
    if (r < 0)
        return s_fail(err, RL_EXIT_DB, "", "reading today's date: %s", e.msg);
    return 0;
}

static int
s_refuse_future(PGconn *conn, const char *what, const char *date_s, rl_date_t date,
                rl_reg_err_t *err)
{
    rl_date_t today;
    if (rl_reg_today(conn, &today, err) < 0)
        return -1;
    return rl_reg_refuse_after(what, date_s, date, today, err);
}

void
rl_reg_random_base32(char *buf, size_t n)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    for (size_t i = 0; i < n; i++)
        buf[i] = alphabet[randombytes_uniform(32)];
}

/* ------------------------------------------------------------ patient add */

static int
s_check_name(const char *option, const char *v, rl_reg_err_t *err)
{
    size_t n = strlen(v);
    if (n == 0 || n > 100)
        return s_fail(err, RL_EXIT_FAIL, s_field(option), "%s must be 1-100 characters", option);
    if (rl_text_control_at(v, n) < n)
        return s_fail(err, RL_EXIT_FAIL, s_field(option), "%s contains a control character",
                      option);
    return 0;
}

/* The INSZ, checked, into insz. */
static int
s_patient_check(const rl_patient_in_t *in, rl_insz_t *insz, rl_reg_err_t *err)
{
    rl_date_t birth;
    if (s_require("--site", in->site, err) < 0 ||
        s_require("--family-name", in->family_name, err) < 0 ||
        s_require("--given-name", in->given_name, err) < 0 ||
        s_require("--birth-date", in->birth_date, err) < 0 ||
        s_require("--sex", in->sex, err) < 0 || s_require("--insz", in->insz, err) < 0)
        return -1;
    if (s_check_name("--family-name", in->family_name, err) < 0 ||
        s_check_name("--given-name", in->given_name, err) < 0 ||
        s_date("--birth-date", in->birth_date, &birth, err) < 0)
        return -1;
    if (strcmp(in->sex, "M") && strcmp(in->sex, "F") && strcmp(in->sex, "X"))
        return s_fail(err, RL_EXIT_FAIL, "sex", "--sex must be M, F or X");
    rl_err_t e;
    if (rl_insz_validate(in->insz, insz, &e) < 0 ||
        rl_insz_matches_birth(insz, birth, in->sex[0] == 'X' ? '?' : in->sex[0], &e) < 0)
        return s_fail(err, RL_EXIT_FAIL, "insz", "%s", e.msg);
    double v;
    if ((in->weight && s_number("--weight", in->weight, 20, 400, &v, err) < 0) ||
        (in->height && s_number("--height", in->height, 80, 250, &v, err) < 0))
        return -1;
    if (in->gp && (strlen(in->gp) != 11 || strspn(in->gp, "0123456789") != 11))
        return s_fail(err, RL_EXIT_FAIL, "gp", "--gp: give the GP's RIZIV number (11 digits)");
    return 0;
}

int
rl_patient_check(const rl_patient_in_t *in, rl_reg_err_t *err)
{
    rl_insz_t insz;
    return s_patient_check(in, &insz, err);
}

/* The site, the GP, and no patient with this INSZ yet. */
static int
s_patient_resolve(PGconn *conn, const rl_patient_in_t *in, const rl_insz_t *insz, char site_id[32],
                  char gp_id[32], rl_reg_err_t *err)
{
    char msg[256];
    snprintf(msg, sizeof msg, "unknown site '%s' (see ruglab site list)", in->site);
    int f = rl_reg_lookup(conn, err, msg, "SELECT site_id FROM clinical.site WHERE code = $1", 1,
                          &in->site, site_id);
    if (f == 0)
        return s_fail(err, RL_EXIT_FAIL, "site", "%s", msg);
    if (f < 0)
        return -1;
    if (in->gp) {
        snprintf(msg, sizeof msg, "unknown GP with RIZIV number %s (see ruglab gp list, gp add)",
                 in->gp);
        f = rl_reg_lookup(conn, err, msg, "SELECT gp_id FROM identity.gp WHERE riziv = $1", 1,
                          &in->gp, gp_id);
        if (f == 0)
            return s_fail(err, RL_EXIT_FAIL, "gp", "%s", msg);
        if (f < 0)
            return -1;
    }
    char existing[32];
    f = rl_reg_lookup(conn, err, "checking the INSZ",
                      "SELECT subject_id FROM identity.patient WHERE insz = $1", 1,
                      (const char *const[]){insz->digits}, existing);
    if (f > 0)
        return s_fail(err, RL_EXIT_FAIL, "insz",
                      "a patient with this INSZ is already registered (subject %s)", existing);
    return f;
}

/* The pseudonymous subject with a new badge token and pseudonym. A token
 * collision is possible in theory (40 random bits): retry. */
static int
s_patient_subject(PGconn *conn, const rl_patient_in_t *in, const char *site_id,
                  rl_patient_added_t *m, rl_reg_err_t *err)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        char r[8], q[12];
        rl_reg_random_base32(r, 8);
        snprintf(m->badge, sizeof m->badge, "RB-%.4s-%.4s", r, r + 4);
        rl_reg_random_base32(q, 12);
        snprintf(m->pseudonym, sizeof m->pseudonym, "PS-%.12s", q);
        const char *p[6] = {site_id, m->badge, m->pseudonym, in->sex, in->weight, in->height};
        int f = rl_reg_lookup(conn, err, "inserting the subject",
                              "INSERT INTO clinical.subject (site_id, badge_token, pseudonym, "
                              "sex, body_weight_kg, height_cm) VALUES ($1, $2, $3, $4, $5, $6) "
                              "ON CONFLICT DO NOTHING RETURNING subject_id",
                              6, p, m->subject_id);
        if (f != 0)
            return f > 0 ? 0 : -1;
    }
    return s_fail(err, RL_EXIT_FAIL, "", "could not draw a unique badge token");
}

int
rl_patient_add(PGconn *conn, const rl_patient_in_t *in, rl_patient_added_t *out, rl_reg_err_t *err)
{
    rl_insz_t insz;
    char site_id[32], gp_id[32] = "";
    memset(out, 0, sizeof *out);
    if (s_patient_check(in, &insz, err) < 0)
        return -1;
    if (s_simple(conn, err, "BEGIN") < 0 ||
        s_patient_resolve(conn, in, &insz, site_id, gp_id, err) < 0 ||
        s_patient_subject(conn, in, site_id, out, err) < 0)
        goto fail;
    rl_date_t birth;
    char birth_buf[RL_DATE_STR_SIZE];
    if (rl_date_parse(in->birth_date, &birth, NULL) < 0) /* checked above */
        goto fail;
    rl_date_format(birth, birth_buf);
    const char *p[10] = {
        out->subject_id,       insz.digits, in->family_name, in->given_name, birth_buf,
        *gp_id ? gp_id : NULL, in->address, in->postal_code, in->city,       in->phone};
    PGresult *res = rl_reg_exec(conn, err, "inserting the patient",
                                "INSERT INTO identity.patient (subject_id, insz, family_name, "
                                "given_name, date_of_birth, gp_id, address, postal_code, city, "
                                "phone) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                                10, p);
    if (!res)
        goto fail;
    PQclear(res);
    if (s_simple(conn, err, "COMMIT") < 0)
        goto fail;
    return 0;
fail:
    s_rollback(conn);
    return -1;
}

/* ------------------------------------------------------------ enrol */

/* What the checks derive from the input. */
typedef struct {
    const char *ind_db, *exc_db;   /* the database's names of indication, exception */
    rl_programme_enrolment_t rule; /* what R1 and R2 look at, but the earlier programmes */
} s_enrol_t;

static int
s_enrol_check(const rl_enrol_in_t *in, s_enrol_t *d, rl_reg_err_t *err)
{
    memset(d, 0, sizeof *d);
    if (s_require("--programme", in->programme, err) < 0 ||
        s_require("--start", in->start, err) < 0 || s_require("--route", in->route, err) < 0 ||
        s_require("--indication", in->indication, err) < 0)
        return -1;
    rl_programme_enrolment_t *e = &d->rule;
    if (!strcmp(in->indication, "chronic")) {
        e->indication = RL_IND_CHRONIC;
        d->ind_db = "chronic";
    } else if (!strcmp(in->indication, "post-surgery") || !strcmp(in->indication, "post_surgery")) {
        e->indication = RL_IND_POST_SURGERY;
        d->ind_db = "post_surgery";
    } else {
        return s_fail(err, RL_EXIT_FAIL, "indication",
                      "--indication must be chronic or post-surgery");
    }
    if (rl_route_parse(in->route, &e->route) < 0)
        return s_fail(err, RL_EXIT_FAIL, "route", "--route must be riziv, fedris or preventive");
    d->exc_db = "none";
    if (in->exception) {
        if (!strcmp(in->exception, "new-surgery") || !strcmp(in->exception, "new_surgery")) {
            e->exception = RL_EXC_NEW_SURGERY;
            d->exc_db = "new_surgery";
        } else if (!strcmp(in->exception, "reintegration")) {
            e->exception = RL_EXC_REINTEGRATION;
            d->exc_db = "reintegration";
        } else {
            return s_fail(err, RL_EXIT_FAIL, "exception",
                          "--exception must be new-surgery or reintegration");
        }
    }
    e->advisory_physician_approved = in->advisory_approved;
    if (s_date("--start", in->start, &e->start, err) < 0 ||
        s_opt_date("--pain-since", in->pain_since, &e->pain_since, err) < 0 ||
        s_opt_date("--surgery-date", in->surgery_date, &e->surgery_date, err) < 0 ||
        s_opt_date("--exception-surgery-date", in->exception_surgery_date,
                   &e->exception_surgery_date, err) < 0)
        return -1;
    return 0;
}

int
rl_enrol_check(const rl_enrol_in_t *in, rl_reg_err_t *err)
{
    s_enrol_t d;
    return s_enrol_check(in, &d, err);
}

/* The enrolment as the database sees it. */
typedef struct {
    char site_id[32], programme_id[32], cohort_id[32];
    char active[32]; /* the patient's running enrolment, or "" */
    rl_programme_previous_t *prev;
    char **prev_codes;
    size_t n_prev;
} s_enrol_db_t;

/* Locks the patient (the lock serialises concurrent enrolments of one
 * patient) and finds the site, the programme and the group. */
static int
s_enrol_resolve(PGconn *conn, const rl_enrol_in_t *in, s_enrol_db_t *m, rl_reg_err_t *err)
{
    const char *ps[1] = {in->subject_id};
    int f =
        rl_reg_lookup(conn, err, "locking the patient",
                      "SELECT s.site_id FROM clinical.subject s WHERE s.subject_id = $1::bigint "
                      "FOR UPDATE",
                      1, ps, m->site_id);
    if (f == 0)
        return s_fail(err, RL_EXIT_FAIL, "", "no patient with that subject id");
    if (f < 0)
        return -1;
    char msg[256];
    snprintf(msg, sizeof msg, "unknown programme '%s' (see ruglab programme list)", in->programme);
    const char *pp[2] = {in->programme, m->site_id};
    f = rl_reg_lookup(conn, err, msg,
                      "SELECT programme_id FROM clinical.programme WHERE code = $1 "
                      "AND (site_id IS NULL OR site_id = $2::integer)",
                      2, pp, m->programme_id);
    if (f == 0)
        return s_fail(err, RL_EXIT_FAIL, "programme", "%s", msg);
    if (f < 0)
        return -1;
    if (!in->cohort)
        return 0;
    snprintf(msg, sizeof msg, "unknown group '%s' at the patient's site", in->cohort);
    const char *pc[2] = {in->cohort, m->site_id};
    f = rl_reg_lookup(
        conn, err, msg,
        "SELECT cohort_id FROM clinical.cohort WHERE code = $1 AND site_id = $2::integer", 2, pc,
        m->cohort_id);
    if (f == 0)
        return s_fail(err, RL_EXIT_FAIL, "cohort", "%s", msg);
    return f < 0 ? -1 : 0;
}

/* R2 looks at every programme the patient followed (cancelled enrolments
 * never started; programme.h skips the preventive ones); a running one is
 * kept in m->active. */
static int
s_enrol_previous(PGconn *conn, const rl_enrol_in_t *in, s_enrol_db_t *m, rl_reg_err_t *err)
{
    const char *ps[1] = {in->subject_id};
    PGresult *res = rl_reg_exec(conn, err, "reading earlier enrolments",
                                "SELECT p.code, e.start_date, e.status, e.enrolment_id, e.route "
                                "FROM clinical.enrolment e JOIN clinical.programme p "
                                "USING (programme_id) "
                                "WHERE e.subject_id = $1::bigint AND e.status <> 'cancelled' "
                                "ORDER BY e.start_date",
                                1, ps);
    if (!res)
        return -1;
    int n = PQntuples(res), r = 0;
    m->prev = rl_calloc((size_t)n + 1, sizeof *m->prev);
    m->prev_codes = rl_calloc((size_t)n + 1, sizeof *m->prev_codes);
    for (int i = 0; i < n; i++) {
        m->prev_codes[i] = rl_strdup(PQgetvalue(res, i, 0));
        m->prev[i].code = m->prev_codes[i];
        m->n_prev++;
        rl_err_t derr;
        if (rl_date_parse(PQgetvalue(res, i, 1), &m->prev[i].start, &derr) < 0) {
            r = s_fail(err, RL_EXIT_DB, "", "earlier enrolment: %s", derr.msg);
            break;
        }
        if (rl_route_parse(PQgetvalue(res, i, 4), &m->prev[i].route) < 0) {
            r = s_fail(err, RL_EXIT_DB, "", "earlier enrolment: unknown route '%s'",
                       PQgetvalue(res, i, 4));
            break;
        }
        if (!strcmp(PQgetvalue(res, i, 2), "active"))
            snprintf(m->active, sizeof m->active, "%s", PQgetvalue(res, i, 3));
    }
    PQclear(res);
    return r;
}

/* R1 and R2 (programme.h), then: no second running programme. */
static int
s_enrol_rules(const rl_enrol_in_t *in, const s_enrol_t *d, const s_enrol_db_t *m, rl_reg_err_t *err)
{
    rl_programme_enrolment_t e = d->rule;
    e.previous = m->prev;
    e.n_previous = m->n_prev;
    rl_err_t re;
    if (rl_programme_check_enrolment(&e, &re) < 0)
        /* R1 is about the indication, R2 about an exception to record */
        return s_fail(err, RL_EXIT_FAIL,
                      strstr(re.msg, "rule R2")   ? "exception"
                      : strstr(re.msg, "rule R1") ? "indication"
                                                  : "start",
                      "%s", re.msg);
    if (*m->active)
        return s_fail(err, RL_EXIT_FAIL, "",
                      "patient %s still has a running programme (enrolment %s); end it first "
                      "(ruglab enrolment end)",
                      in->subject_id, m->active);
    return 0;
}

static int
s_enrol_insert(PGconn *conn, const rl_enrol_in_t *in, const s_enrol_t *d, const s_enrol_db_t *m,
               char enrolment_id[32], rl_reg_err_t *err)
{
    const char *p[16] = {in->subject_id,
                         m->site_id,
                         m->programme_id,
                         *m->cohort_id ? m->cohort_id : NULL,
                         d->ind_db,
                         in->pain_since,
                         in->surgery_date,
                         in->referring_physician,
                         in->route,
                         in->sick_leave ? "true" : "false",
                         in->occupational_copy ? "true" : "false",
                         d->exc_db,
                         in->exception_note,
                         in->start,
                         in->exception_surgery_date,
                         in->exception ? rl_audit_reader() : NULL};
    int f = rl_reg_lookup(
        conn, err, "inserting the enrolment",
        "INSERT INTO clinical.enrolment (subject_id, site_id, programme_id, cohort_id, indication, "
        "pain_since, surgery_date, referring_physician, route, on_sick_leave, occupational_copy, "
        "exception, exception_note, start_date, exception_surgery_date, exception_recorded_by, "
        "age_at_start) "
        "SELECT $1::bigint, $2::integer, $3::integer, $4::integer, $5, $6::date, $7::date, $8, $9, "
        "$10::boolean, $11::boolean, $12, $13, $14::date, $15::date, $16, "
        "extract(year FROM age($14::date, p.date_of_birth))::smallint "
        "FROM identity.patient p WHERE p.subject_id = $1::bigint "
        "RETURNING enrolment_id",
        16, p, enrolment_id);
    if (f == 0)
        return s_fail(err, RL_EXIT_FAIL, "", "subject %s has no identity record", in->subject_id);
    return f > 0 ? 0 : -1;
}

int
rl_enrol(PGconn *conn, const rl_enrol_in_t *in, char enrolment_id[32], rl_reg_err_t *err)
{
    s_enrol_t d;
    if (s_enrol_check(in, &d, err) < 0)
        return -1;
    s_enrol_db_t m;
    memset(&m, 0, sizeof m);
    int r = -1;
    if (s_simple(conn, err, "BEGIN") == 0 && s_enrol_resolve(conn, in, &m, err) == 0 &&
        s_enrol_previous(conn, in, &m, err) == 0 && s_enrol_rules(in, &d, &m, err) == 0 &&
        s_enrol_insert(conn, in, &d, &m, enrolment_id, err) == 0 &&
        s_simple(conn, err, "COMMIT") == 0)
        r = 0;
    if (r < 0)
        s_rollback(conn);
    for (size_t i = 0; i < m.n_prev; i++)
        free(m.prev_codes[i]);
    free(m.prev_codes);
    free(m.prev);
    return r;
}

/* ------------------------------------------------------------ sessions */

int
rl_session_check(rl_session_in_t *in, rl_reg_err_t *err)
{
    in->by_device = in->device || in->device_session;
    if (in->by_device &&
        (strcmp(in->status, "cancelled") != 0 || !in->device || !in->device_session || in->date))
        return s_fail(err, RL_EXIT_USAGE, "",
                      "--device and --device-session go together, with cancel only, "
                      "without --date");
    if (!in->by_device && s_require("--date", in->date, err) < 0)
        return -1;
    if (in->minutes && strcmp(in->status, "attended") != 0)
        return s_fail(err, RL_EXIT_USAGE, "minutes", "--minutes goes with session add only");
    double minutes = 0;
    if (in->minutes && s_number("--minutes", in->minutes, 1, 720, &minutes, err) < 0)
        return -1;
    snprintf(in->minutes_v, sizeof in->minutes_v, "%d", (int)minutes);
    if (in->minutes && minutes != (int)minutes)
        return s_fail(err, RL_EXIT_FAIL, "minutes",
                      "--minutes: '%s' is not a whole number of minutes", in->minutes);
    in->kind_v = in->kind ? in->kind : !strcmp(in->status, "attended") ? "information" : "exercise";
    if (strcmp(in->kind_v, "exercise") && strcmp(in->kind_v, "information") &&
        strcmp(in->kind_v, "test"))
        return s_fail(err, RL_EXIT_FAIL, "kind", "--kind must be exercise, information or test");
    if (in->note && strlen(in->note) > 1000)
        return s_fail(err, RL_EXIT_FAIL, "note", "--note is longer than 1000 characters");
    if (in->date && s_date("--date", in->date, &in->date_v, err) < 0)
        return -1;
    return 0;
}

/* A device's session of this enrolment, marked cancelled. */
static int
s_session_cancel_device(PGconn *conn, const rl_session_in_t *in, const char *enrolment,
                        char session_id[32], rl_reg_err_t *err)
{
    const char *p[3] = {enrolment, in->device, in->device_session};
    char date_buf[32], msg[256];
    snprintf(msg, sizeof msg, "no session %s of device %s in enrolment %s", in->device_session,
             in->device, enrolment);
    int f = rl_reg_lookup(conn, err, msg,
                          "SELECT session_date FROM clinical.v_session WHERE enrolment_id = "
                          "$1::bigint AND device_id = $2 AND device_session_id = $3",
                          3, p, date_buf);
    if (f == 0)
        return s_fail(err, RL_EXIT_FAIL, "", "%s", msg);
    if (f < 0)
        return -1;
    const char *q[6] = {enrolment,          date_buf, in->device,
                        in->device_session, in->note, rl_audit_reader()};
    f = rl_reg_lookup(
        conn, err, "recording the cancellation",
        "INSERT INTO clinical.session (enrolment_id, session_date, kind, status, source, "
        "device_id, device_session_id, note, entered_by) "
        "SELECT $1::bigint, $2::date, v.kind, 'cancelled', 'device', $3, $4, $5, $6 "
        "FROM clinical.v_session v WHERE v.enrolment_id = $1::bigint AND v.device_id = $3 "
        "AND v.device_session_id = $4 "
        "ON CONFLICT (device_id, device_session_id) WHERE source = 'device' "
        "DO UPDATE SET status = 'cancelled', note = EXCLUDED.note, "
        "entered_by = EXCLUDED.entered_by, entered_at = now() RETURNING session_id",
        6, q, session_id);
    if (f == 0) /* the row vanished between the two statements */
        return s_fail(err, RL_EXIT_FAIL, "", "recording the cancellation: no such session");
    return f > 0 ? 0 : -1;
}

/* A session entered by hand, once per enrolment, day and kind. */
static int
s_session_manual(PGconn *conn, const rl_session_in_t *in, const char *enrolment,
                 char session_id[32], rl_reg_err_t *err)
{
    const char *p[3] = {enrolment, in->date, in->kind_v};
    char existing[32];
    int f = rl_reg_lookup(conn, err, "checking for the same session",
                          "SELECT session_id FROM clinical.session WHERE enrolment_id = "
                          "$1::bigint AND session_date = $2::date AND kind = $3 "
                          "AND source = 'manual'",
                          3, p, existing);
    if (f < 0)
        return -1;
    if (f > 0)
        return s_fail(err, RL_EXIT_FAIL, "date",
                      "a session of kind %s on %s is already recorded for enrolment %s "
                      "(session %s)",
                      in->kind_v, in->date, enrolment, existing);
    const char *q[7] = {enrolment,
                        in->date,
                        in->kind_v,
                        in->status,
                        in->note,
                        rl_audit_reader(),
                        in->minutes ? in->minutes_v : NULL};
    f = rl_reg_lookup(conn, err, "recording the session",
                      "INSERT INTO clinical.session (enrolment_id, session_date, kind, "
                      "status, note, entered_by, minutes) VALUES ($1::bigint, $2::date, $3, "
                      "$4, $5, $6, $7::smallint) RETURNING session_id",
                      7, q, session_id);
    if (f == 0)
        return s_fail(err, RL_EXIT_FAIL, "", "recording the session: nothing stored");
    return f > 0 ? 0 : -1;
}

int
rl_session_record(PGconn *conn, const rl_session_in_t *in, const char *enrolment,
                  char session_id[32], rl_reg_err_t *err)
{
    if (in->date && s_refuse_future(conn, "session", in->date, in->date_v, err) < 0)
        return -1;
    return in->by_device ? s_session_cancel_device(conn, in, enrolment, session_id, err)
                         : s_session_manual(conn, in, enrolment, session_id, err);
}

/* ------------------------------------------------------------ questionnaires */

const char *
rl_questionnaire_default_version(rl_instrument_t i)
{
    static const char *v[RL_INSTRUMENT_COUNT] = {"11-point", "2.1a", "24", "17", "1", "1991"};
    return (int)i >= 0 && i < RL_INSTRUMENT_COUNT ? v[i] : "";
}

int
rl_questionnaire_check(rl_questionnaire_in_t *in, rl_reg_err_t *err)
{
    if (s_require("--instrument", in->instrument, err) < 0 ||
        s_require("--date", in->date, err) < 0)
        return -1;
    const char *lang = in->language;
    if (lang && strcmp(lang, "nl") && strcmp(lang, "fr") && strcmp(lang, "de") &&
        strcmp(lang, "en"))
        return s_fail(err, RL_EXIT_FAIL, "language", "--language must be nl, fr, de or en");
    rl_err_t e;
    if (rl_instrument_parse(in->instrument, &in->inst, &e) < 0)
        return s_fail(err, RL_EXIT_FAIL, "instrument", "%s", e.msg);
    in->version_v = in->version ? in->version : rl_questionnaire_default_version(in->inst);
    if (strlen(in->version_v) > 20)
        return s_fail(err, RL_EXIT_FAIL, "version", "--version is longer than 20 characters");
    return s_date("--date", in->date, &in->date_v, err);
}

int
rl_questionnaire_score_entry(const rl_questionnaire_in_t *in, rl_q_score_t *score,
                             rl_reg_err_t *err)
{
    rl_err_t e;
    if (rl_questionnaire_score(in->instrument, in->version_v, in->answers, in->n_answers, score,
                               &e) < 0)
        return s_fail(err, RL_EXIT_FAIL, "answers", "%s", e.msg);
    /* the tablet may send an incomplete TSK-17 (stored unscored); a paper
     * form typed in by hand is refused so that the missing items are
     * looked up on the form */
    if (in->inst == RL_INSTRUMENT_TSK17 && !score->scorable)
        return s_fail(err, RL_EXIT_FAIL, "answers", "refused: %s", score->reason);
    return 0;
}

int
rl_questionnaire_store(PGconn *conn, const rl_questionnaire_in_t *in, const char *enrolment,
                       const rl_q_score_t *score, char response_id[32], rl_reg_err_t *err)
{
    if (s_refuse_future(conn, "questionnaire", in->date, in->date_v, err) < 0)
        return -1;
    /* the answers as JSON: numbers only, nothing to escape */
    size_t cap = 32 + in->n_answers * 40, len = 0;
    char *json = rl_malloc(cap);
    len += (size_t)snprintf(json + len, cap - len, "[");
    for (size_t i = 0; i < in->n_answers; i++)
        len += (size_t)snprintf(json + len, cap - len, "%s{\"item\":%d,\"value\":%d}", i ? "," : "",
                                in->answers[i].item, in->answers[i].value);
    snprintf(json + len, cap - len, "]");
    char score_s[32];
    snprintf(score_s, sizeof score_s, "%.2f", score->score);
    /* noon in Brussels: the form carries a day, not a time */
    const char *p[8] = {
        enrolment,    in->date, rl_instrument_db_code(in->inst),  in->version_v,
        in->language, json,     score->scorable ? score_s : NULL, rl_audit_reader()};
    int f = rl_reg_lookup(conn, err, "storing the response",
                          "INSERT INTO meas.questionnaire_response (source, taken_at, "
                          "enrolment_id, instrument, version, language, answers, score, "
                          "entered_by) VALUES ('manual', ($2::date + time '12:00') AT TIME "
                          "ZONE 'Europe/Brussels', $1::bigint, $3, $4, $5, $6::jsonb, "
                          "$7::numeric, $8) RETURNING response_id",
                          8, p, response_id);
    free(json);
    if (f == 0)
        return s_fail(err, RL_EXIT_FAIL, "", "storing the response: nothing stored");
    return f > 0 ? 0 : -1;
}

/* ------------------------------------------------------------ work status */

const char *const rl_work_status_codes[] = {
    "working", "working_restricted", "sick_leave", "unemployed",
    "retired", "homemaker_student",  "other",      NULL};

static int
s_work_status_check(const rl_work_status_in_t *in, rl_reg_err_t *err)
{
    if (s_require("--timepoint", in->timepoint, err) < 0 ||
        s_require("--status", in->status, err) < 0)
        return -1;
    if (strcmp(in->timepoint, "start") && strcmp(in->timepoint, "end"))
        return s_fail(err, RL_EXIT_FAIL, "timepoint", "--timepoint must be start or end");
    for (size_t i = 0; rl_work_status_codes[i]; i++)
        if (!strcmp(in->status, rl_work_status_codes[i]))
            return 0;
    return s_fail(err, RL_EXIT_FAIL, "status",
                  "--status must be working, working_restricted, sick_leave, unemployed, "
                  "retired, homemaker_student or other");
}

int
rl_work_status_record(PGconn *conn, const rl_work_status_in_t *in, const char *enrolment,
                      char work_status_id[32], rl_reg_err_t *err)
{
    if (s_work_status_check(in, err) < 0)
        return -1;
    rl_date_t today, date;
    if (rl_reg_today(conn, &today, err) < 0)
        return -1;
    if (in->date && *in->date) {
        if (s_date("--date", in->date, &date, err) < 0 ||
            rl_reg_refuse_after("work status", in->date, date, today, err) < 0)
            return -1;
    } else {
        date = today;
    }
    char date_s[RL_DATE_STR_SIZE];
    rl_date_format(date, date_s);
    if (s_simple(conn, err, "BEGIN") < 0)
        goto fail;
    /* one writer per enrolment (an advisory lock: the secretariat may not
     * lock enrolment rows): a start and an end recorded at once see each
     * other */
    char id[32];
    int f = rl_reg_lookup(conn, err, "locking the enrolment",
                          "SELECT e.enrolment_id FROM clinical.enrolment e, "
                          "pg_advisory_xact_lock(hashtext('ruglab work status ' || $1)) l "
                          "WHERE e.enrolment_id = $1::bigint",
                          1, (const char *const[]){enrolment}, id);
    if (f == 0) {
        s_fail(err, RL_EXIT_FAIL, "", "unknown enrolment %s", enrolment);
        goto fail;
    }
    if (f < 0)
        goto fail;
    if (!strcmp(in->timepoint, "end")) {
        char start[32];
        f = rl_reg_lookup(conn, err, "reading the start status",
                          "SELECT status_date FROM clinical.v_work_status "
                          "WHERE enrolment_id = $1::bigint AND timepoint = 'start'",
                          1, (const char *const[]){enrolment}, start);
        if (f == 0) {
            s_fail(err, RL_EXIT_FAIL, "timepoint",
                   "no work status at the start recorded yet: record --timepoint start first");
            goto fail;
        }
        if (f < 0)
            goto fail;
        if (strcmp(date_s, start) < 0) {
            s_fail(err, RL_EXIT_FAIL, "date",
                   "the end's date %s lies before the start's work status date %s", date_s, start);
            goto fail;
        }
    }
    const char *p[5] = {enrolment, in->timepoint, in->status, date_s, rl_audit_reader()};
    f = rl_reg_lookup(conn, err, "recording the work status",
                      "INSERT INTO clinical.work_status (enrolment_id, timepoint, status, "
                      "status_date, recorded_by) VALUES ($1::bigint, $2, $3, $4::date, $5) "
                      "RETURNING work_status_id",
                      5, p, work_status_id);
    if (f == 0)
        s_fail(err, RL_EXIT_FAIL, "", "recording the work status: nothing stored");
    if (f <= 0 || s_simple(conn, err, "COMMIT") < 0)
        goto fail;
    return 0;
fail:
    s_rollback(conn);
    return -1;
}
