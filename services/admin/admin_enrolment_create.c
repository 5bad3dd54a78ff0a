/* `ruglab enrol`: creates an enrolment, the start of a patient's
 * programme, after the enrolment rules of programme.h: R1 (indication) and
 * R2 (one programme per patient unless an exception is recorded). What
 * follows the start (`ruglab enrolment status|end|list`) is in
 * admin_enrolment_progress.c. */
#include "admin_util.h"

#include "ruglab/audit.h"
#include "ruglab/exitcode.h"
#include "ruglab/mem.h"
#include "ruglab/programme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab enrol PATIENT --programme CODE --start YYYY-MM-DD --route riziv|fedris\n"
            "                    --indication chronic --pain-since YYYY-MM-DD\n"
            "                  | --indication post-surgery --surgery-date YYYY-MM-DD\n"
            "                    [--cohort CODE] [--referring-physician TEXT] [--sick-leave]\n"
            "                    [--occupational-copy]\n"
            "                    [--exception new-surgery --exception-surgery-date YYYY-MM-DD\n"
            "                     | --exception reintegration --advisory-approved]\n"
            "                    [--exception-note TEXT]\n\n"
            "Enrols the patient (a subject id, badge token or INSZ) in a programme template\n"
            "(see ruglab programme list). Refused, naming the rule, when:\n"
            "  R1  the indication is outside the criteria: chronic non-specific back pain\n"
            "      for more than 6 weeks at the start, or a start within 3 months after\n"
            "      spinal surgery;\n"
            "  R2  the patient already followed a programme, unless an exception is\n"
            "      recorded: a new spinal surgery after that programme started, or\n"
            "      socio-professional reintegration approved by the advisory physician.\n"
            "A patient has at most one running programme (end it with ruglab enrolment end).\n"
            "Prints the new enrolment_id (--json: {\"enrolment_id\": N, \"subject_id\": N}).\n");
}

#define S_CMD "enrol"

/* The command line, checked. */
typedef struct {
    const char *patient, *programme, *start_s, *route, *indication, *pain_s, *surgery_s, *cohort,
        *referring, *exception, *exc_surgery_s, *exc_note;
    bool sick, occ, approved;
    const char *ind_db, *exc_db;   /* the database's names of indication, exception */
    rl_programme_enrolment_t rule; /* what R1 and R2 look at, but the earlier programmes */
} s_opts_t;

/* The enrolment as the database sees it. */
typedef struct {
    char subject[32], site_id[32], programme_id[32], cohort_id[32], enrolment_id[32];
    char active[32]; /* the patient's running enrolment, or "" */
    rl_programme_previous_t *prev;
    char **prev_codes;
    size_t n_prev;
} s_enrolment_t;

/* Reads the date option if given; -1 on a bad date. */
static int
s_opt_date(const char *option, const char *s, rl_date_t *out)
{
    if (!s)
        return 0;
    return admin_parse_date(S_CMD, option, s, out);
}

/* Indication, route, exception and dates; an RL_EXIT_* code. */
static int
s_check(s_opts_t *o)
{
    rl_programme_enrolment_t *e = &o->rule;
    if (!strcmp(o->indication, "chronic")) {
        e->indication = RL_IND_CHRONIC;
        o->ind_db = "chronic";
    } else if (!strcmp(o->indication, "post-surgery") || !strcmp(o->indication, "post_surgery")) {
        e->indication = RL_IND_POST_SURGERY;
        o->ind_db = "post_surgery";
    } else {
        rl_cli_fail("%s: --indication must be chronic or post-surgery", S_CMD);
        return RL_EXIT_FAIL;
    }
    if (strcmp(o->route, "riziv") && strcmp(o->route, "fedris")) {
        rl_cli_fail("%s: --route must be riziv or fedris", S_CMD);
        return RL_EXIT_FAIL;
    }
    o->exc_db = "none";
    if (o->exception) {
        if (!strcmp(o->exception, "new-surgery") || !strcmp(o->exception, "new_surgery")) {
            e->exception = RL_EXC_NEW_SURGERY;
            o->exc_db = "new_surgery";
        } else if (!strcmp(o->exception, "reintegration")) {
            e->exception = RL_EXC_REINTEGRATION;
            o->exc_db = "reintegration";
        } else {
            rl_cli_fail("%s: --exception must be new-surgery or reintegration", S_CMD);
            return RL_EXIT_FAIL;
        }
    }
    e->advisory_physician_approved = o->approved;
    if (admin_parse_date(S_CMD, "--start", o->start_s, &e->start) < 0 ||
        s_opt_date("--pain-since", o->pain_s, &e->pain_since) < 0 ||
        s_opt_date("--surgery-date", o->surgery_s, &e->surgery_date) < 0 ||
        s_opt_date("--exception-surgery-date", o->exc_surgery_s, &e->exception_surgery_date) < 0)
        return RL_EXIT_FAIL;
    return RL_EXIT_OK;
}

/* Fills o from the command line; an RL_EXIT_* code. */
static int
s_parse(rl_cli_ctx_t *ctx, int argc, char **argv, s_opts_t *o)
{
    const admin_opt_t opts[] = {{"--programme", &o->programme, NULL},
                                {"--start", &o->start_s, NULL},
                                {"--route", &o->route, NULL},
                                {"--indication", &o->indication, NULL},
                                {"--pain-since", &o->pain_s, NULL},
                                {"--surgery-date", &o->surgery_s, NULL},
                                {"--cohort", &o->cohort, NULL},
                                {"--referring-physician", &o->referring, NULL},
                                {"--sick-leave", NULL, &o->sick},
                                {"--occupational-copy", NULL, &o->occ},
                                {"--exception", &o->exception, NULL},
                                {"--exception-surgery-date", &o->exc_surgery_s, NULL},
                                {"--advisory-approved", NULL, &o->approved},
                                {"--exception-note", &o->exc_note, NULL},
                                {NULL, NULL, NULL}};
    if (admin_parse_arg(ctx, S_CMD, argc, argv, 1, opts, ADMIN_PATIENT_MISSING, &o->patient) < 0 ||
        admin_require(S_CMD, "--programme", o->programme) < 0 ||
        admin_require(S_CMD, "--start", o->start_s) < 0 ||
        admin_require(S_CMD, "--route", o->route) < 0 ||
        admin_require(S_CMD, "--indication", o->indication) < 0)
        return RL_EXIT_USAGE;
    return s_check(o);
}

/* Locks the patient (the lock serialises concurrent enrolments of one
 * patient) and finds the site, the programme and the group. */
static int
s_resolve(rl_cli_ctx_t *ctx, int *rc, const s_opts_t *o, s_enrolment_t *m)
{
    const char *ps[1] = {m->subject};
    PGresult *res =
        admin_exec(ctx, S_CMD, rc, "locking the patient",
                   "SELECT s.site_id FROM clinical.subject s WHERE s.subject_id = $1::bigint "
                   "FOR UPDATE",
                   1, ps);
    if (!res)
        return -1;
    snprintf(m->site_id, sizeof m->site_id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (admin_find_programme(ctx, S_CMD, rc, o->programme, m->site_id, m->programme_id) < 0)
        return -1;
    const char *pc[2] = {o->cohort, m->site_id};
    if (o->cohort && admin_need_id(ctx, S_CMD, rc,
                                   "SELECT cohort_id FROM clinical.cohort WHERE code = $1 "
                                   "AND site_id = $2::integer",
                                   2, pc, m->cohort_id, "unknown group '%s' at the patient's site",
                                   o->cohort) < 0)
        return -1;
    return 0;
}

/* R2 looks at every programme the patient followed (cancelled enrolments
 * never started); a running one is kept in m->active. */
static int
s_read_previous(rl_cli_ctx_t *ctx, int *rc, s_enrolment_t *m)
{
    const char *ps[1] = {m->subject};
    PGresult *res = admin_exec(ctx, S_CMD, rc, "reading earlier enrolments",
                               "SELECT p.code, e.start_date, e.status, e.enrolment_id "
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
            rl_cli_fail("%s: earlier enrolment: %s", S_CMD, derr.msg);
            *rc = RL_EXIT_DB;
            r = -1;
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
s_check_rules(int *rc, const s_opts_t *o, const s_enrolment_t *m)
{
    rl_programme_enrolment_t e = o->rule;
    e.previous = m->prev;
    e.n_previous = m->n_prev;
    rl_err_t err;
    if (rl_programme_check_enrolment(&e, &err) < 0) {
        rl_cli_fail("%s: %s", S_CMD, err.msg);
        *rc = RL_EXIT_FAIL;
        return -1;
    }
    if (*m->active) {
        rl_cli_fail("%s: patient %s still has a running programme (enrolment %s); end it first "
                    "(ruglab enrolment end)",
                    S_CMD, m->subject, m->active);
        *rc = RL_EXIT_FAIL;
        return -1;
    }
    return 0;
}

static int
s_insert(rl_cli_ctx_t *ctx, int *rc, const s_opts_t *o, s_enrolment_t *m)
{
    const char *p[16] = {m->subject,
                         m->site_id,
                         m->programme_id,
                         *m->cohort_id ? m->cohort_id : NULL,
                         o->ind_db,
                         o->pain_s,
                         o->surgery_s,
                         o->referring,
                         o->route,
                         o->sick ? "true" : "false",
                         o->occ ? "true" : "false",
                         o->exc_db,
                         o->exc_note,
                         o->start_s,
                         o->exc_surgery_s,
                         o->exception ? rl_audit_reader() : NULL};
    int f = admin_lookup_id(
        ctx, S_CMD, rc, "inserting the enrolment",
        "INSERT INTO clinical.enrolment (subject_id, site_id, programme_id, cohort_id, indication, "
        "pain_since, surgery_date, referring_physician, route, on_sick_leave, occupational_copy, "
        "exception, exception_note, start_date, exception_surgery_date, exception_recorded_by, "
        "age_at_start) "
        "SELECT $1::bigint, $2::integer, $3::integer, $4::integer, $5, $6::date, $7::date, $8, $9, "
        "$10::boolean, $11::boolean, $12, $13, $14::date, $15::date, $16, "
        "extract(year FROM age($14::date, p.date_of_birth))::smallint "
        "FROM identity.patient p WHERE p.subject_id = $1::bigint "
        "RETURNING enrolment_id",
        16, p, m->enrolment_id);
    if (f == 0) {
        rl_cli_fail("%s: subject %s has no identity record", S_CMD, m->subject);
        *rc = RL_EXIT_FAIL;
    }
    return f > 0 ? 0 : -1;
}

static void
s_render(rl_cli_ctx_t *ctx, const s_opts_t *o, const s_enrolment_t *m)
{
    if (rl_cli_json(ctx)) {
        json_t *j = json_object();
        json_object_set_new(j, "enrolment_id", json_integer(strtoll(m->enrolment_id, NULL, 10)));
        json_object_set_new(j, "subject_id", json_integer(strtoll(m->subject, NULL, 10)));
        admin_json_print(j);
    } else {
        printf("enrolled: enrolment_id %s (subject %s, programme %s, start %s)\n", m->enrolment_id,
               m->subject, o->programme, o->start_s);
    }
}

int
admin_enrol_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    if (argc < 2 || rl_cli_wants_help(argc, argv)) {
        s_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? RL_EXIT_USAGE : RL_EXIT_OK;
    }
    s_opts_t o = {0};
    int rc = s_parse(ctx, argc, argv, &o);
    if (rc != RL_EXIT_OK)
        return rc;
    s_enrolment_t m = {0};
    if (admin_find_subject(ctx, S_CMD, &rc, o.patient, m.subject) < 0)
        return rc;
    if (admin_begin(ctx, S_CMD, &rc) < 0)
        return rc;
    if (s_resolve(ctx, &rc, &o, &m) == 0 && s_read_previous(ctx, &rc, &m) == 0 &&
        s_check_rules(&rc, &o, &m) == 0 && s_insert(ctx, &rc, &o, &m) == 0 &&
        admin_commit(ctx, S_CMD, &rc) == 0) {
        s_render(ctx, &o, &m);
        rc = RL_EXIT_OK;
    }
    if (rc != RL_EXIT_OK)
        admin_rollback(ctx);
    for (size_t i = 0; i < m.n_prev; i++)
        free(m.prev_codes[i]);
    free(m.prev_codes);
    free(m.prev);
    return rc;
}
