/* The SQL that lists the people who sign in to ruglab-web, shared by
 * `ruglab user list` (ruglab_admin) and the web's /admin/users page
 * (ruglab_admin pool), so both show the same columns from one query.
 * Columns: name, display_name, role, site, status (active|disabled),
 * created, created_by, password_changed, disabled, disable_reason. */
#ifndef RUGLAB_USER_SQL_H
#define RUGLAB_USER_SQL_H

#define RL_USER_LIST_SQL                                                                           \
    "SELECT u.name, u.display_name, u.role, s.code AS site, "                                      \
    "CASE WHEN u.disabled_at IS NULL THEN 'active' ELSE 'disabled' END AS status, "                \
    "to_char(u.created_at, 'YYYY-MM-DD HH24:MI') AS created, u.created_by, "                       \
    "to_char(u.password_changed_at, 'YYYY-MM-DD HH24:MI') AS password_changed, "                   \
    "to_char(u.disabled_at, 'YYYY-MM-DD HH24:MI') AS disabled, "                                   \
    "u.disable_reason FROM web.user_account u "                                                    \
    "LEFT JOIN clinical.site s ON s.site_id = u.site_id ORDER BY u.name"

#endif
