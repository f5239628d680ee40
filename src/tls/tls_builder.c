/*
 * tls_builder.c — the session builder: the only code in src/tls that adds a
 * step to the session's log. Steps are appended (tlsb_add_step and its
 * variants; a held application response is appended first, tls_app_peek.c),
 * malformed units are recorded with their reason and offset, and steps
 * accumulated record by record — an encrypted TLS 1.3 flight read without
 * keys, the SSL 2.0 records after the hellos, a sealed renegotiation flight —
 * take their place in the log at the first record while their counters
 * (records, bytes, the first record sizes) are kept here and written into the
 * step once, when it closes. No other part reaches into the step array to
 * patch a step it logged earlier.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "tls_conn.h"

step_t *tlsb_add_step(tls_conn *c, uint64_t ts, mtls_dir d, step_kind k)
{
    if (!c->s)
        return NULL;
    tlsa_flush(c); /* a held application response comes before anything later */
    return session_add_step(c->s, ts, d, k);
}

/* A step for a handshake message of `len` body bytes. */
step_t *tlsb_msg_step(tls_conn *c, uint64_t ts, mtls_dir d, step_kind k, uint32_t len, bool dec)
{
    step_t *st = tlsb_add_step(c, ts, d, k);
    if (st) {
        st->length = len;
        st->decrypted = dec;
    }
    return st;
}

void tlsb_note_sealed(tls_conn *c, mtls_dir d, size_t len)
{
    tlsa_flush(c);
    session_t *s = c->s;
    if (!s || s->n_steps == 0)
        return;
    s->n_sealed_total++;
    if (s->n_sealed >= SESSION_MAX_SEALED_RECORDS)
        return;
    if (!s->sealed && !(s->sealed = calloc(SESSION_MAX_SEALED_RECORDS, sizeof(*s->sealed))))
        return;
    s->sealed[s->n_sealed++] = (sealed_record){d, (uint32_t)len, (uint32_t)(s->n_steps - 1)};
}

char *tlsb_dup_view(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

void tlsb_set_detail(step_t *st, const char *fmt, ...)
{
    if (!st)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *s = text_vprintf(fmt, ap);
    va_end(ap);
    free(st->detail);
    st->detail = s;
}

/* A malformed unit: a typed STEP_MALFORMED step (what is a static string),
 * and the session's first malformation (reason and stream offset). A fatal
 * one stops reading this direction. */
static void record_malformed(tls_conn *c, mtls_dir d, uint64_t ts, const char *what, dx_result r, bool fatal)
{
    dir_state *ds = &c->d[d];
    if (fatal)
        ds->dead = true;
    if (!c->s)
        return;
    step_t *st = tlsb_add_step(c, ts, d, STEP_MALFORMED);
    if (st)
        st->malformed = (step_malformed){what, (uint16_t)r.code, ds->first_byte_off + r.offset};
    if (!c->s->malformed) {
        /* the session's first malformation, for the verdict and the JSON summary */
        char *reason = NULL;
        if (asprintf(&reason, "%s: %s (%s)", what, dx_strerror(r.code), dx_err_name(r.code)) < 0)
            reason = NULL;
        c->s->malformed = true;
        c->s->malformed_reason = reason;
        c->s->malformed_offset = ds->first_byte_off + r.offset;
        c->s->malformed_dir = d;
    }
}

/* A message whose body does not parse: reported, but record and handshake
 * framing are intact, so the rest of the connection is still read (as far
 * as the protocol allows). Framing errors use tlsb_mark_malformed(), which stops
 * reading this direction. */
void tlsb_mark_malformed(tls_conn *c, mtls_dir d, uint64_t ts, const char *what, dx_result r)
{
    record_malformed(c, d, ts, what, r, true);
}

void tlsb_body_malformed(tls_conn *c, mtls_dir d, uint64_t ts, const char *what, dx_result r)
{
    record_malformed(c, d, ts, what, r, false);
}

/* ------------------------------------------------------------------ accumulated steps */

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
        step_t *st = tlsb_add_step(c, ts, d, k);
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
