/* `refresh`: recomputes the quality tables from the site's clinical data
 * through quality.refresh() and the later refresh steps, and says what
 * changed; `--watch` stays running and refreshes after each change.
 *
 * The refresh is a list of steps run in one transaction, in the order of
 * s_steps below. The first is quality.refresh(p_full) (migration 600): it
 * recomputes the enrolments changed since the last refresh (every
 * enrolment with --full or after a global change) and returns their keys:
 * the clinical enrolment ids (quality.enrolment.local_enrolment_id)
 * recomputed or deleted, or NULL when it recomputed everything. Each later
 * step is a SQL function quality.refresh_<name>(p_keys bigint[]) (NULL =
 * all enrolments) that brings its own tables up to date for those keys; it
 * returns nothing the command reads, and raises to fail the whole refresh.
 * A new step is one line of s_steps (and its function in a migration,
 * executable by ruglab_quality). */
#include "outcomes.h"

#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/notify.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The steps after quality.refresh(), in order: the function's name. */
static const char *const s_steps[] = {
    "quality.refresh_casemix", /* the case-mix adjusters (migration 602) */
    "quality.refresh_work",    /* the work status at start and end (migration 604) */
    "quality.refresh_agg",     /* the partitions the summaries read (migration 610) */
    NULL,                      /* ended by NULL: add "quality.refresh_<name>" above this line */
};

/* The channel migration 600's trigger notifies on every marked change. */
#define S_CHANNEL "ruglab_quality_change"
/* --watch: after a notification, wait until no other came for S_QUIET_S
 * seconds, at most S_BATCH_S seconds, then refresh (a batch of changes is
 * one refresh; a change is in the tables within a minute). */
#define S_QUIET_S 2
#define S_BATCH_S 20
/* --watch: a refresh after this many seconds without a notification (a
 * change made while a refresh ran may not notify: migration 600). */
#define S_IDLE_S 50
/* --watch: seconds between two attempts to connect. */
#define S_RETRY_S 5

static const char s_usage[] =
    "usage: ruglab-outcomes refresh [--full] [--watch]\n\n"
    "Recomputes the quality tables (quality.enrolment, quality.outcome) from the\n"
    "site's clinical data through quality.refresh(), which runs with the rights of\n"
    "ruglab_admin; only the enrolments changed since the last refresh are\n"
    "recomputed (every enrolment after a change of sites, programmes, devices,\n"
    "reference values or SRD settings) and only changed rows are written (and\n"
    "replicated). Refused on a registry database.\n\n"
    "  --full    recompute every enrolment\n"
    "  --watch   stay running: refresh within seconds after each change (LISTEN\n"
    "            " S_CHANNEL "); reconnects when the database restarts; ends\n"
    "            on SIGTERM or SIGINT with exit code 0\n";

typedef struct {
    int full;
    int watch;
} s_opts_t;

static int
s_parse(s_opts_t *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(s_usage, stdout);
            return RL_EXIT_OK;
        } else if (!strcmp(argv[i], "--full")) {
            o->full = 1;
        } else if (!strcmp(argv[i], "--watch")) {
            o->watch = 1;
        } else {
            rl_cli_fail("refresh: unexpected argument '%s' (see refresh --help)", argv[i]);
            return RL_EXIT_USAGE;
        }
    }
    return -1;
}

/* One refresh with its steps in one transaction; prints its line (when
 * quiet, only if it recomputed something). Returns the exit code; *lost is
 * set when the connection is gone. */
static int
s_refresh(PGconn *conn, int full, int quiet, int *lost)
{
    rl_err_t err;
    if (rl_db_begin(conn, &err) < 0) {
        rl_cli_fail("refresh: %s", err.msg);
        *lost = PQstatus(conn) != CONNECTION_OK;
        return RL_EXIT_DB;
    }
    const char *params[1] = {full ? "true" : "false"};
    PGresult *res = rl_db_exec(conn, &err, "refresh",
                               "SELECT enrolments, inserted, updated, deleted, outcomes_changed, "
                               "       \"full\", recomputed, keys "
                               "FROM quality.refresh($1::boolean)",
                               1, params);
    int rc = RL_EXIT_OK;
    if (!res) {
        rl_cli_fail("%s", err.msg);
        rc = strstr(err.msg, "registry") ? RL_EXIT_FAIL : RL_EXIT_DB;
    }
    for (size_t i = 0; rc == RL_EXIT_OK && s_steps[i]; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT %s($1::bigint[])", s_steps[i]);
        const char *keys[1] = {PQgetisnull(res, 0, 7) ? NULL : PQgetvalue(res, 0, 7)};
        PGresult *step = rl_db_exec(conn, &err, s_steps[i], sql, 1, keys);
        if (!step) {
            rl_cli_fail("refresh: %s", err.msg);
            rc = RL_EXIT_DB;
        }
        PQclear(step);
    }
    if (rc == RL_EXIT_OK && rl_db_commit(conn, &err) < 0) {
        rl_cli_fail("refresh: %s", err.msg);
        rc = RL_EXIT_DB;
    }
    if (rc != RL_EXIT_OK) {
        rl_db_rollback(conn);
        *lost = PQstatus(conn) != CONNECTION_OK;
    } else if (!quiet || strcmp(PQgetvalue(res, 0, 6), "0")) {
        printf("quality tables refreshed: %s enrolments (%s new, %s changed, %s removed), "
               "%s outcome rows changed; %s enrolments recomputed (%s)\n",
               PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
               PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 6),
               !strcmp(PQgetvalue(res, 0, 5), "t") ? "full" : "incremental");
        fflush(stdout);
    }
    PQclear(res);
    return rc;
}

/* ------------------------------------------------------------ --watch */
static volatile sig_atomic_t s_stop;

static void
s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static double
s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits up to timeout_s for input on the connection; 1 when a
 * notification came, 0 on timeout or signal, -1 when the connection is
 * gone. */
static int
s_wait(PGconn *conn, double timeout_s)
{
    struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
    if (p.fd < 0)
        return -1;
    int n = poll(&p, 1, (int)(timeout_s * 1000));
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    if (n == 0)
        return 0;
    if (!PQconsumeInput(conn))
        return -1;
    int got = 0;
    PGnotify *nf;
    while ((nf = PQnotifies(conn))) {
        got = 1;
        PQfreemem(nf);
    }
    return got;
}

static void
s_sleep(double s)
{
    double end = s_now() + s;
    while (!s_stop && s_now() < end) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void
s_drop(rl_cli_ctx_t *ctx)
{
    PQfinish(ctx->conn);
    ctx->conn = NULL;
}

static int
s_watch(rl_cli_ctx_t *ctx, int full)
{
    struct sigaction sa = {0};
    sa.sa_handler = s_on_signal; /* no SA_RESTART: poll returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    while (!s_stop) {
        PGconn *conn = rl_cli_connect(ctx);
        if (!conn) {
            s_sleep(S_RETRY_S);
            continue;
        }
        rl_err_t err;
        PGresult *res = rl_db_exec(conn, &err, "listening", "LISTEN " S_CHANNEL, 0, NULL);
        if (!res) {
            rl_cli_fail("refresh: %s", err.msg);
            s_drop(ctx);
            s_sleep(S_RETRY_S);
            continue;
        }
        PQclear(res);
        /* the changes made while nobody listened */
        int lost = 0;
        int rc = s_refresh(conn, full, 0, &lost);
        full = 0;
        if (rc == RL_EXIT_FAIL)
            return rc; /* a registry: nothing to watch */
        if (!lost)
            rl_notify("READY=1"); /* systemd (Type=notify): listening and up to date */
        while (!s_stop && !lost) {
            int w = s_wait(conn, S_IDLE_S);
            if (w < 0) {
                lost = 1;
                break;
            }
            if (w == 0) {
                /* a change that raced the last refresh did not notify */
                if (!s_stop)
                    s_refresh(conn, 0, 1, &lost);
                continue;
            }
            double first = s_now(), last = first;
            while (!s_stop && s_now() - first < S_BATCH_S) {
                double left = S_QUIET_S - (s_now() - last);
                if (left <= 0)
                    break;
                w = s_wait(conn, left);
                if (w < 0)
                    break;
                if (w > 0)
                    last = s_now();
            }
            if (w < 0) {
                lost = 1;
                break;
            }
            if (!s_stop)
                s_refresh(conn, 0, 0, &lost);
        }
        if (lost) {
            fprintf(stderr, "ruglab-outcomes: refresh: connection lost; reconnecting\n");
            s_drop(ctx);
            s_sleep(S_RETRY_S / 5.0);
        }
    }
    rl_notify("STOPPING=1");
    return RL_EXIT_OK;
}

int
outcomes_refresh_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    s_opts_t o = {0};
    int rc = s_parse(&o, argc, argv);
    if (rc >= 0)
        return rc;
    if (o.watch)
        return s_watch(ctx, o.full);
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    int lost = 0;
    return s_refresh(conn, o.full, 0, &lost);
}
