/*
 * tls_builder.c — steps accumulated record by record: an encrypted TLS 1.3
 * flight read without keys, the SSL 2.0 records after the hellos, a sealed
 * renegotiation flight. The step takes its place in the log at the first
 * record; its counters (records, bytes, the first record sizes) are kept here
 * and written into it once, when it closes, so no other part of src/tls
 * reaches into the session's step array to patch a step it logged earlier.
 */
#include "tls_conn.h"

static void close_acc(tls_conn *c, open_step *a)
{
    if (!a->open)
        return;
    a->open = false;
    if (!c->s || a->idx >= c->s->n_steps)
        return;
    step_t *st = &c->s->steps[a->idx];
    st->count = a->count;
    st->length = a->length;
    if (a->sized)
        st->flight = a->sizes;
}

bool tlsb_accumulating(const tls_conn *c, mtls_dir d, step_kind k)
{
    const open_step *a = &c->d[d].acc;
    return a->open && c->s && a->idx + 1 == c->s->n_steps && c->s->steps[a->idx].kind == k;
}

void tlsb_accumulate(tls_conn *c, mtls_dir d, uint64_t ts, step_kind k, size_t len, const char *detail, bool sized)
{
    open_step *a = &c->d[d].acc;
    if (!a->open || !c->s || a->idx >= c->s->n_steps || c->s->steps[a->idx].kind != k) {
        close_acc(c, a);
        step_t *st = tlsc_add_step(c, ts, d, k);
        if (!st)
            return;
        if (detail)
            st->detail = strdup(detail);
        *a = (open_step){.open = true, .idx = (size_t)(st - c->s->steps), .sized = sized};
    }
    a->count++;
    a->length += (uint32_t)len;
    if (a->sized && a->sizes.n < STEP_FLIGHT_SIZES)
        a->sizes.v[a->sizes.n++] = (uint32_t)len;
}

void tlsb_restart(tls_conn *c, mtls_dir d) { close_acc(c, &c->d[d].acc); }

void tlsb_close(tls_conn *c)
{
    for (int d = 0; d < 2; d++)
        close_acc(c, &c->d[d].acc);
}
