/* Schema migration runner (see migrate.h). The migration files are our
 * own trusted SQL and run through the simple query protocol so that one
 * file may hold many statements; the bookkeeping is parameterised. */
#include "ruglab/migrate.h"

#include "ruglab/db.h"
#include "ruglab/mem.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Arbitrary constant: the advisory lock that serialises migrations. */
#define S_LOCK_KEY "7315900214"

typedef struct {
    char *name; /* file name, e.g. 003_measurements.sql */
    char *sql;  /* contents */
    char sha[crypto_hash_sha256_BYTES * 2 + 1];
    char *applied_sha; /* recorded checksum, NULL if pending */
    char *applied_at;
} s_file_t;

typedef struct {
    s_file_t *v;
    size_t n;
} s_files_t;

static void
s_files_free(s_files_t *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        free(fs->v[i].name);
        free(fs->v[i].sql);
        free(fs->v[i].applied_sha);
        free(fs->v[i].applied_at);
    }
    free(fs->v);
    fs->v = NULL;
    fs->n = 0;
}

static bool
s_is_migration(const char *name)
{
    size_t len = strlen(name);
    return len > 8 && isdigit((unsigned char)name[0]) && isdigit((unsigned char)name[1]) &&
           isdigit((unsigned char)name[2]) && name[3] == '_' && strcmp(name + len - 4, ".sql") == 0;
}

static int
s_cmp(const void *a, const void *b)
{
    return strcmp(((const s_file_t *)a)->name, ((const s_file_t *)b)->name);
}

static int
s_read_file(const char *path, char **out, rl_err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rl_err_set(err, "cannot read %s: %s", path, strerror(errno));
    size_t cap = 8192, len = 0;
    char *buf = rl_malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0)
            buf = rl_realloc(buf, cap *= 2);
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return rl_err_set(err, "cannot read %s: I/O error", path);
    }
    buf[len] = '\0';
    if (strlen(buf) != len) {
        free(buf);
        return rl_err_set(err, "%s holds a NUL byte: not a migration", path);
    }
    *out = buf;
    return 0;
}

static int
s_list(const char *dir, s_files_t *fs, rl_err_t *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return rl_err_set(err, "cannot open migrations directory %s: %s", dir, strerror(errno));
    struct dirent *de;
    size_t cap = 0;
    int rc = 0;
    while ((de = readdir(d))) {
        if (!s_is_migration(de->d_name))
            continue;
        if (fs->n == cap)
            fs->v = rl_realloc(fs->v, (cap = cap ? cap * 2 : 16) * sizeof *fs->v);
        s_file_t *f = &fs->v[fs->n];
        memset(f, 0, sizeof *f);
        f->name = rl_strdup(de->d_name);
        fs->n++;
        char *path = rl_asprintf("%s/%s", dir, de->d_name);
        rc = s_read_file(path, &f->sql, err);
        free(path);
        if (rc)
            break;
        unsigned char h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, (const unsigned char *)f->sql, strlen(f->sql));
        sodium_bin2hex(f->sha, sizeof f->sha, h, sizeof h);
    }
    closedir(d);
    if (rc == 0 && fs->n == 0)
        rc = rl_err_set(err, "no migrations (NNN_name.sql) found in %s", dir);
    qsort(fs->v, fs->n, sizeof *fs->v, s_cmp);
    return rc;
}

/* A fixed command without parameters (may hold several statements). */
static int
s_command(PGconn *conn, const char *sql, const char *what, rl_err_t *err)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        rc = rl_err_set(err, "%s: %s", what,
                        PQstatus(conn) == CONNECTION_OK ? rl_db_result_error(res)
                                                        : rl_db_error(conn));
    PQclear(res);
    return rc;
}

/* Loads the recorded migrations into fs; recorded ones without a file are
 * reported through missing (caller frees). */
static int
s_load_applied(PGconn *conn, s_files_t *fs, char **missing, rl_err_t *err)
{
    if (s_command(conn,
                  "CREATE SCHEMA IF NOT EXISTS ruglab_meta;"
                  "CREATE TABLE IF NOT EXISTS ruglab_meta.schema_migration ("
                  " filename text PRIMARY KEY, sha256 text NOT NULL,"
                  " applied_at timestamptz NOT NULL DEFAULT now(),"
                  " applied_by text NOT NULL DEFAULT current_user)",
                  "creating ruglab_meta.schema_migration", err))
        return -1;
    PGresult *res = rl_db_exec(conn, err, "reading ruglab_meta.schema_migration",
                               "SELECT filename, sha256, to_char(applied_at, 'YYYY-MM-DD HH24:MI') "
                               "FROM ruglab_meta.schema_migration ORDER BY filename",
                               0, NULL);
    if (!res)
        return -1;
    *missing = NULL;
    for (int r = 0; r < PQntuples(res); r++) {
        const char *name = PQgetvalue(res, r, 0);
        s_file_t key = {.name = (char *)name};
        s_file_t *f = bsearch(&key, fs->v, fs->n, sizeof *fs->v, s_cmp);
        if (f) {
            f->applied_sha = rl_strdup(PQgetvalue(res, r, 1));
            f->applied_at = rl_strdup(PQgetvalue(res, r, 2));
        } else if (!*missing) {
            *missing = rl_strdup(name);
        }
    }
    PQclear(res);
    return 0;
}

static int
s_prepare(PGconn *conn, const char *dir, s_files_t *fs, char **missing, rl_err_t *err)
{
    if (s_list(dir, fs, err))
        return -1;
    return s_load_applied(conn, fs, missing, err);
}

int
rl_migrate_run(PGconn *conn, const char *dir, FILE *out, rl_err_t *err)
{
    s_files_t fs = {0};
    char *missing = NULL;
    int applied = -1;
    bool locked = false;

    if (sodium_init() < 0) {
        rl_err_set(err, "libsodium failed to initialise");
        goto out;
    }
    if (s_command(conn, "SELECT pg_advisory_lock(" S_LOCK_KEY ")", "taking the migration lock",
                  err))
        goto out;
    locked = true;
    if (s_prepare(conn, dir, &fs, &missing, err))
        goto out;
    if (missing) {
        rl_err_set(err,
                   "migration %s was applied to this database but is not in %s: "
                   "refusing to migrate with a different set of migrations",
                   missing, dir);
        goto out;
    }
    for (size_t i = 0; i < fs.n; i++) {
        if (fs.v[i].applied_sha && strcmp(fs.v[i].applied_sha, fs.v[i].sha) != 0) {
            rl_err_set(err,
                       "migration %s/%s changed after it was applied on %s "
                       "(sha256 was %.12s..., is now %.12s...): restore the file and add a new "
                       "migration instead",
                       dir, fs.v[i].name, fs.v[i].applied_at, fs.v[i].applied_sha, fs.v[i].sha);
            goto out;
        }
    }
    applied = 0;
    for (size_t i = 0; i < fs.n; i++) {
        s_file_t *f = &fs.v[i];
        if (f->applied_sha)
            continue;
        if (s_command(conn, "BEGIN", "starting a transaction", err))
            goto fail;
        PGresult *res = PQexec(conn, f->sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
            rl_err_set(err, "migration %s/%s failed: %s", dir, f->name,
                       PQstatus(conn) == CONNECTION_OK ? rl_db_result_error(res)
                                                       : rl_db_error(conn));
            PQclear(res);
            PQclear(PQexec(conn, "ROLLBACK"));
            goto fail;
        }
        PQclear(res);
        const char *params[2] = {f->name, f->sha};
        res = rl_db_exec(conn, err, "recording the migration",
                         "INSERT INTO ruglab_meta.schema_migration (filename, sha256) "
                         "VALUES ($1, $2)",
                         2, params);
        if (!res) {
            PQclear(PQexec(conn, "ROLLBACK"));
            goto fail;
        }
        PQclear(res);
        if (s_command(conn, "COMMIT", "committing the migration", err))
            goto fail;
        applied++;
        if (out)
            fprintf(out, "applied %s\n", f->name);
    }
    goto out;
fail:
    applied = -1;
out:
    if (locked)
        PQclear(PQexec(conn, "SELECT pg_advisory_unlock(" S_LOCK_KEY ")"));
    free(missing);
    s_files_free(&fs);
    return applied;
}

int
rl_migrate_status(PGconn *conn, const char *dir, FILE *out, rl_err_t *err)
{
    s_files_t fs = {0};
    char *missing = NULL;
    int problems = -1;
    if (sodium_init() < 0) {
        rl_err_set(err, "libsodium failed to initialise");
        goto out;
    }
    if (s_prepare(conn, dir, &fs, &missing, err))
        goto out;
    problems = 0;
    if (missing) {
        fprintf(out, "MISSING  %s (applied, file not in %s)\n", missing, dir);
        problems++;
    }
    for (size_t i = 0; i < fs.n; i++) {
        s_file_t *f = &fs.v[i];
        if (!f->applied_sha) {
            fprintf(out, "pending  %s\n", f->name);
        } else if (strcmp(f->applied_sha, f->sha) != 0) {
            fprintf(out, "CHANGED  %s (applied %s, file differs)\n", f->name, f->applied_at);
            problems++;
        } else {
            fprintf(out, "applied  %s  %s\n", f->name, f->applied_at);
        }
    }
out:
    free(missing);
    s_files_free(&fs);
    return problems;
}
