#define _GNU_SOURCE 1
#include "outbuf.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "growbuf.h"

struct outbuf {
    FILE *f;
    growbuf buf; /* buf.failed: a write was lost to OOM */
};

static ssize_t outbuf_write(void *cookie, const char *buf, size_t size)
{
    outbuf *b = cookie;
    if (growbuf_append_first(&b->buf, buf, size, 16384, SIZE_MAX) < 0)
        return -1;
    return (ssize_t)size;
}

outbuf *outbuf_new(void)
{
    outbuf *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    cookie_io_functions_t io = {NULL, outbuf_write, NULL, NULL};
    b->f = fopencookie(b, "w", io);
    if (!b->f) {
        free(b);
        return NULL;
    }
    return b;
}

void outbuf_free(outbuf *b)
{
    if (!b)
        return;
    if (b->f)
        fclose(b->f);
    growbuf_free(&b->buf);
    free(b);
}

FILE *outbuf_stream(outbuf *b) { return b->f; }

const char *outbuf_take(outbuf *b, size_t *len)
{
    fflush(b->f);
    *len = b->buf.len;
    b->buf.len = 0; /* the bytes stay in place until the next write */
    return *len ? (const char *)b->buf.p : NULL;
}

size_t outbuf_pending(const outbuf *b) { return b->buf.len; }

bool outbuf_failed(const outbuf *b) { return b->buf.failed; }

static _Atomic int g_out_errno;

bool out_check(FILE *f)
{
    int e = errno; /* the failed write's, when called right after it */
    if (!ferror(f))
        return false;
    int none = 0;
    atomic_compare_exchange_strong(&g_out_errno, &none, e ? e : EIO);
    return true;
}

int out_errno(void) { return atomic_load(&g_out_errno); }

int out_records_add(out_records *r, uint64_t key, const char *bytes, size_t len)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        out_record *nv = realloc(r->v, nc * sizeof(*nv));
        if (!nv)
            return -1;
        r->v = nv;
        r->cap = nc;
    }
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    if (len)
        memcpy(copy, bytes, len);
    r->v[r->n++] = (out_record){key, r->next_seq++, copy, len};
    return 0;
}

int out_records_absorb(out_records *dst, out_records *src)
{
    if (dst->n + src->n > dst->cap) {
        size_t nc = dst->n + src->n;
        out_record *nv = realloc(dst->v, nc * sizeof(*nv));
        if (!nv)
            return -1;
        dst->v = nv;
        dst->cap = nc;
    }
    for (size_t i = 0; i < src->n; i++) {
        dst->v[dst->n] = src->v[i];
        dst->v[dst->n++].seq = dst->next_seq++;
    }
    free(src->v);
    memset(src, 0, sizeof(*src));
    return 0;
}

static int by_key(const void *a, const void *b)
{
    const out_record *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int out_records_write(out_records *r, FILE *out)
{
    if (r->n)
        qsort(r->v, r->n, sizeof(*r->v), by_key);
    int rc = 0;
    for (size_t i = 0; i < r->n; i++)
        if (fwrite(r->v[i].bytes, 1, r->v[i].len, out) != r->v[i].len)
            rc = -1;
    out_records_clear(r);
    return rc;
}

void out_records_clear(out_records *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].bytes);
    free(r->v);
    memset(r, 0, sizeof(*r));
}
