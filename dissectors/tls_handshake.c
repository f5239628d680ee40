#include "tls_handshake.h"

dx_result tls_hs_parse_header(cur_t *c, uint8_t *type, uint32_t *len)
{
    cur_t t = *c;
    uint8_t ty;
    uint32_t n;
    if (!cur_get_u8(&t, &ty) || !cur_get_u24(&t, &n))
        return dx_need_more(TLS_HS_HDR_LEN - cur_remaining(c));
    if (n > TLS_HS_MAX_LEN)
        return dx_malformed(DXE_HS_TOO_LONG, cur_abs_offset(c) + 1);
    *type = ty;
    *len = n;
    *c = t;
    return dx_ok();
}

dx_result tls_hs_parse(cur_t *c, uint8_t *type, cur_t *body)
{
    cur_t t = *c;
    uint8_t ty;
    uint32_t n;
    dx_result r = tls_hs_parse_header(&t, &ty, &n);
    if (r.status != DX_OK)
        return r;
    if (!cur_get_sub(&t, n, body))
        return dx_need_more(n - cur_remaining(&t));
    *type = ty;
    *c = t;
    return dx_ok();
}
