/* The ingest baseline of `make bench`: a minimal libpq program that loads
 * raw curve samples with COPY ... FROM STDIN (FORMAT binary), the fastest
 * way PostgreSQL takes rows, with no network hop, no spool, no validation
 * and no deduplication. Two layouts, in the cluster the pipeline writes to:
 *
 *   batch  one row per 100-sample batch, smallint arrays, exactly the
 *          columns of meas.sample_batch as ruglab-collector writes them
 *   row    one row per sample (bench.sample_row), the layout ruglab chose
 *          not to use; shows what the storage decision buys
 *
 * usage: bench_copy CONNINFO batch|row SAMPLES
 * Prints "samples=N seconds=S samples_per_s=R" on stdout. */
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_BATCH 100
/* Microseconds between 1970-01-01 and 2000-01-01 (PostgreSQL's epoch). */
#define S_PG_EPOCH_US 946684800000000LL

typedef struct {
    char *buf;
    size_t len, cap;
} s_buf_t;

static void
s_put(s_buf_t *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->buf = realloc(b->buf, b->cap);
        if (!b->buf)
            abort();
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

static void
s_i16(s_buf_t *b, int16_t v)
{
    uint16_t x = htons((uint16_t)v);
    s_put(b, &x, 2);
}

static void
s_i32(s_buf_t *b, int32_t v)
{
    uint32_t x = htonl((uint32_t)v);
    s_put(b, &x, 4);
}

static void
s_i64(s_buf_t *b, int64_t v)
{
    s_i32(b, (int32_t)(uint32_t)((uint64_t)v >> 32));
    s_i32(b, (int32_t)(uint32_t)((uint64_t)v & 0xffffffffu));
}

static void
s_field_i64(s_buf_t *b, int64_t v)
{
    s_i32(b, 8);
    s_i64(b, v);
}

static void
s_field_i32(s_buf_t *b, int32_t v)
{
    s_i32(b, 4);
    s_i32(b, v);
}

static void
s_field_i16(s_buf_t *b, int16_t v)
{
    s_i32(b, 2);
    s_i16(b, v);
}

static void
s_field_text(s_buf_t *b, const char *s)
{
    s_i32(b, (int32_t)strlen(s));
    s_put(b, s, strlen(s));
}

static void
s_field_i16_array(s_buf_t *b, const int16_t *v, int n)
{
    s_i32(b, 20 + 6 * n);
    s_i32(b, 1);  /* dimensions */
    s_i32(b, 0);  /* no NULLs */
    s_i32(b, 21); /* int2 */
    s_i32(b, n);
    s_i32(b, 1); /* lower bound */
    for (int i = 0; i < n; i++) {
        s_i32(b, 2);
        s_i16(b, v[i]);
    }
}

static double
s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
s_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "bench_copy: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    return ok ? 0 : -1;
}

static const char *const s_copy_row_sql =
    "COPY bench.sample_row (device_id, boot_id, seq, sample_index, taken_at,"
    " angle_ddeg, torque_dnm) FROM STDIN (FORMAT binary)";
static const char *const s_copy_batch_sql =
    "COPY meas.sample_batch (device_id, boot_id, seq, taken_at, session_id,"
    " enrolment_id, direction, context, context_number, sample_rate_hz, first_index,"
    " angle_ddeg, torque_dnm) FROM STDIN (FORMAT binary)";

/* The command line. */
typedef struct {
    const char *conninfo;
    int per_row; /* "row", else "batch" */
    long samples;
} s_opts_t;

/* What one run loads. */
typedef struct {
    char device[64]; /* fresh per run: the rows never collide with earlier runs */
    int64_t t0;      /* taken_at of the first batch, PostgreSQL's epoch */
    long batches;
} s_load_t;

/* The rows of batch number seq: one (batch) or S_BATCH (row). */
static void
s_encode_batch(s_buf_t *b, const s_opts_t *o, const s_load_t *l, long seq)
{
    const char *device = l->device;
    int16_t angle[S_BATCH], torque[S_BATCH];
    for (int i = 0; i < S_BATCH; i++) {
        angle[i] = (int16_t)((seq * 7 + i) % 900);
        torque[i] = (int16_t)((seq * 13 + i * 3) % 2000);
    }
    int64_t ts = l->t0 + seq * 1000000;
    if (o->per_row) {
        for (int i = 0; i < S_BATCH; i++) {
            s_i16(b, 7);
            s_field_text(b, device);
            s_field_i64(b, 1);
            s_field_i64(b, seq);
            s_field_i32(b, i);
            s_field_i64(b, ts + i * 10000);
            s_field_i16(b, angle[i]);
            s_field_i16(b, torque[i]);
        }
        return;
    }
    s_i16(b, 13);
    s_field_text(b, device);
    s_field_i64(b, 1);
    s_field_i64(b, seq);
    s_field_i64(b, ts);
    s_field_text(b, "bench-session");
    s_field_i64(b, 1);
    s_field_text(b, "extension");
    s_field_text(b, "training_set");
    s_field_i32(b, 1);
    s_field_i32(b, 100);
    s_field_i64(b, (seq - 1) * S_BATCH);
    s_field_i16_array(b, angle, S_BATCH);
    s_field_i16_array(b, torque, S_BATCH);
}

/* Streams the batches into the COPY started on c, in pieces of about 1 MiB. */
static int
s_copy_data(PGconn *c, const s_opts_t *o, const s_load_t *l, s_buf_t *b)
{
    static const char sig[11] = "PGCOPY\n\377\r\n";
    s_put(b, sig, 11);
    s_i32(b, 0);
    s_i32(b, 0);
    for (long seq = 1; seq <= l->batches; seq++) {
        s_encode_batch(b, o, l, seq);
        if (b->len > (1 << 20) || seq == l->batches) {
            if (seq == l->batches)
                s_i16(b, -1);
            if (PQputCopyData(c, b->buf, (int)b->len) != 1) {
                fprintf(stderr, "bench_copy: %s", PQerrorMessage(c));
                return -1;
            }
            b->len = 0;
        }
    }
    return 0;
}

/* Loads the batches in one transaction: 0, or -1 (said). */
static int
s_run(PGconn *c, const s_opts_t *o, const s_load_t *l, s_buf_t *b)
{
    if (s_exec(c, "BEGIN"))
        return -1;
    PGresult *r = PQexec(c, o->per_row ? s_copy_row_sql : s_copy_batch_sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fprintf(stderr, "bench_copy: %s", PQerrorMessage(c));
        return -1;
    }
    PQclear(r);
    if (s_copy_data(c, o, l, b))
        return -1;
    if (PQputCopyEnd(c, NULL) != 1)
        return -1;
    r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "bench_copy: COPY failed: %s", PQerrorMessage(c));
        return -1;
    }
    PQclear(r);
    return s_exec(c, "COMMIT");
}

int
main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[2], "batch") && strcmp(argv[2], "row"))) {
        fprintf(stderr, "usage: bench_copy CONNINFO batch|row SAMPLES\n");
        return 2;
    }
    s_opts_t o = {argv[1], !strcmp(argv[2], "row"), atol(argv[3])};
    PGconn *c = PQconnectdb(o.conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench_copy: %s", PQerrorMessage(c));
        return 3;
    }
    if (o.per_row && s_exec(c, "CREATE SCHEMA IF NOT EXISTS bench;"
                               "CREATE TABLE IF NOT EXISTS bench.sample_row ("
                               " device_id text, boot_id bigint, seq bigint, sample_index int,"
                               " taken_at timestamptz, angle_ddeg smallint, torque_dnm smallint,"
                               " PRIMARY KEY (device_id, boot_id, seq, sample_index))"))
        return 3;
    s_load_t l;
    snprintf(l.device, sizeof l.device, "bench-copy-%ld-%d", (long)time(NULL), (int)getpid());
    l.t0 = (int64_t)time(NULL) * 1000000 - S_PG_EPOCH_US;
    l.batches = (o.samples + S_BATCH - 1) / S_BATCH;
    s_buf_t b = {0};
    double start = s_now();
    if (s_run(c, &o, &l, &b))
        return 3;
    double secs = s_now() - start;
    long n = l.batches * S_BATCH;
    printf("samples=%ld seconds=%.3f samples_per_s=%.0f\n", n, secs, (double)n / secs);
    free(b.buf);
    PQfinish(c);
    return 0;
}
