/* The access log of identifiable data: which person read which patient's
 * data with which program and command, written through the database's
 * audit.record_access() before the data is selected. The reader is the
 * person at the keyboard, not the database role (the server adds that).
 * For the command-line tools; one thread (static storage). */
#ifndef RUGLAB_AUDIT_H
#define RUGLAB_AUDIT_H

#include "ruglab/err.h"

#include <libpq-fe.h>

/* The person at the keyboard: $SUDO_USER, else $USER, else the passwd
 * name of the real uid, else "uid N"; at most 255 bytes. Static storage,
 * overwritten by the next call. */
const char *rl_audit_reader(void);

/* Records one read in audit.access_log: the reader (rl_audit_reader()),
 * program ("ruglab-report"), command ("letter", "patient show"),
 * subject_id (decimal text, or NULL) and detail (never identity; or
 * NULL). Returns 0, or -1 with err "writing the access log: <server's
 * message>". */
int rl_audit_record(PGconn *conn, const char *program, const char *command, const char *subject_id,
                    const char *detail, rl_err_t *err) __attribute__((warn_unused_result));

#endif
