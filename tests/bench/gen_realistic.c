/*
 * gen_realistic — a realistic mTLS benchmark corpus made of real handshakes (issue 16).
 *
 * Every connection is a real TLS handshake between two OpenSSL SSL objects made for that
 * connection alone, talking over memory BIOs in this process: fresh randoms, key shares and
 * signatures per connection, unlike gen_corpus (which replays 19 sample captures). The PKI
 * is made here too: a root CA (RSA-2048), three intermediates (two ECDSA P-256, one
 * RSA-2048), an untrusted root + intermediate outside it, 16 servers (own certificate, SNI
 * and IPv4 address each) and N client identities (distinct certificates; ECDSA P-256 keys,
 * RSA-2048 keys from a small pool; a few expired, a few issued by the untrusted CA).
 *
 * Per connection: TLS 1.2 or 1.3; mTLS that succeeds, a client certificate the server
 * rejects (expired or untrusted: OpenSSL aborts with an alert under SSL_VERIFY_PEER |
 * SSL_VERIFY_FAIL_IF_NO_PEER_CERT), no client certificate (server requires it: alert; or
 * optional: finished), one-way TLS, or resumption (session ticket or session id) of an
 * earlier connection of the same client; a small HTTP request/response, close_notify, FIN.
 * Written as Ethernet/IPv4/TCP (SYN handshake, 1448-byte segments, ACKs, FIN, checksums),
 * connections interleaved in time (--concurrency open at once), timestamps inside the
 * certificates' validity. Deterministic for a seed: OpenSSL's randomness comes from a
 * seeded generator (RAND_set_rand_method) and its clock from time() below.
 *
 * Outputs: the pcap, the client key log (SSLKEYLOGFILE format), the CA bundle to give
 * mtlsdump with --ca (the root only), a manifest (JSON: connections, packets, expected
 * verdict counts without and with the key log, from the documented meaning of each case
 * in docs/troubleshooting-mtls.md), and the "floor" file: every signature check and every
 * distinct chain mtlsdump needs for this corpus, read by crypto_floor.
 *
 * Usage: gen_realistic --out F.pcap --manifest F.json --keylog F.keys --ca-out F-ca.pem
 *                      --floor F.floor [--connections N] [--identities N]
 *                      [--concurrency N] [--seed N]
 */
#define _DEFAULT_SOURCE 1
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* RAND_set_rand_method: the deterministic generator */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T0 1780272000u        /* 2026-06-01T00:00:00Z: first connection */
#define VALID_FROM 1767225600 /* 2026-01-01 */
#define VALID_TO 1798761600   /* 2027-01-01 */
#define EXPIRED_FROM 1735689600 /* 2025-01-01 */
#define EXPIRED_TO 1767225599   /* 2025-12-31T23:59:59Z */
#define MSS 1448u
#define NSERVERS 16
#define RSA_POOL 8 /* RSA-2048 keys: 4 for servers, 4 for clients */

enum { V_MTLS_OK, V_NO_CLIENT_AUTH, V_RESUMED, V_CERT_MISSING, V_CERT_REJECTED, V_ENCRYPTED, V_COUNT };
static const char *const verdict_names[V_COUNT] = {"mtls_ok", "tls_ok_no_client_auth", "resumed",
                                                   "client_cert_missing", "client_cert_rejected", "encrypted"};
enum { C_MTLS_OK, C_REJECT_EXPIRED, C_REJECT_UNTRUSTED, C_NOCERT_REQUIRED, C_NOCERT_OPTIONAL, C_ONE_WAY,
       C_RESUMED_TICKET, C_RESUMED_ID, C_COUNT };
static const char *const cat_names[C_COUNT] = {"mtls_ok", "rejected_expired", "rejected_untrusted_ca",
                                               "no_cert_required", "no_cert_optional", "one_way",
                                               "resumed_ticket", "resumed_session_id"};

static void die(const char *what)
{
    fprintf(stderr, "gen_realistic: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory");
    return q;
}

/* ---------- deterministic randomness and clock ---------- */

static uint64_t g_rs[4]; /* xoshiro256** for OpenSSL */
static uint64_t g_mix;   /* xorshift64 for the corpus mix */

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t xoshiro(void)
{
    uint64_t r = rotl(g_rs[1] * 5, 7) * 9, t = g_rs[1] << 17;
    g_rs[2] ^= g_rs[0];
    g_rs[3] ^= g_rs[1];
    g_rs[1] ^= g_rs[2];
    g_rs[0] ^= g_rs[3];
    g_rs[2] ^= t;
    g_rs[3] = rotl(g_rs[3], 45);
    return r;
}
static int det_bytes(unsigned char *buf, int num)
{
    for (int i = 0; i < num; i += 8) {
        uint64_t v = xoshiro();
        for (int j = 0; j < 8 && i + j < num; j++)
            buf[i + j] = (unsigned char)(v >> (8 * j));
    }
    return 1;
}
static int det_status(void) { return 1; }
static RAND_METHOD g_det_rand = {NULL, det_bytes, NULL, NULL, det_bytes, det_status};

static uint32_t rnd(void)
{
    g_mix ^= g_mix << 13;
    g_mix ^= g_mix >> 7;
    g_mix ^= g_mix << 17;
    return (uint32_t)(g_mix >> 11);
}

/* OpenSSL stamps sessions and ticket ages with time(): it reads the capture clock. */
static time_t g_now = T0;
time_t time(time_t *t)
{
    if (t)
        *t = g_now;
    return g_now;
}

/* ---------- PKI ---------- */

static EVP_PKEY *key_ec(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!k)
        die("EC keygen");
    return k;
}
static EVP_PKEY *key_rsa(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (!k)
        die("RSA keygen");
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

typedef enum { K_ROOT, K_INTERMEDIATE, K_SERVER, K_CLIENT } cert_kind;

/* issuer NULL: self-signed root */
static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *org, X509 *issuer, EVP_PKEY *issuer_key,
                       long serial, cert_kind kind, long from, long to, const char *san)
{
    X509 *x = X509_new();
    if (!x)
        die("X509_new");
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    if (!ASN1_TIME_set(X509_getm_notBefore(x), (time_t)from) || !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)to))
        die("ASN1_TIME_set");
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"DE", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)org, -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    if (!X509_set_pubkey(x, key))
        die("X509_set_pubkey");
    X509 *iss = issuer ? issuer : x;
    add_ext(x, iss, NID_subject_key_identifier, "hash");
    add_ext(x, iss, NID_authority_key_identifier, "keyid:always");
    switch (kind) {
    case K_ROOT:
        add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
        break;
    case K_INTERMEDIATE:
        add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
        add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
        break;
    case K_SERVER:
    case K_CLIENT:
        add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(x, iss, NID_key_usage, "critical,digitalSignature,keyEncipherment");
        add_ext(x, iss, NID_ext_key_usage, kind == K_SERVER ? "serverAuth" : "clientAuth");
        add_ext(x, iss, NID_subject_alt_name, san);
        break;
    }
    if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()))
        die("X509_sign");
    return x;
}

/* every certificate gets an id; the floor file lists them once */
static X509 **g_certs;
static uint32_t g_ncerts;
static uint32_t cert_register(X509 *x)
{
    if ((g_ncerts & (g_ncerts - 1)) == 0)
        g_certs = xrealloc(g_certs, (g_ncerts ? g_ncerts * 2 : 1) * sizeof(*g_certs));
    g_certs[g_ncerts] = x;
    return g_ncerts++;
}

typedef struct ca {
    X509 *cert;
    EVP_PKEY *key;
    uint32_t id;
} ca;

typedef struct server {
    X509 *cert;
    EVP_PKEY *key;
    int ca;
    uint32_t id;
    SSL_CTX *ctx;
    char sni[64];
    uint8_t ip[4];
    bool vis[2]; /* its chain seen without / with the key log */
} server;

typedef struct ident {
    X509 *cert;
    EVP_PKEY *key;
    int ca;
    int bad; /* 0 valid, 1 expired, 2 untrusted CA */
    uint32_t id;
    uint8_t ip[4];
    uint32_t rtt_us;
    uint16_t next_port;
    int home;
    bool vis[2];
    /* the last session this client can resume, from a finished full handshake */
    SSL_SESSION *sess;
    int sess_server, sess_ver, sess_cat, sess_suites;
    bool sess_ticket;
    uint64_t sess_ready_us;
} ident;

enum { CA_ROOT, CA_EC1, CA_EC2, CA_RSA, CA_ROGUE_ROOT, CA_ROGUE, NCAS };
static ca g_ca[NCAS];
static server g_srv[NSERVERS];
static ident *g_id;
static size_t g_nid;
static EVP_PKEY *g_rsa[RSA_POOL];

static void make_pki(size_t nident)
{
    for (int i = 0; i < RSA_POOL; i++)
        g_rsa[i] = key_rsa();
    g_ca[CA_ROOT].key = g_rsa[0];
    g_ca[CA_ROOT].cert = make_cert(g_ca[CA_ROOT].key, "Example Root CA R1", "Example Corp", NULL, NULL, 1,
                                   K_ROOT, 1735689600, 2051222400, NULL);
    static const char *const names[NCAS] = {NULL, "Example Issuing CA E1", "Example Issuing CA E2",
                                            "Example Issuing CA R3", "Unknown Root", "Unknown Issuing CA"};
    for (int i = CA_EC1; i < NCAS; i++) {
        g_ca[i].key = i == CA_RSA ? g_rsa[1] : key_ec();
        int parent = i == CA_ROGUE ? CA_ROGUE_ROOT : CA_ROOT;
        bool root = i == CA_ROGUE_ROOT;
        g_ca[i].cert = make_cert(g_ca[i].key, names[i], root || i == CA_ROGUE ? "Elsewhere Ltd" : "Example Corp",
                                 root ? NULL : g_ca[parent].cert, root ? NULL : g_ca[parent].key, 100 + i,
                                 root ? K_ROOT : K_INTERMEDIATE, 1735689600, 1893456000, NULL);
    }
    for (int i = 0; i < NCAS; i++)
        g_ca[i].id = cert_register(g_ca[i].cert);
    char cn[96], san[256];
    for (int i = 0; i < NSERVERS; i++) {
        server *s = &g_srv[i];
        static const char *const svc[] = {"api", "auth", "pay", "files", "mq", "db", "grpc", "admin"};
        snprintf(s->sni, sizeof s->sni, "%s%d.svc.example.com", svc[i % 8], i / 8 + 1);
        s->key = i % 2 ? g_rsa[2 + (i / 2) % 2] : key_ec();
        s->ca = (int[]){CA_EC1, CA_RSA, CA_EC2}[i % 3];
        snprintf(san, sizeof san, "DNS:%s", s->sni);
        s->cert = make_cert(s->key, s->sni, "Example Corp", g_ca[s->ca].cert, g_ca[s->ca].key, 1000 + i, K_SERVER,
                            VALID_FROM, VALID_TO, san);
        s->id = cert_register(s->cert);
        memcpy(s->ip, (uint8_t[]){192, 168, 100, (uint8_t)(1 + i)}, 4);
    }
    g_nid = nident;
    g_id = calloc(nident, sizeof(*g_id));
    if (!g_id)
        die("out of memory");
    for (size_t k = 0; k < nident; k++) {
        ident *d = &g_id[k];
        d->bad = k % 33 == 5 ? 1 : k % 33 == 17 ? 2 : 0; /* 3% expired, 3% from the untrusted CA */
        d->key = rnd() % 5 == 0 ? g_rsa[4 + rnd() % 4] : key_ec();
        d->ca = d->bad == 2 ? CA_ROGUE : (int[]){CA_EC1, CA_EC2, CA_RSA}[rnd() % 3];
        snprintf(cn, sizeof cn, "client-%05zu.workload.example.com", k);
        snprintf(san, sizeof san, "DNS:%s,URI:spiffe://example.com/workload/%05zu", cn, k);
        d->cert = make_cert(d->key, cn, "Example Corp", g_ca[d->ca].cert, g_ca[d->ca].key, 100000 + (long)k,
                            K_CLIENT, d->bad == 1 ? EXPIRED_FROM : VALID_FROM, d->bad == 1 ? EXPIRED_TO : VALID_TO,
                            san);
        d->id = cert_register(d->cert);
        memcpy(d->ip, (uint8_t[]){10, (uint8_t)(1 + (k >> 16)), (uint8_t)(k >> 8), (uint8_t)(k | 1)}, 4);
        d->rtt_us = 1000 + rnd() % 40000;
        d->next_port = (uint16_t)(32768 + rnd() % 20000);
        d->home = (int)(rnd() % NSERVERS);
    }
}

static void write_ca_bundle(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f || !PEM_write_X509(f, g_ca[CA_ROOT].cert) || fclose(f) != 0)
        die("cannot write --ca-out");
}

/* ---------- the floor file: signature checks and chains ---------- */

static FILE *g_floor;
static void put_u32(FILE *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    fwrite(b, 1, 4, f);
}
static uint64_t g_floor_sigs[2], g_floor_chains[2];

/* 'S' vis scheme(2) cert(4) content_len(4) content sig_len(4) sig; vis 0: visible without
 * the key log too, 1: only with it */
static void floor_sig(int vis, uint16_t scheme, uint32_t cert, const uint8_t *content, size_t clen,
                      const uint8_t *sig, size_t slen)
{
    fputc('S', g_floor);
    fputc(vis, g_floor);
    fputc(scheme >> 8, g_floor);
    fputc(scheme & 0xff, g_floor);
    put_u32(g_floor, cert);
    put_u32(g_floor, (uint32_t)clen);
    fwrite(content, 1, clen, g_floor);
    put_u32(g_floor, (uint32_t)slen);
    fwrite(sig, 1, slen, g_floor);
    g_floor_sigs[0] += vis == 0;
    g_floor_sigs[1]++;
}

static void floor_begin(const char *path)
{
    g_floor = fopen(path, "wb");
    if (!g_floor)
        die("cannot create --floor");
    fputs("MTLSFLOOR1\n", g_floor);
    put_u32(g_floor, T0);
    for (uint32_t i = 0; i < g_ncerts; i++) {
        unsigned char *der = NULL;
        int n = i2d_X509(g_certs[i], &der);
        if (n <= 0)
            die("i2d_X509");
        fputc('C', g_floor);
        put_u32(g_floor, i);
        put_u32(g_floor, (uint32_t)n);
        fwrite(der, 1, (size_t)n, g_floor);
        OPENSSL_free(der);
    }
}

/* 'H' vis_nokeys vis_keys n(4) cert ids: each distinct chain, once */
static uint64_t g_floor_invalid[2];
static void floor_chain(bool vis0, bool vis1, uint32_t leaf, uint32_t inter, bool invalid)
{
    if (!vis1)
        return;
    g_floor_invalid[0] += vis0 && invalid;
    g_floor_invalid[1] += invalid;
    fputc('H', g_floor);
    fputc(vis0, g_floor);
    fputc(vis1, g_floor);
    put_u32(g_floor, 2);
    put_u32(g_floor, leaf);
    put_u32(g_floor, inter);
    g_floor_chains[0] += vis0;
    g_floor_chains[1]++;
}

/* ---------- one conversation ---------- */

typedef struct burst {
    int dir; /* 0 client->server, 1 server->client */
    size_t off, len;
} burst;

typedef struct conv {
    uint8_t *st[2];
    size_t n[2], cap[2];
    burst *b;
    size_t nb, capb;
    /* handshake messages as the client saw them (sent and received), for the floor */
    uint8_t *hs;
    size_t hs_n, hs_cap;
    size_t *msg_off;
    size_t nmsg, capmsg;
} conv;

static conv g_cv;

static void append(uint8_t **p, size_t *n, size_t *cap, const void *b, size_t len)
{
    if (*n + len > *cap) {
        size_t nc = *cap ? *cap : 8192;
        while (nc < *n + len)
            nc *= 2;
        *p = xrealloc(*p, nc);
        *cap = nc;
    }
    memcpy(*p + *n, b, len);
    *n += len;
}

static void move_bytes(BIO *from, BIO *to, int dir)
{
    uint8_t buf[16384];
    size_t start = g_cv.n[dir];
    int n;
    while ((n = BIO_read(from, buf, sizeof buf)) > 0) {
        append(&g_cv.st[dir], &g_cv.n[dir], &g_cv.cap[dir], buf, (size_t)n);
        if (BIO_write(to, buf, n) != n)
            die("BIO_write");
    }
    size_t len = g_cv.n[dir] - start;
    if (len == 0)
        return;
    if (g_cv.nb && g_cv.b[g_cv.nb - 1].dir == dir) {
        g_cv.b[g_cv.nb - 1].len += len;
        return;
    }
    if (g_cv.nb == g_cv.capb) {
        g_cv.capb = g_cv.capb ? g_cv.capb * 2 : 32;
        g_cv.b = xrealloc(g_cv.b, g_cv.capb * sizeof(*g_cv.b));
    }
    g_cv.b[g_cv.nb++] = (burst){dir, start, len};
}

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg)
{
    (void)write_p, (void)version, (void)ssl, (void)arg;
    if (content_type != SSL3_RT_HANDSHAKE || len < 4)
        return;
    if (g_cv.nmsg == g_cv.capmsg) {
        g_cv.capmsg = g_cv.capmsg ? g_cv.capmsg * 2 : 32;
        g_cv.msg_off = xrealloc(g_cv.msg_off, (g_cv.capmsg + 1) * sizeof(size_t));
    }
    g_cv.msg_off[g_cv.nmsg++] = g_cv.hs_n;
    append(&g_cv.hs, &g_cv.hs_n, &g_cv.hs_cap, buf, len);
    g_cv.msg_off[g_cv.nmsg] = g_cv.hs_n;
}

static FILE *g_keylog;
static void keylog_cb(const SSL *ssl, const char *line)
{
    (void)ssl;
    fprintf(g_keylog, "%s\n", line);
}

static void step(SSL *ssl, bool *done, bool *fail)
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

typedef struct outcome {
    bool ok, reused;
    size_t response_len;
} outcome;

static size_t http_request(char *buf, size_t cap, const char *host, uint32_t n)
{
    static const char *const paths[] = {"/api/v1/orders", "/api/v1/items", "/healthz", "/v2/token",
                                        "/metrics", "/api/v1/users/me"};
    return (size_t)snprintf(buf, cap,
                            "GET %s/%u HTTP/1.1\r\nHost: %s\r\nUser-Agent: workload/1.%u\r\n"
                            "Accept: application/json\r\n\r\n",
                            paths[n % 6], n, host, n % 9);
}

static size_t http_response(char *buf, size_t cap, uint32_t n)
{
    /* mostly small JSON bodies, sometimes a few segments, rarely ~40 KB */
    size_t body = n % 20 == 0 ? 20000 + n % 24000 : 80 + n % 3000;
    if (body + 200 > cap)
        body = cap - 200;
    int h = snprintf(buf, cap, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     body);
    for (size_t i = 0; i < body; i++)
        buf[(size_t)h + i] = "{\"id\":12345,\"v\":\"abcdefghijklmnopqrstuvwxyz\"},"[i % 44];
    return (size_t)h + body;
}

/* Runs one connection between client SSL c and server SSL s. */
static outcome converse(SSL *c, SSL *s, const char *host, uint32_t n)
{
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    if (!c_in || !c_out || !s_in || !s_out)
        die("BIO_new");
    SSL_set_bio(c, c_in, c_out);
    SSL_set_bio(s, s_in, s_out);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    static char req[512], resp[48000], buf[65536];
    size_t reqlen = http_request(req, sizeof req, host, n);
    bool cd = false, sd = false, cf = false, sf = false, sent = false;
    outcome o = {0};
    for (int i = 0; i < 64 && !(cd && sd) && !cf && !sf; i++) {
        step(c, &cd, &cf);
        if (cd && !sent) { /* the client sends its request at once (with its Finished in 1.3) */
            if (SSL_write(c, req, (int)reqlen) != (int)reqlen)
                die("client SSL_write");
            sent = true;
        }
        move_bytes(c_out, s_in, 0);
        step(s, &sd, &sf);
        move_bytes(s_out, c_in, 1);
    }
    move_bytes(c_out, s_in, 0);
    move_bytes(s_out, c_in, 1);
    o.ok = cd && sd;
    o.reused = SSL_session_reused(c) == 1;
    if (o.ok) {
        if (!sent && SSL_write(c, req, (int)reqlen) != (int)reqlen)
            die("client SSL_write");
        move_bytes(c_out, s_in, 0);
        if (SSL_read(s, buf, sizeof buf) != (int)reqlen)
            die("server SSL_read");
        size_t rl = http_response(resp, sizeof resp, n * 2654435761u >> 7);
        if (SSL_write(s, resp, (int)rl) != (int)rl)
            die("server SSL_write");
        move_bytes(s_out, c_in, 1);
        size_t got = 0;
        while (got < rl) {
            int r = SSL_read(c, buf, sizeof buf);
            if (r <= 0)
                die("client SSL_read");
            got += (size_t)r;
        }
        o.response_len = rl;
        SSL_shutdown(c);
        move_bytes(c_out, s_in, 0);
        if (SSL_read(s, buf, sizeof buf) > 0)
            die("server read data after close_notify");
        SSL_shutdown(s);
        move_bytes(s_out, c_in, 1);
        (void)SSL_read(c, buf, sizeof buf); /* the server's close_notify */
    }
    return o;
}

/* ---------- the floor entries of one connection ---------- */

static uint32_t be(const uint8_t *p, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Signature checks visible in this connection, from the client's view of the handshake
 * messages: the TLS 1.2 ServerKeyExchange and CertificateVerify messages (1.3: both
 * CertificateVerify messages, visible only with the key log). */
static void floor_connection(SSL *c, bool tls13, uint32_t server_cert, uint32_t client_cert)
{
    const uint8_t *crand = NULL, *srand = NULL;
    const EVP_MD *md = NULL;
    if (tls13) {
        const SSL_CIPHER *ci = SSL_get_current_cipher(c);
        md = ci ? SSL_CIPHER_get_handshake_digest(ci) : NULL;
        if (!md)
            die("no handshake digest");
    }
    bool server_side = true; /* messages before the client's Certificate are the server's */
    for (size_t m = 0; m < g_cv.nmsg; m++) {
        const uint8_t *p = g_cv.hs + g_cv.msg_off[m];
        size_t len = g_cv.msg_off[m + 1] - g_cv.msg_off[m];
        uint8_t type = p[0];
        if (type == 1 && len >= 38)
            crand = p + 6;
        else if (type == 2 && len >= 38)
            srand = p + 6;
        if (type == 20 && tls13)
            server_side = false; /* after the server's Finished, the client speaks */
        if (type == 16 && !tls13)
            server_side = false; /* ClientKeyExchange */
        if (type == 12 && !tls13 && crand && srand) {
            /* ECDHE params: curve_type(1) named_curve(2) len(1) point; then scheme, sig */
            const uint8_t *b = p + 4;
            size_t bl = len - 4;
            if (bl < 4 || b[0] != 3)
                die("unexpected ServerKeyExchange");
            size_t plen = 4 + b[3];
            if (plen + 4 > bl)
                die("short ServerKeyExchange");
            uint16_t scheme = (uint16_t)be(b + plen, 2);
            size_t slen = be(b + plen + 2, 2);
            uint8_t *content = xrealloc(NULL, 64 + plen);
            memcpy(content, crand, 32);
            memcpy(content + 32, srand, 32);
            memcpy(content + 64, b, plen);
            floor_sig(0, scheme, server_cert, content, 64 + plen, b + plen + 4, slen);
            free(content);
        } else if (type == 15 && len >= 8) {
            uint16_t scheme = (uint16_t)be(p + 4, 2);
            size_t slen = be(p + 6, 2);
            bool by_server = tls13 && server_side;
            size_t tlen = g_cv.msg_off[m];
            if (!tls13) {
                floor_sig(0, scheme, client_cert, g_cv.hs, tlen, p + 8, slen);
                continue;
            }
            static const char ctx_s[] = "TLS 1.3, server CertificateVerify";
            static const char ctx_c[] = "TLS 1.3, client CertificateVerify";
            uint8_t content[64 + 34 + EVP_MAX_MD_SIZE];
            unsigned hl = 0;
            memset(content, 0x20, 64);
            memcpy(content + 64, by_server ? ctx_s : ctx_c, 34); /* with its NUL separator */
            if (!EVP_Digest(g_cv.hs, tlen, content + 98, &hl, md, NULL))
                die("EVP_Digest");
            floor_sig(1, scheme, by_server ? server_cert : client_cert, content, 98 + hl, p + 8, slen);
        }
    }
}

/* ---------- packets, in time order ---------- */

typedef struct pkt {
    uint64_t ts, seq;
    uint32_t len;
    uint8_t *frame;
} pkt;

static pkt *g_heap;
static size_t g_nheap, g_capheap;
static uint64_t g_pseq;
static pcap_dumper_t *g_dump;
static uint64_t g_out_packets, g_out_bytes;

static bool pkt_less(const pkt *a, const pkt *b) { return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq); }

static void heap_push(pkt p)
{
    if (g_nheap == g_capheap) {
        g_capheap = g_capheap ? g_capheap * 2 : 4096;
        g_heap = xrealloc(g_heap, g_capheap * sizeof(pkt));
    }
    size_t i = g_nheap++;
    while (i > 0 && pkt_less(&p, &g_heap[(i - 1) / 2])) {
        g_heap[i] = g_heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    g_heap[i] = p;
}

static pkt heap_pop(void)
{
    pkt top = g_heap[0], last = g_heap[--g_nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        const pkt *best = &last;
        if (l < g_nheap && pkt_less(&g_heap[l], best))
            m = l, best = &g_heap[l];
        if (l + 1 < g_nheap && pkt_less(&g_heap[l + 1], best))
            m = l + 1;
        if (m == i)
            break;
        g_heap[i] = g_heap[m];
        i = m;
    }
    if (g_nheap)
        g_heap[i] = last;
    return top;
}

static void flush_until(uint64_t ts)
{
    while (g_nheap && g_heap[0].ts < ts) {
        pkt p = heap_pop();
        struct pcap_pkthdr h;
        h.ts.tv_sec = (time_t)(p.ts / 1000000u);
        h.ts.tv_usec = (suseconds_t)(p.ts % 1000000u);
        h.len = h.caplen = p.len;
        pcap_dump((u_char *)g_dump, &h, p.frame);
        g_out_packets++;
        g_out_bytes += 16 + p.len;
        free(p.frame);
    }
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16), put16(p + 2, v & 0xffff); }
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

typedef struct tcpconn {
    const uint8_t *addr[2];
    uint16_t port[2];
    uint32_t isn[2];
    uint16_t ipid[2];
} tcpconn;

static void emit(tcpconn *t, uint64_t ts, int dir, uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *data,
                 size_t len)
{
    size_t l4 = (flags & 0x02) ? 24 : 20, total = 14 + 20 + l4 + len;
    uint8_t *f = xrealloc(NULL, total);
    memset(f, 0, 14 + 20 + l4);
    static const uint8_t mac[2][6] = {{0x02, 0x42, 0xac, 0x11, 0x00, 0x01}, {0x3c, 0xfd, 0xfe, 0x0a, 0x0b, 0x0c}};
    memcpy(f, mac[1 - dir], 6);
    memcpy(f + 6, mac[dir], 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *tcp = ip + 20;
    ip[0] = 0x45;
    put16(ip + 2, (uint32_t)(20 + l4 + len));
    put16(ip + 4, t->ipid[dir]++);
    put16(ip + 6, 0x4000);
    ip[8] = dir ? 64 : 57;
    ip[9] = 6;
    memcpy(ip + 12, t->addr[dir], 4);
    memcpy(ip + 16, t->addr[1 - dir], 4);
    put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    put16(tcp, t->port[dir]);
    put16(tcp + 2, t->port[1 - dir]);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = (uint8_t)((l4 / 4) << 4);
    tcp[13] = flags;
    put16(tcp + 14, 64240);
    if (l4 == 24) {
        tcp[20] = 2;
        tcp[21] = 4;
        put16(tcp + 22, 1460);
    }
    if (len)
        memcpy(tcp + l4, data, len);
    uint32_t sum = csum_add(0, ip + 12, 8) + 6 + (uint32_t)(l4 + len);
    sum = csum_add(sum, tcp, l4 + len);
    put16(tcp + 16, csum_fold(sum));
    heap_push((pkt){ts, g_pseq++, (uint32_t)total, f});
}

/* Turns the conversation into packets from start_us; returns the time of the last packet. */
static uint64_t packetize(tcpconn *t, uint64_t start, uint32_t rtt, bool server_aborted)
{
    uint32_t *isn = t->isn;
    uint64_t ts = start;
    emit(t, ts, 0, 0x02, isn[0], 0, NULL, 0);
    emit(t, ts + 25, 1, 0x12, isn[1], isn[0] + 1, NULL, 0);
    ts += rtt;
    emit(t, ts, 0, 0x10, isn[0] + 1, isn[1] + 1, NULL, 0);
    size_t seen[2] = {0, 0}; /* bytes of each stream sent so far */
    for (size_t b = 0; b < g_cv.nb; b++) {
        const burst *bu = &g_cv.b[b];
        int d = bu->dir;
        /* client bursts answer the server a round trip later (capture at the server);
         * the server answers within a fraction of a millisecond */
        ts += d == 0 ? (b == 0 ? 30 : rtt) : 150 + bu->len / 20;
        uint32_t ack = isn[1 - d] + 1 + (uint32_t)seen[1 - d];
        size_t nseg = 0;
        for (size_t off = 0; off < bu->len; off += MSS, nseg++) {
            size_t len = bu->len - off < MSS ? bu->len - off : MSS;
            emit(t, ts, d, 0x18, isn[d] + 1 + (uint32_t)(seen[d] + off), ack, g_cv.st[d] + bu->off + off, len);
            bool last = off + len == bu->len;
            if (last || nseg % 2 == 1) /* the peer acknowledges every second segment and the end */
                emit(t, ts + (d == 1 ? rtt - 5 : 40), 1 - d, 0x10, ack,
                     isn[d] + 1 + (uint32_t)(seen[d] + off + len), NULL, 0);
            if (!last)
                ts += 12;
        }
        seen[d] += bu->len;
    }
    uint32_t cfin = isn[0] + 1 + (uint32_t)seen[0], sfin = isn[1] + 1 + (uint32_t)seen[1];
    if (server_aborted) {
        ts += 30;
        emit(t, ts, 1, 0x11, sfin, cfin, NULL, 0);
        ts += rtt;
        emit(t, ts, 0, 0x11, cfin, sfin + 1, NULL, 0);
        emit(t, ts + 40, 1, 0x10, sfin + 1, cfin + 1, NULL, 0);
        return ts + 40;
    }
    ts += rtt;
    emit(t, ts, 0, 0x11, cfin, sfin, NULL, 0);
    emit(t, ts + 40, 1, 0x11, sfin, cfin + 1, NULL, 0);
    ts += 40 + rtt;
    emit(t, ts, 0, 0x10, cfin + 1, sfin + 1, NULL, 0);
    return ts;
}

/* ---------- the corpus ---------- */

static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
    (void)ctx;
    return ok; /* refuse what OpenSSL's verification refuses (expired, unknown CA) */
}

static SSL_CTX *g_cctx;

static void make_contexts(void)
{
    g_cctx = SSL_CTX_new(TLS_client_method());
    if (!g_cctx)
        die("SSL_CTX_new");
    X509_STORE_add_cert(SSL_CTX_get_cert_store(g_cctx), g_ca[CA_ROOT].cert);
    X509_VERIFY_PARAM_set_time(SSL_CTX_get0_param(g_cctx), (time_t)T0 + 86400);
    SSL_CTX_set_verify(g_cctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_keylog_callback(g_cctx, keylog_cb);
    SSL_CTX_set_session_cache_mode(g_cctx, SSL_SESS_CACHE_OFF);
    for (int i = 0; i < NSERVERS; i++) {
        server *s = &g_srv[i];
        SSL_CTX *x = SSL_CTX_new(TLS_server_method());
        if (!x)
            die("SSL_CTX_new");
        STACK_OF(X509) *chain = sk_X509_new_null();
        sk_X509_push(chain, g_ca[s->ca].cert);
        if (SSL_CTX_use_cert_and_key(x, s->cert, s->key, chain, 1) != 1)
            die("server certificate");
        sk_X509_free(chain);
        X509_STORE_add_cert(SSL_CTX_get_cert_store(x), g_ca[CA_ROOT].cert);
        SSL_CTX_add_client_CA(x, g_ca[CA_ROOT].cert);
        X509_VERIFY_PARAM_set_time(SSL_CTX_get0_param(x), (time_t)T0 + 86400);
        SSL_CTX_set_session_id_context(x, (const unsigned char *)s->sni, (unsigned)strlen(s->sni));
        SSL_CTX_sess_set_cache_size(x, 1 << 20);
        s->ctx = x;
    }
}

typedef struct totals {
    uint64_t cat[2][C_COUNT]; /* [tls13][category] */
    uint64_t v[2][V_COUNT];   /* [with key log][verdict] */
    uint64_t connections;
    uint64_t max_inflight;
} totals;

/* documented verdicts (docs/troubleshooting-mtls.md), without and with the key log */
static void expect(totals *t, int cat, bool tls13)
{
    int v;
    switch (cat) {
    case C_MTLS_OK: v = V_MTLS_OK; break;
    case C_REJECT_EXPIRED:
    case C_REJECT_UNTRUSTED: v = V_CERT_REJECTED; break; /* 1.3 without keys: row 7, inferred */
    case C_NOCERT_REQUIRED:
    case C_NOCERT_OPTIONAL: v = V_CERT_MISSING; break; /* 1.3 without keys: row 6, inferred */
    case C_ONE_WAY: v = V_NO_CLIENT_AUTH; break;        /* 1.3 without keys: row 9, inferred */
    default: v = V_RESUMED; break;                      /* 1.3: PSK in the plaintext ServerHello */
    }
    t->v[1][v]++;
    /* TLS 1.3 mTLS without keys: a certificate-sized client flight, then the server goes
     * on: no inference row fits, row 10 `encrypted` */
    t->v[0][tls13 && cat == C_MTLS_OK ? V_ENCRYPTED : v]++;
    t->cat[tls13][cat]++;
}

typedef struct plan {
    size_t ident;
    int server, cat;
    bool tls13;
} plan;

static plan choose(uint64_t start)
{
    plan p;
    p.ident = rnd() % g_nid;
    ident *d = &g_id[p.ident];
    p.server = rnd() % 5 ? d->home : (int)(rnd() % NSERVERS);
    p.tls13 = rnd() % 2;
    uint32_t r = rnd() % 100;
    if (r < 20 && d->sess && d->sess_ready_us < start) {
        p.server = d->sess_server;
        p.tls13 = d->sess_ver;
        p.cat = d->sess_ticket ? C_RESUMED_TICKET : C_RESUMED_ID;
        return p;
    }
    r = rnd() % 100;
    if (r < 64)
        p.cat = d->bad == 1 ? C_REJECT_EXPIRED : d->bad == 2 ? C_REJECT_UNTRUSTED : C_MTLS_OK;
    else if (r < 70)
        p.cat = C_NOCERT_REQUIRED;
    else if (r < 74)
        p.cat = C_NOCERT_OPTIONAL;
    else
        p.cat = C_ONE_WAY;
    return p;
}

static const char *const g_tls13_suites[3] = {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
                                              "TLS_CHACHA20_POLY1305_SHA256"};

static void one_connection(uint64_t idx, uint64_t start, totals *tot, uint64_t *last_end)
{
    plan p = choose(start);
    ident *d = &g_id[p.ident];
    server *sv = &g_srv[p.server];
    g_now = (time_t)(start / 1000000u);
    SSL *c = SSL_new(g_cctx), *s = SSL_new(sv->ctx);
    if (!c || !s)
        die("SSL_new");
    int ver = p.tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
    SSL_set_min_proto_version(c, ver);
    SSL_set_max_proto_version(c, ver);
    bool resumed = p.cat == C_RESUMED_TICKET || p.cat == C_RESUMED_ID;
    /* a resumption offers the suites of the original connection (same PSK hash) */
    int suites = resumed ? d->sess_suites : (int)(rnd() % 4);
    if (p.tls13)
        SSL_set_ciphersuites(c, g_tls13_suites[suites % 3]);
    else if (suites == 0)
        SSL_set_cipher_list(c, "ECDHE+AESGCM:ECDHE+CHACHA20:!AES128");
    SSL_set_tlsext_host_name(c, sv->sni);
    SSL_set1_host(c, sv->sni);
    SSL_set_msg_callback(c, msg_cb);
    int mode = resumed ? d->sess_cat : p.cat;
    bool ticket = resumed ? p.cat == C_RESUMED_TICKET : p.tls13 || rnd() % 2;
    if (!ticket)
        SSL_set_options(s, SSL_OP_NO_TICKET);
    if (mode != C_ONE_WAY && mode != C_NOCERT_REQUIRED && mode != C_NOCERT_OPTIONAL)
        if (SSL_use_cert_and_key(c, d->cert, d->key, NULL, 1) != 1 || SSL_add1_chain_cert(c, g_ca[d->ca].cert) != 1)
            die("client certificate");
    if (mode == C_NOCERT_OPTIONAL)
        SSL_set_verify(s, SSL_VERIFY_PEER, verify_cb);
    else if (mode != C_ONE_WAY)
        SSL_set_verify(s, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
    if (resumed && SSL_set_session(c, d->sess) != 1)
        die("SSL_set_session");
    g_cv.nb = g_cv.n[0] = g_cv.n[1] = g_cv.hs_n = g_cv.nmsg = 0;
    outcome o = converse(c, s, sv->sni, (uint32_t)idx);
    bool want_ok = p.cat == C_MTLS_OK || p.cat == C_NOCERT_OPTIONAL || p.cat == C_ONE_WAY || resumed;
    if (o.ok != want_ok || o.reused != resumed) {
        fprintf(stderr, "connection %llu: case %s tls1%d: ok %d reused %d\n", (unsigned long long)idx,
                cat_names[p.cat], p.tls13 ? 3 : 2, o.ok, o.reused);
        die("a connection did not end as planned");
    }
    expect(tot, p.cat, p.tls13);
    /* the floor: signatures and chains this connection makes visible */
    if (!resumed) {
        floor_connection(c, p.tls13, sv->id, d->id);
        sv->vis[p.tls13 ? 1 : 0] = sv->vis[1] = true;
        if (p.cat == C_REJECT_EXPIRED || p.cat == C_REJECT_UNTRUSTED || p.cat == C_MTLS_OK)
            d->vis[p.tls13 ? 1 : 0] = d->vis[1] = true;
    }
    tcpconn t = {{d->ip, sv->ip}, {d->next_port, 443}, {rnd(), rnd()}, {(uint16_t)rnd(), (uint16_t)rnd()}};
    d->next_port = (uint16_t)(d->next_port >= 60999 ? 32768 : d->next_port + 1);
    uint64_t end = packetize(&t, start, d->rtt_us, !o.ok);
    if (end > *last_end)
        *last_end = end;
    if (o.ok && !resumed) {
        SSL_SESSION *ss = SSL_get1_session(c);
        if (ss && SSL_SESSION_is_resumable(ss)) {
            SSL_SESSION_free(d->sess);
            d->sess = ss;
            d->sess_server = p.server;
            d->sess_ver = p.tls13;
            d->sess_cat = p.cat;
            d->sess_ticket = ticket;
            d->sess_suites = suites;
            d->sess_ready_us = end;
        } else {
            SSL_SESSION_free(ss);
        }
    }
    SSL_free(c);
    SSL_free(s);
}

static void usage(void)
{
    fputs("usage: gen_realistic --out F.pcap --manifest F.json --keylog F.keys --ca-out F-ca.pem --floor F.floor\n"
          "                     [--connections N] [--identities N] [--concurrency N] [--seed N]\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *out = NULL, *manifest = NULL, *keylog = NULL, *ca_out = NULL, *floor_path = NULL;
    unsigned long long nconn = 10000, nident = 5000, concurrency = 1000, seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--manifest")) manifest = v;
        else if (!strcmp(a, "--keylog")) keylog = v;
        else if (!strcmp(a, "--ca-out")) ca_out = v;
        else if (!strcmp(a, "--floor")) floor_path = v;
        else if (!strcmp(a, "--connections")) nconn = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--identities")) nident = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--concurrency")) concurrency = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--seed")) seed = strtoull(v, NULL, 10);
        else usage();
    }
    if (!out || !manifest || !keylog || !ca_out || !floor_path || !nconn || !nident || !concurrency)
        usage();
    struct timespec c0;
    clock_gettime(CLOCK_MONOTONIC, &c0);
    g_mix = 0x9E3779B97F4A7C15ULL ^ (seed * 0x2545F4914F6CDD1DULL);
    for (int i = 0; i < 4; i++)
        g_rs[i] = (g_mix = g_mix * 6364136223846793005ULL + 1442695040888963407ULL + (uint64_t)i);
    if (!g_mix)
        g_mix = 1;
    if (!RAND_set_rand_method(&g_det_rand))
        die("RAND_set_rand_method");
    make_pki((size_t)nident);
    write_ca_bundle(ca_out);
    make_contexts();
    g_keylog = fopen(keylog, "w");
    if (!g_keylog)
        die("cannot create --keylog");
    floor_begin(floor_path);
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
    g_dump = dead ? pcap_dump_open(dead, out) : NULL;
    if (!g_dump)
        die("cannot create --out");
    /* mean duration ~5 round trips of the mean RTT (21 ms): starts spaced for N in flight */
    uint64_t gap = 5 * 21000 / concurrency;
    if (gap == 0)
        gap = 1;
    totals tot = {0};
    uint64_t last_end = 0, base = (uint64_t)T0 * 1000000u;
    for (uint64_t i = 0; i < nconn; i++) {
        uint64_t start = base + i * gap + rnd() % gap;
        flush_until(start);
        one_connection(i, start, &tot, &last_end);
    }
    flush_until(UINT64_MAX);
    pcap_dump_close(g_dump);
    pcap_close(dead);
    for (int i = 0; i < NSERVERS; i++)
        floor_chain(g_srv[i].vis[0], g_srv[i].vis[1], g_srv[i].id, g_ca[g_srv[i].ca].id, false);
    for (size_t k = 0; k < g_nid; k++)
        floor_chain(g_id[k].vis[0], g_id[k].vis[1], g_id[k].id, g_ca[g_id[k].ca].id, g_id[k].bad != 0);
    if (fclose(g_floor) != 0 || fclose(g_keylog) != 0)
        die("write failed");
    struct timespec c1;
    clock_gettime(CLOCK_MONOTONIC, &c1);
    double secs = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;

    FILE *m = fopen(manifest, "w");
    if (!m)
        die("cannot create --manifest");
    fprintf(m, "{\n  \"shape\": \"realistic\",\n  \"connections\": %llu,\n  \"identities\": %llu,\n"
               "  \"servers\": %d,\n  \"packets\": %llu,\n  \"file_bytes\": %llu,\n  \"mss\": %u,\n"
               "  \"start_gap_us\": %llu,\n  \"concurrency\": %llu,\n  \"duration_s\": %.3f,\n"
               "  \"seed\": %llu,\n  \"generation_s\": %.2f,\n",
            nconn, nident, NSERVERS, (unsigned long long)g_out_packets, (unsigned long long)g_out_bytes + 24, MSS,
            (unsigned long long)gap, concurrency, (double)(last_end - base) / 1e6, seed, secs);
    for (int pass = 0; pass < 2; pass++) {
        fprintf(m, "  \"%s\": {", pass ? "counts_with_keylog" : "counts");
        for (int v = 0; v < V_COUNT; v++)
            fprintf(m, "%s\"%s\": %llu", v ? ", " : "", verdict_names[v], (unsigned long long)tot.v[pass][v]);
        fprintf(m, "},\n");
    }
    for (int t = 0; t < 2; t++) {
        fprintf(m, "  \"cases_tls1%d\": {", t ? 3 : 2);
        for (int k = 0; k < C_COUNT; k++)
            fprintf(m, "%s\"%s\": %llu", k ? ", " : "", cat_names[k], (unsigned long long)tot.cat[t][k]);
        fprintf(m, "},\n");
    }
    fprintf(m, "  \"floor\": {\"signatures\": %llu, \"signatures_with_keylog\": %llu, \"chains\": %llu, "
               "\"chains_with_keylog\": %llu, \"invalid_chains\": %llu, \"invalid_chains_with_keylog\": %llu}\n}\n",
            (unsigned long long)g_floor_sigs[0], (unsigned long long)g_floor_sigs[1],
            (unsigned long long)g_floor_chains[0], (unsigned long long)g_floor_chains[1],
            (unsigned long long)g_floor_invalid[0], (unsigned long long)g_floor_invalid[1]);
    if (fclose(m) != 0)
        die("write failed");
    fprintf(stderr, "gen_realistic: %llu connections, %llu packets, %.1f MB in %.1f s\n", nconn,
            (unsigned long long)g_out_packets, (double)g_out_bytes / 1e6, secs);
    return 0;
}
