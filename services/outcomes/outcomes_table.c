/* A result table of text cells, printed as an aligned table, CSV (RFC 4180
 * quoting) or JSON (an array of objects; numeric columns as numbers, "<5"
 * and other text as strings, missing cells as null), and a command's view
 * of a group table and a measure table in each format. */
#include "outcomes.h"

#include "ruglab/csv.h"
#include "ruglab/mem.h"

#include <assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct outcomes_table_t {
    size_t ncols;
    char **names;
    bool *numeric;
    size_t nrows, cap;
    char **cells;  /* nrows x ncols, pointing into the row's block */
    char **blocks; /* per row: its cells' text in one allocation */
};

outcomes_table_t *
outcomes_table_new(size_t ncols, const char *const *names, const bool *numeric)
{
    outcomes_table_t *self = rl_calloc(1, sizeof *self);
    self->ncols = ncols;
    self->names = rl_calloc(ncols, sizeof *self->names);
    self->numeric = rl_calloc(ncols, sizeof *self->numeric);
    for (size_t i = 0; i < ncols; i++) {
        self->names[i] = rl_strdup(names[i]);
        self->numeric[i] = numeric ? numeric[i] : false;
    }
    return self;
}

void
outcomes_table_destroy(outcomes_table_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    outcomes_table_t *self = *self_p;
    for (size_t r = 0; r < self->nrows; r++)
        free(self->blocks[r]);
    for (size_t i = 0; i < self->ncols; i++)
        free(self->names[i]);
    free(self->blocks);
    free(self->cells);
    free(self->names);
    free(self->numeric);
    free(self);
    *self_p = NULL;
}

size_t
outcomes_table_cols(const outcomes_table_t *self)
{
    return self->ncols;
}

const char *
outcomes_table_name(const outcomes_table_t *self, size_t col)
{
    return self->names[col];
}

const char *
outcomes_table_cell(const outcomes_table_t *self, size_t row, size_t col)
{
    return self->cells[row * self->ncols + col];
}

void
outcomes_table_add(outcomes_table_t *self, const char *const *cells)
{
    if (self->nrows == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 16;
        self->cells = rl_realloc(self->cells, self->cap * self->ncols * sizeof *self->cells);
        self->blocks = rl_realloc(self->blocks, self->cap * sizeof *self->blocks);
    }
    size_t size = 1;
    for (size_t i = 0; i < self->ncols; i++)
        size += cells[i] ? strlen(cells[i]) + 1 : 0;
    char *p = self->blocks[self->nrows] = rl_malloc(size);
    for (size_t i = 0; i < self->ncols; i++) {
        self->cells[self->nrows * self->ncols + i] = cells[i] ? p : NULL;
        if (cells[i]) {
            size_t len = strlen(cells[i]) + 1;
            memcpy(p, cells[i], len);
            p += len;
        }
    }
    self->nrows++;
}

size_t
outcomes_table_rows(const outcomes_table_t *self)
{
    return self->nrows;
}

/* Display width of UTF-8 text (code points; our text is Latin). */
static size_t
s_width(const char *s)
{
    size_t w = 0;
    for (; s && *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

/* n spaces. */
static void
s_pad(FILE *out, size_t n)
{
    static const char spaces[] = "                                ";
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        fwrite(spaces, 1, k, out);
        n -= k;
    }
}

static void
s_print_aligned(const outcomes_table_t *self, FILE *out)
{
    /* each cell's width once, row by row (the names are row 0) */
    size_t ncells = (self->nrows + 1) * self->ncols;
    size_t *cw = rl_malloc((ncells ? ncells : 1) * sizeof *cw);
    size_t *w = rl_calloc(self->ncols ? self->ncols : 1, sizeof *w);
    for (size_t r = 0; r <= self->nrows; r++)
        for (size_t c = 0; c < self->ncols; c++) {
            const char *s = r == 0 ? self->names[c] : self->cells[(r - 1) * self->ncols + c];
            size_t x = cw[r * self->ncols + c] = s_width(s ? s : "");
            if (x > w[c])
                w[c] = x;
        }
    for (size_t r = 0; r <= self->nrows; r++) {
        for (size_t c = 0; c < self->ncols; c++) {
            const char *s = r == 0 ? self->names[c] : self->cells[(r - 1) * self->ncols + c];
            if (!s)
                s = "";
            size_t pad = w[c] - cw[r * self->ncols + c];
            bool last = c + 1 == self->ncols;
            if (self->numeric[c] && r > 0) {
                s_pad(out, pad);
                fputs(s, out);
            } else {
                fputs(s, out);
                if (!last)
                    s_pad(out, pad);
            }
            if (!last)
                fputs("  ", out);
        }
        fputc('\n', out);
        if (r == 0) {
            for (size_t c = 0; c < self->ncols; c++) {
                for (size_t i = 0; i < w[c]; i++)
                    fputc('-', out);
                fputs(c + 1 < self->ncols ? "  " : "\n", out);
            }
        }
    }
    free(w);
    free(cw);
}

static void
s_print_csv(const outcomes_table_t *self, FILE *out)
{
    for (size_t r = 0; r <= self->nrows; r++) {
        for (size_t c = 0; c < self->ncols; c++) {
            rl_csv_field(out, r == 0 ? self->names[c] : self->cells[(r - 1) * self->ncols + c]);
            fputc(c + 1 < self->ncols ? ',' : '\n', out);
        }
    }
}

static json_t *
s_json_cell(const char *s, bool numeric)
{
    if (!s || !*s)
        return json_null();
    if (numeric) {
        char *end;
        double v = strtod(s, &end);
        if (*end == '\0' && end != s) {
            if (!strpbrk(s, ".eE"))
                return json_integer((json_int_t)strtoll(s, NULL, 10));
            return json_real(v);
        }
    }
    return json_string(s);
}

static json_t *
s_json(const outcomes_table_t *self)
{
    json_t *arr = json_array();
    for (size_t r = 0; r < self->nrows; r++) {
        json_t *obj = json_object();
        for (size_t c = 0; c < self->ncols; c++)
            json_object_set_new(obj, self->names[c],
                                s_json_cell(self->cells[r * self->ncols + c], self->numeric[c]));
        json_array_append_new(arr, obj);
    }
    return arr;
}

static void
s_dump(json_t *doc, FILE *out)
{
    json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    fputc('\n', out);
    json_decref(doc);
}

static void
s_print_json(const outcomes_table_t *self, FILE *out)
{
    s_dump(s_json(self), out);
}

void
outcomes_table_print_json2(const char *name_a, const outcomes_table_t *a, const char *name_b,
                           const outcomes_table_t *b, FILE *out)
{
    json_t *doc = json_object();
    json_object_set_new(doc, name_a, s_json(a));
    json_object_set_new(doc, name_b, s_json(b));
    s_dump(doc, out);
}

void
outcomes_table_print(const outcomes_table_t *self, rl_cli_format_t format, FILE *out)
{
    switch (format) {
    case RL_CLI_TABLE:
        s_print_aligned(self, out);
        break;
    case RL_CLI_CSV:
        s_print_csv(self, out);
        break;
    case RL_CLI_JSON:
        s_print_json(self, out);
        break;
    }
}

static void
s_view_table(const outcomes_view_t *view, FILE *out)
{
    outcomes_table_print(view->groups, RL_CLI_TABLE, out);
    if (!view->skip_empty_measures || outcomes_table_rows(view->measures)) {
        fputc('\n', out);
        outcomes_table_print(view->measures, RL_CLI_TABLE, out);
    }
    fprintf(out, "\n%s\n", view->note);
}

static void
s_view_csv(const outcomes_view_t *view, FILE *out)
{
    outcomes_table_print(view->csv, RL_CLI_CSV, out);
}

static void
s_view_json(const outcomes_view_t *view, FILE *out)
{
    outcomes_table_print_json2(view->groups_name, view->groups, "measures", view->measures, out);
}

/* One renderer of a view per output format. */
static void (*const s_view_printers[])(const outcomes_view_t *view, FILE *out) = {
    [RL_CLI_TABLE] = s_view_table,
    [RL_CLI_CSV] = s_view_csv,
    [RL_CLI_JSON] = s_view_json,
};

void
outcomes_view_print(const outcomes_view_t *view, rl_cli_format_t format, FILE *out)
{
    assert((size_t)format < sizeof s_view_printers / sizeof s_view_printers[0]);
    s_view_printers[format](view, out);
}

void
outcomes_view_clear(outcomes_view_t *view)
{
    if (view->csv == view->groups || view->csv == view->measures)
        view->csv = NULL;
    outcomes_table_destroy(&view->groups);
    outcomes_table_destroy(&view->measures);
    outcomes_table_destroy(&view->csv);
}
