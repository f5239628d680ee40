/*
 * tls13_flight.c — TLS 1.3 without keys: encrypted records after the
 * ServerHello are grouped into the server's flight and the client's flight
 * (one `encrypted_handshake` step each, with record count, bytes and the
 * first record sizes); what follows is application data.
 */

#include "tls_conn.h"

#include "fastfmt.h"

/* The phase after an encrypted record from d arrives in phase p, and whether
 * that record belongs to the flight running in the new phase. The server's
 * flight ends with the first client record, which opens the client's; the
 * client's ends with the next server record. */
static tls13_phase tls13_next_phase(tls13_phase p, mtls_dir d, bool *out_in_flight)
{
    switch (p) {
    case T13_SERVER_FLIGHT:
        *out_in_flight = true;
        return d == DIR_S2C ? T13_SERVER_FLIGHT : T13_CLIENT_FLIGHT;
    case T13_CLIENT_FLIGHT:
        *out_in_flight = d == DIR_C2S;
        return d == DIR_C2S ? T13_CLIENT_FLIGHT : T13_AFTER_HANDSHAKE;
    case T13_BEFORE_SERVER_HELLO:
    case T13_AFTER_HANDSHAKE:
    default:
        *out_in_flight = false;
        return p;
    }
}

bool tlsf_flight_record(tls_conn *c, mtls_dir d, uint64_t ts, size_t len)
{
    dir_state *ds = &c->d[d];
    bool in_flight = false;
    c->tls13_phase = tls13_next_phase(c->tls13_phase, d, &in_flight);
    if (!in_flight)
        return false;
    if (!ds->have_flight) {
        step_t *st = tlsc_add_step(c, ts, d, STEP_ENCRYPTED_HANDSHAKE);
        if (!st)
            return true;
        ds->have_flight = true;
        ds->flight_idx = (size_t)(st - c->s->steps);
    }
    step_t *st = &c->s->steps[ds->flight_idx];
    st->count++;
    st->length += (uint32_t)len;
    if (ds->n_flight_sizes < MAX_FLIGHT_SIZES)
        ds->flight_sizes[ds->n_flight_sizes++] = (uint32_t)len;
    /* "A+B+C": at most MAX_FLIGHT_SIZES numbers, rebuilt on every record of
     * the flight, so without a printf per number */
    char buf[(MAX_FLIGHT_SIZES - 1) * 11 + FASTFMT_INT_MAX]; /* 10 digits and a '+' each */
    size_t o = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < ds->n_flight_sizes; i++) {
        if (i)
            buf[o++] = '+';
        o += fastfmt_u64(ds->flight_sizes[i], buf + o);
    }
    tlsc_set_detail(st, "record sizes %s%s", buf,
                    st->count > ds->n_flight_sizes ? "+..." : "");
    return true;
}
