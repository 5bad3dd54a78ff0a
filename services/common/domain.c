/* The domain vocabulary's text forms (see domain.h). */
#include "ruglab/domain.h"

#include <assert.h>
#include <string.h>
#include <strings.h>

#define S_LEN(table) (sizeof(table) / sizeof(table)[0])

bool
rl_id_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok || n >= RL_ID_MAX)
            return false;
    }
    return n > 0;
}

static const char *const s_dir_names[RL_DIR_COUNT] = {
    "unspecified",           "extension",     "flexion",        "lateral_flexion_left",
    "lateral_flexion_right", "rotation_left", "rotation_right",
};

const char *
rl_direction_name(rl_direction_t dir)
{
    return (unsigned)dir < RL_DIR_COUNT ? s_dir_names[dir] : s_dir_names[0];
}

int
rl_direction_parse(const char *name, rl_direction_t *out, rl_err_t *err)
{
    assert(out);
    for (int i = RL_DIR_FIRST; name && i < RL_DIR_COUNT; i++) {
        if (strcmp(name, s_dir_names[i]) == 0) {
            *out = (rl_direction_t)i;
            return 0;
        }
    }
    return rl_err_set(err, "unknown movement direction '%.40s'", name ? name : "(none)");
}

static const char *const s_region_names[RL_REGION_COUNT] = {"lumbar", "cervical"};

const char *
rl_body_region_name(rl_body_region_t region)
{
    return (unsigned)region < RL_REGION_COUNT ? s_region_names[region] : s_region_names[0];
}

int
rl_body_region_parse(const char *name, rl_body_region_t *out, rl_err_t *err)
{
    assert(out);
    for (int i = 0; name && i < RL_REGION_COUNT; i++) {
        if (strcmp(name, s_region_names[i]) == 0) {
            *out = (rl_body_region_t)i;
            return 0;
        }
    }
    return rl_err_set(err, "unknown body region '%.40s' (lumbar or cervical)",
                      name ? name : "(none)");
}

static const char *const s_tp_names[RL_TP_COUNT] = {"none", "start", "mid", "end"};

const char *
rl_timepoint_name(rl_timepoint_t tp)
{
    return (unsigned)tp < RL_TP_COUNT ? s_tp_names[tp] : s_tp_names[0];
}

int
rl_timepoint_parse(const char *name, rl_timepoint_t *out, rl_err_t *err)
{
    assert(out);
    for (int i = RL_TP_START; name && i < RL_TP_COUNT; i++) {
        if (strcmp(name, s_tp_names[i]) == 0) {
            *out = (rl_timepoint_t)i;
            return 0;
        }
    }
    return rl_err_set(err, "unknown time point '%.40s' (start, mid or end)",
                      name ? name : "(none)");
}

static const struct {
    const char *code;
    const char *alias;
    const char *db_code;
} s_instruments[RL_INSTRUMENT_COUNT] = {
    [RL_INSTRUMENT_NPRS] = {"NPRS", NULL, "NPRS"},
    [RL_INSTRUMENT_ODI] = {"ODI", NULL, "ODI"},
    [RL_INSTRUMENT_RMDQ] = {"RMDQ", "RMDQ-24", "RMDQ"},
    [RL_INSTRUMENT_TSK17] = {"TSK-17", "TSK17", "TSK"},
    [RL_INSTRUMENT_PSFS] = {"PSFS", NULL, "PSFS"},
    [RL_INSTRUMENT_NDI] = {"NDI", NULL, "NDI"},
};

const char *
rl_instrument_code(rl_instrument_t instrument)
{
    assert((unsigned)instrument < RL_INSTRUMENT_COUNT);
    return s_instruments[instrument].code;
}

const char *
rl_instrument_db_code(rl_instrument_t instrument)
{
    assert((unsigned)instrument < RL_INSTRUMENT_COUNT);
    return s_instruments[instrument].db_code;
}

int
rl_instrument_from_db(const char *db_code, rl_instrument_t *out, rl_err_t *err)
{
    assert(out);
    for (size_t i = 0; db_code && i < S_LEN(s_instruments); i++) {
        if (strcmp(db_code, s_instruments[i].db_code) == 0) {
            *out = (rl_instrument_t)i;
            return 0;
        }
    }
    return rl_err_set(err, "unknown stored instrument code '%.40s'", db_code ? db_code : "(none)");
}

const char *
rl_instrument_code_of_db(const char *db_code)
{
    rl_instrument_t in;
    return rl_instrument_from_db(db_code, &in, NULL) == 0 ? rl_instrument_code(in) : db_code;
}

int
rl_instrument_parse(const char *code, rl_instrument_t *out, rl_err_t *err)
{
    assert(out);
    for (size_t i = 0; code && i < S_LEN(s_instruments); i++) {
        if (strcasecmp(code, s_instruments[i].code) == 0 ||
            (s_instruments[i].alias && strcasecmp(code, s_instruments[i].alias) == 0)) {
            *out = (rl_instrument_t)i;
            return 0;
        }
    }
    return rl_err_set(err, "unknown instrument '%.40s' (known: NPRS, ODI, RMDQ, TSK-17, PSFS, NDI)",
                      code ? code : "(none)");
}
