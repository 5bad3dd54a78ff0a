/* The collector's configuration schema (see collector_config.h). */
#include "collector_config.h"

const rl_cfg_key_t collector_config_schema[] = {
    {"collector", "name", RL_CFG_STRING, "", 0, 0,
     "Name of this collector in meas.collector_status and `ruglab status`, its own among the "
     "collectors of one database (empty: the host name)"},
    {"collector", "listen", RL_CFG_STRING, "tcp://*:7470", 0, 0,
     "ZeroMQ endpoint of the ROUTER socket the agents connect to (CURVE-encrypted)"},
    {"collector", "secret_key_file", RL_CFG_STRING, RL_SYSCONFDIR "/collector.key_secret", 0, 0,
     "The collector's CURVE key pair (CZMQ certificate, mode 0600), made by "
     "`ruglab-collector --gen-key DIR`; collectors of one database share one pair"},
    {"collector", "log_level", RL_CFG_STRING, "info", 0, 0, "error, warn, info or debug"},
    {"collector", "status_interval_s", RL_CFG_INT, "10", 1, 3600,
     "Seconds between counter lines in the log and updates of meas.collector_status"},
    {"collector", "shutdown_timeout_s", RL_CFG_INT, "10", 1, 600,
     "On SIGTERM: seconds to store and acknowledge what was received before exiting"},
    {"collector", "receive_queue", RL_CFG_INT, "1000", 10, 1000000,
     "Messages ZeroMQ queues per agent while the collector is not reading (ZMQ_RCVHWM)"},
    {"collector", "max_transport_bytes", RL_CFG_INT, "16777216", 1048576, 268435456,
     "Largest message ZeroMQ accepts before dropping the connection; messages above 1 MiB and "
     "up to this size are rejected as TOO_LARGE"},
    {"collector", "metrics_listen", RL_CFG_STRING, "", 0, 0,
     "Address and port of the Prometheus endpoint (GET /metrics, plain HTTP, counters only, "
     "never patient data), e.g. 127.0.0.1:9470 or [::1]:9470; empty: not served"},
    {"database", "conninfo", RL_CFG_STRING, "", 0, 0,
     "libpq connection string (empty: $RUGLAB_DB, then the local cluster); --db overrides; "
     "passwords belong in PGPASSFILE, not here"},
    {"database", "reconnect_max_ms", RL_CFG_INT, "5000", 100, 600000,
     "Longest wait between reconnection attempts while the database is unreachable"},
    {"batch", "max_messages", RL_CFG_INT, "1024", 1, 100000,
     "Messages stored in one transaction at most (group commit); each held message takes about "
     "19 KiB of memory besides its bytes, and two groups are held (one committing)"},
    {"batch", "group_bytes", RL_CFG_INT, "1048576", 4096, 1073741824,
     "Bytes of messages stored in one transaction at most: a group closes at this size, or "
     "max_messages, or when the previous one is committed, whichever comes first"},
    {"batch", "max_bytes", RL_CFG_INT, "8388608", 65536, 1073741824,
     "Bytes of received messages held in memory at most (the group being committed and the "
     "next); beyond it the collector stops reading (backpressure to the agents' spools)"},
    {"batch", "max_delay_ms", RL_CFG_INT, "0", 0, 10000,
     "Milliseconds a message waits for more to share its transaction when none is being "
     "committed (0: none; while one commits, the next group grows anyway)"},
    {"security", "refresh_ms", RL_CFG_INT, "1000", 100, 60000,
     "Milliseconds between reloads of the device allow-list (revocation takes effect within this)"},
    {"security", "dead_letters_per_minute", RL_CFG_INT, "120", 1, 1000000,
     "Rejected messages of one device kept as dead letters per minute at most; beyond it they are "
     "still acknowledged REJECTED but not stored (counted in the log), so that no device can fill "
     "the database"},
    {NULL, NULL, RL_CFG_STRING, NULL, 0, 0, NULL},
};
