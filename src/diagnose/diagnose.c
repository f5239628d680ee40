/*
 * diagnose.c — session -> verdict, explanation, next step, findings.
 *
 * Pure: reads only the session (steps, hello/certreq copies, side_info,
 * chain reports) and writes only the diagnosis fields. Wire strings are put
 * into the explanation raw; reporters escape them on output.
 */
#include "diagnose.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dn.h"
#include "names.h"

/* ---- a tiny string builder -------------------------------------------- */

typedef struct sb {
    char *s;
    size_t len;
    bool oom;
} sb;

static void sb_printf(sb *b, const char *fmt, ...) MTLS_PRINTF(2, 3);
static void sb_printf(sb *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *piece = NULL;
    int n = vasprintf(&piece, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    char *p = realloc(b->s, b->len + (size_t)n + 1);
    if (!p) {
        free(piece);
        b->oom = true;
        return;
    }
    memcpy(p + b->len, piece, (size_t)n + 1);
    b->s = p;
    b->len += (size_t)n;
    free(piece);
}

static char *sb_take(sb *b)
{
    if (b->oom) {
        free(b->s);
        return NULL;
    }
    char *s = b->s;
    if (!s)
        s = strdup("");
    b->s = NULL;
    return s;
}

/* ---- facts drawn from the step log ------------------------------------ */

#define NONE (-1L)

typedef struct facts {
    long ch, sh, hrr;
    long srv_cert, cli_cert;      /* Certificate step per side */
    uint32_t srv_cert_count, cli_cert_count;
    long certreq, cli_cv, cli_cke;
    long ccs[2], fin[2], app[2], enc_hs[2];
    long alert;                   /* first terminating alert */
    long close;                   /* first FIN or RST */
    long gap, end, malformed, http_srv;
    bool completed;
    bool resumed;
    bool tls13_nokeys;
} facts;

static bool is_alert(const step_t *st)
{
    return st->kind == STEP_ALERT || st->kind == STEP_ENCRYPTED_ALERT;
}

/* An alert that ends the handshake: fatal, encrypted (unreadable), or a
 * close_notify / user_canceled warning. Other warnings (unrecognized_name,
 * no_renegotiation) are survivable. */
static bool is_terminating_alert(const step_t *st)
{
    if (st->kind == STEP_ENCRYPTED_ALERT)
        return true;
    if (st->kind != STEP_ALERT)
        return false;
    return st->alert_level != 1 || st->alert_desc == 0 || st->alert_desc == 90;
}

static bool cert_step(const step_t *st)
{
    return st->kind == STEP_CERTIFICATE || st->kind == STEP_COMPRESSED_CERTIFICATE;
}

static void gather(const session_t *s, facts *f)
{
    long *firsts[] = {&f->ch, &f->sh, &f->hrr, &f->srv_cert, &f->cli_cert, &f->certreq,
                      &f->cli_cv, &f->cli_cke, &f->alert, &f->close, &f->gap, &f->end,
                      &f->malformed, &f->http_srv};
    for (size_t i = 0; i < MTLS_ARRAY_LEN(firsts); i++)
        *firsts[i] = NONE;
    for (int d = 0; d < 2; d++)
        f->ccs[d] = f->fin[d] = f->app[d] = f->enc_hs[d] = NONE;

    for (size_t i = 0; i < s->n_steps; i++) {
        const step_t *st = &s->steps[i];
        long li = (long)i;
        int d = st->dir == DIR_S2C ? 1 : 0;
        switch (st->kind) {
        case STEP_CLIENT_HELLO:
            if (f->ch == NONE)
                f->ch = li;
            break;
        case STEP_SERVER_HELLO:
            if (f->sh == NONE)
                f->sh = li;
            break;
        case STEP_HELLO_RETRY_REQUEST:
            if (f->hrr == NONE)
                f->hrr = li;
            break;
        case STEP_CERTIFICATE:
        case STEP_COMPRESSED_CERTIFICATE:
            if (d == 1 && f->srv_cert == NONE) {
                f->srv_cert = li;
                f->srv_cert_count = st->count;
            } else if (d == 0 && f->cli_cert == NONE) {
                f->cli_cert = li;
                f->cli_cert_count = st->count;
            }
            break;
        case STEP_CERTIFICATE_REQUEST:
            if (d == 1 && f->certreq == NONE)
                f->certreq = li;
            break;
        case STEP_CERTIFICATE_VERIFY:
            if (d == 0 && f->cli_cv == NONE)
                f->cli_cv = li;
            break;
        case STEP_CLIENT_KEY_EXCHANGE:
            if (f->cli_cke == NONE)
                f->cli_cke = li;
            break;
        case STEP_CHANGE_CIPHER_SPEC:
            if (f->ccs[d] == NONE)
                f->ccs[d] = li;
            break;
        case STEP_FINISHED:
            if (f->fin[d] == NONE)
                f->fin[d] = li;
            break;
        case STEP_ENCRYPTED_HANDSHAKE:
            if (f->enc_hs[d] == NONE)
                f->enc_hs[d] = li;
            /* TLS <= 1.2: the first encrypted handshake record after CCS is Finished. */
            if (!s->tls13 && f->ccs[d] != NONE && f->fin[d] == NONE)
                f->fin[d] = li;
            break;
        case STEP_APPLICATION_DATA:
            if (f->app[d] == NONE)
                f->app[d] = li;
            break;
        case STEP_ALERT:
        case STEP_ENCRYPTED_ALERT:
            if (f->alert == NONE && is_terminating_alert(st))
                f->alert = li;
            break;
        case STEP_FIN:
        case STEP_RST:
            if (f->close == NONE)
                f->close = li;
            break;
        case STEP_TCP_GAP:
            if (f->gap == NONE)
                f->gap = li;
            break;
        case STEP_CAPTURE_END:
        case STEP_EVICTED:
            if (f->end == NONE)
                f->end = li;
            break;
        case STEP_MALFORMED:
            if (f->malformed == NONE)
                f->malformed = li;
            break;
        case STEP_HTTP:
            if (d == 1 && f->http_srv == NONE)
                f->http_srv = li;
            break;
        default:
            break;
        }
    }
    if (f->ch == NONE && s->ch.present && s->n_steps == 0)
        f->ch = 0;

    bool fin_c = f->fin[0] != NONE;
    bool fin_s = f->fin[1] != NONE;
    long last_fin = f->fin[0] > f->fin[1] ? f->fin[0] : f->fin[1];
    f->completed = fin_c && fin_s;
    /* TLS 1.2 full handshake: the server's Finished comes after the client's
     * flight, so it proves the server accepted the client's certificate; a
     * later encrypted alert is a close_notify or an application-level refusal. */
    bool server_judged_before_fin = s->tls13 || (f->fin[0] != NONE && f->fin[1] != NONE && f->fin[1] < f->fin[0]);
    if (f->completed && server_judged_before_fin && f->alert != NONE && f->alert > last_fin) {
        /* TLS 1.3: the server judges the client's flight after both Finished;
         * a fatal alert before the alerting side sent application data means
         * the handshake did not really succeed. */
        const step_t *a = &s->steps[f->alert];
        int ad = a->dir == DIR_S2C ? 1 : 0;
        bool benign = a->kind == STEP_ALERT && a->alert_desc == 0;
        if (!benign && (f->app[ad] == NONE || f->app[ad] > f->alert))
            f->completed = false;
    }
    f->tls13_nokeys = s->tls13 && !s->decrypted && f->srv_cert == NONE && f->certreq == NONE;
    /* keys that read the server's flight but not the client's (wrong or
     * incomplete key log): what the client sent is still unknown */
    if (s->tls13 && f->enc_hs[0] != NONE && f->cli_cert == NONE && f->fin[0] == NONE)
        f->tls13_nokeys = true;
    if (!f->completed && !f->tls13_nokeys && f->gap == NONE && f->app[0] != NONE && f->app[1] != NONE &&
        f->alert == NONE)
        f->completed = true;

    f->resumed = s->resumed || s->sh.psk_selected;
    if (!f->resumed && !s->tls13 && s->sh.present && f->srv_cert == NONE &&
        s->ch.session_id_len > 0 && s->ch.session_id_len == s->sh.session_id_len &&
        memcmp(s->ch.session_id, s->sh.session_id, s->ch.session_id_len) == 0 &&
        f->ccs[1] != NONE && f->cli_cke == NONE)
        f->resumed = true;
}

/* ---- wording helpers -------------------------------------------------- */

static const char *side_word(mtls_dir d) { return d == DIR_C2S ? "client" : "server"; }

/* "the server's CertificateRequest" for step i, or "the start" when none. */
static void step_phrase(sb *b, const session_t *s, long i)
{
    if (i == NONE || i < 0 || (size_t)i >= s->n_steps) {
        sb_printf(b, "the start of the connection");
        return;
    }
    const step_t *st = &s->steps[i];
    if (cert_step(st) && st->count == 0)
        sb_printf(b, "the %s's empty Certificate", side_word(st->dir));
    else
        sb_printf(b, "the %s's %s", side_word(st->dir), step_kind_name(st->kind));
}

/* Index of the last TLS step (handshake, CCS, alert, data) before i. */
static long last_tls_step_before(const session_t *s, long i)
{
    for (long k = i - 1; k >= 0; k--) {
        step_kind kd = s->steps[k].kind;
        if (kd != STEP_FIN && kd != STEP_RST && kd != STEP_TCP_GAP && kd != STEP_CAPTURE_END &&
            kd != STEP_EVICTED && kd != STEP_TCP_SYN && kd != STEP_HTTP)
            return k;
    }
    return NONE;
}

static void ca_list(sb *b, const session_t *s, size_t max)
{
    const cert_request_info *cr = &s->cr;
    size_t shown = 0;
    for (size_t i = 0; i < cr->n_ca_names && shown < max; i++) {
        char *dn = dn_ca_name_string(cr->ca_names[i].data, cr->ca_names[i].len);
        sb_printf(b, "%s\"%s\"", shown ? "; " : "", dn ? dn : "(unparsable name)");
        free(dn);
        shown++;
    }
    if (cr->n_ca_names > shown)
        sb_printf(b, " and %zu more", cr->n_ca_names - shown);
}

static const cert_info *leaf(const session_t *s, const conn_analysis *a, mtls_dir d)
{
    const chain_report *r = a->chain[d];
    if (!r || r->n_certs == 0 || r->certs[0].decode_error)
        return NULL;
    return &r->certs[0];
}

static void cert_phrase(sb *b, const session_t *s, const conn_analysis *a, mtls_dir d)
{
    const cert_info *ci = leaf(s, a, d);
    size_t n = a->chain[d] ? a->chain[d]->n_certs : s->side[d].n_certs;
    if (ci)
        sb_printf(b, "\"%s\" issued by \"%s\"", ci->subject ? ci->subject : "?",
                  ci->issuer ? ci->issuer : "?");
    else
        sb_printf(b, "a certificate");
    if (n > 1)
        sb_printf(b, " (chain of %zu certificates)", n);
}

/* Our own validation of a side's chain, as one sentence. */
static void chain_judgement(sb *b, const session_t *s, const conn_analysis *a, mtls_dir d)
{
    const chain_report *r = a->chain[d];
    if (!r) {
        sb_printf(b, " The %s chain was not analysed.", side_word(d));
        return;
    }
    if (!r->valid) {
        sb_printf(b, " Our own validation of the %s chain agrees that something is wrong: %s",
                  side_word(d),
                  r->verify_sentence ? r->verify_sentence
                                     : (r->verify_error_str ? r->verify_error_str : "invalid"));
        size_t m = strlen(b->s ? b->s : "");
        if (m && b->s[m - 1] != '.')
            sb_printf(b, ".");
    } else if (r->trust_checked) {
        sb_printf(b, " Our own validation found the %s chain valid against the configured "
                     "trust anchors, so the server's trust store or policy differs from ours.",
                  side_word(d));
    } else {
        sb_printf(b, " Our own validation found no defect in the %s chain itself (trust was "
                     "not checked%s%s).",
                  side_word(d), r->trust_note ? ": " : "", r->trust_note ? r->trust_note : "");
    }
}

static bool chain_has(const session_t *s, const conn_analysis *a, mtls_dir d, const char *code)
{
    const chain_report *r = a->chain[d];
    return r && findings_has(&r->findings, code);
}

/* ---- alert knowledge -------------------------------------------------- */

const char *diag_alert_cause(uint8_t a)
{
    switch (a) {
    case 42: return "the peer could not use the certificate: a bad signature, a wrong key usage or extended key usage, or a CertificateVerify that did not match";
    case 43: return "the peer does not support this kind of certificate (key type, key size or signature algorithm)";
    case 44: return "the certificate was revoked by its CA (CRL or OCSP)";
    case 45: return "the certificate (or one in its chain) is expired or not yet valid at the peer's clock";
    case 46: return "the peer rejected the certificate for an unspecified reason (often an untrusted or incomplete chain, or a failed policy check)";
    case 48: return "the peer does not trust the CA that issued the certificate, or could not build a chain to it (missing intermediate)";
    case 49: return "the certificate is valid but the peer's access control refused this identity";
    case 51: return "a signature did not verify; after a client certificate this is usually the CertificateVerify, i.e. the private key does not match the certificate";
    case 116: return "the server requires a client certificate and none was sent";
    case 41: return "no certificate was available (SSL 3.0 no_certificate)";
    case 114: return "the certificate's hash value did not match";
    case 113: return "the OCSP status response was invalid";
    default: return NULL;
    }
}

static const char *negotiation_cause(uint8_t a)
{
    switch (a) {
    case 70: return "the two sides share no protocol version";
    case 40: return "the two sides could not agree on parameters: no common cipher suite, key-exchange group or signature algorithm";
    case 71: return "the server requires stronger parameters (cipher suite or group) than the client offered";
    case 120: return "the client offered ALPN protocols the server does not support";
    case 112: return "the server has no certificate or virtual host for the requested server name (SNI)";
    case 109: return "a mandatory extension was missing from the hello";
    case 110: return "a side sent an extension the other never offered";
    case 47: return "a field in the peer's hello had an illegal value (often a middlebox or a bug)";
    case 50: return "a handshake message could not be decoded by the peer";
    case 86: return "the client retried with a lower version than it supports (downgrade protection)";
    case 115: return "the server does not know the PSK identity the client offered";
    case 80: return "the peer hit an internal error";
    case 10: return "a message arrived out of order for the peer's state machine";
    case 20: return "a record failed its integrity check (keys or middlebox corruption)";
    case 121: return "the server requires Encrypted Client Hello";
    default: return NULL;
    }
}

static bool is_negotiation_alert(uint8_t a)
{
    switch (a) {
    case 70: case 71: case 120: case 109: case 110: case 47: case 50: case 86: case 121:
        return true;
    default:
        return false;
    }
}

static void alert_name(sb *b, const step_t *a)
{
    if (a->kind == STEP_ENCRYPTED_ALERT) {
        sb_printf(b, "an encrypted alert");
        return;
    }
    name_buf nb, lb;
    sb_printf(b, "%s alert %s", names_alert_level(a->alert_level, &lb),
              names_alert(a->alert_desc, &nb));
}

/* ---- per-verdict wording ---------------------------------------------- */

static void next_step_server_clientauth(sb *n)
{
    sb_printf(n, " (nginx: ssl_client_certificate / ssl_trusted_certificate and ssl_verify_depth; "
                 "Apache: SSLCACertificateFile; HAProxy: ca-file on the bind line; Envoy: "
                 "validation_context.trusted_ca)");
}

static void do_client_cert_missing(const session_t *s, const facts *f, sb *e, sb *n)
{
    sb_printf(e, "The server asked for a client certificate");
    if (s->cr.n_ca_names) {
        sb_printf(e, " and said it accepts certificates issued by ");
        ca_list(e, s, 8);
    } else if (s->cr.present) {
        sb_printf(e, " without naming acceptable CAs");
    }
    if (f->cli_cert != NONE)
        sb_printf(e, ", but the client answered with an empty Certificate message: it had no "
                     "certificate configured, or none issued by an accepted CA.");
    else
        sb_printf(e, ", but the client sent no Certificate message at all.");
    if (!f->completed && f->alert != NONE && s->steps[f->alert].dir == DIR_S2C) {
        sb_printf(e, " The server then aborted the handshake with ");
        alert_name(e, &s->steps[f->alert]);
        sb_printf(e, ".");
    } else if (f->completed) {
        sb_printf(e, " The server let the handshake finish anyway (client certificates are "
                     "optional at the TLS layer there), so it may refuse the request at the "
                     "application layer: nginx, for example, answers HTTP 400 \"No required SSL "
                     "certificate was sent\".");
        if (f->http_srv != NONE && s->steps[f->http_srv].detail)
            sb_printf(e, " The server's first response was \"%s\".", s->steps[f->http_srv].detail);
    } else if (f->close != NONE) {
        sb_printf(e, " The %s then closed the connection.", side_word(s->steps[f->close].dir));
    }
    sb_printf(n, "Configure the client with a certificate and its key");
    if (s->cr.n_ca_names) {
        sb_printf(n, " issued by one of ");
        ca_list(n, s, 8);
    }
    sb_printf(n, " (curl --cert client.pem --key client.key; openssl s_client -cert client.pem "
                 "-key client.key). If the client already has one, check that its issuer is in "
                 "the server's list: many clients only offer a certificate whose issuer the "
                 "server named.");
}

static void fix_for_client_alert(const session_t *s, const conn_analysis *a, uint8_t ad, sb *n)
{
    const cert_info *ci = leaf(s, a, DIR_C2S);
    const char *iss = ci && ci->issuer ? ci->issuer : "the client certificate's issuer";
    if (chain_has(s, a, DIR_C2S, "cert_expired") || ad == 45) {
        sb_printf(n, "Renew the client certificate (or fix the clock of the side that judged it); ");
    }
    if (chain_has(s, a, DIR_C2S, "eku_no_client_auth"))
        sb_printf(n, "Reissue the client certificate with extendedKeyUsage clientAuth; ");
    if (chain_has(s, a, DIR_C2S, "missing_intermediate") || chain_has(s, a, DIR_C2S, "chain_out_of_order"))
        sb_printf(n, "Have the client send its intermediate CA certificates, leaf first (curl: put "
                     "the whole chain in the --cert file), or give the server the intermediates; ");
    switch (ad) {
    case 48:
    case 46:
        sb_printf(n, "Add \"%s\" (and its root) to the server's client CA file", iss);
        next_step_server_clientauth(n);
        if (s->cr.n_ca_names) {
            sb_printf(n, ", or issue the client a certificate from one of the CAs the server lists: ");
            ca_list(n, s, 4);
        }
        sb_printf(n, ". Raise the verify depth if the chain is long.");
        break;
    case 45:
        sb_printf(n, "Check not_before/not_after with openssl x509 -noout -dates -in client.pem.");
        break;
    case 44:
        sb_printf(n, "The CA revoked this certificate: issue a new one, or update the server's CRL "
                     "(nginx ssl_crl) if the revocation is stale.");
        break;
    case 42:
    case 43:
        sb_printf(n, "Check the client certificate's key usage (digitalSignature), extended key "
                     "usage (clientAuth), key type and size and signature algorithm against the "
                     "server's policy; the server log names the exact reason.");
        break;
    case 49:
        sb_printf(n, "The server's access control refused \"%s\": add this identity to its "
                     "allow-list (e.g. the nginx map on $ssl_client_s_dn, Envoy "
                     "match_typed_subject_alt_names) or use a certificate that is allowed.",
                  ci && ci->subject ? ci->subject : "this certificate");
        break;
    case 51:
        sb_printf(n, "Check that the client's private key belongs to its certificate: compare "
                     "openssl x509 -noout -pubkey -in client.pem | sha256sum with "
                     "openssl pkey -pubout -in client.key | sha256sum.");
        break;
    default:
        sb_printf(n, "Read the server's log for this connection: it states why the certificate "
                     "was refused; reproduce with openssl s_client -cert client.pem -key "
                     "client.key -connect host:port.");
        break;
    }
}

static void do_client_cert_rejected(const session_t *s, const conn_analysis *a, const facts *f, sb *e, sb *n)
{
    const step_t *al = f->alert != NONE ? &s->steps[f->alert] : NULL;
    sb_printf(e, "The client presented ");
    cert_phrase(e, s, a, DIR_C2S);
    sb_printf(e, " and the server rejected it");
    if (al) {
        sb_printf(e, " with ");
        alert_name(e, al);
        sb_printf(e, " after ");
        step_phrase(e, s, last_tls_step_before(s, f->alert));
        sb_printf(e, ".");
        const char *why = al->kind == STEP_ALERT ? diag_alert_cause(al->alert_desc) : NULL;
        if (why)
            sb_printf(e, " This alert usually means %s.", why);
        else if (al->kind == STEP_ENCRYPTED_ALERT)
            sb_printf(e, " The alert is encrypted, so its reason is unknown; it is probably a "
                         "certificate alert.");
    } else {
        sb_printf(e, ".");
    }
    chain_judgement(e, s, a, DIR_C2S);
    if (a->client_ca_acceptable == 0) {
        sb_printf(e, " The client chain does not reach any CA the server listed (");
        ca_list(e, s, 4);
        sb_printf(e, ").");
    }
    fix_for_client_alert(s, a, al && al->kind == STEP_ALERT ? al->alert_desc : 46, n);
}

static void do_server_cert_rejected(const session_t *s, const conn_analysis *a, const facts *f, sb *e, sb *n)
{
    const step_t *al = &s->steps[f->alert];
    sb_printf(e, "The server presented ");
    cert_phrase(e, s, a, DIR_S2C);
    sb_printf(e, " and the client aborted with ");
    alert_name(e, al);
    sb_printf(e, ".");
    const char *why = al->kind == STEP_ALERT ? diag_alert_cause(al->alert_desc) : NULL;
    if (why)
        sb_printf(e, " This alert usually means %s.", why);
    if (al->kind == STEP_ALERT && al->alert_desc == 40)
        sb_printf(e, " handshake_failure is generic: it may also be a parameter the client "
                     "refused, not the certificate.");
    chain_judgement(e, s, a, DIR_S2C);
    if (chain_has(s, a, DIR_S2C, "hostname_mismatch"))
        sb_printf(n, "Use a server certificate whose subjectAltName contains \"%s\", or connect "
                     "with the name the certificate carries; ",
                  s->ch.sni ? s->ch.sni : "the requested name");
    if (chain_has(s, a, DIR_S2C, "missing_intermediate"))
        sb_printf(n, "Have the server send its intermediate certificates (nginx: append them "
                     "to the ssl_certificate file, leaf first); ");
    if (chain_has(s, a, DIR_S2C, "cert_expired"))
        sb_printf(n, "Renew the server certificate; ");
    const cert_info *ci = leaf(s, a, DIR_S2C);
    sb_printf(n, "Make the client trust the server's CA (\"%s\"): curl --cacert ca.pem, "
                 "openssl s_client -CAfile ca.pem -verify_return_error, or the client's trust "
                 "store; the client's error message names the exact reason.",
              ci && ci->issuer ? ci->issuer : "the issuer of the server certificate");
}

static void do_negotiation(const session_t *s, const facts *f, sb *e, sb *n)
{
    const step_t *a = f->alert != NONE ? &s->steps[f->alert] : NULL;
    sb_printf(e, "The handshake failed before any certificate was exchanged: the %s sent ",
              a ? side_word(a->dir) : "peer");
    if (a)
        alert_name(e, a);
    sb_printf(e, " after ");
    step_phrase(e, s, a ? last_tls_step_before(s, f->alert) : NONE);
    sb_printf(e, ".");
    uint8_t d = a && a->kind == STEP_ALERT ? a->alert_desc : 255;
    const char *why = negotiation_cause(d);
    if (why)
        sb_printf(e, " This alert usually means %s.", why);
    name_buf nb;
    switch (d) {
    case 70:
        sb_printf(e, " The client offered");
        if (s->ch.supported_versions.n) {
            for (size_t i = 0; i < s->ch.supported_versions.n; i++)
                if (!names_is_grease(s->ch.supported_versions.v[i]))
                    sb_printf(e, " %s", names_version(s->ch.supported_versions.v[i], &nb));
        } else {
            sb_printf(e, " up to %s", names_version(s->ch.legacy_version, &nb));
        }
        sb_printf(e, ".");
        sb_printf(n, "Enable a common TLS version on both sides (nginx ssl_protocols TLSv1.2 "
                     "TLSv1.3; openssl s_client -tls1_2 / -tls1_3 to test which one the server "
                     "accepts).");
        break;
    case 40:
    case 71:
        sb_printf(e, " The client offered %zu cipher suites and %zu groups.", s->ch.ciphers.n,
                  s->ch.groups.n);
        sb_printf(n, "Compare the client's offer (mtlsdump -v shows it) with the server's "
                     "configuration (nginx ssl_ciphers, ssl_ecdh_curve; openssl s_client "
                     "-cipher / -ciphersuites / -groups to test) and enable a common cipher "
                     "suite, group and signature algorithm.");
        break;
    case 120:
        sb_printf(e, " The client offered ALPN");
        for (size_t i = 0; i < s->ch.n_alpn; i++)
            sb_printf(e, " \"%s\"", s->ch.alpn[i]);
        sb_printf(e, ".");
        sb_printf(n, "Offer a protocol the server supports (curl --http1.1 / --http2) or enable "
                     "it on the server (nginx http2 on).");
        break;
    case 112:
        sb_printf(e, " The requested name was \"%s\".", s->ch.sni ? s->ch.sni : "(no SNI)");
        sb_printf(n, "Connect with a server name the server has configured (curl --resolve / "
                     "openssl s_client -servername), or add a server block / certificate for it.");
        break;
    default:
        sb_printf(n, "Reproduce with openssl s_client -connect host:port -servername NAME "
                     "-msg and read both sides' logs; compare the ClientHello (mtlsdump -v) "
                     "with the server's TLS settings.");
        break;
    }
}

static void do_aborted(const session_t *s, const facts *f, sb *e, sb *n)
{
    if (f->alert != NONE && (f->close == NONE || f->alert < f->close)) {
        const step_t *a = &s->steps[f->alert];
        sb_printf(e, "The %s sent ", side_word(a->dir));
        alert_name(e, a);
        sb_printf(e, " after ");
        step_phrase(e, s, last_tls_step_before(s, f->alert));
        sb_printf(e, ", which fits no more specific verdict.");
        const char *why = a->kind == STEP_ALERT ? negotiation_cause(a->alert_desc) : NULL;
        if (!why && a->kind == STEP_ALERT)
            why = diag_alert_cause(a->alert_desc);
        if (why)
            sb_printf(e, " This alert usually means %s.", why);
        sb_printf(n, "Read the %s's log for this connection and reproduce with openssl "
                     "s_client -connect host:port -msg -state.",
                  side_word(a->dir));
        return;
    }
    const step_t *c = &s->steps[f->close];
    long before = last_tls_step_before(s, f->close);
    sb_printf(e, "The %s %s the connection after ", side_word(c->dir),
              c->kind == STEP_RST ? "reset" : "closed");
    step_phrase(e, s, before);
    sb_printf(e, " without sending an alert.");
    const step_t *b = before != NONE ? &s->steps[before] : NULL;
    if (c->dir == DIR_S2C && b && b->kind == STEP_CLIENT_HELLO)
        sb_printf(e, " A server that hangs up on a ClientHello often does not speak TLS on "
                     "this port, has no route for the requested name (SNI \"%s\"), or sits "
                     "behind a filtering middlebox.",
                  s->ch.sni ? s->ch.sni : "none");
    else if (c->dir == DIR_S2C && f->cli_cert != NONE && f->cli_cert_count > 0)
        sb_printf(e, " It happened after the client's certificate: servers that close without "
                     "an alert usually rejected it.");
    else if (c->dir == DIR_C2S && f->srv_cert != NONE && before >= f->srv_cert)
        sb_printf(e, " It happened after the server's certificate: the client probably "
                     "rejected it without saying why.");
    sb_printf(n, "Look at the %s's log for this connection; reproduce with openssl s_client "
                 "-connect host:port -servername NAME -msg -state (add -cert/-key for mTLS) to "
                 "see which side gives up and why.",
              side_word(c->dir));
}

static void do_incomplete(const session_t *s, const facts *f, sb *e, sb *n)
{
    if (f->ch == NONE && f->sh == NONE) {
        sb_printf(e, "No TLS handshake was seen: the capture started after the handshake, or "
                     "the connection never began one.");
        sb_printf(n, "Start the capture before the client connects (and capture both "
                     "directions).");
        return;
    }
    if (f->ch == NONE)
        sb_printf(e, "The capture missed the ClientHello. ");
    long ev = f->gap;
    if (ev == NONE || (f->end != NONE && f->end < ev))
        ev = f->end;
    if (ev != NONE && s->steps[ev].kind == STEP_TCP_GAP) {
        sb_printf(e, "The capture lost %u bytes from the %s (a TCP gap) after ",
                  s->steps[ev].length, side_word(s->steps[ev].dir));
        step_phrase(e, s, last_tls_step_before(s, ev));
        sb_printf(e, ", before the handshake finished, so what followed cannot be judged.");
        sb_printf(n, "Capture without drops: full snap length (tcpdump -s 0), on the host "
                     "itself rather than a lossy mirror port, with a larger buffer "
                     "(tcpdump -B 8192); check the capture's drop counters.");
    } else if (ev != NONE && s->steps[ev].kind == STEP_EVICTED) {
        sb_printf(e, "The flow was evicted by a memory or flow cap after ");
        step_phrase(e, s, last_tls_step_before(s, ev));
        sb_printf(e, ", before the handshake finished.");
        sb_printf(n, "Raise --max-flows / --max-flow-bytes / --max-memory, or filter the "
                     "capture with a BPF expression to the hosts you care about.");
    } else {
        sb_printf(e, "The capture ended after ");
        step_phrase(e, s, last_tls_step_before(s, ev != NONE ? ev : (long)s->n_steps));
        sb_printf(e, ", before the handshake finished or either side gave up.");
        sb_printf(n, "Capture for longer (until both sides close), or check whether the "
                     "other side was still waiting (a timeout on one side).");
    }
}

/* TLS 1.3 without keys: infer what the record sizes say. Returns true when
 * the evidence says the handshake probably failed. */
static bool do_encrypted(const session_t *s, const facts *f, const diag_options *opt, sb *e,
                         sb *n)
{
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
            st->kind == STEP_APPLICATION_DATA || is_alert(st))
            break;
    }
    if (f->enc_hs[0] != NONE && s->steps[f->enc_hs[0]].count) {
        c_recs = s->steps[f->enc_hs[0]].count;
        c_bytes = s->steps[f->enc_hs[0]].length;
    }
    unsigned hash = s->sh.cipher == 0x1302 ? 48 : 32;
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
    return failed;
}

/* ---- own findings ----------------------------------------------------- */

static void copy_chain_findings(const session_t *s, const conn_analysis *a, mtls_dir d, diagnosis *out)
{
    const chain_report *r = a->chain[d];
    if (!r)
        return;
    const char *who = side_word(d);
    for (size_t i = 0; i < r->findings.n; i++) {
        const finding_t *cf = &r->findings.items[i];
        char where[160];
        if (!cf->where)
            snprintf(where, sizeof where, "%s chain", who);
        else if (strncmp(cf->where, "chain", 5) == 0)
            snprintf(where, sizeof where, "%s %s", who, cf->where);
        else if (strncmp(cf->where, who, strlen(who)) == 0)
            snprintf(where, sizeof where, "%s", cf->where);
        else
            snprintf(where, sizeof where, "%s chain: %s", who, cf->where);
        (void)findings_add(&out->findings, cf->severity, cf->code, where, "%s", cf->message);
    }
}

static void own_findings(const session_t *s, const conn_analysis *a, const facts *f, diagnosis *out)
{
    copy_chain_findings(s, a, DIR_C2S, out);
    copy_chain_findings(s, a, DIR_S2C, out);
    if (a->client_ca_acceptable == 0 && s->cr.present) {
        sb l = {0};
        ca_list(&l, s, 6);
        const cert_info *ci = leaf(s, a, DIR_C2S);
        (void)findings_add(&out->findings, SEV_ERROR, "client_ca_not_acceptable", "client chain",
                           "The client certificate (issuer \"%s\") does not chain to any CA the "
                           "server listed in its CertificateRequest: %s.",
                           ci && ci->issuer ? ci->issuer : "?", l.s ? l.s : "");
        free(l.s);
    }
    uint16_t v = s->version ? s->version : (s->sh.present ? s->sh.selected_version : 0);
    if (v && v < 0x0303) {
        name_buf nb;
        (void)findings_add(&out->findings, SEV_WARNING, "deprecated_protocol", "ServerHello",
                           "%s was negotiated; TLS 1.0 and 1.1 are deprecated (RFC 8996) and "
                           "SSL is broken: enable TLS 1.2 or 1.3.",
                           names_version(v, &nb));
    }
    size_t gaps = 0;
    for (size_t i = 0; i < s->n_steps; i++) {
        const step_t *st = &s->steps[i];
        char where[48];
        snprintf(where, sizeof where, "%s step %zu", dir_arrow(st->dir), i + 1);
        if (st->kind == STEP_TCP_GAP && gaps++ < 8) {
            (void)findings_add(&out->findings, SEV_WARNING, "tcp_gap", where,
                               "The capture lost %u bytes sent by the %s; later steps in that "
                               "direction may be missing.",
                               st->length, side_word(st->dir));
        } else if (st->kind == STEP_ALERT) {
            name_buf nb, lb;
            bool fatal = is_terminating_alert(st) && st->alert_desc != 0;
            if (st->alert_desc == 0 && f->completed)
                continue; /* orderly close_notify */
            (void)findings_add(&out->findings, fatal ? SEV_ERROR : SEV_INFO,
                               fatal ? "fatal_alert" : "warning_alert", where,
                               "The %s sent %s alert %s%s.", side_word(st->dir),
                               names_alert_level(st->alert_level, &lb),
                               names_alert(st->alert_desc, &nb),
                               st->decrypted ? " (decrypted)" : "");
        } else if (st->kind == STEP_ENCRYPTED_ALERT && !f->completed) {
            (void)findings_add(&out->findings, SEV_WARNING, "fatal_alert", where,
                               "The %s sent an encrypted alert; its description needs the "
                               "session keys (--keylog).",
                               side_word(st->dir));
        }
    }
    if (gaps > 8)
        (void)findings_add(&out->findings, SEV_WARNING, "tcp_gap", NULL,
                           "%zu more TCP gaps in this connection.", gaps - 8);
    if (s->malformed || f->malformed != NONE) {
        (void)findings_add(&out->findings, SEV_ERROR, "malformed", side_word(s->malformed_dir),
                           "Bytes from the %s did not parse as TLS at offset %llu: %s.",
                           side_word(s->malformed_dir), (unsigned long long)s->malformed_offset,
                           s->malformed_reason ? s->malformed_reason
                           : (f->malformed != NONE && s->steps[f->malformed].detail
                                  ? s->steps[f->malformed].detail
                                  : "unknown reason"));
    }
    if (f->completed && s->side[DIR_C2S].cv.present && a->cv[DIR_C2S].result == 0)
        (void)findings_add(&out->findings, SEV_WARNING, "cert_verify_failed", "client",
                           "The client's CertificateVerify did not verify with its certificate's "
                           "key, yet the server finished the handshake%s%s.",
                           a->cv[DIR_C2S].note ? ": " : "",
                           a->cv[DIR_C2S].note ? a->cv[DIR_C2S].note : "");
}

/* ---- the decision ----------------------------------------------------- */

void diagnosis_cleanup(diagnosis *d)
{
    if (!d)
        return;
    free(d->explanation);
    free(d->next_step);
    findings_free(&d->findings);
    memset(d, 0, sizeof(*d));
}

/* ECS tls.established: the verdict's rule, completed by the step log where it
 * depends on what the wire showed. */
static bool established(const session_t *s, const facts *f, verdict_t v, bool failed)
{
    switch (verdict_get(v)->established) {
    case ESTABLISHED_YES:
        return true;
    case ESTABLISHED_IF_FINISHED:
        return session_find_step(s, DIR_S2C, STEP_ALERT) < 0 && session_find_step(s, DIR_S2C, STEP_ENCRYPTED_ALERT) < 0 &&
               session_find_step(s, DIR_S2C, STEP_FINISHED) >= 0 && session_find_step(s, DIR_C2S, STEP_FINISHED) >= 0;
    case ESTABLISHED_IF_DATA:
        return !failed && f->app[0] != NONE && f->app[1] != NONE;
    default:
        return false;
    }
}

void diag_run(const session_t *s, const conn_analysis *a, const diag_options *opt, diagnosis *out)
{
    memset(out, 0, sizeof(*out));
    conn_analysis none;
    if (!a) {
        conn_analysis_init(&none);
        a = &none;
    }
    (void)findings_extend(&out->findings, &s->wire_findings);

    facts f;
    gather(s, &f);
    sb e = {0}, n = {0};
    verdict_t v;
    bool failed_override = false, has_override = false;
    const side_info *cli = &s->side[DIR_C2S];
    bool cli_sent_cert = f.cli_cert != NONE && f.cli_cert_count > 0;
    if (!cli_sent_cert && f.cli_cert == NONE && cli->n_certs > 0)
        cli_sent_cert = true;

    long term = NONE; /* first event that ends an unfinished handshake */
    long evs[] = {f.alert, f.close, f.gap, f.end, f.malformed};
    for (size_t i = 0; i < MTLS_ARRAY_LEN(evs); i++)
        if (evs[i] != NONE && (term == NONE || evs[i] < term))
            term = evs[i];
    const step_t *ts = term != NONE ? &s->steps[term] : NULL;

    if ((s->malformed || f.malformed != NONE) && !f.completed &&
        (ts == NULL || ts->kind == STEP_MALFORMED || f.malformed == NONE)) {
        v = VERDICT_MALFORMED;
        sb_printf(&e, "Bytes from the %s that claim to be TLS do not parse (offset %llu: %s), "
                      "so the handshake cannot be followed past ",
                  side_word(s->malformed_dir), (unsigned long long)s->malformed_offset,
                  s->malformed_reason ? s->malformed_reason
                  : (f.malformed != NONE && s->steps[f.malformed].detail
                         ? s->steps[f.malformed].detail
                         : "unknown reason"));
        step_phrase(&e, s, last_tls_step_before(s, f.malformed != NONE ? f.malformed
                                                                       : (long)s->n_steps));
        sb_printf(&e, ".");
        sb_printf(&n, "Check what really runs on this port: a PROXY protocol header, a "
                      "STARTTLS prologue, or a non-TLS protocol look like broken TLS. Inspect "
                      "the bytes with tshark -x -r FILE, or connect with openssl s_client.");
    } else if (f.ch == NONE && f.sh == NONE) {
        v = VERDICT_INCOMPLETE;
        do_incomplete(s, &f, &e, &n);
    } else if (f.resumed && (f.completed || term == NONE)) {
        v = VERDICT_RESUMED;
        sb_printf(&e, "An abbreviated handshake resumed an earlier session (%s), so no "
                      "certificates were sent: they were checked when the original session "
                      "was established.",
                  s->sh.psk_selected ? "TLS 1.3 PSK"
                  : s->ch.has_session_ticket ? "session ticket"
                                             : "session ID");
        if (a->resumed_from_id)
            sb_printf(&e, " The full handshake is connection #%llu in this capture.",
                      (unsigned long long)a->resumed_from_id);
        else
            sb_printf(&e, " The original full handshake is not in this capture.");
        if (!f.completed)
            sb_printf(&e, " The capture ends before the resumed handshake finished.");
        if (a->resumed_from_id)
            sb_printf(&n, "See connection #%llu for the certificates and their validation.",
                      (unsigned long long)a->resumed_from_id);
        else
            sb_printf(&n, "To see the certificates, capture a full handshake: start the "
                          "capture before the client's first connection, or disable "
                          "resumption for a test (openssl s_client -no_ticket, or a fresh "
                          "client process).");
    } else if (!f.completed && ts && ts->kind == STEP_TCP_GAP) {
        /* bytes were lost before anything decided the handshake */
        v = VERDICT_INCOMPLETE;
        do_incomplete(s, &f, &e, &n);
    } else if (f.tls13_nokeys && f.sh != NONE &&
               (f.enc_hs[1] != NONE || f.app[1] != NONE) &&
               !(ts && ts->kind == STEP_ALERT && term < (f.enc_hs[1] == NONE ? (long)s->n_steps
                                                                           : f.enc_hs[1]))) {
        v = VERDICT_ENCRYPTED;
        has_override = true;
        failed_override = do_encrypted(s, &f, opt, &e, &n);
    } else if (f.completed && !(cli_sent_cert && cli->cv.present && a->cv[DIR_C2S].result == 0)) {
        if (cli_sent_cert) {
            v = VERDICT_MTLS_OK;
            sb_printf(&e, "The server asked for a client certificate and the client presented ");
            cert_phrase(&e, s, a, DIR_C2S);
            sb_printf(&e, "; both sides finished the handshake.");
            if (a->cv[DIR_C2S].result == 1)
                sb_printf(&e, " The client's CertificateVerify signature checks out against "
                              "that certificate.");
            if (a->chain[DIR_C2S] && !a->chain[DIR_C2S]->valid)
                sb_printf(&e, " The server accepted the chain although our own validation "
                              "did not: see the findings.");
            sb_printf(&n, "Nothing to fix for the handshake; review any findings listed "
                          "(expiry, weak keys) before they turn into failures.");
        } else if (f.certreq != NONE || s->cr.present) {
            v = VERDICT_CLIENT_CERT_MISSING;
            do_client_cert_missing(s, &f, &e, &n);
        } else {
            v = VERDICT_TLS_OK_NO_CLIENT_AUTH;
            sb_printf(&e, "The handshake finished without client authentication: the server "
                          "never sent a CertificateRequest, so the client had no reason to "
                          "send a certificate.");
            if (s->tls13 && s->decrypted && s->ch.post_handshake_auth)
                sb_printf(&e, " The client offered post-handshake authentication, which the "
                              "server may still use later.");
            sb_printf(&n, "If this server should require client certificates, enable them: "
                          "nginx ssl_verify_client on with ssl_client_certificate CA-FILE; "
                          "Apache SSLVerifyClient require with SSLCACertificateFile; HAProxy "
                          "verify required ca-file CA-FILE; Envoy "
                          "require_client_certificate: true. If a proxy in front does client "
                          "authentication, there is nothing to change here.");
        }
    } else if (cli_sent_cert && cli->cv.present && a->cv[DIR_C2S].result == 0) {
        v = VERDICT_CLIENT_KEY_MISMATCH;
        sb_printf(&e, "The client presented ");
        cert_phrase(&e, s, a, DIR_C2S);
        sb_printf(&e, ", but its CertificateVerify signature does not verify with that "
                      "certificate's public key: the client signs with a private key that does "
                      "not belong to the certificate%s%s.",
                  a->cv[DIR_C2S].note ? " (" : "", a->cv[DIR_C2S].note ? a->cv[DIR_C2S].note : "");
        if (a->cv[DIR_C2S].note)
            sb_printf(&e, ")");
        if (f.alert != NONE && !f.completed) {
            sb_printf(&e, " The server aborted with ");
            alert_name(&e, &s->steps[f.alert]);
            sb_printf(&e, ".");
        } else if (f.completed) {
            sb_printf(&e, " The server nevertheless finished the handshake, which a TLS server "
                          "that checks client certificates never does: either the server does not "
                          "verify the client's proof of possession or the capture was altered.");
        }
        sb_printf(&n, "Give the client the key that matches its certificate: compare openssl "
                      "x509 -noout -pubkey -in client.pem | sha256sum with openssl pkey -pubout "
                      "-in client.key | sha256sum; they must be equal.");
    } else if (ts == NULL || ts->kind == STEP_CAPTURE_END || ts->kind == STEP_EVICTED ||
               ts->kind == STEP_TCP_GAP) {
        v = VERDICT_INCOMPLETE;
        do_incomplete(s, &f, &e, &n);
    } else if (is_alert(ts)) {
        bool from_server = ts->dir == DIR_S2C;
        uint8_t ad = ts->kind == STEP_ALERT ? ts->alert_desc : 255;
        bool certreq_before = f.certreq != NONE && f.certreq < term;
        bool cli_cert_before = f.cli_cert != NONE && f.cli_cert < term;
        bool srv_cert_before = f.srv_cert != NONE && f.srv_cert < term;
        bool cli_flight_before = cli_cert_before || (f.cli_cke != NONE && f.cli_cke < term);
        if (from_server && cli_cert_before && f.cli_cert_count > 0) {
            v = VERDICT_CLIENT_CERT_REJECTED;
            do_client_cert_rejected(s, a, &f, &e, &n);
        } else if (from_server && certreq_before && (cli_flight_before || ad == 116)) {
            v = VERDICT_CLIENT_CERT_MISSING;
            do_client_cert_missing(s, &f, &e, &n);
        } else if (!from_server && srv_cert_before && !is_negotiation_alert(ad)) {
            v = VERDICT_SERVER_CERT_REJECTED;
            do_server_cert_rejected(s, a, &f, &e, &n);
        } else if (!srv_cert_before && !cli_cert_before) {
            v = VERDICT_NEGOTIATION_FAILED;
            do_negotiation(s, &f, &e, &n);
        } else {
            v = VERDICT_ABORTED;
            do_aborted(s, &f, &e, &n);
        }
    } else if (ts->kind == STEP_FIN || ts->kind == STEP_RST) {
        v = VERDICT_ABORTED;
        do_aborted(s, &f, &e, &n);
    } else {
        v = VERDICT_INCOMPLETE;
        do_incomplete(s, &f, &e, &n);
    }

    out->verdict = v;
    out->failed = has_override ? failed_override : verdict_is_failure(v);
    out->established = established(s, &f, v, out->failed);
    out->explanation = sb_take(&e);
    out->next_step = sb_take(&n);
    own_findings(s, a, &f, out);
}
