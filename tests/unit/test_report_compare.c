/* Unit tests of the report's comparison on a hand-built model: a missing
 * time point stays missing (null / empty / "missing") in every format and
 * never becomes 0, changes need both ends, and the missing-data sentences
 * say what is missing in Dutch and English; the home programme in words
 * (the dose, the variant, the letter's sentence) and in the JSON. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../services/report/report.h"
#include "ruglab/mem.h"

static rpt_model_t *
s_model(void)
{
    rpt_model_t *m = rl_calloc(1, sizeof *m);
    m->family_name = rl_strdup("Janssens");
    m->given_name = rl_strdup("Marie");
    m->badge_token = rl_strdup("RB-0001");
    m->programme_code = rl_strdup("mrr-36");
    m->status = rl_strdup("dropped_out");
    m->start_date = rl_strdup("2026-01-05");
    m->end_date = rl_strdup("2026-02-06");
    m->dropout_reason = rl_strdup("verhuis");
    m->body_weight_kg = NAN;
    m->planned_sessions = 36;
    m->attended_total = 9;
    m->planned_exercise = 34;
    m->planned_information = 2;
    m->attended_exercise = 9;
    m->n_occasions = 2;
    rl_measures_srd_defaults(&m->srd); /* the default smallest real difference */
    m->occasion[RPT_START].present = true;
    m->occasion[RPT_END].present = true;
    for (int d = RL_DIR_FIRST; d < RL_DIR_COUNT; d++) {
        rpt_direction_t *x = &m->dirs[d];
        x->dir = (rl_direction_t)d;
        rpt_tp3_t *all[] = {&x->rom_deg,     &x->torque_nm, &x->cv_pct,      &x->ref_torque_nm,
                            &x->ref_rom_deg, &x->pct_ref,   &x->rom_pct_ref, &x->torque_per_kg};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            for (int tp = 0; tp < RPT_NTP; tp++)
                all[i]->v[tp] = NAN;
    }
    /* extension and flexion at start and end, no mid test */
    rpt_direction_t *ext = &m->dirs[RL_DIR_EXTENSION], *flx = &m->dirs[RL_DIR_FLEXION];
    ext->measured = flx->measured = true;
    ext->torque_nm.v[RPT_START] = 150;
    ext->torque_nm.v[RPT_END] = 180;
    ext->rom_deg.v[RPT_START] = 30;
    ext->rom_deg.v[RPT_END] = 36;
    flx->torque_nm.v[RPT_START] = 120;
    flx->torque_nm.v[RPT_END] = 126;
    return m;
}

static json_t *
s_dir(json_t *root, const char *name)
{
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(root, "directions"), i, d)
    {
        if (!strcmp(json_string_value(json_object_get(d, "direction")), name))
            return d;
    }
    return NULL;
}

static void
test_missing_mid_is_null(void **state)
{
    (void)state;
    rpt_model_t *m = s_model();
    json_t *j = rpt_compare_json(m);
    json_t *nm = json_object_get(s_dir(j, "extension"), "max_torque_nm");
    assert_true(json_is_null(json_object_get(nm, "mid")));
    assert_true(json_is_null(json_object_get(nm, "change_mid")));
    assert_true(json_real_value(json_object_get(nm, "change")) == 30.0);
    assert_true(fabs(json_real_value(json_object_get(nm, "change_pct")) - 20.0) < 1e-9);
    /* 30 / 150 = 20 % < 33 %: within the test's noise */
    assert_string_equal(json_string_value(json_object_get(nm, "real_change")), "no");
    assert_true(json_is_null(json_object_get(json_object_get(j, "test_occasions"), "mid")));
    /* a direction never measured is not reported at all */
    assert_null(s_dir(j, "rotation_left"));
    /* ratio at the start: 120 / 150; at mid: missing */
    json_t *ratio = json_object_get(j, "flexion_extension_ratio");
    assert_true(fabs(json_real_value(json_object_get(ratio, "start")) - 0.8) < 1e-12);
    assert_true(json_is_null(json_object_get(ratio, "mid")));
    /* asymmetry without both sides: null, not 0 */
    assert_true(json_is_null(json_object_get(
        json_object_get(json_object_get(j, "asymmetry_pct"), "rotation"), "start")));
    json_decref(j);
    rpt_model_destroy(&m);
    assert_null(m);
}

static void
test_missing_end_gives_no_change(void **state)
{
    (void)state;
    rpt_model_t *m = s_model();
    m->dirs[RL_DIR_EXTENSION].torque_nm.v[RPT_END] = NAN;
    rl_measures_change_t c = rpt_change(&m->dirs[RL_DIR_EXTENSION].torque_nm);
    assert_true(isnan(c.absolute));
    assert_true(isnan(c.pct));
    assert_true(isnan(rpt_flex_ext_ratio(m, RPT_END)));
    rpt_model_destroy(&m);
}

static char *
s_csv(rpt_model_t *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rl_err_t err;
    assert_int_equal(rpt_compare_write(m, RPT_FMT_CSV, f, &err), 0);
    fclose(f);
    return buf;
}

static void
test_csv_missing_is_empty(void **state)
{
    (void)state;
    rpt_model_t *m = s_model();
    char *csv = s_csv(m);
    assert_non_null(strstr(csv, "\ndevice,extension,max torque,N.m,150.0,,180.0,30.0,20.0,"));
    /* no reference loaded: said, and the values are empty */
    assert_non_null(strstr(csv, "\ndevice,extension,torque of reference,%,,,,,,no reference,"));
    free(csv);
    rpt_model_destroy(&m);
}

static void
test_missing_sentences(void **state)
{
    (void)state;
    rpt_model_t *m = s_model();
    char *lines[16];
    int n = rpt_model_missing(m, "nl", lines, 16);
    assert_int_equal(n, 3);
    assert_string_equal(lines[0], "Geen tussentijdse test: die waarden ontbreken.");
    assert_string_equal(lines[1], "Er werden geen vragenlijsten ingevuld.");
    assert_string_equal(lines[2],
                        "Programma voortijdig stopgezet na 9 van 36 geplande sessies: verhuis.");
    for (int i = 0; i < n; i++)
        free(lines[i]);
    n = rpt_model_missing(m, "en", lines, 16);
    assert_int_equal(n, 3);
    assert_string_equal(lines[0], "No mid test: those values are missing.");
    for (int i = 0; i < n; i++)
        free(lines[i]);
    rpt_model_destroy(&m);
}

static void
test_numbers(void **state)
{
    (void)state;
    assert_string_equal(rpt_num(NAN, 1, "missing"), "missing");
    assert_string_equal(rpt_num(12.25, 1, "-"), "12.2");
    assert_string_equal(rpt_num(-0.01, 1, "-"), "0.0"); /* never "-0.0" */
    assert_string_equal(rpt_tp_name(RPT_MID), "mid");
}

/* Exercise variants: an exercise done in n sessions, the variant of
 * session k from codes[k] (NULL: as described) at levels[k]. */
static void
s_add_variant(rpt_model_t *m, const char *code, int n, const char *const *codes, const int *levels)
{
    m->variants = rl_realloc(m->variants, (size_t)(m->n_variants + 1) * sizeof *m->variants);
    rpt_variant_t *v = &m->variants[m->n_variants++];
    memset(v, 0, sizeof *v);
    v->exercise = rl_strdup(code);
    v->name_nl = rl_strdup("Plank op de onderarmen");
    v->steps = rl_calloc((size_t)n, sizeof *v->steps);
    v->n_steps = n;
    for (int k = 0; k < n; k++) {
        v->steps[k].session_number = 2 * k + 1;
        snprintf(v->steps[k].date, sizeof v->steps[k].date, "2026-01-%02d", k + 1);
        v->steps[k].variant = codes[k] ? rl_strdup(codes[k]) : NULL;
        v->steps[k].level = levels[k];
    }
}

static void
test_variant_changes(void **state)
{
    (void)state;
    rpt_model_t *m = s_model();
    /* as described twice, knees, knees, leg-up, back to as described */
    const char *codes[] = {NULL, NULL, "knees", "knees", "leg-up", NULL};
    const int levels[] = {0, 0, -1, -1, 1, 0};
    s_add_variant(m, "PLANK", 6, codes, levels);
    int idx[6], tp[RPT_NTP];
    assert_int_equal(rpt_variant_changes(&m->variants[0], idx), 4);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 2);
    assert_int_equal(idx[2], 4);
    assert_int_equal(idx[3], 5);
    rpt_variant_tp(&m->variants[0], tp);
    assert_int_equal(tp[RPT_START], 0);
    assert_int_equal(tp[RPT_MID], 3);
    assert_int_equal(tp[RPT_END], 5);
    char buf[64];
    assert_string_equal(rpt_variant_level_text(-1, "nl", buf, sizeof buf), "makkelijker -1");
    assert_string_equal(rpt_variant_level_text(2, "en", buf, sizeof buf), "harder +2");
    assert_string_equal(rpt_variant_level_text(0, "nl", buf, sizeof buf), "zoals beschreven");
    char *csv = s_csv(m);
    assert_non_null(strstr(csv, "\nexercise_variants,PLANK,level,,0,-1,0,0,,"
                                "6 sessions: session 1 as described (0) -> session 5 knees (-1) -> "
                                "session 9 leg-up (+1) -> session 11 as described (0),6\n"));
    free(csv);
    json_t *j = rpt_compare_json(m);
    json_t *v = json_array_get(json_object_get(j, "exercise_variants"), 0);
    assert_int_equal(json_array_size(json_object_get(v, "progression")), 4);
    assert_true(json_is_null(json_object_get(json_object_get(v, "start"), "variant")));
    assert_int_equal(json_integer_value(json_object_get(v, "level_change")), 0);
    assert_true(json_is_null(json_object_get(v, "name_en")));
    json_decref(j);
    rpt_model_destroy(&m);
}

/* Done once: a start and nothing else; done twice: no mid. */
static void
test_variant_few_sessions(void **state)
{
    (void)state;
    rpt_model_t *m = s_model();
    const char *codes[] = {"knees", "knees"};
    const int levels[] = {-1, -1};
    s_add_variant(m, "PLANK", 1, codes, levels);
    s_add_variant(m, "CLAM", 2, codes, levels);
    int tp[RPT_NTP];
    rpt_variant_tp(&m->variants[0], tp);
    assert_int_equal(tp[RPT_START], 0);
    assert_int_equal(tp[RPT_MID], -1);
    assert_int_equal(tp[RPT_END], -1);
    rpt_variant_tp(&m->variants[1], tp);
    assert_int_equal(tp[RPT_MID], -1);
    assert_int_equal(tp[RPT_END], 1);
    char *csv = s_csv(m);
    assert_non_null(strstr(csv, "\nexercise_variants,PLANK,level,,-1,,,,,1 session: session 1 "
                                "knees (-1),1\n"));
    assert_non_null(strstr(csv, "\nexercise_variants,CLAM,level,,-1,,-1,0,,2 sessions: "));
    free(csv);
    rpt_model_destroy(&m);
}

/* A variant changed at every session: the table's line names the changes
 * that fit and how many more there are; the JSON keeps them all. */
static void
test_variant_many_changes(void **state)
{
    (void)state;
    rpt_model_t *m = s_model();
    const char *codes[40];
    int levels[40];
    for (int k = 0; k < 40; k++) {
        codes[k] = k % 2 ? "leg-up" : "knees";
        levels[k] = k % 2 ? 1 : -1;
    }
    s_add_variant(m, "PLANK", 40, codes, levels);
    char *csv = s_csv(m);
    const char *row = strstr(csv, "\nexercise_variants,PLANK,");
    assert_non_null(row);
    const char *more = strstr(row, " more changes,40\n");
    assert_non_null(more);
    assert_non_null(strstr(row, "session 1 knees (-1) -> session 3 leg-up (+1)"));
    free(csv);
    json_t *j = rpt_compare_json(m);
    json_t *v = json_array_get(json_object_get(j, "exercise_variants"), 0);
    assert_int_equal(json_array_size(json_object_get(v, "progression")), 40);
    assert_int_equal(json_array_size(json_object_get(v, "sessions")), 40);
    json_decref(j);
    rpt_model_destroy(&m);
}

/* No exercise recorded: no section at all. */
static void
test_no_variants_nothing(void **state)
{
    (void)state;
    rpt_model_t *m = s_model();
    json_t *j = rpt_compare_json(m);
    assert_null(json_object_get(j, "exercise_variants"));
    json_decref(j);
    char *csv = s_csv(m);
    assert_null(strstr(csv, "exercise_variants"));
    free(csv);
    rpt_model_destroy(&m);
}

/* A home programme of two exercises: a harder variant with a hold time,
 * one as described with one set of one repetition once a week. */
static void
test_homeprog_words(void **state)
{
    (void)state;
    char *steps[] = {"Doe het."};
    rl_ex_variant_t v = {.code = "leg-up", .level = 2, .text = {"Til één been op.", "Lift a leg."}};
    rl_exercise_t x[2] = {
        {.code = "PLANK", .name = {"Plank", "Plank EN"}, .variants = &v, .n_variants = 1},
        {.code = "SQUAT", .name = {"Kniebuiging", "Squat"}},
    };
    x[0].steps.item[0] = x[0].steps.item[1] = steps;
    x[0].steps.n = 1;
    rpt_home_item_t items[2] = {
        {.exercise = &x[0], .variant = &v, .hold = 40, .per_week = 2},
        {.exercise = &x[1], .reps = 1, .sets = 1, .per_week = 1},
    };
    rpt_homeprog_t hp = {.items = items, .n = 2};
    char buf[160];
    assert_string_equal(rpt_homeprog_dose(&items[0], "nl", buf, sizeof buf),
                        "40 seconden volhouden, 2 keer per week");
    assert_string_equal(rpt_homeprog_dose(&items[0], "en", buf, sizeof buf),
                        "hold for 40 seconds, twice a week");
    assert_string_equal(rpt_homeprog_dose(&items[1], "nl", buf, sizeof buf),
                        "1 reeks van 1 herhaling, 1 keer per week");
    assert_string_equal(rpt_homeprog_dose(&items[1], "en", buf, sizeof buf),
                        "1 set of 1 repetition, once a week");
    items[1].reps = 10;
    items[1].sets = 3;
    items[1].per_week = 5;
    assert_string_equal(rpt_homeprog_dose(&items[1], "en", buf, sizeof buf),
                        "3 sets of 10 repetitions, 5 times a week");
    assert_string_equal(rpt_homeprog_variant_name(&items[0], "nl", buf, sizeof buf),
                        "moeilijker, niveau 2");
    assert_null(rpt_homeprog_variant_name(&items[1], "en", buf, sizeof buf));
    v.level = -1;
    assert_string_equal(rpt_homeprog_variant_name(&items[0], "en", buf, sizeof buf), "easier");
    char *t = rpt_homeprog_text(&hp, "nl");
    assert_string_equal(t, "Thuisprogramma: Plank (makkelijker variant: til één been op), 40 "
                           "seconden volhouden, 2 keer per week; Kniebuiging (zoals beschreven), "
                           "3 reeksen van 10 herhalingen, 5 keer per week.");
    free(t);
    t = rpt_homeprog_text(&hp, "en");
    assert_string_equal(t, "Home programme: Plank EN (easier variant: lift a leg), hold for 40 "
                           "seconds, twice a week; Squat (as described), 3 sets of 10 "
                           "repetitions, 5 times a week.");
    free(t);
    json_t *j = rpt_homeprog_json(&hp);
    char *js = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(
        js, "[{\"exercise\":\"PLANK\",\"variant\":\"leg-up\",\"level\":-1,\"repetitions\":null,"
            "\"sets\":null,\"hold_seconds\":40,\"per_week\":2,\"retired\":false},"
            "{\"exercise\":\"SQUAT\",\"variant\":null,\"level\":null,\"repetitions\":10,"
            "\"sets\":3,\"hold_seconds\":null,\"per_week\":5,\"retired\":false}]");
    free(js);
    json_decref(j);
    /* no programme: no sentence, an empty list */
    hp.n = 0;
    assert_null(rpt_homeprog_text(&hp, "nl"));
    j = rpt_homeprog_json(&hp);
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_mid_is_null),
        cmocka_unit_test(test_missing_end_gives_no_change),
        cmocka_unit_test(test_csv_missing_is_empty),
        cmocka_unit_test(test_missing_sentences),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_variant_changes),
        cmocka_unit_test(test_variant_few_sessions),
        cmocka_unit_test(test_variant_many_changes),
        cmocka_unit_test(test_no_variants_nothing),
        cmocka_unit_test(test_homeprog_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
