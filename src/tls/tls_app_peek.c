/*
 * tls_app_peek.c — the first HTTP exchange after the handshake, read from
 * decrypted application data: what the client asked and what the server
 * answered. A finished TLS handshake is not a success when the server then
 * refuses the request (nginx 400 "The SSL certificate error", Apache and
 * HAProxy 403): these steps are the evidence the diagnosis needs.
 *
 * HTTP/1.x: the request line and the status line of the first record each
 * way. HTTP/2 (ALPN h2, or the client preface): frames are collected until
 * the first HEADERS frame of each direction; its header block is decoded
 * with libnghttp2's HPACK inflater (:method/:path, :status). In both, the
 * server's first response body is searched (first few records) for nginx's
 * words naming the certificate. Each becomes a typed STEP_APP step
 * (app_message: protocol, status code, line, the server's words); a response
 * whose words may still come is held in the peek state and appended when it
 * closes, so no step is patched after it was logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "http_peek.h"
#include "tls_conn.h"

#define PEEK_MAX_RECORDS 6          /* records per direction looked at */
#define PEEK_H2_CAP (64u * 1024u)   /* HTTP/2 bytes buffered per direction at most */

/* What servers say when they refuse a client certificate after the handshake. */
static const char *const refusal_words[] = {
    "No required SSL certificate was sent", /* nginx, no certificate */
    "The SSL certificate error",            /* nginx, verification failed */
    "SSL certificate error",
};

static const char *find_words(const uint8_t *p, size_t n)
{
    for (size_t w = 0; w < MTLS_ARRAY_LEN(refusal_words); w++) {
        size_t wl = strlen(refusal_words[w]);
        for (size_t i = 0; i + wl <= n; i++)
            if (p[i] == (uint8_t)refusal_words[w][0] && memcmp(p + i, refusal_words[w], wl) == 0)
                return refusal_words[w];
    }
    return NULL;
}

/* What an HTTP status says about the client by itself (the diagnosis weighs
 * 400 and 421 with what it knows of the certificate): 2xx/3xx served it,
 * 401/403 and nginx's 495/496 refused who it is, the rest are errors. */
static app_outcome http_outcome(uint32_t status)
{
    if (status >= 200 && status < 400)
        return APP_OUTCOME_ACCEPTED;
    if (status == 401 || status == 403 || status == 495 || status == 496)
        return APP_OUTCOME_REFUSED;
    return status >= 400 ? APP_OUTCOME_ERROR : APP_OUTCOME_NONE;
}

static void app_message_clear(app_message *m)
{
    free(m->line);
    free(m->message);
    memset(m, 0, sizeof(*m));
}

/* Append m as d's STEP_APP step (takes ownership of its strings). */
static void append_http_step(tls_conn *c, mtls_dir d, uint64_t ts, app_message *m)
{
    step_t *st = c->s ? session_add_step(c->s, ts, d, STEP_APP) : NULL;
    if (!st) {
        app_message_clear(m);
        return;
    }
    st->app = *m;
    memset(m, 0, sizeof(*m));
}

void tlsa_flush(tls_conn *c)
{
    for (int d = 0; d < 2; d++) {
        app_peek *pk = &c->d[d].peek;
        if (!pk->pending)
            continue;
        pk->pending = false;
        append_http_step(c, (mtls_dir)d, pk->pending_ts, &pk->pending_msg);
    }
}

/* d's first request or response: line is owned (NULL on OOM: nothing is
 * logged). A response that may still be followed by the server's words
 * (hold) is kept until they are read or the exchange closes. */
static void add_http_step(tls_conn *c, mtls_dir d, uint64_t ts, app_protocol proto, uint16_t code,
                          char *line, bool hold)
{
    app_peek *pk = &c->d[d].peek;
    if (!line || !c->s) {
        free(line);
        return;
    }
    tlsa_flush(c);
    pk->step_made = true;
    pk->resp_code = code;
    pk->resp_proto = (uint8_t)proto;
    app_message m = {.protocol = proto, .response = d == DIR_S2C, .code = code, .line = line};
    if (m.response)
        m.outcome = http_outcome(code);
    if (!hold) {
        append_http_step(c, d, ts, &m);
        return;
    }
    pk->pending = true;
    pk->pending_ts = ts;
    pk->pending_msg = m;
}

/* The server's words for the refusal: they close the held response. */
static void note_words(tls_conn *c, uint64_t ts, const uint8_t *p, size_t n)
{
    app_peek *pk = &c->d[DIR_S2C].peek;
    const char *w = pk->step_made ? find_words(p, n) : NULL;
    if (!w)
        return;
    if (!pk->pending) {
        /* the response was already logged (a step of the client's came
         * between its header and its body): its words are a step of their own */
        char *line = NULL;
        if (asprintf(&line, "response body (status %u)", (unsigned)pk->resp_code) < 0)
            return;
        app_message m = {.protocol = (app_protocol)pk->resp_proto, .response = true, .code = pk->resp_code,
                         .outcome = APP_OUTCOME_REFUSED, .line = line, .message = strdup(w)};
        pk->state = PEEK_DONE;
        append_http_step(c, DIR_S2C, ts, &m);
        return;
    }
    pk->pending_msg.message = strdup(w);
    pk->pending_msg.outcome = APP_OUTCOME_REFUSED; /* the server's words name the certificate */
    pk->state = PEEK_DONE;
    tlsa_flush(c);
}

/* ---- HTTP/1.x ---------------------------------------------------------- */

static void h1_first(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n)
{
    app_peek *pk = &c->d[d].peek;
    pk->state = PEEK_DONE;
    if (d == DIR_S2C) {
        cur_t cu;
        cur_init(&cu, p, n);
        h1_status_line sl;
        if (h1_parse_status_line(&cu, &sl).status != DX_OK)
            return;
        add_http_step(c, d, ts, APP_PROTO_HTTP1, sl.status, tlsb_dup_view(sl.line, sl.line_len),
                      sl.status >= 400);
        if (sl.status >= 400) {
            pk->state = PEEK_H1_BODY;
            note_words(c, ts, p, n);
        }
        return;
    }
    size_t i = 0;
    while (i < n && i < 200 && p[i] != '\r' && p[i] != '\n')
        i++;
    if (memchr(p, ' ', i) && i > 10 && memcmp(p + i - 8, "HTTP/1.", 7) == 0)
        add_http_step(c, d, ts, APP_PROTO_HTTP1, 0, tlsb_dup_view(p, i), false);
}

/* ---- HTTP/2 ------------------------------------------------------------ */

/* The header fields of one HTTP/2 header block that the steps need. */
typedef struct h2_fields {
    char method[16], path[128], status[8];
    int grpc_status;          /* -1 when absent */
    char grpc_message[160];
    bool grpc;                /* content-type application/grpc */
} h2_fields;

static void h2_copy(char *dst, size_t cap, const nghttp2_nv *nv)
{
    snprintf(dst, cap, "%.*s", (int)nv->valuelen, (const char *)nv->value);
}

static bool h2_name_is(const nghttp2_nv *nv, const char *name)
{
    size_t n = strlen(name);
    return nv->namelen == n && memcmp(nv->name, name, n) == 0;
}

/* Decode one header block with libnghttp2's HPACK inflater (a fresh one per
 * block: the dynamic table is not followed across blocks). */
static void h2_decode(const uint8_t *block, size_t len, h2_fields *h)
{
    memset(h, 0, sizeof(*h));
    h->grpc_status = -1;
    nghttp2_hd_inflater *inf = NULL;
    if (nghttp2_hd_inflate_new(&inf) != 0)
        return;
    for (;;) {
        nghttp2_nv nv;
        int flags = 0;
        ssize_t used = nghttp2_hd_inflate_hd2(inf, &nv, &flags, block, len, 1);
        if (used < 0)
            break;
        block += used;
        len -= (size_t)used;
        if (flags & NGHTTP2_HD_INFLATE_EMIT) {
            if (h2_name_is(&nv, ":method"))
                h2_copy(h->method, sizeof h->method, &nv);
            else if (h2_name_is(&nv, ":path"))
                h2_copy(h->path, sizeof h->path, &nv);
            else if (h2_name_is(&nv, ":status"))
                h2_copy(h->status, sizeof h->status, &nv);
            else if (h2_name_is(&nv, "grpc-message"))
                h2_copy(h->grpc_message, sizeof h->grpc_message, &nv);
            else if (h2_name_is(&nv, "content-type"))
                h->grpc = nv.valuelen >= 16 && memcmp(nv.value, "application/grpc", 16) == 0;
            else if (h2_name_is(&nv, "grpc-status") && nv.valuelen >= 1 && nv.valuelen <= 2) {
                int v = 0;
                for (size_t i = 0; i < nv.valuelen; i++)
                    v = nv.value[i] >= '0' && nv.value[i] <= '9' && v >= 0 ? v * 10 + (nv.value[i] - '0') : -1;
                h->grpc_status = v;
            }
        }
        if (flags & NGHTTP2_HD_INFLATE_FINAL) {
            nghttp2_hd_inflate_end_headers(inf);
            break;
        }
        if (used == 0 && len == 0)
            break;
    }
    nghttp2_hd_inflate_del(inf);
}

/* :status as a number, 0 when it is not three digits. */
static uint16_t h2_status_code(const h2_fields *h)
{
    const char *st = h->status;
    if (st[0] >= '1' && st[0] <= '9' && st[1] >= '0' && st[1] <= '9' && st[2] >= '0' && st[2] <= '9' && st[3] == '\0')
        return (uint16_t)((st[0] - '0') * 100 + (st[1] - '0') * 10 + (st[2] - '0'));
    return 0;
}

/* What a gRPC status says about the client: 0 OK served it, 7
 * PERMISSION_DENIED and 16 UNAUTHENTICATED refused who it is. */
static app_outcome grpc_outcome(int st)
{
    if (st == 0)
        return APP_OUTCOME_ACCEPTED;
    return st == 7 || st == 16 ? APP_OUTCOME_REFUSED : APP_OUTCOME_ERROR;
}

/* A gRPC status (in trailers, or a trailers-only response) decides the held
 * response: the protocol becomes gRPC and the status its code. */
static void note_grpc_status(tls_conn *c, const h2_fields *h)
{
    app_peek *pk = &c->d[DIR_S2C].peek;
    if (!pk->pending || h->grpc_status < 0)
        return;
    app_message *m = &pk->pending_msg;
    char *line = NULL;
    if (asprintf(&line, "%s grpc-status %d", m->line ? m->line : ":status ?", h->grpc_status) >= 0) {
        free(m->line);
        m->line = line;
    }
    m->protocol = APP_PROTO_GRPC;
    m->code = (uint32_t)h->grpc_status;
    m->outcome = grpc_outcome(h->grpc_status);
    if (h->grpc_message[0]) {
        free(m->message);
        m->message = strdup(h->grpc_message);
    }
    pk->state = PEEK_DONE;
    tlsa_flush(c);
}

/* Walk the complete frames buffered for d. */
static void h2_frames(tls_conn *c, mtls_dir d, uint64_t ts)
{
    app_peek *pk = &c->d[d].peek;
    cur_t cu;
    cur_init(&cu, pk->h2.p, pk->h2.len);
    if (d == DIR_C2S && !pk->h2_preface_seen) {
        if (cur_remaining(&cu) < H2_CLIENT_PREFACE_LEN)
            return;
        if (memcmp(cur_ptr(&cu), H2_CLIENT_PREFACE, H2_CLIENT_PREFACE_LEN) != 0) {
            pk->state = PEEK_DONE;
            return;
        }
        if (!cur_skip(&cu, H2_CLIENT_PREFACE_LEN))
            return;
        pk->h2_preface_seen = true;
    }
    h2_frame f;
    while (pk->state == PEEK_H2 && h2_next_frame(&cu, &f).status == DX_OK) {
        if (f.type == H2_FRAME_HEADERS) {
            const uint8_t *block;
            size_t blen;
            h2_fields h;
            if (h2_header_block(&f, &block, &blen).status != DX_OK)
                continue;
            h2_decode(block, blen, &h);
            if (!pk->step_made) {
                char *line = NULL;
                uint16_t code = h2_status_code(&h);
                int r = d == DIR_S2C ? (h.status[0] ? asprintf(&line, ":status %s", h.status) : -1)
                                     : (h.method[0] ? asprintf(&line, "%s %s (h2)", h.method, h.path) : -1);
                add_http_step(c, d, ts, h.grpc ? APP_PROTO_GRPC : APP_PROTO_HTTP2, code, r < 0 ? NULL : line,
                              d == DIR_S2C);
                if (d == DIR_C2S || !pk->step_made)
                    pk->state = PEEK_DONE;
            }
            if (d == DIR_S2C && pk->step_made)
                note_grpc_status(c, &h); /* trailers-only, or the trailers after the data */
        } else if (f.type == H2_FRAME_DATA && d == DIR_S2C && pk->step_made) {
            note_words(c, ts, f.payload, f.length);
        }
    }
    growbuf_consume(&pk->h2, cur_abs_offset(&cu));
}

/* An HTTP/1.x status line (server) or a request line ending in HTTP/1.x
 * (client): HTTP before any other protocol's sniffing. */
static bool looks_http1(mtls_dir d, const uint8_t *p, size_t n)
{
    if (d == DIR_S2C)
        return n >= 7 && memcmp(p, "HTTP/1.", 7) == 0;
    size_t i = 0;
    while (i < n && i < 200 && p[i] != '\r' && p[i] != '\n')
        i++;
    return i > 10 && memcmp(p + i - 8, "HTTP/1.", 7) == 0;
}

static bool is_h2(const tls_conn *c, mtls_dir d, const uint8_t *p, size_t n)
{
    /* "grpc-exp": gRPC's own ALPN id for HTTP/2 (grpc-core offers it first) */
    if (c->s->sh.alpn && (strcmp(c->s->sh.alpn, "h2") == 0 || strcmp(c->s->sh.alpn, "grpc-exp") == 0))
        return true;
    return d == DIR_C2S && n >= H2_CLIENT_PREFACE_LEN && memcmp(p, H2_CLIENT_PREFACE, H2_CLIENT_PREFACE_LEN) == 0;
}

void tlsa_app_data(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n)
{
    app_peek *pk = &c->d[d].peek;
    if (!c->s || pk->state == PEEK_DONE || n == 0)
        return;
    if (pk->records++ >= PEEK_MAX_RECORDS) {
        pk->state = PEEK_DONE;
        tlsbuf_free(c, &pk->h2);
        tlsa_flush(c);
        return;
    }
    if (pk->state == PEEK_PROTO) {
        tlsa_proto_data(c, d, ts, p, n);
        return;
    }
    if (pk->state == PEEK_START) {
        pk->state = is_h2(c, d, p, n) ? PEEK_H2 : PEEK_START;
        if (pk->state == PEEK_START) {
            if (looks_http1(d, p, n) || !tlsa_proto_start(c, d, ts, p, n))
                h1_first(c, d, ts, p, n);
            return;
        }
    }
    if (pk->state == PEEK_H1_BODY) {
        note_words(c, ts, p, n);
        return;
    }
    if (tlsbuf_append(c, &pk->h2, p, n, PEEK_H2_CAP) != 0) {
        pk->state = PEEK_DONE;
        tlsbuf_free(c, &pk->h2);
        return;
    }
    h2_frames(c, d, ts);
    if (pk->state == PEEK_DONE) {
        tlsbuf_free(c, &pk->h2);
        tlsa_flush(c);
    }
}

void tlsa_free(tls_conn *c)
{
    for (int d = 0; d < 2; d++) {
        tlsbuf_free(c, &c->d[d].peek.h2);
        app_message_clear(&c->d[d].peek.pending_msg);
        c->d[d].peek.pending = false;
    }
}
