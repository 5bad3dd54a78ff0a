/* The wire module: ruglab's own types for the messages of
 * proto/ruglab.proto, and their encoding. The generated protobuf-c types
 * stay inside wire.c; the rest of the code sees only these.
 *
 * Ownership: an rl_msg_t owns its sample arrays and its ack array;
 * rl_msg_clear() frees them. rl_wire_encode returns a buffer the caller
 * frees with free(). No global state: any thread may call these. */
#ifndef RUGLAB_WIRE_H
#define RUGLAB_WIRE_H

#include "ruglab/domain.h"
#include "ruglab/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RL_PROTOCOL_VERSION 1u
/* Identifiers (device id, session id, patient token, codes): rl_id_valid
 * and RL_ID_MAX of domain.h. */
#define RL_TEXT_MAX 256
/* Largest Envelope the collector accepts (bytes). */
#define RL_WIRE_MAX_MESSAGE (1024u * 1024u)
#define RL_SAMPLES_MAX 10000u
#define RL_ANSWERS_MAX 64u

typedef enum {
    RL_BODY_NONE = 0,
    RL_BODY_HELLO,
    RL_BODY_HEARTBEAT,
    RL_BODY_SESSION_START,
    RL_BODY_SESSION_END,
    RL_BODY_TEST_RESULT,
    RL_BODY_TRAINING_SET,
    RL_BODY_SAMPLE_BATCH,
    RL_BODY_QUESTIONNAIRE,
    RL_BODY_ACKS,
} rl_body_kind_t;

typedef enum {
    RL_SESSION_KIND_UNSPECIFIED = 0,
    RL_SESSION_TRAINING = 1,
    RL_SESSION_TEST = 2,
    RL_SESSION_QUESTIONNAIRE = 3,
} rl_session_kind_t;

typedef enum {
    RL_CONTEXT_UNSPECIFIED = 0,
    RL_CONTEXT_TEST_TRIAL = 1,
    RL_CONTEXT_TRAINING_SET = 2,
} rl_sample_context_t;

typedef enum {
    RL_ACK_UNSPECIFIED = 0,
    RL_ACK_ACCEPTED = 1,
    RL_ACK_DUPLICATE = 2,
    RL_ACK_REJECTED = 3,
} rl_ack_status_t;

typedef enum {
    RL_REASON_NONE = 0,
    RL_REASON_MALFORMED = 1,
    RL_REASON_TOO_LARGE = 2,
    RL_REASON_UNSUPPORTED_VERSION = 3,
    RL_REASON_MISSING_FIELD = 4,
    RL_REASON_OUT_OF_RANGE = 5,
    RL_REASON_BAD_TIMESTAMP = 6,
    RL_REASON_UNKNOWN_PATIENT = 7,
    RL_REASON_NOT_ENROLLED = 8,
    RL_REASON_DEVICE_MISMATCH = 9,
    RL_REASON_UNKNOWN_DEVICE = 10,
    RL_REASON_INVALID = 11,
} rl_reason_t;

typedef struct {
    char device_model[RL_ID_MAX + 1];
    char firmware_version[RL_ID_MAX + 1];
    char sender_version[RL_ID_MAX + 1];
    uint64_t spool_depth;
} rl_hello_t;

typedef struct {
    uint64_t spool_depth;
    uint64_t spool_bytes;
    uint32_t oldest_unacked_s;
} rl_heartbeat_t;

typedef struct {
    rl_session_kind_t kind;
    char operator_code[RL_ID_MAX + 1];
} rl_session_start_t;

typedef struct {
    uint32_t duration_s;
    bool aborted;
} rl_session_end_t;

typedef struct {
    rl_direction_t direction;
    uint32_t trial;
    float rom_deg;
    float max_torque_nm;
    float angle_at_max_deg;
} rl_test_result_t;

typedef struct {
    rl_direction_t direction;
    uint32_t set_number;
    float load_nm;
    float load_pct_of_max;
    uint32_t repetitions;
    float range_min_deg;
    float range_max_deg;
    float time_under_tension_s;
} rl_training_set_t;

typedef struct {
    rl_direction_t direction;
    rl_sample_context_t context;
    uint32_t context_number;
    uint32_t sample_rate_hz;
    uint64_t first_index;
    size_t n_angle;   /* decoded length of angle_deg */
    size_t n_torque;  /* decoded length of torque_nm (validation checks equality) */
    float *angle_deg; /* owned */
    float *torque_nm; /* owned */
} rl_sample_batch_t;

typedef struct {
    uint32_t item;
    int32_t value;
    char label[RL_TEXT_MAX + 1];
} rl_item_answer_t;

typedef struct {
    char instrument[RL_ID_MAX + 1];
    char version[RL_ID_MAX + 1];
    char language[RL_ID_MAX + 1];
    size_t n_answers;
    rl_item_answer_t *answers; /* owned: n_answers of them (rl_msg_answers_alloc) */
} rl_questionnaire_t;

typedef struct {
    uint64_t boot_id;
    uint64_t seq;
    rl_ack_status_t status;
    rl_reason_t reason;
    char text[RL_TEXT_MAX + 1];
} rl_ack_t;

typedef struct {
    size_t n_acks;
    rl_ack_t *acks; /* owned */
} rl_ack_batch_t;

typedef struct {
    uint32_t protocol_version;
    char device_id[RL_ID_MAX + 1];
    uint64_t boot_id;
    uint64_t seq;
    int64_t taken_at_us;
    char session_id[RL_ID_MAX + 1];
    char patient_token[RL_ID_MAX + 1];
    rl_body_kind_t kind;
    union {
        rl_hello_t hello;
        rl_heartbeat_t heartbeat;
        rl_session_start_t session_start;
        rl_session_end_t session_end;
        rl_test_result_t test_result;
        rl_training_set_t training_set;
        rl_sample_batch_t sample_batch;
        rl_questionnaire_t questionnaire;
        rl_ack_batch_t acks;
    } u;
} rl_msg_t;

/* Zeroes *msg (protocol_version set to the current version). */
void rl_msg_init(rl_msg_t *msg);
/* Frees what *msg owns and zeroes it. Accepts an already cleared msg. */
void rl_msg_clear(rl_msg_t *msg);

/* Sample arrays: allocates both arrays for n samples (owned by msg). */
void rl_msg_samples_alloc(rl_msg_t *msg, size_t n);
/* Ack array: allocates n acks (owned by msg). */
void rl_msg_acks_alloc(rl_msg_t *msg, size_t n);
/* Questionnaire answers: allocates n of them, zeroed (owned by msg), and
 * makes msg a questionnaire (n_answers = n). Kept out of the message
 * itself so that a message is small to clear and copy: RL_ANSWERS_MAX
 * answers with their labels would be 17 KiB in every message. */
void rl_msg_answers_alloc(rl_msg_t *msg, size_t n);

/* Serialises msg. Caller owns *buf_p (free()). Returns 0, or -1 when msg
 * cannot be encoded (kind NONE, a string too long), with err filled. */
int rl_wire_encode(const rl_msg_t *msg, uint8_t **buf_p, size_t *len_p, rl_err_t *err)
    __attribute__((warn_unused_result));

/* Parses one Envelope into *msg (which it initialises; clear it after use,
 * also after a failure). Checks structure only: decodable, one body, every
 * string within its limit and of the allowed characters, array lengths
 * within limits. Physical ranges and required values are the collector's
 * validation. On failure returns -1 and sets *reason (MALFORMED,
 * TOO_LARGE, INVALID, or OUT_OF_RANGE for more than RL_SAMPLES_MAX samples)
 * and err; boot_id and seq are kept in *msg when they could be read. */
int rl_wire_decode(const uint8_t *buf, size_t len, rl_msg_t *msg, rl_reason_t *reason,
                   rl_err_t *err) __attribute__((warn_unused_result));

/* Reads the key of bytes that rl_wire_decode refused (MALFORMED,
 * TOO_LARGE): the top-level fields device_id (2), boot_id (3) and seq (4),
 * as far as the protobuf framing can be followed. true when boot_id and seq
 * were both found (non-zero); device_id[RL_ID_MAX + 1] gets the device id
 * when one was found and is a valid identifier, else "". Never reads past
 * len. */
bool rl_wire_peek_key(const uint8_t *buf, size_t len, uint64_t *boot_id, uint64_t *seq,
                      char *device_id);

/* Names for logs, SQL and JSON ("test_result", "rejected", "OUT_OF_RANGE";
 * directions: domain.h). Unknown values give "unspecified". */
const char *rl_body_kind_name(rl_body_kind_t kind);
rl_body_kind_t rl_body_kind_parse(const char *name);
const char *rl_ack_status_name(rl_ack_status_t status);
const char *rl_reason_name(rl_reason_t reason);
const char *rl_session_kind_name(rl_session_kind_t kind);
rl_session_kind_t rl_session_kind_parse(const char *name);
const char *rl_sample_context_name(rl_sample_context_t ctx);
rl_sample_context_t rl_sample_context_parse(const char *name);

#endif
