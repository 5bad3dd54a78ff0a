/* Helpers of the admin CLI's command groups (see admin_util.h). */
#include "admin_util.h"

#include "ruglab/audit.h"
#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/insz.h"
#include "ruglab/mem.h"
#include "ruglab/registration.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
admin_dispatch(rl_cli_ctx_t *ctx, const admin_group_t *group, int argc, char **argv)
{
    if (argc < 2 || rl_cli_wants_help(argc, argv)) {
        group->usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? RL_EXIT_USAGE : RL_EXIT_OK;
    }
    char names[256] = "";
    for (size_t i = 0; i < group->n_subs; i++) {
        const rl_cli_command_t *sub = &group->subs[i];
        if (!strcmp(argv[1], sub->name))
            return sub->run(ctx, argc, argv);
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                 sub->name);
    }
    rl_cli_fail("%s: unknown subcommand '%s' (%s)", group->name, argv[1], names);
    return RL_EXIT_USAGE;
}

int
admin_parse(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, int first,
            const admin_opt_t *opts, const char **pos, int max_pos, int *n_pos)
{
    int np = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || !strcmp(a, "--")) {
            if (!strcmp(a, "--") && i + 1 < argc)
                a = argv[++i];
            if (np >= max_pos) {
                rl_cli_fail("%s: unexpected argument '%s' (see --help)", cmd, a);
                return -1;
            }
            pos[np++] = a;
            continue;
        }
        if (!strcmp(a, "--json")) {
            ctx->format = RL_CLI_JSON;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        const admin_opt_t *o = opts;
        while (o->name && !(strlen(o->name) == len && !strncmp(o->name, a, len)))
            o++;
        if (!o->name) {
            rl_cli_fail("%s: unknown option '%.*s' (see --help)", cmd, (int)len, a);
            return -1;
        }
        if (o->flag) {
            if (eq) {
                rl_cli_fail("%s: option %s takes no value", cmd, o->name);
                return -1;
            }
            *o->flag = true;
        } else if (eq) {
            *o->value = eq + 1;
        } else if (i + 1 < argc) {
            *o->value = argv[++i];
        } else {
            rl_cli_fail("%s: option %s needs a value", cmd, o->name);
            return -1;
        }
    }
    if (n_pos)
        *n_pos = np;
    return 0;
}

int
admin_parse_arg(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, int first,
                const admin_opt_t *opts, const char *missing, const char **arg)
{
    int npos = 0;
    if (admin_parse(ctx, cmd, argc, argv, first, opts, arg, 1, &npos) < 0)
        return -1;
    if (npos != 1) {
        rl_cli_fail("%s: %s", cmd, missing);
        return -1;
    }
    return 0;
}

int
admin_parse_patient(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv,
                    const admin_opt_t *opts, const char **patient)
{
    return admin_parse_arg(ctx, cmd, argc, argv, 2, opts, ADMIN_PATIENT_MISSING, patient);
}

int
admin_parse_json_only(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++) {
        if (strcmp(argv[i], "--json") != 0) {
            rl_cli_fail("%s: unexpected argument '%s'", cmd, argv[i]);
            return -1;
        }
        ctx->format = RL_CLI_JSON;
    }
    return 0;
}

int
admin_require(const char *cmd, const char *option, const char *value)
{
    if (value && *value)
        return 0;
    rl_cli_fail("%s: %s is required (see --help)", cmd, option);
    return -1;
}

int
admin_parse_date(const char *cmd, const char *option, const char *s, rl_date_t *out)
{
    rl_err_t err;
    if (rl_date_parse(s, out, &err) == 0)
        return 0;
    rl_cli_fail("%s: %s: %s", cmd, option, err.msg);
    return -1;
}

int
admin_parse_number(const char *cmd, const char *option, const char *s, double min, double max,
                   double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) {
        rl_cli_fail("%s: %s: '%s' is not a number", cmd, option, s);
        return -1;
    }
    if (v < min || v > max) {
        rl_cli_fail("%s: %s: %s is outside %g-%g", cmd, option, s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

PGresult *
admin_exec(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *what, const char *sql,
           int nparams, const char *const *params)
{
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn) {
        *rc = RL_EXIT_DB;
        return NULL;
    }
    rl_reg_err_t err;
    PGresult *res = rl_reg_exec(conn, &err, what, sql, nparams, params);
    if (!res)
        *rc = admin_reg_fail(cmd, &err);
    return res;
}

int
admin_reg_fail(const char *cmd, const rl_reg_err_t *err)
{
    rl_cli_fail("%s: %s", cmd, err->msg);
    return err->status;
}

static int
s_simple(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *sql)
{
    PGresult *res = admin_exec(ctx, cmd, rc, sql, sql, 0, NULL);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int
admin_begin(rl_cli_ctx_t *ctx, const char *cmd, int *rc)
{
    return s_simple(ctx, cmd, rc, "BEGIN");
}

int
admin_commit(rl_cli_ctx_t *ctx, const char *cmd, int *rc)
{
    return s_simple(ctx, cmd, rc, "COMMIT");
}

void
admin_rollback(rl_cli_ctx_t *ctx)
{
    if (ctx->conn && PQtransactionStatus(ctx->conn) != PQTRANS_IDLE)
        PQclear(PQexec(ctx->conn, "ROLLBACK"));
}

int
admin_lookup_id(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *what, const char *sql,
                int nparams, const char *const *params, char id[32])
{
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn) {
        *rc = RL_EXIT_DB;
        return -1;
    }
    rl_reg_err_t err;
    int found = rl_reg_lookup(conn, &err, what, sql, nparams, params, id);
    if (found < 0)
        *rc = admin_reg_fail(cmd, &err);
    return found;
}

/* admin_lookup_id where no row is an error: "<cmd>: <fmt...>",
 * RL_EXIT_FAIL; what (NULL: the message) names the query in errors. */
static int
s_must_find(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *what, const char *sql,
            int nparams, const char *const *params, char id[32], const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    int f = admin_lookup_id(ctx, cmd, rc, what ? what : msg, sql, nparams, params, id);
    if (f == 0) {
        rl_cli_fail("%s: %s", cmd, msg);
        *rc = RL_EXIT_FAIL;
    }
    return f > 0 ? 0 : -1;
}

int
admin_need_id(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *sql, int nparams,
              const char *const *params, char id[32], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = s_must_find(ctx, cmd, rc, NULL, sql, nparams, params, id, fmt, ap);
    va_end(ap);
    return r;
}

int
admin_insert_id(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *what, const char *sql,
                int nparams, const char *const *params, char id[32], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = s_must_find(ctx, cmd, rc, what, sql, nparams, params, id, fmt, ap);
    va_end(ap);
    return r;
}

int
admin_find_site(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *code, char id[32])
{
    return admin_need_id(ctx, cmd, rc, "SELECT site_id FROM clinical.site WHERE code = $1", 1,
                         &code, id, "unknown site '%s' (see ruglab site list)", code);
}

int
admin_find_programme(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *code,
                     const char *site_id, char id[32])
{
    const char *p[2] = {code, site_id};
    return admin_need_id(ctx, cmd, rc,
                         "SELECT programme_id FROM clinical.programme WHERE code = $1 "
                         "AND (site_id IS NULL OR site_id = $2::integer)",
                         2, p, id, "unknown programme '%s' (see ruglab programme list)", code);
}

int
admin_today(rl_cli_ctx_t *ctx, const char *cmd, int *rc, rl_date_t *out)
{
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn) {
        *rc = RL_EXIT_DB;
        return -1;
    }
    rl_reg_err_t err;
    if (rl_reg_today(conn, out, &err) < 0) {
        *rc = admin_reg_fail(cmd, &err);
        return -1;
    }
    return 0;
}

int
admin_refuse_after(const char *cmd, int *rc, const char *what, const char *date_s, rl_date_t date,
                   rl_date_t today)
{
    rl_reg_err_t err;
    if (rl_reg_refuse_after(what, date_s, date, today, &err) == 0)
        return 0;
    rl_cli_fail("%s: %s", cmd, err.msg);
    *rc = RL_EXIT_FAIL;
    return -1;
}

int
admin_audit(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *command,
            const char *subject_id, const char *detail)
{
    PGconn *conn = rl_cli_connect(ctx);
    rl_err_t err;
    if (!conn) {
        *rc = RL_EXIT_DB;
        return -1;
    }
    if (rl_audit_record(conn, "ruglab", command, subject_id, detail, &err) < 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        *rc = RL_EXIT_DB;
        return -1;
    }
    return 0;
}

static bool
s_all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

int
admin_find_subject(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *key, char id[32])
{
    const char *sql;
    const char *kind;
    const char *param = key;
    rl_insz_t insz;
    rl_err_t err;
    size_t digits = 0;
    for (const char *c = key; *c; c++)
        digits += (*c >= '0' && *c <= '9');
    if (s_all_digits(key) && strlen(key) < 11) {
        sql = "SELECT subject_id FROM clinical.subject WHERE subject_id = $1::bigint";
        kind = "subject id";
    } else if (digits == 11 && strspn(key, "0123456789.- ") == strlen(key)) {
        if (rl_insz_validate(key, &insz, &err) < 0) {
            rl_cli_fail("%s: %s", cmd, err.msg);
            *rc = RL_EXIT_FAIL;
            return -1;
        }
        param = insz.digits;
        sql = "SELECT subject_id FROM identity.patient WHERE insz = $1";
        kind = "INSZ";
    } else {
        sql = "SELECT subject_id FROM clinical.subject WHERE upper(badge_token) = upper($1)";
        kind = "badge token";
    }
    PGresult *res = admin_exec(ctx, cmd, rc, "finding the patient", sql, 1, &param);
    if (!res)
        return -1;
    int n = PQntuples(res);
    if (n == 1)
        snprintf(id, 32, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (n != 1) {
        /* the key may be an INSZ: never echo it */
        rl_cli_fail("%s: no patient with that %s (give a subject id, badge token or INSZ)", cmd,
                    kind);
        *rc = RL_EXIT_FAIL;
        return -1;
    }
    return 0;
}

int
admin_find_enrolment(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *patient,
                     bool any_status, char id[32])
{
    char subject[32];
    if (admin_find_subject(ctx, cmd, rc, patient, subject) < 0)
        return -1;
    const char *p[1] = {subject};
    PGresult *res = admin_exec(ctx, cmd, rc, "finding the enrolment",
                               "SELECT enrolment_id, status FROM clinical.enrolment "
                               "WHERE subject_id = $1::bigint AND status <> 'cancelled' "
                               "ORDER BY status = 'active' DESC, start_date DESC, "
                               "enrolment_id DESC LIMIT 1",
                               1, p);
    if (!res)
        return -1;
    int r = 0;
    if (PQntuples(res) == 0) {
        rl_cli_fail("%s: patient %s is not enrolled in a programme (see ruglab enrol)", cmd,
                    subject);
        *rc = RL_EXIT_FAIL;
        r = -1;
    } else if (!any_status && strcmp(PQgetvalue(res, 0, 1), "active") != 0) {
        rl_cli_fail("%s: patient %s has no running programme (enrolment %s is %s)", cmd, subject,
                    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
        *rc = RL_EXIT_FAIL;
        r = -1;
    } else {
        snprintf(id, 32, "%s", PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    return r;
}

int
admin_find_enrolment_of(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *patient,
                        const char *enrolment, bool check_id, char id[32])
{
    if (!enrolment)
        return admin_find_enrolment(ctx, cmd, rc, patient, true, id);
    char subject[32];
    if (admin_find_subject(ctx, cmd, rc, patient, subject) < 0)
        return -1;
    if (check_id &&
        (strspn(enrolment, "0123456789") != strlen(enrolment) || strlen(enrolment) > 18)) {
        rl_cli_fail("%s: --enrolment: '%s' is not an enrolment id", cmd, enrolment);
        *rc = RL_EXIT_USAGE;
        return -1;
    }
    const char *p[2] = {enrolment, subject};
    return admin_need_id(ctx, cmd, rc,
                         "SELECT enrolment_id FROM clinical.enrolment "
                         "WHERE enrolment_id = $1::bigint AND subject_id = $2::bigint",
                         2, p, id, "patient %s has no enrolment %s", subject, enrolment);
}

int
admin_find_enrolment_on(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *patient,
                        const char *date, char id[32])
{
    char subject[32];
    if (admin_find_subject(ctx, cmd, rc, patient, subject) < 0)
        return -1;
    const char *p[2] = {subject, date};
    int f = admin_lookup_id(ctx, cmd, rc, "finding the enrolment of that day",
                            "SELECT enrolment_id FROM clinical.enrolment "
                            "WHERE subject_id = $1::bigint AND status <> 'cancelled' "
                            "AND clinical.within($2::date, start_date, end_date) "
                            "ORDER BY start_date DESC, enrolment_id DESC LIMIT 1",
                            2, p, id);
    if (f < 0)
        return -1;
    if (f > 0)
        return 0;
    return admin_find_enrolment(ctx, cmd, rc, patient, true, id);
}

int
admin_load_enrolment(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const char *enrolment_id,
                     admin_enrolment_t *out)
{
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn) {
        *rc = RL_EXIT_DB;
        return -1;
    }
    rl_err_t err;
    int r = rl_clinical_enrolment_load(conn, enrolment_id, out, &err);
    if (r < 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        *rc = r == -1 ? RL_EXIT_DB : RL_EXIT_FAIL;
        return -1;
    }
    return 0;
}

void
admin_warn_outside(rl_cli_ctx_t *ctx, const char *cmd, const char *enrolment_id, const char *date,
                   const char *what)
{
    const char *p[2] = {enrolment_id, date};
    PGresult *res = PQexecParams(ctx->conn,
                                 "SELECT to_char(start_date, 'YYYY-MM-DD'), "
                                 "to_char(end_date, 'YYYY-MM-DD') FROM clinical.enrolment "
                                 "WHERE enrolment_id = $1::bigint "
                                 "AND NOT clinical.within($2::date, start_date, end_date)",
                                 2, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        bool ended = !PQgetisnull(res, 0, 1);
        fprintf(stderr,
                "ruglab: %s: warning: %s on %s lies outside the dates of enrolment %s (%s%s%s): "
                "it is kept, but counted nowhere; `ruglab enrolment status` shows it\n",
                cmd, what, date, enrolment_id, PQgetvalue(res, 0, 0), ended ? " to " : ", running",
                ended ? PQgetvalue(res, 0, 1) : "");
    }
    PQclear(res);
}

void
admin_json_print(json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (s) {
        puts(s);
        free(s);
    }
    json_decref(obj);
}

json_t *
admin_json_value(const PGresult *res, int row, int col, bool as_number)
{
    if (PQgetisnull(res, row, col))
        return json_null();
    const char *v = PQgetvalue(res, row, col);
    if (PQftype(res, col) == 16) /* boolean */
        return json_boolean(v[0] == 't');
    if (as_number) {
        char *end = NULL;
        long long i = strtoll(v, &end, 10);
        if (end && !*end)
            return json_integer(i);
        double d = strtod(v, &end);
        if (end && !*end)
            return json_real(d);
    }
    return json_string(v);
}

static bool
s_in_list(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        if (l == len && !strncmp(p, name, len))
            return true;
        p = c ? c + 1 : NULL;
    }
    return false;
}

json_t *
admin_json_rows(const PGresult *res, const char *numeric_cols)
{
    json_t *arr = json_array();
    for (int r = 0; r < PQntuples(res); r++) {
        json_t *o = json_object();
        for (int c = 0; c < PQnfields(res); c++)
            json_object_set_new(
                o, PQfname(res, c),
                admin_json_value(res, r, c, s_in_list(numeric_cols, PQfname(res, c))));
        json_array_append_new(arr, o);
    }
    return arr;
}

void
admin_print_rows(rl_cli_ctx_t *ctx, const PGresult *res, const char *numeric_cols)
{
    if (rl_cli_json(ctx)) {
        admin_json_print(admin_json_rows(res, numeric_cols));
        return;
    }
    int nr = PQntuples(res), nc = PQnfields(res);
    int *w = rl_calloc((size_t)nc, sizeof *w);
    for (int c = 0; c < nc; c++) {
        w[c] = (int)strlen(PQfname(res, c));
        for (int r = 0; r < nr; r++) {
            int l = PQgetisnull(res, r, c) ? 1 : (int)strlen(PQgetvalue(res, r, c));
            if (l > w[c])
                w[c] = l;
        }
    }
    for (int c = 0; c < nc; c++)
        printf("%-*s%s", c == nc - 1 ? 0 : w[c], PQfname(res, c), c == nc - 1 ? "\n" : "  ");
    for (int r = 0; r < nr; r++)
        for (int c = 0; c < nc; c++)
            printf("%-*s%s", c == nc - 1 ? 0 : w[c],
                   PQgetisnull(res, r, c) ? "-" : PQgetvalue(res, r, c), c == nc - 1 ? "\n" : "  ");
    free(w);
}

int
admin_print_query(rl_cli_ctx_t *ctx, const char *cmd, const char *what, const char *sql,
                  int nparams, const char *const *params, const char *numeric_cols)
{
    int rc = RL_EXIT_OK;
    PGresult *res = admin_exec(ctx, cmd, &rc, what, sql, nparams, params);
    if (!res)
        return rc;
    admin_print_rows(ctx, res, numeric_cols);
    PQclear(res);
    return RL_EXIT_OK;
}

int
admin_list(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, const admin_opt_t *opts,
           const char *what, const char *sql, int nparams, const char *const *params,
           const char *numeric_cols)
{
    static const admin_opt_t none[] = {{NULL, NULL, NULL}};
    if (admin_parse(ctx, cmd, argc, argv, 2, opts ? opts : none, NULL, 0, NULL) < 0)
        return RL_EXIT_USAGE;
    return admin_print_query(ctx, cmd, what, sql, nparams, params, numeric_cols);
}

int
admin_parse_enrolment(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv,
                      const admin_opt_t *opts, int *rc, char id[32])
{
    const char *patient = NULL;
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0) {
        *rc = RL_EXIT_USAGE;
        return -1;
    }
    return admin_find_enrolment(ctx, cmd, rc, patient, true, id);
}

int
admin_list_enrolment(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, const char *what,
                     const char *sql, const char *numeric_cols)
{
    const admin_opt_t opts[] = {{NULL, NULL, NULL}};
    int rc = RL_EXIT_OK;
    char enrolment[32];
    if (admin_parse_enrolment(ctx, cmd, argc, argv, opts, &rc, enrolment) < 0)
        return rc;
    const char *p[1] = {enrolment};
    return admin_print_query(ctx, cmd, what, sql, 1, p, numeric_cols);
}

void
admin_print_added(rl_cli_ctx_t *ctx, const char *what, const char *key, const char *id,
                  const char *key2, const char *val2)
{
    if (rl_cli_json(ctx)) {
        json_t *o = json_object();
        json_object_set_new(o, key, json_integer(strtoll(id, NULL, 10)));
        if (key2)
            json_object_set_new(o, key2, json_string(val2));
        admin_json_print(o);
    } else if (key2) {
        printf("%s added: %s %s, %s %s\n", what, key, id, key2, val2);
    } else {
        printf("%s added: %s %s\n", what, key, id);
    }
}
