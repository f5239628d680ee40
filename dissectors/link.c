#include "link.h"

#include <string.h>

/* BSD address families that mean IPv6 on the systems that write DLT_NULL /
 * DLT_LOOP captures (NetBSD/OpenBSD/BSD/OS and Npcap: 24, FreeBSD and
 * DragonFly: 28, Darwin: 30). AF_INET is 2 everywhere. */
#define BSD_AF_INET 2u
#define BSD_AF_INET6_BSD 24u
#define BSD_AF_INET6_FREEBSD 28u
#define BSD_AF_INET6_DARWIN 30u

#define ARPHRD_NETLINK 824u

static const struct {
    int dlt;
    const char *name;
} link_table[] = {
    {LINK_DLT_NULL, "NULL"},
    {LINK_DLT_EN10MB, "EN10MB"},
    {LINK_DLT_RAW, "RAW"},
    {LINK_DLT_RAW_LT, "RAW"},
    {LINK_DLT_LOOP, "LOOP"},
    {LINK_DLT_LINUX_SLL, "LINUX_SLL"},
    {LINK_DLT_IPV4, "IPV4"},
    {LINK_DLT_IPV6, "IPV6"},
    {LINK_DLT_LINUX_SLL2, "LINUX_SLL2"},
};

bool link_supported(int dlt) { return link_dlt_name(dlt) != NULL; }

const char *link_dlt_name(int dlt)
{
    for (size_t i = 0; i < MTLS_ARRAY_LEN(link_table); i++)
        if (link_table[i].dlt == dlt)
            return link_table[i].name;
    return NULL;
}

/*
 * `need` bytes are missing at the cursor: truncated by the capture when the
 * frame on the wire had them, malformed (frame too short) when it did not.
 */
static dx_result missing(const cur_t *c, size_t wire_end, size_t need)
{
    if (wire_end - c->off >= need)
        return dx_truncated(DXE_SHORT, cur_abs_offset(c));
    return dx_malformed(DXE_SHORT, cur_abs_offset(c));
}

static void set_l3_from_ethertype(link_info *out)
{
    if (out->ethertype == LINK_ETHERTYPE_IPV4)
        out->l3 = LINK_L3_IPV4;
    else if (out->ethertype == LINK_ETHERTYPE_IPV6)
        out->l3 = LINK_L3_IPV6;
    else
        out->l3 = LINK_L3_OTHER;
}

static bool is_vlan_tpid(uint16_t t)
{
    return t == LINK_ETHERTYPE_VLAN || t == LINK_ETHERTYPE_QINQ || t == LINK_ETHERTYPE_QINQ_OLD;
}

/* 802.1Q-style tags: TCI (2) + next ethertype (2), repeated. */
static dx_result walk_vlan(cur_t *c, size_t wire_end, link_info *out)
{
    while (is_vlan_tpid(out->ethertype)) {
        if (out->n_vlan == LINK_MAX_VLAN_TAGS)
            return dx_malformed(DXE_TOO_MANY, cur_abs_offset(c));
        if (cur_remaining(c) < 4)
            return missing(c, wire_end, 4);
        uint16_t tci = 0, type = 0;
        if (!cur_get_u16(c, &tci) || !cur_get_u16(c, &type))
            return dx_malformed(DXE_SHORT, cur_abs_offset(c)); /* unreachable */
        out->vlan_id[out->n_vlan++] = (uint16_t)(tci & 0x0fff);
        out->ethertype = type;
    }
    return dx_ok();
}

static dx_result parse_ethernet(cur_t *c, size_t wire_end, link_info *out)
{
    if (cur_remaining(c) < 14)
        return missing(c, wire_end, 14);
    if (!cur_skip(c, 12) || !cur_get_u16(c, &out->ethertype))
        return dx_malformed(DXE_SHORT, cur_abs_offset(c));
    dx_result r = walk_vlan(c, wire_end, out);
    if (r.status == DX_OK)
        set_l3_from_ethertype(out);
    return r;
}

/* Linux cooked capture v1: pkttype, ARPHRD, addr len, addr[8], protocol. */
static dx_result parse_sll(cur_t *c, size_t wire_end, link_info *out)
{
    uint16_t pkttype = 0, arphrd = 0, alen = 0;
    if (cur_remaining(c) < 16)
        return missing(c, wire_end, 16);
    if (!cur_get_u16(c, &pkttype) || !cur_get_u16(c, &arphrd) || !cur_get_u16(c, &alen) ||
        !cur_skip(c, 8) || !cur_get_u16(c, &out->ethertype))
        return dx_malformed(DXE_SHORT, cur_abs_offset(c));
    if (arphrd == ARPHRD_NETLINK) {
        out->l3 = LINK_L3_OTHER;
        return dx_ok();
    }
    dx_result r = walk_vlan(c, wire_end, out);
    if (r.status == DX_OK)
        set_l3_from_ethertype(out);
    return r;
}

/* Linux cooked capture v2: protocol, reserved, ifindex, ARPHRD, pkttype,
 * addr len, addr[8]. */
static dx_result parse_sll2(cur_t *c, size_t wire_end, link_info *out)
{
    uint16_t reserved = 0, arphrd = 0;
    uint32_t ifindex = 0;
    if (cur_remaining(c) < 20)
        return missing(c, wire_end, 20);
    if (!cur_get_u16(c, &out->ethertype) || !cur_get_u16(c, &reserved) || !cur_get_u32(c, &ifindex) ||
        !cur_get_u16(c, &arphrd) || !cur_skip(c, 10))
        return dx_malformed(DXE_SHORT, cur_abs_offset(c));
    if (arphrd == ARPHRD_NETLINK) {
        out->l3 = LINK_L3_OTHER;
        return dx_ok();
    }
    dx_result r = walk_vlan(c, wire_end, out);
    if (r.status == DX_OK)
        set_l3_from_ethertype(out);
    return r;
}

/* BSD loopback: a 4-byte address family. DLT_LOOP is in network order;
 * DLT_NULL is in the writer's host order, so either order may appear. */
static dx_result parse_bsd_loopback(cur_t *c, size_t wire_end, bool network_order, link_info *out)
{
    uint32_t af = 0;
    if (cur_remaining(c) < 4)
        return missing(c, wire_end, 4);
    bool ok = network_order ? cur_get_u32(c, &af) : cur_get_u32le(c, &af);
    if (!ok)
        return dx_malformed(DXE_SHORT, cur_abs_offset(c));
    /* Families are small numbers: a value only in the top half was written
     * in the other byte order (big-endian writer of a DLT_NULL file). */
    if (!network_order && (af & 0xffff0000u) != 0 && (af & 0x0000ffffu) == 0)
        af = ((af & 0xff000000u) >> 24) | ((af & 0x00ff0000u) >> 8);
    out->af = af;
    if (af == BSD_AF_INET) {
        out->l3 = LINK_L3_IPV4;
        out->ethertype = LINK_ETHERTYPE_IPV4;
    } else if (af == BSD_AF_INET6_BSD || af == BSD_AF_INET6_FREEBSD || af == BSD_AF_INET6_DARWIN) {
        out->l3 = LINK_L3_IPV6;
        out->ethertype = LINK_ETHERTYPE_IPV6;
    } else {
        out->l3 = LINK_L3_OTHER;
        out->ethertype = 0;
    }
    return dx_ok();
}

/* Raw IP: the version nibble of the first byte tells which. */
static dx_result parse_raw(cur_t *c, size_t wire_end, link_info *out)
{
    uint8_t b = 0;
    if (!cur_peek_u8(c, 0, &b))
        return missing(c, wire_end, 1);
    if ((b >> 4) == 4) {
        out->l3 = LINK_L3_IPV4;
        out->ethertype = LINK_ETHERTYPE_IPV4;
    } else if ((b >> 4) == 6) {
        out->l3 = LINK_L3_IPV6;
        out->ethertype = LINK_ETHERTYPE_IPV6;
    } else {
        out->l3 = LINK_L3_OTHER;
        out->ethertype = 0;
    }
    return dx_ok();
}

dx_result link_parse(int dlt, cur_t *c, size_t wire_len, link_info *out)
{
    memset(out, 0, sizeof(*out));
    cur_t w = *c;
    /* wire_end: end of the frame on the wire, in cursor coordinates. */
    size_t wire_end = c->off + (wire_len > cur_remaining(c) ? wire_len : cur_remaining(c));
    dx_result r;

    switch (dlt) {
    case LINK_DLT_EN10MB:
        r = parse_ethernet(&w, wire_end, out);
        break;
    case LINK_DLT_LINUX_SLL:
        r = parse_sll(&w, wire_end, out);
        break;
    case LINK_DLT_LINUX_SLL2:
        r = parse_sll2(&w, wire_end, out);
        break;
    case LINK_DLT_NULL:
        r = parse_bsd_loopback(&w, wire_end, false, out);
        break;
    case LINK_DLT_LOOP:
        r = parse_bsd_loopback(&w, wire_end, true, out);
        break;
    case LINK_DLT_RAW:
    case LINK_DLT_RAW_LT:
        r = parse_raw(&w, wire_end, out);
        break;
    case LINK_DLT_IPV4:
        out->l3 = LINK_L3_IPV4;
        out->ethertype = LINK_ETHERTYPE_IPV4;
        r = dx_ok();
        break;
    case LINK_DLT_IPV6:
        out->l3 = LINK_L3_IPV6;
        out->ethertype = LINK_ETHERTYPE_IPV6;
        r = dx_ok();
        break;
    default:
        return dx_unsupported(DXE_LINK_UNSUPPORTED, cur_abs_offset(c));
    }
    if (r.status != DX_OK)
        return r;
    out->hdr_len = w.off - c->off;
    out->l3_wire_len = wire_end - w.off;
    cur_take_rest(&w, &out->l3_cur);
    *c = w;
    return r;
}
