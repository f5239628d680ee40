/*
 * summary_text.h — the text reporter's rendering of the end summary: counts
 * per verdict, what the capture counted, the client-certificate audit table,
 * then the links between connections ("Intermediates sent on other
 * connections:", "Resumptions:"). Read from the summary's view only; every
 * string from the wire goes through esc_fputs.
 */
#ifndef MTLS_SUMMARY_TEXT_H
#define MTLS_SUMMARY_TEXT_H

#include <stdbool.h>
#include <stdio.h>

#include "compiler.h"
#include "summary.h"

/* Write the summary to out; color: the heading in bold; width: wrap a long
 * validity sentence to this many columns (a terminal; 0: never). A chain's
 * sentence that a finding carries is named by the finding's code instead
 * (summary_cert.status_code). Returns 0, or -1 on a
 * write error (or when the links are incomplete for lack of memory). */
int summary_write_text(FILE *out, const summary *sm, bool color, size_t width) MTLS_WARN_UNUSED;

#endif
