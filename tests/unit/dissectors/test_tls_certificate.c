/* test_tls_certificate.c — Certificate (1.0–1.3) and CompressedCertificate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixtures/msgs_util.h"
#include "fixtures/msgs_ossl13.h"
#include "fixtures/msgs_tls12.h"
#include "tls_certificate.h"

/* Iterate a whole Certificate body as the TLS layer does (tls_handshake_map.c):
 * the number of entries, or the first error (init's, or the iteration's). */
static dx_result count_certs(const cur_t *body, bool tls13, size_t *out_n)
{
    tls_cert_iter it;
    tls_cert_entry e;
    size_t n = 0;
    dx_result r = tls_cert_iter_init(&it, body, tls13, NULL);
    if (r.status != DX_OK)
        return r;
    while (tls_cert_iter_next(&it, &e))
        n++;
    r = tls_cert_iter_status(&it);
    if (r.status == DX_OK)
        *out_n = n;
    return r;
}

/* Parse a whole body, collect leaf CN and count; check the framing adds up. */
static size_t walk(const uint8_t *p, size_t n, bool tls13, char *leaf_cn, size_t cn_len)
{
    uint8_t *d = msgs_dup(p, n, 0);
    cur_t body = msgs_cur(d, n);
    tls_cert_iter it;
    tls_cert_header hdr;
    tls_cert_entry e;
    size_t count = 0, consumed;

    dx_result r = tls_cert_iter_init(&it, &body, tls13, &hdr);
    assert_int_equal(r.status, DX_OK);
    consumed = (tls13 ? 1 + hdr.context.len : 0) + 3;
    if (leaf_cn)
        leaf_cn[0] = '\0';
    while (tls_cert_iter_next(&it, &e)) {
        char cn[128];
        assert_int_equal(e.index, count);
        assert_true(e.der.data >= d && e.der.data + e.der.len <= d + n);
        assert_int_equal(e.der.base, (size_t)(e.der.data - d));
        msgs_der_cn(&e.der, cn, sizeof(cn));
        assert_true(cn[0] != '\0'); /* every entry is a DER certificate OpenSSL reads exactly */
        if (count == 0 && leaf_cn)
            snprintf(leaf_cn, cn_len, "%s", cn);
        consumed += 3 + e.der.len + (tls13 ? 2 + e.extensions.len : 0);
        count++;
    }
    assert_int_equal(tls_cert_iter_status(&it).status, DX_OK);
    assert_int_equal(consumed, n);
    size_t c2 = 99;
    assert_int_equal(count_certs(&body, tls13, &c2).status, DX_OK);
    assert_int_equal(c2, count);
    free(d);
    return count;
}

/* Every strict prefix and every body with one trailing byte must be rejected. */
static void sweep(const uint8_t *p, size_t n, bool tls13)
{
    for (size_t k = 0; k < n; k++) {
        uint8_t *d = msgs_dup(p, k, 0);
        cur_t body = msgs_cur(d, k);
        size_t cnt;
        dx_result r = count_certs(&body, tls13, &cnt);
        assert_int_equal(r.status, DX_MALFORMED);
        assert_true(r.offset <= k);
        free(d);
    }
    uint8_t *d = msgs_dup(p, n, 1);
    d[n] = 0;
    cur_t body = msgs_cur(d, n + 1);
    size_t cnt;
    dx_result r = count_certs(&body, tls13, &cnt);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_TRAILING);
    assert_int_equal(r.offset, n);
    free(d);
}

static void test_real_tls12_chains(void **state)
{
    (void)state;
    char cn[128];
    assert_int_equal(walk(msgs_ossl12_ecdhe_s2c_certificate, sizeof(msgs_ossl12_ecdhe_s2c_certificate), false, cn,
                          sizeof(cn)), 2);
    assert_string_equal(cn, "server.test");
    assert_int_equal(walk(msgs_ossl12_ecdhe_c2s_certificate, sizeof(msgs_ossl12_ecdhe_c2s_certificate), false, cn,
                          sizeof(cn)), 2);
    assert_string_equal(cn, "client.test");
    assert_int_equal(walk(msgs_ossl12_dhe_s2c_certificate, sizeof(msgs_ossl12_dhe_s2c_certificate), false, cn,
                          sizeof(cn)), 2);
    assert_string_equal(cn, "rsa.server.test");
    assert_int_equal(walk(msgs_ossl11_ecdhe_s2c_certificate, sizeof(msgs_ossl11_ecdhe_s2c_certificate), false, cn,
                          sizeof(cn)), 2);
    assert_string_equal(cn, "server.test");
    /* GnuTLS sends the leaf only */
    assert_int_equal(walk(msgs_gnutls12_s2c_certificate, sizeof(msgs_gnutls12_s2c_certificate), false, cn,
                          sizeof(cn)), 1);
    assert_string_equal(cn, "server.test");
    assert_int_equal(walk(msgs_gnutls12_c2s_certificate, sizeof(msgs_gnutls12_c2s_certificate), false, cn,
                          sizeof(cn)), 1);
    assert_string_equal(cn, "client.test");
    assert_int_equal(walk(msgs_ossl12_unknownca_c2s_certificate, sizeof(msgs_ossl12_unknownca_c2s_certificate),
                          false, cn, sizeof(cn)), 1);
    assert_string_equal(cn, "stranger.test");
}

static void test_real_empty_certificate(void **state)
{
    (void)state;
    /* s_client without -cert answers CertificateRequest with an empty list */
    assert_int_equal(sizeof(msgs_ossl12_nocert_c2s_certificate), 3);
    assert_int_equal(walk(msgs_ossl12_nocert_c2s_certificate, 3, false, NULL, 0), 0);
    /* TLS 1.3 empty: context 0, list 0 */
    static const uint8_t e13[] = {0x00, 0x00, 0x00, 0x00};
    assert_int_equal(walk(e13, sizeof(e13), true, NULL, 0), 0);
}

static void test_real_tls12_sweeps(void **state)
{
    (void)state;
    sweep(msgs_ossl12_ecdhe_s2c_certificate, sizeof(msgs_ossl12_ecdhe_s2c_certificate), false);
    sweep(msgs_gnutls12_c2s_certificate, sizeof(msgs_gnutls12_c2s_certificate), false);
    sweep(msgs_ossl12_nocert_c2s_certificate, sizeof(msgs_ossl12_nocert_c2s_certificate), false);
}

static void test_tls12_length_fields(void **state)
{
    (void)state;
    const uint8_t *p = msgs_gnutls12_s2c_certificate;
    size_t n = sizeof(msgs_gnutls12_s2c_certificate);
    uint8_t *d = msgs_dup(p, n, 0);
    unsigned long list = ((unsigned long)p[0] << 16) | (p[1] << 8) | p[2];
    unsigned long one = ((unsigned long)p[3] << 16) | (p[4] << 8) | p[5];
    cur_t body = msgs_cur(d, n);
    size_t cnt;
    dx_result r;

    /* list length +1: past the end */
    msgs_put24(d, list + 1);
    r = count_certs(&body, false, &cnt);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_LENGTH_PAST_END);
    assert_int_equal(r.offset, 0);
    /* list length -1: the entry runs past the list; the byte after the list is trailing */
    msgs_put24(d, list - 1);
    r = count_certs(&body, false, &cnt);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_TRAILING);
    assert_int_equal(r.offset, n - 1);
    /* list length 0 with bytes after it */
    msgs_put24(d, 0);
    r = count_certs(&body, false, &cnt);
    assert_int_equal(r.code, DXE_TRAILING);
    assert_int_equal(r.offset, 3);
    /* huge u24 list length */
    msgs_put24(d, 0xFFFFFF);
    r = count_certs(&body, false, &cnt);
    assert_int_equal(r.code, DXE_LENGTH_PAST_END);
    msgs_put24(d, list);

    /* entry length +1 / huge: past the list */
    msgs_put24(d + 3, one + 1);
    r = count_certs(&body, false, &cnt);
    assert_int_equal(r.code, DXE_LENGTH_PAST_END);
    assert_int_equal(r.offset, 3);
    msgs_put24(d + 3, 0xFFFFFF);
    r = count_certs(&body, false, &cnt);
    assert_int_equal(r.code, DXE_LENGTH_PAST_END);
    /* entry length -1: a 1-byte leftover that cannot hold a u24 */
    msgs_put24(d + 3, one - 1);
    r = count_certs(&body, false, &cnt);
    assert_int_equal(r.code, DXE_CERT_LIST);
    assert_int_equal(r.offset, n - 1);
    /* entry length 0 */
    msgs_put24(d + 3, 0);
    r = count_certs(&body, false, &cnt);
    assert_int_equal(r.code, DXE_LENGTH_ZERO);
    assert_int_equal(r.offset, 3);
    /* iterator stops at the bad entry and keeps the status */
    tls_cert_iter it;
    tls_cert_entry e;
    assert_int_equal(tls_cert_iter_init(&it, &body, false, NULL).status, DX_OK);
    assert_false(tls_cert_iter_next(&it, &e));
    assert_false(tls_cert_iter_next(&it, &e));
    assert_int_equal(tls_cert_iter_status(&it).code, DXE_LENGTH_ZERO);
    free(d);

    /* empty body */
    cur_t none = msgs_cur(NULL, 0);
    r = count_certs(&none, false, &cnt);
    assert_int_equal(r.code, DXE_CERT_LIST);
    r = count_certs(&none, true, &cnt);
    assert_int_equal(r.code, DXE_CERT_LIST);
}

static void test_ten_thousand_entries(void **state)
{
    (void)state;
    const size_t N = 10000;
    for (int v13 = 0; v13 <= 1; v13++) {
        size_t per = v13 ? 6 : 4, n = (v13 ? 1 : 0) + 3 + N * per;
        uint8_t *d = malloc(n);
        size_t o = 0;
        if (v13)
            d[o++] = 0;
        msgs_put24(d + o, N * per);
        o += 3;
        for (size_t i = 0; i < N; i++) {
            msgs_put24(d + o, 1);
            d[o + 3] = (uint8_t)i;
            o += 4;
            if (v13) {
                msgs_put16(d + o, 0);
                o += 2;
            }
        }
        assert_int_equal(o, n);
        cur_t body = msgs_cur(d, n);
        tls_cert_iter it;
        tls_cert_entry e;
        size_t k = 0;
        assert_int_equal(tls_cert_iter_init(&it, &body, v13, NULL).status, DX_OK);
        while (tls_cert_iter_next(&it, &e)) {
            assert_int_equal(e.der.len, 1);
            assert_int_equal(e.der.data[0], (uint8_t)k);
            k++;
        }
        assert_int_equal(tls_cert_iter_status(&it).status, DX_OK);
        assert_int_equal(k, N);
        size_t cnt = 0;
        assert_int_equal(count_certs(&body, v13, &cnt).status, DX_OK);
        assert_int_equal(cnt, N);
        free(d);
    }
}

static void test_real_tls13_certificates(void **state)
{
    (void)state;
    msgs13_cap cap;
    msgs13_opts o = {.ocsp = true};
    msgs13_run(&cap, &o);

    const msgs13_msg *sc = msgs13_find(&cap, 1, 11, 0), *cc = msgs13_find(&cap, 0, 11, 0);
    assert_non_null(sc);
    assert_non_null(cc);
    char cn[128];
    assert_int_equal(walk(sc->body, sc->len, true, cn, sizeof(cn)), 2);
    assert_string_equal(cn, "server.test");
    /* OpenSSL completes the client chain from its store: leaf + root */
    assert_int_equal(walk(cc->body, cc->len, true, cn, sizeof(cn)), 2);
    assert_string_equal(cn, "client.test");

    /* the stapled OCSP response rides in the leaf entry's status_request */
    cur_t body = msgs_cur(sc->body, sc->len);
    tls_cert_iter it;
    tls_cert_header hdr;
    tls_cert_entry e;
    assert_int_equal(tls_cert_iter_init(&it, &body, true, &hdr).status, DX_OK);
    assert_int_equal(hdr.context.len, 0);
    assert_true(tls_cert_iter_next(&it, &e));
    assert_true(e.has_ocsp);
    assert_int_equal(e.n_extensions, 1);
    assert_int_equal(e.ocsp_response.len, sizeof(msgs13_ocsp_resp));
    assert_memory_equal(e.ocsp_response.data, msgs13_ocsp_resp, sizeof(msgs13_ocsp_resp));
    assert_int_equal(e.ocsp_response.base, (size_t)(e.ocsp_response.data - sc->body));
    assert_false(e.has_sct);
    assert_true(tls_cert_iter_next(&it, &e));
    assert_false(e.has_ocsp);
    assert_int_equal(e.extensions.len, 0);
    assert_false(tls_cert_iter_next(&it, &e));

    sweep(sc->body, sc->len, true);
    sweep(cc->body, cc->len, true);

    /* parsing a TLS 1.3 body with TLS 1.2 rules fails (and vice versa) */
    size_t cnt;
    assert_int_not_equal(count_certs(&body, false, &cnt).status, DX_OK);
    cur_t b12 = msgs_cur(msgs_ossl12_ecdhe_s2c_certificate, sizeof(msgs_ossl12_ecdhe_s2c_certificate));
    assert_int_not_equal(count_certs(&b12, true, &cnt).status, DX_OK);

    /* post-handshake auth: the client's Certificate echoes the request context */
    msgs13_free(&cap);
    msgs13_opts p = {.pha = true};
    msgs13_run(&cap, &p);
    const msgs13_msg *cr = msgs13_find(&cap, 1, 13, 0);
    cc = msgs13_find(&cap, 0, 11, 0);
    assert_non_null(cr);
    assert_non_null(cc);
    body = msgs_cur(cc->body, cc->len);
    assert_int_equal(tls_cert_iter_init(&it, &body, true, &hdr).status, DX_OK);
    assert_true(hdr.context.len > 0);
    assert_int_equal(cr->body[0], hdr.context.len);
    assert_memory_equal(cr->body + 1, hdr.context.data, hdr.context.len);
    assert_int_equal(walk(cc->body, cc->len, true, cn, sizeof(cn)), 2);
    assert_string_equal(cn, "client.test");
    msgs13_free(&cap);
}

static void test_tls13_entry_extensions_crafted(void **state)
{
    (void)state;
    /* context "ab", one entry {cert 0x30 0x00, ext: status_request ocsp + SCT list of two} */
    static const uint8_t good[] = {
        0x02, 'a', 'b',             /* certificate_request_context */
        0x00, 0x00, 0x24,           /* certificate_list length 36 */
        0x00, 0x00, 0x02, 0x30, 0x00, /* cert_data */
        0x00, 0x1d,                 /* extensions length 29 */
        0x00, 0x05, 0x00, 0x07,     /* status_request, 7 */
        0x01, 0x00, 0x00, 0x03, 0x30, 0x01, 0x00, /* ocsp, u24 response */
        0x00, 0x12, 0x00, 0x0e,     /* signed_certificate_timestamp, 14 */
        0x00, 0x0c,                 /* SignedCertificateTimestampList length 12 */
        0x00, 0x03, 'x', 'y', 'z', 0x00, 0x05, '1', '2', '3', '4', '5', /* two SCTs */
    };
    uint8_t *d = msgs_dup(good, sizeof(good), 0);
    cur_t body = msgs_cur(d, sizeof(good));
    tls_cert_iter it;
    tls_cert_header hdr;
    tls_cert_entry e;
    assert_int_equal(tls_cert_iter_init(&it, &body, true, &hdr).status, DX_OK);
    assert_int_equal(hdr.context.len, 2);
    assert_memory_equal(hdr.context.data, "ab", 2);
    assert_true(tls_cert_iter_next(&it, &e));
    assert_int_equal(e.der.len, 2);
    assert_int_equal(e.der.base, 9);
    assert_true(e.has_ocsp);
    assert_int_equal(e.ocsp_response.len, 3);
    assert_int_equal(e.ocsp_response.base, 21);
    assert_true(e.has_sct);
    assert_int_equal(e.n_sct, 2);
    assert_int_equal(e.n_extensions, 2);
    assert_false(tls_cert_iter_next(&it, &e));
    assert_int_equal(tls_cert_iter_status(&it).status, DX_OK);
    sweep(good, sizeof(good), true);

    dx_result r;
    size_t cnt;
    /* duplicate extension */
    static const uint8_t dup[] = {0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x01, 0x30, 0x00, 0x08,
                                  0x12, 0x34, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00};
    body = msgs_cur(dup, sizeof(dup));
    r = count_certs(&body, true, &cnt);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_EXT_DUPLICATE);
    assert_int_equal(r.offset, 14);
    /* entry extensions length past the list */
    d[12] = 0x1e;
    body = msgs_cur(d, sizeof(good));
    r = count_certs(&body, true, &cnt);
    assert_int_equal(r.code, DXE_LENGTH_PAST_END);
    assert_int_equal(r.offset, 11);
    /* context length past the end */
    d[12] = 0x1d;
    d[0] = 0xff;
    r = count_certs(&body, true, &cnt);
    assert_int_equal(r.code, DXE_LENGTH_PAST_END);
    assert_int_equal(r.offset, 0);
    free(d);
}

static void test_compressed_certificate(void **state)
{
    (void)state;
    static const uint8_t good[] = {0x00, 0x02, 0x00, 0x00, 0x10, 0x00, 0x00, 0x04, 1, 2, 3, 4};
    tls_compressed_cert cc;
    cur_t body = msgs_cur(good, sizeof(good));
    assert_int_equal(tls_cert_parse_compressed(&body, &cc).status, DX_OK);
    assert_int_equal(cc.algorithm, TLS_CERT_COMPRESSION_BROTLI);
    assert_string_equal(tls_cert_compression_name(cc.algorithm), "brotli");
    assert_string_equal(tls_cert_compression_name(1), "zlib");
    assert_string_equal(tls_cert_compression_name(3), "zstd");
    assert_null(tls_cert_compression_name(0x4242));
    assert_int_equal(cc.uncompressed_len, 16);
    assert_int_equal(cc.compressed.len, 4);
    assert_int_equal(cc.compressed.base, 8);
    for (size_t k = 0; k < sizeof(good); k++) {
        uint8_t *d = msgs_dup(good, k, 0);
        body = msgs_cur(d, k);
        assert_int_equal(tls_cert_parse_compressed(&body, &cc).status, DX_MALFORMED);
        free(d);
    }
    uint8_t d[sizeof(good) + 1];
    memcpy(d, good, sizeof(good));
    d[sizeof(good)] = 0;
    body = msgs_cur(d, sizeof(d));
    assert_int_equal(tls_cert_parse_compressed(&body, &cc).code, DXE_TRAILING);
    body = msgs_cur(d, sizeof(good));
    d[7] = 5;
    assert_int_equal(tls_cert_parse_compressed(&body, &cc).code, DXE_LENGTH_PAST_END);
    d[5] = d[6] = d[7] = 0;
    body = msgs_cur(d, 8);
    assert_int_equal(tls_cert_parse_compressed(&body, &cc).code, DXE_LENGTH_ZERO);
    memcpy(d, good, sizeof(good));
    d[2] = d[3] = d[4] = 0;
    body = msgs_cur(d, sizeof(good));
    assert_int_equal(tls_cert_parse_compressed(&body, &cc).code, DXE_LENGTH_ZERO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_tls12_chains),
        cmocka_unit_test(test_real_empty_certificate),
        cmocka_unit_test(test_real_tls12_sweeps),
        cmocka_unit_test(test_tls12_length_fields),
        cmocka_unit_test(test_ten_thousand_entries),
        cmocka_unit_test(test_real_tls13_certificates),
        cmocka_unit_test(test_tls13_entry_extensions_crafted),
        cmocka_unit_test(test_compressed_certificate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
