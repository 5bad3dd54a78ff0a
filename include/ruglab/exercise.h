/* The exercise catalogue: the home exercises a site gives its patients
 * (seed 004's brochure), as data. A catalogue file (JSON, the format in
 * deploy/exercises/README.md) is parsed and checked whole here; the
 * database keeps it in clinical.exercise and clinical.exercise_variant
 * (migration 701), where codes stay stable across reloads so that a home
 * programme can name an exercise and a variant. Shared by `ruglab
 * exercise`, `ruglab db migrate` (the default catalogue), the web and the
 * patient handout. Library code: never prints, fills err. One thread per
 * catalogue; the functions keep no state. */
#ifndef RUGLAB_EXERCISE_H
#define RUGLAB_EXERCISE_H

#include "ruglab/err.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* The languages of every text: Dutch (the default) and English. */
typedef enum { RL_EX_NL = 0, RL_EX_EN = 1, RL_EX_NLANG = 2 } rl_ex_lang_t;

/* "nl" or "en" into *out; -1 with err otherwise. */
int rl_exercise_lang_parse(const char *s, rl_ex_lang_t *out, rl_err_t *err)
    __attribute__((warn_unused_result));
const char *rl_exercise_lang_name(rl_ex_lang_t lang);

/* Limits a file is checked against (and the database's CHECKs). */
#define RL_EX_CODE_MAX 32  /* exercise and variant codes, bytes */
#define RL_EX_NAME_MAX 120 /* a name, bytes */
#define RL_EX_TEXT_MAX 400 /* a step, a variant, a point of attention, bytes */
#define RL_EX_LIST_MAX 12  /* steps, variants, points of attention per exercise */
#define RL_EX_LEVEL_MAX 3  /* a variant's level: -3..-1 easier, 1..3 harder */
#define RL_EX_MAX 500      /* exercises per catalogue */

/* One way to make an exercise easier (level < 0) or harder (level > 0);
 * the exercise itself is level 0. */
typedef struct {
    char *code; /* [a-z][a-z0-9-]*, unique within its exercise */
    int level;
    char *text[RL_EX_NLANG];
    bool retired; /* from the database: left out of a later load */
} rl_ex_variant_t;

/* A list of texts, the same count in every language. */
typedef struct {
    char **item[RL_EX_NLANG];
    size_t n;
} rl_ex_texts_t;

typedef struct {
    char *code; /* [A-Z][A-Z0-9-]*, stable: a reload updates the exercise of that code */
    char *name[RL_EX_NLANG];
    rl_ex_texts_t steps;     /* how to do it, in order; at least one */
    rl_ex_texts_t attention; /* points of attention; may be empty */
    rl_ex_variant_t *variants;
    size_t n_variants;
    bool retired; /* from the database: a load --replace left it out */
} rl_exercise_t;

/* A catalogue in file order. Caller owns; free with rl_exercise_catalogue_free. */
typedef struct {
    rl_exercise_t *items;
    size_t n;
} rl_ex_catalogue_t;

/* Parses and checks a whole catalogue (len bytes of JSON). name is how
 * errors call the text (the file's path). On error returns -1 with err
 * naming the place: "FILE:LINE:COLUMN: ..." for JSON syntax,
 * "FILE: exercise 3 (BIRD-DOG): steps.en: ..." for a bad entry; nothing is
 * kept. On success fills *out. */
int rl_exercise_parse(const char *name, const char *json, size_t len, rl_ex_catalogue_t *out,
                      rl_err_t *err) __attribute__((warn_unused_result));

/* rl_exercise_parse of a file's content. */
int rl_exercise_parse_file(const char *path, rl_ex_catalogue_t *out, rl_err_t *err)
    __attribute__((warn_unused_result));

/* Frees what the catalogue holds and zeroes it; NULL is ignored. */
void rl_exercise_catalogue_free(rl_ex_catalogue_t *cat);

/* What a load changed. */
typedef struct {
    size_t added, updated, unchanged; /* exercises of the file */
    size_t retired;                   /* exercises left out (with replace) */
} rl_ex_load_t;

/* Stores a parsed catalogue in one transaction (the caller is outside
 * one): an exercise of a known code is updated (its variants likewise by
 * code; a variant left out is retired), a new code is added, and with
 * replace every exercise the file leaves out is retired (never deleted:
 * home programmes may name it; a later file naming it brings it back).
 * source (the file's name) and loaded_by (who) are kept with each
 * exercise. Concurrent loads serialise. On error nothing is changed. */
int rl_exercise_store(PGconn *conn, const rl_ex_catalogue_t *cat, bool replace, const char *source,
                      const char *loaded_by, rl_ex_load_t *out, rl_err_t *err)
    __attribute__((warn_unused_result));

/* The catalogue in the database, in catalogue order: every exercise (with
 * include_retired, also retired ones and retired variants), or the one of
 * code, retired or not (0 exercises when there is none). Works for every role that
 * may read it (admin, clinician, secretariat). */
int rl_exercise_fetch(PGconn *conn, const char *code, bool include_retired, rl_ex_catalogue_t *out,
                      rl_err_t *err) __attribute__((warn_unused_result));

/* The number of exercises in the database (retired ones included); -2
 * when the schema has no catalogue (before migration 701); -1 with err. */
long rl_exercise_count(PGconn *conn, rl_err_t *err) __attribute__((warn_unused_result));

/* "easier" (level < 0), "harder" (> 0), in the language. */
const char *rl_exercise_level_word(int level, rl_ex_lang_t lang);

#endif
