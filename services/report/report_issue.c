/* Issuing a final report: the checks before a final (non-draft) report,
 * rendering the letter into a private working directory, the export texts
 * (FHIR Bundle, KMEHR message) of a rendered letter, SHA-256 and the
 * record in clinical.report_issued. Shared by ruglab-report's commands and
 * ruglab-web's sign-off: no printing here, errors in rl_err_t. */
#include "report.h"

#include "ruglab/audit.h"
#include "ruglab/db.h"
#include "ruglab/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include "ruglab/paths.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
rpt_write_file(const char *path, const void *data, size_t len, rl_err_t *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return rl_err_set(err, "cannot write %s: %s", path, strerror(errno));
    size_t put = fwrite(data, 1, len, f);
    int e = errno;
    if (fclose(f) != 0 || put != len) {
        rl_err_set(err, "cannot write %s: %s", path, strerror(put != len ? e : errno));
        unlink(path);
        return -1;
    }
    return 0;
}

int
rpt_write_durable(const char *path, const void *data, size_t len, rl_err_t *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0)
        return rl_err_set(err, "cannot write %s: %s", path, strerror(errno));
    /* group-readable whatever the umask (the messaging reads it) */
    if (fchmod(fd, 0640) != 0) {
        int e = errno;
        close(fd);
        unlink(path);
        return rl_err_set(err, "cannot write %s: %s", path, strerror(e));
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        left -= (size_t)n;
    }
    int e = errno;
    if (left > 0 || fsync(fd) != 0) {
        if (left == 0)
            e = errno;
        close(fd);
        unlink(path);
        return rl_err_set(err, "cannot write %s: %s", path, strerror(e));
    }
    if (close(fd) != 0) {
        e = errno;
        unlink(path);
        return rl_err_set(err, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

int
rpt_fsync_dir(const char *dir, rl_err_t *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return rl_err_set(err, "cannot sync the folder %s: %s", dir, strerror(e));
    }
    close(fd);
    return 0;
}

void
rpt_sha256_hex(const unsigned char *data, size_t len, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

int
rpt_record(PGconn *conn, const rpt_model_t *m, const rpt_record_t *r, long long *report_id,
           rl_err_t *err)
{
    char eid[32], rid[32];
    snprintf(eid, sizeof eid, "%lld", m->enrolment_id);
    snprintf(rid, sizeof rid, "%lld", r->release_id);
    char *abs = r->path ? realpath(r->path, NULL) : NULL;
    const char *params[] = {eid,
                            r->kind,
                            r->lang,
                            r->sha256,
                            abs ? abs : r->path,
                            rl_audit_reader(),
                            r->via,
                            r->release_id > 0 ? rid : NULL};
    /* the release column exists from migration 503 on; a report outside a
     * release leaves it out */
    PGresult *res =
        r->release_id > 0
            ? rl_db_exec(conn, err, "recording the report",
                         "INSERT INTO clinical.report_issued (enrolment_id, kind, lang, sha256, "
                         "path, generated_by, via, release_id) VALUES ($1, $2, $3, $4, $5, $6, "
                         "$7, $8) RETURNING report_id",
                         8, params)
            : rl_db_exec(conn, err, "recording the report",
                         "INSERT INTO clinical.report_issued (enrolment_id, kind, lang, sha256, "
                         "path, generated_by, via) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                         "RETURNING report_id",
                         7, params);
    free(abs);
    if (!res)
        return -1;
    if (report_id)
        *report_id = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

unsigned char *
rpt_render(const rpt_model_t *m, const char *lang, bool draft, const char *dir,
           const char *charts_dir, size_t *len, rl_err_t *err)
{
    rpt_charts_t charts;
    if (charts_dir && mkdir(charts_dir, 0750) != 0 && errno != EEXIST) {
        rl_err_set(err, "cannot create %s: %s", charts_dir, strerror(errno));
        return NULL;
    }
    if (rpt_charts_make(m, lang, charts_dir ? charts_dir : dir, &charts, err) != 0)
        return NULL;
    char *pdf = rl_asprintf("%s/letter.pdf", dir);
    unsigned char *bytes = NULL;
    if (rpt_letter_write(m, &charts, lang, draft, pdf, err) == 0 &&
        !(bytes = rl_paths_read_file(pdf, len)))
        rl_err_set(err, "cannot read back %s: %s", pdf, strerror(errno));
    rpt_charts_free(&charts);
    free(pdf);
    return bytes;
}

const char *
rpt_final_refusal(const rpt_model_t *m)
{
    if (m->has_reference && !m->reference_validated)
        return "the reference values for this device model are not marked validated, and a "
               "final report never shows % of reference from such a table: load the "
               "manufacturer's or the site's validated table (ruglab reference load FILE "
               "--citation ... --population ... --validated), or use --draft";
    return NULL;
}

rpt_refusal_t
rpt_may_issue(const rpt_model_t *m, const char *patient, rl_err_t *err)
{
    const char *why = rpt_final_refusal(m);
    if (why) {
        rl_err_set(err, "%s", why);
        return RPT_REFUSE_REFERENCE;
    }
    if (!rpt_model_ended(m)) {
        rl_err_set(err,
                   "the programme of patient %lld has not ended (enrolment %lld is %s); a final "
                   "report is refused, use --draft for a draft",
                   m->subject_id, m->enrolment_id, m->status);
        return RPT_REFUSE_RUNNING;
    }
    if (!m->conclusion) {
        rl_err_set(err,
                   "no conclusion written for enrolment %lld yet (ruglab conclusion set %s); "
                   "use --draft for a draft",
                   m->enrolment_id, patient);
        return RPT_REFUSE_NO_CONCLUSION;
    }
    return RPT_MAY_ISSUE;
}

char *
rpt_export_text(const rpt_model_t *m, bool kmehr, const unsigned char *pdf, size_t len,
                const char *lang, bool draft, rl_err_t *err)
{
    if (kmehr)
        return rpt_kmehr_message(m, pdf, len, lang, draft, err);
    json_t *bundle = rpt_fhir_bundle(m, pdf, len, lang, draft, err);
    if (!bundle)
        return NULL;
    char *json = json_dumps(bundle, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(bundle);
    if (!json) {
        rl_err_set(err, "cannot serialise the bundle");
        return NULL;
    }
    char *text = rl_asprintf("%s\n", json);
    free(json);
    return text;
}

const char *
rpt_kmehr_missing(const rpt_model_t *m)
{
    if (!m->gp_riziv)
        return "gp_riziv";
    if (!m->physician_riziv)
        return "physician_riziv";
    return NULL;
}
