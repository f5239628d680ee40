/* growbuf.c — the one growable buffer (see growbuf.h). Only libc. */
#include "growbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The one growth routine: every growbuf grows here. */
int growbuf_reserve_first(growbuf *b, size_t need, size_t first, size_t max)
{
    if (need > max) {
        b->failed = true;
        return -1;
    }
    if (need <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : (first ? first : GROWBUF_FIRST);
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (ncap > max)
        ncap = max;
    uint8_t *q = realloc(b->p, ncap);
    if (!q) {
        b->failed = true;
        return -1;
    }
    b->p = q;
    b->cap = ncap;
    return 0;
}

int growbuf_array_room(void *parr, size_t *cap, size_t n, size_t elem, size_t first)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : (first ? first : 16);
    if (nc < *cap || !elem || nc > SIZE_MAX / elem)
        return -1;
    void *old; /* through memcpy: *parr is a pointer of the caller's own type */
    memcpy(&old, parr, sizeof(old));
    void *p = realloc(old, nc * elem);
    if (!p)
        return -1;
    memcpy(parr, &p, sizeof(p));
    *cap = nc;
    return 0;
}

int growbuf_reserve(growbuf *b, size_t need, size_t max)
{
    return growbuf_reserve_first(b, need, GROWBUF_FIRST, max);
}

int growbuf_reserve_exact(growbuf *b, size_t need)
{
    return growbuf_reserve_first(b, need, need, need);
}

int growbuf_append_first(growbuf *b, const void *p, size_t n, size_t first, size_t max)
{
    if (n > max || b->len > max - n) {
        b->failed = true;
        return -1;
    }
    if (growbuf_reserve_first(b, b->len + n, first, max) != 0)
        return -1;
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

void growbuf_consume(growbuf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

void growbuf_clear(growbuf *b)
{
    b->len = 0;
    b->failed = false;
}

void growbuf_free(growbuf *b)
{
    if (!b)
        return;
    free(b->p);
    *b = (growbuf){0};
}

void *growbuf_detach(growbuf *b)
{
    void *p = b->p;
    *b = (growbuf){0};
    return p;
}

/* Room for n more chars and the NUL: 0, or -1 (failed set). */
static int text_room(growbuf *b, size_t n)
{
    if (n >= SIZE_MAX - b->len) {
        b->failed = true;
        return -1;
    }
    return growbuf_reserve(b, b->len + n + 1, GROWBUF_NO_MAX);
}

void growbuf_putn(growbuf *b, const char *s, size_t n)
{
    if (b->failed || text_room(b, n) != 0)
        return;
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void growbuf_puts(growbuf *b, const char *s) { growbuf_putn(b, s, strlen(s)); }

void growbuf_vprintf(growbuf *b, const char *fmt, va_list ap)
{
    if (b->failed)
        return;
    size_t room = b->cap - b->len; /* the NUL included */
    char *at = room ? (char *)b->p + b->len : NULL;
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(at, room, fmt, aq);
    va_end(aq);
    if (n >= 0 && (size_t)n >= room && text_room(b, (size_t)n) == 0) {
        at = (char *)b->p + b->len;
        room = b->cap - b->len;
        n = vsnprintf(at, room, fmt, ap);
    }
    if (n < 0 || (size_t)n >= room) {
        /* the format failed or there was no room: the text stays as it was */
        b->failed = true;
        if (at)
            *at = '\0';
        return;
    }
    b->len += (size_t)n;
}

void growbuf_printf(growbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    growbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *growbuf_cstr(const growbuf *b) { return b->p && b->cap > b->len ? (const char *)b->p : ""; }

char *growbuf_take(growbuf *b)
{
    if (b->failed) {
        growbuf_free(b);
        return NULL;
    }
    char *s = growbuf_detach(b);
    if (!s)
        s = calloc(1, 1);
    return s;
}
