#include "ipv4.h"

#include <string.h>

dx_result ipv4_parse(cur_t *c, size_t wire_len, ipv4_hdr *out)
{
    memset(out, 0, sizeof(*out));
    cur_t w = *c;
    size_t avail = cur_remaining(&w);
    size_t wire = wire_len > avail ? wire_len : avail;
    size_t wire_end = w.off + wire;
    size_t start = cur_abs_offset(&w);

    if (avail < 20)
        return cur_missing(&w, wire_end, 20, DXE_SHORT);

    uint8_t vihl = 0, flags_hi = 0, flags_lo = 0;
    if (!cur_get_u8(&w, &vihl) || !cur_get_u8(&w, &out->tos) || !cur_get_u16(&w, &out->total_len) ||
        !cur_get_u16(&w, &out->id) || !cur_get_u8(&w, &flags_hi) || !cur_get_u8(&w, &flags_lo) ||
        !cur_get_u8(&w, &out->ttl) || !cur_get_u8(&w, &out->proto) || !cur_get_u16(&w, &out->checksum) ||
        !cur_copy_bytes(&w, out->src, 4) || !cur_copy_bytes(&w, out->dst, 4))
        return dx_malformed(DXE_SHORT, start); /* unreachable: 20 bytes checked */

    if ((vihl >> 4) != 4)
        return dx_malformed(DXE_IP_VERSION, start);
    size_t ihl = (size_t)(vihl & 0x0f) * 4;
    if (ihl < 20)
        return dx_malformed(DXE_IP_HDR_LEN, start);
    out->hdr_len = (uint8_t)ihl;
    out->evil = (flags_hi & 0x80) != 0;
    out->df = (flags_hi & 0x40) != 0;
    out->mf = (flags_hi & 0x20) != 0;
    out->frag_offset = (uint16_t)((((unsigned)flags_hi & 0x1fu) << 8 | flags_lo) * 8u);

    size_t total = out->total_len;
    if (total == 0) {
        /* Segmentation offload hands the capture a super-packet whose
         * total length field is left zero: trust the frame instead. */
        out->len_from_frame = true;
        total = wire;
    }
    if (total < ihl)
        return dx_malformed(DXE_IP_TOTAL_LEN, start + 2);
    if (total > wire)
        return dx_malformed(DXE_IP_TOTAL_LEN, start + 2);
    if (avail < ihl)
        return dx_truncated(DXE_IP_HDR_LEN, cur_abs_offset(&w));
    if (!cur_get_sub(&w, ihl - 20, &out->options))
        return dx_malformed(DXE_IP_HDR_LEN, start); /* unreachable: avail >= ihl */

    out->payload_wire_len = total - ihl;
    size_t have = cur_remaining(&w);
    size_t take = have < out->payload_wire_len ? have : out->payload_wire_len;
    out->cut = take < out->payload_wire_len;
    if (!cur_get_sub(&w, take, &out->payload))
        return dx_malformed(DXE_IP_TOTAL_LEN, start + 2); /* unreachable */
    *c = w;
    return dx_ok();
}
