/*
 * test_tls_extensions.c — the extension walker (framing, duplicates,
 * allowed-in-message, pre_shared_key last, callback contract) and each
 * extension decoder on crafted bodies (RFC grammar), including empty lists,
 * caps, trailing bytes and every truncation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures/hello_util.h"
#include "fixtures/view_asserts.h"
#include "tls_extensions.h"
#include "tls_registry.h"

static bb B;
static tls_exts E;

static dx_result collect(tls_msg_kind where)
{
    cur_t c;
    cur_init(&c, B.buf, B.n);
    dx_result r = tls_ext_collect(&c, where, &E);
    if (r.status == DX_OK)
        assert_true(cur_at_end(&c));
    return r;
}

/* Names in the ALPN view. */
static size_t alpn_count(const tls_exts *e)
{
    cur_t it = e->alpn;
    tls_view name;
    size_t n = 0;
    while (tls_alpn_list_next(&it, &name))
        n++;
    return n;
}

/* Build an extensions block holding one extension with the given body bytes. */
static void one_ext(uint16_t type, const uint8_t *body, size_t n)
{
    memset(&B, 0, sizeof B);
    bb_u16(&B, type);
    bb_u16(&B, (unsigned)n);
    bb_bytes(&B, body, n);
}

/* one extension: ok as-is; every strict prefix of its body malformed; one extra byte malformed */
static void check_body(uint16_t type, tls_msg_kind where, const uint8_t *body, size_t n)
{
    one_ext(type, body, n);
    dx_result r = collect(where);
    if (r.status != DX_OK)
        fail_msg("ext 0x%04x: %s at %zu", type, dx_err_name(r.code), r.offset);
    for (size_t k = 0; k < n; k++) {
        one_ext(type, body, k);
        r = collect(where);
        if (r.status == DX_OK)
            fail_msg("ext 0x%04x: prefix %zu of %zu parses", type, k, n);
        assert_int_equal(r.status, DX_MALFORMED);
        assert_true(r.offset <= 4 + k);
    }
    uint8_t more[1024];
    memcpy(more, body, n);
    more[n] = 0;
    one_ext(type, more, n + 1);
    r = collect(where);
    assert_int_equal(r.status, DX_MALFORMED);
    one_ext(type, body, n); /* leave E decoded from the valid body */
    assert_int_equal(collect(where).status, DX_OK);
}

/* ------------------------------------------------------------------ walker */

static int cb_calls;
static dx_result count_cb(void *ctx, uint16_t type, cur_t *body, size_t index)
{
    (void)ctx;
    (void)type;
    (void)body;
    assert_int_equal(index, (size_t)cb_calls);
    cb_calls++;
    if (type == 0x1234)
        return dx_malformed(DXE_BAD_VALUE, cur_abs_offset(body));
    return dx_ok();
}

static void test_walker_framing(void **state)
{
    (void)state;
    /* empty block */
    memset(&B, 0, sizeof B);
    assert_int_equal(collect(TLS_MSG_CH).status, DX_OK);
    assert_int_equal(E.types.n, 0);
    /* 1, 2, 3 stray bytes */
    const uint8_t stray[] = {0x00, 0x17, 0x00};
    for (size_t k = 1; k <= 3; k++) {
        memset(&B, 0, sizeof B);
        bb_bytes(&B, stray, k);
        dx_result r = collect(TLS_MSG_CH);
        assert_int_equal(r.code, DXE_SHORT);
        assert_int_equal(r.offset, k < 2 ? 0 : 2);
    }
    /* length past end, with absolute offsets through a non-zero base */
    memset(&B, 0, sizeof B);
    bb_u16(&B, 0x0017);
    bb_u16(&B, 0);
    bb_u16(&B, 0x0016);
    bb_u16(&B, 1);
    cur_t c;
    cur_init(&c, B.buf, B.n);
    c.base = 100;
    dx_result r = tls_ext_walk(&c, TLS_MSG_CH, NULL, NULL);
    assert_int_equal(r.code, DXE_LENGTH_PAST_END);
    assert_int_equal(r.offset, 106);
    assert_int_equal(c.off, 0); /* the caller's cursor is untouched on error */
    /* unknown and GREASE types are kept and allowed anywhere */
    const tls_msg_kind kinds[] = {TLS_MSG_CH, TLS_MSG_SH, TLS_MSG_HRR, TLS_MSG_EE,
                                  TLS_MSG_CT, TLS_MSG_CR, TLS_MSG_NST};
    for (size_t i = 0; i < MTLS_ARRAY_LEN(kinds); i++) {
        memset(&B, 0, sizeof B);
        bb_u16(&B, 0x0A0A);
        bb_u16(&B, 1);
        bb_u8(&B, 0);
        bb_u16(&B, 0x7777);
        bb_u16(&B, 3);
        bb_str(&B, "abc");
        assert_int_equal(collect(kinds[i]).status, DX_OK);
        assert_int_equal(E.types.n, 2);
        assert_int_equal(list_at(&E.types, 0), 0x0A0A);
        assert_int_equal(list_at(&E.types, 1), 0x7777);
        assert_true(tls_exts_has(&E, 0x7777));
        assert_false(tls_exts_has(&E, 0x7778));
    }
    /* callback sees indexes in order and its error stops the walk */
    memset(&B, 0, sizeof B);
    bb_u16(&B, 0x0017);
    bb_u16(&B, 0);
    bb_u16(&B, 0x1234);
    bb_u16(&B, 0);
    bb_u16(&B, 0x0016);
    bb_u16(&B, 0);
    cb_calls = 0;
    cur_init(&c, B.buf, B.n);
    r = tls_ext_walk(&c, TLS_MSG_CH, count_cb, NULL);
    assert_int_equal(r.code, DXE_BAD_VALUE);
    assert_int_equal(r.offset, 8);
    assert_int_equal(cb_calls, 2);
}

static void test_walker_duplicates_all_types(void **state)
{
    (void)state;
    /* the same type twice is rejected for every type value */
    for (unsigned t = 0; t < 65536; t += 257) {
        memset(&B, 0, sizeof B);
        bb_u16(&B, 0x7FFF == t ? 0x7FFE : 0x7FFF);
        bb_u16(&B, 0);
        bb_u16(&B, t);
        bb_u16(&B, 0);
        bb_u16(&B, t);
        bb_u16(&B, 0);
        cur_t c;
        cur_init(&c, B.buf, B.n);
        dx_result r = tls_ext_walk(&c, TLS_MSG_CH, NULL, NULL);
        if ((tls_reg_ext_allowed((uint16_t)t) & TLS_MSG_CH) && t != TLS_EXT_PRE_SHARED_KEY) {
            assert_int_equal(r.code, DXE_EXT_DUPLICATE);
            assert_int_equal(r.offset, 8);
        } else {
            assert_int_equal(r.status, DX_MALFORMED);
        }
    }
}

static void test_walker_allowed_masks(void **state)
{
    (void)state;
    const struct {
        uint16_t type;
        tls_msg_kind where;
        bool ok;
    } cases[] = {
        {TLS_EXT_KEY_SHARE, TLS_MSG_EE, false},      {TLS_EXT_KEY_SHARE, TLS_MSG_CR, false},
        {TLS_EXT_OID_FILTERS, TLS_MSG_CH, false},    {TLS_EXT_SIGNATURE_ALGORITHMS, TLS_MSG_SH, false},
        {TLS_EXT_SIGNATURE_ALGORITHMS, TLS_MSG_EE, false}, {TLS_EXT_COOKIE, TLS_MSG_SH, false},
        {TLS_EXT_PADDING, TLS_MSG_SH, false},        {TLS_EXT_EARLY_DATA, TLS_MSG_SH, false},
        {TLS_EXT_POST_HANDSHAKE_AUTH, TLS_MSG_CR, false}, {TLS_EXT_CERTIFICATE_AUTHORITIES, TLS_MSG_EE, false},
        {TLS_EXT_ALPN, TLS_MSG_HRR, false},          {TLS_EXT_SUPPORTED_VERSIONS, TLS_MSG_EE, false},
        {TLS_EXT_PSK_KEY_EXCHANGE_MODES, TLS_MSG_NST, false},
    };
    for (size_t i = 0; i < MTLS_ARRAY_LEN(cases); i++) {
        memset(&B, 0, sizeof B);
        bb_u16(&B, cases[i].type);
        bb_u16(&B, 0);
        cur_t c;
        cur_init(&c, B.buf, B.n);
        dx_result r = tls_ext_walk(&c, cases[i].where, NULL, NULL);
        assert_int_equal(r.code, DXE_EXT_NOT_ALLOWED);
        assert_int_equal(r.offset, 0);
    }
    /* RFC 8446 4.2 table: spot checks that must be allowed */
    assert_true(tls_reg_ext_allowed(TLS_EXT_CERTIFICATE_AUTHORITIES) & TLS_MSG_CR);
    assert_true(tls_reg_ext_allowed(TLS_EXT_STATUS_REQUEST) & TLS_MSG_CT);
    assert_true(tls_reg_ext_allowed(TLS_EXT_EARLY_DATA) & TLS_MSG_NST);
    assert_true(tls_reg_ext_allowed(TLS_EXT_COOKIE) & TLS_MSG_HRR);
    assert_true(tls_reg_ext_allowed(TLS_EXT_ALPN) & TLS_MSG_EE);
    assert_true(tls_reg_ext_allowed(TLS_EXT_RENEGOTIATION_INFO) & TLS_MSG_SH);
    assert_int_equal(tls_reg_ext_allowed(0x5555), TLS_MSG_ANY);
}

static void test_ext_find(void **state)
{
    (void)state;
    memset(&B, 0, sizeof B);
    bb_u16(&B, 0x0017);
    bb_u16(&B, 0);
    bb_u16(&B, 0x0010);
    bb_u16(&B, 3);
    bb_str(&B, "xyz");
    cur_t c, body;
    bool found;
    cur_init(&c, B.buf, B.n);
    assert_int_equal(tls_ext_find(&c, 0x0010, &found, &body).status, DX_OK);
    assert_true(found);
    assert_int_equal(cur_remaining(&body), 3);
    assert_int_equal(body.base, 8);
    assert_int_equal(tls_ext_find(&c, 0x0011, &found, &body).status, DX_OK);
    assert_false(found);
    cur_init(&c, B.buf, B.n - 1);
    assert_int_equal(tls_ext_find(&c, 0x0011, &found, &body).code, DXE_LENGTH_PAST_END);
}

/* ---------------------------------------------------------------- decoders */

static void test_server_name(void **state)
{
    (void)state;
    /* list: host_name "a.example", then an unknown name type 7 "zz" */
    const uint8_t sni[] = {0x00, 0x11, 0x00, 0x00, 0x09, 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
                           0x07, 0x00, 0x02, 'z', 'z'};
    check_body(TLS_EXT_SERVER_NAME, TLS_MSG_CH, sni, sizeof sni);
    assert_true(E.has_sni);
    assert_true(view_eq(E.sni, "a.example"));
    assert_int_equal(E.sni_names, 2);
    /* empty list; empty host name */
    const uint8_t empty_list[] = {0x00, 0x00};
    one_ext(0, empty_list, 2);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_EXT_BODY);
    const uint8_t empty_name[] = {0x00, 0x03, 0x00, 0x00, 0x00};
    one_ext(0, empty_name, sizeof empty_name);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_EXT_BODY);
    /* server ack must be empty */
    one_ext(0, NULL, 0);
    assert_int_equal(collect(TLS_MSG_EE).status, DX_OK);
    assert_true(E.has_sni);
    assert_int_equal(E.sni.len, 0);
    one_ext(0, sni, sizeof sni);
    assert_int_equal(collect(TLS_MSG_SH).code, DXE_EXT_BODY);
}

static void test_versions_groups_sigalgs(void **state)
{
    (void)state;
    const uint8_t sv[] = {0x06, 0x5A, 0x5A, 0x03, 0x04, 0x03, 0x03};
    check_body(TLS_EXT_SUPPORTED_VERSIONS, TLS_MSG_CH, sv, sizeof sv);
    assert_int_equal(E.versions.n, 3);
    assert_int_equal(list_at(&E.versions, 0), 0x5A5A);
    assert_int_equal(list_at(&E.versions, 2), 0x0303);
    const uint8_t sv_sh[] = {0x03, 0x04};
    check_body(TLS_EXT_SUPPORTED_VERSIONS, TLS_MSG_SH, sv_sh, 2);
    assert_int_equal(E.selected_version, 0x0304);
    check_body(TLS_EXT_SUPPORTED_VERSIONS, TLS_MSG_HRR, sv_sh, 2);
    const uint8_t sv_odd[] = {0x03, 0x03, 0x04, 0x03};
    one_ext(TLS_EXT_SUPPORTED_VERSIONS, sv_odd, 4);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_LENGTH_ODD);
    const uint8_t sv_empty[] = {0x00};
    one_ext(TLS_EXT_SUPPORTED_VERSIONS, sv_empty, 1);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_EXT_BODY);

    const uint8_t groups[] = {0x00, 0x06, 0x11, 0xEC, 0x00, 0x1D, 0x00, 0x17};
    check_body(TLS_EXT_SUPPORTED_GROUPS, TLS_MSG_CH, groups, sizeof groups);
    assert_int_equal(E.groups.n, 3);
    assert_int_equal(list_at(&E.groups, 0), 0x11EC);
    const uint8_t groups_empty[] = {0x00, 0x00};
    one_ext(TLS_EXT_SUPPORTED_GROUPS, groups_empty, 2);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_EXT_BODY);
    const uint8_t groups_odd[] = {0x00, 0x03, 0x00, 0x1D, 0x00};
    one_ext(TLS_EXT_SUPPORTED_GROUPS, groups_odd, sizeof groups_odd);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_LENGTH_ODD);

    const uint8_t sa[] = {0x00, 0x04, 0x08, 0x04, 0x04, 0x03};
    check_body(TLS_EXT_SIGNATURE_ALGORITHMS, TLS_MSG_CR, sa, sizeof sa);
    assert_int_equal(E.sig_algs.n, 2);
    check_body(TLS_EXT_SIGNATURE_ALGORITHMS_CERT, TLS_MSG_CH, sa, sizeof sa);
    assert_int_equal(list_at(&E.sig_algs_cert, 1), 0x0403);

    const uint8_t pf[] = {0x01, 0x00};
    check_body(TLS_EXT_EC_POINT_FORMATS, TLS_MSG_SH, pf, 2);
    assert_int_equal(E.point_formats.n, 1);
    const uint8_t pf_empty[] = {0x00};
    one_ext(TLS_EXT_EC_POINT_FORMATS, pf_empty, 1);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_EXT_BODY);

    const uint8_t modes[] = {0x02, 0x01, 0x0B};
    check_body(TLS_EXT_PSK_KEY_EXCHANGE_MODES, TLS_MSG_CH, modes, sizeof modes);
    assert_int_equal(list_at(&E.psk_modes, 1), 0x0B);

    const uint8_t cc[] = {0x04, 0x00, 0x02, 0x00, 0x01};
    check_body(TLS_EXT_COMPRESS_CERTIFICATE, TLS_MSG_CR, cc, sizeof cc);
    assert_int_equal(E.compress_cert_algs.n, 2);
    assert_int_equal(list_at(&E.compress_cert_algs, 0), 2);
}

static void test_list_cap(void **state)
{
    (void)state;
    memset(&B, 0, sizeof B);
    bb_ext_open(&B, TLS_EXT_SUPPORTED_GROUPS);
    bb_open(&B, 2);
    for (unsigned i = 0; i < TLS_LIST_MAX; i++)
        bb_u16(&B, i);
    bb_close(&B);
    bb_close(&B);
    assert_int_equal(collect(TLS_MSG_CH).status, DX_OK);
    assert_int_equal(E.groups.n, TLS_LIST_MAX);

    memset(&B, 0, sizeof B);
    bb_ext_open(&B, TLS_EXT_SUPPORTED_GROUPS);
    bb_open(&B, 2);
    for (unsigned i = 0; i <= TLS_LIST_MAX; i++)
        bb_u16(&B, i);
    bb_close(&B);
    bb_close(&B);
    /* a longer list is legal: the first TLS_LIST_MAX are kept, the rest counted */
    dx_result r = collect(TLS_MSG_CH);
    assert_int_equal(r.status, DX_OK);
    assert_int_equal(E.groups.n, TLS_LIST_MAX);
    assert_int_equal(E.groups.total, TLS_LIST_MAX + 1);
    assert_true(E.groups.truncated);

    memset(&B, 0, sizeof B);
    bb_ext_open(&B, TLS_EXT_ALPN);
    bb_open(&B, 2);
    for (unsigned i = 0; i <= TLS_ALPN_MAX; i++) {
        bb_u8(&B, 1);
        bb_u8(&B, 'a' + i % 26);
    }
    bb_close(&B);
    bb_close(&B);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_TOO_MANY);
    /* what was decoded before the fault: the names under the cap, and only those */
    assert_int_equal(E.n_alpn, TLS_ALPN_MAX);
    assert_int_equal(alpn_count(&E), TLS_ALPN_MAX);
}

static void test_key_share(void **state)
{
    (void)state;
    const uint8_t ch[] = {0x00, 0x0C, 0x0A, 0x0A, 0x00, 0x01, 0x00, 0x00, 0x1D, 0x00, 0x03, 0xAA, 0xBB, 0xCC};
    check_body(TLS_EXT_KEY_SHARE, TLS_MSG_CH, ch, sizeof ch);
    assert_int_equal(E.key_share_groups.n, 2);
    assert_int_equal(list_at(&E.key_share_groups, 0), 0x0A0A);
    assert_int_equal(list_at(&E.key_share_groups, 1), 0x001D);
    /* empty client_shares is legal (asks for HRR) */
    const uint8_t empty[] = {0x00, 0x00};
    one_ext(TLS_EXT_KEY_SHARE, empty, 2);
    assert_int_equal(collect(TLS_MSG_CH).status, DX_OK);
    assert_true(E.has_key_share);
    assert_int_equal(E.key_share_groups.n, 0);
    /* empty key_exchange is not */
    const uint8_t empty_key[] = {0x00, 0x04, 0x00, 0x1D, 0x00, 0x00};
    one_ext(TLS_EXT_KEY_SHARE, empty_key, sizeof empty_key);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_EXT_BODY);
    const uint8_t sh[] = {0x00, 0x17, 0x00, 0x02, 0x04, 0x05};
    check_body(TLS_EXT_KEY_SHARE, TLS_MSG_SH, sh, sizeof sh);
    assert_int_equal(E.key_share_group, 0x17);
    const uint8_t hrr[] = {0x00, 0x1D};
    check_body(TLS_EXT_KEY_SHARE, TLS_MSG_HRR, hrr, 2);
    assert_int_equal(E.key_share_group, 0x1D);
}

static void test_pre_shared_key(void **state)
{
    (void)state;
    memset(&B, 0, sizeof B);
    bb_open(&B, 2);
    for (int i = 0; i < 2; i++) {
        bb_open(&B, 2);
        bb_str(&B, i ? "ticket-2" : "t1");
        bb_close(&B);
        bb_u32(&B, 1000);
    }
    bb_close(&B);
    bb_open(&B, 2);
    for (int i = 0; i < 2; i++) {
        bb_open(&B, 1);
        for (int j = 0; j < 32; j++)
            bb_u8(&B, j);
        bb_close(&B);
    }
    bb_close(&B);
    static uint8_t body[512];
    size_t n = B.n;
    memcpy(body, B.buf, n);
    check_body(TLS_EXT_PRE_SHARED_KEY, TLS_MSG_CH, body, n);
    assert_true(E.has_psk);
    assert_int_equal(E.psk_identities, 2);
    /* binder count != identity count */
    uint8_t bad[512];
    memcpy(bad, body, n);
    size_t ids_len = (size_t)((bad[0] << 8) | bad[1]);
    size_t binders_at = 2 + ids_len;
    bad[binders_at + 1] = 33; /* binders vector covers one binder only */
    one_ext(TLS_EXT_PRE_SHARED_KEY, bad, binders_at + 2 + 33);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_EXT_BODY);
    /* binder shorter than 32 bytes */
    memset(&B, 0, sizeof B);
    const uint8_t short_binder[] = {0x00, 0x07, 0x00, 0x01, 'x', 0, 0, 0, 0, 0x00, 0x02, 0x01, 0xAA};
    one_ext(TLS_EXT_PRE_SHARED_KEY, short_binder, sizeof short_binder);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_EXT_BODY);
    const uint8_t sel[] = {0x00, 0x01};
    check_body(TLS_EXT_PRE_SHARED_KEY, TLS_MSG_SH, sel, 2);
    assert_int_equal(E.psk_selected, 1);
}

static void test_alpn(void **state)
{
    (void)state;
    const uint8_t ch[] = {0x00, 0x0C, 0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    check_body(TLS_EXT_ALPN, TLS_MSG_CH, ch, sizeof ch);
    assert_int_equal(E.n_alpn, 2);
    assert_true(view_eq(alpn_at(&E, 1), "http/1.1"));
    /* server: exactly one */
    one_ext(TLS_EXT_ALPN, ch, sizeof ch);
    assert_int_equal(collect(TLS_MSG_EE).code, DXE_EXT_BODY);
    const uint8_t one[] = {0x00, 0x03, 0x02, 'h', '2'};
    check_body(TLS_EXT_ALPN, TLS_MSG_SH, one, sizeof one);
    assert_true(view_eq(alpn_at(&E, 0), "h2"));
    assert_int_equal(alpn_count(&E), 1);
    const uint8_t empty_name[] = {0x00, 0x01, 0x00};
    one_ext(TLS_EXT_ALPN, empty_name, 3);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_EXT_BODY);
    /* an empty name after two good ones: the view holds the two */
    const uint8_t late_empty[] = {0x00, 0x07, 0x02, 'h', '2', 0x02, 'h', '3', 0x00};
    one_ext(TLS_EXT_ALPN, late_empty, sizeof late_empty);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_EXT_BODY);
    assert_int_equal(E.n_alpn, 2);
    assert_int_equal(alpn_count(&E), 2);
    assert_true(view_eq(alpn_at(&E, 1), "h3"));
    const uint8_t empty_list[] = {0x00, 0x00};
    one_ext(TLS_EXT_ALPN, empty_list, 2);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_EXT_BODY);
}

static void test_status_request_and_sct(void **state)
{
    (void)state;
    const uint8_t ch[] = {0x01, 0x00, 0x00, 0x00, 0x00};
    check_body(TLS_EXT_STATUS_REQUEST, TLS_MSG_CH, ch, sizeof ch);
    assert_true(E.has_status_request);
    assert_int_equal(E.status_type, 1);
    const uint8_t ch_ids[] = {0x01, 0x00, 0x04, 0x00, 0x02, 0xAB, 0xCD, 0x00, 0x00};
    check_body(TLS_EXT_STATUS_REQUEST, TLS_MSG_CH, ch_ids, sizeof ch_ids);
    one_ext(TLS_EXT_STATUS_REQUEST, NULL, 0);
    assert_int_equal(collect(TLS_MSG_SH).status, DX_OK);
    assert_int_equal(collect(TLS_MSG_CR).status, DX_OK);
    one_ext(TLS_EXT_STATUS_REQUEST, ch, sizeof ch);
    assert_int_equal(collect(TLS_MSG_SH).code, DXE_EXT_BODY);
    const uint8_t ct[] = {0x01, 0x00, 0x00, 0x03, 0x30, 0x01, 0x00};
    check_body(TLS_EXT_STATUS_REQUEST, TLS_MSG_CT, ct, sizeof ct);
    assert_int_equal(E.ocsp_response.len, 3);

    one_ext(TLS_EXT_SCT, NULL, 0);
    assert_int_equal(collect(TLS_MSG_CH).status, DX_OK);
    assert_true(E.has_sct);
    const uint8_t scts[] = {0x00, 0x07, 0x00, 0x02, 0x11, 0x22, 0x00, 0x01, 0x33};
    check_body(TLS_EXT_SCT, TLS_MSG_CT, scts, sizeof scts);
    assert_int_equal(E.sct_list.len, 7);
}

static void test_certificate_authorities(void **state)
{
    (void)state;
    /* two DNs: SEQUENCE{} stand-ins of 3 and 2 bytes */
    const uint8_t cas[] = {0x00, 0x09, 0x00, 0x03, 0x30, 0x01, 0x00, 0x00, 0x02, 0x30, 0x00};
    check_body(TLS_EXT_CERTIFICATE_AUTHORITIES, TLS_MSG_CR, cas, sizeof cas);
    assert_true(E.has_certificate_authorities);
    assert_int_equal(E.ca_count, 2);
    cur_t it = E.ca_list;
    tls_view dn;
    assert_true(tls_dn_list_next(&it, &dn));
    assert_int_equal(dn.len, 3);
    assert_int_equal(dn.ptr[0], 0x30);
    assert_true(tls_dn_list_next(&it, &dn));
    assert_int_equal(dn.len, 2);
    assert_false(tls_dn_list_next(&it, &dn));
    /* direct decoder: empty list allowed only when asked (TLS 1.2 CertificateRequest) */
    const uint8_t empty[] = {0x00, 0x00};
    cur_t c, list;
    size_t n = 99;
    cur_init(&c, empty, 2);
    assert_int_equal(tls_ext_decode_certificate_authorities(&c, true, &list, &n).status, DX_OK);
    assert_int_equal(n, 0);
    cur_init(&c, empty, 2);
    assert_int_equal(tls_ext_decode_certificate_authorities(&c, false, &list, &n).code, DXE_EXT_BODY);
    const uint8_t empty_dn[] = {0x00, 0x02, 0x00, 0x00};
    cur_init(&c, empty_dn, 4);
    assert_int_equal(tls_ext_decode_certificate_authorities(&c, true, &list, &n).code, DXE_EXT_BODY);
    const uint8_t trailing[] = {0x00, 0x00, 0xFF};
    cur_init(&c, trailing, 3);
    assert_int_equal(tls_ext_decode_certificate_authorities(&c, true, &list, &n).code, DXE_TRAILING);
    const uint8_t dn_past[] = {0x00, 0x03, 0x00, 0x05, 0x30};
    cur_init(&c, dn_past, sizeof dn_past);
    assert_int_equal(tls_ext_decode_certificate_authorities(&c, true, &list, &n).code, DXE_EXT_BODY);
}

static void test_misc_extensions(void **state)
{
    (void)state;
    const uint8_t oid[] = {0x00, 0x0A, 0x03, 0x55, 0x1D, 0x25, 0x00, 0x02, 0x30, 0x00, 0x01, 0x2A, 0x00, 0x00};
    /* second filter: u8 oid len 1 (0x2A), values len 0 -> total 6 + 6 = 12? keep exact length below */
    memset(&B, 0, sizeof B);
    bb_open(&B, 2);
    bb_open(&B, 1);
    bb_bytes(&B, oid + 3, 3);
    bb_close(&B);
    bb_open(&B, 2);
    bb_u8(&B, 0x30);
    bb_u8(&B, 0x00);
    bb_close(&B);
    bb_open(&B, 1);
    bb_u8(&B, 0x2A);
    bb_close(&B);
    bb_u16(&B, 0);
    bb_close(&B);
    uint8_t body[64];
    size_t n = B.n;
    memcpy(body, B.buf, n);
    check_body(TLS_EXT_OID_FILTERS, TLS_MSG_CR, body, n);
    assert_true(E.has_oid_filters);
    assert_int_equal(E.oid_filter_count, 2);
    const uint8_t no_filters[] = {0x00, 0x00};
    one_ext(TLS_EXT_OID_FILTERS, no_filters, 2);
    assert_int_equal(collect(TLS_MSG_CR).status, DX_OK);
    assert_int_equal(E.oid_filter_count, 0);

    const uint8_t rsl[] = {0x40, 0x01};
    check_body(TLS_EXT_RECORD_SIZE_LIMIT, TLS_MSG_EE, rsl, 2);
    assert_int_equal(E.record_size_limit, 0x4001);
    const uint8_t rsl_small[] = {0x00, 0x3F};
    one_ext(TLS_EXT_RECORD_SIZE_LIMIT, rsl_small, 2);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_BAD_VALUE);

    const uint8_t mfl[] = {0x04};
    check_body(TLS_EXT_MAX_FRAGMENT_LENGTH, TLS_MSG_CH, mfl, 1);
    assert_int_equal(E.max_fragment_length, 4);
    const uint8_t mfl_bad[] = {0x05};
    one_ext(TLS_EXT_MAX_FRAGMENT_LENGTH, mfl_bad, 1);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_BAD_VALUE);

    const uint8_t eds[] = {0x00, 0x00, 0x40, 0x00};
    check_body(TLS_EXT_EARLY_DATA, TLS_MSG_NST, eds, 4);
    assert_int_equal(E.max_early_data_size, 0x4000);
    one_ext(TLS_EXT_EARLY_DATA, NULL, 0);
    assert_int_equal(collect(TLS_MSG_EE).status, DX_OK);
    assert_true(E.has_early_data);
    one_ext(TLS_EXT_EARLY_DATA, eds, 4);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_EXT_BODY);

    const uint8_t cookie[] = {0x00, 0x02, 0xC0, 0x0C};
    check_body(TLS_EXT_COOKIE, TLS_MSG_HRR, cookie, 4);
    assert_int_equal(E.cookie.len, 2);
    const uint8_t ri[] = {0x0C, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    check_body(TLS_EXT_RENEGOTIATION_INFO, TLS_MSG_SH, ri, sizeof ri);
    assert_int_equal(E.renegotiated_connection.len, 12);

    /* flags must be empty */
    const uint16_t flags[] = {TLS_EXT_EXTENDED_MASTER_SECRET, TLS_EXT_ENCRYPT_THEN_MAC, TLS_EXT_POST_HANDSHAKE_AUTH};
    const uint8_t one_byte[] = {0};
    for (size_t i = 0; i < MTLS_ARRAY_LEN(flags); i++) {
        one_ext(flags[i], NULL, 0);
        assert_int_equal(collect(TLS_MSG_CH).status, DX_OK);
        one_ext(flags[i], one_byte, 1);
        assert_int_equal(collect(TLS_MSG_CH).code, DXE_EXT_BODY);
    }
    /* opaque bodies */
    const uint8_t pad[] = {0, 0, 0, 0, 0};
    one_ext(TLS_EXT_PADDING, pad, 5);
    assert_int_equal(collect(TLS_MSG_CH).status, DX_OK);
    assert_int_equal(E.padding_len, 5);
    one_ext(TLS_EXT_SESSION_TICKET, pad, 3);
    assert_int_equal(collect(TLS_MSG_CH).status, DX_OK);
    assert_int_equal(E.session_ticket.len, 3);
}

static void test_ech(void **state)
{
    (void)state;
    const uint8_t outer[] = {0x00, 0x00, 0x01, 0x00, 0x01, 0x2A, 0x00, 0x02, 0xE1, 0xE2, 0x00, 0x03, 0xF1, 0xF2, 0xF3};
    check_body(TLS_EXT_ENCRYPTED_CLIENT_HELLO, TLS_MSG_CH, outer, sizeof outer);
    assert_true(E.has_ech);
    assert_int_equal(E.ech_type, 0);
    assert_int_equal(E.ech_kdf, 1);
    assert_int_equal(E.ech_aead, 1);
    assert_int_equal(E.ech_config_id, 0x2A);
    assert_int_equal(E.ech_enc.len, 2);
    assert_int_equal(E.ech_payload.len, 3);
    const uint8_t inner[] = {0x01};
    check_body(TLS_EXT_ENCRYPTED_CLIENT_HELLO, TLS_MSG_CH, inner, 1);
    assert_int_equal(E.ech_type, 1);
    const uint8_t other_type[] = {0x02};
    one_ext(TLS_EXT_ENCRYPTED_CLIENT_HELLO, other_type, 1);
    assert_int_equal(collect(TLS_MSG_CH).code, DXE_EXT_BODY);
    const uint8_t conf[] = {1, 2, 3, 4, 5, 6, 7, 8};
    check_body(TLS_EXT_ENCRYPTED_CLIENT_HELLO, TLS_MSG_HRR, conf, 8);
    assert_int_equal(E.ech_other.len, 8);
    const uint8_t retry[] = {0x00, 0x02, 0xFE, 0x0D};
    check_body(TLS_EXT_ENCRYPTED_CLIENT_HELLO, TLS_MSG_EE, retry, 4);
    assert_int_equal(E.ech_other.len, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walker_framing),
        cmocka_unit_test(test_walker_duplicates_all_types),
        cmocka_unit_test(test_walker_allowed_masks),
        cmocka_unit_test(test_ext_find),
        cmocka_unit_test(test_server_name),
        cmocka_unit_test(test_versions_groups_sigalgs),
        cmocka_unit_test(test_list_cap),
        cmocka_unit_test(test_key_share),
        cmocka_unit_test(test_pre_shared_key),
        cmocka_unit_test(test_alpn),
        cmocka_unit_test(test_status_request_and_sct),
        cmocka_unit_test(test_certificate_authorities),
        cmocka_unit_test(test_misc_extensions),
        cmocka_unit_test(test_ech),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
