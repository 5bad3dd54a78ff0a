/* `ruglab patient results`: the derived values of the device tests at
 * each time point (best trial, effort check, strength per kg, % of the
 * reference of the device model, flexion/extension ratio, left/right
 * asymmetry) and the change between time points, flagged when it passes
 * the smallest real difference (device values) or the minimal important
 * change (questionnaires). All arithmetic is measures.h's and
 * questionnaire.h's; this file only gathers the values. Pseudonymous: no
 * identity is read. */
#include "admin_util.h"

#include "ruglab/exitcode.h"
#include "ruglab/measures.h"
#include "ruglab/mem.h"
#include "ruglab/questionnaire.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_TRIALS 32
enum { S_TP_START, S_TP_MID, S_TP_END, S_NTP };
static const char *s_tp_names[S_NTP] = {"start", "mid", "end"};

typedef struct {
    bool present;
    char date[RL_DATE_STR_SIZE];
    char device[65];
    char model[65];
    double torque[RL_DIR_COUNT][S_MAX_TRIALS];
    double rom[RL_DIR_COUNT][S_MAX_TRIALS];
    size_t n[RL_DIR_COUNT];
} s_occasion_t;

typedef struct {
    double torque, rom, cv, per_kg, pct_ref, rom_pct_ref;
    bool cv_ok, effort_normal;
} s_dir_values_t;

static int
s_tp_index(const char *name)
{
    for (int i = 0; i < S_NTP; i++)
        if (!strcmp(name, s_tp_names[i]))
            return i;
    return -1;
}

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

static int
s_load_occasions(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *enrolment,
                 s_occasion_t occ[S_NTP])
{
    const char *p[1] = {enrolment};
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
    memset(occ, 0, S_NTP * sizeof *occ);
    for (int r = 0; r < PQntuples(res); r++) {
        int tp = s_tp_index(PQgetvalue(res, r, 0));
        rl_direction_t d;
        rl_err_t err;
        if (tp < 0 || rl_direction_parse(PQgetvalue(res, r, 4), &d, &err) < 0)
            continue;
        s_occasion_t *o = &occ[tp];
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

/* The change of one device measure from start to tp, as a JSON object or
 * a text line. */
static void
s_change(rl_cli_ctx_t *ctx, json_t *arr, const char *measure, rl_direction_t d, int tp,
         const s_occasion_t occ[S_NTP], double base, double follow, const rl_measures_srd_t *srd)
{
    if (isnan(base) || isnan(follow))
        return;
    rl_measures_change_t c = rl_measures_change(base, follow);
    bool same_model = !strcmp(occ[S_TP_START].model, occ[tp].model);
    bool real = false, known = false;
    rl_err_t err;
    if (same_model)
        known = rl_measures_real_change(srd, d, base, follow, &real, &err) == 0;
    const char *flag = !same_model ? "different_device_models"
                       : !known    ? "undefined"
                       : real      ? "real_change"
                                   : "within_noise";
    if (rl_cli_json(ctx)) {
        json_t *o = json_object();
        json_object_set_new(o, "measure", json_string(measure));
        json_object_set_new(o, "direction", json_string(rl_direction_name(d)));
        json_object_set_new(o, "from", json_string("start"));
        json_object_set_new(o, "to", json_string(s_tp_names[tp]));
        json_object_set_new(o, "baseline", s_num(base));
        json_object_set_new(o, "followup", s_num(follow));
        json_object_set_new(o, "change", s_num(c.absolute));
        json_object_set_new(o, "change_pct", s_num(c.pct));
        json_object_set_new(o, "srd_pct", s_num(srd->pct[d]));
        json_object_set_new(o, "real_change",
                            same_model && known ? json_boolean(real) : json_null());
        json_object_set_new(o, "flag", json_string(flag));
        json_array_append_new(arr, o);
    } else {
        char b[32], f[32], ch[32], pct[32];
        s_fmt(b, sizeof b, base);
        s_fmt(f, sizeof f, follow);
        s_fmt(ch, sizeof ch, c.absolute);
        s_fmt(pct, sizeof pct, c.pct);
        printf("%-14s %-22s start->%-4s %8s %8s %8s %8s%%  %s\n", measure, rl_direction_name(d),
               s_tp_names[tp], b, f, ch, pct, flag);
    }
}

static const char *
s_scoring_code(const char *db_code)
{
    return !strcmp(db_code, "TSK") ? "TSK-17" : db_code;
}

static int
s_questionnaires(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *enrolment, json_t *out)
{
    const char *p[1] = {enrolment};
    PGresult *res = admin_exec(
        ctx, cmd, rc, "reading the questionnaires",
        "SELECT instrument, max(score) FILTER (WHERE timepoint = 'start'), "
        "max(score) FILTER (WHERE timepoint = 'mid'), max(score) FILTER (WHERE timepoint = 'end') "
        "FROM clinical.v_questionnaire WHERE enrolment_id = $1::bigint AND timepoint IS NOT NULL "
        "GROUP BY instrument ORDER BY instrument",
        1, p);
    if (!res)
        return -1;
    json_t *arr = json_array();
    if (!rl_cli_json(ctx))
        printf("\nquestionnaires   start      mid      end  change (start->last)  flag\n");
    for (int r = 0; r < PQntuples(res); r++) {
        const char *code = PQgetvalue(res, r, 0);
        double s[S_NTP];
        for (int tp = 0; tp < S_NTP; tp++)
            s[tp] = PQgetisnull(res, r, 1 + tp) ? NAN : strtod(PQgetvalue(res, r, 1 + tp), NULL);
        /* the change to the end, else (running programme) to the mid point */
        int to = !isnan(s[S_TP_END]) ? S_TP_END : S_TP_MID;
        bool improved = false, important = false;
        rl_err_t err;
        bool known = !isnan(s[S_TP_START]) && !isnan(s[to]) &&
                     rl_questionnaire_important_change(s_scoring_code(code), s[S_TP_START], s[to],
                                                       &improved, &important, &err) == 0;
        double change = known ? s[to] - s[S_TP_START] : NAN;
        const char *flag = !known      ? "-"
                           : important ? "important_improvement"
                           : improved  ? "improved_below_mic"
                                       : "not_improved";
        if (rl_cli_json(ctx)) {
            json_t *o = json_object();
            json_object_set_new(o, "instrument", json_string(code));
            for (int tp = 0; tp < S_NTP; tp++)
                json_object_set_new(o, s_tp_names[tp], s_num(s[tp]));
            json_object_set_new(o, "to", known ? json_string(s_tp_names[to]) : json_null());
            json_object_set_new(o, "change", s_num(change));
            json_object_set_new(o, "improved", known ? json_boolean(improved) : json_null());
            json_object_set_new(o, "important_change",
                                known ? json_boolean(important) : json_null());
            json_array_append_new(arr, o);
        } else {
            char a[3][32], ch[32];
            for (int tp = 0; tp < S_NTP; tp++)
                s_fmt(a[tp], sizeof a[tp], s[tp]);
            s_fmt(ch, sizeof ch, change);
            printf("%-14s %7s %8s %8s  %8s (to %-4s)      %s\n", code, a[0], a[1], a[2], ch,
                   known ? s_tp_names[to] : "-", flag);
        }
    }
    PQclear(res);
    if (out)
        json_object_set_new(out, "questionnaires", arr);
    else
        json_decref(arr);
    return 0;
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
    char enrolment[32];
    admin_enrolment_t e;
    if (admin_find_enrolment(ctx, cmd, &rc, patient, true, enrolment) < 0 ||
        admin_load_enrolment(ctx, cmd, &rc, enrolment, &e) < 0)
        return rc;
    const char *p[1] = {enrolment};
    PGresult *subj = admin_exec(ctx, cmd, &rc, "reading the subject",
                                "SELECT s.sex, s.body_weight_kg, e.age_at_start "
                                "FROM clinical.enrolment e JOIN clinical.subject s USING "
                                "(subject_id) WHERE e.enrolment_id = $1::bigint",
                                1, p);
    if (!subj)
        return rc;
    double weight = PQgetisnull(subj, 0, 1) ? NAN : strtod(PQgetvalue(subj, 0, 1), NULL);
    const char *rp[2] = {PQgetvalue(subj, 0, 0), PQgetvalue(subj, 0, 2)};
    PGresult *ref = admin_exec(ctx, cmd, &rc, "reading the reference values",
                               "SELECT device_model, direction, measure, value "
                               "FROM clinical.reference_value WHERE sex = $1 "
                               "AND $2::integer BETWEEN age_min AND age_max",
                               2, rp);
    PQclear(subj);
    if (!ref)
        return rc;
    s_occasion_t *occ = rl_calloc(S_NTP, sizeof *occ);
    json_t *out = rl_cli_json(ctx) ? json_object() : NULL;
    if (s_load_occasions(ctx, cmd, &rc, enrolment, occ) < 0)
        goto out;
    s_dir_values_t v[S_NTP][RL_DIR_COUNT];
    for (int tp = 0; tp < S_NTP; tp++)
        for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT; d++)
            s_derive(&occ[tp], (rl_direction_t)d, weight, ref, &v[tp][d]);

    /* the site's own smallest real differences for the start test's model */
    rl_measures_srd_t srd;
    rl_measures_srd_defaults(&srd);
    const char *mp[1] = {occ[S_TP_START].model};
    PGresult *srd_res = admin_exec(ctx, cmd, &rc, "reading the smallest real differences",
                                   "SELECT direction, srd_pct FROM clinical.srd_setting "
                                   "WHERE device_model = $1",
                                   1, mp);
    if (!srd_res)
        goto out;
    for (int r = 0; r < PQntuples(srd_res); r++) {
        rl_direction_t d;
        rl_err_t err;
        if (rl_direction_parse(PQgetvalue(srd_res, r, 0), &d, &err) == 0)
            srd.pct[d] = strtod(PQgetvalue(srd_res, r, 1), NULL);
    }
    PQclear(srd_res);
    json_t *tests = json_array(), *derived = json_array(), *changes = json_array();
    char w[32];
    s_fmt(w, sizeof w, weight);
    if (!rl_cli_json(ctx))
        printf("enrolment %s, programme %s (%s); body weight %s kg\n\n"
               "timepoint date       device     direction              trials torque_nm "
               "cv_pct effort  nm_per_kg pct_ref rom_deg rom_pct_ref\n",
               enrolment, e.code, e.status, w);
    for (int tp = 0; tp < S_NTP; tp++) {
        for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT && occ[tp].present; d++) {
            if (occ[tp].n[d] == 0)
                continue;
            s_dir_values_t *x = &v[tp][d];
            const char *effort = !x->cv_ok ? "-" : x->effort_normal ? "normal" : "high_cv";
            if (rl_cli_json(ctx)) {
                json_t *o = json_object();
                json_object_set_new(o, "timepoint", json_string(s_tp_names[tp]));
                json_object_set_new(o, "test_date", json_string(occ[tp].date));
                json_object_set_new(o, "device_id", json_string(occ[tp].device));
                json_object_set_new(o, "device_model", json_string(occ[tp].model));
                json_object_set_new(o, "direction",
                                    json_string(rl_direction_name((rl_direction_t)d)));
                json_object_set_new(o, "trials", json_integer((json_int_t)occ[tp].n[d]));
                json_object_set_new(o, "max_torque_nm", s_num(x->torque));
                json_object_set_new(o, "cv_pct", s_num(x->cv));
                json_object_set_new(o, "effort_normal",
                                    x->cv_ok ? json_boolean(x->effort_normal) : json_null());
                json_object_set_new(o, "torque_nm_per_kg", s_num(x->per_kg));
                json_object_set_new(o, "pct_of_reference", s_num(x->pct_ref));
                json_object_set_new(o, "rom_deg", s_num(x->rom));
                json_object_set_new(o, "rom_pct_of_reference", s_num(x->rom_pct_ref));
                json_array_append_new(tests, o);
            } else {
                char a[6][32];
                s_fmt(a[0], 32, x->torque);
                s_fmt(a[1], 32, x->cv);
                snprintf(a[2], 32, isnan(x->per_kg) ? "-" : "%.2f", x->per_kg);
                s_fmt(a[3], 32, x->pct_ref);
                s_fmt(a[4], 32, x->rom);
                s_fmt(a[5], 32, x->rom_pct_ref);
                printf("%-9s %-10s %-10s %-22s %6zu %9s %6s %-7s %9s %7s %7s %11s\n",
                       s_tp_names[tp], occ[tp].date, occ[tp].device,
                       rl_direction_name((rl_direction_t)d), occ[tp].n[d], a[0], a[1], effort, a[2],
                       a[3], a[4], a[5]);
            }
        }
    }
    if (!rl_cli_json(ctx))
        printf("\ntimepoint flex_ext_ratio lateral_flexion_asym_pct rotation_asym_pct\n");
    for (int tp = 0; tp < S_NTP; tp++) {
        if (!occ[tp].present)
            continue;
        double ratio = rl_measures_flex_ext_ratio(v[tp][RL_DIR_FLEXION].torque,
                                                  v[tp][RL_DIR_EXTENSION].torque);
        double lat = rl_measures_asymmetry_pct(v[tp][RL_DIR_LATERAL_FLEXION_LEFT].torque,
                                               v[tp][RL_DIR_LATERAL_FLEXION_RIGHT].torque);
        double rot = rl_measures_asymmetry_pct(v[tp][RL_DIR_ROTATION_LEFT].torque,
                                               v[tp][RL_DIR_ROTATION_RIGHT].torque);
        if (rl_cli_json(ctx)) {
            json_t *o = json_object();
            json_object_set_new(o, "timepoint", json_string(s_tp_names[tp]));
            json_object_set_new(o, "flex_ext_ratio", s_num(ratio));
            json_object_set_new(o, "lateral_flexion_asymmetry_pct", s_num(lat));
            json_object_set_new(o, "rotation_asymmetry_pct", s_num(rot));
            json_array_append_new(derived, o);
        } else {
            char a[3][32];
            snprintf(a[0], 32, isnan(ratio) ? "-" : "%.2f", ratio);
            s_fmt(a[1], 32, lat);
            s_fmt(a[2], 32, rot);
            printf("%-9s %14s %24s %17s\n", s_tp_names[tp], a[0], a[1], a[2]);
        }
    }
    if (!rl_cli_json(ctx))
        printf("\nchange         direction              between     baseline followup   change "
               "  change  flag\n");
    for (int tp = S_TP_MID; tp < S_NTP; tp++) {
        if (!occ[S_TP_START].present || !occ[tp].present)
            continue;
        for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT; d++) {
            s_change(ctx, changes, "max_torque_nm", (rl_direction_t)d, tp, occ,
                     v[S_TP_START][d].torque, v[tp][d].torque, &srd);
            s_change(ctx, changes, "rom_deg", (rl_direction_t)d, tp, occ, v[S_TP_START][d].rom,
                     v[tp][d].rom, &srd);
        }
    }
    if (rl_cli_json(ctx)) {
        json_object_set_new(out, "enrolment_id", json_integer(strtoll(enrolment, NULL, 10)));
        json_object_set_new(out, "programme", json_string(e.code));
        json_object_set_new(out, "body_weight_kg", s_num(weight));
        json_object_set_new(out, "tests", tests);
        json_object_set_new(out, "derived", derived);
        json_object_set_new(out, "changes", changes);
    } else {
        json_decref(tests);
        json_decref(derived);
        json_decref(changes);
    }
    if (s_questionnaires(ctx, cmd, &rc, enrolment, out) < 0)
        goto out;
    if (rl_cli_json(ctx)) {
        admin_json_print(out);
        out = NULL;
    }
    rc = RL_EXIT_OK;
out:
    json_decref(out);
    PQclear(ref);
    free(occ);
    return rc;
}
