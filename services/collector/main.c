/* ruglab-collector: one per site. Agents connect a DEALER socket to our
 * ROUTER socket over CurveZMQ; the ZAP handler lets in only enrolled,
 * unrevoked device keys. Every message is decoded and validated, held in a
 * bounded batch, resolved (patient token to enrolment, scores), stored in
 * one transaction (idempotent by device, boot and sequence) and
 * acknowledged only after COMMIT. While one batch's COPY and COMMIT are
 * on their way (the database's socket polled beside the agents'), the
 * next is received and validated; it goes to the database once that
 * COMMIT is answered, so a group is as large as what arrives while one is
 * stored (at most
 * [batch] group_bytes, max_messages). While the database is unreachable
 * nothing is acknowledged and, once the batch is full, nothing more is
 * read: the agents keep their spools (backpressure).
 *
 * One thread: the loop polls the ROUTER and ZAP sockets and runs the
 * timers (allow-list refresh, status, reconnection). Signal handlers only
 * set flags. */
#include "collector_auth.h"
#include "collector_config.h"
#include "collector_item.h"
#include "collector_metrics.h"
#include "collector_resolve.h"
#include "collector_store.h"
#include "collector_validate.h"

#include "ruglab/cli.h"
#include "ruglab/clock.h"
#include "ruglab/config.h"
#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/log.h"
#include "ruglab/mem.h"
#include "ruglab/paths.h"
#include "ruglab/notify.h"
#include "ruglab/wire.h"
#include "ruglab/text.h"

#include <czmq.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#define S_PROG "ruglab-collector"
/* Rejections logged one by one per status interval; the rest are counted. */
#define S_REJECT_LOG_MAX 20
/* Messages read from the agents per loop turn at most. */
#define S_READ_TURN 256
/* Messages read between two looks at the database's answers. */
#define S_DB_TURN 16

static volatile sig_atomic_t s_term;
static volatile sig_atomic_t s_hup;

static void
s_on_term(int sig)
{
    (void)sig;
    if (s_term)
        _exit(1); /* a second signal: exit at once */
    s_term = 1;
}

static void
s_on_hup(int sig)
{
    (void)sig;
    s_hup = 1;
}

/* The settings the loop uses, copied out of a loaded configuration. */
typedef struct {
    char name[256];
    char listen[512];
    char metrics_listen[512];
    char secret_key_file[1024];
    char conninfo[2048];
    rl_log_level_t level;
    long status_interval_ms;
    long shutdown_timeout_ms;
    long receive_queue;
    long max_transport_bytes;
    long reconnect_max_ms;
    long batch_max;
    long batch_bytes;
    long group_bytes;
    long batch_delay_ms;
    long refresh_ms;
    long dead_letters_per_minute;
} s_settings_t;

/* Loads path (NULL: the default file if it exists, else defaults) and
 * copies it into *s, applying --db. Returns 0, or -1 with err. */
static int
s_load(const char *path, const char *db_flag, s_settings_t *s, rl_err_t *err)
{
    if (!path && access(COLLECTOR_CONFIG_DEFAULT_PATH, F_OK) == 0)
        path = COLLECTOR_CONFIG_DEFAULT_PATH;
    rl_config_t *cfg = rl_config_load(collector_config_schema, path, err);
    if (!cfg)
        return -1;
    int rc = -1;
    memset(s, 0, sizeof *s);
    const char *name = rl_config_str(cfg, "collector", "name");
    if (*name)
        snprintf(s->name, sizeof s->name, "%s", name);
    else if (gethostname(s->name, sizeof s->name - 1) != 0)
        snprintf(s->name, sizeof s->name, "collector");
    snprintf(s->listen, sizeof s->listen, "%s", rl_config_str(cfg, "collector", "listen"));
    snprintf(s->metrics_listen, sizeof s->metrics_listen, "%s",
             rl_config_str(cfg, "collector", "metrics_listen"));
    if (collector_metrics_check_listen(s->metrics_listen, err))
        goto out;
    snprintf(s->secret_key_file, sizeof s->secret_key_file, "%s",
             rl_config_str(cfg, "collector", "secret_key_file"));
    const char *lvl = rl_config_str(cfg, "collector", "log_level");
    if (rl_log_parse_level(lvl, &s->level) != 0) {
        rl_err_set(err, "%s: log_level '%s' is not error, warn, info or debug",
                   path ? path : "(defaults)", lvl);
        goto out;
    }
    s->status_interval_ms = rl_config_int(cfg, "collector", "status_interval_s") * 1000;
    s->shutdown_timeout_ms = rl_config_int(cfg, "collector", "shutdown_timeout_s") * 1000;
    s->receive_queue = rl_config_int(cfg, "collector", "receive_queue");
    s->max_transport_bytes = rl_config_int(cfg, "collector", "max_transport_bytes");
    s->reconnect_max_ms = rl_config_int(cfg, "database", "reconnect_max_ms");
    s->batch_max = rl_config_int(cfg, "batch", "max_messages");
    s->batch_bytes = rl_config_int(cfg, "batch", "max_bytes");
    s->group_bytes = rl_config_int(cfg, "batch", "group_bytes");
    s->batch_delay_ms = rl_config_int(cfg, "batch", "max_delay_ms");
    s->refresh_ms = rl_config_int(cfg, "security", "refresh_ms");
    s->dead_letters_per_minute = rl_config_int(cfg, "security", "dead_letters_per_minute");
    const char *cfg_db = rl_config_str(cfg, "database", "conninfo");
    char *conninfo = rl_db_conninfo(db_flag && *db_flag ? db_flag : cfg_db, err);
    if (!conninfo)
        goto out;
    snprintf(s->conninfo, sizeof s->conninfo, "%s", conninfo);
    free(conninfo);
    rc = 0;
out:
    rl_config_destroy(&cfg);
    return rc;
}

/* Loads the collector's CURVE key pair: both keys as 32 bytes. */
static int
s_load_keys(const char *path, uint8_t public_key[32], uint8_t secret_key[32], rl_err_t *err)
{
    if (rl_paths_check_secret(path, err))
        return -1;
    zcert_t *cert = zcert_load(path);
    if (!cert)
        return rl_err_set(err, "%s is not a CURVE key pair (CZMQ certificate format)", path);
    static const uint8_t zero[32] = {0};
    int rc = 0;
    if (!memcmp(zcert_secret_key(cert), zero, 32))
        rc = rl_err_set(err, "%s holds no secret key (give the *_secret file)", path);
    memcpy(public_key, zcert_public_key(cert), 32);
    memcpy(secret_key, zcert_secret_key(cert), 32);
    zcert_destroy(&cert);
    return rc;
}

/* --check-config past the files: the database is reached as
 * ruglab_collector and its tables are usable (the latest migration the
 * collector writes to), and the listen address can be bound (then let go).
 * A running collector holds its own address: that is said, and counted as
 * a failure, since a second collector could not start there. */
static int
s_check_live(const s_settings_t *set)
{
    char ok[512];
    rl_err_t err;
    if (rl_db_check(set->conninfo, "ruglab_collector",
                    "SELECT device_id FROM meas.message_key LIMIT 0", ok, sizeof ok, &err)) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_DB;
    }
    void *zctx = zmq_ctx_new();
    void *sock = zctx ? zmq_socket(zctx, ZMQ_ROUTER) : NULL;
    int linger = 0, rc = RL_EXIT_OK;
    if (sock)
        zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (!sock || zmq_bind(sock, set->listen) != 0) {
        int e = zmq_errno();
        rl_cli_fail("cannot listen on %s: %s%s", set->listen, zmq_strerror(e),
                    e == EADDRINUSE ? " (another program, or this collector already running, "
                                      "listens there)"
                                    : "");
        rc = RL_EXIT_CONFIG;
    } else if (collector_metrics_check_bind(set->metrics_listen, &err)) {
        rl_cli_fail("%s", err.msg);
        rc = RL_EXIT_CONFIG;
    } else {
        printf("configuration OK: %s, listening on %s%s%s\n", ok, set->listen,
               *set->metrics_listen ? ", metrics on " : "", set->metrics_listen);
    }
    if (sock)
        zmq_close(sock);
    if (zctx)
        zmq_ctx_term(zctx);
    return rc;
}

/* --gen-key DIR: DIR/collector.key (public) and DIR/collector.key_secret (0600). */
static int
s_gen_key(const char *dir)
{
    char *pub = rl_asprintf("%s/collector.key", dir);
    char *sec = rl_asprintf("%s/collector.key_secret", dir);
    int rc = RL_EXIT_FAIL;
    struct stat st;
    rl_err_t err;
    if (stat(dir, &st) != 0 && rl_paths_mkdirs(dir, 0700, &err) != 0) {
        rl_cli_fail("%s", err.msg);
        goto out;
    }
    if (access(pub, F_OK) == 0 || access(sec, F_OK) == 0) {
        rl_cli_fail("%s already exists; not overwriting a key pair", sec);
        goto out;
    }
    zcert_t *cert = zcert_new();
    zcert_set_meta(cert, "role", "ruglab-collector");
    mode_t old = umask(077);
    int s1 = zcert_save_secret(cert, sec);
    umask(022);
    int s2 = zcert_save_public(cert, pub);
    umask(old);
    if (s1 != 0 || s2 != 0 || chmod(sec, 0600) != 0 || chmod(pub, 0644) != 0) {
        rl_cli_fail("cannot write the key pair into %s: %s", dir, strerror(errno));
        zcert_destroy(&cert);
        goto out;
    }
    printf("collector key pair written: %s (secret, mode 0600) and %s (public)\n", sec, pub);
    printf("public key (the agents' [link] server_public_key: this text or the file %s): %s\n", pub,
           zcert_public_txt(cert));
    zcert_destroy(&cert);
    rc = RL_EXIT_OK;
out:
    free(pub);
    free(sec);
    return rc;
}

static void
s_usage(FILE *out)
{
    fprintf(
        out,
        "usage: " S_PROG " [--config FILE] [--db CONNINFO]\n"
        "       " S_PROG " --check-config [--config FILE]\n"
        "       " S_PROG " --gen-key DIR\n"
        "       " S_PROG " --example-config\n\n"
        "Receives measurements from ruglab-agent (ZeroMQ, CurveZMQ), validates them, stores\n"
        "each exactly once and acknowledges after commit; rejected messages are kept in\n"
        "meas.dead_letter. Runs in the foreground; prints a READY line when listening.\n\n"
        "  --config FILE     configuration (default " COLLECTOR_CONFIG_DEFAULT_PATH
        " if it exists)\n"
        "  --db CONNINFO     libpq connection string (overrides [database] conninfo,\n"
        "                    $RUGLAB_DB and the local cluster); connects as ruglab_collector\n"
        "  --check-config    load the configuration and the key pair (mode 0600), connect\n"
        "                    to the database and bind the listen address, then print\n"
        "                    \"configuration OK: ...\" or what is wrong (exit 4: the\n"
        "                    configuration or key, 3: the database)\n"
        "  --gen-key DIR     write a new collector key pair: DIR/collector.key_secret\n"
        "                    (mode 0600, for secret_key_file) and DIR/collector.key (public)\n"
        "  --example-config  print every configuration key with its default\n"
        "  --help, --version\n\n"
        "signals: TERM/INT store, acknowledge and exit (a second one exits at once);\n"
        "HUP reloads the configuration, keeping the old one when the new one is invalid.\n"
        "exit codes: 0 done, 1 failed, 2 usage error, 3 database error, 4 configuration error\n");
}

/* ------------------------------------------------------------------ loop */

typedef struct {
    char device_id[RL_ID_MAX + 1];
    int64_t window_ms; /* start of the current minute */
    long kept;         /* dead letters kept in it */
    long unkept;       /* rejected beyond the limit in it */
} s_dl_rate_t;

typedef struct {
    int fd;
    struct sockaddr_storage peer; /* the connection's peer when it was marked */
    socklen_t peer_len;
    char device_id[RL_ID_MAX + 1];
    int64_t at_ms; /* close from then on */
} s_closing_t;

typedef struct {
    s_settings_t set;
    const char *config_path;
    const char *db_flag;
    void *zctx;
    void *router;
    collector_auth_t *auth;
    collector_store_t *store;
    collector_metrics_t *metrics; /* NULL: [collector] metrics_listen is empty */
    collector_store_counters_t counters;
    collector_store_counters_t logged; /* counters at the last status line */
    int64_t started_us;
    /* the pending batch: received, waiting for its transaction */
    collector_item_t *items;
    size_t n_items;
    size_t cap_items;
    size_t pending_bytes;
    int64_t first_pending_ms;
    /* the pending batch resolved and its COPY rows encoded while the flight
     * is stored (s_prepare): it takes no more messages */
    bool pending_prepared;
    bool flight_prepared; /* the flight was: stored without resolving again */
    /* the batch being stored: its COMMIT on the way while the next one is
     * received (collector_store_in_flight), or held after the database
     * failed, to be stored again first */
    collector_item_t *flight;
    size_t n_flight;
    size_t cap_flight;
    /* the array of the batch last acknowledged, kept for its memory (the
     * next flight's array) */
    collector_item_t *acking;
    size_t cap_acking;
    bool stopping; /* TERM or INT: storing what is held, then exiting */
    size_t flight_bytes;
    double flight_start; /* collector_metrics_clock() when it was sent */
    /* database state */
    bool db_up;
    bool db_ever_up;
    int64_t next_connect_ms;
    long backoff_ms;
    int64_t next_refresh_ms;
    int64_t next_status_ms;
    int rejects_logged;
    int rejects_unlogged;
    char no_user_warned;
    /* dead letters kept per device in the current minute */
    s_dl_rate_t *rates;
    size_t n_rates;
    /* connections of revoked devices to close once their acks are out */
    s_closing_t *closing;
    size_t n_closing;
} s_loop_t;

static void
s_db_down(s_loop_t *L, const char *why)
{
    if (L->db_up || !L->db_ever_up) {
        rl_warn("database",
                "unavailable: %s; not acknowledging, holding %zu message%s, "
                "retrying with backoff",
                why, L->n_items + L->n_flight, L->n_items + L->n_flight == 1 ? "" : "s");
    }
    L->db_up = false;
    L->db_ever_up = true;                             /* log the next state change only */
    L->pending_prepared = L->flight_prepared = false; /* resolved again once connected */
    L->next_connect_ms = rl_clock_mono_ms() + L->backoff_ms;
    L->backoff_ms =
        L->backoff_ms * 2 > L->set.reconnect_max_ms ? L->set.reconnect_max_ms : L->backoff_ms * 2;
}

static void
s_refresh(s_loop_t *L)
{
    collector_store_device_t *devs;
    size_t n;
    rl_err_t err;
    if (collector_store_devices(L->store, &devs, &n, &err) != 0) {
        if (!collector_store_is_up(L->store))
            s_db_down(L, err.msg);
        else
            rl_warn("database", "%s", err.msg);
        return;
    }
    size_t changed = collector_auth_replace(L->auth, devs, n);
    if (changed)
        rl_info("devices", "allow-list: %zu device%s enrolled and not revoked",
                collector_auth_count(L->auth), collector_auth_count(L->auth) == 1 ? "" : "s");
}

static void
s_connect(s_loop_t *L)
{
    rl_err_t err;
    if (collector_store_connect(L->store, &err) != 0) {
        s_db_down(L, err.msg);
        return;
    }
    if (!L->db_up && L->db_ever_up)
        rl_info("database", "available again; resuming with %zu message%s held",
                L->n_items + L->n_flight, L->n_items + L->n_flight == 1 ? "" : "s");
    L->db_up = true;
    L->db_ever_up = true;
    L->backoff_ms = 100;
    s_refresh(L);
    L->next_refresh_ms = rl_clock_mono_ms() + L->set.refresh_ms;
}

/* Orders the indices of a batch's items by their connection (routing
 * id), keeping the order of each connection's items. */
static const collector_item_t *s_sort_items;

static int
s_by_routing(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const collector_item_t *x = &s_sort_items[i], *y = &s_sort_items[j];
    if (x->routing_len != y->routing_len)
        return x->routing_len < y->routing_len ? -1 : 1;
    int c = memcmp(x->routing, y->routing, x->routing_len);
    if (c)
        return c;
    return i < j ? -1 : i > j;
}

static bool
s_wants_ack(const collector_item_t *it)
{
    return it->status == RL_ACK_REJECTED || collector_validate_wants_ack(&it->msg);
}

/* One Acks message to the connection of items[idx[0..n-1]]. */
static void
s_send_ack(s_loop_t *L, const collector_item_t *items, const size_t *idx, size_t n)
{
    const collector_item_t *first = &items[idx[0]];
    size_t n_ack = 0;
    for (size_t k = 0; k < n; k++)
        n_ack += s_wants_ack(&items[idx[k]]);
    if (n_ack == 0)
        return;
    rl_msg_t ack;
    rl_msg_init(&ack);
    snprintf(ack.device_id, sizeof ack.device_id, "%s", first->auth_device);
    ack.taken_at_us = rl_clock_wall_us();
    rl_msg_acks_alloc(&ack, n_ack);
    size_t a_i = 0;
    for (size_t k = 0; k < n; k++) {
        const collector_item_t *it = &items[idx[k]];
        if (!s_wants_ack(it))
            continue;
        rl_ack_t *a = &ack.u.acks.acks[a_i++];
        a->boot_id = it->msg.boot_id;
        a->seq = it->msg.seq;
        a->status = it->status;
        a->reason = it->status == RL_ACK_REJECTED ? it->reason : RL_REASON_NONE;
        snprintf(a->text, sizeof a->text, "%s", it->status == RL_ACK_REJECTED ? it->text : "");
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    rl_err_t err;
    if (rl_wire_encode(&ack, &buf, &len, &err) == 0) {
        /* a peer gone meanwhile: ROUTER drops it; the agent resends */
        if (zmq_send(L->router, first->routing, first->routing_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) >=
                0 &&
            zmq_send(L->router, buf, len, ZMQ_DONTWAIT) < 0)
            rl_debug(first->auth_device, "ack not sent: %s", zmq_strerror(zmq_errno()));
    } else {
        rl_error(first->auth_device, "cannot encode acknowledgements: %s", err.msg);
    }
    free(buf);
    rl_msg_clear(&ack);
}

/* The acknowledgements of a committed batch: one Acks message per
 * connection (sorted by routing id: a batch of many agents costs n log n,
 * not n times the agents). */
static void
s_send_acks(s_loop_t *L, const collector_item_t *items, size_t n)
{
    size_t *idx = rl_calloc(n + 1, sizeof *idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    s_sort_items = items;
    qsort(idx, n, sizeof *idx, s_by_routing);
    s_sort_items = NULL;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && items[idx[j]].routing_len == items[idx[i]].routing_len &&
               !memcmp(items[idx[j]].routing, items[idx[i]].routing, items[idx[i]].routing_len))
            j++;
        s_send_ack(L, items, idx + i, j - i);
        i = j;
    }
    free(idx);
}

static void
s_log_rejections(s_loop_t *L, const collector_item_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const collector_item_t *it = &items[i];
        if (it->status != RL_ACK_REJECTED)
            continue;
        if (L->rejects_logged >= S_REJECT_LOG_MAX) {
            L->rejects_unlogged++;
            continue;
        }
        L->rejects_logged++;
        rl_info(it->auth_device[0] ? it->auth_device : "peer",
                "rejected boot %llu seq %llu: %s: %s", (unsigned long long)it->msg.boot_id,
                (unsigned long long)it->msg.seq, rl_reason_name(it->reason), it->text);
    }
}

static void s_disconnect_revoked(s_loop_t *L, const collector_item_t *items, size_t n);

/* Looks up the batch's patient tokens and resolves it: 0, or -1 with err
 * when the database failed. */
static int
s_resolve(s_loop_t *L, collector_item_t *items, size_t n, rl_err_t *err)
{
    const char **tokens = rl_calloc(n + 1, sizeof *tokens);
    size_t n_tokens = collector_resolve_tokens(items, n, tokens);
    collector_validate_enrolment_t *rows = NULL;
    size_t n_rows = 0;
    int rc = -1;
    if (n_tokens == 0 ||
        collector_store_enrolments(L->store, tokens, n_tokens, &rows, &n_rows, err) == 0) {
        collector_resolve_batch(items, n, rows, n_rows);
        rc = 0;
    }
    free(rows);
    free(tokens);
    return rc;
}

/* Resolves the flight (unless it was prepared) and starts storing it: 1
 * committed, 0 in flight, -1 with err when the database failed. */
static int
s_store_batch(s_loop_t *L, rl_err_t *err)
{
    bool prepared = L->flight_prepared;
    L->flight_prepared = false;
    if (!prepared && s_resolve(L, L->flight, L->n_flight, err) != 0)
        return -1;
    return collector_store_flush_start(L->store, L->flight, L->n_flight, prepared, &L->counters,
                                       err);
}

static void s_db_down(s_loop_t *L, const char *why);
static bool s_batch_full(const s_loop_t *L);

/* While the flight is stored, the pending batch that takes no more (full,
 * or the flight's COPYs are done and its COMMIT is on its way) is
 * resolved and its COPY rows encoded, so that it goes to the database the
 * moment the flight is committed. Messages that come meanwhile wait for
 * the next group. */
static void
s_prepare(s_loop_t *L)
{
    if (!L->db_up || L->pending_prepared || !L->n_items || !collector_store_in_flight(L->store) ||
        !(s_batch_full(L) || collector_store_committing(L->store)))
        return;
    rl_err_t err;
    if (s_resolve(L, L->items, L->n_items, &err) != 0) {
        if (!collector_store_is_up(L->store))
            s_db_down(L, err.msg);
        return; /* resolved again when it is stored */
    }
    collector_store_prepare(L->store, L->items, L->n_items);
    L->pending_prepared = true;
    rl_debug("database", "group of %zu message(s) prepared while a batch is stored", L->n_items);
}

/* The database failed the flight: it is held, and stored again first. */
static void
s_flight_failed(s_loop_t *L, const rl_err_t *err)
{
    if (!collector_store_is_up(L->store)) {
        s_db_down(L, err->msg);
    } else {
        /* not a lost connection, yet the batch failed even message by
         * message: say so, keep it, try again after a pause */
        rl_error("database", "storing a batch of %zu failed: %s", L->n_flight, err->msg);
        L->next_connect_ms = rl_clock_mono_ms() + L->backoff_ms;
        L->db_up = false;
        L->pending_prepared = L->flight_prepared = false;
    }
}

/* A committed batch: its acknowledgements go out, then it is cleared. */
static void
s_batch_done(s_loop_t *L, collector_item_t *items, size_t n, double started)
{
    collector_metrics_batch(L->metrics, items, n, collector_metrics_clock() - started);
    s_send_acks(L, items, n);
    s_log_rejections(L, items, n);
    s_disconnect_revoked(L, items, n);
    for (size_t i = 0; i < n; i++)
        collector_item_clear(&items[i]);
}

/* The flight is committed: its acknowledgements go out. */
static void
s_flight_done(s_loop_t *L)
{
    s_batch_done(L, L->flight, L->n_flight, L->flight_start);
    L->n_flight = 0;
    L->flight_bytes = 0;
}

static bool s_group_due(const s_loop_t *L, int64_t now, bool stopping);
static void s_flush(s_loop_t *L);

/* The flight is committed (its answer read from the database's socket):
 * the next group, when due, goes to the database first, and this one's
 * acknowledgements are sent while the database stores it. */
static void
s_flight_done_next(s_loop_t *L)
{
    collector_item_t *done = L->flight;
    size_t n_done = L->n_flight, cap_done = L->cap_flight;
    double started = L->flight_start;
    L->flight = L->acking;
    L->cap_flight = L->cap_acking;
    L->n_flight = 0;
    L->flight_bytes = 0;
    L->acking = NULL;
    L->cap_acking = 0;
    if (s_group_due(L, rl_clock_mono_ms(), L->stopping))
        s_flush(L);
    s_batch_done(L, done, n_done, started);
    L->acking = done;
    L->cap_acking = cap_done;
}

/* Starts storing: the held flight if the database failed it, else the
 * pending batch (which becomes the flight, and the pending batch starts
 * empty). Nothing while a flight is on its way. */
static void
s_flush(s_loop_t *L)
{
    if (!L->db_up || collector_store_in_flight(L->store))
        return;
    if (L->n_flight == 0) {
        if (L->n_items == 0)
            return;
        collector_item_t *t = L->flight;
        size_t cap = L->cap_flight;
        L->flight = L->items;
        L->n_flight = L->n_items;
        L->cap_flight = L->cap_items;
        L->flight_bytes = L->pending_bytes;
        L->flight_prepared = L->pending_prepared;
        L->pending_prepared = false;
        L->items = t;
        L->cap_items = cap;
        L->n_items = 0;
        L->pending_bytes = 0;
        rl_debug("database", "group of %zu message(s), %zu bytes, first waited %lld ms",
                 L->n_flight, L->flight_bytes,
                 (long long)(rl_clock_mono_ms() - L->first_pending_ms));
    }
    rl_err_t err;
    L->flight_start = collector_metrics_clock();
    int rc = s_store_batch(L, &err);
    if (rc < 0)
        s_flight_failed(L, &err);
    else if (rc == 1)
        s_flight_done(L);
}

/* The flight's results, when the database's socket has some. */
static void
s_flight_poll(s_loop_t *L)
{
    rl_err_t err;
    int rc = collector_store_flush_poll(L->store, &err);
    if (rc < 0) {
        rl_warn("database",
                "a batch of %zu was being committed when the database failed: it is stored "
                "again once connected (what was committed is acknowledged DUPLICATE)",
                L->n_flight);
        s_flight_failed(L, &err);
    } else if (rc == 1) {
        s_flight_done_next(L);
    } else {
        s_prepare(L);
    }
}

static void
s_status(s_loop_t *L)
{
    collector_store_counters_t *c = &L->counters;
    if (memcmp(c, &L->logged, sizeof *c) != 0) {
        rl_info("counters", "received %llu, committed %llu, duplicates %llu, rejected %llu",
                (unsigned long long)c->received, (unsigned long long)c->committed,
                (unsigned long long)c->duplicates, (unsigned long long)c->rejected);
        L->logged = *c;
    }
    if (L->rejects_unlogged)
        rl_info("counters", "%d more rejections not logged one by one", L->rejects_unlogged);
    L->rejects_logged = L->rejects_unlogged = 0;
    rl_err_t err;
    if (L->db_up && collector_store_write_status(L->store, L->started_us, c, &err) != 0) {
        if (!collector_store_is_up(L->store))
            s_db_down(L, err.msg);
        else
            rl_warn("database", "%s", err.msg);
    }
}

/* Reads the frames after the routing id; the first is the message, kept
 * in it with its authenticated device and connection. Returns how many
 * frames came. */
static int
s_recv_body(s_loop_t *L, collector_item_t *it, bool more)
{
    int frames = 0;
    while (more) {
        zmq_msg_t body;
        zmq_msg_init(&body);
        if (zmq_msg_recv(&body, L->router, 0) < 0) {
            zmq_msg_close(&body);
            break;
        }
        frames++;
        if (frames == 1) {
            const char *user = zmq_msg_gets(&body, "User-Id");
            snprintf(it->auth_device, sizeof it->auth_device, "%s", user ? user : "");
            it->src_fd = zmq_msg_get(&body, ZMQ_SRCFD);
            it->raw_len = zmq_msg_size(&body);
            it->raw = rl_malloc(it->raw_len ? it->raw_len : 1);
            memcpy(it->raw, zmq_msg_data(&body), it->raw_len);
        }
        more = zmq_msg_more(&body);
        zmq_msg_close(&body);
    }
    return frames;
}

/* A message that does not decode: the decoder's verdict, and the ack
 * carries the message's key whenever it can be read, so that the device
 * knows which message to drop. */
static void
s_undecoded(collector_item_t *it, rl_reason_t reason, const rl_err_t *err)
{
    it->verdict.reason = reason;
    size_t n = strnlen(err->msg, sizeof it->verdict.text - 1);
    memcpy(it->verdict.text, err->msg, n);
    it->verdict.text[n] = '\0';
    if (reason != RL_REASON_MALFORMED && reason != RL_REASON_TOO_LARGE)
        return;
    rl_msg_clear(&it->msg);
    rl_msg_init(&it->msg);
    uint64_t boot, seq;
    char claimed[RL_ID_MAX + 1];
    if (rl_wire_peek_key(it->raw, it->raw_len, &boot, &seq, claimed) &&
        boot <= (uint64_t)INT64_MAX && seq <= (uint64_t)INT64_MAX) {
        it->msg.boot_id = boot;
        it->msg.seq = seq;
    }
    snprintf(it->msg.device_id, sizeof it->msg.device_id, "%s", claimed);
}

/* Decodes and validates a received item (of `frames` frames): its verdict. */
static void
s_check_item(s_loop_t *L, collector_item_t *it, int frames)
{
    rl_err_t err;
    rl_reason_t reason;
    if (frames != 1) {
        it->verdict.reason = RL_REASON_MALFORMED;
        snprintf(it->verdict.text, sizeof it->verdict.text,
                 "%d frames (a message is exactly one frame)", frames);
        rl_msg_clear(&it->msg);
        return;
    }
    if (rl_wire_decode(it->raw, it->raw_len, &it->msg, &reason, &err) != 0) {
        s_undecoded(it, reason, &err);
        return;
    }
    it->decoded = true;
    if (!collector_auth_device_allowed(L->auth, it->auth_device)) {
        /* revoked while connected: refuse from now on, keep what it sent */
        it->verdict.reason = RL_REASON_UNKNOWN_DEVICE;
        snprintf(it->verdict.text, sizeof it->verdict.text, "device %s is revoked or not enrolled",
                 it->auth_device);
        return;
    }
    collector_validate(&it->msg, it->auth_device, it->received_us, &it->verdict);
}

/* Reads one message from the ROUTER socket into a new item. Returns false
 * when nothing was waiting. */
static bool
s_receive_one(s_loop_t *L)
{
    zmq_msg_t rid;
    zmq_msg_init(&rid);
    if (zmq_msg_recv(&rid, L->router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&rid);
        return false;
    }
    if (L->n_items == L->cap_items) {
        L->cap_items = L->cap_items ? L->cap_items * 2 : 64;
        L->items = rl_realloc(L->items, L->cap_items * sizeof *L->items);
    }
    collector_item_t *it = &L->items[L->n_items];
    memset(it, 0, sizeof *it);
    it->routing_len = zmq_msg_size(&rid) < COLLECTOR_ITEM_ROUTING_MAX ? zmq_msg_size(&rid)
                                                                      : COLLECTOR_ITEM_ROUTING_MAX;
    memcpy(it->routing, zmq_msg_data(&rid), it->routing_len);
    bool more = zmq_msg_more(&rid);
    zmq_msg_close(&rid);
    int frames = s_recv_body(L, it, more);
    L->counters.received++;
    it->received_us = rl_clock_wall_us();
    collector_metrics_received(L->metrics, it);
    rl_msg_init(&it->msg);
    if (!it->auth_device[0]) {
        /* cannot happen with CURVE and our ZAP handler; never store it */
        if (!L->no_user_warned)
            rl_warn("peer", "message without an authenticated device dropped");
        L->no_user_warned = 1;
        collector_item_clear(it);
        return true;
    }
    L->n_items++;
    L->pending_bytes += it->raw_len;
    if (L->n_items == 1)
        L->first_pending_ms = rl_clock_mono_ms();
    s_check_item(L, it, frames);
    return true;
}

/* At most dead_letters_per_minute rejected messages of one device are kept
 * as dead letters; the rest are still acknowledged REJECTED (the device
 * drops them) but not stored, and counted in the log once a minute. */
static void
s_limit_dead_letters(s_loop_t *L, collector_item_t *it)
{
    if (it->verdict.reason == RL_REASON_NONE)
        return;
    int64_t now = rl_clock_mono_ms();
    s_dl_rate_t *r = NULL;
    for (size_t i = 0; i < L->n_rates && !r; i++)
        if (!strcmp(L->rates[i].device_id, it->auth_device))
            r = &L->rates[i];
    if (!r) {
        L->rates = rl_realloc(L->rates, (L->n_rates + 1) * sizeof *L->rates);
        r = &L->rates[L->n_rates++];
        memset(r, 0, sizeof *r);
        snprintf(r->device_id, sizeof r->device_id, "%s", it->auth_device);
        r->window_ms = now;
    }
    if (now - r->window_ms >= 60000) {
        if (r->unkept)
            rl_warn(r->device_id,
                    "%ld rejected message(s) beyond %ld a minute were acknowledged but not kept "
                    "as dead letters",
                    r->unkept, L->set.dead_letters_per_minute);
        r->window_ms = now;
        r->kept = r->unkept = 0;
    }
    if (r->kept < L->set.dead_letters_per_minute) {
        r->kept++;
        return;
    }
    if (r->unkept++ == 0)
        rl_warn(r->device_id,
                "more than %ld rejected messages in a minute: the rest of this minute's are "
                "acknowledged REJECTED but not kept as dead letters",
                L->set.dead_letters_per_minute);
    it->unkept = true;
}

static bool
s_read_one(s_loop_t *L)
{
    size_t before = L->n_items;
    bool got = s_receive_one(L);
    if (L->n_items > before)
        s_limit_dead_letters(L, &L->items[L->n_items - 1]);
    return got;
}

/* A device revoked while connected: after its REJECTED acks, its TCP
 * connection is closed (shutdown of the socket libzmq received it on), and
 * a new handshake is refused by the allow-list. The close waits a quarter
 * of a second so that the acks are sent first, and checks that the socket
 * still has the same peer (libzmq may have closed and reused the number). */
static void
s_disconnect_revoked(s_loop_t *L, const collector_item_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const collector_item_t *it = &items[i];
        if (it->verdict.reason != RL_REASON_UNKNOWN_DEVICE || it->src_fd < 0)
            continue;
        bool seen = false;
        for (size_t j = 0; j < L->n_closing && !seen; j++)
            seen = L->closing[j].fd == it->src_fd;
        if (seen)
            continue;
        s_closing_t c = {.fd = it->src_fd, .at_ms = rl_clock_mono_ms() + 250};
        c.peer_len = sizeof c.peer;
        if (getpeername(it->src_fd, (struct sockaddr *)&c.peer, &c.peer_len) != 0)
            continue;
        snprintf(c.device_id, sizeof c.device_id, "%s", it->auth_device);
        L->closing = rl_realloc(L->closing, (L->n_closing + 1) * sizeof *L->closing);
        L->closing[L->n_closing++] = c;
    }
}

static void
s_close_due(s_loop_t *L, int64_t now)
{
    for (size_t i = 0; i < L->n_closing;) {
        s_closing_t *c = &L->closing[i];
        if (now < c->at_ms) {
            i++;
            continue;
        }
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        if (getpeername(c->fd, (struct sockaddr *)&peer, &len) == 0 && len == c->peer_len &&
            !memcmp(&peer, &c->peer, len) && shutdown(c->fd, SHUT_RDWR) == 0)
            rl_warn(c->device_id, "revoked: its connection is closed");
        L->closing[i] = L->closing[--L->n_closing];
    }
}

/* The pending batch is a full group (max_messages, group_bytes), or the
 * messages held with the flight's reach max_bytes: no more is read until
 * the flight is committed. */
static bool
s_batch_full(const s_loop_t *L)
{
    return L->pending_prepared || (long)L->n_items >= L->set.batch_max ||
           (long)L->pending_bytes >= L->set.group_bytes ||
           (long)(L->pending_bytes + L->flight_bytes) >= L->set.batch_bytes;
}

/* Whether the pending batch goes to the database now: when nothing is
 * being committed, once it is full or its first message has waited
 * max_delay_ms (0: at once). While a commit is on its way the next batch
 * grows; so a group is as large as what arrives during one commit. */
static bool
s_group_due(const s_loop_t *L, int64_t now, bool stopping)
{
    return L->n_items && !collector_store_in_flight(L->store) &&
           (stopping || s_batch_full(L) || now - L->first_pending_ms >= L->set.batch_delay_ms);
}

static void
s_reload(s_loop_t *L)
{
    s_settings_t n;
    rl_err_t err;
    if (s_load(L->config_path, L->db_flag, &n, &err) != 0) {
        rl_error("config", "reload failed, keeping the old configuration: %s", err.msg);
        return;
    }
    if (strcmp(n.listen, L->set.listen) || strcmp(n.secret_key_file, L->set.secret_key_file) ||
        strcmp(n.metrics_listen, L->set.metrics_listen))
        rl_warn("config", "listen, metrics_listen and secret_key_file take effect after a restart");
    snprintf(n.listen, sizeof n.listen, "%s", L->set.listen);
    snprintf(n.metrics_listen, sizeof n.metrics_listen, "%s", L->set.metrics_listen);
    snprintf(n.secret_key_file, sizeof n.secret_key_file, "%s", L->set.secret_key_file);
    if (strcmp(n.conninfo, L->set.conninfo) != 0) {
        collector_store_set_conninfo(L->store, n.conninfo);
        rl_info("config", "database connection string changed: reconnecting");
        L->db_up = false;
        L->next_connect_ms = 0;
    }
    rl_log_set_level(n.level);
    L->set = n;
    rl_info("config", "configuration reloaded");
}

/* Connects (or starts retrying) and says READY: on stdout, in the log
 * and to systemd. */
static void
s_ready(s_loop_t *L)
{
    L->backoff_ms = 100;
    s_connect(L);
    if (L->db_up)
        rl_info("database", "connected; %zu device%s allowed", collector_auth_count(L->auth),
                collector_auth_count(L->auth) == 1 ? "" : "s");
    char endpoint[512] = "";
    size_t elen = sizeof endpoint;
    zmq_getsockopt(L->router, ZMQ_LAST_ENDPOINT, endpoint, &elen);
    printf("ruglab-collector READY listening on %s\n", endpoint);
    fflush(stdout);
    rl_info("collector", "%s: READY, listening on %s", L->set.name, endpoint);
    if (rl_notify("READY=1") != 0)
        rl_warn("systemd", "cannot notify readiness");
    L->next_status_ms = rl_clock_mono_ms() + L->set.status_interval_ms;
}

/* What is due at now: reconnection, allow-list refresh, flush, closing
 * revoked devices' connections, status. */
static void
s_timers(s_loop_t *L, int64_t now, bool stopping)
{
    bool busy = collector_store_in_flight(L->store);
    if (!L->db_up && now >= L->next_connect_ms)
        s_connect(L);
    /* the allow-list and the status go on the store's other connection:
     * also while a batch is in flight (under a steady load one always is) */
    if (L->db_up && now >= L->next_refresh_ms) {
        s_refresh(L);
        L->next_refresh_ms = now + L->set.refresh_ms;
    }
    if (now >= L->next_status_ms) {
        s_status(L);
        L->next_status_ms = now + L->set.status_interval_ms;
    }
    if ((L->n_flight && !busy) || s_group_due(L, now, stopping))
        s_flush(L);
    if (L->n_closing)
        s_close_due(L, now);
}

/* How long the poll may wait: until the next timer is due. */
static long
s_timeout(const s_loop_t *L, bool stopping)
{
    int64_t wake = L->next_status_ms;
    if (!L->db_up)
        wake = L->next_connect_ms < wake ? L->next_connect_ms : wake;
    else if (L->next_refresh_ms < wake)
        wake = L->next_refresh_ms;
    if (L->n_items && L->db_up && !collector_store_in_flight(L->store)) {
        int64_t due = L->first_pending_ms + L->set.batch_delay_ms;
        wake = due < wake ? due : wake;
    }
    if (stopping)
        wake = rl_clock_mono_ms() + 50 < wake ? rl_clock_mono_ms() + 50 : wake;
    for (size_t i = 0; i < L->n_closing; i++)
        wake = L->closing[i].at_ms < wake ? L->closing[i].at_ms : wake;
    long timeout = (long)(wake - rl_clock_mono_ms());
    return timeout < 0 ? 0 : timeout;
}

static int
s_run(s_loop_t *L)
{
    int64_t stop_deadline = 0;
    bool stopping = false;
    s_ready(L);
    for (;;) {
        int64_t now = rl_clock_mono_ms();
        if (s_term && !stopping) {
            stopping = L->stopping = true;
            stop_deadline = now + L->set.shutdown_timeout_ms;
            rl_info("collector", "stopping: storing and acknowledging %zu message%s held",
                    L->n_items + L->n_flight, L->n_items + L->n_flight == 1 ? "" : "s");
            (void)rl_notify("STOPPING=1");
        }
        if (s_hup) {
            s_hup = 0;
            s_reload(L);
        }
        s_timers(L, now, stopping);
        /* results libpq may already hold (read while it sent): the socket
         * would not wake the poll for them */
        if (collector_store_in_flight(L->store))
            s_flight_poll(L);
        size_t held = L->n_items + L->n_flight;
        if (stopping && held == 0)
            break;
        if (stopping && rl_clock_mono_ms() >= stop_deadline) {
            rl_warn("collector",
                    "shutdown deadline: %zu message%s not stored (their senders "
                    "keep and resend them)",
                    held, held == 1 ? "" : "s");
            break;
        }
        /* the ZAP handler, the agents (unless full), the flight's results */
        zmq_pollitem_t items[3] = {{collector_auth_socket(L->auth), 0, ZMQ_POLLIN, 0}};
        int n = 1, i_router = -1, i_db = -1;
        bool in_flight = collector_store_in_flight(L->store);
        if (!stopping && L->db_up && !s_batch_full(L)) {
            i_router = n;
            items[n++] = (zmq_pollitem_t){L->router, 0, ZMQ_POLLIN, 0};
        }
        if (in_flight) {
            i_db = n;
            short ev = ZMQ_POLLIN | (collector_store_wants_write(L->store) ? ZMQ_POLLOUT : 0);
            items[n++] = (zmq_pollitem_t){NULL, collector_store_socket(L->store), ev, 0};
        }
        collector_metrics_db_up(L->metrics, L->db_up);
        if (zmq_poll(items, n, s_timeout(L, stopping)) < 0) {
            if (zmq_errno() == EINTR)
                continue;
            rl_error("zmq", "poll: %s", zmq_strerror(zmq_errno()));
            return RL_EXIT_FAIL;
        }
        if (items[0].revents & ZMQ_POLLIN)
            collector_auth_handle(L->auth);
        if (i_db >= 0 && (items[i_db].revents & (ZMQ_POLLIN | ZMQ_POLLOUT)))
            s_flight_poll(L);
        /* a turn reads at most S_READ_TURN; every S_DB_TURN of them the
         * flight is looked at, so that its next step (a COPY's result, the
         * next table, COMMIT) never waits behind a long read, and once it
         * is committed the turn ends: the next group goes out at once */
        for (int k = 1; i_router >= 0 && (items[i_router].revents & ZMQ_POLLIN) &&
                        k <= S_READ_TURN && !s_batch_full(L) && s_read_one(L);
             k++) {
            if (k % S_DB_TURN == 0 && collector_store_in_flight(L->store)) {
                s_flight_poll(L);
                if (!collector_store_in_flight(L->store))
                    break;
            }
        }
        s_prepare(L);
    }
    s_status(L);
    rl_info("collector", "stopped");
    return RL_EXIT_OK;
}

/* The command line. */
typedef struct {
    const char *config_path;
    const char *db_flag;
    const char *gen_dir;
    bool check;
} s_options_t;

/* --example-config: the configuration file with every key at its default. */
static void
s_example(FILE *out)
{
    rl_config_write_example(collector_config_schema, "ruglab-collector configuration", out);
}

/* Parses the command line into *o. Returns -1 to go on, or the exit code
 * when there is nothing more to do (--help, --version, --example-config,
 * a usage error). */
static int
s_parse_args(int argc, char **argv, s_options_t *o)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},   {"db", required_argument, NULL, 'd'},
        {"check-config", no_argument, NULL, 'C'},   {"gen-key", required_argument, NULL, 'g'},
        {"example-config", no_argument, NULL, 'E'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->config_path = optarg;
            break;
        case 'd':
            o->db_flag = optarg;
            break;
        case 'C':
            o->check = true;
            break;
        case 'g':
            o->gen_dir = optarg;
            break;
        default:
            return rl_cli_daemon_option(c, argv, s_usage, s_example);
        }
    }
    return rl_cli_no_operands(argc, argv, optind);
}

static void
s_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = s_on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = s_on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The ROUTER socket: CURVE server with the secret key (wiped here), ZAP
 * domain, queue and size limits, bound to the listen address. Returns
 * RL_EXIT_OK, or the exit code (said in the log). */
static int
s_listen(s_loop_t *L, uint8_t sec[32])
{
    L->router = zmq_socket(L->zctx, ZMQ_ROUTER);
    int one = 1, linger = 1000, hwm = (int)L->set.receive_queue;
    int64_t maxmsg = L->set.max_transport_bytes;
    zmq_setsockopt(L->router, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt(L->router, ZMQ_CURVE_SECRETKEY, sec, 32);
    zmq_setsockopt(L->router, ZMQ_ZAP_DOMAIN, "ruglab", 6);
    zmq_setsockopt(L->router, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(L->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    zmq_setsockopt(L->router, ZMQ_LINGER, &linger, sizeof linger);
    memset(sec, 0, 32);
    if (zmq_bind(L->router, L->set.listen) != 0) {
        rl_error("zmq", "cannot listen on %s: %s", L->set.listen, zmq_strerror(zmq_errno()));
        return RL_EXIT_CONFIG;
    }
    return RL_EXIT_OK;
}

static void
s_loop_free(s_loop_t *L)
{
    collector_metrics_destroy(&L->metrics);
    for (size_t i = 0; i < L->n_items; i++)
        collector_item_clear(&L->items[i]);
    free(L->items);
    for (size_t i = 0; i < L->n_flight; i++)
        collector_item_clear(&L->flight[i]);
    free(L->flight);
    free(L->acking);
    free(L->rates);
    free(L->closing);
    collector_store_destroy(&L->store);
    if (L->router)
        zmq_close(L->router);
    collector_auth_destroy(&L->auth);
    if (L->zctx)
        zmq_ctx_term(L->zctx);
}

int
main(int argc, char **argv)
{
    rl_cli_init(S_PROG);
    if (rl_text_check_args(S_PROG, argc, argv))
        return RL_EXIT_FAIL;
    s_options_t o;
    int rc = s_parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    /* CZMQ is used for its certificate files only: keep its signal handling off */
    zsys_handler_set(NULL);
    if (o.gen_dir)
        return s_gen_key(o.gen_dir);

    rl_log_init(S_PROG, RL_LOG_INFO);
    s_loop_t L;
    memset(&L, 0, sizeof L);
    L.config_path = o.config_path;
    L.db_flag = o.db_flag;
    rl_err_t err;
    if (s_load(o.config_path, o.db_flag, &L.set, &err) != 0) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_CONFIG;
    }
    uint8_t pub[32], sec[32];
    if (s_load_keys(L.set.secret_key_file, pub, sec, &err) != 0) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_CONFIG;
    }
    if (o.check)
        return s_check_live(&L.set);
    rl_log_set_level(L.set.level);
    s_signals();

    rc = RL_EXIT_FAIL;
    L.zctx = zmq_ctx_new();
    L.auth = collector_auth_new(L.zctx, &err);
    if (!L.auth)
        rl_error("zmq", "%s", err.msg);
    else
        rc = s_listen(&L, sec);
    if (rc == RL_EXIT_OK) {
        L.metrics = collector_metrics_new(L.set.metrics_listen, L.set.name);
        if (collector_metrics_start(L.metrics, &err) != 0) {
            rl_error("metrics", "%s", err.msg);
            rc = RL_EXIT_CONFIG;
        }
    }
    if (rc == RL_EXIT_OK) {
        L.store = collector_store_new(L.set.conninfo, L.set.name);
        L.started_us = rl_clock_wall_us();
        rc = s_run(&L);
    }
    s_loop_free(&L);
    return rc;
}
