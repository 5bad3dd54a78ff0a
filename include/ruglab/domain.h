/* The domain vocabulary every ruglab program speaks: movement directions,
 * test time points, questionnaire instruments and identifiers, with their
 * text forms (the names stored in the database, shown in the CLIs and used
 * by the agent's JSON). One enum per notion: wire.c alone translates the
 * protobuf enums of proto/ruglab.proto to these, and the values of
 * rl_direction_t are the proto's Direction numbers.
 *
 * Pure functions and constant tables; thread-safe. */
#ifndef RUGLAB_DOMAIN_H
#define RUGLAB_DOMAIN_H

#include <stdbool.h>

#include "ruglab/err.h"

/* ---- identifiers: device id, session id, patient (badge) token, codes ---- */

/* An identifier is 1 to RL_ID_MAX bytes of [A-Za-z0-9._-]. */
#define RL_ID_MAX 64

bool rl_id_valid(const char *s);

/* ---- movement directions of the device tests and training ---- */

typedef enum {
    RL_DIR_UNSPECIFIED = 0,
    RL_DIR_EXTENSION = 1,
    RL_DIR_FLEXION = 2,
    RL_DIR_LATERAL_FLEXION_LEFT = 3,
    RL_DIR_LATERAL_FLEXION_RIGHT = 4,
    RL_DIR_ROTATION_LEFT = 5,
    RL_DIR_ROTATION_RIGHT = 6,
} rl_direction_t;
/* Arrays indexed by direction have RL_DIR_COUNT slots; the real directions
 * are RL_DIR_FIRST .. RL_DIR_COUNT - 1 (slot 0, unspecified, stays unused). */
#define RL_DIR_COUNT 7
#define RL_DIR_FIRST RL_DIR_EXTENSION

/* "extension", "flexion", "lateral_flexion_left", "lateral_flexion_right",
 * "rotation_left", "rotation_right"; "unspecified" for anything else. */
const char *rl_direction_name(rl_direction_t dir);

/* One of the six names above (exact); error for anything else, including
 * "unspecified". */
int rl_direction_parse(const char *name, rl_direction_t *out, rl_err_t *err)
    __attribute__((warn_unused_result));

/* ---- body regions of the devices and programmes ---- */

/* A device model tests and trains one body region, a programme template
 * counts the values of one (migration 704): the lumbar back devices and
 * programmes, the cervical ones of the neck school. Cervical and lumbar
 * values are never compared or mixed. */
typedef enum {
    RL_REGION_LUMBAR,
    RL_REGION_CERVICAL,
} rl_body_region_t;
#define RL_REGION_COUNT 2

/* "lumbar", "cervical" (clinical.device_model.body_region). */
const char *rl_body_region_name(rl_body_region_t region);
/* One of the two names (exact); error for anything else. */
int rl_body_region_parse(const char *name, rl_body_region_t *out, rl_err_t *err)
    __attribute__((warn_unused_result));

/* ---- time points of the device tests ---- */

typedef enum {
    RL_TP_NONE,
    RL_TP_START,
    RL_TP_MID,
    RL_TP_END,
} rl_timepoint_t;
#define RL_TP_COUNT 4

/* "none", "start", "mid", "end". */
const char *rl_timepoint_name(rl_timepoint_t tp);

/* "start", "mid" or "end" (exact); error for anything else. */
int rl_timepoint_parse(const char *name, rl_timepoint_t *out, rl_err_t *err)
    __attribute__((warn_unused_result));

/* ---- questionnaire instruments (scoring: questionnaire.h) ---- */

typedef enum {
    RL_INSTRUMENT_NPRS,
    RL_INSTRUMENT_ODI,
    RL_INSTRUMENT_RMDQ,
    RL_INSTRUMENT_TSK17,
    RL_INSTRUMENT_PSFS,
    RL_INSTRUMENT_NDI,
} rl_instrument_t;
#define RL_INSTRUMENT_COUNT 6

/* The canonical code: "NPRS", "ODI", "RMDQ", "TSK-17", "PSFS", "NDI". */
const char *rl_instrument_code(rl_instrument_t instrument);

/* The code stored in the database and sent on the wire: "NPRS", "ODI",
 * "RMDQ", "TSK", "PSFS", "NDI". */
const char *rl_instrument_db_code(rl_instrument_t instrument);

/* The instrument of a stored code (exact, as rl_instrument_db_code gives
 * it); error for anything else. */
int rl_instrument_from_db(const char *db_code, rl_instrument_t *out, rl_err_t *err)
    __attribute__((warn_unused_result));

/* The canonical code of a stored code ("TSK" -> "TSK-17"); a code that is
 * not a stored one is returned as it is. */
const char *rl_instrument_code_of_db(const char *db_code);

/* Looks an instrument up by code, case-insensitive; "RMDQ-24" and "TSK17"
 * are accepted as aliases. */
int rl_instrument_parse(const char *code, rl_instrument_t *out, rl_err_t *err)
    __attribute__((warn_unused_result));

#endif
