/* `ruglab patient results`: the derived values of the device tests at
 * each time point (best trial, effort check, strength per kg, % of the
 * reference of the device model, flexion/extension ratio, left/right
 * asymmetry) and the change between time points, flagged when it passes
 * the smallest real difference (device values) or the minimal important
 * change (questionnaires). All arithmetic is measures.h's and
 * questionnaire.h's; this file only gathers the values: read and
 * computed into one model (s_fetch), then printed as text or JSON.
 * Pseudonymous: no identity is read. */
#include "admin_util.h"

#include "ruglab/domain.h"
#include "ruglab/exitcode.h"
#include "ruglab/measures.h"
#include "ruglab/mem.h"
#include "ruglab/questionnaire.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_TRIALS 32

/* The time points of a result, in order; arrays indexed by time point
 * have RL_TP_COUNT slots (slot RL_TP_NONE stays unused). */
#define S_TP_FIRST RL_TP_START
#define S_TP_LAST RL_TP_END

/* The trials of one test occasion, per direction. */
typedef struct {
    bool present;
    char date[RL_DATE_STR_SIZE];
    char device[65];
    char model[65];
    double torque[RL_DIR_COUNT][S_MAX_TRIALS];
    double rom[RL_DIR_COUNT][S_MAX_TRIALS];
    size_t n[RL_DIR_COUNT];
} s_occasion_t;

/* What measures.h derives from the trials of one direction. */
typedef struct {
    double torque, rom, cv, per_kg, pct_ref, rom_pct_ref;
    bool cv_ok, effort_normal;
} s_dir_values_t;

/* The change of one device measure from the start to a later time point. */
typedef struct {
    const char *measure;
    rl_direction_t dir;
    rl_timepoint_t to;
    double base, follow, srd_pct;
    rl_measures_change_t c;
    bool known; /* same device model and the test decided */
    bool real;
    const char *flag;
} s_change_t;

/* A questionnaire's scores per time point and the change to the last. */
typedef struct {
    char code[16];
    double score[RL_TP_COUNT];
    rl_timepoint_t to;
    bool known, improved, important;
    double change;
    const char *flag;
} s_questionnaire_t;

/* A row of the tests table: a direction tested at a time point. */
typedef struct {
    rl_timepoint_t tp;
    rl_direction_t dir;
    const s_occasion_t *occ;
    const s_dir_values_t *x;
} s_test_t;

/* The balance of a time point: flexion/extension ratio and left/right
 * asymmetries. */
typedef struct {
    rl_timepoint_t tp;
    double ratio, lat, rot;
} s_balance_t;

/* Everything `patient results` shows, read and computed before printing. */
typedef struct {
    char enrolment[32];
    admin_enrolment_t e;
    double weight;
    PGresult *ref; /* the reference values for the subject's sex and age */
    s_occasion_t occ[RL_TP_COUNT];
    s_dir_values_t v[RL_TP_COUNT][RL_DIR_COUNT];
    s_test_t tests[RL_TP_COUNT * RL_DIR_COUNT];
    size_t n_tests;
    s_balance_t balance[RL_TP_COUNT];
    size_t n_balance;
    rl_measures_srd_t srd;
    s_change_t changes[2 * (RL_TP_COUNT - 1) * RL_DIR_COUNT];
    size_t n_changes;
    s_questionnaire_t *q;
    size_t nq;
} s_results_t;

static json_t *
s_num(double v)
{
    return isnan(v) ? json_null() : json_real(round(v * 100) / 100);
}

static void
s_fmt(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.1f", v);
}

/* Like s_fmt with two decimals. */
static void
s_fmt2(char *buf, size_t size, double v)
{
    snprintf(buf, size, isnan(v) ? "-" : "%.2f", v);
}

/* ---- fetch ---- */

/* Reference value for the occasion's model, the subject's sex and age. */
static double
s_reference(const PGresult *ref, const char *model, rl_direction_t dir, const char *measure)
{
    for (int r = 0; ref && r < PQntuples(ref); r++)
        if (!strcmp(PQgetvalue(ref, r, 0), model) &&
            !strcmp(PQgetvalue(ref, r, 1), rl_direction_name(dir)) &&
            !strcmp(PQgetvalue(ref, r, 2), measure))
            return strtod(PQgetvalue(ref, r, 3), NULL);
    return NAN;
}

static void
s_derive(const s_occasion_t *o, rl_direction_t d, double weight, const PGresult *ref,
         s_dir_values_t *v)
{
    v->torque = rl_measures_best(o->torque[d], o->n[d]);
    v->rom = rl_measures_best(o->rom[d], o->n[d]);
    rl_err_t err;
    v->cv_ok = rl_measures_effort_cv(o->torque[d], o->n[d], &v->cv, &v->effort_normal, &err) == 0;
    if (!v->cv_ok)
        v->cv = NAN;
    v->per_kg = rl_measures_per_kg(v->torque, weight);
    v->pct_ref = rl_measures_pct_of_reference(
        v->per_kg, s_reference(ref, o->model, d, "max_torque_nm_per_kg"));
    if (isnan(v->pct_ref))
        v->pct_ref =
            rl_measures_pct_of_reference(v->torque, s_reference(ref, o->model, d, "max_torque_nm"));
    v->rom_pct_ref = rl_measures_pct_of_reference(v->rom, s_reference(ref, o->model, d, "rom_deg"));
}

/* The enrolment (running, else the most recent), the subject's weight and
 * the reference values for the subject's sex and age. */
static int
s_fetch_subject(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *patient, s_results_t *m)
{
    if (admin_find_enrolment(ctx, cmd, rc, patient, true, m->enrolment) < 0 ||
        admin_load_enrolment(ctx, cmd, rc, m->enrolment, &m->e) < 0)
        return -1;
    const char *p[1] = {m->enrolment};
    PGresult *subj = admin_exec(ctx, cmd, rc, "reading the subject",
                                "SELECT s.sex, s.body_weight_kg, e.age_at_start "
                                "FROM clinical.enrolment e JOIN clinical.subject s USING "
                                "(subject_id) WHERE e.enrolment_id = $1::bigint",
                                1, p);
    if (!subj)
        return -1;
    m->weight = PQgetisnull(subj, 0, 1) ? NAN : strtod(PQgetvalue(subj, 0, 1), NULL);
    const char *rp[2] = {PQgetvalue(subj, 0, 0), PQgetvalue(subj, 0, 2)};
    m->ref = admin_exec(ctx, cmd, rc, "reading the reference values",
                        "SELECT device_model, direction, measure, value "
                        "FROM clinical.reference_value WHERE sex = $1 "
                        "AND $2::integer BETWEEN age_min AND age_max",
                        2, rp);
    PQclear(subj);
    return m->ref ? 0 : -1;
}

static int
s_fetch_occasions(rl_cli_ctx_t *ctx, const char *cmd, int *rc, s_results_t *m)
{
    const char *p[1] = {m->enrolment};
    PGresult *res = admin_exec(
        ctx, cmd, rc, "reading the test trials",
        "SELECT o.timepoint, o.test_date, t.device_id, coalesce(d.model, '?'), t.direction, "
        "t.max_torque_nm, t.rom_deg FROM clinical.v_test_occasion o "
        "JOIN meas.test_trial t ON t.enrolment_id = o.enrolment_id AND t.device_id = o.device_id "
        "AND t.session_id = o.session_id LEFT JOIN clinical.device d ON d.device_id = t.device_id "
        "WHERE o.enrolment_id = $1::bigint AND o.timepoint IS NOT NULL "
        "ORDER BY o.timepoint, t.direction, t.taken_at, t.trial",
        1, p);
    if (!res)
        return -1;
    for (int r = 0; r < PQntuples(res); r++) {
        rl_timepoint_t tp;
        rl_direction_t d;
        rl_err_t err;
        if (rl_timepoint_parse(PQgetvalue(res, r, 0), &tp, &err) < 0 ||
            rl_direction_parse(PQgetvalue(res, r, 4), &d, &err) < 0)
            continue;
        s_occasion_t *o = &m->occ[tp];
        o->present = true;
        snprintf(o->date, sizeof o->date, "%s", PQgetvalue(res, r, 1));
        snprintf(o->device, sizeof o->device, "%s", PQgetvalue(res, r, 2));
        snprintf(o->model, sizeof o->model, "%s", PQgetvalue(res, r, 3));
        if (o->n[d] < S_MAX_TRIALS) {
            o->torque[d][o->n[d]] = strtod(PQgetvalue(res, r, 5), NULL);
            o->rom[d][o->n[d]] = strtod(PQgetvalue(res, r, 6), NULL);
            o->n[d]++;
        }
    }
    PQclear(res);
    return 0;
}

/* The derived values of every direction, the rows of the tests table and
 * the balance of each time point tested. */
static void
s_compute_tests(s_results_t *m)
{
    for (int tp = S_TP_FIRST; tp <= S_TP_LAST; tp++) {
        const s_occasion_t *occ = &m->occ[tp];
        for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT; d++) {
            s_derive(occ, (rl_direction_t)d, m->weight, m->ref, &m->v[tp][d]);
            if (occ->present && occ->n[d] > 0)
                m->tests[m->n_tests++] =
                    (s_test_t){(rl_timepoint_t)tp, (rl_direction_t)d, occ, &m->v[tp][d]};
        }
        if (!occ->present)
            continue;
        const s_dir_values_t *v = m->v[tp];
        s_balance_t *b = &m->balance[m->n_balance++];
        b->tp = (rl_timepoint_t)tp;
        b->ratio = rl_measures_flex_ext_ratio(v[RL_DIR_FLEXION].torque, v[RL_DIR_EXTENSION].torque);
        b->lat = rl_measures_asymmetry_pct(v[RL_DIR_LATERAL_FLEXION_LEFT].torque,
                                           v[RL_DIR_LATERAL_FLEXION_RIGHT].torque);
        b->rot = rl_measures_asymmetry_pct(v[RL_DIR_ROTATION_LEFT].torque,
                                           v[RL_DIR_ROTATION_RIGHT].torque);
    }
}

/* The site's own smallest real differences for the start test's model. */
static int
s_fetch_srd(rl_cli_ctx_t *ctx, const char *cmd, int *rc, s_results_t *m)
{
    rl_measures_srd_defaults(&m->srd);
    const char *mp[1] = {m->occ[RL_TP_START].model};
    PGresult *res = admin_exec(ctx, cmd, rc, "reading the smallest real differences",
                               "SELECT direction, srd_pct FROM clinical.srd_setting "
                               "WHERE device_model = $1",
                               1, mp);
    if (!res)
        return -1;
    for (int r = 0; r < PQntuples(res); r++) {
        rl_direction_t d;
        rl_err_t err;
        if (rl_direction_parse(PQgetvalue(res, r, 0), &d, &err) == 0)
            m->srd.pct[d] = strtod(PQgetvalue(res, r, 1), NULL);
    }
    PQclear(res);
    return 0;
}

/* The change of one measure from the start to tp, flagged against the
 * smallest real difference; only between tests on one device model. */
static void
s_add_change(s_results_t *m, const char *measure, rl_direction_t d, rl_timepoint_t tp, double base,
             double follow)
{
    if (isnan(base) || isnan(follow))
        return;
    s_change_t *c = &m->changes[m->n_changes++];
    *c = (s_change_t){.measure = measure, .dir = d, .to = tp, .base = base, .follow = follow};
    c->c = rl_measures_change(base, follow);
    c->srd_pct = m->srd.pct[d];
    bool same_model = !strcmp(m->occ[RL_TP_START].model, m->occ[tp].model);
    rl_err_t err;
    if (same_model)
        c->known = rl_measures_real_change(&m->srd, d, base, follow, &c->real, &err) == 0;
    c->flag = !same_model ? "different_device_models"
              : !c->known ? "undefined"
              : c->real   ? "real_change"
                          : "within_noise";
}

static void
s_compute_changes(s_results_t *m)
{
    for (int tp = RL_TP_MID; tp <= S_TP_LAST; tp++) {
        if (!m->occ[RL_TP_START].present || !m->occ[tp].present)
            continue;
        for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT; d++) {
            const s_dir_values_t *a = &m->v[RL_TP_START][d], *b = &m->v[tp][d];
            s_add_change(m, "max_torque_nm", (rl_direction_t)d, (rl_timepoint_t)tp, a->torque,
                         b->torque);
            s_add_change(m, "rom_deg", (rl_direction_t)d, (rl_timepoint_t)tp, a->rom, b->rom);
        }
    }
}

/* One instrument's row: the change to the end, else (running programme)
 * to the mid point, against the minimal important change. */
static void
s_questionnaire_row(const PGresult *res, int r, s_questionnaire_t *q)
{
    snprintf(q->code, sizeof q->code, "%s", PQgetvalue(res, r, 0));
    for (int tp = S_TP_FIRST; tp <= S_TP_LAST; tp++) {
        int c = 1 + tp - S_TP_FIRST;
        q->score[tp] = PQgetisnull(res, r, c) ? NAN : strtod(PQgetvalue(res, r, c), NULL);
    }
    const double *s = q->score;
    q->to = !isnan(s[RL_TP_END]) ? RL_TP_END : RL_TP_MID;
    rl_err_t err;
    q->known = !isnan(s[RL_TP_START]) && !isnan(s[q->to]) &&
               rl_questionnaire_important_change(rl_instrument_code_of_db(q->code), s[RL_TP_START],
                                                 s[q->to], &q->improved, &q->important, &err) == 0;
    q->change = q->known ? s[q->to] - s[RL_TP_START] : NAN;
    q->flag = !q->known      ? "-"
              : q->important ? "important_improvement"
              : q->improved  ? "improved_below_mic"
                             : "not_improved";
}

static int
s_fetch_questionnaires(rl_cli_ctx_t *ctx, const char *cmd, int *rc, s_results_t *m)
{
    const char *p[1] = {m->enrolment};
    PGresult *res = admin_exec(
        ctx, cmd, rc, "reading the questionnaires",
        "SELECT instrument, max(score) FILTER (WHERE timepoint = 'start'), "
        "max(score) FILTER (WHERE timepoint = 'mid'), max(score) FILTER (WHERE timepoint = 'end') "
        "FROM clinical.v_questionnaire WHERE enrolment_id = $1::bigint AND timepoint IS NOT NULL "
        "GROUP BY instrument ORDER BY instrument",
        1, p);
    if (!res)
        return -1;
    m->nq = (size_t)PQntuples(res);
    m->q = rl_calloc(m->nq + 1, sizeof *m->q);
    for (size_t r = 0; r < m->nq; r++)
        s_questionnaire_row(res, (int)r, &m->q[r]);
    PQclear(res);
    return 0;
}

static int
s_fetch(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *patient, s_results_t *m)
{
    if (s_fetch_subject(ctx, cmd, rc, patient, m) < 0 || s_fetch_occasions(ctx, cmd, rc, m) < 0)
        return -1;
    s_compute_tests(m);
    if (s_fetch_srd(ctx, cmd, rc, m) < 0)
        return -1;
    s_compute_changes(m);
    return s_fetch_questionnaires(ctx, cmd, rc, m);
}

/* ---- render: JSON ---- */

static json_t *
s_tests_json(const s_results_t *m)
{
    json_t *tests = json_array();
    for (size_t i = 0; i < m->n_tests; i++) {
        const s_test_t *t = &m->tests[i];
        const s_dir_values_t *x = t->x;
        json_t *o = json_object();
        json_object_set_new(o, "timepoint", json_string(rl_timepoint_name(t->tp)));
        json_object_set_new(o, "test_date", json_string(t->occ->date));
        json_object_set_new(o, "device_id", json_string(t->occ->device));
        json_object_set_new(o, "device_model", json_string(t->occ->model));
        json_object_set_new(o, "direction", json_string(rl_direction_name(t->dir)));
        json_object_set_new(o, "trials", json_integer((json_int_t)t->occ->n[t->dir]));
        json_object_set_new(o, "max_torque_nm", s_num(x->torque));
        json_object_set_new(o, "cv_pct", s_num(x->cv));
        json_object_set_new(o, "effort_normal",
                            x->cv_ok ? json_boolean(x->effort_normal) : json_null());
        json_object_set_new(o, "torque_nm_per_kg", s_num(x->per_kg));
        json_object_set_new(o, "pct_of_reference", s_num(x->pct_ref));
        json_object_set_new(o, "rom_deg", s_num(x->rom));
        json_object_set_new(o, "rom_pct_of_reference", s_num(x->rom_pct_ref));
        json_array_append_new(tests, o);
    }
    return tests;
}

static json_t *
s_derived_json(const s_results_t *m)
{
    json_t *derived = json_array();
    for (size_t i = 0; i < m->n_balance; i++) {
        const s_balance_t *b = &m->balance[i];
        json_t *o = json_object();
        json_object_set_new(o, "timepoint", json_string(rl_timepoint_name(b->tp)));
        json_object_set_new(o, "flex_ext_ratio", s_num(b->ratio));
        json_object_set_new(o, "lateral_flexion_asymmetry_pct", s_num(b->lat));
        json_object_set_new(o, "rotation_asymmetry_pct", s_num(b->rot));
        json_array_append_new(derived, o);
    }
    return derived;
}

static json_t *
s_changes_json(const s_results_t *m)
{
    json_t *changes = json_array();
    for (size_t i = 0; i < m->n_changes; i++) {
        const s_change_t *c = &m->changes[i];
        json_t *o = json_object();
        json_object_set_new(o, "measure", json_string(c->measure));
        json_object_set_new(o, "direction", json_string(rl_direction_name(c->dir)));
        json_object_set_new(o, "from", json_string("start"));
        json_object_set_new(o, "to", json_string(rl_timepoint_name(c->to)));
        json_object_set_new(o, "baseline", s_num(c->base));
        json_object_set_new(o, "followup", s_num(c->follow));
        json_object_set_new(o, "change", s_num(c->c.absolute));
        json_object_set_new(o, "change_pct", s_num(c->c.pct));
        json_object_set_new(o, "srd_pct", s_num(c->srd_pct));
        json_object_set_new(o, "real_change", c->known ? json_boolean(c->real) : json_null());
        json_object_set_new(o, "flag", json_string(c->flag));
        json_array_append_new(changes, o);
    }
    return changes;
}

static json_t *
s_questionnaires_json(const s_results_t *m)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < m->nq; i++) {
        const s_questionnaire_t *q = &m->q[i];
        json_t *o = json_object();
        json_object_set_new(o, "instrument", json_string(q->code));
        for (int tp = S_TP_FIRST; tp <= S_TP_LAST; tp++)
            json_object_set_new(o, rl_timepoint_name(tp), s_num(q->score[tp]));
        json_object_set_new(o, "to",
                            q->known ? json_string(rl_timepoint_name(q->to)) : json_null());
        json_object_set_new(o, "change", s_num(q->change));
        json_object_set_new(o, "improved", q->known ? json_boolean(q->improved) : json_null());
        json_object_set_new(o, "important_change",
                            q->known ? json_boolean(q->important) : json_null());
        json_array_append_new(arr, o);
    }
    return arr;
}

static void
s_render_json(const s_results_t *m)
{
    json_t *out = json_object();
    json_object_set_new(out, "enrolment_id", json_integer(strtoll(m->enrolment, NULL, 10)));
    json_object_set_new(out, "programme", json_string(m->e.code));
    json_object_set_new(out, "body_weight_kg", s_num(m->weight));
    json_object_set_new(out, "tests", s_tests_json(m));
    json_object_set_new(out, "derived", s_derived_json(m));
    json_object_set_new(out, "changes", s_changes_json(m));
    json_object_set_new(out, "questionnaires", s_questionnaires_json(m));
    admin_json_print(out);
}

/* ---- render: text ---- */

static void
s_tests_text(const s_results_t *m)
{
    char w[32];
    s_fmt(w, sizeof w, m->weight);
    printf("enrolment %s, programme %s (%s); body weight %s kg\n\n"
           "timepoint date       device     direction              trials torque_nm "
           "cv_pct effort  nm_per_kg pct_ref rom_deg rom_pct_ref\n",
           m->enrolment, m->e.code, m->e.status, w);
    for (size_t i = 0; i < m->n_tests; i++) {
        const s_test_t *t = &m->tests[i];
        const s_dir_values_t *x = t->x;
        const char *effort = !x->cv_ok ? "-" : x->effort_normal ? "normal" : "high_cv";
        char a[6][32];
        s_fmt(a[0], 32, x->torque);
        s_fmt(a[1], 32, x->cv);
        s_fmt2(a[2], 32, x->per_kg);
        s_fmt(a[3], 32, x->pct_ref);
        s_fmt(a[4], 32, x->rom);
        s_fmt(a[5], 32, x->rom_pct_ref);
        printf("%-9s %-10s %-10s %-22s %6zu %9s %6s %-7s %9s %7s %7s %11s\n",
               rl_timepoint_name(t->tp), t->occ->date, t->occ->device, rl_direction_name(t->dir),
               t->occ->n[t->dir], a[0], a[1], effort, a[2], a[3], a[4], a[5]);
    }
}

static void
s_derived_text(const s_results_t *m)
{
    printf("\ntimepoint flex_ext_ratio lateral_flexion_asym_pct rotation_asym_pct\n");
    for (size_t i = 0; i < m->n_balance; i++) {
        const s_balance_t *b = &m->balance[i];
        char a[3][32];
        s_fmt2(a[0], 32, b->ratio);
        s_fmt(a[1], 32, b->lat);
        s_fmt(a[2], 32, b->rot);
        printf("%-9s %14s %24s %17s\n", rl_timepoint_name(b->tp), a[0], a[1], a[2]);
    }
}

static void
s_changes_text(const s_results_t *m)
{
    printf("\nchange         direction              between     baseline followup   change "
           "  change  flag\n");
    for (size_t i = 0; i < m->n_changes; i++) {
        const s_change_t *c = &m->changes[i];
        char b[32], f[32], ch[32], pct[32];
        s_fmt(b, sizeof b, c->base);
        s_fmt(f, sizeof f, c->follow);
        s_fmt(ch, sizeof ch, c->c.absolute);
        s_fmt(pct, sizeof pct, c->c.pct);
        printf("%-14s %-22s start->%-4s %8s %8s %8s %8s%%  %s\n", c->measure,
               rl_direction_name(c->dir), rl_timepoint_name(c->to), b, f, ch, pct, c->flag);
    }
}

static void
s_questionnaires_text(const s_results_t *m)
{
    printf("\nquestionnaires   start      mid      end  change (start->last)  flag\n");
    for (size_t i = 0; i < m->nq; i++) {
        const s_questionnaire_t *q = &m->q[i];
        char a[RL_TP_COUNT][32], ch[32];
        for (int tp = S_TP_FIRST; tp <= S_TP_LAST; tp++)
            s_fmt(a[tp], sizeof a[tp], q->score[tp]);
        s_fmt(ch, sizeof ch, q->change);
        printf("%-14s %7s %8s %8s  %8s (to %-4s)      %s\n", q->code, a[RL_TP_START], a[RL_TP_MID],
               a[RL_TP_END], ch, q->known ? rl_timepoint_name(q->to) : "-", q->flag);
    }
}

int
admin_patient_results(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "patient results";
    const admin_opt_t opts[] = {{NULL, NULL, NULL}};
    const char *patient = NULL;
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    int rc = RL_EXIT_OK;
    s_results_t *m = rl_calloc(1, sizeof *m);
    if (s_fetch(ctx, cmd, &rc, patient, m) == 0) {
        if (rl_cli_json(ctx)) {
            s_render_json(m);
        } else {
            s_tests_text(m);
            s_derived_text(m);
            s_changes_text(m);
            s_questionnaires_text(m);
        }
        rc = RL_EXIT_OK;
    }
    PQclear(m->ref);
    free(m->q);
    free(m);
    return rc;
}
