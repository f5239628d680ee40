/*
 * crypto_mem.h — OpenSSL's allocations through counting wrappers: a failed
 * one is noted (resfail.h), so the caller of an OpenSSL function can tell an
 * answer made under memory pressure from one about its input.
 */
#ifndef MTLS_CRYPTO_MEM_H
#define MTLS_CRYPTO_MEM_H

#include <stdbool.h>

/* Install the wrappers (CRYPTO_set_mem_functions). Must run before OpenSSL
 * allocates anything; false when it already had. */
bool crypto_mem_install(void);

/* Have OpenSSL build now, once, every algorithm and decoder of its providers
 * (names, methods) that it would otherwise build on first use: OpenSSL 3.0
 * keeps a name half-registered when an allocation fails in the middle, and
 * then fails that algorithm for the rest of the run, in connections that had
 * no failure of their own. False when an allocation failed on the way (the
 * run cannot be trusted: stop). */
bool crypto_warm_up(void);

#endif
