/*
 * decode_packet on real frames (TLS ClientHellos captured on loopback from
 * openssl s_client -> s_server under tcpdump), the same IP packets behind
 * every supported link header, frames cut by the snaplen, malformed
 * lengths, every prefix, and IPv4/IPv6 fragments of the real segments in
 * every order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode.h"
#include "link.h"
#include "tcp.h"

/* TLS 1.2 ClientHello from openssl s_client on lo (DLT_EN10MB), 188 payload bytes */
static const uint8_t eth_v4_ch[] = {
    /* Ethernet, type 0x0800 (14 bytes) */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00,
    /* IPv4: IHL 5, total 240, id 0xca06, DF, TTL 64, proto 6, 127.0.0.1 -> 127.0.0.1 (20 bytes) */
    0x45, 0x00, 0x00, 0xf0, 0xca, 0x06, 0x40, 0x00, 0x40, 0x06, 0x71, 0xff, 0x7f, 0x00, 0x00, 0x01,
    0x7f, 0x00, 0x00, 0x01,
    /* TCP: 60524 -> 4433, seq 0x5ae35392, ack 0x8b371036, offset 8, PSH|ACK, win 64 (20 bytes) */
    0xec, 0x6c, 0x11, 0x51, 0x5a, 0xe3, 0x53, 0x92, 0x8b, 0x37, 0x10, 0x36, 0x80, 0x18, 0x00, 0x40,
    0xfe, 0xe4, 0x00, 0x00,
    /* options: NOP NOP TS 0x15935708/0x3c4ed8b4 (12 bytes) */
    0x01, 0x01, 0x08, 0x0a, 0x15, 0x93, 0x57, 0x08, 0x3c, 0x4e, 0xd8, 0xb4,
    /* TLS record: handshake, 0x0301, length 183 (5 bytes) */
    0x16, 0x03, 0x01, 0x00, 0xb7,
    /* ClientHello, length 179 (4 bytes) */
    0x01, 0x00, 0x00, 0xb3,
    /* TLS payload (179 bytes) */
    0x03, 0x03, 0xab, 0xc2, 0x41, 0x03, 0x0f, 0xb8, 0x93, 0x41, 0x07, 0x55, 0x48, 0xbb, 0xb8, 0x89,
    0x19, 0xec, 0x3f, 0x1a, 0xbf, 0xbd, 0x9b, 0x39, 0x63, 0x51, 0xee, 0xcf, 0x4e, 0x04, 0xb4, 0xec,
    0x75, 0xf8, 0x00, 0x00, 0x38, 0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc,
    0xaa, 0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b, 0xc0, 0x23, 0xc0,
    0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39, 0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00,
    0x9d, 0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00,
    0x52, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x0c, 0x00, 0x0a, 0x00,
    0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x00, 0x23, 0x00, 0x00, 0x00, 0x16, 0x00,
    0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06,
    0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08,
    0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05,
    0x02, 0x06, 0x02,
};

/* TLS 1.3 ClientHello from openssl s_client to [::1] (DLT_EN10MB), 225 payload bytes */
static const uint8_t eth_v6_ch[] = {
    /* Ethernet, type 0x86dd (14 bytes) */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x86, 0xdd,
    /* IPv6: flow 0xd35a7, payload 257, next 6, hop 64, ::1 -> ::1 (40 bytes) */
    0x60, 0x0d, 0x35, 0xa7, 0x01, 0x01, 0x06, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    /* TCP: 56638 -> 4433, seq 0x1076d2b8, ack 0x1d2dc071, offset 8, PSH|ACK, win 64 (20 bytes) */
    0xdd, 0x3e, 0x11, 0x51, 0x10, 0x76, 0xd2, 0xb8, 0x1d, 0x2d, 0xc0, 0x71, 0x80, 0x18, 0x00, 0x40,
    0x01, 0x09, 0x00, 0x00,
    /* options: NOP NOP TS 0x6d252089/0x42c7f433 (12 bytes) */
    0x01, 0x01, 0x08, 0x0a, 0x6d, 0x25, 0x20, 0x89, 0x42, 0xc7, 0xf4, 0x33,
    /* TLS record: handshake, 0x0301, length 220 (5 bytes) */
    0x16, 0x03, 0x01, 0x00, 0xdc,
    /* ClientHello, length 216 (4 bytes) */
    0x01, 0x00, 0x00, 0xd8,
    /* TLS payload (216 bytes) */
    0x03, 0x03, 0x54, 0x6f, 0xbf, 0xaa, 0xd5, 0x9d, 0x4d, 0x32, 0xca, 0x3a, 0xc0, 0xad, 0x63, 0x2c,
    0x57, 0x2e, 0x1f, 0xab, 0xc6, 0x10, 0x27, 0x1b, 0x78, 0xea, 0x6a, 0xb1, 0xbe, 0xc7, 0xb7, 0x2c,
    0xe7, 0x4c, 0x20, 0x7d, 0x03, 0x3d, 0x95, 0x41, 0xc0, 0xbd, 0x3d, 0xd8, 0x5a, 0xf8, 0x3f, 0x30,
    0x1c, 0x31, 0x71, 0x0a, 0xec, 0x18, 0x61, 0x57, 0x2e, 0x72, 0x88, 0x0b, 0x92, 0x16, 0x5b, 0xf0,
    0x69, 0xd1, 0x4d, 0x00, 0x08, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01, 0x00, 0xff, 0x01, 0x00, 0x00,
    0x87, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16, 0x00, 0x14, 0x00,
    0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01,
    0x03, 0x01, 0x04, 0x00, 0x23, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00,
    0x0d, 0x00, 0x1e, 0x00, 0x1c, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08,
    0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06,
    0x01, 0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x33,
    0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x0e, 0x30, 0x27, 0xaa, 0x7b, 0x1a, 0x4c, 0x03,
    0xe8, 0xb2, 0x9b, 0xb9, 0x79, 0xa3, 0x60, 0x4d, 0x05, 0x30, 0x8c, 0xdc, 0xf9, 0xb3, 0x66, 0xea,
    0xf2, 0x19, 0x3d, 0xbc, 0x48, 0x65, 0xab, 0x65,
};

#define V4_IP_OFF 14
#define V4_IP_LEN (sizeof(eth_v4_ch) - V4_IP_OFF) /* 240 */
#define V4_TCP_OFF 34
#define V4_PAYLOAD_OFF 66
#define V4_PAYLOAD_LEN 188
#define V6_IP_OFF 14
#define V6_IP_LEN (sizeof(eth_v6_ch) - V6_IP_OFF) /* 297 */
#define V6_TCP_OFF 54
#define V6_PAYLOAD_OFF 86
#define V6_PAYLOAD_LEN 225

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static decoder_t *new_decoder(int dlt)
{
    decoder_t *d = decoder_new(dlt, NULL);
    assert_non_null(d);
    return d;
}

/* Decode a frame captured whole. */
static dx_result decode_whole(decoder_t *d, uint64_t ts, const uint8_t *f, size_t len, decoded_pkt *p)
{
    return decode_packet(d, ts, f, len, len, p);
}

static void assert_v4_ch(const decoded_pkt *p)
{
    static const uint8_t lo[16] = {127, 0, 0, 1};
    assert_int_equal(p->family, 4);
    assert_memory_equal(p->src, lo, 16);
    assert_memory_equal(p->dst, lo, 16);
    assert_int_equal(p->sport, 60524);
    assert_int_equal(p->dport, 4433);
    assert_int_equal(p->seq, 0x5ae35392u);
    assert_int_equal(p->ack, 0x8b371036u);
    assert_int_equal(p->flags, TCP_PSH | TCP_ACK);
    assert_int_equal(p->window, 64);
    assert_int_equal(p->payload_len, V4_PAYLOAD_LEN);
    assert_int_equal(p->payload_wire_len, V4_PAYLOAD_LEN);
    assert_memory_equal(p->payload, eth_v4_ch + V4_PAYLOAD_OFF, V4_PAYLOAD_LEN);
}

static void assert_v6_ch(const decoded_pkt *p)
{
    static const uint8_t lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    assert_int_equal(p->family, 6);
    assert_memory_equal(p->src, lo, 16);
    assert_memory_equal(p->dst, lo, 16);
    assert_int_equal(p->sport, 56638);
    assert_int_equal(p->dport, 4433);
    assert_int_equal(p->seq, 0x1076d2b8u);
    assert_int_equal(p->ack, 0x1d2dc071u);
    assert_int_equal(p->flags, TCP_PSH | TCP_ACK);
    assert_int_equal(p->payload_len, V6_PAYLOAD_LEN);
    assert_int_equal(p->payload_wire_len, V6_PAYLOAD_LEN);
    assert_memory_equal(p->payload, eth_v6_ch + V6_PAYLOAD_OFF, V6_PAYLOAD_LEN);
}

static void test_real_v4(void **state)
{
    (void)state;
    decoder_t *d = new_decoder(LINK_DLT_EN10MB);
    decoded_pkt p;
    dx_result r = decode_whole(d, 1234567, eth_v4_ch, sizeof(eth_v4_ch), &p);
    assert_int_equal(r.status, DX_OK);
    assert_v4_ch(&p);
    assert_int_equal(p.ts_us, 1234567);
    /* zero copy: the payload view points into the frame */
    assert_ptr_equal(p.payload, eth_v4_ch + V4_PAYLOAD_OFF);
    decode_stats st;
    decoder_stats(d, &st);
    assert_int_equal(st.packets, 1);
    assert_int_equal(st.tcp, 1);
    assert_int_equal(st.fragments, 0);
    decoder_free(d);
}

static void test_real_v6(void **state)
{
    (void)state;
    decoder_t *d = new_decoder(LINK_DLT_EN10MB);
    decoded_pkt p;
    assert_int_equal(decode_whole(d, 1, eth_v6_ch, sizeof(eth_v6_ch), &p).status, DX_OK);
    assert_v6_ch(&p);
    assert_ptr_equal(p.payload, eth_v6_ch + V6_PAYLOAD_OFF);
    decoder_free(d);
}

/* ---- the same IP packets behind every link header -------------------- */

typedef struct link_case {
    int dlt;
    uint8_t hdr[24];
    size_t hdr_len;
    int family; /* which packet it can carry */
} link_case;

static const link_case link_cases[] = {
    {LINK_DLT_EN10MB, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00}, 18, 4},
    {LINK_DLT_EN10MB,
     {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x86, 0xdd},
     22,
     6},
    {LINK_DLT_LINUX_SLL, {0, 0, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00}, 16, 4},
    {LINK_DLT_LINUX_SLL, {0, 0, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x86, 0xdd}, 16, 6},
    {LINK_DLT_LINUX_SLL2, {0x08, 0x00, 0, 0, 0, 0, 0, 1, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0}, 20, 4},
    {LINK_DLT_LINUX_SLL2, {0x86, 0xdd, 0, 0, 0, 0, 0, 1, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0}, 20, 6},
    {LINK_DLT_NULL, {2, 0, 0, 0}, 4, 4},
    {LINK_DLT_NULL, {0, 0, 0, 2}, 4, 4},
    {LINK_DLT_NULL, {24, 0, 0, 0}, 4, 6},
    {LINK_DLT_NULL, {28, 0, 0, 0}, 4, 6},
    {LINK_DLT_NULL, {30, 0, 0, 0}, 4, 6},
    {LINK_DLT_LOOP, {0, 0, 0, 2}, 4, 4},
    {LINK_DLT_LOOP, {0, 0, 0, 30}, 4, 6},
    {LINK_DLT_RAW, {0}, 0, 4},
    {LINK_DLT_RAW, {0}, 0, 6},
    {LINK_DLT_RAW_LT, {0}, 0, 4},
    {LINK_DLT_RAW_LT, {0}, 0, 6},
    {LINK_DLT_IPV4, {0}, 0, 4},
    {LINK_DLT_IPV6, {0}, 0, 6},
};

static size_t wrap(const link_case *lc, uint8_t *out)
{
    const uint8_t *ip = lc->family == 4 ? eth_v4_ch + V4_IP_OFF : eth_v6_ch + V6_IP_OFF;
    size_t iplen = lc->family == 4 ? V4_IP_LEN : V6_IP_LEN;
    memcpy(out, lc->hdr, lc->hdr_len);
    memcpy(out + lc->hdr_len, ip, iplen);
    return lc->hdr_len + iplen;
}

static void test_every_link_type(void **state)
{
    (void)state;
    for (size_t i = 0; i < MTLS_ARRAY_LEN(link_cases); i++) {
        const link_case *lc = &link_cases[i];
        uint8_t frame[400];
        size_t len = wrap(lc, frame);
        decoder_t *d = new_decoder(lc->dlt);
        assert_true(decode_link_supported(lc->dlt));
        decoded_pkt p;
        dx_result r = decode_whole(d, 7, frame, len, &p);
        assert_int_equal(r.status, DX_OK);
        if (lc->family == 4)
            assert_v4_ch(&p);
        else
            assert_v6_ch(&p);
        /* cut anywhere inside the link header: truncated, never OK */
        for (size_t cut = 0; cut < lc->hdr_len; cut++)
            assert_int_equal(decode_packet(d, 7, frame, cut, len, &p).status, DX_TRUNCATED);
        decoder_free(d);
    }
}

static void test_not_for_us(void **state)
{
    (void)state;
    decoder_t *d = new_decoder(LINK_DLT_EN10MB);
    uint8_t f[400];
    decoded_pkt p;
    dx_result r;

    memcpy(f, eth_v4_ch, sizeof(eth_v4_ch));
    f[V4_IP_OFF + 9] = 17; /* UDP */
    r = decode_whole(d, 0, f, sizeof(eth_v4_ch), &p);
    assert_int_equal(r.status, DX_UNSUPPORTED);
    assert_int_equal(r.code, DXE_NOT_TCP);
    assert_int_equal(r.offset, V4_IP_OFF + 9);
    assert_int_equal(p.payload_len, 0);

    memcpy(f, eth_v4_ch, sizeof(eth_v4_ch));
    put16(f + 12, 0x0806); /* ARP */
    r = decode_whole(d, 0, f, sizeof(eth_v4_ch), &p);
    assert_int_equal(r.status, DX_UNSUPPORTED);
    assert_int_equal(r.code, DXE_NOT_IP);

    memcpy(f, eth_v6_ch, sizeof(eth_v6_ch));
    f[V6_IP_OFF + 6] = 58; /* ICMPv6 */
    r = decode_whole(d, 0, f, sizeof(eth_v6_ch), &p);
    assert_int_equal(r.status, DX_UNSUPPORTED);
    assert_int_equal(r.code, DXE_NOT_TCP);
    f[V6_IP_OFF + 6] = 50; /* ESP */
    r = decode_whole(d, 0, f, sizeof(eth_v6_ch), &p);
    assert_int_equal(r.status, DX_UNSUPPORTED);
    assert_int_equal(r.code, DXE_NOT_TCP);

    decode_stats st;
    decoder_stats(d, &st);
    assert_int_equal(st.packets, 4);
    assert_int_equal(st.not_tcp, 3);
    assert_int_equal(st.not_ip, 1);
    assert_int_equal(st.tcp, 0);
    decoder_free(d);

    d = new_decoder(147);
    assert_false(decode_link_supported(147));
    r = decode_whole(d, 0, eth_v4_ch, sizeof(eth_v4_ch), &p);
    assert_int_equal(r.status, DX_UNSUPPORTED);
    assert_int_equal(r.code, DXE_LINK_UNSUPPORTED);
    decoder_free(d);
    decoder_free(NULL);
}

static void test_link_names(void **state)
{
    (void)state;
    assert_string_equal(decode_link_name(1), "EN10MB");
    assert_string_equal(decode_link_name(113), "LINUX_SLL");
    assert_string_equal(decode_link_name(147), "DLT 147 (USER0)");
    assert_string_equal(decode_link_name(105), "DLT 105 (IEEE802_11)");
    assert_string_equal(decode_link_name(-5), "DLT -5");
}

/* ---- snaplen, malformed lengths, sweeps ------------------------------ */

static void test_snaplen_cut(void **state)
{
    (void)state;
    decoder_t *d = new_decoder(LINK_DLT_EN10MB);
    decoded_pkt p;
    /* snaplen 100: headers complete, 34 payload bytes of 188 */
    dx_result r = decode_packet(d, 0, eth_v4_ch, 100, sizeof(eth_v4_ch), &p);
    assert_int_equal(r.status, DX_OK);
    assert_int_equal(p.payload_len, 100 - V4_PAYLOAD_OFF);
    assert_int_equal(p.payload_wire_len, V4_PAYLOAD_LEN);
    assert_memory_equal(p.payload, eth_v4_ch + V4_PAYLOAD_OFF, p.payload_len);
    /* snaplen inside the TCP options: truncated, with the layer's code */
    r = decode_packet(d, 0, eth_v4_ch, 60, sizeof(eth_v4_ch), &p);
    assert_int_equal(r.status, DX_TRUNCATED);
    assert_int_equal(r.code, DXE_TCP_HDR_LEN);
    /* the same 60 bytes captured whole: the IP total length lies */
    r = decode_packet(d, 0, eth_v4_ch, 60, 60, &p);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_IP_TOTAL_LEN);
    assert_int_equal(r.offset, V4_IP_OFF + 2);
    /* wirelen 0 or below caplen: caplen counts */
    assert_int_equal(decode_packet(d, 0, eth_v4_ch, sizeof(eth_v4_ch), 0, &p).status, DX_OK);
    assert_v4_ch(&p);
    decode_stats st;
    decoder_stats(d, &st);
    assert_int_equal(st.payload_cut, 1);
    assert_int_equal(st.truncated, 1);
    assert_int_equal(st.malformed, 1);
    decoder_free(d);
}

/* Every prefix, both as a snaplen cut and as a frame really that short. */
static void sweep(const uint8_t *frame, size_t len, size_t payload_off, size_t payload_len)
{
    decoder_t *d = new_decoder(LINK_DLT_EN10MB);
    for (size_t n = 0; n <= len; n++) {
        decoded_pkt p;
        dx_result r = decode_packet(d, 0, frame, n, len, &p);
        if (n < payload_off) {
            assert_int_equal(r.status, DX_TRUNCATED);
            assert_true(r.offset <= n);
        } else {
            assert_int_equal(r.status, DX_OK);
            assert_int_equal(p.payload_len, n - payload_off);
            assert_int_equal(p.payload_wire_len, payload_len);
        }
        r = decode_packet(d, 0, frame, n, n, &p);
        assert_int_equal(r.status, n == len ? DX_OK : DX_MALFORMED);
    }
    decoder_free(d);
}

static void test_sweep_v4(void **state)
{
    (void)state;
    sweep(eth_v4_ch, sizeof(eth_v4_ch), V4_PAYLOAD_OFF, V4_PAYLOAD_LEN);
}

static void test_sweep_v6(void **state)
{
    (void)state;
    sweep(eth_v6_ch, sizeof(eth_v6_ch), V6_PAYLOAD_OFF, V6_PAYLOAD_LEN);
}

static void test_lengths_plus_minus_one(void **state)
{
    (void)state;
    decoder_t *d = new_decoder(LINK_DLT_EN10MB);
    uint8_t f[400];
    decoded_pkt p;
    dx_result r;

    /* IPv4 total length + 1: past the frame */
    memcpy(f, eth_v4_ch, sizeof(eth_v4_ch));
    put16(f + V4_IP_OFF + 2, V4_IP_LEN + 1);
    r = decode_whole(d, 0, f, sizeof(eth_v4_ch), &p);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_IP_TOTAL_LEN);
    /* total length - 1: the last byte is link padding */
    put16(f + V4_IP_OFF + 2, V4_IP_LEN - 1);
    assert_int_equal(decode_whole(d, 0, f, sizeof(eth_v4_ch), &p).status, DX_OK);
    assert_int_equal(p.payload_len, V4_PAYLOAD_LEN - 1);
    assert_int_equal(p.payload_wire_len, V4_PAYLOAD_LEN - 1);
    /* one trailing byte (Ethernet padding) is ignored */
    memcpy(f, eth_v4_ch, sizeof(eth_v4_ch));
    f[sizeof(eth_v4_ch)] = 0;
    assert_int_equal(decode_whole(d, 0, f, sizeof(eth_v4_ch) + 1, &p).status, DX_OK);
    assert_v4_ch(&p);

    /* IPv6 payload length + 1 / - 1 */
    memcpy(f, eth_v6_ch, sizeof(eth_v6_ch));
    put16(f + V6_IP_OFF + 4, V6_IP_LEN - 40 + 1);
    r = decode_whole(d, 0, f, sizeof(eth_v6_ch), &p);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_IP_TOTAL_LEN);
    put16(f + V6_IP_OFF + 4, V6_IP_LEN - 40 - 1);
    assert_int_equal(decode_whole(d, 0, f, sizeof(eth_v6_ch), &p).status, DX_OK);
    assert_int_equal(p.payload_len, V6_PAYLOAD_LEN - 1);

    /* TCP data offset past the segment */
    memcpy(f, eth_v4_ch, sizeof(eth_v4_ch));
    f[V4_TCP_OFF + 12] = 0xf0;
    put16(f + V4_IP_OFF + 2, 20 + 40);
    r = decode_whole(d, 0, f, V4_IP_OFF + 20 + 40, &p);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_TCP_HDR_LEN);
    assert_int_equal(r.offset, V4_TCP_OFF + 12);
    /* data offset one word shorter: 4 more payload bytes, starting with the TS option */
    memcpy(f, eth_v4_ch, sizeof(eth_v4_ch));
    f[V4_TCP_OFF + 12] = 0x70;
    assert_int_equal(decode_whole(d, 0, f, sizeof(eth_v4_ch), &p).status, DX_OK);
    assert_int_equal(p.payload_len, V4_PAYLOAD_LEN + 4);
    assert_ptr_equal(p.payload, f + V4_PAYLOAD_OFF - 4);
    decoder_free(d);
}

/* ---- fragments --------------------------------------------------------- */

/* Ethernet + IPv4 fragment of the real ClientHello datagram: bytes
 * [off, off+len) of its 220-byte TCP segment. */
static size_t v4_fragment(uint8_t *f, size_t off, size_t len, bool more)
{
    memcpy(f, eth_v4_ch, V4_TCP_OFF);
    put16(f + V4_IP_OFF + 2, (uint16_t)(20 + len));
    put16(f + V4_IP_OFF + 6, (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
    memcpy(f + V4_TCP_OFF, eth_v4_ch + V4_TCP_OFF + off, len);
    return V4_TCP_OFF + len;
}

/* Ethernet + IPv6 + Fragment header (id 0xfeedf00d) around bytes [off, off+len)
 * of `part` (the fragmentable part), whose first Next Header is `nh`. */
static size_t v6_fragment(uint8_t *f, const uint8_t *part, uint8_t nh, size_t off, size_t len, bool more)
{
    memcpy(f, eth_v6_ch, V6_TCP_OFF);
    put16(f + V6_IP_OFF + 4, (uint16_t)(8 + len));
    f[V6_IP_OFF + 6] = 44;
    uint8_t *fh = f + V6_TCP_OFF;
    fh[0] = nh;
    fh[1] = 0;
    put16(fh + 2, (uint16_t)(off | (more ? 1 : 0)));
    put32(fh + 4, 0xfeedf00du);
    memcpy(fh + 8, part + off, len);
    return V6_TCP_OFF + 8 + len;
}

/* All orders of three fragments: NEED_MORE twice, then the whole segment. */
static const size_t perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

static void test_v4_fragments_any_order(void **state)
{
    (void)state;
    static const size_t off[3] = {0, 80, 160}, len[3] = {80, 80, 60}; /* 220 bytes */
    decoder_t *d = new_decoder(LINK_DLT_EN10MB);
    for (size_t k = 0; k < 6; k++) {
        for (size_t i = 0; i < 3; i++) {
            size_t j = perms[k][i];
            uint8_t f[300];
            size_t flen = v4_fragment(f, off[j], len[j], j != 2);
            decoded_pkt p;
            dx_result r = decode_whole(d, 1000 + k, f, flen, &p);
            if (i < 2) {
                assert_int_equal(r.status, DX_NEED_MORE);
                assert_int_equal(p.payload_len, 0);
            } else {
                assert_int_equal(r.status, DX_OK);
                assert_v4_ch(&p);
                assert_int_equal(p.ts_us, 1000 + k);
                /* the payload lives in the decoder's buffer, not in the last frame */
                assert_true(p.payload < f || p.payload >= f + sizeof(f));
            }
        }
    }
    decode_stats st;
    decoder_stats(d, &st);
    assert_int_equal(st.fragments, 18);
    assert_int_equal(st.reassembled, 6);
    assert_int_equal(st.frag_pending, 0);
    decoder_free(d);
}

static void test_v4_fragment_overlap_first_wins(void **state)
{
    (void)state;
    decoder_t *d = new_decoder(LINK_DLT_EN10MB);
    uint8_t f[300];
    decoded_pkt p;
    /* [0,120) real bytes */
    assert_int_equal(decode_whole(d, 0, f, v4_fragment(f, 0, 120, true), &p).status, DX_NEED_MORE);
    /* [80,160) with garbage in [80,120): the first bytes win */
    size_t flen = v4_fragment(f, 80, 80, true);
    memset(f + V4_TCP_OFF, 0xee, 40);
    assert_int_equal(decode_whole(d, 0, f, flen, &p).status, DX_NEED_MORE);
    /* an exact duplicate */
    assert_int_equal(decode_whole(d, 0, f, v4_fragment(f, 0, 120, true), &p).status, DX_NEED_MORE);
    assert_int_equal(decode_whole(d, 0, f, v4_fragment(f, 160, 60, false), &p).status, DX_OK);
    assert_v4_ch(&p);
    decode_stats st;
    decoder_stats(d, &st);
    assert_int_equal(st.frag_overlaps, 2);
    decoder_free(d);
}

static void test_v4_fragment_errors(void **state)
{
    (void)state;
    decoder_t *d = new_decoder(LINK_DLT_EN10MB);
    uint8_t f[300];
    decoded_pkt p;
    dx_result r;
    /* a fragment the capture cut cannot be reassembled */
    size_t flen = v4_fragment(f, 0, 80, true);
    r = decode_packet(d, 0, f, flen - 1, flen, &p);
    assert_int_equal(r.status, DX_TRUNCATED);
    assert_int_equal(r.code, DXE_IP_FRAGMENT);
    /* non-final fragment whose length is not a multiple of 8 */
    r = decode_whole(d, 0, f, v4_fragment(f, 0, 81, true), &p);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_IP_FRAGMENT);
    /* beyond 65535 bytes */
    flen = v4_fragment(f, 0, 80, false);
    put16(f + V4_IP_OFF + 6, 0x1fff);
    r = decode_whole(d, 0, f, flen, &p);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_IP_FRAGMENT);
    /* a UDP fragment is ignored without being buffered */
    flen = v4_fragment(f, 0, 80, true);
    f[V4_IP_OFF + 9] = 17;
    r = decode_whole(d, 0, f, flen, &p);
    assert_int_equal(r.status, DX_UNSUPPORTED);
    assert_int_equal(r.code, DXE_NOT_TCP);
    decode_stats st;
    decoder_stats(d, &st);
    assert_int_equal(st.fragments, 2);
    assert_int_equal(st.frag_invalid, 2);
    assert_int_equal(st.frag_pending, 0);
    decoder_free(d);
}

static void test_v6_fragments_any_order(void **state)
{
    (void)state;
    const uint8_t *seg = eth_v6_ch + V6_TCP_OFF; /* 257 bytes */
    static const size_t off[3] = {0, 104, 208}, len[3] = {104, 104, 49};
    decoder_t *d = new_decoder(LINK_DLT_EN10MB);
    for (size_t k = 0; k < 6; k++) {
        for (size_t i = 0; i < 3; i++) {
            size_t j = perms[k][i];
            uint8_t f[400];
            size_t flen = v6_fragment(f, seg, 6, off[j], len[j], j != 2);
            decoded_pkt p;
            dx_result r = decode_whole(d, 5, f, flen, &p);
            if (i < 2) {
                assert_int_equal(r.status, DX_NEED_MORE);
            } else {
                assert_int_equal(r.status, DX_OK);
                assert_v6_ch(&p);
            }
        }
    }
    decode_stats st;
    decoder_stats(d, &st);
    assert_int_equal(st.reassembled, 6);
    decoder_free(d);
}

/* Destination options inside the fragmentable part, walked after reassembly. */
static void test_v6_fragment_with_ext_after(void **state)
{
    (void)state;
    uint8_t part[300] = {6, 0, 0x01, 0x04, 0, 0, 0, 0}; /* dest opts: next 6, PadN 4 */
    memcpy(part + 8, eth_v6_ch + V6_TCP_OFF, V6_IP_LEN - 40);
    size_t total = 8 + V6_IP_LEN - 40; /* 265 */
    decoder_t *d = new_decoder(LINK_DLT_EN10MB);
    uint8_t f[400];
    decoded_pkt p;
    assert_int_equal(decode_whole(d, 0, f, v6_fragment(f, part, 60, 128, total - 128, false), &p).status,
                     DX_NEED_MORE);
    assert_int_equal(decode_whole(d, 0, f, v6_fragment(f, part, 60, 0, 128, true), &p).status, DX_OK);
    assert_v6_ch(&p);
    /* atomic fragment (offset 0, no M): decoded at once */
    assert_int_equal(decode_whole(d, 0, f, v6_fragment(f, part, 60, 0, total, false), &p).status, DX_OK);
    assert_v6_ch(&p);
    decode_stats st;
    decoder_stats(d, &st);
    assert_int_equal(st.fragments, 2);
    decoder_free(d);
}

static void test_v6_fragment_overlap_discards(void **state)
{
    (void)state;
    const uint8_t *seg = eth_v6_ch + V6_TCP_OFF;
    decoder_t *d = new_decoder(LINK_DLT_EN10MB);
    uint8_t f[400];
    decoded_pkt p;
    assert_int_equal(decode_whole(d, 0, f, v6_fragment(f, seg, 6, 0, 104, true), &p).status, DX_NEED_MORE);
    /* exact duplicate: tolerated */
    assert_int_equal(decode_whole(d, 0, f, v6_fragment(f, seg, 6, 0, 104, true), &p).status, DX_NEED_MORE);
    /* overlap with different bytes: the datagram is discarded (RFC 5722) */
    size_t flen = v6_fragment(f, seg, 6, 96, 104, true);
    f[V6_TCP_OFF + 8] ^= 0xff;
    dx_result r = decode_whole(d, 0, f, flen, &p);
    assert_int_equal(r.status, DX_MALFORMED);
    assert_int_equal(r.code, DXE_IP_FRAGMENT);
    /* the rest no longer completes anything */
    assert_int_equal(decode_whole(d, 0, f, v6_fragment(f, seg, 6, 104, 104, true), &p).status, DX_NEED_MORE);
    assert_int_equal(decode_whole(d, 0, f, v6_fragment(f, seg, 6, 208, 49, false), &p).status, DX_NEED_MORE);
    decode_stats st;
    decoder_stats(d, &st);
    assert_int_equal(st.reassembled, 0);
    assert_int_equal(st.frag_pending, 1);
    decoder_free(d); /* frees the pending datagram */
}

static void test_fragment_timeout_and_caps(void **state)
{
    (void)state;
    const uint64_t s = 1000000;
    decoder_t *d = new_decoder(LINK_DLT_EN10MB);
    uint8_t f[300];
    decoded_pkt p;
    /* first fragment at t=0, the rest 31 s later: the first expired */
    assert_int_equal(decode_whole(d, 0, f, v4_fragment(f, 0, 80, true), &p).status, DX_NEED_MORE);
    assert_int_equal(decode_whole(d, 31 * s, f, v4_fragment(f, 80, 80, true), &p).status, DX_NEED_MORE);
    assert_int_equal(decode_whole(d, 31 * s, f, v4_fragment(f, 160, 60, false), &p).status, DX_NEED_MORE);
    decode_stats st;
    decoder_stats(d, &st);
    assert_int_equal(st.frag_timed_out, 1);
    /* within 30 s it completes */
    assert_int_equal(decode_whole(d, 60 * s, f, v4_fragment(f, 0, 80, true), &p).status, DX_OK);
    assert_v4_ch(&p);
    decoder_free(d);

    /* at most two datagrams: a third evicts the oldest */
    decode_limits lim = {.frag_max_datagrams = 2};
    d = decoder_new(LINK_DLT_EN10MB, &lim);
    assert_non_null(d);
    for (uint16_t id = 1; id <= 3; id++) {
        size_t flen = v4_fragment(f, 0, 80, true);
        put16(f + V4_IP_OFF + 4, id);
        assert_int_equal(decode_whole(d, id, f, flen, &p).status, DX_NEED_MORE);
    }
    decoder_stats(d, &st);
    assert_int_equal(st.frag_dropped_by_cap, 1);
    assert_int_equal(st.frag_pending, 2);
    /* id 1 was evicted: its tail alone does not complete it */
    size_t flen = v4_fragment(f, 80, 140, false);
    put16(f + V4_IP_OFF + 4, 1);
    assert_int_equal(decode_whole(d, 4, f, flen, &p).status, DX_NEED_MORE);
    /* id 3 completes */
    flen = v4_fragment(f, 80, 140, false);
    put16(f + V4_IP_OFF + 4, 3);
    assert_int_equal(decode_whole(d, 5, f, flen, &p).status, DX_OK);
    assert_v4_ch(&p);
    decoder_free(d);

    /* datagrams larger than the cap are dropped */
    decode_limits small = {.frag_max_datagram_bytes = 200};
    d = decoder_new(LINK_DLT_EN10MB, &small);
    assert_non_null(d);
    assert_int_equal(decode_whole(d, 0, f, v4_fragment(f, 0, 80, true), &p).status, DX_NEED_MORE);
    dx_result r = decode_whole(d, 0, f, v4_fragment(f, 160, 60, false), &p);
    assert_int_equal(r.status, DX_UNSUPPORTED);
    assert_int_equal(r.code, DXE_IP_FRAGMENT);
    decoder_stats(d, &st);
    assert_int_equal(st.frag_dropped_by_cap, 1);
    assert_int_equal(st.frag_pending, 0);
    decoder_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_v4),
        cmocka_unit_test(test_real_v6),
        cmocka_unit_test(test_every_link_type),
        cmocka_unit_test(test_not_for_us),
        cmocka_unit_test(test_link_names),
        cmocka_unit_test(test_snaplen_cut),
        cmocka_unit_test(test_sweep_v4),
        cmocka_unit_test(test_sweep_v6),
        cmocka_unit_test(test_lengths_plus_minus_one),
        cmocka_unit_test(test_v4_fragments_any_order),
        cmocka_unit_test(test_v4_fragment_overlap_first_wins),
        cmocka_unit_test(test_v4_fragment_errors),
        cmocka_unit_test(test_v6_fragments_any_order),
        cmocka_unit_test(test_v6_fragment_with_ext_after),
        cmocka_unit_test(test_v6_fragment_overlap_discards),
        cmocka_unit_test(test_fragment_timeout_and_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
