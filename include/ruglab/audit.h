/* The access log of identifiable data: which person read which patient's
 * data with which program and command, written through the database's
 * audit.record_access() before the data is selected. The reader is the
 * person at the keyboard, not the database role (the server adds that).
 * The command-line tools read the OS user; ruglab-web names the signed-in
 * person for the thread answering their request (rl_audit_act_as). */
#ifndef RUGLAB_AUDIT_H
#define RUGLAB_AUDIT_H

#include "ruglab/err.h"

#include <libpq-fe.h>

/* The person at the keyboard: the name given to rl_audit_act_as on this
 * thread, else $SUDO_USER, else $USER, else the passwd name of the real
 * uid, else "uid N"; at most 255 bytes. Thread-local storage, overwritten
 * by the next call. */
const char *rl_audit_reader(void);

/* From now on this thread acts for name (a signed-in person of
 * ruglab-web): rl_audit_reader() returns it, so the access log and every
 * "by" column the shared modules write name that person. NULL or "":
 * back to the OS user. */
void rl_audit_act_as(const char *name);

/* Records one read in audit.access_log: the reader (rl_audit_reader()),
 * program ("ruglab-report"), command ("letter", "patient show"),
 * subject_id (decimal text, or NULL) and detail (never identity; or
 * NULL). Returns 0, or -1 with err "writing the access log: <server's
 * message>". */
int rl_audit_record(PGconn *conn, const char *program, const char *command, const char *subject_id,
                    const char *detail, rl_err_t *err) __attribute__((warn_unused_result));

#endif
