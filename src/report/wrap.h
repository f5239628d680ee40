/*
 * wrap.h — paragraphs that fit a terminal.
 *
 * A report's long sentences (explanation, fix, findings) are written on one
 * line for files and pipes (what scripts and goldens read) and, on a terminal,
 * broken at spaces to its width with a hanging indent.
 */
#ifndef MTLS_WRAP_H
#define MTLS_WRAP_H

#include <stddef.h>
#include <stdio.h>

#include "compiler.h"

/*
 * Write text (already escaped: printable, no control characters) to f. The
 * caller has written a prefix of col columns on the current line. With width
 * 0 the text is written as is; otherwise lines are broken at spaces so that
 * none passes width columns (a word longer than a line is kept whole, never
 * cut), each continuation line starting with indent spaces. A column is a
 * UTF-8 character. Writes no final newline. Returns 0, or -1 on a write error.
 */
int wrap_fputs(FILE *f, const char *text, size_t col, size_t indent, size_t width) MTLS_WARN_UNUSED;

/* Columns text takes on a terminal (UTF-8 characters). */
size_t wrap_columns(const char *text);

#endif
