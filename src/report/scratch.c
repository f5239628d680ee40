/*
 * scratch.c — chained blocks, bump allocation, reset by rewinding (scratch.h).
 */
#include "scratch.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SCRATCH_BLOCK (32u * 1024u)
#define SCRATCH_ALIGN (alignof(max_align_t))

typedef struct block {
    struct block *next;
    size_t size, used;
    alignas(max_align_t) unsigned char data[];
} block;

struct scratch {
    block *first, *cur;
};

scratch *scratch_new(void) { return calloc(1, sizeof(scratch)); }

void scratch_free(scratch *s)
{
    if (!s)
        return;
    for (block *b = s->first, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    free(s);
}

void scratch_reset(scratch *s)
{
    s->cur = s->first;
    if (s->cur)
        s->cur->used = 0;
}

static block *block_new(size_t n)
{
    size_t size = n > SCRATCH_BLOCK ? n : SCRATCH_BLOCK;
    if (size > SIZE_MAX - sizeof(block))
        return NULL;
    block *b = malloc(sizeof(block) + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

void *scratch_alloc(scratch *s, size_t n)
{
    if (n > SIZE_MAX - SCRATCH_ALIGN)
        return NULL;
    n = (n + SCRATCH_ALIGN - 1) & ~(SCRATCH_ALIGN - 1);
    block *b = s->cur;
    if (b && b->size - b->used >= n) {
        void *p = b->data + b->used;
        b->used += n;
        return p;
    }
    /* the next kept block when it is large enough, else a new one after the current */
    block *next = b ? b->next : s->first;
    if (!next || next->size < n) {
        block *nb = block_new(n);
        if (!nb)
            return NULL;
        nb->next = next;
        if (b)
            b->next = nb;
        else
            s->first = nb;
        next = nb;
    }
    next->used = n;
    s->cur = next;
    return next->data;
}

void *scratch_zalloc(scratch *s, size_t n)
{
    void *p = scratch_alloc(s, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *scratch_strndup(scratch *s, const char *p, size_t n)
{
    char *c = scratch_alloc(s, n + 1);
    if (!c)
        return NULL;
    memcpy(c, p, n);
    c[n] = '\0';
    return c;
}
