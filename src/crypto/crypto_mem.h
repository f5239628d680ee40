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

#endif
