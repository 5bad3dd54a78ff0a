/* Devices: the revoke rule shared by the admin CLI and ruglab-web (see
 * include/ruglab/device.h). */
#include "ruglab/device.h"

#include "ruglab/db.h"

int
rl_device_revoke(PGconn *conn, const char *device_id, const char *reason, rl_device_revoke_t *out,
                 rl_err_t *err)
{
    const char *params[2] = {device_id, reason};
    PGresult *res = rl_db_exec(conn, err, "revoking",
                               "UPDATE clinical.device SET revoked_at = now(), revoke_reason = $2"
                               " WHERE device_id = $1 AND revoked_at IS NULL RETURNING device_id",
                               2, params);
    if (!res)
        return -1;
    int n = PQntuples(res);
    PQclear(res);
    if (n == 1) {
        *out = RL_DEVICE_REVOKED;
        return 0;
    }
    res = rl_db_exec(conn, err, "looking up the device",
                     "SELECT 1 FROM clinical.device WHERE device_id = $1", 1, params);
    if (!res)
        return -1;
    n = PQntuples(res);
    PQclear(res);
    *out = n ? RL_DEVICE_ALREADY_REVOKED : RL_DEVICE_UNKNOWN;
    return 0;
}
