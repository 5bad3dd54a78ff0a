/* `ruglab patient`: patients. Identity (name, INSZ, date of birth, GP,
 * address) goes to identity.patient; the pseudonymous subject (badge
 * token for the devices, an unrelated pseudonym for the quality views,
 * sex, weight, height) to clinical.subject. Every read of identity is
 * recorded in audit.access_log. */
#include "admin_util.h"

#include "ruglab/exitcode.h"
#include "ruglab/insz.h"
#include "ruglab/registration.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage(FILE *out)
{
    fprintf(out, "usage: ruglab patient add --site CODE --family-name NAME --given-name NAME\n"
                 "                          --birth-date YYYY-MM-DD --sex M|F|X --insz NUMBER\n"
                 "                          [--weight KG] [--height CM] [--gp RIZIV]\n"
                 "                          [--address TEXT] [--postal-code CODE] [--city CITY]\n"
                 "                          [--phone PHONE]\n"
                 "       ruglab patient show PATIENT\n"
                 "       ruglab patient find [--name TEXT] [--insz NUMBER] [--badge TOKEN]\n"
                 "       ruglab patient results PATIENT\n\n"
                 "add   registers a patient at a site. The INSZ (or BIS number) is checked:\n"
                 "      11 digits (dots, dashes, spaces allowed), month, day, serial number,\n"
                 "      check digits for both centuries, and against the date of birth and\n"
                 "      sex. The GP is given by RIZIV number (see ruglab gp add). Prints the\n"
                 "      new subject_id and the badge token to print on the patient's badge\n"
                 "      (--json: {\"subject_id\": N, \"badge_token\": ..., \"pseudonym\": ...}).\n"
                 "show  the patient's identity, GP and enrolments (the read is audit-logged).\n"
                 "find  patients whose name contains TEXT, or by INSZ or badge token\n"
                 "      (audit-logged).\n"
                 "results  the device tests at start, mid and end: best trial, effort check\n"
                 "      (CV of the trials, <= 15 %% normal), strength per kg, %% of the reference\n"
                 "      of the device model (ruglab reference load), flexion/extension ratio,\n"
                 "      left/right asymmetry; the change from the start with a flag when it\n"
                 "      reaches the smallest real difference (33 %%), only between tests on the\n"
                 "      same device model; questionnaire scores per time point and the change\n"
                 "      with the minimal important change flag.\n\n"
                 "PATIENT is a subject id, a badge token (RB-XXXX-XXXX) or an INSZ.\n");
}

/* `patient add`, as the command line gives it. */
typedef struct {
    const char *site, *family, *given, *birth_s, *sex, *insz_s, *weight, *height, *gp, *address,
        *postal, *city, *phone;
} s_add_opts_t;

/* Fills o (the options required are there); an RL_EXIT_* code. */
static int
s_add_parse(rl_cli_ctx_t *ctx, const char *cmd, int argc, char **argv, s_add_opts_t *o)
{
    const admin_opt_t opts[] = {{"--site", &o->site, NULL},
                                {"--family-name", &o->family, NULL},
                                {"--given-name", &o->given, NULL},
                                {"--birth-date", &o->birth_s, NULL},
                                {"--sex", &o->sex, NULL},
                                {"--insz", &o->insz_s, NULL},
                                {"--weight", &o->weight, NULL},
                                {"--height", &o->height, NULL},
                                {"--gp", &o->gp, NULL},
                                {"--address", &o->address, NULL},
                                {"--postal-code", &o->postal, NULL},
                                {"--city", &o->city, NULL},
                                {"--phone", &o->phone, NULL},
                                {NULL, NULL, NULL}};
    if (admin_parse(ctx, cmd, argc, argv, 2, opts, NULL, 0, NULL) < 0 ||
        admin_require(cmd, "--site", o->site) < 0 ||
        admin_require(cmd, "--family-name", o->family) < 0 ||
        admin_require(cmd, "--given-name", o->given) < 0 ||
        admin_require(cmd, "--birth-date", o->birth_s) < 0 ||
        admin_require(cmd, "--sex", o->sex) < 0 || admin_require(cmd, "--insz", o->insz_s) < 0)
        return RL_EXIT_USAGE;
    return RL_EXIT_OK;
}

static void
s_add_render(rl_cli_ctx_t *ctx, const rl_patient_added_t *m)
{
    if (rl_cli_json(ctx)) {
        json_t *out = json_object();
        json_object_set_new(out, "subject_id", json_integer(strtoll(m->subject_id, NULL, 10)));
        json_object_set_new(out, "badge_token", json_string(m->badge));
        json_object_set_new(out, "pseudonym", json_string(m->pseudonym));
        admin_json_print(out);
    } else {
        printf("patient added: subject_id %s, badge token %s\n", m->subject_id, m->badge);
    }
}

/* The checks and the store are registration.h's, shared with the web. */
static int
s_add(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "patient add";
    s_add_opts_t o = {0};
    int rc = s_add_parse(ctx, cmd, argc, argv, &o);
    if (rc != RL_EXIT_OK)
        return rc;
    const rl_patient_in_t in = {.site = o.site,
                                .family_name = o.family,
                                .given_name = o.given,
                                .birth_date = o.birth_s,
                                .sex = o.sex,
                                .insz = o.insz_s,
                                .weight = o.weight,
                                .height = o.height,
                                .gp = o.gp,
                                .address = o.address,
                                .postal_code = o.postal,
                                .city = o.city,
                                .phone = o.phone};
    rl_reg_err_t err;
    rl_patient_added_t m;
    if (rl_patient_check(&in, &err) < 0)
        return admin_reg_fail(cmd, &err);
    PGconn *conn = rl_cli_connect(ctx);
    if (!conn)
        return RL_EXIT_DB;
    if (rl_patient_add(conn, &in, &m, &err) < 0)
        return admin_reg_fail(cmd, &err);
    s_add_render(ctx, &m);
    return RL_EXIT_OK;
}

/* Prints one row of res as "label: value" lines (or adds it to obj). */
static void
s_show_fields(rl_cli_ctx_t *ctx, const PGresult *res, json_t *obj)
{
    for (int c = 0; c < PQnfields(res); c++) {
        if (rl_cli_json(ctx))
            json_object_set_new(obj, PQfname(res, c), admin_json_value(res, 0, c, false));
        else
            printf("%-16s %s\n", PQfname(res, c),
                   PQgetisnull(res, 0, c) ? "-" : PQgetvalue(res, 0, c));
    }
}

static int
s_show(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "patient show";
    const admin_opt_t opts[] = {{NULL, NULL, NULL}};
    const char *patient = NULL;
    if (admin_parse_patient(ctx, cmd, argc, argv, opts, &patient) < 0)
        return RL_EXIT_USAGE;
    int rc = RL_EXIT_OK;
    char subject[32];
    if (admin_find_subject(ctx, cmd, &rc, patient, subject) < 0)
        return rc;
    /* the read is logged before anything is shown */
    if (admin_audit(ctx, cmd, &rc, "patient show", subject, NULL) < 0)
        return rc;
    const char *p[1] = {subject};
    PGresult *res = admin_exec(
        ctx, cmd, &rc, "reading the patient",
        "SELECT s.subject_id, s.badge_token, s.pseudonym, st.code AS site, p.family_name, "
        "p.given_name, p.date_of_birth, s.sex, "
        "substr(p.insz, 1, 2) || '.' || substr(p.insz, 3, 2) || '.' || substr(p.insz, 5, 2) || '-' "
        "|| substr(p.insz, 7, 3) || '.' || substr(p.insz, 10, 2) AS insz, "
        "s.body_weight_kg AS weight_kg, s.height_cm, p.address, p.postal_code, p.city, p.phone, "
        "g.riziv AS gp_riziv, g.family_name || ' ' || g.given_name AS gp_name "
        "FROM clinical.subject s JOIN identity.patient p USING (subject_id) "
        "JOIN clinical.site st ON st.site_id = s.site_id "
        "LEFT JOIN identity.gp g ON g.gp_id = p.gp_id WHERE s.subject_id = $1::bigint",
        1, p);
    if (!res)
        return rc;
    json_t *obj = rl_cli_json(ctx) ? json_object() : NULL;
    s_show_fields(ctx, res, obj);
    PQclear(res);
    res = admin_exec(ctx, cmd, &rc, "reading the enrolments",
                     "SELECT e.enrolment_id, pr.code AS programme, e.status, e.start_date, "
                     "e.end_date, e.indication, e.route "
                     "FROM clinical.enrolment e JOIN clinical.programme pr USING (programme_id) "
                     "WHERE e.subject_id = $1::bigint ORDER BY e.start_date, e.enrolment_id",
                     1, p);
    if (!res) {
        json_decref(obj);
        return rc;
    }
    if (rl_cli_json(ctx)) {
        json_object_set_new(obj, "enrolments", admin_json_rows(res, "enrolment_id"));
        admin_json_print(obj);
    } else {
        printf("\nenrolments:\n");
        admin_print_rows(ctx, res, NULL);
    }
    PQclear(res);
    return RL_EXIT_OK;
}

static int
s_find(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "patient find";
    const char *name = NULL, *insz_s = NULL, *badge = NULL;
    const admin_opt_t opts[] = {{"--name", &name, NULL},
                                {"--insz", &insz_s, NULL},
                                {"--badge", &badge, NULL},
                                {NULL, NULL, NULL}};
    if (admin_parse(ctx, cmd, argc, argv, 2, opts, NULL, 0, NULL) < 0)
        return RL_EXIT_USAGE;
    if (!!name + !!insz_s + !!badge != 1) {
        rl_cli_fail("%s: give one of --name, --insz, --badge", cmd);
        return RL_EXIT_USAGE;
    }
    char digits[12] = "";
    if (insz_s) {
        rl_insz_t insz;
        rl_err_t err;
        if (rl_insz_validate(insz_s, &insz, &err) < 0) {
            rl_cli_fail("%s: %s", cmd, err.msg);
            return RL_EXIT_FAIL;
        }
        snprintf(digits, sizeof digits, "%s", insz.digits);
    }
    if (name && strlen(name) < 2) {
        rl_cli_fail("%s: --name needs at least 2 characters", cmd);
        return RL_EXIT_FAIL;
    }
    int rc = RL_EXIT_OK;
    const char *p[3] = {name, insz_s ? digits : NULL, badge};
    if (admin_begin(ctx, cmd, &rc) < 0)
        return rc;
    PGresult *res = admin_exec(
        ctx, cmd, &rc, "finding patients",
        "SELECT s.subject_id, s.badge_token, p.family_name, p.given_name, p.date_of_birth, "
        "st.code AS site, (SELECT pr.code || ' ' || e.status FROM clinical.enrolment e "
        " JOIN clinical.programme pr USING (programme_id) WHERE e.subject_id = s.subject_id "
        " ORDER BY e.start_date DESC, e.enrolment_id DESC LIMIT 1) AS last_programme "
        "FROM clinical.subject s JOIN identity.patient p USING (subject_id) "
        "JOIN clinical.site st ON st.site_id = s.site_id "
        "WHERE ($1::text IS NOT NULL AND strpos(lower(p.family_name || ' ' || p.given_name), "
        "lower($1)) > 0) OR ($1::text IS NOT NULL AND strpos(lower(p.given_name || ' ' || "
        "p.family_name), lower($1)) > 0) OR p.insz = $2 OR upper(s.badge_token) = upper($3) "
        "ORDER BY p.family_name, p.given_name, s.subject_id LIMIT 200",
        3, p);
    if (!res)
        goto out;
    /* one access-log row per patient shown; the search text is identity
     * and stays out of the log */
    const char *how = name ? "found by name" : insz_s ? "found by INSZ" : "found by badge token";
    for (int r = 0; r < PQntuples(res); r++)
        if (admin_audit(ctx, cmd, &rc, "patient find", PQgetvalue(res, r, 0), how) < 0)
            goto out;
    if (admin_commit(ctx, cmd, &rc) < 0)
        goto out;
    admin_print_rows(ctx, res, "subject_id");
    if (!rl_cli_json(ctx) && PQntuples(res) == 0)
        printf("no patient found\n");
    rc = RL_EXIT_OK;
out:
    PQclear(res);
    if (rc != RL_EXIT_OK)
        admin_rollback(ctx);
    return rc;
}

static const rl_cli_command_t s_subs[] = {
    {"add", "register a patient at a site", s_add},
    {"show", "identity, GP and enrolments (audit-logged)", s_show},
    {"find", "patients by name, INSZ or badge token (audit-logged)", s_find},
    {"results", "device tests and questionnaires at start, mid and end", admin_patient_results},
};

static const admin_group_t s_group = {"patient", s_usage, s_subs, ADMIN_COUNT(s_subs)};

int
admin_patient_main(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    return admin_dispatch(ctx, &s_group, argc, argv);
}
