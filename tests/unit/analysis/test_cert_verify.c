/*
 * test_cert_verify.c — CertificateVerify proof of possession on REAL
 * signatures: mutual-TLS handshakes run in-process by OpenSSL over a BIO
 * pair; SSL_set_msg_callback records every handshake message the client sent
 * or received, in order. The test parses the CertificateVerify body itself
 * (scheme, length, signature), rebuilds the signed content and asserts that
 * certvfy_* verifies it, and that a flipped signature byte, a changed
 * transcript or another key's certificate are reported as a mismatch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/ssl.h>

#include "cert_verify.h"
#include "pki/test_pki.h"

#define MAX_MSGS 32

typedef struct hs_msg {
    int sent; /* 1 sent by the client, 0 received */
    uint8_t *data;
    size_t len;
} hs_msg;

typedef struct hs_log {
    hs_msg m[MAX_MSGS];
    size_t n;
} hs_log;

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
    (void)version;
    (void)ssl;
    hs_log *log = arg;
    if (content_type != SSL3_RT_HANDSHAKE || len < 4 || log->n >= MAX_MSGS)
        return;
    hs_msg *m = &log->m[log->n++];
    m->sent = write_p;
    m->data = malloc(len);
    memcpy(m->data, buf, len);
    m->len = len;
}

static void log_free(hs_log *log)
{
    for (size_t i = 0; i < log->n; i++)
        free(log->m[i].data);
    log->n = 0;
}

static int accept_any(int ok, X509_STORE_CTX *c)
{
    (void)ok;
    (void)c;
    return 1;
}

typedef struct party {
    EVP_PKEY *key;
    X509 *cert;
} party;

static party make_party(const char *cn, EVP_PKEY *key, const char *eku)
{
    party p;
    tp_opts o = {.ca = 0, .pathlen = -1, .eku = eku,
                 .nb = (int64_t)time(NULL) - 86400, .na = (int64_t)time(NULL) + 86400};
    p.key = key;
    p.cert = tp_cert(cn, key, NULL, NULL, &o); /* self-signed: trust is not under test here */
    return p;
}

static void party_free(party *p)
{
    X509_free(p->cert);
    EVP_PKEY_free(p->key);
}

typedef struct hs_opts {
    int version;            /* TLS1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION */
    const char *sigalgs;    /* client-cert sigalgs the server asks for (NULL: default) */
    const char *suites13;   /* TLS 1.3 suite (NULL: default) */
} hs_opts;

/* Run a full mTLS handshake; fills log with the client's view. Returns the
 * TLS 1.3 handshake digest name via out_md (may be NULL). */
static void run_handshake(const party *server, const party *client, const hs_opts *o, hs_log *log,
                          const EVP_MD **out_md)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(sctx);
    assert_non_null(cctx);
    SSL_CTX *both[2] = {sctx, cctx};
    for (int i = 0; i < 2; i++) {
        SSL_CTX_set_security_level(both[i], 0);
        assert_true(SSL_CTX_set_min_proto_version(both[i], o->version));
        assert_true(SSL_CTX_set_max_proto_version(both[i], o->version));
        if (o->version < TLS1_3_VERSION)
            assert_true(SSL_CTX_set_cipher_list(both[i], "ALL:@SECLEVEL=0"));
        if (o->suites13)
            assert_true(SSL_CTX_set_ciphersuites(both[i], o->suites13));
    }
    assert_int_equal(SSL_CTX_use_certificate(sctx, server->cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(sctx, server->key), 1);
    assert_int_equal(SSL_CTX_use_certificate(cctx, client->cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(cctx, client->key), 1);
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, accept_any);
    if (o->sigalgs)
        assert_true(SSL_CTX_set1_client_sigalgs_list(sctx, o->sigalgs));
    SSL *s = SSL_new(sctx), *c = SSL_new(cctx);
    BIO *bc = NULL, *bs = NULL;
    assert_true(BIO_new_bio_pair(&bc, 0, &bs, 0));
    SSL_set_bio(c, bc, bc);
    SSL_set_bio(s, bs, bs);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    SSL_set_msg_callback(c, msg_cb);
    SSL_set_msg_callback_arg(c, log);
    int cdone = 0, sdone = 0;
    for (int i = 0; i < 200 && !(cdone && sdone); i++) {
        if (!cdone) {
            int r = SSL_do_handshake(c);
            if (r == 1)
                cdone = 1;
            else
                assert_int_equal(SSL_get_error(c, r), SSL_ERROR_WANT_READ);
        }
        if (!sdone) {
            int r = SSL_do_handshake(s);
            if (r == 1)
                sdone = 1;
            else
                assert_int_equal(SSL_get_error(s, r), SSL_ERROR_WANT_READ);
        }
    }
    assert_true(cdone && sdone);
    assert_int_equal(SSL_version(c), o->version);
    if (out_md)
        *out_md = SSL_CIPHER_get_handshake_digest(SSL_get_current_cipher(c));
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/* index of the first message of type t sent (sent=1) or received (0) */
static size_t find_msg(const hs_log *log, uint8_t t, int sent)
{
    for (size_t i = 0; i < log->n; i++)
        if (log->m[i].data[0] == t && log->m[i].sent == sent)
            return i;
    fail_msg("handshake message %u not found", t);
    return 0;
}

typedef struct cv_body {
    uint16_t scheme;
    const uint8_t *sig;
    size_t sig_len;
} cv_body;

/* CertificateVerify: type(1) len(3) [scheme(2)] siglen(2) sig */
static cv_body parse_cv(const hs_msg *m, int has_scheme)
{
    cv_body b;
    assert_int_equal(m->data[0], 15);
    size_t body = ((size_t)m->data[1] << 16) | ((size_t)m->data[2] << 8) | m->data[3];
    assert_int_equal(body + 4, m->len);
    size_t off = 4;
    b.scheme = 0;
    if (has_scheme) {
        b.scheme = (uint16_t)((m->data[off] << 8) | m->data[off + 1]);
        off += 2;
    }
    b.sig_len = ((size_t)m->data[off] << 8) | m->data[off + 1];
    off += 2;
    assert_int_equal(off + b.sig_len, m->len);
    b.sig = m->data + off;
    return b;
}

static uint8_t *concat(const hs_log *log, size_t upto, size_t *out_len)
{
    size_t total = 0;
    for (size_t i = 0; i < upto; i++)
        total += log->m[i].len;
    uint8_t *buf = malloc(total ? total : 1);
    size_t off = 0;
    for (size_t i = 0; i < upto; i++) {
        memcpy(buf + off, log->m[i].data, log->m[i].len);
        off += log->m[i].len;
    }
    *out_len = total;
    return buf;
}

static void check_tls12(party *server, party *client, int version, const char *sigalgs,
                        uint16_t want_scheme)
{
    hs_log log = {.n = 0};
    hs_opts o = {.version = version, .sigalgs = sigalgs};
    run_handshake(server, client, &o, &log, NULL);
    size_t cv_i = find_msg(&log, 15, 1);
    cv_body cv = parse_cv(&log.m[cv_i], version == TLS1_2_VERSION);
    assert_int_equal(cv.scheme, want_scheme);
    size_t tlen = 0;
    uint8_t *tr = concat(&log, cv_i, &tlen);
    bytes_t leaf = tp_der(client->cert), other = tp_der(server->cert);
    char *note = NULL;

    assert_int_equal(certvfy_tls12(leaf.data, leaf.len, cv.scheme, cv.sig, cv.sig_len, tr, tlen, &note), 1);
    assert_null(note);

    /* flip each of a few signature bytes: the first, a middle one, the last */
    uint8_t *sig = malloc(cv.sig_len);
    size_t pos[3] = {0, cv.sig_len / 2, cv.sig_len - 1};
    for (int k = 0; k < 3; k++) {
        memcpy(sig, cv.sig, cv.sig_len);
        sig[pos[k]] ^= 0x01;
        assert_int_equal(certvfy_tls12(leaf.data, leaf.len, cv.scheme, sig, cv.sig_len, tr, tlen, &note), 0);
        assert_non_null(note);
        assert_non_null(strstr(note, "does not match"));
        free(note);
        note = NULL;
    }
    /* truncated signature */
    assert_int_equal(certvfy_tls12(leaf.data, leaf.len, cv.scheme, cv.sig, cv.sig_len - 1, tr, tlen, &note), 0);
    free(note);
    /* transcript changed by one byte (e.g. a message missing or altered) */
    tr[tlen / 2] ^= 0x01;
    assert_int_equal(certvfy_tls12(leaf.data, leaf.len, cv.scheme, cv.sig, cv.sig_len, tr, tlen, &note), 0);
    free(note);
    tr[tlen / 2] ^= 0x01;
    /* transcript one message short */
    assert_int_equal(certvfy_tls12(leaf.data, leaf.len, cv.scheme, cv.sig, cv.sig_len, tr,
                                   tlen - log.m[cv_i - 1].len, &note), 0);
    free(note);
    /* another key's certificate (same key type): mismatch */
    if (EVP_PKEY_get_base_id(server->key) == EVP_PKEY_get_base_id(client->key)) {
        assert_int_equal(certvfy_tls12(other.data, other.len, cv.scheme, cv.sig, cv.sig_len, tr, tlen, &note), 0);
        assert_non_null(note);
        free(note);
    }
    /* undecodable certificate: cannot check */
    assert_int_equal(certvfy_tls12(leaf.data, leaf.len / 2, cv.scheme, cv.sig, cv.sig_len, tr, tlen, &note), -1);
    assert_non_null(note);
    free(note);
    free(sig);
    free(tr);
    free(leaf.data);
    free(other.data);
    log_free(&log);
}

static void test_tls12_ecdsa(void **state)
{
    (void)state;
    party s = make_party("server", tp_key_ec(), "serverAuth");
    party c = make_party("client", tp_key_ec(), "clientAuth");
    check_tls12(&s, &c, TLS1_2_VERSION, NULL, 0x0403);
    check_tls12(&s, &c, TLS1_2_VERSION, "ECDSA+SHA1", 0x0203);
    check_tls12(&s, &c, TLS1_2_VERSION, "ECDSA+SHA512", 0x0603);
    party_free(&s);
    party_free(&c);
}

static void test_tls12_rsa(void **state)
{
    (void)state;
    party s = make_party("server", tp_key_rsa(2048), "serverAuth");
    party c = make_party("client", tp_key_rsa(2048), "clientAuth");
    check_tls12(&s, &c, TLS1_2_VERSION, NULL, 0x0804);               /* rsa_pss_rsae_sha256 */
    check_tls12(&s, &c, TLS1_2_VERSION, "RSA+SHA256", 0x0401);       /* rsa_pkcs1_sha256 */
    check_tls12(&s, &c, TLS1_2_VERSION, "RSA+SHA384", 0x0501);
    check_tls12(&s, &c, TLS1_2_VERSION, "rsa_pss_rsae_sha512", 0x0806);
    party_free(&s);
    party_free(&c);
}

static void test_tls12_ed25519(void **state)
{
    (void)state;
    party s = make_party("server", tp_key_named("ED25519"), "serverAuth");
    party c = make_party("client", tp_key_named("ED25519"), "clientAuth");
    check_tls12(&s, &c, TLS1_2_VERSION, NULL, 0x0807);
    party_free(&s);
    party_free(&c);
}

static void test_tls10_legacy(void **state)
{
    (void)state;
    /* TLS 1.0: no scheme on the wire; RSA signs MD5||SHA-1, ECDSA signs SHA-1 */
    party s = make_party("server", tp_key_rsa(2048), "serverAuth");
    party c = make_party("client", tp_key_rsa(2048), "clientAuth");
    check_tls12(&s, &c, TLS1_VERSION, NULL, 0);
    party_free(&c);
    party ce = make_party("client", tp_key_ec(), "clientAuth");
    check_tls12(&s, &ce, TLS1_1_VERSION, NULL, 0);
    party_free(&ce);
    party_free(&s);
}

static void check_tls13(party *server, party *client, const char *suite, uint16_t want_scheme)
{
    hs_log log = {.n = 0};
    hs_opts o = {.version = TLS1_3_VERSION, .suites13 = suite};
    const EVP_MD *md = NULL;
    run_handshake(server, client, &o, &log, &md);
    assert_non_null(md);
    for (int who = 0; who < 2; who++) {
        /* who 0: the server's CertificateVerify (received by the client);
         * who 1: the client's (sent) */
        int is_server = who == 0;
        size_t cv_i = find_msg(&log, 15, is_server ? 0 : 1);
        assert_int_equal(log.m[cv_i - 1].data[0], 11); /* preceded by Certificate */
        cv_body cv = parse_cv(&log.m[cv_i], 1);
        assert_int_equal(cv.scheme, want_scheme);
        size_t tlen = 0;
        uint8_t *tr = concat(&log, cv_i, &tlen);
        uint8_t h[EVP_MAX_MD_SIZE];
        unsigned int hl = 0;
        assert_true(EVP_Digest(tr, tlen, h, &hl, md, NULL));
        party *signer = is_server ? server : client;
        party *other_p = is_server ? client : server;
        bytes_t leaf = tp_der(signer->cert), other = tp_der(other_p->cert);
        char *note = NULL;
        assert_int_equal(certvfy_tls13(leaf.data, leaf.len, cv.scheme, cv.sig, cv.sig_len, h, hl, is_server, &note), 1);
        assert_null(note);
        /* the context string binds the side */
        assert_int_equal(certvfy_tls13(leaf.data, leaf.len, cv.scheme, cv.sig, cv.sig_len, h, hl, !is_server, &note), 0);
        free(note);
        /* flipped signature byte */
        uint8_t *sig = malloc(cv.sig_len);
        memcpy(sig, cv.sig, cv.sig_len);
        sig[cv.sig_len / 3] ^= 0x80;
        assert_int_equal(certvfy_tls13(leaf.data, leaf.len, cv.scheme, sig, cv.sig_len, h, hl, is_server, &note), 0);
        assert_non_null(strstr(note, "does not match"));
        free(note);
        /* the other party's certificate */
        assert_int_equal(certvfy_tls13(other.data, other.len, cv.scheme, cv.sig, cv.sig_len, h, hl, is_server, &note), 0);
        free(note);
        /* a different transcript hash */
        h[0] ^= 1;
        assert_int_equal(certvfy_tls13(leaf.data, leaf.len, cv.scheme, cv.sig, cv.sig_len, h, hl, is_server, &note), 0);
        free(note);
        free(sig);
        free(tr);
        free(leaf.data);
        free(other.data);
    }
    log_free(&log);
}

static void test_tls13(void **state)
{
    (void)state;
    party s = make_party("server", tp_key_ec(), "serverAuth");
    party c = make_party("client", tp_key_ec(), "clientAuth");
    check_tls13(&s, &c, NULL, 0x0403);
    check_tls13(&s, &c, "TLS_AES_256_GCM_SHA384", 0x0403);
    party_free(&s);
    party_free(&c);
    s = make_party("server", tp_key_rsa(2048), "serverAuth");
    c = make_party("client", tp_key_rsa(2048), "clientAuth");
    check_tls13(&s, &c, NULL, 0x0804);
    party_free(&s);
    party_free(&c);
}

static void test_cannot_check(void **state)
{
    (void)state;
    party c = make_party("client", tp_key_ec(), "clientAuth");
    bytes_t leaf = tp_der(c.cert);
    static const uint8_t sig[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t tr[4] = {1, 0, 0, 0};
    uint8_t h[32] = {0};
    char *note = NULL;
    /* unknown scheme */
    assert_int_equal(certvfy_tls12(leaf.data, leaf.len, 0xfefe, sig, sizeof(sig), tr, sizeof(tr), &note), -1);
    assert_non_null(strstr(note, "0xfefe"));
    free(note);
    /* RSA scheme with an EC key */
    assert_int_equal(certvfy_tls12(leaf.data, leaf.len, 0x0401, sig, sizeof(sig), tr, sizeof(tr), &note), -1);
    assert_non_null(strstr(note, "rsa_pkcs1_sha256"));
    free(note);
    /* PKCS#1 and SHA-1 are not allowed in TLS 1.3 */
    assert_int_equal(certvfy_tls13(leaf.data, leaf.len, 0x0401, sig, sizeof(sig), h, 32, false, &note), -1);
    free(note);
    assert_int_equal(certvfy_tls13(leaf.data, leaf.len, 0x0203, sig, sizeof(sig), h, 32, false, &note), -1);
    free(note);
    /* no transcript hash */
    assert_int_equal(certvfy_tls13(leaf.data, leaf.len, 0x0403, sig, sizeof(sig), NULL, 0, false, &note), -1);
    free(note);
    /* garbage ECDSA signature and empty signature: mismatch, no crash */
    assert_int_equal(certvfy_tls12(leaf.data, leaf.len, 0x0403, sig, sizeof(sig), tr, sizeof(tr), &note), 0);
    free(note);
    assert_int_equal(certvfy_tls12(leaf.data, leaf.len, 0x0403, NULL, 0, tr, sizeof(tr), &note), 0);
    free(note);
    /* garbage certificate */
    assert_int_equal(certvfy_tls12(sig, sizeof(sig), 0x0403, sig, sizeof(sig), tr, sizeof(tr), &note), -1);
    free(note);
    /* note may be NULL */
    assert_int_equal(certvfy_tls12(leaf.data, leaf.len, 0xfefe, sig, sizeof(sig), tr, sizeof(tr), NULL), -1);
    free(leaf.data);
    party_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls12_ecdsa),
        cmocka_unit_test(test_tls12_rsa),
        cmocka_unit_test(test_tls12_ed25519),
        cmocka_unit_test(test_tls10_legacy),
        cmocka_unit_test(test_tls13),
        cmocka_unit_test(test_cannot_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
