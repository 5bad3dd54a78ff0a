/* `ruglab conclusion`: the physician's conclusion and advice for the final
 * report (printed by ruglab-report letter). Written from a file or in
 * $VISUAL / $EDITOR; every version is kept with who wrote it and when. */
#include "admin_util.h"

#include "ruglab/conclusion.h"
#include "ruglab/exitcode.h"
#include "ruglab/mem.h"
#include "ruglab/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab conclusion set PATIENT [--file FILE] [--lang nl|en|fr] "
                 "[--enrolment ID]\n"
                 "       ruglab conclusion show PATIENT [--enrolment ID]\n\n"
                 "set   writes the physician's conclusion and advice for the final report of the\n"
                 "      patient's programme (the running one, else the most recent). From FILE\n"
                 "      ('-' = standard input), otherwise in $VISUAL or $EDITOR (default vi),\n"
                 "      starting from the current conclusion; lines starting with '#' are left\n"
                 "      out. An empty text saves nothing. Earlier versions are kept. --lang:\n"
                 "      the language it is written in (default nl); a letter in another\n"
                 "      language says so above the conclusion.\n"
                 "show  prints the current conclusion, who wrote it and when (--json).\n\n"
                 "PATIENT: subject id, badge token or INSZ.\n");
}

/* A conclusion is a few paragraphs of a letter; a file larger than this
 * is a mistake (a wrong file, /dev/zero), refused before it fills memory. */
#define S_MAX_CONCLUSION (64u * 1024u)

/* Reads at most S_MAX_CONCLUSION bytes of valid UTF-8 from f; NULL after
 * printing why not. */
static char *
s_read_stream(const char *cmd, const char *name, FILE *f)
{
    size_t cap = S_MAX_CONCLUSION + 2, n = 0;
    char *buf = rl_malloc(cap);
    size_t got;
    while (n <= S_MAX_CONCLUSION && (got = fread(buf + n, 1, cap - n - 1, f)) > 0)
        n += got;
    if (ferror(f)) {
        rl_cli_fail("%s: cannot read %s: %s", cmd, name, strerror(errno));
        free(buf);
        return NULL;
    }
    if (n > S_MAX_CONCLUSION) {
        rl_cli_fail("%s: %s is larger than %u bytes, the most a conclusion may hold; nothing "
                    "saved",
                    cmd, name, S_MAX_CONCLUSION);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    size_t bad = rl_text_utf8_error_at(buf, n);
    if (bad < n) {
        rl_cli_fail("%s: %s is not valid UTF-8 text (byte %zu); nothing saved", cmd, name, bad + 1);
        free(buf);
        return NULL;
    }
    return buf;
}

/* Drops '#' comment lines (the editor's hints); the rest of the cleaning
 * is the storing rule's (rl_conclusion_store). */
static char *
s_clean(const char *text)
{
    size_t len = strlen(text);
    char *out = rl_malloc(len + 1);
    size_t n = 0;
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t l = eol ? (size_t)(eol - p) + 1 : strlen(p);
        if (*p != '#') {
            memcpy(out + n, p, l);
            n += l;
        }
        p += l;
    }
    out[n] = '\0';
    char *clean = rl_conclusion_clean(out);
    free(out);
    return clean;
}

/* $VISUAL, else $EDITOR, else vi. */
static const char *
s_editor(void)
{
    const char *editor = getenv("VISUAL");
    if (!editor || !*editor)
        editor = getenv("EDITOR");
    return editor && *editor ? editor : "vi";
}

/* Lets the physician edit in $VISUAL/$EDITOR, starting from current. */
static char *
s_edit(const char *cmd, const char *current, const char *enrolment)
{
    char path[] = "/tmp/ruglab-conclusion.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        rl_cli_fail("%s: cannot create a temporary file: %s", cmd, strerror(errno));
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(path);
        rl_cli_fail("%s: %s", cmd, strerror(errno));
        return NULL;
    }
    fprintf(f, "%s\n", current ? current : "");
    fprintf(f,
            "# Conclusion and advice for the final report of enrolment %s.\n"
            "# Lines starting with '#' are left out; an empty text saves nothing.\n",
            enrolment);
    fclose(f);
    const char *editor = s_editor();
    setenv("RUGLAB_EDITOR", editor, 1);
    char *text = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        /* through the shell, so that EDITOR may carry arguments */
        execl("/bin/sh", "sh", "-c", "$RUGLAB_EDITOR \"$1\"", "sh", path, (char *)NULL);
        _exit(127);
    }
    if (pid < 0) {
        rl_cli_fail("%s: cannot start the editor: %s", cmd, strerror(errno));
        goto out;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            rl_cli_fail("%s: waiting for the editor: %s", cmd, strerror(errno));
            goto out;
        }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        rl_cli_fail("%s: the editor (%s) failed (status %d); nothing saved", cmd, editor,
                    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        goto out;
    }
    f = fopen(path, "r");
    if (!f) {
        rl_cli_fail("%s: cannot read %s back: %s", cmd, path, strerror(errno));
        goto out;
    }
    text = s_read_stream(cmd, "the edited text", f);
    fclose(f);
out:
    unlink(path);
    return text;
}

/* The patient and options of set and show, and the enrolment they name. */
typedef struct {
    const char *patient, *enrolment, *file, *lang;
    char eid[32];
} s_opts_t;

/* PATIENT and the options of set and show. */
static int
s_parse(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, const admin_opt_t *opts,
        s_opts_t *o)
{
    return admin_parse_arg(ctx, cmd, argc, argv, 2, opts,
                           "PATIENT is required (subject id, badge token or INSZ)", &o->patient);
}

/* The enrolment the conclusion is about (--enrolment, else the running
 * one, else the most recent) into o->eid. */
static int
s_find(rl_cli_ctx_t *ctx, const char *cmd, int *rc, s_opts_t *o)
{
    if (!rl_cli_connect(ctx)) {
        *rc = RL_EXIT_DB;
        return -1;
    }
    return admin_find_enrolment_of(ctx, cmd, rc, o->patient, o->enrolment, false, o->eid);
}

static char *
s_current(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *eid, PGresult **row)
{
    const char *p[] = {eid};
    PGresult *res = admin_exec(ctx, cmd, rc, "reading the conclusion",
                               "SELECT body, written_by, to_char(written_at AT TIME ZONE "
                               "'Europe/Brussels', 'YYYY-MM-DD HH24:MI'), conclusion_id, lang "
                               "FROM clinical.conclusion WHERE enrolment_id = $1::bigint "
                               "ORDER BY written_at DESC, conclusion_id DESC LIMIT 1",
                               1, p);
    if (!res)
        return NULL;
    *row = res;
    return PQntuples(res) ? PQgetvalue(res, 0, 0) : "";
}

/* The new text, from --file or the editor, without comments; NULL with
 * *rc set when there is none. */
static char *
s_new_text(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const s_opts_t *o)
{
    char *raw = NULL;
    if (o->file) {
        bool in = !strcmp(o->file, "-");
        FILE *f = in ? stdin : fopen(o->file, "r");
        if (!f) {
            rl_cli_fail("%s: cannot read %s: %s", cmd, o->file, strerror(errno));
            *rc = RL_EXIT_FAIL;
            return NULL;
        }
        raw = s_read_stream(cmd, in ? "standard input" : o->file, f);
        if (!in)
            fclose(f);
    } else {
        PGresult *cur = NULL;
        const char *current = s_current(ctx, cmd, rc, o->eid, &cur);
        if (!current)
            return NULL;
        raw = s_edit(cmd, current, o->eid);
        PQclear(cur);
    }
    if (!raw) {
        *rc = RL_EXIT_FAIL;
        return NULL;
    }
    /* an empty text is refused by the storing rule */
    char *text = s_clean(raw);
    free(raw);
    return text;
}

static int
s_set(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "conclusion set";
    s_opts_t o = {0};
    const admin_opt_t opts[] = {{"--file", &o.file, NULL},
                                {"--enrolment", &o.enrolment, NULL},
                                {"--lang", &o.lang, NULL},
                                {NULL, NULL, NULL}};
    if (s_parse(ctx, cmd, argc, argv, opts, &o) < 0)
        return RL_EXIT_USAGE;
    if (!o.lang)
        o.lang = "nl";
    if (!rl_conclusion_lang_ok(o.lang)) {
        rl_cli_fail("%s: --lang: '%s' is not a language of the letter (nl, en, fr)", cmd, o.lang);
        return RL_EXIT_USAGE;
    }
    int rc = RL_EXIT_OK;
    char *text;
    if (s_find(ctx, cmd, &rc, &o) < 0 || !(text = s_new_text(ctx, cmd, &rc, &o)))
        return rc;
    rl_conclusion_t in = {.enrolment_id = o.eid, .body = text, .lang = o.lang};
    char id[32];
    const char *field;
    rl_err_t err;
    int f = rl_conclusion_store(rl_cli_connect(ctx), &in, id, &field, &err);
    free(text);
    if (f != 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        return f == -1 ? RL_EXIT_FAIL : RL_EXIT_DB;
    }
    admin_print_added(ctx, "conclusion", "conclusion_id", id, "enrolment_id", o.eid);
    return RL_EXIT_OK;
}

static int
s_show(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "conclusion show";
    s_opts_t o = {0};
    const admin_opt_t opts[] = {{"--enrolment", &o.enrolment, NULL}, {NULL, NULL, NULL}};
    if (s_parse(ctx, cmd, argc, argv, opts, &o) < 0)
        return RL_EXIT_USAGE;
    int rc = RL_EXIT_OK;
    PGresult *res = NULL;
    if (s_find(ctx, cmd, &rc, &o) < 0 || !s_current(ctx, cmd, &rc, o.eid, &res))
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        rl_cli_fail("%s: no conclusion written for enrolment %s", cmd, o.eid);
        return RL_EXIT_FAIL;
    }
    if (rl_cli_json(ctx)) {
        admin_json_print(json_pack("{s:s, s:s, s:s, s:s, s:s}", "enrolment_id", o.eid, "body",
                                   PQgetvalue(res, 0, 0), "written_by", PQgetvalue(res, 0, 1),
                                   "written_at", PQgetvalue(res, 0, 2), "lang",
                                   PQgetvalue(res, 0, 4)));
    } else {
        printf("enrolment %s, written by %s at %s (%s):\n%s\n", o.eid, PQgetvalue(res, 0, 1),
               PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    return RL_EXIT_OK;
}

static const rl_cli_command_t s_subs[] = {
    {"set", "write the conclusion and advice from a file or in an editor", s_set},
    {"show", "the current conclusion, who wrote it and when", s_show},
};

static const admin_group_t s_group = {"conclusion", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_conclusion_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
