/* Measurements as JSON: the format of the jsonl driver (one object per
 * line on stdin) and of the file-drop driver's export files, and what
 * `ruglab-agent --dry-run` prints. One object is one measurement:
 *
 *   {"type": "test_result", "session_id": "s1", "patient_token": "RB-0001",
 *    "taken_at": "2026-11-23T10:00:00Z", "direction": "extension",
 *    "trial": 1, "rom_deg": 40, "max_torque_nm": 150, "angle_at_max_deg": 10}
 *
 * Common fields (every type): type, session_id, patient_token, and
 * taken_at (RFC 3339: "2026-11-23T10:00:00Z", "2026-11-23T11:00:00.250+01:00")
 * or taken_at_us (microseconds since the epoch). Per type (names as in
 * proto/ruglab.proto; * = required):
 *   session_start  kind* (training|test|questionnaire), operator_code
 *   session_end    duration_s, aborted (true/false)
 *   test_result    direction*, trial*, rom_deg, max_torque_nm, angle_at_max_deg
 *   training_set   direction*, set_number*, load_nm, load_pct_of_max, repetitions,
 *                  range_min_deg, range_max_deg, time_under_tension_s
 *   sample_batch   direction*, context* (test_trial|training_set), context_number,
 *                  sample_rate_hz*, first_index, angle_deg* [..], torque_nm* [..]
 *                  (arrays of numbers, the same length, 1..10000)
 *   questionnaire  instrument*, version*, language,
 *                  answers [{"item": 1, "value": 3, "label": "..."}, ...]
 * Directions: extension, flexion, lateral_flexion_left, lateral_flexion_right,
 * rotation_left, rotation_right. An unknown field is an error (it is most
 * likely a typo). Physical ranges are checked by the collector, which keeps
 * what it rejects. Pure functions; thread-safe. */
#ifndef AGENT_JSON_H
#define AGENT_JSON_H

#include "ruglab/err.h"
#include "ruglab/wire.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Converts one measurement object into *msg (initialised here; clear it
 * after use, also after a failure). err names the field that is wrong. */
int agent_json_to_msg(const json_t *obj, rl_msg_t *msg, rl_err_t *err)
    __attribute__((warn_unused_result));

/* Parses one line of text holding one measurement object. */
int agent_json_parse_line(const char *line, size_t len, rl_msg_t *msg, rl_err_t *err)
    __attribute__((warn_unused_result));

/* Parses a whole export file (the file-drop format: one measurement object
 * or an array of them) held in buf. All or nothing: returns 0 with
 * *msgs_p (caller owns the array and clears each message) and *n_p, or
 * -1 with why filled ("line 2, column 7: not valid JSON: ..." or
 * "measurement 2 of 5: field 'rom_deg': expected a number"). */
int agent_json_parse_document(const char *buf, size_t len, rl_msg_t **msgs_p, size_t *n_p,
                              char *why, size_t why_len) __attribute__((warn_unused_result));

/* The measurement as one JSON object (the inverse of agent_json_to_msg,
 * with taken_at_us). Caller owns the result (json_decref). */
json_t *agent_json_from_msg(const rl_msg_t *msg);

/* RFC 3339 date-time to microseconds since the epoch. */
int agent_json_parse_time(const char *s, int64_t *us, rl_err_t *err)
    __attribute__((warn_unused_result));
/* Microseconds since the epoch as "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
void agent_json_format_time(int64_t us, char buf[32]);

#endif
