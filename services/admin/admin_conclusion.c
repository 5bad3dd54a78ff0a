/* `ruglab conclusion`: the physician's conclusion and advice for the final
 * report (printed by ruglab-report letter). Written from a file or in
 * $VISUAL / $EDITOR; every version is kept with who wrote it and when. */
#include "admin_util.h"

#include "ruglab/audit.h"
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

/* Drops '#' comment lines and surrounding blank space. */
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
    while (n > 0 && strchr(" \t\r\n", out[n - 1]))
        out[--n] = '\0';
    size_t lead = strspn(out, " \t\r\n");
    memmove(out, out + lead, n - lead + 1);
    return out;
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
    const char *editor = getenv("VISUAL");
    if (!editor || !*editor)
        editor = getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
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

/* PATIENT and the options of set and show. */
static int
s_parse(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, const admin_opt_t *opts,
        const char **patient)
{
    return admin_parse_arg(ctx, cmd, argc, argv, 2, opts,
                           "PATIENT is required (subject id, badge token or INSZ)", patient);
}

/* The enrolment the conclusion is about (--enrolment, else the running
 * one, else the most recent) into eid[32]. */
static int
s_find(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *patient, const char *enrolment,
       char eid[32])
{
    if (!rl_cli_connect(ctx)) {
        *rc = RL_EXIT_DB;
        return -1;
    }
    return admin_find_enrolment_of(ctx, cmd, rc, patient, enrolment, false, eid);
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

static int
s_set(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "conclusion set";
    const char *file = NULL, *enrolment = NULL, *lang = NULL, *patient = NULL;
    const admin_opt_t opts[] = {{"--file", &file, NULL},
                                {"--enrolment", &enrolment, NULL},
                                {"--lang", &lang, NULL},
                                {NULL, NULL, NULL}};
    if (s_parse(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    if (!lang)
        lang = "nl";
    if (strcmp(lang, "nl") && strcmp(lang, "en") && strcmp(lang, "fr")) {
        rl_cli_fail("%s: --lang: '%s' is not a language of the letter (nl, en, fr)", cmd, lang);
        return RL_EXIT_USAGE;
    }
    int rc = RL_EXIT_OK;
    char eid[32];
    if (s_find(ctx, cmd, &rc, patient, enrolment, eid) < 0)
        return rc;
    char *raw = NULL;
    if (file) {
        FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
        if (!f) {
            rl_cli_fail("%s: cannot read %s: %s", cmd, file, strerror(errno));
            return RL_EXIT_FAIL;
        }
        raw = s_read_stream(cmd, strcmp(file, "-") ? file : "standard input", f);
        if (f != stdin)
            fclose(f);
        if (!raw)
            return RL_EXIT_FAIL;
    } else {
        PGresult *cur = NULL;
        const char *current = s_current(ctx, cmd, &rc, eid, &cur);
        if (!current)
            return rc;
        const char *editor = getenv("VISUAL");
        if (!editor || !*editor)
            editor = getenv("EDITOR");
        setenv("RUGLAB_EDITOR", editor && *editor ? editor : "vi", 1);
        raw = s_edit(cmd, current, eid);
        PQclear(cur);
        if (!raw)
            return RL_EXIT_FAIL;
    }
    char *text = s_clean(raw);
    free(raw);
    if (!*text) {
        rl_cli_fail("%s: the conclusion is empty; nothing saved", cmd);
        free(text);
        return RL_EXIT_FAIL;
    }
    const char *p[] = {eid, text, rl_audit_reader(), lang};
    PGresult *res = admin_exec(ctx, cmd, &rc, "saving the conclusion",
                               "INSERT INTO clinical.conclusion (enrolment_id, body, written_by, "
                               "lang) VALUES ($1::bigint, $2, $3, $4) RETURNING conclusion_id",
                               4, p);
    free(text);
    if (!res)
        return rc;
    admin_print_added(ctx, "conclusion", "conclusion_id", PQgetvalue(res, 0, 0), "enrolment_id",
                      eid);
    PQclear(res);
    return RL_EXIT_OK;
}

static int
s_show(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "conclusion show";
    const char *enrolment = NULL, *patient = NULL;
    const admin_opt_t opts[] = {{"--enrolment", &enrolment, NULL}, {NULL, NULL, NULL}};
    if (s_parse(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    int rc = RL_EXIT_OK;
    char eid[32];
    if (s_find(ctx, cmd, &rc, patient, enrolment, eid) < 0)
        return rc;
    PGresult *res = NULL;
    if (!s_current(ctx, cmd, &rc, eid, &res))
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        rl_cli_fail("%s: no conclusion written for enrolment %s", cmd, eid);
        return RL_EXIT_FAIL;
    }
    if (rl_cli_json(ctx)) {
        admin_json_print(json_pack("{s:s, s:s, s:s, s:s, s:s}", "enrolment_id", eid, "body",
                                   PQgetvalue(res, 0, 0), "written_by", PQgetvalue(res, 0, 1),
                                   "written_at", PQgetvalue(res, 0, 2), "lang",
                                   PQgetvalue(res, 0, 4)));
    } else {
        printf("enrolment %s, written by %s at %s (%s):\n%s\n", eid, PQgetvalue(res, 0, 1),
               PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    return RL_EXIT_OK;
}

int
admin_conclusion_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    static const rl_cli_command_t subs[] = {
        {"set", "write the conclusion and advice from a file or in an editor", s_set},
        {"show", "the current conclusion, who wrote it and when", s_show},
    };
    static const admin_group_t group = {"conclusion", s_usage, subs, ADMIN_COUNT(subs)};
    return admin_dispatch(ctx, &group, argc, argv);
}
