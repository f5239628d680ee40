#include "crypto_mem.h"

#include <stdlib.h>

#include <openssl/crypto.h>

#include "resfail.h"

static void *count_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    void *p = malloc(n);
    if (!p && n)
        resfail_note();
    return p;
}

static void *count_realloc(void *old, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    void *p = realloc(old, n);
    if (!p && n)
        resfail_note();
    return p;
}

static void count_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

bool crypto_mem_install(void) { return CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1; }
