/*
 * tls_buf.c — the per-connection buffers of src/tls (partial records,
 * handshake messages, STARTTLS prologues, HTTP/2 frames): growable up to a
 * cap, and charged to the connection's and the shared buffered-bytes
 * counters (--max-memory) as they grow and are freed.
 */
#include <stdlib.h>
#include <string.h>

#include "tls_conn.h"

void tlsbuf_charge(tls_conn *c, long delta)
{
    c->buffered = (size_t)((long)c->buffered + delta);
    if (c->opt.mem_total)
        *c->opt.mem_total = (size_t)((long)*c->opt.mem_total + delta);
}

int tlsbuf_append(tls_conn *c, growbuf *b, const uint8_t *p, size_t n, size_t cap)
{
    if (b->len + n > cap)
        return -1;
    if (b->len + n > b->cap) {
        size_t ncap = b->cap ? b->cap : 1024;
        while (ncap < b->len + n)
            ncap *= 2;
        if (ncap > cap)
            ncap = cap;
        uint8_t *q = realloc(b->p, ncap);
        if (!q)
            return -1;
        tlsbuf_charge(c, (long)(ncap - b->cap));
        b->p = q;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

void tlsbuf_consume(growbuf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

void tlsbuf_free(tls_conn *c, growbuf *b)
{
    tlsbuf_charge(c, -(long)b->cap);
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
