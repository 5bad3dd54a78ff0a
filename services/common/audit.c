/* The access log and the reader's identity (see audit.h). */
#include "ruglab/audit.h"

#include "ruglab/db.h"

#include <assert.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The only way in for the tools (deploy/sql/303_audit_writer.sql). */
static const char *s_sql_record = "SELECT audit.record_access($1, $2, $3, $4::bigint, $5)";

/* The person a thread acts for (rl_audit_act_as); "" when none. */
static _Thread_local char s_acting[256];

void
rl_audit_act_as(const char *name)
{
    snprintf(s_acting, sizeof s_acting, "%s", name ? name : "");
}

const char *
rl_audit_reader(void)
{
    static _Thread_local char name[256];
    if (s_acting[0])
        return s_acting;
    const char *u = getenv("SUDO_USER");
    if (!u || !*u)
        u = getenv("USER");
    if (!u || !*u) {
        struct passwd *pw = getpwuid(getuid());
        u = pw ? pw->pw_name : NULL;
    }
    if (!u || !*u)
        snprintf(name, sizeof name, "uid %u", (unsigned)getuid());
    else
        snprintf(name, sizeof name, "%s", u);
    return name;
}

int
rl_audit_record(PGconn *conn, const char *program, const char *command, const char *subject_id,
                const char *detail, rl_err_t *err)
{
    assert(conn && program && command);
    const char *params[5] = {rl_audit_reader(), program, command, subject_id, detail};
    PGresult *res = rl_db_exec_prepared(conn, err, "writing the access log", "audit record",
                                        s_sql_record, 5, params);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}
