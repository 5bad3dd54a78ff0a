/* `refresh`: recomputes the quality tables from the site's clinical data
 * through quality.refresh() and says what changed. */
#include "outcomes.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"

#include <string.h>

typedef struct {
    PGresult *res; /* the one row of quality.refresh() */
} s_refresh_t;

static int
s_parse(void *self, int argc, char **argv)
{
    (void)self;
    return outcomes_args_none(
        "refresh",
        "usage: ruglab-outcomes refresh\n\n"
        "Recomputes the quality tables (quality.enrolment, quality.outcome,\n"
        "quality.work_status) from the site's clinical data through quality.refresh()\n"
        "and quality.refresh_work(), which run with the rights of ruglab_admin; only\n"
        "changed rows are written (and replicated). Refused on a registry database.\n",
        argc, argv);
}

static int
s_fetch(void *self, PGconn *conn)
{
    s_refresh_t *r = self;
    rl_err_t err;
    r->res = rl_db_exec(conn, &err, "refresh",
                        "SELECT enrolments, inserted, updated, deleted, outcomes_changed "
                        "FROM quality.refresh()",
                        0, NULL);
    /* the work status (deploy/sql/604), all enrolments, in the same step */
    PGresult *work =
        r->res ? rl_db_exec(conn, &err, "refresh", "SELECT quality.refresh_work(NULL)", 0, NULL)
               : NULL;
    if (r->res && !work) {
        PQclear(r->res);
        r->res = NULL;
    }
    PQclear(work);
    if (!r->res) {
        rl_cli_fail("%s", err.msg);
        return strstr(err.msg, "registry") ? RL_EXIT_FAIL : RL_EXIT_DB;
    }
    /* the case-mix adjusters (migration 602), after the enrolments they key on */
    PGresult *casemix = rl_db_exec(conn, &err, "refresh casemix",
                                   "SELECT FROM quality.refresh_casemix(NULL)", 0, NULL);
    if (!casemix) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_DB;
    }
    PQclear(casemix);
    return -1;
}

static int
s_render(void *self, PGconn *conn, rl_cli_format_t format)
{
    (void)conn;
    (void)format;
    const s_refresh_t *r = self;
    printf("quality tables refreshed: %s enrolments (%s new, %s changed, %s removed), "
           "%s outcome rows changed\n",
           PQgetvalue(r->res, 0, 0), PQgetvalue(r->res, 0, 1), PQgetvalue(r->res, 0, 2),
           PQgetvalue(r->res, 0, 3), PQgetvalue(r->res, 0, 4));
    return RL_EXIT_OK;
}

static void
s_clear(void *self)
{
    s_refresh_t *r = self;
    PQclear(r->res);
    r->res = NULL;
}

int
outcomes_refresh_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    static const outcomes_command_t steps = {s_parse, s_fetch, s_render, s_clear};
    s_refresh_t r = {0};
    return outcomes_command_run(&steps, &r, ctx, argc, argv);
}
