/*
 * resfail.h — failures of our own machinery (an allocation that returned
 * NULL), counted where they happen so that the stage that was running can
 * tell that its result is not what the input says.
 *
 * Every allocation of mtlsdump's own code (the executable is linked with
 * --wrap for malloc, calloc, realloc, strdup, asprintf, vasprintf:
 * src/app/allocwrap.c), of OpenSSL (CRYPTO_set_mem_functions, crypto_mem.h)
 * and of cJSON (its hooks) that fails calls resfail_note(). A stage takes
 * resfail_count() before a piece of work and compares after it: a change
 * means that piece ran out of memory on this thread, whatever the library
 * said about it (OpenSSL's chain validation, for one, reports a failed
 * allocation as a certificate error). See DESIGN.md "When our own machinery
 * fails".
 *
 * Only libc; thread-safe (the count is per thread, the total atomic).
 */
#ifndef MTLS_MODEL_RESFAIL_H
#define MTLS_MODEL_RESFAIL_H

#include <stdint.h>

/* An allocation failed on this thread. Async-signal-unsafe callers: none. */
void resfail_note(void);
/* Failures on the calling thread so far (compare two readings). */
uint64_t resfail_count(void);
/* Failures on every thread so far. */
uint64_t resfail_total(void);

#endif
