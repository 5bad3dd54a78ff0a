/* `ruglab patient`: patients. Identity (name, INSZ, date of birth, GP,
 * address) goes to identity.patient; the pseudonymous subject (badge
 * token for the devices, an unrelated pseudonym for the quality views,
 * sex, weight, height) to clinical.subject. Every read of identity is
 * recorded in audit.access_log. */
#include "admin_util.h"

#include "ruglab/exitcode.h"
#include "ruglab/insz.h"
#include "ruglab/text.h"

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

static int
s_check_name(const char *cmd, const char *option, const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > 100) {
        rl_cli_fail("%s: %s must be 1-100 characters", cmd, option);
        return -1;
    }
    if (rl_text_control_at(v, n) < n) {
        rl_cli_fail("%s: %s contains a control character", cmd, option);
        return -1;
    }
    return 0;
}

/* `patient add`, as the command line gives it. */
typedef struct {
    const char *site, *family, *given, *birth_s, *sex, *insz_s, *weight, *height, *gp, *address,
        *postal, *city, *phone;
    rl_date_t birth;
    rl_insz_t insz;
} s_add_opts_t;

/* What patient add creates. */
typedef struct {
    char subject_id[32], badge[16], pseudonym[16];
} s_added_t;

/* Everything that can be checked without the database; an RL_EXIT_* code. */
static int
s_add_check(const char *cmd, s_add_opts_t *o)
{
    if (s_check_name(cmd, "--family-name", o->family) < 0 ||
        s_check_name(cmd, "--given-name", o->given) < 0 ||
        admin_parse_date(cmd, "--birth-date", o->birth_s, &o->birth) < 0)
        return RL_EXIT_FAIL;
    if (strcmp(o->sex, "M") && strcmp(o->sex, "F") && strcmp(o->sex, "X")) {
        rl_cli_fail("%s: --sex must be M, F or X", cmd);
        return RL_EXIT_FAIL;
    }
    rl_err_t err;
    if (rl_insz_validate(o->insz_s, &o->insz, &err) < 0 ||
        rl_insz_matches_birth(&o->insz, o->birth, o->sex[0] == 'X' ? '?' : o->sex[0], &err) < 0) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        return RL_EXIT_FAIL;
    }
    double v;
    if ((o->weight && admin_parse_number(cmd, "--weight", o->weight, 20, 400, &v) < 0) ||
        (o->height && admin_parse_number(cmd, "--height", o->height, 80, 250, &v) < 0))
        return RL_EXIT_FAIL;
    if (o->gp && (strlen(o->gp) != 11 || strspn(o->gp, "0123456789") != 11)) {
        rl_cli_fail("%s: --gp: give the GP's RIZIV number (11 digits)", cmd);
        return RL_EXIT_FAIL;
    }
    return RL_EXIT_OK;
}

/* Fills o; an RL_EXIT_* code. */
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
    return s_add_check(cmd, o);
}

/* The site, the GP, and no patient with this INSZ yet. */
static int
s_add_resolve(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const s_add_opts_t *o, char site_id[32],
              char gp_id[32])
{
    if (admin_find_site(ctx, cmd, rc, o->site, site_id) < 0)
        return -1;
    if (o->gp &&
        admin_need_id(ctx, cmd, rc, "SELECT gp_id FROM identity.gp WHERE riziv = $1", 1, &o->gp,
                      gp_id, "unknown GP with RIZIV number %s (see ruglab gp list, gp add)",
                      o->gp) < 0)
        return -1;
    char existing[32];
    int f = admin_lookup_id(ctx, cmd, rc, "checking the INSZ",
                            "SELECT subject_id FROM identity.patient WHERE insz = $1", 1,
                            (const char *const[]){o->insz.digits}, existing);
    if (f > 0) {
        rl_cli_fail("%s: a patient with this INSZ is already registered (subject %s)", cmd,
                    existing);
        *rc = RL_EXIT_FAIL;
    }
    return f == 0 ? 0 : -1;
}

/* The pseudonymous subject with a new badge token and pseudonym. A token
 * collision is possible in theory (40 random bits): retry. */
static int
s_add_subject(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const s_add_opts_t *o,
              const char *site_id, s_added_t *m)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        char r[8], q[12];
        admin_random_base32(r, 8);
        snprintf(m->badge, sizeof m->badge, "RB-%.4s-%.4s", r, r + 4);
        admin_random_base32(q, 12);
        snprintf(m->pseudonym, sizeof m->pseudonym, "PS-%.12s", q);
        const char *p[6] = {site_id, m->badge, m->pseudonym, o->sex, o->weight, o->height};
        int f = admin_lookup_id(ctx, cmd, rc, "inserting the subject",
                                "INSERT INTO clinical.subject (site_id, badge_token, pseudonym, "
                                "sex, body_weight_kg, height_cm) VALUES ($1, $2, $3, $4, $5, $6) "
                                "ON CONFLICT DO NOTHING RETURNING subject_id",
                                6, p, m->subject_id);
        if (f != 0)
            return f > 0 ? 0 : -1;
    }
    rl_cli_fail("%s: could not draw a unique badge token", cmd);
    *rc = RL_EXIT_FAIL;
    return -1;
}

/* Subject and identity in one transaction. */
static int
s_add_store(rl_cli_ctx_t *ctx, const char *cmd, int *rc, const s_add_opts_t *o, s_added_t *m)
{
    char site_id[32], gp_id[32] = "";
    if (admin_begin(ctx, cmd, rc) < 0 || s_add_resolve(ctx, cmd, rc, o, site_id, gp_id) < 0 ||
        s_add_subject(ctx, cmd, rc, o, site_id, m) < 0)
        return -1;
    char birth_buf[RL_DATE_STR_SIZE];
    rl_date_format(o->birth, birth_buf);
    const char *p[10] = {m->subject_id,         o->insz.digits, o->family, o->given, birth_buf,
                         *gp_id ? gp_id : NULL, o->address,     o->postal, o->city,  o->phone};
    PGresult *res = admin_exec(ctx, cmd, rc, "inserting the patient",
                               "INSERT INTO identity.patient (subject_id, insz, family_name, "
                               "given_name, date_of_birth, gp_id, address, postal_code, city, "
                               "phone) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                               10, p);
    if (!res)
        return -1;
    PQclear(res);
    return admin_commit(ctx, cmd, rc);
}

static void
s_add_render(rl_cli_ctx_t *ctx, const s_added_t *m)
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

static int
s_add(rl_cli_ctx_t *ctx, int argc, char **argv)
{
    const char *cmd = "patient add";
    s_add_opts_t o = {0};
    int rc = s_add_parse(ctx, cmd, argc, argv, &o);
    if (rc != RL_EXIT_OK)
        return rc;
    s_added_t m;
    if (s_add_store(ctx, cmd, &rc, &o, &m) < 0) {
        admin_rollback(ctx);
        return rc;
    }
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
