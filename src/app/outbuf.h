/*
 * outbuf.h — report output kept in memory instead of written at once.
 *
 * An outbuf is a stdio stream (fopencookie) whose bytes collect in a growable
 * buffer: a --threads worker writes its connections there and hands them to
 * the one writer after each batch of packets; --sort cuts it after every
 * connection into a record (keyed by connection id) and prints the records in
 * key order at the end.
 */
#ifndef MTLS_OUTBUF_H
#define MTLS_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler.h"

typedef struct outbuf outbuf;

/* NULL when out of memory. */
outbuf *outbuf_new(void) MTLS_WARN_UNUSED;
void outbuf_free(outbuf *b); /* closes the stream; NULL is a no-op */
/* The stream to write to (fully buffered; outbuf_take flushes it). */
FILE *outbuf_stream(outbuf *b);
/* Flush the stream and hand over what was written since the last take:
 * *len bytes at the returned pointer, valid until the next write or take.
 * Returns NULL (and *len 0) when nothing was written. */
const char *outbuf_take(outbuf *b, size_t *len);
/* The bytes written and not yet taken, past the stream's own buffer. */
size_t outbuf_pending(const outbuf *b);
/* A write failed for want of memory since the buffer was made. */
bool outbuf_failed(const outbuf *b);

/* Write errors of the report's final stream (stdout), for every thread:
 * out_check(f) after writing to it records the first error with its errno
 * (ENOSPC, EIO, EPIPE, ...) and returns true when the stream failed;
 * out_errno() is that errno, 0 while every write succeeded. */
bool out_check(FILE *f);
int out_errno(void);

/* --sort: connection outputs keyed by connection id. */
typedef struct out_record {
    uint64_t key, seq;
    char *bytes;
    size_t len;
} out_record;

typedef struct out_records {
    out_record *v;
    size_t n, cap;
    uint64_t next_seq;
} out_records;

/* Copies the bytes. -1 on OOM. */
int out_records_add(out_records *r, uint64_t key, const char *bytes, size_t len) MTLS_WARN_UNUSED;
/* Moves every record of src into dst (src is left empty). -1 on OOM (src unchanged). */
int out_records_absorb(out_records *dst, out_records *src) MTLS_WARN_UNUSED;
/* Sorts by key (then by order of arrival) and writes them all; 0 or -1 on write error. */
int out_records_write(out_records *r, FILE *out) MTLS_WARN_UNUSED;
void out_records_clear(out_records *r);

#endif
