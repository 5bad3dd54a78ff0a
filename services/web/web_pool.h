/* A pool of database connections of one role (ruglab_web, ruglab_admin):
 * ruglab-web keeps one pool per role, never one all-powerful connection.
 * A connection is lent to one request (one thread) at a time and comes
 * back to the pool; a broken one is closed instead and the next borrow
 * connects anew. A mutex inside: any thread. */
#ifndef WEB_POOL_H
#define WEB_POOL_H

#include "ruglab/err.h"

#include <libpq-fe.h>

typedef struct web_pool web_pool_t;

/* conninfo: the site's string (without a user); role: the database role.
 * Connects lazily; keeps at most max idle connections. Caller owns. */
web_pool_t *web_pool_new(const char *conninfo, const char *role, int max);
void web_pool_destroy(web_pool_t **self_p);

/* A connection for this request: an idle one, or a new one. NULL with err
 * when the database cannot be reached. */
PGconn *web_pool_borrow(web_pool_t *self, rl_err_t *err) __attribute__((warn_unused_result));
/* Gives it back (NULL is ignored); a broken connection is closed. */
void web_pool_return(web_pool_t *self, PGconn *conn);

#endif
