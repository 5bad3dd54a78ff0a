/* Unit tests of the exercise catalogue's file (exercise.h): a good file
 * is read whole and in order; the shipped default passes; every refusal
 * names the file (line and column for broken JSON), the exercise and the
 * field, and leaves nothing behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ruglab/exercise.h"

/* One exercise; ex is the JSON of the object. */
#define S_ONE(ex) "{\"format\": \"ruglab-exercises 1\", \"exercises\": [" ex "]}"
#define S_STEPS "\"steps\": {\"nl\": [\"Doe dit.\"], \"en\": [\"Do this.\"]}"
#define S_NAME "\"name\": {\"nl\": \"Brug\", \"en\": \"Bridge\"}"

static const char s_good[] =
    "{\"format\": \"ruglab-exercises 1\", \"exercises\": [\n"
    " {\"code\": \"BRIDGE\", " S_NAME ",\n"
    "  \"steps\": {\"nl\": [\"Lig op je rug.\", \"Hef je bekken.\"],\n"
    "            \"en\": [\"Lie on your back.\", \"Lift your pelvis.\"]},\n"
    "  \"variants\": [{\"code\": \"heel-up\", \"level\": 1, \"nl\": \"Eén hiel op.\", "
    "\"en\": \"One heel up.\"},\n"
    "               {\"code\": \"short\", \"level\": -1, \"nl\": \"Korter.\", \"en\": "
    "\"Shorter.\"}],\n"
    "  \"attention\": {\"nl\": [\"Rug neutraal.\"], \"en\": [\"Back neutral.\"]}},\n"
    " {\"code\": \"WALL-SIT\", \"name\": {\"nl\": \"Muurzit\", \"en\": \"Wall sit\"}, " S_STEPS
    "}\n"
    "]}\n";

static void
test_good_file(void **state)
{
    (void)state;
    rl_ex_catalogue_t cat;
    rl_err_t err = {{0}};
    assert_int_equal(rl_exercise_parse("good.json", s_good, strlen(s_good), &cat, &err), 0);
    assert_int_equal(cat.n, 2);
    const rl_exercise_t *e = &cat.items[0];
    assert_string_equal(e->code, "BRIDGE");
    assert_string_equal(e->name[RL_EX_NL], "Brug");
    assert_string_equal(e->name[RL_EX_EN], "Bridge");
    assert_int_equal(e->steps.n, 2);
    assert_string_equal(e->steps.item[RL_EX_NL][1], "Hef je bekken.");
    assert_string_equal(e->steps.item[RL_EX_EN][0], "Lie on your back.");
    assert_int_equal(e->n_variants, 2);
    assert_string_equal(e->variants[0].code, "heel-up");
    assert_int_equal(e->variants[0].level, 1);
    assert_string_equal(e->variants[0].text[RL_EX_NL], "Eén hiel op.");
    assert_int_equal(e->variants[1].level, -1);
    assert_string_equal(e->variants[1].text[RL_EX_EN], "Shorter.");
    assert_int_equal(e->attention.n, 1);
    assert_string_equal(e->attention.item[RL_EX_EN][0], "Back neutral.");
    /* variants and points of attention are optional */
    e = &cat.items[1];
    assert_string_equal(e->code, "WALL-SIT");
    assert_int_equal(e->n_variants, 0);
    assert_int_equal(e->attention.n, 0);
    rl_exercise_catalogue_free(&cat);
    assert_null(cat.items);
    assert_int_equal(cat.n, 0);
    rl_exercise_catalogue_free(NULL);
}

/* The catalogue shipped in deploy/ passes its own checks (the tests run
 * from the checkout's root). */
static void
test_default_catalogue(void **state)
{
    (void)state;
    rl_ex_catalogue_t cat;
    rl_err_t err = {{0}};
    int rc = rl_exercise_parse_file("deploy/exercises/catalogue.json", &cat, &err);
    if (rc < 0)
        fail_msg("%s", err.msg);
    assert_true(cat.n >= 20);
    assert_string_equal(cat.items[0].code, "PLANK");
    for (size_t i = 0; i < cat.n; i++) {
        assert_true(cat.items[i].steps.n >= 1);
        assert_true(cat.items[i].n_variants >= 1);
        assert_true(cat.items[i].attention.n >= 1);
    }
    rl_exercise_catalogue_free(&cat);
}

/* json is refused with exactly want. */
static void
s_refused(const char *json, const char *want)
{
    rl_ex_catalogue_t cat = {(rl_exercise_t *)1, 99};
    rl_err_t err = {{0}};
    assert_int_equal(rl_exercise_parse("f.json", json, strlen(json), &cat, &err), -1);
    assert_string_equal(err.msg, want);
    /* nothing kept */
    assert_null(cat.items);
    assert_int_equal(cat.n, 0);
}

static void
test_refusals_catalogue(void **state)
{
    (void)state;
    s_refused("{\"format\": \"ruglab-exercises 1\",\n \"exercises\": [,]}",
              "f.json:2:16: not valid JSON: unexpected token near ','");
    /* found by fuzz_exercise: JSON's message quoted a line break */
    s_refused("{\"\\\n\": 1}", "f.json:2:0: not valid JSON: invalid escape near '\"\\?'");
    s_refused("[]", "f.json: catalogue: must be an object {\"format\": \"ruglab-exercises 1\", "
                    "\"exercises\": [...]}");
    s_refused("{\"exercises\": []}", "f.json: format: must be \"ruglab-exercises 1\"");
    s_refused("{\"format\": \"ruglab-exercises 2\", \"exercises\": []}",
              "f.json: format: must be \"ruglab-exercises 1\"");
    s_refused("{\"format\": \"ruglab-exercises 1\", \"exercises\": []}",
              "f.json: exercises: must be a list of at least one exercise");
    s_refused("{\"format\": \"ruglab-exercises 1\", \"exercises\": [], \"x\": 1}",
              "f.json: catalogue: unknown field 'x' (expected format, exercises)");
    s_refused("{\"format\": \"ruglab-exercises 1\", \"format\": \"ruglab-exercises 1\"}",
              "f.json:1:41: not valid JSON: duplicate object key near '\"format\"'");
}

static void
test_refusals_exercise(void **state)
{
    (void)state;
    s_refused(S_ONE("{" S_NAME ", " S_STEPS "}"), "f.json: exercise 1: code: is missing");
    s_refused(S_ONE("{\"code\": \"bridge\", " S_NAME ", " S_STEPS "}"),
              "f.json: exercise 1 (bridge): code: 'bridge' is not an exercise code (A-Z, 0-9, "
              "'-', starting with a letter, at most 32)");
    s_refused(S_ONE("{\"code\": \"B\", " S_NAME ", " S_STEPS ", \"photo\": \"x.png\"}"),
              "f.json: exercise 1 (B): exercise: unknown field 'photo' (expected code, name, "
              "steps, variants, attention)");
    s_refused(S_ONE("{\"code\": \"B\", \"name\": {\"nl\": \"Brug\"}, " S_STEPS "}"),
              "f.json: exercise 1 (B): name.en: is missing");
    s_refused(S_ONE("{\"code\": \"B\", \"name\": {\"nl\": \"Brug\", \"en\": \"\"}, " S_STEPS "}"),
              "f.json: exercise 1 (B): name.en: must not be empty");
    s_refused(S_ONE("{\"code\": \"B\", \"name\": {\"nl\": \"Brug\", \"en\": \"B\", \"fr\": "
                    "\"Pont\"}, " S_STEPS "}"),
              "f.json: exercise 1 (B): name: unknown field 'fr' (expected nl, en)");
    s_refused(S_ONE("{\"code\": \"B\", \"name\": {\"nl\": \" Brug\", \"en\": \"B\"}, " S_STEPS "}"),
              "f.json: exercise 1 (B): name.nl: starts or ends with a space");
    s_refused(S_ONE("{\"code\": \"B\", " S_NAME "}"), "f.json: exercise 1 (B): steps: is missing");
    s_refused(S_ONE("{\"code\": \"B\", " S_NAME ", \"steps\": {\"nl\": [], \"en\": []}}"),
              "f.json: exercise 1 (B): steps.nl: has 0 texts, must have 1 to 12");
    s_refused(S_ONE("{\"code\": \"B\", " S_NAME
                    ", \"steps\": {\"nl\": [\"a\", \"b\"], \"en\": [\"a\"]}}"),
              "f.json: exercise 1 (B): steps.en: has 1 texts but steps.nl has 2: each text in "
              "both languages");
    s_refused(S_ONE("{\"code\": \"B\", " S_NAME ", \"steps\": {\"nl\": [\"a\"], \"en\": [3]}}"),
              "f.json: exercise 1 (B): steps.en[1]: must be a text");
    s_refused(
        S_ONE("{\"code\": \"B\", " S_NAME ", \"steps\": {\"nl\": [\"a\\nb\"], \"en\": [\"a\"]}}"),
        "f.json: exercise 1 (B): steps.nl[1]: holds a control character (a line break "
        "or tab?)");
    s_refused(S_ONE("{\"code\": \"B\", " S_NAME ", " S_STEPS ", \"attention\": {\"nl\": [\"a\"]}}"),
              "f.json: exercise 1 (B): attention.en: is missing");
    /* a second exercise of the same code, after a good one */
    s_refused(S_ONE("{\"code\": \"B\", " S_NAME ", " S_STEPS "}, {\"code\": \"B\", " S_NAME
                    ", " S_STEPS "}"),
              "f.json: exercise 2 (B): code: 'B' is already the code of exercise 1");
    /* what the file says is quoted on one line, without terminal escapes */
    s_refused(S_ONE("{\"code\": \"B\\u001b[2J\\nX\", " S_NAME ", " S_STEPS "}"),
              "f.json: exercise 1 (B?[2J?X): code: 'B?[2J?X' is not an exercise code (A-Z, 0-9, "
              "'-', starting with a letter, at most 32)");
    s_refused(S_ONE("{\"code\": \"B\", " S_NAME ", " S_STEPS "}, 7"),
              "f.json: exercise 2: exercise: must be an object");
}

#define S_VAR(v) S_ONE("{\"code\": \"B\", " S_NAME ", " S_STEPS ", \"variants\": [" v "]}")

static void
test_refusals_variant(void **state)
{
    (void)state;
    s_refused(S_VAR("{\"code\": \"Knees\", \"level\": -1, \"nl\": \"a\", \"en\": \"a\"}"),
              "f.json: exercise 1 (B): variants[1].code: 'Knees' is not a variant code (a-z, "
              "0-9, '-', starting with a letter, at most 32)");
    s_refused(S_VAR("{\"code\": \"knees\", \"level\": 0, \"nl\": \"a\", \"en\": \"a\"}"),
              "f.json: exercise 1 (B): variants[1].level: 0 is not -3..-1 (easier) or 1..3 "
              "(harder); 0 is the exercise itself");
    s_refused(S_VAR("{\"code\": \"knees\", \"level\": 4, \"nl\": \"a\", \"en\": \"a\"}"),
              "f.json: exercise 1 (B): variants[1].level: 4 is not -3..-1 (easier) or 1..3 "
              "(harder); 0 is the exercise itself");
    s_refused(S_VAR("{\"code\": \"knees\", \"level\": 1.5, \"nl\": \"a\", \"en\": \"a\"}"),
              "f.json: exercise 1 (B): variants[1].level: must be a whole number");
    s_refused(S_VAR("{\"code\": \"knees\", \"level\": 1, \"nl\": \"a\"}"),
              "f.json: exercise 1 (B): variants[1].en: is missing");
    s_refused(S_VAR("{\"code\": \"knees\", \"level\": 1, \"nl\": \"a\", \"en\": \"a\"}, "
                    "{\"code\": \"knees\", \"level\": 2, \"nl\": \"b\", \"en\": \"b\"}"),
              "f.json: exercise 1 (B): variants[2].code: 'knees' is already the code of "
              "variants[1]");
    s_refused(S_VAR("{\"code\": \"knees\", \"level\": 1, \"nl\": \"a\", \"en\": \"a\", "
                    "\"easier\": true}"),
              "f.json: exercise 1 (B): variants[1]: unknown field 'easier' (expected code, "
              "level, nl, en)");
    s_refused(S_ONE("{\"code\": \"B\", " S_NAME ", " S_STEPS ", \"variants\": {}}"),
              "f.json: exercise 1 (B): variants: must be a list");
}

static void
test_limits(void **state)
{
    (void)state;
    char text[RL_EX_TEXT_MAX + 2];
    memset(text, 'a', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    char json[2048];
    snprintf(json, sizeof json,
             S_ONE("{\"code\": \"B\", " S_NAME ", \"steps\": {\"nl\": [\"%s\"], \"en\": "
                   "[\"a\"]}}"),
             text);
    s_refused(json, "f.json: exercise 1 (B): steps.nl[1]: is 401 bytes long, at most 400");
    text[RL_EX_TEXT_MAX] = '\0'; /* exactly the limit passes */
    snprintf(json, sizeof json,
             S_ONE("{\"code\": \"B\", " S_NAME ", \"steps\": {\"nl\": [\"%s\"], \"en\": "
                   "[\"a\"]}}"),
             text);
    rl_ex_catalogue_t cat;
    rl_err_t err;
    assert_int_equal(rl_exercise_parse("f.json", json, strlen(json), &cat, &err), 0);
    rl_exercise_catalogue_free(&cat);
    s_refused(S_ONE("{\"code\": \"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\", " S_NAME ", " S_STEPS "}"),
              "f.json: exercise 1 (ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456): code: "
              "'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456' is not an exercise code (A-Z, 0-9, '-', "
              "starting with a letter, at most 32)");
}

static void
test_missing_file(void **state)
{
    (void)state;
    rl_ex_catalogue_t cat;
    rl_err_t err;
    assert_int_equal(rl_exercise_parse_file("no/such/file.json", &cat, &err), -1);
    assert_string_equal(err.msg, "cannot read no/such/file.json: No such file or directory");
}

static void
test_lang_and_levels(void **state)
{
    (void)state;
    rl_ex_lang_t l;
    rl_err_t err;
    assert_int_equal(rl_exercise_lang_parse("nl", &l, &err), 0);
    assert_int_equal(l, RL_EX_NL);
    assert_int_equal(rl_exercise_lang_parse("en", &l, &err), 0);
    assert_int_equal(l, RL_EX_EN);
    assert_int_equal(rl_exercise_lang_parse("fr", &l, &err), -1);
    assert_string_equal(err.msg, "language 'fr' is not nl or en");
    assert_int_equal(rl_exercise_lang_parse(NULL, &l, &err), -1);
    assert_string_equal(rl_exercise_lang_name(RL_EX_EN), "en");
    assert_string_equal(rl_exercise_level_word(-1, RL_EX_NL), "makkelijker");
    assert_string_equal(rl_exercise_level_word(2, RL_EX_NL), "moeilijker");
    assert_string_equal(rl_exercise_level_word(-3, RL_EX_EN), "easier");
    assert_string_equal(rl_exercise_level_word(1, RL_EX_EN), "harder");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_file),          cmocka_unit_test(test_default_catalogue),
        cmocka_unit_test(test_refusals_catalogue), cmocka_unit_test(test_refusals_exercise),
        cmocka_unit_test(test_refusals_variant),   cmocka_unit_test(test_limits),
        cmocka_unit_test(test_missing_file),       cmocka_unit_test(test_lang_and_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
