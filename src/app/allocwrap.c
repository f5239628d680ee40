/*
 * allocwrap.c — every allocation of mtlsdump's own code, counted when it
 * fails (resfail.h). The executable is linked with
 *   -Wl,--wrap=malloc,--wrap=calloc,... (CMakeLists.txt)
 * so that each call of malloc in our objects reaches __wrap_malloc here,
 * which calls the real one (__real_malloc) and notes a NULL. Libraries keep
 * their own calls: OpenSSL's go through crypto_mem.h, cJSON's through its
 * hooks (main.c); libpcap and the decompressors report failures as errors.
 * Linked into the executable only (not mtls_app), like main.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "resfail.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
int __real_vasprintf(char **out, const char *fmt, va_list ap);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
int __wrap_asprintf(char **out, const char *fmt, ...);

void *__wrap_malloc(size_t n)
{
    void *p = __real_malloc(n);
    if (!p && n)
        resfail_note();
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    void *p = __real_calloc(n, size);
    if (!p && n && size)
        resfail_note();
    return p;
}

void *__wrap_realloc(void *old, size_t n)
{
    void *p = __real_realloc(old, n);
    if (!p && n)
        resfail_note();
    return p;
}

char *__wrap_strdup(const char *s)
{
    char *p = __real_strdup(s);
    if (!p)
        resfail_note();
    return p;
}

int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
    int n = __real_vasprintf(out, fmt, ap);
    if (n < 0)
        resfail_note();
    return n;
}

int __wrap_asprintf(char **out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __wrap_vasprintf(out, fmt, ap);
    va_end(ap);
    return n;
}
