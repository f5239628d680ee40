/*
 * tls_hello.c — ClientHello (TLS and SSLv2-compatible), ServerHello and
 * HelloRetryRequest bodies. Fixed fields here; extensions via
 * tls_ext_collect().
 */
#include "tls_hello.h"

#include <string.h>

#include "tls_registry.h"

/* SHA-256("HelloRetryRequest"), RFC 8446 4.1.3 */
const uint8_t tls_hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

/* RFC 8446 4.1.3 downgrade sentinels: "DOWNGRD" + 0x01 / 0x00 */
static const uint8_t downgrd[7] = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44};

static dx_result hello_err(size_t at) { return dx_malformed(DXE_HELLO, at); }
static bool ok(dx_result r) { return r.status == DX_OK; }

static void set_view(tls_view *v, const cur_t *c)
{
    v->ptr = cur_ptr(c);
    v->len = cur_remaining(c);
}

/* version, random, session id: common to both hellos. */
static dx_result parse_prefix(cur_t *c, uint16_t *version, tls_view *random, tls_view *sid)
{
    const uint8_t *r;
    cur_t s;
    if (!cur_get_u16(c, version))
        return hello_err(cur_abs_offset(c));
    if (!cur_get_bytes(c, 32, &r))
        return hello_err(cur_abs_offset(c));
    random->ptr = r;
    random->len = 32;
    size_t at = cur_abs_offset(c);
    if (!cur_get_prefixed_u8(c, &s) || cur_remaining(&s) > 32)
        return hello_err(at);
    set_view(sid, &s);
    return dx_ok();
}

/* Optional extensions block, then nothing. */
static dx_result parse_ext_block(cur_t *c, tls_msg_kind where, bool *has, tls_view *raw, tls_exts *ext)
{
    cur_t e;
    *has = false;
    if (cur_at_end(c))
        return dx_ok();
    size_t at = cur_abs_offset(c);
    if (!cur_get_prefixed_u16(c, &e))
        return hello_err(at);
    *has = true;
    set_view(raw, &e);
    dx_result r = tls_ext_collect(&e, where, ext);
    if (!ok(r))
        return r;
    if (!cur_at_end(c))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(c));
    return dx_ok();
}

dx_result tls_parse_client_hello(cur_t *body, tls_client_hello *out)
{
    cur_t c = *body, cs, comp;
    memset(out, 0, sizeof *out);

    dx_result r = parse_prefix(&c, &out->legacy_version, &out->random, &out->session_id);
    if (!ok(r))
        return r;
    memcpy(out->random32, out->random.ptr, 32);

    size_t at = cur_abs_offset(&c);
    if (!cur_get_prefixed_u16(&c, &cs) || cur_at_end(&cs) || cur_remaining(&cs) % 2)
        return hello_err(at);
    tls_u16_list_view(&out->ciphers, &cs, TLS_LIST_U16);
    tls_u16_list_add(&out->ciphers, cur_remaining(&cs) / 2);
    at = cur_abs_offset(&c);
    if (!cur_get_prefixed_u8(&c, &comp) || cur_at_end(&comp))
        return hello_err(at);
    set_view(&out->compression, &comp);

    r = parse_ext_block(&c, TLS_MSG_CH, &out->has_extensions, &out->extensions, &out->ext);
    if (!ok(r))
        return r;
    *body = c;
    return dx_ok();
}

dx_result tls_parse_sslv2_client_hello(cur_t *body, tls_client_hello *out)
{
    cur_t c = *body;
    uint8_t msg_type;
    uint16_t spec_len, sid_len, chal_len;
    memset(out, 0, sizeof *out);
    out->sslv2 = true;

    size_t at = cur_abs_offset(&c);
    if (!cur_get_u8(&c, &msg_type) || msg_type != 1)
        return dx_malformed(DXE_SSLV2, at);
    if (!cur_get_u16(&c, &out->legacy_version))
        return dx_malformed(DXE_SSLV2, cur_abs_offset(&c));
    at = cur_abs_offset(&c);
    if (!cur_get_u16(&c, &spec_len) || spec_len == 0 || spec_len % 3)
        return dx_malformed(DXE_SSLV2, at);
    at = cur_abs_offset(&c);
    if (!cur_get_u16(&c, &sid_len) || (sid_len != 0 && sid_len != 16))
        return dx_malformed(DXE_SSLV2, at);
    at = cur_abs_offset(&c);
    if (!cur_get_u16(&c, &chal_len) || chal_len < 16 || chal_len > 32)
        return dx_malformed(DXE_SSLV2, at);

    cur_t specs;
    const uint8_t *p;
    at = cur_abs_offset(&c);
    if (!cur_get_sub(&c, spec_len, &specs))
        return dx_malformed(DXE_SSLV2, at);
    tls_u16_list_view(&out->ciphers, &specs, TLS_LIST_SSLV2);
    while (!cur_at_end(&specs)) {
        uint8_t hi;
        size_t vat = cur_abs_offset(&specs);
        if (!cur_get_u8(&specs, &hi) || !cur_skip(&specs, 2))
            return dx_malformed(DXE_SSLV2, vat);
        out->sslv2_specs++;
        if (hi != 0)
            continue; /* a genuine SSL 2.0 cipher kind */
        tls_u16_list_add(&out->ciphers, 1);
    }
    at = cur_abs_offset(&c);
    if (!cur_get_bytes(&c, sid_len, &p))
        return dx_malformed(DXE_SSLV2, at);
    out->session_id.ptr = p;
    out->session_id.len = sid_len;
    at = cur_abs_offset(&c);
    if (!cur_get_bytes(&c, chal_len, &p))
        return dx_malformed(DXE_SSLV2, at);
    out->random.ptr = p;
    out->random.len = chal_len;
    memcpy(out->random32 + (32 - chal_len), p, chal_len);
    if (!cur_at_end(&c))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(&c));
    *body = c;
    return dx_ok();
}

/* TLS 1.3 drafts before 22: version (the draft), random, cipher suite,
 * extensions; no legacy_session_id, no compression method, no HRR random. */
static dx_result parse_early_draft_server_hello(cur_t *c, cur_t *body, tls_server_hello *out)
{
    const uint8_t *r;
    if (!cur_get_u16(c, &out->legacy_version) || !cur_get_bytes(c, 32, &r))
        return hello_err(cur_abs_offset(c));
    out->random.ptr = r;
    out->random.len = 32;
    if (!cur_get_u16(c, &out->cipher))
        return hello_err(cur_abs_offset(c));
    if (!cur_at_end(c)) {
        cur_t e;
        size_t at = cur_abs_offset(c);
        if (!cur_get_prefixed_u16(c, &e))
            return hello_err(at);
        out->has_extensions = true;
        set_view(&out->extensions, &e);
        dx_result res = tls_ext_collect_types(&e, &out->ext);
        if (!ok(res))
            return res;
        if (!cur_at_end(c))
            return dx_malformed(DXE_TRAILING, cur_abs_offset(c));
    }
    out->selected_version = out->legacy_version;
    *body = *c;
    return dx_ok();
}

dx_result tls_parse_server_hello(cur_t *body, tls_server_hello *out)
{
    cur_t c = *body;
    memset(out, 0, sizeof *out);

    uint16_t first = 0;
    cur_t peek = c;
    if (cur_get_u16(&peek, &first) && tls_version_is_early_tls13_draft(first))
        return parse_early_draft_server_hello(&c, body, out);
    dx_result r = parse_prefix(&c, &out->legacy_version, &out->random, &out->session_id);
    if (!ok(r))
        return r;
    out->is_hrr = memcmp(out->random.ptr, tls_hrr_random, 32) == 0;
    {
        cur_t t;
        const uint8_t *tag;
        uint8_t last;
        cur_init(&t, out->random.ptr, out->random.len);
        if (cur_skip(&t, 24) && cur_get_bytes(&t, 7, &tag) && cur_get_u8(&t, &last) &&
            memcmp(tag, downgrd, sizeof downgrd) == 0 && last <= 1)
            out->downgrade = last ? 12 : 11;
    }
    if (!cur_get_u16(&c, &out->cipher))
        return hello_err(cur_abs_offset(&c));
    if (!cur_get_u8(&c, &out->compression))
        return hello_err(cur_abs_offset(&c));
    size_t at = cur_abs_offset(&c);
    r = parse_ext_block(&c, out->is_hrr ? TLS_MSG_HRR : TLS_MSG_SH, &out->has_extensions, &out->extensions,
                        &out->ext);
    if (!ok(r))
        return r;
    if (out->is_hrr && !out->has_extensions)
        return hello_err(at);
    out->selected_version = out->ext.selected_version ? out->ext.selected_version : out->legacy_version;
    *body = c;
    return dx_ok();
}

static bool get_u24(cur_t *c, uint32_t *v)
{
    uint8_t b0;
    uint16_t rest;
    if (!cur_get_u8(c, &b0) || !cur_get_u16(c, &rest))
        return false;
    *v = (uint32_t)b0 << 16 | rest;
    return true;
}

dx_result tls_parse_sslv2_server_hello(cur_t *body, tls_sslv2_server_hello *out)
{
    cur_t c = *body;
    memset(out, 0, sizeof *out);
    uint8_t msg_type;
    uint16_t cert_len, specs_len, cid_len;
    size_t at = cur_abs_offset(&c);
    if (!cur_get_u8(&c, &msg_type) || msg_type != 4 || !cur_get_u8(&c, &out->session_id_hit) ||
        !cur_get_u8(&c, &out->certificate_type) || !cur_get_u16(&c, &out->version) ||
        !cur_get_u16(&c, &cert_len) || !cur_get_u16(&c, &specs_len) || !cur_get_u16(&c, &cid_len))
        return dx_malformed(DXE_SSLV2, at);
    if (specs_len % 3 || cid_len < 16 || cid_len > 32)
        return dx_malformed(DXE_SSLV2, cur_abs_offset(&c) - 4);
    const uint8_t *p;
    at = cur_abs_offset(&c);
    if (!cur_get_bytes(&c, cert_len, &p))
        return dx_malformed(DXE_SSLV2, at);
    out->certificate.ptr = p;
    out->certificate.len = cert_len;
    cur_t specs;
    at = cur_abs_offset(&c);
    if (!cur_get_sub(&c, specs_len, &specs))
        return dx_malformed(DXE_SSLV2, at);
    while (!cur_at_end(&specs)) {
        if (out->n_specs == TLS_SSLV2_MAX_SPECS)
            return dx_malformed(DXE_TOO_MANY, cur_abs_offset(&specs));
        if (!get_u24(&specs, &out->specs[out->n_specs++]))
            return dx_malformed(DXE_SSLV2, cur_abs_offset(&specs));
    }
    at = cur_abs_offset(&c);
    if (!cur_get_bytes(&c, cid_len, &p))
        return dx_malformed(DXE_SSLV2, at);
    out->connection_id.ptr = p;
    out->connection_id.len = cid_len;
    if (!cur_at_end(&c))
        return dx_malformed(DXE_TRAILING, cur_abs_offset(&c));
    *body = c;
    return dx_ok();
}

dx_result tls_parse_sslv2_client_master_key(cur_t *body, uint32_t *cipher_kind)
{
    cur_t c = *body;
    uint8_t msg_type;
    size_t at = cur_abs_offset(&c);
    if (!cur_get_u8(&c, &msg_type) || msg_type != 2 || !get_u24(&c, cipher_kind))
        return dx_malformed(DXE_SSLV2, at);
    return dx_ok();
}
