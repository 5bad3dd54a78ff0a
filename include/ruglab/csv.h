/* CSV output as RFC 4180 has it, for the tables the command-line tools
 * print: a field is quoted when it holds a comma, a double quote, CR or
 * LF, and its quotes are doubled. The caller writes the separators. */
#ifndef RUGLAB_CSV_H
#define RUGLAB_CSV_H

#include <stdio.h>

/* Writes s as one CSV field (nothing for NULL or ""). */
void rl_csv_field(FILE *out, const char *s);

#endif
