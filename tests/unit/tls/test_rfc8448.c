/*
 * test_rfc8448.c — TLS 1.3 key schedule, record decryption, transcript hash and
 * Finished checks against the published bytes of RFC 8448 §3 (Simple 1-RTT).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cursor.h"
#include "fixtures/rfc8448.h"
#include "keylog.h"
#include "tls_decrypt.h"
#include "transcript.h"

/* Decode a hex string with optional whitespace into a fresh buffer. */
static uint8_t *unhex(const char *s, size_t *len)
{
    size_t n = strlen(s);
    uint8_t *out = malloc(n / 2 + 1);
    size_t k = 0;
    int hi = -1;
    assert_non_null(out);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int v = 0;
        if (c == ' ' || c == '\n' || c == '\t')
            continue;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            fail_msg("bad hex digit '%c'", c); /* does not return */
        if (hi < 0) {
            hi = v;
        } else {
            out[k++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    assert_int_equal(hi, -1);
    *len = k;
    return out;
}

/* All fixture values, decoded once per test. */
typedef struct rfc {
    uint8_t *ch, *sh, *ee, *cert, *cv, *sfin, *cfin, *srec, *crec;
    size_t ch_n, sh_n, ee_n, cert_n, cv_n, sfin_n, cfin_n, srec_n, crec_n;
    uint8_t *chts, *shts, *cats, *sats, *exp, *hello_hash, *sfin_hash;
    uint8_t *shs_key, *shs_iv, *sap_key, *sap_iv, *chs_key, *chs_iv, *sfin_key;
    size_t tmp;
} rfc;

#define DEC(field, NAME)                                  \
    do {                                                  \
        size_t n_;                                        \
        r->field = unhex(NAME, &n_);                      \
        assert_int_equal(n_, NAME##_LEN);                 \
    } while (0)
#define DECN(field, NAME)                                 \
    do {                                                  \
        r->field = unhex(NAME, &r->field##_n);            \
        assert_int_equal(r->field##_n, NAME##_LEN);       \
    } while (0)

static int setup(void **state)
{
    rfc *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    DECN(ch, RFC8448_CLIENT_HELLO);
    DECN(sh, RFC8448_SERVER_HELLO);
    DECN(ee, RFC8448_ENCRYPTED_EXTENSIONS);
    DECN(cert, RFC8448_CERTIFICATE);
    DECN(cv, RFC8448_CERTIFICATE_VERIFY);
    DECN(sfin, RFC8448_SERVER_FINISHED);
    DECN(cfin, RFC8448_CLIENT_FINISHED);
    DECN(srec, RFC8448_SERVER_FLIGHT_RECORD);
    DECN(crec, RFC8448_CLIENT_FINISHED_RECORD);
    DEC(chts, RFC8448_CLIENT_HS_TRAFFIC_SECRET);
    DEC(shts, RFC8448_SERVER_HS_TRAFFIC_SECRET);
    DEC(cats, RFC8448_CLIENT_AP_TRAFFIC_SECRET);
    DEC(sats, RFC8448_SERVER_AP_TRAFFIC_SECRET);
    DEC(exp, RFC8448_EXPORTER_SECRET);
    DEC(hello_hash, RFC8448_HELLO_HASH);
    DEC(sfin_hash, RFC8448_SERVER_FINISHED_HASH);
    DEC(shs_key, RFC8448_SERVER_HS_KEY);
    DEC(shs_iv, RFC8448_SERVER_HS_IV);
    DEC(sap_key, RFC8448_SERVER_AP_KEY);
    DEC(sap_iv, RFC8448_SERVER_AP_IV);
    DEC(chs_key, RFC8448_CLIENT_HS_KEY);
    DEC(chs_iv, RFC8448_CLIENT_HS_IV);
    DEC(sfin_key, RFC8448_SERVER_FINISHED_KEY);
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    rfc *r = *state;
    uint8_t *all[] = {r->ch,   r->sh,    r->ee,      r->cert,      r->cv,        r->sfin,    r->cfin,
                      r->srec, r->crec,  r->chts,    r->shts,      r->cats,      r->sats,    r->exp,
                      r->hello_hash, r->sfin_hash, r->shs_key, r->shs_iv, r->sap_key, r->sap_iv, r->chs_key,
                      r->chs_iv, r->sfin_key};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        free(all[i]);
    free(r);
    return 0;
}

/* The client random is ClientHello bytes 6..38 (after type, u24 length, version). */
static void client_random_of(const rfc *r, uint8_t out[32])
{
    cur_t c;
    cur_init(&c, r->ch, r->ch_n);
    assert_true(cur_skip(&c, 4 + 2));
    assert_true(cur_copy_bytes(&c, out, 32));
}

static void test_key_schedule(void **state)
{
    rfc *r = *state;
    uint8_t out[32];
    assert_int_equal(tls13_hkdf_expand_label("SHA256", r->shts, 32, "key", NULL, 0, out, 16), DECRYPT_OK);
    assert_memory_equal(out, r->shs_key, 16);
    assert_int_equal(tls13_hkdf_expand_label("SHA256", r->shts, 32, "iv", NULL, 0, out, 12), DECRYPT_OK);
    assert_memory_equal(out, r->shs_iv, 12);
    assert_int_equal(tls13_hkdf_expand_label("SHA256", r->shts, 32, "finished", NULL, 0, out, 32), DECRYPT_OK);
    assert_memory_equal(out, r->sfin_key, 32);

    /* decrypt13_init derives the same key/iv into the direction state */
    decrypt_dir d;
    decrypt_dir_init(&d);
    assert_false(decrypt_dir_ready(&d));
    assert_int_equal(decrypt13_init(&d, 0x1301, r->sats, 32), DECRYPT_OK);
    assert_true(decrypt_dir_ready(&d));
    assert_memory_equal(d.key, r->sap_key, 16);
    assert_memory_equal(d.iv, r->sap_iv, 12);
    assert_int_equal(decrypt13_init(&d, 0x1301, r->chts, 32), DECRYPT_OK);
    assert_memory_equal(d.key, r->chs_key, 16);
    assert_memory_equal(d.iv, r->chs_iv, 12);
    /* wrong secret length for a SHA-256 suite, unknown suite, a TLS 1.2 suite */
    assert_int_equal(decrypt13_init(&d, 0x1301, r->chts, 31), DECRYPT_ERR_BAD_SECRET);
    assert_int_equal(decrypt13_init(&d, 0x1302, r->chts, 32), DECRYPT_ERR_BAD_SECRET);
    assert_int_equal(decrypt13_init(&d, 0x13ff, r->chts, 32), DECRYPT_ERR_UNSUPPORTED);
    assert_int_equal(decrypt13_init(&d, 0xc02f, r->chts, 32), DECRYPT_ERR_UNSUPPORTED);
    /* failed re-init keeps the previous keys */
    assert_memory_equal(d.key, r->chs_key, 16);
    decrypt_dir_cleanup(&d);
    assert_false(decrypt_dir_ready(&d));
    decrypt_dir_cleanup(&d); /* twice is fine */
}

/* Feed the server flight's plaintext message by message, checking Finished. */
static void test_full_handshake(void **state)
{
    rfc *r = *state;
    transcript *t = transcript_new();
    assert_non_null(t);
    assert_int_equal(transcript_add(t, r->ch, r->ch_n), TRANSCRIPT_OK);
    assert_int_equal(transcript_add(t, r->sh, r->sh_n), TRANSCRIPT_OK);
    uint8_t h[TRANSCRIPT_MAX_HASH];
    size_t hn;
    assert_int_equal(transcript_hash_now(t, h, &hn), TRANSCRIPT_ERR_NO_HASH);
    assert_int_equal(transcript_alg_for(0x0304, 0x1301), TRANSCRIPT_SHA256);
    assert_int_equal(transcript_set_hash(t, transcript_alg_for(0x0304, 0x1301)), TRANSCRIPT_OK);
    assert_int_equal(transcript_hash_now(t, h, &hn), TRANSCRIPT_OK);
    assert_int_equal(hn, 32);
    assert_memory_equal(h, r->hello_hash, 32);

    /* server flight: one protected record at seq 0 */
    decrypt_dir sd;
    decrypt_dir_init(&sd);
    assert_int_equal(decrypt13_init(&sd, 0x1301, r->shts, 32), DECRYPT_OK);
    uint8_t *pt = malloc(r->srec_n);
    size_t pt_n = 12345;
    uint8_t type = 0;
    assert_non_null(pt);
    assert_int_equal(decrypt13_record(&sd, r->srec, r->srec + 5, r->srec_n - 5, pt, &pt_n, &type), DECRYPT_OK);
    assert_int_equal(type, 22);
    assert_int_equal(sd.seq, 1);
    assert_int_equal(pt_n, r->ee_n + r->cert_n + r->cv_n + r->sfin_n);

    /* exactly EncryptedExtensions || Certificate || CertificateVerify || Finished */
    size_t off = 0;
    const uint8_t *want[] = {r->ee, r->cert, r->cv, r->sfin};
    size_t want_n[] = {r->ee_n, r->cert_n, r->cv_n, r->sfin_n};
    for (int i = 0; i < 4; i++) {
        assert_memory_equal(pt + off, want[i], want_n[i]);
        if (i == 3) {
            /* server Finished over CH..CV with the server handshake secret */
            uint8_t vd[48];
            size_t vd_n = 0;
            assert_int_equal(transcript_hash_now(t, h, &hn), TRANSCRIPT_OK);
            assert_int_equal(tls13_finished_expected(0x1301, r->shts, 32, h, hn, vd, &vd_n), DECRYPT_OK);
            assert_int_equal(vd_n, 32);
            assert_memory_equal(vd, pt + off + 4, 32);
        }
        assert_int_equal(transcript_add(t, pt + off, want_n[i]), TRANSCRIPT_OK);
        off += want_n[i];
    }
    assert_int_equal(transcript_hash_now(t, h, &hn), TRANSCRIPT_OK);
    assert_memory_equal(h, r->sfin_hash, 32);

    /* client Finished record under the client handshake secret */
    decrypt_dir cd;
    decrypt_dir_init(&cd);
    assert_int_equal(decrypt13_init(&cd, 0x1301, r->chts, 32), DECRYPT_OK);
    assert_int_equal(decrypt13_record(&cd, r->crec, r->crec + 5, r->crec_n - 5, pt, &pt_n, &type), DECRYPT_OK);
    assert_int_equal(type, 22);
    assert_int_equal(pt_n, r->cfin_n);
    assert_memory_equal(pt, r->cfin, r->cfin_n);
    uint8_t vd[48];
    size_t vd_n = 0;
    assert_int_equal(tls13_finished_expected(0x1301, r->chts, 32, h, hn, vd, &vd_n), DECRYPT_OK);
    assert_memory_equal(vd, r->cfin + 4, 32);
    /* a wrong hash gives a different verify_data */
    h[0] ^= 1;
    assert_int_equal(tls13_finished_expected(0x1301, r->chts, 32, h, hn, vd, &vd_n), DECRYPT_OK);
    assert_memory_not_equal(vd, r->cfin + 4, 32);
    assert_int_equal(tls13_finished_expected(0x1301, r->chts, 32, h, 31, vd, &vd_n), DECRYPT_ERR_BAD_SECRET);
    assert_int_equal(tls13_finished_expected(0xc02f, r->chts, 32, h, 32, vd, &vd_n), DECRYPT_ERR_UNSUPPORTED);

    /* raw transcript is the concatenation */
    size_t raw_n;
    bool complete;
    const uint8_t *raw = transcript_raw(t, &raw_n, &complete);
    assert_true(complete);
    assert_int_equal(raw_n, r->ch_n + r->sh_n + r->ee_n + r->cert_n + r->cv_n + r->sfin_n);
    assert_memory_equal(raw, r->ch, r->ch_n);

    free(pt);
    decrypt_dir_cleanup(&sd);
    decrypt_dir_cleanup(&cd);
    transcript_free(t);
}

/* The same flow starting from an NSS key log, matched by the client random. */
static void test_via_keylog(void **state)
{
    rfc *r = *state;
    uint8_t cr[32];
    client_random_of(r, cr);
    char text[2048];
    char crhex[65];
    for (int i = 0; i < 32; i++)
        snprintf(crhex + 2 * i, 3, "%02x", cr[i]);
    const struct {
        const char *label;
        const uint8_t *s;
    } lines[] = {
        {"SERVER_HANDSHAKE_TRAFFIC_SECRET", r->shts},
        {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", r->chts},
        {"SERVER_TRAFFIC_SECRET_0", r->sats},
        {"CLIENT_TRAFFIC_SECRET_0", r->cats},
        {"EXPORTER_SECRET", r->exp},
    };
    size_t n = (size_t)snprintf(text, sizeof(text), "# RFC 8448 section 3\n");
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s %s ", lines[i].label, crhex);
        for (int j = 0; j < 32; j++)
            n += (size_t)snprintf(text + n, sizeof(text) - n, "%02x", lines[i].s[j]);
        n += (size_t)snprintf(text + n, sizeof(text) - n, "\n");
    }
    keylog *kl = keylog_new();
    assert_non_null(kl);
    keylog_stats st;
    assert_int_equal(keylog_add_buffer(kl, (const uint8_t *)text, n, &st), KEYLOG_OK);
    assert_int_equal(st.secrets, 5);
    assert_int_equal(st.skipped, 1);
    const keylog_entry *e = keylog_find(kl, cr);
    assert_non_null(e);
    assert_true(keylog_entry_has(e, KEYLOG_SERVER_HANDSHAKE_TRAFFIC));
    assert_false(keylog_entry_has(e, KEYLOG_MASTER_SECRET));
    assert_false(keylog_entry_has(e, KEYLOG_CLIENT_EARLY_TRAFFIC));

    decrypt_dir d;
    decrypt_dir_init(&d);
    const keylog_secret *s = &e->secret[KEYLOG_SERVER_HANDSHAKE_TRAFFIC];
    assert_int_equal(decrypt13_init(&d, 0x1301, s->bytes, s->len), DECRYPT_OK);
    uint8_t pt[700];
    size_t pt_n;
    uint8_t type;
    assert_int_equal(decrypt13_record(&d, r->srec, r->srec + 5, r->srec_n - 5, pt, &pt_n, &type), DECRYPT_OK);
    assert_memory_equal(pt, r->ee, r->ee_n);

    /* the server's application keys come from SERVER_TRAFFIC_SECRET_0 */
    s = &e->secret[KEYLOG_SERVER_TRAFFIC_0];
    assert_int_equal(decrypt13_init(&d, 0x1301, s->bytes, s->len), DECRYPT_OK);
    assert_memory_equal(d.key, r->sap_key, 16);
    assert_int_equal(d.seq, 0);
    decrypt_dir_cleanup(&d);
    keylog_free(kl);
}

/* Wrong keys, tampering and truncation never yield plaintext or move seq. */
static void test_failures(void **state)
{
    rfc *r = *state;
    decrypt_dir d;
    decrypt_dir_init(&d);
    uint8_t pt[700], type = 0;
    size_t pt_n = 99;
    const size_t body = r->srec_n - 5;

    /* not initialised */
    assert_int_equal(decrypt13_record(&d, r->srec, r->srec + 5, body, pt, &pt_n, &type), DECRYPT_ERR_STATE);
    assert_int_equal(pt_n, 0);

    /* the client's secret does not open the server's record */
    assert_int_equal(decrypt13_init(&d, 0x1301, r->chts, 32), DECRYPT_OK);
    memset(pt, 0xAA, sizeof(pt));
    assert_int_equal(decrypt13_record(&d, r->srec, r->srec + 5, body, pt, &pt_n, &type), DECRYPT_ERR_AUTH);
    assert_int_equal(pt_n, 0);
    assert_int_equal(d.seq, 0);
    for (size_t i = 0; i < body - 16; i++)
        assert_int_equal(pt[i], 0); /* no garbage left behind */

    assert_int_equal(decrypt13_init(&d, 0x1301, r->shts, 32), DECRYPT_OK);
    uint8_t *copy = malloc(r->srec_n);
    assert_non_null(copy);
    /* flip one bit in the header (AAD), the ciphertext, the tag */
    size_t spots[] = {0, 4, 5, 100, r->srec_n - 17, r->srec_n - 1};
    for (size_t k = 0; k < sizeof(spots) / sizeof(spots[0]); k++) {
        memcpy(copy, r->srec, r->srec_n);
        copy[spots[k]] ^= 0x01;
        assert_int_equal(decrypt13_record(&d, copy, copy + 5, body, pt, &pt_n, &type), DECRYPT_ERR_AUTH);
        assert_int_equal(d.seq, 0);
    }
    /* truncation sweep over every prefix of the record body */
    for (size_t len = 0; len < body; len++) {
        int rc = decrypt13_record(&d, r->srec, r->srec + 5, len, pt, &pt_n, &type);
        assert_int_equal(rc, len < 17 ? DECRYPT_ERR_MALFORMED : DECRYPT_ERR_AUTH);
        assert_int_equal(pt_n, 0);
        assert_int_equal(d.seq, 0);
    }
    /* one trailing byte also fails */
    uint8_t *longer = malloc(r->srec_n + 1);
    assert_non_null(longer);
    memcpy(longer, r->srec, r->srec_n);
    longer[r->srec_n] = 0;
    assert_int_equal(decrypt13_record(&d, longer, longer + 5, body + 1, pt, &pt_n, &type), DECRYPT_ERR_AUTH);
    /* state is intact: the real record still opens at seq 0, and a replay at seq 1 fails */
    assert_int_equal(decrypt13_record(&d, r->srec, r->srec + 5, body, pt, &pt_n, &type), DECRYPT_OK);
    assert_int_equal(decrypt13_record(&d, r->srec, r->srec + 5, body, pt, &pt_n, &type), DECRYPT_ERR_AUTH);
    assert_int_equal(d.seq, 1);
    free(longer);
    free(copy);
    decrypt_dir_cleanup(&d);
}

/* Transcript: HelloRetryRequest replacement and argument checks. */
static void test_transcript_rules(void **state)
{
    rfc *r = *state;
    transcript *t = transcript_new();
    assert_non_null(t);
    uint8_t h[TRANSCRIPT_MAX_HASH], h2[TRANSCRIPT_MAX_HASH];
    size_t hn, hn2;
    /* header length must match */
    assert_int_equal(transcript_add(t, r->ch, r->ch_n - 1), TRANSCRIPT_ERR_ARG);
    assert_int_equal(transcript_add(t, r->ch, 3), TRANSCRIPT_ERR_ARG);
    assert_int_equal(transcript_add(t, r->ch, r->ch_n), TRANSCRIPT_OK);
    /* HRR: ClientHello1 becomes message_hash(SHA-256(CH1)) */
    assert_int_equal(transcript_hello_retry(t, TRANSCRIPT_SHA256), TRANSCRIPT_OK);
    size_t raw_n;
    const uint8_t *raw = transcript_raw(t, &raw_n, NULL);
    assert_int_equal(raw_n, 36);
    assert_int_equal(raw[0], 254);
    assert_int_equal(raw[3], 32);
    assert_int_equal(transcript_hash_now(t, h, &hn), TRANSCRIPT_OK);
    /* independent: SHA-256 of (fe 00 00 20 || SHA-256(CH1)) built by hand */
    transcript *ref = transcript_new();
    uint8_t mh[36] = {254, 0, 0, 32};
    transcript *inner = transcript_new();
    assert_int_equal(transcript_add(inner, r->ch, r->ch_n), TRANSCRIPT_OK);
    assert_int_equal(transcript_set_hash(inner, TRANSCRIPT_SHA256), TRANSCRIPT_OK);
    assert_int_equal(transcript_hash_now(inner, mh + 4, &hn2), TRANSCRIPT_OK);
    assert_int_equal(transcript_add(ref, mh, sizeof(mh)), TRANSCRIPT_OK);
    assert_int_equal(transcript_set_hash(ref, TRANSCRIPT_SHA256), TRANSCRIPT_OK);
    assert_int_equal(transcript_hash_now(ref, h2, &hn2), TRANSCRIPT_OK);
    assert_int_equal(hn, hn2);
    assert_memory_equal(h, h2, hn);
    /* HRR is only valid right after one ClientHello */
    assert_int_equal(transcript_add(t, r->sh, r->sh_n), TRANSCRIPT_OK);
    assert_int_equal(transcript_hello_retry(t, TRANSCRIPT_SHA256), TRANSCRIPT_ERR_ARG);
    /* the hash cannot change once set */
    assert_int_equal(transcript_set_hash(t, TRANSCRIPT_SHA384), TRANSCRIPT_ERR_ARG);
    assert_int_equal(transcript_set_hash(t, TRANSCRIPT_SHA256), TRANSCRIPT_OK);
    assert_int_equal(transcript_alg_for(0x0304, 0x1302), TRANSCRIPT_SHA384);
    assert_int_equal(transcript_alg_for(0x0303, 0xc030), TRANSCRIPT_SHA384);
    assert_int_equal(transcript_alg_for(0x0303, 0xc013), TRANSCRIPT_SHA256);
    assert_int_equal(transcript_alg_for(0x0302, 0xc013), TRANSCRIPT_MD5_SHA1);
    assert_int_equal(transcript_alg_for(0x0300, 0xc013), TRANSCRIPT_UNKNOWN);
    transcript_free(inner);
    transcript_free(ref);
    transcript_free(t);
    transcript_free(NULL);

    /* cap: more than TRANSCRIPT_MAX_RAW bytes before the hash is known */
    t = transcript_new();
    uint8_t *big = calloc(1, 70000);
    assert_non_null(big);
    big[0] = 11;
    big[1] = (uint8_t)((70000 - 4) >> 16);
    big[2] = (uint8_t)((70000 - 4) >> 8);
    big[3] = (uint8_t)(70000 - 4);
    int rc = TRANSCRIPT_OK;
    for (int i = 0; i < 5 && rc == TRANSCRIPT_OK; i++)
        rc = transcript_add(t, big, 70000);
    assert_int_equal(rc, TRANSCRIPT_ERR_OVERFLOW);
    assert_int_equal(transcript_set_hash(t, TRANSCRIPT_SHA256), TRANSCRIPT_ERR_OVERFLOW);
    transcript_free(t);
    /* with the hash known, the raw copy stops but hashing continues */
    t = transcript_new();
    assert_int_equal(transcript_set_hash(t, TRANSCRIPT_SHA256), TRANSCRIPT_OK);
    for (int i = 0; i < 5; i++)
        assert_int_equal(transcript_add(t, big, 70000), TRANSCRIPT_OK);
    bool complete = true;
    (void)transcript_raw(t, &raw_n, &complete);
    assert_false(complete);
    assert_int_equal(transcript_hash_now(t, h, &hn), TRANSCRIPT_OK);
    transcript_free(t);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key_schedule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_handshake, setup, teardown),
        cmocka_unit_test_setup_teardown(test_via_keylog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transcript_rules, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
