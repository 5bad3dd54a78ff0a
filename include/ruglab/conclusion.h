/* The physician's conclusion and advice for the final report: the one
 * rule for storing them, shared by `ruglab conclusion set` (the admin CLI)
 * and ruglab-web's sign-off page. Every version is kept (a new row in
 * clinical.conclusion; the latest is the one the letter prints), with who
 * wrote it (rl_audit_reader(): the OS user, or the signed-in person). */
#ifndef RUGLAB_CONCLUSION_H
#define RUGLAB_CONCLUSION_H

#include "ruglab/err.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* The longest text of each part (characters, as clinical.conclusion's
 * CHECK allows). */
#define RL_CONCLUSION_MAX_CHARS 20000

/* A new version of the conclusion of an enrolment. */
typedef struct {
    const char *enrolment_id; /* decimal */
    const char *body;         /* the conclusion, as typed */
    const char *advice;       /* the advice, as typed; NULL or blank: none */
    const char *lang;         /* nl, en, fr */
} rl_conclusion_t;

/* Whether lang is a language a conclusion may be written in (nl, en, fr). */
bool rl_conclusion_lang_ok(const char *lang);

/* The text as stored: line ends as "\n" (a browser sends "\r\n"),
 * without surrounding blank space. Caller frees. */
char *rl_conclusion_clean(const char *text);

/* Stores a new version: the texts cleaned (rl_conclusion_clean), valid
 * UTF-8, not longer than RL_CONCLUSION_MAX_CHARS, the body not empty, the
 * language one of rl_conclusion_lang_ok. Returns 0 with the new
 * conclusion_id in id; -1 when the input is refused (*field names the
 * part at fault: "body", "advice" or "lang"; err says why, e.g. "the
 * conclusion is empty; nothing saved"); -2 on a database error (err:
 * "saving the conclusion: ..."). */
int rl_conclusion_store(PGconn *conn, const rl_conclusion_t *in, char id[32], const char **field,
                        rl_err_t *err) __attribute__((warn_unused_result));

#endif
