/*
 * test_tls_hello.c — ClientHello / ServerHello / HelloRetryRequest / SSLv2
 * ClientHello parsing on real bytes from OpenSSL, GnuTLS and curl
 * (fixtures/hello_loopback.h) and on crafted malformed bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures/hello_loopback.h"
#include "fixtures/hello_util.h"
#include "fixtures/view_asserts.h"
#include "tls_extensions.h"
#include "tls_handshake.h"
#include "tls_hello.h"
#include "tls_registry.h"

static tls_client_hello ch;
static tls_server_hello sh;

/* Strip the 4-byte handshake header of a fixture and check it. */
static cur_t body_of(const uint8_t *msg, size_t len, uint8_t want_type)
{
    cur_t c, body;
    uint8_t type;
    cur_init(&c, msg, len);
    dx_result r = tls_hs_parse(&c, &type, &body);
    assert_int_equal(r.status, DX_OK);
    assert_int_equal(type, want_type);
    assert_true(cur_at_end(&c));
    return body;
}

static dx_result parse_ch(const uint8_t *p, size_t n)
{
    cur_t c;
    cur_init(&c, p, n);
    return tls_parse_client_hello(&c, &ch);
}

static dx_result parse_sh(const uint8_t *p, size_t n)
{
    cur_t c;
    cur_init(&c, p, n);
    return tls_parse_server_hello(&c, &sh);
}

/* The list holds exactly want[0..n), read both ways (iterator and index). */
static void assert_list(const tls_u16_list *l, const uint16_t *want, size_t n)
{
    tls_u16_iter it;
    uint16_t v;
    size_t k = 0;
    assert_int_equal(l->n, n);
    tls_u16_iter_init(&it, l);
    while (tls_u16_iter_next(&it, &v)) {
        assert_true(k < n);
        assert_int_equal(v, want[k]);
        assert_int_equal(list_at(l, k), want[k]);
        k++;
    }
    assert_int_equal(k, n);
    assert_false(tls_u16_list_at(l, n, &v));
    uint16_t all[TLS_LIST_MAX];
    assert_int_equal(tls_u16_list_read(l, all), n);
    for (k = 0; k < n; k++)
        assert_int_equal(all[k], want[k]);
}

/* ------------------------------------------------------------- real bytes */

static void test_openssl13_client_hello(void **state)
{
    (void)state;
    cur_t b = body_of(hello_ossl13_ch, sizeof hello_ossl13_ch, TLS_HS_CLIENT_HELLO);
    dx_result r = tls_parse_client_hello(&b, &ch);
    assert_int_equal(r.status, DX_OK);
    assert_true(cur_at_end(&b));
    assert_false(ch.sslv2);
    assert_int_equal(ch.legacy_version, 0x0303);
    assert_int_equal(ch.random.len, 32);
    assert_memory_equal(ch.random32, hello_ossl13_ch + 6, 32);
    assert_int_equal(ch.session_id.len, 32);
    static const uint16_t ciphers[] = {0x1302, 0x1303, 0x1301, 0x00ff};
    assert_list(&ch.ciphers, ciphers, 4);
    assert_int_equal(ch.compression.len, 1);
    assert_true(ch.has_extensions);
    static const uint16_t types[] = {0, 11, 10, 35, 16, 22, 23, 13, 43, 45, 51};
    assert_list(&ch.ext.types, types, 11);
    assert_true(ch.ext.has_sni);
    assert_true(view_eq(ch.ext.sni, "server.test"));
    assert_int_equal(ch.ext.sni_names, 1);
    assert_int_equal(ch.ext.n_alpn, 2);
    assert_true(view_eq(alpn_at(&ch.ext, 0), "h2"));
    assert_true(view_eq(alpn_at(&ch.ext, 1), "http/1.1"));
    static const uint16_t versions[] = {0x0304};
    assert_list(&ch.ext.versions, versions, 1);
    static const uint16_t groups[] = {29, 23, 30, 25, 24, 256, 257, 258, 259, 260};
    assert_list(&ch.ext.groups, groups, 10);
    static const uint16_t pf[] = {0, 1, 2};
    assert_list(&ch.ext.point_formats, pf, 3);
    static const uint16_t ks[] = {29};
    assert_list(&ch.ext.key_share_groups, ks, 1);
    assert_int_equal(ch.ext.sig_algs.n, 14);
    assert_int_equal(list_at(&ch.ext.sig_algs, 0), 0x0403);
    assert_int_equal(list_at(&ch.ext.sig_algs, 13), 0x0601);
    static const uint16_t modes[] = {1};
    assert_list(&ch.ext.psk_modes, modes, 1);
    assert_true(ch.ext.has_session_ticket);
    assert_int_equal(ch.ext.session_ticket.len, 0);
    assert_true(ch.ext.encrypt_then_mac);
    assert_true(ch.ext.extended_master_secret);
    assert_false(ch.ext.has_psk);
    assert_false(ch.ext.post_handshake_auth);
    assert_false(ch.ext.has_ech);
}

static void test_openssl13_server_hello(void **state)
{
    (void)state;
    cur_t b = body_of(hello_ossl13_sh, sizeof hello_ossl13_sh, TLS_HS_SERVER_HELLO);
    assert_int_equal(tls_parse_server_hello(&b, &sh).status, DX_OK);
    assert_false(sh.is_hrr);
    assert_int_equal(sh.downgrade, 0);
    assert_int_equal(sh.legacy_version, 0x0303);
    assert_int_equal(sh.selected_version, 0x0304);
    assert_int_equal(sh.cipher, 0x1302);
    assert_int_equal(sh.compression, 0);
    assert_int_equal(sh.session_id.len, 32);
    static const uint16_t types[] = {43, 51};
    assert_list(&sh.ext.types, types, 2);
    assert_true(sh.ext.has_key_share);
    assert_int_equal(sh.ext.key_share_group, 29);
    /* the server echoes the client's legacy_session_id */
    cur_t cb = body_of(hello_ossl13_ch, sizeof hello_ossl13_ch, TLS_HS_CLIENT_HELLO);
    assert_int_equal(tls_parse_client_hello(&cb, &ch).status, DX_OK);
    assert_memory_equal(sh.session_id.ptr, ch.session_id.ptr, 32);
}

static void test_openssl12(void **state)
{
    (void)state;
    cur_t b = body_of(hello_ossl12_ch, sizeof hello_ossl12_ch, TLS_HS_CLIENT_HELLO);
    assert_int_equal(tls_parse_client_hello(&b, &ch).status, DX_OK);
    assert_int_equal(ch.ciphers.n, 28);
    assert_int_equal(list_at(&ch.ciphers, 0), 0xC02C);
    assert_int_equal(list_at(&ch.ciphers, 27), 0x00FF);
    assert_int_equal(ch.ext.versions.n, 0);
    assert_true(view_eq(ch.ext.sni, "server.test"));
    assert_int_equal(ch.ext.n_alpn, 0);

    b = body_of(hello_ossl12_sh, sizeof hello_ossl12_sh, TLS_HS_SERVER_HELLO);
    assert_int_equal(tls_parse_server_hello(&b, &sh).status, DX_OK);
    assert_false(sh.is_hrr);
    assert_int_equal(sh.cipher, 0xC02C);
    assert_int_equal(sh.selected_version, 0x0303); /* no supported_versions: legacy_version */
    assert_int_equal(sh.ext.selected_version, 0);
    assert_true(sh.ext.has_renegotiation_info);
    assert_int_equal(sh.ext.renegotiated_connection.len, 0);
    assert_true(sh.ext.extended_master_secret);
    assert_false(sh.ext.encrypt_then_mac); /* AEAD suite: server does not echo ETM */
    static const uint16_t pf[] = {0, 1, 2};
    assert_list(&sh.ext.point_formats, pf, 3);
    assert_true(sh.ext.has_session_ticket);
}

static void test_hello_retry_request(void **state)
{
    (void)state;
    cur_t b = body_of(hello_hrr_ch1, sizeof hello_hrr_ch1, TLS_HS_CLIENT_HELLO);
    assert_int_equal(tls_parse_client_hello(&b, &ch).status, DX_OK);
    static const uint16_t ks1[] = {23};
    assert_list(&ch.ext.key_share_groups, ks1, 1);
    assert_false(ch.ext.has_sni);

    b = body_of(hello_hrr, sizeof hello_hrr, TLS_HS_SERVER_HELLO);
    assert_int_equal(tls_parse_server_hello(&b, &sh).status, DX_OK);
    assert_true(sh.is_hrr);
    assert_memory_equal(sh.random.ptr, tls_hrr_random, 32);
    assert_int_equal(sh.selected_version, 0x0304);
    assert_int_equal(sh.ext.key_share_group, 29); /* selected_group x25519 */
    assert_int_equal(sh.cipher, 0x1302);

    b = body_of(hello_hrr_ch2, sizeof hello_hrr_ch2, TLS_HS_CLIENT_HELLO);
    assert_int_equal(tls_parse_client_hello(&b, &ch).status, DX_OK);
    static const uint16_t ks2[] = {29};
    assert_list(&ch.ext.key_share_groups, ks2, 1);

    b = body_of(hello_hrr_sh, sizeof hello_hrr_sh, TLS_HS_SERVER_HELLO);
    assert_int_equal(tls_parse_server_hello(&b, &sh).status, DX_OK);
    assert_false(sh.is_hrr);
    assert_int_equal(sh.ext.key_share_group, 29);
}

static void test_gnutls_and_curl(void **state)
{
    (void)state;
    cur_t b = body_of(hello_gnutls_ch, sizeof hello_gnutls_ch, TLS_HS_CLIENT_HELLO);
    assert_int_equal(tls_parse_client_hello(&b, &ch).status, DX_OK);
    assert_int_equal(ch.ciphers.n, 29);
    assert_true(ch.ext.has_status_request);
    assert_int_equal(ch.ext.status_type, 1);
    assert_true(ch.ext.record_size_limit >= 64);
    assert_true(view_eq(ch.ext.sni, "server.test"));
    assert_true(ch.ext.versions.n >= 2);
    assert_int_equal(list_at(&ch.ext.versions, 0), 0x0304);
    static const uint16_t pf[] = {0};
    assert_list(&ch.ext.point_formats, pf, 1);
    assert_true(ch.ext.has_renegotiation_info);

    b = body_of(hello_curl_ch, sizeof hello_curl_ch, TLS_HS_CLIENT_HELLO);
    assert_int_equal(tls_parse_client_hello(&b, &ch).status, DX_OK);
    assert_true(ch.ext.post_handshake_auth);
    assert_true(ch.ext.padding_len > 0 || tls_exts_has(&ch.ext, TLS_EXT_PADDING));
    assert_int_equal(ch.ext.n_alpn, 2);
    assert_true(view_eq(alpn_at(&ch.ext, 0), "h2"));
    assert_int_equal(list_at(&ch.ext.types, ch.ext.types.n - 1), TLS_EXT_PADDING);

    b = body_of(hello_curl_sh, sizeof hello_curl_sh, TLS_HS_SERVER_HELLO);
    assert_int_equal(tls_parse_server_hello(&b, &sh).status, DX_OK);
    assert_int_equal(sh.selected_version, 0x0304);
    b = body_of(hello_gnutls_sh, sizeof hello_gnutls_sh, TLS_HS_SERVER_HELLO);
    assert_int_equal(tls_parse_server_hello(&b, &sh).status, DX_OK);
    assert_int_equal(sh.selected_version, 0x0304);
}

/* -------------------------------------------------------- sweeps on reals */

typedef struct fixture {
    const uint8_t *p;
    size_t n;
    bool client;
} fixture;

static const fixture fixtures[] = {
    {hello_ossl13_ch, sizeof hello_ossl13_ch, true},   {hello_ossl13_sh, sizeof hello_ossl13_sh, false},
    {hello_ossl12_ch, sizeof hello_ossl12_ch, true},   {hello_ossl12_sh, sizeof hello_ossl12_sh, false},
    {hello_hrr_ch1, sizeof hello_hrr_ch1, true},       {hello_hrr, sizeof hello_hrr, false},
    {hello_hrr_ch2, sizeof hello_hrr_ch2, true},       {hello_hrr_sh, sizeof hello_hrr_sh, false},
    {hello_gnutls_ch, sizeof hello_gnutls_ch, true},   {hello_gnutls_sh, sizeof hello_gnutls_sh, false},
    {hello_curl_ch, sizeof hello_curl_ch, true},       {hello_curl_sh, sizeof hello_curl_sh, false},
};

static dx_result parse_any(bool client, const uint8_t *p, size_t n)
{
    return client ? parse_ch(p, n) : parse_sh(p, n);
}

/* Offset (in the body) where the optional extensions block starts. */
static size_t ext_block_offset(const fixture *f)
{
    const uint8_t *body = f->p + 4;
    dx_result r = parse_any(f->client, body, f->n - 4);
    assert_int_equal(r.status, DX_OK);
    const tls_view *e = f->client ? &ch.extensions : &sh.extensions;
    return (size_t)(e->ptr - body) - 2;
}

static void test_truncation_sweep(void **state)
{
    (void)state;
    for (size_t i = 0; i < MTLS_ARRAY_LEN(fixtures); i++) {
        const fixture *f = &fixtures[i];
        const uint8_t *body = f->p + 4;
        size_t n = f->n - 4, ext_at = ext_block_offset(f);
        bool hrr = f->p == hello_hrr;
        for (size_t k = 0; k < n; k++) {
            dx_result r = parse_any(f->client, body, k);
            if (k == ext_at && !hrr) {
                /* a hello that simply has no extensions block */
                assert_int_equal(r.status, DX_OK);
                assert_false(f->client ? ch.has_extensions : sh.has_extensions);
            } else {
                assert_int_equal(r.status, DX_MALFORMED);
                assert_true(r.offset <= k);
            }
        }
        /* one trailing byte */
        static uint8_t buf[4096];
        memcpy(buf, body, n);
        buf[n] = 0;
        dx_result r = parse_any(f->client, buf, n + 1);
        assert_int_equal(r.status, DX_MALFORMED);
        assert_int_equal(r.code, DXE_TRAILING);
        assert_int_equal(r.offset, n);
    }
}

/* Every extension length field +1, -1, 0 and 0xffff; the extensions-block length too. */
static void test_length_mutations(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    for (size_t i = 0; i < MTLS_ARRAY_LEN(fixtures); i++) {
        const fixture *f = &fixtures[i];
        const uint8_t *body = f->p + 4;
        size_t n = f->n - 4, ext_at = ext_block_offset(f);
        /* collect positions of the u16 length fields: block + each extension */
        size_t pos[64], np = 0;
        pos[np++] = ext_at;
        for (size_t o = ext_at + 2; o + 4 <= n;) {
            size_t len = (size_t)((body[o + 2] << 8) | body[o + 3]);
            pos[np++] = o + 2;
            o += 4 + len;
        }
        for (size_t j = 0; j < np; j++) {
            unsigned orig = (unsigned)((body[pos[j]] << 8) | body[pos[j] + 1]);
            const unsigned deltas[] = {orig + 1, orig - 1, 0, 0xFFFF};
            for (size_t d = 0; d < 4; d++) {
                unsigned v = deltas[d] & 0xFFFF;
                if (v == orig)
                    continue;
                memcpy(buf, body, n);
                buf[pos[j]] = (uint8_t)(v >> 8);
                buf[pos[j] + 1] = (uint8_t)v;
                dx_result r = parse_any(f->client, buf, n);
                if (r.status == DX_OK)
                    fail_msg("fixture %zu: length at %zu set to %u still parses", i, pos[j], v);
                assert_int_equal(r.status, DX_MALFORMED);
                if (v == 0xFFFF)
                    assert_true(r.code == DXE_LENGTH_PAST_END || r.code == DXE_HELLO);
            }
        }
        /* fixed-field lengths: session id (body[34]) */
        for (unsigned v = 0; v < 256; v += 1) {
            if (v == body[34])
                continue;
            memcpy(buf, body, n);
            buf[34] = (uint8_t)v;
            dx_result r = parse_any(f->client, buf, n);
            if (r.status == DX_OK) {
                /* the shifted bytes happen to form another well-formed hello
                 * (e.g. the TLS 1.2 ServerHello whose last 2 bytes read as an
                 * empty extensions block): the new length must be honoured */
                assert_int_equal(f->client ? ch.session_id.len : sh.session_id.len, v);
                continue;
            }
            assert_int_equal(r.status, DX_MALFORMED);
            if (v > 32)
                assert_int_equal(r.code, DXE_HELLO);
        }
    }
}

/* ---------------------------------------------------------- crafted bytes */

static bb B;

static void test_client_hello_fields(void **state)
{
    (void)state;
    static const uint16_t cs[] = {0x1301};
    /* no extensions at all (TLS 1.0 style) */
    ch_begin(&B, cs, 1);
    assert_int_equal(parse_ch(B.buf, B.n).status, DX_OK);
    assert_false(ch.has_extensions);
    assert_int_equal(ch.ext.types.n, 0);
    /* empty extensions block */
    ch_begin(&B, cs, 1);
    ch_begin_exts(&B);
    bb_close(&B);
    assert_int_equal(parse_ch(B.buf, B.n).status, DX_OK);
    assert_true(ch.has_extensions);
    /* empty cipher list */
    ch_begin(&B, cs, 0);
    dx_result r = parse_ch(B.buf, B.n);
    assert_int_equal(r.code, DXE_HELLO);
    assert_int_equal(r.offset, 35);
    /* odd cipher list length */
    ch_begin(&B, cs, 1);
    B.buf[36] = 3;
    assert_int_equal(parse_ch(B.buf, B.n).code, DXE_HELLO);
    /* empty compression methods */
    ch_begin(&B, cs, 1);
    B.buf[B.n - 2] = 0;
    B.n -= 1;
    r = parse_ch(B.buf, B.n);
    assert_int_equal(r.code, DXE_HELLO);
    /* extensions block: one byte only */
    ch_begin(&B, cs, 1);
    bb_u8(&B, 0);
    assert_int_equal(parse_ch(B.buf, B.n).code, DXE_HELLO);
}

/* A list of `want` entries read through the view: the first TLS_LIST_MAX
 * values are value(i), in order, the rest counted only. */
static void assert_capped(const tls_u16_list *l, size_t want, uint16_t (*value)(size_t))
{
    size_t kept = want < TLS_LIST_MAX ? want : TLS_LIST_MAX;
    tls_u16_iter it;
    uint16_t v;
    size_t k = 0;
    assert_int_equal(l->n, kept);
    assert_int_equal(l->total, want);
    assert_int_equal(l->truncated, want > TLS_LIST_MAX);
    tls_u16_iter_init(&it, l);
    while (tls_u16_iter_next(&it, &v)) {
        assert_true(k < kept);
        assert_int_equal(v, value(k));
        k++;
    }
    assert_int_equal(k, kept);
    assert_int_equal(list_at(l, 0), value(0));
    assert_int_equal(list_at(l, kept - 1), value(kept - 1));
    assert_false(tls_u16_list_at(l, kept, &v)); /* on the wire, but not kept */
    static uint16_t all[TLS_LIST_MAX];
    assert_int_equal(tls_u16_list_read(l, all), kept);
    for (k = 0; k < kept; k++)
        assert_int_equal(all[k], value(k));
}

static uint16_t cipher_value(size_t i) { return (uint16_t)(0xC000 + i); }
static uint16_t ext_value(size_t i) { return (uint16_t)(0x7000 + i); }

static void test_too_many_ciphers(void **state)
{
    (void)state;
    static uint16_t cs[2 * TLS_LIST_MAX];
    for (size_t i = 0; i < MTLS_ARRAY_LEN(cs); i++)
        cs[i] = cipher_value(i);
    ch_begin(&B, cs, TLS_LIST_MAX);
    assert_int_equal(parse_ch(B.buf, B.n).status, DX_OK);
    assert_capped(&ch.ciphers, TLS_LIST_MAX, cipher_value);
    assert_false(ch.ciphers.truncated);
    ch_begin(&B, cs, TLS_LIST_MAX + 1);
    dx_result r = parse_ch(B.buf, B.n);
    assert_int_equal(r.status, DX_OK); /* legal: kept up to the cap, the rest counted */
    assert_int_equal(ch.ciphers.n, TLS_LIST_MAX);
    assert_int_equal(ch.ciphers.total, TLS_LIST_MAX + 1);
    assert_true(ch.ciphers.truncated);
    assert_capped(&ch.ciphers, TLS_LIST_MAX + 1, cipher_value);
    ch_begin(&B, cs, MTLS_ARRAY_LEN(cs));
    assert_int_equal(parse_ch(B.buf, B.n).status, DX_OK);
    assert_capped(&ch.ciphers, MTLS_ARRAY_LEN(cs), cipher_value);
}

/* The extension type list (each entry a type followed by a body) past the cap. */
static void test_too_many_extensions(void **state)
{
    (void)state;
    static const uint16_t cs[] = {0x1301};
    ch_begin(&B, cs, 1);
    ch_begin_exts(&B);
    for (size_t i = 0; i < TLS_LIST_MAX + 3; i++) {
        bb_ext_open(&B, ext_value(i)); /* unknown types: kept, bodies skipped */
        for (size_t k = 0; k < i % 3; k++)
            bb_u8(&B, 0xEE);
        bb_close(&B);
    }
    bb_close(&B);
    assert_int_equal(parse_ch(B.buf, B.n).status, DX_OK);
    assert_capped(&ch.ext.types, TLS_LIST_MAX + 3, ext_value);
    assert_true(tls_exts_has(&ch.ext, ext_value(TLS_LIST_MAX - 1)));
    assert_false(tls_exts_has(&ch.ext, ext_value(TLS_LIST_MAX))); /* not kept */
}

/* 8-bit lists read back as 16-bit values (no sign extension), in wire order. */
static void test_u8_lists_widened(void **state)
{
    (void)state;
    static const uint16_t cs[] = {0x1301};
    ch_begin(&B, cs, 1);
    ch_begin_exts(&B);
    bb_ext_open(&B, TLS_EXT_EC_POINT_FORMATS);
    bb_open(&B, 1);
    bb_u8(&B, 0x00);
    bb_u8(&B, 0x02);
    bb_u8(&B, 0x80);
    bb_u8(&B, 0xFF);
    bb_close(&B);
    bb_close(&B);
    bb_ext_open(&B, TLS_EXT_PSK_KEY_EXCHANGE_MODES);
    bb_open(&B, 1);
    bb_u8(&B, 0x01);
    bb_u8(&B, 0xFE);
    bb_close(&B);
    bb_close(&B);
    bb_ext_open(&B, TLS_EXT_SUPPORTED_GROUPS); /* a 16-bit list after them, untouched */
    bb_open(&B, 2);
    bb_u16(&B, 0x001D);
    bb_u16(&B, 0xFF01);
    bb_close(&B);
    bb_close(&B);
    bb_close(&B);
    assert_int_equal(parse_ch(B.buf, B.n).status, DX_OK);
    static const uint16_t pf[] = {0x0000, 0x0002, 0x0080, 0x00FF};
    assert_list(&ch.ext.point_formats, pf, 4);
    assert_int_equal(ch.ext.point_formats.total, 4);
    assert_false(ch.ext.point_formats.truncated);
    static const uint16_t modes[] = {0x0001, 0x00FE};
    assert_list(&ch.ext.psk_modes, modes, 2);
    static const uint16_t groups[] = {0x001D, 0xFF01};
    assert_list(&ch.ext.groups, groups, 2);
    /* the largest 8-bit list (255 entries) is far from the cap */
    ch_begin(&B, cs, 1);
    ch_begin_exts(&B);
    bb_ext_open(&B, TLS_EXT_EC_POINT_FORMATS);
    bb_open(&B, 1);
    for (unsigned i = 0; i < 255; i++)
        bb_u8(&B, 255 - i);
    bb_close(&B);
    bb_close(&B);
    bb_close(&B);
    assert_int_equal(parse_ch(B.buf, B.n).status, DX_OK);
    assert_int_equal(ch.ext.point_formats.n, 255);
    assert_int_equal(list_at(&ch.ext.point_formats, 0), 0x00FF);
    assert_int_equal(list_at(&ch.ext.point_formats, 254), 0x0001);
}

static void test_extension_rules_in_hello(void **state)
{
    (void)state;
    static const uint16_t cs[] = {0x1301};
    /* duplicate */
    ch_begin(&B, cs, 1);
    ch_begin_exts(&B);
    bb_ext_open(&B, TLS_EXT_EXTENDED_MASTER_SECRET);
    bb_close(&B);
    size_t dup_at = B.n;
    bb_ext_open(&B, TLS_EXT_EXTENDED_MASTER_SECRET);
    bb_close(&B);
    bb_close(&B);
    dx_result r = parse_ch(B.buf, B.n);
    assert_int_equal(r.code, DXE_EXT_DUPLICATE);
    assert_int_equal(r.offset, dup_at);
    /* not allowed in ClientHello: oid_filters */
    ch_begin(&B, cs, 1);
    ch_begin_exts(&B);
    bb_ext_open(&B, TLS_EXT_OID_FILTERS);
    bb_u16(&B, 0);
    bb_close(&B);
    bb_close(&B);
    assert_int_equal(parse_ch(B.buf, B.n).code, DXE_EXT_NOT_ALLOWED);
    /* not allowed in ServerHello: psk_key_exchange_modes */
    sh_begin(&B, NULL, 0x1301);
    bb_open(&B, 2);
    bb_ext_open(&B, TLS_EXT_PSK_KEY_EXCHANGE_MODES);
    bb_u8(&B, 1);
    bb_u8(&B, 1);
    bb_close(&B);
    bb_close(&B);
    assert_int_equal(parse_sh(B.buf, B.n).code, DXE_EXT_NOT_ALLOWED);
    /* not allowed in HelloRetryRequest: server_name */
    sh_begin(&B, tls_hrr_random, 0x1301);
    bb_open(&B, 2);
    bb_ext_open(&B, TLS_EXT_SERVER_NAME);
    bb_close(&B);
    bb_close(&B);
    assert_int_equal(parse_sh(B.buf, B.n).code, DXE_EXT_NOT_ALLOWED);
    assert_true(sh.is_hrr);
    /* HRR must carry extensions */
    sh_begin(&B, tls_hrr_random, 0x1301);
    assert_int_equal(parse_sh(B.buf, B.n).code, DXE_HELLO);
    /* pre_shared_key not last in ClientHello */
    ch_begin(&B, cs, 1);
    ch_begin_exts(&B);
    bb_ext_open(&B, TLS_EXT_PRE_SHARED_KEY);
    bb_open(&B, 2);
    bb_open(&B, 2);
    bb_str(&B, "id");
    bb_close(&B);
    bb_u32(&B, 7);
    bb_close(&B);
    bb_open(&B, 2);
    bb_open(&B, 1);
    for (int i = 0; i < 32; i++)
        bb_u8(&B, 0xAA);
    bb_close(&B);
    bb_close(&B);
    bb_close(&B);
    size_t after_psk = B.n;
    bb_ext_open(&B, TLS_EXT_EXTENDED_MASTER_SECRET);
    bb_close(&B);
    bb_close(&B);
    r = parse_ch(B.buf, B.n);
    assert_int_equal(r.code, DXE_EXT_NOT_ALLOWED);
    /* ... and valid when it is last */
    B.n = after_psk;
    B.depth = 0;
    uint16_t exts_len = (uint16_t)(after_psk - 41 - 2); /* block length field at body offset 41 */
    B.buf[41] = (uint8_t)(exts_len >> 8);
    B.buf[42] = (uint8_t)exts_len;
    assert_int_equal(parse_ch(B.buf, B.n).status, DX_OK);
    assert_true(ch.ext.has_psk);
    assert_int_equal(ch.ext.psk_identities, 1);
}

static void test_downgrade_sentinel(void **state)
{
    (void)state;
    uint8_t rnd[32];
    memset(rnd, 0x33, sizeof rnd);
    memcpy(rnd + 24, "DOWNGRD\x01", 8);
    sh_begin(&B, rnd, 0xC02F);
    assert_int_equal(parse_sh(B.buf, B.n).status, DX_OK);
    assert_int_equal(sh.downgrade, 12);
    rnd[31] = 0;
    sh_begin(&B, rnd, 0xC02F);
    assert_int_equal(parse_sh(B.buf, B.n).status, DX_OK);
    assert_int_equal(sh.downgrade, 11);
    rnd[31] = 2;
    sh_begin(&B, rnd, 0xC02F);
    assert_int_equal(parse_sh(B.buf, B.n).status, DX_OK);
    assert_int_equal(sh.downgrade, 0);
    assert_false(sh.has_extensions);
}

/* ------------------------------------------------------------------ SSLv2 */

/*
 * SSLv2-compatible CLIENT-HELLO crafted per RFC 5246 appendix E.2 (OpenSSL 3
 * can no longer send one): record body starting at msg_type.
 */
static const uint8_t sslv2_hello[] = {
    0x01,                   /* msg_type CLIENT-HELLO */
    0x03, 0x01,             /* version TLS 1.0 */
    0x00, 0x09,             /* cipher_spec_length: 3 specs */
    0x00, 0x00,             /* session_id_length 0 */
    0x00, 0x10,             /* challenge_length 16 */
    0x01, 0x00, 0x80,       /* SSL_CK_RC4_128_WITH_MD5 (SSLv2 kind, dropped) */
    0x00, 0x00, 0x2F,       /* TLS_RSA_WITH_AES_128_CBC_SHA */
    0x00, 0x00, 0x35,       /* TLS_RSA_WITH_AES_256_CBC_SHA */
    0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, /* challenge */
    0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF,
};

static void test_sslv2_client_hello(void **state)
{
    (void)state;
    cur_t c;
    cur_init(&c, sslv2_hello, sizeof sslv2_hello);
    assert_int_equal(tls_parse_sslv2_client_hello(&c, &ch).status, DX_OK);
    assert_true(cur_at_end(&c));
    assert_true(ch.sslv2);
    assert_int_equal(ch.legacy_version, 0x0301);
    assert_int_equal(ch.sslv2_specs, 3);
    static const uint16_t cs[] = {0x002F, 0x0035};
    assert_list(&ch.ciphers, cs, 2);
    assert_int_equal(ch.random.len, 16);
    static const uint8_t zero[16];
    assert_memory_equal(ch.random32, zero, 16);
    assert_memory_equal(ch.random32 + 16, sslv2_hello + 18, 16);
    assert_false(ch.has_extensions);

    /* every prefix fails; trailing byte fails */
    for (size_t k = 0; k < sizeof sslv2_hello; k++) {
        cur_init(&c, sslv2_hello, k);
        dx_result r = tls_parse_sslv2_client_hello(&c, &ch);
        assert_int_equal(r.status, DX_MALFORMED);
        assert_int_equal(r.code, DXE_SSLV2);
    }
    uint8_t buf[sizeof sslv2_hello + 1];
    memcpy(buf, sslv2_hello, sizeof sslv2_hello);
    buf[sizeof sslv2_hello] = 0;
    cur_init(&c, buf, sizeof buf);
    assert_int_equal(tls_parse_sslv2_client_hello(&c, &ch).code, DXE_TRAILING);

    /* bad fixed fields: msg type, spec length %3 and 0, session id 5, challenge 15/33 */
    const struct {
        size_t at;
        uint8_t v;
    } bad[] = {{0, 2}, {4, 8}, {4, 0}, {6, 5}, {8, 15}, {8, 33}};
    for (size_t i = 0; i < MTLS_ARRAY_LEN(bad); i++) {
        memcpy(buf, sslv2_hello, sizeof sslv2_hello);
        buf[bad[i].at] = bad[i].v;
        cur_init(&c, buf, sizeof sslv2_hello);
        dx_result r = tls_parse_sslv2_client_hello(&c, &ch);
        assert_int_equal(r.code, DXE_SSLV2);
    }
}

static uint16_t sslv2_suite_value(size_t i) { return (uint16_t)(0x0100 + i); }

/* More TLS suites than the cap among SSL 2.0 cipher kinds: the kinds are
 * skipped, the suites kept up to the cap and counted beyond it. */
static void test_sslv2_too_many_suites(void **state)
{
    (void)state;
    const size_t suites = TLS_LIST_MAX + 7, kinds = (suites + 4) / 5;
    memset(&B, 0, sizeof B);
    bb_u8(&B, 1);                                 /* CLIENT-HELLO */
    bb_u16(&B, 0x0301);                           /* version */
    bb_u16(&B, (unsigned)(3 * (suites + kinds))); /* cipher_spec_length */
    bb_u16(&B, 0);                                /* session_id_length */
    bb_u16(&B, 16);                               /* challenge_length */
    for (size_t i = 0; i < suites; i++) {
        if (i % 5 == 0)
            bb_u24(&B, 0x010080); /* an SSL 2.0 kind before every fifth suite */
        bb_u24(&B, sslv2_suite_value(i));
    }
    for (int i = 0; i < 16; i++)
        bb_u8(&B, 0xC0 + (unsigned)i);
    cur_t c;
    cur_init(&c, B.buf, B.n);
    assert_int_equal(tls_parse_sslv2_client_hello(&c, &ch).status, DX_OK);
    assert_int_equal(ch.sslv2_specs, suites + kinds);
    assert_capped(&ch.ciphers, suites, sslv2_suite_value);
}

/* SSL 2.0 SERVER-HELLO (draft-hickman-netscape-ssl-00, 2.6): a 4-byte stand-in
 * certificate, two cipher kinds, a 16-byte connection id; and CLIENT-MASTER-KEY. */
static const uint8_t sslv2_server_hello[] = {
    0x04, 0x00, 0x01, 0x00, 0x02, /* SERVER-HELLO, no session hit, X.509, version 2 */
    0x00, 0x04, 0x00, 0x06, 0x00, 0x10, /* certificate 4, specs 6, connection id 16 */
    0x30, 0x02, 0x05, 0x00,       /* "certificate" */
    0x07, 0x00, 0xC0, 0x01, 0x00, 0x80, /* DES_192_EDE3_CBC_WITH_MD5, RC4_128_WITH_MD5 */
    0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF,
};

static void test_sslv2_server_hello(void **state)
{
    (void)state;
    tls_sslv2_server_hello sh2;
    cur_t c;
    cur_init(&c, sslv2_server_hello, sizeof sslv2_server_hello);
    assert_int_equal(tls_parse_sslv2_server_hello(&c, &sh2).status, DX_OK);
    assert_true(cur_at_end(&c));
    assert_int_equal(sh2.version, 0x0002);
    assert_int_equal(sh2.certificate_type, 1);
    assert_int_equal(sh2.certificate.len, 4);
    assert_int_equal(sh2.n_specs, 2);
    assert_int_equal(sh2.specs[0], 0x0700C0);
    assert_string_equal(tls_reg_sslv2_cipher_name(sh2.specs[0]), "SSL2_DES_192_EDE3_CBC_WITH_MD5");
    assert_string_equal(tls_reg_sslv2_cipher_name(sh2.specs[1]), "SSL2_RC4_128_WITH_MD5");
    assert_null(tls_reg_sslv2_cipher_name(0x00002F));
    assert_int_equal(sh2.connection_id.len, 16);
    /* every prefix fails, never reading past it; a trailing byte fails */
    for (size_t k = 0; k < sizeof sslv2_server_hello; k++) {
        cur_init(&c, sslv2_server_hello, k);
        assert_int_equal(tls_parse_sslv2_server_hello(&c, &sh2).status, DX_MALFORMED);
    }
    uint8_t buf[sizeof sslv2_server_hello + 1];
    memcpy(buf, sslv2_server_hello, sizeof sslv2_server_hello);
    buf[sizeof sslv2_server_hello] = 0;
    cur_init(&c, buf, sizeof buf);
    assert_int_equal(tls_parse_sslv2_server_hello(&c, &sh2).code, DXE_TRAILING);
    /* specs not a multiple of 3; connection id 15 */
    memcpy(buf, sslv2_server_hello, sizeof sslv2_server_hello);
    buf[8] = 5;
    cur_init(&c, buf, sizeof sslv2_server_hello);
    assert_int_equal(tls_parse_sslv2_server_hello(&c, &sh2).code, DXE_SSLV2);
    memcpy(buf, sslv2_server_hello, sizeof sslv2_server_hello);
    buf[10] = 15;
    cur_init(&c, buf, sizeof sslv2_server_hello);
    assert_int_equal(tls_parse_sslv2_server_hello(&c, &sh2).code, DXE_SSLV2);

    const uint8_t cmk[] = {0x02, 0x07, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x80, 0x00, 0x08};
    uint32_t kind = 0;
    cur_init(&c, cmk, sizeof cmk);
    assert_int_equal(tls_parse_sslv2_client_master_key(&c, &kind).status, DX_OK);
    assert_int_equal(kind, 0x0700C0);
    cur_init(&c, cmk, 3);
    assert_int_equal(tls_parse_sslv2_client_master_key(&c, &kind).status, DX_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openssl13_client_hello),
        cmocka_unit_test(test_openssl13_server_hello),
        cmocka_unit_test(test_openssl12),
        cmocka_unit_test(test_hello_retry_request),
        cmocka_unit_test(test_gnutls_and_curl),
        cmocka_unit_test(test_truncation_sweep),
        cmocka_unit_test(test_length_mutations),
        cmocka_unit_test(test_client_hello_fields),
        cmocka_unit_test(test_too_many_ciphers),
        cmocka_unit_test(test_too_many_extensions),
        cmocka_unit_test(test_u8_lists_widened),
        cmocka_unit_test(test_extension_rules_in_hello),
        cmocka_unit_test(test_downgrade_sentinel),
        cmocka_unit_test(test_sslv2_client_hello),
        cmocka_unit_test(test_sslv2_too_many_suites),
        cmocka_unit_test(test_sslv2_server_hello),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
