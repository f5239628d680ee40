/*
 * test_tls_suites.c — every TLS 1.0-1.2 cipher suite the linked OpenSSL can
 * negotiate ('ALL:COMPLEMENTOFALL:@SECLEVEL=0' with PSK and SRP), against the
 * decryption table of tls_suites.c:
 *
 *  - the table is sorted, its names are the IANA registry's, and each row's
 *    parameters equal what OpenSSL's own cipher table says (EVP cipher, key
 *    and block size, HMAC digest, PRF digest, oldest version);
 *  - each suite is negotiated in-process (RSA, ECDSA and DSA certificates,
 *    anonymous DH/ECDH, PSK, SRP) in TLS 1.2 and, when the suite allows it,
 *    TLS 1.0; CBC suites with and without encrypt_then_mac. Every record is
 *    decrypted with tls_decrypt.c from the master secret: the handshake
 *    messages, alerts and application data must equal what the peers sent,
 *    and both Finished must match tls12_finished_expected();
 *  - the only rows OpenSSL cannot negotiate are the 3DES ones (OpenSSL 3 is
 *    built without them; gnutls-tls12-3des.pcap covers them end to end).
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* the SRP API is deprecated in OpenSSL 3.0 but still negotiates */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/srp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls_decrypt.h"
#include "tls_registry.h"
#include "transcript.h"

#include "memory_pair.h"

/* ---- keys and certificates (one of each kind for the whole run) ---- */

static EVP_PKEY *g_key[3];
static X509 *g_cert[3];

static EVP_PKEY *dsa_key(void)
{
    EVP_PKEY *params = NULL, *key = NULL;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
    assert_non_null(pc);
    assert_true(EVP_PKEY_paramgen_init(pc) > 0);
    assert_true(EVP_PKEY_CTX_set_dsa_paramgen_bits(pc, 1024) > 0);
    assert_true(EVP_PKEY_paramgen(pc, &params) > 0);
    EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
    assert_non_null(kc);
    assert_true(EVP_PKEY_keygen_init(kc) > 0);
    assert_true(EVP_PKEY_keygen(kc, &key) > 0);
    EVP_PKEY_CTX_free(kc);
    EVP_PKEY_CTX_free(pc);
    EVP_PKEY_free(params);
    return key;
}

static int group_setup(void **state)
{
    (void)state;
    g_key[0] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    g_key[1] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    g_key[2] = dsa_key();
    for (int i = 0; i < 3; i++) {
        assert_non_null(g_key[i]);
        g_cert[i] = self_signed(g_key[i]);
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        X509_free(g_cert[i]);
        EVP_PKEY_free(g_key[i]);
    }
    return 0;
}

/* ---- PSK and SRP callbacks ---- */

static const uint8_t PSK[] = "mtlsdump unit-test psk";

static unsigned int psk_client_cb(SSL *ssl, const char *hint, char *identity, unsigned int max_identity_len,
                                  unsigned char *psk, unsigned int max_psk_len)
{
    (void)ssl;
    (void)hint;
    if (max_identity_len < 8 || max_psk_len < sizeof(PSK))
        return 0;
    memcpy(identity, "client", 7);
    memcpy(psk, PSK, sizeof(PSK));
    return sizeof(PSK);
}

static unsigned int psk_server_cb(SSL *ssl, const char *identity, unsigned char *psk, unsigned int max_psk_len)
{
    (void)ssl;
    if (!identity || strcmp(identity, "client") != 0 || max_psk_len < sizeof(PSK))
        return 0;
    memcpy(psk, PSK, sizeof(PSK));
    return sizeof(PSK);
}

static int srp_server_cb(SSL *s, int *ad, void *arg)
{
    (void)ad;
    (void)arg;
    const char *user = SSL_get_srp_username(s);
    if (!user || strcmp(user, "user") != 0)
        return SSL3_AL_FATAL;
    return SSL_set_srp_server_param_pw(s, user, "password", "1024") ? SSL_ERROR_NONE : SSL3_AL_FATAL;
}

/* ---- one in-process session ---- */

typedef struct session_cap {
    wire w;              /* the bytes each side sent, in order */
    buf hs[2], alerts[2]; /* what each side's msg callback says it sent, by direction */
    buf app_rx[2];        /* application data each receiver read, by direction */
    uint8_t master[48], client_random[32], server_random[32];
    uint16_t version, suite;
    bool etm;
} session_cap;

typedef struct side {
    session_cap *cap;
    int dir;
} side;

static void msg_cb(int write_p, int version, int content_type, const void *b, size_t len, SSL *ssl, void *arg)
{
    (void)version;
    (void)ssl;
    side *sd = arg;
    if (!write_p)
        return;
    if (content_type == SSL3_RT_HANDSHAKE)
        buf_add(&sd->cap->hs[sd->dir], b, len);
    else if (content_type == SSL3_RT_ALERT)
        buf_add(&sd->cap->alerts[sd->dir], b, len);
}


static SSL_CTX *make_ctx(const SSL_CIPHER *c, int version, bool etm, bool server)
{
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    assert_non_null(ctx);
    char list[128];
    snprintf(list, sizeof(list), "%s:@SECLEVEL=0", SSL_CIPHER_get_name(c));
    assert_true(SSL_CTX_set_min_proto_version(ctx, version));
    assert_true(SSL_CTX_set_max_proto_version(ctx, version));
    assert_true(SSL_CTX_set_cipher_list(ctx, list));
    if (!etm)
        SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC);
    bool srp = SSL_CIPHER_get_kx_nid(c) == NID_kx_srp;
    if (server) {
        for (int i = 0; i < 3; i++) {
            assert_true(SSL_CTX_use_certificate(ctx, g_cert[i]));
            assert_true(SSL_CTX_use_PrivateKey(ctx, g_key[i]));
        }
        SSL_CTX_set_dh_auto(ctx, 1);
        SSL_CTX_set_psk_server_callback(ctx, psk_server_cb);
        if (srp)
            SSL_CTX_set_srp_username_callback(ctx, srp_server_cb);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        SSL_CTX_set_psk_client_callback(ctx, psk_client_cb);
        if (srp) {
            assert_true(SSL_CTX_set_srp_username(ctx, "user"));
            assert_true(SSL_CTX_set_srp_password(ctx, "password"));
        }
    }
    return ctx;
}

static const char REQ[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
static const char RESP[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/* Handshake, one request and answer, close_notify both ways. */
static bool run_session(const SSL_CIPHER *c, int version, bool etm, session_cap *cap)
{
    memset(cap, 0, sizeof(*cap));
    SSL_CTX *cctx = make_ctx(c, version, etm, false), *sctx = make_ctx(c, version, etm, true);
    side cs = {cap, C2S}, ss = {cap, S2C};
    pair p = {SSL_new(cctx), SSL_new(sctx), BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()),
              BIO_new(BIO_s_mem())};
    assert_non_null(p.c);
    assert_non_null(p.s);
    SSL_set_bio(p.c, p.c_in, p.c_out);
    SSL_set_bio(p.s, p.s_in, p.s_out);
    SSL_set_connect_state(p.c);
    SSL_set_accept_state(p.s);
    SSL_set_msg_callback(p.c, msg_cb);
    SSL_set_msg_callback_arg(p.c, &cs);
    SSL_set_msg_callback(p.s, msg_cb);
    SSL_set_msg_callback_arg(p.s, &ss);
    (void)SSL_do_handshake(p.c);
    pump(&cap->w, &p);
    bool ok = SSL_is_init_finished(p.c) && SSL_is_init_finished(p.s);
    if (ok) {
        cap->version = (uint16_t)SSL_version(p.c);
        cap->suite = (uint16_t)SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(p.c));
        SSL_SESSION *sess = SSL_get_session(p.c);
        assert_int_equal(SSL_SESSION_get_master_key(sess, cap->master, sizeof(cap->master)), 48);
        assert_int_equal(SSL_get_client_random(p.c, cap->client_random, 32), 32);
        assert_int_equal(SSL_get_server_random(p.c, cap->server_random, 32), 32);
        assert_int_equal(SSL_write(p.c, REQ, (int)strlen(REQ)), (int)strlen(REQ));
        pump(&cap->w, &p);
        read_all(p.s, &cap->app_rx[C2S]);
        assert_int_equal(SSL_write(p.s, RESP, (int)strlen(RESP)), (int)strlen(RESP));
        pump(&cap->w, &p);
        read_all(p.c, &cap->app_rx[S2C]);
        (void)SSL_shutdown(p.c);
        pump(&cap->w, &p);
        read_all(p.s, &cap->app_rx[C2S]);
        (void)SSL_shutdown(p.s);
        pump(&cap->w, &p);
        read_all(p.c, &cap->app_rx[S2C]);
    }
    ERR_clear_error();
    SSL_free(p.c);
    SSL_free(p.s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return ok;
}

static void cap_free(session_cap *cap)
{
    for (int d = 0; d < 2; d++) {
        buf_free(&cap->hs[d]);
        buf_free(&cap->alerts[d]);
        buf_free(&cap->app_rx[d]);
    }
    wire_free(&cap->w);
}

/* ---- passive decryption of the captured records ---- */

typedef struct driver {
    const session_cap *cap;
    size_t pos[2];
    decrypt_dir dd[2];
    bool enc[2];
    buf hsq[2], hs[2], alerts[2], app[2];
    transcript *t;
    int finished_ok, records;
} driver;

static void handle_message(driver *dr, int dir, const uint8_t *m, size_t n)
{
    if (m[0] == 20 && dr->finished_ok < 2) {
        uint8_t h[TRANSCRIPT_MAX_HASH], vd[12];
        size_t hn = 0;
        assert_int_equal(transcript_hash_now(dr->t, h, &hn), TRANSCRIPT_OK);
        assert_int_equal(tls12_finished_expected(dr->cap->suite, dr->cap->master, dir == C2S, h, hn, vd), DECRYPT_OK);
        assert_int_equal(n, 16);
        assert_memory_equal(vd, m + 4, 12);
        dr->finished_ok++;
    }
    assert_int_equal(transcript_add(dr->t, m, n), TRANSCRIPT_OK);
    if (m[0] == 2)
        assert_int_equal(transcript_set_hash(dr->t, transcript_alg_for(dr->cap->version, dr->cap->suite)),
                         TRANSCRIPT_OK);
}

static void handle_handshake(driver *dr, int dir, const uint8_t *p, size_t n)
{
    buf *q = &dr->hsq[dir];
    buf_add(&dr->hs[dir], p, n);
    buf_add(q, p, n);
    size_t off = 0;
    while (q->n - off >= 4) {
        size_t len = ((size_t)q->p[off + 1] << 16) | ((size_t)q->p[off + 2] << 8) | q->p[off + 3];
        if (q->n - off < 4 + len)
            break;
        handle_message(dr, dir, q->p + off, 4 + len);
        off += 4 + len;
    }
    memmove(q->p, q->p + off, q->n - off);
    q->n -= off;
}

static void handle_record(driver *dr, int dir, const uint8_t *hdr, size_t len)
{
    const session_cap *cap = dr->cap;
    if (hdr[0] == 20) { /* ChangeCipherSpec: this direction's keys start */
        assert_int_equal(decrypt12_init(&dr->dd[dir], cap->version, cap->suite, cap->master, cap->client_random,
                                        cap->server_random, dir == C2S, cap->etm),
                         DECRYPT_OK);
        dr->enc[dir] = true;
        return;
    }
    const uint8_t *pt = hdr + 5;
    size_t n = len;
    uint8_t type = hdr[0], *out = NULL;
    if (dr->enc[dir]) {
        out = malloc(len + 1);
        assert_non_null(out);
        assert_int_equal(decrypt12_record(&dr->dd[dir], hdr, hdr + 5, len, out, &n, &type), DECRYPT_OK);
        pt = out;
        dr->records++;
    }
    if (type == 22)
        handle_handshake(dr, dir, pt, n);
    else if (type == 21)
        buf_add(&dr->alerts[dir], pt, n);
    else if (type == 23)
        buf_add(&dr->app[dir], pt, n);
    free(out);
}

static void decrypt_session(const session_cap *cap)
{
    driver dr;
    memset(&dr, 0, sizeof(dr));
    dr.cap = cap;
    dr.t = transcript_new();
    assert_non_null(dr.t);
    decrypt_dir_init(&dr.dd[0]);
    decrypt_dir_init(&dr.dd[1]);
    for (size_t ev = 0; ev < cap->w.nev; ev++) {
        int dir = cap->w.ev_dir[ev];
        const uint8_t *s = cap->w.stream[dir].p;
        while (cap->w.ev_end[ev] - dr.pos[dir] >= 5) {
            const uint8_t *hdr = s + dr.pos[dir];
            size_t len = ((size_t)hdr[3] << 8) | hdr[4];
            if (cap->w.ev_end[ev] - dr.pos[dir] < 5 + len)
                break;
            handle_record(&dr, dir, hdr, len);
            dr.pos[dir] += 5 + len;
        }
    }
    assert_int_equal(dr.finished_ok, 2);
    assert_true(dr.records >= 6); /* 2 Finished, request, answer, 2 close_notify */
    for (int d = 0; d < 2; d++) {
        assert_buf_equal(&dr.hs[d], &cap->hs[d]);
        assert_buf_equal(&dr.alerts[d], &cap->alerts[d]);
        assert_buf_equal(&dr.app[d], &cap->app_rx[d]);
        decrypt_dir_cleanup(&dr.dd[d]);
        buf_free(&dr.hsq[d]);
        buf_free(&dr.hs[d]);
        buf_free(&dr.alerts[d]);
        buf_free(&dr.app[d]);
    }
    assert_memory_equal(cap->app_rx[C2S].p, REQ, strlen(REQ));
    assert_memory_equal(cap->app_rx[S2C].p, RESP, strlen(RESP));
    transcript_free(dr.t);
}

/* ---- OpenSSL's list ---- */

static STACK_OF(SSL_CIPHER) *openssl_suites(SSL_CTX **ctx)
{
    *ctx = SSL_CTX_new(TLS_method());
    assert_non_null(*ctx);
    assert_true(SSL_CTX_set_cipher_list(*ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0"));
    STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(*ctx);
    assert_non_null(sk);
    assert_true(sk_SSL_CIPHER_num(sk) > 100);
    return sk;
}

static bool is_tls12_or_older(const SSL_CIPHER *c) { return strcmp(SSL_CIPHER_get_version(c), "TLSv1.3") != 0; }

/* A row's parameters against OpenSSL's own table. */
static void check_row(const SSL_CIPHER *c, const decrypt_suite *r)
{
    const char *std = SSL_CIPHER_standard_name(c);
    assert_string_equal(r->name, std);
    assert_false(r->tls13);
    int cnid = SSL_CIPHER_get_cipher_nid(c);
    if (cnid == NID_undef) {
        assert_int_equal(r->kind, DECRYPT_NULL);
        assert_null(r->cipher);
        assert_int_equal(r->key_len, 0);
    } else {
        EVP_CIPHER *e = EVP_CIPHER_fetch(NULL, r->cipher, NULL);
        assert_non_null(e);
        assert_int_equal(EVP_CIPHER_get_nid(e), cnid);
        assert_int_equal(EVP_CIPHER_get_key_length(e), r->key_len);
        if (SSL_CIPHER_is_aead(c)) {
            assert_true(r->kind == DECRYPT_GCM || r->kind == DECRYPT_CCM || r->kind == DECRYPT_CHACHA20_POLY1305);
            assert_int_equal(r->tag_len, strstr(std, "CCM_8") ? 8 : 16);
            assert_int_equal(r->kind == DECRYPT_CHACHA20_POLY1305 ? 12 : 4, r->fixed_iv_len);
        } else {
            assert_int_equal(r->kind, DECRYPT_CBC);
            assert_int_equal(EVP_CIPHER_get_mode(e), EVP_CIPH_CBC_MODE);
            assert_int_equal(EVP_CIPHER_get_block_size(e), r->block_len);
            assert_int_equal(EVP_CIPHER_get_iv_length(e), r->fixed_iv_len);
            assert_int_equal(r->explicit_iv_len, r->block_len);
        }
        EVP_CIPHER_free(e);
    }
    int mnid = SSL_CIPHER_get_digest_nid(c);
    if (mnid == NID_undef) {
        assert_null(r->mac);
        assert_int_equal(r->mac_len, 0);
    } else {
        EVP_MD *md = EVP_MD_fetch(NULL, r->mac, NULL);
        assert_non_null(md);
        assert_int_equal(EVP_MD_get_type(md), mnid);
        assert_int_equal(EVP_MD_get_size(md), r->mac_len);
        EVP_MD_free(md);
    }
    /* OpenSSL names MD5-SHA1 for "the version's default": SHA-256 in TLS 1.2 */
    const EVP_MD *prf = SSL_CIPHER_get_handshake_digest(c);
    assert_non_null(prf);
    const char *want = strcmp(EVP_MD_get0_name(prf), "MD5-SHA1") == 0 ? "SHA256" : EVP_MD_get0_name(prf);
    assert_string_equal(r->hash, want);
    assert_int_equal(r->hash_len, strcmp(want, "SHA384") == 0 ? 48 : 32);
    assert_int_equal(r->min_version, strcmp(SSL_CIPHER_get_version(c), "TLSv1.2") == 0 ? 0x0303 : 0x0301);
}

static void test_table(void **state)
{
    (void)state;
    /* the rows, as the decryption finds them: every suite value looked up
     * (the binary search finds every row only if the table is sorted: a row
     * out of order leaves a hole in the sequence of rows found) */
    enum { NCODES = 0x10000 };
    const decrypt_suite **rows = calloc(NCODES, sizeof(*rows));
    assert_non_null(rows);
    size_t n = 0;
    const decrypt_suite *prev = NULL;
    for (unsigned v = 0; v < NCODES; v++) {
        const decrypt_suite *r = decrypt_suite_find((uint16_t)v);
        if (!r)
            continue;
        assert_int_equal(r->code, v);
        if (prev && r != prev + 1)
            fail_msg("the decryption table is not sorted around %s (0x%04x)", r->name, r->code);
        prev = r;
        rows[n++] = r;
        assert_non_null(tls_reg_cipher_name(r->code));
        assert_string_equal(r->name, tls_reg_cipher_name(r->code));
        assert_true(r->hash_len == 32 || r->hash_len == 48);
    }
    assert_true(n > 150);

    SSL_CTX *ctx;
    STACK_OF(SSL_CIPHER) *sk = openssl_suites(&ctx);
    bool *seen = calloc(n, sizeof(*seen));
    assert_non_null(seen);
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
        uint16_t id = (uint16_t)SSL_CIPHER_get_protocol_id(c);
        const decrypt_suite *r = decrypt_suite_find(id);
        if (!r)
            fail_msg("OpenSSL negotiates %s (0x%04x), not in the decryption table", SSL_CIPHER_standard_name(c), id);
        seen[r - rows[0]] = true;
        if (is_tls12_or_older(c))
            check_row(c, r);
    }
    /* rows OpenSSL 3 cannot negotiate: 3DES only (and TLS 1.3 CCM, off by default) */
    for (size_t i = 0; i < n; i++) {
        const decrypt_suite *r = rows[i];
        if (seen[i] || r->code == 0x1304 || r->code == 0x1305)
            continue;
        if (!r->cipher || strcmp(r->cipher, "DES-EDE3-CBC") != 0)
            fail_msg("%s (0x%04x) is in the table but OpenSSL does not negotiate it", r->name, r->code);
        assert_int_equal(r->block_len, 8);
        assert_int_equal(r->key_len, 24);
        assert_string_equal(r->mac, "SHA1");
    }
    free(seen);
    free(rows);
    SSL_CTX_free(ctx);

    /* version rules */
    assert_non_null(decrypt_suite_for(0x0301, 0x00ae)); /* PSK SHA-256 CBC: TLS 1.0 too (RFC 5487) */
    assert_null(decrypt_suite_for(0x0301, 0xc027));     /* ECDHE SHA-256 CBC: TLS 1.2 only (RFC 5289) */
    assert_null(decrypt_suite_for(0x0302, 0xc0a4));     /* CCM: TLS 1.2 only */
    assert_null(decrypt_suite_for(0x0300, 0x002f));     /* SSL 3.0 */
    assert_null(decrypt_suite_for(0x0303, 0x1301));     /* a TLS 1.3 suite in TLS 1.2 */
    assert_null(decrypt_suite_for(0x0304, 0xc02f));
    assert_non_null(decrypt_suite_for(0x0304, 0x1305));
    assert_null(decrypt_suite_for(0x0303, 0xc08a)); /* Camellia-GCM: no OpenSSL implementation */
}

/* Every suite, negotiated and decrypted. */
static void test_sessions(void **state)
{
    (void)state;
    SSL_CTX *ctx;
    STACK_OF(SSL_CIPHER) *sk = openssl_suites(&ctx);
    int sessions = 0, suites = 0;
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
        if (!is_tls12_or_older(c))
            continue;
        const decrypt_suite *r = decrypt_suite_find((uint16_t)SSL_CIPHER_get_protocol_id(c));
        assert_non_null(r);
        suites++;
        static const int versions[] = {TLS1_2_VERSION, TLS1_VERSION};
        for (size_t v = 0; v < 2; v++) {
            if (versions[v] < r->min_version)
                continue;
            for (int etm = 1; etm >= (r->kind == DECRYPT_CBC ? 0 : 1); etm--) {
                session_cap cap;
                if (!run_session(c, versions[v], etm, &cap))
                    fail_msg("OpenSSL could not negotiate %s in 0x%04x", r->name, versions[v]);
                assert_int_equal(cap.suite, r->code);
                assert_int_equal(cap.version, versions[v]);
                cap.etm = etm && r->kind == DECRYPT_CBC;
                decrypt_session(&cap);
                cap_free(&cap);
                sessions++;
            }
        }
    }
    SSL_CTX_free(ctx);
    print_message("%d suites, %d sessions decrypted\n", suites, sessions);
    assert_true(suites >= 150);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_sessions),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
