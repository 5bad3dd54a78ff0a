/* The start / mid / end comparison of one patient: derived values (ratio,
 * asymmetry, change, real change, clinically important change) and the
 * three output formats (aligned table, CSV, JSON). Missing is printed as
 * "missing" (table), an empty field (CSV) or null (JSON), never as 0. */
#include "report.h"

#include "ruglab/clinical.h"
#include "ruglab/csv.h"
#include "ruglab/date.h"

#include "ruglab/mem.h"
#include "ruglab/questionnaire.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *
rpt_num(double v, int decimals, const char *missing_text)
{
    static _Thread_local char bufs[16][48];
    static _Thread_local int next;
    if (isnan(v))
        return missing_text;
    char *b = bufs[next++ % 16];
    snprintf(b, sizeof bufs[0], "%.*f", decimals, v);
    if (!strcmp(b, "-0.0") || !strcmp(b, "-0.00") || !strcmp(b, "-0"))
        memmove(b, b + 1, strlen(b));
    return b;
}

static const char *
s_signed(double v, int decimals, const char *missing_text)
{
    if (isnan(v))
        return missing_text;
    const char *s = rpt_num(v, decimals, missing_text);
    if (s[0] == '-' || !strcmp(s, "0.0") || !strcmp(s, "0"))
        return s;
    static _Thread_local char bufs[8][48];
    static _Thread_local int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "+%s", s);
    return b;
}

rl_measures_change_t
rpt_change(const rpt_tp3_t *x)
{
    return rl_measures_change(x->v[RPT_START], x->v[RPT_END]);
}

double
rpt_flex_ext_ratio(const rpt_model_t *m, int tp)
{
    return rl_measures_flex_ext_ratio(m->dirs[RL_DIR_FLEXION].torque_nm.v[tp],
                                      m->dirs[RL_DIR_EXTENSION].torque_nm.v[tp]);
}

double
rpt_asymmetry(const rpt_model_t *m, int pair, int tp)
{
    rl_direction_t l = pair == 0 ? RL_DIR_LATERAL_FLEXION_LEFT : RL_DIR_ROTATION_LEFT;
    rl_direction_t r = pair == 0 ? RL_DIR_LATERAL_FLEXION_RIGHT : RL_DIR_ROTATION_RIGHT;
    return rl_measures_asymmetry_pct(m->dirs[l].torque_nm.v[tp], m->dirs[r].torque_nm.v[tp]);
}

void
rpt_balance(const rpt_model_t *m, rpt_tp3_t *ratio, rpt_tp3_t *asym_lf, rpt_tp3_t *asym_rot)
{
    for (int tp = 0; tp < RPT_NTP; tp++) {
        ratio->v[tp] = rpt_flex_ext_ratio(m, tp);
        asym_lf->v[tp] = rpt_asymmetry(m, 0, tp);
        asym_rot->v[tp] = rpt_asymmetry(m, 1, tp);
    }
}

/* "yes" / "no" / NULL (undefined), by the model's smallest real
 * differences (the site's, else the default) */
static const char *
s_real_change(const rpt_model_t *m, rl_direction_t dir, const rpt_tp3_t *x)
{
    int r = rpt_real_change(m, dir, x);
    return r < 0 ? NULL : r ? "yes" : "no";
}

static const char *
s_q_unit(const char *instrument)
{
    return rpt_quest_unit(instrument);
}

/* ------------------------------------------------------------ JSON */

static json_t *
s_jnum(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *
s_jtp3(const rpt_tp3_t *x, bool with_change)
{
    json_t *o = json_object();
    for (int tp = 0; tp < RPT_NTP; tp++)
        json_object_set_new(o, rpt_tp_name(tp), s_jnum(x->v[tp]));
    if (with_change) {
        rl_measures_change_t c = rpt_change(x);
        json_object_set_new(o, "change", s_jnum(c.absolute));
        json_object_set_new(o, "change_pct", s_jnum(c.pct));
        rl_measures_change_t cm = rl_measures_change(x->v[RPT_START], x->v[RPT_MID]);
        json_object_set_new(o, "change_mid", s_jnum(cm.absolute));
        json_object_set_new(o, "change_mid_pct", s_jnum(cm.pct));
    }
    return o;
}

static json_t *
s_jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *
s_json_patient(const rpt_model_t *m)
{
    json_t *pat = json_object();
    json_object_set_new(pat, "subject_id", json_integer(m->subject_id));
    json_object_set_new(pat, "badge_token", s_jstr(m->badge_token));
    json_object_set_new(pat, "family_name", s_jstr(m->family_name));
    json_object_set_new(pat, "given_name", s_jstr(m->given_name));
    json_object_set_new(pat, "body_weight_kg", s_jnum(m->body_weight_kg));
    return pat;
}

static json_t *
s_json_enrolment(const rpt_model_t *m)
{
    json_t *enr = json_object();
    json_object_set_new(enr, "enrolment_id", json_integer(m->enrolment_id));
    json_object_set_new(enr, "programme", s_jstr(m->programme_code));
    json_object_set_new(enr, "status", s_jstr(m->status));
    json_object_set_new(enr, "route", s_jstr(m->route));
    json_object_set_new(enr, "body_region", json_string(rl_body_region_name(m->body_region)));
    json_object_set_new(enr, "start_date", s_jstr(m->start_date));
    json_object_set_new(enr, "end_date", s_jstr(m->end_date));
    return enr;
}

static json_t *
s_json_occasions(const rpt_model_t *m)
{
    json_t *occ = json_object();
    for (int tp = 0; tp < RPT_NTP; tp++) {
        const rpt_occasion_t *o = &m->occasion[tp];
        if (!o->present) {
            json_object_set_new(occ, rpt_tp_name(tp), json_null());
            continue;
        }
        json_t *x = json_object();
        json_object_set_new(x, "date", json_string(o->date));
        json_object_set_new(x, "session_number",
                            o->session_number ? json_integer(o->session_number) : json_null());
        json_object_set_new(x, "device_id", s_jstr(o->device_id));
        json_object_set_new(x, "session_id", s_jstr(o->session_id));
        json_object_set_new(occ, rpt_tp_name(tp), x);
    }
    return occ;
}

/* A device value at the three time points with its change and whether
 * the change is real. */
static json_t *
s_json_changed(const rpt_model_t *m, rl_direction_t dir, const rpt_tp3_t *x)
{
    json_t *o = s_jtp3(x, true);
    json_object_set_new(o, "real_change", s_jstr(s_real_change(m, dir, x)));
    return o;
}

static json_t *
s_json_direction(const rpt_model_t *m, const rpt_direction_t *x)
{
    json_t *o = json_object();
    json_object_set_new(o, "direction", json_string(rl_direction_name(x->dir)));
    json_object_set_new(o, "rom_deg", s_json_changed(m, x->dir, &x->rom_deg));
    json_object_set_new(o, "max_torque_nm", s_json_changed(m, x->dir, &x->torque_nm));
    json_object_set_new(o, "torque_per_kg", s_jtp3(&x->torque_per_kg, false));
    json_object_set_new(o, "effort_cv_pct", s_jtp3(&x->cv_pct, false));
    json_t *trials = json_object();
    for (int tp = 0; tp < RPT_NTP; tp++)
        json_object_set_new(trials, rpt_tp_name(tp), json_integer(x->n_trials[tp]));
    json_object_set_new(o, "trials", trials);
    json_object_set_new(o, "reference_torque_nm", s_jtp3(&x->ref_torque_nm, false));
    json_object_set_new(o, "torque_pct_of_reference", s_jtp3(&x->pct_ref, false));
    json_object_set_new(o, "reference_rom_deg", s_jtp3(&x->ref_rom_deg, false));
    json_object_set_new(o, "rom_pct_of_reference", s_jtp3(&x->rom_pct_ref, false));
    return o;
}

static json_t *
s_json_directions(const rpt_model_t *m)
{
    json_t *dirs = json_array();
    for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT; d++)
        if (m->dirs[d].measured)
            json_array_append_new(dirs, s_json_direction(m, &m->dirs[d]));
    return dirs;
}

/* the reference table applied and the smallest real differences */
static void
s_json_reference(json_t *root, const rpt_model_t *m)
{
    json_object_set_new(root, "reference_source", s_jstr(m->reference_source));
    json_object_set_new(root, "reference_citation", s_jstr(m->reference_citation));
    json_object_set_new(root, "reference_population", s_jstr(m->reference_population));
    json_object_set_new(root, "reference_model", s_jstr(m->reference_model));
    json_object_set_new(root, "reference_validated",
                        m->has_reference ? json_boolean(m->reference_validated) : json_null());
    json_t *srd = json_object();
    for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT; d++)
        json_object_set_new(srd, rl_direction_name((rl_direction_t)d), json_real(m->srd.pct[d]));
    json_object_set_new(root, "smallest_real_difference_pct", srd);
}

/* the flexion/extension ratio and the left/right asymmetries */
static void
s_json_balance(json_t *root, const rpt_model_t *m)
{
    rpt_tp3_t ratio, asym_lf, asym_rot;
    rpt_balance(m, &ratio, &asym_lf, &asym_rot);
    json_object_set_new(root, "flexion_extension_ratio", s_jtp3(&ratio, false));
    json_t *asym = json_object();
    json_object_set_new(asym, "lateral_flexion", s_jtp3(&asym_lf, false));
    json_object_set_new(asym, "rotation", s_jtp3(&asym_rot, false));
    json_object_set_new(root, "asymmetry_pct", asym);
}

static json_t *
s_json_qpoint(const rpt_qpoint_t *a)
{
    if (!a->present)
        return json_null();
    json_t *x = json_object();
    json_object_set_new(x, "score", s_jnum(a->score));
    json_object_set_new(x, "date", json_string(a->date));
    json_object_set_new(x, "version", s_jstr(a->version));
    const char *band = rl_questionnaire_band_code((rl_q_band_t)a->band);
    json_object_set_new(x, "band", a->band == RL_Q_BAND_NONE ? json_null() : json_string(band));
    return x;
}

static json_t *
s_json_questionnaire(const rpt_questionnaire_t *q)
{
    json_t *o = json_object();
    json_object_set_new(o, "instrument", json_string(q->instrument));
    json_object_set_new(o, "unit", json_string(s_q_unit(q->instrument)));
    json_object_set_new(o, "responses", json_integer(q->n_responses));
    for (int tp = 0; tp < RPT_NTP; tp++)
        json_object_set_new(o, rpt_tp_name(tp), s_json_qpoint(&q->at[tp]));
    json_object_set_new(o, "change", q->has_change ? json_real(q->change) : json_null());
    json_object_set_new(o, "change_pct", q->has_change ? s_jnum(q->change_pct) : json_null());
    json_object_set_new(o, "improved", q->has_change ? json_boolean(q->improved) : json_null());
    json_object_set_new(o, "clinically_important",
                        q->has_change && q->has_mic ? json_boolean(q->important) : json_null());
    /* only instruments with a minimal detectable change (NDI) */
    if (q->has_mdc)
        json_object_set_new(o, "beyond_mdc",
                            q->has_change ? json_boolean(q->detectable) : json_null());
    return o;
}

static json_t *
s_json_questionnaires(const rpt_model_t *m)
{
    json_t *qs = json_array();
    for (int i = 0; i < m->n_quest; i++)
        json_array_append_new(qs, s_json_questionnaire(&m->quest[i]));
    return qs;
}

static json_t *
s_json_warnings(const rpt_model_t *m)
{
    json_t *warn = json_array();
    for (int i = 0; i < m->n_warnings; i++) {
        char date[16], text[256];
        rl_date_format(m->warnings[i].date, date);
        json_array_append_new(warn,
                              json_pack("{s:s, s:s, s:s}", "code",
                                        rl_clinical_warning_code(m->warnings[i].kind), "date", date,
                                        "text", rpt_warning_text(m, i, "en", text, sizeof text)));
    }
    return warn;
}

static json_t *
s_json_attendance(const rpt_model_t *m)
{
    json_t *att = json_object();
    json_object_set_new(att, "planned_sessions", json_integer(m->planned_sessions));
    json_object_set_new(att, "attended_total", json_integer(m->attended_total));
    json_object_set_new(att, "attended_exercise", json_integer(m->attended_exercise));
    json_object_set_new(att, "attended_information", json_integer(m->attended_information));
    json_object_set_new(att, "no_shows", json_integer(m->no_shows));
    json_object_set_new(att, "cancellations", json_integer(m->cancellations));
    json_object_set_new(att, "first_date", s_jstr(m->first_session_date));
    json_object_set_new(att, "last_date", s_jstr(m->last_session_date));
    json_object_set_new(att, "planned_exercise", json_integer(m->planned_exercise));
    json_object_set_new(att, "planned_information", json_integer(m->planned_information));
    json_object_set_new(att, "all_sessions_attended", json_boolean(m->complete));
    json_object_set_new(att, "min_session_minutes", json_integer(m->min_session_minutes));
    json_object_set_new(att, "sessions_short", json_integer(m->sessions_short));
    json_object_set_new(att, "sessions_length_unknown", json_integer(m->sessions_length_unknown));
    json_object_set_new(att, "sessions_outside_dates", json_integer(m->sessions_outside_dates));
    json_object_set_new(att, "attended_of_planned", json_integer(rpt_attended_of_planned(m)));
    char *done = rpt_completion_text(m, "en");
    json_object_set_new(att, "completion", json_string(done));
    free(done);
    json_object_set_new(att, "warnings", s_json_warnings(m));
    return att;
}

static json_t *
s_json_final_report(const rpt_model_t *m)
{
    json_t *rep = json_object();
    char d1[16], d2[16];
    json_object_set_new(rep, "due_by",
                        m->report.has_due ? json_string(rl_date_format(m->report.due, d1))
                                          : json_null());
    json_object_set_new(rep, "issued_on",
                        m->report.issued ? json_string(rl_date_format(m->report.issued_on, d2))
                                         : json_null());
    json_object_set_new(rep, "days_late", json_integer(m->report.days_late));
    return rep;
}

static json_t *
s_json_load(const rpt_model_t *m)
{
    json_t *load = json_array();
    for (int i = 0; i < m->n_load; i++) {
        const rpt_load_t *l = &m->load[i];
        json_t *o = json_object();
        json_object_set_new(o, "day", json_integer(l->index));
        json_object_set_new(o, "date", json_string(l->date));
        json_object_set_new(o, "direction", json_string(rl_direction_name(l->dir)));
        json_object_set_new(o, "max_load_nm", s_jnum(l->max_load_nm));
        json_object_set_new(o, "mean_pct_of_max", s_jnum(l->mean_pct_of_max));
        json_object_set_new(o, "sets", json_integer(l->sets));
        json_array_append_new(load, o);
    }
    return load;
}

/* ---- exercise variants: per exercise its level at start / mid / end
 * (the first, middle and last session it was done in), the change of level,
 * the progression (the first session and every session where the variant
 * changed) and the session numbers it was done in. */
static json_t *
s_json_variant_step(const rpt_variant_step_t *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "session_number", json_integer(st->session_number));
    json_object_set_new(o, "date", json_string(st->date));
    json_object_set_new(o, "variant", s_jstr(st->variant));
    json_object_set_new(o, "level", json_integer(st->level));
    return o;
}

static json_t *
s_json_variant(const rpt_variant_t *v)
{
    json_t *o = json_object();
    json_object_set_new(o, "exercise", json_string(v->exercise));
    json_object_set_new(o, "name_nl", s_jstr(v->name_nl));
    json_object_set_new(o, "name_en", s_jstr(v->name_en));
    json_object_set_new(o, "sessions_done", json_integer(v->n_steps));
    int tp[RPT_NTP];
    rpt_variant_tp(v, tp);
    for (int t = 0; t < RPT_NTP; t++)
        json_object_set_new(o, rpt_tp_name(t),
                            tp[t] < 0 ? json_null() : s_json_variant_step(&v->steps[tp[t]]));
    json_object_set_new(o, "level_change",
                        tp[RPT_END] < 0 ? json_null()
                                        : json_integer(v->steps[tp[RPT_END]].level -
                                                       v->steps[tp[RPT_START]].level));
    int *idx = rl_calloc((size_t)v->n_steps, sizeof *idx);
    int n = rpt_variant_changes(v, idx);
    json_t *prog = json_array(), *sessions = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(prog, s_json_variant_step(&v->steps[idx[i]]));
    for (int i = 0; i < v->n_steps; i++)
        json_array_append_new(sessions, json_integer(v->steps[i].session_number));
    free(idx);
    json_object_set_new(o, "progression", prog);
    json_object_set_new(o, "sessions", sessions);
    return o;
}

static json_t *
s_json_missing(const rpt_model_t *m)
{
    char *lines[16];
    int n = rpt_model_missing(m, "en", lines, 16);
    json_t *miss = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(miss, json_string(lines[i]));
        free(lines[i]);
    }
    return miss;
}

json_t *
rpt_compare_json(const rpt_model_t *m)
{
    json_t *root = json_object();
    json_object_set_new(root, "patient", s_json_patient(m));
    json_object_set_new(root, "enrolment", s_json_enrolment(m));
    json_object_set_new(root, "test_occasions", s_json_occasions(m));
    json_object_set_new(root, "directions", s_json_directions(m));
    s_json_reference(root, m);
    s_json_balance(root, m);
    json_object_set_new(root, "questionnaires", s_json_questionnaires(m));
    json_object_set_new(root, "attendance", s_json_attendance(m));
    json_object_set_new(root, "final_report", s_json_final_report(m));
    json_object_set_new(root, "training_load", s_json_load(m));
    /* only when exercises were recorded in the sessions */
    if (m->n_variants > 0) {
        json_t *vars = json_array();
        for (int i = 0; i < m->n_variants; i++)
            json_array_append_new(vars, s_json_variant(&m->variants[i]));
        json_object_set_new(root, "exercise_variants", vars);
    }
    json_object_set_new(root, "home_programme", rpt_homeprog_json(&m->homeprog));
    json_object_set_new(root, "missing", s_json_missing(m));
    return root;
}

/* ------------------------------------------------------------ rows (table, CSV) */

typedef struct {
    const char *section;
    char item[64];
    char measure[64];
    const char *unit;
    int decimals;
    double v[RPT_NTP];
    double change, change_pct; /* NAN: not applicable */
    char assessment[240];
    char value[64]; /* single values (attendance) */
} s_row_t;

typedef struct {
    s_row_t *rows;
    int n;
} s_rows_t;

static s_row_t *
s_add(s_rows_t *r, const char *section, const char *item, const char *measure, const char *unit,
      int decimals)
{
    r->rows = rl_realloc(r->rows, (size_t)(r->n + 1) * sizeof *r->rows);
    s_row_t *x = &r->rows[r->n++];
    memset(x, 0, sizeof *x);
    x->section = section;
    snprintf(x->item, sizeof x->item, "%s", item);
    snprintf(x->measure, sizeof x->measure, "%s", measure);
    x->unit = unit;
    x->decimals = decimals;
    for (int tp = 0; tp < RPT_NTP; tp++)
        x->v[tp] = NAN;
    x->change = x->change_pct = NAN;
    return x;
}

static void
s_set3(s_row_t *x, const rpt_tp3_t *v, bool change)
{
    memcpy(x->v, v->v, sizeof x->v);
    if (change) {
        rl_measures_change_t c = rpt_change(v);
        x->change = c.absolute;
        x->change_pct = c.pct;
    }
}

/* The assessment of a change: real, within the test noise, or "" when
 * undefined. */
static void
s_assess_change(s_row_t *row, const rpt_model_t *m, rl_direction_t dir, const rpt_tp3_t *x)
{
    const char *real = s_real_change(m, dir, x);
    snprintf(row->assessment, sizeof row->assessment, "%s",
             real ? (!strcmp(real, "yes") ? "real change" : "within test noise") : "");
}

/* A % of reference row; "no reference" when there is none at any time. */
static void
s_row_of_reference(s_rows_t *r, const char *name, const char *measure, const rpt_tp3_t *x)
{
    s_row_t *row = s_add(r, "device", name, measure, "%", 1);
    s_set3(row, x, false);
    if (isnan(x->v[0]) && isnan(x->v[1]) && isnan(x->v[2]))
        snprintf(row->assessment, sizeof row->assessment, "no reference");
}

/* The effort check: the time points whose CV is above normal. */
static void
s_row_effort(s_rows_t *r, const char *name, const rpt_tp3_t *cv)
{
    s_row_t *row = s_add(r, "device", name, "effort CV", "%", 1);
    s_set3(row, cv, false);
    char high[64] = "";
    for (int tp = 0; tp < RPT_NTP; tp++)
        if (!isnan(cv->v[tp]) && cv->v[tp] > RL_MEASURES_CV_NORMAL_MAX_PCT)
            snprintf(high + strlen(high), sizeof high - strlen(high), "%s%s", high[0] ? ", " : "",
                     rpt_tp_name(tp));
    if (high[0])
        snprintf(row->assessment, sizeof row->assessment, "above 15 %% at %s", high);
    else
        snprintf(row->assessment, sizeof row->assessment, "normal (<= 15 %%)");
}

static void
s_rows_direction(const rpt_model_t *m, const rpt_direction_t *x, s_rows_t *r)
{
    const char *name = rl_direction_name(x->dir);
    s_row_t *row = s_add(r, "device", name, "range of motion", "deg", 1);
    s_set3(row, &x->rom_deg, true);
    s_assess_change(row, m, x->dir, &x->rom_deg);
    row = s_add(r, "device", name, "max torque", "N.m", 1);
    s_set3(row, &x->torque_nm, true);
    s_assess_change(row, m, x->dir, &x->torque_nm);
    if (!isnan(m->body_weight_kg)) {
        row = s_add(r, "device", name, "max torque per kg", "N.m/kg", 2);
        s_set3(row, &x->torque_per_kg, false);
    }
    s_row_of_reference(r, name, "torque of reference", &x->pct_ref);
    s_row_of_reference(r, name, "range of reference", &x->rom_pct_ref);
    s_row_effort(r, name, &x->cv_pct);
}

static void
s_rows_derived(const rpt_model_t *m, s_rows_t *r)
{
    rpt_tp3_t ratio, asym_lf, asym_rot;
    rpt_balance(m, &ratio, &asym_lf, &asym_rot);
    s_set3(s_add(r, "derived", "flexion/extension", "torque ratio", "1", 2), &ratio, false);
    s_set3(s_add(r, "derived", "lateral flexion", "left/right asymmetry", "%", 1), &asym_lf, false);
    s_set3(s_add(r, "derived", "rotation", "left/right asymmetry", "%", 1), &asym_rot, false);
}

static void
s_rows_questionnaire(const rpt_questionnaire_t *q, s_rows_t *r)
{
    s_row_t *row = s_add(r, "questionnaire", rl_instrument_code_of_db(q->instrument), "score",
                         s_q_unit(q->instrument), !strcmp(q->instrument, "PSFS") ? 2 : 1);
    for (int tp = 0; tp < RPT_NTP; tp++)
        row->v[tp] = q->at[tp].present ? q->at[tp].score : NAN;
    if (q->has_change) {
        row->change = q->change;
        row->change_pct = q->change_pct;
    }
    int last = q->at[RPT_END].present ? RPT_END : q->at[RPT_MID].present ? RPT_MID : RPT_START;
    const char *band = rl_questionnaire_band_label((rl_q_band_t)q->at[last].band, "en");
    char imp[48] = "";
    if (q->has_change)
        snprintf(imp, sizeof imp, "%s",
                 !q->has_mic                   ? "no MIC defined"
                 : q->important                ? "clinically important"
                 : q->has_mdc && q->detectable ? "improved beyond MDC, below MIC"
                 : q->has_mdc && q->improved   ? "improved within MDC (measurement error)"
                 : q->improved                 ? "improved, below MIC"
                                               : "not improved");
    snprintf(row->assessment, sizeof row->assessment, "%s%s%s%s%s", imp,
             imp[0] && band && band[0] ? "; " : "", band && band[0] ? band : "",
             band && band[0] ? " at " : "", band && band[0] ? rpt_tp_name(last) : "");
}

static void
s_rows_attendance(const rpt_model_t *m, s_rows_t *r)
{
    const struct {
        const char *name;
        int value;
    } counts[] = {
        {"planned", m->planned_sessions},
        {"attended", m->attended_total},
        {"attended exercise", m->attended_exercise},
        {"attended information", m->attended_information},
        {"no-shows", m->no_shows},
        {"cancellations", m->cancellations},
        {"planned exercise", m->planned_exercise},
        {"planned information", m->planned_information},
        {"all attended", m->complete ? 1 : 0},
        {"shorter than minimum", m->sessions_short},
        {"outside programme dates", m->sessions_outside_dates},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        s_row_t *row = s_add(r, "attendance", counts[i].name, "sessions", "", 0);
        snprintf(row->value, sizeof row->value, "%d", counts[i].value);
    }
    for (int i = 0; i < m->n_warnings; i++) {
        s_row_t *row =
            s_add(r, "attendance", "warning", rl_clinical_warning_code(m->warnings[i].kind), "", 0);
        rpt_warning_text(m, i, "en", row->assessment, sizeof row->assessment);
    }
}

/* training load of one direction: its first, middle and last training day */
static void
s_rows_load(const rpt_model_t *m, rl_direction_t d, s_rows_t *r)
{
    int first = -1, last = -1, cnt = 0;
    for (int i = 0; i < m->n_load; i++)
        if (m->load[i].dir == d) {
            if (first < 0)
                first = i;
            last = i;
            cnt++;
        }
    if (first < 0)
        return;
    int mid = -1, seen = 0;
    if (cnt >= 3)
        for (int i = 0; i < m->n_load; i++)
            if (m->load[i].dir == d && seen++ == cnt / 2)
                mid = i;
    s_row_t *row = s_add(r, "training_load", rl_direction_name(d), "heaviest set", "N.m", 1);
    row->v[RPT_START] = m->load[first].max_load_nm;
    row->v[RPT_MID] = mid >= 0 ? m->load[mid].max_load_nm : NAN;
    row->v[RPT_END] = last != first ? m->load[last].max_load_nm : NAN;
    rl_measures_change_t c = rl_measures_change(row->v[RPT_START], row->v[RPT_END]);
    row->change = c.absolute;
    row->change_pct = c.pct;
    snprintf(row->assessment, sizeof row->assessment, "training days %d..%d (%d with sets)",
             m->load[first].index, m->load[last].index, cnt);
}

/* "knees (-1)", "as described (0)" */
static void
s_variant_words(const rpt_variant_step_t *st, char *buf, size_t len)
{
    const char *name = st->variant ? st->variant : "as described";
    if (st->level == 0)
        snprintf(buf, len, "%s (0)", name);
    else
        snprintf(buf, len, "%s (%+d)", name, st->level);
}

/* An exercise's variants: its level at the first, middle and last session
 * it was done in, the change of level, and the progression in the
 * assessment: "8 sessions: session 1 knees (-1) -> session 12 as described
 * (0) -> ...", every change while it fits, then how many more; the value
 * (CSV) is the number of sessions it was done in. */
static void
s_rows_variant(const rpt_variant_t *v, s_rows_t *r)
{
    s_row_t *row = s_add(r, "exercise_variants", v->exercise, "level", "", 0);
    int tp[RPT_NTP];
    rpt_variant_tp(v, tp);
    for (int t = 0; t < RPT_NTP; t++)
        row->v[t] = tp[t] < 0 ? NAN : v->steps[tp[t]].level;
    if (tp[RPT_END] >= 0)
        row->change = row->v[RPT_END] - row->v[RPT_START];
    snprintf(row->value, sizeof row->value, "%d", v->n_steps);
    snprintf(row->assessment, sizeof row->assessment, "%d session%s: ", v->n_steps,
             v->n_steps == 1 ? "" : "s");
    int *idx = rl_calloc((size_t)v->n_steps, sizeof *idx);
    int n = rpt_variant_changes(v, idx);
    size_t cap = sizeof row->assessment - 24; /* room for "; N more changes" */
    for (int i = 0; i < n; i++) {
        char words[80], one[112];
        s_variant_words(&v->steps[idx[i]], words, sizeof words);
        snprintf(one, sizeof one, "%ssession %d %s", i ? " -> " : "",
                 v->steps[idx[i]].session_number, words);
        size_t used = strlen(row->assessment);
        if (used + strlen(one) >= cap) {
            snprintf(row->assessment + used, sizeof row->assessment - used, "; %d more change%s",
                     n - i, n - i == 1 ? "" : "s");
            break;
        }
        memcpy(row->assessment + used, one, strlen(one) + 1);
    }
    free(idx);
}

/* The rows of the table and the CSV, section by section. */
static void
s_build_rows(const rpt_model_t *m, s_rows_t *r)
{
    for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT; d++)
        if (m->dirs[d].measured)
            s_rows_direction(m, &m->dirs[d], r);
    s_rows_derived(m, r);
    for (int i = 0; i < m->n_quest; i++)
        s_rows_questionnaire(&m->quest[i], r);
    s_rows_attendance(m, r);
    for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT; d++)
        s_rows_load(m, (rl_direction_t)d, r);
    for (int i = 0; i < m->n_variants; i++)
        s_rows_variant(&m->variants[i], r);
}

static void
s_csv_field(FILE *out, const char *s, bool last)
{
    rl_csv_field(out, s);
    fputc(last ? '\n' : ',', out);
}

static void
s_write_csv(const s_rows_t *r, FILE *out)
{
    fputs("section,item,measure,unit,start,mid,end,change,change_pct,assessment,value\n", out);
    for (int i = 0; i < r->n; i++) {
        const s_row_t *x = &r->rows[i];
        s_csv_field(out, x->section, false);
        s_csv_field(out, x->item, false);
        s_csv_field(out, x->measure, false);
        s_csv_field(out, x->unit, false);
        for (int tp = 0; tp < RPT_NTP; tp++)
            s_csv_field(out, rpt_num(x->v[tp], x->decimals, ""), false);
        s_csv_field(out, rpt_num(x->change, x->decimals, ""), false);
        s_csv_field(out, rpt_num(x->change_pct, 1, ""), false);
        s_csv_field(out, x->assessment, false);
        s_csv_field(out, x->value, true);
    }
}

/* The patient, the programme, the report's deadline and the test dates. */
static void
s_table_head(const rpt_model_t *m, FILE *out)
{
    fprintf(out, "Patient    %s, %s (subject %lld, badge %s)\n", m->family_name, m->given_name,
            m->subject_id, m->badge_token);
    fprintf(out, "Programme  %s, enrolment %lld, %s to %s, %s\n", m->programme_code,
            m->enrolment_id, m->start_date, m->end_date ? m->end_date : "(running)", m->status);
    if (m->report.has_due) {
        char due[16], on[16];
        rl_date_format(m->report.due, due);
        if (!m->report.issued && m->report.days_late > 0)
            fprintf(out, "Report     OVERDUE by %d day%s (due by %s)\n", m->report.days_late,
                    m->report.days_late == 1 ? "" : "s", due);
        else if (!m->report.issued)
            fprintf(out, "Report     due by %s\n", due);
        else
            fprintf(out, "Report     sent on %s (due by %s%s)\n",
                    rl_date_format(m->report.issued_on, on), due,
                    m->report.days_late > 0 ? ", late" : "");
    }
    fprintf(out, "Tests      on %s devices:", rl_body_region_name(m->body_region));
    for (int tp = 0; tp < RPT_NTP; tp++) {
        const rpt_occasion_t *o = &m->occasion[tp];
        if (o->present && o->session_number)
            fprintf(out, " %s %s (session %d)%s", rpt_tp_name(tp), o->date, o->session_number,
                    tp < RPT_END ? ";" : "");
        else if (o->present)
            fprintf(out, " %s %s%s", rpt_tp_name(tp), o->date, tp < RPT_END ? ";" : "");
        else
            fprintf(out, " %s missing%s", rpt_tp_name(tp), tp < RPT_END ? ";" : "");
    }
    fputc('\n', out);
}

/* The attendance in one paragraph, with its warnings. */
static void
s_table_attendance(const rpt_model_t *m, FILE *out)
{
    char *done = rpt_completion_text(m, "en");
    fprintf(out,
            "\nAttendance %d of %d planned sessions attended (%d of %d exercise, %d "
            "of %d information); %d no-show%s, %d cancelled\n  %s\n",
            rpt_attended_of_planned(m), m->planned_sessions, m->attended_exercise,
            m->planned_exercise, m->attended_information, m->planned_information, m->no_shows,
            m->no_shows == 1 ? "" : "s", m->cancellations, done);
    free(done);
    for (int w = 0; w < m->n_warnings; w++) {
        char text[256];
        fprintf(out, "  warning: %s\n", rpt_warning_text(m, w, "en", text, sizeof text));
    }
}

static void
s_write_table(const rpt_model_t *m, const s_rows_t *r, FILE *out)
{
    s_table_head(m, out);
    const char *last_section = "";
    for (int i = 0; i < r->n; i++) {
        const s_row_t *x = &r->rows[i];
        if (strcmp(x->section, last_section) != 0) {
            last_section = x->section;
            if (!strcmp(x->section, "attendance")) {
                s_table_attendance(m, out);
                continue;
            }
            const char *title = !strcmp(x->section, "device")    ? "Device tests (best of trials)"
                                : !strcmp(x->section, "derived") ? "Derived"
                                : !strcmp(x->section, "questionnaire") ? "Questionnaires"
                                : !strcmp(x->section, "exercise_variants")
                                    ? "Exercise variants (level at first/middle/last session "
                                      "done; 0 as described, < 0 easier, > 0 harder)"
                                    : "Training load (first/middle/last training day)";
            /* a title longer than its column stands on a line of its own */
            bool own_line = strlen(title) > 47;
            if (own_line)
                fprintf(out, "\n%s", title);
            fprintf(out, "\n%-22s %-24s %9s %9s %9s %9s %9s  %s\n", own_line ? "" : title, "",
                    "start", "mid", "end", "change", "change %", "assessment");
        }
        if (!strcmp(x->section, "attendance"))
            continue;
        char label[96];
        snprintf(label, sizeof label, x->unit[0] ? "%s (%s)" : "%s", x->measure, x->unit);
        fprintf(out, "%-22s %-24s %9s %9s %9s %9s %9s  %s\n", x->item, label,
                rpt_num(x->v[0], x->decimals, "missing"), rpt_num(x->v[1], x->decimals, "missing"),
                rpt_num(x->v[2], x->decimals, "missing"), s_signed(x->change, x->decimals, "-"),
                s_signed(x->change_pct, 1, "-"), x->assessment);
    }
    char *lines[16];
    int n = rpt_model_missing(m, "en", lines, 16);
    if (n)
        fprintf(out, "\nMissing\n");
    for (int i = 0; i < n; i++) {
        fprintf(out, "  - %s\n", lines[i]);
        free(lines[i]);
    }
}

int
rpt_compare_write(const rpt_model_t *m, rpt_format_t fmt, FILE *out, rl_err_t *err)
{
    if (fmt == RPT_FMT_JSON) {
        json_t *j = rpt_compare_json(m);
        int rc = json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        json_decref(j);
        fputc('\n', out);
        if (rc != 0)
            return rl_err_set(err, "writing JSON failed");
    } else {
        s_rows_t r = {0};
        s_build_rows(m, &r);
        if (fmt == RPT_FMT_CSV)
            s_write_csv(&r, out);
        else
            s_write_table(m, &r, out);
        free(r.rows);
    }
    if (fflush(out) != 0 || ferror(out))
        return rl_err_set(err, "writing the comparison failed");
    return 0;
}
