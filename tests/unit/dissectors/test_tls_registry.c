/*
 * test_tls_registry.c — name tables: the cipher-suite table agrees with
 * OpenSSL's standard names for every suite OpenSSL knows; GREASE per RFC
 * 8701; unknown values never get a name; formatter output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ssl.h>

#include "tls_registry.h"

static void test_ciphers_match_openssl(void **state)
{
    (void)state;
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    assert_non_null(ctx);
    SSL_CTX_set_security_level(ctx, 0);
    assert_int_equal(SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL"), 1);
    assert_int_equal(SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                                                   "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:"
                                                   "TLS_AES_128_CCM_8_SHA256"),
                     1);
    STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx);
    int n = sk_SSL_CIPHER_num(sk);
    assert_true(n > 50);
    int tls13 = 0;
    for (int i = 0; i < n; i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
        uint16_t id = SSL_CIPHER_get_protocol_id(c);
        const char *std = SSL_CIPHER_standard_name(c);
        assert_non_null(std);
        const char *ours = tls_reg_cipher_name(id);
        if (!ours || strcmp(ours, std) != 0)
            fail_msg("0x%04x: OpenSSL %s, table %s", id, std, ours ? ours : "(none)");
        tls13 += (id >> 8) == 0x13;
    }
    assert_int_equal(tls13, 5);
    SSL_CTX_free(ctx);
}

static void test_cipher_table_shape(void **state)
{
    (void)state;
    /* every value 0..0xffff: names only for table rows, never for GREASE,
     * sorted rows make the binary search find each exactly once */
    size_t named = 0;
    for (unsigned v = 0; v <= 0xFFFF; v++) {
        const char *name = tls_reg_cipher_name((uint16_t)v);
        if (name) {
            named++;
            assert_memory_equal(name, "TLS_", 4);
        }
        if (tls_is_grease((uint16_t)v))
            assert_null(name);
    }
    assert_int_equal(named, tls_reg_cipher_rows_n);
    for (size_t i = 1; i < tls_reg_cipher_rows_n; i++)
        assert_true(tls_reg_cipher_rows[i - 1].value < tls_reg_cipher_rows[i].value);
    assert_string_equal(tls_reg_cipher_name(0x00FF), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
    assert_string_equal(tls_reg_cipher_name(0x5600), "TLS_FALLBACK_SCSV");
    assert_null(tls_reg_cipher_name(0x0047)); /* reserved range */
    assert_null(tls_reg_cipher_name(0xFF00)); /* private use */
}

static void test_grease(void **state)
{
    (void)state;
    size_t n = 0;
    for (unsigned v = 0; v <= 0xFFFF; v++) {
        bool g = tls_is_grease((uint16_t)v);
        bool want = (v >> 8) == (v & 0xFF) && (v & 0x0F) == 0x0A;
        assert_int_equal(g, want);
        n += g;
    }
    assert_int_equal(n, 16);
    assert_true(tls_is_grease(0x0A0A));
    assert_true(tls_is_grease(0xFAFA));
    assert_false(tls_is_grease(0x0A1A));
    assert_false(tls_is_grease(0x0B0B));
}

static void test_names_and_format(void **state)
{
    (void)state;
    char buf[TLS_REG_BUF];
    assert_string_equal(tls_reg_version_name(0x0304), "TLS 1.3");
    assert_string_equal(tls_reg_version_name(0x0300), "SSL 3.0");
    assert_string_equal(tls_reg_version_name(0xFEFD), "DTLS 1.2");
    assert_null(tls_reg_version_name(0x0305));
    /* TLS 1.3 drafts and experiments are named, and count as TLS 1.3 */
    assert_string_equal(tls_reg_version_str(0x7F1C, buf), "TLS 1.3 (draft 28)");
    assert_string_equal(tls_reg_version_str(0x7F0E, buf), "TLS 1.3 (draft 14)");
    assert_string_equal(tls_reg_version_str(0x7E01, buf), "TLS 1.3 (experiment 1)");
    assert_string_equal(tls_reg_version_str(0xFB1A, buf), "TLS 1.3 (FB draft 26)");
    assert_string_equal(tls_reg_version_str(0x7F64, buf), "TLS 1.3 (draft 100)");
    assert_true(tls_version_is_tls13(0x0304) && tls_version_is_tls13(0x7F17) && tls_version_is_tls13(0xFB17));
    assert_false(tls_version_is_tls13(0x0303) || tls_version_is_tls13(0x7E05) || tls_version_is_tls13(0xFEFC));
    assert_true(tls_version_is_early_tls13_draft(0x7F15));
    assert_false(tls_version_is_early_tls13_draft(0x7F16));
    assert_string_equal(tls_reg_version_str(0x0305, buf), "unknown(0x0305)");
    assert_string_equal(tls_reg_version_str(0x3A3A, buf), "GREASE(0x3a3a)");
    assert_string_equal(tls_reg_group_name(0x11EC), "X25519MLKEM768");
    assert_string_equal(tls_reg_group_name(0x6399), "X25519Kyber768Draft00");
    assert_string_equal(tls_reg_group_name(29), "x25519");
    assert_string_equal(tls_reg_group_name(24), "secp384r1");
    assert_string_equal(tls_reg_group_name(258), "ffdhe4096");
    assert_null(tls_reg_group_name(0x1234));
    assert_string_equal(tls_reg_group_str(0x1234, buf), "unknown(0x1234)");
    assert_string_equal(tls_reg_sigscheme_name(0x0804), "rsa_pss_rsae_sha256");
    assert_string_equal(tls_reg_sigscheme_name(0x0403), "ecdsa_secp256r1_sha256");
    assert_string_equal(tls_reg_sigscheme_name(0x0201), "rsa_pkcs1_sha1");
    assert_string_equal(tls_reg_sigscheme_name(0x0807), "ed25519");
    assert_null(tls_reg_sigscheme_name(0x0899));
    assert_string_equal(tls_reg_ext_name(0xFF01), "renegotiation_info");
    assert_string_equal(tls_reg_ext_name(0xFE0D), "encrypted_client_hello");
    assert_string_equal(tls_reg_ext_name(47), "certificate_authorities");
    assert_string_equal(tls_reg_ext_name(40), "key_share_draft"); /* reserved: TLS 1.3 drafts before 23 */
    assert_null(tls_reg_ext_name(46));
    assert_string_equal(tls_reg_ext_str(0x0A0A, buf), "GREASE(0x0a0a)");
    assert_string_equal(tls_reg_cipher_str(0x1301, buf), "TLS_AES_128_GCM_SHA256");
    assert_string_equal(tls_reg_cipher_str(0x1308, buf), "unknown(0x1308)");
    assert_string_equal(tls_reg_hs_type_name(13), "certificate_request");
    assert_string_equal(tls_reg_hs_type_str(6, buf), "unknown(0x06)");
    assert_string_equal(tls_reg_fmt("x", 1, 4, buf), "x");
    assert_string_equal(tls_reg_fmt(NULL, 0xABCDEF, 8, buf), "unknown(0x00abcdef)");
    /* extension rows: unique values */
    for (unsigned a = 0; a <= 0xFFFF; a++)
        if (tls_reg_ext_name((uint16_t)a))
            assert_int_not_equal(tls_reg_ext_allowed((uint16_t)a) & 0x7F, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ciphers_match_openssl),
        cmocka_unit_test(test_cipher_table_shape),
        cmocka_unit_test(test_grease),
        cmocka_unit_test(test_names_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
