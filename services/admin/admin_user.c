/* `ruglab user`: the people who sign in to ruglab-web (web.user_account).
 * The password is read here (the terminal without echo, or one line of
 * stdin), checked and hashed by the shared password module, and only the
 * hash reaches the database; neither is ever printed. */
#include "admin_util.h"

#include "ruglab/audit.h"
#include "ruglab/exitcode.h"
#include "ruglab/password.h"
#include "ruglab/text.h"
#include "ruglab/user_sql.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab user add NAME --role ROLE [--site CODE] [--display-name TEXT]\n"
            "       ruglab user passwd NAME\n"
            "       ruglab user disable NAME [--reason TEXT]\n"
            "       ruglab user enable NAME\n"
            "       ruglab [--json] user list\n\n"
            "add      a person who signs in to ruglab-web. NAME: 1-64 of a-z, 0-9, '.', '_'\n"
            "         and '-'. ROLE: physician, secretariat (both need --site: they see the\n"
            "         patients of their site), quality or admin (--site optional: their work\n"
            "         spans every site). Asks for the password.\n"
            "passwd   sets a new password.\n"
            "disable  refuses the person's sign-in from now on; the account stays on record.\n"
            "enable   allows it again.\n"
            "list     name, display name, role, site, status, created (when, by whom) and\n"
            "         the last password change (--json: an array of objects).\n\n"
            "The password is read from the terminal without echo, twice; when stdin is not\n"
            "a terminal, it is the first line of stdin (for scripts: printf '%%s\\n' \"$PW\" |\n"
            "ruglab user passwd NAME). At least %d characters, valid UTF-8 without control\n"
            "characters, at most %d bytes. It is stored as an Argon2id hash; neither the\n"
            "password nor the hash is ever printed.\n",
            RL_PASSWORD_MIN_CHARS, RL_PASSWORD_MAX_BYTES);
}

/* ---- the password ---- */

/* One line from in into buf (the newline removed); -1 at end of input. */
static int
s_read_line(FILE *in, char *buf, size_t size, size_t *len)
{
    if (!fgets(buf, (int)size, in))
        return -1;
    *len = strcspn(buf, "\n");
    buf[*len] = '\0';
    return 0;
}

/* A line typed at the terminal without echo, after prompt. */
static int
s_read_hidden(const char *prompt, char *buf, size_t size, size_t *len)
{
    struct termios old, quiet;
    /* echo off before the prompt: nothing typed after it is shown */
    bool restore = tcgetattr(STDIN_FILENO, &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    fprintf(stderr, "%s", prompt);
    fflush(stderr);
    int r = s_read_line(stdin, buf, size, len);
    if (restore)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    return r;
}

/* Reads the new password (twice at a terminal), checks the rules and
 * hashes it into hash. The buffers are wiped before returning. An
 * RL_EXIT_* code. */
static int
s_new_password(const char *cmd, char hash[RL_PASSWORD_HASH_SIZE])
{
    /* one byte over the limit and the newline: a longer line is refused */
    char pw[RL_PASSWORD_MAX_BYTES + 3], again[RL_PASSWORD_MAX_BYTES + 3];
    size_t len = 0, len2 = 0;
    int rc = RL_EXIT_FAIL;
    rl_err_t err;
    bool tty = isatty(STDIN_FILENO);
    if (tty ? s_read_hidden("new password: ", pw, sizeof pw, &len) < 0
            : s_read_line(stdin, pw, sizeof pw, &len) < 0)
        rl_cli_fail("%s: no password given (%s)", cmd, tty ? "end of input" : "stdin is empty");
    else if (rl_password_check(pw, len, &err) < 0)
        rl_cli_fail("%s: %s", cmd, err.msg);
    else if (tty && (s_read_hidden("again: ", again, sizeof again, &len2) < 0 || len != len2 ||
                     sodium_memcmp(pw, again, len) != 0))
        rl_cli_fail("%s: the two passwords differ; nothing was changed", cmd);
    else if (rl_password_hash(pw, len, hash, &err) < 0)
        rl_cli_fail("%s: %s", cmd, err.msg);
    else
        rc = RL_EXIT_OK;
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(again, sizeof again);
    return rc;
}

/* ---- add ---- */

typedef struct {
    const char *name, *role, *site, *display;
} s_add_opts_t;

/* The roles of web.user_account; a physician and the secretariat work for
 * one site (they see its patients). */
static const struct {
    const char *name;
    bool needs_site;
} s_roles[] = {
    {"physician", true},
    {"secretariat", true},
    {"quality", false},
    {"admin", false},
};

/* NAME as web.user_account's CHECK has it; an RL_EXIT_* code. */
static int
s_check_name(const char *cmd, const char *name)
{
    size_t n = strlen(name);
    if (n >= 1 && n <= 64 && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n)
        return RL_EXIT_OK;
    rl_cli_fail("%s: '%s' is not a user name (1-64 of a-z, 0-9, '.', '_' and '-')", cmd, name);
    return RL_EXIT_FAIL;
}

/* The role, the site it needs and the display name; an RL_EXIT_* code. */
static int
s_add_check(const char *cmd, const s_add_opts_t *o)
{
    int rc = s_check_name(cmd, o->name);
    if (rc != RL_EXIT_OK)
        return rc;
    size_t r = 0;
    while (r < ADMIN_COUNT(s_roles) && strcmp(o->role, s_roles[r].name) != 0)
        r++;
    if (r == ADMIN_COUNT(s_roles)) {
        rl_cli_fail("%s: unknown role '%s' (physician, secretariat, quality, admin)", cmd, o->role);
        return RL_EXIT_FAIL;
    }
    if (s_roles[r].needs_site && (!o->site || !*o->site)) {
        rl_cli_fail("%s: a %s works for one site: --site is required", cmd, o->role);
        return RL_EXIT_USAGE;
    }
    size_t n = o->display ? strlen(o->display) : 1;
    if (n == 0 || n > 200 || (o->display && rl_text_control_at(o->display, n) != n)) {
        rl_cli_fail("%s: --display-name: 1-200 bytes without control characters", cmd);
        return RL_EXIT_FAIL;
    }
    return RL_EXIT_OK;
}

/* The site (when given) exists and the name is free: checked before the
 * password is asked for. */
static int
s_add_resolve(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const s_add_opts_t *o, char site_id[32])
{
    *site_id = '\0';
    if (o->site && admin_find_site(ctx, cmd, rc, o->site, site_id) < 0)
        return -1;
    char id[32];
    int f =
        admin_lookup_id(ctx, cmd, rc, "checking the name",
                        "SELECT user_id FROM web.user_account WHERE name = $1", 1, &o->name, id);
    if (f > 0) {
        rl_cli_fail("%s: a user named '%s' already exists", cmd, o->name);
        *rc = RL_EXIT_FAIL;
    }
    return f == 0 ? 0 : -1;
}

static int
s_add(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "user add";
    s_add_opts_t o = {0};
    const admin_opt_t opts[] = {{"--role", &o.role, NULL},
                                {"--site", &o.site, NULL},
                                {"--display-name", &o.display, NULL},
                                {NULL, NULL, NULL}};
    if (admin_parse_arg(ctx, cmd, argc, argv, 2, opts, "give the user's NAME", &o.name) < 0 ||
        admin_require(cmd, "--role", o.role) < 0)
        return RL_EXIT_USAGE;
    int rc = s_add_check(cmd, &o);
    char site_id[32], hash[RL_PASSWORD_HASH_SIZE];
    if (rc != RL_EXIT_OK || s_add_resolve(ctx, cmd, &rc, &o, site_id) < 0 ||
        (rc = s_new_password(cmd, hash)) != RL_EXIT_OK)
        return rc;
    const char *p[6] = {o.name, o.display,        o.role, *site_id ? site_id : NULL,
                        hash,   rl_audit_reader()};
    char id[32];
    int r = admin_insert_id(ctx, cmd, &rc, "adding the user",
                            "INSERT INTO web.user_account (name, display_name, role, site_id, "
                            "password_hash, created_by) VALUES ($1, $2, $3, $4::integer, $5, $6) "
                            "ON CONFLICT (name) DO NOTHING RETURNING user_id",
                            6, p, id, "a user named '%s' already exists", o.name);
    sodium_memzero(hash, sizeof hash);
    if (r < 0)
        return rc;
    admin_print_added(ctx, "user", "user_id", id, "name", o.name);
    return RL_EXIT_OK;
}

/* ---- passwd, disable, enable ---- */

/* Runs an UPDATE of the account params[0] (RETURNING a row when it
 * changed it) and says "user NAME <done>". When nothing changed, says why:
 * no such user, or `state` (e.g. "is already disabled"). An RL_EXIT_*
 * code. */
static int
s_update(rl_cli_ctx_t *ctx, const char *cmd, const char *sql, int nparams,
         const char *const *params, const char *state, const char *done)
{
    int rc = RL_EXIT_OK;
    char id[32];
    int f = admin_lookup_id(ctx, cmd, &rc, "updating the user", sql, nparams, params, id);
    if (f > 0)
        printf("user %s %s\n", params[0], done);
    if (f != 0)
        return f > 0 ? RL_EXIT_OK : rc;
    if (admin_need_id(ctx, cmd, &rc, "SELECT user_id FROM web.user_account WHERE name = $1", 1,
                      params, id, "no user named '%s' (see ruglab user list)", params[0]) < 0)
        return rc;
    rl_cli_fail("%s: user '%s' %s", cmd, params[0], state);
    return RL_EXIT_FAIL;
}

/* Parses NAME and opts for passwd, disable and enable. */
static int
s_parse_name(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, const admin_opt_t *opts,
             const char **name)
{
    if (admin_parse_arg(ctx, cmd, argc, argv, 2, opts, "give the user's NAME", name) < 0)
        return RL_EXIT_USAGE;
    return s_check_name(cmd, *name);
}

static int
s_passwd(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "user passwd", *name = NULL;
    const admin_opt_t opts[] = {{NULL, NULL, NULL}};
    int rc = s_parse_name(ctx, cmd, argc, argv, opts, &name);
    char id[32], hash[RL_PASSWORD_HASH_SIZE];
    if (rc != RL_EXIT_OK ||
        admin_need_id(ctx, cmd, &rc, "SELECT user_id FROM web.user_account WHERE name = $1", 1,
                      &name, id, "no user named '%s' (see ruglab user list)", name) < 0 ||
        (rc = s_new_password(cmd, hash)) != RL_EXIT_OK)
        return rc;
    const char *p[2] = {name, hash};
    rc = s_update(ctx, cmd,
                  "UPDATE web.user_account SET password_hash = $2, password_changed_at = now() "
                  "WHERE name = $1 RETURNING user_id",
                  2, p, "was not changed", "has a new password");
    sodium_memzero(hash, sizeof hash);
    return rc;
}

static int
s_disable(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "user disable", *name = NULL, *reason = NULL;
    const admin_opt_t opts[] = {{"--reason", &reason, NULL}, {NULL, NULL, NULL}};
    int rc = s_parse_name(ctx, cmd, argc, argv, opts, &name);
    if (rc != RL_EXIT_OK)
        return rc;
    if (reason && (!*reason || strlen(reason) > 1000)) {
        rl_cli_fail("%s: --reason: 1-1000 bytes", cmd);
        return RL_EXIT_FAIL;
    }
    const char *p[2] = {name, reason};
    return s_update(ctx, cmd,
                    "UPDATE web.user_account SET disabled_at = now(), disable_reason = $2 "
                    "WHERE name = $1 AND disabled_at IS NULL RETURNING user_id",
                    2, p, "is already disabled", "disabled");
}

static int
s_enable(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "user enable", *name = NULL;
    const admin_opt_t opts[] = {{NULL, NULL, NULL}};
    int rc = s_parse_name(ctx, cmd, argc, argv, opts, &name);
    if (rc != RL_EXIT_OK)
        return rc;
    return s_update(ctx, cmd,
                    "UPDATE web.user_account SET disabled_at = NULL, disable_reason = NULL "
                    "WHERE name = $1 AND disabled_at IS NOT NULL RETURNING user_id",
                    1, &name, "is not disabled", "enabled");
}

/* ---- list ---- */

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_list(ctx, "user list", argc, argv, NULL, "listing the users", RL_USER_LIST_SQL, 0,
                      NULL, NULL);
}

static const rl_cli_command_t s_subs[] = {
    {"add", "a person who signs in to ruglab-web", s_add},
    {"passwd", "set a new password", s_passwd},
    {"disable", "refuse the person's sign-in from now on", s_disable},
    {"enable", "allow the person's sign-in again", s_enable},
    {"list", "every user: role, site, status, last password change", s_list},
};

static const admin_group_t s_group = {"user", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_user_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
