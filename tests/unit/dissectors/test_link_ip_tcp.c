/*
 * Link, IPv4, IPv6 and TCP dissectors on real frames captured on loopback
 * (openssl s_server / s_client under tcpdump) and on frames derived from
 * them: other link headers around the same IP packet, VLAN tags, IPv4
 * options, IPv6 extension headers, and every malformed length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ipv4.h"
#include "ipv6.h"
#include "link.h"
#include "tcp.h"

/* openssl s_client -> s_server on lo (tcpdump -i lo, DLT_EN10MB): IPv4 SYN */
static const uint8_t eth_v4_syn[] = {
    /* Ethernet: dst 00:00:00:00:00:00, src 00:00:00:00:00:00, type 0x0800 (14 bytes) */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00,
    /* IPv4: IHL 5, total 60, id 0xca04, DF, TTL 64, proto 6, 127.0.0.1 -> 127.0.0.1 (20 bytes) */
    0x45, 0x00, 0x00, 0x3c, 0xca, 0x04, 0x40, 0x00, 0x40, 0x06, 0x72, 0xb5, 0x7f, 0x00, 0x00, 0x01,
    0x7f, 0x00, 0x00, 0x01,
    /* TCP: 60524 -> 4433, seq 0x5ae35391, ack 0, offset 10, SYN, win 65495 (20 bytes) */
    0xec, 0x6c, 0x11, 0x51, 0x5a, 0xe3, 0x53, 0x91, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xff, 0xd7,
    0xfe, 0x30, 0x00, 0x00,
    /* options: MSS 65495 | SACK-permitted | TS 0x15935707/0 | NOP | WS 10 (20 bytes) */
    0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a, 0x15, 0x93, 0x57, 0x07, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x03, 0x03, 0x0a,
    /* TLS payload (0 bytes) */
};

/* the same SYN captured with tcpdump -i any -y LINUX_SLL */
static const uint8_t sll_v4_syn[] = {
    /* SLL: pkttype 0 (host), ARPHRD 772 (loopback), addr len 6, addr 0, protocol 0x0800 (16 bytes) */
    0x00, 0x00, 0x03, 0x04, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00,
    /* IPv4 header as in eth_v4_syn (20 bytes) */
    0x45, 0x00, 0x00, 0x3c, 0xca, 0x04, 0x40, 0x00, 0x40, 0x06, 0x72, 0xb5, 0x7f, 0x00, 0x00, 0x01,
    0x7f, 0x00, 0x00, 0x01,
    /* TCP header + options as in eth_v4_syn (40 bytes) */
    0xec, 0x6c, 0x11, 0x51, 0x5a, 0xe3, 0x53, 0x91, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xff, 0xd7,
    0xfe, 0x30, 0x00, 0x00, 0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a, 0x15, 0x93, 0x57, 0x07,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
    /* TLS payload (0 bytes) */
};

/* IPv6 SYN captured with tcpdump -i any -y LINUX_SLL2 */
static const uint8_t sll2_v6_syn[] = {
    /* SLL2: protocol 0x86dd, reserved, ifindex 1, ARPHRD 772, pkttype 0, addr len 6, addr 0 (20 bytes) */
    0x86, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x04, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
    /* IPv6: tclass 0, flow 0xd35a7, payload 40, next 6, hop 64, ::1 -> ::1 (40 bytes) */
    0x60, 0x0d, 0x35, 0xa7, 0x00, 0x28, 0x06, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    /* TCP: 56638 -> 4433, seq 0x1076d2b7, offset 10, SYN, win 65476 (20 bytes) */
    0xdd, 0x3e, 0x11, 0x51, 0x10, 0x76, 0xd2, 0xb7, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xff, 0xc4,
    0x00, 0x30, 0x00, 0x00,
    /* options: MSS 65476 | SACK-permitted | TS 0x6d252089/0 | NOP | WS 10 (20 bytes) */
    0x02, 0x04, 0xff, 0xc4, 0x04, 0x02, 0x08, 0x0a, 0x6d, 0x25, 0x20, 0x89, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x03, 0x03, 0x0a,
    /* TLS payload (0 bytes) */
};

#define ETH_HDR 14
#define V4_SYN_IP (sizeof(eth_v4_syn) - ETH_HDR)   /* 60: IPv4 header + TCP */
#define V6_SYN_IP (sizeof(sll2_v6_syn) - 20)       /* 80: IPv6 header + TCP */

static const uint8_t loop6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static dx_result parse_link(int dlt, const uint8_t *buf, size_t caplen, size_t wire, link_info *li)
{
    cur_t c;
    cur_init(&c, buf, caplen);
    return link_parse(dlt, &c, wire, li);
}

/* The link layer must hand out exactly `ip` as the network-layer bytes. */
static void assert_l3_is(const link_info *li, const uint8_t *ip, size_t len)
{
    assert_int_equal(cur_remaining(&li->l3_cur), len);
    assert_memory_equal(cur_ptr(&li->l3_cur), ip, len);
    assert_int_equal(li->l3_wire_len, len);
}

/* ---- link layer ---------------------------------------------------- */

static void test_ethernet_real(void **state)
{
    (void)state;
    link_info li;
    dx_result r = parse_link(LINK_DLT_EN10MB, eth_v4_syn, sizeof(eth_v4_syn), sizeof(eth_v4_syn), &li);
    assert_int_equal(r.status, DX_OK);
    assert_int_equal(li.l3, LINK_L3_IPV4);
    assert_int_equal(li.ethertype, 0x0800);
    assert_int_equal(li.hdr_len, 14);
    assert_int_equal(li.n_vlan, 0);
    assert_l3_is(&li, eth_v4_syn + ETH_HDR, V4_SYN_IP);
    assert_int_equal(cur_abs_offset(&li.l3_cur), 14);
}

static void test_sll_real(void **state)
{
    (void)state;
    link_info li;
    dx_result r = parse_link(LINK_DLT_LINUX_SLL, sll_v4_syn, sizeof(sll_v4_syn), sizeof(sll_v4_syn), &li);
    assert_int_equal(r.status, DX_OK);
    assert_int_equal(li.l3, LINK_L3_IPV4);
    assert_int_equal(li.hdr_len, 16);
    /* the same packet as the Ethernet capture */
    assert_l3_is(&li, eth_v4_syn + ETH_HDR, V4_SYN_IP);
}

static void test_sll2_real(void **state)
{
    (void)state;
    link_info li;
    dx_result r = parse_link(LINK_DLT_LINUX_SLL2, sll2_v6_syn, sizeof(sll2_v6_syn), sizeof(sll2_v6_syn), &li);
    assert_int_equal(r.status, DX_OK);
    assert_int_equal(li.l3, LINK_L3_IPV6);
    assert_int_equal(li.ethertype, 0x86dd);
    assert_int_equal(li.hdr_len, 20);
    assert_l3_is(&li, sll2_v6_syn + 20, V6_SYN_IP);
}

/* Ethernet header with the given tag protocol ids (each followed by a TCI
 * holding VID 100 + index), then ethertype 0x0800 and the real IPv4 SYN. */
static size_t build_tagged(uint8_t *buf, const uint16_t *tpids, size_t ntags)
{
    size_t n = 12;
    memcpy(buf, eth_v4_syn, 12);
    for (size_t i = 0; i < ntags; i++) {
        put16(buf + n, tpids[i]);
        put16(buf + n + 2, (uint16_t)(0x2000 | (100 + i))); /* PCP 1, VID 100+i */
        n += 4;
    }
    put16(buf + n, 0x0800);
    n += 2;
    memcpy(buf + n, eth_v4_syn + ETH_HDR, V4_SYN_IP);
    return n + V4_SYN_IP;
}

static void test_vlan_and_qinq(void **state)
{
    (void)state;
    static const uint16_t stacks[][3] = {
        {0x8100, 0, 0},           /* 802.1Q */
        {0x88a8, 0x8100, 0},      /* 802.1ad QinQ */
        {0x9100, 0x8100, 0},      /* pre-standard QinQ */
        {0x88a8, 0x8100, 0x8100}, /* three tags */
    };
    static const size_t depth[] = {1, 2, 2, 3};
    for (size_t s = 0; s < MTLS_ARRAY_LEN(stacks); s++) {
        uint8_t buf[128];
        size_t len = build_tagged(buf, stacks[s], depth[s]);
        link_info li;
        dx_result r = parse_link(LINK_DLT_EN10MB, buf, len, len, &li);
        assert_int_equal(r.status, DX_OK);
        assert_int_equal(li.l3, LINK_L3_IPV4);
        assert_int_equal(li.n_vlan, depth[s]);
        for (size_t i = 0; i < depth[s]; i++)
            assert_int_equal(li.vlan_id[i], 100 + i);
        assert_int_equal(li.hdr_len, 14 + 4 * depth[s]);
        assert_l3_is(&li, eth_v4_syn + ETH_HDR, V4_SYN_IP);

        /* every cut inside the tags: truncated when the wire had them, malformed when not */
        for (size_t cut = 0; cut < li.hdr_len; cut++) {
            assert_int_equal(parse_link(LINK_DLT_EN10MB, buf, cut, len, &li).status, DX_TRUNCATED);
            r = parse_link(LINK_DLT_EN10MB, buf, cut, cut, &li);
            assert_int_equal(r.status, DX_MALFORMED);
            assert_int_equal(r.code, DXE_SHORT);
        }
    }
    /* VLAN tags on a cooked capture: SLL protocol 0x8100, then TCI + ethertype */
    uint8_t sll[128];
    memcpy(sll, sll_v4_syn, 14);
    put16(sll + 14, 0x8100);
    put16(sll + 16, 42);
    put16(sll + 18, 0x0800);
    memcpy(sll + 20, sll_v4_syn + 16, V4_SYN_IP);
    link_info li;
    assert_int_equal(parse_link(LINK_DLT_LINUX_SLL, sll, 20 + V4_SYN_IP, 0, &li).status, DX_OK);
    assert_int_equal(li.n_vlan, 1);
    assert_int_equal(li.vlan_id[0], 42);
    assert_l3_is(&li, eth_v4_syn + ETH_HDR, V4_SYN_IP);
}

static void test_vlan_too_many(void **state)
{
    (void)state;
    uint16_t tpids[LINK_MAX_VLAN_TAGS + 1];
    for (size_t i = 0; i < MTLS_ARRAY_LEN(tpids); i++)
        tpids[i] = 0x8100;
    uint8_t buf[160];
    link_info li;
    size_t len = build_tagged(buf, tpids, LINK_MAX_VLAN_TAGS);
    assert_int_equal(parse_link(LINK_DLT_EN10MB, buf, len, len, &li).status, DX_OK);
    assert_int_equal(li.n_vlan, LINK_MAX_VLAN_TAGS);
    len = build_tagged(buf, tpids, LINK_MAX_VLAN_TAGS + 1);
    dx_result r = parse_link(LINK_DLT_EN10MB, buf, len, len, &li);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_TOO_MANY);
    assert_int_equal(r.offset, 12 + 4 * LINK_MAX_VLAN_TAGS + 2);
}

static void test_ethernet_not_ip(void **state)
{
    (void)state;
    uint8_t buf[80];
    memcpy(buf, eth_v4_syn, sizeof(eth_v4_syn));
    put16(buf + 12, 0x0806); /* ARP */
    link_info li;
    assert_int_equal(parse_link(LINK_DLT_EN10MB, buf, sizeof(eth_v4_syn), 0, &li).status, DX_OK);
    assert_int_equal(li.l3, LINK_L3_OTHER);
    assert_int_equal(li.ethertype, 0x0806);
    put16(buf + 12, 0x0040); /* 802.3 length field: LLC follows */
    assert_int_equal(parse_link(LINK_DLT_EN10MB, buf, sizeof(eth_v4_syn), 0, &li).status, DX_OK);
    assert_int_equal(li.l3, LINK_L3_OTHER);
    /* netlink on a cooked capture is never IP, whatever the protocol says */
    memcpy(buf, sll_v4_syn, sizeof(sll_v4_syn));
    put16(buf + 2, 824);
    assert_int_equal(parse_link(LINK_DLT_LINUX_SLL, buf, sizeof(sll_v4_syn), 0, &li).status, DX_OK);
    assert_int_equal(li.l3, LINK_L3_OTHER);
}

/* BSD loopback: 4-byte family in host order (NULL) or network order (LOOP). */
static void test_bsd_loopback(void **state)
{
    (void)state;
    static const struct {
        int dlt;
        uint8_t hdr[4];
        link_l3 l3;
        uint32_t af;
    } cases[] = {
        {LINK_DLT_NULL, {2, 0, 0, 0}, LINK_L3_IPV4, 2},   /* little-endian writer */
        {LINK_DLT_NULL, {0, 0, 0, 2}, LINK_L3_IPV4, 2},   /* big-endian writer */
        {LINK_DLT_NULL, {24, 0, 0, 0}, LINK_L3_IPV6, 24}, /* NetBSD/OpenBSD, Npcap */
        {LINK_DLT_NULL, {28, 0, 0, 0}, LINK_L3_IPV6, 28}, /* FreeBSD */
        {LINK_DLT_NULL, {30, 0, 0, 0}, LINK_L3_IPV6, 30}, /* Darwin */
        {LINK_DLT_NULL, {0, 0, 0, 30}, LINK_L3_IPV6, 30},
        {LINK_DLT_NULL, {7, 0, 0, 0}, LINK_L3_OTHER, 7},
        {LINK_DLT_LOOP, {0, 0, 0, 2}, LINK_L3_IPV4, 2},
        {LINK_DLT_LOOP, {0, 0, 0, 24}, LINK_L3_IPV6, 24},
        {LINK_DLT_LOOP, {0, 0, 0, 30}, LINK_L3_IPV6, 30},
        {LINK_DLT_LOOP, {2, 0, 0, 0}, LINK_L3_OTHER, 0x02000000},
    };
    for (size_t i = 0; i < MTLS_ARRAY_LEN(cases); i++) {
        uint8_t buf[128];
        const uint8_t *ip = cases[i].l3 == LINK_L3_IPV6 ? sll2_v6_syn + 20 : eth_v4_syn + ETH_HDR;
        size_t iplen = cases[i].l3 == LINK_L3_IPV6 ? V6_SYN_IP : V4_SYN_IP;
        memcpy(buf, cases[i].hdr, 4);
        memcpy(buf + 4, ip, iplen);
        link_info li;
        dx_result r = parse_link(cases[i].dlt, buf, 4 + iplen, 4 + iplen, &li);
        assert_int_equal(r.status, DX_OK);
        assert_int_equal(li.l3, cases[i].l3);
        assert_int_equal(li.af, cases[i].af);
        assert_int_equal(li.hdr_len, 4);
        assert_l3_is(&li, ip, iplen);
        for (size_t cut = 0; cut < 4; cut++) {
            assert_int_equal(parse_link(cases[i].dlt, buf, cut, 4 + iplen, &li).status, DX_TRUNCATED);
            assert_int_equal(parse_link(cases[i].dlt, buf, cut, cut, &li).status, DX_MALFORMED);
        }
    }
}

static void test_raw_ip(void **state)
{
    (void)state;
    static const int raw[] = {LINK_DLT_RAW, LINK_DLT_RAW_LT};
    link_info li;
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(parse_link(raw[i], eth_v4_syn + ETH_HDR, V4_SYN_IP, 0, &li).status, DX_OK);
        assert_int_equal(li.l3, LINK_L3_IPV4);
        assert_int_equal(li.hdr_len, 0);
        assert_l3_is(&li, eth_v4_syn + ETH_HDR, V4_SYN_IP);
        assert_int_equal(parse_link(raw[i], sll2_v6_syn + 20, V6_SYN_IP, 0, &li).status, DX_OK);
        assert_int_equal(li.l3, LINK_L3_IPV6);
        assert_l3_is(&li, sll2_v6_syn + 20, V6_SYN_IP);
        uint8_t odd[4] = {0x55, 0, 0, 0};
        assert_int_equal(parse_link(raw[i], odd, 4, 4, &li).status, DX_OK);
        assert_int_equal(li.l3, LINK_L3_OTHER);
        assert_int_equal(parse_link(raw[i], odd, 0, 4, &li).status, DX_TRUNCATED);
        assert_int_equal(parse_link(raw[i], odd, 0, 0, &li).status, DX_MALFORMED);
    }
    assert_int_equal(parse_link(LINK_DLT_IPV4, eth_v4_syn + ETH_HDR, V4_SYN_IP, 0, &li).status, DX_OK);
    assert_int_equal(li.l3, LINK_L3_IPV4);
    assert_l3_is(&li, eth_v4_syn + ETH_HDR, V4_SYN_IP);
    assert_int_equal(parse_link(LINK_DLT_IPV6, sll2_v6_syn + 20, V6_SYN_IP, 0, &li).status, DX_OK);
    assert_int_equal(li.l3, LINK_L3_IPV6);
    assert_l3_is(&li, sll2_v6_syn + 20, V6_SYN_IP);
}

static void test_link_unsupported(void **state)
{
    (void)state;
    link_info li;
    dx_result r = parse_link(147, eth_v4_syn, sizeof(eth_v4_syn), 0, &li);
    assert_int_equal(r.status, DX_UNSUPPORTED);
    assert_int_equal(r.code, DXE_LINK_UNSUPPORTED);
    assert_false(link_supported(147));
    assert_null(link_dlt_name(147));
    static const int ok[] = {0, 1, 12, 101, 108, 113, 228, 229, 276};
    for (size_t i = 0; i < MTLS_ARRAY_LEN(ok); i++)
        assert_true(link_supported(ok[i]));
    assert_string_equal(link_dlt_name(276), "LINUX_SLL2");
}

/* Cooked headers cut at every byte. */
static void test_cooked_truncation(void **state)
{
    (void)state;
    link_info li;
    for (size_t cut = 0; cut < 16; cut++) {
        assert_int_equal(parse_link(LINK_DLT_LINUX_SLL, sll_v4_syn, cut, sizeof(sll_v4_syn), &li).status,
                         DX_TRUNCATED);
        assert_int_equal(parse_link(LINK_DLT_LINUX_SLL, sll_v4_syn, cut, cut, &li).status, DX_MALFORMED);
    }
    for (size_t cut = 0; cut < 20; cut++) {
        assert_int_equal(parse_link(LINK_DLT_LINUX_SLL2, sll2_v6_syn, cut, sizeof(sll2_v6_syn), &li).status,
                         DX_TRUNCATED);
        assert_int_equal(parse_link(LINK_DLT_LINUX_SLL2, sll2_v6_syn, cut, cut, &li).status, DX_MALFORMED);
    }
    /* the boundary: one byte short of a frame that is exactly the header */
    assert_int_equal(parse_link(LINK_DLT_LINUX_SLL2, sll2_v6_syn, 19, 20, &li).status, DX_TRUNCATED);
    assert_int_equal(parse_link(LINK_DLT_LINUX_SLL, sll_v4_syn, 15, 16, &li).status, DX_TRUNCATED);
    assert_int_equal(parse_link(LINK_DLT_EN10MB, eth_v4_syn, 13, 14, &li).status, DX_TRUNCATED);
    /* header complete, nothing after it: ok with an empty network layer */
    assert_int_equal(parse_link(LINK_DLT_LINUX_SLL2, sll2_v6_syn, 20, 20, &li).status, DX_OK);
    assert_int_equal(cur_remaining(&li.l3_cur), 0);
}

/* ---- IPv4 ------------------------------------------------------------ */

static dx_result parse_v4(const uint8_t *ip, size_t caplen, size_t wire, ipv4_hdr *h)
{
    cur_t c;
    cur_init(&c, ip, caplen);
    return ipv4_parse(&c, wire, h);
}

static void test_ipv4_real(void **state)
{
    (void)state;
    ipv4_hdr h;
    const uint8_t *ip = eth_v4_syn + ETH_HDR;
    assert_int_equal(parse_v4(ip, V4_SYN_IP, V4_SYN_IP, &h).status, DX_OK);
    assert_int_equal(h.hdr_len, 20);
    assert_int_equal(h.total_len, 60);
    assert_int_equal(h.id, 0xca04);
    assert_true(h.df);
    assert_false(h.mf);
    assert_int_equal(h.frag_offset, 0);
    assert_false(ipv4_is_fragment(&h));
    assert_int_equal(h.ttl, 64);
    assert_int_equal(h.proto, IPV4_PROTO_TCP);
    assert_memory_equal(h.src, ((const uint8_t[]){127, 0, 0, 1}), 4);
    assert_memory_equal(h.dst, ((const uint8_t[]){127, 0, 0, 1}), 4);
    assert_int_equal(cur_remaining(&h.options), 0);
    assert_int_equal(cur_remaining(&h.payload), 40);
    assert_ptr_equal(cur_ptr(&h.payload), ip + 20);
    assert_int_equal(h.payload_wire_len, 40);
    assert_false(h.cut);
}

/* The real SYN with `optlen` option bytes inserted after the fixed header. */
static size_t build_v4_opts(uint8_t *buf, const uint8_t *opts, size_t optlen)
{
    const uint8_t *ip = eth_v4_syn + ETH_HDR;
    memcpy(buf, ip, 20);
    buf[0] = (uint8_t)(0x40 | ((20 + optlen) / 4));
    put16(buf + 2, (uint16_t)(V4_SYN_IP + optlen));
    memcpy(buf + 20, opts, optlen);
    memcpy(buf + 20 + optlen, ip + 20, V4_SYN_IP - 20);
    return V4_SYN_IP + optlen;
}

static void test_ipv4_options(void **state)
{
    (void)state;
    uint8_t buf[128];
    static const uint8_t router_alert[] = {0x94, 0x04, 0x00, 0x00};
    size_t len = build_v4_opts(buf, router_alert, sizeof(router_alert));
    ipv4_hdr h;
    assert_int_equal(parse_v4(buf, len, len, &h).status, DX_OK);
    assert_int_equal(h.hdr_len, 24);
    assert_int_equal(cur_remaining(&h.options), 4);
    assert_memory_equal(cur_ptr(&h.options), router_alert, 4);
    assert_int_equal(cur_remaining(&h.payload), 40);
    assert_memory_equal(cur_ptr(&h.payload), eth_v4_syn + ETH_HDR + 20, 40);

    /* the largest header: IHL 15, 40 option bytes (NOPs then EOL) */
    uint8_t opts[40];
    memset(opts, 0x01, sizeof(opts));
    opts[39] = 0x00;
    len = build_v4_opts(buf, opts, sizeof(opts));
    assert_int_equal(parse_v4(buf, len, len, &h).status, DX_OK);
    assert_int_equal(h.hdr_len, 60);
    assert_int_equal(cur_remaining(&h.options), 40);
    assert_memory_equal(cur_ptr(&h.payload), eth_v4_syn + ETH_HDR + 20, 40);
    /* capture cut inside the options: truncated, not malformed */
    for (size_t cut = 20; cut < 60; cut++) {
        dx_result r = parse_v4(buf, cut, len, &h);
        assert_int_equal(r.status, DX_TRUNCATED);
        assert_int_equal(r.code, DXE_IP_HDR_LEN);
    }
}

static void test_ipv4_malformed(void **state)
{
    (void)state;
    const uint8_t *ip = eth_v4_syn + ETH_HDR;
    uint8_t buf[128];
    ipv4_hdr h;
    dx_result r;

    /* fewer than 20 bytes */
    for (size_t n = 0; n < 20; n++) {
        r = parse_v4(ip, n, V4_SYN_IP, &h);
        assert_int_equal(r.status, DX_TRUNCATED);
        r = parse_v4(ip, n, n, &h);
        assert_int_equal(r.status, DX_MALFORMED);
        assert_int_equal(r.code, DXE_SHORT);
    }
    /* the boundary: 19 of exactly 20 bytes */
    assert_int_equal(parse_v4(ip, 19, 20, &h).status, DX_TRUNCATED);
    /* version */
    memcpy(buf, ip, V4_SYN_IP);
    buf[0] = 0x65;
    r = parse_v4(buf, V4_SYN_IP, V4_SYN_IP, &h);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_IP_VERSION);
    /* IHL 0..4 */
    for (uint8_t ihl = 0; ihl < 5; ihl++) {
        buf[0] = (uint8_t)(0x40 | ihl);
        r = parse_v4(buf, V4_SYN_IP, V4_SYN_IP, &h);
        assert_int_equal(r.status, DX_MALFORMED);
        assert_int_equal(r.code, DXE_IP_HDR_LEN);
    }
    buf[0] = 0x45;
    /* total length below the header, above the frame */
    static const uint16_t bad_total[] = {1, 19, 61, 0xffff};
    for (size_t i = 0; i < MTLS_ARRAY_LEN(bad_total); i++) {
        put16(buf + 2, bad_total[i]);
        r = parse_v4(buf, V4_SYN_IP, V4_SYN_IP, &h);
        assert_int_equal(r.status, DX_MALFORMED);
        assert_int_equal(r.code, DXE_IP_TOTAL_LEN);
        assert_int_equal(r.offset, 2);
    }
    /* IHL 15 but total length 40 */
    buf[0] = 0x4f;
    put16(buf + 2, 40);
    r = parse_v4(buf, V4_SYN_IP, V4_SYN_IP, &h);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_IP_TOTAL_LEN);
    buf[0] = 0x45;

    /* total length shorter than the frame: link padding is trimmed */
    put16(buf + 2, 44);
    assert_int_equal(parse_v4(buf, V4_SYN_IP, V4_SYN_IP, &h).status, DX_OK);
    assert_int_equal(cur_remaining(&h.payload), 24);
    assert_int_equal(h.payload_wire_len, 24);
    /* total length zero (segmentation offload): the frame's length is used */
    put16(buf + 2, 0);
    assert_int_equal(parse_v4(buf, V4_SYN_IP, V4_SYN_IP, &h).status, DX_OK);
    assert_true(h.len_from_frame);
    assert_int_equal(cur_remaining(&h.payload), 40);
}

static void test_ipv4_cut_by_capture(void **state)
{
    (void)state;
    const uint8_t *ip = eth_v4_syn + ETH_HDR;
    ipv4_hdr h;
    /* every capture length from the end of the header on: ok, payload cut */
    for (size_t cap = 20; cap <= V4_SYN_IP; cap++) {
        assert_int_equal(parse_v4(ip, cap, V4_SYN_IP, &h).status, DX_OK);
        assert_int_equal(cur_remaining(&h.payload), cap - 20);
        assert_int_equal(h.payload_wire_len, 40);
        assert_int_equal(h.cut, cap < V4_SYN_IP);
    }
}

static void test_ipv4_fragment_fields(void **state)
{
    (void)state;
    uint8_t buf[128];
    memcpy(buf, eth_v4_syn + ETH_HDR, V4_SYN_IP);
    put16(buf + 6, 0x2000 | 185); /* MF, offset 185 * 8 */
    ipv4_hdr h;
    assert_int_equal(parse_v4(buf, V4_SYN_IP, V4_SYN_IP, &h).status, DX_OK);
    assert_true(h.mf);
    assert_false(h.df);
    assert_int_equal(h.frag_offset, 1480);
    assert_true(ipv4_is_fragment(&h));
    put16(buf + 6, 0x8000 | 0x1fff); /* reserved bit, last fragment at the highest offset */
    assert_int_equal(parse_v4(buf, V4_SYN_IP, V4_SYN_IP, &h).status, DX_OK);
    assert_true(h.evil);
    assert_false(h.mf);
    assert_int_equal(h.frag_offset, 0x1fff * 8);
    assert_true(ipv4_is_fragment(&h));
}

/* ---- IPv6 ------------------------------------------------------------ */

static dx_result parse_v6(const uint8_t *ip, size_t caplen, size_t wire, ipv6_hdr *h)
{
    cur_t c;
    cur_init(&c, ip, caplen);
    return ipv6_parse(&c, wire, h);
}

static void test_ipv6_real(void **state)
{
    (void)state;
    const uint8_t *ip = sll2_v6_syn + 20;
    ipv6_hdr h;
    assert_int_equal(parse_v6(ip, V6_SYN_IP, V6_SYN_IP, &h).status, DX_OK);
    assert_int_equal(h.tclass, 0);
    assert_int_equal(h.flow_label, 0xd35a7);
    assert_int_equal(h.payload_len, 40);
    assert_int_equal(h.next_hdr, 6);
    assert_int_equal(h.hop_limit, 64);
    assert_memory_equal(h.src, loop6, 16);
    assert_memory_equal(h.dst, loop6, 16);
    assert_int_equal(h.walk.proto, IPV6_NH_TCP);
    assert_int_equal(h.walk.n_ext, 0);
    assert_false(h.walk.frag.present);
    assert_int_equal(cur_remaining(&h.walk.payload), 40);
    assert_ptr_equal(cur_ptr(&h.walk.payload), ip + 40);
    assert_int_equal(h.walk.payload_wire_len, 40);
    assert_false(h.walk.cut);
}

/* The real IPv6 SYN with extension headers `ext` (whose chain must end in
 * Next Header 6) between the fixed header and TCP; first Next Header `nh`. */
static size_t build_v6_ext(uint8_t *buf, uint8_t nh, const uint8_t *ext, size_t extlen)
{
    const uint8_t *ip = sll2_v6_syn + 20;
    memcpy(buf, ip, 40);
    put16(buf + 4, (uint16_t)(40 + extlen));
    buf[6] = nh;
    if (extlen)
        memcpy(buf + 40, ext, extlen);
    memcpy(buf + 40 + extlen, ip + 40, 40);
    return 80 + extlen;
}

/* hop-by-hop, destination options, routing (type 4, segments left 0), AH */
static const uint8_t v6_ext_chain[] = {
    /* hop-by-hop: next 60, len 0 (8 bytes), PadN 4 */
    60, 0, 0x01, 0x04, 0, 0, 0, 0,
    /* destination options: next 43, len 1 (16 bytes), PadN 12 */
    43, 1, 0x01, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* routing: next 51, len 0, type 4, segments left 0, 4 bytes */
    51, 0, 4, 0, 0, 0, 0, 0,
    /* AH: next 6, payload len 4 ((4+2)*4 = 24 bytes), reserved, SPI, seq, 12-byte ICV */
    6, 4, 0, 0, 0, 0, 0x10, 0x01, 0, 0, 0, 1,
    0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac,
};

static void test_ipv6_ext_walk(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t len = build_v6_ext(buf, IPV6_NH_HOPOPT, v6_ext_chain, sizeof(v6_ext_chain));
    ipv6_hdr h;
    assert_int_equal(parse_v6(buf, len, len, &h).status, DX_OK);
    assert_int_equal(h.walk.proto, IPV6_NH_TCP);
    assert_int_equal(h.walk.n_ext, 4);
    assert_int_equal(cur_remaining(&h.walk.payload), 40);
    assert_memory_equal(cur_ptr(&h.walk.payload), sll2_v6_syn + 60, 40);
    assert_int_equal(cur_abs_offset(&h.walk.payload), 40 + sizeof(v6_ext_chain));

    /* every cut inside the chain: truncated when the wire has it, malformed when the
     * payload length ends there */
    for (size_t cut = 40; cut < 40 + sizeof(v6_ext_chain); cut++) {
        dx_result r = parse_v6(buf, cut, len, &h);
        assert_int_equal(r.status, DX_TRUNCATED);
        assert_int_equal(r.code, DXE_IPV6_EXT);
        uint8_t shorter[256];
        memcpy(shorter, buf, cut);
        put16(shorter + 4, (uint16_t)(cut - 40));
        r = parse_v6(shorter, cut, cut, &h);
        assert_int_equal(r.status, DX_MALFORMED);
        assert_int_equal(r.code, DXE_IPV6_EXT);
    }
}

static void test_ipv6_ext_errors(void **state)
{
    (void)state;
    uint8_t buf[512];
    ipv6_hdr h;
    dx_result r;

    /* hop-by-hop anywhere but first */
    static const uint8_t hbh_second[] = {0, 0, 0x01, 0x04, 0, 0, 0, 0, 6, 0, 0x01, 0x04, 0, 0, 0, 0};
    size_t len = build_v6_ext(buf, IPV6_NH_DSTOPTS, hbh_second, sizeof(hbh_second));
    r = parse_v6(buf, len, len, &h);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_IPV6_EXT);
    assert_int_equal(r.offset, 48);

    /* the longest chain we walk, and one more */
    uint8_t chain[8 * (IPV6_MAX_EXT_HEADERS + 1)];
    for (size_t n = IPV6_MAX_EXT_HEADERS; n <= IPV6_MAX_EXT_HEADERS + 1; n++) {
        for (size_t i = 0; i < n; i++) {
            static const uint8_t dst[8] = {60, 0, 0x01, 0x04, 0, 0, 0, 0};
            memcpy(chain + 8 * i, dst, 8);
        }
        chain[8 * (n - 1)] = 6;
        len = build_v6_ext(buf, IPV6_NH_DSTOPTS, chain, 8 * n);
        r = parse_v6(buf, len, len, &h);
        if (n == IPV6_MAX_EXT_HEADERS) {
            assert_int_equal(r.status, DX_OK);
            assert_int_equal(h.walk.n_ext, n);
            assert_int_equal(h.walk.proto, 6);
        } else {
            assert_int_equal(r.status, DX_MALFORMED);
            assert_int_equal(r.code, DXE_IPV6_EXT);
        }
    }

    /* ESP and No Next Header stop the walk */
    static const uint8_t esp_after_dst[] = {50, 0, 0x01, 0x04, 0, 0, 0, 0};
    len = build_v6_ext(buf, IPV6_NH_DSTOPTS, esp_after_dst, sizeof(esp_after_dst));
    assert_int_equal(parse_v6(buf, len, len, &h).status, DX_OK);
    assert_int_equal(h.walk.proto, IPV6_NH_ESP);
    assert_int_equal(cur_remaining(&h.walk.payload), 40);
    len = build_v6_ext(buf, IPV6_NH_NONE, NULL, 0);
    assert_int_equal(parse_v6(buf, len, len, &h).status, DX_OK);
    assert_int_equal(h.walk.proto, IPV6_NH_NONE);

    /* wrong version, payload length past the frame, fewer than 40 bytes */
    const uint8_t *ip = sll2_v6_syn + 20;
    memcpy(buf, ip, V6_SYN_IP);
    buf[0] = 0x40;
    r = parse_v6(buf, V6_SYN_IP, V6_SYN_IP, &h);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_IP_VERSION);
    memcpy(buf, ip, V6_SYN_IP);
    put16(buf + 4, 41);
    r = parse_v6(buf, V6_SYN_IP, V6_SYN_IP, &h);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_IP_TOTAL_LEN);
    for (size_t n = 0; n < 40; n++) {
        assert_int_equal(parse_v6(ip, n, V6_SYN_IP, &h).status, DX_TRUNCATED);
        assert_int_equal(parse_v6(ip, n, n, &h).status, DX_MALFORMED);
    }
    /* the boundary: 39 of exactly 40 bytes */
    assert_int_equal(parse_v6(ip, 39, 40, &h).status, DX_TRUNCATED);
    /* payload length 0 (offload): the frame's length */
    put16(buf + 4, 0);
    assert_int_equal(parse_v6(buf, V6_SYN_IP, V6_SYN_IP, &h).status, DX_OK);
    assert_true(h.len_from_frame);
    assert_int_equal(cur_remaining(&h.walk.payload), 40);
    /* payload length shorter than the frame: padding dropped */
    put16(buf + 4, 20);
    assert_int_equal(parse_v6(buf, V6_SYN_IP, V6_SYN_IP, &h).status, DX_OK);
    assert_int_equal(cur_remaining(&h.walk.payload), 20);
    /* capture cut in the upper layer: ok, cut */
    assert_int_equal(parse_v6(ip, 50, V6_SYN_IP, &h).status, DX_OK);
    assert_true(h.walk.cut);
    assert_int_equal(cur_remaining(&h.walk.payload), 10);
    assert_int_equal(h.walk.payload_wire_len, 40);
}

static void test_ipv6_fragment_header(void **state)
{
    (void)state;
    /* destination options, then a Fragment header: next 6, offset 181 (1448 bytes), M, id */
    static const uint8_t ext[] = {44, 0, 0x01, 0x04, 0, 0, 0, 0,
                                  6, 0, 0x05, 0xa9, 0x12, 0x34, 0x56, 0x78};
    uint8_t buf[256];
    size_t len = build_v6_ext(buf, IPV6_NH_DSTOPTS, ext, sizeof(ext));
    ipv6_hdr h;
    assert_int_equal(parse_v6(buf, len, len, &h).status, DX_OK);
    assert_true(h.walk.frag.present);
    assert_int_equal(h.walk.proto, IPV6_NH_FRAGMENT);
    assert_int_equal(h.walk.frag.next_hdr, 6);
    assert_int_equal(h.walk.frag.offset, 1448);
    assert_true(h.walk.frag.mf);
    assert_int_equal(h.walk.frag.id, 0x12345678);
    assert_int_equal(h.walk.n_ext, 2);
    assert_int_equal(cur_remaining(&h.walk.payload), 40);
    /* the walk continues over the rest with ipv6_walk_ext (atomic fragment case) */
    cur_t rest = h.walk.payload;
    ipv6_walk w;
    assert_int_equal(ipv6_walk_ext(h.walk.frag.next_hdr, &rest, 40, false, &w).status, DX_OK);
    assert_int_equal(w.proto, 6);
    /* hop-by-hop is not allowed in a continued walk */
    cur_t rest2 = h.walk.payload;
    assert_int_equal(ipv6_walk_ext(IPV6_NH_HOPOPT, &rest2, 40, false, &w).status, DX_MALFORMED);
    /* fragment header cut */
    for (size_t cut = 48; cut < 56; cut++) {
        assert_int_equal(parse_v6(buf, cut, len, &h).status, DX_TRUNCATED);
    }
}

/* ---- TCP --------------------------------------------------------------- */

static dx_result parse_tcp(const uint8_t *seg, size_t caplen, size_t wire, tcp_hdr *h)
{
    cur_t c;
    cur_init(&c, seg, caplen);
    return tcp_parse(&c, wire, h);
}

static dx_result parse_opts(const uint8_t *o, size_t len, tcp_opts *out)
{
    cur_t c;
    cur_init(&c, o, len);
    return tcp_parse_options(c, out);
}

static void test_tcp_real_v4(void **state)
{
    (void)state;
    const uint8_t *seg = eth_v4_syn + 34;
    tcp_hdr h;
    assert_int_equal(parse_tcp(seg, 40, 40, &h).status, DX_OK);
    assert_int_equal(h.sport, 60524);
    assert_int_equal(h.dport, 4433);
    assert_int_equal(h.seq, 0x5ae35391u);
    assert_int_equal(h.ack, 0);
    assert_int_equal(h.hdr_len, 40);
    assert_int_equal(h.flags, TCP_SYN);
    assert_int_equal(h.window, 65495);
    assert_int_equal(h.checksum, 0xfe30);
    assert_int_equal(cur_remaining(&h.options), 20);
    assert_int_equal(cur_remaining(&h.payload), 0);
    assert_int_equal(h.payload_wire_len, 0);
    tcp_opts o;
    assert_int_equal(tcp_parse_options(h.options, &o).status, DX_OK);
    assert_true(o.has_mss);
    assert_int_equal(o.mss, 65495);
    assert_true(o.sack_permitted);
    assert_true(o.has_timestamp);
    assert_int_equal(o.ts_val, 0x15935707u);
    assert_int_equal(o.ts_ecr, 0);
    assert_true(o.has_wscale);
    assert_int_equal(o.wscale, 10);
    assert_int_equal(o.n_sack, 0);
    assert_int_equal(o.n_other, 0);
}

static void test_tcp_real_v6(void **state)
{
    (void)state;
    const uint8_t *seg = sll2_v6_syn + 60;
    tcp_hdr h;
    assert_int_equal(parse_tcp(seg, 40, 40, &h).status, DX_OK);
    assert_int_equal(h.sport, 56638);
    assert_int_equal(h.seq, 0x1076d2b7u);
    assert_int_equal(h.flags, TCP_SYN);
    tcp_opts o;
    assert_int_equal(tcp_parse_options(h.options, &o).status, DX_OK);
    assert_int_equal(o.mss, 65476);
    assert_int_equal(o.ts_val, 0x6d252089u);
    assert_int_equal(o.wscale, 10);
}

static void test_tcp_header_lengths(void **state)
{
    (void)state;
    uint8_t seg[64];
    memcpy(seg, eth_v4_syn + 34, 40);
    tcp_hdr h;
    dx_result r;
    /* data offset below 5 */
    for (uint8_t off = 0; off < 5; off++) {
        seg[12] = (uint8_t)(off << 4);
        r = parse_tcp(seg, 40, 40, &h);
        assert_int_equal(r.status, DX_MALFORMED);
        assert_int_equal(r.code, DXE_TCP_HDR_LEN);
        assert_int_equal(r.offset, 12);
    }
    /* data offset past the segment */
    seg[12] = 0xb0; /* 44 bytes */
    r = parse_tcp(seg, 40, 40, &h);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_TCP_HDR_LEN);
    /* ... but within the wire length: the capture cut it */
    r = parse_tcp(seg, 40, 100, &h);
    assert_int_equal(r.status, DX_TRUNCATED);
    assert_int_equal(r.code, DXE_TCP_HDR_LEN);
    seg[12] = 0xa0;
    /* every prefix of the real header */
    for (size_t n = 0; n < 40; n++) {
        assert_int_equal(parse_tcp(seg, n, 40, &h).status, DX_TRUNCATED);
        assert_int_equal(parse_tcp(seg, n, n, &h).status, DX_MALFORMED);
    }
    /* the boundary: a 20-byte segment of which 19 were captured is cut, not short */
    seg[12] = 0x50;
    assert_int_equal(parse_tcp(seg, 19, 20, &h).status, DX_TRUNCATED);
    assert_int_equal(parse_tcp(seg, 19, 19, &h).status, DX_MALFORMED);
    seg[12] = 0xa0;
    /* payload present in the wire length only */
    assert_int_equal(parse_tcp(seg, 40, 1000, &h).status, DX_OK);
    assert_int_equal(cur_remaining(&h.payload), 0);
    assert_int_equal(h.payload_wire_len, 960);
    /* flags and the AE bit */
    seg[12] = 0xa1;
    seg[13] = 0xff;
    assert_int_equal(parse_tcp(seg, 40, 40, &h).status, DX_OK);
    assert_true(h.ae);
    assert_int_equal(h.flags, TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG | TCP_ECE | TCP_CWR);
}

static void test_tcp_options_sack_and_others(void **state)
{
    (void)state;
    static const uint8_t opts[] = {
        0x01, 0x01,                                           /* NOP NOP */
        0x05, 0x12,                                           /* SACK, 2 blocks */
        0x11, 0x22, 0x33, 0x44, 0x11, 0x22, 0x40, 0x00,       /* [0x11223344, 0x11224000) */
        0x55, 0x66, 0x77, 0x88, 0x55, 0x66, 0x80, 0x00,       /* [0x55667788, 0x55668000) */
        0x1e, 0x04, 0x00, 0x81,                               /* kind 30 (MPTCP), skipped */
        0x00, 0xde, 0xad,                                     /* EOL, then padding */
    };
    tcp_opts o;
    assert_int_equal(parse_opts(opts, sizeof(opts), &o).status, DX_OK);
    assert_int_equal(o.n_sack, 2);
    assert_int_equal(o.sack[0].left, 0x11223344u);
    assert_int_equal(o.sack[0].right, 0x11224000u);
    assert_int_equal(o.sack[1].left, 0x55667788u);
    assert_int_equal(o.sack[1].right, 0x55668000u);
    assert_int_equal(o.n_other, 1);
    assert_false(o.has_mss);
}

static void test_tcp_options_malformed(void **state)
{
    (void)state;
    static const struct {
        uint8_t bytes[40];
        size_t len;
        size_t bad_at;
    } cases[] = {
        {{0x01, 0x02}, 2, 1},                             /* MSS kind, length byte missing */
        {{0x02, 0x00, 0x05, 0xb4}, 4, 0},                 /* length 0 */
        {{0x02, 0x01, 0x05, 0xb4}, 4, 0},                 /* length 1 */
        {{0x02, 0x04, 0x05}, 3, 0},                       /* past the option space */
        {{0x02, 0x03, 0x05}, 3, 0},                       /* MSS length 3 */
        {{0x02, 0x05, 0x05, 0xb4, 0x00}, 5, 0},           /* MSS length 5 */
        {{0x03, 0x04, 0x07, 0x00}, 4, 0},                 /* window scale length 4 */
        {{0x03, 0x02}, 2, 0},                             /* window scale length 2 */
        {{0x04, 0x03, 0x00}, 3, 0},                       /* SACK-permitted length 3 */
        {{0x08, 0x09, 1, 2, 3, 4, 5, 6, 7}, 9, 0},        /* timestamps length 9 */
        {{0x08, 0x0b, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 11, 0}, /* timestamps length 11 */
        {{0x05, 0x02}, 2, 0},                             /* SACK without blocks */
        {{0x05, 0x09, 1, 2, 3, 4, 5, 6, 7}, 9, 0},        /* SACK length not 2 + 8n */
        {{0x05, 0x2a}, 40, 0},                            /* SACK with 5 blocks (len 42) */
        {{0x01, 0x01, 0x1e, 0x28}, 40, 2},                /* unknown kind, length past end */
    };
    for (size_t i = 0; i < MTLS_ARRAY_LEN(cases); i++) {
        tcp_opts o;
        dx_result r = parse_opts(cases[i].bytes, cases[i].len, &o);
        assert_int_equal(r.status, DX_MALFORMED);
        assert_int_equal(r.code, DXE_TCP_OPTION);
        assert_int_equal(r.offset, cases[i].bad_at);
    }
    /* the largest SACK option (4 blocks) is fine */
    uint8_t sack4[34] = {0x05, 34};
    tcp_opts o;
    assert_int_equal(parse_opts(sack4, sizeof(sack4), &o).status, DX_OK);
    assert_int_equal(o.n_sack, 4);
}

/* Every prefix of the real option bytes: ok exactly at option boundaries. */
static void test_tcp_options_sweep(void **state)
{
    (void)state;
    const uint8_t *opts = eth_v4_syn + 54;
    /* MSS(4) | SACK-permitted(2) | TS(10) | NOP(1) | WS(3) */
    static const size_t boundaries[] = {0, 4, 6, 16, 17, 20};
    for (size_t n = 0; n <= 20; n++) {
        bool at_boundary = false;
        for (size_t b = 0; b < MTLS_ARRAY_LEN(boundaries); b++)
            at_boundary |= boundaries[b] == n;
        tcp_opts o;
        dx_result r = parse_opts(opts, n, &o);
        assert_int_equal(r.status, at_boundary ? DX_OK : DX_MALFORMED);
        /* one trailing byte after the whole list is a lone kind with no length */
    }
    uint8_t plus[21];
    memcpy(plus, opts, 20);
    plus[20] = 0x02;
    tcp_opts o;
    dx_result r = parse_opts(plus, 21, &o);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.offset, 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethernet_real),
        cmocka_unit_test(test_sll_real),
        cmocka_unit_test(test_sll2_real),
        cmocka_unit_test(test_vlan_and_qinq),
        cmocka_unit_test(test_vlan_too_many),
        cmocka_unit_test(test_ethernet_not_ip),
        cmocka_unit_test(test_bsd_loopback),
        cmocka_unit_test(test_raw_ip),
        cmocka_unit_test(test_link_unsupported),
        cmocka_unit_test(test_cooked_truncation),
        cmocka_unit_test(test_ipv4_real),
        cmocka_unit_test(test_ipv4_options),
        cmocka_unit_test(test_ipv4_malformed),
        cmocka_unit_test(test_ipv4_cut_by_capture),
        cmocka_unit_test(test_ipv4_fragment_fields),
        cmocka_unit_test(test_ipv6_real),
        cmocka_unit_test(test_ipv6_ext_walk),
        cmocka_unit_test(test_ipv6_ext_errors),
        cmocka_unit_test(test_ipv6_fragment_header),
        cmocka_unit_test(test_tcp_real_v4),
        cmocka_unit_test(test_tcp_real_v6),
        cmocka_unit_test(test_tcp_header_lengths),
        cmocka_unit_test(test_tcp_options_sack_and_others),
        cmocka_unit_test(test_tcp_options_malformed),
        cmocka_unit_test(test_tcp_options_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
