/* `ruglab status`: the measurement pipeline at a glance: each collector's
 * counters, and each device's last contact, spool depth and lag (the age of
 * the oldest measurement its agent still holds unacknowledged), as the
 * collectors recorded them. */
#include "admin.h"

#include "ruglab/db.h"
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

static json_t *
s_value(const PGresult *res, int r, int c, bool number)
{
    if (PQgetisnull(res, r, c))
        return json_null();
    if (number)
        return json_integer(strtoll(PQgetvalue(res, r, c), NULL, 10));
    return json_string(PQgetvalue(res, r, c));
}

static const char *
s_cell(const PGresult *res, int r, int c)
{
    return PQgetisnull(res, r, c) ? "-" : PQgetvalue(res, r, c);
}

int
admin_status_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    if (rl_cli_wants_help(argc, argv)) {
        s_usage(stdout);
        return RL_EXIT_OK;
    }
    bool json = rl_cli_json(ctx);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else {
            rl_cli_fail("status: unexpected argument '%s'", argv[i]);
            return RL_EXIT_USAGE;
        }
    }
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    rl_err_t err;
    PGresult *col =
        rl_db_exec(conn, &err, "reading collector status",
                   "SELECT collector, to_char(started_at, 'YYYY-MM-DD HH24:MI:SS'),"
                   " floor(extract(epoch FROM now() - updated_at))::bigint, received, committed,"
                   " duplicates, rejected FROM meas.collector_status ORDER BY collector",
                   0, NULL);
    if (!col) {
        rl_cli_fail("status: %s", err.msg);
        return RL_EXIT_DB;
    }
    PGresult *dev =
        rl_db_exec(conn, &err, "reading device status",
                   "SELECT d.device_id, s.code, d.model,"
                   " floor(extract(epoch FROM now() - ds.last_seen))::bigint, ds.spool_depth,"
                   " ds.oldest_unacked_s, ds.collector, d.revoked_at IS NOT NULL"
                   " FROM clinical.device d JOIN clinical.site s USING (site_id)"
                   " LEFT JOIN meas.device_status ds USING (device_id) ORDER BY d.device_id",
                   0, NULL);
    if (!dev) {
        rl_cli_fail("status: %s", err.msg);
        PQclear(col);
        return RL_EXIT_DB;
    }
    if (json) {
        json_t *root = json_object(), *cs = json_array(), *ds = json_array();
        for (int r = 0; r < PQntuples(col); r++) {
            json_t *o = json_object();
            json_object_set_new(o, "collector", s_value(col, r, 0, false));
            json_object_set_new(o, "started", s_value(col, r, 1, false));
            json_object_set_new(o, "updated_s_ago", s_value(col, r, 2, true));
            json_object_set_new(o, "received", s_value(col, r, 3, true));
            json_object_set_new(o, "committed", s_value(col, r, 4, true));
            json_object_set_new(o, "duplicates", s_value(col, r, 5, true));
            json_object_set_new(o, "rejected", s_value(col, r, 6, true));
            json_array_append_new(cs, o);
        }
        for (int r = 0; r < PQntuples(dev); r++) {
            json_t *o = json_object();
            json_object_set_new(o, "device_id", s_value(dev, r, 0, false));
            json_object_set_new(o, "site", s_value(dev, r, 1, false));
            json_object_set_new(o, "model", s_value(dev, r, 2, false));
            json_object_set_new(o, "last_seen_s_ago", s_value(dev, r, 3, true));
            json_object_set_new(o, "spool_depth", s_value(dev, r, 4, true));
            json_object_set_new(o, "lag_s", s_value(dev, r, 5, true));
            json_object_set_new(o, "collector", s_value(dev, r, 6, false));
            json_object_set_new(o, "revoked", json_boolean(PQgetvalue(dev, r, 7)[0] == 't'));
            json_array_append_new(ds, o);
        }
        json_object_set_new(root, "collectors", cs);
        json_object_set_new(root, "devices", ds);
        char *s = json_dumps(root, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
        json_decref(root);
    } else {
        printf("collectors\n  %-20s %-19s %8s %10s %10s %10s %10s\n", "NAME", "STARTED", "UPDATED",
               "RECEIVED", "COMMITTED", "DUPLICATES", "REJECTED");
        for (int r = 0; r < PQntuples(col); r++)
            printf("  %-20s %-19s %7ss %10s %10s %10s %10s\n", s_cell(col, r, 0), s_cell(col, r, 1),
                   s_cell(col, r, 2), s_cell(col, r, 3), s_cell(col, r, 4), s_cell(col, r, 5),
                   s_cell(col, r, 6));
        printf("devices\n  %-24s %-12s %-16s %10s %8s %7s %s\n", "DEVICE", "SITE", "MODEL",
               "LAST SEEN", "SPOOL", "LAG", "COLLECTOR");
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
    PQclear(col);
    PQclear(dev);
    return RL_EXIT_OK;
}
