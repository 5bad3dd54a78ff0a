/* `ruglab device`: training machines and questionnaire tablets, and their
 * CURVE key pairs. The public key goes into clinical.device (the
 * collector's allow-list); the key pair is written for the agent as a CZMQ
 * certificate: DIR/DEVICE_ID.key (public) and DIR/DEVICE_ID.key_secret
 * (both keys, mode 0600). The secret key never reaches the database. */
#include "admin.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/mem.h"
#include "ruglab/paths.h"
#include "ruglab/domain.h"

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
            "usage: ruglab device add DEVICE_ID --site CODE --model MODEL [--key-dir DIR]\n"
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
            "        \"public_key\", \"secret_key_file\", \"public_key_file\"}.\n"
            "list    every device: id, site, model, created, revoked (--json: an array)\n"
            "revoke  refuses the device from now on, without a restart: within about a second\n"
            "        running collectors refuse its new connections, answer what it still sends\n"
            "        on a live connection REJECTED UNKNOWN_DEVICE and then close that\n"
            "        connection. A revoked device stays on record; enrol a replacement under\n"
            "        a new id.\n\n"
            "DEVICE_ID and MODEL: 1-64 of [A-Za-z0-9._-]\n");
}

static int
s_add(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *id = NULL, *site = NULL, *model = NULL, *dir = ".";
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--site") && i + 1 < argc)
            site = argv[++i];
        else if (!strcmp(argv[i], "--model") && i + 1 < argc)
            model = argv[++i];
        else if (!strcmp(argv[i], "--key-dir") && i + 1 < argc)
            dir = argv[++i];
        else if (argv[i][0] != '-' && !id)
            id = argv[i];
        else {
            rl_cli_fail("device add: unexpected argument '%s' (see ruglab device --help)", argv[i]);
            return RL_EXIT_USAGE;
        }
    }
    if (!id || !site || !model) {
        rl_cli_fail("device add: DEVICE_ID, --site and --model are required");
        return RL_EXIT_USAGE;
    }
    if (!rl_id_valid(id) || !rl_id_valid(model)) {
        rl_cli_fail("device add: '%s' is not a valid %s (1-64 of [A-Za-z0-9._-])",
                    rl_id_valid(id) ? model : id, rl_id_valid(id) ? "model" : "device id");
        return RL_EXIT_FAIL;
    }
    char *pub = rl_asprintf("%s/%s.key", dir, id);
    char *sec = rl_asprintf("%s/%s.key_secret", dir, id);
    int rc = RL_EXIT_FAIL;
    zcert_t *cert = NULL;
    PGresult *res = NULL;
    bool written = false;
    rl_err_t err;
    struct stat st;
    if (stat(dir, &st) != 0 && rl_paths_mkdirs(dir, 0700, &err) != 0) {
        rl_cli_fail("device add: %s", err.msg);
        goto out;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rl_cli_fail("device add: %s is not a directory", dir);
        goto out;
    }
    if (access(pub, F_OK) == 0 || access(sec, F_OK) == 0) {
        rl_cli_fail("device add: %s already exists; not overwriting a key pair", sec);
        goto out;
    }
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn) {
        rc = RL_EXIT_DB;
        goto out;
    }
    cert = zcert_new();
    zcert_set_meta(cert, "device-id", "%s", id);
    zcert_set_meta(cert, "site", "%s", site);
    zcert_set_meta(cert, "model", "%s", model);
    res = rl_db_exec(conn, &err, "starting", "BEGIN", 0, NULL);
    if (!res) {
        rl_cli_fail("device add: %s", err.msg);
        rc = RL_EXIT_DB;
        goto out;
    }
    PQclear(res);
    const char *params[4] = {id, site, model, zcert_public_txt(cert)};
    res = PQexecParams(conn,
                       "INSERT INTO clinical.device (device_id, site_id, model, public_key)"
                       " SELECT $1, site_id, $3, $4 FROM clinical.site WHERE code = $2"
                       " RETURNING device_id",
                       4, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        const char *state = rl_db_sqlstate(res);
        if (!strcmp(state, "23505"))
            rl_cli_fail("device add: device %s already exists", id);
        else
            rl_cli_fail("device add: %s", rl_db_result_error(res));
        rc = *state && strncmp(state, "08", 2) != 0 ? RL_EXIT_FAIL : RL_EXIT_DB;
        goto rollback;
    }
    if (PQntuples(res) != 1) {
        rl_cli_fail("device add: no site with code '%s'", site);
        goto rollback;
    }
    PQclear(res);
    res = NULL;
    /* the key pair is on disk before the device may connect */
    mode_t old = umask(077);
    int s1 = zcert_save_secret(cert, sec);
    umask(022);
    int s2 = zcert_save_public(cert, pub);
    umask(old);
    written = true;
    if (s1 != 0 || s2 != 0 || chmod(sec, 0600) != 0 || chmod(pub, 0644) != 0) {
        rl_cli_fail("device add: cannot write the key pair into %s: %s", dir, strerror(errno));
        goto rollback;
    }
    res = rl_db_exec(conn, &err, "committing", "COMMIT", 0, NULL);
    if (!res) {
        rl_cli_fail("device add: %s", err.msg);
        rc = RL_EXIT_DB;
        goto rollback;
    }
    if (rl_cli_json(ctx)) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "device_id", id, "site", site,
                              "model", model, "public_key", zcert_public_txt(cert),
                              "secret_key_file", sec, "public_key_file", pub);
        char *text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        printf("%s\n", text ? text : "{}");
        free(text);
    } else {
        printf("device %s enrolled at site %s (model %s)\n", id, site, model);
        printf("key pair for its agent: %s (secret, mode 0600: the agent's [link] "
               "secret_key_file) and %s (public)\n",
               sec, pub);
        printf("public key: %s\n", zcert_public_txt(cert));
    }
    rc = RL_EXIT_OK;
    goto out;
rollback:
    if (written) {
        unlink(sec);
        unlink(pub);
    }
    if (PQstatus(conn) == CONNECTION_OK) {
        PQclear(res);
        res = PQexec(conn, "ROLLBACK");
    }
out:
    PQclear(res);
    zcert_destroy(&cert);
    free(pub);
    free(sec);
    return rc;
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    bool json = rl_cli_json(ctx);
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else {
            rl_cli_fail("device list: unexpected argument '%s'", argv[i]);
            return RL_EXIT_USAGE;
        }
    }
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    rl_err_t err;
    PGresult *res = rl_db_exec(
        conn, &err, "listing devices",
        "SELECT d.device_id, s.code, d.model, to_char(d.created_at, 'YYYY-MM-DD HH24:MI'),"
        " to_char(d.revoked_at, 'YYYY-MM-DD HH24:MI'), coalesce(d.revoke_reason, ''),"
        " d.public_key FROM clinical.device d JOIN clinical.site s USING (site_id)"
        " ORDER BY d.device_id",
        0, NULL);
    if (!res) {
        rl_cli_fail("device list: %s", err.msg);
        return RL_EXIT_DB;
    }
    int n = PQntuples(res);
    if (json) {
        json_t *arr = json_array();
        for (int r = 0; r < n; r++) {
            json_t *o =
                json_pack("{s:s, s:s, s:s, s:s, s:s}", "device_id", PQgetvalue(res, r, 0), "site",
                          PQgetvalue(res, r, 1), "model", PQgetvalue(res, r, 2), "created",
                          PQgetvalue(res, r, 3), "public_key", PQgetvalue(res, r, 6));
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
    } else {
        printf("%-24s %-12s %-16s %-16s %s\n", "DEVICE", "SITE", "MODEL", "CREATED", "REVOKED");
        for (int r = 0; r < n; r++)
            printf("%-24s %-12s %-16s %-16s %s%s%s\n", PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
                   PQgetvalue(res, r, 2), PQgetvalue(res, r, 3),
                   PQgetisnull(res, r, 4) ? "-" : PQgetvalue(res, r, 4),
                   *PQgetvalue(res, r, 5) ? " " : "", PQgetvalue(res, r, 5));
    }
    PQclear(res);
    return RL_EXIT_OK;
}

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
    const char *params[2] = {id, reason};
    PGresult *res = rl_db_exec(conn, &err, "revoking",
                               "UPDATE clinical.device SET revoked_at = now(), revoke_reason = $2"
                               " WHERE device_id = $1 AND revoked_at IS NULL RETURNING device_id",
                               2, params);
    if (!res) {
        rl_cli_fail("device revoke: %s", err.msg);
        return RL_EXIT_DB;
    }
    int n = PQntuples(res);
    PQclear(res);
    if (n == 1) {
        printf("device %s revoked\n", id);
        return RL_EXIT_OK;
    }
    res = rl_db_exec(conn, &err, "looking up the device",
                     "SELECT 1 FROM clinical.device WHERE device_id = $1", 1, params);
    if (!res) {
        rl_cli_fail("device revoke: %s", err.msg);
        return RL_EXIT_DB;
    }
    n = PQntuples(res);
    PQclear(res);
    if (n)
        rl_cli_fail("device revoke: device %s is already revoked", id);
    else
        rl_cli_fail("device revoke: no device '%s'", id);
    return RL_EXIT_FAIL;
}

int
admin_device_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    if (argc < 2 || rl_cli_wants_help(argc, argv)) {
        s_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? RL_EXIT_USAGE : RL_EXIT_OK;
    }
    zsys_handler_set(NULL);
    if (!strcmp(argv[1], "add"))
        return s_add(ctx, argc, argv);
    if (!strcmp(argv[1], "list"))
        return s_list(ctx, argc, argv);
    if (!strcmp(argv[1], "revoke"))
        return s_revoke(ctx, argc, argv);
    rl_cli_fail("device: unknown subcommand '%s' (add, list, revoke)", argv[1]);
    return RL_EXIT_USAGE;
}
