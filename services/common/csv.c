/* CSV fields (see csv.h). */
#include "ruglab/csv.h"

#include <assert.h>
#include <string.h>

void
rl_csv_field(FILE *out, const char *s)
{
    assert(out);
    if (!s)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}
