/*
 * hs2pcap — run a real OpenSSL handshake in one process and write it as a
 * TCP conversation in a pcap file.
 *
 * The client and server talk over memory BIOs (no network, no root). The
 * PKI (a CA, a server certificate and, with --mtls, a client certificate) is
 * generated on the fly with fixed validity dates around the capture time.
 * Each burst of bytes one side writes becomes one or more TCP segments of at
 * most --mss bytes; deterministic "network nastiness" can then be applied to
 * the data segments (reordering, retransmissions, overlaps, a conflicting
 * overlap, losses) to exercise reassembly on real TLS bytes. Timestamps are
 * deterministic (1 ms apart from 2023-11-14T22:13:20Z). OpenSSL's randomness
 * cannot be fixed, so the exact bytes differ between runs: --dump-streams
 * writes the two byte streams so tests can compare against them.
 *
 * Usage: hs2pcap [options] -o out.pcap   (hs2pcap --help lists the options)
 */
#include <getopt.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0_SEC 1700000000u
#define NOT_BEFORE 1690000000
#define NOT_AFTER 2000000000

typedef struct opts {
    int tls_version; /* 12 or 13 */
    bool mtls, no_client_cert;
    bool pha; /* TLS 1.3 post-handshake client authentication */
    size_t mss;
    unsigned reorder, retransmit, overlap, drop;
    bool conflict, isn_wrap, ipv6, raw;
    unsigned long seed;
    unsigned snaplen;
    const char *keylog, *out, *dump;
} opts;

/* ---------- byte streams and bursts ---------- */

typedef struct stream {
    uint8_t *b;
    size_t n, cap;
} stream;

typedef struct burst {
    int dir; /* 0 client->server, 1 server->client */
    size_t off, len;
} burst;

static stream g_stream[2];
static bool g_corrupt_ske; /* --corrupt-ske: flip the last signature byte of the ServerKeyExchange */

/* Flip the last byte (inside the signature) of a plaintext ServerKeyExchange
 * in this burst, before the client reads it: the real client then reacts to
 * a server whose signature does not match its certificate. */
static void corrupt_ske(uint8_t *b, size_t n)
{
    for (size_t i = 0; g_corrupt_ske && i + 5 <= n;) {
        size_t rl = (size_t)b[i + 3] << 8 | b[i + 4];
        if (b[i] == 22) {
            for (size_t j = i + 5; j + 4 <= i + 5 + rl && j + 4 <= n;) {
                size_t ml = (size_t)b[j + 1] << 16 | (size_t)b[j + 2] << 8 | b[j + 3];
                if (b[j] == 12 && j + 4 + ml <= n && ml > 0) {
                    b[j + 4 + ml - 1] ^= 0x01;
                    g_corrupt_ske = false;
                    return;
                }
                j += 4 + ml;
            }
        }
        i += 5 + rl;
    }
}
static burst *g_bursts;
static size_t g_nbursts, g_capbursts;
static FILE *g_keylog;

static void die(const char *what)
{
    fprintf(stderr, "hs2pcap: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q)
        die("out of memory");
    return q;
}

static void stream_append(stream *s, const uint8_t *b, size_t n)
{
    if (s->n + n > s->cap) {
        size_t nc = s->cap ? s->cap : 4096;
        while (nc < s->n + n)
            nc *= 2;
        s->b = xrealloc(s->b, nc);
        s->cap = nc;
    }
    memcpy(s->b + s->n, b, n);
    s->n += n;
}

/* Move everything `from` wrote into `to`, recording it as one burst of dir. */
static void move_bytes(BIO *from, BIO *to, int dir)
{
    uint8_t buf[16384];
    size_t start = g_stream[dir].n;
    int n;
    while ((n = BIO_read(from, buf, sizeof buf)) > 0) {
        if (dir == 1)
            corrupt_ske(buf, (size_t)n);
        stream_append(&g_stream[dir], buf, (size_t)n);
        if (BIO_write(to, buf, n) != n)
            die("BIO_write");
    }
    size_t len = g_stream[dir].n - start;
    if (len == 0)
        return;
    if (g_nbursts == g_capbursts) {
        g_capbursts = g_capbursts ? g_capbursts * 2 : 32;
        g_bursts = xrealloc(g_bursts, g_capbursts * sizeof(*g_bursts));
    }
    g_bursts[g_nbursts++] = (burst){dir, start, len};
}

/* ---------- PKI ---------- */

static EVP_PKEY *keygen(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!k)
        die("EVP_PKEY_Q_keygen");
    return k;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ex || !X509_add_ext(cert, ex, -1))
        die("X509 extension");
    X509_EXTENSION_free(ex);
}

/* issuer == NULL: self-signed CA. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, long serial,
                       const char *eku, const char *san)
{
    X509 *x = X509_new();
    if (!x)
        die("X509_new");
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    if (!ASN1_TIME_set(X509_getm_notBefore(x), NOT_BEFORE) || !ASN1_TIME_set(X509_getm_notAfter(x), NOT_AFTER))
        die("ASN1_TIME_set");
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"mtlsdump test", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    if (!X509_set_pubkey(x, key))
        die("X509_set_pubkey");
    X509 *iss = issuer ? issuer : x;
    add_ext(x, iss, NID_subject_key_identifier, "hash");
    add_ext(x, iss, NID_authority_key_identifier, "keyid:always");
    if (!issuer) {
        add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(x, iss, NID_key_usage, "critical,digitalSignature");
        add_ext(x, iss, NID_ext_key_usage, eku);
        if (san)
            add_ext(x, iss, NID_subject_alt_name, san);
    }
    if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()))
        die("X509_sign");
    return x;
}

static void keylog_cb(const SSL *ssl, const char *line)
{
    (void)ssl;
    if (g_keylog)
        fprintf(g_keylog, "%s\n", line);
}

/* ---------- the TLS conversation ---------- */

static void step_handshake(SSL *ssl, bool *done, bool *fail)
{
    if (*done || *fail)
        return;
    ERR_clear_error();
    int r = SSL_do_handshake(ssl);
    if (r == 1) {
        *done = true;
        return;
    }
    int e = SSL_get_error(ssl, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        *fail = true;
}

/* Returns true when both sides completed the handshake. */
static bool run_tls(const opts *o)
{
    EVP_PKEY *ca_key = keygen(), *srv_key = keygen(), *cli_key = keygen();
    X509 *ca = make_cert(ca_key, "mtlsdump test CA", NULL, NULL, 1, NULL, NULL);
    X509 *srv = make_cert(srv_key, "server.test", ca, ca_key, 2, "serverAuth", "DNS:server.test");
    X509 *cli = make_cert(cli_key, "client.test", ca, ca_key, 3, "clientAuth", NULL);
    int ver = o->tls_version == 12 ? TLS1_2_VERSION : TLS1_3_VERSION;

    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    if (!sctx || !cctx)
        die("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(sctx, ver);
    SSL_CTX_set_max_proto_version(sctx, ver);
    SSL_CTX_set_min_proto_version(cctx, ver);
    SSL_CTX_set_max_proto_version(cctx, ver);
    if (SSL_CTX_use_certificate(sctx, srv) != 1 || SSL_CTX_use_PrivateKey(sctx, srv_key) != 1)
        die("server certificate");
    if (X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx), ca) != 1)
        die("client trust store");
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    if (o->mtls || o->no_client_cert) {
        if (X509_STORE_add_cert(SSL_CTX_get_cert_store(sctx), ca) != 1 || SSL_CTX_add_client_CA(sctx, ca) != 1)
            die("server trust store");
        SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    if (o->pha) {
        if (X509_STORE_add_cert(SSL_CTX_get_cert_store(sctx), ca) != 1 || SSL_CTX_add_client_CA(sctx, ca) != 1)
            die("server trust store");
        SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE, NULL);
    }
    if (o->mtls || o->pha) {
        if (SSL_CTX_use_certificate(cctx, cli) != 1 || SSL_CTX_use_PrivateKey(cctx, cli_key) != 1)
            die("client certificate");
    }
    if (o->keylog)
        SSL_CTX_set_keylog_callback(cctx, keylog_cb);

    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    if (!c || !s || !c_in || !c_out || !s_in || !s_out)
        die("SSL_new/BIO_new");
    SSL_set_bio(c, c_in, c_out);
    SSL_set_bio(s, s_in, s_out);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    SSL_set_tlsext_host_name(c, "server.test");
    if (o->pha)
        SSL_set_post_handshake_auth(c, 1);
    SSL_set1_host(c, "server.test");

    bool c_done = false, s_done = false, c_fail = false, s_fail = false;
    for (int i = 0; i < 64 && !(c_done && s_done) && !c_fail && !s_fail; i++) {
        step_handshake(c, &c_done, &c_fail);
        move_bytes(c_out, s_in, 0);
        step_handshake(s, &s_done, &s_fail);
        move_bytes(s_out, c_in, 1);
    }
    move_bytes(c_out, s_in, 0);
    move_bytes(s_out, c_in, 1);

    static const char req[] = "GET / HTTP/1.1\r\nHost: server.test\r\n\r\n";
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    char buf[4096];
    bool ok = c_done && s_done;
    if (ok) {
        if (SSL_write(c, req, (int)strlen(req)) <= 0)
            die("client SSL_write");
        move_bytes(c_out, s_in, 0);
        if (SSL_read(s, buf, sizeof buf) <= 0)
            die("server SSL_read");
        if (o->pha) {
            /* the server asks for the client's certificate now (TLS 1.3 PHA) */
            if (SSL_verify_client_post_handshake(s) != 1 || SSL_do_handshake(s) != 1)
                die("SSL_verify_client_post_handshake");
            move_bytes(s_out, c_in, 1);
            if (SSL_read(c, buf, sizeof buf) > 0 || SSL_get_error(c, -1) == SSL_ERROR_SSL)
                (void)0;
            move_bytes(c_out, s_in, 0);
            (void)SSL_read(s, buf, sizeof buf); /* processes Certificate, CertificateVerify, Finished */
            if (!SSL_get0_peer_certificate(s))
                die("post-handshake authentication did not deliver the client certificate");
        }
        if (SSL_write(s, resp, (int)strlen(resp)) <= 0)
            die("server SSL_write");
        move_bytes(s_out, c_in, 1);
        if (SSL_read(c, buf, sizeof buf) <= 0)
            die("client SSL_read");
        SSL_shutdown(c);
        move_bytes(c_out, s_in, 0);
        (void)SSL_read(s, buf, sizeof buf); /* sees close_notify */
        SSL_shutdown(s);
        move_bytes(s_out, c_in, 1);
    } else if (c_done) {
        /* TLS 1.3: the client finished before learning of the rejection and
         * sends its request anyway, as curl would */
        if (SSL_write(c, req, (int)strlen(req)) > 0)
            move_bytes(c_out, s_in, 0);
    }
    printf("handshake: %s (client %s, server %s), c2s %zu bytes, s2c %zu bytes, %zu bursts\n",
           ok ? "ok" : "failed", c_done ? "done" : c_fail ? "failed" : "pending",
           s_done ? "done" : s_fail ? "failed" : "pending", g_stream[0].n, g_stream[1].n, g_nbursts);

    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    X509_free(ca);
    X509_free(srv);
    X509_free(cli);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(srv_key);
    EVP_PKEY_free(cli_key);
    return ok;
}

/* ---------- segments and nastiness ---------- */

typedef struct seg {
    int dir;
    size_t off, len;       /* stream offset and length */
    const uint8_t *data;   /* len bytes */
    size_t burst;          /* burst index it came from */
    bool last_of_burst;
} seg;

typedef struct seglist {
    seg *v;
    size_t n, cap;
} seglist;

static void seg_push(seglist *l, seg s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = xrealloc(l->v, l->cap * sizeof(seg));
    }
    l->v[l->n++] = s;
}

static uint64_t g_rng;
static uint32_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng >> 16);
}

static uint8_t *g_owned[4];
static size_t g_nowned;

static seglist build_segments(const opts *o)
{
    seglist l = {0};
    for (size_t b = 0; b < g_nbursts; b++) {
        const burst *bu = &g_bursts[b];
        for (size_t off = 0; off < bu->len; off += o->mss) {
            size_t len = bu->len - off < o->mss ? bu->len - off : o->mss;
            seg s = {bu->dir, bu->off + off, len, g_stream[bu->dir].b + bu->off + off, b, off + len == bu->len};
            seg_push(&l, s);
        }
    }
    /* losses first: every drop-th segment never reaches the capture */
    if (o->drop) {
        seglist k = {0};
        for (size_t i = 0; i < l.n; i++) {
            if ((i + 1) % o->drop == 0) {
                printf("dropped: dir=%d off=%zu len=%zu\n", l.v[i].dir, l.v[i].off, l.v[i].len);
                if (l.v[i].last_of_burst && k.n > 0)
                    k.v[k.n - 1].last_of_burst = true;
                continue;
            }
            seg_push(&k, l.v[i]);
        }
        free(l.v);
        l = k;
    }
    if (o->reorder) {
        size_t step = o->reorder < 2 ? 2 : o->reorder;
        for (size_t j = step - 1; j + 1 < l.n; j += step) {
            seg t = l.v[j];
            l.v[j] = l.v[j + 1];
            l.v[j + 1] = t;
        }
    }
    /* overlaps: after every overlap-th segment, a re-send of it that starts up to
     * one MSS earlier in the stream (same bytes) */
    if (o->overlap) {
        seglist k = {0};
        for (size_t i = 0; i < l.n; i++) {
            seg_push(&k, l.v[i]);
            if ((i + 1) % o->overlap == 0 && l.v[i].off > 0) {
                size_t lim = l.v[i].off < o->mss ? l.v[i].off : o->mss;
                size_t back = 1 + rnd() % lim;
                seg s = l.v[i];
                s.off -= back;
                s.len += back;
                s.data -= back;
                s.last_of_burst = false;
                seg_push(&k, s);
            }
        }
        free(l.v);
        l = k;
    }
    if (o->retransmit) {
        seglist k = {0};
        for (size_t i = 0; i < l.n; i++) {
            seg_push(&k, l.v[i]);
            if ((i + 1) % o->retransmit == 0) {
                seg s = l.v[i];
                s.last_of_burst = false;
                seg_push(&k, s);
            }
        }
        free(l.v);
        l = k;
    }
    if (o->conflict) {
        /* pick a pair (A, B) of consecutive contiguous segments; send B, then
         * a copy of B's second half with flipped bytes, then A. B is pending
         * when the fake arrives, so the reassembler sees the conflict. */
        size_t cand[4096], nc = 0;
        for (size_t i = 0; i + 1 < l.n && nc < 4096; i++)
            if (l.v[i].dir == l.v[i + 1].dir && l.v[i].off + l.v[i].len == l.v[i + 1].off && l.v[i + 1].len >= 2)
                cand[nc++] = i;
        if (nc == 0)
            die("--conflict: no pair of contiguous segments (lower --mss)");
        size_t i = cand[rnd() % nc];
        seg a = l.v[i], b = l.v[i + 1];
        seg fake = b;
        size_t half = b.len / 2;
        fake.off += half;
        fake.len -= half;
        uint8_t *copy = xrealloc(NULL, fake.len);
        for (size_t k = 0; k < fake.len; k++)
            copy[k] = (uint8_t)(b.data[half + k] ^ 0xA5);
        fake.data = copy;
        fake.last_of_burst = false;
        g_owned[g_nowned++] = copy;
        l.v[i] = b;
        l.v[i].last_of_burst = false;
        l.v[i + 1] = a;
        l.v[i + 1].last_of_burst = a.last_of_burst || b.last_of_burst;
        seg_push(&l, fake); /* placeholder: shifted into place below */
        memmove(&l.v[i + 2], &l.v[i + 1], (l.n - i - 2) * sizeof(seg));
        l.v[i + 1] = fake;
        printf("conflict: dir=%d off=%zu len=%zu\n", fake.dir, fake.off, fake.len);
    }
    return l;
}

/* ---------- packet writing ---------- */

typedef struct wire {
    pcap_dumper_t *d;
    const opts *o;
    uint32_t isn[2];
    uint8_t addr[2][16];
    uint16_t port[2];
    uint64_t ts_us;
    uint16_t ip_id;
    unsigned snaplen;
} wire;

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void emit_packet(wire *w, int dir, uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *data, size_t len)
{
    static uint8_t pkt[70000];
    const opts *o = w->o;
    size_t l2 = o->raw ? 0 : 14, l3 = o->ipv6 ? 40 : 20;
    size_t l4 = (flags & 0x02) ? 24 : 20; /* MSS option on SYN and SYN-ACK */
    size_t total = l2 + l3 + l4 + len;
    if (total > sizeof pkt)
        die("segment too large");
    memset(pkt, 0, l2 + l3 + l4);
    if (l2) {
        static const uint8_t mac[2][6] = {{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}};
        memcpy(pkt, mac[1 - dir], 6);
        memcpy(pkt + 6, mac[dir], 6);
        put16(pkt + 12, o->ipv6 ? 0x86DD : 0x0800);
    }
    uint8_t *ip = pkt + l2, *tcp = ip + l3;
    const uint8_t *src = w->addr[dir], *dst = w->addr[1 - dir];
    uint32_t sum = 0;
    if (o->ipv6) {
        ip[0] = 0x60;
        put16(ip + 4, (uint16_t)(l4 + len));
        ip[6] = 6;
        ip[7] = 64;
        memcpy(ip + 8, src, 16);
        memcpy(ip + 24, dst, 16);
        sum = csum_add(sum, src, 16);
        sum = csum_add(sum, dst, 16);
    } else {
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)(l3 + l4 + len));
        put16(ip + 4, w->ip_id++);
        put16(ip + 6, 0x4000); /* DF */
        ip[8] = 64;
        ip[9] = 6;
        memcpy(ip + 12, src, 4);
        memcpy(ip + 16, dst, 4);
        put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
        sum = csum_add(sum, src, 4);
        sum = csum_add(sum, dst, 4);
    }
    put16(tcp, w->port[dir]);
    put16(tcp + 2, w->port[1 - dir]);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = (uint8_t)((l4 / 4) << 4);
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    if (l4 == 24) {
        tcp[20] = 2; /* MSS */
        tcp[21] = 4;
        put16(tcp + 22, (uint16_t)(o->mss > 65535 ? 65535 : o->mss));
    }
    if (len)
        memcpy(tcp + l4, data, len);
    sum += 6;
    sum += (uint32_t)(l4 + len);
    sum = csum_add(sum, tcp, l4 + len);
    put16(tcp + 16, csum_fold(sum));

    struct pcap_pkthdr h;
    w->ts_us += 1000;
    h.ts.tv_sec = (time_t)(w->ts_us / 1000000u);
    h.ts.tv_usec = (suseconds_t)(w->ts_us % 1000000u);
    h.len = (bpf_u_int32)total;
    h.caplen = (bpf_u_int32)(total < w->snaplen ? total : w->snaplen);
    pcap_dump((u_char *)w->d, &h, pkt);
}

static void write_pcap(const opts *o, const seglist *l)
{
    unsigned snap = o->snaplen ? o->snaplen : 262144;
    pcap_t *dead = pcap_open_dead(o->raw ? DLT_RAW : DLT_EN10MB, (int)snap);
    if (!dead)
        die("pcap_open_dead");
    pcap_dumper_t *d = pcap_dump_open(dead, o->out);
    if (!d)
        die(pcap_geterr(dead));
    wire w = {.d = d, .o = o, .ts_us = (uint64_t)T0_SEC * 1000000u, .ip_id = 1, .snaplen = snap};
    w.isn[0] = o->isn_wrap ? 0xFFFFFFFFu - 150 : 0x10000000u + (uint32_t)(o->seed * 7919u);
    w.isn[1] = o->isn_wrap ? 0xFFFFFFFFu - 700 : 0x20000000u + (uint32_t)(o->seed * 104729u);
    if (o->ipv6) {
        static const uint8_t a0[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static const uint8_t a1[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
        memcpy(w.addr[0], a0, 16);
        memcpy(w.addr[1], a1, 16);
    } else {
        static const uint8_t a0[4] = {10, 0, 0, 1}, a1[4] = {10, 0, 0, 2};
        memcpy(w.addr[0], a0, 4);
        memcpy(w.addr[1], a1, 4);
    }
    w.port[0] = (uint16_t)(49152 + o->seed % 16000);
    w.port[1] = 443;
    uint32_t c1 = w.isn[0] + 1, s1 = w.isn[1] + 1;
    emit_packet(&w, 0, 0x02, w.isn[0], 0, NULL, 0);
    emit_packet(&w, 1, 0x12, w.isn[1], c1, NULL, 0);
    emit_packet(&w, 0, 0x10, c1, s1, NULL, 0);

    /* acknowledgement numbers: what each side had received when its burst began */
    for (size_t i = 0; i < l->n; i++) {
        const seg *s = &l->v[i];
        int dir = s->dir;
        size_t peer_seen = 0; /* bytes of the peer's stream before this burst */
        for (size_t b = 0; b < s->burst; b++)
            if (g_bursts[b].dir != dir)
                peer_seen = g_bursts[b].off + g_bursts[b].len;
        uint32_t ack = w.isn[1 - dir] + 1 + (uint32_t)peer_seen;
        emit_packet(&w, dir, 0x18, w.isn[dir] + 1 + (uint32_t)s->off, ack, s->data, s->len);
        if (s->last_of_burst) {
            const burst *bu = &g_bursts[s->burst];
            emit_packet(&w, 1 - dir, 0x10, ack, w.isn[dir] + 1 + (uint32_t)(bu->off + bu->len), NULL, 0);
        }
    }
    uint32_t cfin = w.isn[0] + 1 + (uint32_t)g_stream[0].n, sfin = w.isn[1] + 1 + (uint32_t)g_stream[1].n;
    emit_packet(&w, 0, 0x11, cfin, sfin, NULL, 0);
    emit_packet(&w, 1, 0x11, sfin, cfin + 1, NULL, 0);
    emit_packet(&w, 0, 0x10, cfin + 1, sfin + 1, NULL, 0);
    pcap_dump_close(d);
    pcap_close(dead);
}

static void dump_streams(const char *prefix)
{
    static const char *const ext[2] = {"c2s", "s2c"};
    for (int d = 0; d < 2; d++) {
        char path[4096];
        snprintf(path, sizeof path, "%s.%s", prefix, ext[d]);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(g_stream[d].b, 1, g_stream[d].n, f) != g_stream[d].n || fclose(f) != 0)
            die("cannot write --dump-streams file");
    }
}

static void usage(FILE *f)
{
    fputs("usage: hs2pcap [options] -o out.pcap\n"
          "  --tls12 | --tls13      protocol version (default TLS 1.3)\n"
          "  --mtls                 server requires a client certificate; client has one\n"
          "  --no-client-cert       server requires a client certificate; client has none\n"
          "  --post-handshake-auth  TLS 1.3: the server asks for the client certificate after the\n"
          "                         handshake (post_handshake_auth), the client answers\n"
          "  --mss N                bytes per TCP segment (default 1400)\n"
          "  --reorder K            swap the K-th segment of every group of K with the next\n"
          "  --retransmit K         send every K-th segment twice\n"
          "  --overlap K            after every K-th segment, re-send it extended backwards (same bytes)\n"
          "  --conflict             one overlapping re-send with different bytes (arrives after the\n"
          "                         original, while it is still out of order)\n"
          "  --drop K               lose every K-th segment\n"
          "  --isn-wrap             initial sequence numbers just below 2^32\n"
          "  --seed N               varies ports, ISNs and overlap sizes (default 1)\n"
          "  --snaplen N            cut captured packets to N bytes\n"
          "  --keylog FILE          write the client's NSS key log\n"
          "  --ipv6                 IPv6 instead of IPv4\n"
          "  --raw                  DLT_RAW instead of Ethernet\n"
          "  --dump-streams PREFIX  write PREFIX.c2s and PREFIX.s2c (the TCP payload streams)\n"
          "  --corrupt-ske          TLS 1.2: flip a signature byte of the ServerKeyExchange on its way\n"
          "                         to the client (a server key that does not match its certificate)\n"
          "  -o FILE                output pcap\n",
          f);
}

static unsigned long num(const char *s, const char *opt)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0') {
        fprintf(stderr, "hs2pcap: %s needs a number\n", opt);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    opts o = {.tls_version = 13, .mss = 1400, .seed = 1};
    static const struct option lo[] = {
        {"tls12", no_argument, NULL, '2'},        {"tls13", no_argument, NULL, '3'},
        {"mtls", no_argument, NULL, 'm'},         {"no-client-cert", no_argument, NULL, 'n'},
        {"mss", required_argument, NULL, 'M'},    {"reorder", required_argument, NULL, 'R'},
        {"retransmit", required_argument, NULL, 'T'}, {"overlap", required_argument, NULL, 'O'},
        {"conflict", no_argument, NULL, 'C'},     {"drop", required_argument, NULL, 'D'},
        {"isn-wrap", no_argument, NULL, 'W'},     {"seed", required_argument, NULL, 'S'},
        {"snaplen", required_argument, NULL, 'L'}, {"keylog", required_argument, NULL, 'K'},
        {"ipv6", no_argument, NULL, '6'},         {"raw", no_argument, NULL, 'r'},
        {"dump-streams", required_argument, NULL, 'P'}, {"help", no_argument, NULL, 'h'},
        {"post-handshake-auth", no_argument, NULL, 'A'},
        {"corrupt-ske", no_argument, NULL, 'X'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
        switch (c) {
        case '2': o.tls_version = 12; break;
        case '3': o.tls_version = 13; break;
        case 'm': o.mtls = true; break;
        case 'n': o.no_client_cert = true; break;
        case 'M': o.mss = num(optarg, "--mss"); break;
        case 'R': o.reorder = (unsigned)num(optarg, "--reorder"); break;
        case 'T': o.retransmit = (unsigned)num(optarg, "--retransmit"); break;
        case 'O': o.overlap = (unsigned)num(optarg, "--overlap"); break;
        case 'C': o.conflict = true; break;
        case 'D': o.drop = (unsigned)num(optarg, "--drop"); break;
        case 'W': o.isn_wrap = true; break;
        case 'S': o.seed = num(optarg, "--seed"); break;
        case 'L': o.snaplen = (unsigned)num(optarg, "--snaplen"); break;
        case 'K': o.keylog = optarg; break;
        case '6': o.ipv6 = true; break;
        case 'r': o.raw = true; break;
        case 'P': o.dump = optarg; break;
        case 'A': o.pha = true; o.tls_version = 13; break;
        case 'X': g_corrupt_ske = true; break;
        case 'o': o.out = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!o.out || optind != argc || o.mss == 0 || (o.mtls && o.no_client_cert) ||
        (o.snaplen && o.snaplen < 60)) {
        usage(stderr);
        return 2;
    }
    g_rng = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)o.seed * 0x2545F4914F6CDD1DULL);
    if (g_rng == 0)
        g_rng = 1;
    if (o.keylog) {
        g_keylog = fopen(o.keylog, "w");
        if (!g_keylog)
            die("cannot open --keylog file");
    }
    (void)run_tls(&o);
    if (g_keylog && fclose(g_keylog) != 0)
        die("cannot write --keylog file");
    seglist l = build_segments(&o);
    write_pcap(&o, &l);
    if (o.dump)
        dump_streams(o.dump);
    free(l.v);
    for (size_t i = 0; i < g_nowned; i++)
        free(g_owned[i]);
    free(g_bursts);
    free(g_stream[0].b);
    free(g_stream[1].b);
    return 0;
}
