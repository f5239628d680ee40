/*
 * failmalloc.c — an LD_PRELOAD allocator shim for the fault-injection test
 * (tests/fault/alloc.test.sh): it makes exactly one allocation of a run fail.
 *
 *   MTLS_FAIL_AT=N       the N-th call of malloc/calloc/realloc/posix_memalign/
 *                        aligned_alloc (counted from 1, across every thread,
 *                        from the start of main: __libc_start_main is
 *                        interposed to hand it a main that arms the count)
 *                        returns NULL with errno ENOMEM; unset or 0: none fails
 *   MTLS_FAIL_REPORT=F   at exit, write "<allocations> <injected 0|1>" to F
 *
 * The real allocator is the next one in the lookup order (dlsym RTLD_NEXT):
 * glibc's in a plain build, AddressSanitizer's in the sanitizer build (run
 * with ASAN_OPTIONS=verify_asan_link_order=0, since the shim is loaded before
 * libasan), so the test works in both. Allocations made while dlsym resolves
 * those (it may calloc) come from a small static arena and are never freed.
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);

static _Atomic unsigned long n_alloc;
static unsigned long fail_at;
static atomic_int injected;
static atomic_int resolving;

static _Alignas(16) char arena[8192];
static size_t arena_used;

static int in_arena(const void *p) { return (const char *)p >= arena && (const char *)p < arena + sizeof arena; }

static void *arena_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (arena_used + n > sizeof arena)
        return NULL;
    void *p = arena + arena_used;
    arena_used += n;
    return p; /* static storage: already zero */
}

static void resolve(void)
{
    if (real_malloc)
        return;
    atomic_store(&resolving, 1);
    real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    atomic_store(&resolving, 0);
}

/* Counting starts with main: what the loader and the libraries' constructors
 * allocate before it is theirs (a failure there is not mtlsdump's to handle). */
static atomic_int armed;
typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;

static int counted_main(int argc, char **argv, char **envp)
{
    atomic_store(&n_alloc, 0);
    atomic_store(&armed, 1);
    return real_main(argc, argv, envp);
}

int __libc_start_main(main_fn main_, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end);
int __libc_start_main(main_fn main_, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end)
{
    typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *);
    start_fn real_start = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");
    real_main = main_;
    return real_start(counted_main, argc, argv, init, fini, rtld_fini, stack_end);
}

/* True when this allocation is the one to fail. */
static int should_fail(void)
{
    if (!atomic_load(&armed))
        return 0;
    unsigned long n = atomic_fetch_add(&n_alloc, 1) + 1;
    if (fail_at && n == fail_at) {
        atomic_store(&injected, 1);
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

__attribute__((constructor)) static void shim_init(void)
{
    resolve();
    const char *s = getenv("MTLS_FAIL_AT");
    fail_at = s ? strtoul(s, NULL, 10) : 0;
}

__attribute__((destructor)) static void shim_fini(void)
{
    const char *f = getenv("MTLS_FAIL_REPORT");
    if (!f)
        return;
    int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return;
    char line[64];
    int n = snprintf(line, sizeof line, "%lu %d\n", atomic_load(&n_alloc), atomic_load(&injected));
    if (n > 0 && write(fd, line, (size_t)n) < 0) {
        /* nothing to do: the test sees no report */
    }
    close(fd);
}

void *malloc(size_t n)
{
    if (!real_malloc) {
        if (atomic_load(&resolving))
            return arena_alloc(n);
        resolve();
    }
    if (should_fail())
        return NULL;
    return real_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    if (!real_calloc) {
        if (atomic_load(&resolving))
            return b && a > SIZE_MAX / b ? NULL : arena_alloc(a * b);
        resolve();
    }
    if (should_fail())
        return NULL;
    return real_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    if (!real_realloc)
        resolve();
    if (in_arena(p)) { /* move out of the arena; the old bytes stay there */
        void *q = malloc(n);
        if (q)
            memcpy(q, p, n < (size_t)(arena + sizeof arena - (char *)p) ? n : (size_t)(arena + sizeof arena - (char *)p));
        return q;
    }
    if (should_fail())
        return NULL;
    return real_realloc(p, n);
}

void free(void *p)
{
    if (!p || in_arena(p))
        return;
    if (!real_free)
        resolve();
    real_free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (!real_posix_memalign)
        resolve();
    if (should_fail())
        return ENOMEM;
    return real_posix_memalign(out, align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    if (!real_aligned_alloc)
        resolve();
    if (should_fail())
        return NULL;
    return real_aligned_alloc(align, n);
}
