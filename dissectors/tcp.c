#include "tcp.h"

#include <string.h>

dx_result tcp_parse(cur_t *c, size_t wire_len, tcp_hdr *out)
{
    memset(out, 0, sizeof(*out));
    cur_t w = *c;
    size_t avail = cur_remaining(&w);
    size_t wire = wire_len > avail ? wire_len : avail;
    size_t wire_end = w.off + wire;
    size_t start = cur_abs_offset(&w);

    if (avail < 20)
        return cur_missing(&w, wire_end, 20, DXE_SHORT);
    uint8_t off_byte = 0;
    if (!cur_get_u16(&w, &out->sport) || !cur_get_u16(&w, &out->dport) || !cur_get_u32(&w, &out->seq) ||
        !cur_get_u32(&w, &out->ack) || !cur_get_u8(&w, &off_byte) || !cur_get_u8(&w, &out->flags) ||
        !cur_get_u16(&w, &out->window) || !cur_get_u16(&w, &out->checksum) || !cur_get_u16(&w, &out->urgent))
        return dx_malformed(DXE_SHORT, start); /* unreachable: 20 bytes checked */

    size_t hlen = (size_t)(off_byte >> 4) * 4;
    out->ae = (off_byte & 0x01) != 0;
    if (hlen < 20 || hlen > wire)
        return dx_malformed(DXE_TCP_HDR_LEN, start + 12);
    if (avail < hlen)
        return dx_truncated(DXE_TCP_HDR_LEN, cur_abs_offset(&w));
    out->hdr_len = (uint8_t)hlen;
    if (!cur_get_sub(&w, hlen - 20, &out->options))
        return dx_malformed(DXE_TCP_HDR_LEN, start + 12); /* unreachable */
    out->payload_wire_len = wire - hlen;
    cur_take_rest(&w, &out->payload);
    *c = w;
    return dx_ok();
}

static bool sack_len_ok(uint8_t len)
{
    return len >= 10 && len <= 2 + 8 * TCP_MAX_SACK_BLOCKS && (len - 2) % 8 == 0;
}

dx_result tcp_parse_options(cur_t opts, tcp_opts *out)
{
    memset(out, 0, sizeof(*out));
    cur_t w = opts;
    while (!cur_at_end(&w)) {
        size_t at = cur_abs_offset(&w);
        uint8_t kind = 0, len = 0;
        if (!cur_get_u8(&w, &kind))
            return dx_malformed(DXE_TCP_OPTION, at); /* unreachable */
        if (kind == TCP_OPT_EOL)
            break;
        if (kind == TCP_OPT_NOP)
            continue;
        if (!cur_get_u8(&w, &len) || len < 2)
            return dx_malformed(DXE_TCP_OPTION, at);
        cur_t body;
        if (!cur_get_sub(&w, (size_t)len - 2, &body))
            return dx_malformed(DXE_TCP_OPTION, at);
        bool ok = true;
        switch (kind) {
        case TCP_OPT_MSS:
            ok = len == 4 && cur_get_u16(&body, &out->mss);
            out->has_mss = ok;
            break;
        case TCP_OPT_WSCALE:
            ok = len == 3 && cur_get_u8(&body, &out->wscale);
            out->has_wscale = ok;
            break;
        case TCP_OPT_SACK_PERMITTED:
            ok = len == 2;
            out->sack_permitted = ok;
            break;
        case TCP_OPT_SACK:
            ok = sack_len_ok(len);
            out->n_sack = 0;
            while (ok && !cur_at_end(&body)) {
                tcp_sack_block *b = &out->sack[out->n_sack++];
                ok = cur_get_u32(&body, &b->left) && cur_get_u32(&body, &b->right);
            }
            break;
        case TCP_OPT_TIMESTAMP:
            ok = len == 10 && cur_get_u32(&body, &out->ts_val) && cur_get_u32(&body, &out->ts_ecr);
            out->has_timestamp = ok;
            break;
        default:
            out->n_other++;
            break;
        }
        if (!ok)
            return dx_malformed(DXE_TCP_OPTION, at);
    }
    return dx_ok();
}
