/*
 * test_x509_memo.c — decoded CA certificates kept by their DER bytes
 * (x509_memo): a hit hands out the same X509 and an equal cert_info, a
 * one-byte difference never hits, bytes that are not a certificate are never
 * remembered, a newer certificate replaces the one in its slot, and copies
 * are deep (cleaning one up leaves the memo's intact).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "x509_info.h"
#include "x509_memo.h"
#include "pki/test_pki.h"

static EVP_PKEY *k_root, *k_int;
static X509 *root, *inter;
static bytes_t inter_der;

static int setup(void **state)
{
    (void)state;
    k_root = tp_key_ec();
    k_int = tp_key_ec();
    tp_opts o = {.nb = TP_T0 - 1000 * TP_DAY, .na = TP_T0 + 3650 * TP_DAY, .ca = 1, .pathlen = 0,
                 .san = "DNS:int.test,URI:spiffe://t/int", .org = "Memo Org"};
    root = tp_cert("Memo Root", k_root, NULL, NULL, &o);
    inter = tp_cert("Memo Intermediate", k_int, root, k_root, &o);
    inter_der = tp_der(inter);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(inter_der.data);
    X509_free(root);
    X509_free(inter);
    EVP_PKEY_free(k_root);
    EVP_PKEY_free(k_int);
    return 0;
}

static void assert_same_info(const cert_info *a, const cert_info *b)
{
    assert_string_equal(a->sha256, b->sha256);
    assert_string_equal(a->subject, b->subject);
    assert_string_equal(a->issuer, b->issuer);
    assert_string_equal(a->subject_o, b->subject_o);
    assert_string_equal(a->serial_hex, b->serial_hex);
    assert_string_equal(a->key_alg, b->key_alg);
    assert_int_equal(a->is_ca, b->is_ca);
    assert_int_equal(a->path_len, b->path_len);
    assert_int_equal(a->not_after, b->not_after);
    assert_int_equal(a->n_san, b->n_san);
    for (size_t i = 0; i < a->n_san; i++) {
        assert_string_equal(a->san[i], b->san[i]);
        assert_ptr_not_equal(a->san[i], b->san[i]);
    }
    assert_ptr_not_equal(a->subject, b->subject);
}

static void test_hit_returns_same_certificate(void **state)
{
    (void)state;
    x509_memo *m = x509_memo_new();
    assert_non_null(m);
    cert_info want, a, b;
    X509 *xw = x509i_decode(inter_der.data, inter_der.len); /* the answer without a memo */
    assert_int_equal(x509i_extract_x509(xw, inter_der.data, inter_der.len, &want), 0);
    X509_free(xw);

    X509 *xa = NULL, *xb = NULL;
    assert_int_equal(x509_memo_get(m, inter_der.data, inter_der.len, &xa, &a), 0);
    assert_non_null(xa);
    /* the same bytes from another buffer (another connection's packet): a
     * hit hands out the memo's certificate, not a new decoding */
    uint8_t *copy = malloc(inter_der.len);
    memcpy(copy, inter_der.data, inter_der.len);
    assert_int_equal(x509_memo_get(m, copy, inter_der.len, &xb, &b), 0);
    assert_ptr_equal(xa, xb);
    assert_int_equal(X509_cmp(xa, inter), 0);
    assert_same_info(&a, &want);
    assert_same_info(&b, &want);

    /* the caller's copy and reference are its own */
    cert_info_cleanup(&a);
    X509_free(xa);
    cert_info c;
    X509 *xc = NULL;
    assert_int_equal(x509_memo_get(m, copy, inter_der.len, &xc, &c), 0);
    assert_same_info(&c, &want);
    cert_info_cleanup(&c);
    X509_free(xc);
    cert_info_cleanup(&b);
    X509_free(xb);
    cert_info_cleanup(&want);
    free(copy);
    x509_memo_free(m);
}

static void test_one_byte_differs_is_a_miss(void **state)
{
    (void)state;
    x509_memo *m = x509_memo_new();
    cert_info a, b;
    X509 *xa = NULL, *xb = NULL;
    assert_int_equal(x509_memo_get(m, inter_der.data, inter_der.len, &xa, &a), 0);
    /* flip a bit in the signature: same length, same slot prefix, other certificate */
    uint8_t *forged = malloc(inter_der.len);
    memcpy(forged, inter_der.data, inter_der.len);
    forged[inter_der.len - 3] ^= 0x01;
    assert_int_equal(x509_memo_get(m, forged, inter_der.len, &xb, &b), 0);
    assert_non_null(xb);
    assert_ptr_not_equal(xa, xb); /* a new decoding, not the memo's certificate */
    assert_string_not_equal(a.sha256, b.sha256);
    cert_info_cleanup(&a);
    cert_info_cleanup(&b);
    X509_free(xa);
    X509_free(xb);
    free(forged);
    x509_memo_free(m);
}

static void test_not_a_certificate_is_never_remembered(void **state)
{
    (void)state;
    x509_memo *m = x509_memo_new();
    cert_info a, b;
    X509 *xa = NULL, *xb = NULL;
    assert_int_equal(x509_memo_get(m, inter_der.data, inter_der.len, &xa, &a), 0);
    /* 4096 different byte strings that are not certificates land in every
     * slot; remembered, one of them would replace the certificate in its slot */
    for (unsigned i = 0; i < 4096; i++) {
        const uint8_t junk[] = {0x30, 0x04, 0x02, 0x02, (uint8_t)(i >> 8), (uint8_t)i};
        for (int round = 0; round < 2; round++) {
            cert_info ci;
            X509 *x = (X509 *)1;
            assert_int_equal(x509_memo_get(m, junk, sizeof junk, &x, &ci), 0);
            assert_null(x);
            assert_true(ci.decode_error);
            assert_int_equal(ci.der_len, sizeof junk);
            cert_info_cleanup(&ci);
        }
    }
    /* the certificate is still the memo's: a hit */
    assert_int_equal(x509_memo_get(m, inter_der.data, inter_der.len, &xb, &b), 0);
    assert_ptr_equal(xb, xa);
    cert_info_cleanup(&a);
    cert_info_cleanup(&b);
    X509_free(xa);
    X509_free(xb);
    x509_memo_free(m);
}

/* Many distinct certificates: slots are replaced, every answer stays right. */
static void test_many_certificates_bounded(void **state)
{
    (void)state;
    x509_memo *m = x509_memo_new();
    enum { N = X509_MEMO_SLOTS + 40 };
    EVP_PKEY *k = tp_key_ec();
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < N; i++) {
            tp_opts o = {.nb = TP_T0 - TP_DAY, .na = TP_T0 + TP_DAY, .ca = 1, .pathlen = -1,
                         .serial = 1000 + i};
            X509 *c = tp_cert("Many", k, root, k_root, &o);
            bytes_t d = tp_der(c);
            cert_info ci;
            X509 *x = NULL;
            assert_int_equal(x509_memo_get(m, d.data, d.len, &x, &ci), 0);
            assert_int_equal(X509_cmp(x, c), 0);
            assert_int_equal(ci.der_len, d.len);
            cert_info_cleanup(&ci);
            X509_free(x);
            X509_free(c);
            free(d.data);
        }
    }
    EVP_PKEY_free(k);
    x509_memo_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_returns_same_certificate),
        cmocka_unit_test(test_one_byte_differs_is_a_miss),
        cmocka_unit_test(test_not_a_certificate_is_never_remembered),
        cmocka_unit_test(test_many_certificates_bounded),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
