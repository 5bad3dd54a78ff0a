/* `ruglab exercise`: the exercise catalogue (exercise.h): list, show, and
 * load a site's own catalogue file. Also the default catalogue that
 * `ruglab db migrate` loads into an empty catalogue (admin_exercise_default). */
#include "admin_util.h"

#include "ruglab/audit.h"
#include "ruglab/exercise.h"
#include "ruglab/exitcode.h"
#include "ruglab/mem.h"
#include "ruglab/paths.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_DEFAULT "exercises/catalogue.json"

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab exercise list [--lang nl|en] [--all]\n"
            "       ruglab exercise show CODE [--lang nl|en]\n"
            "       ruglab exercise load FILE [--replace]\n"
            "       ruglab exercise load --default [--replace]\n\n"
            "list  the exercises of the catalogue in order: code, name, variants (default\n"
            "      language nl); --all also the retired ones.\n"
            "show  one exercise: how to do it, its easier and harder variants (level -3..-1,\n"
            "      1..3; 0 is the exercise itself) and its points of attention. With --json,\n"
            "      the exercise in the catalogue file's format (both languages).\n"
            "load  checks the whole file (JSON; its format is described in README.md beside\n"
            "      the default catalogue) and stores it in one transaction: an exercise of a\n"
            "      known code is updated, a new code is added, a variant the file leaves out\n"
            "      is retired. --replace: the file is the whole catalogue; the exercises it\n"
            "      leaves out are retired (kept for the programmes that name them, no longer\n"
            "      listed; a later file naming them brings them back). A bad file changes\n"
            "      nothing.\n"
            "      --default loads the catalogue shipped with ruglab\n"
            "      (share/ruglab/%s); `ruglab db migrate` loads it by\n"
            "      itself when the catalogue is empty.\n",
            S_DEFAULT);
}

/* The shipped catalogue: beside the migrations' directory when given
 * (an installed tree, a checkout), else the data directory. Caller frees. */
static char *
s_default_path(const char *sql_dir)
{
    if (sql_dir) {
        char *copy = rl_strdup(sql_dir);
        char *p = rl_asprintf("%s/%s", dirname(copy), S_DEFAULT);
        free(copy);
        if (access(p, F_OK) == 0)
            return p;
        free(p);
    }
    return rl_paths_data(S_DEFAULT);
}

/* "FILE: N exercises (A added, U updated, S unchanged), R retired". */
static void
s_print_load(rl_cli_ctx_t *ctx, const char *source, const rl_ex_load_t *r, size_t n)
{
    if (rl_cli_json(ctx)) {
        json_t *j = json_object();
        json_object_set_new(j, "source", json_string(source));
        json_object_set_new(j, "exercises", json_integer((json_int_t)n));
        json_object_set_new(j, "added", json_integer((json_int_t)r->added));
        json_object_set_new(j, "updated", json_integer((json_int_t)r->updated));
        json_object_set_new(j, "unchanged", json_integer((json_int_t)r->unchanged));
        json_object_set_new(j, "retired", json_integer((json_int_t)r->retired));
        admin_json_print(j);
        return;
    }
    printf("exercise catalogue loaded from %s: %zu exercise%s (%zu added, %zu updated, %zu "
           "unchanged), %zu retired\n",
           source, n, n == 1 ? "" : "s", r->added, r->updated, r->unchanged, r->retired);
}

/* Parses path and stores it; prints the error ("<cmd>: ...") itself. */
static int
s_load_path(rl_cli_ctx_t *ctx, PGconn *conn, const char *cmd, const char *path, bool replace)
{
    rl_ex_catalogue_t cat;
    rl_err_t err;
    if (rl_exercise_parse_file(path, &cat, &err) < 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        return RL_EXIT_FAIL;
    }
    char *copy = rl_strdup(path);
    char *source = rl_strndup(basename(copy), 200);
    free(copy);
    rl_ex_load_t r;
    int rc = RL_EXIT_OK;
    if (rl_exercise_store(conn, &cat, replace, source, rl_audit_reader(), &r, &err) < 0) {
        rl_cli_fail("%s: %s: %s", cmd, path, err.msg);
        rc = PQstatus(conn) == CONNECTION_OK ? RL_EXIT_FAIL : RL_EXIT_DB;
    } else {
        s_print_load(ctx, source, &r, cat.n);
    }
    free(source);
    rl_exercise_catalogue_free(&cat);
    return rc;
}

int
admin_exercise_default(rl_cli_ctx_t *ctx, PGconn *conn, const char *sql_dir)
{
    const char *cmd = "db migrate";
    rl_err_t err;
    long n = rl_exercise_count(conn, &err);
    if (n == -1) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        return RL_EXIT_DB;
    }
    if (n != 0) /* loaded, or migrations without the catalogue (--sql-dir) */
        return RL_EXIT_OK;
    char *path = s_default_path(sql_dir);
    int rc = RL_EXIT_OK;
    if (access(path, R_OK) != 0)
        fprintf(stderr,
                "ruglab: %s: warning: the exercise catalogue is empty and the default one (%s) "
                "is not there: load one with `ruglab exercise load FILE`\n",
                cmd, path);
    else
        rc = s_load_path(ctx, conn, cmd, path, false);
    free(path);
    return rc;
}

static int
s_load(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "exercise load";
    bool replace = false, def = false;
    const admin_opt_t opts[] = {
        {"--replace", NULL, &replace}, {"--default", NULL, &def}, {NULL, NULL, NULL}};
    const char *file = NULL;
    int npos = 0;
    if (admin_parse(ctx, cmd, argc, argv, 2, opts, &file, 1, &npos) < 0)
        return RL_EXIT_USAGE;
    if ((npos == 1) == def) {
        rl_cli_fail("%s: give the catalogue FILE or --default (one of them)", cmd);
        return RL_EXIT_USAGE;
    }
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    char *path = def ? s_default_path(NULL) : rl_strdup(file);
    int rc = s_load_path(ctx, conn, cmd, path, replace);
    free(path);
    return rc;
}

/* --lang into *lang (default nl); -1 after printing. */
static int
s_lang(const char *cmd, const char *s, rl_ex_lang_t *lang)
{
    *lang = RL_EX_NL;
    rl_err_t err;
    if (s && rl_exercise_lang_parse(s, lang, &err) < 0) {
        rl_cli_fail("%s: --lang: %s", cmd, err.msg);
        return -1;
    }
    return 0;
}

static int
s_fetch(rl_cli_ctx_t *ctx, const char *cmd, const char *code, bool all, rl_ex_catalogue_t *cat)
{
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    rl_err_t err;
    if (rl_exercise_fetch(conn, code, all, cat, &err) < 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        return RL_EXIT_DB;
    }
    return RL_EXIT_OK;
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "exercise list", *lang_s = NULL;
    bool all = false;
    const admin_opt_t opts[] = {
        {"--lang", &lang_s, NULL}, {"--all", NULL, &all}, {NULL, NULL, NULL}};
    rl_ex_lang_t lang;
    if (admin_parse(ctx, cmd, argc, argv, 2, opts, NULL, 0, NULL) < 0)
        return RL_EXIT_USAGE;
    if (s_lang(cmd, lang_s, &lang) < 0)
        return RL_EXIT_USAGE;
    rl_ex_catalogue_t cat;
    int rc = s_fetch(ctx, cmd, NULL, all, &cat);
    if (rc != RL_EXIT_OK)
        return rc;
    if (rl_cli_json(ctx)) {
        json_t *a = json_array();
        for (size_t i = 0; i < cat.n; i++) {
            const rl_exercise_t *e = &cat.items[i];
            json_t *o = json_object();
            json_object_set_new(o, "code", json_string(e->code));
            json_object_set_new(o, "name", json_string(e->name[lang]));
            json_object_set_new(o, "variants", json_integer((json_int_t)e->n_variants));
            json_object_set_new(o, "retired", json_boolean(e->retired));
            json_array_append_new(a, o);
        }
        admin_json_print(a);
    } else if (cat.n == 0) {
        printf("the exercise catalogue is empty: load one with `ruglab exercise load FILE`\n");
    } else {
        int w = 4;
        for (size_t i = 0; i < cat.n; i++)
            if ((int)strlen(cat.items[i].code) > w)
                w = (int)strlen(cat.items[i].code);
        printf("%-*s  %s\n", w, "code", lang == RL_EX_EN ? "name (variants)" : "naam (varianten)");
        for (size_t i = 0; i < cat.n; i++) {
            const rl_exercise_t *e = &cat.items[i];
            printf("%-*s  %s (%zu)%s\n", w, e->code, e->name[lang], e->n_variants,
                   e->retired ? (lang == RL_EX_EN ? "  [retired]" : "  [niet meer in gebruik]")
                              : "");
        }
    }
    rl_exercise_catalogue_free(&cat);
    return RL_EXIT_OK;
}

/* An exercise in the catalogue file's format (both languages). */
static json_t *
s_texts_json(const rl_ex_texts_t *t)
{
    json_t *o = json_object();
    for (int l = 0; l < RL_EX_NLANG; l++) {
        json_t *a = json_array();
        for (size_t i = 0; i < t->n; i++)
            json_array_append_new(a, json_string(t->item[l][i]));
        json_object_set_new(o, rl_exercise_lang_name((rl_ex_lang_t)l), a);
    }
    return o;
}

static json_t *
s_exercise_json(const rl_exercise_t *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(e->code));
    json_t *name = json_object();
    for (int l = 0; l < RL_EX_NLANG; l++)
        json_object_set_new(name, rl_exercise_lang_name((rl_ex_lang_t)l), json_string(e->name[l]));
    json_object_set_new(o, "name", name);
    json_object_set_new(o, "steps", s_texts_json(&e->steps));
    json_t *vars = json_array();
    for (size_t i = 0; i < e->n_variants; i++) {
        const rl_ex_variant_t *v = &e->variants[i];
        json_t *vo = json_object();
        json_object_set_new(vo, "code", json_string(v->code));
        json_object_set_new(vo, "level", json_integer(v->level));
        for (int l = 0; l < RL_EX_NLANG; l++)
            json_object_set_new(vo, rl_exercise_lang_name((rl_ex_lang_t)l),
                                json_string(v->text[l]));
        json_array_append_new(vars, vo);
    }
    json_object_set_new(o, "variants", vars);
    json_object_set_new(o, "attention", s_texts_json(&e->attention));
    return o;
}

static void
s_show_text(const rl_exercise_t *e, rl_ex_lang_t lang)
{
    bool en = lang == RL_EX_EN;
    printf("%s  %s%s\n\n", e->code, e->name[lang],
           e->retired ? (en ? "  [retired]" : "  [niet meer in gebruik]") : "");
    printf("%s\n", en ? "How to do it:" : "Uitvoering:");
    for (size_t i = 0; i < e->steps.n; i++)
        printf("  %zu. %s\n", i + 1, e->steps.item[lang][i]);
    if (e->n_variants) {
        printf("\n%s\n", en ? "Variants:" : "Varianten:");
        int w = 4;
        for (size_t i = 0; i < e->n_variants; i++)
            if ((int)strlen(e->variants[i].code) > w)
                w = (int)strlen(e->variants[i].code);
        for (size_t i = 0; i < e->n_variants; i++) {
            const rl_ex_variant_t *v = &e->variants[i];
            printf("  %-*s  %-11s %+d  %s\n", w, v->code, rl_exercise_level_word(v->level, lang),
                   v->level, v->text[lang]);
        }
    }
    if (e->attention.n) {
        printf("\n%s\n", en ? "Points of attention:" : "Aandachtspunten:");
        for (size_t i = 0; i < e->attention.n; i++)
            printf("  - %s\n", e->attention.item[lang][i]);
    }
}

static int
s_show(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "exercise show", *lang_s = NULL, *code = NULL;
    const admin_opt_t opts[] = {{"--lang", &lang_s, NULL}, {NULL, NULL, NULL}};
    rl_ex_lang_t lang;
    if (admin_parse_arg(ctx, cmd, argc, argv, 2, opts, "give the exercise's CODE", &code) < 0 ||
        s_lang(cmd, lang_s, &lang) < 0)
        return RL_EXIT_USAGE;
    rl_ex_catalogue_t cat;
    int rc = s_fetch(ctx, cmd, code, false, &cat);
    if (rc != RL_EXIT_OK)
        return rc;
    if (cat.n == 0) {
        rl_cli_fail("%s: no exercise '%.40s' in the catalogue (`ruglab exercise list`)", cmd, code);
        rc = RL_EXIT_FAIL;
    } else if (rl_cli_json(ctx)) {
        admin_json_print(s_exercise_json(&cat.items[0]));
    } else {
        s_show_text(&cat.items[0], lang);
    }
    rl_exercise_catalogue_free(&cat);
    return rc;
}

static const rl_cli_command_t s_subs[] = {
    {"list", "the exercises of the catalogue", s_list},
    {"show", "one exercise: steps, variants, points of attention", s_show},
    {"load", "load a catalogue file (a site's own, or --default)", s_load},
};

static const admin_group_t s_group = {"exercise", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_exercise_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
