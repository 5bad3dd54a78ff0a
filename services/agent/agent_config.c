/* The agent's configuration schema (see agent_config.h). */
#include "agent_config.h"

#include "agent_spool.h"

#include <stddef.h>

const rl_cfg_key_t agent_config_schema[] = {
    {"agent", "device_id", RL_CFG_STRING, "", 0, 0,
     "This machine's device id as enrolled with `ruglab device add` (required)"},
    {"agent", "device_model", RL_CFG_STRING, "tergumed-710", 0, 0,
     "Device model sent in Hello; reference values are per model"},
    {"agent", "firmware_version", RL_CFG_STRING, "", 0, 0,
     "Firmware or device software version sent in Hello (for support)"},
    {"agent", "driver", RL_CFG_STRING, "jsonl", 0, 0,
     "Where measurements come from: jsonl (stdin), filedrop (export folder) or simulator"},
    {"agent", "drain_timeout_s", RL_CFG_INT, "60", 0, 86400,
     "When the driver's input ends: seconds to wait for every acknowledgement before exiting "
     "(what is left stays in the spool)"},
    {"agent", "log_level", RL_CFG_STRING, "info", 0, 0, "error, warn, info or debug"},
    {"agent", "metrics_textfile", RL_CFG_STRING, "", 0, 0,
     "node_exporter textfile (NAME.prom in its --collector.textfile.directory) for the spool's "
     "depth, lag, last acknowledgement and connection, rewritten every 5 s; empty: none"},
    {"spool", "dir", RL_CFG_STRING, "/var/lib/ruglab-agent/spool", 0, 0,
     "Spool directory on a persistent disk (never tmpfs); one agent per directory"},
    {"spool", "max_bytes", RL_CFG_INT, "1073741824", AGENT_SPOOL_MIN_BYTES, 1099511627776.0,
     "Size bound of the spool; when full the agent stops reading the device (never drops). At "
     "least 4194480: four of the largest messages (1 MiB each), so that any message fits"},
    {"spool", "segment_bytes", RL_CFG_INT, "4194304", 1, 1073741824,
     "Segment file size; a segment is deleted once all its messages are acknowledged"},
    {"spool", "sync_bytes", RL_CFG_INT, "1048576", 1, 1073741824,
     "Bytes of measurements made durable by one fsync at most (group commit); a measurement is "
     "sent only once durable"},
    {"spool", "sync_ms", RL_CFG_INT, "10", 0, 10000,
     "Milliseconds a measurement waits at most for others to share its fsync while the driver "
     "keeps delivering (when the driver has nothing more, the fsync is at once)"},
    {"link", "collector", RL_CFG_STRING, "tcp://127.0.0.1:7470", 0, 0,
     "ZeroMQ endpoint of ruglab-collector, or several separated by commas (collectors on one "
     "database, sharing one key pair): the first is preferred, the others are used while it is "
     "down"},
    {"link", "server_public_key", RL_CFG_STRING, "", 0, 0,
     "The collector's CURVE public key: 40 Z85 characters, or the path of its public "
     "certificate file (CZMQ format)"},
    {"link", "secret_key_file", RL_CFG_STRING, "/etc/ruglab/keys/device.key_secret", 0, 0,
     "This device's CURVE key pair (CZMQ certificate written by `ruglab device add`, mode 0600)"},
    {"link", "curve", RL_CFG_BOOL, "true", 0, 0,
     "Encrypt and authenticate with CurveZMQ; false only for a development collector"},
    {"link", "window", RL_CFG_INT, "256", 1, 100000,
     "Messages sent and not yet acknowledged at most (sliding window)"},
    {"link", "ack_timeout_ms", RL_CFG_INT, "10000", 100, 3600000,
     "A message not acknowledged within this is sent again (the collector deduplicates)"},
    {"link", "heartbeat_s", RL_CFG_INT, "5", 1, 3600,
     "Seconds between heartbeats (spool depth, bytes, age of the oldest message)"},
    {"link", "reconnect_ivl_ms", RL_CFG_INT, "100", 10, 60000,
     "First wait before reconnecting to the collector (ZMQ_RECONNECT_IVL)"},
    {"link", "reconnect_ivl_max_ms", RL_CFG_INT, "5000", 10, 600000,
     "Longest wait between reconnection attempts, doubling up to it (ZMQ_RECONNECT_IVL_MAX)"},
    {"link", "failover_ms", RL_CFG_INT, "15000", 100, 3600000,
     "With several collectors: switch to the next one when the one in use has not been "
     "connected, or has acknowledged nothing while messages wait, for this long"},
    {"link", "failback_ms", RL_CFG_INT, "60000", 100, 86400000,
     "With several collectors: this long after leaving the first one, try it again in the "
     "background and go back to it as soon as it answers"},
    {"filedrop", "dir", RL_CFG_STRING, "/var/lib/ruglab-agent/drop", 0, 0,
     "Folder the device software exports NAME.json files into (written as NAME.tmp, then "
     "renamed); processed files go to done/ or rejected/ beside a NAME.reason"},
    {"filedrop", "poll_ms", RL_CFG_INT, "500", 10, 60000,
     "Milliseconds between scans of the folder"},
    {"simulator", "seed", RL_CFG_INT, "1", 0, 2147483647,
     "Random seed: the same seed and settings give the same measurements"},
    {"simulator", "patients", RL_CFG_STRING, "RB-SIM-0001:F:52:68", 0, 0,
     "Comma-separated patients TOKEN:SEX:AGE:WEIGHT_KG (badge token, F or M, years, kg)"},
    {"simulator", "sessions", RL_CFG_INT, "36", 1, 200,
     "Sessions per patient; tests at the first, the middle and the last"},
    {"simulator", "start", RL_CFG_STRING, "", 0, 0,
     "Simulated time of the first session (RFC 3339); empty: now when time_factor is 1 (a live "
     "device), otherwise so that the programme ends now"},
    {"simulator", "days_between_sessions", RL_CFG_DOUBLE, "3.5", 0.01, 30,
     "Simulated days between two sessions of a patient"},
    {"simulator", "time_factor", RL_CFG_DOUBLE, "1", 0, 1e12,
     "Simulated seconds per real second (1: real time; 0: as fast as the spool takes them)"},
    {"simulator", "trials", RL_CFG_INT, "3", 1, 10, "Trials per direction in a test"},
    {"simulator", "sets", RL_CFG_INT, "2", 0, 10, "Training sets per direction in a session"},
    {"simulator", "session_minutes", RL_CFG_INT, "120", 0, 600,
     "Minutes a patient's session lasts: SessionEnd comes no earlier (a programme session lasts "
     "120 minutes); 0: when the last exercise ends"},
    {"simulator", "curves", RL_CFG_BOOL, "true", 0, 0,
     "Send the raw angle/torque curves as SampleBatch messages"},
    {"simulator", "sample_rate_hz", RL_CFG_INT, "100", 1, 2000, "Samples per second of the curves"},
    {"simulator", "operator_code", RL_CFG_STRING, "PT-01", 0, 0,
     "Therapist's staff code in SessionStart (empty: none)"},
    {"simulator", "region", RL_CFG_STRING, "lumbar", 0, 0,
     "Body region of the simulated device: lumbar (a back device) or cervical (a neck unit for "
     "the neck school; register it with ruglab device add --region cervical)"},
    {NULL, NULL, RL_CFG_STRING, NULL, 0, 0, NULL},
};
