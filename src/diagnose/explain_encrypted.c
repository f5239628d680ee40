/* explain_encrypted.c — TLS 1.3 without keys: what the record sizes and their
 * order say about the client's flight and the server's answer (see explain.h). */
#include "explain.h"

#include <string.h>

/* TLS 1.3 without keys: infer what the record sizes say. *failed is set to
 * whether the evidence says the handshake probably failed. */
void explain_encrypted(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    diag_cite(o, c->f.enc_hs[1]);
    diag_cite(o, c->f.enc_hs[0]);
    sb_printf(&o->confirm, "pass --keylog FILE with this session's secrets to read the certificates, "
                           "the CertificateRequest and any alert");
    const session_t *s = c->s;
    const facts *f = &c->f;
    const diag_options *opt = c->opt;
    bool failed = false;
    sb_printf(e, "TLS 1.3 without keys: the certificates, the CertificateRequest and any alert "
                 "travel encrypted, so what follows is inference from record sizes and timing.");
    /* The client's flight: the first C2S encrypted steps after the server's flight. */
    long srv_flight = f->enc_hs[1];
    uint32_t c_recs = 0, c_bytes = 0;
    long i = srv_flight != NONE ? srv_flight + 1 : (f->sh != NONE ? f->sh + 1 : 0);
    long flight_end = NONE;
    for (; i >= 0 && (size_t)i < s->n_steps; i++) {
        const step_t *st = &s->steps[i];
        if (st->dir != DIR_C2S)
            continue;
        if (st->kind == STEP_CHANGE_CIPHER_SPEC)
            continue;
        if (st->kind == STEP_ENCRYPTED_HANDSHAKE || st->kind == STEP_FINISHED) {
            c_recs += st->count ? st->count : 1;
            c_bytes += st->length;
            flight_end = i;
            continue;
        }
        if (flight_end != NONE || st->kind == STEP_FIN || st->kind == STEP_RST ||
            st->kind == STEP_APPLICATION_DATA || step_is_alert(st))
            break;
    }
    if (f->enc_hs[0] != NONE && s->steps[f->enc_hs[0]].count) {
        c_recs = s->steps[f->enc_hs[0]].count;
        c_bytes = s->steps[f->enc_hs[0]].length;
    }
    unsigned hash = s->sh.cipher == 0x1302 ? 48 : 32; /* TLS_AES_256_GCM_SHA384: SHA-384 */
    unsigned fin_only = 4 + hash + 1 + 16; /* Finished body + inner type + AEAD tag */
    int client_cert = -1;                   /* -1 unknown, 0 none, 1 empty, 2 sent */
    if (f->sh == NONE || (srv_flight == NONE && c_recs == 0)) {
        sb_printf(e, " The server's encrypted flight was not seen.");
    } else if (c_recs == 0) {
        sb_printf(e, " The client never sent its encrypted flight (Finished).");
    } else if (c_bytes <= fin_only + 10) {
        client_cert = 0;
        sb_printf(e, " The client probably sent no certificate (client flight %u bytes in %u "
                     "record%s, about what Finished alone takes: ~%u).",
                  c_bytes, c_recs, c_recs == 1 ? "" : "s", fin_only);
    } else if (c_bytes <= fin_only + 90 && c_recs >= 2) {
        client_cert = 1;
        sb_printf(e, " The client probably sent an empty Certificate, i.e. it was asked for one "
                     "and had none (client flight %u bytes in %u records vs ~%u for Finished "
                     "alone).",
                  c_bytes, c_recs, fin_only);
    } else if (c_bytes >= fin_only + 250) {
        client_cert = 2;
        sb_printf(e, " The client probably sent a certificate (client flight %u bytes in %u "
                     "record%s vs ~%u for Finished alone).",
                  c_bytes, c_recs, c_recs == 1 ? "" : "s", fin_only);
    } else {
        sb_printf(e, " The client flight (%u bytes in %u record%s) is between the Finished-only "
                     "size (~%u) and a typical certificate, so this inference is weak.",
                  c_bytes, c_recs, c_recs == 1 ? "" : "s", fin_only);
    }
    /* What the server did after the client's flight. */
    if (flight_end != NONE || c_recs) {
        long start = flight_end != NONE ? flight_end + 1 : (srv_flight != NONE ? srv_flight + 1 : 0);
        uint32_t s_recs = 0, s_bytes = 0, lone_len = 0;
        bool closed = false, c_app = false;
        mtls_dir closer = DIR_S2C;
        for (long k = start; (size_t)k < s->n_steps; k++) {
            const step_t *st = &s->steps[k];
            if (st->kind == STEP_FIN || st->kind == STEP_RST) {
                closed = true;
                closer = st->dir;
                break;
            }
            if (st->dir == DIR_C2S) {
                if (st->kind == STEP_APPLICATION_DATA)
                    c_app = true;
                continue;
            }
            if (st->kind == STEP_APPLICATION_DATA || st->kind == STEP_ENCRYPTED_ALERT ||
                st->kind == STEP_ENCRYPTED_HANDSHAKE || st->kind == STEP_NEW_SESSION_TICKET) {
                uint32_t cnt = st->count ? st->count : 1;
                s_recs += cnt;
                s_bytes += st->length;
                lone_len = st->length;
            }
        }
        bool small = s_recs == 1 && ((lone_len >= 19 && lone_len <= 40) || lone_len == 11);
        if (small && closed) {
            failed = true;
            sb_printf(e, " The server answered%s with one %u-byte encrypted record and the %s "
                         "then closed: probably an alert such as %s.",
                      c_app ? " the client's first application data" : "", lone_len,
                      side_word(closer),
                      client_cert == 2 ? "bad_certificate, unknown_ca or certificate_expired"
                      : client_cert >= 0 ? "certificate_required"
                                         : "certificate_required or bad_certificate");
        } else if (s_recs == 0 && closed && closer == DIR_S2C) {
            failed = true;
            sb_printf(e, " The server closed without sending anything after the client's "
                         "flight: it most likely rejected it.");
        } else if (s_recs > 0) {
            sb_printf(e, " The server then sent %u record%s (%u bytes): session tickets or "
                         "application data, so the handshake probably completed.",
                      s_recs, s_recs == 1 ? "" : "s", s_bytes);
        } else {
            sb_printf(e, " No answer from the server was seen after the client's flight.");
        }
    }
    sb_printf(e, " Record padding or record_size_limit would change these sizes.");
    if (opt && opt->keylog_given && s->decrypt_note && strstr(s->decrypt_note, "do not decrypt"))
        sb_printf(n, "The key log has secrets for this session but they do not decrypt all of it "
                     "(a truncated or mixed-up key log, or secrets from another run that reused "
                     "the client random): pass the complete key log written during this "
                     "capture.");
    else if (opt && opt->keylog_given)
        sb_printf(n, "The key log has no secrets for this session: make sure the client that "
                     "made this connection writes them (SSLKEYLOGFILE for curl, Firefox, "
                     "Chrome; openssl s_client -keylogfile FILE) and pass that file with "
                     "--keylog.");
    else
        sb_printf(n, "Pass --keylog FILE with the session secrets (SSLKEYLOGFILE=FILE for "
                     "curl, Firefox and Chrome; openssl s_client -keylogfile FILE) to read the "
                     "certificates, the CertificateRequest and the alert itself.");
    if (failed)
        sb_printf(n, " Meanwhile the server's log states why it refused the client.");
    o->failed = failed;
}
