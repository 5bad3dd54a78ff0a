/* ruglab-web's configuration schema (see web_config.h). */
#include "web_config.h"

const rl_cfg_key_t web_config_schema[] = {
    {"web", "listen", RL_CFG_STRING, "127.0.0.1:8080", 0, 0,
     "Address and port to listen on (IPv4 address:port); keep it on 127.0.0.1 behind the "
     "hospital's reverse proxy"},
    {"web", "threads", RL_CFG_INT, "4", 1, 256, "Worker threads answering requests"},
    {"web", "templates_dir", RL_CFG_STRING, RL_DATADIR "/web/templates", 0, 0,
     "Page templates, one folder per language (nl, en); reloaded on SIGHUP"},
    {"web", "static_dir", RL_CFG_STRING, RL_DATADIR "/web/static", 0, 0,
     "Style sheet served under /static/"},
    {"web", "language", RL_CFG_STRING, "nl", 0, 0, "Language of the pages: nl or en"},
    {"web", "log_level", RL_CFG_STRING, "info", 0, 0, "error, warn, info or debug"},
    {"web", "worklist_max_age_s", RL_CFG_INT, "15", 0, 3600,
     "Seconds a site's worklist is kept before it is read again (0: every time); the page "
     "says when it was read"},
    {"web", "shutdown_timeout_s", RL_CFG_INT, "10", 1, 600,
     "On SIGTERM: seconds to finish the requests in flight before exiting"},
    {"session", "account_recheck_s", RL_CFG_INT, "10", 0, 300,
     "Seconds after which a session's account is read again: a disabled account, a new "
     "password, another role or site end its sessions within this time (0: every request)"},
    {"session", "idle_timeout_min", RL_CFG_INT, "30", 1, 1440,
     "Minutes without a request after which a session ends"},
    {"session", "absolute_timeout_h", RL_CFG_INT, "12", 1, 168,
     "Hours after sign-in after which a session ends, however busy"},
    {"session", "cookie_secure", RL_CFG_STRING, "auto", 0, 0,
     "on, off or auto (on when trusted_proxies is set: the proxy speaks TLS to the browser)"},
    {"proxy", "trusted_proxies", RL_CFG_STRING, "", 0, 0,
     "Addresses of the reverse proxies (space-separated) whose X-Forwarded-For names the "
     "client (sign-in rate limit per address)"},
    {"proxy", "trust_header", RL_CFG_STRING, "", 0, 0,
     "Header naming the signed-in person, set by the hospital's SSO proxy (e.g. "
     "X-Remote-User); trusted only from trusted_proxies; empty: off"},
    {"tls", "certificate", RL_CFG_STRING, "", 0, 0,
     "PEM certificate (chain) for HTTPS served by ruglab-web itself; empty: plain HTTP"},
    {"tls", "key", RL_CFG_STRING, "", 0, 0,
     "PEM private key of the certificate (mode 0600); set both or neither"},
    {"database", "conninfo", RL_CFG_STRING, "", 0, 0,
     "libpq connection string without a user (empty: $RUGLAB_DB, then the local cluster); "
     "roles ruglab_web and ruglab_admin; passwords in PGPASSFILE"},
    {"database", "pool_size", RL_CFG_INT, "4", 1, 64, "Connections kept open per database role"},
    {"outbox", "dir", RL_CFG_STRING, "/var/lib/ruglab-web/outbox", 0, 0,
     "Released reports: one folder per site code, one per release inside, for the hospital's "
     "messaging (eHealthBox gateway, print)"},
    {NULL, NULL, RL_CFG_STRING, NULL, 0, 0, NULL},
};
