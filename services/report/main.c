/* ruglab-report: the rehabilitation physician's tool. Start / mid / end
 * comparison of one patient, the final report (eindverslag) to the GP as
 * an A4 PDF, and the same report as a FHIR R4 Bundle. Connects as
 * ruglab_clinician; every read of identity is written to the access log. */
#include "report.h"

#include "ruglab/audit.h"
#include "ruglab/cli.h"
#include "ruglab/db.h"
#include "ruglab/exitcode.h"
#include "ruglab/mem.h"
#include "ruglab/paths.h"
#include "ruglab/text.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *db_flag;
    const char *format;
    const char *lang;
    const char *output;
    const char *patient;
    long long enrolment_id;
    bool draft;
    bool due;
    bool dry_run;
    const char *out_dir;
    const char *charts_dir;
} s_opts_t;

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: ruglab-report [--db CONNINFO] COMMAND PATIENT [OPTIONS]\n\n"
            "The physician's report of a back-rehabilitation programme.\n\n"
            "commands:\n"
            "  compare PATIENT [--format table|csv|json]\n"
            "        start / mid / end per movement direction (range of motion, maximal\n"
            "        strength, change, %% of reference, ratio, asymmetry, effort check),\n"
            "        questionnaires, attendance, training load. Missing time points are\n"
            "        shown as missing (table), empty (CSV) or null (JSON).\n"
            "  letter PATIENT [--lang nl|en] [--draft] [-o FILE] [--charts DIR]\n"
            "        the final report (eindverslag) to the GP as an A4 PDF (default FILE\n"
            "        eindverslag-SUBJECT-ENROLMENT-LANG.pdf). Refused while the programme\n"
            "        runs, before the physician's conclusion is written (ruglab conclusion\n"
            "        set), or when %% of reference would come from a table that is not\n"
            "        marked validated, unless --draft: every page is then marked DRAFT /\n"
            "        ONTWERP. --charts DIR keeps the charts (SVG), their data and the\n"
            "        gnuplot script in DIR. What each statement rests on: README, \"What\n"
            "        the letter says\".\n"
            "  export PATIENT --format fhir [--lang nl|en] [--draft] [-o FILE]\n"
            "        the same report as a FHIR R4 Bundle (JSON): Patient (INSZ), DiagnosticReport\n"
            "        with the PDF attached, one Observation per measured value (UCUM units),\n"
            "        a QuestionnaireResponse per questionnaire.\n"
            "  export PATIENT --format kmehr [--lang nl|en] [--draft] [-o FILE]\n"
            "        the letter as a KMEHR message for the eHealthBox: sender the physician,\n"
            "        recipient the GP (RIZIV numbers), patient by INSZ, the PDF as a\n"
            "        multimedia link in a transaction of type report.\n"
            "  handout PATIENT [--lang nl|en] [-o FILE]\n"
            "        the patient's handout of the current home programme (ruglab\n"
            "        homeprog) as an A4 PDF in large type (default FILE\n"
            "        thuisoefeningen-SUBJECT-ENROLMENT-LANG.pdf): each exercise with how\n"
            "        to do it, the variant, the dose and the points of attention, and\n"
            "        the site's contact. Dutch unless --lang en (no patient language is\n"
            "        recorded). Fails, writing nothing, when the enrolment has no home\n"
            "        programme.\n"
            "  batch --due [--dry-run] [--out-dir DIR] [--lang nl|en]\n"
            "        every final report that is due: programme ended (completed or dropped\n"
            "        out), conclusion written, no letter generated yet; overdue ones first\n"
            "        (deadline: end + 2 weeks, Fedris: + 1 month). Writes each letter\n"
            "        into DIR (default .) and records it, so that a report is never sent\n"
            "        twice by accident; a progress bar on a terminal. --dry-run lists them\n"
            "        with their deadline and how many days late. A letter that cannot be\n"
            "        final (see letter) is named and skipped; the others are still sent.\n"
            "\n"
            "Final (non-draft) letters and exports are recorded in clinical.report_issued\n"
            "(SHA-256, time, OS user). The charts need gnuplot on PATH.\n"
            "\n"
            "PATIENT is the badge token, the subject id or the INSZ (11 digits, dots and\n"
            "dashes allowed) of the patient; the report is about the patient's most recent\n"
            "enrolment unless --enrolment ID is given.\n\n"
            "options:\n"
            "  --db CONNINFO    libpq connection string (default: $RUGLAB_DB, then the local\n"
            "                   cluster); connects as ruglab_clinician\n"
            "  --enrolment ID   the enrolment to report on\n"
            "  -o, --output F   write to F instead of standard output\n"
            "  --check-config   connect as ruglab_clinician, check the report tables and that\n"
            "                   gnuplot is on PATH; print \"configuration OK\" or what is wrong\n"
            "  --help, --version\n\n"
            "Every command reads identifiable data and is written to audit.access_log\n"
            "(OS user, command, patient).\n\n"
            "exit codes: 0 done, 1 refused or failed, 2 usage error, 3 database error,\n"
            "4 configuration error (--check-config: gnuplot missing)\n");
}

/* The global options before the command (cli.h); the commands take their
 * own options (s_parse). */
static const rl_cli_t s_cli = {
    .program = "ruglab-report",
    .role = "ruglab_clinician",
    .probe = "SELECT 1 FROM clinical.report_issued LIMIT 0",
    .usage = s_usage,
};

/* Parses the options after the command; returns RL_EXIT_OK or USAGE. */
static int
s_parse(int argc, char **argv, int first, s_opts_t *o)
{
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        const char **target = NULL;
        if (!strcmp(a, "--format"))
            target = &o->format;
        else if (!strcmp(a, "--lang"))
            target = &o->lang;
        else if (!strcmp(a, "--output") || !strcmp(a, "-o"))
            target = &o->output;
        else if (!strcmp(a, "--db"))
            target = &o->db_flag;
        else if (!strcmp(a, "--out-dir"))
            target = &o->out_dir;
        else if (!strcmp(a, "--charts"))
            target = &o->charts_dir;
        if (target) {
            if (i + 1 >= argc) {
                rl_cli_fail("%s needs a value", a);
                return RL_EXIT_USAGE;
            }
            *target = argv[++i];
        } else if (!strcmp(a, "--enrolment") && i + 1 < argc) {
            char *end;
            errno = 0;
            o->enrolment_id = strtoll(argv[++i], &end, 10);
            if (errno || end == argv[i] || *end || o->enrolment_id <= 0) {
                rl_cli_fail("--enrolment: '%s' is not an enrolment id", argv[i]);
                return RL_EXIT_USAGE;
            }
        } else if (!strcmp(a, "--draft")) {
            o->draft = true;
        } else if (!strcmp(a, "--due")) {
            o->due = true;
        } else if (!strcmp(a, "--dry-run")) {
            o->dry_run = true;
        } else if (a[0] == '-' && a[1]) {
            rl_cli_fail("unknown option '%s' (see ruglab-report --help)", a);
            return RL_EXIT_USAGE;
        } else if (!o->patient) {
            o->patient = a;
        } else {
            rl_cli_fail("unexpected argument '%s'", a);
            return RL_EXIT_USAGE;
        }
    }
    return RL_EXIT_OK;
}

/* ruglab-report's configuration: the database it finds (as
 * ruglab_clinician, with the report tables) and gnuplot on PATH. */
static int
s_check_config(const s_opts_t *o)
{
    rl_err_t err;
    char ok[512];
    if (rl_db_check(o->db_flag, s_cli.role, s_cli.probe, ok, sizeof ok, &err) < 0) {
        rl_cli_fail("%s", err.msg);
        return RL_EXIT_DB;
    }
    char *gnuplot = rl_paths_which("gnuplot");
    if (!gnuplot) {
        rl_cli_fail("gnuplot not found in PATH (install gnuplot-nox): the letters' charts need it");
        return RL_EXIT_CONFIG;
    }
    printf("configuration OK: %s; gnuplot %s\n", ok, gnuplot);
    free(gnuplot);
    return RL_EXIT_OK;
}

static PGconn *
s_connect(const s_opts_t *o)
{
    rl_cli_ctx_t ctx = {.db_flag = o->db_flag, .role = s_cli.role};
    PGconn *conn = rl_cli_connect(&ctx);
    if (!conn)
        return NULL;
    /* The clinical views are planned as one large query of many small
     * parts: JIT compilation costs seconds there and saves nothing. */
    PGresult *res = PQexec(conn, "SET jit = off");
    PQclear(res);
    return conn;
}

/* Opens the output file (or stdout). */
static FILE *
s_open_out(const s_opts_t *o)
{
    if (!o->output || !strcmp(o->output, "-"))
        return stdout;
    FILE *f = fopen(o->output, "w");
    if (!f)
        rl_cli_fail("cannot write %s: %s", o->output, strerror(errno));
    return f;
}

static int
s_cmd_compare(PGconn *conn, const s_opts_t *o)
{
    rpt_format_t fmt;
    if (!o->format || !strcmp(o->format, "table"))
        fmt = RPT_FMT_TABLE;
    else if (!strcmp(o->format, "csv"))
        fmt = RPT_FMT_CSV;
    else if (!strcmp(o->format, "json"))
        fmt = RPT_FMT_JSON;
    else {
        rl_cli_fail("compare: unknown format '%s' (table, csv, json)", o->format);
        return RL_EXIT_USAGE;
    }
    FILE *out = s_open_out(o);
    if (!out)
        return RL_EXIT_FAIL;
    int rc;
    rl_err_t err;
    rpt_model_t *m = rpt_model_load(conn, o->patient, o->enrolment_id, "compare", &rc, &err);
    if (!m) {
        rl_cli_fail("compare: %s", err.msg);
    } else if (rpt_compare_write(m, fmt, out, &err) != 0) {
        rl_cli_fail("compare: %s", err.msg);
        rc = RL_EXIT_FAIL;
    }
    rpt_model_destroy(&m);
    if (out != stdout && fclose(out) != 0 && rc == RL_EXIT_OK) {
        rl_cli_fail("compare: writing %s: %s", o->output, strerror(errno));
        rc = RL_EXIT_FAIL;
    }
    return rc;
}

/* A private working directory for the charts and the PDF. */
static char *
s_workdir(void)
{
    rl_err_t err;
    char *dir = rl_paths_workdir("ruglab-report", &err);
    if (!dir)
        rl_cli_fail("%s", err.msg);
    return dir;
}

/* Writes data to path; prints the one-line error. */
static int
s_write_out(const char *path, const void *data, size_t len)
{
    rl_err_t err;
    if (rpt_write_file(path, data, len, &err) != 0) {
        rl_cli_fail("%s", err.msg);
        return -1;
    }
    return 0;
}

/* Records a final report in clinical.report_issued. */
static int
s_record(PGconn *conn, const rpt_model_t *m, const char *kind, const char *lang, const char *hex,
         const char *path, const char *via)
{
    rl_err_t err;
    rpt_record_t r = {.kind = kind, .lang = lang, .sha256 = hex, .path = path, .via = via};
    if (rpt_record(conn, m, &r, NULL, &err) != 0) {
        rl_cli_fail("%s", err.msg);
        return -1;
    }
    return 0;
}

/* Renders the letter of m into dir/letter.pdf and returns its bytes; the
 * charts go to charts_dir (NULL: dir). */
static unsigned char *
s_render(const rpt_model_t *m, const char *lang, bool draft, const char *dir,
         const char *charts_dir, size_t *len, const char *cmd)
{
    rl_err_t err;
    unsigned char *bytes = rpt_render(m, lang, draft, dir, charts_dir, len, &err);
    if (!bytes)
        rl_cli_fail("%s: %s", cmd, err.msg);
    return bytes;
}

/* The checks before a final report: programme ended, conclusion written,
 * reference values validated. */
static int
s_may_issue(const rpt_model_t *m, const s_opts_t *o, const char *cmd)
{
    if (o->draft)
        return 0;
    rl_err_t err;
    if (rpt_may_issue(m, o->patient, &err) != RPT_MAY_ISSUE) {
        rl_cli_fail("%s: %s", cmd, err.msg);
        return -1;
    }
    return 0;
}

static int
s_check_lang(const s_opts_t *o, const char *cmd)
{
    if (strcmp(o->lang, "nl") != 0 && strcmp(o->lang, "en") != 0) {
        rl_cli_fail("%s: unknown language '%s' (nl, en)", cmd, o->lang);
        return -1;
    }
    return 0;
}

/* A letter to a file: renders the letter of m (charts in charts_dir,
 * NULL: a private working directory), writes it to path and, when final,
 * records it (via letter or batch). Returns RL_EXIT_OK, RL_EXIT_FAIL
 * (nothing written) or RL_EXIT_DB (written, not recorded); the error is
 * said. */
static int
s_letter_file(PGconn *conn, const rpt_model_t *m, const char *lang, bool draft,
              const char *charts_dir, const char *path, const char *via)
{
    char *dir = s_workdir();
    size_t len = 0;
    unsigned char *bytes = dir ? s_render(m, lang, draft, dir, charts_dir, &len, via) : NULL;
    int rc = RL_EXIT_FAIL;
    if (bytes && s_write_out(path, bytes, len) == 0) {
        rc = RL_EXIT_OK;
        if (!draft) {
            char hex[65];
            rpt_sha256_hex(bytes, len, hex);
            if (s_record(conn, m, "letter", lang, hex, path, via) != 0)
                rc = RL_EXIT_DB;
        }
    }
    free(bytes);
    rl_paths_rmdir(dir);
    return rc;
}

/* The language checked, then the report model of o's patient for cmd (the
 * read audited). NULL with the error said and *rc the exit code. */
static rpt_model_t *
s_load(PGconn *conn, const s_opts_t *o, const char *cmd, int *rc)
{
    if (s_check_lang(o, cmd) != 0) {
        *rc = RL_EXIT_USAGE;
        return NULL;
    }
    rl_err_t err;
    rpt_model_t *m = rpt_model_load(conn, o->patient, o->enrolment_id, cmd, rc, &err);
    if (!m)
        rl_cli_fail("%s: %s", cmd, err.msg);
    return m;
}

static int
s_cmd_letter(PGconn *conn, const s_opts_t *o)
{
    int rc;
    rpt_model_t *m = s_load(conn, o, "letter", &rc);
    if (!m)
        return rc;
    rc = RL_EXIT_FAIL;
    if (s_may_issue(m, o, "letter") == 0) {
        char *out = o->output ? rl_strdup(o->output)
                              : rl_asprintf("eindverslag-%lld-%lld-%s%s.pdf", m->subject_id,
                                            m->enrolment_id, o->lang, o->draft ? "-draft" : "");
        rc = s_letter_file(conn, m, o->lang, o->draft, o->charts_dir, out, "letter");
        if (rc == RL_EXIT_OK)
            printf("%s\n", out);
        free(out);
    }
    rpt_model_destroy(&m);
    return rc;
}

/* The handout of m's home programme to path: drawn in a private working
 * directory, then written (a partial file is removed). */
static int
s_handout_file(const rpt_model_t *m, const char *lang, const char *path)
{
    char *dir = s_workdir();
    if (!dir)
        return RL_EXIT_FAIL;
    rl_err_t err;
    char *pdf = rl_asprintf("%s/handout.pdf", dir);
    size_t len = 0;
    unsigned char *bytes = NULL;
    int rc = RL_EXIT_FAIL;
    if (rpt_handout_write(m, lang, pdf, &err) != 0)
        rl_cli_fail("handout: %s", err.msg);
    else if (!(bytes = rl_paths_read_file(pdf, &len)))
        rl_cli_fail("handout: cannot read back %s: %s", pdf, strerror(errno));
    else if (s_write_out(path, bytes, len) == 0)
        rc = RL_EXIT_OK;
    free(bytes);
    free(pdf);
    rl_paths_rmdir(dir);
    return rc;
}

/* The handout shows an exercise or variant retired from the catalogue
 * since it was prescribed as it was prescribed (the patient does it until
 * the physiotherapist changes or stops it); the command says so. */
static void
s_handout_retired(const rpt_model_t *m)
{
    for (int i = 0; i < m->homeprog.n; i++) {
        const rpt_home_item_t *h = &m->homeprog.items[i];
        if (h->exercise->retired || (h->variant && h->variant->retired))
            rl_cli_fail("handout: note: %s%s%s is retired from the catalogue; it stays in the "
                        "home programme until it is changed or stopped (ruglab homeprog)",
                        h->exercise->retired ? "" : "the variant ",
                        h->exercise->retired ? h->exercise->code : h->variant->code,
                        h->exercise->retired ? "" : " of the exercise");
    }
}

static int
s_cmd_handout(PGconn *conn, const s_opts_t *o)
{
    int rc;
    rpt_model_t *m = s_load(conn, o, "handout", &rc);
    if (!m)
        return rc;
    if (m->homeprog.n == 0) {
        rl_cli_fail("handout: enrolment %lld of patient %lld has no home programme: nothing to "
                    "print (give exercises with ruglab homeprog assign)",
                    m->enrolment_id, m->subject_id);
        rpt_model_destroy(&m);
        return RL_EXIT_FAIL;
    }
    s_handout_retired(m);
    char *out = o->output ? rl_strdup(o->output)
                          : rl_asprintf("thuisoefeningen-%lld-%lld-%s.pdf", m->subject_id,
                                        m->enrolment_id, o->lang);
    rc = s_handout_file(m, o->lang, out);
    if (rc == RL_EXIT_OK)
        printf("%s\n", out);
    free(out);
    rpt_model_destroy(&m);
    return rc;
}

/* The export of m with its letter pdf as text ending in a newline: a
 * KMEHR message or the FHIR bundle as JSON. NULL with the error said.
 * Caller frees. */
static char *
s_export_text(const rpt_model_t *m, const s_opts_t *o, bool kmehr, const unsigned char *pdf,
              size_t len)
{
    rl_err_t err;
    char *text = rpt_export_text(m, kmehr, pdf, len, o->lang, o->draft, &err);
    if (!text)
        rl_cli_fail("export: %s", err.msg);
    return text;
}

/* Writes the export to -o FILE, else to standard output. */
static int
s_export_write(const s_opts_t *o, const char *text)
{
    size_t n = strlen(text);
    if (o->output && strcmp(o->output, "-") != 0)
        return s_write_out(o->output, text, n);
    if (fwrite(text, 1, n, stdout) != n || fflush(stdout) != 0) {
        rl_cli_fail("export: writing to standard output: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int
s_cmd_export(PGconn *conn, const s_opts_t *o)
{
    bool kmehr = o->format && !strcmp(o->format, "kmehr");
    if (!o->format || (strcmp(o->format, "fhir") != 0 && !kmehr)) {
        rl_cli_fail("export: --format fhir or --format kmehr is required");
        return RL_EXIT_USAGE;
    }
    int rc;
    rpt_model_t *m = s_load(conn, o, "export", &rc);
    if (!m)
        return rc;
    char *dir = NULL, *text = NULL;
    unsigned char *bytes = NULL;
    size_t len = 0;
    rc = RL_EXIT_FAIL;
    if (s_may_issue(m, o, "export") != 0 || !(dir = s_workdir()) ||
        !(bytes = s_render(m, o->lang, o->draft, dir, o->charts_dir, &len, "export")) ||
        !(text = s_export_text(m, o, kmehr, bytes, len)) || s_export_write(o, text) != 0)
        goto out;
    rc = RL_EXIT_OK;
    if (!o->draft) {
        char hex[65];
        rpt_sha256_hex((unsigned char *)text, strlen(text), hex);
        const char *p = o->output && strcmp(o->output, "-") ? o->output : NULL;
        if (s_record(conn, m, kmehr ? "kmehr" : "fhir", o->lang, hex, p, "export") != 0)
            rc = RL_EXIT_DB;
    }
out:
    free(text);
    free(bytes);
    rl_paths_rmdir(dir);
    rpt_model_destroy(&m);
    return rc;
}

/* Reports due: ended, conclusion written, no letter recorded. No identity
 * is selected here (the listing shows ids and badge tokens only). */
static const char *s_sql_due =
    "SELECT x.*, clinical.report_days_late(x.due_by, NULL) AS days_late FROM ("
    "  SELECT e.enrolment_id, e.subject_id, s.badge_token, e.status, e.end_date, e.route, "
    "         clinical.report_due_date(e.route, e.end_date) AS due_by "
    "  FROM clinical.enrolment e JOIN clinical.subject s ON s.subject_id = e.subject_id "
    "  WHERE e.status IN ('completed', 'dropped_out') "
    "    AND EXISTS (SELECT 1 FROM clinical.conclusion c WHERE c.enrolment_id = e.enrolment_id) "
    "    AND NOT EXISTS (SELECT 1 FROM clinical.report_issued r "
    "                    WHERE r.enrolment_id = e.enrolment_id AND r.kind = 'letter')) x "
    "ORDER BY clinical.local_date(now()) > x.due_by DESC, x.due_by, x.enrolment_id";

static void
s_progress(int done, int total, const char *what)
{
    const int width = 30;
    int fill = total ? done * width / total : width;
    fprintf(stderr, "\r[%.*s%*s] %d/%d %-30s", fill, "##############################", width - fill,
            "", done, total, what);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

/* One batch at a time: two at once could both send a report. */
static int
s_batch_lock(PGconn *conn)
{
    rl_err_t err;
    PGresult *res =
        rl_db_exec(conn, &err, "taking the batch lock",
                   "SELECT pg_try_advisory_lock(hashtext('ruglab-report batch'))", 0, NULL);
    if (!res) {
        rl_cli_fail("batch: %s", err.msg);
        return RL_EXIT_DB;
    }
    bool locked = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    if (!locked) {
        rl_cli_fail("batch: another ruglab-report batch is running; try again when it is done");
        return RL_EXIT_FAIL;
    }
    return RL_EXIT_OK;
}

/* --dry-run: the reports due (rows of s_sql_due), overdue ones first. */
static void
s_batch_list(const PGresult *res)
{
    int n = PQntuples(res);
    printf("%-10s %-10s %-16s %-12s %-10s %-7s %-10s %s\n", "enrolment", "subject", "badge",
           "status", "ended", "route", "due by", "late");
    int overdue = 0;
    for (int i = 0; i < n; i++) {
        int late = atoi(PQgetvalue(res, i, 7));
        char late_s[32] = "-";
        if (late > 0)
            snprintf(late_s, sizeof late_s, "OVERDUE %d d", late);
        overdue += late > 0;
        printf("%-10s %-10s %-16s %-12s %-10s %-7s %-10s %s\n", PQgetvalue(res, i, 0),
               PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
               PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), PQgetvalue(res, i, 6), late_s);
    }
    printf("%d report%s due, %d overdue (listed first; dry run: nothing generated)\n", n,
           n == 1 ? "" : "s", overdue);
}

/* The counts of a batch run. */
typedef struct {
    int done;
    int refused;
    bool tty; /* progress bar on stderr instead of the file names */
} s_batch_t;

/* Writes and records the final letter of one enrolment due (row i of
 * s_sql_due). Returns RL_EXIT_OK (also when it is refused: counted in
 * b->refused), else the exit code that stops the batch. */
static int
s_batch_one(PGconn *conn, const s_opts_t *o, const PGresult *due, int i, s_batch_t *b)
{
    const char *subject = PQgetvalue(due, i, 1);
    long long eid = atoll(PQgetvalue(due, i, 0));
    int rc;
    rl_err_t err;
    rpt_model_t *m = rpt_model_load(conn, subject, eid, "batch", &rc, &err);
    if (!m) {
        rl_cli_fail("batch: enrolment %lld: %s", eid, err.msg);
        return rc;
    }
    const char *why = rpt_final_refusal(m);
    if (why) {
        /* the others are still sent; the exit status says one was not */
        rl_cli_fail("batch: enrolment %lld not sent: %s", eid, why);
        b->refused++;
        rpt_model_destroy(&m);
        return RL_EXIT_OK;
    }
    char *out = rl_asprintf("%s/eindverslag-%lld-%lld-%s.pdf", o->out_dir ? o->out_dir : ".",
                            m->subject_id, m->enrolment_id, o->lang);
    rc = s_letter_file(conn, m, o->lang, false, NULL, out, "batch");
    if (rc != RL_EXIT_FAIL)
        b->done++;
    if (rc == RL_EXIT_OK && !b->tty)
        printf("%s\n", out);
    free(out);
    rpt_model_destroy(&m);
    return rc;
}

static int
s_cmd_batch(PGconn *conn, const s_opts_t *o)
{
    if (!o->due) {
        rl_cli_fail("batch: --due is required (the reports that are due)");
        return RL_EXIT_USAGE;
    }
    if (s_check_lang(o, "batch") != 0)
        return RL_EXIT_USAGE;
    int rc = s_batch_lock(conn);
    if (rc != RL_EXIT_OK)
        return rc;
    rl_err_t err;
    PGresult *res = rl_db_exec(conn, &err, "finding the reports due", s_sql_due, 0, NULL);
    if (!res) {
        rl_cli_fail("batch: %s", err.msg);
        return RL_EXIT_DB;
    }
    int n = PQntuples(res);
    if (n == 0 || o->dry_run) {
        if (n == 0)
            printf("no reports due\n");
        else
            s_batch_list(res);
        PQclear(res);
        return RL_EXIT_OK;
    }
    s_batch_t b = {.tty = isatty(STDERR_FILENO)};
    for (int i = 0; i < n && rc == RL_EXIT_OK; i++) {
        char what[64];
        snprintf(what, sizeof what, "enrolment %s", PQgetvalue(res, i, 0));
        if (b.tty)
            s_progress(b.done, n, what);
        rc = s_batch_one(conn, o, res, i, &b);
    }
    if (b.tty && rc == RL_EXIT_OK)
        s_progress(b.done, n, "done");
    PQclear(res);
    if (rc == RL_EXIT_OK)
        printf("%d report%s generated and recorded%s\n", b.done, b.done == 1 ? "" : "s",
               b.refused ? "; some were refused (see above)" : "");
    if (rc == RL_EXIT_OK && b.refused)
        rc = RL_EXIT_FAIL;
    return rc;
}

/* The commands after the global options. */
typedef struct {
    const char *name;
    int (*run)(PGconn *conn, const s_opts_t *o);
    bool patient; /* takes PATIENT (batch takes none) */
    bool letter;  /* draws letters: the font caches are released at the end */
} s_command_t;

static const s_command_t s_commands[] = {
    {"compare", s_cmd_compare, true, false}, {"letter", s_cmd_letter, true, true},
    {"export", s_cmd_export, true, true},    {"handout", s_cmd_handout, true, true},
    {"batch", s_cmd_batch, false, true},
};

static const s_command_t *
s_command(const char *name)
{
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        if (!strcmp(s_commands[i].name, name))
            return &s_commands[i];
    return NULL;
}

int
main(int argc, char **argv)
{
    rl_cli_init("ruglab-report");
    if (rl_text_check_args("ruglab-report", argc, argv))
        return RL_EXIT_FAIL;
    s_opts_t o = {0};
    bool check_config = false;
    rl_cli_ctx_t globals = {0};
    int i = argc;
    int rc = rl_cli_parse_globals(&s_cli, argc, argv, &globals, &check_config, &i);
    if (rc >= 0)
        return rc;
    o.db_flag = globals.db_flag;
    if (check_config)
        return s_check_config(&o);
    if (i >= argc) {
        s_usage(stderr);
        return RL_EXIT_USAGE;
    }
    const char *cmd = argv[i];
    if (rl_cli_wants_help(argc - i, argv + i)) {
        s_usage(stdout);
        return RL_EXIT_OK;
    }
    rc = s_parse(argc, argv, i + 1, &o);
    if (rc != RL_EXIT_OK)
        return rc;
    if (!o.lang)
        o.lang = "nl";
    const s_command_t *command = s_command(cmd);
    if (!command) {
        rl_cli_fail("unknown command '%s' (see ruglab-report --help)", cmd);
        return RL_EXIT_USAGE;
    }
    if (!command->patient && o.patient) {
        rl_cli_fail("%s: unexpected argument '%s' (%s takes no PATIENT)", cmd, o.patient, cmd);
        return RL_EXIT_USAGE;
    }
    if (command->patient && !o.patient) {
        rl_cli_fail("%s: PATIENT is required (badge token, subject id or INSZ)", cmd);
        return RL_EXIT_USAGE;
    }
    PGconn *conn = s_connect(&o);
    if (!conn)
        return RL_EXIT_DB;
    if (sodium_init() < 0) {
        rl_cli_fail("libsodium failed to initialise");
        PQfinish(conn);
        return RL_EXIT_FAIL;
    }
    rc = command->run(conn, &o);
    PQfinish(conn);
    if (command->letter)
        rpt_letter_cleanup();
    return rc;
}
