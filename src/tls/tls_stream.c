/*
 * tls_stream.c — the public side of the per-connection TLS driver
 * (tls_stream.h): set-up and teardown, buffers and steps shared by the parts
 * (tls_conn.h), detection of TLS by content (also after a STARTTLS prologue),
 * orientation, the SSLv2-compatible ClientHello and the TCP events. Records
 * go to tls_records.c.
 */
#include "tls_stream.h"
#include "resfail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "starttls.h"
#include "tls_conn.h"
#include "tls_handshake.h"
#include "tls_record.h"

#define MAX_PROLOGUE (16u * 1024u)  /* plaintext bytes before TLS (STARTTLS) */

/* ------------------------------------------------------------------ setup */

tls_conn *tlss_new(const tlss_options *opt, int client_side)
{
    tls_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->opt = *opt;
    if (c->opt.max_buffer == 0)
        c->opt.max_buffer = 4u << 20;
    c->client_side = client_side;
    decrypt_dir_init(&c->d[0].dec);
    decrypt_dir_init(&c->d[1].dec);
    decrypt_dir_init(&c->early);
    return c;
}

void tlss_set_endpoints(tls_conn *c, const endpoint_t *side0, const endpoint_t *side1)
{
    c->ep[0] = *side0;
    c->ep[1] = *side1;
    c->have_ep = true;
}

void tlss_free(tls_conn *c)
{
    if (!c)
        return;
    for (int i = 0; i < 2; i++) {
        tlsbuf_free(c, &c->d[i].pro);
        tlsbuf_free(c, &c->d[i].rec);
        tlsbuf_free(c, &c->d[i].hs);
        decrypt_dir_cleanup(&c->d[i].dec);
    }
    tlsbuf_free(c, &c->kw.buf);
    tlsa_free(c);
    transcript_free(c->tr);
    transcript_free(c->pha_tr);
    client_hello_info_clear(&c->rch);
    server_hello_info_clear(&c->rsh);
    decrypt_dir_cleanup(&c->early);
    tlsbuf_free(c, &c->scratch);
    session_free(c->s);
    free(c);
}

tlss_state tlss_get_state(const tls_conn *c) { return c->state; }
const session_t *tlss_session(const tls_conn *c) { return c->s; }
session_t *tlss_take_session(tls_conn *c)
{
    tlsw_settle(c); /* records held for secrets that never came: replayed now */
    tlsa_flush(c);
    tlsb_close(c); /* accumulating steps get their final counters */
    session_t *s = c->s;
    c->s = NULL;
    return s;
}

bool tlss_closed(const tls_conn *c) { return c->closed[0] && c->closed[1]; }

uint64_t tlss_take_skip(tls_conn *c, int side)
{
    if (c->client_side < 0)
        return 0;
    mtls_dir d = side == c->client_side ? DIR_C2S : DIR_S2C;
    uint64_t v = c->d[d].skip;
    c->d[d].skip = 0;
    return v;
}

static mtls_dir dir_of(const tls_conn *c, int side)
{
    return side == c->client_side ? DIR_C2S : DIR_S2C;
}

/* An allocation failed while this connection was read (resfail.h): steps,
 * keys or decrypted bytes may be missing, and the session says so. */
static void oom_check(tls_conn *c, uint64_t failures)
{
    if (resfail_count() != failures && c->s)
        c->s->out_of_memory = true;
}

static void ensure_session(tls_conn *c)
{
    if (c->s || c->state == TLSS_NOT_TLS)
        return;
    c->s = session_new(0);
    if (!c->s)
        return;
    c->state = TLSS_TLS;
    if (c->have_ep && c->client_side >= 0) {
        c->s->client = c->ep[c->client_side];
        c->s->server = c->ep[1 - c->client_side];
    }
    c->tr = transcript_new();
    c->kch = &c->s->ch;
    c->ksh = &c->s->sh;
}

/* ------------------------------------------------------------------ detection */

static bool looks_like_client_hello(const uint8_t *p, size_t n)
{
    if (n >= 6 && p[0] == TLS_CT_HANDSHAKE && tls_record_plausible(p, n) && p[5] == TLS_HS_CLIENT_HELLO)
        return true;
    return n >= 3 && tls_record_is_sslv2_hello(p, n);
}

/* Any TLS record header (content type 20-24, version 3.x): bytes that claim
 * to be TLS even if what follows is broken (then reported as malformed). */
static bool looks_like_record_start(const uint8_t *p, size_t n)
{
    return n >= TLS_RECORD_HDR_LEN && p[0] >= TLS_CT_CHANGE_CIPHER_SPEC && p[0] <= TLS_CT_HEARTBEAT && p[1] == 3 &&
           p[2] <= 4;
}

static bool looks_like_server_hello(const uint8_t *p, size_t n)
{
    return n >= 6 && p[0] == TLS_CT_HANDSHAKE && tls_record_plausible(p, n) && p[5] == TLS_HS_SERVER_HELLO;
}

/* SSLv2-compatible ClientHello: one 2-byte-header record. */
static size_t sslv2_hello(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n)
{
    cur_t cu;
    cur_init(&cu, p, n);
    tls_sslv2_hdr h;
    dx_result r = tls_record_parse_sslv2_header(&cu, &h);
    if (r.status != DX_OK)
        return 0;
    if (cur_remaining(&cu) < h.length)
        return 0; /* need more: caller buffers */
    cur_t body; /* from the message type on: tls_parse_sslv2_client_hello checks it */
    if (!cur_get_sub(&cu, h.length, &body))
        return 0;
    tlsh_client_hello(c, d, ts, &body, true, h.length, false);
    c->d[d].records++;
    return 2 + (size_t)h.length;
}

static void start_tls(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n)
{
    dir_state *ds = &c->d[d];
    ds->detected = true;
    if (d == DIR_S2C && c->s && c->s->ch.sslv2 && tlsv2_is_server_hello(p, n)) {
        c->sslv2 = true; /* an SSL 2.0 server: both directions speak SSL 2.0 records from here */
        tlsv2_feed(c, d, ts, p, n);
        return;
    }
    if (d == DIR_C2S && n >= 3 && tls_record_is_sslv2_hello(p, n)) {
        size_t used = sslv2_hello(c, d, ts, p, n);
        if (used == 0) {
            tlsb_mark_malformed(c, d, ts, "SSLv2-compatible ClientHello", dx_malformed(DXE_SSLV2, 0));
            return;
        }
        p += used;
        n -= used;
    }
    tlsr_feed_records(c, d, ts, p, n);
}

/* Decide the client side from the first bytes when no SYN told us. */
static void orient(tls_conn *c, int side, const uint8_t *p, size_t n)
{
    if (c->client_side >= 0)
        return;
    if (looks_like_client_hello(p, n))
        c->client_side = side;
    else if (looks_like_server_hello(p, n))
        c->client_side = 1 - side;
    else if (c->have_ep) {
        /* plaintext first (STARTTLS): the lower, well-known port is the server */
        uint16_t mine = c->ep[side].port, other = c->ep[1 - side].port;
        c->client_side = mine > other ? side : 1 - side;
    } else {
        c->client_side = side;
    }
    if (c->s && c->have_ep) {
        c->s->client = c->ep[c->client_side];
        c->s->server = c->ep[1 - c->client_side];
    }
}

static void in_data(tls_conn *c, int side, uint64_t ts, const uint8_t *bytes, size_t n)
{
    if (c->state == TLSS_NOT_TLS || n == 0)
        return;
    orient(c, side, bytes, n);
    mtls_dir d = dir_of(c, side);
    dir_state *ds = &c->d[d];
    if (ds->dead)
        return;
    if (ds->detected) {
        if (c->sslv2)
            tlsv2_feed(c, d, ts, bytes, n);
        else
            tlsr_feed_records(c, d, ts, bytes, n);
        return;
    }
    /* Not yet TLS in this direction. */
    const uint8_t *p = bytes;
    size_t len = n;
    if (ds->pro.len) {
        if (tlsbuf_append(c, &ds->pro, bytes, n, MAX_PROLOGUE + 4096) < 0)
            goto not_tls;
        p = ds->pro.p;
        len = ds->pro.len;
    }
    bool client = d == DIR_C2S;
    size_t off = 0;
    bool found = false;
    if (client ? looks_like_client_hello(p, len)
               : (c->s && (looks_like_server_hello(p, len) || (c->s->ch.sslv2 && tlsv2_is_server_hello(p, len))))) {
        found = true;
    } else if (client && c->client_side >= 0 && looks_like_record_start(p, len)) {
        found = true; /* claims TLS without a ClientHello: analysed, reported as malformed if it is */
    } else if (!client && c->s && len >= 5 && tls_record_plausible(p, len)) {
        found = true; /* e.g. an alert answering the ClientHello */
    } else {
        starttls_result sr = starttls_scan(p, len, client);
        if (sr.found) {
            off = sr.offset;
            found = true;
            if (c->s && sr.protocol && (!c->s->starttls || (!client && strcmp(c->s->starttls, sr.protocol) != 0))) {
                /* the server's side names the protocol best: a client's bare
                 * "STARTTLS" is said in SMTP, IRC and ManageSieve alike */
                free(c->s->starttls);
                c->s->starttls = strdup(sr.protocol); /* the prologue steps show it (step_text.c) */
            }
            else if (!c->s && sr.protocol) {
                ensure_session(c);
                if (c->s)
                    c->s->starttls = strdup(sr.protocol);
            }
        } else if (len > MAX_PROLOGUE || (len >= 16 && !sr.maybe)) {
            goto not_tls;
        }
    }
    if (!found) {
        if (!ds->pro.len && tlsbuf_append(c, &ds->pro, bytes, n, MAX_PROLOGUE + 4096) < 0)
            goto not_tls;
        return;
    }
    if (client)
        ensure_session(c);
    if (!c->s)
        goto not_tls;
    if (off > 0) {
        step_t *st = tlsb_add_step(c, ts, d, STEP_STARTTLS);
        if (st)
            st->length = (uint32_t)off;
    }
    ds->first_byte_off = off;
    /* copy out of the prologue buffer before freeing it */
    if (ds->pro.len) {
        growbuf tmp = ds->pro;
        memset(&ds->pro, 0, sizeof(ds->pro));
        start_tls(c, d, ts, tmp.p + off, tmp.len - off);
        tlsbuf_free(c, &tmp);
    } else {
        start_tls(c, d, ts, p + off, len - off);
    }
    return;
not_tls:
    if (!c->s) {
        c->state = TLSS_NOT_TLS;
        tlsbuf_free(c, &ds->pro);
    } else {
        tlsbuf_free(c, &ds->pro);
        ds->dead = true;
    }
}

/* ------------------------------------------------------------------ TCP events */

static void in_gap(tls_conn *c, int side, uint64_t ts, uint64_t len)
{
    if (!c->s || c->client_side < 0)
        return;
    tlsw_settle(c); /* the held records come before the gap */
    mtls_dir d = dir_of(c, side);
    dir_state *ds = &c->d[d];
    step_t *st = tlsb_add_step(c, ts, d, STEP_TCP_GAP);
    if (st)
        st->length = (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len);
    /* Resynchronise: if the gap ends inside the record being skipped, keep skipping. */
    if (ds->skip) {
        if (ds->skip >= len) {
            ds->skip -= len;
            return;
        }
        len -= ds->skip;
        ds->skip = 0;
    }
    /* Partial record/message state is lost; resync on the next plausible header. */
    ds->rec.len = 0;
    ds->hs.len = 0;
    ds->resync = true;
    ds->after_gap = true;
}

static void in_fin(tls_conn *c, int side, uint64_t ts)
{
    if (c->client_side < 0)
        c->client_side = 1 - side; /* unknown: guess, nothing else to go on */
    tlsw_settle(c); /* the connection ends: the key log is read once more */
    mtls_dir d = dir_of(c, side);
    if (c->closed[d])
        return;
    c->closed[d] = true;
    if (!c->s)
        return;
    tlsb_add_step(c, ts, d, STEP_FIN);
}

static void in_rst(tls_conn *c, int side, uint64_t ts)
{
    if (c->client_side < 0)
        c->client_side = 1 - side;
    tlsw_settle(c);
    mtls_dir d = dir_of(c, side);
    c->closed[0] = c->closed[1] = true;
    if (!c->s || c->d[d].rst_seen)
        return;
    c->d[d].rst_seen = true;
    tlsb_add_step(c, ts, d, STEP_RST);
}

static void in_end(tls_conn *c, uint64_t ts, step_kind why, end_cause reason, const char *cause)
{
    tlsw_settle(c);
    if (!c->s)
        return;
    step_t *st = tlsb_add_step(c, ts, DIR_C2S, why);
    if (st)
        st->end = (step_end){reason, cause ? strdup(cause) : NULL};
    if (why == STEP_EVICTED && !findings_has(&c->s->wire_findings, "evicted"))
        findings_add(&c->s->wire_findings, SEV_WARNING, "evicted", NULL,
                     "mtlsdump stopped tracking this connection before it ended: %s; the verdict is from "
                     "what was seen until then.",
                     cause ? cause : "a resource limit was reached");
}

void tlss_overlap_conflict(tls_conn *c, uint64_t len)
{
    if (c->s && !findings_has(&c->s->wire_findings, "tcp_overlap_conflict"))
        findings_add(&c->s->wire_findings, SEV_WARNING, "tcp_overlap_conflict", NULL,
                     "A retransmitted TCP segment carried different bytes for data already seen (%llu bytes); "
                     "the first copy was kept. This points at a broken middlebox or an evasion attempt.",
                     (unsigned long long)len);
}

bool tlss_assign_id(tls_conn *c, uint64_t id)
{
    if (!c->s || c->s->id != 0)
        return false;
    c->s->id = id;
    return true;
}

void tlss_data(tls_conn *c, int side, uint64_t ts, const uint8_t *bytes, size_t n)
{
    uint64_t failures = resfail_count();
    in_data(c, side, ts, bytes, n);
    oom_check(c, failures);
}

void tlss_gap(tls_conn *c, int side, uint64_t ts, uint64_t len)
{
    uint64_t failures = resfail_count();
    in_gap(c, side, ts, len);
    oom_check(c, failures);
}

void tlss_fin(tls_conn *c, int side, uint64_t ts)
{
    uint64_t failures = resfail_count();
    in_fin(c, side, ts);
    oom_check(c, failures);
}

void tlss_rst(tls_conn *c, int side, uint64_t ts)
{
    uint64_t failures = resfail_count();
    in_rst(c, side, ts);
    oom_check(c, failures);
}

void tlss_end(tls_conn *c, uint64_t ts, step_kind why, end_cause reason, const char *cause)
{
    uint64_t failures = resfail_count();
    in_end(c, ts, why, reason, cause);
    oom_check(c, failures);
}
