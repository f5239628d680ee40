/*
 * scratch.h — a bump allocator for the memory of one output object: the
 * nodes of a connection's cJSON tree and the text of its numbers, times and
 * short-lived strings. Everything handed out lives until the next
 * scratch_reset (or scratch_free); nothing is freed one by one. The blocks
 * are kept across resets, so a steady stream of connections allocates
 * nothing once the largest one has been seen.
 */
#ifndef MTLS_REPORT_SCRATCH_H
#define MTLS_REPORT_SCRATCH_H

#include <stddef.h>

#include "compiler.h"

typedef struct scratch scratch;

scratch *scratch_new(void) MTLS_WARN_UNUSED; /* NULL on OOM */
void scratch_free(scratch *s);               /* NULL is a no-op */

/* Forget every allocation (the memory is kept for the next object). */
void scratch_reset(scratch *s);

/* n zeroed bytes aligned for any type; NULL on OOM. */
void *scratch_zalloc(scratch *s, size_t n) MTLS_WARN_UNUSED;

/* n bytes (not zeroed), aligned like scratch_zalloc; NULL on OOM. */
void *scratch_alloc(scratch *s, size_t n) MTLS_WARN_UNUSED;

/* A NUL-terminated copy of the n bytes at p; NULL on OOM. */
char *scratch_strndup(scratch *s, const char *p, size_t n) MTLS_WARN_UNUSED;

#endif
