/*
 * csv_row.h — one RFC 4180 row at a time, for the CSV outputs (report_csv.c,
 * certdump.c's index.csv): fields that hold the separator, a quote, CR or LF
 * are quoted and their quotes doubled; a row ends in CRLF and is written
 * with one fwrite. A string from the wire is made valid UTF-8, and a quote
 * is put before one that starts with = + - @ so that a spreadsheet never
 * runs it as a formula.
 */
#ifndef MTLS_CSV_ROW_H
#define MTLS_CSV_ROW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "growbuf.h"
#include "session.h"

/* A row being built: start it zeroed with its separator ({.sep = ','}),
 * free its buffer with growbuf_free(&r.b) at the end. */
typedef struct row {
    growbuf b;
    char sep;
    size_t n; /* fields so far */
} csv_row;

/* One field; NULL or "" is an empty field. wire: s came off the wire. */
void csv_field(csv_row *r, const char *s, bool wire);
void csv_field_u64(csv_row *r, uint64_t v);
void csv_field_time(csv_row *r, uint64_t us);  /* RFC 3339 UTC with microseconds; 0 is empty */
void csv_field_day(csv_row *r, int64_t t);     /* a certificate date (seconds) as RFC 3339 */
void csv_field_bool(csv_row *r, bool v);       /* true / false */
void csv_field_ip(csv_row *r, const endpoint_t *e);
/* Names as a header row. */
void csv_header(csv_row *r, const char *const *names, size_t n);
/* End the row (CRLF) and write it whole; the row is then empty again.
 * 0, or -1 on OOM or a write error. */
int csv_write_row(FILE *out, csv_row *r);

#endif
