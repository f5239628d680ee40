#include "tls_record.h"

static bool ct_known(uint8_t t) { return t >= TLS_CT_CHANGE_CIPHER_SPEC && t <= TLS_CT_HEARTBEAT; }
static bool version_ok(uint16_t v) { return v >= 0x0300 && v <= 0x0304; }

dx_result tls_record_parse_header(cur_t *c, tls_record_hdr *out)
{
    cur_t t = *c;
    uint8_t type;
    uint16_t version, length;
    if (!cur_get_u8(&t, &type) || !cur_get_u16(&t, &version) || !cur_get_u16(&t, &length))
        return dx_need_more(TLS_RECORD_HDR_LEN - cur_remaining(c));
    size_t at = cur_abs_offset(c);
    if (!ct_known(type))
        return dx_malformed(DXE_REC_TYPE, at);
    if (!version_ok(version))
        return dx_malformed(DXE_REC_VERSION, at + 1);
    if (length > TLS_RECORD_MAX)
        return dx_malformed(DXE_REC_TOO_LONG, at + 3);
    if (length == 0 && type != TLS_CT_APPLICATION_DATA)
        return dx_malformed(DXE_LENGTH_ZERO, at + 3);
    out->type = type;
    out->version = version;
    out->length = length;
    *c = t;
    return dx_ok();
}

dx_result tls_record_parse(cur_t *c, tls_record_hdr *out, cur_t *body)
{
    cur_t t = *c;
    tls_record_hdr h;
    dx_result r = tls_record_parse_header(&t, &h);
    if (r.status != DX_OK)
        return r;
    *out = h; /* also when the body is not complete: the caller may skip it by length */
    if (!cur_get_sub(&t, h.length, body))
        return dx_need_more(h.length - cur_remaining(&t));
    *c = t;
    return dx_ok();
}

bool tls_record_plausible(const uint8_t *p, size_t n)
{
    cur_t c;
    tls_record_hdr h;
    cur_init(&c, p, n);
    return tls_record_parse_header(&c, &h).status == DX_OK;
}

bool tls_record_is_sslv2_hello(const uint8_t *p, size_t n)
{
    cur_t c;
    uint16_t len, version;
    uint8_t msg;
    cur_init(&c, p, n);
    if (!cur_get_u16(&c, &len) || !cur_get_u8(&c, &msg) || !cur_get_u16(&c, &version))
        return false;
    if (!(len & 0x8000) || (len & 0x7FFF) < 9 || msg != 1)
        return false;
    return version == 0x0002 || version_ok(version);
}

dx_result tls_record_parse_sslv2_header(cur_t *c, tls_sslv2_hdr *out)
{
    cur_t t = *c;
    uint16_t v;
    if (!cur_get_u16(&t, &v))
        return dx_need_more(2 - cur_remaining(c));
    if (!(v & 0x8000) || (v & 0x7FFF) < 9)
        return dx_malformed(DXE_SSLV2, cur_abs_offset(c));
    out->length = (uint16_t)(v & 0x7FFF);
    *c = t;
    return dx_ok();
}
