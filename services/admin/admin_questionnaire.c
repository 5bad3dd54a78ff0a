/* `ruglab questionnaire`: questionnaires entered by hand (paper forms),
 * scored by questionnaire.h and stored in meas.questionnaire_response with
 * source 'manual'; `list` shows them with their time points
 * (clinical.v_questionnaire), tablet responses included. */
#include "admin_util.h"

#include "ruglab/exitcode.h"
#include "ruglab/mem.h"
#include "ruglab/questionnaire.h"
#include "ruglab/registration.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab questionnaire add PATIENT --instrument NPRS|ODI|RMDQ|TSK-17|PSFS|NDI\n"
            "                                --date YYYY-MM-DD --answers ITEM=VALUE,...\n"
            "                                [--version V] [--language nl|fr|de|en]\n"
            "       ruglab questionnaire list PATIENT\n\n"
            "add   scores the answers by the instrument's published rules and stores the\n"
            "      response in the patient's programme whose dates contain --date (else the\n"
            "      running one, else the most recent; outside the programme's dates it is\n"
            "      kept but counted nowhere, and a warning says so). Answers as coded on\n"
            "      the form: NPRS 1=0..10; ODI sections 1-10 = 0..5; RMDQ items 1-24 = 1 (yes) or "
            "0 (no); TSK-17 items 1-17 =\n"
            "      1..4; PSFS activities 1-5 = 0..10; NDI sections 1-10 = 0..5. An answer\n"
            "      out of range is refused\n"
            "      naming the item. An incomplete TSK-17 is refused; another response\n"
            "      with too many missing answers (ODI, NDI: more than 2 sections, RMDQ:\n"
            "      any)\n"
            "      is stored without a score and says why. Version defaults: ODI 2.1a, RMDQ 24,\n"
            "      TSK-17 17, NPRS 11-point, PSFS 1, NDI 1991. A date in the future is\n"
            "      refused.\n"
            "      Prints the new response_id and the score (--json).\n"
            "list  the responses of the patient's programme with score, time point and\n"
            "      whether they lie within the programme's dates. Time points: per\n"
            "      instrument, the response nearest the start test (else the start date),\n"
            "      the mid test and, once ended, the end test (else the end date), within\n"
            "      14 days; start, mid and end on different days, in that order.\n");
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
    const char *patient, *answers_s;
    rl_questionnaire_in_t in; /* checked by registration.h, shared with the web */
    rl_q_answer_t *answers;   /* owned */
} s_add_opts_t;

/* Fills o; an RL_EXIT_* code. */
static int
s_add_parse(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, s_add_opts_t *o)
{
    rl_questionnaire_in_t *in = &o->in;
    const admin_opt_t opts[] = {
        {"--instrument", &in->instrument, NULL}, {"--date", &in->date, NULL},
        {"--answers", &o->answers_s, NULL},      {"--version", &in->version, NULL},
        {"--language", &in->language, NULL},     {NULL, NULL, NULL}};
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &o->patient) < 0 ||
        admin_require(cmd, "--instrument", in->instrument) < 0 ||
        admin_require(cmd, "--date", in->date) < 0 ||
        admin_require(cmd, "--answers", o->answers_s) < 0)
        return RL_EXIT_USAGE;
    rl_reg_err_t err;
    if (rl_questionnaire_check(in, &err) < 0)
        return admin_reg_fail(cmd, &err);
    if (s_parse_answers(cmd, o->answers_s, &o->answers, &in->n_answers) < 0)
        return RL_EXIT_FAIL;
    in->answers = o->answers;
    return RL_EXIT_OK;
}

static void
s_add_render(rl_cli_ctx_t *ctx, const s_add_opts_t *o, const rl_q_score_t *score,
             const char *enrolment, const char *response_id)
{
    if (rl_cli_json(ctx)) {
        json_t *j = json_object();
        json_object_set_new(j, "response_id", json_integer(strtoll(response_id, NULL, 10)));
        json_object_set_new(j, "enrolment_id", json_integer(strtoll(enrolment, NULL, 10)));
        json_object_set_new(j, "instrument", json_string(rl_instrument_db_code(o->in.inst)));
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

/* Scores, finds the enrolment of the date and stores (registration.h). */
static int
s_add(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "questionnaire add";
    s_add_opts_t o;
    memset(&o, 0, sizeof o);
    int rc = s_add_parse(ctx, cmd, argc, argv, &o);
    rl_q_score_t score;
    rl_reg_err_t err;
    char enrolment[32], response_id[32];
    if (rc != RL_EXIT_OK)
        goto out;
    if (rl_questionnaire_score_entry(&o.in, &score, &err) < 0) {
        rc = admin_reg_fail(cmd, &err);
        goto out;
    }
    if (admin_find_enrolment_on(ctx, cmd, &rc, o.patient, o.in.date, enrolment) < 0)
        goto out;
    if (rl_questionnaire_store(ctx->conn, &o.in, enrolment, &score, response_id, &err) < 0) {
        rc = admin_reg_fail(cmd, &err);
        goto out;
    }
    admin_warn_outside(ctx, cmd, enrolment, o.in.date, "the questionnaire");
    s_add_render(ctx, &o, &score, enrolment, response_id);
out:
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
