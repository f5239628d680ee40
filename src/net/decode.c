#include "decode.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "ipfrag.h"
#include "ipv4.h"
#include "ipv6.h"
#include "link.h"

struct decoder {
    int dlt;
    ipfrag_t *frag;
    decode_stats st;
};

decoder_t *decoder_new(int dlt, const decode_limits *lim)
{
    decoder_t *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    ipfrag_limits fl = {0};
    if (lim) {
        fl.max_datagrams = lim->frag_max_datagrams;
        fl.max_datagram_bytes = lim->frag_max_datagram_bytes;
        fl.max_total_bytes = lim->frag_max_total_bytes;
        fl.timeout_us = lim->frag_timeout_us;
    }
    d->dlt = dlt;
    d->frag = ipfrag_new(&fl);
    if (!d->frag) {
        free(d);
        return NULL;
    }
    return d;
}

void decoder_free(decoder_t *d)
{
    if (!d)
        return;
    ipfrag_free(d->frag);
    free(d);
}

bool decode_link_supported(int dlt) { return link_supported(dlt); }

bool decoder_set_link(decoder_t *d, int dlt)
{
    d->dlt = dlt;
    return link_supported(dlt);
}

const char *decode_link_name(int dlt)
{
    static _Thread_local char buf[96];
    const char *n = link_dlt_name(dlt);
    if (n)
        return n;
    const char *pn = pcap_datalink_val_to_name(dlt);
    if (pn)
        snprintf(buf, sizeof(buf), "DLT %d (%s)", dlt, pn);
    else if (dlt >= 147 && dlt <= 162) /* DLT_USER0..15: private use, unnamed by libpcap */
        snprintf(buf, sizeof(buf), "DLT %d (USER%d)", dlt, dlt - 147);
    else
        snprintf(buf, sizeof(buf), "DLT %d", dlt);
    return buf;
}

void decoder_stats(const decoder_t *d, decode_stats *out)
{
    *out = d->st;
    ipfrag_stats fs;
    ipfrag_get_stats(d->frag, &fs);
    out->fragments = fs.fragments;
    out->reassembled = fs.reassembled;
    out->frag_dropped_by_cap = fs.dropped_by_cap;
    out->frag_timed_out = fs.timed_out;
    out->frag_overlaps = fs.overlaps;
    out->frag_invalid = fs.invalid;
    out->frag_pending = fs.pending;
}

static bool is_v6_ext(uint8_t nh)
{
    return nh == IPV6_NH_HOPOPT || nh == IPV6_NH_ROUTING || nh == IPV6_NH_DSTOPTS || nh == IPV6_NH_AH ||
           nh == IPV6_NH_FRAGMENT;
}

/* The TCP layer, common to every path: fills *out from the segment. */
static dx_result decode_tcp(decoder_t *d, cur_t *seg, size_t wire_len, decoded_pkt *out)
{
    tcp_hdr th;
    dx_result r = tcp_parse(seg, wire_len, &th);
    if (r.status != DX_OK)
        return r;
    out->sport = th.sport;
    out->dport = th.dport;
    out->seq = th.seq;
    out->ack = th.ack;
    out->flags = th.flags;
    out->window = th.window;
    out->payload = cur_ptr(&th.payload);
    out->payload_len = cur_remaining(&th.payload);
    out->payload_wire_len = th.payload_wire_len;
    if (out->payload_len < out->payload_wire_len)
        d->st.payload_cut++;
    return r;
}

/* Map an ipfrag outcome that is not COMPLETE to a result. */
static dx_result frag_result(ipfrag_status s, size_t at)
{
    switch (s) {
    case IPFRAG_HELD:
        return dx_need_more(0);
    case IPFRAG_INVALID:
        return dx_malformed(DXE_IP_FRAGMENT, at);
    case IPFRAG_DROPPED:
    case IPFRAG_COMPLETE:
        break;
    }
    return dx_unsupported(DXE_IP_FRAGMENT, at);
}

static dx_result decode_v4(decoder_t *d, uint64_t ts_us, const link_info *li, decoded_pkt *out)
{
    cur_t c = li->l3_cur;
    size_t ip_at = cur_abs_offset(&c);
    ipv4_hdr h;
    dx_result r = ipv4_parse(&c, li->l3_wire_len, &h);
    if (r.status != DX_OK)
        return r;
    out->family = 4;
    memcpy(out->src, h.src, 4);
    memcpy(out->dst, h.dst, 4);
    if (h.proto != IPV4_PROTO_TCP)
        return dx_unsupported(DXE_NOT_TCP, ip_at + 9);
    if (!ipv4_is_fragment(&h))
        return decode_tcp(d, &h.payload, h.payload_wire_len, out);

    if (h.cut)
        return dx_truncated(DXE_IP_FRAGMENT, ip_at + 6);
    ipfrag_key key;
    memset(&key, 0, sizeof(key));
    key.family = 4;
    key.proto = h.proto;
    key.id = h.id;
    memcpy(key.src, h.src, 4);
    memcpy(key.dst, h.dst, 4);
    ipfrag_done done;
    ipfrag_status s = ipfrag_add(d->frag, ts_us, &key, h.frag_offset, h.mf, 0, cur_ptr(&h.payload),
                                 cur_remaining(&h.payload), &done);
    if (s != IPFRAG_COMPLETE)
        return frag_result(s, ip_at + 6);
    cur_t seg;
    cur_init(&seg, done.data, done.len);
    return decode_tcp(d, &seg, done.len, out);
}

static dx_result decode_v6(decoder_t *d, uint64_t ts_us, const link_info *li, decoded_pkt *out)
{
    cur_t c = li->l3_cur;
    ipv6_hdr h;
    dx_result r = ipv6_parse(&c, li->l3_wire_len, &h);
    if (r.status != DX_OK)
        return r;
    out->family = 6;
    memcpy(out->src, h.src, 16);
    memcpy(out->dst, h.dst, 16);

    ipv6_walk walk = h.walk;
    if (walk.frag.present) {
        const ipv6_frag fr = walk.frag;
        if (fr.offset == 0 && !fr.mf) {
            /* Atomic fragment (RFC 6946): the rest is all here. */
            cur_t rest = walk.payload;
            r = ipv6_walk_ext(fr.next_hdr, &rest, walk.payload_wire_len, false, &walk);
            if (r.status != DX_OK)
                return r;
        } else {
            size_t frag_at = cur_abs_offset(&walk.payload) - 8;
            if (fr.next_hdr != IPV6_NH_TCP && !is_v6_ext(fr.next_hdr))
                return dx_unsupported(DXE_NOT_TCP, frag_at);
            if (walk.cut)
                return dx_truncated(DXE_IP_FRAGMENT, frag_at);
            ipfrag_key key;
            memset(&key, 0, sizeof(key));
            key.family = 6;
            key.id = fr.id;
            memcpy(key.src, h.src, 16);
            memcpy(key.dst, h.dst, 16);
            ipfrag_done done;
            ipfrag_status s = ipfrag_add(d->frag, ts_us, &key, fr.offset, fr.mf, fr.next_hdr,
                                         cur_ptr(&walk.payload), cur_remaining(&walk.payload), &done);
            if (s != IPFRAG_COMPLETE)
                return frag_result(s, frag_at);
            cur_t whole;
            cur_init(&whole, done.data, done.len);
            r = ipv6_walk_ext(done.next_hdr, &whole, done.len, false, &walk);
            if (r.status != DX_OK)
                return r;
            if (walk.frag.present) /* a second Fragment header inside the reassembled data */
                return dx_malformed(DXE_IPV6_EXT, 0);
        }
    }
    if (walk.proto != IPV6_NH_TCP)
        return dx_unsupported(DXE_NOT_TCP, cur_abs_offset(&walk.payload));
    return decode_tcp(d, &walk.payload, walk.payload_wire_len, out);
}

dx_result decode_packet(decoder_t *d, uint64_t ts_us, const uint8_t *data, size_t caplen, size_t wirelen,
                        decoded_pkt *out)
{
    memset(out, 0, sizeof(*out));
    d->st.packets++;
    ipfrag_release(d->frag);
    if (wirelen < caplen)
        wirelen = caplen;

    cur_t c;
    cur_init(&c, data, caplen);
    link_info li;
    dx_result r = link_parse(d->dlt, &c, wirelen, &li);
    if (r.status == DX_OK) {
        switch (li.l3) {
        case LINK_L3_IPV4:
            r = decode_v4(d, ts_us, &li, out);
            break;
        case LINK_L3_IPV6:
            r = decode_v6(d, ts_us, &li, out);
            break;
        case LINK_L3_OTHER:
            r = dx_unsupported(DXE_NOT_IP, li.hdr_len);
            break;
        }
    }
    switch (r.status) {
    case DX_OK:
        d->st.tcp++;
        out->ts_us = ts_us;
        return r;
    case DX_UNSUPPORTED:
        if (r.code == DXE_NOT_IP)
            d->st.not_ip++;
        else if (r.code == DXE_NOT_TCP)
            d->st.not_tcp++;
        break;
    case DX_TRUNCATED:
        d->st.truncated++;
        break;
    case DX_MALFORMED:
        d->st.malformed++;
        break;
    case DX_NEED_MORE:
        break;
    }
    memset(out, 0, sizeof(*out));
    return r;
}
