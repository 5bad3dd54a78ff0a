/* ruglab-web: the people's side of ruglab over HTTP (see web.h for the
 * decisions). main parses the command line, loads the configuration, and
 * runs: libmicrohttpd answers requests on its own thread pool while this
 * thread waits for signals (blocked everywhere, taken here with
 * sigtimedwait): TERM/INT stop taking connections and let the requests in
 * flight finish within shutdown_timeout_s (a second one exits at once),
 * HUP reloads the templates. */
#include "web.h"
#include "web_config.h"

#include "ruglab/cli.h"
#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/mem.h"
#include "ruglab/notify.h"
#include "ruglab/text.h"

#include <getopt.h>
#include <microhttpd.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *config_path;
    bool check;
} s_options_t;

/* Splits "ADDRESS:PORT" of [web] listen. */
static int
s_listen(const char *v, web_settings_t *s, rl_err_t *err)
{
    const char *colon = strrchr(v, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || colon == v || (size_t)(colon - v) >= sizeof s->listen_addr || !end || *end ||
        port < 1 || port > 65535)
        return rl_err_set(err, "[web] listen: '%s' is not ADDRESS:PORT", v);
    snprintf(s->listen_addr, sizeof s->listen_addr, "%.*s", (int)(colon - v), v);
    s->port = (int)port;
    return 0;
}

/* The values checked beyond the schema's types. */
static int
s_check_values(const rl_config_t *cfg, web_settings_t *s, rl_err_t *err)
{
    const char *lang = rl_config_str(cfg, "web", "language");
    if (strcmp(lang, "nl") != 0 && strcmp(lang, "en") != 0)
        return rl_err_set(err, "[web] language: '%s' is not nl or en", lang);
    snprintf(s->lang, sizeof s->lang, "%s", lang);
    const char *lvl = rl_config_str(cfg, "web", "log_level");
    if (rl_log_parse_level(lvl, &s->level) != 0)
        return rl_err_set(err, "[web] log_level: '%s' is not error, warn, info or debug", lvl);
    const char *sec = rl_config_str(cfg, "session", "cookie_secure");
    if (strcmp(sec, "on") && strcmp(sec, "off") && strcmp(sec, "auto"))
        return rl_err_set(err, "[session] cookie_secure: '%s' is not on, off or auto", sec);
    snprintf(s->trusted_proxies, sizeof s->trusted_proxies, "%s",
             rl_config_str(cfg, "proxy", "trusted_proxies"));
    s->cookie_secure = !strcmp(sec, "on") || (!strcmp(sec, "auto") && s->trusted_proxies[0]);
    const char *th = rl_config_str(cfg, "proxy", "trust_header");
    size_t th_len = strlen(th);
    if (th_len >= sizeof s->trust_header ||
        strspn(th, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") != th_len)
        return rl_err_set(err, "[proxy] trust_header: '%s' is not a header name", th);
    if (th_len && !s->trusted_proxies[0])
        return rl_err_set(err, "[proxy] trust_header is set but trusted_proxies is empty");
    snprintf(s->trust_header, sizeof s->trust_header, "%s", th);
    const char *cert = rl_config_str(cfg, "tls", "certificate"),
               *key = rl_config_str(cfg, "tls", "key");
    if (!*cert != !*key)
        return rl_err_set(err, "[tls]: set both certificate and key, or neither");
    snprintf(s->tls_certificate, sizeof s->tls_certificate, "%s", cert);
    snprintf(s->tls_key, sizeof s->tls_key, "%s", key);
    return s_listen(rl_config_str(cfg, "web", "listen"), s, err);
}

/* Loads path (NULL: the default file if it exists, else defaults) into *s. */
static int
s_load(const char *path, web_settings_t *s, rl_err_t *err)
{
    if (!path && access(WEB_CONFIG_DEFAULT_PATH, F_OK) == 0)
        path = WEB_CONFIG_DEFAULT_PATH;
    rl_config_t *cfg = rl_config_load(web_config_schema, path, err);
    if (!cfg)
        return -1;
    memset(s, 0, sizeof *s);
    int rc = -1;
    if (s_check_values(cfg, s, err) != 0) {
        rl_err_prefix(err, "%s: ", path ? path : "(defaults)");
        goto out;
    }
    s->threads = rl_config_int(cfg, "web", "threads");
    snprintf(s->templates_dir, sizeof s->templates_dir, "%s",
             rl_config_str(cfg, "web", "templates_dir"));
    snprintf(s->static_dir, sizeof s->static_dir, "%s", rl_config_str(cfg, "web", "static_dir"));
    s->shutdown_timeout_s = rl_config_int(cfg, "web", "shutdown_timeout_s");
    s->idle_s = rl_config_int(cfg, "session", "idle_timeout_min") * 60;
    s->recheck_s = rl_config_int(cfg, "session", "account_recheck_s");
    s->absolute_s = rl_config_int(cfg, "session", "absolute_timeout_h") * 3600;
    s->pool_size = rl_config_int(cfg, "database", "pool_size");
    snprintf(s->outbox_dir, sizeof s->outbox_dir, "%s", rl_config_str(cfg, "outbox", "dir"));
    s->worklist_max_age_s = rl_config_int(cfg, "web", "worklist_max_age_s");
    char *conninfo = rl_db_conninfo(rl_config_str(cfg, "database", "conninfo"), err);
    if (!conninfo)
        goto out;
    snprintf(s->conninfo, sizeof s->conninfo, "%s", conninfo);
    free(conninfo);
    rc = 0;
out:
    rl_config_destroy(&cfg);
    return rc;
}

/* --check-config past the file: the templates and the style sheet are
 * readable, the TLS certificate and key (when set) are a pair, the
 * database is reached as ruglab_web and as ruglab_admin. */
static int
s_check_live(web_app_t *app)
{
    const web_settings_t *s = &app->set;
    rl_err_t err;
    if (web_tls_load(app, &err) != 0) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_CONFIG;
    }
    bool tls = app->tls_cert_pem != NULL;
    web_tls_free(app);
    web_templates_t *tpl = web_templates_load(s->templates_dir, &err);
    if (!tpl) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_CONFIG;
    }
    size_t n_tpl = web_templates_count(tpl);
    web_templates_destroy(&tpl);
    char *css = rl_asprintf("%s/ruglab.css", s->static_dir);
    int readable = access(css, R_OK);
    free(css);
    if (readable != 0) {
        rl_cli_fail("cannot read %s/ruglab.css (static_dir)", s->static_dir);
        return RL_EXIT_CONFIG;
    }
    char ok_web[512], ok_admin[512];
    if (rl_db_check(s->conninfo, "ruglab_web", "SELECT name FROM web.user_account LIMIT 0", ok_web,
                    sizeof ok_web, &err) != 0 ||
        rl_db_check(s->conninfo, "ruglab_admin", "SELECT name FROM web.user_account LIMIT 0",
                    ok_admin, sizeof ok_admin, &err) != 0) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_DB;
    }
    printf("configuration OK: %s, %zu templates in %s, listening on %s://%s:%d\n", ok_web, n_tpl,
           s->templates_dir, tls ? "https" : "http", s->listen_addr, s->port);
    return RL_EXIT_OK;
}

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: " WEB_PROG " [--config FILE]\n"
            "       " WEB_PROG " --check-config [--config FILE]\n"
            "       " WEB_PROG " --example-config\n\n"
            "Serves ruglab's pages to people in a browser: sign-in, sessions, roles.\n"
            "Runs in the foreground; prints a READY line when listening.\n\n"
            "  --config FILE     configuration (default " WEB_CONFIG_DEFAULT_PATH " if it exists)\n"
            "  --check-config    load the configuration and the templates, connect to the\n"
            "                    database as ruglab_web and ruglab_admin, then print\n"
            "                    \"configuration OK: ...\" or what is wrong (exit 4: the\n"
            "                    configuration or templates, 3: the database)\n"
            "  --example-config  print every configuration key with its default\n"
            "  --help, --version\n\n"
            "signals: TERM/INT finish the requests in flight and exit (a second one exits\n"
            "at once); HUP reloads the templates, keeping the old ones when the new are invalid.\n"
            "exit codes: 0 done, 1 failed, 2 usage error, 3 database error, 4 configuration "
            "error\n");
}

/* --example-config: the configuration file with every key at its default. */
static void
s_example(FILE *out)
{
    rl_config_write_example(web_config_schema, "ruglab-web configuration", out);
}

static int
s_parse_args(int argc, char **argv, s_options_t *o)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},   {"check-config", no_argument, NULL, 'C'},
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
        case 'C':
            o->check = true;
            break;
        default:
            return rl_cli_daemon_option(c, argv, s_usage, s_example);
        }
    }
    return rl_cli_no_operands(argc, argv, optind);
}

/* HUP: a new set of templates, swapped in only when it loads. */
static void
s_reload(web_app_t *app)
{
    rl_err_t err;
    web_templates_t *tpl = web_templates_load(app->set.templates_dir, &err);
    if (!tpl) {
        rl_error("reload", "%s; keeping the templates loaded before", err.msg);
        return;
    }
    pthread_rwlock_wrlock(&app->tpl_lock);
    web_templates_t *old = app->tpl;
    app->tpl = tpl;
    pthread_rwlock_unlock(&app->tpl_lock);
    rl_info("reload", "%zu templates loaded from %s", web_templates_count(tpl),
            app->set.templates_dir);
    web_templates_destroy(&old);
}

/* Stops taking connections, then waits for those open to finish (or the
 * deadline, or a second signal). */
static void
s_drain(web_app_t *app, struct MHD_Daemon *d, const sigset_t *sigs)
{
    (void)rl_notify("STOPPING=1");
    MHD_socket s = MHD_quiesce_daemon(d);
    if (s != MHD_INVALID_SOCKET)
        close(s);
    struct timespec tick = {0, 50 * 1000 * 1000};
    for (long waited_ms = 0; waited_ms < app->set.shutdown_timeout_s * 1000; waited_ms += 50) {
        const union MHD_DaemonInfo *info =
            MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!info || info->num_connections == 0)
            return;
        int sig = sigtimedwait(sigs, NULL, &tick);
        if (sig == SIGTERM || sig == SIGINT) {
            rl_warn("web", "second signal: exiting without waiting");
            return;
        }
    }
    rl_warn("web", "requests still open after %lds: closing them", app->set.shutdown_timeout_s);
}

static int
s_run(web_app_t *app, const sigset_t *sigs)
{
    rl_err_t err;
    struct MHD_Daemon *d = web_http_start(app, &err);
    if (!d) {
        rl_error("web", "%s", err.msg);
        return RL_EXIT_CONFIG;
    }
    printf(WEB_PROG " READY listening on %s://%s:%d/\n", app->tls_cert_pem ? "https" : "http",
           app->set.listen_addr, app->set.port);
    fflush(stdout);
    rl_info("web", "READY, listening on %s:%d with %ld threads", app->set.listen_addr,
            app->set.port, app->set.threads);
    if (rl_notify("READY=1") != 0)
        rl_warn("systemd", "cannot notify READY=1");
    for (;;) {
        int sig = sigwaitinfo(sigs, NULL);
        if (sig == SIGHUP) {
            s_reload(app);
        } else if (sig == SIGTERM || sig == SIGINT) {
            rl_info("web", "signal %d: finishing the requests in flight", sig);
            break;
        }
    }
    s_drain(app, d, sigs);
    MHD_stop_daemon(d);
    rl_info("web", "stopped");
    return RL_EXIT_OK;
}

/* The app's parts past the settings: templates, sessions, pools, and the
 * dummy hash an unknown name is checked against. */
static int
s_app_init(web_app_t *app, rl_err_t *err)
{
    pthread_rwlock_init(&app->tpl_lock, NULL);
    app->tpl = web_templates_load(app->set.templates_dir, err);
    if (!app->tpl || web_tls_load(app, err) != 0)
        return -1;
    app->sessions = web_sessions_new(app->set.idle_s, app->set.absolute_s);
    app->pool_web = web_pool_new(app->set.conninfo, "ruglab_web", (int)app->set.pool_size);
    app->pool_admin = web_pool_new(app->set.conninfo, "ruglab_admin", (int)app->set.pool_size);
    app->pool_clinician =
        web_pool_new(app->set.conninfo, "ruglab_clinician", (int)app->set.pool_size);
    app->pool_secretariat =
        web_pool_new(app->set.conninfo, "ruglab_secretariat", (int)app->set.pool_size);
    app->pool_quality = web_pool_new(app->set.conninfo, "ruglab_quality", (int)app->set.pool_size);
    char pw[WEB_ID_HEX];
    web_random_id(pw);
    return rl_password_hash(pw, strlen(pw), app->dummy_hash, err);
}

static void
s_app_free(web_app_t *app)
{
    web_templates_destroy(&app->tpl);
    web_sessions_destroy(&app->sessions);
    web_pool_destroy(&app->pool_web);
    web_pool_destroy(&app->pool_admin);
    web_pool_destroy(&app->pool_clinician);
    web_pool_destroy(&app->pool_secretariat);
    web_pool_destroy(&app->pool_quality);
    web_tls_free(app);
    pthread_rwlock_destroy(&app->tpl_lock);
    web_signoff_cleanup();
}

int
main(int argc, char **argv)
{
    rl_cli_init(WEB_PROG);
    /* The clock the pages show is Belgian local time, as the letter's and
     * the database's dates (Europe/Brussels), whatever the server's zone;
     * set before any thread starts. */
    setenv("TZ", "Europe/Brussels", 1);
    tzset();
    if (rl_text_check_args(WEB_PROG, argc, argv))
        return RL_EXIT_FAIL;
    s_options_t o;
    int rc = s_parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (sodium_init() < 0) {
        rl_cli_fail("cannot initialise libsodium");
        return RL_EXIT_FAIL;
    }
    rl_log_init(WEB_PROG, RL_LOG_INFO);
    static web_app_t app;
    rl_err_t err;
    if (s_load(o.config_path, &app.set, &err) != 0) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_CONFIG;
    }
    if (o.check)
        return s_check_live(&app);
    rl_log_set_level(app.set.level);
    /* blocked before MHD's threads start, so they inherit the mask */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (s_app_init(&app, &err) != 0) {
        rl_cli_fail("%s", err.msg);
        s_app_free(&app);
        return RL_EXIT_CONFIG;
    }
    rc = s_run(&app, &sigs);
    s_app_free(&app);
    return rc;
}
