/*
 * test_tls_decrypt.c — real sessions: OpenSSL handshakes in-process over memory
 * BIOs (TLS 1.3 with each of the 5 suites, TLS 1.2 GCM / ChaCha20-Poly1305 /
 * CBC with and without encrypt_then_mac, TLS 1.0/1.1 CBC), key log collected
 * with SSL_CTX_set_keylog_callback into our keylog, every record captured from
 * the BIOs and decrypted with tls_decrypt.c. The plaintext must equal what the
 * msg callback (handshake messages, alerts) and SSL_read saw; both Finished
 * messages must verify. Plus wrong keys and random ciphertexts, TLS 1.2
 * AES-CCM / CCM_8 records of real captures against tshark's plaintext, the
 * GCM/CCM explicit nonce rule, and table rows of the newer suite families
 * (test_tls_suites.c negotiates every TLS 1.2 suite OpenSSL has).
 */
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
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "keylog.h"
#include "tls_decrypt.h"
#include "transcript.h"

#include "memory_pair.h"


static EVP_PKEY *g_key;
static X509 *g_cert;
/* What OpenSSL's key log callback handed over in one session. */
typedef struct keylog_tally {
    size_t secrets, malformed; /* as keylog_add_buffer counted them */
    uint8_t random[32];        /* the client random of the first secret line */
    bool have_random;          /* random is set */
    size_t other_randoms;      /* secret lines for another client random */
} keylog_tally;

static keylog *g_kl;          /* where the keylog callback writes */
static keylog_tally *g_tally; /* and what it counts */

static int group_setup(void **state)
{
    (void)state;
    g_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    assert_non_null(g_key);
    g_cert = self_signed(g_key);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    X509_free(g_cert);
    EVP_PKEY_free(g_key);
    return 0;
}

static void keylog_cb(const SSL *ssl, const char *line)
{
    (void)ssl;
    /* No cmocka assertion here (it would longjmp through libssl): the stats
     * are checked afterwards. OpenSSL also writes lines we skip (RSA, and
     * CLIENT/SERVER_TRAFFIC_SECRET_N after a KeyUpdate in 3.0). */
    keylog_stats st;
    if (keylog_add_buffer(g_kl, (const uint8_t *)line, strlen(line), &st) == KEYLOG_OK) {
        g_tally->secrets += st.secrets;
        g_tally->malformed += st.malformed;
    }
    keylog_line ln;
    if (keylog_parse_line((const uint8_t *)line, strlen(line), &ln).status != DX_OK || !ln.is_secret || !ln.known)
        return;
    if (!g_tally->have_random) {
        memcpy(g_tally->random, ln.client_random, 32);
        g_tally->have_random = true;
    } else if (memcmp(g_tally->random, ln.client_random, 32) != 0) {
        g_tally->other_randoms++;
    }
}

static int accept_any(int ok, X509_STORE_CTX *ctx)
{
    (void)ok;
    (void)ctx;
    return 1;
}

/* What one side's msg callback saw it send. */
typedef struct side_log {
    int dir;    /* direction this side sends in */
    buf hs;     /* handshake messages sent, concatenated */
    buf alerts; /* alert bodies sent */
} side_log;

static void msg_cb(int write_p, int version, int content_type, const void *b, size_t len, SSL *ssl, void *arg)
{
    (void)version;
    (void)ssl;
    side_log *lg = arg;
    if (!write_p)
        return;
    if (content_type == SSL3_RT_HANDSHAKE)
        buf_add(&lg->hs, b, len);
    else if (content_type == SSL3_RT_ALERT)
        buf_add(&lg->alerts, b, len);
}

/* A captured session. */
typedef struct session_cap {
    wire w;              /* the bytes each side sent, in order */
    side_log log[2];     /* by sending direction */
    buf app_rx[2];       /* application data SSL_read by the receiver, by direction */
    uint16_t version, suite;
    bool handshake_ok;
    keylog *kl;
    keylog_tally kt; /* what the key log callback added to kl */
} session_cap;

typedef struct params {
    const char *name;
    int version;         /* TLS1_3_VERSION, ... */
    const char *ciphers; /* suite (1.3) or cipher list (<= 1.2) */
    bool no_etm;
    bool client_cert;    /* the client has a certificate (the server always asks) */
} params;


static SSL_CTX *make_ctx(const params *pr, bool server)
{
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    assert_non_null(ctx);
    assert_true(SSL_CTX_set_min_proto_version(ctx, pr->version));
    assert_true(SSL_CTX_set_max_proto_version(ctx, pr->version));
    if (pr->version == TLS1_3_VERSION) {
        assert_true(SSL_CTX_set_ciphersuites(ctx, pr->ciphers));
    } else {
        assert_true(SSL_CTX_set_cipher_list(ctx, pr->ciphers));
        if (pr->version < TLS1_2_VERSION)
            SSL_CTX_set_security_level(ctx, 0);
    }
    if (pr->no_etm)
        SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC);
    if (server || pr->client_cert) {
        assert_true(SSL_CTX_use_certificate(ctx, g_cert));
        assert_true(SSL_CTX_use_PrivateKey(ctx, g_key));
    }
    if (server)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
    else
        SSL_CTX_set_keylog_callback(ctx, keylog_cb);
    return ctx;
}

static const char REQ[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
static const char RESP[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/* Run one session; everything lands in cap. */
static void run_session(const params *pr, session_cap *cap)
{
    memset(cap, 0, sizeof(*cap));
    cap->kl = keylog_new();
    assert_non_null(cap->kl);
    g_kl = cap->kl;
    g_tally = &cap->kt;
    cap->log[C2S].dir = C2S;
    cap->log[S2C].dir = S2C;
    SSL_CTX *cctx = make_ctx(pr, false), *sctx = make_ctx(pr, true);
    pair p;
    p.c = SSL_new(cctx);
    p.s = SSL_new(sctx);
    assert_non_null(p.c);
    assert_non_null(p.s);
    p.c_out = BIO_new(BIO_s_mem());
    p.c_in = BIO_new(BIO_s_mem());
    p.s_out = BIO_new(BIO_s_mem());
    p.s_in = BIO_new(BIO_s_mem());
    SSL_set_bio(p.c, p.c_in, p.c_out);
    SSL_set_bio(p.s, p.s_in, p.s_out);
    SSL_set_connect_state(p.c);
    SSL_set_accept_state(p.s);
    SSL_set_msg_callback(p.c, msg_cb);
    SSL_set_msg_callback_arg(p.c, &cap->log[C2S]);
    SSL_set_msg_callback(p.s, msg_cb);
    SSL_set_msg_callback_arg(p.s, &cap->log[S2C]);

    (void)SSL_do_handshake(p.c);
    pump(&cap->w, &p);
    cap->handshake_ok = SSL_is_init_finished(p.c) && SSL_is_init_finished(p.s);
    cap->version = (uint16_t)SSL_version(p.c);
    const SSL_CIPHER *ciph = SSL_get_current_cipher(p.c);
    assert_non_null(ciph);
    cap->suite = (uint16_t)SSL_CIPHER_get_protocol_id(ciph);

    if (cap->handshake_ok) {
        assert_int_equal(SSL_write(p.c, REQ, (int)strlen(REQ)), (int)strlen(REQ));
        pump(&cap->w, &p);
        read_all(p.s, &cap->app_rx[C2S]);
        assert_int_equal(SSL_write(p.s, RESP, (int)strlen(RESP)), (int)strlen(RESP));
        pump(&cap->w, &p);
        read_all(p.c, &cap->app_rx[S2C]);
        if (cap->version == TLS1_3_VERSION) {
            /* KeyUpdate both ways, then more data under the new keys */
            assert_true(SSL_key_update(p.c, SSL_KEY_UPDATE_REQUESTED));
            assert_int_equal(SSL_write(p.c, "after update", 12), 12);
            pump(&cap->w, &p);
            read_all(p.s, &cap->app_rx[C2S]);
            assert_int_equal(SSL_write(p.s, "server after update", 19), 19);
            pump(&cap->w, &p);
            read_all(p.c, &cap->app_rx[S2C]);
        }
        /* close_notify both ways */
        (void)SSL_shutdown(p.c);
        pump(&cap->w, &p);
        read_all(p.s, &cap->app_rx[C2S]);
        (void)SSL_shutdown(p.s);
        pump(&cap->w, &p);
        read_all(p.c, &cap->app_rx[S2C]);
    } else {
        /* let any alert reach the other side */
        pump(&cap->w, &p);
    }
    ERR_clear_error();
    SSL_free(p.c);
    SSL_free(p.s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

static void cap_free(session_cap *cap)
{
    for (int d = 0; d < 2; d++) {
        buf_free(&cap->log[d].hs);
        buf_free(&cap->log[d].alerts);
        buf_free(&cap->app_rx[d]);
    }
    wire_free(&cap->w);
    keylog_free(cap->kl);
}

/* ---- passive decryption driver (what the TLS stream will do) ---- */

typedef struct driver {
    const session_cap *cap;
    const keylog *kl;
    size_t pos[2];
    decrypt_dir dd[2];
    bool enc12[2];           /* TLS 1.2: after this direction's CCS */
    int pending[2];          /* TLS 1.3: 1 = switch to application secret, 2 = KeyUpdate */
    buf hsq[2];              /* handshake reassembly */
    buf hs_out[2], alerts[2], app[2];
    transcript *t;
    bool hs_done, fin_seen[2];
    int finished_ok;
    uint8_t client_random[32], server_random[32];
    const keylog_entry *e;
    size_t records_decrypted;
    int first_error;         /* first decrypt error, if any */
} driver;

static bool is13(const driver *dr) { return dr->cap->version == TLS1_3_VERSION; }

static void handle_message(driver *dr, int dir, const uint8_t *m, size_t n)
{
    uint8_t type = m[0];
    if (type == 1 && n >= 38)
        memcpy(dr->client_random, m + 6, 32);
    if (!dr->hs_done && type == 20) {
        uint8_t h[TRANSCRIPT_MAX_HASH], vd[48];
        size_t hn = 0, vn = 0;
        assert_int_equal(transcript_hash_now(dr->t, h, &hn), TRANSCRIPT_OK);
        if (is13(dr)) {
            keylog_kind k = dir == C2S ? KEYLOG_CLIENT_HANDSHAKE_TRAFFIC : KEYLOG_SERVER_HANDSHAKE_TRAFFIC;
            assert_int_equal(tls13_finished_expected(dr->cap->suite, dr->e->secret[k].bytes, dr->e->secret[k].len,
                                                     h, hn, vd, &vn),
                             DECRYPT_OK);
            assert_int_equal(n - 4, vn);
        } else {
            assert_int_equal(tls12_finished_expected(dr->cap->suite, dr->e->secret[KEYLOG_MASTER_SECRET].bytes,
                                                     dir == C2S, h, hn, vd),
                             DECRYPT_OK);
            vn = 12;
            assert_int_equal(n - 4, 12);
        }
        assert_memory_equal(vd, m + 4, vn);
        dr->finished_ok++;
        dr->fin_seen[dir] = true;
        if (is13(dr))
            dr->pending[dir] = 1;
    }
    if (!dr->hs_done) {
        assert_int_equal(transcript_add(dr->t, m, n), TRANSCRIPT_OK);
        if (dr->fin_seen[C2S] && dr->fin_seen[S2C])
            dr->hs_done = true;
    } else if (is13(dr) && type == 24) {
        dr->pending[dir] = 2;
    }
    if (type == 2 && n >= 38) {
        memcpy(dr->server_random, m + 6, 32);
        assert_int_equal(transcript_set_hash(dr->t, transcript_alg_for(dr->cap->version, dr->cap->suite)),
                         TRANSCRIPT_OK);
        dr->e = keylog_find(dr->kl, dr->client_random);
        assert_non_null(dr->e);
        if (is13(dr)) {
            const keylog_secret *cs = &dr->e->secret[KEYLOG_CLIENT_HANDSHAKE_TRAFFIC];
            const keylog_secret *ss = &dr->e->secret[KEYLOG_SERVER_HANDSHAKE_TRAFFIC];
            assert_int_equal(decrypt13_init(&dr->dd[C2S], dr->cap->suite, cs->bytes, cs->len), DECRYPT_OK);
            assert_int_equal(decrypt13_init(&dr->dd[S2C], dr->cap->suite, ss->bytes, ss->len), DECRYPT_OK);
        }
    }
}

static void handle_handshake_bytes(driver *dr, int dir, const uint8_t *p, size_t n)
{
    buf_add(&dr->hs_out[dir], p, n);
    buf_add(&dr->hsq[dir], p, n);
    size_t off = 0;
    buf *q = &dr->hsq[dir];
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

static void handle_record(driver *dr, int dir, const uint8_t *hdr, const uint8_t *body, size_t len)
{
    uint8_t type = hdr[0];
    if (type == 20) /* ChangeCipherSpec: TLS 1.2 keys are switched by the caller; TLS 1.3 ignores it */
        return;
    const uint8_t *pt = body;
    size_t pt_n = len;
    uint8_t inner = type;
    uint8_t *out = NULL;
    bool encrypted = is13(dr) ? (type == 23 && decrypt_dir_ready(&dr->dd[dir])) : dr->enc12[dir];
    if (encrypted) {
        out = malloc(len ? len : 1);
        assert_non_null(out);
        memset(out, 0xEE, len);
        int rc = is13(dr) ? decrypt13_record(&dr->dd[dir], hdr, body, len, out, &pt_n, &inner)
                          : decrypt12_record(&dr->dd[dir], hdr, body, len, out, &pt_n, &inner);
        if (rc != DECRYPT_OK) {
            if (!dr->first_error)
                dr->first_error = rc;
            assert_int_equal(pt_n, 0);
            free(out);
            return;
        }
        dr->records_decrypted++;
        pt = out;
    }
    if (inner == 22)
        handle_handshake_bytes(dr, dir, pt, pt_n);
    else if (inner == 21)
        buf_add(&dr->alerts[dir], pt, pt_n);
    else if (inner == 23)
        buf_add(&dr->app[dir], pt, pt_n);
    free(out);

    if (dr->pending[dir] == 1) {
        keylog_kind k = dir == C2S ? KEYLOG_CLIENT_TRAFFIC_0 : KEYLOG_SERVER_TRAFFIC_0;
        assert_true(keylog_entry_has(dr->e, k));
        assert_int_equal(decrypt13_init(&dr->dd[dir], dr->cap->suite, dr->e->secret[k].bytes, dr->e->secret[k].len),
                         DECRYPT_OK);
    } else if (dr->pending[dir] == 2) {
        assert_int_equal(decrypt13_update_key(&dr->dd[dir]), DECRYPT_OK);
    }
    dr->pending[dir] = 0;
}

/* Walk both streams in capture order. etm: what the TLS 1.2 CBC session negotiated. */
static void drive(driver *dr, const session_cap *cap, const keylog *kl, bool etm)
{
    memset(dr, 0, sizeof(*dr));
    dr->cap = cap;
    dr->kl = kl;
    dr->t = transcript_new();
    assert_non_null(dr->t);
    decrypt_dir_init(&dr->dd[0]);
    decrypt_dir_init(&dr->dd[1]);
    for (size_t ev = 0; ev < cap->w.nev; ev++) {
        int dir = cap->w.ev_dir[ev];
        const buf *s = &cap->w.stream[dir];
        size_t end = cap->w.ev_end[ev];
        while (end - dr->pos[dir] >= 5) {
            const uint8_t *hdr = s->p + dr->pos[dir];
            size_t len = ((size_t)hdr[3] << 8) | hdr[4];
            if (end - dr->pos[dir] < 5 + len)
                break;
            if (hdr[0] == 20 && !is13(dr)) {
                assert_non_null(dr->e);
                assert_int_equal(decrypt12_init(&dr->dd[dir], cap->version, cap->suite,
                                                dr->e->secret[KEYLOG_MASTER_SECRET].bytes, dr->client_random,
                                                dr->server_random, dir == C2S, etm),
                                 DECRYPT_OK);
                dr->enc12[dir] = true;
            } else {
                handle_record(dr, dir, hdr, hdr + 5, len);
            }
            dr->pos[dir] += 5 + len;
        }
    }
}

static void driver_free(driver *dr)
{
    for (int d = 0; d < 2; d++) {
        decrypt_dir_cleanup(&dr->dd[d]);
        buf_free(&dr->hsq[d]);
        buf_free(&dr->hs_out[d]);
        buf_free(&dr->alerts[d]);
        buf_free(&dr->app[d]);
    }
    transcript_free(dr->t);
}

static void check_session(const params *pr)
{
    session_cap cap;
    run_session(pr, &cap);
    assert_true(cap.handshake_ok == pr->client_cert);
    assert_int_equal(cap.version, pr->version);
    const decrypt_suite *ds = decrypt_suite_find(cap.suite);
    assert_non_null(ds);
    bool etm = !pr->no_etm && ds->kind == DECRYPT_CBC;

    /* one session's secrets, all of them stored */
    assert_int_equal(cap.kt.malformed, 0);
    assert_true(cap.kt.have_random);
    assert_int_equal(cap.kt.other_randoms, 0);
    assert_non_null(keylog_find(cap.kl, cap.kt.random));
    assert_true(cap.kt.secrets >= (pr->version == TLS1_3_VERSION ? 5u : 1u));

    driver dr;
    drive(&dr, &cap, cap.kl, etm);
    assert_int_equal(dr.first_error, 0);
    /* without a client certificate a TLS 1.2 server aborts before its Finished */
    assert_int_equal(dr.finished_ok, pr->client_cert || pr->version == TLS1_3_VERSION ? 2 : 1);
    assert_true(dr.records_decrypted >= (pr->client_cert ? 6u : 1u));
    for (int d = 0; d < 2; d++) {
        assert_buf_equal(&dr.hs_out[d], &cap.log[d].hs);
        assert_buf_equal(&dr.alerts[d], &cap.log[d].alerts);
        assert_buf_equal(&dr.app[d], &cap.app_rx[d]);
    }
    if (pr->client_cert) {
        assert_true(cap.app_rx[C2S].n >= strlen(REQ));
        assert_memory_equal(dr.app[C2S].p, REQ, strlen(REQ));
        /* close_notify read in both directions */
        assert_int_equal(dr.alerts[C2S].n, 2);
        assert_int_equal(dr.alerts[C2S].p[1], 0);
    } else {
        /* the server's rejection, decrypted */
        assert_int_equal(dr.alerts[S2C].n, 2);
        assert_int_equal(dr.alerts[S2C].p[0], 2);
        assert_int_equal(dr.alerts[S2C].p[1], pr->version == TLS1_3_VERSION ? 116 /* certificate_required */
                                                                            : 40 /* handshake_failure */);
    }
    driver_free(&dr);

    /* the same records with another session's secrets: clean auth failures */
    session_cap other;
    run_session(pr, &other);
    uint8_t cr[32];
    memcpy(cr, cap.w.stream[C2S].p + 5 + 6, 32); /* first record holds the ClientHello */
    const keylog_entry *right = keylog_find(cap.kl, cr);
    assert_non_null(right);
    keylog *wrong = keylog_new();
    /* other's secrets filed under this session's client random */
    memcpy(cr, other.w.stream[C2S].p + 5 + 6, 32);
    const keylog_entry *oe = keylog_find(other.kl, cr);
    assert_non_null(oe);
    char line[512];
    char crhex[65];
    for (int i = 0; i < 32; i++)
        snprintf(crhex + 2 * i, 3, "%02x", right->client_random[i]);
    for (int k = 0; k < KEYLOG__KINDS; k++) {
        if (!keylog_entry_has(oe, (keylog_kind)k))
            continue;
        size_t n = (size_t)snprintf(line, sizeof(line), "%s %s ", keylog_kind_label((keylog_kind)k), crhex);
        for (int i = 0; i < oe->secret[k].len; i++)
            n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x", oe->secret[k].bytes[i]);
        keylog_stats st;
        assert_int_equal(keylog_add_buffer(wrong, (const uint8_t *)line, n, &st), KEYLOG_OK);
        assert_int_equal(st.secrets, 1);
    }
    /* drive only up to the first encrypted record: it must fail with AUTH */
    driver bad;
    memset(&bad, 0, sizeof(bad));
    bad.cap = &cap;
    bad.kl = wrong;
    bad.t = transcript_new();
    decrypt_dir_init(&bad.dd[0]);
    decrypt_dir_init(&bad.dd[1]);
    for (size_t ev = 0; ev < cap.w.nev && !bad.first_error; ev++) {
        int dir = cap.w.ev_dir[ev];
        const buf *s = &cap.w.stream[dir];
        while (!bad.first_error && cap.w.ev_end[ev] - bad.pos[dir] >= 5) {
            const uint8_t *hdr = s->p + bad.pos[dir];
            size_t len = ((size_t)hdr[3] << 8) | hdr[4];
            if (hdr[0] == 20 && cap.version != TLS1_3_VERSION) {
                assert_int_equal(decrypt12_init(&bad.dd[dir], cap.version, cap.suite,
                                                bad.e->secret[KEYLOG_MASTER_SECRET].bytes, bad.client_random,
                                                bad.server_random, dir == C2S, etm),
                                 DECRYPT_OK);
                bad.enc12[dir] = true;
            } else {
                handle_record(&bad, dir, hdr, hdr + 5, len);
            }
            bad.pos[dir] += 5 + len;
        }
    }
    assert_int_equal(bad.first_error, DECRYPT_ERR_AUTH);
    assert_int_equal(bad.records_decrypted, 0);
    assert_int_equal(bad.finished_ok, 0);
    /* nothing encrypted leaked into the handshake output: only the plaintext hellos */
    assert_true(bad.hs_out[S2C].n <= cap.log[S2C].hs.n);
    driver_free(&bad);
    keylog_free(wrong);
    cap_free(&other);
    cap_free(&cap);
}

#define SESSION_TEST(fn, ver, ciph, noetm, ccert)                      \
    static void fn(void **state)                                       \
    {                                                                  \
        (void)state;                                                   \
        params p = {#fn, ver, ciph, noetm, ccert};                     \
        check_session(&p);                                             \
    }

SESSION_TEST(t13_aes128gcm, TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", false, true)
SESSION_TEST(t13_aes256gcm, TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", false, true)
SESSION_TEST(t13_chacha, TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256", false, true)
SESSION_TEST(t13_ccm, TLS1_3_VERSION, "TLS_AES_128_CCM_SHA256", false, true)
SESSION_TEST(t13_ccm8, TLS1_3_VERSION, "TLS_AES_128_CCM_8_SHA256", false, true)
SESSION_TEST(t13_no_client_cert, TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", false, false)
SESSION_TEST(t12_aes128gcm, TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", false, true)
SESSION_TEST(t12_aes256gcm, TLS1_2_VERSION, "ECDHE-RSA-AES256-GCM-SHA384", false, true)
SESSION_TEST(t12_chacha, TLS1_2_VERSION, "ECDHE-RSA-CHACHA20-POLY1305", false, true)
SESSION_TEST(t12_cbc_sha_etm, TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA", false, true)
SESSION_TEST(t12_cbc_sha_mte, TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA", true, true)
SESSION_TEST(t12_cbc_sha256_etm, TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA256", false, true)
SESSION_TEST(t12_cbc_sha256_mte, TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA256", true, true)
SESSION_TEST(t12_cbc_sha384_etm, TLS1_2_VERSION, "ECDHE-RSA-AES256-SHA384", false, true)
SESSION_TEST(t12_cbc_sha384_mte, TLS1_2_VERSION, "ECDHE-RSA-AES256-SHA384", true, true)
SESSION_TEST(t12_rsa_cbc_sha, TLS1_2_VERSION, "AES256-SHA", true, true)
SESSION_TEST(t12_no_client_cert, TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", false, false)
SESSION_TEST(t11_cbc_mte, TLS1_1_VERSION, "ECDHE-RSA-AES128-SHA:@SECLEVEL=0", true, true)
SESSION_TEST(t10_cbc_mte, TLS1_VERSION, "ECDHE-RSA-AES256-SHA:@SECLEVEL=0", true, true)
SESSION_TEST(t10_cbc_etm, TLS1_VERSION, "ECDHE-RSA-AES128-SHA:@SECLEVEL=0", false, true)

/* Random ciphertexts of every length 0..64 never crash and never "decrypt". */
static void test_random_records(void **state)
{
    (void)state;
    static const uint16_t s13[] = {0x1301, 0x1302, 0x1303, 0x1304, 0x1305};
    static const uint16_t s12[] = {0xc02f, 0xc030, 0xcca8, 0xc013, 0xc028, 0x003c, 0xc0a4, 0xc0a8, 0xc060,
                                   0xc077, 0xc012, 0xc03b, 0x0001, 0x00ae, 0xccac};
    uint8_t secret[48], ms[48], cr[32], sr[32], ct[80], out[80], hdr[5] = {23, 3, 3, 0, 0}, type;
    size_t out_n;
    assert_true(RAND_bytes(ms, sizeof(ms)) == 1 && RAND_bytes(cr, 32) == 1 && RAND_bytes(sr, 32) == 1);
    for (size_t i = 0; i < sizeof(s13) / sizeof(s13[0]); i++) {
        const decrypt_suite *s = decrypt_suite_find(s13[i]);
        assert_non_null(s);
        assert_true(RAND_bytes(secret, sizeof(secret)) == 1);
        decrypt_dir d;
        decrypt_dir_init(&d);
        assert_int_equal(decrypt13_init(&d, s13[i], secret, s->hash_len), DECRYPT_OK);
        for (size_t len = 0; len <= 64; len++) {
            for (int rep = 0; rep < 4; rep++) {
                assert_true(RAND_bytes(ct, sizeof(ct)) == 1);
                hdr[3] = 0;
                hdr[4] = (uint8_t)len;
                int rc = decrypt13_record(&d, hdr, ct, len, out, &out_n, &type);
                assert_int_equal(rc, len < (size_t)s->tag_len + 1 ? DECRYPT_ERR_MALFORMED : DECRYPT_ERR_AUTH);
                assert_int_equal(out_n, 0);
            }
        }
        assert_int_equal(d.seq, 0);
        assert_int_equal(decrypt13_update_key(&d), DECRYPT_OK);
        decrypt_dir_cleanup(&d);
    }
    for (size_t i = 0; i < sizeof(s12) / sizeof(s12[0]); i++) {
        for (int etm = 0; etm < 2; etm++) {
            for (uint16_t ver = 0x0301; ver <= 0x0303; ver++) {
                decrypt_dir d;
                decrypt_dir_init(&d);
                int rc = decrypt12_init(&d, ver, s12[i], ms, cr, sr, i % 2 == 0, etm);
                const decrypt_suite *s = decrypt_suite_find(s12[i]);
                if (ver < s->min_version) {
                    assert_int_equal(rc, DECRYPT_ERR_UNSUPPORTED);
                    continue;
                }
                assert_int_equal(rc, DECRYPT_OK);
                assert_int_equal(decrypt13_update_key(&d), DECRYPT_ERR_STATE);
                for (size_t len = 0; len <= 64; len++) {
                    for (int rep = 0; rep < 4; rep++) {
                        assert_true(RAND_bytes(ct, sizeof(ct)) == 1);
                        hdr[1] = 3;
                        hdr[2] = (uint8_t)(ver & 0xff);
                        hdr[4] = (uint8_t)len;
                        rc = decrypt12_record(&d, hdr, ct, len, out, &out_n, &type);
                        assert_true(rc == DECRYPT_ERR_AUTH || rc == DECRYPT_ERR_MALFORMED);
                        assert_int_equal(out_n, 0);
                        /* a decrypt13 call on a TLS 1.2 dir is a state error */
                        assert_int_equal(decrypt13_record(&d, hdr, ct, len, out, &out_n, &type), DECRYPT_ERR_STATE);
                    }
                }
                assert_int_equal(d.seq, 0);
                decrypt_dir_cleanup(&d);
            }
        }
    }
    /* the table and its names */
    assert_null(decrypt_suite_find(0x0000));
    assert_null(decrypt_suite_find(0x0005)); /* RC4: not supported */
    assert_null(decrypt_suite_find(0xc08a)); /* Camellia-GCM: not supported */
    assert_string_equal(decrypt_suite_find(0x1305)->name, "TLS_AES_128_CCM_8_SHA256");
    assert_int_equal(decrypt_suite_find(0x1305)->tag_len, 8);
    uint8_t vd[12];
    assert_int_equal(tls12_finished_expected(0x1301, ms, true, cr, 32, vd), DECRYPT_ERR_UNSUPPORTED);
    assert_int_equal(tls12_finished_expected(0xc02f, ms, true, cr, 31, vd), DECRYPT_ERR_BAD_SECRET);
    assert_int_equal(decrypt12_init(NULL, 0x0303, 0xc02f, ms, cr, sr, true, false), DECRYPT_ERR_STATE);
    decrypt_dir d;
    decrypt_dir_init(&d);
    assert_int_equal(decrypt12_init(&d, 0x0304, 0xc02f, ms, cr, sr, true, false), DECRYPT_ERR_UNSUPPORTED);
    assert_int_equal(decrypt12_record(&d, hdr, ct, 40, out, &out_n, &type), DECRYPT_ERR_STATE);
    decrypt_dir_cleanup(&d);
}


/* ---- known answers from real captures (samples/pcaps), plaintext as tshark decrypts it ---- */

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = strlen(h) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

typedef struct kat_record {
    const char *record;    /* header + body, hex */
    const char *plaintext; /* tshark's "Decrypted TLS" bytes, hex */
} kat_record;

typedef struct kat_session {
    const char *capture;
    uint16_t suite;
    const char *master, *client_random, *server_random;
    bool client_write;
    kat_record rec[3]; /* this direction's records after its ChangeCipherSpec, in order */
} kat_session;

static const kat_session kats[] = {
    {"tls12-psk-aes128-ccm", 0xc0a4,
     "c056b1c6259cff88f209bea1d1deb3a26acc70843c70139ede53afa0a7883f66bbce923a9e1876307f2d3c7e4163cc43",
     "3623ff6cad669af4892810b3d2e9f5aea76564bcdb46a51ab6912d5b2f4f5a91",
     "be60535000f29c6aff736714c637e0a92eb2e762531b077b0cd0883382f591e2", true,
     {{"1603030028000000000000000084bffd76bc05d59a05465eff29814fdd85e2a0c24f9052cee4097068bdf9cbd3",
       "1400000c7b1c320fb61c0a689801aef5"},
      {"1703030033000000000000000142ffae9128296e14635a93377315e36eeb1ab78414897e0a441bc0eb6e8918be8833"
       "0cea8dc5ef2f2166d1",
       "474554202f68656c6c6f2e74787420485454502f312e300d0a0d0a"},
      {"150303001a0000000000000002289aef9671338b3ff0ffaa00d4690ab564a1", "0100"}}},
    {"tls12-rsa-aes128-ccm8 (client)", 0xc0a0,
     "79c6ba629b897dc99d056e3cc9f2e53b88d0b4d09799ae661c1fbd4942e876d73dcbbaadbeb1df926cb60cc8bba83022",
     "f6168b71a954b6f99f73c783fcbf77f40d1169b464f1456e7667c98b24822ade",
     "a3c0724668612bbe79be5fc92198c2a3594b684d572ac375e6af0bdf321b8be8", true,
     {{"16030300200000000000000000107ca24a34649b6639c022048b00fc2816bd4c40b80c730f",
       "1400000ce70a966548045c29924fa416"},
      {"170303002b00000000000000015264bb96ae4f231e22617c3ee7fac091906f194bf21b9943ebb0219b24be087f7b3ccb",
       "474554202f68656c6c6f2e74787420485454502f312e300d0a0d0a"},
      {"15030300120000000000000002de966b9b807cc70b62b5", "0100"}}},
    {"tls12-rsa-aes128-ccm8 (server)", 0xc0a0,
     "79c6ba629b897dc99d056e3cc9f2e53b88d0b4d09799ae661c1fbd4942e876d73dcbbaadbeb1df926cb60cc8bba83022",
     "f6168b71a954b6f99f73c783fcbf77f40d1169b464f1456e7667c98b24822ade",
     "a3c0724668612bbe79be5fc92198c2a3594b684d572ac375e6af0bdf321b8be8", false,
     {{"160303002000000000000000002389e50f2d6f86c3f4518b05bcd02829d08702cb69c690a8",
       "1400000ca80307a782a6dbf4a4cbc955"},
      {"1703030059000000000000000147926241384291777e8f3a37123d64d63b7f4af16596edd1a1699c333c1bb8e20dfcec"
       "01736f80f436c3dd74af5bb4571c84b8d3b1c5a44dccb61c002825f39b875c1053ac4fe97b8b159423cb52bc96db",
       "485454502f312e3020323030206f6b0d0a436f6e74656e742d747970653a20746578742f706c61696e0d0a0d0a68656c"
       "6c6f2066726f6d206d746c7364756d702073616d706c65730a"},
      {"150303001200000000000000028ff88b4ed31e41f2ca64", "0100"}}},
};

/* CCM and CCM_8 records of real sessions decrypt to what tshark shows; a
 * flipped tag byte or the other tag length fails cleanly. */
static void test_ccm_known_answers(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(kats) / sizeof(kats[0]); k++) {
        const kat_session *ks = &kats[k];
        uint8_t ms[48], cr[32], sr[32], rec[256], want[256], out[256], type;
        size_t out_n;
        assert_int_equal(unhex(ks->master, ms, sizeof(ms)), 48);
        assert_int_equal(unhex(ks->client_random, cr, sizeof(cr)), 32);
        assert_int_equal(unhex(ks->server_random, sr, sizeof(sr)), 32);
        decrypt_dir d;
        decrypt_dir_init(&d);
        assert_int_equal(decrypt12_init(&d, 0x0303, ks->suite, ms, cr, sr, ks->client_write, false), DECRYPT_OK);
        for (int r = 0; r < 3 && ks->rec[r].record; r++) {
            size_t n = unhex(ks->rec[r].record, rec, sizeof(rec));
            size_t wn = unhex(ks->rec[r].plaintext, want, sizeof(want));
            assert_int_equal(n, 5 + (((size_t)rec[3] << 8) | rec[4]));
            /* tampered tag: auth failure, nothing out, sequence number kept */
            rec[n - 1] ^= 0x01;
            assert_int_equal(decrypt12_record(&d, rec, rec + 5, n - 5, out, &out_n, &type), DECRYPT_ERR_AUTH);
            assert_int_equal(out_n, 0);
            assert_int_equal(d.seq, (uint64_t)r);
            rec[n - 1] ^= 0x01;
            assert_int_equal(decrypt12_record(&d, rec, rec + 5, n - 5, out, &out_n, &type), DECRYPT_OK);
            assert_int_equal(out_n, wn);
            assert_memory_equal(out, want, wn);
            assert_int_equal(type, rec[0]);
        }
        decrypt_dir_cleanup(&d);
        /* the same first record under the suite with the other tag length */
        uint16_t other = ks->suite == 0xc0a4 ? 0xc0a8 : 0xc09c;
        decrypt_dir_init(&d);
        assert_int_equal(decrypt12_init(&d, 0x0303, other, ms, cr, sr, ks->client_write, false), DECRYPT_OK);
        size_t n = unhex(ks->rec[0].record, rec, sizeof(rec));
        assert_int_equal(decrypt12_record(&d, rec, rec + 5, n - 5, out, &out_n, &type), DECRYPT_ERR_AUTH);
        decrypt_dir_cleanup(&d);
    }
}

/* RFC 5288 3 / RFC 6209 / RFC 6655 3: the GCM and CCM nonce is the salt from
 * the key block and the 8 explicit bytes the record carries, whatever they
 * are. OpenSSL and GnuTLS send the sequence number there, so real sessions
 * cannot tell the two apart: a record sealed here with a random explicit
 * nonce must decrypt too. */
static void test_explicit_nonce(void **state)
{
    (void)state;
    static const uint16_t aead[] = {0xc02f, 0xc030, 0xc060, 0xc061, 0xc09c, 0xc0a0, 0xc0a5, 0xc0a9};
    static const uint8_t msg[] = "a record with a random explicit nonce";
    uint8_t ms[48], cr[32], sr[32];
    assert_true(RAND_bytes(ms, 48) == 1 && RAND_bytes(cr, 32) == 1 && RAND_bytes(sr, 32) == 1);
    for (size_t i = 0; i < sizeof(aead) / sizeof(aead[0]); i++) {
        const decrypt_suite *s = decrypt_suite_find(aead[i]);
        assert_non_null(s);
        decrypt_dir d;
        decrypt_dir_init(&d);
        assert_int_equal(decrypt12_init(&d, 0x0303, aead[i], ms, cr, sr, true, false), DECRYPT_OK);
        d.seq = 5;
        size_t plen = sizeof(msg), n = 8 + plen + s->tag_len;
        uint8_t rec[5 + 8 + sizeof(msg) + 16], nonce[12], ad[13], out[sizeof(rec)], type;
        size_t out_n;
        int outl = 0;
        rec[0] = 23, rec[1] = 3, rec[2] = 3, rec[3] = (uint8_t)(n >> 8), rec[4] = (uint8_t)n;
        assert_true(RAND_bytes(rec + 5, 8) == 1);
        memcpy(nonce, d.iv, 4);
        memcpy(nonce + 4, rec + 5, 8);
        memset(ad, 0, 8);
        ad[7] = 5;
        memcpy(ad + 8, rec, 3);
        ad[11] = 0, ad[12] = (uint8_t)plen;
        EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, s->cipher, NULL);
        EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
        bool ccm = s->kind == DECRYPT_CCM;
        assert_true(EVP_EncryptInit_ex(ctx, c, NULL, NULL, NULL) > 0);
        assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) > 0);
        if (ccm)
            assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, s->tag_len, NULL) > 0);
        assert_true(EVP_EncryptInit_ex(ctx, NULL, NULL, d.key, nonce) > 0);
        if (ccm)
            assert_true(EVP_EncryptUpdate(ctx, NULL, &outl, NULL, (int)plen) > 0);
        assert_true(EVP_EncryptUpdate(ctx, NULL, &outl, ad, sizeof(ad)) > 0);
        assert_true(EVP_EncryptUpdate(ctx, rec + 13, &outl, msg, (int)plen) > 0);
        assert_true(EVP_EncryptFinal_ex(ctx, rec + 13 + outl, &outl) > 0);
        assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, s->tag_len, rec + 13 + plen) > 0);
        EVP_CIPHER_CTX_free(ctx);
        EVP_CIPHER_free(c);
        assert_int_equal(decrypt12_record(&d, rec, rec + 5, n, out, &out_n, &type), DECRYPT_OK);
        assert_int_equal(out_n, plen);
        assert_memory_equal(out, msg, plen);
        assert_int_equal(d.seq, 6);
        decrypt_dir_cleanup(&d);
    }
}

/* Row parameters as the RFCs give them, for one suite of each new family
 * (test_tls_suites.c checks every row against OpenSSL's own table). */
static void test_suite_rows(void **state)
{
    (void)state;
    static const struct {
        uint16_t code;
        decrypt_cipher_kind kind;
        const char *cipher;
        uint8_t key, fixed_iv, explicit_iv, tag, block;
        const char *mac;
        uint8_t mac_len;
        const char *prf;
        uint16_t min_version;
    } rows[] = {
        {0xc0a4, DECRYPT_CCM, "AES-128-CCM", 16, 4, 8, 16, 0, NULL, 0, "SHA256", 0x0303},  /* RFC 6655 */
        {0xc0a9, DECRYPT_CCM, "AES-256-CCM", 32, 4, 8, 8, 0, NULL, 0, "SHA256", 0x0303},   /* RFC 6655 CCM_8 */
        {0xc0ae, DECRYPT_CCM, "AES-128-CCM", 16, 4, 8, 8, 0, NULL, 0, "SHA256", 0x0303},   /* RFC 7251 */
        {0x00a9, DECRYPT_GCM, "AES-256-GCM", 32, 4, 8, 16, 0, NULL, 0, "SHA384", 0x0303},  /* RFC 5487 */
        {0xc061, DECRYPT_GCM, "ARIA-256-GCM", 32, 4, 8, 16, 0, NULL, 0, "SHA384", 0x0303}, /* RFC 6209 */
        {0xccac, DECRYPT_CHACHA20_POLY1305, "ChaCha20-Poly1305", 32, 12, 0, 16, 0, NULL, 0, "SHA256",
         0x0303}, /* RFC 7905 */
        {0x00b2, DECRYPT_CBC, "AES-128-CBC", 16, 16, 16, 0, 16, "SHA256", 32, "SHA256", 0x0301}, /* RFC 5487 */
        {0x00b7, DECRYPT_CBC, "AES-256-CBC", 32, 16, 16, 0, 16, "SHA384", 48, "SHA384", 0x0301}, /* RFC 5487 */
        {0xc038, DECRYPT_CBC, "AES-256-CBC", 32, 16, 16, 0, 16, "SHA384", 48, "SHA384", 0x0301}, /* RFC 5489 */
        {0xc077, DECRYPT_CBC, "CAMELLIA-256-CBC", 32, 16, 16, 0, 16, "SHA384", 48, "SHA384", 0x0303}, /* 6367 */
        {0x0084, DECRYPT_CBC, "CAMELLIA-256-CBC", 32, 16, 16, 0, 16, "SHA1", 20, "SHA256", 0x0301},   /* 5932 */
        {0xc012, DECRYPT_CBC, "DES-EDE3-CBC", 24, 8, 8, 0, 8, "SHA1", 20, "SHA256", 0x0301},          /* 4492 */
        {0xc03b, DECRYPT_NULL, NULL, 0, 0, 0, 0, 0, "SHA384", 48, "SHA384", 0x0301},                  /* 5489 */
        {0x0001, DECRYPT_NULL, NULL, 0, 0, 0, 0, 0, "MD5", 16, "SHA256", 0x0301},                     /* 5246 */
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const decrypt_suite *s = decrypt_suite_find(rows[i].code);
        assert_non_null(s);
        assert_false(s->tls13);
        assert_int_equal(s->kind, rows[i].kind);
        if (rows[i].cipher)
            assert_string_equal(s->cipher, rows[i].cipher);
        else
            assert_null(s->cipher);
        assert_int_equal(s->key_len, rows[i].key);
        assert_int_equal(s->fixed_iv_len, rows[i].fixed_iv);
        assert_int_equal(s->explicit_iv_len, rows[i].explicit_iv);
        assert_int_equal(s->tag_len, rows[i].tag);
        assert_int_equal(s->block_len, rows[i].block);
        if (rows[i].mac)
            assert_string_equal(s->mac, rows[i].mac);
        else
            assert_null(s->mac);
        assert_int_equal(s->mac_len, rows[i].mac_len);
        assert_string_equal(s->hash, rows[i].prf);
        assert_int_equal(s->min_version, rows[i].min_version);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t13_aes128gcm),      cmocka_unit_test(t13_aes256gcm),
        cmocka_unit_test(t13_chacha),         cmocka_unit_test(t13_ccm),
        cmocka_unit_test(t13_ccm8),           cmocka_unit_test(t13_no_client_cert),
        cmocka_unit_test(t12_aes128gcm),      cmocka_unit_test(t12_aes256gcm),
        cmocka_unit_test(t12_chacha),         cmocka_unit_test(t12_cbc_sha_etm),
        cmocka_unit_test(t12_cbc_sha_mte),    cmocka_unit_test(t12_cbc_sha256_etm),
        cmocka_unit_test(t12_cbc_sha256_mte), cmocka_unit_test(t12_cbc_sha384_etm),
        cmocka_unit_test(t12_cbc_sha384_mte), cmocka_unit_test(t12_rsa_cbc_sha),
        cmocka_unit_test(t12_no_client_cert), cmocka_unit_test(t11_cbc_mte),
        cmocka_unit_test(t10_cbc_mte),        cmocka_unit_test(t10_cbc_etm),
        cmocka_unit_test(test_random_records), cmocka_unit_test(test_ccm_known_answers),
        cmocka_unit_test(test_explicit_nonce),  cmocka_unit_test(test_suite_rows),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
