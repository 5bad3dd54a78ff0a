/* `ruglab questionnaire`: questionnaires entered by hand (paper forms),
 * scored by questionnaire.h and stored in meas.questionnaire_response with
 * source 'manual'; `list` shows them with their time points
 * (clinical.v_questionnaire), tablet responses included. */
#include "admin_util.h"

#include "ruglab/audit.h"
#include "ruglab/exitcode.h"
#include "ruglab/mem.h"
#include "ruglab/questionnaire.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab questionnaire add PATIENT --instrument NPRS|ODI|RMDQ|TSK-17|PSFS\n"
            "                                --date YYYY-MM-DD --answers ITEM=VALUE,...\n"
            "                                [--version V] [--language nl|fr|de|en]\n"
            "       ruglab questionnaire list PATIENT\n\n"
            "add   scores the answers by the instrument's published rules and stores the\n"
            "      response in the patient's programme whose dates contain --date (else the\n"
            "      running one, else the most recent; outside the programme's dates it is\n"
            "      kept but counted nowhere, and a warning says so). Answers as coded on\n"
            "      the form: NPRS 1=0..10; ODI sections 1-10 = 0..5; RMDQ items 1-24 = 1 (yes) or "
            "0 (no); TSK-17 items 1-17 =\n"
            "      1..4; PSFS activities 1-5 = 0..10. An answer out of range is refused\n"
            "      naming the item. An incomplete TSK-17 is refused; another response\n"
            "      with too many missing answers (ODI: more than 2 sections, RMDQ: any)\n"
            "      is stored without a score and says why. Version defaults: ODI 2.1a, RMDQ 24,\n"
            "      TSK-17 17, NPRS 11-point, PSFS 1. A date in the future is refused.\n"
            "      Prints the new response_id and the score (--json).\n"
            "list  the responses of the patient's programme with score, time point and\n"
            "      whether they lie within the programme's dates. Time points: per\n"
            "      instrument, the response nearest the start test (else the start date),\n"
            "      the mid test and, once ended, the end test (else the end date), within\n"
            "      14 days; start, mid and end on different days, in that order.\n");
}

static const char *
s_default_version(rl_instrument_t i)
{
    static const char *v[] = {"11-point", "2.1a", "24", "17", "1"};
    return v[i];
}

/* "1=3,2=4" -> answers; -1 after printing what is wrong. */
static int
s_parse_answers(const char *cmd, const char *s, rl_q_answer_t **out, size_t *n)
{
    size_t cap = 8, k = 0;
    rl_q_answer_t *a = rl_calloc(cap, sizeof *a);
    char *copy = rl_strdup(s), *save = NULL;
    int r = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && r == 0; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        char *eq = strchr(tok, '='), *end1 = NULL, *end2 = NULL;
        errno = 0;
        long item = eq ? strtol(tok, &end1, 10) : 0;
        long value = 0;
        if (eq) {
            const char *v = eq + 1;
            if (!strcmp(v, "yes") || !strcmp(v, "y")) {
                value = 1;
                end2 = (char *)v + strlen(v);
            } else if (!strcmp(v, "no") || !strcmp(v, "n")) {
                value = 0;
                end2 = (char *)v + strlen(v);
            } else {
                value = strtol(v, &end2, 10);
                if (end2 == v)
                    end2 = NULL;
            }
        }
        if (!eq || end1 != eq || !end2 || *end2 || errno || item < 1 || item > 1000 ||
            value < -1000 || value > 1000) {
            rl_cli_fail("%s: --answers: '%s' is not ITEM=VALUE (e.g. 3=2)", cmd, tok);
            r = -1;
            break;
        }
        if (k == cap) {
            cap *= 2;
            a = rl_realloc(a, cap * sizeof *a);
        }
        a[k].item = (int)item;
        a[k].value = (int)value;
        k++;
    }
    free(copy);
    if (r == 0 && k == 0) {
        rl_cli_fail("%s: --answers: no answers given", cmd);
        r = -1;
    }
    if (r < 0) {
        free(a);
        return -1;
    }
    *out = a;
    *n = k;
    return 0;
}

/* `questionnaire add`, as the command line gives it. */
typedef struct {
    const char *patient, *instrument, *date_s, *answers_s, *version, *language;
    rl_instrument_t inst;
    rl_date_t date;
    rl_q_answer_t *answers; /* owned */
    size_t n;
} s_add_opts_t;

/* Fills o; an RL_EXIT_* code. */
static int
s_add_parse(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, s_add_opts_t *o)
{
    const admin_opt_t opts[] = {
        {"--instrument", &o->instrument, NULL}, {"--date", &o->date_s, NULL},
        {"--answers", &o->answers_s, NULL},     {"--version", &o->version, NULL},
        {"--language", &o->language, NULL},     {NULL, NULL, NULL}};
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &o->patient) < 0 ||
        admin_require(cmd, "--instrument", o->instrument) < 0 ||
        admin_require(cmd, "--date", o->date_s) < 0 ||
        admin_require(cmd, "--answers", o->answers_s) < 0)
        return RL_EXIT_USAGE;
    const char *lang = o->language;
    if (lang && strcmp(lang, "nl") && strcmp(lang, "fr") && strcmp(lang, "de") &&
        strcmp(lang, "en")) {
        rl_cli_fail("%s: --language must be nl, fr, de or en", cmd);
        return RL_EXIT_FAIL;
    }
    rl_err_t err;
    if (rl_instrument_parse(o->instrument, &o->inst, &err) < 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        return RL_EXIT_FAIL;
    }
    if (!o->version)
        o->version = s_default_version(o->inst);
    if (strlen(o->version) > 20) {
        rl_cli_fail("%s: --version is longer than 20 characters", cmd);
        return RL_EXIT_FAIL;
    }
    if (admin_parse_date(cmd, "--date", o->date_s, &o->date) < 0 ||
        s_parse_answers(cmd, o->answers_s, &o->answers, &o->n) < 0)
        return RL_EXIT_FAIL;
    return RL_EXIT_OK;
}

/* Scores the answers. The tablet may send an incomplete TSK-17 (stored
 * unscored); a paper form typed in by hand is refused so that the missing
 * items are looked up on the form. */
static int
s_score(const char *cmd, const s_add_opts_t *o, rl_q_score_t *score)
{
    rl_err_t err;
    if (rl_questionnaire_score(o->instrument, o->version, o->answers, o->n, score, &err) < 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        return -1;
    }
    if (o->inst == RL_INSTRUMENT_TSK17 && !score->scorable) {
        rl_cli_fail("%s: refused: %s", cmd, score->reason);
        return -1;
    }
    return 0;
}

/* Stores the response in the enrolment of its date; fills enrolment[32]
 * and response_id[32]. */
static int
s_store(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const s_add_opts_t *o,
        const rl_q_score_t *score, char enrolment[32], char response_id[32])
{
    if (admin_refuse_future(ctx, cmd, rc, "questionnaire", o->date_s, o->date) < 0 ||
        admin_find_enrolment_on(ctx, cmd, rc, o->patient, o->date_s, enrolment) < 0)
        return -1;
    json_t *arr = json_array();
    for (size_t i = 0; i < o->n; i++)
        json_array_append_new(
            arr, json_pack("{s:i, s:i}", "item", o->answers[i].item, "value", o->answers[i].value));
    char *json = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    char score_s[32];
    snprintf(score_s, sizeof score_s, "%.2f", score->score);
    /* noon in Brussels: the form carries a day, not a time */
    const char *p[8] = {
        enrolment,   o->date_s, rl_instrument_db_code(o->inst),   o->version,
        o->language, json,      score->scorable ? score_s : NULL, rl_audit_reader()};
    int f = admin_lookup_id(ctx, cmd, rc, "storing the response",
                            "INSERT INTO meas.questionnaire_response (source, taken_at, "
                            "enrolment_id, instrument, version, language, answers, score, "
                            "entered_by) VALUES ('manual', ($2::date + time '12:00') AT TIME "
                            "ZONE 'Europe/Brussels', $1::bigint, $3, $4, $5, $6::jsonb, "
                            "$7::numeric, $8) RETURNING response_id",
                            8, p, response_id);
    free(json);
    if (f <= 0)
        return -1;
    admin_warn_outside(ctx, cmd, enrolment, o->date_s, "the questionnaire");
    return 0;
}

static void
s_add_render(rl_cli_ctx_t *ctx, const s_add_opts_t *o, const rl_q_score_t *score,
             const char *enrolment, const char *response_id)
{
    if (rl_cli_json(ctx)) {
        json_t *j = json_object();
        json_object_set_new(j, "response_id", json_integer(strtoll(response_id, NULL, 10)));
        json_object_set_new(j, "enrolment_id", json_integer(strtoll(enrolment, NULL, 10)));
        json_object_set_new(j, "instrument", json_string(rl_instrument_db_code(o->inst)));
        json_object_set_new(j, "score", score->scorable ? json_real(score->score) : json_null());
        json_object_set_new(j, "unit", json_string(score->unit));
        json_object_set_new(j, "band", json_string(rl_questionnaire_band_code(score->band)));
        json_object_set_new(j, "not_scorable_reason",
                            score->scorable ? json_null() : json_string(score->reason));
        admin_json_print(j);
    } else if (score->scorable) {
        bool band = score->band != RL_Q_BAND_NONE;
        printf("questionnaire stored: response_id %s, %s score %g %s%s%s\n", response_id,
               score->code, score->score, score->unit, band ? ", " : "",
               band ? rl_questionnaire_band_label(score->band, "en") : "");
    } else {
        printf("questionnaire stored without a score: response_id %s (%s)\n", response_id,
               score->reason);
    }
}

static int
s_add(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "questionnaire add";
    s_add_opts_t o = {0};
    int rc = s_add_parse(ctx, cmd, argc, argv, &o);
    if (rc == RL_EXIT_OK) {
        rl_q_score_t score;
        char enrolment[32], response_id[32];
        if (s_score(cmd, &o, &score) < 0)
            rc = RL_EXIT_FAIL;
        else if (s_store(ctx, cmd, &rc, &o, &score, enrolment, response_id) == 0)
            s_add_render(ctx, &o, &score, enrolment, response_id);
    }
    free(o.answers);
    return rc;
}

static int
s_list(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_list_enrolment(ctx, "questionnaire list", argc, argv, "listing the questionnaires",
                                "SELECT response_id, taken_date, instrument, version, score, "
                                "timepoint, source, in_programme FROM clinical.v_questionnaire "
                                "WHERE enrolment_id = $1::bigint ORDER BY instrument, taken_at, "
                                "response_id",
                                "response_id,score");
}

static const rl_cli_command_t s_subs[] = {
    {"add", "score and store a paper questionnaire", s_add},
    {"list", "the responses of the patient's programme", s_list},
};

static const admin_group_t s_group = {"questionnaire", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_questionnaire_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
