/*
 * report_csv.h — --format csv|tsv: one header row, then one row per
 * connection (RFC 4180: fields that hold the separator, a quote, CR or LF
 * are quoted, quotes doubled, rows end in CRLF; tsv is the same with a tab
 * as the separator). Each row is written whole with one fwrite. The columns
 * are the table in report_csv.c (docs/usage.md lists them). Strings from the
 * wire are made valid UTF-8, and a quote is put before one that starts with
 * = + - @ (so a spreadsheet never runs it as a formula).
 *
 * The inventory CSV (--inventory FILE): one row per (client certificate,
 * client address, server) triple of the summary, in the summary's order.
 */
#ifndef MTLS_REPORT_CSV_H
#define MTLS_REPORT_CSV_H

#include <stdio.h>

#include "compiler.h"
#include "summary.h"

/* Write the inventory CSV of sm (after summary_set_capture). 0, or -1 on a
 * write error or OOM. */
int summary_write_inventory_csv(FILE *out, const summary *sm) MTLS_WARN_UNUSED;

#endif
