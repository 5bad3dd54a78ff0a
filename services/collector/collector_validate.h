/* Validation of decoded Envelopes on the collector: required fields,
 * physical ranges per body, timestamps, the device claimed against the
 * device authenticated, questionnaire answers, and the patient's
 * enrolment at the time of measurement. Pure functions on caller-owned
 * values (no I/O, no clock: the caller passes "now"); thread-safe. */
#ifndef COLLECTOR_VALIDATE_H
#define COLLECTOR_VALIDATE_H

#include "ruglab/date.h"
#include "ruglab/wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* taken_at_us may not be before this (2000-01-01T00:00:00Z) ... */
#define COLLECTOR_VALIDATE_TAKEN_MIN_US 946684800000000ll
/* ... nor more than this ahead of the collector's clock (5 minutes). */
#define COLLECTOR_VALIDATE_TAKEN_AHEAD_US (300ll * 1000000ll)

/* The verdict on one message: reason RL_REASON_NONE when valid. */
typedef struct {
    rl_reason_t reason;
    char text[RL_TEXT_MAX + 1];
} collector_validate_verdict_t;

/* Checks msg, decoded from a message authenticated as auth_device, at
 * collector time now_us. Returns true when valid; otherwise false with
 * v->reason and v->text ("rom_deg 720 out of range 0<..<=180 for
 * extension"). Does not check the patient token against the database
 * (see collector_validate_enrolment_pick). Acks in the device -> collector direction are
 * INVALID. */
bool collector_validate(const rl_msg_t *msg, const char *auth_device, int64_t now_us,
                        collector_validate_verdict_t *v);

/* Whether a message of this kind belongs to a session (needs session_id
 * and patient_token, is stored with an enrolment). */
bool collector_validate_is_session_scoped(rl_body_kind_t kind);

/* Whether a valid message of this kind is acknowledged: every message
 * with seq > 0. Hello and Heartbeat may carry seq 0: they are then not
 * spooled by the sender and not acknowledged. */
bool collector_validate_wants_ack(const rl_msg_t *msg);

/* One enrolment behind a badge token, as clinical.collector_token gives it. */
typedef struct {
    char token[RL_ID_MAX + 1]; /* the badge token (the store looks up several at once) */
    bool has_enrolment;        /* false: the token is known but never enrolled */
    long long enrolment_id;
    char status[16]; /* active, completed, dropped_out, cancelled */
    rl_date_t start_date;
    bool has_end;
    rl_date_t end_date;
} collector_validate_enrolment_t;

/* Chooses the enrolment a measurement taken on day `taken` belongs to:
 * one whose period (start_date .. end_date, or open when the programme
 * runs) holds the day, not cancelled; the latest start wins. When none
 * holds it, the latest programme that started before the day and has
 * ended: the measurement is stored with it and lies outside its dates
 * (kept, never lost, and counted nowhere: clinical.v_outside_programme
 * shows it). n == 0 means the token is unknown (UNKNOWN_PATIENT); a day
 * before every programme's start (or only cancelled ones) means
 * NOT_ENROLLED. Returns true with *enrolment_id set, or false with v set. */
bool collector_validate_enrolment_pick(const collector_validate_enrolment_t *rows, size_t n,
                                       rl_date_t taken, long long *enrolment_id,
                                       collector_validate_verdict_t *v);

/* The questionnaire instrument as stored (the proto's codes NPRS, ODI,
 * RMDQ, TSK, PSFS, NDI; aliases such as "TSK-17" mapped), or NULL if unknown. */
const char *collector_validate_instrument_code(const char *instrument);

/* Score of a valid questionnaire response; false when it is not scorable
 * (too many blank items, an ODI version we do not score), stored without. */
bool collector_validate_questionnaire_score(const rl_questionnaire_t *q, double *score);

/* Degrees or newton metres to the stored tenths, rounded half away from
 * zero (caller validated the range, so the result fits a smallint). */
int collector_validate_tenths(float value);

#endif
