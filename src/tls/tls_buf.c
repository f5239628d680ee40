/*
 * tls_buf.c — the per-connection buffers of src/tls (partial records,
 * handshake messages, STARTTLS prologues, HTTP/2 frames, decryption
 * scratch): growbufs (growbuf.h) growable up to a cap, and charged to the
 * connection's and the shared buffered-bytes counters (--max-memory) as their
 * capacity grows and is freed.
 */
#include "tls_conn.h"

/* The first capacity of a reassembly buffer; it doubles from there. */
#define TLSBUF_FIRST 1024u

void tlsbuf_charge(tls_conn *c, long delta)
{
    c->buffered = (size_t)((long)c->buffered + delta);
    if (c->opt.mem_total)
        *c->opt.mem_total = (size_t)((long)*c->opt.mem_total + delta);
}

/* Charge what b's capacity grew by since it was before. */
static void charge_growth(tls_conn *c, const growbuf *b, size_t before)
{
    if (b->cap != before)
        tlsbuf_charge(c, (long)(b->cap - before));
}

int tlsbuf_append(tls_conn *c, growbuf *b, const uint8_t *p, size_t n, size_t cap)
{
    size_t before = b->cap;
    if (growbuf_append_first(b, p, n, TLSBUF_FIRST, cap) != 0)
        return -1;
    charge_growth(c, b, before);
    return 0;
}

int tlsbuf_fit(tls_conn *c, growbuf *b, size_t need)
{
    size_t before = b->cap;
    if (growbuf_reserve_exact(b, need) != 0)
        return -1;
    charge_growth(c, b, before);
    return 0;
}

void tlsbuf_free(tls_conn *c, growbuf *b)
{
    tlsbuf_charge(c, -(long)b->cap);
    growbuf_free(b);
}
