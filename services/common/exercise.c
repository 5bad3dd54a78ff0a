/* The exercise catalogue: a JSON file checked whole, and its table (see
 * exercise.h). Lists of texts cross to and from SQL as JSON arrays
 * (jsonb_array_elements_text, array_to_json), never as array literals. */
#include "ruglab/exercise.h"

#include "ruglab/db.h"
#include "ruglab/mem.h"
#include "ruglab/paths.h"
#include "ruglab/text.h"

#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_FORMAT "ruglab-exercises 1"

static const char *const s_lang[RL_EX_NLANG] = {"nl", "en"};

int
rl_exercise_lang_parse(const char *s, rl_ex_lang_t *out, rl_err_t *err)
{
    for (int l = 0; l < RL_EX_NLANG; l++)
        if (s && !strcmp(s, s_lang[l])) {
            *out = (rl_ex_lang_t)l;
            return 0;
        }
    return rl_err_set(err, "language '%.16s' is not nl or en", s ? s : "");
}

const char *
rl_exercise_lang_name(rl_ex_lang_t lang)
{
    return lang == RL_EX_EN ? "en" : "nl";
}

const char *
rl_exercise_level_word(int level, rl_ex_lang_t lang)
{
    if (level < 0)
        return lang == RL_EX_EN ? "easier" : "makkelijker";
    return lang == RL_EX_EN ? "harder" : "moeilijker";
}

/* ------------------------------------------------------------ freeing */

static void
s_texts_free(rl_ex_texts_t *t)
{
    for (int l = 0; l < RL_EX_NLANG; l++) {
        for (size_t i = 0; t->item[l] && i < t->n; i++)
            free(t->item[l][i]);
        free(t->item[l]);
        t->item[l] = NULL;
    }
    t->n = 0;
}

static void
s_exercise_free(rl_exercise_t *e)
{
    free(e->code);
    for (int l = 0; l < RL_EX_NLANG; l++)
        free(e->name[l]);
    s_texts_free(&e->steps);
    s_texts_free(&e->attention);
    for (size_t i = 0; i < e->n_variants; i++) {
        free(e->variants[i].code);
        for (int l = 0; l < RL_EX_NLANG; l++)
            free(e->variants[i].text[l]);
    }
    free(e->variants);
    memset(e, 0, sizeof *e);
}

void
rl_exercise_catalogue_free(rl_ex_catalogue_t *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; i < cat->n; i++)
        s_exercise_free(&cat->items[i]);
    free(cat->items);
    cat->items = NULL;
    cat->n = 0;
}

/* ------------------------------------------------------------ checking */

/* Where a message points: "FILE: exercise 3 (CODE): ". */
typedef struct {
    const char *file;
    size_t index; /* 1-based */
    const char *code;
    rl_err_t *err;
} s_where_t;

/* A message quotes the file (a code, a field's name, JSON's own words on
 * the text near an error): one line, no terminal escapes. Returns -1. */
static int
s_one_line(rl_err_t *err)
{
    for (char *c = err ? err->msg : NULL; c && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    return -1;
}

static int __attribute__((format(printf, 3, 4)))
s_fail(const s_where_t *w, const char *field, const char *fmt, ...)
{
    char why[RL_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (w->code)
        rl_err_set(w->err, "%s: exercise %zu (%.40s): %s: %s", w->file, w->index, w->code, field,
                   why);
    else if (w->index)
        rl_err_set(w->err, "%s: exercise %zu: %s: %s", w->file, w->index, field, why);
    else
        rl_err_set(w->err, "%s: %s: %s", w->file, field, why);
    return s_one_line(w->err);
}

/* Every key of obj must be one of keys (NULL-terminated). */
static int
s_known_keys(const s_where_t *w, const char *field, json_t *obj, const char *const *keys,
             const char *expected)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        (void)v;
        bool ok = false;
        for (size_t i = 0; keys[i] && !ok; i++)
            ok = !strcmp(k, keys[i]);
        if (!ok)
            return s_fail(w, field, "unknown field '%.40s' (expected %s)", k, expected);
    }
    return 0;
}

static bool
s_code_ok(const char *s, bool upper)
{
    size_t n = strlen(s);
    if (n < 1 || n > RL_EX_CODE_MAX)
        return false;
    if (upper ? !(s[0] >= 'A' && s[0] <= 'Z') : !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    const char *set =
        upper ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-" : "abcdefghijklmnopqrstuvwxyz0123456789-";
    return strspn(s, set) == n;
}

/* A text: a string, 1..max bytes once trimmed of nothing (leading or
 * trailing blanks are refused, so what is stored is what was meant), no
 * control characters. Returns a copy in *out. */
static int
s_text(const s_where_t *w, const char *field, json_t *v, size_t max, char **out)
{
    if (!json_is_string(v))
        return s_fail(w, field, v ? "must be a text" : "is missing");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || strlen(s) != n)
        return s_fail(w, field, "must not be empty");
    if (n > max)
        return s_fail(w, field, "is %zu bytes long, at most %zu", n, max);
    if (rl_text_control_at(s, n) != n)
        return s_fail(w, field, "holds a control character (a line break or tab?)");
    if (s[0] == ' ' || s[n - 1] == ' ')
        return s_fail(w, field, "starts or ends with a space");
    *out = rl_strdup(s);
    return 0;
}

/* {"nl": "...", "en": "..."} into out[]. */
static int
s_bilingual(const s_where_t *w, const char *field, json_t *v, size_t max, char **out)
{
    if (!json_is_object(v))
        return s_fail(w, field, v ? "must be an object {\"nl\": ..., \"en\": ...}" : "is missing");
    static const char *const keys[] = {"nl", "en", NULL};
    if (s_known_keys(w, field, v, keys, "nl, en") < 0)
        return -1;
    for (int l = 0; l < RL_EX_NLANG; l++) {
        char f[64];
        snprintf(f, sizeof f, "%s.%s", field, s_lang[l]);
        if (s_text(w, f, json_object_get(v, s_lang[l]), max, &out[l]) < 0)
            return -1;
    }
    return 0;
}

/* {"nl": [...], "en": [...]}: as many texts in each language, min..RL_EX_LIST_MAX. */
static int
s_texts(const s_where_t *w, const char *field, json_t *v, size_t min, rl_ex_texts_t *out)
{
    if (!v && min == 0)
        return 0;
    if (!json_is_object(v))
        return s_fail(w, field,
                      v ? "must be an object {\"nl\": [...], \"en\": [...]}" : "is missing");
    static const char *const keys[] = {"nl", "en", NULL};
    if (s_known_keys(w, field, v, keys, "nl, en") < 0)
        return -1;
    json_t *arr[RL_EX_NLANG];
    for (int l = 0; l < RL_EX_NLANG; l++) {
        char f[64];
        snprintf(f, sizeof f, "%s.%s", field, s_lang[l]);
        arr[l] = json_object_get(v, s_lang[l]);
        if (!json_is_array(arr[l]))
            return s_fail(w, f, arr[l] ? "must be a list of texts" : "is missing");
        size_t n = json_array_size(arr[l]);
        if (n < min || n > RL_EX_LIST_MAX)
            return s_fail(w, f, "has %zu texts, must have %zu to %d", n, min, RL_EX_LIST_MAX);
        if (l > 0 && n != json_array_size(arr[0]))
            return s_fail(w, f, "has %zu texts but %s.%s has %zu: each text in both languages", n,
                          field, s_lang[0], json_array_size(arr[0]));
    }
    out->n = json_array_size(arr[0]);
    for (int l = 0; l < RL_EX_NLANG; l++) {
        out->item[l] = rl_calloc(out->n ? out->n : 1, sizeof(char *));
        for (size_t i = 0; i < out->n; i++) {
            char f[64];
            snprintf(f, sizeof f, "%s.%s[%zu]", field, s_lang[l], i + 1);
            if (s_text(w, f, json_array_get(arr[l], i), RL_EX_TEXT_MAX, &out->item[l][i]) < 0)
                return -1;
        }
    }
    return 0;
}

static int
s_variant(const s_where_t *w, json_t *v, size_t i, rl_exercise_t *e)
{
    char field[64];
    snprintf(field, sizeof field, "variants[%zu]", i + 1);
    if (!json_is_object(v))
        return s_fail(w, field, "must be an object {\"code\", \"level\", \"nl\", \"en\"}");
    static const char *const keys[] = {"code", "level", "nl", "en", NULL};
    if (s_known_keys(w, field, v, keys, "code, level, nl, en") < 0)
        return -1;
    rl_ex_variant_t *var = &e->variants[e->n_variants];
    char f[80];
    snprintf(f, sizeof f, "%s.code", field);
    json_t *c = json_object_get(v, "code");
    if (!json_is_string(c))
        return s_fail(w, f, c ? "must be a text" : "is missing");
    if (!s_code_ok(json_string_value(c), false))
        return s_fail(w, f,
                      "'%.40s' is not a variant code (a-z, 0-9, '-', starting with a "
                      "letter, at most %d)",
                      json_string_value(c), RL_EX_CODE_MAX);
    for (size_t j = 0; j < e->n_variants; j++)
        if (!strcmp(e->variants[j].code, json_string_value(c)))
            return s_fail(w, f, "'%s' is already the code of variants[%zu]", json_string_value(c),
                          j + 1);
    snprintf(f, sizeof f, "%s.level", field);
    json_t *lv = json_object_get(v, "level");
    if (!json_is_integer(lv))
        return s_fail(w, f, lv ? "must be a whole number" : "is missing");
    json_int_t level = json_integer_value(lv);
    if (level == 0 || level < -RL_EX_LEVEL_MAX || level > RL_EX_LEVEL_MAX)
        return s_fail(w, f,
                      "%lld is not -%d..-1 (easier) or 1..%d (harder); 0 is the exercise itself",
                      (long long)level, RL_EX_LEVEL_MAX, RL_EX_LEVEL_MAX);
    e->n_variants++; /* from here on, freed with the exercise */
    var->code = rl_strdup(json_string_value(c));
    var->level = (int)level;
    for (int l = 0; l < RL_EX_NLANG; l++) {
        snprintf(f, sizeof f, "%s.%s", field, s_lang[l]);
        if (s_text(w, f, json_object_get(v, s_lang[l]), RL_EX_TEXT_MAX, &var->text[l]) < 0)
            return -1;
    }
    return 0;
}

static int
s_exercise(s_where_t *w, json_t *v, const rl_ex_catalogue_t *done, rl_exercise_t *e)
{
    if (!json_is_object(v))
        return s_fail(w, "exercise", "must be an object");
    json_t *c = json_object_get(v, "code");
    if (!json_is_string(c))
        return s_fail(w, "code", c ? "must be a text" : "is missing");
    const char *code = json_string_value(c);
    w->code = code; /* the file's text, for messages */
    if (!s_code_ok(code, true))
        return s_fail(w, "code",
                      "'%.40s' is not an exercise code (A-Z, 0-9, '-', starting with a letter, "
                      "at most %d)",
                      code, RL_EX_CODE_MAX);
    for (size_t j = 0; j < done->n; j++)
        if (!strcmp(done->items[j].code, code))
            return s_fail(w, "code", "'%s' is already the code of exercise %zu", code, j + 1);
    e->code = rl_strdup(code);
    static const char *const keys[] = {"code", "name", "steps", "variants", "attention", NULL};
    if (s_known_keys(w, "exercise", v, keys, "code, name, steps, variants, attention") < 0)
        return -1;
    if (s_bilingual(w, "name", json_object_get(v, "name"), RL_EX_NAME_MAX, e->name) < 0 ||
        s_texts(w, "steps", json_object_get(v, "steps"), 1, &e->steps) < 0 ||
        s_texts(w, "attention", json_object_get(v, "attention"), 0, &e->attention) < 0)
        return -1;
    json_t *vars = json_object_get(v, "variants");
    if (vars && !json_is_array(vars))
        return s_fail(w, "variants", "must be a list");
    size_t nv = json_array_size(vars);
    if (nv > RL_EX_LIST_MAX)
        return s_fail(w, "variants", "has %zu variants, at most %d", nv, RL_EX_LIST_MAX);
    e->variants = rl_calloc(nv ? nv : 1, sizeof *e->variants);
    for (size_t i = 0; i < nv; i++)
        if (s_variant(w, json_array_get(vars, i), i, e) < 0)
            return -1;
    return 0;
}

int
rl_exercise_parse(const char *name, const char *json, size_t len, rl_ex_catalogue_t *out,
                  rl_err_t *err)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        rl_err_set(err, "%s:%d:%d: not valid JSON: %s", name, jerr.line, jerr.column, jerr.text);
        return s_one_line(err);
    }
    s_where_t w = {.file = name, .err = err};
    int rc = -1;
    rl_ex_catalogue_t cat = {0};
    if (!json_is_object(root)) {
        s_fail(&w, "catalogue", "must be an object {\"format\": \"%s\", \"exercises\": [...]}",
               S_FORMAT);
        goto out;
    }
    static const char *const keys[] = {"format", "exercises", NULL};
    if (s_known_keys(&w, "catalogue", root, keys, "format, exercises") < 0)
        goto out;
    json_t *fmt = json_object_get(root, "format");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), S_FORMAT) != 0) {
        s_fail(&w, "format", "must be \"%s\"", S_FORMAT);
        goto out;
    }
    json_t *list = json_object_get(root, "exercises");
    if (!json_is_array(list) || json_array_size(list) == 0) {
        s_fail(&w, "exercises", "must be a list of at least one exercise");
        goto out;
    }
    size_t n = json_array_size(list);
    if (n > RL_EX_MAX) {
        s_fail(&w, "exercises", "has %zu exercises, at most %d", n, RL_EX_MAX);
        goto out;
    }
    cat.items = rl_calloc(n, sizeof *cat.items);
    for (size_t i = 0; i < n; i++) {
        w.index = i + 1;
        w.code = NULL;
        cat.n = i + 1; /* the exercise being read is freed with the others */
        rl_ex_catalogue_t done = {cat.items, i};
        if (s_exercise(&w, json_array_get(list, i), &done, &cat.items[i]) < 0)
            goto out;
    }
    *out = cat;
    cat = (rl_ex_catalogue_t){0};
    rc = 0;
out:
    rl_exercise_catalogue_free(&cat);
    json_decref(root);
    return rc;
}

int
rl_exercise_parse_file(const char *path, rl_ex_catalogue_t *out, rl_err_t *err)
{
    memset(out, 0, sizeof *out);
    size_t len = 0;
    unsigned char *buf = rl_paths_read_file(path, &len);
    if (!buf)
        return rl_err_set(err, "cannot read %s: %s", path, strerror(errno));
    int rc = rl_exercise_parse(path, (const char *)buf, len, out, err);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------ the database */

/* The texts of one language as a JSON array (caller frees). */
static char *
s_json_list(char **items, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(items[i]));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

/* $1 code, $2 position in the file, $3-$4 names, $5-$8 the lists as JSON
 * arrays, $9 source, $10 loaded_by, $11 replace. A new exercise goes to
 * the end of the list (with replace: to its place in the file); a known
 * one is written only when something differs, so RETURNING says whether
 * it was added, updated, or (no row) left as it was. */
static const char s_sql_upsert[] =
    "INSERT INTO clinical.exercise AS e (code, position, name_nl, name_en, steps_nl, steps_en, "
    "attention_nl, attention_en, source, loaded_by) "
    "VALUES ($1, CASE WHEN $11::boolean THEN $2::integer "
    "ELSE (SELECT COALESCE(max(position), 0) + 1 FROM clinical.exercise) END, $3, $4, "
    "ARRAY(SELECT jsonb_array_elements_text($5::jsonb)), "
    "ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), "
    "ARRAY(SELECT jsonb_array_elements_text($7::jsonb)), "
    "ARRAY(SELECT jsonb_array_elements_text($8::jsonb)), $9, $10) "
    "ON CONFLICT (code) DO UPDATE SET "
    "position = CASE WHEN $11::boolean THEN EXCLUDED.position ELSE e.position END, "
    "name_nl = EXCLUDED.name_nl, name_en = EXCLUDED.name_en, steps_nl = EXCLUDED.steps_nl, "
    "steps_en = EXCLUDED.steps_en, attention_nl = EXCLUDED.attention_nl, "
    "attention_en = EXCLUDED.attention_en, retired = false, source = EXCLUDED.source, "
    "loaded_by = EXCLUDED.loaded_by, loaded_at = now() "
    "WHERE (e.name_nl, e.name_en, e.steps_nl, e.steps_en, e.attention_nl, e.attention_en, "
    "e.retired, CASE WHEN $11::boolean THEN e.position <> EXCLUDED.position ELSE false END) "
    "IS DISTINCT FROM (EXCLUDED.name_nl, EXCLUDED.name_en, EXCLUDED.steps_nl, "
    "EXCLUDED.steps_en, EXCLUDED.attention_nl, EXCLUDED.attention_en, false, false) "
    "RETURNING exercise_id, (xmax = 0)";

/* $1 exercise_id, $2 code, $3 level, $4 position, $5-$6 texts. */
static const char s_sql_variant[] =
    "INSERT INTO clinical.exercise_variant AS v (exercise_id, code, level, position, text_nl, "
    "text_en) VALUES ($1, $2, $3, $4, $5, $6) "
    "ON CONFLICT (exercise_id, code) DO UPDATE SET level = EXCLUDED.level, "
    "position = EXCLUDED.position, text_nl = EXCLUDED.text_nl, text_en = EXCLUDED.text_en, "
    "retired = false "
    "WHERE (v.level, v.position, v.text_nl, v.text_en, v.retired) IS DISTINCT FROM "
    "(EXCLUDED.level, EXCLUDED.position, EXCLUDED.text_nl, EXCLUDED.text_en, false)";

/* $1 exercise_id, $2 the file's variant codes as a JSON array. */
static const char s_sql_retire_variants[] =
    "UPDATE clinical.exercise_variant SET retired = true "
    "WHERE exercise_id = $1 AND NOT retired "
    "AND code <> ALL (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))";

/* $1 exercise_id, $2 source, $3 loaded_by: only its variants changed. */
static const char s_sql_touch[] =
    "UPDATE clinical.exercise SET source = $2, loaded_by = $3, loaded_at = now() "
    "WHERE exercise_id = $1";

/* $1 the file's codes as a JSON array, $2 loaded_by. */
static const char s_sql_retire[] =
    "UPDATE clinical.exercise SET retired = true, loaded_by = $2, loaded_at = now() "
    "WHERE NOT retired AND code <> ALL (ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))";

/* Runs a statement and returns how many rows it touched, or -1. */
static long
s_exec_count(PGconn *conn, rl_err_t *err, const char *what, const char *sql, int n,
             const char *const *p)
{
    PGresult *res = rl_db_exec(conn, err, what, sql, n, p);
    if (!res)
        return -1;
    long c = strtol(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return c;
}

/* The variants of e (exercise_id id): upserted, the others retired.
 * Returns whether anything changed (1, 0), or -1. */
static int
s_store_variants(PGconn *conn, const rl_exercise_t *e, const char *id, rl_err_t *err)
{
    int changed = 0;
    char **codes = rl_calloc(e->n_variants ? e->n_variants : 1, sizeof(char *));
    for (size_t i = 0; i < e->n_variants; i++)
        codes[i] = e->variants[i].code;
    char *json = s_json_list(codes, e->n_variants);
    free(codes);
    const char *rp[2] = {id, json};
    long n = s_exec_count(conn, err, "retiring variants", s_sql_retire_variants, 2, rp);
    free(json);
    if (n < 0)
        return -1;
    changed |= n > 0;
    for (size_t i = 0; i < e->n_variants; i++) {
        const rl_ex_variant_t *v = &e->variants[i];
        char level[16], pos[24];
        snprintf(level, sizeof level, "%d", v->level);
        snprintf(pos, sizeof pos, "%zu", i + 1);
        const char *p[6] = {id, v->code, level, pos, v->text[RL_EX_NL], v->text[RL_EX_EN]};
        n = s_exec_count(conn, err, "storing a variant", s_sql_variant, 6, p);
        if (n < 0)
            return -1;
        changed |= n > 0;
    }
    return changed;
}

/* One exercise and its variants; counts it in *out. */
static int
s_store_one(PGconn *conn, const rl_exercise_t *e, size_t index, bool replace, const char *source,
            const char *loaded_by, rl_ex_load_t *out, rl_err_t *err)
{
    char pos[24];
    snprintf(pos, sizeof pos, "%zu", index + 1);
    char *lists[4] = {s_json_list(e->steps.item[RL_EX_NL], e->steps.n),
                      s_json_list(e->steps.item[RL_EX_EN], e->steps.n),
                      s_json_list(e->attention.item[RL_EX_NL], e->attention.n),
                      s_json_list(e->attention.item[RL_EX_EN], e->attention.n)};
    const char *p[11] = {e->code,
                         pos,
                         e->name[RL_EX_NL],
                         e->name[RL_EX_EN],
                         lists[0],
                         lists[1],
                         lists[2],
                         lists[3],
                         source,
                         loaded_by,
                         replace ? "true" : "false"};
    int rc = -1;
    char id[32];
    bool added = false, changed = false;
    PGresult *res = rl_db_exec(conn, err, "storing an exercise", s_sql_upsert, 11, p);
    if (!res)
        goto out;
    if (PQntuples(res) == 1) {
        snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
        added = PQgetvalue(res, 0, 1)[0] == 't';
        changed = true;
    }
    PQclear(res);
    if (!changed) {
        const char *cp[1] = {e->code};
        res = rl_db_exec(conn, err, "finding an exercise",
                         "SELECT exercise_id FROM clinical.exercise WHERE code = $1", 1, cp);
        if (!res)
            goto out;
        snprintf(id, sizeof id, "%s", PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "0");
        PQclear(res);
    }
    int vchanged = s_store_variants(conn, e, id, err);
    if (vchanged < 0)
        goto out;
    if (vchanged && !changed) {
        const char *tp[3] = {id, source, loaded_by};
        if (s_exec_count(conn, err, "stamping an exercise", s_sql_touch, 3, tp) < 0)
            goto out;
        changed = true;
    }
    if (added)
        out->added++;
    else if (changed)
        out->updated++;
    else
        out->unchanged++;
    rc = 0;
out:
    for (int i = 0; i < 4; i++)
        free(lists[i]);
    if (rc < 0)
        rl_err_prefix(err, "exercise %s: ", e->code);
    return rc;
}

int
rl_exercise_store(PGconn *conn, const rl_ex_catalogue_t *cat, bool replace, const char *source,
                  const char *loaded_by, rl_ex_load_t *out, rl_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (rl_db_begin(conn, err) < 0)
        return -1;
    /* Two loads at once would each see the other's codes as new. */
    PGresult *res = rl_db_exec(conn, err, "locking the catalogue",
                               "LOCK TABLE clinical.exercise IN SHARE ROW EXCLUSIVE MODE", 0, NULL);
    if (!res)
        goto fail;
    PQclear(res);
    for (size_t i = 0; i < cat->n; i++)
        if (s_store_one(conn, &cat->items[i], i, replace, source, loaded_by, out, err) < 0)
            goto fail;
    if (replace) {
        char **codes = rl_calloc(cat->n ? cat->n : 1, sizeof(char *));
        for (size_t i = 0; i < cat->n; i++)
            codes[i] = cat->items[i].code;
        char *json = s_json_list(codes, cat->n);
        free(codes);
        const char *p[2] = {json, loaded_by};
        long n = s_exec_count(conn, err, "retiring the exercises left out", s_sql_retire, 2, p);
        free(json);
        if (n < 0)
            goto fail;
        out->retired = (size_t)n;
    }
    if (rl_db_commit(conn, err) < 0)
        goto fail;
    return 0;
fail:
    rl_db_rollback(conn);
    memset(out, 0, sizeof *out);
    return -1;
}

/* A JSON array of texts (from array_to_json) into t's language l. */
static int
s_fetch_list(const char *json, rl_ex_texts_t *t, int l, rl_err_t *err)
{
    json_t *a = json_loads(json, 0, NULL);
    if (!json_is_array(a)) {
        json_decref(a);
        return rl_err_set(err, "reading the catalogue: a list is not a JSON array");
    }
    size_t n = json_array_size(a);
    if (l > 0 && n != t->n) {
        json_decref(a);
        return rl_err_set(err, "reading the catalogue: the languages' lists differ in length");
    }
    t->n = n;
    t->item[l] = rl_calloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(a, i));
        t->item[l][i] = rl_strdup(s ? s : "");
    }
    json_decref(a);
    return 0;
}

static int
s_fetch_variants(const char *json, rl_exercise_t *e, rl_err_t *err)
{
    json_t *a = json_loads(json, 0, NULL);
    if (!json_is_array(a)) {
        json_decref(a);
        return rl_err_set(err, "reading the catalogue: the variants are not a JSON array");
    }
    size_t n = json_array_size(a);
    e->variants = rl_calloc(n ? n : 1, sizeof *e->variants);
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(a, i);
        rl_ex_variant_t *var = &e->variants[e->n_variants++];
        const char *code = json_string_value(json_object_get(v, "code"));
        var->code = rl_strdup(code ? code : "");
        var->level = (int)json_integer_value(json_object_get(v, "level"));
        for (int l = 0; l < RL_EX_NLANG; l++) {
            const char *s = json_string_value(json_object_get(v, s_lang[l]));
            var->text[l] = rl_strdup(s ? s : "");
        }
        var->retired = json_is_true(json_object_get(v, "retired"));
    }
    json_decref(a);
    return 0;
}

static const char s_sql_fetch[] =
    "SELECT e.code, e.name_nl, e.name_en, array_to_json(e.steps_nl), array_to_json(e.steps_en), "
    "array_to_json(e.attention_nl), array_to_json(e.attention_en), e.retired, "
    "COALESCE((SELECT json_agg(json_build_object('code', v.code, 'level', v.level, "
    "'nl', v.text_nl, 'en', v.text_en, 'retired', v.retired) ORDER BY v.position, v.code) "
    "FROM clinical.exercise_variant v WHERE v.exercise_id = e.exercise_id "
    "AND ($2::boolean OR NOT v.retired)), '[]') "
    "FROM clinical.exercise e WHERE ($1::text IS NULL OR e.code = $1) "
    "AND ($2::boolean OR NOT e.retired OR $1::text IS NOT NULL) "
    "ORDER BY e.retired, e.position, e.code";

int
rl_exercise_fetch(PGconn *conn, const char *code, bool include_retired, rl_ex_catalogue_t *out,
                  rl_err_t *err)
{
    memset(out, 0, sizeof *out);
    const char *p[2] = {code, include_retired ? "true" : "false"};
    PGresult *res = rl_db_exec(conn, err, "reading the exercise catalogue", s_sql_fetch, 2, p);
    if (!res)
        return -1;
    int rc = -1;
    rl_ex_catalogue_t cat = {0};
    size_t n = (size_t)PQntuples(res);
    cat.items = rl_calloc(n ? n : 1, sizeof *cat.items);
    for (size_t i = 0; i < n; i++) {
        int r = (int)i;
        rl_exercise_t *e = &cat.items[cat.n++];
        e->code = rl_strdup(PQgetvalue(res, r, 0));
        e->name[RL_EX_NL] = rl_strdup(PQgetvalue(res, r, 1));
        e->name[RL_EX_EN] = rl_strdup(PQgetvalue(res, r, 2));
        e->retired = PQgetvalue(res, r, 7)[0] == 't';
        for (int l = 0; l < RL_EX_NLANG; l++)
            if (s_fetch_list(PQgetvalue(res, r, 3 + l), &e->steps, l, err) < 0 ||
                s_fetch_list(PQgetvalue(res, r, 5 + l), &e->attention, l, err) < 0)
                goto out;
        if (s_fetch_variants(PQgetvalue(res, r, 8), e, err) < 0)
            goto out;
    }
    *out = cat;
    cat = (rl_ex_catalogue_t){0};
    rc = 0;
out:
    rl_exercise_catalogue_free(&cat);
    PQclear(res);
    return rc;
}

long
rl_exercise_count(PGconn *conn, rl_err_t *err)
{
    PGresult *res = rl_db_exec(conn, err, "looking for the exercise catalogue",
                               "SELECT to_regclass('clinical.exercise') IS NOT NULL", 0, NULL);
    if (!res)
        return -1;
    bool there = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    if (!there)
        return -2;
    res = rl_db_exec(conn, err, "counting the exercises", "SELECT count(*) FROM clinical.exercise",
                     0, NULL);
    if (!res)
        return -1;
    long n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return n;
}
