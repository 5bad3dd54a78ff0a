/* The collector's resolve step, between validation (when a message is
 * received) and the store (when the batch is flushed): decides for every
 * item what the store writes (collector_item_resolved_t): whether it is a
 * dead letter, a device status or a measurement, the enrolment behind its
 * patient token on the day it was taken, the questionnaire's instrument
 * code and score, the samples in tenths. The store then only maps items
 * to its statements. The tokens' enrolments are looked up by the store
 * (collector_store_enrolments); the rest is computed here, without I/O
 * (the day of a measurement is the local one). Main thread. */
#ifndef COLLECTOR_RESOLVE_H
#define COLLECTOR_RESOLVE_H

#include "collector_item.h"

#include <stddef.h>

/* The patient tokens to look up for the batch: those of the valid
 * session-scoped items, each once, in the order of their first item,
 * pointing into items (tokens has room for n). Returns how many. */
size_t collector_resolve_tokens(const collector_item_t *items, size_t n, const char **tokens);

/* Fills every item's `resolved` from its verdict, its message and the
 * enrolments found for the tokens (rows of every token, in any order; an
 * unknown token has none). A session-scoped item whose patient has no
 * enrolment on that day becomes a dead letter (UNKNOWN_PATIENT,
 * NOT_ENROLLED). The verdict of validation is left as it is, so the batch
 * is resolved anew before each attempt to store it. */
void collector_resolve_batch(collector_item_t *items, size_t n,
                             const collector_validate_enrolment_t *rows, size_t n_rows);

#endif
