/* explain_flow.c — verdicts about how the connection went, explained (see
 * explain.h). */
#include "explain.h"
#include "tls_key_exchange.h"

#include <string.h>

#include "alert_knowledge.h"
#include "names.h"
#include "tls_alert.h"

void explain_malformed(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    diag_cite(o, c->f.malformed);
    const session_t *s = c->s;
    const facts *f = &c->f;
    sb_printf(e, "Bytes from the %s that claim to be TLS do not parse (offset %llu: %s), "
                 "so the handshake cannot be followed past ",
              side_word(s->malformed_dir), (unsigned long long)s->malformed_offset,
              s->malformed_reason ? s->malformed_reason : "unknown reason");
    step_phrase(e, s, last_tls_step_before(s, f->malformed != NONE ? f->malformed
                                                                   : (long)s->n_steps));
    sb_printf(e, ".");
    sb_printf(n, "Check what really runs on this port: a PROXY protocol header, a "
                 "STARTTLS prologue, or a non-TLS protocol look like broken TLS. Inspect "
                 "the bytes with tshark -x -r FILE, or connect with openssl s_client.");
}

void explain_resumed(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    diag_cite(o, c->f.sh);
    diag_cite(o, c->f.fin[0]);
    diag_cite(o, c->f.fin[1]);
    const session_t *s = c->s;
    sb_printf(e, "An abbreviated handshake resumed an earlier session (%s), so no "
                 "certificates were sent: they were checked when the original session "
                 "was established.",
              s->sh.psk_selected ? "TLS 1.3 PSK"
              : s->ch.has_session_ticket ? "session ticket"
                                         : "session ID");
    /* Which full handshake it continued is another connection's business: the
     * summary links it (summary_links.h), so this explanation is the same
     * whatever else the capture holds. */
    sb_printf(e, " The summary's resumptions name the full handshake when it is in this capture.");
    if (!c->f.completed)
        sb_printf(e, " The capture ends before the resumed handshake finished.");
    sb_printf(n, "To see the certificates, look up the full handshake in the summary's "
                 "resumptions; if it is not in this capture, capture one: start the "
                 "capture before the client's first connection, or disable "
                 "resumption for a test (openssl s_client -no_ticket, or a fresh "
                 "client process).");
}

void explain_tls_ok_no_client_auth(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    diag_cite(o, c->f.sh);
    diag_cite(o, c->f.fin[0]);
    diag_cite(o, c->f.fin[1]);
    const session_t *s = c->s;
    tls_kx_kind kx = s->tls13 ? TLS_KX_UNKNOWN : tls_kx_kind_for_cipher(s->sh.cipher);
    if (kx == TLS_KX_PSK || kx == TLS_KX_DHE_PSK || kx == TLS_KX_ECDHE_PSK || kx == TLS_KX_RSA_PSK) {
        /* a pre-shared key authenticated the client: no certificate was ever meant to */
        sb_printf(e, "The handshake finished with a pre-shared-key suite: the client proved it holds "
                     "the key it shares with the server (PSK identity), so no certificate was asked "
                     "for or sent.");
        sb_printf(n, "Nothing to fix if PSK is the intended client authentication. To use client "
                     "certificates instead, configure a certificate suite and require them on the server.");
        return;
    }
    sb_printf(e, "The handshake finished without client authentication: the server "
                 "never sent a CertificateRequest, so the client had no reason to "
                 "send a certificate.");
    if (s->tls13 && s->decrypted && s->ch.post_handshake_auth)
        sb_printf(e, " The client offered post-handshake authentication, which the "
                     "server may still use later.");
    sb_printf(n, "If this server should require client certificates, enable them: "
                 "nginx ssl_verify_client on with ssl_client_certificate CA-FILE; "
                 "Apache SSLVerifyClient require with SSLCACertificateFile; HAProxy "
                 "verify required ca-file CA-FILE; Envoy "
                 "require_client_certificate: true. If a proxy in front does client "
                 "authentication, there is nothing to change here.");
}

void explain_negotiation_failed(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    diag_cite(o, c->f.ch);
    diag_cite(o, c->f.sh);
    diag_cite(o, c->term);
    const session_t *s = c->s;
    const facts *f = &c->f;
    const step_t *a = f->alert != NONE ? &s->steps[f->alert] : NULL;
    sb_printf(e, "The handshake failed before any certificate was exchanged: the %s sent ",
              a ? side_word(a->dir) : "peer");
    if (a)
        alert_name(e, a);
    sb_printf(e, " after ");
    step_phrase(e, s, a ? last_tls_step_before(s, f->alert) : NONE);
    sb_printf(e, ".");
    uint8_t d = a && a->kind == STEP_ALERT ? a->alert_desc : 255; /* 255: unassigned */
    const char *why = diag_negotiation_cause(d);
    if (why)
        sb_printf(e, " This alert usually means %s.", why);
    name_buf nb;
    switch (d) {
    case TLS_ALERT_PROTOCOL_VERSION:
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
    case TLS_ALERT_HANDSHAKE_FAILURE:
    case TLS_ALERT_INSUFFICIENT_SECURITY:
        sb_printf(e, " The client offered %zu cipher suites and %zu groups.", s->ch.ciphers.n,
                  s->ch.groups.n);
        sb_printf(n, "Compare the client's offer (mtlsdump -v shows it) with the server's "
                     "configuration (nginx ssl_ciphers, ssl_ecdh_curve; openssl s_client "
                     "-cipher / -ciphersuites / -groups to test) and enable a common cipher "
                     "suite, group and signature algorithm.");
        break;
    case TLS_ALERT_NO_APPLICATION_PROTOCOL:
        sb_printf(e, " The client offered ALPN");
        for (size_t i = 0; i < s->ch.n_alpn; i++)
            sb_printf(e, " \"%s\"", s->ch.alpn[i]);
        sb_printf(e, ".");
        sb_printf(n, "Offer a protocol the server supports (curl --http1.1 / --http2) or enable "
                     "it on the server (nginx http2 on).");
        break;
    case TLS_ALERT_UNRECOGNIZED_NAME:
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

void explain_aborted(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    diag_cite(o, last_tls_step_before(c->s, c->term));
    diag_cite(o, c->term);
    const session_t *s = c->s;
    const facts *f = &c->f;
    if (f->alert != NONE && (f->close == NONE || f->alert < f->close)) {
        const step_t *a = &s->steps[f->alert];
        sb_printf(e, "The %s sent ", side_word(a->dir));
        alert_name(e, a);
        sb_printf(e, " after ");
        step_phrase(e, s, last_tls_step_before(s, f->alert));
        sb_printf(e, ", which fits no more specific verdict.");
        const char *why = a->kind == STEP_ALERT ? diag_negotiation_cause(a->alert_desc) : NULL;
        if (!why && a->kind == STEP_ALERT)
            why = diag_alert_cause(a->alert_desc);
        if (why)
            sb_printf(e, " This alert usually means %s.", why);
        sb_printf(n, "Read the %s's log for this connection and reproduce with openssl "
                     "s_client -connect host:port -msg -state.",
                  side_word(a->dir));
        return;
    }
    const step_t *cl = &s->steps[f->close];
    long before = last_tls_step_before(s, f->close);
    sb_printf(e, "The %s %s the connection after ", side_word(cl->dir),
              cl->kind == STEP_RST ? "reset" : "closed");
    step_phrase(e, s, before);
    sb_printf(e, " without sending an alert.");
    const step_t *b = before != NONE ? &s->steps[before] : NULL;
    if (cl->dir == DIR_S2C && b && b->kind == STEP_CLIENT_HELLO)
        sb_printf(e, " A server that hangs up on a ClientHello often does not speak TLS on "
                     "this port, has no route for the requested name (SNI \"%s\"), or sits "
                     "behind a filtering middlebox.",
                  s->ch.sni ? s->ch.sni : "none");
    else if (cl->dir == DIR_S2C && f->cli_cert != NONE && f->cli_cert_count > 0)
        sb_printf(e, " It happened after the client's certificate: servers that close without "
                     "an alert usually rejected it.");
    else if (cl->dir == DIR_C2S && f->srv_cert != NONE && before >= f->srv_cert)
        sb_printf(e, " It happened after the server's certificate: the client probably "
                     "rejected it without saying why.");
    sb_printf(n, "Look at the %s's log for this connection; reproduce with openssl s_client "
                 "-connect host:port -servername NAME -msg -state (add -cert/-key for mTLS) to "
                 "see which side gives up and why.",
              side_word(cl->dir));
}

void explain_incomplete(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    diag_cite(o, c->term != NONE ? c->term : (long)c->s->n_steps - 1);
    const session_t *s = c->s;
    const facts *f = &c->f;
    if (f->ch == NONE && f->sh == NONE) {
        sb_printf(e, "No TLS handshake was seen: the capture started after the handshake, or "
                     "the connection never began one.");
        sb_printf(n, "Start the capture before the client connects (and capture both "
                     "directions).");
        return;
    }
    if (s->out_of_memory && !f->completed) {
        sb_printf(e, "mtlsdump ran out of memory while it read this connection, before the handshake "
                     "finished: a handshake message, a key or a decrypted record may be missing, so "
                     "the outcome is not known (the analysis_failed finding says so).");
        sb_printf(n, "Run mtlsdump again with more memory, or on fewer connections at once "
                     "(--max-memory, a BPF filter).");
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
        const char *cause = s->steps[ev].end.text;
        bool idle = s->steps[ev].end.cause == END_IDLE;
        sb_printf(e, "mtlsdump stopped tracking the connection after ");
        step_phrase(e, s, last_tls_step_before(s, ev));
        sb_printf(e, ", before the handshake finished: %s.", cause ? cause : "a resource limit was reached");
        if (idle)
            sb_printf(n, "Both sides were silent for that long: a side was waiting for the other "
                         "(a timeout on one side); raise --idle-timeout to follow slower peers.");
        else
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

void explain_prologue_then_end(const diag_ctx *c, diag_out *o)
{
    sb *e = &o->e, *n = &o->n;
    const session_t *s = c->s;
    const facts *f = &c->f;
    long end = f->alert != NONE && (f->close == NONE || f->alert < f->close) ? f->alert : f->close;
    diag_cite(o, 0);
    diag_cite(o, end);
    sb_printf(e, "The connection began with the %s STARTTLS prologue, but no ClientHello followed: the "
                 "%s ended it",
              s->starttls, side_word(s->steps[end].dir));
    if (s->steps[end].kind == STEP_ALERT) {
        sb_printf(e, " with ");
        alert_name(e, &s->steps[end]);
    } else {
        sb_printf(e, " (%s)", s->steps[end].kind == STEP_RST ? "reset" : "FIN");
    }
    sb_printf(e, " before TLS began. A client that asked for TLS and then sends no ClientHello usually "
                 "refused its own configuration: a certificate or key it cannot load (OpenSSL's "
                 "security level refuses RSA keys under 2048 bits), or a CA file it cannot read.");
    sb_printf(n, "Run the client with its verbose or debug option: it says why it did not start TLS "
                 "(\"ee key too small\", a file it cannot read).");
}
