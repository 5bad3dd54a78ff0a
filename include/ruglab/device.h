/* Devices: the rules `ruglab device revoke`, `ruglab status` and
 * ruglab-web's /admin/devices share, so the CLI and the page read and
 * write the same thing. */
#ifndef RUGLAB_DEVICE_H
#define RUGLAB_DEVICE_H

#include "ruglab/err.h"

#include <libpq-fe.h>

/* Every device with what the collectors recorded of it (meas.device_status:
 * the last Hello or Heartbeat), NULL where nothing was recorded. Columns:
 * 0 device_id, 1 site code, 2 model, 3 seconds since last seen, 4 spool
 * depth (messages waiting at the agent), 5 lag (age in seconds of the
 * oldest of them), 6 collector, 7 revoked (t/f), 8 last seen
 * (YYYY-MM-DD HH24:MI:SS), 9 revoked at (YYYY-MM-DD HH24:MI), 10 revoke
 * reason. No patient data. */
#define RL_DEVICE_STATUS_SQL                                                                       \
    "SELECT d.device_id, s.code, d.model,"                                                         \
    " floor(extract(epoch FROM now() - ds.last_seen))::bigint, ds.spool_depth,"                    \
    " ds.oldest_unacked_s, ds.collector, d.revoked_at IS NOT NULL,"                                \
    " to_char(ds.last_seen, 'YYYY-MM-DD HH24:MI:SS'), to_char(d.revoked_at, 'YYYY-MM-DD "          \
    "HH24:MI'),"                                                                                   \
    " d.revoke_reason"                                                                             \
    " FROM clinical.device d JOIN clinical.site s USING (site_id)"                                 \
    " LEFT JOIN meas.device_status ds USING (device_id) ORDER BY d.device_id"

/* What a revoke did. */
typedef enum {
    RL_DEVICE_REVOKED = 0,     /* revoked now */
    RL_DEVICE_ALREADY_REVOKED, /* it was revoked before: nothing written */
    RL_DEVICE_UNKNOWN,         /* no such device: nothing written */
} rl_device_revoke_t;

/* Refuses the device from now on: clinical.device's revoked_at = now() and
 * revoke_reason = reason (NULL: none); running collectors see it within
 * about a second. *out says what happened; -1 with err on a database
 * error. */
int rl_device_revoke(PGconn *conn, const char *device_id, const char *reason,
                     rl_device_revoke_t *out, rl_err_t *err);

#endif
