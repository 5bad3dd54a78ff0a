/* `ruglab homeprog`: the home programme (issue 17, deploy/sql/703): the
 * catalogue's exercises given to the patient's programme with variant and
 * dose, changed and stopped (every step a new row: the history is kept),
 * through homeprog.h (shared with the web and the handout); and `ruglab
 * session exercises`: the exercises done in a session. */
#include "admin_util.h"

#include "ruglab/exitcode.h"
#include "ruglab/homeprog.h"

#include <stdio.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab homeprog assign PATIENT --exercise CODE [--variant V]\n"
            "                              (--reps N --sets N | --hold SECONDS) --per-week N\n"
            "       ruglab homeprog change PATIENT --exercise CODE [--variant V]\n"
            "                              (--reps N --sets N | --hold SECONDS) --per-week N\n"
            "       ruglab homeprog stop PATIENT --exercise CODE\n"
            "       ruglab homeprog show PATIENT [--history]\n"
            "       ruglab homeprog done PATIENT\n\n"
            "assign  gives an exercise of the catalogue (`ruglab exercise list`) to the\n"
            "        patient's programme (running, else the most recent): the variant\n"
            "        (`ruglab exercise show CODE`; none: as described), the dose\n"
            "        (repetitions 1-%d and sets 1-%d, or a hold time of 1-%d seconds)\n"
            "        and how often a week (1-%d).\n"
            "change  the exercise's new prescription, whole (a variant left out: as\n"
            "        described).\n"
            "stop    takes the exercise out of the home programme.\n"
            "        Every assign, change and stop is a new row: who (the OS user) and\n"
            "        when are kept. A retired exercise or variant is refused. Prints the\n"
            "        new home_exercise_id (--json: {\"home_exercise_id\": N}).\n"
            "show    the current home programme; --history: every row, oldest first.\n"
            "done    the exercises done per session (`ruglab session exercises`).\n",
            RL_HP_REPS_MAX, RL_HP_SETS_MAX, RL_HP_HOLD_MAX, RL_HP_PER_WEEK_MAX);
}

static int
s_set(rl_cli_ctx_t *ctx, int argc, char **argv, rl_hp_action_t action)
{
    char cmd[32];
    snprintf(cmd, sizeof cmd, "homeprog %s", argv[1]);
    const char *patient = NULL;
    rl_homeprog_in_t in = {0};
    const admin_opt_t opts[] = {{"--exercise", &in.exercise, NULL},
                                {"--variant", &in.variant, NULL},
                                {"--reps", &in.reps, NULL},
                                {"--sets", &in.sets, NULL},
                                {"--hold", &in.hold, NULL},
                                {"--per-week", &in.per_week, NULL},
                                {NULL, NULL, NULL}};
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    rl_reg_err_t err;
    rl_homeprog_dose_t dose;
    if (rl_homeprog_check(&in, &dose, &err) < 0)
        return admin_reg_fail(cmd, &err);
    int rc;
    char enrolment[32], id[32];
    if (admin_find_enrolment(ctx, cmd, &rc, patient, true, enrolment) < 0)
        return rc;
    if (rl_homeprog_set(ctx->conn, enrolment, action, &in, id, &err) < 0)
        return admin_reg_fail(cmd, &err);
    if (rl_cli_json(ctx))
        admin_print_added(ctx, "home exercise", "home_exercise_id", id, NULL, NULL);
    else
        printf("home programme %s: home_exercise_id %s, enrolment %s, %s\n",
               action == RL_HP_ASSIGN ? "assigned" : "changed", id, enrolment, in.exercise);
    return RL_EXIT_OK;
}

static int
s_assign(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return s_set(ctx, argc, argv, RL_HP_ASSIGN);
}

static int
s_change(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return s_set(ctx, argc, argv, RL_HP_CHANGE);
}

static int
s_stop(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "homeprog stop", *patient = NULL, *exercise = NULL;
    const admin_opt_t opts[] = {{"--exercise", &exercise, NULL}, {NULL, NULL, NULL}};
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    if (admin_require(cmd, "--exercise", exercise) < 0)
        return RL_EXIT_USAGE;
    int rc;
    char enrolment[32], id[32];
    if (admin_find_enrolment(ctx, cmd, &rc, patient, true, enrolment) < 0)
        return rc;
    rl_reg_err_t err;
    if (rl_homeprog_stop(ctx->conn, enrolment, exercise, id, &err) < 0)
        return admin_reg_fail(cmd, &err);
    if (rl_cli_json(ctx))
        admin_print_added(ctx, "home exercise", "home_exercise_id", id, NULL, NULL);
    else
        printf("home programme stopped: home_exercise_id %s, enrolment %s, %s\n", id, enrolment,
               exercise);
    return RL_EXIT_OK;
}

#define S_NUMERIC "level,repetitions,sets,hold_seconds,per_week,home_exercise_id"

/* Prints res (admin_print_rows) or err; an RL_EXIT_* code. */
static int
s_print(rl_cli_ctx_t *ctx, const char *cmd, PGresult *res, const rl_reg_err_t *err,
        const char *numeric_cols)
{
    if (!res)
        return admin_reg_fail(cmd, err);
    admin_print_rows(ctx, res, numeric_cols);
    PQclear(res);
    return RL_EXIT_OK;
}

static int
s_show(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "homeprog show";
    bool history = false;
    const admin_opt_t opts[] = {{"--history", NULL, &history}, {NULL, NULL, NULL}};
    int rc = RL_EXIT_OK;
    char enrolment[32];
    if (admin_parse_enrolment(ctx, cmd, argc, argv, opts, &rc, enrolment) < 0)
        return rc;
    rl_reg_err_t err;
    PGresult *res = rl_homeprog_fetch(ctx->conn, enrolment, history, &err);
    return s_print(ctx, cmd, res, &err, S_NUMERIC);
}

static int
s_done(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "homeprog done";
    const admin_opt_t opts[] = {{NULL, NULL, NULL}};
    int rc = RL_EXIT_OK;
    char enrolment[32];
    if (admin_parse_enrolment(ctx, cmd, argc, argv, opts, &rc, enrolment) < 0)
        return rc;
    rl_reg_err_t err;
    PGresult *res = rl_homeprog_fetch_done(ctx->conn, enrolment, &err);
    return s_print(ctx, cmd, res, &err, "session_number,level");
}

int
admin_session_exercises(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "session exercises", *patient = NULL, *session = NULL, *done = NULL;
    const admin_opt_t opts[] = {
        {"--session", &session, NULL}, {"--done", &done, NULL}, {NULL, NULL, NULL}};
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    if (admin_require(cmd, "--session", session) < 0 || admin_require(cmd, "--done", done) < 0)
        return RL_EXIT_USAGE;
    rl_reg_err_t err;
    rl_homeprog_done_t items[RL_HP_DONE_MAX];
    size_t n;
    if (rl_homeprog_parse_done(done, items, &n, &err) < 0)
        return admin_reg_fail(cmd, &err);
    int rc;
    char enrolment[32];
    if (admin_find_enrolment(ctx, cmd, &rc, patient, true, enrolment) < 0)
        return rc;
    if (rl_homeprog_record_done(ctx->conn, enrolment, session, items, n, &err) < 0)
        return admin_reg_fail(cmd, &err);
    if (rl_cli_json(ctx)) {
        json_t *o = json_object();
        json_object_set_new(o, "exercises", json_integer((json_int_t)n));
        admin_json_print(o);
    } else {
        printf("exercises recorded: %zu, session %s, enrolment %s\n", n, session, enrolment);
    }
    return RL_EXIT_OK;
}

static const rl_cli_command_t s_subs[] = {
    {"assign", "give an exercise to the home programme", s_assign},
    {"change", "a new prescription of an exercise in it", s_change},
    {"stop", "take an exercise out of the home programme", s_stop},
    {"show", "the current home programme, or its history", s_show},
    {"done", "the exercises done per session", s_done},
};

static const admin_group_t s_group = {"homeprog", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_homeprog_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
