/* Device drivers: where measurements come from. One small interface, one
 * file per driver in services/agent/drivers/; the agent's main loop picks
 * one by the [agent] driver setting, polls it and spools what it returns.
 * A driver fills the measurement (taken_at_us, session_id, patient_token,
 * body) and may give its source mark beside it (its position after this
 * measurement, increasing; 0: none): the agent stores the mark in the spool
 * record (agent_spool_last_mark tells a restarted driver where to resume)
 * and fills device_id, boot_id and seq. Drivers run in the
 * main loop's thread only and never block: they say when to call again. */
#ifndef AGENT_DRIVER_H
#define AGENT_DRIVER_H

#include "agent_spool.h"
#include "ruglab/config.h"
#include "ruglab/err.h"
#include "ruglab/wire.h"

#include <stdint.h>

enum {
    AGENT_DRV_ERROR = -1, /* err filled; the agent stops */
    AGENT_DRV_AGAIN = 0,  /* nothing now: poll fd() or call again within *wait_ms */
    AGENT_DRV_MSG = 1,    /* *msg filled (caller clears it) */
    AGENT_DRV_EOF = 2,    /* no more input, ever: the agent drains its spool and exits */
};

typedef struct {
    const rl_config_t *cfg;
    const char *log_ctx;  /* "device X" */
    agent_spool_t *spool; /* for drivers that tie their own state to spool seqs */
    bool dry_run;         /* --dry-run: produce everything at once, no pacing */
} agent_driver_env_t;

typedef struct {
    const char *name;
    const char *summary;
    /* Returns the driver's state, or NULL with err set (bad setting, folder
     * missing). check_only: validate the settings, touch nothing. */
    void *(*open)(const agent_driver_env_t *env, bool check_only, rl_err_t *err);
    /* A file descriptor whose readability means "call next()", or -1;
     * NULL for a driver that has none (it is polled by its wait_ms). */
    int (*fd)(void *self);
    /* The next measurement; see the AGENT_DRV_ codes. *msg arrives as
     * rl_msg_init leaves it (zero, the protocol version set). With AGENT_DRV_MSG,
     * *mark is the driver's source mark after it (the caller sets it to 0
     * first; a driver without one leaves it). *wait_ms is set to the
     * longest the caller may wait before calling again (-1: until fd()
     * is readable). */
    int (*next)(void *self, rl_msg_t *msg, uint64_t *mark, int *wait_ms, rl_err_t *err);
    /* Everything next() returned so far is durable in the spool (may be NULL). */
    void (*synced)(void *self);
    void (*close)(void *self);
} agent_driver_t;

extern const agent_driver_t agent_driver_jsonl;
extern const agent_driver_t agent_driver_filedrop;
extern const agent_driver_t agent_driver_simulator;

/* The driver called name, or NULL. */
const agent_driver_t *agent_driver_find(const char *name);

#endif
