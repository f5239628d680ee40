/*
 * tls_app_proto.c — the first exchange of a protocol other than HTTP after
 * the handshake: PostgreSQL, MySQL/MariaDB, MQTT, Redis, LDAP, SMTP, IMAP and
 * POP3 servers finish the TLS handshake and then accept or refuse the client
 * in their own protocol. The wire formats are dissectors/app_reply.h's; this
 * file decides which protocol a connection speaks (the STARTTLS prologue,
 * then the ALPN, then the first bytes), frames the messages of each
 * direction, and makes two typed STEP_APP steps: the client's first message
 * (who it says it is, never a secret) and the server's first decisive answer
 * (accepted, refused, error; greetings and parameter messages decide
 * nothing). Bytes that follow a TLS alert in the clear (MariaDB writes its
 * error packet so) become a plaintext step instead of a malformed record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app_reply.h"
#include "tls_conn.h"

#define PROTO_BUF_CAP (64u * 1024u) /* bytes buffered per direction at most */

static ap_ctx *proto_ctx(tls_conn *c) { return &c->ap.ctx; }

static app_protocol model_protocol(ap_proto p)
{
    switch (p) {
    case AP_POSTGRES:
        return APP_PROTO_POSTGRES;
    case AP_MYSQL:
        return APP_PROTO_MYSQL;
    case AP_MQTT:
        return APP_PROTO_MQTT;
    case AP_REDIS:
        return APP_PROTO_REDIS;
    case AP_LDAP:
        return APP_PROTO_LDAP;
    case AP_SMTP:
        return APP_PROTO_SMTP;
    case AP_IMAP:
        return APP_PROTO_IMAP;
    case AP_POP3:
        return APP_PROTO_POP3;
    default:
        return APP_PROTO_NONE;
    }
}

static app_outcome model_outcome(ap_outcome o)
{
    switch (o) {
    case AP_ACCEPTED:
        return APP_OUTCOME_ACCEPTED;
    case AP_REFUSED_AUTH:
        return APP_OUTCOME_REFUSED;
    case AP_ERROR:
        return APP_OUTCOME_ERROR;
    default:
        return APP_OUTCOME_NONE;
    }
}

static bool decisive(ap_outcome o) { return o == AP_ACCEPTED || o == AP_REFUSED_AUTH || o == AP_ERROR; }

/* Printable text of a view: control bytes become '.', at most max bytes. */
static void put_view(growbuf *b, const uint8_t *p, size_t n, size_t max)
{
    for (size_t i = 0; i < n && i < max; i++) {
        char ch = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
        growbuf_putn(b, &ch, 1);
    }
}

/* The text of a view as an owned string (NULL on OOM). */
static char *view_text(const uint8_t *p, size_t n, size_t max)
{
    growbuf b = {0};
    put_view(&b, p, n, max);
    growbuf_puts(&b, "");
    return growbuf_take(&b);
}

/* The step's short line: a text protocol's line as sent; for a binary one
 * the message's name, the user and target it names, its code (and the
 * code's registry name) and SQLSTATE: "ErrorResponse FATAL 28000",
 * "ERR_Packet 1045 (ER_ACCESS_DENIED_ERROR) 28000", "StartupMessage user=bob". */
static char *reply_line(const ap_reply *r, bool client)
{
    growbuf b = {0};
    if (r->line && r->line_len) {
        put_view(&b, r->line, r->line_len, 200);
    } else {
        growbuf_puts(&b, r->kind ? r->kind : "message");
        if (client && r->user) {
            growbuf_puts(&b, " user=");
            put_view(&b, r->user, r->user_len, 64);
        }
        if (r->target && r->target_len) {
            growbuf_puts(&b, " ");
            put_view(&b, r->target, r->target_len, 64);
        }
        if (!client && r->code && r->proto != AP_POSTGRES) {
            const char *name = ap_reply_code_name(r);
            char num[48];
            snprintf(num, sizeof num, name ? " %u (%s)" : " %u", (unsigned)r->code, name ? name : "");
            growbuf_puts(&b, num);
        }
        if (r->state[0]) {
            growbuf_puts(&b, " ");
            growbuf_puts(&b, r->state);
        }
    }
    return growbuf_take(&b);
}

/* The server's words name the certificate ("Client certificate not trusted",
 * "Client didn't present valid SSL certificate"): whatever class its
 * protocol gives the reply (SMTP 421 is "temporary"), it refuses the client
 * for its certificate, and a password the client also sent is not the cause. */
static bool words_name_certificate(const ap_reply *r)
{
    const uint8_t *v[2] = {r->message, r->line};
    size_t n[2] = {r->message_len, r->line_len};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; v[k] && i + 11 <= n[k]; i++)
            if (strncasecmp((const char *)v[k] + i, "certificate", 11) == 0)
                return true;
    return false;
}

static void add_step(tls_conn *c, mtls_dir d, uint64_t ts, const ap_reply *r, bool plaintext)
{
    tlsa_flush(c);
    step_t *st = c->s ? tlsb_add_step(c, ts, d, STEP_APP) : NULL;
    if (!st)
        return;
    app_message *m = &st->app;
    m->protocol = model_protocol(r->proto);
    m->response = d == DIR_S2C;
    m->plaintext = plaintext;
    m->outcome = m->response ? model_outcome(r->outcome) : APP_OUTCOME_NONE;
    m->code = m->response ? r->code : 0;
    snprintf(m->state, sizeof m->state, "%s", r->state);
    m->line = reply_line(r, d == DIR_C2S);
    if (m->response && r->message && r->message_len)
        m->message = view_text(r->message, r->message_len, 300);
    /* a refusal after the client offered credentials of its own (a password)
     * that the server did not prove right may be about them, not the
     * certificate */
    bool names_cert = m->response && m->outcome != APP_OUTCOME_ACCEPTED && words_name_certificate(r);
    if (names_cert)
        m->outcome = APP_OUTCOME_REFUSED;
    if (m->response && m->outcome == APP_OUTCOME_REFUSED)
        m->credentials = c->ap.credentials && !c->ap.verified && !names_cert;
}

/* The client offered a credential of its own besides the certificate. */
static bool offers_credentials(const ap_reply *r)
{
    const char *kind = r->kind ? r->kind : "";
    bool verb_is = false;
    static const char *const secret_verbs[] = {"AUTH", "LOGIN", "PASS", "APOP", "AUTHENTICATE", "USER"};
    for (size_t i = 0; r->target && i < MTLS_ARRAY_LEN(secret_verbs); i++)
        if (r->target_len == strlen(secret_verbs[i]) && strncasecmp((const char *)r->target, secret_verbs[i], r->target_len) == 0)
            verb_is = true;
    switch (r->proto) {
    case AP_POSTGRES:
        return strcmp(kind, "PasswordMessage") == 0;
    case AP_REDIS:
        return verb_is || r->user != NULL;
    case AP_MQTT:
        return r->user != NULL;
    case AP_LDAP:
        return strstr(kind, "simple") != NULL && r->user_len > 0;
    case AP_SMTP:
    case AP_IMAP:
    case AP_POP3: {
        if (!verb_is)
            return false;
        /* SASL EXTERNAL is the certificate itself */
        for (size_t i = 0; r->line && i + 8 <= r->line_len; i++)
            if (strncasecmp((const char *)r->line + i, "EXTERNAL", 8) == 0)
                return false;
        return true;
    }
    default:
        return false;
    }
}

/* Parse the complete messages buffered for d. */
static void proto_frames(tls_conn *c, mtls_dir d, uint64_t ts)
{
    app_peek *pk = &c->d[d].peek;
    ap_ctx *ctx = proto_ctx(c);
    cur_t cu;
    cur_init(&cu, pk->h2.p, pk->h2.len);
    while (pk->state == PEEK_PROTO && cur_remaining(&cu) > 0) {
        if (pk->proto_skip) {
            size_t k = pk->proto_skip < cur_remaining(&cu) ? pk->proto_skip : cur_remaining(&cu);
            if (!cur_skip(&cu, k))
                break;
            pk->proto_skip -= (uint32_t)k;
            continue;
        }
        ap_reply r;
        dx_result res = d == DIR_C2S ? ap_parse_client((ap_proto)c->ap.proto, &cu, &r)
                                     : ap_parse_server_ctx(ctx, &cu, &r);
        if (res.status == DX_NEED_MORE)
            break;
        if (res.status != DX_OK) {
            pk->state = PEEK_DONE;
            break;
        }
        pk->proto_skip = r.skip > UINT32_MAX ? UINT32_MAX : (uint32_t)r.skip;
        if (d == DIR_C2S) {
            ap_ctx_note_client(ctx, &r);
            if (offers_credentials(&r))
                c->ap.credentials = true;
            if (!c->ap.client_step) {
                c->ap.client_step = true;
                add_step(c, d, ts, &r, false);
            }
            continue;
        }
        if (r.proto == AP_POSTGRES && r.outcome == AP_INFO && r.code == 12)
            c->ap.verified = true; /* AuthenticationSASLFinal: the password was right */
        if (decisive(r.outcome) && !c->ap.server_step) {
            c->ap.server_step = true;
            add_step(c, d, ts, &r, false);
            pk->state = PEEK_DONE;
        }
    }
    growbuf_consume(&pk->h2, cur_abs_offset(&cu));
}

/* Without a STARTTLS prologue or an ALPN that names the protocol, the bytes
 * alone decide only where they cannot be anything else: a binary protocol's
 * first message (PostgreSQL, MySQL, MQTT, LDAP), a Redis RESP array, an SMTP
 * EHLO/HELO. A lone text line ("ping", "a1 LIST") is not evidence enough. */
static bool sure_without_hint(ap_proto pr, const uint8_t *p, size_t n)
{
    switch (pr) {
    case AP_POSTGRES:
    case AP_MYSQL:
    case AP_MQTT:
    case AP_LDAP:
        return true;
    case AP_REDIS:
        return n > 0 && p[0] == '*';
    case AP_SMTP:
        return n >= 5 && (strncasecmp((const char *)p, "EHLO ", 5) == 0 || strncasecmp((const char *)p, "HELO ", 5) == 0);
    default:
        return false;
    }
}

bool tlsa_proto_start(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n)
{
    if (!c->ap.sniffed) {
        c->ap.sniffed = true;
        const char *hint = c->s->starttls, *alpn = c->s->sh.alpn;
        ap_proto pr = d == DIR_C2S ? ap_sniff_client(p, n, hint, alpn) : ap_sniff_server(p, n, hint, alpn);
        bool hinted = (hint && *hint) || (alpn && *alpn && pr == ap_sniff_client(NULL, 0, NULL, alpn));
        if (pr != AP_NONE && !hinted && d == DIR_C2S && !sure_without_hint(pr, p, n))
            pr = AP_NONE;
        c->ap.proto = (int)pr;
        if (pr != AP_NONE)
            ap_ctx_init(proto_ctx(c), pr);
    }
    if (c->ap.proto == AP_NONE)
        return false;
    c->d[d].peek.state = PEEK_PROTO;
    tlsa_proto_data(c, d, ts, p, n);
    return true;
}

void tlsa_proto_data(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n)
{
    app_peek *pk = &c->d[d].peek;
    if (tlsbuf_append(c, &pk->h2, p, n, PROTO_BUF_CAP) != 0) {
        pk->state = PEEK_DONE;
        tlsbuf_free(c, &pk->h2);
        return;
    }
    proto_frames(c, d, ts);
    if (pk->state == PEEK_DONE)
        tlsbuf_free(c, &pk->h2);
}

bool tlsa_plaintext(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n)
{
    bool after_alert = c->alerted[0] || c->alerted[1];
    if (!c->s || n == 0)
        return false;
    /* the protocol the connection speaks (STARTTLS prologue, ALPN, or what
     * was read of it) */
    ap_proto pr = (ap_proto)c->ap.proto;
    if (pr == AP_NONE)
        pr = d == DIR_C2S ? ap_sniff_client(p, n, c->s->starttls, c->s->sh.alpn)
                          : ap_sniff_server(p, n, c->s->starttls, c->s->sh.alpn);
    ap_reply r;
    memset(&r, 0, sizeof(r));
    bool parsed = false;
    if (pr != AP_NONE) { /* one message, read on its own (no context: TLS ended) */
        cur_t cu;
        cur_init(&cu, p, n);
        parsed = (d == DIR_C2S ? ap_parse_client(pr, &cu, &r) : ap_parse_server(pr, &cu, &r)).status == DX_OK;
    }
    if (!parsed && !after_alert)
        return false; /* not an alert's aftermath, not the protocol: malformed */
    char what[64];
    if (!parsed) { /* the bytes themselves are not read: say how many */
        memset(&r, 0, sizeof(r));
        r.proto = pr;
        snprintf(what, sizeof what, "%zu bytes in the clear after TLS ended", n);
        r.line = (const uint8_t *)what;
        r.line_len = strlen(what);
    }
    add_step(c, d, ts, &r, true);
    return true;
}
