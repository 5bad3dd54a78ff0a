/* `ruglab device`: training machines and questionnaire tablets, and their
 * CURVE key pairs. The public key goes into clinical.device (the
 * collector's allow-list); the key pair is written for the agent as a CZMQ
 * certificate: DIR/DEVICE_ID.key (public) and DIR/DEVICE_ID.key_secret
 * (both keys, mode 0600). The secret key never reaches the database. */
#include "admin_util.h"

#include "ruglab/db.h"
#include "ruglab/device.h"
#include "ruglab/domain.h"
#include "ruglab/exitcode.h"
#include "ruglab/mem.h"
#include "ruglab/paths.h"

#include <czmq.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab device add DEVICE_ID --site CODE --model MODEL [--region REGION]\n"
            "                         [--key-dir DIR]\n"
            "       ruglab [--json] device list\n"
            "       ruglab device revoke DEVICE_ID [--reason TEXT]\n\n"
            "add     enrols a device at a site: makes a CURVE key pair, records the public key\n"
            "        (the collector lets the device in from then on) and writes the key pair\n"
            "        for the device's agent into DIR (default: the current directory; made\n"
            "        when missing, mode 0700):\n"
            "          DIR/DEVICE_ID.key_secret  both keys, mode 0600: the agent's\n"
            "                                    [link] secret_key_file\n"
            "          DIR/DEVICE_ID.key         the public key only\n"
            "        The agent also needs the collector's public key: [link] server_public_key\n"
            "        (the collector's collector.key file, or its Z85 text). Refuses to\n"
            "        overwrite existing key files. --json: {\"device_id\", \"site\", \"model\",\n"
            "        \"body_region\", \"public_key\", \"secret_key_file\", \"public_key_file\"}.\n"
            "        --region lumbar|cervical: the body region the model tests and trains\n"
            "        (a cervical unit for the neck school). A model has one region: the\n"
            "        first device of a model brings it (default lumbar), later devices of\n"
            "        the model have it and a different --region is refused. Values of a\n"
            "        device count only for programmes of its region.\n"
            "list    every device: id, site, model, region, created, revoked (--json: an\n"
            "        array)\n"
            "revoke  refuses the device from now on, without a restart: within about a second\n"
            "        running collectors refuse its new connections, answer what it still sends\n"
            "        on a live connection REJECTED UNKNOWN_DEVICE and then close that\n"
            "        connection. A revoked device stays on record; enrol a replacement under\n"
            "        a new id.\n\n"
            "DEVICE_ID and MODEL: 1-64 of [A-Za-z0-9._-]\n");
}

/* ---- add ---- */

typedef struct {
    const char *id, *site, *model, *dir;
    const char *region;  /* NULL: the model's */
    char region_set[16]; /* the region stored */
    char *pub, *sec;     /* the key files: DIR/ID.key and DIR/ID.key_secret */
} s_add_opts_t;

/* An RL_EXIT_* code. */
static int
s_add_parse(int argc, char **argv, s_add_opts_t *o)
{
    o->dir = ".";
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--site") && i + 1 < argc)
            o->site = argv[++i];
        else if (!strcmp(argv[i], "--model") && i + 1 < argc)
            o->model = argv[++i];
        else if (!strcmp(argv[i], "--key-dir") && i + 1 < argc)
            o->dir = argv[++i];
        else if (!strcmp(argv[i], "--region") && i + 1 < argc)
            o->region = argv[++i];
        else if (argv[i][0] != '-' && !o->id)
            o->id = argv[i];
        else {
            rl_cli_fail("device add: unexpected argument '%s' (see ruglab device --help)", argv[i]);
            return RL_EXIT_USAGE;
        }
    }
    if (!o->id || !o->site || !o->model) {
        rl_cli_fail("device add: DEVICE_ID, --site and --model are required");
        return RL_EXIT_USAGE;
    }
    if (!rl_id_valid(o->id) || !rl_id_valid(o->model)) {
        rl_cli_fail("device add: '%s' is not a valid %s (1-64 of [A-Za-z0-9._-])",
                    rl_id_valid(o->id) ? o->model : o->id,
                    rl_id_valid(o->id) ? "model" : "device id");
        return RL_EXIT_FAIL;
    }
    rl_body_region_t region;
    rl_err_t err;
    if (o->region && rl_body_region_parse(o->region, &region, &err) < 0) {
        rl_cli_fail("device add: --region: %s", err.msg);
        return RL_EXIT_FAIL;
    }
    o->pub = rl_asprintf("%s/%s.key", o->dir, o->id);
    o->sec = rl_asprintf("%s/%s.key_secret", o->dir, o->id);
    return RL_EXIT_OK;
}

/* The key directory exists (made when missing) and holds no key pair of
 * the device yet. */
static int
s_add_check_dir(const s_add_opts_t *o)
{
    rl_err_t err;
    struct stat st;
    if (stat(o->dir, &st) != 0 && rl_paths_mkdirs(o->dir, 0700, &err) != 0) {
        rl_cli_fail("device add: %s", err.msg);
        return -1;
    }
    if (stat(o->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rl_cli_fail("device add: %s is not a directory", o->dir);
        return -1;
    }
    if (access(o->pub, F_OK) == 0 || access(o->sec, F_OK) == 0) {
        rl_cli_fail("device add: %s already exists; not overwriting a key pair", o->sec);
        return -1;
    }
    return 0;
}

/* Runs BEGIN or COMMIT; an RL_EXIT_* code. */
static int
s_add_simple(PGconn *conn, const char *what, const char *sql)
{
    rl_err_t err;
    PGresult *res = rl_db_exec(conn, &err, what, sql, 0, NULL);
    if (!res) {
        rl_cli_fail("device add: %s", err.msg);
        return RL_EXIT_DB;
    }
    PQclear(res);
    return RL_EXIT_OK;
}

/* The INSERT of the device with its public key; an RL_EXIT_* code. */
static int
s_add_insert(PGconn *conn, s_add_opts_t *o, zcert_t *cert)
{
    const char *params[5] = {o->id, o->site, o->model, zcert_public_txt(cert), o->region};
    /* body_region NULL: the model's (deploy/sql/704's trigger) */
    PGresult *res = PQexecParams(
        conn,
        "INSERT INTO clinical.device (device_id, site_id, model, public_key, body_region)"
        " SELECT $1, site_id, $3, $4, $5 FROM clinical.site WHERE code = $2"
        " RETURNING device_id, body_region",
        5, NULL, params, NULL, NULL, 0);
    int rc = RL_EXIT_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        const char *state = rl_db_sqlstate(res);
        if (!strcmp(state, "23505"))
            rl_cli_fail("device add: device %s already exists", o->id);
        else
            rl_cli_fail("device add: %s", rl_db_result_error(res));
        rc = *state && strncmp(state, "08", 2) != 0 ? RL_EXIT_FAIL : RL_EXIT_DB;
    } else if (PQntuples(res) != 1) {
        rl_cli_fail("device add: no site with code '%s'", o->site);
        rc = RL_EXIT_FAIL;
    } else {
        snprintf(o->region_set, sizeof o->region_set, "%s", PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return rc;
}

/* The key pair is on disk before the device may connect; *written: files
 * may have been made. */
static int
s_add_write_keys(const s_add_opts_t *o, zcert_t *cert, bool *written)
{
    mode_t old = umask(077);
    int s1 = zcert_save_secret(cert, o->sec);
    umask(022);
    int s2 = zcert_save_public(cert, o->pub);
    umask(old);
    *written = true;
    if (s1 != 0 || s2 != 0 || chmod(o->sec, 0600) != 0 || chmod(o->pub, 0644) != 0) {
        rl_cli_fail("device add: cannot write the key pair into %s: %s", o->dir, strerror(errno));
        return -1;
    }
    return 0;
}

static void
s_add_render(rl_cli_ctx_t *ctx, const s_add_opts_t *o, zcert_t *cert)
{
    if (rl_cli_json(ctx)) {
        json_t *j =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "device_id", o->id, "site", o->site,
                      "model", o->model, "body_region", o->region_set, "public_key",
                      zcert_public_txt(cert), "secret_key_file", o->sec, "public_key_file", o->pub);
        char *text = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        printf("%s\n", text ? text : "{}");
        free(text);
    } else {
        printf("device %s enrolled at site %s (model %s, %s)\n", o->id, o->site, o->model,
               o->region_set);
        printf("key pair for its agent: %s (secret, mode 0600: the agent's [link] "
               "secret_key_file) and %s (public)\n",
               o->sec, o->pub);
        printf("public key: %s\n", zcert_public_txt(cert));
    }
}

/* The device row and the key files, both or neither. */
static int
s_add_store(PGconn *conn, s_add_opts_t *o, zcert_t *cert)
{
    int rc = s_add_simple(conn, "starting", "BEGIN");
    if (rc != RL_EXIT_OK)
        return rc;
    bool written = false;
    rc = s_add_insert(conn, o, cert);
    if (rc == RL_EXIT_OK && s_add_write_keys(o, cert, &written) < 0)
        rc = RL_EXIT_FAIL;
    if (rc == RL_EXIT_OK)
        rc = s_add_simple(conn, "committing", "COMMIT");
    if (rc == RL_EXIT_OK)
        return rc;
    if (written) {
        unlink(o->sec);
        unlink(o->pub);
    }
    if (PQstatus(conn) == CONNECTION_OK)
        PQclear(PQexec(conn, "ROLLBACK"));
    return rc;
}

static int
s_add(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    s_add_opts_t o = {0};
    int rc = s_add_parse(argc, argv, &o);
    if (rc != RL_EXIT_OK)
        return rc;
    rc = RL_EXIT_FAIL;
    if (s_add_check_dir(&o) == 0) {
        PGconn *conn = rl_cli_connect(ctx);
        if (!conn) {
            rc = RL_EXIT_DB;
        } else {
            zcert_t *cert = zcert_new();
            zcert_set_meta(cert, "device-id", "%s", o.id);
            zcert_set_meta(cert, "site", "%s", o.site);
            zcert_set_meta(cert, "model", "%s", o.model);
            rc = s_add_store(conn, &o, cert);
            if (rc == RL_EXIT_OK)
                s_add_render(ctx, &o, cert);
            zcert_destroy(&cert);
        }
    }
    free(o.pub);
    free(o.sec);
    return rc;
}

/* ---- list ---- */

static void
s_list_json(const PGresult *res)
{
    json_t *arr = json_array();
    for (int r = 0; r < PQntuples(res); r++) {
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "device_id", PQgetvalue(res, r, 0), "site",
                      PQgetvalue(res, r, 1), "model", PQgetvalue(res, r, 2), "created",
                      PQgetvalue(res, r, 3), "public_key", PQgetvalue(res, r, 6));
        json_object_set_new(o, "body_region", json_string(PQgetvalue(res, r, 7)));
        json_object_set_new(o, "revoked",
                            PQgetisnull(res, r, 4) ? json_null()
                                                   : json_string(PQgetvalue(res, r, 4)));
        if (!PQgetisnull(res, r, 4))
            json_object_set_new(o, "revoke_reason", json_string(PQgetvalue(res, r, 5)));
        json_array_append_new(arr, o);
    }
    char *s = json_dumps(arr, JSON_INDENT(2));
    printf("%s\n", s);
    free(s);
    json_decref(arr);
}

static void
s_list_text(const PGresult *res)
{
    printf("%-24s %-12s %-22s %-9s %-16s %s\n", "DEVICE", "SITE", "MODEL", "REGION", "CREATED",
           "REVOKED");
    for (int r = 0; r < PQntuples(res); r++)
        printf("%-24s %-12s %-22s %-9s %-16s %s%s%s\n", PQgetvalue(res, r, 0),
               PQgetvalue(res, r, 1), PQgetvalue(res, r, 2), PQgetvalue(res, r, 7),
               PQgetvalue(res, r, 3), PQgetisnull(res, r, 4) ? "-" : PQgetvalue(res, r, 4),
               *PQgetvalue(res, r, 5) ? " " : "", PQgetvalue(res, r, 5));
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    if (admin_parse_json_only(ctx, "device list", argc, argv, 2) < 0)
        return RL_EXIT_USAGE;
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    rl_err_t err;
    PGresult *res = rl_db_exec(
        conn, &err, "listing devices",
        "SELECT d.device_id, s.code, d.model, to_char(d.created_at, 'YYYY-MM-DD HH24:MI'),"
        " to_char(d.revoked_at, 'YYYY-MM-DD HH24:MI'), coalesce(d.revoke_reason, ''),"
        " d.public_key, d.body_region FROM clinical.device d JOIN clinical.site s USING (site_id)"
        " ORDER BY d.device_id",
        0, NULL);
    if (!res) {
        rl_cli_fail("device list: %s", err.msg);
        return RL_EXIT_DB;
    }
    if (rl_cli_json(ctx))
        s_list_json(res);
    else
        s_list_text(res);
    PQclear(res);
    return RL_EXIT_OK;
}

/* ---- revoke ---- */

static int
s_revoke(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *id = NULL, *reason = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--reason") && i + 1 < argc)
            reason = argv[++i];
        else if (argv[i][0] != '-' && !id)
            id = argv[i];
        else {
            rl_cli_fail("device revoke: unexpected argument '%s'", argv[i]);
            return RL_EXIT_USAGE;
        }
    }
    if (!id) {
        rl_cli_fail("device revoke: DEVICE_ID is required");
        return RL_EXIT_USAGE;
    }
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    rl_err_t err;
    rl_device_revoke_t done;
    if (rl_device_revoke(conn, id, reason, &done, &err) != 0) {
        rl_cli_fail("device revoke: %s", err.msg);
        return RL_EXIT_DB;
    }
    if (done == RL_DEVICE_REVOKED) {
        printf("device %s revoked\n", id);
        return RL_EXIT_OK;
    }
    if (done == RL_DEVICE_ALREADY_REVOKED)
        rl_cli_fail("device revoke: device %s is already revoked", id);
    else
        rl_cli_fail("device revoke: no device '%s'", id);
    return RL_EXIT_FAIL;
}

static const rl_cli_command_t s_subs[] = {
    {"add", "enrol a device at a site and make its key pair", s_add},
    {"list", "every device", s_list},
    {"revoke", "refuse the device from now on", s_revoke},
};

static const admin_group_t s_group = {"device", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_device_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    /* the CLI keeps the default signal handling (CZMQ would install its own) */
    zsys_handler_set(NULL);
    return admin_dispatch(ctx, &s_group, argc, argv);
}
