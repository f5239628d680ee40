/* tls13_inference.c — TLS 1.3 sizes without keys (see tls13_inference.h). */
#include "tls13_inference.h"

#include <string.h>

#include "tls_alert.h"

#define TLS13_AEAD_TAG 16   /* AES-GCM, ChaCha20-Poly1305, AES-CCM */
#define EMPTY_CERTIFICATE 8 /* header 4 + context length 1 + list length 3 */

/* A refusal is inferred only from what only an alert looks like: a record of
 * exactly an unpadded alert's size (a 31-byte record is a 14-byte answer). */
static bool alert_sized(uint32_t len) { return tls13_record_is_alert_sized(len); }

/* The client's flight: from its first record after the server's flight to
 * its Finished (the first record of exactly fin_len bytes). A flight in one
 * record is judged by its inner size. */
static void client_flight(const session_t *s, uint32_t first, t13_inference *o)
{
    uint32_t hash = o->fin_len - 4 - 1 - TLS13_AEAD_TAG;
    for (uint32_t i = first; i < s->n_sealed; i++) {
        const sealed_record *r = &s->sealed[i];
        if (r->dir != DIR_C2S)
            continue;
        if (r->length == o->fin_len) {
            o->client_fin = i;
            break;
        }
        o->client_pre_records++;
        o->client_pre_bytes += r->length;
    }
    if (o->client_fin >= 0) {
        uint32_t inner = o->client_pre_bytes - o->client_pre_records * (1 + TLS13_AEAD_TAG);
        if (o->client_pre_records == 0)
            o->client_cert = T13_CERT_NONE;
        else if (o->client_pre_bytes > o->client_pre_records * (1 + TLS13_AEAD_TAG) && inner == EMPTY_CERTIFICATE)
            o->client_cert = T13_CERT_EMPTY;
        else if (o->client_pre_bytes >= 200)
            o->client_cert = T13_CERT_SENT;
        return;
    }
    /* no separate Finished: the whole flight in one record? */
    const sealed_record *one = &s->sealed[first];
    if (one->dir != DIR_C2S || one->length < 1 + TLS13_AEAD_TAG)
        return;
    uint32_t inner = one->length - 1 - TLS13_AEAD_TAG;
    o->client_fin = first;
    if (inner == 4 + hash)
        o->client_cert = T13_CERT_NONE;
    else if (inner == 4 + hash + EMPTY_CERTIFICATE)
        o->client_cert = T13_CERT_EMPTY;
    else if (inner >= 4 + hash + 200)
        o->client_cert = T13_CERT_SENT;
    else
        o->client_fin = -1;
}

/* What the server sent after the client's Finished, and whether the
 * connection then closed. */
static void server_answer(const session_t *s, const facts *f, t13_inference *o)
{
    bool all_small = true;
    long first_answer = NONE;
    for (uint32_t i = (uint32_t)o->client_fin + 1; i < s->n_sealed; i++) {
        const sealed_record *r = &s->sealed[i];
        if (r->dir != DIR_S2C)
            continue;
        if (first_answer == NONE)
            first_answer = r->step;
        o->answer_records++;
        o->answer_bytes += r->length;
        if (!alert_sized(r->length))
            all_small = false;
    }
    o->steps[2] = first_answer;
    bool closed = f->close != NONE;
    o->steps[3] = f->close;
    if (!all_small)
        o->answer = T13_ANSWER_WENT_ON;
    else if (o->answer_records >= 1 && o->answer_records <= 2 && closed)
        o->answer = T13_ANSWER_ALERT_CLOSE;
    else if (o->answer_records == 0 && closed && s->steps[f->close].dir == DIR_S2C)
        o->answer = T13_ANSWER_SILENT_CLOSE;
    else if (o->answer_records > 0)
        o->answer = T13_ANSWER_WENT_ON;
}

void t13_infer(const session_t *s, const facts *f, t13_inference *o)
{
    memset(o, 0, sizeof(*o));
    o->client_fin = -1;
    for (size_t i = 0; i < MTLS_ARRAY_LEN(o->steps); i++)
        o->steps[i] = NONE;
    /* TLS_AES_256_GCM_SHA384 (0x1302) hashes with SHA-384, the others with SHA-256 */
    o->fin_len = 4 + (s->sh.cipher == 0x1302 ? 48u : 32u) + 1 + TLS13_AEAD_TAG;
    uint32_t i = 0;
    while (i < s->n_sealed && s->sealed[i].dir == DIR_S2C)
        i++;
    o->server_flight_seen = i > 0;
    if (!o->server_flight_seen)
        return;
    o->steps[0] = s->sealed[0].step;
    if (i == s->n_sealed) {
        /* the client never answered the server's flight */
        o->client_left_after_server_flight = f->close != NONE && s->steps[f->close].dir == DIR_C2S &&
                                             s->steps[f->close].ts_us >= s->steps[s->sealed[i - 1].step].ts_us;
        o->steps[3] = f->close;
        return;
    }
    o->steps[1] = s->sealed[i].step;
    client_flight(s, i, o);
    if (o->client_fin >= 0) {
        server_answer(s, f, o);
        return;
    }
    /* no Finished: one or two alert-sized client records and a close is the
     * client refusing the server's flight with an encrypted alert */
    uint32_t small = 0, other = 0;
    for (uint32_t k = i; k < s->n_sealed; k++) {
        if (s->sealed[k].dir != DIR_C2S)
            continue;
        if (alert_sized(s->sealed[k].length))
            small++;
        else
            other++;
    }
    o->client_left_after_server_flight = small >= 1 && small <= 2 && other == 0 && f->close != NONE;
    o->steps[3] = f->close;
}
