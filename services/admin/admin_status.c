/* `ruglab status`: the measurement pipeline at a glance: each collector's
 * counters, and each device's last contact, spool depth and lag (the age of
 * the oldest measurement its agent still holds unacknowledged), as the
 * collectors recorded them. */
#include "admin_util.h"

#include "ruglab/db.h"
#include "ruglab/device.h"
#include "ruglab/exitcode.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab [--json] status\n\n"
                 "collectors  name, started, seconds since its last update, messages received,\n"
                 "            committed, duplicates, rejected (since it started)\n"
                 "devices     id, site, model, seconds since last seen, spool depth (messages\n"
                 "            waiting at the agent), lag (age in seconds of the oldest of them),\n"
                 "            the collector it talks to; revoked devices are marked\n");
}

/* The two readings of `status`, printed once both are there. */
typedef struct {
    PGresult *col; /* meas.collector_status */
    PGresult *dev; /* each device with its meas.device_status */
} s_status_t;

/* How a column shows in JSON: text or null, an integer or null, or a
 * boolean. */
typedef enum { S_TEXT, S_INTEGER, S_BOOLEAN } s_kind_t;

/* A member of the JSON objects: its name and the result's column. */
typedef struct {
    const char *name;
    int col;
    s_kind_t kind;
} s_field_t;

static const s_field_t s_collector_fields[] = {
    {"collector", 0, S_TEXT},   {"started", 1, S_TEXT},      {"updated_s_ago", 2, S_INTEGER},
    {"received", 3, S_INTEGER}, {"committed", 4, S_INTEGER}, {"duplicates", 5, S_INTEGER},
    {"rejected", 6, S_INTEGER},
};

static const s_field_t s_device_fields[] = {
    {"device_id", 0, S_TEXT},          {"site", 1, S_TEXT},           {"model", 2, S_TEXT},
    {"last_seen_s_ago", 3, S_INTEGER}, {"spool_depth", 4, S_INTEGER}, {"lag_s", 5, S_INTEGER},
    {"collector", 6, S_TEXT},          {"revoked", 7, S_BOOLEAN},
};

static json_t *
s_value(const PGresult *res, int r, int c, s_kind_t kind)
{
    if (kind == S_BOOLEAN)
        return json_boolean(PQgetvalue(res, r, c)[0] == 't');
    if (PQgetisnull(res, r, c))
        return json_null();
    if (kind == S_INTEGER)
        return json_integer(strtoll(PQgetvalue(res, r, c), NULL, 10));
    return json_string(PQgetvalue(res, r, c));
}

static const char *
s_cell(const PGresult *res, int r, int c)
{
    return PQgetisnull(res, r, c) ? "-" : PQgetvalue(res, r, c);
}

static int
s_fetch(PGconn *conn, s_status_t *m)
{
    rl_err_t err;
    m->col =
        rl_db_exec(conn, &err, "reading collector status",
                   "SELECT collector, to_char(started_at, 'YYYY-MM-DD HH24:MI:SS'),"
                   " floor(extract(epoch FROM now() - updated_at))::bigint, received, committed,"
                   " duplicates, rejected FROM meas.collector_status ORDER BY collector",
                   0, NULL);
    if (m->col)
        m->dev = rl_db_exec(conn, &err, "reading device status", RL_DEVICE_STATUS_SQL, 0, NULL);
    if (!m->col || !m->dev) {
        rl_cli_fail("status: %s", err.msg);
        return -1;
    }
    return 0;
}

/* The rows of res as an array of objects with the given fields. */
static json_t *
s_rows_json(const PGresult *res, const s_field_t *fields, size_t n_fields)
{
    json_t *arr = json_array();
    for (int r = 0; r < PQntuples(res); r++) {
        json_t *o = json_object();
        for (size_t f = 0; f < n_fields; f++)
            json_object_set_new(o, fields[f].name, s_value(res, r, fields[f].col, fields[f].kind));
        json_array_append_new(arr, o);
    }
    return arr;
}

static void
s_render_json(const s_status_t *m)
{
    json_t *root = json_object();
    json_object_set_new(root, "collectors",
                        s_rows_json(m->col, s_collector_fields, ADMIN_COUNT(s_collector_fields)));
    json_object_set_new(root, "devices",
                        s_rows_json(m->dev, s_device_fields, ADMIN_COUNT(s_device_fields)));
    char *s = json_dumps(root, JSON_INDENT(2));
    printf("%s\n", s);
    free(s);
    json_decref(root);
}

static void
s_render_text(const s_status_t *m)
{
    const PGresult *col = m->col, *dev = m->dev;
    printf("collectors\n  %-20s %-19s %8s %10s %10s %10s %10s\n", "NAME", "STARTED", "UPDATED",
           "RECEIVED", "COMMITTED", "DUPLICATES", "REJECTED");
    for (int r = 0; r < PQntuples(col); r++)
        printf("  %-20s %-19s %7ss %10s %10s %10s %10s\n", s_cell(col, r, 0), s_cell(col, r, 1),
               s_cell(col, r, 2), s_cell(col, r, 3), s_cell(col, r, 4), s_cell(col, r, 5),
               s_cell(col, r, 6));
    printf("devices\n  %-24s %-12s %-16s %10s %8s %7s %s\n", "DEVICE", "SITE", "MODEL", "LAST SEEN",
           "SPOOL", "LAG", "COLLECTOR");
    for (int r = 0; r < PQntuples(dev); r++) {
        char seen[32], lag[32];
        snprintf(seen, sizeof seen, "%s%s", s_cell(dev, r, 3),
                 PQgetisnull(dev, r, 3) ? "" : "s ago");
        snprintf(lag, sizeof lag, "%s%s", s_cell(dev, r, 5), PQgetisnull(dev, r, 5) ? "" : "s");
        printf("  %-24s %-12s %-16s %10s %8s %7s %s%s\n", s_cell(dev, r, 0), s_cell(dev, r, 1),
               s_cell(dev, r, 2), seen, s_cell(dev, r, 4), lag, s_cell(dev, r, 6),
               PQgetvalue(dev, r, 7)[0] == 't' ? " (revoked)" : "");
    }
}

int
admin_status_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    if (rl_cli_wants_help(argc, argv)) {
        s_usage(stdout);
        return RL_EXIT_OK;
    }
    if (admin_parse_json_only(ctx, "status", argc, argv, 1) < 0)
        return RL_EXIT_USAGE;
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    s_status_t m = {NULL, NULL};
    int rc = RL_EXIT_DB;
    if (s_fetch(conn, &m) == 0) {
        if (rl_cli_json(ctx))
            s_render_json(&m);
        else
            s_render_text(&m);
        rc = RL_EXIT_OK;
    }
    PQclear(m.col);
    PQclear(m.dev);
    return rc;
}
