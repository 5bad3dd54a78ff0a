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

static int
s_add(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "questionnaire add";
    const char *instrument = NULL, *date_s = NULL, *answers_s = NULL, *version = NULL,
               *language = NULL;
    const admin_opt_t opts[] = {{"--instrument", &instrument, NULL}, {"--date", &date_s, NULL},
                                {"--answers", &answers_s, NULL},     {"--version", &version, NULL},
                                {"--language", &language, NULL},     {NULL, NULL, NULL}};
    const char *patient = NULL;
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    if (admin_require(cmd, "--instrument", instrument) < 0 ||
        admin_require(cmd, "--date", date_s) < 0 || admin_require(cmd, "--answers", answers_s) < 0)
        return RL_EXIT_USAGE;
    if (language && strcmp(language, "nl") && strcmp(language, "fr") && strcmp(language, "de") &&
        strcmp(language, "en")) {
        rl_cli_fail("%s: --language must be nl, fr, de or en", cmd);
        return RL_EXIT_FAIL;
    }
    rl_instrument_t inst;
    rl_err_t err;
    if (rl_instrument_parse(instrument, &inst, &err) < 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        return RL_EXIT_FAIL;
    }
    if (!version)
        version = s_default_version(inst);
    if (strlen(version) > 20) {
        rl_cli_fail("%s: --version is longer than 20 characters", cmd);
        return RL_EXIT_FAIL;
    }
    rl_date_t date, today;
    if (admin_parse_date(cmd, "--date", date_s, &date) < 0)
        return RL_EXIT_FAIL;
    rl_q_answer_t *answers = NULL;
    size_t n = 0;
    if (s_parse_answers(cmd, answers_s, &answers, &n) < 0)
        return RL_EXIT_FAIL;
    int rc = RL_EXIT_OK;
    char *json = NULL;
    rl_q_score_t score;
    if (rl_questionnaire_score(instrument, version, answers, n, &score, &err) < 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        rc = RL_EXIT_FAIL;
        goto out;
    }
    /* the tablet may send an incomplete TSK-17 (stored unscored); a paper
     * form typed in by hand is refused so that the missing items are
     * looked up on the form */
    if (inst == RL_INSTRUMENT_TSK17 && !score.scorable) {
        rl_cli_fail("%s: refused: %s", cmd, score.reason);
        rc = RL_EXIT_FAIL;
        goto out;
    }
    if (admin_today(ctx, cmd, &rc, &today) < 0)
        goto out;
    if (rl_date_compare(date, today) > 0) {
        char buf[RL_DATE_STR_SIZE];
        rl_cli_fail("%s: the questionnaire date %s is in the future (today is %s)", cmd, date_s,
                    rl_date_format(today, buf));
        rc = RL_EXIT_FAIL;
        goto out;
    }
    char enrolment[32];
    if (admin_find_enrolment_on(ctx, cmd, &rc, patient, date_s, enrolment) < 0)
        goto out;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            arr, json_pack("{s:i, s:i}", "item", answers[i].item, "value", answers[i].value));
    json = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    char score_s[32];
    snprintf(score_s, sizeof score_s, "%.2f", score.score);
    /* noon in Brussels: the form carries a day, not a time */
    const char *p[8] = {enrolment, date_s, rl_instrument_db_code(inst),     version,
                        language,  json,   score.scorable ? score_s : NULL, rl_audit_reader()};
    char response_id[32];
    if (admin_lookup_id(ctx, cmd, &rc, "storing the response",
                        "INSERT INTO meas.questionnaire_response (source, taken_at, enrolment_id, "
                        "instrument, version, language, answers, score, entered_by) "
                        "VALUES ('manual', ($2::date + time '12:00') AT TIME ZONE "
                        "'Europe/Brussels', $1::bigint, $3, $4, $5, $6::jsonb, $7::numeric, $8) "
                        "RETURNING response_id",
                        8, p, response_id) <= 0)
        goto out;
    admin_warn_outside(ctx, cmd, enrolment, date_s, "the questionnaire");
    if (rl_cli_json(ctx)) {
        json_t *o = json_object();
        json_object_set_new(o, "response_id", json_integer(strtoll(response_id, NULL, 10)));
        json_object_set_new(o, "enrolment_id", json_integer(strtoll(enrolment, NULL, 10)));
        json_object_set_new(o, "instrument", json_string(rl_instrument_db_code(inst)));
        json_object_set_new(o, "score", score.scorable ? json_real(score.score) : json_null());
        json_object_set_new(o, "unit", json_string(score.unit));
        json_object_set_new(o, "band", json_string(rl_questionnaire_band_code(score.band)));
        json_object_set_new(o, "not_scorable_reason",
                            score.scorable ? json_null() : json_string(score.reason));
        admin_json_print(o);
    } else if (score.scorable) {
        printf("questionnaire stored: response_id %s, %s score %g %s%s%s\n", response_id,
               score.code, score.score, score.unit, score.band != RL_Q_BAND_NONE ? ", " : "",
               score.band != RL_Q_BAND_NONE ? rl_questionnaire_band_label(score.band, "en") : "");
    } else {
        printf("questionnaire stored without a score: response_id %s (%s)\n", response_id,
               score.reason);
    }
    rc = RL_EXIT_OK;
out:
    free(json);
    free(answers);
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

int
admin_questionnaire_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    static const rl_cli_command_t subs[] = {
        {"add", "score and store a paper questionnaire", s_add},
        {"list", "the responses of the patient's programme", s_list},
    };
    static const admin_group_t group = {"questionnaire", s_usage, subs, ADMIN_N_SUBS(subs)};
    return admin_dispatch(ctx, &group, argc, argv);
}
