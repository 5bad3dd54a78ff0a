/* ruglab-agent: runs on a training machine. Takes measurements from a
 * device driver, appends each to the durable spool (fsync before it may be
 * sent), sends the spool to ruglab-collector over CurveZMQ and deletes a
 * message only when the collector acknowledges it. One thread: the main
 * loop polls the socket, the driver and the timers. */
#include "agent_config.h"
#include "agent_driver.h"
#include "agent_json.h"
#include "agent_link.h"
#include "agent_metrics.h"
#include "agent_spool.h"

#include "ruglab/cli.h"
#include "ruglab/clock.h"
#include "ruglab/exitcode.h"
#include "ruglab/log.h"
#include "ruglab/mem.h"
#include "ruglab/notify.h"
#include "ruglab/paths.h"
#include "ruglab/text.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_PROG "ruglab-agent"

static volatile sig_atomic_t s_stop;
static volatile sig_atomic_t s_reload;

static void
s_on_signal(int sig)
{
    if (sig == SIGHUP) {
        s_reload = 1;
        return;
    }
    if (s_stop)
        _exit(RL_EXIT_OK); /* second signal: at once; the spool is durable */
    s_stop = 1;
}

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: " S_PROG " [--config FILE] [OPTIONS]\n\n"
            "Sends a training machine's measurements to ruglab-collector. Every measurement is\n"
            "written to a durable spool first and deleted only when the collector has committed\n"
            "it to the database.\n\n"
            "options:\n"
            "  --config FILE         configuration file (default " RL_SYSCONFDIR
            "/agent.conf if it exists)\n"
            "  --check-config        check the configuration and the key files, print\n"
            "                        \"configuration OK\" and exit\n"
            "  --example-config      print an example configuration with every key and default\n"
            "  --dry-run             print the driver's measurements as JSON lines on stdout;\n"
            "                        no spool, no network\n"
            "  --device ID           [agent] device_id\n"
            "  --driver NAME         [agent] driver: jsonl, filedrop or simulator\n"
            "  --spool DIR           [spool] dir\n"
            "  --collector ENDPOINT  [link] collector (e.g. tcp://collector.local:7470; several:\n"
            "                        tcp://a:7470,tcp://b:7470, the first preferred)\n"
            "  --server-key KEY      [link] server_public_key (Z85 or certificate file)\n"
            "  --key-file FILE       [link] secret_key_file\n"
            "  --drop-dir DIR        [filedrop] dir\n"
            "  --log-level LEVEL     [agent] log_level: error, warn, info or debug\n"
            "  --set SECTION.KEY=VALUE  any other setting\n"
            "  --help, -h            this text\n"
            "  --version             print the version\n\n"
            "drivers:\n");
    const char *names[] = {"jsonl", "filedrop", "simulator"};
    for (size_t i = 0; i < 3; i++) {
        const agent_driver_t *d = agent_driver_find(names[i]);
        fprintf(out, "  %-10s %s\n", d->name, d->summary);
    }
    fprintf(out, "\nREADY on stderr once the spool is open and the link started. SIGTERM/SIGINT:\n"
                 "stop reading the driver and exit 0 (the spool keeps what is not acknowledged);\n"
                 "SIGHUP: reload log_level.\n"
                 "exit codes: 0 done, 1 failed, 2 usage error, 4 configuration error\n");
}

typedef struct {
    const char *flag;
    const char *section;
    const char *key;
} s_override_t;

static const s_override_t s_overrides[] = {
    {"--device", "agent", "device_id"},
    {"--driver", "agent", "driver"},
    {"--spool", "spool", "dir"},
    {"--collector", "link", "collector"},
    {"--server-key", "link", "server_public_key"},
    {"--key-file", "link", "secret_key_file"},
    {"--drop-dir", "filedrop", "dir"},
    {"--log-level", "agent", "log_level"},
};
#define S_NOVERRIDES (sizeof s_overrides / sizeof s_overrides[0])

/* Checks what the schema cannot: returns 0 or -1 with err. */
static int
s_check_config(const rl_config_t *cfg, rl_err_t *err)
{
    const char *dev = rl_config_str(cfg, "agent", "device_id");
    if (!*dev)
        return rl_err_set(err,
                          "[agent] device_id is not set (the id given to `ruglab device add`)");
    if (!rl_id_valid(dev))
        return rl_err_set(err,
                          "[agent] device_id '%s' may hold only 1..64 letters, digits, '.', "
                          "'_' and '-'",
                          dev);
    rl_log_level_t level;
    if (rl_log_parse_level(rl_config_str(cfg, "agent", "log_level"), &level))
        return rl_err_set(err, "[agent] log_level '%s' is not error, warn, info or debug",
                          rl_config_str(cfg, "agent", "log_level"));
    if (!agent_driver_find(rl_config_str(cfg, "agent", "driver")))
        return rl_err_set(err, "[agent] driver '%s' is not jsonl, filedrop or simulator",
                          rl_config_str(cfg, "agent", "driver"));
    if (!*rl_config_str(cfg, "spool", "dir"))
        return rl_err_set(err, "[spool] dir is not set");
    if (agent_metrics_check_path(rl_config_str(cfg, "agent", "metrics_textfile"), err))
        return -1;
    if (rl_config_int(cfg, "link", "reconnect_ivl_max_ms") <
        rl_config_int(cfg, "link", "reconnect_ivl_ms"))
        return rl_err_set(err, "[link] reconnect_ivl_max_ms is below reconnect_ivl_ms");
    return agent_link_check_endpoints(rl_config_str(cfg, "link", "collector"), err);
}

static int
s_link_opts(const rl_config_t *cfg, agent_link_opts_t *o, const char *log_ctx, rl_err_t *err)
{
    memset(o, 0, sizeof *o);
    o->endpoint = rl_config_str(cfg, "link", "collector");
    o->device_id = rl_config_str(cfg, "agent", "device_id");
    o->device_model = rl_config_str(cfg, "agent", "device_model");
    o->firmware_version = rl_config_str(cfg, "agent", "firmware_version");
    o->curve = rl_config_bool(cfg, "link", "curve");
    o->window = (int)rl_config_int(cfg, "link", "window");
    o->ack_timeout_ms = (int)rl_config_int(cfg, "link", "ack_timeout_ms");
    o->heartbeat_ms = (int)rl_config_int(cfg, "link", "heartbeat_s") * 1000;
    o->reconnect_ivl_ms = (int)rl_config_int(cfg, "link", "reconnect_ivl_ms");
    o->reconnect_ivl_max_ms = (int)rl_config_int(cfg, "link", "reconnect_ivl_max_ms");
    o->failover_ms = (int)rl_config_int(cfg, "link", "failover_ms");
    o->failback_ms = (int)rl_config_int(cfg, "link", "failback_ms");
    o->log_ctx = log_ctx;
    if (!o->curve)
        return 0;
    return agent_link_load_keys(o, rl_config_str(cfg, "link", "secret_key_file"),
                                rl_config_str(cfg, "link", "server_public_key"), err);
}

/* --dry-run: the driver's measurements as JSON lines, nothing else. */
static int
s_dry_run(const agent_driver_t *drv, void *state)
{
    for (;;) {
        rl_msg_t msg;
        rl_msg_init(&msg);
        int wait_ms = 0;
        rl_err_t err;
        uint64_t mark = 0; /* only the spool keeps it */
        int rc = drv->next(state, &msg, &mark, &wait_ms, &err);
        if (rc == AGENT_DRV_ERROR) {
            rl_cli_fail("%s", err.msg);
            return RL_EXIT_FAIL;
        }
        if (rc == AGENT_DRV_EOF || s_stop)
            return RL_EXIT_OK;
        if (rc == AGENT_DRV_MSG) {
            json_t *o = agent_json_from_msg(&msg);
            char *line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(7));
            puts(line);
            free(line);
            json_decref(o);
        } else if (wait_ms != 0) {
            struct timespec ts = {0, 10 * 1000000};
            nanosleep(&ts, NULL);
        }
        rl_msg_clear(&msg);
    }
}

typedef struct {
    rl_config_t *cfg;
    const char *config_path;
    char *log_ctx;
    agent_spool_t *spool;
    agent_link_t *link;
    agent_metrics_t *metrics; /* NULL: no [agent] metrics_textfile */
    const agent_driver_t *drv;
    void *drv_state;
    bool have_held; /* a measurement taken from the driver, not yet spooled */
    rl_msg_t held;
    uint64_t held_mark; /* the driver's source mark after the held measurement */
    bool full;          /* the spool refused the held measurement */
    bool driver_eof;
    int64_t eof_ms;
    int64_t retry_ms; /* after an I/O error: when to try the spool again */
    int drv_wait_ms;
} s_agent_t;

static void
s_handle_reload(s_agent_t *a)
{
    s_reload = 0;
    rl_err_t err;
    rl_config_t *next = rl_config_load(agent_config_schema, a->config_path, &err);
    rl_log_level_t level;
    if (!next) {
        rl_error(a->log_ctx, "reload refused, keeping the running configuration: %s", err.msg);
        return;
    }
    if (rl_log_parse_level(rl_config_str(next, "agent", "log_level"), &level)) {
        rl_error(a->log_ctx, "reload refused, keeping the running configuration: bad log_level");
        rl_config_destroy(&next);
        return;
    }
    rl_log_set_level(level);
    rl_info(a->log_ctx, "configuration reloaded: log_level %s (other settings apply at restart)",
            rl_config_str(next, "agent", "log_level"));
    rl_config_destroy(&next);
}

/* A measurement the spool can never hold: written as a JSON line to
 * SPOOL/rejected/TIME-KIND.json with TIME-KIND.reason beside it, and logged. */
static void
s_reject_held(s_agent_t *a, const char *reason)
{
    const char *spool_dir = rl_config_str(a->cfg, "spool", "dir");
    char *dir = rl_asprintf("%s/rejected", spool_dir);
    char *base =
        rl_asprintf("%s/%" PRId64 "-%s", dir, rl_clock_wall_us(), rl_body_kind_name(a->held.kind));
    char *json_path = rl_asprintf("%s.json", base);
    char *reason_path = rl_asprintf("%s.reason", base);
    rl_err_t err;
    bool kept = false;
    if (rl_paths_mkdirs(dir, 0700, &err) == 0) {
        json_t *o = agent_json_from_msg(&a->held);
        char *line = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(7)) : NULL;
        FILE *f = line ? fopen(json_path, "w") : NULL;
        if (f) {
            kept = fprintf(f, "%s\n", line) > 0;
            kept = (fclose(f) == 0) && kept;
        }
        f = kept ? fopen(reason_path, "w") : NULL;
        if (f) {
            kept = fprintf(f, "%s\n", reason) > 0;
            kept = (fclose(f) == 0) && kept;
        }
        free(line);
        json_decref(o);
    }
    if (kept)
        rl_error(a->log_ctx, "measurement rejected, not spooled: %s; kept in %s", reason,
                 json_path);
    else
        rl_error(a->log_ctx, "measurement rejected, not spooled: %s (and cannot be kept in %s: %s)",
                 reason, dir, strerror(errno));
    free(dir);
    free(base);
    free(json_path);
    free(reason_path);
}

/* Asks the driver for the next measurement into a->held: 1 when one is
 * held, 0 when there is none now (end of input, or wait), -1 when the
 * driver failed. */
static int
s_pull(s_agent_t *a, int64_t now_ms)
{
    /* a->held is zero whenever nothing is held (the agent starts zeroed and
     * every measurement given up is rl_msg_clear()ed): rl_msg_init without
     * clearing its 17 KB again for each measurement */
    a->held.protocol_version = RL_PROTOCOL_VERSION;
    rl_err_t err;
    int wait = -1;
    a->held_mark = 0;
    int rc = a->drv->next(a->drv_state, &a->held, &a->held_mark, &wait, &err);
    if (rc == AGENT_DRV_ERROR) {
        rl_msg_clear(&a->held);
        rl_error(a->log_ctx, "driver %s failed: %s", a->drv->name, err.msg);
        return -1;
    }
    if (rc == AGENT_DRV_EOF) {
        rl_msg_clear(&a->held);
        a->driver_eof = true;
        a->eof_ms = now_ms;
        rl_info(a->log_ctx, "end of input from driver %s; sending the %zu message(s) in the spool",
                a->drv->name, agent_spool_depth(a->spool));
        return 0;
    }
    if (rc == AGENT_DRV_AGAIN) {
        rl_msg_clear(&a->held);
        a->drv_wait_ms = wait;
        return 0;
    }
    a->have_held = true;
    snprintf(a->held.device_id, sizeof a->held.device_id, "%s",
             rl_config_str(a->cfg, "agent", "device_id"));
    return 1;
}

/* Takes measurements from the driver into the spool; one fsync for all
 * (group commit): until the driver has none ready, or the group holds
 * [spool] sync_bytes, or sync_ms have passed since its first append. A
 * measurement is offered to the link only once synced (agent_spool_next),
 * so grouping delays sending by at most sync_ms and never weakens it.
 * Sets *more when a limit ended the group while the driver may have more. */
static int
s_take(s_agent_t *a, int64_t now_ms, bool *more)
{
    int appended = 0;
    a->drv_wait_ms = -1;
    *more = false;
    if (now_ms < a->retry_ms)
        return 0;
    uint64_t sync_bytes = (uint64_t)rl_config_int(a->cfg, "spool", "sync_bytes");
    int64_t sync_ms = rl_config_int(a->cfg, "spool", "sync_ms");
    uint64_t bytes0 = agent_spool_bytes(a->spool);
    for (;;) {
        if (s_stop)
            break;
        if (appended && (agent_spool_bytes(a->spool) - bytes0 >= sync_bytes ||
                         rl_clock_mono_ms() - now_ms >= sync_ms)) {
            *more = true;
            break;
        }
        if (!a->have_held) {
            if (a->driver_eof)
                break;
            int pulled = s_pull(a, now_ms);
            if (pulled < 0)
                return -1;
            if (pulled == 0)
                break;
        }
        rl_err_t err = {{0}};
        int rc = agent_spool_append(a->spool, &a->held, a->held_mark, &err);
        if (rc == AGENT_SPOOL_FULL) {
            if (!a->full)
                rl_error(a->log_ctx,
                         "SPOOL FULL%s%s%s: %zu messages, %" PRIu64 " of %" PRIu64
                         " bytes; no longer reading from driver %s until the collector "
                         "acknowledges (nothing is dropped)",
                         err.msg[0] ? " (the disk is full: " : "", err.msg, err.msg[0] ? ")" : "",
                         agent_spool_depth(a->spool), agent_spool_bytes(a->spool),
                         agent_spool_max_bytes(a->spool), a->drv->name);
            a->full = true;
            break;
        }
        if (rc == AGENT_SPOOL_UNFIT) {
            /* retrying cannot help: set aside with the reason, and go on */
            s_reject_held(a, err.msg);
            rl_msg_clear(&a->held);
            a->have_held = false;
            continue;
        }
        if (rc < 0) {
            rl_error(a->log_ctx, "%s; retrying in 1 s (nothing is dropped)", err.msg);
            a->retry_ms = now_ms + 1000;
            break;
        }
        if (a->full) {
            rl_warn(a->log_ctx,
                    "spool has room again (%zu messages, %" PRIu64
                    " bytes); reading from driver %s",
                    agent_spool_depth(a->spool), agent_spool_bytes(a->spool), a->drv->name);
            a->full = false;
        }
        rl_msg_clear(&a->held);
        a->have_held = false;
        appended++;
    }
    if (appended) {
        rl_err_t err;
        rl_debug(a->log_ctx, "spool: %d message(s), %" PRIu64 " bytes in one fsync", appended,
                 agent_spool_bytes(a->spool) - bytes0);
        if (agent_spool_sync(a->spool, &err)) {
            rl_error(a->log_ctx, "%s; retrying in 1 s", err.msg);
            a->retry_ms = now_ms + 1000;
            return 0;
        }
        /* Not while a measurement is held: the driver would count it as spooled. */
        if (a->drv->synced && !a->have_held)
            a->drv->synced(a->drv_state);
    }
    return appended;
}

static int
s_run(s_agent_t *a)
{
    int64_t drain_ms = rl_config_int(a->cfg, "agent", "drain_timeout_s") * 1000;
    for (;;) {
        int64_t now = rl_clock_mono_ms();
        if (s_reload)
            s_handle_reload(a);
        bool more = false;
        int taken = s_take(a, now, &more);
        if (taken < 0)
            return RL_EXIT_FAIL;
        int link_wait = agent_link_run(a->link, now);
        agent_metrics_tick(a->metrics, a->spool, a->link, now);
        if (s_stop) {
            rl_info(a->log_ctx, "stopping: %zu message(s) stay in the spool for the next start",
                    agent_spool_depth(a->spool));
            return RL_EXIT_OK;
        }
        if (a->driver_eof && !a->have_held && agent_spool_depth(a->spool) == 0) {
            const agent_link_stats_t *st = agent_link_stats(a->link);
            rl_info(a->log_ctx,
                    "every message acknowledged (%" PRIu64 " accepted, %" PRIu64
                    " duplicate, %" PRIu64 " rejected); exiting",
                    st->accepted, st->duplicates, st->rejected);
            return RL_EXIT_OK;
        }
        if (a->driver_eof && now - a->eof_ms >= drain_ms) {
            rl_warn(a->log_ctx,
                    "%zu message(s) not acknowledged within %" PRId64
                    " s after the end of input; they stay in the spool and are sent at the next "
                    "start",
                    agent_spool_depth(a->spool), drain_ms / 1000);
            return RL_EXIT_OK;
        }
        zmq_pollitem_t items[AGENT_LINK_POLL_MAX + 1];
        int n = agent_link_poll_items(a->link, items);
        int timeout = link_wait;
        if (agent_metrics_wait_ms(a->metrics, now) < timeout)
            timeout = agent_metrics_wait_ms(a->metrics, now);
        bool want_driver = !a->driver_eof && !a->have_held && now >= a->retry_ms;
        if (more)
            timeout = 0;
        if (want_driver) {
            int fd = a->drv->fd ? a->drv->fd(a->drv_state) : -1;
            if (fd >= 0)
                items[n++] = (zmq_pollitem_t){.fd = fd, .events = ZMQ_POLLIN};
            if (a->drv_wait_ms >= 0 && a->drv_wait_ms < timeout)
                timeout = a->drv_wait_ms;
        }
        if (a->have_held && !a->full && a->retry_ms > now && a->retry_ms - now < timeout)
            timeout = (int)(a->retry_ms - now);
        if (a->full && timeout > 100)
            timeout = 100;
        if (zmq_poll(items, n, timeout) < 0 && zmq_errno() != EINTR) {
            rl_error(a->log_ctx, "poll failed: %s", zmq_strerror(zmq_errno()));
            return RL_EXIT_FAIL;
        }
    }
}

/* The command line, parsed. */
typedef struct {
    const char *config_path;
    bool check; /* --check-config */
    bool dry;   /* --dry-run */
    const char *sets[64];
    size_t nsets;
    const char *ovals[S_NOVERRIDES]; /* by index of s_overrides */
} s_opts_t;

/* Returned by the steps of main() when the agent goes on. */
#define S_GO_ON (-1)

/* Parses argv into *o: S_GO_ON, or the exit code (--help, --version,
 * --example-config, a usage error). */
static int
s_parse_args(int argc, char **argv, s_opts_t *o)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            s_usage(stdout);
            return RL_EXIT_OK;
        } else if (!strcmp(arg, "--version")) {
            printf(S_PROG " %s\n", RL_VERSION);
            return RL_EXIT_OK;
        } else if (!strcmp(arg, "--example-config")) {
            rl_config_write_example(agent_config_schema, "ruglab-agent configuration", stdout);
            return RL_EXIT_OK;
        } else if (!strcmp(arg, "--check-config")) {
            o->check = true;
            continue;
        } else if (!strcmp(arg, "--dry-run")) {
            o->dry = true;
            continue;
        }
        if (i + 1 >= argc) {
            rl_cli_fail("unknown option or missing value: '%s' (see --help)", arg);
            return RL_EXIT_USAGE;
        }
        if (!strcmp(arg, "--config")) {
            o->config_path = argv[++i];
            continue;
        }
        if (!strcmp(arg, "--set")) {
            if (o->nsets == 64) {
                rl_cli_fail("too many --set options");
                return RL_EXIT_USAGE;
            }
            o->sets[o->nsets++] = argv[++i];
            continue;
        }
        size_t k = 0;
        while (k < S_NOVERRIDES && strcmp(arg, s_overrides[k].flag))
            k++;
        if (k == S_NOVERRIDES) {
            rl_cli_fail("unknown option '%s' (see --help)", arg);
            return RL_EXIT_USAGE;
        }
        o->ovals[k] = argv[++i];
    }
    if (!o->config_path && access(RL_SYSCONFDIR "/agent.conf", F_OK) == 0)
        o->config_path = RL_SYSCONFDIR "/agent.conf";
    return S_GO_ON;
}

/* Applies the --device ... and --set options to cfg: S_GO_ON or the exit code. */
static int
s_apply_overrides(const s_opts_t *o, rl_config_t *cfg)
{
    rl_err_t err;
    for (size_t k = 0; k < S_NOVERRIDES; k++) {
        if (o->ovals[k] &&
            rl_config_set(cfg, s_overrides[k].section, s_overrides[k].key, o->ovals[k], &err)) {
            rl_cli_fail("%s: %s", s_overrides[k].flag, err.msg);
            return RL_EXIT_CONFIG;
        }
    }
    for (size_t k = 0; k < o->nsets; k++) {
        const char *set = o->sets[k];
        const char *dot = strchr(set, '.'), *eq = strchr(set, '=');
        if (!dot || !eq || eq < dot) {
            rl_cli_fail("--set %s: expected SECTION.KEY=VALUE", set);
            return RL_EXIT_USAGE;
        }
        char *section = rl_strndup(set, (size_t)(dot - set));
        char *key = rl_strndup(dot + 1, (size_t)(eq - dot - 1));
        int src = rl_config_set(cfg, section, key, eq + 1, &err);
        free(section);
        free(key);
        if (src) {
            rl_cli_fail("--set %s: %s", set, err.msg);
            return RL_EXIT_CONFIG;
        }
    }
    return S_GO_ON;
}

/* A configuration error, after the file's name when there is one. */
static int
s_config_failed(const s_opts_t *o, const rl_err_t *err)
{
    rl_cli_fail("%s%s%s", o->config_path ? o->config_path : "", o->config_path ? ": " : "",
                err->msg);
    return RL_EXIT_CONFIG;
}

/* Loads and checks the configuration into a, starts logging and picks the
 * driver; fills *lo unless --dry-run. S_GO_ON or the exit code. */
static int
s_setup_config(const s_opts_t *o, s_agent_t *a, agent_link_opts_t *lo)
{
    rl_err_t err;
    a->config_path = o->config_path;
    a->cfg = rl_config_load(agent_config_schema, o->config_path, &err);
    if (!a->cfg) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_CONFIG;
    }
    int rc = s_apply_overrides(o, a->cfg);
    if (rc != S_GO_ON)
        return rc;
    if (s_check_config(a->cfg, &err))
        return s_config_failed(o, &err);
    rl_log_level_t level = RL_LOG_INFO;
    if (rl_log_parse_level(rl_config_str(a->cfg, "agent", "log_level"), &level))
        level = RL_LOG_INFO;
    rl_log_init(S_PROG, level);
    a->log_ctx = rl_asprintf("device %s", rl_config_str(a->cfg, "agent", "device_id"));
    a->drv = agent_driver_find(rl_config_str(a->cfg, "agent", "driver"));
    if (!o->dry && s_link_opts(a->cfg, lo, a->log_ctx, &err))
        return s_config_failed(o, &err);
    return S_GO_ON;
}

/* --check-config, once the configuration is read: the driver's settings. */
static int
s_check_driver(const s_opts_t *o, s_agent_t *a)
{
    rl_err_t err;
    agent_driver_env_t env = {a->cfg, a->log_ctx, NULL, false};
    void *st = a->drv->open(&env, true, &err);
    if (!st)
        return s_config_failed(o, &err);
    a->drv->close(st);
    printf("configuration OK\n");
    return RL_EXIT_OK;
}

static void
s_setup_signals(void)
{
    struct sigaction sa = {.sa_handler = s_on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* --dry-run: opens the driver alone and prints what it gives. */
static int
s_run_dry(s_agent_t *a)
{
    if (a->drv == &agent_driver_filedrop) {
        rl_cli_fail("--dry-run works with the jsonl and simulator drivers");
        return RL_EXIT_USAGE;
    }
    rl_err_t err;
    agent_driver_env_t env = {a->cfg, a->log_ctx, NULL, true};
    a->drv_state = a->drv->open(&env, false, &err);
    if (!a->drv_state) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_FAIL;
    }
    return s_dry_run(a->drv, a->drv_state);
}

/* Opens the spool, the driver and the link: S_GO_ON or the exit code. */
static int
s_setup_agent(s_agent_t *a, const agent_link_opts_t *lo)
{
    rl_err_t err;
    agent_spool_opts_t so = {(uint64_t)rl_config_int(a->cfg, "spool", "max_bytes"),
                             (uint64_t)rl_config_int(a->cfg, "spool", "segment_bytes"), a->log_ctx};
    a->spool = agent_spool_open(rl_config_str(a->cfg, "spool", "dir"), &so, &err);
    if (!a->spool) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_FAIL;
    }
    agent_driver_env_t env = {a->cfg, a->log_ctx, a->spool, false};
    a->drv_state = a->drv->open(&env, false, &err);
    if (!a->drv_state) {
        rl_cli_fail("driver %s: %s", a->drv->name, err.msg);
        return RL_EXIT_FAIL;
    }
    a->link = agent_link_new(lo, a->spool, &err);
    if (!a->link) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_FAIL;
    }
    a->metrics = agent_metrics_new(rl_config_str(a->cfg, "agent", "metrics_textfile"),
                                   rl_config_str(a->cfg, "agent", "device_id"), a->log_ctx);
    return S_GO_ON;
}

/* The READY line: what the spool held and what open found damaged. */
static void
s_say_ready(const s_agent_t *a, const agent_link_opts_t *lo)
{
    const agent_spool_recovery_t *rec = agent_spool_recovery(a->spool);
    char lost[96] = "";
    if (rec->damaged_segments && rec->lost_records_max)
        snprintf(lost, sizeof lost, ", %zu damaged segment(s): at most %" PRIu64 " LOST",
                 rec->damaged_segments, rec->lost_records_max);
    else if (rec->damaged_segments)
        snprintf(lost, sizeof lost, ", %zu damaged segment(s): records LOST",
                 rec->damaged_segments);
    rl_info(a->log_ctx,
            "READY: spool %s (boot %" PRIu64 ", %zu message(s) waiting, %zu damaged set "
            "aside%s), driver %s, collector %s%s",
            rl_config_str(a->cfg, "spool", "dir"), agent_spool_boot_id(a->spool), rec->records,
            rec->quarantined, lost, a->drv->name, rl_config_str(a->cfg, "link", "collector"),
            lo->curve ? "" : " (WITHOUT encryption: curve = false)");
}

/* Everything after the command line: S_GO_ON never comes back. */
static int
s_main(const s_opts_t *o, s_agent_t *a)
{
    agent_link_opts_t lo;
    int rc = s_setup_config(o, a, &lo);
    if (rc != S_GO_ON)
        return rc;
    if (o->check)
        return s_check_driver(o, a);
    s_setup_signals();
    if (o->dry)
        return s_run_dry(a);
    rc = s_setup_agent(a, &lo);
    if (rc != S_GO_ON)
        return rc;
    s_say_ready(a, &lo);
    (void)rl_notify("READY=1");
    rc = s_run(a);
    (void)rl_notify("STOPPING=1");
    agent_link_farewell(a->link);
    return rc;
}

int
main(int argc, char **argv)
{
    rl_cli_init(S_PROG);
    if (rl_text_check_args(S_PROG, argc, argv))
        return RL_EXIT_FAIL;
    s_opts_t o = {0};
    int rc = s_parse_args(argc, argv, &o);
    if (rc != S_GO_ON)
        return rc;
    s_agent_t a = {0};
    rc = s_main(&o, &a);
    if (a.have_held)
        rl_msg_clear(&a.held);
    agent_metrics_final(a.metrics, a.spool, a.link);
    agent_metrics_destroy(&a.metrics);
    agent_link_destroy(&a.link);
    if (a.drv_state)
        a.drv->close(a.drv_state);
    agent_spool_close(&a.spool);
    rl_config_destroy(&a.cfg);
    free(a.log_ctx);
    return rc;
}
