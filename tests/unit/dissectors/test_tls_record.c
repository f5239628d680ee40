/*
 * test_tls_record.c — record header, size caps, plausibility for detection
 * and resync, SSLv2 record header, handshake header framing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tls_handshake.h"
#include "tls_record.h"
#include "tls_registry.h"

/* First bytes of a real TLS stream: OpenSSL 3.0 ClientHello record header
 * (fixtures/hello_loopback.pcap frame 4): handshake, TLS 1.0, 258 bytes. */
static const uint8_t real_hdr[] = {0x16, 0x03, 0x01, 0x01, 0x02};

static dx_result hdr(const uint8_t *p, size_t n, tls_record_hdr *h, size_t *consumed)
{
    cur_t c;
    cur_init(&c, p, n);
    dx_result r = tls_record_parse_header(&c, h);
    *consumed = c.off;
    return r;
}

static void test_header_real_and_need_more(void **state)
{
    (void)state;
    tls_record_hdr h;
    size_t used;
    dx_result r = hdr(real_hdr, sizeof real_hdr, &h, &used);
    assert_int_equal(r.status, DX_OK);
    assert_int_equal(used, 5);
    assert_int_equal(h.type, TLS_CT_HANDSHAKE);
    assert_int_equal(h.version, 0x0301);
    assert_int_equal(h.length, 258);
    for (size_t k = 0; k < 5; k++) {
        r = hdr(real_hdr, k, &h, &used);
        assert_int_equal(r.status, DX_NEED_MORE);
        assert_int_equal(r.need, 5 - k);
        assert_int_equal(used, 0);
    }
}

static void test_header_fields(void **state)
{
    (void)state;
    tls_record_hdr h;
    size_t used;
    uint8_t b[5];
    /* every content type byte */
    for (unsigned t = 0; t < 256; t++) {
        memcpy(b, real_hdr, 5);
        b[0] = (uint8_t)t;
        dx_result r = hdr(b, 5, &h, &used);
        if (t >= 20 && t <= 24) {
            assert_int_equal(r.status, DX_OK);
        } else {
            assert_int_equal(r.code, DXE_REC_TYPE);
            assert_int_equal(r.offset, 0);
            assert_int_equal(used, 0);
        }
        assert_int_equal(tls_record_plausible(b, 5), t >= 20 && t <= 24);
    }
    /* versions */
    const struct {
        uint16_t v;
        bool ok;
    } vers[] = {{0x0300, true}, {0x0303, true}, {0x0304, true}, {0x0305, false},
                {0x02FF, false}, {0x0200, false}, {0xFEFD, false}, {0x0403, false}};
    for (size_t i = 0; i < MTLS_ARRAY_LEN(vers); i++) {
        memcpy(b, real_hdr, 5);
        b[1] = (uint8_t)(vers[i].v >> 8);
        b[2] = (uint8_t)vers[i].v;
        dx_result r = hdr(b, 5, &h, &used);
        assert_int_equal(r.status == DX_OK, vers[i].ok);
        if (!vers[i].ok) {
            assert_int_equal(r.code, DXE_REC_VERSION);
            assert_int_equal(r.offset, 1);
        }
    }
    /* lengths: max, max+1, 0xffff, zero (only application data) */
    const struct {
        uint16_t len;
        uint8_t type;
        dx_err want;
    } lens[] = {{TLS_RECORD_MAX, 22, DXE_NONE},         {TLS_RECORD_MAX + 1, 22, DXE_REC_TOO_LONG},
                {0xFFFF, 23, DXE_REC_TOO_LONG},         {0, 22, DXE_LENGTH_ZERO},
                {0, 21, DXE_LENGTH_ZERO},               {0, 20, DXE_LENGTH_ZERO},
                {0, 23, DXE_NONE},                      {1, 20, DXE_NONE}};
    for (size_t i = 0; i < MTLS_ARRAY_LEN(lens); i++) {
        memcpy(b, real_hdr, 5);
        b[0] = lens[i].type;
        b[3] = (uint8_t)(lens[i].len >> 8);
        b[4] = (uint8_t)lens[i].len;
        dx_result r = hdr(b, 5, &h, &used);
        assert_int_equal(r.code, lens[i].want);
        if (lens[i].want != DXE_NONE)
            assert_int_equal(r.offset, 3);
        assert_int_equal(tls_record_plausible(b, 5), lens[i].want == DXE_NONE);
    }
    assert_false(tls_record_plausible(real_hdr, 4));
    assert_false(tls_record_plausible(NULL, 0));
}

static void test_record_with_body(void **state)
{
    (void)state;
    /* two records back to back: CCS (1 byte) then alert (2 bytes) */
    const uint8_t two[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    cur_t c, body;
    tls_record_hdr h;
    cur_init(&c, two, sizeof two);
    assert_int_equal(tls_record_parse(&c, &h, &body).status, DX_OK);
    assert_int_equal(h.type, TLS_CT_CHANGE_CIPHER_SPEC);
    assert_int_equal(cur_remaining(&body), 1);
    assert_int_equal(body.base, 5);
    assert_int_equal(tls_record_parse(&c, &h, &body).status, DX_OK);
    assert_int_equal(h.type, TLS_CT_ALERT);
    assert_int_equal(cur_remaining(&body), 2);
    assert_true(cur_at_end(&c));
    /* every prefix of the second record: need more, cursor unchanged */
    for (size_t k = 0; k < 7; k++) {
        cur_init(&c, two + 6, k);
        dx_result r = tls_record_parse(&c, &h, &body);
        assert_int_equal(r.status, DX_NEED_MORE);
        assert_int_equal(r.need, k < 5 ? 5 - k : 7 - k);
        assert_int_equal(c.off, 0);
    }
}

static void test_resync_scan(void **state)
{
    (void)state;
    /* garbage, then a real record header: the first plausible offset is the header */
    uint8_t buf[64];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(0x80 + i);
    memcpy(buf + 20, real_hdr, 5);
    size_t found = SIZE_MAX;
    for (size_t i = 0; i + 5 <= sizeof buf; i++) {
        cur_t c;
        cur_init(&c, buf, sizeof buf);
        assert_true(cur_skip(&c, i));
        if (tls_record_plausible(cur_ptr(&c), cur_remaining(&c))) {
            found = i;
            break;
        }
    }
    assert_int_equal(found, 20);
}

static void test_sslv2_header(void **state)
{
    (void)state;
    /* 2-byte header, length 0x2e, CLIENT-HELLO, version 3.1 */
    const uint8_t v2[] = {0x80, 0x2E, 0x01, 0x03, 0x01, 0x00, 0x09};
    assert_true(tls_record_is_sslv2_hello(v2, sizeof v2));
    assert_false(tls_record_is_sslv2_hello(v2, 4));
    assert_false(tls_record_plausible(v2, sizeof v2));
    uint8_t b[sizeof v2];
    const struct {
        size_t at;
        uint8_t v;
    } bad[] = {{0, 0x00}, {1, 0x08}, {2, 0x02}, {3, 0x02}, {3, 0x04}};
    for (size_t i = 0; i < MTLS_ARRAY_LEN(bad); i++) {
        memcpy(b, v2, sizeof v2);
        b[bad[i].at] = bad[i].v;
        assert_false(tls_record_is_sslv2_hello(b, sizeof b));
    }
    memcpy(b, v2, sizeof v2);
    b[3] = 0x00;
    b[4] = 0x02; /* pure SSL 2.0 client */
    assert_true(tls_record_is_sslv2_hello(b, sizeof b));
    /* a TLS record never looks like SSLv2 */
    assert_false(tls_record_is_sslv2_hello(real_hdr, sizeof real_hdr));

    cur_t c;
    tls_sslv2_hdr h;
    cur_init(&c, v2, sizeof v2);
    assert_int_equal(tls_record_parse_sslv2_header(&c, &h).status, DX_OK);
    assert_int_equal(h.length, 0x2E);
    assert_int_equal(c.off, 2);
    cur_init(&c, v2, 1);
    dx_result r = tls_record_parse_sslv2_header(&c, &h);
    assert_int_equal(r.status, DX_NEED_MORE);
    assert_int_equal(r.need, 1);
    const uint8_t no_hi[] = {0x00, 0x2E};
    cur_init(&c, no_hi, 2);
    assert_int_equal(tls_record_parse_sslv2_header(&c, &h).code, DXE_SSLV2);
    const uint8_t tiny[] = {0x80, 0x08};
    cur_init(&c, tiny, 2);
    assert_int_equal(tls_record_parse_sslv2_header(&c, &h).code, DXE_SSLV2);
    assert_int_equal(c.off, 0);
}

static void test_handshake_header(void **state)
{
    (void)state;
    const uint8_t msg[] = {0x0E, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x02, 0xAA, 0xBB};
    cur_t c, body;
    uint8_t type;
    uint32_t len;
    cur_init(&c, msg, sizeof msg);
    assert_int_equal(tls_hs_parse_header(&c, &type, &len).status, DX_OK);
    assert_int_equal(type, TLS_HS_SERVER_HELLO_DONE);
    assert_int_equal(len, 0);
    assert_int_equal(tls_hs_parse(&c, &type, &body).status, DX_OK);
    assert_int_equal(type, TLS_HS_FINISHED);
    assert_int_equal(cur_remaining(&body), 2);
    assert_int_equal(body.base, 8);
    for (size_t k = 0; k < 6; k++) {
        cur_init(&c, msg + 4, k);
        dx_result r = tls_hs_parse(&c, &type, &body);
        assert_int_equal(r.status, DX_NEED_MORE);
        assert_int_equal(r.need, k < 4 ? 4 - k : 6 - k);
        assert_int_equal(c.off, 0);
    }
    const uint8_t big[] = {0x0B, 0x10, 0x00, 0x01};
    cur_init(&c, big, sizeof big);
    dx_result r = tls_hs_parse_header(&c, &type, &len);
    assert_int_equal(r.code, DXE_HS_TOO_LONG);
    assert_int_equal(r.offset, 1);
    const uint8_t cap[] = {0x0B, 0x10, 0x00, 0x00};
    cur_init(&c, cap, sizeof cap);
    assert_int_equal(tls_hs_parse_header(&c, &type, &len).status, DX_OK);
    assert_int_equal(len, TLS_HS_MAX_LEN);
    /* unknown types are framed, not rejected */
    const uint8_t unk[] = {0x63, 0x00, 0x00, 0x00};
    cur_init(&c, unk, sizeof unk);
    assert_int_equal(tls_hs_parse(&c, &type, &body).status, DX_OK);
    assert_int_equal(type, 0x63);
    assert_null(tls_reg_hs_type_name(0x63));
    assert_string_equal(tls_reg_hs_type_name(TLS_HS_CERTIFICATE_REQUEST), "certificate_request");
    assert_string_equal(tls_reg_hs_type_name(TLS_HS_MESSAGE_HASH), "message_hash");
    assert_string_equal(tls_reg_hs_type_name(TLS_HS_COMPRESSED_CERTIFICATE), "compressed_certificate");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_real_and_need_more),
        cmocka_unit_test(test_header_fields),
        cmocka_unit_test(test_record_with_body),
        cmocka_unit_test(test_resync_scan),
        cmocka_unit_test(test_sslv2_header),
        cmocka_unit_test(test_handshake_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
