/* Loading one patient's report model from the database, as
 * ruglab_clinician, one loader per section of the report. Measurements
 * are read only through the clinical views (v_attendance, v_test_occasion,
 * v_test_trial, v_questionnaire, v_timepoint_anchor, v_training_set,
 * v_test_curve), so that the report counts what the clinical contract
 * counts; the exercises done in the sessions through homeprog.h's
 * rl_homeprog_fetch_done. The read of identity is written to
 * audit.access_log before anything identifiable is selected. */
#include "report.h"

#include "ruglab/audit.h"
#include "ruglab/cli.h"
#include "ruglab/clinical.h"
#include "ruglab/db.h"
#include "ruglab/domain.h"
#include "ruglab/exercise.h"
#include "ruglab/exitcode.h"
#include "ruglab/homeprog.h"
#include "ruglab/mem.h"
#include "ruglab/questionnaire.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *
rpt_tp_name(int tp)
{
    return tp >= 0 && tp < RPT_NTP ? rl_timepoint_name((rl_timepoint_t)(tp + RL_TP_START)) : "?";
}

const char *
rpt_tp_label(int tp, const char *lang)
{
    static const char *nl[RPT_NTP] = {"begin", "midden", "einde"};
    static const char *en[RPT_NTP] = {"start", "mid", "end"};
    if (tp < 0 || tp >= RPT_NTP)
        return "?";
    return strcmp(lang, "en") ? nl[tp] : en[tp];
}

static int
s_tp_at(const PGresult *res, int row, int col)
{
    rl_timepoint_t tp;
    rl_err_t e;
    if (PQgetisnull(res, row, col) || rl_timepoint_parse(PQgetvalue(res, row, col), &tp, &e) != 0)
        return -1;
    return (int)tp - RL_TP_START;
}

static bool
s_dir_at(const PGresult *res, int row, int col, rl_direction_t *d)
{
    rl_err_t e;
    return rl_direction_parse(PQgetvalue(res, row, col), d, &e) == 0;
}

static char *
s_dup(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : rl_strdup(PQgetvalue(res, row, col));
}

static double
s_num(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NAN : strtod(PQgetvalue(res, row, col), NULL);
}

static int
s_int(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : atoi(PQgetvalue(res, row, col));
}

static bool
s_bool(const PGresult *res, int row, int col)
{
    return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

static void
s_copy_date(char dst[16], const PGresult *res, int row, int col)
{
    dst[0] = '\0';
    if (!PQgetisnull(res, row, col))
        snprintf(dst, 16, "%s", PQgetvalue(res, row, col));
}

/* One load of the model: what was asked, the model being filled, the ids
 * found (query parameters), and the test trials per direction and time
 * point until the best values are derived from them. */
typedef struct {
    PGconn *conn;
    rl_err_t *err;
    const char *patient;
    long long enrolment_id; /* asked for; 0: the most recent */
    const char *command;
    rpt_model_t *m;
    char sid[32]; /* subject id */
    char eid[32]; /* enrolment id */
    double *trials_rom[RL_DIR_COUNT][RPT_NTP];
    double *trials_nm[RL_DIR_COUNT][RPT_NTP];
} s_load_t;

/* ---- the sections of the report, in the order s_sections loads them:
 * a step of its own (s_load_*: RL_EXIT_OK, RL_EXIT_FAIL when there is
 * nothing to report on, RL_EXIT_DB; err set) or the rows of one query by
 * enrolment id (s_fill_*). */

/* How PATIENT is read (the same rules as the admin CLI): fewer than 11
 * digits = subject id; 11 digits (dots, dashes, spaces allowed) = INSZ;
 * anything else = badge token (case-insensitive). Writes the parameter. */
typedef enum { S_KEY_SUBJECT, S_KEY_INSZ, S_KEY_BADGE } s_key_t;

static s_key_t
s_key_kind(const char *key, char insz[12])
{
    size_t digits = 0, len = strlen(key);
    for (const char *c = key; *c; c++)
        digits += isdigit((unsigned char)*c) != 0;
    if (digits == len && len > 0 && len < 11)
        return S_KEY_SUBJECT;
    if (digits == 11 && strspn(key, "0123456789.- ") == len) {
        size_t n = 0;
        for (const char *c = key; *c; c++)
            if (isdigit((unsigned char)*c))
                insz[n++] = *c;
        insz[11] = '\0';
        return S_KEY_INSZ;
    }
    return S_KEY_BADGE;
}

static const char *s_sql_subject[] = {
    [S_KEY_SUBJECT] = "SELECT subject_id FROM clinical.subject WHERE subject_id = $1::bigint",
    [S_KEY_INSZ] = "SELECT subject_id FROM identity.patient WHERE insz = $1",
    [S_KEY_BADGE] = "SELECT subject_id FROM clinical.subject WHERE upper(badge_token) = upper($1)",
};
static const char *s_key_names[] = {"subject id", "INSZ", "badge token"};
/* the prepared statements' names (rl_db_exec_prepared) */
static const char *s_subject_names[] = {
    [S_KEY_SUBJECT] = "rpt subject by id",
    [S_KEY_INSZ] = "rpt subject by insz",
    [S_KEY_BADGE] = "rpt subject by badge",
};

/* who */
static int
s_load_subject(s_load_t *ld)
{
    char insz[12];
    s_key_t kind = s_key_kind(ld->patient, insz);
    const char *p[] = {kind == S_KEY_INSZ ? insz : ld->patient};
    PGresult *res = rl_db_exec_prepared(ld->conn, ld->err, "finding the patient",
                                        s_subject_names[kind], s_sql_subject[kind], 1, p);
    if (!res)
        return RL_EXIT_DB;
    int rc = RL_EXIT_OK;
    if (PQntuples(res) != 1) {
        /* the key may be an INSZ: never echo it */
        rc = RL_EXIT_FAIL;
        rl_err_set(ld->err, "no patient with that %s (give a subject id, badge token or INSZ)",
                   s_key_names[kind]);
    } else {
        snprintf(ld->sid, sizeof ld->sid, "%s", PQgetvalue(res, 0, 0));
        ld->m->subject_id = atoll(ld->sid);
    }
    PQclear(res);
    return rc;
}

static const char *s_sql_enrolment =
    "SELECT e.enrolment_id, p.code, p.name, e.indication, e.route, e.status, e.start_date, "
    "       e.end_date, e.pain_since, e.surgery_date, e.referring_physician, e.dropout_reason, "
    "       e.on_sick_leave, e.occupational_copy, e.age_at_start, p.mid_test_session, "
    "       s.badge_token, s.sex, s.body_weight_kg, "
    "       si.name, si.address, si.physician_name, si.physician_riziv, "
    "       clinical.local_date(now()), p.name_en, "
    "       to_char(now() AT TIME ZONE 'Europe/Brussels', 'YYYY-MM-DD HH24:MI:SS') "
    "FROM clinical.enrolment e "
    "JOIN clinical.programme p ON p.programme_id = e.programme_id "
    "JOIN clinical.subject s ON s.subject_id = e.subject_id "
    "JOIN clinical.site si ON si.site_id = e.site_id "
    "WHERE e.subject_id = $1 AND ($2::bigint IS NULL OR e.enrolment_id = $2::bigint) "
    "  AND ($2::bigint IS NOT NULL OR e.status <> 'cancelled') "
    "ORDER BY e.status = 'active' DESC, e.start_date DESC, e.enrolment_id DESC LIMIT 1";

static void
s_copy_enrolment(rpt_model_t *m, const PGresult *res)
{
    m->enrolment_id = atoll(PQgetvalue(res, 0, 0));
    char **text[] = {&m->programme_code, &m->programme_name,      &m->indication,    &m->route,
                     &m->status,         &m->start_date,          &m->end_date,      &m->pain_since,
                     &m->surgery_date,   &m->referring_physician, &m->dropout_reason};
    for (int i = 0; i < (int)(sizeof text / sizeof text[0]); i++)
        *text[i] = s_dup(res, 0, 1 + i);
    m->on_sick_leave = s_bool(res, 0, 12);
    m->occupational_copy = s_bool(res, 0, 13);
    m->age_at_start = s_int(res, 0, 14);
    m->mid_test_session = s_int(res, 0, 15);
    m->badge_token = s_dup(res, 0, 16);
    m->sex = s_dup(res, 0, 17);
    m->body_weight_kg = s_num(res, 0, 18);
    m->site_name = s_dup(res, 0, 19);
    m->site_address = s_dup(res, 0, 20);
    m->physician_name = s_dup(res, 0, 21);
    m->physician_riziv = s_dup(res, 0, 22);
    m->today = s_dup(res, 0, 23);
    m->programme_name_en = s_dup(res, 0, 24);
    m->now_local = s_dup(res, 0, 25);
}

/* which enrolment, its programme and site */
static int
s_load_enrolment(s_load_t *ld)
{
    char eid_flag[32];
    snprintf(eid_flag, sizeof eid_flag, "%lld", ld->enrolment_id);
    const char *p[] = {ld->sid, ld->enrolment_id > 0 ? eid_flag : NULL};
    PGresult *res = rl_db_exec_prepared(ld->conn, ld->err, "reading the enrolment", "rpt enrolment",
                                        s_sql_enrolment, 2, p);
    if (!res)
        return RL_EXIT_DB;
    int rc = RL_EXIT_OK;
    if (PQntuples(res) == 0) {
        rc = RL_EXIT_FAIL;
        if (ld->enrolment_id > 0)
            rl_err_set(ld->err, "patient %s has no enrolment %lld", ld->sid, ld->enrolment_id);
        else
            rl_err_set(ld->err, "patient %s is not enrolled in any programme", ld->sid);
    } else {
        s_copy_enrolment(ld->m, res);
        snprintf(ld->eid, sizeof ld->eid, "%lld", ld->m->enrolment_id);
    }
    PQclear(res);
    return rc;
}

/* the audit record comes before the identity is read */
static int
s_load_audit(s_load_t *ld)
{
    char *detail = rl_asprintf("enrolment %s", ld->eid);
    int audited =
        rl_audit_record(ld->conn, rl_cli_program(), ld->command, ld->sid, detail, ld->err);
    free(detail);
    return audited < 0 ? RL_EXIT_DB : RL_EXIT_OK;
}

static const char *s_sql_identity =
    "SELECT p.family_name, p.given_name, p.insz, p.date_of_birth, p.address, p.postal_code, "
    "       p.city, g.family_name, g.given_name, g.riziv, g.address, g.postal_code, g.city "
    "FROM identity.patient p LEFT JOIN identity.gp g ON g.gp_id = p.gp_id "
    "WHERE p.subject_id = $1";

/* the patient and the GP */
static int
s_load_identity(s_load_t *ld)
{
    const char *p[] = {ld->sid};
    PGresult *res = rl_db_exec_prepared(ld->conn, ld->err, "reading the patient's identity",
                                        "rpt identity", s_sql_identity, 1, p);
    if (!res)
        return RL_EXIT_DB;
    if (PQntuples(res) == 0) {
        PQclear(res);
        rl_err_set(ld->err, "patient %s has no identity record (identity.patient)", ld->sid);
        return RL_EXIT_FAIL;
    }
    rpt_model_t *m = ld->m;
    char **text[] = {&m->family_name,   &m->given_name,  &m->insz,       &m->date_of_birth,
                     &m->address,       &m->postal_code, &m->city,       &m->gp_family_name,
                     &m->gp_given_name, &m->gp_riziv,    &m->gp_address, &m->gp_postal_code,
                     &m->gp_city};
    for (int i = 0; i < (int)(sizeof text / sizeof text[0]); i++)
        *text[i] = s_dup(res, 0, i);
    PQclear(res);
    return RL_EXIT_OK;
}

static const char s_sql_attendance[] =
    "SELECT planned_sessions, attended_total, attended_exercise, attended_information, "
    "       no_shows, cancellations, first_date, last_date, planned_exercise, "
    "       planned_information, complete, min_session_minutes, sessions_short, "
    "       sessions_length_unknown, sessions_outside_dates "
    "FROM clinical.v_attendance WHERE enrolment_id = $1";

static void
s_fill_attendance(s_load_t *ld, const PGresult *res)
{
    rpt_model_t *m = ld->m;
    if (PQntuples(res) == 1) {
        m->planned_sessions = s_int(res, 0, 0);
        m->attended_total = s_int(res, 0, 1);
        m->attended_exercise = s_int(res, 0, 2);
        m->attended_information = s_int(res, 0, 3);
        m->no_shows = s_int(res, 0, 4);
        m->cancellations = s_int(res, 0, 5);
        m->first_session_date = s_dup(res, 0, 6);
        m->last_session_date = s_dup(res, 0, 7);
        m->planned_exercise = s_int(res, 0, 8);
        m->planned_information = s_int(res, 0, 9);
        m->complete = s_bool(res, 0, 10);
        m->min_session_minutes = s_int(res, 0, 11);
        m->sessions_short = s_int(res, 0, 12);
        m->sessions_length_unknown = s_int(res, 0, 13);
        m->sessions_outside_dates = s_int(res, 0, 14);
    }
}

/* The attendance warnings of the programme (clinical.h applies
 * programme.h's rules to clinical.v_session). A template or date that the
 * rules cannot use gives no warnings rather than no report. */
static int
s_load_warnings(s_load_t *ld)
{
    rpt_model_t *m = ld->m;
    rl_clinical_enrolment_t ce;
    int rc = rl_clinical_enrolment_load(ld->conn, ld->eid, &ce, ld->err);
    if (rc == -2)
        return RL_EXIT_OK;
    if (rc < 0)
        return RL_EXIT_DB;
    m->report = ce.report;
    m->body_region = ce.programme.body_region;
    m->max_per_week = ce.programme.max_per_week;
    m->allowed_sessions = ce.programme.total_sessions + ce.programme.max_extra_sessions;
    size_t n = 0;
    rc = rl_clinical_attendance_warnings(ld->conn, &ce, &m->warnings, &n, ld->err);
    if (rc == -2)
        return RL_EXIT_OK;
    if (rc < 0)
        return RL_EXIT_DB;
    m->n_warnings = (int)n;
    return RL_EXIT_OK;
}

static const char s_sql_occasions[] =
    "SELECT timepoint, device_id, session_id, test_date, session_number "
    "FROM clinical.v_test_occasion WHERE enrolment_id = $1 ORDER BY test_date, device_id";

/* the device tests: which occasion is which time point */
static void
s_fill_occasions(s_load_t *ld, const PGresult *res)
{
    rpt_model_t *m = ld->m;
    m->n_occasions = PQntuples(res);
    for (int i = 0; i < PQntuples(res); i++) {
        int tp = s_tp_at(res, i, 0);
        if (tp < 0 || m->occasion[tp].present)
            continue;
        rpt_occasion_t *o = &m->occasion[tp];
        o->present = true;
        o->device_id = s_dup(res, i, 1);
        o->session_id = s_dup(res, i, 2);
        s_copy_date(o->date, res, i, 3);
        o->session_number = s_int(res, i, 4);
    }
}

static const char s_sql_trials[] = "SELECT t.timepoint, t.direction, t.rom_deg, t.max_torque_nm "
                                   "FROM clinical.v_test_trial t "
                                   "WHERE t.enrolment_id = $1 AND t.timepoint IS NOT NULL "
                                   "ORDER BY t.timepoint, t.direction, t.trial, t.taken_at";

/* the trials of the tests, kept until the best values are derived */
static void
s_fill_trials(s_load_t *ld, const PGresult *res)
{
    for (int i = 0; i < PQntuples(res); i++) {
        int tp = s_tp_at(res, i, 0);
        rl_direction_t d;
        if (tp < 0 || !s_dir_at(res, i, 1, &d))
            continue;
        int n = ld->m->dirs[d].n_trials[tp]++;
        double **rom = &ld->trials_rom[d][tp], **nm = &ld->trials_nm[d][tp];
        *rom = rl_realloc(*rom, (size_t)(n + 1) * sizeof(double));
        *nm = rl_realloc(*nm, (size_t)(n + 1) * sizeof(double));
        (*rom)[n] = s_num(res, i, 2);
        (*nm)[n] = s_num(res, i, 3);
    }
}

/* The reference values of each test occasion's device model for the
 * patient's sex and age at the start. */
static const char s_sql_reference[] =
    "SELECT o.timepoint, r.direction, r.measure, r.value, r.source, r.validated, r.citation, "
    "       r.population, r.device_model "
    "FROM clinical.v_test_occasion o "
    "JOIN clinical.device d ON d.device_id = o.device_id "
    "JOIN clinical.enrolment e ON e.enrolment_id = o.enrolment_id "
    "JOIN clinical.subject s ON s.subject_id = e.subject_id "
    "JOIN clinical.reference_value r ON r.device_model = d.model AND r.sex = s.sex "
    "     AND e.age_at_start BETWEEN r.age_min AND r.age_max "
    "WHERE o.enrolment_id = $1 AND o.timepoint IS NOT NULL "
    "ORDER BY o.timepoint, r.direction, r.measure";

/* One reference value into its direction; false: not one the report uses. */
static bool
s_reference_value(rpt_model_t *m, rpt_direction_t *x, int tp, const char *measure, double v)
{
    if (!strcmp(measure, "rom_deg")) {
        x->ref_rom_deg.v[tp] = v;
    } else if (!strcmp(measure, "max_torque_nm_per_kg")) {
        if (!isnan(m->body_weight_kg))
            x->ref_torque_nm.v[tp] = v * m->body_weight_kg;
    } else if (!strcmp(measure, "max_torque_nm") && isnan(x->ref_torque_nm.v[tp])) {
        x->ref_torque_nm.v[tp] = v;
    } else {
        return false;
    }
    return true;
}

/* Reference values by test occasion. A per-kg reference needs the body
 * weight; an absolute one is used as it is. Without either the report
 * says "no reference". */
static void
s_fill_reference(s_load_t *ld, const PGresult *res)
{
    rpt_model_t *m = ld->m;
    for (int i = 0; i < PQntuples(res); i++) {
        int tp = s_tp_at(res, i, 0);
        rl_direction_t d;
        if (tp < 0 || !s_dir_at(res, i, 1, &d) ||
            !s_reference_value(m, &m->dirs[d], tp, PQgetvalue(res, i, 2), s_num(res, i, 3)))
            continue;
        if (!m->reference_source) {
            m->reference_source = s_dup(res, i, 4);
            m->reference_validated = true;
            m->reference_citation = s_dup(res, i, 6);
            m->reference_population = s_dup(res, i, 7);
            m->reference_model = s_dup(res, i, 8);
        }
        if (!s_bool(res, i, 5))
            m->reference_validated = false;
    }
}

/* the best values of the trials, % of reference, per kg, effort check */
static int
s_derive_devices(s_load_t *ld)
{
    rpt_model_t *m = ld->m;
    for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT; d++) {
        rpt_direction_t *x = &m->dirs[d];
        for (int tp = 0; tp < RPT_NTP; tp++) {
            int n = x->n_trials[tp];
            x->rom_deg.v[tp] = rl_measures_best(ld->trials_rom[d][tp], (size_t)n);
            x->torque_nm.v[tp] = rl_measures_best(ld->trials_nm[d][tp], (size_t)n);
            double cv;
            bool normal;
            rl_err_t e;
            x->cv_pct.v[tp] = NAN;
            if (n >= 2 &&
                rl_measures_effort_cv(ld->trials_nm[d][tp], (size_t)n, &cv, &normal, &e) == 0)
                x->cv_pct.v[tp] = cv;
            x->pct_ref.v[tp] =
                rl_measures_pct_of_reference(x->torque_nm.v[tp], x->ref_torque_nm.v[tp]);
            x->rom_pct_ref.v[tp] =
                rl_measures_pct_of_reference(x->rom_deg.v[tp], x->ref_rom_deg.v[tp]);
            if (!isnan(x->pct_ref.v[tp]) || !isnan(x->rom_pct_ref.v[tp]))
                m->has_reference = true;
            x->torque_per_kg.v[tp] = rl_measures_per_kg(x->torque_nm.v[tp], m->body_weight_kg);
            if (n > 0)
                x->measured = true;
        }
    }
    return RL_EXIT_OK;
}

/* The site's smallest real difference per direction for the model of the
 * device the tests were done on (the end test's, else the start test's). */
static const char s_sql_srd[] =
    "SELECT x.direction, x.srd_pct FROM clinical.srd_setting x "
    "JOIN clinical.device d ON d.model = x.device_model "
    "WHERE d.device_id = (SELECT o.device_id FROM clinical.v_test_occasion o "
    "                     WHERE o.enrolment_id = $1 AND o.timepoint IS NOT NULL "
    "                     ORDER BY o.timepoint = 'end' DESC, o.timepoint = 'start' DESC LIMIT 1)";

static void
s_fill_srd(s_load_t *ld, const PGresult *res)
{
    rl_measures_srd_defaults(&ld->m->srd);
    for (int i = 0; i < PQntuples(res); i++) {
        rl_direction_t d;
        if (s_dir_at(res, i, 0, &d)) {
            ld->m->srd.pct[d] = s_num(res, i, 1);
            ld->m->srd_site[d] = true;
        }
    }
}

static const char s_sql_quest[] =
    "SELECT instrument, timepoint, response_id, version, taken_date, score, answers::text "
    "FROM clinical.v_questionnaire "
    "WHERE enrolment_id = $1 AND in_programme "
    "ORDER BY array_position(ARRAY['ODI','NDI','NPRS','RMDQ','TSK','PSFS'], instrument), "
    "         instrument, taken_at, response_id";

static rpt_questionnaire_t *
s_quest_for(rpt_model_t *m, const char *instrument)
{
    for (int i = 0; i < m->n_quest; i++)
        if (!strcmp(m->quest[i].instrument, instrument))
            return &m->quest[i];
    m->quest = rl_realloc(m->quest, (size_t)(m->n_quest + 1) * sizeof *m->quest);
    rpt_questionnaire_t *q = &m->quest[m->n_quest++];
    memset(q, 0, sizeof *q);
    q->instrument = rl_strdup(instrument);
    for (int tp = 0; tp < RPT_NTP; tp++)
        q->at[tp].score = NAN;
    return q;
}

/* The band of a stored response, by scoring its answers again with the
 * instrument's rules (the stored score is what the report prints). */
static int
s_band_of(const char *code, const rpt_qpoint_t *a)
{
    if (!a->answers)
        return RL_Q_BAND_NONE;
    json_error_t jerr;
    json_t *arr = json_loads(a->answers, 0, &jerr);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return RL_Q_BAND_NONE;
    }
    size_t n = json_array_size(arr);
    rl_q_answer_t *ans = rl_calloc(n + 1, sizeof *ans);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        ans[i].item = (int)json_integer_value(json_object_get(o, "item"));
        ans[i].value = (int)json_number_value(json_object_get(o, "value"));
    }
    rl_q_score_t sc;
    rl_err_t e;
    int band = RL_Q_BAND_NONE;
    if (rl_questionnaire_score(code, a->version, ans, n, &sc, &e) == 0 && sc.scorable)
        band = (int)sc.band;
    free(ans);
    json_decref(arr);
    return band;
}

static void
s_quest_derive(rpt_questionnaire_t *q)
{
    rl_instrument_t inst;
    rl_err_t e;
    const char *code = rl_instrument_code_of_db(q->instrument);
    q->has_mic = rl_instrument_parse(code, &inst, &e) == 0 && rl_questionnaire_has_mic(inst);
    for (int tp = 0; tp < RPT_NTP; tp++)
        if (q->at[tp].present)
            q->at[tp].band = s_band_of(code, &q->at[tp]);
    const rpt_qpoint_t *a = &q->at[RPT_START], *b = &q->at[RPT_END];
    if (!a->present || !b->present || isnan(a->score) || isnan(b->score))
        return;
    rl_measures_change_t c = rl_measures_change(a->score, b->score);
    q->change = c.absolute;
    q->change_pct = c.pct;
    q->has_change = rl_questionnaire_important_change(code, a->score, b->score, &q->improved,
                                                      &q->important, &e) == 0;
    double mdc = q->has_mic ? rl_questionnaire_mdc(inst) : 0;
    q->has_mdc = mdc > 0;
    /* 1e-9: 45.0 - 35.0 must reach an MDC of 10 */
    q->detectable = q->has_mdc && q->improved && fabs(q->change) >= mdc - 1e-9;
}

const char *
rpt_quest_unit(const char *instrument)
{
    rl_instrument_t inst;
    if (rl_instrument_from_db(instrument, &inst, NULL) < 0)
        return "points";
    return rl_questionnaire_unit(inst);
}

/* the questionnaires: one entry per instrument, its time points, the
 * change start -> end */
static void
s_fill_questionnaires(s_load_t *ld, const PGresult *res)
{
    rpt_model_t *m = ld->m;
    for (int i = 0; i < PQntuples(res); i++) {
        rpt_questionnaire_t *q = s_quest_for(m, PQgetvalue(res, i, 0));
        q->n_responses++;
        int tp = s_tp_at(res, i, 1);
        if (tp < 0 || q->at[tp].present)
            continue;
        rpt_qpoint_t *a = &q->at[tp];
        a->present = true;
        a->response_id = atoll(PQgetvalue(res, i, 2));
        a->version = s_dup(res, i, 3);
        s_copy_date(a->date, res, i, 4);
        a->score = s_num(res, i, 5);
        a->answers = s_dup(res, i, 6);
    }
    for (int i = 0; i < m->n_quest; i++)
        s_quest_derive(&m->quest[i]);
}

static const char s_sql_anchor[] = "SELECT start_anchor, mid_anchor, end_anchor, window_days "
                                   "FROM clinical.v_timepoint_anchor WHERE enrolment_id = $1";

/* the days the questionnaires' time points are anchored on */
static void
s_fill_anchors(s_load_t *ld, const PGresult *res)
{
    if (PQntuples(res) == 1) {
        for (int tp = 0; tp < RPT_NTP; tp++)
            s_copy_date(ld->m->anchor[tp], res, 0, tp);
        ld->m->anchor_window_days = s_int(res, 0, 3);
    }
}

/* Scorable responses inside the dates, per instrument, for the reasons of
 * a missing time point. */
static const char s_sql_quest_days[] =
    "SELECT instrument, taken_date FROM clinical.v_questionnaire "
    "WHERE enrolment_id = $1 AND in_programme AND score IS NOT NULL "
    "ORDER BY instrument, taken_at, response_id";

static void
s_fill_quest_days(s_load_t *ld, const PGresult *res)
{
    rpt_model_t *m = ld->m;
    for (int i = 0; i < PQntuples(res); i++) {
        rpt_questionnaire_t *q = NULL;
        for (int k = 0; k < m->n_quest && !q; k++)
            if (!strcmp(m->quest[k].instrument, PQgetvalue(res, i, 0)))
                q = &m->quest[k];
        if (!q)
            continue;
        q->days = rl_realloc(q->days, (size_t)(q->n_days + 1) * sizeof *q->days);
        s_copy_date(q->days[q->n_days++], res, i, 1);
    }
}

/* The heaviest set per direction in each training day, days numbered 1..,
 * inside the programme's dates (clinical.v_training_set). */
static const char s_sql_load[] =
    "WITH s AS (SELECT t.device_id, t.session_id, min(t.taken_at) AS first_at "
    "           FROM clinical.v_training_set t WHERE t.enrolment_id = $1 GROUP BY 1, 2), "
    "n AS (SELECT s.*, clinical.local_date(s.first_at) AS day, "
    "             dense_rank() OVER (ORDER BY clinical.local_date(s.first_at)) AS idx FROM s) "
    "SELECT n.idx, n.day, t.direction, max(t.load_nm), avg(t.load_pct_of_max), count(*) "
    "FROM clinical.v_training_set t "
    "JOIN n ON n.device_id = t.device_id AND n.session_id = t.session_id "
    "WHERE t.enrolment_id = $1 "
    "GROUP BY 1, 2, 3 ORDER BY 1, 3";

static void
s_fill_training(s_load_t *ld, const PGresult *res)
{
    rpt_model_t *m = ld->m;
    m->n_load = PQntuples(res);
    m->load = rl_calloc((size_t)m->n_load + 1, sizeof *m->load);
    for (int i = 0; i < m->n_load; i++) {
        rpt_load_t *l = &m->load[i];
        l->index = s_int(res, i, 0);
        s_copy_date(l->date, res, i, 1);
        if (!s_dir_at(res, i, 2, &l->dir))
            l->dir = RL_DIR_EXTENSION;
        l->max_load_nm = s_num(res, i, 3);
        l->mean_pct_of_max = s_num(res, i, 4);
        l->sets = s_int(res, i, 5);
        if (l->index > m->n_load_sessions)
            m->n_load_sessions = l->index;
    }
}

/* ---- exercise variants (issue 17): the exercises done in the sessions,
 * one entry per exercise in catalogue order (this query, with the names),
 * then the sessions of each from rl_homeprog_fetch_done (s_load_variants). */
static void
s_variant_free(rpt_variant_t *v)
{
    free(v->exercise);
    free(v->name_nl);
    free(v->name_en);
    for (int k = 0; k < v->n_steps; k++)
        free(v->steps[k].variant);
    free(v->steps);
}

static const char s_sql_variant_names[] =
    "SELECT x.code, x.name_nl, x.name_en FROM clinical.exercise x "
    "WHERE x.exercise_id IN (SELECT d.exercise_id FROM clinical.session_exercise d "
    "                        WHERE d.enrolment_id = $1) "
    "ORDER BY x.position, x.code";

static void
s_fill_variant_names(s_load_t *ld, const PGresult *res)
{
    rpt_model_t *m = ld->m;
    m->variants = rl_calloc((size_t)PQntuples(res) + 1, sizeof *m->variants);
    for (int i = 0; i < PQntuples(res); i++) {
        rpt_variant_t *v = &m->variants[m->n_variants++];
        v->exercise = s_dup(res, i, 0);
        v->name_nl = s_dup(res, i, 1);
        v->name_en = s_dup(res, i, 2);
    }
}

static rpt_variant_t *
s_variant_of(rpt_model_t *m, const char *code)
{
    for (int i = 0; i < m->n_variants; i++)
        if (!strcmp(m->variants[i].exercise, code))
            return &m->variants[i];
    return NULL;
}

/* The sessions of each exercise; a day without a session number (outside
 * the programme's dates, or no longer an attended session) is left out,
 * and an exercise left with no session at all goes. */
static int
s_load_variants(s_load_t *ld)
{
    rpt_model_t *m = ld->m;
    if (m->n_variants == 0)
        return RL_EXIT_OK;
    rl_reg_err_t rerr;
    PGresult *res = rl_homeprog_fetch_done(ld->conn, ld->eid, &rerr);
    if (!res) {
        rl_err_set(ld->err, "%s", rerr.msg);
        return RL_EXIT_DB;
    }
    int c_num = PQfnumber(res, "session_number"), c_date = PQfnumber(res, "session_date"),
        c_ex = PQfnumber(res, "exercise"), c_var = PQfnumber(res, "variant"),
        c_level = PQfnumber(res, "level");
    for (int i = 0; i < PQntuples(res); i++) {
        rpt_variant_t *v = s_variant_of(m, PQgetvalue(res, i, c_ex));
        if (!v || PQgetisnull(res, i, c_num))
            continue;
        v->steps = rl_realloc(v->steps, (size_t)(v->n_steps + 1) * sizeof *v->steps);
        rpt_variant_step_t *st = &v->steps[v->n_steps++];
        st->session_number = s_int(res, i, c_num);
        s_copy_date(st->date, res, i, c_date);
        st->variant = s_dup(res, i, c_var);
        st->level = s_int(res, i, c_level);
    }
    PQclear(res);
    int kept = 0;
    for (int i = 0; i < m->n_variants; i++) {
        if (m->variants[i].n_steps > 0)
            m->variants[kept++] = m->variants[i];
        else
            s_variant_free(&m->variants[i]);
    }
    m->n_variants = kept;
    return RL_EXIT_OK;
}

int
rpt_variant_changes(const rpt_variant_t *v, int *idx)
{
    int n = 0;
    for (int i = 0; i < v->n_steps; i++) {
        const char *a = i ? v->steps[i - 1].variant : NULL, *b = v->steps[i].variant;
        if (i == 0 || (a == NULL) != (b == NULL) || (a && b && strcmp(a, b)))
            idx[n++] = i;
    }
    return n;
}

const char *
rpt_variant_level_text(int level, const char *lang, char *buf, size_t len)
{
    rl_ex_lang_t l = strcmp(lang, "en") ? RL_EX_NL : RL_EX_EN;
    if (level == 0)
        snprintf(buf, len, "%s", l == RL_EX_EN ? "as described" : "zoals beschreven");
    else
        snprintf(buf, len, "%s %+d", rl_exercise_level_word(level, l), level);
    return buf;
}

void
rpt_variant_tp(const rpt_variant_t *v, int idx[RPT_NTP])
{
    idx[RPT_START] = v->n_steps > 0 ? 0 : -1;
    idx[RPT_MID] = v->n_steps >= 3 ? v->n_steps / 2 : -1;
    idx[RPT_END] = v->n_steps >= 2 ? v->n_steps - 1 : -1;
}

/* The raw curve of the best extension trial of the last test: the trial
 * (clinical.v_test_trial, inside the programme's dates) and its samples. */
static const char *s_sql_best_trial =
    "SELECT t.trial FROM clinical.v_test_trial t "
    "WHERE t.enrolment_id = $1 AND t.device_id = $2 AND t.session_id = $3 AND t.direction = $4 "
    "ORDER BY t.max_torque_nm DESC, t.trial LIMIT 1";

static const char *s_sql_curve =
    "SELECT sample_rate_hz, array_to_string(angle_ddeg, ','), array_to_string(torque_dnm, ',') "
    "FROM clinical.v_test_curve "
    "WHERE enrolment_id = $1 AND device_id = $2 AND session_id = $3 AND direction = $4 "
    "  AND trial = $5 ORDER BY first_index";

/* "1,2,3" -> values / 10 */
static int
s_parse_tenths(const char *s, double **out)
{
    int n = 0, cap = 0;
    double *v = NULL;
    while (*s) {
        char *end;
        long x = strtol(s, &end, 10);
        if (end == s)
            break;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            v = rl_realloc(v, (size_t)cap * sizeof *v);
        }
        v[n++] = (double)x / 10.0;
        s = *end == ',' ? end + 1 : end;
    }
    *out = v;
    return n;
}

/* Appends the samples of each batch (rows of s_sql_curve) to c. */
static void
s_curve_append(rpt_curve_t *c, const PGresult *res)
{
    for (int i = 0; i < PQntuples(res); i++) {
        double *a = NULL, *t = NULL;
        int na = s_parse_tenths(PQgetvalue(res, i, 1), &a);
        int nt = s_parse_tenths(PQgetvalue(res, i, 2), &t);
        int n = na < nt ? na : nt;
        c->angle_deg = rl_realloc(c->angle_deg, (size_t)(c->n + n + 1) * sizeof(double));
        c->torque_nm = rl_realloc(c->torque_nm, (size_t)(c->n + n + 1) * sizeof(double));
        memcpy(c->angle_deg + c->n, a, (size_t)n * sizeof(double));
        memcpy(c->torque_nm + c->n, t, (size_t)n * sizeof(double));
        c->n += n;
        c->rate_hz = atof(PQgetvalue(res, i, 0));
        free(a);
        free(t);
    }
}

/* Whether the curve holds one angle (an isometric test), and that angle. */
static void
s_curve_shape(rpt_curve_t *c)
{
    if (c->n == 0)
        return;
    double lo = c->angle_deg[0], hi = c->angle_deg[0], sum = 0;
    for (int i = 0; i < c->n; i++) {
        lo = c->angle_deg[i] < lo ? c->angle_deg[i] : lo;
        hi = c->angle_deg[i] > hi ? c->angle_deg[i] : hi;
        sum += c->angle_deg[i];
    }
    c->isometric = hi - lo < RPT_ISOMETRIC_SPAN_DEG;
    c->angle_mean_deg = sum / c->n;
}

static int
s_load_curve(s_load_t *ld)
{
    rpt_model_t *m = ld->m;
    int tp = m->occasion[RPT_END].present     ? RPT_END
             : m->occasion[RPT_MID].present   ? RPT_MID
             : m->occasion[RPT_START].present ? RPT_START
                                              : -1;
    if (tp < 0)
        return RL_EXIT_OK;
    const rpt_occasion_t *o = &m->occasion[tp];
    const char *dir = rl_direction_name(RL_DIR_EXTENSION);
    const char *p1[] = {ld->eid, o->device_id, o->session_id, dir};
    PGresult *res = rl_db_exec_prepared(ld->conn, ld->err, "finding the best trial",
                                        "rpt best trial", s_sql_best_trial, 4, p1);
    if (!res)
        return RL_EXIT_DB;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return RL_EXIT_OK;
    }
    char *trial = rl_strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    const char *p2[] = {ld->eid, o->device_id, o->session_id, dir, trial};
    res = rl_db_exec_prepared(ld->conn, ld->err, "reading the raw curve", "rpt curve", s_sql_curve,
                              5, p2);
    free(trial);
    if (!res)
        return RL_EXIT_DB;
    m->curve.dir = RL_DIR_EXTENSION;
    m->curve.tp = tp;
    s_curve_append(&m->curve, res);
    PQclear(res);
    s_curve_shape(&m->curve);
    return RL_EXIT_OK;
}

static const char s_sql_conclusion[] =
    "SELECT body, written_by, to_char(written_at AT TIME ZONE 'Europe/Brussels', "
    "       'YYYY-MM-DD HH24:MI'), lang, advice "
    "FROM clinical.conclusion WHERE enrolment_id = $1 "
    "ORDER BY written_at DESC, conclusion_id DESC LIMIT 1";

/* the physician's conclusion (the latest) */
static void
s_fill_conclusion(s_load_t *ld, const PGresult *res)
{
    if (PQntuples(res) == 1) {
        ld->m->conclusion = s_dup(res, 0, 0);
        ld->m->conclusion_by = s_dup(res, 0, 1);
        ld->m->conclusion_at = s_dup(res, 0, 2);
        ld->m->conclusion_lang = s_dup(res, 0, 3);
        ld->m->advice = s_dup(res, 0, 4);
    }
}

/* ---- homeprog: the current home programme (homeprog.h's
 * rl_homeprog_fetch: the latest prescription per exercise, stopped ones
 * left out) with its exercises' texts from the catalogue (exercise.h,
 * retired ones included: a programme may still name them). */

static const rl_exercise_t *
s_homeprog_exercise(const rl_ex_catalogue_t *cat, const char *code)
{
    for (size_t i = 0; i < cat->n; i++)
        if (!strcmp(cat->items[i].code, code))
            return &cat->items[i];
    return NULL;
}

static const rl_ex_variant_t *
s_homeprog_variant(const rl_exercise_t *x, const char *code)
{
    for (size_t i = 0; i < x->n_variants; i++)
        if (!strcmp(x->variants[i].code, code))
            return &x->variants[i];
    return NULL;
}

/* Fills item i from row i of the programme; -1 when the catalogue lacks
 * the exercise or its variant (read between the two queries). */
static int
s_homeprog_item(rpt_homeprog_t *hp, const PGresult *res, int i, rl_err_t *err)
{
    rpt_home_item_t *h = &hp->items[i];
    const char *code = PQgetvalue(res, i, PQfnumber(res, "exercise"));
    h->exercise = s_homeprog_exercise(&hp->catalogue, code);
    if (!h->exercise)
        return rl_err_set(err, "the home programme names exercise %s, not in the catalogue", code);
    int v = PQfnumber(res, "variant");
    if (!PQgetisnull(res, i, v) &&
        !(h->variant = s_homeprog_variant(h->exercise, PQgetvalue(res, i, v))))
        return rl_err_set(err, "the home programme names variant %s of %s, not in the catalogue",
                          PQgetvalue(res, i, v), code);
    h->reps = s_int(res, i, PQfnumber(res, "repetitions"));
    h->sets = s_int(res, i, PQfnumber(res, "sets"));
    h->hold = s_int(res, i, PQfnumber(res, "hold_seconds"));
    h->per_week = s_int(res, i, PQfnumber(res, "per_week"));
    return 0;
}

static int
s_load_homeprog(s_load_t *ld)
{
    rl_reg_err_t rerr;
    PGresult *res = rl_homeprog_fetch(ld->conn, ld->eid, false, &rerr);
    if (!res) {
        rl_err_set(ld->err, "%s", rerr.msg);
        return RL_EXIT_DB;
    }
    rpt_homeprog_t *hp = &ld->m->homeprog;
    int n = PQntuples(res), rc = RL_EXIT_OK;
    if (n > 0 && rl_exercise_fetch(ld->conn, NULL, true, &hp->catalogue, ld->err) < 0)
        rc = RL_EXIT_DB;
    if (n > 0 && rc == RL_EXIT_OK) {
        hp->items = rl_calloc((size_t)n, sizeof *hp->items);
        hp->n = n;
        for (int i = 0; i < n && rc == RL_EXIT_OK; i++)
            if (s_homeprog_item(hp, res, i, ld->err) < 0)
                rc = RL_EXIT_DB;
    }
    PQclear(res);
    return rc;
}

/* A section of the report: a query by enrolment id whose rows fill the
 * model, or a step of its own (a lookup by another key, a refusal, the
 * audit record, values derived from other sections). */
typedef struct {
    const char *what; /* what is being read, for the error */
    const char *sql;  /* $1: the enrolment id */
    void (*fill)(s_load_t *ld, const PGresult *res);
    int (*step)(s_load_t *ld); /* instead of what/sql/fill */
} s_section_t;

/* The sections in the order they are loaded: the patient and enrolment
 * first, the audit record before any identity, the device values before
 * what is derived from them. */
/* the work status that counts per time point (deploy/sql/604) */
static const char s_sql_work[] =
    "SELECT timepoint, status FROM clinical.v_work_status WHERE enrolment_id = $1";

static void
s_fill_work(s_load_t *ld, const PGresult *res)
{
    for (int i = 0; i < PQntuples(res); i++) {
        char **to = !strcmp(PQgetvalue(res, i, 0), "start") ? &ld->m->work_start : &ld->m->work_end;
        free(*to);
        *to = s_dup(res, i, 1);
    }
}

static const s_section_t s_sections[] = {
    {.step = s_load_subject},
    {.step = s_load_enrolment},
    {.step = s_load_audit},
    {.step = s_load_identity},
    {"reading attendance", s_sql_attendance, s_fill_attendance, NULL},
    {.step = s_load_warnings},
    {"reading the test occasions", s_sql_occasions, s_fill_occasions, NULL},
    {"reading the test trials", s_sql_trials, s_fill_trials, NULL},
    {"reading reference values", s_sql_reference, s_fill_reference, NULL},
    {.step = s_derive_devices},
    {"reading the smallest real differences", s_sql_srd, s_fill_srd, NULL},
    {"reading the questionnaires", s_sql_quest, s_fill_questionnaires, NULL},
    {"reading the questionnaires' anchors", s_sql_anchor, s_fill_anchors, NULL},
    {"reading the questionnaires' days", s_sql_quest_days, s_fill_quest_days, NULL},
    {"reading the training load", s_sql_load, s_fill_training, NULL},
    {"reading the exercises done", s_sql_variant_names, s_fill_variant_names, NULL},
    {.step = s_load_variants},
    {.step = s_load_curve},
    {"reading the conclusion", s_sql_conclusion, s_fill_conclusion, NULL},
    {"reading the work status", s_sql_work, s_fill_work, NULL},
    {.step = s_load_homeprog},
};

/* Loads one section: RL_EXIT_OK, RL_EXIT_FAIL (nothing to report on) or
 * RL_EXIT_DB, with err set. */
static int
s_load_section(s_load_t *ld, const s_section_t *section)
{
    if (section->step)
        return section->step(ld);
    const char *p[] = {ld->eid};
    PGresult *res =
        rl_db_exec_prepared(ld->conn, ld->err, section->what, section->what, section->sql, 1, p);
    if (!res)
        return RL_EXIT_DB;
    section->fill(ld, res);
    PQclear(res);
    return RL_EXIT_OK;
}

static rpt_model_t *
s_model_new(void)
{
    rpt_model_t *m = rl_calloc(1, sizeof *m);
    m->body_weight_kg = NAN;
    for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT; d++) {
        m->dirs[d].dir = (rl_direction_t)d;
        for (int tp = 0; tp < RPT_NTP; tp++)
            m->dirs[d].ref_torque_nm.v[tp] = m->dirs[d].ref_rom_deg.v[tp] = NAN;
    }
    return m;
}

rpt_model_t *
rpt_model_load(PGconn *conn, const char *patient, long long enrolment_id, const char *command,
               int *rc, rl_err_t *err)
{
    s_load_t ld = {.conn = conn,
                   .err = err,
                   .patient = patient,
                   .enrolment_id = enrolment_id,
                   .command = command,
                   .m = s_model_new()};
    *rc = RL_EXIT_OK;
    for (size_t i = 0; i < sizeof s_sections / sizeof s_sections[0] && *rc == RL_EXIT_OK; i++)
        *rc = s_load_section(&ld, &s_sections[i]);
    for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT; d++)
        for (int tp = 0; tp < RPT_NTP; tp++) {
            free(ld.trials_rom[d][tp]);
            free(ld.trials_nm[d][tp]);
        }
    if (*rc != RL_EXIT_OK)
        rpt_model_destroy(&ld.m);
    return ld.m;
}

const char *
rpt_warning_text(const rpt_model_t *m, int i, const char *lang, char *buf, size_t len)
{
    const rl_programme_warning_t *w = &m->warnings[i];
    bool nl = strcmp(lang, "en") != 0;
    char date[16];
    rl_date_format(w->date, date);
    switch (w->kind) {
    case RL_WARN_TOO_MANY_IN_WEEK:
        snprintf(buf, len,
                 nl ? "%d sessies in week %d van %d (het programma laat er %d per week toe)"
                    : "%d sessions in week %d of %d (the programme allows %d a week)",
                 w->count, w->iso_week, w->iso_year, m->max_per_week);
        break;
    case RL_WARN_PAST_MAX_DURATION:
        snprintf(buf, len,
                 nl ? "sessie op %s, na de maximale duur van het programma"
                    : "a session on %s, past the programme's maximum duration",
                 date);
        break;
    case RL_WARN_TOO_MANY_SESSIONS:
        snprintf(buf, len,
                 nl ? "%d sessies bijgewoond, meer dan de %d toegelaten (vanaf %s)"
                    : "%d sessions attended, more than the %d allowed (from %s)",
                 w->count, m->allowed_sessions, date);
        break;
    case RL_WARN_OUTSIDE_DATES: {
        char last[16];
        rl_date_format(w->last_date, last);
        static const char *what_nl[][2] = {{"session", "sessie(s)"},
                                           {"test_trial", "testpoging(en)"},
                                           {"training_set", "trainingsreeks(en)"},
                                           {"questionnaire", "vragenlijst(en)"}};
        static const char *what_en[][2] = {{"session", "session(s)"},
                                           {"test_trial", "test trial(s)"},
                                           {"training_set", "training set(s)"},
                                           {"questionnaire", "questionnaire(s)"}};
        const char *what = w->record;
        for (size_t k = 0; k < 4; k++)
            if (!strcmp(w->record, what_nl[k][0]))
                what = nl ? what_nl[k][1] : what_en[k][1];
        char range[64];
        if (!strcmp(date, last))
            snprintf(range, sizeof range, "%s %s", nl ? "op" : "on", date);
        else
            snprintf(range, sizeof range, "%s %s %s %s", nl ? "van" : "from", date,
                     nl ? "tot" : "to", last);
        snprintf(buf, len,
                 nl ? "%d %s geregistreerd buiten de data van het programma (%s); bewaard, maar "
                      "nergens in dit verslag meegeteld"
                    : "%d %s recorded outside the programme's dates (%s); kept, but not counted "
                      "anywhere in this report",
                 w->count, what, range);
        break;
    }
    case RL_WARN_SHORT_SESSION:
        snprintf(buf, len,
                 nl ? "%d sessie%s korter geregistreerd dan de minimale duur van %d minuten "
                      "(vanaf %s; de kortste %d minuten)"
                    : "%d session%s recorded shorter than the minimum of %d minutes (from %s; "
                      "the shortest %d minutes)",
                 w->count, w->count == 1 ? "" : (nl ? "s" : "s"), w->limit, date, w->minutes);
        break;
    case RL_WARN_OTHER_REGION: {
        bool trials = !strcmp(w->record, "test_trial");
        bool cervical = w->region == RL_REGION_CERVICAL;
        snprintf(buf, len,
                 nl ? "%d %s op een %s toestel (vanaf %s): dit programma telt alleen de %s "
                      "metingen; bewaard, maar nergens in dit verslag meegeteld of vergeleken"
                    : "%d %s on a %s device (from %s): this programme counts only the %s "
                      "measurements; kept, but not counted or compared anywhere in this report",
                 w->count,
                 trials ? (nl ? "testpoging(en)" : "test trial(s)")
                        : (nl ? "trainingsreeks(en)" : "training set(s)"),
                 cervical ? (nl ? "cervicaal (nek)" : "cervical (neck)")
                          : (nl ? "lumbaal (rug)" : "lumbar (back)"),
                 date,
                 cervical ? (nl ? "lumbale (rug)" : "lumbar (back)")
                          : (nl ? "cervicale (nek)" : "cervical (neck)"));
        break;
    }
    case RL_WARN_BEFORE_START:
    default:
        snprintf(buf, len,
                 nl ? "sessie op %s, vóór de start van het programma"
                    : "a session on %s, before the programme started",
                 date);
        break;
    }
    return buf;
}

/* The dropout reason as the letter quotes it: without a final full stop
 * (the sentence adds its own). Caller frees; NULL when none. */
static char *
s_reason(const rpt_model_t *m)
{
    if (!m->dropout_reason)
        return NULL;
    char *kept = rl_strdup(m->dropout_reason);
    size_t n = strlen(kept);
    while (n > 0 && strchr(". \t\r\n", kept[n - 1]))
        kept[--n] = '\0';
    return kept;
}

char *
rpt_completion_text(const rpt_model_t *m, const char *lang)
{
    bool nl = strcmp(lang, "en") != 0;
    int miss_ex = m->planned_exercise - m->attended_exercise;
    int miss_info = m->planned_information - m->attended_information;
    miss_ex = miss_ex > 0 ? miss_ex : 0;
    miss_info = miss_info > 0 ? miss_info : 0;
    char missed[160] = "";
    if (miss_ex > 0 || miss_info > 0) {
        char a[64] = "", b[64] = "";
        if (miss_ex > 0)
            snprintf(a, sizeof a, nl ? "%d oefensessie%s" : "%d exercise session%s", miss_ex,
                     miss_ex == 1 ? "" : "s");
        if (miss_info > 0)
            snprintf(b, sizeof b,
                     nl ? "%d van de %d informatiesessie%s" : "%d of the %d information session%s",
                     miss_info, m->planned_information, m->planned_information == 1 ? "" : "s");
        snprintf(missed, sizeof missed, "%s%s%s", a, a[0] && b[0] ? (nl ? " en " : " and ") : "",
                 b);
    }
    if (!strcmp(m->status, "dropped_out")) {
        char *reason = s_reason(m);
        char *text = rl_asprintf(nl ? "Het programma werd voortijdig stopgezet na %d van de %d "
                                      "geplande sessies%s%s."
                                    : "The programme was stopped early after %d of %d planned "
                                      "sessions%s%s.",
                                 rpt_attended_of_planned(m), m->planned_sessions,
                                 reason ? ": " : "", reason ? reason : "");
        free(reason);
        return text;
    }
    if (!strcmp(m->status, "completed") && m->complete)
        return rl_asprintf(nl ? "Het programma werd volledig afgewerkt: alle %d geplande sessies "
                                "werden bijgewoond."
                              : "The programme was completed in full: all %d planned sessions "
                                "were attended.",
                           m->planned_sessions);
    if (!strcmp(m->status, "completed"))
        return rl_asprintf(nl ? "Het programma werd beëindigd na %d van de %d geplande sessies; "
                                "niet bijgewoond: %s."
                              : "The programme ended after %d of %d planned sessions; not "
                                "attended: %s.",
                           rpt_attended_of_planned(m), m->planned_sessions, missed);
    return rl_asprintf(nl ? "Het programma is nog niet beëindigd (ontwerpverslag): %d van de %d "
                            "geplande sessies tot nu toe bijgewoond."
                          : "The programme has not ended yet (draft report): %d of %d planned "
                            "sessions attended so far.",
                       rpt_attended_of_planned(m), m->planned_sessions);
}

/* The words of a work-status code (deploy/sql/604) in the letter. */
static const char *
s_work_words(const char *code, bool nl)
{
    static const char *const t[][3] = {
        {"working", "aan het werk (eigen job, gewone uren)", "working (own job, usual hours)"},
        {"working_restricted", "aan het werk met beperkingen of gedeeltelijke werkhervatting",
         "working with restrictions or partial return"},
        {"sick_leave", "ziekteverlof (tijdelijk arbeidsongeschikt)",
         "sick leave (temporarily unable to work)"},
        {"unemployed", "werkloos", "unemployed"},
        {"retired", "gepensioneerd", "retired"},
        {"homemaker_student", "huisman/huisvrouw of student", "homemaker or student"},
        {"other", "andere", "other"},
    };
    if (!code)
        return nl ? "niet geregistreerd" : "not recorded";
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(code, t[i][0]))
            return t[i][nl ? 1 : 2];
    return code;
}

char *
rpt_work_status_text(const rpt_model_t *m, const char *lang)
{
    if (!m->work_start && !m->work_end)
        return NULL;
    bool nl = strcmp(lang, "en") != 0;
    return rl_asprintf(nl ? "Werksituatie: bij de start %s; op het einde %s."
                          : "Work status: at the start %s; at the end %s.",
                       s_work_words(m->work_start, nl), s_work_words(m->work_end, nl));
}

int
rpt_attended_of_planned(const rpt_model_t *m)
{
    int ex =
        m->attended_exercise < m->planned_exercise ? m->attended_exercise : m->planned_exercise;
    int info = m->attended_information < m->planned_information ? m->attended_information
                                                                : m->planned_information;
    return ex + info;
}

const char *
rpt_late_text(const rpt_model_t *m, const char *lang, char *buf, size_t len)
{
    bool nl = strcmp(lang, "en") != 0;
    buf[0] = '\0';
    const rl_clinical_report_t *r = &m->report;
    /* the letter is dated today: late when today is past the deadline */
    long late = r->has_due ? rl_date_diff_days(r->due, r->today) : 0;
    if (late <= 0)
        return buf;
    snprintf(buf, len,
             nl ? "Dit verslag wordt laattijdig verstuurd: %ld dag%s na de termijn."
                : "This report is sent late: %ld day%s after the deadline.",
             late, late == 1 ? "" : (nl ? "en" : "s"));
    return buf;
}

int
rpt_real_change(const rpt_model_t *m, rl_direction_t dir, const rpt_tp3_t *x)
{
    bool real;
    rl_err_t e;
    if (rl_measures_real_change(&m->srd, dir, x->v[RPT_START], x->v[RPT_END], &real, &e) != 0)
        return -1;
    return real ? 1 : 0;
}

bool
rpt_model_ended(const rpt_model_t *m)
{
    return !strcmp(m->status, "completed") || !strcmp(m->status, "dropped_out");
}

void
rpt_model_destroy(rpt_model_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    rpt_model_t *m = *self_p;
    free(m->warnings);
    char **strs[] = {&m->badge_token,
                     &m->family_name,
                     &m->given_name,
                     &m->insz,
                     &m->date_of_birth,
                     &m->sex,
                     &m->address,
                     &m->postal_code,
                     &m->city,
                     &m->gp_family_name,
                     &m->gp_given_name,
                     &m->gp_riziv,
                     &m->gp_address,
                     &m->gp_postal_code,
                     &m->gp_city,
                     &m->site_name,
                     &m->site_address,
                     &m->physician_name,
                     &m->physician_riziv,
                     &m->programme_code,
                     &m->programme_name,
                     &m->indication,
                     &m->route,
                     &m->status,
                     &m->start_date,
                     &m->end_date,
                     &m->pain_since,
                     &m->surgery_date,
                     &m->referring_physician,
                     &m->dropout_reason,
                     &m->first_session_date,
                     &m->last_session_date,
                     &m->conclusion,
                     &m->conclusion_by,
                     &m->conclusion_at,
                     &m->today,
                     &m->reference_source,
                     &m->programme_name_en,
                     &m->reference_citation,
                     &m->reference_population,
                     &m->reference_model,
                     &m->conclusion_lang,
                     &m->advice,
                     &m->now_local,
                     &m->work_start,
                     &m->work_end};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    for (int tp = 0; tp < RPT_NTP; tp++) {
        free(m->occasion[tp].device_id);
        free(m->occasion[tp].session_id);
    }
    for (int i = 0; i < m->n_quest; i++) {
        free(m->quest[i].instrument);
        for (int tp = 0; tp < RPT_NTP; tp++) {
            free(m->quest[i].at[tp].version);
            free(m->quest[i].at[tp].answers);
        }
        free(m->quest[i].days);
    }
    free(m->quest);
    free(m->load);
    for (int i = 0; i < m->n_variants; i++)
        s_variant_free(&m->variants[i]);
    free(m->variants);
    free(m->curve.angle_deg);
    free(m->curve.torque_nm);
    free(m->homeprog.items);
    rl_exercise_catalogue_free(&m->homeprog.catalogue);
    free(m);
    *self_p = NULL;
}

/* The sentences of rpt_model_missing, at most max. */
typedef struct {
    char **lines;
    int n;
    int max;
} s_lines_t;

#define S_ADD(l, ...)                                                                              \
    do {                                                                                           \
        if ((l)->n < (l)->max)                                                                     \
            (l)->lines[(l)->n++] = rl_asprintf(__VA_ARGS__);                                       \
    } while (0)

/* no device tests, or which test is missing */
static void
s_missing_tests(const rpt_model_t *m, bool nl, s_lines_t *l)
{
    static const char *tp_nl[RPT_NTP] = {"begintest", "tussentijdse test", "eindtest"};
    static const char *tp_en[RPT_NTP] = {"start test", "mid test", "end test"};
    if (m->n_occasions == 0) {
        S_ADD(l, nl ? "Er werden geen toesteltesten geregistreerd."
                    : "No device tests were recorded.");
        return;
    }
    for (int tp = 0; tp < RPT_NTP; tp++)
        if (!m->occasion[tp].present)
            S_ADD(l, nl ? "Geen %s: die waarden ontbreken." : "No %s: those values are missing.",
                  nl ? tp_nl[tp] : tp_en[tp]);
}

/* Why time point tp of questionnaire q is missing. */
static void
s_missing_qpoint(const rpt_model_t *m, const rpt_questionnaire_t *q, int tp, bool nl, s_lines_t *l)
{
    static const char *anchor_nl[RPT_NTP] = {"de begintest", "de tussentijdse test", "de eindtest"};
    static const char *anchor_en[RPT_NTP] = {"the start test", "the mid test", "the end test"};
    static const char *date_nl[RPT_NTP] = {"de startdatum", "de tussentijdse sessie",
                                           "de einddatum"};
    static const char *date_en[RPT_NTP] = {"the start date", "the mid-way session", "the end date"};
    static const char *point_nl[RPT_NTP] = {"beginmeting", "tussentijdse meting", "eindmeting"};
    static const char *point_en[RPT_NTP] = {"baseline", "mid-way measurement", "end measurement"};
    const char *point = nl ? point_nl[tp] : point_en[tp];
    const char *anchor = m->anchor[tp][0] ? m->anchor[tp] : NULL;
    const char *what = m->occasion[tp].present ? (nl ? anchor_nl[tp] : anchor_en[tp])
                                               : (nl ? date_nl[tp] : date_en[tp]);
    const char *start_day = q->at[RPT_START].present ? q->at[RPT_START].date : NULL;
    bool later = false;
    for (int k = 0; k < q->n_days; k++)
        later |= start_day && strcmp(q->days[k], start_day) > 0;
    if (q->n_days == 0)
        S_ADD(l,
              nl ? "%s: geen scoorbare %s binnen de data van het programma."
                 : "%s: no scorable %s inside the programme's dates.",
              q->instrument, point);
    else if (tp == RPT_END && start_day && !later)
        S_ADD(l,
              nl ? "%s: geen eindmeting: binnen de data van het programma is er geen "
                   "antwoord na dat van de beginmeting (%s); twee antwoorden van "
                   "dezelfde dag zijn nooit begin en einde."
                 : "%s: no end measurement: inside the programme's dates there is no "
                   "response after the baseline's (%s); two responses of one day "
                   "are never start and end.",
              q->instrument, start_day);
    else if (anchor)
        S_ADD(l,
              nl ? "%s: geen %s: geen antwoord binnen %d dagen van %s (%s)."
                 : "%s: no %s: no response within %d days of %s (%s).",
              q->instrument, point, m->anchor_window_days, what, anchor);
    else
        S_ADD(l, nl ? "%s: geen %s." : "%s: no %s.", q->instrument, point);
}

/* no questionnaires, or which time point of which is missing */
static void
s_missing_questionnaires(const rpt_model_t *m, bool nl, s_lines_t *l)
{
    if (m->n_quest == 0) {
        S_ADD(l,
              nl ? "Er werden geen vragenlijsten ingevuld." : "No questionnaires were completed.");
        return;
    }
    for (int i = 0; i < m->n_quest; i++) {
        const rpt_questionnaire_t *q = &m->quest[i];
        for (int tp = RPT_START; tp < RPT_NTP; tp++) {
            /* an end only once ended; a mid only once its anchor is known */
            if (q->at[tp].present || (tp == RPT_END && !rpt_model_ended(m)) ||
                (tp == RPT_MID && !m->anchor[RPT_MID][0]))
                continue;
            s_missing_qpoint(m, q, tp, nl, l);
        }
    }
}

int
rpt_model_missing(const rpt_model_t *m, const char *lang, char **lines, int max)
{
    bool nl = strcmp(lang, "en") != 0;
    s_lines_t l = {lines, 0, max};
    s_missing_tests(m, nl, &l);
    s_missing_questionnaires(m, nl, &l);
    if (!strcmp(m->status, "dropped_out")) {
        char *reason = s_reason(m);
        S_ADD(&l,
              nl ? "Programma voortijdig stopgezet na %d van %d geplande sessies%s%s."
                 : "Programme stopped early after %d of %d planned sessions%s%s.",
              rpt_attended_of_planned(m), m->planned_sessions, reason ? ": " : "",
              reason ? reason : "");
        free(reason);
    }
    return l.n;
}

#undef S_ADD
