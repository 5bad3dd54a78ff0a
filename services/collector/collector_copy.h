/* The binary COPY of a resolved batch: the rows of meas.message_key and of
 * the measurement tables, in PostgreSQL's binary COPY format, built in
 * memory for collector_store's fast path (see collector_store.c). Pure:
 * no I/O. Test results, training sets, sample batches and session events
 * go by COPY; questionnaires (a numeric score and jsonb answers) and dead
 * letters keep their per-message statements. */
#ifndef COLLECTOR_COPY_H
#define COLLECTOR_COPY_H

#include "collector_item.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    COLLECTOR_COPY_KEY = 0, /* meas.message_key: first, so that a duplicate fails early */
    COLLECTOR_COPY_TEST_TRIAL,
    COLLECTOR_COPY_TRAINING_SET,
    COLLECTOR_COPY_SAMPLE_BATCH,
    COLLECTOR_COPY_SESSION_EVENT,
    COLLECTOR_COPY_NTABLES
} collector_copy_table_t;

typedef struct {
    uint8_t *data; /* header, rows, and after collector_copy_finish the trailer */
    size_t len, cap;
    size_t rows;
} collector_copy_buf_t;

typedef struct {
    collector_copy_buf_t t[COLLECTOR_COPY_NTABLES];
} collector_copy_t;

/* The COPY ... FROM STDIN (FORMAT binary) statement of each table. */
extern const char *const collector_copy_sql[COLLECTOR_COPY_NTABLES];

/* Whether the item is a measurement that goes by COPY. */
bool collector_copy_takes(const collector_item_t *it);

/* Adds the rows of an item collector_copy_takes: its key and its
 * measurement. false when a value does not fit its column's type as the
 * per-message statement would have checked it (a number out of the
 * column's range, a time outside PostgreSQL's): the batch then goes the
 * per-message way, which refuses that message alone. */
bool collector_copy_add(collector_copy_t *c, const collector_item_t *it);

/* Ends every table's data (the trailer). */
void collector_copy_finish(collector_copy_t *c);

/* Empties the tables, keeping their memory; _free releases it. */
void collector_copy_reset(collector_copy_t *c);
void collector_copy_free(collector_copy_t *c);

#endif
