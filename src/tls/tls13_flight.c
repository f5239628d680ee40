/*
 * tls13_flight.c — TLS 1.3 without keys: encrypted records after the
 * ServerHello are grouped into the server's flight and the client's flight
 * (one `encrypted_handshake` step each, accumulated by tls_builder.c: record
 * count, bytes and the first record sizes as the step's typed payload); what
 * follows is application data.
 */

#include "tls_conn.h"

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
    bool in_flight = false;
    c->tls13_phase = tls13_next_phase(c->tls13_phase, d, &in_flight);
    if (!in_flight)
        return false;
    tlsb_accumulate(c, d, ts, STEP_ENCRYPTED_HANDSHAKE, len, NULL, true);
    return true;
}
