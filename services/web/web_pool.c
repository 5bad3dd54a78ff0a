/* Database connection pools of ruglab-web (see web_pool.h). */
#include "web_pool.h"

#include "ruglab/db.h"
#include "ruglab/mem.h"

#include <pthread.h>
#include <stdlib.h>

struct web_pool {
    pthread_mutex_t lock;
    char *conninfo;
    char *role;
    PGconn **idle;
    int n_idle;
    int max;
};

web_pool_t *
web_pool_new(const char *conninfo, const char *role, int max)
{
    web_pool_t *self = rl_calloc(1, sizeof *self);
    pthread_mutex_init(&self->lock, NULL);
    self->conninfo = rl_strdup(conninfo);
    self->role = rl_strdup(role);
    self->max = max;
    self->idle = rl_calloc((size_t)max, sizeof *self->idle);
    return self;
}

void
web_pool_destroy(web_pool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    web_pool_t *self = *self_p;
    for (int i = 0; i < self->n_idle; i++)
        PQfinish(self->idle[i]);
    free(self->idle);
    free(self->conninfo);
    free(self->role);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

PGconn *
web_pool_borrow(web_pool_t *self, rl_err_t *err)
{
    PGconn *conn = NULL;
    pthread_mutex_lock(&self->lock);
    if (self->n_idle > 0)
        conn = self->idle[--self->n_idle];
    pthread_mutex_unlock(&self->lock);
    if (conn)
        return conn;
    return rl_db_connect(self->conninfo, self->role, err);
}

void
web_pool_return(web_pool_t *self, PGconn *conn)
{
    if (!conn)
        return;
    if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE) {
        PQfinish(conn);
        return;
    }
    pthread_mutex_lock(&self->lock);
    if (self->n_idle < self->max) {
        self->idle[self->n_idle++] = conn;
        conn = NULL;
    }
    pthread_mutex_unlock(&self->lock);
    if (conn)
        PQfinish(conn);
}
