/*
 * tls_handshake_map.c — handshake messages into session steps.
 *
 * Takes handshake messages, not records: tlsh_feed_handshake() reassembles
 * them from record payloads, tlsh_message() maps one complete message (what a
 * QUIC CRYPTO-frame layer would feed). Runs the pure dissectors, appends steps,
 * keeps owned copies of the certificates, CertificateRequest and
 * CertificateVerify in the session (the hellos: tls_hello_map.c), keeps the
 * handshake transcript (and the one of a TLS 1.3 post-handshake
 * authentication) and checks Finished against the key log. Where the
 * handshake stands is the two machines of tls_hs_state.h, advanced here
 * message by message.
 */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "tls_cert_request.h"
#include "tls_certificate.h"
#include "tls_conn.h"
#include "tls_extensions.h"
#include "tls_handshake.h"
#include "tls_hs_state.h"
#include "tls_key_exchange.h"
#include "tls_registry.h"
#include "tls_session_msgs.h"

#define MAX_CERTS_KEPT 32 /* certificates copied per side (count is exact) */

/* ------------------------------------------------------------------ where the handshake stands */

/* What the (first) ServerHello settled. */
static tlshs_version hs_version(const tls_conn *c)
{
    const session_t *s = c->s;
    return !s->sh.present ? TLSHS_V_UNKNOWN : s->tls13 ? TLSHS_V_13 : TLSHS_V_12;
}

/* Both sides have sent their Finished in the running handshake. */
static bool hs_both_finished(const tls_conn *c)
{
    return tlshs_client_finished(c->hs_client) && tlshs_server_finished(c->hs_server);
}

/* Advance both machines by message msg (TLS_HS_* or TLSHS_MSG_HRR) from d. An
 * unexpected message is counted and nothing else: it was mapped like any other. */
static void hs_observe(tls_conn *c, unsigned msg, mtls_dir d)
{
    tlshs_version v = hs_version(c);
    tlshs_client_step cs = tlshs_client_next(c->hs_client, msg, d, v);
    tlshs_server_step ss = tlshs_server_next(c->hs_server, msg, d, v);
    c->hs_client = cs.next;
    c->hs_server = ss.next;
    /* a renegotiation both machines agree on was started before the message was mapped */
    if (cs.verdict != TLSHS_EXPECTED || ss.verdict != TLSHS_EXPECTED)
        c->hs_unexpected[d]++;
}

bool tlsh_finished(const tls_conn *c, mtls_dir d)
{
    return d == DIR_C2S ? tlshs_client_finished(c->hs_client) : tlshs_server_finished(c->hs_server);
}

void tlsh_sealed_finished(tls_conn *c, mtls_dir d) { hs_observe(c, TLS_HS_FINISHED, d); }

/* TLS 1.0-1.2: a HelloRequest from the server or a ClientHello from the client
 * after both Finished starts a renegotiation. */
static bool hs_starts_renegotiation(const tls_conn *c, uint8_t type, mtls_dir d)
{
    tlshs_version v = hs_version(c);
    return tlshs_client_next(c->hs_client, type, d, v).verdict == TLSHS_RENEGOTIATE &&
           tlshs_server_next(c->hs_server, type, d, v).verdict == TLSHS_RENEGOTIATE;
}

/* ------------------------------------------------------------------ authentication messages */

static void on_certificate(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, uint32_t len, bool dec)
{
    session_t *s = c->s;
    side_info *si = &s->side[d];
    step_t *st = tlsb_msg_step(c, ts, d, STEP_CERTIFICATE, len, dec);
    tls_cert_iter it;
    tls_cert_header hdr;
    dx_result r = tls_cert_iter_init(&it, body, s->tls13, &hdr);
    if (r.status != DX_OK) {
        tlsb_body_malformed(c, d, ts, "Certificate", r);
        return;
    }
    for (size_t i = 0; i < si->n_certs; i++)
        bytes_clear(&si->certs[i]);
    free(si->certs);
    si->certs = NULL;
    si->n_certs = 0;
    c->d[d].cert_msg_seen = true;
    uint32_t count = 0;
    tls_cert_entry e;
    while (tls_cert_iter_next(&it, &e)) {
        if (si->n_certs < MAX_CERTS_KEPT) {
            bytes_t *nb = realloc(si->certs, (si->n_certs + 1) * sizeof(*nb));
            if (nb) {
                si->certs = nb;
                memset(&si->certs[si->n_certs], 0, sizeof(bytes_t));
                if (bytes_set(&si->certs[si->n_certs], cur_ptr(&e.der), cur_remaining(&e.der)) == 0)
                    si->n_certs++;
            }
        }
        count++;
    }
    if (st)
        st->count = count;
    r = tls_cert_iter_status(&it);
    if (r.status != DX_OK)
        tlsb_body_malformed(c, d, ts, "Certificate", r);
}

static void on_cert_request(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, uint32_t len, bool dec)
{
    session_t *s = c->s;
    bool post = s->tls13 && hs_both_finished(c);
    step_t *st = tlsb_msg_step(c, ts, d, post ? STEP_POST_HANDSHAKE_AUTH : STEP_CERTIFICATE_REQUEST, len, dec);
    tls_certreq req;
    dx_result r = tls_certreq_parse(body, s->tls13 ? 0x0304 : s->version, &req);
    if (r.status != DX_OK) {
        tlsb_body_malformed(c, d, ts, "CertificateRequest", r);
        return;
    }
    cert_request_info *cr = &s->cr;
    for (size_t i = 0; i < cr->n_ca_names; i++)
        bytes_clear(&cr->ca_names[i]);
    free(cr->ca_names);
    cr->ca_names = NULL;
    cr->n_ca_names = 0;
    cr->present = true;
    cr->tls13 = req.tls13;
    cr->post_handshake = post;
    if (bytes_set(&cr->cert_types, cur_ptr(&req.cert_types), cur_remaining(&req.cert_types)) < 0)
        cr->cert_types.len = 0;
    uint16_t tmp[TLS_LIST_MAX];
    size_t n = 0;
    for (size_t i = 0; i < req.n_sig_algs && n < TLS_LIST_MAX; i++)
        if (tls_certreq_u16_at(&req.sig_algs, i, &tmp[n]))
            n++;
    if (u16_list_set(&cr->sig_algs, tmp, n) < 0)
        cr->sig_algs.n = 0;
    n = 0;
    for (size_t i = 0; i < req.n_sig_algs_cert && n < TLS_LIST_MAX; i++)
        if (tls_certreq_u16_at(&req.sig_algs_cert, i, &tmp[n]))
            n++;
    if (u16_list_set(&cr->sig_algs_cert, tmp, n) < 0)
        cr->sig_algs_cert.n = 0;
    if (req.n_cas) {
        size_t cap = req.n_cas > 256 ? 256 : req.n_cas;
        cr->ca_names = calloc(cap, sizeof(bytes_t));
        tls_dn_iter di;
        tls_certreq_ca_iter_init(&di, &req);
        cur_t dn;
        while (cr->ca_names && cr->n_ca_names < cap && tls_certreq_ca_next(&di, &dn)) {
            if (bytes_set(&cr->ca_names[cr->n_ca_names], cur_ptr(&dn), cur_remaining(&dn)) == 0)
                cr->n_ca_names++;
        }
    }
    if (st)
        st->count = (uint32_t)req.n_cas;
}


/* The transcript that signs/finishes the message being processed: the
 * post-handshake authentication transcript while one runs, else the main one. */
static transcript *cur_tr(tls_conn *c) { return c->pha_tr ? c->pha_tr : c->tr; }

/* The size of the whole handshake message that starts at p (n >= 4 bytes),
 * header included, from the dissector's header parser: false when its length
 * is over TLS_HS_MAX_LEN. */
static bool hs_message_size(const uint8_t *p, size_t n, size_t *out)
{
    cur_t cu;
    uint8_t type;
    uint32_t len;
    cur_init(&cu, p, n);
    if (tls_hs_parse_header(&cu, &type, &len).status != DX_OK)
        return false;
    *out = TLS_HS_HDR_LEN + (size_t)len;
    return true;
}

/* RFC 8446 4.4: post-handshake authentication messages are hashed over the
 * whole handshake (through the client Finished) plus the CertificateRequest
 * and what follows it. Copy the main transcript message by message. */
static void pha_start(tls_conn *c)
{
    transcript_free(c->pha_tr);
    c->pha_tr = NULL;
    size_t tl = 0;
    bool complete = false;
    const uint8_t *raw = c->tr ? transcript_raw(c->tr, &tl, &complete) : NULL;
    if (!raw || !complete)
        return;
    transcript *t = transcript_new();
    if (!t || transcript_set_hash(t, transcript_alg_for(c->s->version, c->s->sh.cipher)) != TRANSCRIPT_OK) {
        transcript_free(t);
        return;
    }
    size_t off = 0;
    while (off + TLS_HS_HDR_LEN <= tl) {
        size_t ml;
        if (!hs_message_size(raw + off, tl - off, &ml) || off + ml > tl ||
            transcript_add(t, raw + off, ml) != TRANSCRIPT_OK) {
            transcript_free(t);
            return;
        }
        off += ml;
    }
    c->pha_tr = t;
}

/* Keep what the CertificateVerify signature covers; proof_check() verifies it
 * once the chain (and its decoded key) is known. */
static void keep_signed_data(tls_conn *c, mtls_dir d)
{
    session_t *s = c->s;
    side_info *si = &s->side[d];
    cert_verify_info *ci = &si->cv;
    free(ci->unchecked_note);
    ci->unchecked_note = NULL;
    bytes_clear(&ci->signed_data);
    if (si->n_certs == 0) {
        ci->unchecked_note = strdup("no certificate from this side to check the signature against");
        return;
    }
    if (s->tls13) {
        uint8_t h[TRANSCRIPT_MAX_HASH];
        size_t hl = sizeof(h);
        if (!cur_tr(c) || transcript_hash_now(cur_tr(c), h, &hl) != TRANSCRIPT_OK) {
            ci->unchecked_note = strdup("handshake transcript unavailable");
            return;
        }
        ci->tls13 = true;
        if (bytes_set(&ci->signed_data, h, hl) < 0)
            ci->unchecked_note = strdup("out of memory");
    } else {
        size_t tl = 0;
        bool complete = false;
        const uint8_t *t = c->tr ? transcript_raw(c->tr, &tl, &complete) : NULL;
        if (!t || !complete) {
            ci->unchecked_note = strdup("handshake transcript incomplete (capture started mid-handshake or too large)");
            return;
        }
        ci->tls13 = false;
        if (bytes_set(&ci->signed_data, t, tl) < 0)
            ci->unchecked_note = strdup("out of memory");
    }
}

static void on_cert_verify(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, uint32_t len, bool dec)
{
    session_t *s = c->s;
    (void)tlsb_msg_step(c, ts, d, STEP_CERTIFICATE_VERIFY, len, dec);
    tls_cert_verify cv;
    dx_result r = tls_kx_parse_cert_verify(body, s->tls13 ? 0x0304 : s->version, &cv);
    if (r.status != DX_OK) {
        tlsb_body_malformed(c, d, ts, "CertificateVerify", r);
        return;
    }
    cert_verify_info *ci = &s->side[d].cv;
    ci->present = true;
    ci->scheme = cv.has_scheme ? cv.scheme : 0;
    if (bytes_set(&ci->signature, cur_ptr(&cv.signature), cur_remaining(&cv.signature)) < 0)
        ci->signature.len = 0;
    keep_signed_data(c, d);
}

static void check_finished(tls_conn *c, mtls_dir d, cur_t *body, step_t *st)
{
    session_t *s = c->s;
    if (!c->ke || !cur_tr(c))
        return;
    uint8_t h[TRANSCRIPT_MAX_HASH];
    size_t hl = sizeof(h);
    if (transcript_hash_now(cur_tr(c), h, &hl) != TRANSCRIPT_OK)
        return;
    uint8_t exp[64];
    size_t el = 0;
    int rc;
    if (s->tls13 && c->pha_tr) {
        /* post-handshake Finished: keyed by the current application traffic secret */
        const decrypt_dir *dd = &c->d[d].dec;
        if (c->d[d].key_state != KEYS_READY || !dd->secret_len)
            return;
        el = sizeof(exp);
        rc = tls13_finished_expected(s->sh.cipher, dd->secret, dd->secret_len, h, hl, exp, &el);
    } else if (s->tls13) {
        keylog_kind k = d == DIR_S2C ? KEYLOG_SERVER_HANDSHAKE_TRAFFIC : KEYLOG_CLIENT_HANDSHAKE_TRAFFIC;
        if (!keylog_entry_has(c->ke, k))
            return;
        el = sizeof(exp);
        rc = tls13_finished_expected(s->sh.cipher, c->ke->secret[k].bytes, c->ke->secret[k].len, h, hl,
                                     exp, &el);
    } else {
        if (!keylog_entry_has(c->ke, KEYLOG_MASTER_SECRET))
            return;
        el = 12;
        rc = tls12_finished_expected(c->ksh->cipher, c->ke->secret[KEYLOG_MASTER_SECRET].bytes,
                                     d == DIR_C2S, h, hl, exp);
    }
    if (rc != 0)
        return;
    cur_t vd;
    bool ok = tls_kx_parse_finished(body, &vd).status == DX_OK && cur_remaining(&vd) == el &&
              memcmp(cur_ptr(&vd), exp, el) == 0;
    if (st)
        tlsb_set_detail(st, "verify_data %s", ok ? "matches the key log" : "DOES NOT MATCH");
    if (!ok)
        findings_add(&s->wire_findings, SEV_ERROR, "finished_mismatch", d == DIR_C2S ? "client Finished" : "server Finished",
                     "The Finished verify_data does not match the value computed from the key log and the "
                     "handshake transcript: the keys or the captured transcript are wrong.");
}

/* ------------------------------------------------------------------ one message, by type */

static void on_compressed_certificate(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, step_t *st)
{
    tls_compressed_cert cc;
    dx_result r = tls_cert_parse_compressed(body, &cc);
    if (r.status != DX_OK)
        tlsb_body_malformed(c, d, ts, "CompressedCertificate", r);
    else if (st)
        tlsb_set_detail(st, "algorithm %s (certificates not decompressed)", tls_cert_compression_name(cc.algorithm));
    c->d[d].cert_msg_seen = true;
}

/* What the ServerKeyExchange signature covers: both randoms, then the params. */
static void keep_ske_signature(session_t *s, const tls_ske *ske)
{
    cert_verify_info *si = &s->ske_sig;
    if (!ske->has_signature || si->present)
        return; /* a second ServerKeyExchange is malformed anyway: keep the first */
    si->present = true;
    si->scheme = ske->has_scheme ? ske->sig_scheme : 0;
    size_t pl = cur_remaining(&ske->params);
    if (bytes_set(&si->signature, cur_ptr(&ske->signature), cur_remaining(&ske->signature)) < 0 ||
        !s->ch.present || !s->sh.present || !(si->signed_data.data = malloc(64 + pl))) {
        si->signature.len = 0;
        free(si->unchecked_note);
        si->unchecked_note = strdup("the ServerKeyExchange signature could not be kept (memory or a missing hello)");
        return;
    }
    memcpy(si->signed_data.data, s->ch.random, 32);
    memcpy(si->signed_data.data + 32, s->sh.random, 32);
    memcpy(si->signed_data.data + 64, cur_ptr(&ske->params), pl);
    si->signed_data.len = 64 + pl;
}

static void on_server_key_exchange(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, step_t *st)
{
    session_t *s = c->s;
    tls_ske ske;
    tls_kx_kind k = tls_kx_kind_for_cipher(s->sh.cipher);
    if (k == TLS_KX_UNKNOWN)
        return;
    dx_result r = tls_kx_parse_server_key_exchange(body, k, s->version, &ske);
    if (r.status != DX_OK) {
        tlsb_body_malformed(c, d, ts, "ServerKeyExchange", r);
    } else {
        if (ske.named_group)
            s->kx_group = ske.named_group;
        keep_ske_signature(s, &ske);
        if (!st)
            return;
        char b[TLS_REG_BUF], b2[TLS_REG_BUF];
        if (ske.named_group)
            tlsb_set_detail(st, "%s %s, signed with %s", tls_kx_kind_name(k), tls_reg_group_str(ske.named_group, b),
                            ske.has_scheme ? tls_reg_sigscheme_str(ske.sig_scheme, b2) : "-");
        else
            tlsb_set_detail(st, "%s", tls_kx_kind_name(k));
    }
}

static void on_new_session_ticket(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, step_t *st)
{
    tls_new_session_ticket nst;
    dx_result r = tls_parse_new_session_ticket(body, c->s->tls13, &nst);
    if (r.status != DX_OK)
        tlsb_body_malformed(c, d, ts, "NewSessionTicket", r);
    else if (st)
        tlsb_set_detail(st, "lifetime %us, ticket %zu bytes", (unsigned)nst.lifetime, cur_remaining(&nst.ticket));
}

static void on_encrypted_extensions(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body)
{
    session_t *s = c->s;
    tls_encrypted_extensions ee;
    dx_result r = tls_parse_encrypted_extensions(body, &ee);
    if (r.status != DX_OK) {
        tlsb_body_malformed(c, d, ts, "EncryptedExtensions", r);
    } else if (ee.has_alpn && !s->sh.alpn) {
        s->sh.alpn = tlsb_dup_view(cur_ptr(&ee.alpn), cur_remaining(&ee.alpn));
    }
}

/* A handshake message of no known type (or from the wrong side). */
static step_t *other_handshake(tls_conn *c, mtls_dir d, uint64_t ts, uint8_t type)
{
    step_t *st = tlsb_add_step(c, ts, d, STEP_OTHER_HANDSHAKE);
    if (st) {
        st->hs_type = type;
        char b[TLS_REG_BUF];
        tlsb_set_detail(st, "%s", tls_reg_hs_type_str(type, b));
    }
    return st;
}

/*
 * Map one parsed handshake message of `type` into steps and session fields.
 * Returns the step for the common fields (type, length, decrypted), or NULL
 * when the handler keeps its own step (hellos, Certificate, CertificateRequest,
 * CertificateVerify). *add_to_transcript is cleared for the messages that are
 * not part of the handshake transcript.
 */
/* A body the dissector calls malformed is a finding on the wire; DX_UNSUPPORTED
 * (a key exchange we do not read) is not. */
static void body_checked(tls_conn *c, mtls_dir d, uint64_t ts, const char *what, dx_result r)
{
    if (r.status == DX_MALFORMED)
        tlsb_body_malformed(c, d, ts, what, r);
}

/* The ClientKeyExchange of the negotiated key exchange, through its dissector. */
static void check_client_key_exchange(tls_conn *c, mtls_dir d, uint64_t ts, const cur_t *body)
{
    tls_cke cke;
    tls_kx_kind kind = c->s->tls13 ? TLS_KX_TLS13 : tls_kx_kind_for_cipher(c->ksh->cipher);
    body_checked(c, d, ts, "ClientKeyExchange", tls_kx_parse_client_key_exchange(body, kind, c->s->version, &cke));
}

static step_t *map_message(tls_conn *c, mtls_dir d, uint64_t ts, uint8_t type, cur_t *body, uint32_t len, bool dec,
                           bool *add_to_transcript)
{
    uint8_t request_update = 0;
    step_t *st = NULL;
    switch (type) {
    case TLS_HS_CLIENT_HELLO:
        if (d != DIR_C2S)
            return other_handshake(c, d, ts, type);
        tlsh_client_hello(c, d, ts, body, false, len, dec);
        break;
    case TLS_HS_SERVER_HELLO:
        if (d != DIR_S2C)
            return other_handshake(c, d, ts, type);
        /* HRR: transcript_hello_retry runs inside before the HRR is added below */
        tlsh_server_hello(c, d, ts, body, len, dec);
        break;
    case TLS_HS_CERTIFICATE:
        on_certificate(c, d, ts, body, len, dec);
        break;
    case TLS_HS_COMPRESSED_CERTIFICATE:
        st = tlsb_add_step(c, ts, d, STEP_COMPRESSED_CERTIFICATE);
        on_compressed_certificate(c, d, ts, body, st);
        break;
    case TLS_HS_CERTIFICATE_REQUEST:
        on_cert_request(c, d, ts, body, len, dec);
        break;
    case TLS_HS_CERTIFICATE_VERIFY:
        on_cert_verify(c, d, ts, body, len, dec);
        break;
    case TLS_HS_SERVER_KEY_EXCHANGE:
        st = tlsb_add_step(c, ts, d, STEP_SERVER_KEY_EXCHANGE);
        on_server_key_exchange(c, d, ts, body, st);
        break;
    case TLS_HS_CLIENT_KEY_EXCHANGE:
        st = tlsb_add_step(c, ts, d, STEP_CLIENT_KEY_EXCHANGE);
        check_client_key_exchange(c, d, ts, body);
        break;
    case TLS_HS_SERVER_HELLO_DONE:
        st = tlsb_add_step(c, ts, d, STEP_SERVER_HELLO_DONE);
        body_checked(c, d, ts, "ServerHelloDone", tls_parse_server_hello_done(body));
        break;
    case TLS_HS_FINISHED:
        st = tlsb_add_step(c, ts, d, STEP_FINISHED);
        if (st)
            st->decrypted = dec;
        check_finished(c, d, body, st);
        break;
    case TLS_HS_NEW_SESSION_TICKET:
        st = tlsb_add_step(c, ts, d, STEP_NEW_SESSION_TICKET);
        on_new_session_ticket(c, d, ts, body, st);
        *add_to_transcript = !c->s->tls13;
        break;
    case TLS_HS_ENCRYPTED_EXTENSIONS:
        st = tlsb_add_step(c, ts, d, STEP_ENCRYPTED_EXTENSIONS);
        on_encrypted_extensions(c, d, ts, body);
        break;
    case TLS_HS_KEY_UPDATE:
        st = tlsb_add_step(c, ts, d, STEP_KEY_UPDATE);
        body_checked(c, d, ts, "KeyUpdate", tls_parse_key_update(body, &request_update));
        *add_to_transcript = false;
        tlsk_key_update(c, d);
        break;
    case TLS_HS_END_OF_EARLY_DATA:
        st = tlsb_add_step(c, ts, d, STEP_END_OF_EARLY_DATA);
        body_checked(c, d, ts, "EndOfEarlyData", tls_parse_end_of_early_data(body));
        break;
    case TLS_HS_HELLO_REQUEST:
        st = tlsb_add_step(c, ts, d, STEP_HELLO_REQUEST);
        body_checked(c, d, ts, "HelloRequest", tls_parse_hello_request(body));
        *add_to_transcript = false;
        break;
    default:
        return other_handshake(c, d, ts, type);
    }
    return st;
}

/* Post-handshake messages are not part of the main transcript; those of a
 * post-handshake authentication go to its own. */
static void update_transcripts(tls_conn *c, mtls_dir d, uint8_t type, const uint8_t *msg, size_t msglen,
                               bool add_to_transcript, bool post)
{
    if (add_to_transcript && !post && c->tr) {
        if (transcript_add(c->tr, msg, msglen) != TRANSCRIPT_OK) {
            /* overflow: CertificateVerify checks will say the transcript is incomplete */
        }
    } else if (post && c->pha_tr && (type == TLS_HS_CERTIFICATE_REQUEST || type == TLS_HS_CERTIFICATE ||
                                      type == TLS_HS_CERTIFICATE_VERIFY || type == TLS_HS_FINISHED)) {
        if (type == TLS_HS_FINISHED && d == DIR_C2S) {
            transcript_free(c->pha_tr); /* the authentication is over */
            c->pha_tr = NULL;
        } else if (transcript_add(c->pha_tr, msg, msglen) != TRANSCRIPT_OK) {
            transcript_free(c->pha_tr);
            c->pha_tr = NULL;
        }
    }
}

/* "started by the server (HelloRequest), secure renegotiation (RFC 5746)" */
void tlsh_renegotiation_start(tls_conn *c, mtls_dir d, uint64_t ts, bool sealed, uint32_t sealed_len)
{
    session_t *s = c->s;
    c->n_renegs++;
    c->reneg = sealed ? RENEG_SEALED : d == DIR_S2C ? RENEG_REQUESTED : RENEG_HELLO;
    c->reneg_ccs[DIR_C2S] = c->reneg_ccs[DIR_S2C] = false;
    /* a new handshake runs */
    c->hs_client = TLSHS_C_START;
    c->hs_server = TLSHS_S_START;
    step_t *st = tlsb_add_step(c, ts, d, STEP_RENEGOTIATION);
    if (st) {
        st->count = c->n_renegs;
        st->length = sealed ? sealed_len : 0;
        st->decrypted = !sealed;
        bool secure = session_secure_renegotiation(s);
        tlsb_set_detail(st, "started by the %s (%s), %s%s", d == DIR_S2C ? "server" : "client",
                        d == DIR_S2C ? "HelloRequest" : "ClientHello",
                        secure ? "secure (renegotiation_info in the first handshake)"
                               : "INSECURE legacy renegotiation (no renegotiation_info in the first handshake)",
                        sealed ? "; encrypted, not dissected" : "");
    }
    /* the new handshake's transcript starts with its ClientHello */
    transcript_free(c->tr);
    c->tr = transcript_new();
}

void tlsh_message(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *msg, size_t msglen, bool dec)
{
    session_t *s = c->s;
    cur_t m;
    cur_init(&m, msg, msglen);
    m.base = 0;
    uint8_t type;
    cur_t body;
    dx_result r = tls_hs_parse(&m, &type, &body);
    if (r.status != DX_OK) {
        tlsb_mark_malformed(c, d, ts, "handshake message", r);
        return;
    }
    uint32_t len = (uint32_t)cur_remaining(&body);
    bool add_to_transcript = true;
    if (hs_starts_renegotiation(c, type, d))
        tlsh_renegotiation_start(c, d, ts, false, 0);
    bool post = hs_both_finished(c); /* after the handshake */
    if (post && s->tls13 && type == TLS_HS_CERTIFICATE_REQUEST && d == DIR_S2C)
        pha_start(c);
    size_t first_step = s->n_steps;
    step_t *st = map_message(c, d, ts, type, &body, len, dec, &add_to_transcript);
    if (st) {
        st->hs_type = type;
        if (!st->length)
            st->length = len;
        if (dec)
            st->decrypted = true;
    }
    bool hrr = first_step < s->n_steps && s->steps[first_step].kind == STEP_HELLO_RETRY_REQUEST;
    hs_observe(c, hrr ? TLSHS_MSG_HRR : type, d);
    update_transcripts(c, d, type, msg, msglen, add_to_transcript, post);
    if (c->reneg != RENEG_NONE && hs_both_finished(c))
        c->reneg = RENEG_NONE; /* the renegotiation finished */
    /* TLS 1.3: switch to application secrets after each side's Finished. */
    if (type == TLS_HS_FINISHED && s->tls13 && c->ke)
        tlsk_finished(c, d);
}

/* ------------------------------------------------------------------ handshake reassembly */

/* Append handshake-record bytes and process every complete message. */
void tlsh_feed_handshake(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n, bool dec)
{
    dir_state *ds = &c->d[d];
    const uint8_t *src = p;
    size_t avail = n;
    /* zero-copy when nothing is pending */
    if (ds->hs.len == 0) {
        while (avail >= TLS_HS_HDR_LEN && !ds->dead) {
            size_t msize;
            if (!hs_message_size(src, avail, &msize)) {
                tlsb_mark_malformed(c, d, ts, "handshake message", dx_malformed(DXE_HS_TOO_LONG, 0));
                return;
            }
            if (avail < msize)
                break;
            tlsh_message(c, d, ts, src, msize, dec);
            src += msize;
            avail -= msize;
        }
        if (avail == 0 || ds->dead)
            return;
    }
    if (tlsbuf_append(c, &ds->hs, src, avail, TLS_HS_MAX_LEN + TLS_HS_HDR_LEN) < 0) {
        tlsb_mark_malformed(c, d, ts, "handshake message", dx_malformed(DXE_HS_TOO_LONG, 0));
        return;
    }
    while (ds->hs.len >= TLS_HS_HDR_LEN && !ds->dead) {
        size_t msize;
        if (!hs_message_size(ds->hs.p, ds->hs.len, &msize)) {
            tlsb_mark_malformed(c, d, ts, "handshake message", dx_malformed(DXE_HS_TOO_LONG, 0));
            return;
        }
        if (ds->hs.len < msize)
            break;
        tlsh_message(c, d, ts, ds->hs.p, msize, dec);
        growbuf_consume(&ds->hs, msize);
    }
}
