#include "ipv6.h"

#include <string.h>

static bool is_generic_ext(uint8_t nh)
{
    return nh == IPV6_NH_HOPOPT || nh == IPV6_NH_ROUTING || nh == IPV6_NH_DSTOPTS || nh == IPV6_NH_AH;
}

dx_result ipv6_walk_ext(uint8_t nh, cur_t *c, size_t wire_len, bool first, ipv6_walk *out)
{
    memset(out, 0, sizeof(*out));
    cur_t w = *c;
    size_t avail = cur_remaining(&w);
    size_t wire = wire_len > avail ? wire_len : avail;
    size_t wire_end = w.off + wire;

    for (;;) {
        if (is_generic_ext(nh)) {
            if (nh == IPV6_NH_HOPOPT && !(first && out->n_ext == 0))
                return dx_malformed(DXE_IPV6_EXT, cur_abs_offset(&w));
            if (out->n_ext == IPV6_MAX_EXT_HEADERS)
                return dx_malformed(DXE_IPV6_EXT, cur_abs_offset(&w));
            uint8_t next = 0, hlen = 0;
            if (cur_remaining(&w) < 2)
                return cur_missing(&w, wire_end, 2, DXE_IPV6_EXT);
            if (!cur_peek_u8(&w, 0, &next) || !cur_peek_u8(&w, 1, &hlen))
                return dx_malformed(DXE_IPV6_EXT, cur_abs_offset(&w)); /* unreachable */
            /* AH counts 4-byte units minus 2; the others 8-byte units minus 1. */
            size_t len = nh == IPV6_NH_AH ? ((size_t)hlen + 2) * 4 : ((size_t)hlen + 1) * 8;
            if (cur_remaining(&w) < len)
                return cur_missing(&w, wire_end, len, DXE_IPV6_EXT);
            if (!cur_skip(&w, len))
                return dx_malformed(DXE_IPV6_EXT, cur_abs_offset(&w)); /* unreachable */
            out->n_ext++;
            nh = next;
            continue;
        }
        if (nh == IPV6_NH_FRAGMENT) {
            if (out->n_ext == IPV6_MAX_EXT_HEADERS)
                return dx_malformed(DXE_IPV6_EXT, cur_abs_offset(&w));
            if (cur_remaining(&w) < 8)
                return cur_missing(&w, wire_end, 8, DXE_IPV6_EXT);
            uint8_t next = 0, reserved = 0;
            uint16_t offm = 0;
            if (!cur_get_u8(&w, &next) || !cur_get_u8(&w, &reserved) || !cur_get_u16(&w, &offm) ||
                !cur_get_u32(&w, &out->frag.id))
                return dx_malformed(DXE_IPV6_EXT, cur_abs_offset(&w)); /* unreachable */
            out->frag.present = true;
            out->frag.next_hdr = next;
            out->frag.offset = (uint16_t)(offm & 0xfff8u);
            out->frag.mf = (offm & 1u) != 0;
            out->n_ext++;
        }
        break;
    }
    out->proto = nh;
    out->payload_wire_len = wire_end - w.off;
    out->cut = cur_remaining(&w) < out->payload_wire_len;
    cur_take_rest(&w, &out->payload);
    *c = w;
    return dx_ok();
}

dx_result ipv6_parse(cur_t *c, size_t wire_len, ipv6_hdr *out)
{
    memset(out, 0, sizeof(*out));
    cur_t w = *c;
    size_t avail = cur_remaining(&w);
    size_t wire = wire_len > avail ? wire_len : avail;
    size_t wire_end = w.off + wire;
    size_t start = cur_abs_offset(&w);

    if (avail < 40)
        return cur_missing(&w, wire_end, 40, DXE_SHORT);
    uint32_t vtf = 0;
    if (!cur_get_u32(&w, &vtf) || !cur_get_u16(&w, &out->payload_len) || !cur_get_u8(&w, &out->next_hdr) ||
        !cur_get_u8(&w, &out->hop_limit) || !cur_copy_bytes(&w, out->src, 16) || !cur_copy_bytes(&w, out->dst, 16))
        return dx_malformed(DXE_SHORT, start); /* unreachable: 40 bytes checked */
    if ((vtf >> 28) != 6)
        return dx_malformed(DXE_IP_VERSION, start);
    out->tclass = (uint8_t)((vtf >> 20) & 0xff);
    out->flow_label = vtf & 0xfffffu;

    size_t plen = out->payload_len;
    size_t wire_rest = wire - 40;
    if (plen == 0) {
        /* Segmentation offload (or a jumbogram): take the frame's length. */
        out->len_from_frame = true;
        plen = wire_rest;
    }
    if (plen > wire_rest)
        return dx_malformed(DXE_IP_TOTAL_LEN, start + 4);
    size_t have = cur_remaining(&w);
    cur_t body;
    if (!cur_get_sub(&w, have < plen ? have : plen, &body))
        return dx_malformed(DXE_IP_TOTAL_LEN, start + 4); /* unreachable */
    dx_result r = ipv6_walk_ext(out->next_hdr, &body, plen, true, &out->walk);
    if (r.status != DX_OK)
        return r;
    *c = w;
    return dx_ok();
}
