/* The simulator driver: a Tergumed-style lumbar device (or, with region =
 * cervical, a cervical unit of the neck school) running a whole
 * rehabilitation programme for a few patients, for demos and tests.
 *
 * Programme: [simulator] sessions per patient, one every
 * days_between_sessions simulated days; the patients follow each other at
 * the device, two hours apart. The first, the middle and the last session
 * are test sessions (kind test): in each of the six directions (extension,
 * flexion, lateral flexion left/right, rotation left/right) `trials` trials
 * of an isometric maximal test with the range of motion. The others are
 * training sessions: `sets` sets per direction with the load set as a
 * percentage of the last test's maximum in that direction, 50 % at the
 * start rising to 80 % at the end of the programme, 15 repetitions falling
 * to 10 as the load rises. Each trial and set is recorded as a raw
 * angle/torque curve at sample_rate_hz, sent as SampleBatch messages of
 * one second each (before the TestResult / TrainingSet they belong to).
 * A patient's session lasts session_minutes (120 by default, a programme
 * session): the SessionEnd comes no earlier, so that the session lengths
 * the report checks are those of a real programme.
 *
 * Values: strength from body weight, sex and age (extension about 2.6 N·m
 * per kg for men, 1.9 for women, less with age, 30 % deconditioned at the
 * start), the other directions as fractions of extension, a patient's own
 * left/right asymmetry, trial-to-trial variation of about 6 %, and a gain
 * of about 35 % in strength and 15 % in range over the programme. The
 * cervical unit: the same six directions at the neck, extension about
 * 0.40 N·m per kg for men and 0.28 for women (some 30 N·m and 18 N·m:
 * isometric neck extension of healthy adults lies around 20-40 N·m for
 * men, a third less for women), flexion about 60 % of extension, lateral
 * flexion 65 %, rotation 35 %; ranges of motion of the neck (extension
 * 65, flexion 50, lateral flexion 40, rotation 70 degrees).
 *
 * Reproducible: the same seed and settings give the same messages, byte
 * for byte (each session draws from its own generator seeded by seed,
 * patient and session). taken_at is the simulated time; time_factor
 * compresses it (1000: a 4-month programme in about 3 hours; 0: as fast as
 * the spool takes it). After a restart the simulator resumes after the last
 * message in the spool (source mark = message number), so a programme is
 * delivered exactly once even when the agent is killed. */
#include "../agent_driver.h"
#include "../agent_json.h"

#include "ruglab/clock.h"
#include "ruglab/log.h"
#include "ruglab/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_DIRS 6
#define S_MAX_PATIENTS 100
#define S_TEST_SECONDS 5
#define S_US 1000000ll

/* Per body region (domain.h's rl_body_region_t): extension strength per
 * kg body weight (men, women), strength relative to extension, and a
 * typical range of motion (degrees). */
typedef struct {
    double per_kg_male, per_kg_female;
    double strength_ratio[S_DIRS];
    double rom_base[S_DIRS];
} s_region_t;

static const s_region_t s_regions[RL_REGION_COUNT] = {
    [RL_REGION_LUMBAR] = {2.6, 1.9, {1.0, 0.72, 0.55, 0.55, 0.42, 0.42}, {32, 55, 28, 28, 38, 38}},
    [RL_REGION_CERVICAL] = {0.40,
                            0.28,
                            {1.0, 0.6, 0.65, 0.65, 0.35, 0.35},
                            {65, 50, 40, 40, 70, 70}},
};

typedef struct {
    char token[RL_ID_MAX + 1];
    bool male;
    int age;
    double weight_kg;
} s_patient_t;

typedef struct {
    uint64_t s;
} s_rng_t;

/* A message of the current session, compact: what the simulator sets of
 * an rl_msg_t (17 KB, most of it a questionnaire's answers) is the time,
 * the kind and one small body; session id, patient token and the rest are
 * the session's or zero. Made into the rl_msg_t when handed out. */
typedef struct {
    int64_t taken_at_us;
    rl_body_kind_t kind;
    union {
        rl_session_start_t session_start;
        rl_session_end_t session_end;
        rl_test_result_t test_result;
        rl_training_set_t training_set;
        rl_sample_batch_t sample_batch;
    } u;
} s_sim_msg_t;

/* Values of the curves' shapes that depend only on the sample's index in
 * its recording (t = index / sample_rate_hz), not on the random draws:
 * computed once per index by the same expressions, so the same doubles. */
typedef struct {
    double *set_sin, *set_cos; /* sin and cos of 2 pi t / 3 (training sets) */
    double *test_exp;          /* exp(-t / 0.5) (test trials) */
    size_t n;                  /* indexes cached */
} s_shape_cache_t;

typedef struct {
    const char *log_ctx;
    uint64_t seed;
    s_patient_t patients[S_MAX_PATIENTS];
    int npatients;
    int sessions;
    int trials;
    int sets;
    int session_minutes;
    bool curves;
    int rate_hz;
    double days_between;
    double time_factor;
    char operator_code[RL_ID_MAX + 1];
    const s_region_t *region;
    int64_t start_us;
    /* position */
    int session;       /* index over sessions x patients */
    s_sim_msg_t *msgs; /* of the current session */
    size_t n, cap, next;
    char session_id[RL_ID_MAX + 1]; /* of the current session */
    const char *token;              /* its patient's */
    s_shape_cache_t cache;
    uint64_t emitted;   /* messages handed out (the source mark of the last) */
    uint64_t skip;      /* already in the spool from a previous run */
    int64_t real_t0_us; /* wall clock when simulated time start_us + offset0 was due */
    int64_t offset0_us;
    bool paced;
} s_sim_t;

/* ------------------------------------------------------------ randomness */

static uint64_t
s_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double
s_uniform(s_rng_t *r)
{
    return (double)(s_splitmix(&r->s) >> 11) * (1.0 / 9007199254740992.0);
}

static double
s_normal(s_rng_t *r, double mean, double sd)
{
    double u1 = s_uniform(r), u2 = s_uniform(r);
    if (u1 < 1e-12)
        u1 = 1e-12;
    return mean + sd * sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static s_rng_t
s_rng_for(const s_sim_t *self, int patient, int session, uint64_t salt)
{
    uint64_t x = self->seed * 0x100000001B3ull ^ ((uint64_t)patient << 32) ^ (uint64_t)session ^
                 (salt << 48);
    s_rng_t r = {s_splitmix(&x)};
    return r;
}

/* ------------------------------------------------------------ the patient */

static const rl_direction_t s_dirs[S_DIRS] = {
    RL_DIR_EXTENSION,
    RL_DIR_FLEXION,
    RL_DIR_LATERAL_FLEXION_LEFT,
    RL_DIR_LATERAL_FLEXION_RIGHT,
    RL_DIR_ROTATION_LEFT,
    RL_DIR_ROTATION_RIGHT,
};

static bool
s_is_test(const s_sim_t *self, int k)
{
    return k == 0 || k == self->sessions - 1 || (self->sessions >= 3 && k == self->sessions / 2);
}

/* The patient's true capacity in a direction at session k (before trial noise). */
static void
s_capacity(const s_sim_t *self, int p, int k, int d, double *torque, double *rom)
{
    const s_patient_t *pt = &self->patients[p];
    s_rng_t r = s_rng_for(self, p, 0, 99); /* the patient's own traits, fixed */
    double asym[S_DIRS];
    for (int i = 0; i < S_DIRS; i++)
        asym[i] = s_normal(&r, 0, 0.06);
    const s_region_t *rg = self->region;
    double per_kg = pt->male ? rg->per_kg_male : rg->per_kg_female;
    double age_f = 1.0 - 0.006 * (pt->age - 30);
    age_f = age_f < 0.6 ? 0.6 : age_f > 1.1 ? 1.1 : age_f;
    double progress = self->sessions > 1 ? (double)k / (self->sessions - 1) : 0;
    double side = (d == 2 || d == 4) ? 1 + asym[d] : (d == 3 || d == 5) ? 1 - asym[d] : 1;
    *torque =
        pt->weight_kg * per_kg * age_f * 0.7 * (1 + 0.35 * progress) * rg->strength_ratio[d] * side;
    double rom_age = 1.0 - 0.004 * (pt->age - 30);
    *rom = rg->rom_base[d] * (rom_age < 0.7 ? 0.7 : rom_age) * 0.85 * (1 + 0.15 * progress) * side;
}

typedef struct {
    float rom, torque, angle;
} s_trial_t;

/* The trial values of a test session: the first draws of its generator. */
static void
s_test_values(const s_sim_t *self, int p, int k, s_rng_t *r, s_trial_t (*out)[10])
{
    for (int d = 0; d < S_DIRS; d++) {
        double torque, rom;
        s_capacity(self, p, k, d, &torque, &rom);
        for (int t = 0; t < self->trials; t++) {
            double tq = s_normal(r, torque, torque * 0.06);
            double rm = s_normal(r, rom, rom * 0.04);
            out[d][t].torque = (float)(round((tq < 5 ? 5 : tq) * 10) / 10);
            out[d][t].rom = (float)(round((rm < 3 ? 3 : rm) * 10) / 10);
            out[d][t].angle = (float)(round(s_normal(r, rom * 0.3, 3) * 10) / 10);
        }
    }
}

/* ------------------------------------------------------------ messages */

static s_sim_msg_t *
s_push(s_sim_t *self, int64_t at_us, rl_body_kind_t kind)
{
    if (self->n == self->cap) {
        self->cap = self->cap ? 2 * self->cap : 256;
        self->msgs = rl_realloc(self->msgs, self->cap * sizeof *self->msgs);
    }
    s_sim_msg_t *m = &self->msgs[self->n++];
    memset(m, 0, sizeof *m);
    m->taken_at_us = at_us;
    m->kind = kind;
    return m;
}

/* round() of a float (what round(x) gives for x promoted to double, and
 * roundf): half away from zero, the sign of zero kept; inline, not a
 * library call per sample. The same value for each of the 2^32 floats
 * (checked exhaustively against both when written). */
static inline double
s_roundf(float x)
{
    if (!(fabsf(x) < 8388608.0f)) /* 2^23 and above: whole already (or inf, NaN) */
        return x;
    float t = (float)(int32_t)x; /* toward zero, exact below 2^23 */
    if (fabsf(x - t) >= 0.5f)    /* x - t exact: the fraction */
        t += copysignf(1.0f, x);
    return copysignf(t, x);
}

/* The cached values for sample indexes below n. */
static void
s_cache_grow(s_sim_t *self, size_t n)
{
    s_shape_cache_t *c = &self->cache;
    if (n <= c->n)
        return;
    c->set_sin = rl_realloc(c->set_sin, n * sizeof *c->set_sin);
    c->set_cos = rl_realloc(c->set_cos, n * sizeof *c->set_cos);
    c->test_exp = rl_realloc(c->test_exp, n * sizeof *c->test_exp);
    for (size_t j = c->n; j < n; j++) {
        double t = (double)j / self->rate_hz;
        c->set_sin[j] = sin(2 * M_PI * t / 3.0);
        c->set_cos[j] = cos(2 * M_PI * t / 3.0);
        c->test_exp[j] = exp(-t / 0.5);
    }
    c->n = n;
}

/* One recording as SampleBatch messages of one second. shape() gives
 * angle and torque at sample j, t seconds. */
typedef void (*s_shape_fn)(const s_shape_cache_t *c, size_t j, double t, double dur,
                           const double *par, s_rng_t *r, float *angle, float *torque);
static void
s_record(s_sim_t *self, int64_t start_us, double dur, rl_direction_t dir, rl_sample_context_t ctx,
         uint32_t number, s_shape_fn shape, const double *par, s_rng_t *r)
{
    if (!self->curves)
        return;
    size_t total = (size_t)(dur * self->rate_hz);
    if (total < 1)
        total = 1;
    s_cache_grow(self, total);
    for (size_t first = 0; first < total; first += (size_t)self->rate_hz) {
        size_t n = total - first < (size_t)self->rate_hz ? total - first : (size_t)self->rate_hz;
        int64_t at = start_us + (int64_t)first * S_US / self->rate_hz;
        s_sim_msg_t *m = s_push(self, at, RL_BODY_SAMPLE_BATCH);
        rl_sample_batch_t *b = &m->u.sample_batch;
        /* every value is written below */
        b->angle_deg = rl_malloc(n * sizeof(float));
        b->torque_nm = rl_malloc(n * sizeof(float));
        b->direction = dir;
        b->context = ctx;
        b->context_number = number;
        b->sample_rate_hz = (uint32_t)self->rate_hz;
        b->first_index = first;
        b->n_angle = b->n_torque = n;
        for (size_t i = 0; i < n; i++) {
            double t = (double)(first + i) / self->rate_hz;
            float a, tq;
            shape(&self->cache, first + i, t, dur, par, r, &a, &tq);
            /* + 0.0: no negative zero in the output */
            b->angle_deg[i] = (float)(s_roundf(a * 10) / 10 + 0.0);
            b->torque_nm[i] = (float)(s_roundf(tq * 10) / 10 + 0.0);
        }
    }
}

/* Isometric test: the angle held, torque rising to the maximum and released. */
static void
s_shape_test(const s_shape_cache_t *c, size_t j, double t, double dur, const double *par,
             s_rng_t *r, float *angle, float *torque)
{
    double max = par[0], at = par[1];
    double rise = 1 - c->test_exp[j]; /* exp(-t / 0.5) */
    double fall = t > dur - 1.5 ? (dur - t) / 1.5 : 1;
    double v = max * rise * (fall < 0 ? 0 : fall) * (1 + s_normal(r, 0, 0.01));
    *torque = (float)(v > max ? max : v);
    *angle = (float)s_normal(r, at, 0.15);
}

/* Dynamic training: angle swinging through the range, torque near the load. */
static void
s_shape_set(const s_shape_cache_t *c, size_t j, double t, double dur, const double *par, s_rng_t *r,
            float *angle, float *torque)
{
    (void)t;
    (void)dur;
    double load = par[0], lo = par[1], hi = par[2];
    double phase = c->set_sin[j]; /* sin(2 pi t / 3) */
    *angle = (float)(lo + (hi - lo) * (0.5 - 0.5 * c->set_cos[j]) + s_normal(r, 0, 0.2));
    *torque = (float)(load * (1 + 0.12 * phase) + s_normal(r, 0, load * 0.02));
}

static void
s_gen_session(s_sim_t *self, int p, int k)
{
    self->n = self->next = 0;
    int64_t t = self->start_us + (int64_t)(k * self->days_between * 86400.0) * S_US +
                (int64_t)p * 2 * 3600 * S_US;
    int64_t t0 = t;
    s_rng_t r = s_rng_for(self, p, k + 1, 0);
    bool test = s_is_test(self, k);
    snprintf(self->session_id, sizeof self->session_id, "sim-p%02d-s%03d", p + 1, k + 1);
    self->token = self->patients[p].token;
    s_sim_msg_t *m = s_push(self, t, RL_BODY_SESSION_START);
    m->u.session_start.kind = test ? RL_SESSION_TEST : RL_SESSION_TRAINING;
    snprintf(m->u.session_start.operator_code, sizeof m->u.session_start.operator_code, "%s",
             self->operator_code);
    t += 120 * S_US;
    if (test) {
        s_trial_t v[S_DIRS][10];
        s_test_values(self, p, k, &r, v);
        for (int d = 0; d < S_DIRS; d++) {
            for (int i = 0; i < self->trials; i++) {
                double par[2] = {v[d][i].torque, v[d][i].angle};
                s_record(self, t, S_TEST_SECONDS, s_dirs[d], RL_CONTEXT_TEST_TRIAL,
                         (uint32_t)(i + 1), s_shape_test, par, &r);
                t += S_TEST_SECONDS * S_US;
                m = s_push(self, t, RL_BODY_TEST_RESULT);
                m->u.test_result.direction = s_dirs[d];
                m->u.test_result.trial = (uint32_t)(i + 1);
                m->u.test_result.rom_deg = v[d][i].rom;
                m->u.test_result.max_torque_nm = v[d][i].torque;
                m->u.test_result.angle_at_max_deg = v[d][i].angle;
                t += 30 * S_US; /* rest */
            }
            t += 60 * S_US;
        }
    } else {
        /* The last test before this session sets the loads. */
        int kt = 0;
        for (int j = k - 1; j >= 0; j--)
            if (s_is_test(self, j)) {
                kt = j;
                break;
            }
        s_rng_t rt = s_rng_for(self, p, kt + 1, 0);
        s_trial_t v[S_DIRS][10];
        s_test_values(self, p, kt, &rt, v);
        double progress = self->sessions > 1 ? (double)k / (self->sessions - 1) : 0;
        uint32_t set_number = 0;
        for (int d = 0; d < S_DIRS; d++) {
            double best = 0;
            for (int i = 0; i < self->trials; i++)
                if (v[d][i].torque > best)
                    best = v[d][i].torque;
            double rom, cap;
            s_capacity(self, p, k, d, &cap, &rom);
            for (int s = 0; s < self->sets; s++) {
                double pct = round(50 + 30 * progress);
                double load = round(best * pct / 100 * 10) / 10;
                int reps = (int)lround(15 - 5 * progress + s_normal(&r, 0, 0.7));
                reps = reps < 6 ? 6 : reps;
                double tut = round(reps * s_normal(&r, 3.0, 0.15) * 10) / 10;
                double lo = round(-0.1 * rom * 10) / 10, hi = round(0.9 * rom * 10) / 10;
                double par[3] = {load, lo, hi};
                set_number++;
                s_record(self, t, tut, s_dirs[d], RL_CONTEXT_TRAINING_SET, set_number, s_shape_set,
                         par, &r);
                t += (int64_t)(tut * S_US);
                m = s_push(self, t, RL_BODY_TRAINING_SET);
                rl_training_set_t *ts = &m->u.training_set;
                ts->direction = s_dirs[d];
                ts->set_number = set_number;
                ts->load_nm = (float)load;
                ts->load_pct_of_max = (float)pct;
                ts->repetitions = (uint32_t)reps;
                ts->range_min_deg = (float)lo;
                ts->range_max_deg = (float)hi;
                ts->time_under_tension_s = (float)tut;
                t += 60 * S_US;
            }
        }
    }
    /* the patient stays the whole session, also after the last exercise */
    int64_t min_end = t0 + (int64_t)self->session_minutes * 60 * S_US;
    if (t < min_end)
        t = min_end;
    m = s_push(self, t, RL_BODY_SESSION_END);
    m->u.session_end.duration_s = (uint32_t)((t - t0) / S_US);
}

/* ------------------------------------------------------------ driver */

static int
s_parse_patients(s_sim_t *self, const char *spec, rl_err_t *err)
{
    char *copy = rl_strdup(spec), *save = NULL;
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (self->npatients == S_MAX_PATIENTS) {
            rc = rl_err_set(err, "[simulator] patients: at most %d", S_MAX_PATIENTS);
            break;
        }
        s_patient_t *pt = &self->patients[self->npatients];
        char token[128], sex;
        int age;
        double kg;
        char end;
        if (sscanf(tok, "%127[^:]:%c:%d:%lf%c", token, &sex, &age, &kg, &end) != 4 ||
            !rl_id_valid(token) || (sex != 'F' && sex != 'M') || age < 16 || age > 100 || kg < 30 ||
            kg > 250) {
            rc = rl_err_set(err,
                            "[simulator] patients: '%.60s' is not TOKEN:SEX:AGE:WEIGHT_KG "
                            "(e.g. RB-0001:F:52:68; sex F or M, age 16..100, 30..250 kg)",
                            tok);
            break;
        }
        memcpy(pt->token, token, strlen(token) + 1); /* valid ids fit */
        pt->male = sex == 'M';
        pt->age = age;
        pt->weight_kg = kg;
        self->npatients++;
    }
    free(copy);
    if (rc == 0 && self->npatients == 0)
        rc = rl_err_set(err, "[simulator] patients is empty");
    return rc;
}

/* Without [simulator] start: in real time (time_factor 1) the programme
 * starts now, like a live device; compressed, it is history that ends now
 * (measurements may not lie in the future). The start chosen is kept in
 * the spool directory so that a restart continues the same programme. */
static int
s_default_start(s_sim_t *self, const rl_config_t *cfg, bool persist, rl_err_t *err)
{
    double span_days = (self->sessions - 1) * self->days_between;
    int64_t span =
        (int64_t)(span_days * 86400.0) * S_US + (int64_t)self->npatients * 2 * 3600 * S_US;
    self->start_us = rl_clock_wall_us();
    if (self->time_factor != 1)
        self->start_us -= span + 3600 * S_US;
    if (!persist)
        return 0;
    char *path = rl_asprintf("%s/simulator-start", rl_config_str(cfg, "spool", "dir"));
    FILE *f = fopen(path, "r");
    long long saved;
    if (f && fscanf(f, "%lld", &saved) == 1 && saved > 0) {
        self->start_us = saved;
        fclose(f);
        free(path);
        return 0;
    }
    if (f)
        fclose(f);
    /* Its content and its name durable before the first measurement
     * relies on it (a restart must continue the same programme): the file
     * synced, then the spool directory that holds it. Once per spool. */
    f = fopen(path, "w");
    int dfd = -1;
    if (!f || fprintf(f, "%" PRId64 "\n", self->start_us) < 0 || fflush(f) || fsync(fileno(f)) ||
        (dfd = open(rl_config_str(cfg, "spool", "dir"), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        fsync(dfd)) {
        rl_err_set(err, "cannot write %s: %s", path, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        if (f)
            fclose(f);
        free(path);
        return -1;
    }
    close(dfd);
    fclose(f);
    free(path);
    return 0;
}

static void s_close(void *vself);

static void *
s_open(const agent_driver_env_t *env, bool check_only, rl_err_t *err)
{
    const rl_config_t *cfg = env->cfg;
    s_sim_t *self = rl_calloc(1, sizeof *self);
    self->log_ctx = env->log_ctx;
    self->seed = (uint64_t)rl_config_int(cfg, "simulator", "seed");
    self->sessions = (int)rl_config_int(cfg, "simulator", "sessions");
    self->trials = (int)rl_config_int(cfg, "simulator", "trials");
    self->sets = (int)rl_config_int(cfg, "simulator", "sets");
    self->session_minutes = (int)rl_config_int(cfg, "simulator", "session_minutes");
    self->curves = rl_config_bool(cfg, "simulator", "curves");
    self->rate_hz = (int)rl_config_int(cfg, "simulator", "sample_rate_hz");
    self->days_between = rl_config_double(cfg, "simulator", "days_between_sessions");
    self->time_factor = rl_config_double(cfg, "simulator", "time_factor");
    const char *op = rl_config_str(cfg, "simulator", "operator_code");
    if (*op && !rl_id_valid(op)) {
        rl_err_set(err, "[simulator] operator_code '%s' is not a valid code", op);
        goto fail;
    }
    snprintf(self->operator_code, sizeof self->operator_code, "%s", op);
    rl_body_region_t region;
    if (rl_body_region_parse(rl_config_str(cfg, "simulator", "region"), &region, err) < 0) {
        rl_err_prefix(err, "[simulator] region");
        goto fail;
    }
    self->region = &s_regions[region];
    if (s_parse_patients(self, rl_config_str(cfg, "simulator", "patients"), err))
        goto fail;
    const char *start = rl_config_str(cfg, "simulator", "start");
    if (*start) {
        if (agent_json_parse_time(start, &self->start_us, err)) {
            rl_err_prefix(err, "[simulator] start");
            goto fail;
        }
    } else if (s_default_start(self, cfg, !check_only && env->spool, err)) {
        goto fail;
    }
    self->skip = env->spool ? agent_spool_last_mark(env->spool) : 0;
    self->paced = self->time_factor > 0 && !env->dry_run; /* a dry run shows what, not when */
    if (self->skip)
        rl_info(self->log_ctx, "simulator: resuming after message %" PRIu64 " of a previous run",
                self->skip);
    return self;
fail:
    s_close(self);
    return NULL;
}

static void
s_sim_msg_free(s_sim_msg_t *m)
{
    if (m->kind == RL_BODY_SAMPLE_BATCH) {
        free(m->u.sample_batch.angle_deg);
        free(m->u.sample_batch.torque_nm);
    }
    memset(m, 0, sizeof *m);
}

/* Hands m out as *msg (which arrives as rl_msg_init leaves it: see
 * agent_driver.h): the sample arrays move to it. */
static void
s_sim_msg_give(const s_sim_t *self, s_sim_msg_t *m, rl_msg_t *msg)
{
    msg->taken_at_us = m->taken_at_us;
    /* both fit: made or checked at open (rl_id_valid) */
    memcpy(msg->session_id, self->session_id, strlen(self->session_id) + 1);
    memcpy(msg->patient_token, self->token, strlen(self->token) + 1);
    msg->kind = m->kind;
    /* the body: each member of both unions starts at their start, and
     * the bytes of m->u past the member in use are zero (s_push), as
     * those of msg->u are */
    _Static_assert(sizeof m->u <= sizeof msg->u, "the compact body fits");
    memcpy(&msg->u, &m->u, sizeof m->u);
    memset(m, 0, sizeof *m);
}

static int
s_next(void *vself, rl_msg_t *msg, uint64_t *mark, int *wait_ms, rl_err_t *err)
{
    (void)err;
    s_sim_t *self = vself;
    *wait_ms = 0;
    for (;;) {
        if (self->next < self->n) {
            s_sim_msg_t *m = &self->msgs[self->next];
            if (self->emitted < self->skip) { /* delivered by a previous run */
                s_sim_msg_free(m);
                self->next++;
                self->emitted++;
                continue;
            }
            int64_t offset = m->taken_at_us - self->start_us;
            if (self->paced) {
                int64_t now = rl_clock_wall_us();
                if (!self->real_t0_us) {
                    self->real_t0_us = now;
                    self->offset0_us = offset;
                }
                int64_t due = self->real_t0_us +
                              (int64_t)((double)(offset - self->offset0_us) / self->time_factor);
                if (due > now) {
                    int64_t ms = (due - now + 999) / 1000;
                    *wait_ms = ms > 1000 ? 1000 : (int)ms;
                    return AGENT_DRV_AGAIN;
                }
            }
            s_sim_msg_give(self, m, msg);
            self->next++;
            self->emitted++;
            *mark = self->emitted;
            return AGENT_DRV_MSG;
        }
        if (self->session >= self->sessions * self->npatients) {
            if (self->n) {
                rl_info(self->log_ctx, "simulator: programme complete (%" PRIu64 " messages)",
                        self->emitted);
                self->n = 0;
            }
            return AGENT_DRV_EOF;
        }
        int k = self->session / self->npatients, p = self->session % self->npatients;
        self->session++;
        s_gen_session(self, p, k);
    }
}

static void
s_close(void *vself)
{
    s_sim_t *self = vself;
    if (!self)
        return;
    for (size_t i = self->next; i < self->n; i++)
        s_sim_msg_free(&self->msgs[i]);
    free(self->msgs);
    free(self->cache.set_sin);
    free(self->cache.set_cos);
    free(self->cache.test_exp);
    free(self);
}

const agent_driver_t agent_driver_simulator = {
    .name = "simulator",
    .summary = "a Tergumed-style device running a programme (tests, training, curves)",
    .open = s_open,
    .fd = NULL, /* polled */
    .next = s_next,
    .synced = NULL,
    .close = s_close,
};
