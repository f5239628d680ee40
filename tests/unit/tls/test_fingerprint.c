/*
 * test_fingerprint.c — JA3/JA3S against tshark 4.0.17 on a real loopback
 * capture (fixtures/hello_loopback.pcap, read here with libpcap through our
 * record/handshake/hello dissectors), and JA3/JA4 against the values
 * published with the JA4 specification (FoxIO JA4.md example) and a
 * published Chrome ClientHello fingerprint (ja3 text + ja3 md5 + ja4 + ja4_r).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <pcap/pcap.h>

#include "fingerprint.h"
#include "fixtures/hello_loopback.h"
#include "fixtures/hello_util.h"
#include "tls_handshake.h"
#include "tls_record.h"

static tls_client_hello ch;
static tls_server_hello sh;

static void ja3_of_ch(const uint8_t *msg, size_t n, const char *want, const char *want_md5)
{
    cur_t c, body;
    uint8_t type;
    cur_init(&c, msg, n);
    assert_int_equal(tls_hs_parse(&c, &type, &body).status, DX_OK);
    assert_int_equal(tls_parse_client_hello(&body, &ch).status, DX_OK);
    char *s = NULL, md5[33];
    assert_int_equal(fp_ja3(&ch, &s, md5), 0);
    assert_string_equal(s, want);
    assert_string_equal(md5, want_md5);
    free(s);
}

static void ja3s_of_sh(const uint8_t *msg, size_t n, const char *want, const char *want_md5)
{
    cur_t c, body;
    uint8_t type;
    cur_init(&c, msg, n);
    assert_int_equal(tls_hs_parse(&c, &type, &body).status, DX_OK);
    assert_int_equal(tls_parse_server_hello(&body, &sh).status, DX_OK);
    char *s = NULL, md5[33];
    assert_int_equal(fp_ja3s(&sh, &s, md5), 0);
    assert_string_equal(s, want);
    assert_string_equal(md5, want_md5);
    free(s);
}

static void test_ja3_fixtures_vs_tshark(void **state)
{
    (void)state;
    ja3_of_ch(hello_ossl13_ch, sizeof hello_ossl13_ch, HELLO_TSHARK_JA3_F4, HELLO_TSHARK_JA3_MD5_F4);
    ja3_of_ch(hello_ossl12_ch, sizeof hello_ossl12_ch, HELLO_TSHARK_JA3_F20, HELLO_TSHARK_JA3_MD5_F20);
    ja3_of_ch(hello_hrr_ch1, sizeof hello_hrr_ch1, HELLO_TSHARK_JA3_F36, HELLO_TSHARK_JA3_MD5_F36);
    ja3_of_ch(hello_hrr_ch2, sizeof hello_hrr_ch2, HELLO_TSHARK_JA3_F40, HELLO_TSHARK_JA3_MD5_F40);
    ja3_of_ch(hello_gnutls_ch, sizeof hello_gnutls_ch, HELLO_TSHARK_JA3_F56, HELLO_TSHARK_JA3_MD5_F56);
    ja3_of_ch(hello_curl_ch, sizeof hello_curl_ch, HELLO_TSHARK_JA3_F75, HELLO_TSHARK_JA3_MD5_F75);
    ja3s_of_sh(hello_ossl13_sh, sizeof hello_ossl13_sh, HELLO_TSHARK_JA3S_F6, HELLO_TSHARK_JA3S_MD5_F6);
    ja3s_of_sh(hello_ossl12_sh, sizeof hello_ossl12_sh, HELLO_TSHARK_JA3S_F22, HELLO_TSHARK_JA3S_MD5_F22);
    ja3s_of_sh(hello_hrr, sizeof hello_hrr, HELLO_TSHARK_JA3S_F38, HELLO_TSHARK_JA3S_MD5_F38);
    ja3s_of_sh(hello_hrr_sh, sizeof hello_hrr_sh, HELLO_TSHARK_JA3S_F41, HELLO_TSHARK_JA3S_MD5_F41);
    ja3s_of_sh(hello_gnutls_sh, sizeof hello_gnutls_sh, HELLO_TSHARK_JA3S_F58, HELLO_TSHARK_JA3S_MD5_F58);
    ja3s_of_sh(hello_curl_sh, sizeof hello_curl_sh, HELLO_TSHARK_JA3S_F77, HELLO_TSHARK_JA3S_MD5_F77);
}

/* ---------------------------------------------------- the capture itself */

static const struct {
    unsigned frame;
    const char *full, *md5;
} tshark_values[] = {
    {4, HELLO_TSHARK_JA3_F4, HELLO_TSHARK_JA3_MD5_F4},      {6, HELLO_TSHARK_JA3S_F6, HELLO_TSHARK_JA3S_MD5_F6},
    {20, HELLO_TSHARK_JA3_F20, HELLO_TSHARK_JA3_MD5_F20},   {22, HELLO_TSHARK_JA3S_F22, HELLO_TSHARK_JA3S_MD5_F22},
    {36, HELLO_TSHARK_JA3_F36, HELLO_TSHARK_JA3_MD5_F36},   {38, HELLO_TSHARK_JA3S_F38, HELLO_TSHARK_JA3S_MD5_F38},
    {40, HELLO_TSHARK_JA3_F40, HELLO_TSHARK_JA3_MD5_F40},   {41, HELLO_TSHARK_JA3S_F41, HELLO_TSHARK_JA3S_MD5_F41},
    {56, HELLO_TSHARK_JA3_F56, HELLO_TSHARK_JA3_MD5_F56},   {58, HELLO_TSHARK_JA3S_F58, HELLO_TSHARK_JA3S_MD5_F58},
    {75, HELLO_TSHARK_JA3_F75, HELLO_TSHARK_JA3_MD5_F75},   {77, HELLO_TSHARK_JA3S_F77, HELLO_TSHARK_JA3S_MD5_F77},
};

/* Test-only Ethernet/IPv4/TCP walk to the TCP payload. */
static bool tcp_payload(const uint8_t *p, size_t n, cur_t *out)
{
    cur_t c;
    uint16_t ethertype;
    uint8_t vihl, proto, doff;
    cur_init(&c, p, n);
    if (!cur_skip(&c, 12) || !cur_get_u16(&c, &ethertype) || ethertype != 0x0800)
        return false;
    cur_t ip = c;
    if (!cur_get_u8(&ip, &vihl) || !cur_skip(&ip, 8) || !cur_get_u8(&ip, &proto) || proto != 6)
        return false;
    uint16_t total;
    cur_t t = c;
    if (!cur_skip(&t, 2) || !cur_get_u16(&t, &total))
        return false;
    cur_t ipc;
    if (!cur_get_sub(&c, total, &ipc) || !cur_skip(&ipc, (size_t)(vihl & 0x0F) * 4))
        return false;
    cur_t tcp = ipc;
    if (!cur_skip(&tcp, 12) || !cur_get_u8(&tcp, &doff))
        return false;
    if (!cur_skip(&ipc, (size_t)(doff >> 4) * 4))
        return false;
    cur_take_rest(&ipc, out);
    return !cur_at_end(out);
}

static void test_ja3_capture_vs_tshark(void **state)
{
    (void)state;
    const char *src = getenv("MTLS_SOURCE_DIR");
    char path[4096], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/tests/unit/fixtures/hello_loopback.pcap", src ? src : ".");
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc)
        fail_msg("%s: %s", path, err);
    struct pcap_pkthdr *h;
    const u_char *pkt;
    unsigned frame = 0, checked = 0;
    while (pcap_next_ex(pc, &h, &pkt) == 1) {
        frame++;
        cur_t pl, rec, body;
        tls_record_hdr rh;
        if (!tcp_payload(pkt, h->caplen, &pl))
            continue;
        bool found = false;
        while (!found && tls_record_parse(&pl, &rh, &rec).status == DX_OK) {
            uint8_t type;
            if (rh.type != TLS_CT_HANDSHAKE || tls_hs_parse(&rec, &type, &body).status != DX_OK)
                continue;
            if (type != TLS_HS_CLIENT_HELLO && type != TLS_HS_SERVER_HELLO)
                break;
            found = true;
            char *s = NULL, md5[33];
            if (type == TLS_HS_CLIENT_HELLO) {
                assert_int_equal(tls_parse_client_hello(&body, &ch).status, DX_OK);
                assert_int_equal(fp_ja3(&ch, &s, md5), 0);
            } else {
                assert_int_equal(tls_parse_server_hello(&body, &sh).status, DX_OK);
                assert_int_equal(fp_ja3s(&sh, &s, md5), 0);
            }
            size_t i = 0;
            while (i < MTLS_ARRAY_LEN(tshark_values) && tshark_values[i].frame != frame)
                i++;
            if (i == MTLS_ARRAY_LEN(tshark_values))
                fail_msg("frame %u: hello not in the tshark table", frame);
            assert_string_equal(s, tshark_values[i].full);
            assert_string_equal(md5, tshark_values[i].md5);
            free(s);
            checked++;
        }
    }
    pcap_close(pc);
    assert_int_equal(checked, MTLS_ARRAY_LEN(tshark_values));
}

/* ------------------------------------------------- published JA4 examples */

static bb B;

static void put_u16s(bb *b, const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bb_u16(b, v[i]);
}

static const uint16_t ja4_sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};

/* A valid body for each extension type used below. */
static void add_ext(bb *b, uint16_t type, const uint16_t *groups, size_t n_groups, const uint16_t *sig, size_t n_sig,
                    const char *alpn)
{
    bb_ext_open(b, type);
    switch (type) {
    case 0x0000:
        bb_open(b, 2);
        bb_u8(b, 0);
        bb_open(b, 2);
        bb_str(b, "example.com");
        bb_close(b);
        bb_close(b);
        break;
    case 0x0005:
        bb_u8(b, 1);
        bb_u16(b, 0);
        bb_u16(b, 0);
        break;
    case 0x000a:
        bb_open(b, 2);
        put_u16s(b, groups, n_groups);
        bb_close(b);
        break;
    case 0x000b:
        bb_u8(b, 1);
        bb_u8(b, 0);
        break;
    case 0x000d:
        bb_open(b, 2);
        put_u16s(b, sig, n_sig);
        bb_close(b);
        break;
    case 0x0010:
        bb_open(b, 2);
        bb_open(b, 1);
        bb_str(b, alpn);
        bb_close(b);
        bb_open(b, 1);
        bb_str(b, "http/1.1");
        bb_close(b);
        bb_close(b);
        break;
    case 0x0015:
        bb_u16(b, 0);
        break;
    case 0x001b:
        bb_u8(b, 2);
        bb_u16(b, 2);
        break;
    case 0x002b:
        bb_u8(b, 6);
        bb_u16(b, 0x7A7A);
        bb_u16(b, 0x0304);
        bb_u16(b, 0x0303);
        break;
    case 0x002d:
        bb_u8(b, 1);
        bb_u8(b, 1);
        break;
    case 0x0033:
        bb_open(b, 2);
        bb_u16(b, 0x001D);
        bb_open(b, 2);
        for (int i = 0; i < 32; i++)
            bb_u8(b, i);
        bb_close(b);
        bb_close(b);
        break;
    case 0xfe0d:
        bb_u8(b, 0);
        bb_u16(b, 1);
        bb_u16(b, 1);
        bb_u8(b, 7);
        bb_u16(b, 2);
        bb_u16(b, 0xE1E2);
        bb_u16(b, 1);
        bb_u8(b, 0xF1);
        break;
    case 0xff01:
        bb_u8(b, 0);
        break;
    case 0x4469:
    case 0x44cd:
        bb_u16(b, 3);
        bb_u8(b, 2);
        bb_str(b, "h2");
        break;
    default: /* empty: 0012, 0017, 0023, GREASE */
        break;
    }
    bb_close(b);
}

static void build_ch(const uint16_t *ciphers, size_t nc, const uint16_t *exts, size_t ne, const uint16_t *groups,
                     size_t ng, const uint16_t *sig, size_t ns, const char *alpn)
{
    ch_begin(&B, ciphers, nc);
    ch_begin_exts(&B);
    for (size_t i = 0; i < ne; i++)
        add_ext(&B, exts[i], groups, ng, sig, ns, alpn);
    bb_close(&B);
    cur_t c;
    cur_init(&c, B.buf, B.n);
    dx_result r = tls_parse_client_hello(&c, &ch);
    if (r.status != DX_OK)
        fail_msg("crafted hello: %s at %zu", dx_err_name(r.code), r.offset);
}

/* JA4 from its raw form JA4_r ("a_ciphers_exts_sigalgs"), as the JA4
 * specification hashes it: part a, then the first 12 hex digits of the
 * SHA-256 of the cipher list and of the rest. fp_ja4 equal to this is fp_ja4
 * hashing exactly these lists. */
static void ja4_of_raw(const char *raw, char out[40])
{
    const char *b = strchr(raw, '_');
    assert_non_null(b);
    const char *c = strchr(b + 1, '_');
    assert_non_null(c);
    assert_int_equal(b - raw, 10);
    const char *part[2] = {b + 1, c + 1};
    size_t len[2] = {(size_t)(c - (b + 1)), strlen(c + 1)};
    char *w = out + snprintf(out, 40, "%.10s", raw);
    for (int i = 0; i < 2; i++) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        assert_int_equal(EVP_Digest(part[i], len[i], md, &mdlen, EVP_sha256(), NULL), 1);
        w += snprintf(w, 14, "_%02x%02x%02x%02x%02x%02x", md[0], md[1], md[2], md[3], md[4], md[5]);
    }
}

/* FoxIO JA4.md example: ciphers and extensions of its JA4_ro line, with GREASE added */
static const uint16_t spec_ciphers[] = {0x0A0A, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                        0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
static const uint16_t spec_exts[] = {0x1A1A, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
                                     0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0x2A2A};
static const uint16_t spec_groups[] = {0x3A3A, 0x001d, 0x0017, 0x0018};

static void test_ja4_spec_example(void **state)
{
    (void)state;
    char out[40], want[40];
    build_ch(spec_ciphers, MTLS_ARRAY_LEN(spec_ciphers), spec_exts, MTLS_ARRAY_LEN(spec_exts), spec_groups,
             MTLS_ARRAY_LEN(spec_groups), ja4_sigalgs, MTLS_ARRAY_LEN(ja4_sigalgs), "h2");
    assert_int_equal(fp_ja4(&ch, false, out), 0);
    assert_string_equal(out, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    /* the lists hashed are the spec's JA4_r */
    ja4_of_raw("t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,"
               "cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,"
               "0804,0401,0503,0805,0501,0806,0601",
               want);
    assert_string_equal(out, want);
    assert_int_equal(fp_ja4(&ch, true, out), 0);
    assert_string_equal(out, "q13d1516h2_8daaf6152771_e5627efa2ab1");

    /* "no signature algorithms": the list ends without '_' (only GREASE left) */
    const uint16_t grease_sig[] = {0x0A0A};
    build_ch(spec_ciphers, MTLS_ARRAY_LEN(spec_ciphers), spec_exts, MTLS_ARRAY_LEN(spec_exts), spec_groups,
             MTLS_ARRAY_LEN(spec_groups), grease_sig, 1, "h2");
    assert_int_equal(fp_ja4(&ch, false, out), 0);
    assert_string_equal(out + 24, "6d807ffa2a79");

    /* no SNI, no ALPN -> 'i' and "00"; only SNI/ALPN left -> c = 000000000000 */
    const uint16_t only[] = {0x0000, 0x0010};
    build_ch(spec_ciphers, 3, only + 1, 0, NULL, 0, NULL, 0, "h2");
    assert_int_equal(fp_ja4(&ch, false, out), 0);
    /* `printf 1301,1302 | sha256sum` (GREASE 0a0a dropped) */
    assert_string_equal(out + 10, "_62ed6f6ca7ad_000000000000");
    assert_memory_equal(out, "t12i020000", 10);
    build_ch(spec_ciphers + 1, 2, only, 2, NULL, 0, NULL, 0, "h2");
    assert_int_equal(fp_ja4(&ch, false, out), 0);
    assert_memory_equal(out, "t12d0202h2", 10);
    assert_string_equal(out + 24, "000000000000");
}

static void test_ja4_alpn_rules(void **state)
{
    (void)state;
    /* spec: non-alphanumeric first/last byte -> first/last hex digit of the value */
    const struct {
        const char *alpn;
        const char *want;
    } cases[] = {
        {"\xAB", "ab"}, {"\xAB\xCD", "ad"}, {"\x30\xAB", "3b"}, {"\x30\x31\xAB\xCD", "3d"},
        {"\x30\xAB\xCD\x31", "01"}, {"http/1.1", "h1"}, {"x", "xx"},
    };
    const uint16_t exts[] = {0x0010};
    char out[40];
    for (size_t i = 0; i < MTLS_ARRAY_LEN(cases); i++) {
        build_ch(spec_ciphers + 1, 1, exts, 1, NULL, 0, NULL, 0, cases[i].alpn);
        assert_int_equal(fp_ja4(&ch, false, out), 0);
        if (memcmp(out + 8, cases[i].want, 2) != 0)
            fail_msg("alpn case %zu: %s", i, out);
    }
    /* more than 99 ciphers -> 99 */
    static uint16_t many[120];
    for (size_t i = 0; i < 120; i++)
        many[i] = (uint16_t)(0xC100 + i);
    build_ch(many, 120, NULL, 0, NULL, 0, NULL, 0, "");
    assert_int_equal(fp_ja4(&ch, false, out), 0);
    assert_memory_equal(out, "t12i9900", 8);
}

/* A published Chrome 143 ClientHello (browserleaks-style record: ja3_text, ja3_hash, ja4, ja4_r). */
static void test_published_chrome(void **state)
{
    (void)state;
    const uint16_t ciphers[] = {0x8A8A, 4865,  4866,  4867,  49195, 49199, 49196, 49200,
                                52393,  52392, 49171, 49172, 156,   157,   47,    53};
    const uint16_t exts[] = {0xCACA, 45, 51, 16, 65037, 23, 17613, 0, 11, 10, 43, 65281, 35, 18, 5, 13, 27, 0x9A9A};
    const uint16_t groups[] = {0x4A4A, 4588, 29, 23, 24};
    build_ch(ciphers, MTLS_ARRAY_LEN(ciphers), exts, MTLS_ARRAY_LEN(exts), groups, MTLS_ARRAY_LEN(groups),
             ja4_sigalgs, MTLS_ARRAY_LEN(ja4_sigalgs), "h2");
    char *s = NULL, md5[33], out[40];
    assert_int_equal(fp_ja3(&ch, &s, md5), 0);
    assert_string_equal(s, "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
                           "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0");
    assert_string_equal(md5, "98487aa16281980e7d1120d399efb6a4");
    free(s);
    assert_int_equal(fp_ja4(&ch, false, out), 0);
    assert_string_equal(out, "t13d1516h2_8daaf6152771_d8a2da3f94cd");
    /* and it is the hash of the published ja4_r */
    char want[40];
    ja4_of_raw("t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,"
               "cca9_0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,fe0d,ff01_0403,0804,"
               "0401,0503,0805,0501,0806,0601",
               want);
    assert_string_equal(out, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ja3_fixtures_vs_tshark),
        cmocka_unit_test(test_ja3_capture_vs_tshark),
        cmocka_unit_test(test_ja4_spec_example),
        cmocka_unit_test(test_ja4_alpn_rules),
        cmocka_unit_test(test_published_chrome),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
